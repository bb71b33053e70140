// Package storetest is the contract every newsbot store backend keeps
// (corpus/sqlite today, PostgreSQL next): uniqueness by canonical URL and
// content hash, an article and its passages written together, scopes,
// deletes, updates in place, feed state, the audit trail and the change
// log the in-memory index follows. A backend's tests call Run with a
// function that opens a fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// Articles is the article side of a store.
type Articles interface {
	// Add stores a prepared article (a *corpus.DuplicateError for a
	// duplicate, an error wrapping corpus.ErrInvalid for one it cannot store).
	Add(ctx context.Context, a *corpus.Article) error
	// AddBatch adds many articles in one transaction; errs[i] is as[i]'s.
	AddBatch(ctx context.Context, as []*corpus.Article) (errs []error, err error)
	// AddAnalysedBatch is AddBatch with the text analysed by the caller
	// (terms[i] is corpus.Analyzer.ArticleTerms of as[i]).
	AddAnalysedBatch(ctx context.Context, as []*corpus.Article, terms []corpus.StoredTerms) (errs []error, err error)
	// Get returns an article with its body and passages, corpus.ErrNotFound if none.
	Get(ctx context.Context, id int64) (*corpus.Article, error)
	// GetByURL is Get by canonical URL.
	GetByURL(ctx context.Context, url string) (*corpus.Article, error)
	// Update replaces an article's content in place.
	Update(ctx context.Context, a *corpus.Article) error
	// Delete removes an article and its passages.
	Delete(ctx context.Context, id int64) error
	// Latest lists the newest articles of some scopes.
	Latest(ctx context.Context, q corpus.LatestQuery) ([]corpus.Article, error)
	// Stats counts what some scopes hold.
	Stats(ctx context.Context, scopes []string) (corpus.Stats, error)
}

// Log is the change log and what the index reads through it.
type Log interface {
	LastSeq(ctx context.Context) (int64, error)
	Changes(ctx context.Context, after int64, limit int) ([]corpus.Change, error)
	IndexedArticles(ctx context.Context, ids []int64) ([]corpus.IndexedArticle, error)
	ScanIndexed(ctx context.Context, after int64, limit int) ([]corpus.IndexedArticle, error)
	Hydrate(ctx context.Context, hits []corpus.Hit) ([]corpus.Hit, error)
}

// Feeds is the feed state a poller keeps.
type Feeds interface {
	AddFeed(ctx context.Context, f *corpus.Feed) error
	Feed(ctx context.Context, id int64) (corpus.Feed, error)
	Feeds(ctx context.Context, scopes []string) ([]corpus.Feed, error)
	RemoveFeed(ctx context.Context, id int64) error
	SaveFeedState(ctx context.Context, f corpus.Feed) error
	ClaimDueFeeds(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]corpus.Feed, error)
	ReleaseFeedLeases(ctx context.Context, owner string) (int, error)
	NextFeedPoll(ctx context.Context) (next time.Time, ok bool, err error)
	FeedItem(ctx context.Context, feedID int64, guid string) (articleID int64, itemHash string, found bool, err error)
	SaveFeedItem(ctx context.Context, feedID int64, guid string, articleID int64, itemHash string) error
}

// Events is the audit trail.
type Events interface {
	Record(ctx context.Context, e corpus.Event) error
	Events(ctx context.Context, serverID string, n int) ([]corpus.Event, error)
}

// Stories keeps the story each article belongs to (corpus/stories.Store).
type Stories interface {
	// StoryOf returns an article's story; ok is false when it has none
	// yet or does not exist.
	StoryOf(ctx context.Context, articleID int64) (storyID int64, ok bool, err error)
	// SetStory records an article's story unless it has one and returns
	// the story it has after the call (the first writer wins);
	// corpus.ErrNotFound if there is no such article.
	SetStory(ctx context.Context, articleID, storyID int64) (int64, error)
	// Ungrouped lists ids of articles without a story above after.
	Ungrouped(ctx context.Context, after int64, limit int) ([]int64, error)
	// StoryArticles lists a story's articles in scopes, earliest first.
	StoryArticles(ctx context.Context, storyID int64, scopes []string) ([]corpus.Article, error)
	// LatestStories lists the newest stories in some scopes.
	LatestStories(ctx context.Context, q corpus.LatestQuery) ([]corpus.StoryHead, error)
}

// Follows keeps the questions channels follow and their updates.
type Follows interface {
	AddFollow(ctx context.Context, f *corpus.Follow, lim corpus.FollowLimits) error
	Follow(ctx context.Context, id int64) (corpus.Follow, error)
	Follows(ctx context.Context, scope, channelID string) ([]corpus.Follow, error)
	RemoveFollow(ctx context.Context, id int64) error
	ClaimFollows(ctx context.Context, owner, frontend string, now time.Time, upTo int64, interval, lease time.Duration, limit int) ([]corpus.Follow, error)
	ReleaseFollow(ctx context.Context, owner string, id int64) error
	SentStories(ctx context.Context, followID int64, stories []int64) ([]int64, error)
	RecordFollow(ctx context.Context, owner string, followID, cursor int64, now time.Time, score float64, post *corpus.FollowPost) error
	PendingFollowPosts(ctx context.Context, followID int64) ([]corpus.FollowPost, error)
	MarkFollowPostSent(ctx context.Context, postID int64, at time.Time) error
}

// Store is everything the contract checks.
type Store interface {
	Articles
	Log
	Feeds
	Events
	Stories
	Follows
}

