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

const followColumns = `id, scope, frontend, channel_id, created_by, question, created_at, last_update_at, last_score, cursor`

func scanFollow(row pgx.Row) (corpus.Follow, error) {
	var f corpus.Follow
	var created, last int64
	if err := row.Scan(&f.ID, &f.Scope, &f.Frontend, &f.ChannelID, &f.CreatedBy, &f.Question, &created, &last, &f.LastScore, &f.Cursor); err != nil {
		return corpus.Follow{}, err
	}
	f.CreatedAt = time.Unix(0, created).UTC()
	if last != 0 {
		f.LastUpdateAt = time.Unix(0, last).UTC()
	}
	return f, nil
}

func collectFollows(rows pgx.Rows) ([]corpus.Follow, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.Follow, error) { return scanFollow(row) })
}

// AddFollow stores a new follow and sets f.ID, f.CreatedAt (db.Now()) and
// f.Cursor (the newest change: only articles from now on are news to
// it). Returns a *corpus.FollowLimitError when f.Scope already has
// lim.PerScope follows or f.CreatedBy has lim.PerUser in it; an error
// wrapping corpus.ErrInvalid for a follow without scope, channel or
// question. A transaction-scoped advisory lock on the scope serialises
// the count and the insert, so two processes adding at once cannot both
// pass a limit.
func (db *DB) AddFollow(ctx context.Context, f *corpus.Follow, lim corpus.FollowLimits) (err error) {
	defer wrap(&err, "postgres.AddFollow")
	if strings.TrimSpace(f.Scope) == "" || f.ChannelID == "" || strings.TrimSpace(f.Question) == "" || f.Frontend == "" {
		return fmt.Errorf("no scope, frontend, channel or question: %w", corpus.ErrInvalid)
	}
	now := db.Now().UTC()
	var id, cursor int64
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('newsbot follows ' || $1))`, f.Scope); err != nil {
			return err
		}
		var inScope, byUser int
		if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE created_by = $1) FROM follows WHERE scope = $2`,
			f.CreatedBy, f.Scope).Scan(&inScope, &byUser); err != nil {
			return err
		}
		switch {
		case lim.PerUser > 0 && byUser >= lim.PerUser:
			return &corpus.FollowLimitError{PerUser: true, Max: lim.PerUser}
		case lim.PerScope > 0 && inScope >= lim.PerScope:
			return &corpus.FollowLimitError{Max: lim.PerScope}
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&cursor); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO follows (scope, frontend, channel_id, created_by, question, created_at, cursor)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			f.Scope, f.Frontend, f.ChannelID, f.CreatedBy, f.Question, now.UnixNano(), cursor).Scan(&id)
	})
	if err != nil {
		return err
	}
	f.ID, f.CreatedAt, f.Cursor = id, now, cursor
	return nil
}

