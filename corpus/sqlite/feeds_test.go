package sqlite

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

func mustAddFeed(tb testing.TB, db *DB, url, scope string) corpus.Feed {
	tb.Helper()
	f := corpus.Feed{URL: url, Title: "Feed " + url, Scope: scope, AddedBy: "test"}
	if err := db.AddFeed(context.Background(), &f); err != nil {
		tb.Fatalf("AddFeed(%q, %q) = %v", url, scope, err)
	}
	return f
}

func feedURLs(fs []corpus.Feed) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.URL
	}
	return out
}

func TestAddFeedRoundtrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	f := mustAddFeed(t, db, "https://example.com/rss", corpus.GlobalScope)
	if f.ID == 0 || !f.AddedAt.Equal(testNow) {
		t.Fatalf("after AddFeed: ID=%d AddedAt=%v; want an id and %v", f.ID, f.AddedAt, testNow)
	}
	for name, get := range map[string]func() (corpus.Feed, error){
		"Feed":      func() (corpus.Feed, error) { return db.Feed(ctx, f.ID) },
		"FeedByURL": func() (corpus.Feed, error) { return db.FeedByURL(ctx, f.URL, corpus.GlobalScope) },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s = %v", name, err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Errorf("%s =\n%+v\nwant\n%+v", name, got, f)
		}
	}
	if _, err := db.FeedByURL(ctx, f.URL, "guild1"); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("FeedByURL(other scope) = %v; want ErrNotFound", err)
	}
	if _, err := db.Feed(ctx, 999); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("Feed(999) = %v; want ErrNotFound", err)
	}
}

func TestAddFeedDuplicateAndInvalid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	f := mustAddFeed(t, db, "https://example.com/rss", "guild1")
	mustAddFeed(t, db, "https://example.com/rss", corpus.GlobalScope) // another scope may follow it too

	dup := corpus.Feed{URL: f.URL, Scope: "guild1"}
	err := db.AddFeed(ctx, &dup)
	var de *corpus.DuplicateFeedError
	if !errors.Is(err, corpus.ErrDuplicate) || !errors.As(err, &de) || de.ExistingID != f.ID {
		t.Errorf("AddFeed(same URL, same scope) = %v; want DuplicateFeedError naming %d", err, f.ID)
	}
	for _, bad := range []corpus.Feed{{URL: "", Scope: "global"}, {URL: "https://x.example/", Scope: ""}} {
		if err := db.AddFeed(ctx, &bad); !errors.Is(err, corpus.ErrInvalid) {
			t.Errorf("AddFeed(%+v) = %v; want ErrInvalid", bad, err)
		}
	}
}

func TestFeedsByScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	mustAddFeed(t, db, "https://a.example/feed", corpus.GlobalScope)
	mustAddFeed(t, db, "https://b.example/feed", "guild1")
	mustAddFeed(t, db, "https://c.example/feed", "guild2")
	for _, tc := range []struct {
		scopes []string
		want   []string
	}{
		{nil, []string{"https://a.example/feed", "https://b.example/feed", "https://c.example/feed"}},
		{[]string{corpus.GlobalScope, "guild1"}, []string{"https://a.example/feed", "https://b.example/feed"}},
		{[]string{"guild2"}, []string{"https://c.example/feed"}},
		{[]string{"guild3"}, []string{}},
	} {
		got, err := db.Feeds(ctx, tc.scopes)
		if err != nil {
			t.Fatal(err)
		}
		if g := feedURLs(got); !reflect.DeepEqual(g, tc.want) {
			t.Errorf("Feeds(%q) = %q; want %q", tc.scopes, g, tc.want)
		}
	}
}

func TestRemoveFeedKeepsArticles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	f := mustAddFeed(t, db, "https://a.example/feed", corpus.GlobalScope)
	a := article("From the feed", corpus.GlobalScope, day(1), "Text of the item.")
	mustAdd(t, db, a)
	if err := db.SaveFeedItem(ctx, f.ID, "guid-1", a.ID, "h1"); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveFeed(ctx, f.ID); err != nil {
		t.Fatalf("RemoveFeed = %v", err)
	}
	if _, err := db.Get(ctx, a.ID); err != nil {
		t.Errorf("Get(article) after RemoveFeed = %v; want it kept", err)
	}
	if n := count(t, db, `SELECT count(*) FROM feed_items`); n != 0 {
		t.Errorf("feed_items after RemoveFeed = %d; want 0", n)
	}
	if err := db.RemoveFeed(ctx, f.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("RemoveFeed twice = %v; want ErrNotFound", err)
	}
	// Ids are never reused: "feed:<id>" of the kept articles names one feed.
	if g := mustAddFeed(t, db, "https://b.example/feed", corpus.GlobalScope); g.ID == f.ID {
		t.Errorf("new feed got the removed feed's id %d", f.ID)
	}
}

