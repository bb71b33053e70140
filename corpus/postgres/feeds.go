package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/corpus"
)

// feedColumns are the feed fields every feed query returns; scanFeed reads
// them in this order. Items counts the feed's items that still have an
// article.
const feedColumns = `f.id, f.url, f.title, f.scope, f.added_by, f.added_at, f.etag, f.last_modified,
	f.last_success, f.last_attempt, f.next_poll, f.last_error, f.failures,
	(SELECT count(*) FROM feed_items i WHERE i.feed_id = f.id AND i.article_id IS NOT NULL)`

func scanFeed(row pgx.Row) (corpus.Feed, error) {
	var f corpus.Feed
	var added, success, attempt *int64
	var next, items int64
	var failures int32
	err := row.Scan(&f.ID, &f.URL, &f.Title, &f.Scope, &f.AddedBy, &added, &f.ETag, &f.LastModified,
		&success, &attempt, &next, &f.LastError, &failures, &items)
	if err != nil {
		return corpus.Feed{}, err
	}
	f.AddedAt, f.LastSuccess, f.LastAttempt = timeOrZero(added), timeOrZero(success), timeOrZero(attempt)
	f.Failures, f.Items = int(failures), int(items)
	if next != 0 {
		f.NextPoll = time.Unix(next, 0).UTC()
	}
	return f, nil
}

// AddFeed stores a new feed and sets f.ID and f.AddedAt (db.Now()). f.URL
// should be canonical (corpus.CanonicalURL): feeds are unique by URL within
// a scope, and AddFeed returns a *corpus.DuplicateFeedError
// (errors.Is corpus.ErrDuplicate) for a URL the scope already follows. An
// empty URL or scope returns an error wrapping corpus.ErrInvalid. The
// polling state is stored as given, so a zero NextPoll makes the feed due
// at once.
func (db *DB) AddFeed(ctx context.Context, f *corpus.Feed) (err error) {
	defer wrap(&err, "postgres.AddFeed(%q)", f.URL)
	switch {
	case strings.TrimSpace(f.URL) == "":
		return fmt.Errorf("no URL: %w", corpus.ErrInvalid)
	case strings.TrimSpace(f.Scope) == "":
		// Defaulting to global could publish a server's feed to everyone.
		return fmt.Errorf("no scope: %w", corpus.ErrInvalid)
	}
	added := db.Now().UTC().Truncate(time.Second)
	var id int64
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		// ON CONFLICT DO NOTHING: a concurrent add of the same feed makes
		// this a no-op, reported as the duplicate it is.
		err := tx.QueryRow(ctx, `INSERT INTO feeds
			(url, title, scope, added_by, added_at, etag, last_modified, last_success, last_attempt, next_poll, last_error, failures)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (url, scope) DO NOTHING RETURNING id`,
			f.URL, f.Title, f.Scope, f.AddedBy, added.Unix(), f.ETag, f.LastModified,
			unixOrNull(f.LastSuccess), unixOrNull(f.LastAttempt), unixOrZero(f.NextPoll), f.LastError, f.Failures).Scan(&id)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var existing int64
		if err := tx.QueryRow(ctx, `SELECT id FROM feeds WHERE url = $1 AND scope = $2`, f.URL, f.Scope).Scan(&existing); err != nil {
			return err
		}
		return &corpus.DuplicateFeedError{ExistingID: existing, URL: f.URL}
	})
	if err != nil {
		return err
	}
	f.ID, f.AddedAt = id, added
	return nil
}

// unixOrZero stores a time as unix seconds and the zero time as 0, for
// columns that are compared (next_poll: zero means due long ago).
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// Feeds returns the feeds of scopes, oldest first. Unlike the article
// queries, empty scopes means every feed of every scope: the poller and the
// operator's CLI see all of them, while a Discord server passes
// [GlobalScope, its id].
func (db *DB) Feeds(ctx context.Context, scopes []string) (_ []corpus.Feed, err error) {
	defer wrap(&err, "postgres.Feeds")
	if len(scopes) == 0 {
		return db.queryFeeds(ctx, `SELECT `+feedColumns+` FROM feeds f ORDER BY f.id`)
	}
	return db.queryFeeds(ctx, `SELECT `+feedColumns+` FROM feeds f WHERE f.scope = ANY($1) ORDER BY f.id`, scopes)
}

