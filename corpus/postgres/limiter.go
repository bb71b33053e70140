package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Limiter counts questions per user and per server in a sliding window in
// the database, so the rates hold across every process over it: two gateway
// shards and an HTTP replica see one count for a user.
//
// Why PostgreSQL and not Redis: several processes already need PostgreSQL,
// so the shared limits add no second service to run, secure and monitor; a
// question costs one short transaction (0.9-1.1 ms against a local server
// on the 2-core development machine, BenchmarkLimiterAllow) next to the
// seconds an answer takes, so Redis's speed buys nothing the bot would
// notice.
//
// Each check takes transaction-scoped advisory locks on the user's and the
// server's keys (always the user's first, in separate lock spaces, so two
// checks never wait on each other in a cycle), so concurrent questions of
// one user are counted one after the other. It is safe for concurrent use.
type Limiter struct {
	db                 *DB
	userMax, serverMax int
	window             time.Duration
	// Now, if set, is the limiter's clock (tests fix it). Unset, the
	// database server's clock is used, so processes on hosts whose clocks
	// disagree still count in one time line.
	Now func() time.Time
}

// Advisory lock spaces (the first key of pg_advisory_xact_lock(int, int))
// of the limiter's two kinds of key; the second is hashtext(key).
const (
	userLockSpace   = 0x6e62_0101
	serverLockSpace = 0x6e62_0102
)

// NewLimiter returns a Limiter over db allowing userMax questions per user
// and serverMax per server in each window. Both must be positive: the
// caller (cmd) resolves the bot's defaults.
func NewLimiter(db *DB, userMax, serverMax int, window time.Duration) (*Limiter, error) {
	if userMax <= 0 || serverMax <= 0 || window <= 0 {
		return nil, fmt.Errorf("postgres.NewLimiter: rates %d, %d and window %v must be positive", userMax, serverMax, window)
	}
	return &Limiter{db: db, userMax: userMax, serverMax: serverMax, window: window}, nil
}

// Allow records a question by user in server (empty for DMs) and reports
// whether it is within both rates; when it is not, retryAfter says when the
// oldest counted question leaves the window. A refused question is not
// counted. Times come from the database server's clock (or l.Now), so
// processes on hosts whose clocks disagree count in one time line.
func (l *Limiter) Allow(ctx context.Context, user, server string) (ok bool, retryAfter time.Duration, err error) {
	defer wrap(&err, "postgres.Limiter.Allow")
	err = l.db.inTx(ctx, func(tx pgx.Tx) error {
		ok, retryAfter = false, 0
		now, err := l.nowMillis(ctx, tx)
		if err != nil {
			return err
		}
		keys := []rateKey{{"u:" + user, userLockSpace, l.userMax}}
		if server != "" {
			keys = append(keys, rateKey{"s:" + server, serverLockSpace, l.serverMax})
		}
		for _, k := range keys {
			wait, err := l.wait(ctx, tx, k, now)
			if err != nil {
				return err
			}
			if wait > 0 {
				retryAfter = wait
				return nil
			}
		}
		for _, k := range keys {
			if _, err := tx.Exec(ctx, `INSERT INTO rate_hits (key, at) VALUES ($1, $2)`, k.key, now); err != nil {
				return err
			}
		}
		ok = true
		return nil
	})
	if err != nil {
		return false, 0, err
	}
	return ok, retryAfter, nil
}

// rateKey is one count a question is checked against.
type rateKey struct {
	key   string // "u:<user id>" or "s:<server id>"
	space int32  // advisory lock space of its kind
	max   int    // questions allowed per window
}

// wait locks key for the transaction, drops its expired hits and returns
// how long until one more question is allowed (0 when it is allowed now).
func (l *Limiter) wait(ctx context.Context, tx pgx.Tx, k rateKey, now int64) (time.Duration, error) {
	key := k.key
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, k.space, key); err != nil {
		return 0, err
	}
	start := now - l.window.Milliseconds()
	if _, err := tx.Exec(ctx, `DELETE FROM rate_hits WHERE key = $1 AND at <= $2`, key, start); err != nil {
		return 0, err
	}
	// The max-th newest hit: while it is in the window, the key is full
	// until it leaves.
	var at int64
	err := tx.QueryRow(ctx, `SELECT at FROM rate_hits WHERE key = $1 ORDER BY at DESC OFFSET $2 LIMIT 1`,
		key, k.max-1).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return time.Duration(at-start) * time.Millisecond, nil
}

// Prune deletes the hits of every key that have left the window: keys that
// are never checked again (a user who left) would keep their rows
// otherwise. The bot calls it now and then.
func (l *Limiter) Prune(ctx context.Context) (err error) {
	defer wrap(&err, "postgres.Limiter.Prune")
	now, err := l.nowMillis(ctx, l.db.pool)
	if err != nil {
		return err
	}
	_, err = l.db.pool.Exec(ctx, `DELETE FROM rate_hits WHERE at <= $1`, now-l.window.Milliseconds())
	return err
}

// querier is a pgx transaction or pool: what nowMillis reads the clock
// through.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// nowMillis is the limiter's time in unix milliseconds: l.Now when set,
// else the database server's clock.
func (l *Limiter) nowMillis(ctx context.Context, q querier) (int64, error) {
	if l.Now != nil {
		return l.Now().UnixMilli(), nil
	}
	var ms int64
	if err := q.QueryRow(ctx, `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint`).Scan(&ms); err != nil {
		return 0, fmt.Errorf("read the server's clock: %w", err)
	}
	return ms, nil
}
