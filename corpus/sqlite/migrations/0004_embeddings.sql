-- Passage embeddings for hybrid retrieval, one per passage (the model of
-- NEWSBOT_EMBED_MODEL; switching models re-embeds and replaces them).
--
-- vec holds dim signed bytes: the unit-length float32 embedding quantised
-- per vector as round(x / scale) with scale = max|x| / 127, so
-- x ~= scale * vec[i]. That is a quarter of the float32 size on disk and in
-- memory, and the ranking it gives differs from float32 only among near-ties.
--
-- id is AUTOINCREMENT, never reused: a VectorIndex loads rows with an id
-- above the last it saw, so it picks up vectors saved since (also by another
-- process) with one indexed query. Saving a passage's vector again replaces
-- its row with a new id.
CREATE TABLE passage_vectors (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	passage_id INTEGER NOT NULL UNIQUE REFERENCES passages(id) ON DELETE CASCADE,
	model      TEXT NOT NULL,
	dim        INTEGER NOT NULL,
	scale      REAL NOT NULL,
	vec        BLOB NOT NULL
);
-- (model, id): the index's incremental load and the backfill's lookups.
CREATE INDEX passage_vectors_model ON passage_vectors(model);
