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

const followColumns = `id, scope, frontend, channel_id, created_by, question, created_at, last_update_at, last_score, cursor`

func scanFollow(s scanner) (corpus.Follow, error) {
	var f corpus.Follow
	var created, last int64
	if err := s.Scan(&f.ID, &f.Scope, &f.Frontend, &f.ChannelID, &f.CreatedBy, &f.Question, &created, &last, &f.LastScore, &f.Cursor); err != nil {
		return corpus.Follow{}, err
	}
	f.CreatedAt = time.Unix(0, created).UTC()
	if last != 0 {
		f.LastUpdateAt = time.Unix(0, last).UTC()
	}
	return f, nil
}

// AddFollow stores a new follow and sets f.ID, f.CreatedAt (db.Now()) and
// f.Cursor (the newest change: only articles from now on are news to
// it). Returns a *corpus.FollowLimitError when f.Scope already has
// lim.PerScope follows or f.CreatedBy has lim.PerUser in it; an error
// wrapping corpus.ErrInvalid for a follow without scope, channel or
// question. The count and the insert are one write transaction, so two
// follows at once cannot both pass a limit.
func (db *DB) AddFollow(ctx context.Context, f *corpus.Follow, lim corpus.FollowLimits) (err error) {
	defer wrap(&err, "sqlite.AddFollow")
	if strings.TrimSpace(f.Scope) == "" || f.ChannelID == "" || strings.TrimSpace(f.Question) == "" || f.Frontend == "" {
		return fmt.Errorf("no scope, frontend, channel or question: %w", corpus.ErrInvalid)
	}
	tx, err := db.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var inScope, byUser int
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(created_by = ?), 0) FROM follows WHERE scope = ?`,
		f.CreatedBy, f.Scope).Scan(&inScope, &byUser); err != nil {
		return err
	}
	switch {
	case lim.PerUser > 0 && byUser >= lim.PerUser:
		return &corpus.FollowLimitError{PerUser: true, Max: lim.PerUser}
	case lim.PerScope > 0 && inScope >= lim.PerScope:
		return &corpus.FollowLimitError{Max: lim.PerScope}
	}
	var cursor int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&cursor); err != nil {
		return err
	}
	now := db.Now().UTC()
	res, err := tx.ExecContext(ctx, `INSERT INTO follows (scope, frontend, channel_id, created_by, question, created_at, cursor)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, f.Scope, f.Frontend, f.ChannelID, f.CreatedBy, f.Question, now.UnixNano(), cursor)
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
	f.ID, f.CreatedAt, f.Cursor = id, now, cursor
	return nil
}