// DueFeeds returns up to limit feeds (all when limit <= 0) whose next poll
// is at or before now, the most overdue first.
func (db *DB) DueFeeds(ctx context.Context, now time.Time, limit int) (_ []corpus.Feed, err error) {
	defer wrap(&err, "postgres.DueFeeds")
	var lim *int64 // NULL: LIMIT ALL
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	return db.queryFeeds(ctx, `SELECT `+feedColumns+` FROM feeds f WHERE f.next_poll <= $1
		ORDER BY f.next_poll, f.id LIMIT $2`, now.Unix(), lim)
}

// NextFeedPoll returns when the next feed falls due: the earliest NextPoll,
// or the end of its lease when another process holds it (the poller sleeps
// until then rather than waking for a feed it cannot claim); ok is false
// when there are no feeds.
func (db *DB) NextFeedPoll(ctx context.Context) (next time.Time, ok bool, err error) {
	defer wrap(&err, "postgres.NextFeedPoll")
	var n *int64
	if err := db.pool.QueryRow(ctx, `SELECT min(greatest(next_poll, lease_until)) FROM feeds`).Scan(&n); err != nil {
		return time.Time{}, false, err
	}
	if n == nil {
		return time.Time{}, false, nil
	}
	return time.Unix(*n, 0).UTC(), true, nil
}

