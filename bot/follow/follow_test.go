package follow

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/postgres"
	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
	"github.com/newsbot/newsbot/corpus/sqlite"
)

// testStore is a store the worker runs on, with what the test adds.
type testStore interface {
	Store
	Add(ctx context.Context, a *corpus.Article) error
	SetStory(ctx context.Context, articleID, storyID int64) (int64, error)
	AddFollow(ctx context.Context, f *corpus.Follow, lim corpus.FollowLimits) error
	Follow(ctx context.Context, id int64) (corpus.Follow, error)
	RemoveFollow(ctx context.Context, id int64) error
	LastSeq(ctx context.Context) (int64, error)
}

// everything is an Updater that tells every fresh story (the bot's
// retrieval is tested in bot; here the worker's bookkeeping is).
type everything struct {
	mu    sync.Mutex
	fresh []map[int64]int64
}

func (e *everything) FollowUpdate(_ context.Context, f corpus.Follow, fresh map[int64]int64) (bot.FollowUpdate, bool, error) {
	e.mu.Lock()
	e.fresh = append(e.fresh, fresh)
	e.mu.Unlock()
	u := bot.FollowUpdate{FollowID: f.ID, Question: f.Question, Text: "news [1]", Score: 1}
	for a, s := range fresh {
		if !slices.Contains(u.Stories, s) {
			u.Stories = append(u.Stories, s)
		}
		u.Sources = append(u.Sources, bot.Source{N: len(u.Sources) + 1, ArticleID: a})
	}
	slices.Sort(u.Stories)
	return u, len(u.Stories) > 0, nil
}

// channel records the posts; fail makes the next posts fail.
type channel struct {
	mu    sync.Mutex
	posts []bot.FollowUpdate
	fail  int
	gone  bool // the bot may not post there: every post is undeliverable
}

func (c *channel) PostFollowUpdate(_ context.Context, _ corpus.Follow, u bot.FollowUpdate) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone {
		return fmt.Errorf("403 Missing Permissions: %w", bot.ErrUndeliverable)
	}
	if c.fail > 0 {
		c.fail--
		return errors.New("discord is down")
	}
	c.posts = append(c.posts, u)
	return nil
}

func (c *channel) stories() [][]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][]int64
	for _, p := range c.posts {
		out = append(out, p.Stories)
	}
	return out
}

// logSeq is an index that has applied the whole log.
type logSeq struct{ st testStore }

func (l logSeq) Seq() int64 {
	n, _ := l.st.LastSeq(context.Background())
	return n
}

// clock is a test clock that moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func addArticle(t *testing.T, st testStore, title string, story int64) int64 {
	t.Helper()
	a := &corpus.Article{Scope: corpus.GlobalScope, Title: title, Source: "Wire", URL: "https://news.example/" + title,
		Body: "Body of " + title + ". It reports what happened in some detail.", AddedBy: "test"}
	if err := corpus.Prepare(a); err != nil {
		t.Fatal(err)
	}
	if err := st.Add(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if story >= 0 {
		if story == 0 {
			story = a.ID
		}
		if _, err := st.SetStory(context.Background(), a.ID, story); err != nil {
			t.Fatal(err)
		}
	}
	return a.ID
}

