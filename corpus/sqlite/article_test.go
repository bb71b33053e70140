package sqlite

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

func TestAddGetRoundtrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("Élection à Paris", corpus.GlobalScope, time.Date(2025, 3, 1, 8, 30, 0, 0, time.FixedZone("CET", 3600)),
		"First paragraph about the election.", "Second paragraph, with results.")
	a.URL = "https://example.com/paris"
	mustAdd(t, db, a)
	if a.ID == 0 || !a.AddedAt.Equal(testNow) {
		t.Fatalf("after Add: ID=%d AddedAt=%v; want an id and %v", a.ID, a.AddedAt, testNow)
	}
	for i, p := range a.Passages {
		if p.ID == 0 || p.ArticleID != a.ID {
			t.Errorf("passage %d: ID=%d ArticleID=%d; want set", i, p.ID, p.ArticleID)
		}
	}

	want := *a
	want.PublishedAt = a.PublishedAt.UTC()
	for name, get := range map[string]func() (*corpus.Article, error){
		"Get":      func() (*corpus.Article, error) { return db.Get(ctx, a.ID) },
		"GetByURL": func() (*corpus.Article, error) { return db.GetByURL(ctx, a.URL) },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s = %v", name, err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s =\n%+v\nwant\n%+v", name, *got, want)
		}
	}
}

func TestGetNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	mustAdd(t, db, article("A", corpus.GlobalScope, time.Time{}, "text"))
	if _, err := db.Get(ctx, 999); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("Get(999) = %v; want ErrNotFound", err)
	}
	for _, url := range []string{"", "https://nowhere.example/"} {
		if _, err := db.GetByURL(ctx, url); !errors.Is(err, corpus.ErrNotFound) {
			t.Errorf("GetByURL(%q) = %v; want ErrNotFound", url, err)
		}
	}
	if err := db.Delete(ctx, 999); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("Delete(999) = %v; want ErrNotFound", err)
	}
}

func TestAddNoPublishedTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("Undated", corpus.GlobalScope, time.Time{}, "text")
	mustAdd(t, db, a)
	got, err := db.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.PublishedAt.IsZero() || got.URL != "" {
		t.Errorf("Get: PublishedAt=%v URL=%q; want zero, empty", got.PublishedAt, got.URL)
	}
}

func TestAddInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(*corpus.Article)
	}{
		{"no hash", func(a *corpus.Article) { a.Hash = "" }},
		{"no passages", func(a *corpus.Article) { a.Passages = nil }},
		{"no scope", func(a *corpus.Article) { a.Scope = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpen(t)
			a := article("A", corpus.GlobalScope, day(1), "text")
			tc.edit(a)
			if err := db.Add(context.Background(), a); !errors.Is(err, corpus.ErrInvalid) {
				t.Fatalf("Add = %v; want ErrInvalid", err)
			}
			if n := count(t, db, `SELECT count(*) FROM articles`); n != 0 || a.ID != 0 {
				t.Errorf("after failed Add: %d articles, ID %d; want 0, 0", n, a.ID)
			}
		})
	}
	db := MustOpen(t)
	if err := db.Add(context.Background(), nil); !errors.Is(err, corpus.ErrInvalid) {
		t.Errorf("Add(nil) = %v; want ErrInvalid", err)
	}
}