// Run runs the contract against stores that open returns, one fresh empty
// store per subtest (open registers its own cleanup with t).
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"Unique", testUnique},
		{"Batch", testBatch},
		{"AnalysedBatch", testAnalysedBatch},
		{"Scopes", testScopes},
		{"LatestPublished", testLatestPublished},
		{"Delete", testDelete},
		{"Update", testUpdate},
		{"ChangeLog", testChangeLog},
		{"IndexedTerms", testIndexedTerms},
		{"Hydrate", testHydrate},
		{"FeedState", testFeedState},
		{"FeedClaims", testFeedClaims},
		{"Events", testEvents},
		{"Stories", testStories},
		{"StoryClaim", testStoryClaim},
		{"LatestStories", testLatestStories},
		{"LatestStoriesManyCopies", testLatestStoriesManyCopies},
		{"StoryArticles", testStoryArticles},
		{"Follows", testFollows},
		{"FollowClaims", testFollowClaims},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// day is a fixed date, n days into March 2025.
func day(n int) time.Time { return time.Date(2025, 3, n, 12, 0, 0, 0, time.UTC) }

// article returns a prepared article; url may be empty.
func article(t *testing.T, title, url, scope string, published time.Time, body string) *corpus.Article {
	t.Helper()
	a := &corpus.Article{Title: title, URL: url, Source: "Test Wire", Scope: scope, PublishedAt: published, Body: body, AddedBy: "cli"}
	if err := corpus.Prepare(a); err != nil {
		t.Fatalf("Prepare(%q): %v", title, err)
	}
	return a
}

func mustAdd(t *testing.T, s Store, as ...*corpus.Article) {
	t.Helper()
	for _, a := range as {
		if err := s.Add(context.Background(), a); err != nil {
			t.Fatalf("Add(%q): %v", a.Title, err)
		}
	}
}

func testUnique(t *testing.T, s Store) {
	ctx := context.Background()
	first := article(t, "Bridge opens", "https://example.com/bridge", corpus.GlobalScope, day(1), "The Riverton bridge opened on Monday after four years of work.")
	mustAdd(t, s, first)
	for _, tc := range []struct {
		name  string
		a     *corpus.Article
		by    string
		added bool
	}{
		{"same URL", article(t, "Other text", "https://example.com/bridge", corpus.GlobalScope, day(2), "Completely different words about something else."), "url", false},
		{"same body", article(t, "Bridge opens again", "https://example.com/other", corpus.GlobalScope, day(1), "The Riverton bridge opened on Monday after four years of work."), "content", false},
		{"server re-adding a global story", article(t, "Bridge", "", "111", day(1), "The Riverton bridge opened on Monday after four years of work."), "content", false},
		{"new story", article(t, "Port deal", "https://example.com/port", corpus.GlobalScope, day(3), "Port workers agreed a wage deal with a 7.5 percent pay rise."), "", true},
	} {
		err := s.Add(ctx, tc.a)
		var dup *corpus.DuplicateError
		switch {
		case tc.added && err != nil:
			t.Errorf("%s: Add = %v; want it stored", tc.name, err)
		case !tc.added && (!errors.As(err, &dup) || !errors.Is(err, corpus.ErrDuplicate)):
			t.Errorf("%s: Add = %v; want a *corpus.DuplicateError", tc.name, err)
		case !tc.added && (dup.ExistingID != first.ID || dup.By != tc.by):
			t.Errorf("%s: Add = %+v; want duplicate of %d by %s", tc.name, dup, first.ID, tc.by)
		case !tc.added && tc.a.ID != 0:
			t.Errorf("%s: duplicate got ID %d; want 0", tc.name, tc.a.ID)
		}
	}
	// Two servers may each hold the same story privately.
	a, b := article(t, "Council vote", "", "111", day(2), "The council voted on the budget."), article(t, "Council vote", "", "222", day(2), "The council voted on the budget.")
	mustAdd(t, s, a, b)
	if a.ID == b.ID {
		t.Errorf("two servers' copies share ID %d", a.ID)
	}
	if err := s.Add(ctx, &corpus.Article{Title: "unprepared", Scope: corpus.GlobalScope}); !errors.Is(err, corpus.ErrInvalid) {
		t.Errorf("Add(unprepared) = %v; want ErrInvalid", err)
	}
}

func testBatch(t *testing.T, s Store) {
	ctx := context.Background()
	as := []*corpus.Article{
		article(t, "One", "https://example.com/1", corpus.GlobalScope, day(1), "First story about the harbour."),
		article(t, "Two", "https://example.com/2", corpus.GlobalScope, day(2), "Second story about the airport."),
		article(t, "One again", "https://example.com/1", corpus.GlobalScope, day(3), "Same URL as the first, other words."),
		{Title: "unprepared", Scope: corpus.GlobalScope},
	}
	errs, err := s.AddBatch(ctx, as)
	if err != nil {
		t.Fatalf("AddBatch = %v", err)
	}
	if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], corpus.ErrDuplicate) || !errors.Is(errs[3], corpus.ErrInvalid) {
		t.Fatalf("AddBatch errs = %v; want nil, nil, duplicate, invalid", errs)
	}
	for _, a := range as[:2] {
		got, err := s.Get(ctx, a.ID)
		if err != nil || got.Title != a.Title || len(got.Passages) != len(a.Passages) || got.Passages[0].ID != a.Passages[0].ID {
			t.Errorf("Get(%d) = %+v, %v; want %q with its passages", a.ID, got, err, a.Title)
		}
	}
	if st, err := s.Stats(ctx, nil); err != nil || st.Articles != 2 {
		t.Errorf("Stats = %+v, %v; want 2 articles", st, err)
	}
}

