package feeds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/corpus/web"
)

var _ Store = (*sqlite.DB)(nil)

// testNow is the fixed clock of the poller and the store; the fixtures are
// dated shortly before it.
var testNow = time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)

// testInterval is the poll interval of the tests; jitter is off, so next
// polls are exact.
const testInterval = 10 * time.Minute

// lastModified is what the test server sends as Last-Modified.
const lastModified = "Fri, 14 Mar 2025 12:00:00 GMT"

// doc is a document the test server serves.
type doc struct {
	ctype  string
	body   string
	status int  // non-zero: answer this status instead
	noETag bool // validate by Last-Modified only
}

// server is a local site serving feeds and pages, counting requests and
// answering conditional ones with 304.
type server struct {
	*httptest.Server
	mu          sync.Mutex
	docs        map[string]doc
	hits        map[string]int
	conditional map[string]int // requests that carried If-None-Match or If-Modified-Since
}

func newServer(t *testing.T) *server {
	s := &server{docs: map[string]doc{}, hits: map[string]int{}, conditional: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d, ok := s.docs[r.URL.Path]
	s.hits[r.URL.Path]++
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	if inm != "" || ims != "" {
		s.conditional[r.URL.Path]++
	}
	s.mu.Unlock()
	switch {
	case !ok:
		http.NotFound(w, r)
		return
	case d.status != 0:
		http.Error(w, "broken", d.status)
		return
	}
	sum := sha256.Sum256([]byte(d.body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("Content-Type", d.ctype)
	w.Header().Set("Last-Modified", lastModified)
	if !d.noETag {
		w.Header().Set("ETag", etag)
	}
	if (!d.noETag && inm == etag) || (d.noETag && ims == lastModified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	fmt.Fprint(w, d.body)
}

// set serves body at path; "{{BASE}}" in it becomes the server's URL.
func (s *server) set(path, ctype, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = doc{ctype: ctype, body: strings.ReplaceAll(body, "{{BASE}}", s.URL)}
}

// setFile serves a testdata file at path.
func (s *server) setFile(t *testing.T, path, ctype, file string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	s.set(path, ctype, string(b))
}

func (s *server) update(path string, f func(*doc)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[path]
	f(&d)
	s.docs[path] = d
}

func (s *server) count(m map[string]int, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return m[path]
}

// env is a poller over a fresh store and a test server.
type env struct {
	db  *sqlite.DB
	srv *server
	p   *Poller
}

func newEnv(t *testing.T, opt Options) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return testNow }
	t.Cleanup(func() { db.Close() })
	f, err := web.New(web.Options{Allow: []string{"127.0.0.1"}, PerHostDelay: -1, PerHostConcurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Interval == 0 {
		opt.Interval = testInterval
	}
	if opt.Jitter == 0 {
		opt.Jitter = -1
	}
	if opt.Now == nil {
		opt.Now = func() time.Time { return testNow }
	}
	return &env{db: db, srv: newServer(t), p: New(db, f, opt)}
}

func (e *env) add(t *testing.T, path, scope string) corpus.Feed {
	t.Helper()
	f, err := e.p.Add(context.Background(), e.srv.URL+path, scope, "test")
	if err != nil {
		t.Fatalf("Add(%s) = %v", path, err)
	}
	return f
}

func (e *env) pollAll(t *testing.T) []Result {
	t.Helper()
	rs, err := e.p.PollAll(context.Background())
	if err != nil {
		t.Fatalf("PollAll = %v", err)
	}
	return rs
}

func (e *env) latest(t *testing.T, scopes ...string) []corpus.Article {
	t.Helper()
	as, err := e.db.Latest(context.Background(), corpus.LatestQuery{N: 1000, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// search returns the titles of the articles in scopes (GlobalScope when
// none) with a passage whose stored terms, with its title's, hold every
// term of text: what the in-memory index would find, read from the store.
func (e *env) search(t *testing.T, text string, scopes ...string) []string {
	t.Helper()
	ctx := context.Background()
	arts, err := e.db.ScanIndexed(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range arts {
		if !slices.Contains(corpus.ScopesOrGlobal(scopes), a.Scope) {
			continue
		}
		for _, p := range a.Passages {
			terms := append(slices.Clone(a.TitleTerms), p.Terms...)
			if !slices.ContainsFunc(corpus.QueryTerms(text), func(q string) bool { return !slices.Contains(terms, q) }) {
				got, err := e.db.Get(ctx, a.ArticleID)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(out, got.Title) {
					out = append(out, got.Title)
				}
				break
			}
		}
	}
	return out
}

// want is an article a fixture must produce.
type want struct {
	title, source, author, path string
	published                   time.Time
	text                        string // a phrase of the body
}

func TestPollFeedFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, ctype string
		pages             map[string]string // path -> testdata page for items without full text
		want              []want
	}{
		{
			name: "rss", file: "rss.xml", ctype: "application/rss+xml",
			pages: map[string]string{"/news/rail": "rail.html"},
			want: []want{
				{"Signal fault delays northern line for third day", "Portmere Gazette", "", "/news/rail",
					time.Date(2025, 3, 12, 7, 15, 0, 0, time.UTC), "signalling fault near Ashgrove junction"},
				{"Council votes to rebuild harbour wall", "Portmere Gazette", "Mary Penrose", "/news/harbour",
					time.Date(2025, 3, 11, 9, 30, 0, 0, time.UTC), "precast concrete blocks anchored to the bedrock"},
			},
		},
		{
			name: "atom", file: "atom.xml", ctype: "application/atom+xml",
			pages: map[string]string{"/chronicle/vaccine": "vaccine.html"},
			want: []want{
				{"National library opens map room", "Capital Chronicle", "Tomas Reed", "/chronicle/maps",
					time.Date(2025, 3, 13, 9, 0, 0, 0, time.UTC), "hand-drawn soundings"},
				{"Older adults offered new respiratory vaccine", "Capital Chronicle", "", "/chronicle/vaccine",
					time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC), "cut hospital admissions among older adults"},
			},
		},
		{
			name: "json", file: "feed.json", ctype: "application/feed+json",
			want: []want{
				{"Folk festival draws record crowd", "Westbrook Weekly", "", "/weekly/festival",
					time.Date(2025, 3, 9, 20, 0, 0, 0, time.UTC), "fiddle ensemble"},
				{"Budget raises spending, freezes thresholds", "Westbrook Weekly", "Ann Hale", "/weekly/budget",
					time.Date(2025, 3, 6, 12, 0, 0, 0, time.UTC), "levy on the profits of energy companies"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, Options{})
			e.srv.setFile(t, "/feed", tc.ctype, tc.file)
			for path, file := range tc.pages {
				e.srv.setFile(t, path, "text/html; charset=utf-8", file)
			}
			f := e.add(t, "/feed", "")
			if f.Title != tc.want[0].source || f.Scope != corpus.GlobalScope {
				t.Errorf("Add: Title=%q Scope=%q; want %q, global", f.Title, f.Scope, tc.want[0].source)
			}

			rs := e.pollAll(t)
			if len(rs) != 1 || rs[0].Err != nil || rs[0].Added != len(tc.want) || rs[0].Failed != 0 {
				t.Fatalf("first poll = %+v; want %d added", rs, len(tc.want))
			}
			got := e.latest(t)
			if len(got) != len(tc.want) {
				t.Fatalf("Latest = %q; want %d articles", titles(got), len(tc.want))
			}
			for i, w := range tc.want {
				a := got[i]
				if a.Title != w.title || a.Source != w.source || a.Author != w.author || a.URL != e.srv.URL+w.path ||
					!a.PublishedAt.Equal(w.published) || a.AddedBy != Actor(f.ID) || a.Scope != corpus.GlobalScope {
					t.Errorf("article %d = %q by %q from %q at %v, url %s, added by %q in %q;\nwant %q by %q from %q at %v, url %s",
						i, a.Title, a.Author, a.Source, a.PublishedAt, a.URL, a.AddedBy, a.Scope,
						w.title, w.author, w.source, w.published, e.srv.URL+w.path)
				}
				full, err := e.db.Get(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(full.Body, w.text) {
					t.Errorf("body of %q lacks %q:\n%s", a.Title, w.text, full.Body)
				}
				for _, junk := range []string{"<p>", "alert(", "Copyright Test News", "&amp;"} {
					if strings.Contains(full.Body, junk) {
						t.Errorf("body of %q contains %q", a.Title, junk)
					}
				}
				if n := strings.Count(full.Body, "\n\n"); n < 3 {
					t.Errorf("body of %q has %d paragraph breaks; want the 4 paragraphs kept", a.Title, n)
				}
			}
			if hits := e.search(t, tc.want[0].text); len(hits) != 1 || hits[0] != tc.want[0].title {
				t.Errorf("search(%q) = %q; want [%q]", tc.want[0].text, hits, tc.want[0].title)
			}

			// Second poll: a conditional request, answered 304, adds nothing.
			pages := 0
			for path := range tc.pages {
				pages += e.srv.count(e.srv.hits, path)
			}
			rs = e.pollAll(t)
			if len(rs) != 1 || !rs[0].NotModified || rs[0].Added+rs[0].Updated+rs[0].Failed != 0 || rs[0].Err != nil {
				t.Errorf("second poll = %+v; want not modified, nothing added", rs)
			}
			if n := e.srv.count(e.srv.conditional, "/feed"); n != 1 {
				t.Errorf("conditional requests for the feed = %d; want 1", n)
			}
			again := 0
			for path := range tc.pages {
				again += e.srv.count(e.srv.hits, path)
			}
			if again != pages {
				t.Errorf("pages fetched again on the second poll: %d -> %d", pages, again)
			}
			if got := e.latest(t); len(got) != len(tc.want) {
				t.Errorf("Latest after second poll = %q; want %d articles", titles(got), len(tc.want))
			}
			st := rs[0].Feed
			if st.LastSuccess != testNow || st.Failures != 0 || st.LastError != "" || !st.NextPoll.Equal(testNow.Add(testInterval)) {
				t.Errorf("feed state = %+v; want success now, next poll in %v", st, testInterval)
			}
			if fs, _ := e.p.List(ctx, nil); len(fs) != 1 || fs[0].Items != len(tc.want) || fs[0].ETag == "" {
				t.Errorf("List = %+v; want 1 feed with %d items and an ETag", fs, len(tc.want))
			}
		})
	}
}

func titles(as []corpus.Article) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Title
	}
	return out
}

// An unchanged feed whose server validates by date only costs a 304 too,
// and a second poll when the server ignores validators adds nothing either.
func TestSecondPollLastModifiedAndFullRefetch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/lm", "application/rss+xml", "feed.json")
	e.srv.update("/lm", func(d *doc) { d.noETag = true; d.ctype = "application/json" })
	e.add(t, "/lm", "")
	if rs := e.pollAll(t); rs[0].Added != 2 {
		t.Fatalf("first poll = %+v", rs)
	}
	rs := e.pollAll(t)
	if !rs[0].NotModified {
		t.Errorf("second poll with If-Modified-Since = %+v; want not modified", rs[0])
	}
	// Forget the validators: the full feed comes back, every item is seen.
	f := rs[0].Feed
	f.ETag, f.LastModified = "", ""
	if err := e.db.SaveFeedState(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	rs = e.pollAll(t)
	if rs[0].NotModified || rs[0].Unchanged != 2 || rs[0].Added != 0 {
		t.Errorf("unconditional poll = %+v; want 2 unchanged", rs[0])
	}
}

func TestItemUpdatedInPlace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/feed", "application/rss+xml", "rss.xml")
	e.srv.setFile(t, "/news/rail", "text/html", "rail.html")
	e.add(t, "/feed", "")
	e.pollAll(t)
	before, err := e.db.GetByURL(ctx, e.srv.URL+"/news/harbour")
	if err != nil {
		t.Fatal(err)
	}

	e.srv.update("/feed", func(d *doc) {
		d.body = strings.Replace(d.body, "precast concrete blocks anchored to the bedrock",
			"granite boulders quarried at Tremayne", 1)
		d.body = strings.Replace(d.body, "Council votes to rebuild harbour wall", "Council votes to rebuild harbour wall in granite", 1)
	})
	rs := e.pollAll(t)
	if rs[0].Updated != 1 || rs[0].Added != 0 || rs[0].Unchanged != 1 || rs[0].Err != nil {
		t.Fatalf("poll after edit = %+v; want 1 updated, 1 unchanged", rs[0])
	}
	after, err := e.db.GetByURL(ctx, e.srv.URL+"/news/harbour")
	if err != nil {
		t.Fatal(err)
	}
	if after.ID != before.ID || after.Title != "Council votes to rebuild harbour wall in granite" {
		t.Errorf("after edit: id %d title %q; want id %d and the new title", after.ID, after.Title, before.ID)
	}
	if got := e.latest(t); len(got) != 2 {
		t.Errorf("Latest = %q; want 2 articles (no duplicate)", titles(got))
	}
	if h := e.search(t, "granite boulders quarried Tremayne"); len(h) != 1 {
		t.Errorf("search(new text) = %q; want the article", h)
	}
	if h := e.search(t, "precast concrete blocks anchored bedrock"); len(h) != 0 {
		t.Errorf("search(old text) = %q; want nothing", h)
	}
	// The same edit seen again changes nothing.
	rs = e.pollAll(t)
	if !rs[0].NotModified {
		t.Errorf("poll after update = %+v; want not modified", rs[0])
	}
}

func TestFailingFeedBacksOffOthersContinue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, Options{MaxBackoff: time.Hour})
	e.srv.setFile(t, "/good", "application/atom+xml", "atom.xml")
	e.srv.setFile(t, "/chronicle/vaccine", "text/html", "vaccine.html")
	e.srv.setFile(t, "/bad", "application/feed+json", "feed.json")
	good, bad := e.add(t, "/good", ""), e.add(t, "/bad", "")
	e.srv.update("/bad", func(d *doc) { d.status = http.StatusInternalServerError })

	for i, wantNext := range []time.Duration{2 * testInterval, 4 * testInterval, time.Hour, time.Hour} {
		rs := e.pollAll(t)
		if len(rs) != 2 || rs[0].Feed.ID != good.ID || rs[1].Feed.ID != bad.ID {
			t.Fatalf("poll %d = %+v", i, rs)
		}
		if rs[0].Err != nil || (i == 0 && rs[0].Added != 2) || (i > 0 && !rs[0].NotModified) {
			t.Errorf("poll %d of the good feed = %+v; want success", i, rs[0])
		}
		b := rs[1]
		var se *web.StatusError
		if !errors.As(b.Err, &se) || se.StatusCode != 500 {
			t.Errorf("poll %d of the bad feed: Err = %v; want a 500 StatusError", i, b.Err)
		}
		if b.Feed.Failures != i+1 || !strings.Contains(b.Feed.LastError, "500") ||
			!b.Feed.NextPoll.Equal(testNow.Add(wantNext)) || !b.Feed.LastAttempt.Equal(testNow) || !b.Feed.LastSuccess.IsZero() {
			t.Errorf("poll %d: bad feed state = %+v; want %d failures, a 500 error, next poll in %v", i, b.Feed, i+1, wantNext)
		}
	}
	fs, err := e.p.List(ctx, nil)
	if err != nil || len(fs) != 2 || fs[1].Failures != 4 || fs[1].LastError != "HTTP 500 Internal Server Error" {
		t.Fatalf("List = %+v, %v; want the bad feed with 4 failures and its error", fs, err)
	}
	// Not due: PollDue leaves it alone; the good one is due again only after the interval.
	if rs, err := e.p.PollDue(ctx); err != nil || len(rs) != 0 {
		t.Errorf("PollDue = %+v, %v; want nothing due", rs, err)
	}

	e.srv.update("/bad", func(d *doc) { d.status = 0 })
	rs := e.pollAll(t)
	b := rs[1]
	if b.Err != nil || b.Added != 2 || b.Feed.Failures != 0 || b.Feed.LastError != "" ||
		!b.Feed.NextPoll.Equal(testNow.Add(testInterval)) || !b.Feed.LastSuccess.Equal(testNow) {
		t.Errorf("recovered poll = %+v; want success, failures reset", b)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	p := New(nil, nil, Options{Interval: 15 * time.Minute, Jitter: -1})
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{0, 15 * time.Minute}, {1, 30 * time.Minute}, {2, time.Hour}, {3, 2 * time.Hour},
		{4, 4 * time.Hour}, {5, 6 * time.Hour}, {6, 6 * time.Hour}, {1000, 6 * time.Hour},
	} {
		if got := p.backoff(tc.n); got != tc.want {
			t.Errorf("backoff(%d) = %v; want %v", tc.n, got, tc.want)
		}
	}
	j := New(nil, nil, Options{Interval: time.Hour})
	for range 100 {
		if d := j.jitter(time.Hour); d < 54*time.Minute || d > 66*time.Minute {
			t.Fatalf("jitter(1h) = %v; want within 10%%", d)
		}
	}
}

func TestMalformedFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/feed", "application/json", "feed.json")
	e.add(t, "/feed", "")
	e.srv.setFile(t, "/feed", "application/rss+xml", "malformed.xml")
	for _, body := range []string{"", "{not json", "<html><body>moved</body></html>"} {
		if body != "" {
			e.srv.update("/feed", func(d *doc) { d.body = body })
		}
		rs := e.pollAll(t)
		if !errors.Is(rs[0].Err, ErrNotFeed) || !strings.HasPrefix(rs[0].Feed.LastError, "not a feed") || rs[0].Feed.Failures == 0 {
			t.Errorf("poll of %q = %+v; want a not-a-feed failure", body, rs[0])
		}
	}
}

