package feeds

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus/postgres"
	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/corpus/web"
)

var _ Store = (*postgres.DB)(nil)

// clock is a test clock that pollers of one test share.
type clock struct{ unix atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(c.unix.Load(), 0).UTC() }
func (c *clock) set(t time.Time)         { c.unix.Store(t.Unix()) }
func (c *clock) advance(d time.Duration) { c.set(c.now().Add(d)) }

// TestPollersShareFeeds runs two pollers (as two processes would: each its
// own owner id) over one store and checks that every feed is fetched once
// per interval between them, and that the feeds a dead process had claimed
// are taken over when its lease expires.
func TestPollersShareFeeds(t *testing.T) {
	t.Parallel()
	for _, backend := range []struct {
		name string
		open func(t *testing.T) Store
	}{
		{"sqlite", func(t *testing.T) Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "newsbot.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"postgres", func(t *testing.T) Store {
			db, err := postgres.Open(context.Background(), pgtest.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
	} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			testPollersShareFeeds(t, backend.open(t))
		})
	}
}

func testPollersShareFeeds(t *testing.T, store Store) {
	ctx := context.Background()
	srv := newServer(t)
	const nFeeds = 6
	const lease = 3 * time.Minute
	var urls, paths []string
	for i := range nFeeds {
		path := fmt.Sprintf("/feed%d", i)
		srv.setFile(t, path, "application/feed+json", "feed.json")
		paths = append(paths, path)
		urls = append(urls, srv.URL+path)
	}
	var clk clock
	clk.set(testNow)
	newPoller := func(owner string) *Poller {
		f, err := web.New(web.Options{Allow: []string{"127.0.0.1"}, PerHostDelay: -1, PerHostConcurrency: 8})
		if err != nil {
			t.Fatal(err)
		}
		return New(store, f, Options{Interval: testInterval, Jitter: -1, Now: clk.now, Owner: owner, Lease: lease})
	}
	pollers := []*Poller{newPoller("process-a"), newPoller("process-b")}
	if err := pollers[0].EnsureFeeds(ctx, urls, "env"); err != nil {
		t.Fatal(err)
	}
	// round has every poller look for due feeds at once, as the Run loops
	// of two processes would.
	round := func() {
		t.Helper()
		var wg sync.WaitGroup
		for _, p := range pollers {
			wg.Go(func() {
				if _, err := p.PollDue(ctx); err != nil {
					t.Errorf("PollDue = %v", err)
				}
			})
		}
		wg.Wait()
	}
	check := func(when string, want int) {
		t.Helper()
		for _, path := range paths {
			if got := srv.count(srv.hits, path); got != want {
				t.Errorf("%s: %s fetched %d times; want %d", when, path, got, want)
			}
		}
	}

	round()
	check("first round", 1)
	clk.advance(testInterval / 2)
	round()
	check("half an interval later", 1)
	clk.advance(testInterval / 2)
	round()
	round()
	check("one interval later, two rounds", 2)

	// A third process claims every due feed and dies before polling them.
	clk.advance(testInterval)
	if fs, err := store.ClaimDueFeeds(ctx, "process-dead", clk.now(), lease, 0); err != nil || len(fs) != nFeeds {
		t.Fatalf("ClaimDueFeeds(dead process) = %d feeds, %v; want %d", len(fs), err, nFeeds)
	}
	round()
	check("leased by a dead process", 2)
	clk.advance(lease + time.Second)
	round()
	check("after the dead process's lease expired", 3)
}