func TestAddDuplicate(t *testing.T) {
	t.Parallel()
	const serverA, serverB = "111", "222"
	withURL := func(title, scope, url string) *corpus.Article {
		a := article(title, scope, day(1), "Body of "+title)
		a.URL = url
		return a
	}
	for _, tc := range []struct {
		name   string
		first  *corpus.Article
		second *corpus.Article
		by     string // "" means the second add succeeds
	}{
		{"same url", withURL("A", corpus.GlobalScope, "https://x/1"), withURL("B", corpus.GlobalScope, "https://x/1"), "url"},
		{"same hash", withURL("A", corpus.GlobalScope, "https://x/1"), func() *corpus.Article {
			a := withURL("B", corpus.GlobalScope, "https://x/2")
			a.Hash = "hash:A"
			return a
		}(), "content"},
		{"same hash, no urls", withURL("A", corpus.GlobalScope, ""), func() *corpus.Article {
			a := withURL("B", corpus.GlobalScope, "")
			a.Hash = "hash:A"
			return a
		}(), "content"},
		{"url and hash: url reported", withURL("A", corpus.GlobalScope, "https://x/1"), withURL("A", corpus.GlobalScope, "https://x/1"), "url"},
		{"server re-adds a global article", withURL("A", corpus.GlobalScope, "https://x/1"), withURL("A", serverA, "https://x/1"), "url"},
		{"same server twice", withURL("A", serverA, "https://x/1"), withURL("A", serverA, "https://x/1"), "url"},
		{"two servers each keep a copy", withURL("A", serverA, "https://x/1"), withURL("A", serverB, "https://x/1"), ""},
		{"global add of a server's article", withURL("A", serverA, "https://x/1"), withURL("A", corpus.GlobalScope, "https://x/1"), ""},
		{"no urls, different hashes", withURL("A", corpus.GlobalScope, ""), withURL("B", corpus.GlobalScope, ""), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := MustOpen(t)
			mustAdd(t, db, tc.first)
			err := db.Add(ctx, tc.second)
			if tc.by == "" {
				if err != nil {
					t.Fatalf("second Add = %v; want success", err)
				}
				return
			}
			var dup *corpus.DuplicateError
			if !errors.As(err, &dup) || !errors.Is(err, corpus.ErrDuplicate) {
				t.Fatalf("second Add = %v; want *DuplicateError", err)
			}
			if dup.ExistingID != tc.first.ID || dup.By != tc.by {
				t.Errorf("second Add = %+v; want ExistingID %d By %q", dup, tc.first.ID, tc.by)
			}
			if tc.second.ID != 0 {
				t.Errorf("duplicate got ID %d; want 0", tc.second.ID)
			}
			if n := count(t, db, `SELECT count(*) FROM articles`); n != 1 {
				t.Errorf("%d articles stored; want 1", n)
			}
			if n := count(t, db, `SELECT count(*) FROM passages`); n != 1 {
				t.Errorf("%d passages stored; want 1", n)
			}
		})
	}
}

// TestAddDuplicateGlobalFirst: when a server holds its own copy of a story
// that was later published globally, a re-add by that server names the
// global copy, whichever of URL or content matches.
func TestAddDuplicateGlobalFirst(t *testing.T) {
	t.Parallel()
	const server = "111"
	for _, tc := range []struct {
		name, url, by string
	}{
		{"by url", "https://x/1", "url"},
		{"by content", "", "content"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpen(t)
			private := article("A", server, day(1), "Body of A")
			private.URL = tc.url
			global := article("A", corpus.GlobalScope, day(1), "Body of A")
			global.URL = tc.url
			mustAdd(t, db, private, global)
			again := article("A", server, day(1), "Body of A")
			again.URL = tc.url
			err := db.Add(context.Background(), again)
			var dup *corpus.DuplicateError
			if !errors.As(err, &dup) || dup.ExistingID != global.ID || dup.By != tc.by {
				t.Errorf("Add(server's copy again) = %v; want a duplicate of the global %d by %s (the server's is %d)", err, global.ID, tc.by, private.ID)
			}
		})
	}
}