func TestAddValidates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/rss.xml", "application/rss+xml", "rss.xml")
	e.srv.setFile(t, "/home", "text/html", "notafeed.html")
	e.srv.setFile(t, "/withfeed", "text/html", "withfeed.html")

	for _, tc := range []struct {
		url  string
		want error
	}{
		{"ftp://example.com/feed", corpus.ErrInvalid},
		{"", corpus.ErrInvalid},
		{e.srv.URL + "/home", ErrNotFeed},
		{e.srv.URL + "/missing", nil}, // a *web.StatusError
		{"http://10.1.2.3/feed", web.ErrRefused},
	} {
		_, err := e.p.Add(ctx, tc.url, "", "test")
		var se *web.StatusError
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || (tc.want == nil && !errors.As(err, &se)) {
			t.Errorf("Add(%q) = %v; want %v", tc.url, err, tc.want)
		}
	}
	// A page that links its feed adds the feed.
	f, err := e.p.Add(ctx, e.srv.URL+"/withfeed?utm_source=x", "guild1", "discord:7")
	if err != nil || f.URL != e.srv.URL+"/rss.xml" || f.Title != "Portmere Gazette" || f.Scope != "guild1" || f.AddedBy != "discord:7" {
		t.Fatalf("Add(page with feed link) = %+v, %v", f, err)
	}
	for _, u := range []string{e.srv.URL + "/rss.xml#top", e.srv.URL + "/withfeed"} {
		_, err = e.p.Add(ctx, u, "guild1", "discord:7")
		var de *corpus.DuplicateFeedError
		if !errors.Is(err, corpus.ErrDuplicate) || !errors.As(err, &de) || de.ExistingID != f.ID {
			t.Errorf("Add(%q) again = %v; want a duplicate of %d", u, err, f.ID)
		}
	}
	if _, err := e.p.Add(ctx, e.srv.URL+"/rss.xml", "", "cli"); err != nil {
		t.Errorf("Add(same feed, global) = %v; want it added (other scope)", err)
	}
	if err := e.p.Remove(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Remove(ctx, f.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("Remove twice = %v; want ErrNotFound", err)
	}
}

