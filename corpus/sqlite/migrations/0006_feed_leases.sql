-- Feed polling is claimed per feed (as on PostgreSQL), so two processes
-- over one file, or a console beside a bot, fetch each feed once per
-- interval: ClaimDueFeeds leases a due feed to one process (lease_owner)
-- until lease_until (unix seconds); SaveFeedState releases it. A process
-- that dies holding a lease loses it when lease_until passes.
ALTER TABLE feeds ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