func TestSameArticleInTwoServers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("Local council vote", "111", day(2), "The council voted on the budget.")
	b := article("Local council vote", "222", day(2), "The council voted on the budget.")
	mustAdd(t, db, a, b)
	for _, tc := range []struct {
		scopes []string
		want   int64
	}{{[]string{"111"}, a.ID}, {[]string{"222"}, b.ID}} {
		if got := search(t, db, "council budget", tc.scopes...); len(got) != 1 {
			t.Errorf("search(scopes %v) = %v; want article %d only", tc.scopes, got, tc.want)
		}
	}
	// Deleting one server's copy leaves the other.
	if err := db.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Get(ctx, b.ID); err != nil {
		t.Errorf("Get(other copy) = %v", err)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	keep := article("Harvest report", corpus.GlobalScope, day(1), "Wheat harvest was strong.")
	gone := article("Volcano erupts", corpus.GlobalScope, day(2), "The volcano erupted at dawn.", "Ash fell on the volcano's villages.")
	mustAdd(t, db, keep, gone)

	if got := search(t, db, "volcano"); len(got) != 2 {
		t.Fatalf("search(volcano) before = %q; want 2 passages", got)
	}
	if err := db.Delete(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Get(ctx, gone.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("Get(deleted) = %v; want ErrNotFound", err)
	}
	if n := count(t, db, `SELECT count(*) FROM passages WHERE article_id = ?`, gone.ID); n != 0 {
		t.Errorf("%d passages left; want 0", n)
	}
	if got := search(t, db, "volcano wheat"); !slices.Equal(got, []string{"Harvest report#0"}) {
		t.Errorf("search(volcano wheat) after delete = %q; want the harvest only", got)
	}
	changes, err := db.Changes(ctx, 0, 10)
	if err != nil || len(changes) != 3 || changes[2].Op != corpus.ChangeRemove || changes[2].ArticleID != gone.ID {
		t.Errorf("Changes after delete = %+v, %v; want add, add, remove %d", changes, err, gone.ID)
	}
	if err := db.Delete(ctx, gone.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("second Delete = %v; want ErrNotFound", err)
	}
	// The same article can be added again once deleted.
	again := article("Volcano erupts", corpus.GlobalScope, day(2), "The volcano erupted at dawn.")
	mustAdd(t, db, again)
}

func TestAddFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, db *DB) (context.Context, *corpus.Article)
	}{
		{"passage insert fails midway", func(t *testing.T, db *DB) (context.Context, *corpus.Article) {
			// A trigger makes the second passage insert fail after the
			// article and the first passage are written.
			if _, err := db.write.Exec(`CREATE TRIGGER fail_second BEFORE INSERT ON passages
				WHEN NEW.seq = 1 BEGIN SELECT RAISE(ABORT, 'injected failure'); END`); err != nil {
				t.Fatal(err)
			}
			return ctx, article("Doomed", corpus.GlobalScope, day(1), "first passage", "second passage")
		}},
		{"repeated passage seq", func(t *testing.T, db *DB) (context.Context, *corpus.Article) {
			a := article("Doomed", corpus.GlobalScope, day(1), "first passage", "second passage")
			a.Passages[1].Seq = 0
			return ctx, a
		}},
		{"cancelled context", func(t *testing.T, db *DB) (context.Context, *corpus.Article) {
			ctx, cancel := context.WithCancel(ctx)
			cancel()
			return ctx, article("Doomed", corpus.GlobalScope, day(1), "first passage", "second passage")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpen(t)
			ctx, a := tc.setup(t, db)
			if err := db.Add(ctx, a); err == nil {
				t.Fatal("Add succeeded; want an error")
			}
			if a.ID != 0 || a.Passages[0].ID != 0 || !a.AddedAt.IsZero() {
				t.Errorf("failed Add set IDs: article %d passage %d added %v", a.ID, a.Passages[0].ID, a.AddedAt)
			}
			for _, q := range []string{`SELECT count(*) FROM articles`, `SELECT count(*) FROM passages`,
				`SELECT count(*) FROM changes`} {
				if n := count(t, db, q); n != 0 {
					t.Errorf("%s = %d; want 0", q, n)
				}
			}
			// The store still works afterwards.
			db.write.Exec(`DROP TRIGGER IF EXISTS fail_second`)
			mustAdd(t, db, article("Fine", corpus.GlobalScope, day(1), "ok", "ok too"))
		})
	}
}

