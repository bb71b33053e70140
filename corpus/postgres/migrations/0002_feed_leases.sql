-- Feed polling is claimed per feed, so several processes over one database
-- fetch each feed once per interval: ClaimDueFeeds leases a due feed to one
-- process (lease_owner) until lease_until (unix seconds); SaveFeedState
-- releases it. A process that dies holding a lease loses it when
-- lease_until passes, and another process takes the feed over.
ALTER TABLE feeds ADD COLUMN lease_owner text NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN lease_until bigint NOT NULL DEFAULT 0;
