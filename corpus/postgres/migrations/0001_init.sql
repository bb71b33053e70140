-- newsbot's PostgreSQL schema: the same records as corpus/sqlite's
-- migrations 0001-0005, in one step (a new backend has no old databases).
--
-- Times are unix seconds (UTC) in bigint columns, as the SQLite store keeps
-- them: both backends then store and compare the same values (a time is
-- truncated to the second either way), and their answers are identical.
-- NULL published_at means the publication time is unknown.
--
-- Ids come from sequences (bigserial) and are never reused, unlike SQLite's
-- rowids of deleted rows.

CREATE TABLE articles (
	id           bigserial PRIMARY KEY,
	url          text,             -- canonical URL; NULL when the article has none
	title        text NOT NULL DEFAULT '',
	source       text NOT NULL DEFAULT '',
	author       text NOT NULL DEFAULT '',
	published_at bigint,
	added_at     bigint NOT NULL,
	added_by     text NOT NULL DEFAULT '',
	scope        text NOT NULL,
	hash         text NOT NULL,
	-- corpus.Terms of the title joined by single spaces: the index is
	-- rebuilt from these without analysing text again.
	title_terms  text NOT NULL DEFAULT ''
);

-- Bodies live apart so that listings, stats and the index's scans read
-- small article rows; only Get and Rechunk read a body.
CREATE TABLE article_bodies (
	article_id bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
	body       text NOT NULL
);

-- A URL and a body hash are unique within a scope. The cross-scope rule (a
-- server may not re-add what is already global) is checked by the store
-- before it inserts; these indexes are the backstop against a concurrent
-- writer and the lookup path of the duplicate checks.
CREATE UNIQUE INDEX articles_url ON articles(url, scope) WHERE url IS NOT NULL;
CREATE UNIQUE INDEX articles_hash ON articles(hash, scope);
-- The ordering of Latest and FindTitles within a scope.
CREATE INDEX articles_scope_published ON articles(scope, published_at DESC NULLS LAST, added_at DESC, id DESC);
-- The source filter of Latest.
CREATE INDEX articles_source ON articles(lower(source), scope);

CREATE TABLE passages (
	id         bigserial PRIMARY KEY,
	article_id bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	seq        integer NOT NULL,
	text       text NOT NULL,
	-- corpus.Terms of text joined by single spaces (see title_terms).
	terms      text NOT NULL DEFAULT '',
	UNIQUE (article_id, seq)
);

-- The audit trail: every add and remove, with who did it and where. Rows
-- outlive the articles they name (no foreign key), which is the point.
CREATE TABLE events (
	id         bigserial PRIMARY KEY,
	at         bigint NOT NULL,       -- unix seconds, UTC
	action     text NOT NULL,         -- 'add' or 'remove'
	article_id bigint NOT NULL,
	title      text NOT NULL DEFAULT '',
	user_id    text NOT NULL DEFAULT '',
	server_id  text NOT NULL DEFAULT '',
	actor      text NOT NULL DEFAULT ''
);
CREATE INDEX events_server_at ON events(server_id, at DESC, id DESC);

-- Feeds the poller follows. Ids are never reused: articles name their feed
-- in added_by ("feed:<id>") and outlive it. NULL times mean never.
CREATE TABLE feeds (
	id            bigserial PRIMARY KEY,
	url           text NOT NULL,
	title         text NOT NULL DEFAULT '',
	scope         text NOT NULL,
	added_by      text NOT NULL DEFAULT '',
	added_at      bigint NOT NULL,
	etag          text NOT NULL DEFAULT '',
	last_modified text NOT NULL DEFAULT '',
	last_success  bigint,
	last_attempt  bigint,
	next_poll     bigint NOT NULL DEFAULT 0,
	last_error    text NOT NULL DEFAULT '',
	failures      integer NOT NULL DEFAULT 0,
	UNIQUE (url, scope)
);
-- The poller asks for the feeds that are due, soonest first.
CREATE INDEX feeds_next_poll ON feeds(next_poll);

-- Every item a feed has delivered, so the next poll skips it. An item whose
-- article a moderator deletes keeps its row with article_id NULL: it stays
-- seen. hash is of the item as the feed sent it, to notice an edit upstream.
CREATE TABLE feed_items (
	feed_id    bigint NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
	guid       text NOT NULL,
	article_id bigint REFERENCES articles(id) ON DELETE SET NULL,
	hash       text NOT NULL DEFAULT '',
	seen_at    bigint NOT NULL,
	PRIMARY KEY (feed_id, guid)
);
-- Deleting an article finds its items through this index (ON DELETE SET NULL).
CREATE INDEX feed_items_article ON feed_items(article_id);

-- Passage embeddings for hybrid retrieval, one per passage, as the SQLite
-- store keeps them: vec holds dim signed bytes (the unit-length float32
-- embedding quantised per vector, x ~= scale * vec[i]; see
-- corpus.Quantize), a quarter of the float32 size.
--
-- id is never reused and grows in commit order (SaveVectors takes the
-- vectors lock, see vectors.go), so the in-memory vector index loads the
-- rows above the last id it saw and misses none. Saving a passage's vector
-- again replaces its row with a new id.
CREATE TABLE passage_vectors (
	id         bigserial PRIMARY KEY,
	passage_id bigint NOT NULL UNIQUE REFERENCES passages(id) ON DELETE CASCADE,
	model      text NOT NULL,
	dim        integer NOT NULL,
	scale      real NOT NULL,
	vec        bytea NOT NULL
);
CREATE INDEX passage_vectors_model ON passage_vectors(model, id);

-- The change log: one row per added, updated or removed article, written in
-- the transaction that makes the change. seq grows in commit order: a writer
-- takes the change-log lock just before it appends and holds it until its
-- commit (see changes.go), so a reader that has applied everything up to
-- seq S and reads seq > S misses nothing.
CREATE TABLE changes (
	seq        bigserial PRIMARY KEY,
	article_id bigint NOT NULL,
	op         text NOT NULL,         -- 'add', 'update' or 'remove'
	-- unix nanoseconds, UTC: with seq and the article it tells this
	-- database's change from another database's change of the same number
	-- (an index snapshot checks it, see retrieval/index)
	at         bigint NOT NULL
);

-- Bodies, passage texts and terms are a few KB each, past the size where
-- PostgreSQL compresses a value. lz4 compresses several times faster than
-- the default pglz, which nearly doubles bulk ingest (COPY of a batch:
-- 5,500 -> 9,800 passages/s in corpus/postgres's BenchmarkAddBatch). A
-- server built without lz4 keeps pglz: slower, with the same data.
DO $$
BEGIN
	ALTER TABLE article_bodies ALTER COLUMN body SET COMPRESSION lz4;
	ALTER TABLE passages ALTER COLUMN text SET COMPRESSION lz4, ALTER COLUMN terms SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'lz4 compression not available; using pglz';
END
$$;