// TestWorker: an update per new story, none for another outlet's copy,
// nothing again after a restart (a new worker over the same store); an
// article waits for its story; a post that failed to send is sent by
// the next worker; updates wait for the interval and batch the stories
// that arrived meanwhile.
func TestWorker(t *testing.T) {
	ctx := context.Background()
	st, f := openFollowing(t)
	clk := &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	ch := &channel{}
	up := &everything{}
	const interval, lease = time.Minute, time.Hour
	worker := func(owner string) *Worker {
		return New(st, up, ch, logSeq{st}, Options{Frontend: "console", Owner: owner, Interval: interval, Lease: lease, Now: clk.now})
	}
	w := worker("a")
	step := func(w *Worker, want [][]int64) {
		t.Helper()
		if _, err := w.RunOnce(ctx); err != nil {
			t.Logf("RunOnce: %v", err) // a failed send, retried
		}
		if got := ch.stories(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("posts = %v; want %v", got, want)
		}
	}
	step(w, nil)
	a := addArticle(t, st, "first", 0)
	step(w, [][]int64{{a}})
	clk.add(interval)
	addArticle(t, st, "copy", a) // another outlet's copy of the same story
	step(w, [][]int64{{a}})
	// A restart: a new worker (new owner) over the same store re-posts
	// nothing.
	w = worker("b")
	clk.add(interval)
	step(w, [][]int64{{a}})

	// An article not grouped yet waits for its story.
	clk.add(interval)
	late := addArticle(t, st, "late", -1)
	step(w, [][]int64{{a}})
	if _, err := st.SetStory(ctx, late, late); err != nil {
		t.Fatal(err)
	}
	ch.fail = 1 // recorded, not sent
	step(w, [][]int64{{a}})
	w = worker("c")
	step(w, [][]int64{{a}}) // "b" keeps its lease after a failed send
	clk.add(lease)
	step(w, [][]int64{{a}, {late}}) // the pending post, sent once, by "c"
	step(w, [][]int64{{a}, {late}})

	// Within the interval of the last update nothing is posted; after
	// it, one post tells both stories that arrived.
	c1 := addArticle(t, st, "c1", 0)
	step(w, [][]int64{{a}, {late}, {c1}})
	b1, b2 := addArticle(t, st, "b1", 0), addArticle(t, st, "b2", 0)
	step(w, [][]int64{{a}, {late}, {c1}})
	clk.add(interval)
	step(w, [][]int64{{a}, {late}, {c1}, {b1, b2}})

	// A channel the bot may not post in: the update is dropped, not
	// retried.
	ch.gone = true
	clk.add(interval)
	addArticle(t, st, "lost", 0)
	step(w, [][]int64{{a}, {late}, {c1}, {b1, b2}})
	if p, err := st.PendingFollowPosts(ctx, f.ID); err != nil || len(p) != 0 {
		t.Errorf("pending after an undeliverable post = %+v, %v; want none", p, err)
	}

	// An article the grouper never places stops holding up the follow
	// after ungroupedWait: it is a story of its own.
	ch.gone = false
	orphan := addArticle(t, st, "orphan", -1)
	clk.mu.Lock()
	clk.t = time.Now().Add(ungroupedWait + interval) // the log's times are the store's clock
	clk.mu.Unlock()
	step(w, [][]int64{{a}, {late}, {c1}, {b1, b2}, {orphan}})
}

