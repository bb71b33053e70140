-- Search leaves SQLite: newsbot keeps its own in-memory index
-- (retrieval/index), built from the analysed terms stored here and kept
-- current from the change log below. The FTS5 index goes with it.
DROP TRIGGER passages_fts_delete;
DROP TABLE passages_vocab;
DROP TABLE passages_fts;

-- Analysed terms (corpus.Terms joined by single spaces) of each title and
-- passage, so the index is rebuilt without analysing text again. NULL in
-- rows written before this migration until Open fills them in.
ALTER TABLE articles ADD COLUMN title_terms TEXT;
ALTER TABLE passages ADD COLUMN terms TEXT;
-- Open looks for rows still to analyse; the partial indexes stay empty once
-- the backfill is done.
CREATE INDEX articles_unanalysed ON articles(id) WHERE title_terms IS NULL;
CREATE INDEX passages_unanalysed ON passages(id) WHERE terms IS NULL;

-- The change log: one row per added, updated or removed article, written in
-- the transaction that makes the change. AUTOINCREMENT so a sequence number
-- is never reused; with SQLite's single writer, sequence order is commit
-- order, so a reader that has applied everything up to seq S and reads
-- seq > S misses nothing.
CREATE TABLE changes (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	article_id INTEGER NOT NULL,
	op         TEXT NOT NULL,         -- 'add', 'update' or 'remove'
	-- unix nanoseconds, UTC: with the sequence number and the article
	-- it tells this database's change from another database's change of
	-- the same number (an index snapshot checks it, see retrieval/index)
	at         INTEGER NOT NULL
);
-- The articles stored before the log existed, as if added now, so a reader
-- starting from sequence 0 sees the whole corpus.
INSERT INTO changes(article_id, op, at) SELECT id, 'add', added_at * 1000000000 + abs(random() % 1000000000) FROM articles ORDER BY id;
