-- Questions counted by the rate limiter (postgres.Limiter) that several
-- processes share: one row per accepted question per key ("u:<user>" or
-- "s:<server>"), at in unix milliseconds. Rows older than the window are
-- deleted as the key is next checked, and by Limiter.Prune.
CREATE TABLE rate_hits (
	key text NOT NULL,
	at  bigint NOT NULL
);
CREATE INDEX rate_hits_key_at ON rate_hits(key, at);
