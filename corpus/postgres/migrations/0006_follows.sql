-- Questions channels follow (/follow) and the updates posted for them.
-- Times are unix nanoseconds (an update interval may be short in tests).
-- cursor is the change-log seq the follow has considered; a serving
-- process claims a follow (lease_owner, lease_until; FOR UPDATE SKIP
-- LOCKED) to work on it, so with several processes each update is made
-- and sent once.
CREATE TABLE follows (
	id             bigserial PRIMARY KEY,
	scope          text NOT NULL,
	frontend       text NOT NULL,
	channel_id     text NOT NULL,
	created_by     text NOT NULL,
	question       text NOT NULL,
	created_at     bigint NOT NULL,
	last_update_at bigint NOT NULL DEFAULT 0,
	last_score     double precision NOT NULL DEFAULT 0,
	cursor         bigint NOT NULL DEFAULT 0,
	lease_owner    text NOT NULL DEFAULT '',
	lease_until    bigint NOT NULL DEFAULT 0
);
CREATE INDEX follows_scope ON follows(scope, channel_id);
-- An update is recorded here (sent_at 0) before it is sent and marked
-- sent after; a restart sends the ones left pending.
CREATE TABLE follow_posts (
	id         bigserial PRIMARY KEY,
	follow_id  bigint NOT NULL REFERENCES follows(id) ON DELETE CASCADE,
	body       text NOT NULL,
	created_at bigint NOT NULL,
	sent_at    bigint NOT NULL DEFAULT 0
);
CREATE INDEX follow_posts_pending ON follow_posts(follow_id) WHERE sent_at = 0;
-- At most one update per story per follow: the primary key is the claim.
CREATE TABLE follow_sent (
	follow_id bigint NOT NULL REFERENCES follows(id) ON DELETE CASCADE,
	story_id  bigint NOT NULL,
	post_id   bigint NOT NULL REFERENCES follow_posts(id) ON DELETE CASCADE,
	PRIMARY KEY (follow_id, story_id)
);