func TestServerFeedScopesArticles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/feed", "application/feed+json", "feed.json")
	f := e.add(t, "/feed", "guild1")
	e.pollAll(t)
	if got := e.latest(t, corpus.GlobalScope); len(got) != 0 {
		t.Errorf("global articles = %q; want none", titles(got))
	}
	got := e.latest(t, "guild1")
	if len(got) != 2 {
		t.Fatalf("guild1 articles = %q; want 2", titles(got))
	}
	for _, a := range got {
		if a.Scope != "guild1" || a.AddedBy != Actor(f.ID) {
			t.Errorf("article %q: scope %q added by %q; want guild1, %s", a.Title, a.Scope, a.AddedBy, Actor(f.ID))
		}
	}
	if fs, _ := e.p.List(context.Background(), []string{corpus.GlobalScope, "guild2"}); len(fs) != 0 {
		t.Errorf("List(global, guild2) = %+v; want none", fs)
	}
}

func TestDeletedArticleDoesNotComeBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/feed", "application/feed+json", "feed.json")
	e.add(t, "/feed", "")
	e.pollAll(t)
	a, err := e.db.GetByURL(ctx, e.srv.URL+"/weekly/budget")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	// Even edited upstream, and fetched in full, it stays deleted.
	e.srv.update("/feed", func(d *doc) { d.body = strings.Replace(d.body, "Budget raises", "Budget lifts", 1) })
	rs := e.pollAll(t)
	if rs[0].NotModified || rs[0].Added != 0 || rs[0].Updated != 0 || rs[0].Unchanged != 2 {
		t.Errorf("poll after delete = %+v; want 2 unchanged", rs[0])
	}
	if _, err := e.db.GetByURL(ctx, e.srv.URL+"/weekly/budget"); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("GetByURL(deleted) = %v; want ErrNotFound", err)
	}
}