func TestLatest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	clock := testNow
	db.Now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	add := func(title, scope, source string, published time.Time) {
		a := article(title, scope, published, title+" text")
		a.Source = source
		mustAdd(t, db, a)
	}
	add("old", corpus.GlobalScope, "Reuters", day(1))
	add("undated early", corpus.GlobalScope, "AP", time.Time{})
	add("new", corpus.GlobalScope, "AP", day(5))
	add("middle", corpus.GlobalScope, "reuters", day(3))
	add("undated late", corpus.GlobalScope, "Reuters", time.Time{})
	add("server newest", "111", "Reuters", day(9))
	add("other server", "222", "Reuters", day(10))

	for _, tc := range []struct {
		name string
		q    corpus.LatestQuery
		want []string
	}{
		{"global by default", corpus.LatestQuery{}, []string{"new", "middle", "old", "undated late", "undated early"}},
		{"N", corpus.LatestQuery{N: 2}, []string{"new", "middle"}},
		{"source any case", corpus.LatestQuery{Source: "REUTERS"}, []string{"middle", "old", "undated late"}},
		{"unknown source", corpus.LatestQuery{Source: "BBC"}, nil},
		{"server and global", corpus.LatestQuery{N: 3, Scopes: []string{corpus.GlobalScope, "111"}}, []string{"server newest", "new", "middle"}},
		{"server only", corpus.LatestQuery{Scopes: []string{"222"}}, []string{"other server"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Latest(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(titles(got), tc.want) {
				t.Errorf("Latest(%+v) = %q; want %q", tc.q, titles(got), tc.want)
			}
			for _, a := range got {
				if a.Body != "" || a.Passages != nil || a.ID == 0 || a.Hash == "" {
					t.Errorf("Latest article %q: Body/Passages set or metadata missing", a.Title)
				}
			}
		})
	}
}

func TestStatsAndSources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	add := func(title, scope, source string, published time.Time, passages int) {
		texts := make([]string, passages)
		for i := range texts {
			texts[i] = "text"
		}
		a := article(title, scope, published, texts...)
		a.Source = source
		mustAdd(t, db, a)
	}
	add("first", corpus.GlobalScope, "Reuters", day(2), 2)
	add("latest", corpus.GlobalScope, "reuters", day(7), 1)
	add("undated", corpus.GlobalScope, "AP", time.Time{}, 3)
	add("no source", corpus.GlobalScope, "", day(4), 1)
	add("private", "111", "Local Gazette", day(9), 2)

	for _, tc := range []struct {
		scopes  []string
		want    corpus.Stats
		sources []string
	}{
		{nil, corpus.Stats{Articles: 4, Passages: 7, Outlets: 2, Oldest: day(2), Newest: day(7), NewestTitle: "latest"},
			[]string{"AP", "Reuters"}},
		{[]string{corpus.GlobalScope, "111"}, corpus.Stats{Articles: 5, Passages: 9, Outlets: 3, Oldest: day(2), Newest: day(9), NewestTitle: "private"},
			[]string{"AP", "Local Gazette", "Reuters"}},
		{[]string{"999"}, corpus.Stats{}, nil},
	} {
		got, err := db.Stats(ctx, tc.scopes)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("Stats(%q) = %+v; want %+v", tc.scopes, got, tc.want)
		}
		sources, err := db.Sources(ctx, tc.scopes)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sources, tc.sources) {
			t.Errorf("Sources(%q) = %q; want %q", tc.scopes, sources, tc.sources)
		}
	}
}

// TestAddPrepared stores an article made by corpus.Prepare, and checks that
// the same story with a different URL tracking parameter is a duplicate.
func TestAddPrepared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	body := "Pakistan's government said on Monday it would discuss recognition.\n\nOfficials met in Islamabad."
	a := &corpus.Article{Title: "Talks", URL: "https://Example.com/story?utm_source=x", Body: body, Scope: corpus.GlobalScope}
	if err := corpus.Prepare(a); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, db, a)
	if got := search(t, db, "Islamabad officials meeting"); len(got) == 0 {
		t.Errorf("search = %q; want the prepared article", got)
	}
	b := &corpus.Article{Title: "Talks again", URL: "https://example.com/story", Body: body + " ", Scope: "111"}
	if err := corpus.Prepare(b); err != nil {
		t.Fatal(err)
	}
	if err := db.Add(ctx, b); !errors.Is(err, corpus.ErrDuplicate) {
		t.Errorf("Add(same story in a server) = %v; want ErrDuplicate", err)
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	mustAdd(t, db, article("Harvest", corpus.GlobalScope, day(1), "Wheat harvest was strong.", "Prices fell."))
	if err := db.Check(ctx); err != nil {
		t.Fatalf("Check(sound database) = %v", err)
	}
	if _, err := db.write.Exec(`UPDATE passages SET seq = 5 WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(ctx); err == nil || !strings.Contains(err.Error(), "not numbered") {
		t.Errorf("Check(gap in passages) = %v; want it reported", err)
	}
}