// testAnalysedBatch: a batch analysed by the caller is stored as AddBatch
// stores it, terms included, and terms that do not match the articles
// store nothing.
func testAnalysedBatch(t *testing.T, s Store) {
	ctx := context.Background()
	as := []*corpus.Article{
		article(t, "Ferry strike", "https://example.com/ferry", corpus.GlobalScope, day(1), "Ferry workers walked out on Monday over pay."),
		article(t, "Ferry strike again", "https://example.com/ferry", corpus.GlobalScope, day(2), "Same URL as the first, other words."),
		{Title: "unprepared", Scope: corpus.GlobalScope},
		article(t, "Harbour vote", "https://example.com/harbour", "guild-1", day(3), "The harbour board voted for the new pier."),
	}
	var an corpus.Analyzer
	terms := make([]corpus.StoredTerms, len(as))
	for i, a := range as {
		if i != 2 {
			terms[i] = an.ArticleTerms(a.Title, a.Passages)
		}
	}
	// One passage's terms missing: refused whole.
	short := slices.Clone(terms)
	short[0].Passages = nil
	if _, err := s.AddAnalysedBatch(ctx, as, short); err == nil {
		t.Fatal("AddAnalysedBatch(terms without passages) = nil error; want refused")
	}
	if _, err := s.AddAnalysedBatch(ctx, as, terms[:1]); err == nil {
		t.Fatal("AddAnalysedBatch(1 analysed for 3 articles) = nil error; want refused")
	}
	if st, err := s.Stats(ctx, nil); err != nil || st.Articles != 0 {
		t.Fatalf("Stats after refused batches = %+v, %v; want nothing stored", st, err)
	}

	errs, err := s.AddAnalysedBatch(ctx, as, terms)
	if err != nil {
		t.Fatalf("AddAnalysedBatch = %v", err)
	}
	if errs[0] != nil || !errors.Is(errs[1], corpus.ErrDuplicate) || !errors.Is(errs[2], corpus.ErrInvalid) || errs[3] != nil {
		t.Fatalf("AddAnalysedBatch errs = %v; want nil, duplicate, invalid, nil", errs)
	}
	if st, err := s.Stats(ctx, []string{"guild-1"}); err != nil || st.Articles != 1 || st.NewestTitle != "Harbour vote" {
		t.Errorf("Stats(guild-1) = %+v, %v; want the server's article", st, err)
	}
	got, err := s.IndexedArticles(ctx, []int64{as[0].ID})
	if err != nil || len(got) != 1 || len(got[0].Passages) != len(as[0].Passages) {
		t.Fatalf("IndexedArticles(%d) = %+v, %v; want the article with its passages", as[0].ID, got, err)
	}
	if want := strings.Fields(terms[0].Title); !slices.Equal(got[0].TitleTerms, want) {
		t.Errorf("title terms = %q; want %q", got[0].TitleTerms, want)
	}
	if want := strings.Fields(terms[0].Passages[0]); !slices.Equal(got[0].Passages[0].Terms, want) {
		t.Errorf("passage terms = %q; want %q", got[0].Passages[0].Terms, want)
	}
}

// testLatestPublished: Latest filters by published time as searches do:
// From and To drop undated articles, Before keeps them.
func testLatestPublished(t *testing.T, s Store) {
	ctx := context.Background()
	mustAdd(t, s,
		article(t, "First", "", corpus.GlobalScope, day(1), "The ferry strike began."),
		article(t, "Second", "", corpus.GlobalScope, day(2), "The ferry strike went on."),
		article(t, "Third", "", corpus.GlobalScope, day(3), "The ferry strike ended."),
		article(t, "Undated", "", corpus.GlobalScope, time.Time{}, "A ferry strike is possible."),
	)
	for _, tc := range []struct {
		name string
		pub  corpus.Published
		want []string
	}{
		{"none", corpus.Published{}, []string{"Third", "Second", "First", "Undated"}},
		{"from", corpus.Published{From: day(2)}, []string{"Third", "Second"}},
		{"to", corpus.Published{To: day(2)}, []string{"First"}},
		{"from-to", corpus.Published{From: day(2), To: day(3)}, []string{"Second"}},
		{"before", corpus.Published{Before: day(2)}, []string{"Second", "First", "Undated"}},
	} {
		got, err := s.Latest(ctx, corpus.LatestQuery{Published: tc.pub})
		if err != nil {
			t.Fatal(err)
		}
		if titles := titlesOf(got); !slices.Equal(titles, tc.want) {
			t.Errorf("Latest(%s) = %q; want %q", tc.name, titles, tc.want)
		}
	}
}

func testScopes(t *testing.T, s Store) {
	ctx := context.Background()
	g := article(t, "Global story", "", corpus.GlobalScope, day(1), "Floods hit the valley.")
	a := article(t, "Server A story", "", "A", day(2), "Floods hit the town of A.")
	b := article(t, "Server B story", "", "B", day(3), "Floods hit the town of B.")
	mustAdd(t, s, g, a, b)
	for _, tc := range []struct {
		scopes []string
		want   []string
	}{
		{nil, []string{"Global story"}},
		{[]string{corpus.GlobalScope, "A"}, []string{"Server A story", "Global story"}},
		{[]string{"B"}, []string{"Server B story"}},
	} {
		got, err := s.Latest(ctx, corpus.LatestQuery{Scopes: tc.scopes})
		if err != nil {
			t.Fatal(err)
		}
		if titles := titlesOf(got); !slices.Equal(titles, tc.want) {
			t.Errorf("Latest(scopes %v) = %q; want %q", tc.scopes, titles, tc.want)
		}
	}
	// The index reads every scope: filtering is its job.
	arts, err := s.ScanIndexed(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	scopes := make(map[int64]string)
	for _, x := range arts {
		scopes[x.ArticleID] = x.Scope
	}
	if scopes[g.ID] != corpus.GlobalScope || scopes[a.ID] != "A" || scopes[b.ID] != "B" {
		t.Errorf("ScanIndexed scopes = %v; want %d global, %d A, %d B", scopes, g.ID, a.ID, b.ID)
	}
}

func titlesOf(as []corpus.Article) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Title
	}
	return out
}