// An item already in the corpus (another feed had it) is recorded as seen,
// and its page is not fetched.
func TestItemStoredElsewhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/feed", "application/atom+xml", "atom.xml")
	e.srv.setFile(t, "/chronicle/vaccine", "text/html", "vaccine.html")
	e.srv.setFile(t, "/copy", "application/atom+xml", "atom.xml")
	first := e.add(t, "/feed", "")
	if _, err := e.p.PollFeed(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	pages := e.srv.count(e.srv.hits, "/chronicle/vaccine")
	second := e.add(t, "/copy", "")
	r, err := e.p.PollFeed(ctx, second.ID)
	if err != nil || r.Added != 0 || r.Unchanged != 2 {
		t.Errorf("PollFeed(copy) = %+v, %v; want 2 unchanged", r, err)
	}
	if n := e.srv.count(e.srv.hits, "/chronicle/vaccine"); n != pages {
		t.Errorf("page fetched %d times; want %d (already stored)", n, pages)
	}
	if got := e.latest(t); len(got) != 2 {
		t.Errorf("Latest = %q; want 2", titles(got))
	}
	if _, err := e.p.PollFeed(ctx, 999); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("PollFeed(999) = %v; want ErrNotFound", err)
	}
}

// An item whose page is down is retried: the next poll fetches the whole
// feed again instead of getting a 304.
func TestItemPageFailureRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/feed", "application/rss+xml", "rss.xml")
	e.srv.setFile(t, "/news/rail", "text/html", "rail.html")
	e.srv.update("/news/rail", func(d *doc) { d.status = http.StatusServiceUnavailable })
	e.add(t, "/feed", "")
	rs := e.pollAll(t)
	if rs[0].Added != 1 || rs[0].Failed != 1 || rs[0].Err != nil {
		t.Fatalf("first poll = %+v; want 1 added, 1 failed, feed healthy", rs[0])
	}
	e.srv.update("/news/rail", func(d *doc) { d.status = 0 })
	rs = e.pollAll(t)
	if rs[0].NotModified || rs[0].Added != 1 || rs[0].Unchanged != 1 {
		t.Errorf("second poll = %+v; want the failed item added", rs[0])
	}
}