// Follow returns the follow with this id, corpus.ErrNotFound if none.
func (db *DB) Follow(ctx context.Context, id int64) (_ corpus.Follow, err error) {
	defer wrap(&err, "sqlite.Follow(%d)", id)
	f, err := scanFollow(db.read.QueryRowContext(ctx, `SELECT `+followColumns+` FROM follows WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return corpus.Follow{}, corpus.ErrNotFound
	}
	return f, err
}

// Follows lists the follows of scope, of one channel when channelID is
// not empty, oldest first.
func (db *DB) Follows(ctx context.Context, scope, channelID string) (_ []corpus.Follow, err error) {
	defer wrap(&err, "sqlite.Follows(%q, %q)", scope, channelID)
	q, args := `SELECT `+followColumns+` FROM follows WHERE scope = ?`, []any{scope}
	if channelID != "" {
		q += ` AND channel_id = ?`
		args = append(args, channelID)
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanFollow)
}

// RemoveFollow deletes a follow with its posts and sent records. Returns
// corpus.ErrNotFound if there is none.
func (db *DB) RemoveFollow(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "sqlite.RemoveFollow(%d)", id)
	return oneRow(db.write.ExecContext(ctx, `DELETE FROM follows WHERE id = ?`, id))
}

// ClaimFollows leases to owner, until now+lease, up to limit follows of
// frontend that have work: an update recorded and not sent, or changes
// past their cursor up to upTo (how far the caller's index has applied
// the log) and a last update at least interval ago. A follow leased to
// another owner is skipped until its lease ends. One write transaction
// makes the claim atomic: two owners never hold one follow.
func (db *DB) ClaimFollows(ctx context.Context, owner, frontend string, now time.Time, upTo int64, interval, lease time.Duration, limit int) (_ []corpus.Follow, err error) {
	defer wrap(&err, "sqlite.ClaimFollows(%q)", owner)
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("no owner or lease: %w", corpus.ErrInvalid)
	}
	if limit <= 0 {
		limit = -1
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	n := now.UnixNano()
	rows, err := tx.QueryContext(ctx, `SELECT `+followColumns+` FROM follows f
		WHERE frontend = ? AND lease_until <= ? AND (
			EXISTS (SELECT 1 FROM follow_posts p WHERE p.follow_id = f.id AND p.sent_at = 0)
			OR (cursor < ? AND last_update_at <= ?))
		ORDER BY id LIMIT ?`, frontend, n, upTo, n-interval.Nanoseconds(), limit)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scanFollow)
	if err != nil {
		return nil, err
	}
	for _, f := range out {
		if _, err := tx.ExecContext(ctx, `UPDATE follows SET lease_owner = ?, lease_until = ? WHERE id = ?`,
			owner, now.Add(lease).UnixNano(), f.ID); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}

// ReleaseFollow ends owner's lease on a follow, so it can be claimed again
// at once. Releasing a follow owner does not hold is a no-op.
func (db *DB) ReleaseFollow(ctx context.Context, owner string, id int64) (err error) {
	defer wrap(&err, "sqlite.ReleaseFollow(%d)", id)
	_, err = db.write.ExecContext(ctx, `UPDATE follows SET lease_owner = '', lease_until = 0 WHERE id = ? AND lease_owner = ?`, id, owner)
	return err
}

// SentStories returns those of stories that a post of the follow has
// already told.
func (db *DB) SentStories(ctx context.Context, followID int64, stories []int64) (_ []int64, err error) {
	defer wrap(&err, "sqlite.SentStories(%d)", followID)
	if len(stories) == 0 {
		return nil, nil
	}
	args := []any{followID}
	for _, s := range stories {
		args = append(args, s)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT story_id FROM follow_sent WHERE follow_id = ? AND story_id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(stories)), ", ")+`) ORDER BY story_id`, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanID)
}

// RecordFollow records owner's work on a follow in one transaction: the
// cursor moves to cursor and, when post is not nil, the post is stored
// pending with its stories claimed in follow_sent (a story another post
// of the follow told already is left out; a post left with no story is
// not stored) and the follow's LastUpdateAt (now) and LastScore set.
// post.ID and post.CreatedAt are set when it is stored. Returns
// corpus.ErrLeaseLost when owner's lease has ended (the work is not
// recorded), corpus.ErrNotFound when the follow was removed.
func (db *DB) RecordFollow(ctx context.Context, owner string, followID, cursor int64, now time.Time, score float64, post *corpus.FollowPost) (err error) {
	defer wrap(&err, "sqlite.RecordFollow(%d)", followID)
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var holder string
	var until int64
	err = tx.QueryRowContext(ctx, `SELECT lease_owner, lease_until FROM follows WHERE id = ?`, followID).Scan(&holder, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return corpus.ErrNotFound
	}
	if err != nil {
		return err
	}
	if holder != owner || until <= now.UnixNano() {
		return corpus.ErrLeaseLost
	}
	if post != nil {
		res, err := tx.ExecContext(ctx, `INSERT INTO follow_posts (follow_id, body, created_at) VALUES (?, ?, ?)`,
			followID, post.Body, now.UnixNano())
		if err != nil {
			return err
		}
		postID, err := res.LastInsertId()
		if err != nil {
			return err
		}
		var told []int64
		for _, s := range post.Stories {
			res, err := tx.ExecContext(ctx, `INSERT INTO follow_sent (follow_id, story_id, post_id) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, followID, s, postID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				told = append(told, s)
			}
		}
		if len(told) == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM follow_posts WHERE id = ?`, postID); err != nil {
				return err
			}
			post = nil
		} else {
			if _, err := tx.ExecContext(ctx, `UPDATE follows SET last_update_at = ?, last_score = ? WHERE id = ?`,
				now.UnixNano(), score, followID); err != nil {
				return err
			}
			post.ID, post.FollowID, post.Stories, post.CreatedAt = postID, followID, told, now.UTC()
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE follows SET cursor = max(cursor, ?) WHERE id = ?`, cursor, followID); err != nil {
		return err
	}
	return tx.Commit()
}

// PendingFollowPosts returns the follow's posts recorded and not sent,
// oldest first.
func (db *DB) PendingFollowPosts(ctx context.Context, followID int64) (_ []corpus.FollowPost, err error) {
	defer wrap(&err, "sqlite.PendingFollowPosts(%d)", followID)
	rows, err := db.read.QueryContext(ctx, `SELECT id, body, created_at FROM follow_posts
		WHERE follow_id = ? AND sent_at = 0 ORDER BY id`, followID)
	if err != nil {
		return nil, err
	}
	var out []corpus.FollowPost
	for rows.Next() {
		p := corpus.FollowPost{FollowID: followID}
		var at int64
		if err := rows.Scan(&p.ID, &p.Body, &at); err != nil {
			rows.Close()
			return nil, err
		}
		p.CreatedAt = time.Unix(0, at).UTC()
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		srows, err := db.read.QueryContext(ctx, `SELECT story_id FROM follow_sent WHERE post_id = ? ORDER BY story_id`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for srows.Next() {
			var s int64
			if err := srows.Scan(&s); err != nil {
				srows.Close()
				return nil, err
			}
			out[i].Stories = append(out[i].Stories, s)
		}
		srows.Close()
		if err := srows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MarkFollowPostSent records that a post was sent at at. Returns
// corpus.ErrNotFound if the post is gone (its follow was removed).
func (db *DB) MarkFollowPostSent(ctx context.Context, postID int64, at time.Time) (err error) {
	defer wrap(&err, "sqlite.MarkFollowPostSent(%d)", postID)
	return oneRow(db.write.ExecContext(ctx, `UPDATE follow_posts SET sent_at = ? WHERE id = ?`, at.UnixNano(), postID))
}