func TestDueFeedsAndState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := mustAddFeed(t, db, "https://a.example/feed", corpus.GlobalScope) // NextPoll zero: due
	b := mustAddFeed(t, db, "https://b.example/feed", corpus.GlobalScope)
	c := mustAddFeed(t, db, "https://c.example/feed", corpus.GlobalScope)

	b.NextPoll = testNow.Add(time.Hour)
	c.NextPoll = testNow.Add(-time.Minute)
	c.ETag, c.LastModified = `"v1"`, "Fri, 14 Mar 2025 15:00:00 GMT"
	c.LastAttempt, c.LastSuccess = testNow, testNow.Add(-time.Hour)
	c.LastError, c.Failures, c.Title = "fetch: 500 Internal Server Error", 2, "Renamed"
	for _, f := range []corpus.Feed{b, c} {
		if err := db.SaveFeedState(ctx, f); err != nil {
			t.Fatalf("SaveFeedState(%d) = %v", f.ID, err)
		}
	}
	got, err := db.Feed(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("Feed after SaveFeedState =\n%+v\nwant\n%+v", got, c)
	}

	due, err := db.DueFeeds(ctx, testNow, 0)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := feedURLs(due), []string{a.URL, c.URL}; !reflect.DeepEqual(g, want) {
		t.Errorf("DueFeeds(now) = %q; want %q (most overdue first)", g, want)
	}
	if due, _ := db.DueFeeds(ctx, testNow, 1); len(due) != 1 {
		t.Errorf("DueFeeds(limit 1) = %d feeds; want 1", len(due))
	}
	next, ok, err := db.NextFeedPoll(ctx)
	if err != nil || !ok || !next.Equal(time.Unix(0, 0).UTC()) {
		t.Errorf("NextFeedPoll = %v, %v, %v; want the epoch (a never-polled feed)", next, ok, err)
	}

	if err := db.SaveFeedState(ctx, corpus.Feed{ID: 999}); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("SaveFeedState(999) = %v; want ErrNotFound", err)
	}
}

func TestNextFeedPollEmpty(t *testing.T) {
	t.Parallel()
	if _, ok, err := MustOpen(t).NextFeedPoll(context.Background()); ok || err != nil {
		t.Errorf("NextFeedPoll(no feeds) = %v, %v; want false, nil", ok, err)
	}
}

func TestFeedItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	f := mustAddFeed(t, db, "https://a.example/feed", corpus.GlobalScope)
	a := article("Item one", corpus.GlobalScope, day(1), "Text one.")
	mustAdd(t, db, a)

	if _, _, found, err := db.FeedItem(ctx, f.ID, "g1"); found || err != nil {
		t.Fatalf("FeedItem(new) = found %v, %v; want not found", found, err)
	}
	if err := db.SaveFeedItem(ctx, f.ID, "g1", a.ID, "h1"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveFeedItem(ctx, f.ID, "g2", 0, "h2"); err != nil { // seen, no article
		t.Fatal(err)
	}
	check := func(guid string, wantID int64, wantHash string) {
		t.Helper()
		id, h, found, err := db.FeedItem(ctx, f.ID, guid)
		if err != nil || !found || id != wantID || h != wantHash {
			t.Errorf("FeedItem(%q) = %d, %q, %v, %v; want %d, %q, found", guid, id, h, found, err, wantID, wantHash)
		}
	}
	check("g1", a.ID, "h1")
	check("g2", 0, "h2")
	if err := db.SaveFeedItem(ctx, f.ID, "g1", a.ID, "h1b"); err != nil { // re-record after an update
		t.Fatal(err)
	}
	check("g1", a.ID, "h1b")
	if got, _ := db.Feed(ctx, f.ID); got.Items != 1 {
		t.Errorf("Feed.Items = %d; want 1", got.Items)
	}

	// A deleted article leaves its item seen, without an article.
	if err := db.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	check("g1", 0, "h1b")
	if got, _ := db.Feed(ctx, f.ID); got.Items != 0 {
		t.Errorf("Feed.Items after delete = %d; want 0", got.Items)
	}
	// An article deleted before the item is recorded is stored as none.
	if err := db.SaveFeedItem(ctx, f.ID, "g3", a.ID, "h3"); err != nil {
		t.Fatalf("SaveFeedItem(deleted article) = %v", err)
	}
	check("g3", 0, "h3")
	if err := db.SaveFeedItem(ctx, 999, "g1", 0, "h"); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("SaveFeedItem(no feed) = %v; want ErrNotFound", err)
	}
}