func testDelete(t *testing.T, s Store) {
	ctx := context.Background()
	keep := article(t, "Harvest", "https://example.com/harvest", corpus.GlobalScope, day(1), "Wheat harvest was strong.")
	gone := article(t, "Volcano", "https://example.com/volcano", corpus.GlobalScope, day(2), "The volcano erupted at dawn.")
	mustAdd(t, s, keep, gone)
	if err := s.Delete(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, gone.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("Get(deleted) = %v; want ErrNotFound", err)
	}
	if _, err := s.GetByURL(ctx, gone.URL); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("GetByURL(deleted) = %v; want ErrNotFound", err)
	}
	if got, err := s.IndexedArticles(ctx, []int64{keep.ID, gone.ID}); err != nil || len(got) != 1 || got[0].ArticleID != keep.ID {
		t.Errorf("IndexedArticles(kept, deleted) = %+v, %v; want the kept one only", got, err)
	}
	if err := s.Delete(ctx, gone.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("second Delete = %v; want ErrNotFound", err)
	}
	// Once deleted, the same story can be added again.
	again := article(t, "Volcano", "https://example.com/volcano", corpus.GlobalScope, day(2), "The volcano erupted at dawn.")
	mustAdd(t, s, again)
}

func testUpdate(t *testing.T, s Store) {
	ctx := context.Background()
	a := article(t, "Storm nears", "https://example.com/storm", "guild1", day(1), "A hurricane stayed offshore.")
	other := article(t, "Other", "https://example.com/other", "guild1", day(1), "Something else entirely.")
	mustAdd(t, s, a, other)
	up := article(t, "Storm makes landfall", "https://example.com/storm", "ignored", day(2), "The cyclone reached the harbour at night.")
	up.ID = a.ID
	if err := s.Update(ctx, up); err != nil {
		t.Fatalf("Update = %v", err)
	}
	if up.Scope != "guild1" || !up.AddedAt.Equal(a.AddedAt) {
		t.Errorf("after Update: Scope %q AddedAt %v; want the stored guild1, %v", up.Scope, up.AddedAt, a.AddedAt)
	}
	got, err := s.Get(ctx, a.ID)
	if err != nil || got.Title != "Storm makes landfall" || !strings.Contains(got.Body, "cyclone") || got.Passages[0].ID != up.Passages[0].ID {
		t.Errorf("Get after Update = %+v, %v; want the new content", got, err)
	}
	dup := article(t, "Clash", "https://example.com/other", "guild1", day(3), "New words.")
	dup.ID = a.ID
	if err := s.Update(ctx, dup); !errors.Is(err, corpus.ErrDuplicate) {
		t.Errorf("Update(to another article's URL) = %v; want ErrDuplicate", err)
	}
	missing := article(t, "Nowhere", "", corpus.GlobalScope, day(3), "No such article.")
	missing.ID = 1 << 40
	if err := s.Update(ctx, missing); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("Update(missing) = %v; want ErrNotFound", err)
	}
}

func testChangeLog(t *testing.T, s Store) {
	ctx := context.Background()
	if seq, err := s.LastSeq(ctx); err != nil || seq != 0 {
		t.Fatalf("LastSeq(empty) = %d, %v; want 0", seq, err)
	}
	a := article(t, "A", "", corpus.GlobalScope, day(1), "Alpha text.")
	b := article(t, "B", "", corpus.GlobalScope, day(2), "Beta text.")
	mustAdd(t, s, a, b)
	up := article(t, "A2", "", corpus.GlobalScope, day(1), "Alpha text, revised.")
	up.ID = a.ID
	if err := s.Update(ctx, up); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	// A failed add logs nothing.
	if err := s.Add(ctx, article(t, "A again", "", corpus.GlobalScope, day(1), "Alpha text, revised.")); !errors.Is(err, corpus.ErrDuplicate) {
		t.Fatalf("Add(duplicate) = %v", err)
	}
	all, err := s.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("add %d", a.ID), fmt.Sprintf("add %d", b.ID), fmt.Sprintf("update %d", a.ID), fmt.Sprintf("remove %d", b.ID)}
	var got []string
	for i, c := range all {
		got = append(got, fmt.Sprintf("%s %d", c.Op, c.ArticleID))
		if i > 0 && c.Seq <= all[i-1].Seq {
			t.Errorf("change %d has seq %d after %d; want increasing", i, c.Seq, all[i-1].Seq)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Changes = %q; want %q", got, want)
	}
	if seq, err := s.LastSeq(ctx); err != nil || seq != all[len(all)-1].Seq {
		t.Errorf("LastSeq = %d, %v; want %d", seq, err, all[len(all)-1].Seq)
	}
	// Paging from the last sequence seen misses nothing and repeats nothing.
	var paged []corpus.Change
	for after := int64(0); ; {
		page, err := s.Changes(ctx, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].Seq
	}
	if len(paged) != len(all) {
		t.Errorf("paged Changes gave %d entries; want %d", len(paged), len(all))
	}
}

