package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
)

// TestLimiter runs the in-memory limiter's steps (bot.TestLimiter) against
// the store-backed one: the same rates, windows and waits.
func TestLimiter(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	l, err := NewLimiter(db, 2, 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	l.Now = func() time.Time { return now }
	steps := []struct {
		advance      time.Duration
		user, server string
		wantOK       bool
		wantWait     time.Duration
	}{
		{0, "a", "s1", true, 0},
		{10 * time.Second, "a", "s1", true, 0},
		{10 * time.Second, "a", "s1", false, 40 * time.Second}, // user a: 2 in the last minute
		{0, "b", "s1", true, 0},                                // server s1 now at 3
		{0, "c", "s1", false, 40 * time.Second},                // server full
		{0, "c", "s2", true, 0},                                // other server unaffected
		{0, "d", "", true, 0},                                  // DMs: user limit only
		{41 * time.Second, "a", "s1", true, 0},                 // first question left the window
	}
	ctx := context.Background()
	for i, s := range steps {
		now = now.Add(s.advance)
		ok, wait, err := l.Allow(ctx, s.user, s.server)
		if ok != s.wantOK || wait != s.wantWait || err != nil {
			t.Errorf("step %d: Allow(%q, %q) = %v, %v, %v; want %v, %v", i, s.user, s.server, ok, wait, err, s.wantOK, s.wantWait)
		}
	}
	now = now.Add(time.Hour)
	if err := l.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM rate_hits`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rate_hits after Prune an hour later = %d rows, %v; want 0", n, err)
	}
	if _, err := NewLimiter(db, 0, 3, time.Minute); err == nil {
		t.Error("NewLimiter(user rate 0) = nil error; want one")
	}
}

// TestLimitersShareCounts opens the database twice, as two processes
// would, and asks many questions at once through both limiters: together
// they allow exactly the rates, not twice them.
func TestLimitersShareCounts(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	const userMax, serverMax = 4, 10
	var limiters []*Limiter
	for range 2 {
		db, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		l, err := NewLimiter(db, userMax, serverMax, time.Hour) // an hour: nothing leaves the window during the test
		if err != nil {
			t.Fatal(err)
		}
		limiters = append(limiters, l)
	}
	ask := func(user func(i int) string, n int) int {
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ok, _, err := limiters[i%2].Allow(context.Background(), user(i), "server-1")
				if err != nil {
					t.Errorf("Allow = %v", err)
				}
				if ok {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		return int(allowed.Load())
	}
	if got := ask(func(int) string { return "user-1" }, 12); got != userMax {
		t.Errorf("one user, 12 questions through two processes: %d allowed; want %d", got, userMax)
	}
	// Many users in the server: the server's rate caps them together
	// (user-1's questions count towards it already).
	if got := ask(func(i int) string { return fmt.Sprintf("other-%d", i) }, 20); got != serverMax-userMax {
		t.Errorf("20 users, one question each: %d allowed; want %d (server rate %d less user-1's %d)", got, serverMax-userMax, serverMax, userMax)
	}
}

// BenchmarkLimiterAllow measures one question's rate check at the default
// rates (5 per user, 60 per server a minute), questions from 1,000 users in
// 50 servers: the cost the shared limits add to every question.
func BenchmarkLimiterAllow(b *testing.B) {
	db := MustOpen(b)
	l, err := NewLimiter(db, 5, 60, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if _, _, err := l.Allow(ctx, fmt.Sprint("user-", i%1000), fmt.Sprint("server-", i%50)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLimiterServerClock: without a clock of its own the limiter counts
// in the database server's time, so the hits it stores are stamped with
// it whatever this process's clock says.
func TestLimiterServerClock(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	db.Now = func() time.Time { return time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC) } // a host clock far off
	l, err := NewLimiter(db, 2, 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if ok, _, err := l.Allow(ctx, "a", "s1"); !ok || err != nil {
		t.Fatalf("Allow = %v, %v; want allowed", ok, err)
	}
	var at, server int64
	if err := db.pool.QueryRow(ctx, `SELECT max(at), (extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM rate_hits`).Scan(&at, &server); err != nil {
		t.Fatal(err)
	}
	if d := server - at; d < 0 || d > 60_000 {
		t.Errorf("hit stamped %d ms before the server's clock; want within a minute of it (not the host's 2001)", d)
	}
}
