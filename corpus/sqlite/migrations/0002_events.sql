-- The audit trail: every add and remove, with who did it and where. Rows
-- outlive the articles they name (no foreign key), which is the point.
CREATE TABLE events (
	id         INTEGER PRIMARY KEY,
	at         INTEGER NOT NULL,      -- unix seconds, UTC
	action     TEXT NOT NULL,         -- 'add' or 'remove'
	article_id INTEGER NOT NULL,
	title      TEXT NOT NULL DEFAULT '',
	user_id    TEXT NOT NULL DEFAULT '',
	server_id  TEXT NOT NULL DEFAULT '',
	actor      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_server_at ON events(server_id, at);

-- Titles are looked up by prefix and word for autocomplete.
CREATE INDEX articles_scope_title ON articles(scope, title COLLATE NOCASE);