func testIndexedTerms(t *testing.T, s Store) {
	ctx := context.Background()
	body := strings.Repeat("Pakistan's government dismissed the recognition reports as speculation. ", 60) +
		"\n\n" + strings.Repeat("Officials in Islamabad met the delegation on Tuesday. ", 60)
	a := article(t, "Pakistan Dismisses Recognition", "", "guild9", day(5), body)
	mustAdd(t, s, a)
	got, err := s.ScanIndexed(ctx, 0, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("ScanIndexed = %+v, %v; want one article", got, err)
	}
	x := got[0]
	if x.ArticleID != a.ID || x.Scope != "guild9" || !x.PublishedAt.Equal(day(5)) || !slices.Equal(x.TitleTerms, corpus.Terms(a.Title)) {
		t.Errorf("ScanIndexed = id %d scope %q published %v title %q; want %d guild9 %v %q",
			x.ArticleID, x.Scope, x.PublishedAt, x.TitleTerms, a.ID, day(5), corpus.Terms(a.Title))
	}
	if len(x.Passages) != len(a.Passages) || len(a.Passages) < 2 {
		t.Fatalf("ScanIndexed passages = %d; want %d (at least 2)", len(x.Passages), len(a.Passages))
	}
	for i, p := range x.Passages {
		if p.ID != a.Passages[i].ID || !slices.Equal(p.Terms, corpus.Terms(a.Passages[i].Text)) {
			t.Errorf("passage %d = id %d, %d terms; want id %d and corpus.Terms of its text", i, p.ID, len(p.Terms), a.Passages[i].ID)
		}
	}
	if more, err := s.ScanIndexed(ctx, a.ID, 10); err != nil || len(more) != 0 {
		t.Errorf("ScanIndexed(after last) = %d articles, %v; want none", len(more), err)
	}
}

func testHydrate(t *testing.T, s Store) {
	ctx := context.Background()
	a := article(t, "Bridge", "https://example.com/b", corpus.GlobalScope, day(1), "The 640-metre bridge opened.")
	b := article(t, "Port", "https://example.com/p", corpus.GlobalScope, day(2), "Port workers got a 7.5 percent rise.")
	mustAdd(t, s, a, b)
	in := []corpus.Hit{
		{Passage: corpus.Passage{ID: b.Passages[0].ID}, Article: corpus.Article{ID: b.ID}, Score: 2},
		{Passage: corpus.Passage{ID: a.Passages[0].ID}, Article: corpus.Article{ID: b.ID}, Score: 1.5}, // stale: wrong article
		{Passage: corpus.Passage{ID: a.Passages[0].ID}, Article: corpus.Article{ID: a.ID}, Score: 1},
		{Passage: corpus.Passage{ID: 1 << 40}, Article: corpus.Article{ID: a.ID}, Score: 0.5}, // gone
	}
	got, err := s.Hydrate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Article.Title != "Port" || got[1].Article.Title != "Bridge" ||
		got[0].Score != 2 || got[1].Score != 1 || got[1].Passage.Text != a.Passages[0].Text || got[1].Article.URL != a.URL {
		t.Errorf("Hydrate = %+v; want Port (2) then Bridge (1) with their text and metadata", got)
	}
}

