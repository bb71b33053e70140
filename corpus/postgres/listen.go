package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reconnection waits of Listen: short at first (a restarted server is back
// in seconds), doubling up to a cap that keeps a long outage from
// flooding the log.
const (
	listenRetryMin = 250 * time.Millisecond
	listenRetryMax = 30 * time.Second
)

// Listen calls fn with a change-log sequence number whenever a transaction
// of any process commits changes, until ctx ends; it then returns
// ctx.Err(). It listens on its own connection (outside the pool) and
// reconnects when that connection fails.
//
// A notification is only a wake-up: the change log stays the truth. fn is
// also called with the log's last sequence number every time the LISTEN
// is (re)established, so a caller that catches up from its own last
// applied sequence whenever fn runs misses nothing that committed while
// the connection was down, and a notification lost for any reason delays
// a change only until the next one (or the caller's own polling).
//
// fn runs on Listen's goroutine; notifications wait while it runs.
func (db *DB) Listen(ctx context.Context, fn func(seq int64)) error {
	wait := listenRetryMin
	for {
		start := time.Now()
		err := db.listenOnce(ctx, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Since(start) > listenRetryMax {
			wait = listenRetryMin // it had been working: a new outage
		}
		db.Logger.WarnContext(ctx, "change notifications lost; reconnecting", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, listenRetryMax)
	}
}

// listenOnce connects, listens and delivers notifications until the
// connection fails or ctx ends.
func (db *DB) listenOnce(ctx context.Context, fn func(seq int64)) error {
	conn, err := pgx.ConnectConfig(ctx, db.connConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+changeChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var last int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&last); err != nil {
		return fmt.Errorf("read last change: %w", err)
	}
	fn(last)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		seq, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			continue // not ours (someone else NOTIFYing on the channel); the log is the truth
		}
		fn(seq)
	}
}
