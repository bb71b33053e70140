-- Articles: one row per stored story. Times are unix seconds (UTC); NULL
-- published_at means the publication time is unknown.
CREATE TABLE articles (
	id           INTEGER PRIMARY KEY,
	url          TEXT,             -- canonical URL; NULL when the article has none
	title        TEXT NOT NULL DEFAULT '',
	source       TEXT NOT NULL DEFAULT '',
	author       TEXT NOT NULL DEFAULT '',
	published_at INTEGER,
	added_at     INTEGER NOT NULL,
	added_by     TEXT NOT NULL DEFAULT '',
	scope        TEXT NOT NULL,
	hash         TEXT NOT NULL
);

-- Bodies live apart so that listings, stats and the joins of a search scan
-- small article rows; only Get reads a body.
CREATE TABLE article_bodies (
	article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
	body       TEXT NOT NULL
);

-- A URL and a body hash are unique within a scope. The cross-scope rule (a
-- server may not re-add what is already global) is checked by Add inside its
-- write transaction; these indexes are the backstop and the lookup path.
CREATE UNIQUE INDEX articles_url ON articles(url, scope) WHERE url IS NOT NULL;
CREATE UNIQUE INDEX articles_hash ON articles(hash, scope);
-- Covers the ordering of Latest, so it sorts index entries, not rows.
CREATE INDEX articles_scope_published ON articles(scope, published_at, added_at);
-- Serves the source filter of Latest and, covering, Sources.
CREATE INDEX articles_source ON articles(lower(source), scope, source);

CREATE TABLE passages (
	id         INTEGER PRIMARY KEY,
	article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	text       TEXT NOT NULL,
	UNIQUE (article_id, seq)
);

-- The full-text index holds analysed text (corpus.Terms joined by spaces),
-- not the raw text, so the query side, which analyses with the same
-- function, matches exactly and passages_vocab reports exact document
-- frequencies. Contentless: the raw text lives in passages already.
-- rowid = passages.id.
CREATE VIRTUAL TABLE passages_fts USING fts5(
	title, body,
	content = '',
	contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE passages_vocab USING fts5vocab(passages_fts, 'row');

-- Index entries go with their passage however it is deleted (directly or by
-- the cascade from articles).
CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN
	DELETE FROM passages_fts WHERE rowid = old.id;
END;
