-- The story an article belongs to (corpus/stories): the id of the story's
-- first article, NULL until the article is grouped. No foreign key: a
-- story keeps its id when the article that named it is deleted.
ALTER TABLE articles ADD COLUMN story_id INTEGER;
CREATE INDEX articles_story ON articles(story_id) WHERE story_id IS NOT NULL;
