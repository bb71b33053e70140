package stories

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

// fakeIndex answers searches with passages of the articles it holds that
// contain a query term and pass the query's filters, several per article
// as a real index does, and records the last query.
type fakeIndex struct {
	articles map[int64]*corpus.Article
	last     corpus.SearchQuery
	err      error
}

func (x *fakeIndex) Search(_ context.Context, q corpus.SearchQuery) ([]corpus.Hit, error) {
	x.last = q
	if x.err != nil {
		return nil, x.err
	}
	var hits []corpus.Hit
	ids := make([]int64, 0, len(x.articles))
	for id := range x.articles {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := x.articles[id]
		if !slices.Contains(q.Scopes, a.Scope) || !q.Published.Admits(a.PublishedAt) {
			continue
		}
		terms := corpus.Terms(a.Title + " " + a.Body)
		for _, qt := range q.Terms {
			if slices.Contains(terms, qt.Term) {
				// Two passages of the same article.
				hits = append(hits, corpus.Hit{Article: corpus.Article{ID: id}}, corpus.Hit{Article: corpus.Article{ID: id}})
				break
			}
		}
	}
	return hits, nil
}

func (x *fakeIndex) Get(_ context.Context, id int64) (*corpus.Article, error) {
	if id == 666 {
		return nil, errors.New("disk error")
	}
	a, ok := x.articles[id]
	if !ok {
		return nil, corpus.ErrNotFound
	}
	return a, nil
}

func TestSearchFinder(t *testing.T) {
	ctx := context.Background()
	x := &fakeIndex{articles: map[int64]*corpus.Article{}}
	for _, n := range fixtures {
		a := loadArticle(t, n)
		x.articles[a.ID] = a
	}
	m := NewMatcher(Options{})
	f := NewSearchFinder(m, x, x)
	ap := x.articles[101]
	cs, err := f.Candidates(ctx, ap)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, c := range cs {
		got = append(got, c.Article.ID)
	}
	// Those within the window that share a term (the election shares
	// "near"), each once; not itself, not the three-week follow-up.
	if want := []int64{102, 103, 104, 105, 107}; !slices.Equal(got, want) {
		t.Errorf("Candidates(orla-ap) = %v; want %v (query %+v)", got, want, x.last)
	}

	// With the finder over an index that holds the articles added so
	// far, Assign groups as with the in-memory finder.
	var st MemStore
	grown := &fakeIndex{articles: map[int64]*corpus.Article{}}
	g := NewGrouper(m, NewSearchFinder(m, grown, grown), &st)
	for _, id := range []int64{101, 104, 102, 106, 105, 103, 107} {
		grown.articles[id] = x.articles[id]
		if _, err := g.Assign(ctx, x.articles[id]); err != nil {
			t.Fatalf("Assign(%d): %v", id, err)
		}
	}
	want := map[int64]int64{101: 101, 102: 101, 103: 101, 105: 101, 104: 104, 106: 106, 107: 107}
	if got := st.Stories(); !mapsEqual(got, want) {
		t.Errorf("stories = %v; want %v", got, want)
	}

	// A hit whose article is gone is skipped; a store error is returned.
	x.articles[999] = &corpus.Article{ID: 999, Scope: corpus.GlobalScope, PublishedAt: ap.PublishedAt, Title: "Orla"}
	withGone := &fakeIndexMissing{fakeIndex: x, missing: 999}
	if cs, err := NewSearchFinder(m, withGone, withGone).Candidates(ctx, ap); err != nil || slices.ContainsFunc(cs, func(c Candidate) bool { return c.Article.ID == 999 }) {
		t.Errorf("Candidates with a deleted hit = %d candidates, %v; want it skipped", len(cs), err)
	}
	x.articles[666] = &corpus.Article{ID: 666, Scope: corpus.GlobalScope, PublishedAt: ap.PublishedAt, Title: "Orla"}
	if _, err := f.Candidates(ctx, ap); err == nil || !strings.Contains(err.Error(), "load candidate 666: disk error") {
		t.Errorf("Candidates with a store error = %v; want it wrapped", err)
	}
	delete(x.articles, 666)
	x.err = errors.New("index closed")
	if _, err := f.Candidates(ctx, ap); !errors.Is(err, x.err) {
		t.Errorf("Candidates with a search error = %v; want it wrapped", err)
	}
}

// fakeIndexMissing finds an article the store no longer has.
type fakeIndexMissing struct {
	*fakeIndex
	missing int64
}

func (x *fakeIndexMissing) Get(ctx context.Context, id int64) (*corpus.Article, error) {
	if id == x.missing {
		return nil, corpus.ErrNotFound
	}
	return x.fakeIndex.Get(ctx, id)
}

func mapsEqual(a, b map[int64]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
