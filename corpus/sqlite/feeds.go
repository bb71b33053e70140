package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// feedColumns are the feed fields every feed query returns; scanFeed reads
// them in this order. Items counts the feed's items that still have an
// article (an index range of the feed_items primary key).
const feedColumns = `f.id, f.url, f.title, f.scope, f.added_by, f.added_at, f.etag, f.last_modified,
	f.last_success, f.last_attempt, f.next_poll, f.last_error, f.failures,
	(SELECT count(*) FROM feed_items i WHERE i.feed_id = f.id AND i.article_id IS NOT NULL)`

func scanFeed(s scanner) (corpus.Feed, error) {
	var f corpus.Feed
	var added, success, attempt, next sql.NullInt64
	err := s.Scan(&f.ID, &f.URL, &f.Title, &f.Scope, &f.AddedBy, &added, &f.ETag, &f.LastModified,
		&success, &attempt, &next, &f.LastError, &f.Failures, &f.Items)
	if err != nil {
		return corpus.Feed{}, err
	}
	f.AddedAt, f.LastSuccess, f.LastAttempt = timeOrZero(added), timeOrZero(success), timeOrZero(attempt)
	if next.Int64 != 0 {
		f.NextPoll = timeOrZero(next)
	}
	return f, nil
}

// AddFeed stores a new feed and sets f.ID and f.AddedAt (db.Now()). f.URL
// should be canonical (corpus.CanonicalURL): feeds are unique by URL within
// a scope, and AddFeed returns a *corpus.DuplicateFeedError
// (errors.Is corpus.ErrDuplicate) for a URL the scope already follows. An
// empty URL or scope returns an error wrapping corpus.ErrInvalid. The
// polling state (validators, NextPoll, failures...) is stored as given, so
// a zero NextPoll makes the feed due at once.
func (db *DB) AddFeed(ctx context.Context, f *corpus.Feed) (err error) {
	defer wrap(&err, "sqlite.AddFeed(%q)", f.URL)
	switch {
	case strings.TrimSpace(f.URL) == "":
		return fmt.Errorf("no URL: %w", corpus.ErrInvalid)
	case strings.TrimSpace(f.Scope) == "":
		// Defaulting to global could publish a server's feed to everyone.
		return fmt.Errorf("no scope: %w", corpus.ErrInvalid)
	}
	added := db.Now().UTC().Truncate(time.Second)
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var existing int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM feeds WHERE url = ? AND scope = ?`, f.URL, f.Scope).Scan(&existing)
	switch {
	case err == nil:
		return &corpus.DuplicateFeedError{ExistingID: existing, URL: f.URL}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO feeds
		(url, title, scope, added_by, added_at, etag, last_modified, last_success, last_attempt, next_poll, last_error, failures)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.URL, f.Title, f.Scope, f.AddedBy, added.Unix(), f.ETag, f.LastModified,
		unixOrNull(f.LastSuccess), unixOrNull(f.LastAttempt), unixOrZero(f.NextPoll), f.LastError, f.Failures)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
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
	defer wrap(&err, "sqlite.Feeds")
	q := `SELECT ` + feedColumns + ` FROM feeds f`
	var args []any
	if len(scopes) > 0 {
		var in string
		in, args = scopeArgs(scopes)
		q += ` WHERE f.scope IN (` + in + `)`
	}
	return db.queryFeeds(ctx, q+` ORDER BY f.id`, args...)
}

// DueFeeds returns up to limit feeds (all when limit <= 0) whose next poll
// is at or before now, the most overdue first.
func (db *DB) DueFeeds(ctx context.Context, now time.Time, limit int) (_ []corpus.Feed, err error) {
	defer wrap(&err, "sqlite.DueFeeds")
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return db.queryFeeds(ctx, `SELECT `+feedColumns+` FROM feeds f WHERE f.next_poll <= ?
		ORDER BY f.next_poll, f.id LIMIT ?`, now.Unix(), limit)
}

// NextFeedPoll returns when the next feed falls due: the earliest NextPoll,
// or the end of its lease when another process holds it (the poller sleeps
// until then rather than waking for a feed it cannot claim); ok is false
// when there are no feeds.
func (db *DB) NextFeedPoll(ctx context.Context) (next time.Time, ok bool, err error) {
	defer wrap(&err, "sqlite.NextFeedPoll")
	var n sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT min(max(next_poll, lease_until)) FROM feeds`).Scan(&n); err != nil {
		return time.Time{}, false, err
	}
	if !n.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(n.Int64, 0).UTC(), true, nil
}

// ReleaseFeedLeases ends owner's leases that still run (a poller
// stopping with feeds claimed but not polled), so another process may
// poll them at once rather than after the lease. It returns how many it
// released.
func (db *DB) ReleaseFeedLeases(ctx context.Context, owner string) (n int, err error) {
	defer wrap(&err, "sqlite.ReleaseFeedLeases(%q)", owner)
	res, err := db.write.ExecContext(ctx, `UPDATE feeds SET lease_owner = '', lease_until = 0 WHERE lease_owner = ? AND lease_until > 0`, owner)
	if err != nil {
		return 0, err
	}
	k, err := res.RowsAffected()
	return int(k), err
}

