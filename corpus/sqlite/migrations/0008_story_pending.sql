-- The articles not grouped into a story yet, in id order: what the
-- grouper (cmd/newsbot) reads after each ingest and to backfill a
-- database from before grouping. Small once grouping has caught up.
CREATE INDEX articles_story_pending ON articles(id) WHERE story_id IS NULL;