// TestWorkersShareOneStore: two workers (two processes) over one
// PostgreSQL store, running at once, post each update once.
func TestWorkersShareOneStore(t *testing.T) {
	ctx := context.Background()
	st, err := postgres.Open(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var fs []*corpus.Follow
	for i := range 5 {
		f := &corpus.Follow{Scope: corpus.GlobalScope, Frontend: "discord", ChannelID: fmt.Sprint("c", i), CreatedBy: "u", Question: "q"}
		if err := st.AddFollow(ctx, f, corpus.FollowLimits{}); err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	clk := &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	ch := &channel{}
	up := &everything{}
	a := addArticle(t, st, "first", 0)
	addArticle(t, st, "copy", a)
	var wg sync.WaitGroup
	for _, owner := range []string{"p1", "p2"} {
		w := New(st, up, ch, logSeq{st}, Options{Frontend: "discord", Owner: owner, Interval: time.Minute, Lease: time.Hour, Now: clk.now})
		wg.Go(func() {
			for range 5 {
				if _, err := w.RunOnce(ctx); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := ch.stories(); len(got) != len(fs) {
		t.Errorf("posts = %v; want one per follow (%d)", got, len(fs))
	}
}

// TestWorkerPendingWithinInterval: a follow claimed to send an update
// left pending does not post another within the interval; the articles
// that arrived meanwhile are told after it.
func TestWorkerPendingWithinInterval(t *testing.T) {
	ctx := context.Background()
	st, _ := openFollowing(t)
	clk := &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	ch := &channel{fail: 1}
	const interval, lease = time.Hour, 10 * time.Second
	w := New(st, &everything{}, ch, logSeq{st}, Options{Frontend: "console", Owner: "a", Interval: interval, Lease: lease, Now: clk.now})
	run := func(want [][]int64) {
		t.Helper()
		if _, err := w.RunOnce(ctx); err != nil {
			t.Logf("RunOnce: %v", err)
		}
		if got := ch.stories(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("posts = %v; want %v", got, want)
		}
	}
	a := addArticle(t, st, "a", 0)
	run(nil) // recorded, the send failed
	clk.add(lease)
	b := addArticle(t, st, "b", 0)
	run([][]int64{{a}}) // the pending update only
	clk.add(interval)
	run([][]int64{{a}, {b}})
}

// unfollowing is an Updater during whose work the follow is removed (an
// /unfollow while the batch is made).
type unfollowing struct {
	everything
	st testStore
}

func (u *unfollowing) FollowUpdate(ctx context.Context, f corpus.Follow, fresh map[int64]int64) (bot.FollowUpdate, bool, error) {
	if err := u.st.RemoveFollow(ctx, f.ID); err != nil {
		return bot.FollowUpdate{}, false, err
	}
	return u.everything.FollowUpdate(ctx, f, fresh)
}

// TestWorkerFollowRemovedInFlight: a follow removed while its update is
// made posts nothing, and the worker reports no failure (nothing is to be
// retried).
func TestWorkerFollowRemovedInFlight(t *testing.T) {
	ctx := context.Background()
	st, _ := openFollowing(t)
	ch := &channel{}
	w := New(st, &unfollowing{st: st}, ch, logSeq{st}, Options{Frontend: "console", Owner: "a", Interval: time.Minute})
	addArticle(t, st, "a", 0)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Errorf("RunOnce = %v; want no failure for a follow removed meanwhile", err)
	}
	if got := ch.stories(); len(got) != 0 {
		t.Errorf("posts = %v; want none", got)
	}
}

// TestWorkerChannelGone: when the frontend says the channel is gone for
// good (deleted, or the bot left its server), the update is dropped and
// the follow removed, so no retrieval (or model call) is spent on it
// again; an update refused for another lasting reason (the bot may not
// post there) is dropped and the follow kept, for a moderator to fix.
func TestWorkerChannelGone(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		wantKept bool
	}{
		{"gone", fmt.Errorf("404 Unknown Channel: %w", bot.ErrChannelGone), false},
		{"no permission", fmt.Errorf("403 Missing Permissions: %w", bot.ErrUndeliverable), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			f := &corpus.Follow{Scope: "g", Frontend: "discord", ChannelID: "c", CreatedBy: "u", Question: "q"}
			if err := st.AddFollow(ctx, f, corpus.FollowLimits{}); err != nil {
				t.Fatal(err)
			}
			w := New(st, &everything{}, refusing{tc.err}, logSeq{st}, Options{Frontend: "discord", Owner: "a", Interval: time.Minute})
			addArticle(t, st, "a", 0)
			if _, err := w.RunOnce(ctx); err != nil {
				t.Errorf("RunOnce = %v", err)
			}
			_, err = st.Follow(ctx, f.ID)
			if kept := err == nil; kept != tc.wantKept || err != nil && !errors.Is(err, corpus.ErrNotFound) {
				t.Errorf("follow after the refusal: %v; want kept %v", err, tc.wantKept)
			}
			if p, err := st.PendingFollowPosts(ctx, f.ID); err != nil || len(p) != 0 {
				t.Errorf("pending = %+v, %v; want none", p, err)
			}
		})
	}
}

// refusing is a frontend that refuses every post with err.
type refusing struct{ err error }

func (r refusing) PostFollowUpdate(context.Context, corpus.Follow, bot.FollowUpdate) error {
	return r.err
}

// slow is an Updater whose every update takes step of the clock (a slow
// model).
type slow struct {
	everything
	clk  *clock
	step time.Duration
}

func (s *slow) FollowUpdate(ctx context.Context, f corpus.Follow, fresh map[int64]int64) (bot.FollowUpdate, bool, error) {
	s.clk.add(s.step)
	return s.everything.FollowUpdate(ctx, f, fresh)
}

// TestWorkerSlowUpdatesKeepTheLease: when a run's updates are slow, a
// follow is not started once half the lease since the claim has gone: it
// is released and done by the next run, so no update is made and then
// refused for a lease that ended, and each follow is posted once.
func TestWorkerSlowUpdatesKeepTheLease(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 3 {
		f := &corpus.Follow{Scope: corpus.GlobalScope, Frontend: "console", ChannelID: fmt.Sprint("c", i), CreatedBy: "u", Question: "q"}
		if err := st.AddFollow(ctx, f, corpus.FollowLimits{}); err != nil {
			t.Fatal(err)
		}
	}
	clk := &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	const lease = time.Minute
	ch := &channel{}
	w := New(st, &slow{clk: clk, step: 40 * time.Second}, ch, logSeq{st}, Options{Frontend: "console", Owner: "a", Interval: time.Minute, Lease: lease, Now: clk.now})
	addArticle(t, st, "a", 0)
	for run, want := range []int{1, 2, 3} {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Errorf("run %d: %v", run, err)
		}
		if got := len(ch.stories()); got != want {
			t.Errorf("after run %d: %d posts; want %d", run, got, want)
		}
	}
}

// shutdown is a frontend whose post is accepted as the process is told to
// stop (ctx cancelled while Discord answers).
type shutdown struct {
	channel
	cancel context.CancelFunc
}

func (s *shutdown) PostFollowUpdate(ctx context.Context, f corpus.Follow, u bot.FollowUpdate) error {
	s.cancel()
	return s.channel.PostFollowUpdate(ctx, f, u)
}

// TestWorkerStopWhileSending: an update the frontend took as the worker
// was stopped is marked sent all the same, so the next start does not
// post it again.
func TestWorkerStopWhileSending(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f := &corpus.Follow{Scope: corpus.GlobalScope, Frontend: "console", ChannelID: "console", CreatedBy: "console", Question: "q"}
	if err := st.AddFollow(context.Background(), f, corpus.FollowLimits{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	post := &shutdown{cancel: cancel}
	w := New(st, &everything{}, post, logSeq{st}, Options{Frontend: "console", Owner: "a", Interval: time.Minute})
	addArticle(t, st, "a", 0)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Logf("RunOnce: %v", err)
	}
	if got := post.stories(); len(got) != 1 {
		t.Fatalf("posts = %v; want one", got)
	}
	if p, err := st.PendingFollowPosts(context.Background(), f.ID); err != nil || len(p) != 0 {
		t.Errorf("pending after a post taken at shutdown = %+v, %v; want none (it would be posted again)", p, err)
	}
}

// unfollowedWhilePosting is a frontend during whose post the follow is
// removed.
type unfollowedWhilePosting struct {
	channel
	st testStore
}

func (u *unfollowedWhilePosting) PostFollowUpdate(ctx context.Context, f corpus.Follow, up bot.FollowUpdate) error {
	if err := u.st.RemoveFollow(ctx, f.ID); err != nil {
		return err
	}
	return u.channel.PostFollowUpdate(ctx, f, up)
}

// TestWorkerFollowRemovedWhilePosting: a follow removed while its update
// is posted (its record gone with it) is no failure either.
func TestWorkerFollowRemovedWhilePosting(t *testing.T) {
	ctx := context.Background()
	st, _ := openFollowing(t)
	post := &unfollowedWhilePosting{st: st}
	w := New(st, &everything{}, post, logSeq{st}, Options{Frontend: "console", Owner: "a", Interval: time.Minute})
	addArticle(t, st, "a", 0)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Errorf("RunOnce = %v; want no failure for a follow removed meanwhile", err)
	}
}

// twoAtATime is an Updater that tells at most two fresh stories per
// update, the smallest first, and defers the others' articles, as the
// bot's FollowUpdate does past followStories.
type twoAtATime struct{}

func (twoAtATime) FollowUpdate(_ context.Context, f corpus.Follow, fresh map[int64]int64) (bot.FollowUpdate, bool, error) {
	var stories []int64
	for _, s := range fresh {
		if !slices.Contains(stories, s) {
			stories = append(stories, s)
		}
	}
	slices.Sort(stories)
	u := bot.FollowUpdate{FollowID: f.ID, Question: f.Question, Text: "news [1]", Score: 1}
	for a, s := range fresh {
		if i := slices.Index(stories, s); i < 2 {
			u.Sources = append(u.Sources, bot.Source{N: len(u.Sources) + 1, ArticleID: a})
		} else {
			u.Deferred = append(u.Deferred, a)
		}
	}
	u.Stories = stories[:min(2, len(stories))]
	return u, len(u.Stories) > 0, nil
}

// TestWorkerDefersStoriesPastTheLimit: four new stories arrive in one
// interval and an update tells two; the other two are told by the next
// update, an interval later, and nothing is told twice.
func TestWorkerDefersStoriesPastTheLimit(t *testing.T) {
	ctx := context.Background()
	st, _ := openFollowing(t)
	clk := &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	ch := &channel{}
	const interval = time.Minute
	w := New(st, twoAtATime{}, ch, logSeq{st}, Options{Frontend: "console", Owner: "a", Interval: interval, Lease: time.Hour, Now: clk.now})
	var ids []int64
	for _, title := range []string{"s1", "s2", "s3", "s4"} {
		ids = append(ids, addArticle(t, st, title, 0))
	}
	for i, want := range [][][]int64{
		{{ids[0], ids[1]}},
		{{ids[0], ids[1]}, {ids[2], ids[3]}},
		{{ids[0], ids[1]}, {ids[2], ids[3]}},
	} {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got := ch.stories(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("run %d: posts = %v; want %v", i, got, want)
		}
		clk.add(interval)
	}
}

// openFollowing opens a SQLite store (closed when the test ends) with one
// follow of the console's, returned with it.
func openFollowing(t *testing.T) (*sqlite.DB, *corpus.Follow) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &corpus.Follow{Scope: corpus.GlobalScope, Frontend: "console", ChannelID: "console", CreatedBy: "console", Question: "q"}
	if err := st.AddFollow(ctx, f, corpus.FollowLimits{}); err != nil {
		t.Fatal(err)
	}
	return st, f
}