// ClaimDueFeeds leases up to limit due feeds (all when limit <= 0), the
// most overdue first, to owner until now+lease and returns them. A feed is
// due when its NextPoll is at or before now and no lease on it runs past
// now, so a feed another process holds is skipped until that process saves
// its state (SaveFeedState releases the lease) or its lease expires (the
// process died). One write transaction (SQLite has one writer) makes the
// claim atomic: two owners never get one feed.
func (db *DB) ClaimDueFeeds(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) (_ []corpus.Feed, err error) {
	defer wrap(&err, "sqlite.ClaimDueFeeds(%q)", owner)
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("no owner or lease: %w", corpus.ErrInvalid)
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	tx, err := db.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE, see the DSN
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds f
		WHERE f.next_poll <= ? AND f.lease_until <= ? ORDER BY f.next_poll, f.id LIMIT ?`,
		now.Unix(), now.Unix(), limit)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scanFeed)
	if err != nil {
		return nil, err
	}
	until := corpus.LeaseUntil(now, lease)
	for _, f := range out {
		if _, err := tx.ExecContext(ctx, `UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE id = ?`,
			owner, until, f.ID); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) queryFeeds(ctx context.Context, q string, args ...any) ([]corpus.Feed, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanFeed)
}

// Feed returns the feed with this id, whatever its scope: callers check
// f.Scope against theirs. Returns corpus.ErrNotFound if there is none.
func (db *DB) Feed(ctx context.Context, id int64) (_ corpus.Feed, err error) {
	defer wrap(&err, "sqlite.Feed(%d)", id)
	return db.feedWhere(ctx, `f.id = ?`, id)
}

// FeedByURL returns the feed of scope with this canonical URL. Returns
// corpus.ErrNotFound if the scope does not follow it.
func (db *DB) FeedByURL(ctx context.Context, url, scope string) (_ corpus.Feed, err error) {
	defer wrap(&err, "sqlite.FeedByURL(%q, %q)", url, scope)
	return db.feedWhere(ctx, `f.url = ? AND f.scope = ?`, url, scope)
}

func (db *DB) feedWhere(ctx context.Context, where string, args ...any) (corpus.Feed, error) {
	f, err := scanFeed(db.read.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM feeds f WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return corpus.Feed{}, corpus.ErrNotFound
	}
	return f, err
}

// RemoveFeed stops following the feed and forgets its items. The articles
// it added stay in the corpus. Returns corpus.ErrNotFound if there is no
// such feed.
func (db *DB) RemoveFeed(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "sqlite.RemoveFeed(%d)", id)
	// Items go by ON DELETE CASCADE.
	return oneRow(db.write.ExecContext(ctx, `DELETE FROM feeds WHERE id = ?`, id))
}

// SaveFeedState stores the polling state of f (found by f.ID): Title,
// ETag, LastModified, LastSuccess, LastAttempt, NextPoll, LastError and
// Failures. URL, Scope and AddedBy are not changed. Returns
// corpus.ErrNotFound if the feed was removed.
func (db *DB) SaveFeedState(ctx context.Context, f corpus.Feed) (err error) {
	defer wrap(&err, "sqlite.SaveFeedState(%d)", f.ID)
	if err := oneRow(db.write.ExecContext(ctx, `UPDATE feeds SET title = ?, etag = ?, last_modified = ?,
		last_success = ?, last_attempt = ?, next_poll = ?, last_error = ?, failures = ?,
		lease_owner = '', lease_until = 0 WHERE id = ?`,
		f.Title, f.ETag, f.LastModified, unixOrNull(f.LastSuccess), unixOrNull(f.LastAttempt),
		unixOrZero(f.NextPoll), f.LastError, f.Failures, f.ID)); err != nil {
		return err
	}
	return nil
}

// FeedItem looks up an item a feed delivered before. found is false for a
// new item. articleID is the article made from it, or 0 when it has none
// (its article was deleted, or the item could not become one): such an item
// stays seen and is not fetched again. itemHash is what SaveFeedItem stored.
func (db *DB) FeedItem(ctx context.Context, feedID int64, guid string) (articleID int64, itemHash string, found bool, err error) {
	defer wrap(&err, "sqlite.FeedItem(%d, %q)", feedID, guid)
	var id sql.NullInt64
	err = db.read.QueryRowContext(ctx, `SELECT article_id, hash FROM feed_items WHERE feed_id = ? AND guid = ?`,
		feedID, guid).Scan(&id, &itemHash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, err
	}
	return id.Int64, itemHash, true, nil
}

// SaveFeedItem records (or re-records) an item of a feed: the article made
// from it (0 for none) and the hash of the item as delivered. An articleID
// that no longer exists (deleted meanwhile) is stored as none. Returns
// corpus.ErrNotFound if the feed was removed.
func (db *DB) SaveFeedItem(ctx context.Context, feedID int64, guid string, articleID int64, itemHash string) (err error) {
	defer wrap(&err, "sqlite.SaveFeedItem(%d, %q)", feedID, guid)
	// The sub-selects make a vanished feed a no-op (reported below) and a
	// vanished article NULL, instead of foreign key failures.
	if err := oneRow(db.write.ExecContext(ctx, `INSERT INTO feed_items (feed_id, guid, article_id, hash, seen_at)
		SELECT ?, ?, (SELECT id FROM articles WHERE id = ?), ?, ?
		WHERE EXISTS (SELECT 1 FROM feeds WHERE id = ?)
		ON CONFLICT (feed_id, guid) DO UPDATE SET article_id = excluded.article_id, hash = excluded.hash`,
		feedID, guid, articleID, itemHash, db.Now().Unix(), feedID)); err != nil {
		return err
	}
	return nil
}
