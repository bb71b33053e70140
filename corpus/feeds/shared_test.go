package feeds

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
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

// slowFirstFeed holds the fetch of one path until the test releases it,
// telling the test when it has started; other fetches pass.
type slowFirstFeed struct {
	Fetcher
	path             string
	started, release chan struct{}
}

func (s slowFirstFeed) Fetch(ctx context.Context, req web.Request) (*web.Response, error) {
	if strings.HasSuffix(req.URL, s.path) {
		s.started <- struct{}{}
		<-s.release
	}
	return s.Fetcher.Fetch(ctx, req)
}

// TestSlowPollOutlivesLease: a poller stuck on one slow feed past its lease
// has not claimed the feeds it has not reached, so another process polls
// them, and each of those is fetched once in the interval. (Claiming a
// whole batch at once, the stuck poller fetched them again afterwards.)
func TestSlowPollOutlivesLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := newServer(t)
	const lease = 3 * time.Minute
	var urls, paths []string
	for i := range 4 {
		path := fmt.Sprintf("/feed%d", i)
		srv.setFile(t, path, "application/feed+json", "feed.json")
		paths = append(paths, path)
		urls = append(urls, srv.URL+path)
	}
	var clk clock
	clk.set(testNow)
	fetcher := func() Fetcher {
		f, err := web.New(web.Options{Allow: []string{"127.0.0.1"}, PerHostDelay: -1, PerHostConcurrency: 8})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	opt := func(owner string) Options {
		return Options{Interval: testInterval, Jitter: -1, Now: clk.now, Owner: owner, Lease: lease, Concurrency: 1}
	}
	slow := slowFirstFeed{Fetcher: fetcher(), path: "/feed0", started: make(chan struct{}, 1), release: make(chan struct{})}
	a := New(db, slow, opt("process-a"))
	b := New(db, fetcher(), opt("process-b"))
	if err := a.EnsureFeeds(ctx, urls, "env"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := a.PollDue(ctx)
		done <- err
	}()
	<-slow.started // a is stuck on /feed0
	clk.advance(lease + time.Second)
	if _, err := b.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	close(slow.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// /feed0 itself outlived its lease, so b took it over as a dead
	// process's (a fetch lasts seconds, a lease minutes); the feeds a had
	// not reached were never a's.
	for _, path := range paths[1:] {
		if got := srv.count(srv.hits, path); got != 1 {
			t.Errorf("%s fetched %d times in one interval; want 1", path, got)
		}
	}
}

// TestRunReleasesLeasesOnStop: a poller stopped while it holds a claimed
// feed (a deploy stops the process mid-poll) gives the lease up, so
// another process polls the feed now, not when the lease expires.
func TestRunReleasesLeasesOnStop(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := newServer(t)
	srv.setFile(t, "/feed0", "application/feed+json", "feed.json")
	var clk clock
	clk.set(testNow)
	f, err := web.New(web.Options{Allow: []string{"127.0.0.1"}, PerHostDelay: -1, PerHostConcurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	slow := slowFirstFeed{Fetcher: f, path: "/feed0", started: make(chan struct{}, 1), release: make(chan struct{})}
	p := New(db, slow, Options{Interval: testInterval, Jitter: -1, Now: clk.now, Owner: "process-a", Lease: time.Hour, Concurrency: 1})
	if err := p.EnsureFeeds(context.Background(), []string{srv.URL + "/feed0"}, "env"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- p.Run(ctx) }()
	<-slow.started // the feed is claimed and being fetched
	cancel()
	close(slow.release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	fs, err := db.ClaimDueFeeds(context.Background(), "process-b", clk.now(), time.Hour, 0)
	if err != nil || len(fs) != 1 {
		t.Errorf("ClaimDueFeeds(another process, right after the stop) = %v, %v; want the feed, its lease released", feedIDs(fs), err)
	}
}

func feedIDs(fs []corpus.Feed) []int64 {
	var ids []int64
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}
