-- Feeds the poller follows. AUTOINCREMENT so that an id is never reused:
-- articles name their feed in added_by ("feed:<id>") and outlive it. Times
-- are unix seconds (UTC), NULL when never.
CREATE TABLE feeds (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	url           TEXT NOT NULL,
	title         TEXT NOT NULL DEFAULT '',
	scope         TEXT NOT NULL,
	added_by      TEXT NOT NULL DEFAULT '',
	added_at      INTEGER NOT NULL,
	etag          TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	last_success  INTEGER,
	last_attempt  INTEGER,
	next_poll     INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT '',
	failures      INTEGER NOT NULL DEFAULT 0,
	UNIQUE (url, scope)
);
-- The poller asks for the feeds that are due, soonest first.
CREATE INDEX feeds_next_poll ON feeds(next_poll);

-- Every item a feed has delivered, so the next poll skips it. An item whose
-- article a moderator deletes keeps its row with article_id NULL: it stays
-- seen and does not come back on the next poll. hash is of the item as the
-- feed sent it (title, content, link), to notice an edit upstream.
CREATE TABLE feed_items (
	feed_id    INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
	guid       TEXT NOT NULL,
	article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
	hash       TEXT NOT NULL DEFAULT '',
	seen_at    INTEGER NOT NULL,
	PRIMARY KEY (feed_id, guid)
) WITHOUT ROWID;
-- Deleting an article looks up its items through this index (ON DELETE SET NULL).
CREATE INDEX feed_items_article ON feed_items(article_id);