func TestUpdateReplacesInPlace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("Storm nears coast", "guild1", day(1), "Forecasters tracked the hurricane offshore.")
	a.URL = "https://news.example/storm"
	a.AddedBy = "feed:1"
	mustAdd(t, db, a)
	other := article("Other", "guild1", day(2), "Unrelated text about elections.")
	mustAdd(t, db, other)

	up := article("Storm makes landfall", "ignored-scope", day(3), "The cyclone flooded the harbour town.", "Thousands evacuated.")
	up.ID, up.URL, up.AddedBy = a.ID, "https://news.example/storm-landfall", "ignored"
	if err := db.Update(ctx, up); err != nil {
		t.Fatalf("Update = %v", err)
	}
	if up.Scope != "guild1" || up.AddedBy != "feed:1" || !up.AddedAt.Equal(testNow) {
		t.Errorf("after Update: Scope=%q AddedBy=%q AddedAt=%v; want the stored ones", up.Scope, up.AddedBy, up.AddedAt)
	}
	got, err := db.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *up
	want.PublishedAt = up.PublishedAt.UTC()
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("Get after Update =\n%+v\nwant\n%+v", *got, want)
	}
	if h := search(t, db, "cyclone harbour", "guild1"); !reflect.DeepEqual(h, []string{"Storm makes landfall#0"}) {
		t.Errorf("search(new text) = %q; want the updated article", h)
	}
	if h := search(t, db, "hurricane offshore", "guild1"); len(h) != 0 {
		t.Errorf("search(old text) = %q; want nothing", h)
	}
	if n := count(t, db, `SELECT count(*) FROM articles`); n != 2 {
		t.Errorf("articles = %d; want 2 (updated in place)", n)
	}
	if n := count(t, db, `SELECT count(*) FROM passages WHERE article_id = ?`, a.ID); n != 2 {
		t.Errorf("passages = %d; want 2", n)
	}
}

func TestUpdateErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("A", "guild1", day(1), "Alpha text.")
	a.URL = "https://news.example/a"
	g := article("G", corpus.GlobalScope, day(1), "Global text.")
	g.URL = "https://news.example/g"
	o := article("O", "guild2", day(1), "Other server text.")
	o.URL = "https://news.example/o"
	mustAdd(t, db, a, g, o)

	edit := func(f func(*corpus.Article)) *corpus.Article {
		c := article("A2", "guild1", day(1), "Alpha text, edited.")
		c.ID, c.URL = a.ID, a.URL
		f(c)
		return c
	}
	for _, tc := range []struct {
		name   string
		a      *corpus.Article
		want   error
		wantBy string
	}{
		{"missing", edit(func(c *corpus.Article) { c.ID = 999 }), corpus.ErrNotFound, ""},
		{"unprepared", edit(func(c *corpus.Article) { c.Hash = "" }), corpus.ErrInvalid, ""},
		{"no passages", edit(func(c *corpus.Article) { c.Passages = nil }), corpus.ErrInvalid, ""},
		{"global url", edit(func(c *corpus.Article) { c.URL = g.URL }), corpus.ErrDuplicate, "url"},
		{"global content", edit(func(c *corpus.Article) { c.Hash = g.Hash }), corpus.ErrDuplicate, "content"},
		{"other server is fine", edit(func(c *corpus.Article) { c.URL = o.URL }), nil, ""},
		{"own url and hash are fine", edit(func(c *corpus.Article) { c.Hash = "hash:A" }), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.Update(ctx, tc.a)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Update = %v; want %v", err, tc.want)
			}
			var de *corpus.DuplicateError
			if tc.wantBy != "" && (!errors.As(err, &de) || de.By != tc.wantBy || de.ExistingID != g.ID) {
				t.Errorf("Update = %v; want duplicate of %d by %s", err, g.ID, tc.wantBy)
			}
		})
	}
	if err := db.Update(ctx, nil); !errors.Is(err, corpus.ErrInvalid) {
		t.Errorf("Update(nil) = %v; want ErrInvalid", err)
	}
	// A failed update leaves the article as it was.
	if got, err := db.Get(ctx, a.ID); err != nil || !strings.HasPrefix(got.Body, "Alpha text") {
		t.Errorf("Get after failed updates = %v, %v", got, err)
	}
}