// A page that cannot be read (404) is not retried; the item's summary
// stands in for it.
func TestItemPageGoneUsesSummary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/feed", "application/rss+xml", "rss.xml") // /news/rail is not served
	e.add(t, "/feed", "")
	rs := e.pollAll(t)
	if rs[0].Added != 2 {
		t.Fatalf("poll = %+v; want 2 added", rs[0])
	}
	a, err := e.db.GetByURL(ctx, e.srv.URL+"/news/rail")
	if err != nil || a.Body != "Commuters faced a third day of delays after a signalling fault." {
		t.Errorf("article of the item without page = %+v, %v; want its summary", a, err)
	}
}

func TestLargeFeedBounded(t *testing.T) {
	t.Parallel()
	const n, limit = 10000, 50
	e := newEnv(t, Options{MaxItemsPerPoll: limit})
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Archive</title>`)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		// Oldest first, as some archives list them: the poller must pick the newest.
		fmt.Fprintf(&b, `<item><title>Story %d</title><guid>story-%d</guid><pubDate>%s</pubDate>`+
			`<description>Short report number %d about events of the day.</description></item>`,
			i, i, start.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), i)
	}
	b.WriteString(`</channel></rss>`)
	e.srv.set("/archive", "application/rss+xml", b.String())
	e.add(t, "/archive", "")
	rs := e.pollAll(t)
	if rs[0].Added != limit || rs[0].Err != nil {
		t.Fatalf("poll = Added %d, Err %v; want %d", rs[0].Added, rs[0].Err, limit)
	}
	got := e.latest(t)
	if len(got) != limit || got[0].Title != fmt.Sprintf("Story %d", n-1) || got[limit-1].Title != fmt.Sprintf("Story %d", n-limit) {
		t.Errorf("Latest = %q...; want the %d newest stories", titles(got)[:3], limit)
	}
}

func TestRunPollsDueFeeds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/feed", "application/feed+json", "feed.json")
	done := make(chan error, 1)
	go func() { done <- e.p.Run(ctx) }()
	// EnsureFeeds wakes Run (Add does not: its callers poll at once).
	if err := e.p.EnsureFeeds(ctx, []string{e.srv.URL + "/feed"}, "env"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(e.latest(t)) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not poll the new feed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v; want nil after cancel", err)
	}
}

func TestEnsureFeeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, Options{})
	urls := SplitURLs(" https://a.example/rss , ,https://b.example/atom?utm_source=x,")
	if len(urls) != 2 {
		t.Fatalf("SplitURLs = %q", urls)
	}
	for range 2 {
		if err := e.p.EnsureFeeds(ctx, urls, "env"); err != nil {
			t.Fatalf("EnsureFeeds = %v", err)
		}
	}
	fs, err := e.p.List(ctx, nil)
	if err != nil || len(fs) != 2 || fs[1].URL != "https://b.example/atom" || fs[0].Scope != corpus.GlobalScope || fs[0].AddedBy != "env" {
		t.Errorf("List after EnsureFeeds twice = %+v, %v; want the 2 feeds once each", fs, err)
	}
	err = e.p.EnsureFeeds(ctx, []string{"not a url", "https://c.example/feed"}, "env")
	if !errors.Is(err, corpus.ErrInvalid) {
		t.Errorf("EnsureFeeds(bad URL) = %v; want ErrInvalid", err)
	}
	if fs, _ := e.p.List(ctx, nil); len(fs) != 3 {
		t.Errorf("List = %d feeds; want the good URL added despite the bad one", len(fs))
	}
}

// lateStore is a store that another process's EnsureFeeds has just
// overtaken: its FeedByURL still finds nothing, but the feed is there.
type lateStore struct{ Store }

func (lateStore) FeedByURL(context.Context, string, string) (corpus.Feed, error) {
	return corpus.Feed{}, corpus.ErrNotFound
}

// TestEnsureFeedsRace: processes started together ensure the same feed;
// the one whose insert finds it already there neither fails nor says it
// added the feed (it used to log "feed added" with feed id 0).
func TestEnsureFeedsRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, Options{})
	if err := e.p.EnsureFeeds(ctx, []string{"https://a.example/rss"}, "env"); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	late := New(lateStore{e.db}, nil, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := late.EnsureFeeds(ctx, []string{"https://a.example/rss"}, "env"); err != nil {
		t.Errorf("EnsureFeeds of a feed another process added = %v; want nil", err)
	}
	if strings.Contains(logs.String(), "feed added") {
		t.Errorf("EnsureFeeds logged an addition it did not make: %s", logs.String())
	}
	if fs, err := e.p.List(ctx, nil); err != nil || len(fs) != 1 {
		t.Errorf("List = %d feeds, %v; want 1", len(fs), err)
	}
}

func TestFullTextRule(t *testing.T) {
	t.Parallel()
	words := func(n int) string { return strings.TrimSpace(strings.Repeat("word ", n)) }
	for _, tc := range []struct {
		name          string
		content, desc string
		want          bool
	}{
		{"long content", words(150), words(20), true},
		{"long description only", "", words(160), true},
		{"teaser description only", "", words(40), false},
		{"content clearly longer than summary", words(90), words(30), true},
		{"content without summary", words(90), "", true},
		{"content as long as summary", words(90), words(60), false},
		{"short content", words(40), "", false},
		{"nothing", "", "", false},
	} {
		if got := isFullText(tc.content, tc.desc); got != tc.want {
			t.Errorf("%s: isFullText = %v; want %v", tc.name, got, tc.want)
		}
	}
}

func TestHTMLText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"<p>One\n two.</p><p>Three &amp; four.</p>", "One two.\n\nThree & four."},
		{"<div>A <b>bold</b> <a href='x'>link</a>.</div><script>var x=1</script><style>p{}</style>", "A bold link."},
		{"<ul><li>first</li><li>second</li></ul>", "first\n\nsecond"},
		{"Line one<br><br>Line two", "Line one\n\nLine two"},
		{"<h2>Head</h2>Body<!-- comment --> text", "Head\n\nBody text"},
		{"<p>unclosed <i>tags", "unclosed tags"},
		{"   ", ""},
	} {
		if got := htmlText(tc.in); got != tc.want {
			t.Errorf("htmlText(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&web.StatusError{StatusCode: 404, Status: "404 Not Found"}, "HTTP 404 Not Found (the feed is gone or moved)"},
		{fmt.Errorf("x: %w", &web.StatusError{StatusCode: 429, Status: "429 Too Many Requests"}), "HTTP 429 Too Many Requests (rate limited)"},
		{fmt.Errorf("%w: bad\nxml", ErrNotFeed), "not a feed: bad xml"},
		{errors.New(strings.Repeat("é", 400)), strings.Repeat("é", 150) + "…"},
	} {
		if got := describe(tc.err); got != tc.want {
			t.Errorf("describe(%v) = %q; want %q", tc.err, got, tc.want)
		}
	}
}

// gatedFetcher holds each fetch until the test releases it, telling the
// test when one has started.
type gatedFetcher struct {
	Fetcher
	started chan struct{}
	release chan struct{}
}

func (g gatedFetcher) Fetch(ctx context.Context, req web.Request) (*web.Response, error) {
	g.started <- struct{}{}
	<-g.release
	return g.Fetcher.Fetch(ctx, req)
}

// TestPollFeedDuringAnotherPoll: a PollFeed (the poll right after a
// /feeds add) that meets a poll of the same feed under way (a /feeds poll,
// another round) reports a poll, not an error.
func TestPollFeedDuringAnotherPoll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, Options{})
	e.srv.setFile(t, "/feed", "application/feed+json", "feed.json")
	f := e.add(t, "/feed", "")
	g := gatedFetcher{Fetcher: e.p.fetch, started: make(chan struct{}, 2), release: make(chan struct{})}
	p := New(e.db, g, e.p.opt)
	all := make(chan []Result, 1)
	go func() {
		rs, err := p.PollAll(ctx)
		if err != nil {
			t.Errorf("PollAll = %v", err)
		}
		all <- rs
	}()
	<-g.started // PollAll is fetching the feed
	one := make(chan Result, 1)
	go func() {
		r, err := p.PollFeed(ctx, f.ID)
		if err != nil {
			t.Errorf("PollFeed during PollAll = %v; want the poll's result", err)
		}
		one <- r
	}()
	close(g.release)
	rs, r := <-all, <-one
	if len(rs) != 1 || rs[0].Err != nil || rs[0].Added != 2 {
		t.Fatalf("PollAll = %+v; want the feed's 2 items added", rs)
	}
	if r.Err != nil || r.Feed.ID != f.ID {
		t.Errorf("PollFeed = %+v; want a poll of feed %d without error", r, f.ID)
	}
}
