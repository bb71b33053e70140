-- Passages as byte ranges of their article's body. Every passage Chunk
-- makes is a substring of the body, so storing its text again doubled what
-- a bulk ingest writes (37.5 of 108 MB per 20,000 articles) through the
-- single writer connection. A passage whose text is not found in the body
-- (none that newsbot writes today; a safeguard) keeps its text and NULL
-- offsets. The passage is
--   start_byte IS NULL:     text
--   otherwise:              bytes [start_byte, end_byte) of article_bodies.body
-- and text is '' (it stays NOT NULL: changing that needs a table rebuild,
-- which, with foreign keys on, would cascade into passage_vectors).
ALTER TABLE passages ADD COLUMN start_byte INTEGER;
ALTER TABLE passages ADD COLUMN end_byte INTEGER;

-- instr over BLOBs counts bytes, as Go's strings.Index does.
UPDATE passages SET start_byte = (
	SELECT instr(CAST(b.body AS BLOB), CAST(passages.text AS BLOB)) - 1
	FROM article_bodies b WHERE b.article_id = passages.article_id);
UPDATE passages SET start_byte = NULL WHERE start_byte < 0;
UPDATE passages SET end_byte = start_byte + length(CAST(text AS BLOB)), text = ''
	WHERE start_byte IS NOT NULL;