// ReleaseFeedLeases ends owner's leases that still run (a poller
// stopping with feeds claimed but not polled), so another process may
// poll them at once rather than after the lease. It returns how many it
// released.
func (db *DB) ReleaseFeedLeases(ctx context.Context, owner string) (n int, err error) {
	defer wrap(&err, "postgres.ReleaseFeedLeases(%q)", owner)
	tag, err := db.pool.Exec(ctx, `UPDATE feeds SET lease_owner = '', lease_until = 0 WHERE lease_owner = $1 AND lease_until > 0`, owner)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// ClaimDueFeeds leases up to limit due feeds (all when limit <= 0), the
// most overdue first, to owner until now+lease and returns them. A feed is
// due when its NextPoll is at or before now and no lease on it runs past
// now, so a feed another process holds is skipped until that process saves
// its state (SaveFeedState releases the lease) or its lease expires (the
// process died). FOR UPDATE SKIP LOCKED lets processes claiming at once
// each take different feeds without waiting for one another; the UPDATE
// re-checks the lease, so two owners never get one feed.
func (db *DB) ClaimDueFeeds(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) (_ []corpus.Feed, err error) {
	defer wrap(&err, "postgres.ClaimDueFeeds(%q)", owner)
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("no owner or lease: %w", corpus.ErrInvalid)
	}
	var lim *int64 // NULL: LIMIT ALL
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	var out []corpus.Feed
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH claimed AS (
				UPDATE feeds SET lease_owner = $1, lease_until = $2
				WHERE id IN (SELECT id FROM feeds WHERE next_poll <= $3 AND lease_until <= $3
					ORDER BY next_poll, id LIMIT $4 FOR UPDATE SKIP LOCKED)
				AND next_poll <= $3 AND lease_until <= $3
				RETURNING id)
			SELECT `+feedColumns+` FROM feeds f JOIN claimed c ON c.id = f.id ORDER BY f.next_poll, f.id`,
			owner, corpus.LeaseUntil(now, lease), now.Unix(), lim)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.Feed, error) { return scanFeed(row) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) queryFeeds(ctx context.Context, q string, args ...any) ([]corpus.Feed, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.Feed, error) { return scanFeed(row) })
}

// Feed returns the feed with this id, whatever its scope: callers check
// f.Scope against theirs. Returns corpus.ErrNotFound if there is none.
func (db *DB) Feed(ctx context.Context, id int64) (_ corpus.Feed, err error) {
	defer wrap(&err, "postgres.Feed(%d)", id)
	return db.feedWhere(ctx, `f.id = $1`, id)
}

// FeedByURL returns the feed of scope with this canonical URL. Returns
// corpus.ErrNotFound if the scope does not follow it.
func (db *DB) FeedByURL(ctx context.Context, url, scope string) (_ corpus.Feed, err error) {
	defer wrap(&err, "postgres.FeedByURL(%q, %q)", url, scope)
	return db.feedWhere(ctx, `f.url = $1 AND f.scope = $2`, url, scope)
}

func (db *DB) feedWhere(ctx context.Context, where string, args ...any) (corpus.Feed, error) {
	f, err := scanFeed(db.pool.QueryRow(ctx, `SELECT `+feedColumns+` FROM feeds f WHERE `+where, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return corpus.Feed{}, corpus.ErrNotFound
	}
	return f, err
}

// RemoveFeed stops following the feed and forgets its items. The articles
// it added stay in the corpus. Returns corpus.ErrNotFound if there is no
// such feed.
func (db *DB) RemoveFeed(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "postgres.RemoveFeed(%d)", id)
	// Items go by ON DELETE CASCADE.
	return oneRow(db.pool.Exec(ctx, `DELETE FROM feeds WHERE id = $1`, id))
}

// SaveFeedState stores the polling state of f (found by f.ID): Title,
// ETag, LastModified, LastSuccess, LastAttempt, NextPoll, LastError and
// Failures. URL, Scope and AddedBy are not changed. Returns
// corpus.ErrNotFound if the feed was removed.
func (db *DB) SaveFeedState(ctx context.Context, f corpus.Feed) (err error) {
	defer wrap(&err, "postgres.SaveFeedState(%d)", f.ID)
	return oneRow(db.pool.Exec(ctx, `UPDATE feeds SET title = $1, etag = $2, last_modified = $3,
		last_success = $4, last_attempt = $5, next_poll = $6, last_error = $7, failures = $8,
		lease_owner = '', lease_until = 0 WHERE id = $9`,
		f.Title, f.ETag, f.LastModified, unixOrNull(f.LastSuccess), unixOrNull(f.LastAttempt),
		unixOrZero(f.NextPoll), f.LastError, f.Failures, f.ID))
}

// FeedItem looks up an item a feed delivered before. found is false for a
// new item. articleID is the article made from it, or 0 when it has none
// (its article was deleted, or the item could not become one): such an item
// stays seen and is not fetched again. itemHash is what SaveFeedItem stored.
func (db *DB) FeedItem(ctx context.Context, feedID int64, guid string) (articleID int64, itemHash string, found bool, err error) {
	defer wrap(&err, "postgres.FeedItem(%d, %q)", feedID, guid)
	var id *int64
	err = db.pool.QueryRow(ctx, `SELECT article_id, hash FROM feed_items WHERE feed_id = $1 AND guid = $2`,
		feedID, guid).Scan(&id, &itemHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, err
	}
	if id != nil {
		articleID = *id
	}
	return articleID, itemHash, true, nil
}

// SaveFeedItem records (or re-records) an item of a feed: the article made
// from it (0 for none) and the hash of the item as delivered. An articleID
// that no longer exists (deleted meanwhile) is stored as none. Returns
// corpus.ErrNotFound if the feed was removed.
func (db *DB) SaveFeedItem(ctx context.Context, feedID int64, guid string, articleID int64, itemHash string) (err error) {
	defer wrap(&err, "postgres.SaveFeedItem(%d, %q)", feedID, guid)
	// The sub-selects make a vanished feed a no-op (reported below) and a
	// vanished article NULL, instead of foreign key failures; one deleted
	// by a concurrent transaction fails the key and is retried.
	return withRetry(ctx, func() error {
		return oneRow(db.pool.Exec(ctx, `INSERT INTO feed_items (feed_id, guid, article_id, hash, seen_at)
			SELECT $1, $2, (SELECT id FROM articles WHERE id = $3), $4, $5
			WHERE EXISTS (SELECT 1 FROM feeds WHERE id = $1)
			ON CONFLICT (feed_id, guid) DO UPDATE SET article_id = excluded.article_id, hash = excluded.hash`,
			feedID, guid, articleID, itemHash, db.Now().Unix()))
	})
}