// Follow returns the follow with this id, corpus.ErrNotFound if none.
func (db *DB) Follow(ctx context.Context, id int64) (_ corpus.Follow, err error) {
	defer wrap(&err, "postgres.Follow(%d)", id)
	f, err := scanFollow(db.pool.QueryRow(ctx, `SELECT `+followColumns+` FROM follows WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return corpus.Follow{}, corpus.ErrNotFound
	}
	return f, err
}

// Follows lists the follows of scope, of one channel when channelID is
// not empty, oldest first.
func (db *DB) Follows(ctx context.Context, scope, channelID string) (_ []corpus.Follow, err error) {
	defer wrap(&err, "postgres.Follows(%q, %q)", scope, channelID)
	rows, err := db.pool.Query(ctx, `SELECT `+followColumns+` FROM follows
		WHERE scope = $1 AND ($2 = '' OR channel_id = $2) ORDER BY id`, scope, channelID)
	if err != nil {
		return nil, err
	}
	return collectFollows(rows)
}

// RemoveFollow deletes a follow with its posts and sent records. Returns
// corpus.ErrNotFound if there is none.
func (db *DB) RemoveFollow(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "postgres.RemoveFollow(%d)", id)
	return oneRow(db.pool.Exec(ctx, `DELETE FROM follows WHERE id = $1`, id))
}

// ClaimFollows leases to owner, until now+lease, up to limit follows of
// frontend that have work: an update recorded and not sent, or changes
// past their cursor up to upTo (how far the caller's index has applied
// the log) and a last update at least interval ago. A follow leased to
// another owner is skipped until its lease ends. FOR UPDATE SKIP LOCKED
// lets processes claiming at once take different follows without waiting;
// the UPDATE re-checks the lease, so two owners never hold one follow.
func (db *DB) ClaimFollows(ctx context.Context, owner, frontend string, now time.Time, upTo int64, interval, lease time.Duration, limit int) (_ []corpus.Follow, err error) {
	defer wrap(&err, "postgres.ClaimFollows(%q)", owner)
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("no owner or lease: %w", corpus.ErrInvalid)
	}
	var lim *int64 // NULL: LIMIT ALL
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	n := now.UnixNano()
	var out []corpus.Follow
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH claimed AS (
				UPDATE follows SET lease_owner = $1, lease_until = $2
				WHERE id IN (SELECT id FROM follows f WHERE frontend = $3 AND lease_until <= $4 AND (
						EXISTS (SELECT 1 FROM follow_posts p WHERE p.follow_id = f.id AND p.sent_at = 0)
						OR (cursor < $5 AND last_update_at <= $6))
					ORDER BY id LIMIT $7 FOR UPDATE SKIP LOCKED)
				AND lease_until <= $4
				RETURNING `+followColumns+`)
			SELECT `+followColumns+` FROM claimed ORDER BY id`,
			owner, now.Add(lease).UnixNano(), frontend, n, upTo, n-interval.Nanoseconds(), lim)
		if err != nil {
			return err
		}
		out, err = collectFollows(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReleaseFollow ends owner's lease on a follow, so it can be claimed again
// at once. Releasing a follow owner does not hold is a no-op.
func (db *DB) ReleaseFollow(ctx context.Context, owner string, id int64) (err error) {
	defer wrap(&err, "postgres.ReleaseFollow(%d)", id)
	_, err = db.pool.Exec(ctx, `UPDATE follows SET lease_owner = '', lease_until = 0 WHERE id = $1 AND lease_owner = $2`, id, owner)
	return err
}

// SentStories returns those of stories that a post of the follow has
// already told.
func (db *DB) SentStories(ctx context.Context, followID int64, stories []int64) (_ []int64, err error) {
	defer wrap(&err, "postgres.SentStories(%d)", followID)
	if len(stories) == 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT story_id FROM follow_sent WHERE follow_id = $1 AND story_id = ANY($2) ORDER BY story_id`,
		followID, stories)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// RecordFollow records owner's work on a follow in one transaction: the
// cursor moves to cursor and, when post is not nil, the post is stored
// pending with its stories claimed in follow_sent (ON CONFLICT DO
// NOTHING: a story another post of the follow told already is left out;
// a post left with no story is not stored) and the follow's LastUpdateAt
// (now) and LastScore set. post.ID and post.CreatedAt are set when it is
// stored. The follow row is locked first, so the lease check holds until
// commit. Returns corpus.ErrLeaseLost when owner's lease has ended (the
// work is not recorded), corpus.ErrNotFound when the follow was removed.
func (db *DB) RecordFollow(ctx context.Context, owner string, followID, cursor int64, now time.Time, score float64, post *corpus.FollowPost) (err error) {
	defer wrap(&err, "postgres.RecordFollow(%d)", followID)
	var stored *corpus.FollowPost
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		stored = nil
		var holder string
		var until int64
		err := tx.QueryRow(ctx, `SELECT lease_owner, lease_until FROM follows WHERE id = $1 FOR UPDATE`, followID).Scan(&holder, &until)
		if errors.Is(err, pgx.ErrNoRows) {
			return corpus.ErrNotFound
		}
		if err != nil {
			return err
		}
		if holder != owner || until <= now.UnixNano() {
			return corpus.ErrLeaseLost
		}
		if post != nil {
			var postID int64
			if err := tx.QueryRow(ctx, `INSERT INTO follow_posts (follow_id, body, created_at) VALUES ($1, $2, $3) RETURNING id`,
				followID, post.Body, now.UnixNano()).Scan(&postID); err != nil {
				return err
			}
			var told []int64
			for _, s := range post.Stories {
				tag, err := tx.Exec(ctx, `INSERT INTO follow_sent (follow_id, story_id, post_id) VALUES ($1, $2, $3)
					ON CONFLICT DO NOTHING`, followID, s, postID)
				if err != nil {
					return err
				}
				if tag.RowsAffected() == 1 {
					told = append(told, s)
				}
			}
			if len(told) == 0 {
				if _, err := tx.Exec(ctx, `DELETE FROM follow_posts WHERE id = $1`, postID); err != nil {
					return err
				}
			} else {
				if _, err := tx.Exec(ctx, `UPDATE follows SET last_update_at = $1, last_score = $2 WHERE id = $3`,
					now.UnixNano(), score, followID); err != nil {
					return err
				}
				p := *post
				p.ID, p.FollowID, p.Stories, p.CreatedAt = postID, followID, told, now.UTC()
				stored = &p
			}
		}
		_, err = tx.Exec(ctx, `UPDATE follows SET cursor = greatest(cursor, $1) WHERE id = $2`, cursor, followID)
		return err
	})
	if err != nil {
		return err
	}
	if post != nil && stored != nil {
		*post = *stored
	}
	return nil
}

// PendingFollowPosts returns the follow's posts recorded and not sent,
// oldest first.
func (db *DB) PendingFollowPosts(ctx context.Context, followID int64) (_ []corpus.FollowPost, err error) {
	defer wrap(&err, "postgres.PendingFollowPosts(%d)", followID)
	rows, err := db.pool.Query(ctx, `SELECT p.id, p.body, p.created_at,
			coalesce((SELECT array_agg(s.story_id ORDER BY s.story_id) FROM follow_sent s WHERE s.post_id = p.id), '{}')
		FROM follow_posts p WHERE p.follow_id = $1 AND p.sent_at = 0 ORDER BY p.id`, followID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.FollowPost, error) {
		p := corpus.FollowPost{FollowID: followID}
		var at int64
		if err := row.Scan(&p.ID, &p.Body, &at, &p.Stories); err != nil {
			return corpus.FollowPost{}, err
		}
		p.CreatedAt = time.Unix(0, at).UTC()
		return p, nil
	})
}

// MarkFollowPostSent records that a post was sent at at. Returns
// corpus.ErrNotFound if the post is gone (its follow was removed).
func (db *DB) MarkFollowPostSent(ctx context.Context, postID int64, at time.Time) (err error) {
	defer wrap(&err, "postgres.MarkFollowPostSent(%d)", postID)
	return oneRow(db.pool.Exec(ctx, `UPDATE follow_posts SET sent_at = $1 WHERE id = $2`, at.UnixNano(), postID))
}