// testFeedClaims checks the per-feed leases that let several processes
// share the polling: owners claiming at once get disjoint feeds, a leased
// feed is not due again until its state is saved or its lease expires (a
// dead process's feeds are taken over), and saving releases the lease.
func testFeedClaims(t *testing.T, s Store) {
	ctx := context.Background()
	now := day(10)
	const lease = 10 * time.Minute
	var ids []int64
	for i := range 6 {
		f := &corpus.Feed{URL: fmt.Sprintf("https://example.com/feed%d.xml", i), Scope: corpus.GlobalScope}
		if i == 5 {
			f.NextPoll = now.Add(time.Hour) // not due
		}
		if err := s.AddFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	a, err := s.ClaimDueFeeds(ctx, "a", now, lease, 3)
	if err != nil || len(a) != 3 {
		t.Fatalf("ClaimDueFeeds(a, limit 3) = %d feeds, %v; want 3", len(a), err)
	}
	b, err := s.ClaimDueFeeds(ctx, "b", now, lease, 0)
	if err != nil || len(b) != 2 {
		t.Fatalf("ClaimDueFeeds(b) = %d feeds, %v; want the 2 due feeds a did not claim", len(b), err)
	}
	seen := map[int64]string{}
	for _, f := range append(a, b...) {
		if seen[f.ID] != "" {
			t.Errorf("feed %d claimed twice", f.ID)
		}
		seen[f.ID] = "claimed"
	}
	if seen[ids[5]] != "" {
		t.Errorf("feed %d claimed before it is due", ids[5])
	}
	if c, err := s.ClaimDueFeeds(ctx, "c", now.Add(lease/2), lease, 0); err != nil || len(c) != 0 {
		t.Errorf("ClaimDueFeeds(c, leases running) = %d feeds, %v; want none", len(c), err)
	}
	if next, ok, err := s.NextFeedPoll(ctx); err != nil || !ok || !next.Equal(now.Add(lease)) {
		t.Errorf("NextFeedPoll(every due feed leased) = %v, %v, %v; want the end of the leases %v", next, ok, err, now.Add(lease))
	}

	// a saves one feed's state: the lease is released and the feed is due
	// at its new NextPoll, not before.
	done := a[0]
	done.LastAttempt, done.NextPoll = now, now.Add(time.Minute)
	if err := s.SaveFeedState(ctx, done); err != nil {
		t.Fatal(err)
	}
	if c, err := s.ClaimDueFeeds(ctx, "c", now.Add(2*time.Minute), lease, 0); err != nil || len(c) != 1 || c[0].ID != done.ID {
		t.Errorf("ClaimDueFeeds(after a saved feed %d) = %v, %v; want just that feed", done.ID, feedIDs(c), err)
	}

	// b dies: once its leases expire, another owner takes its feeds over.
	d, err := s.ClaimDueFeeds(ctx, "d", now.Add(lease+time.Second), lease, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]bool{}
	for _, f := range d {
		got[f.ID] = true
	}
	for _, f := range b {
		if !got[f.ID] {
			t.Errorf("ClaimDueFeeds(after the leases expired) = %v; want b's feed %d taken over", feedIDs(d), f.ID)
		}
	}

	// d stops cleanly with its feeds claimed but not polled: releasing its
	// leases makes them due for another owner at once.
	if n, err := s.ReleaseFeedLeases(ctx, "d"); err != nil || n != len(d) {
		t.Errorf("ReleaseFeedLeases(d) = %d, %v; want its %d leases", n, err, len(d))
	}
	if n, err := s.ReleaseFeedLeases(ctx, "nobody"); err != nil || n != 0 {
		t.Errorf("ReleaseFeedLeases(nobody) = %d, %v; want 0", n, err)
	}
	if h, err := s.ClaimDueFeeds(ctx, "h", now.Add(lease+2*time.Second), lease, 0); err != nil || len(h) != len(d) {
		t.Errorf("ClaimDueFeeds(after d released) = %v, %v; want d's %d feeds", feedIDs(h), err, len(d))
	}

	// A one-second lease taken half-way through a second still runs a
	// full second (the stores keep whole seconds; it is rounded up).
	g := &corpus.Feed{URL: "https://example.com/short-lease.xml", Scope: corpus.GlobalScope}
	if err := s.AddFeed(ctx, g); err != nil {
		t.Fatal(err)
	}
	at := now.Add(lease + 2*time.Second + 500*time.Millisecond)
	if e, err := s.ClaimDueFeeds(ctx, "e", at, time.Second, 0); err != nil || len(e) != 1 || e[0].ID != g.ID {
		t.Fatalf("ClaimDueFeeds(e) = %v, %v; want just feed %d", feedIDs(e), err, g.ID)
	}
	if f, err := s.ClaimDueFeeds(ctx, "f", at.Add(900*time.Millisecond), time.Second, 0); err != nil || len(f) != 0 {
		t.Errorf("ClaimDueFeeds(f, 0.9 s into e's 1 s lease) = %v, %v; want none", feedIDs(f), err)
	}
	if f, err := s.ClaimDueFeeds(ctx, "f", at.Add(1500*time.Millisecond), time.Second, 0); err != nil || len(f) != 1 {
		t.Errorf("ClaimDueFeeds(f, after e's lease) = %v, %v; want feed %d taken over", feedIDs(f), err, g.ID)
	}
}

func feedIDs(fs []corpus.Feed) []int64 {
	var out []int64
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func testFeedState(t *testing.T, s Store) {
	ctx := context.Background()
	f := &corpus.Feed{URL: "https://example.com/feed.xml", Scope: corpus.GlobalScope, AddedBy: "cli"}
	if err := s.AddFeed(ctx, f); err != nil || f.ID == 0 {
		t.Fatalf("AddFeed = %v (id %d)", err, f.ID)
	}
	if err := s.AddFeed(ctx, &corpus.Feed{URL: f.URL, Scope: corpus.GlobalScope}); !errors.Is(err, corpus.ErrDuplicate) {
		t.Errorf("AddFeed(again) = %v; want ErrDuplicate", err)
	}
	f.ETag, f.Title, f.Failures, f.LastError = `"v1"`, "Example feed", 2, "timeout"
	f.LastAttempt, f.NextPoll = day(1), day(2)
	if err := s.SaveFeedState(ctx, *f); err != nil {
		t.Fatal(err)
	}
	got, err := s.Feed(ctx, f.ID)
	if err != nil || got.ETag != `"v1"` || got.Title != "Example feed" || got.Failures != 2 || got.LastError != "timeout" || !got.NextPoll.Equal(day(2)) {
		t.Errorf("Feed after SaveFeedState = %+v, %v", got, err)
	}
	a := article(t, "Item", "https://example.com/item", corpus.GlobalScope, day(1), "A feed item.")
	mustAdd(t, s, a)
	if err := s.SaveFeedItem(ctx, f.ID, "guid-1", a.ID, "h1"); err != nil {
		t.Fatal(err)
	}
	if id, h, found, err := s.FeedItem(ctx, f.ID, "guid-1"); err != nil || !found || id != a.ID || h != "h1" {
		t.Errorf("FeedItem = %d, %q, %v, %v; want %d h1 found", id, h, found, err, a.ID)
	}
	if _, _, found, err := s.FeedItem(ctx, f.ID, "guid-2"); err != nil || found {
		t.Errorf("FeedItem(unseen) found=%v, %v; want not found", found, err)
	}
	// Deleting the item's article keeps the item seen.
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, found, err := s.FeedItem(ctx, f.ID, "guid-1"); err != nil || !found {
		t.Errorf("FeedItem after its article's delete: found=%v, %v; want still seen", found, err)
	}
	if err := s.RemoveFeed(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Feed(ctx, f.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("Feed(removed) = %v; want ErrNotFound", err)
	}
}

func testEvents(t *testing.T, s Store) {
	ctx := context.Background()
	for i, e := range []corpus.Event{
		{At: day(1), Action: "add", ArticleID: 1, Title: "One", UserID: "u1", ServerID: "S", Actor: "discord:u1"},
		{At: day(2), Action: "remove", ArticleID: 1, Title: "One", UserID: "u2", ServerID: "S", Actor: "discord:u2"},
		{At: day(3), Action: "add", ArticleID: 2, Title: "Two", ServerID: "T", Actor: "discord:u3"},
	} {
		if err := s.Record(ctx, e); err != nil {
			t.Fatalf("Record(%d) = %v", i, err)
		}
	}
	got, err := s.Events(ctx, "S", 10)
	if err != nil || len(got) != 2 || got[0].Action != "remove" || got[1].Action != "add" || got[0].UserID != "u2" {
		t.Errorf("Events(S) = %+v, %v; want remove then add, newest first", got, err)
	}
}

// testStories: an article has no story until one is set; a story id
// survives updates of its articles and the deletion of the article that
// named it (story ids never change); a missing article has none and cannot
// be given one.
func testStories(t *testing.T, s Store) {
	ctx := context.Background()
	first := article(t, "Storm nears", "https://example.com/storm", corpus.GlobalScope, day(1), "A hurricane stayed offshore.")
	copy := article(t, "Storm nears coast", "https://example.com/storm-copy", corpus.GlobalScope, day(1), "A hurricane stayed offshore, a copy.")
	mustAdd(t, s, first, copy)
	if id, ok, err := s.StoryOf(ctx, copy.ID); err != nil || ok {
		t.Fatalf("StoryOf(new article) = %d, %v, %v; want none", id, ok, err)
	}
	for _, a := range []*corpus.Article{first, copy} {
		if got, err := s.SetStory(ctx, a.ID, first.ID); err != nil || got != first.ID {
			t.Fatalf("SetStory(%d, %d) = %d, %v; want %d", a.ID, first.ID, got, err, first.ID)
		}
	}
	if id, ok, err := s.StoryOf(ctx, copy.ID); err != nil || !ok || id != first.ID {
		t.Errorf("StoryOf(copy) = %d, %v, %v; want %d, true", id, ok, err, first.ID)
	}
	up := article(t, "Storm makes landfall", "https://example.com/storm-copy", corpus.GlobalScope, day(2), "The cyclone reached the harbour.")
	up.ID = copy.ID
	if err := s.Update(ctx, up); err != nil {
		t.Fatalf("Update = %v", err)
	}
	if err := s.Delete(ctx, first.ID); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if id, ok, err := s.StoryOf(ctx, copy.ID); err != nil || !ok || id != first.ID {
		t.Errorf("StoryOf(copy) after Update and deleting the first = %d, %v, %v; want %d, true", id, ok, err, first.ID)
	}
	if id, ok, err := s.StoryOf(ctx, first.ID); err != nil || ok {
		t.Errorf("StoryOf(deleted) = %d, %v, %v; want none", id, ok, err)
	}
	if _, err := s.SetStory(ctx, first.ID, first.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("SetStory(deleted) = %v; want ErrNotFound", err)
	}
}

// testStoryClaim: the first story set for an article stays; a second
// writer (another process grouping the same article) is told the
// winner's story. Ungrouped lists the articles without one, in id order.
func testStoryClaim(t *testing.T, s Store) {
	ctx := context.Background()
	a := article(t, "Harbour strike", "https://example.com/strike", corpus.GlobalScope, day(1), "Dock workers walked out.")
	b := article(t, "Airport opens", "https://example.com/airport", corpus.GlobalScope, day(2), "The new terminal opened.")
	c := article(t, "Rail fares", "https://example.com/rail", corpus.GlobalScope, day(3), "Fares rise in March.")
	mustAdd(t, s, a, b, c)
	ids, err := s.Ungrouped(ctx, 0, 10)
	if want := []int64{a.ID, b.ID, c.ID}; err != nil || !slices.Equal(ids, want) {
		t.Fatalf("Ungrouped(0) = %v, %v; want %v", ids, err, want)
	}
	if got, err := s.SetStory(ctx, b.ID, a.ID); err != nil || got != a.ID {
		t.Fatalf("SetStory(b, a) = %d, %v; want %d", got, err, a.ID)
	}
	if got, err := s.SetStory(ctx, b.ID, b.ID); err != nil || got != a.ID {
		t.Errorf("second SetStory(b, b) = %d, %v; want the first writer's %d", got, err, a.ID)
	}
	if id, ok, err := s.StoryOf(ctx, b.ID); err != nil || !ok || id != a.ID {
		t.Errorf("StoryOf(b) = %d, %v, %v; want %d", id, ok, err, a.ID)
	}
	ids, err = s.Ungrouped(ctx, a.ID, 10)
	if want := []int64{c.ID}; err != nil || !slices.Equal(ids, want) {
		t.Errorf("Ungrouped(a) = %v, %v; want %v", ids, err, want)
	}
	if ids, err := s.Ungrouped(ctx, 0, 1); err != nil || !slices.Equal(ids, []int64{a.ID}) {
		t.Errorf("Ungrouped(0, limit 1) = %v, %v; want [%d]", ids, err, a.ID)
	}
}

// storyFixture adds three outlets' copies of one story (story id: the
// first copy's), one unrelated global article not yet grouped, and a
// server A article in the story, and returns them.
func storyFixture(t *testing.T, s Store) (copies []*corpus.Article, other, private *corpus.Article) {
	t.Helper()
	ctx := context.Background()
	outlets := []string{"AP", "Reuters", "ap"} // "ap" is AP again: outlets are counted case-insensitively
	for i, o := range outlets {
		a := article(t, "Dam bursts", fmt.Sprintf("https://example.com/dam/%d", i), corpus.GlobalScope, day(i+1), fmt.Sprintf("The dam burst (copy %d).", i))
		a.Source = o
		copies = append(copies, a)
	}
	other = article(t, "Zoo panda", "https://example.com/panda", corpus.GlobalScope, day(2), "A panda was born.")
	other.Source = "BBC"
	private = article(t, "Dam bursts, local view", "", "A", day(5), "Our town was flooded by the dam.")
	private.Source = "Local"
	mustAdd(t, s, append(slices.Clone(copies), other, private)...)
	for _, a := range append(slices.Clone(copies), private) {
		if _, err := s.SetStory(ctx, a.ID, copies[0].ID); err != nil {
			t.Fatal(err)
		}
	}
	return copies, other, private
}

// testLatestStories: one row per story, ordered by its newest article,
// headed by its first, with its article and outlet counts within the
// scopes; an ungrouped article is a story of its own; source and
// published filters apply.
func testLatestStories(t *testing.T, s Store) {
	ctx := context.Background()
	copies, other, _ := storyFixture(t, s)
	type row struct {
		id, head        int64
		articles, outls int
	}
	story := copies[0].ID
	tests := []struct {
		name string
		q    corpus.LatestQuery
		want []row
	}{
		{"global", corpus.LatestQuery{}, []row{{story, copies[0].ID, 3, 2}, {other.ID, other.ID, 1, 1}}},
		{"server A sees its article in the story", corpus.LatestQuery{Scopes: []string{corpus.GlobalScope, "A"}},
			[]row{{story, copies[0].ID, 4, 3}, {other.ID, other.ID, 1, 1}}},
		{"one row", corpus.LatestQuery{N: 1}, []row{{story, copies[0].ID, 3, 2}}},
		{"source", corpus.LatestQuery{Source: "bbc"}, []row{{other.ID, other.ID, 1, 1}}},
		{"source counts every outlet", corpus.LatestQuery{Source: "reuters"}, []row{{story, copies[0].ID, 3, 2}}},
		{"published", corpus.LatestQuery{Published: corpus.Published{From: day(2), To: day(3)}},
			[]row{{other.ID, other.ID, 1, 1}, {story, copies[1].ID, 1, 1}}}, // same newest time: the later added first
	}
	for _, tc := range tests {
		got, err := s.LatestStories(ctx, tc.q)
		if err != nil {
			t.Fatalf("LatestStories(%s) = %v", tc.name, err)
		}
		var rows []row
		for _, h := range got {
			rows = append(rows, row{h.ID, h.Headline.ID, h.Articles, h.Outlets})
			if h.Headline.Title == "" {
				t.Errorf("LatestStories(%s): headline %d has no title", tc.name, h.Headline.ID)
			}
		}
		if !slices.Equal(rows, tc.want) {
			t.Errorf("LatestStories(%s) = %+v; want %+v", tc.name, rows, tc.want)
		}
	}
}

// testLatestStoriesManyCopies: a story with more copies than the newest
// articles a listing first looks at (the stores group only the stories of
// the newest articles) does not hide the older stories asked for.
func testLatestStoriesManyCopies(t *testing.T, s Store) {
	ctx := context.Background()
	old := article(t, "Zoo panda", "https://example.com/panda", corpus.GlobalScope, day(1), "A panda was born.")
	mustAdd(t, s, old)
	var copies []*corpus.Article
	for i := range 60 {
		a := article(t, "Dam bursts", fmt.Sprintf("https://example.com/dam/%d", i), corpus.GlobalScope, day(3).Add(time.Duration(i)*time.Minute), fmt.Sprintf("The dam burst (copy %d).", i))
		a.Source = fmt.Sprintf("Outlet %d", i)
		copies = append(copies, a)
	}
	mustAdd(t, s, copies...)
	for _, a := range copies {
		if _, err := s.SetStory(ctx, a.ID, copies[0].ID); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LatestStories(ctx, corpus.LatestQuery{N: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != copies[0].ID || got[0].Articles != 60 || got[0].Outlets != 60 || got[1].ID != old.ID {
		t.Errorf("LatestStories(N 2) = %+v; want the dam story (60 articles, 60 outlets), then the panda", got)
	}
}

// testStoryArticles: a story's articles in the scopes, earliest first,
// with bodies; an ungrouped article is its own story; another server's
// article stays out.
func testStoryArticles(t *testing.T, s Store) {
	ctx := context.Background()
	copies, other, private := storyFixture(t, s)
	ids := func(as []corpus.Article) []int64 {
		var out []int64
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	tests := []struct {
		name   string
		story  int64
		scopes []string
		want   []int64
	}{
		{"global", copies[0].ID, nil, []int64{copies[0].ID, copies[1].ID, copies[2].ID}},
		{"server A", copies[0].ID, []string{corpus.GlobalScope, "A"}, []int64{copies[0].ID, copies[1].ID, copies[2].ID, private.ID}},
		{"server B", copies[0].ID, []string{corpus.GlobalScope, "B"}, []int64{copies[0].ID, copies[1].ID, copies[2].ID}},
		{"ungrouped article", other.ID, nil, []int64{other.ID}},
		{"unknown", 1 << 40, nil, nil},
	}
	for _, tc := range tests {
		got, err := s.StoryArticles(ctx, tc.story, tc.scopes)
		if err != nil {
			t.Fatalf("StoryArticles(%s) = %v", tc.name, err)
		}
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("StoryArticles(%s) = %v; want %v", tc.name, ids(got), tc.want)
		}
		for _, a := range got {
			if a.Body == "" {
				t.Errorf("StoryArticles(%s): article %d has no body", tc.name, a.ID)
			}
		}
	}
}
