package index_test

import (
	"context"
	"errors"
	"testing"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval/index"
)

// memStore is a Store over a slice of articles in id order, with an empty
// change log; failAfter > 0 makes ScanIndexed fail past that article id.
type memStore struct {
	arts      []corpus.IndexedArticle
	failAfter int64
}

var errScan = errors.New("scan failed")

func (m *memStore) LastSeq(context.Context) (int64, error) { return 0, nil }
func (m *memStore) Changes(context.Context, int64, int) ([]corpus.Change, error) {
	return nil, nil
}
func (m *memStore) IndexedArticles(context.Context, []int64) ([]corpus.IndexedArticle, error) {
	return nil, nil
}
func (m *memStore) ScanIndexed(_ context.Context, after int64, limit int) ([]corpus.IndexedArticle, error) {
	if m.failAfter > 0 && after >= m.failAfter {
		return nil, errScan
	}
	var out []corpus.IndexedArticle
	for _, a := range m.arts {
		if a.ArticleID > after && len(out) < limit {
			out = append(out, a)
		}
	}
	return out, nil
}

// TestBuildMatchesPutBatch checks that Build, which reads and indexes in
// a pipeline of its own, gives the index that putting every article
// gives: the same hits with the same scores for random queries.
func TestBuildMatchesPutBatch(t *testing.T) {
	g := newGen(3, 400)
	st := &memStore{}
	for id := int64(1); id <= 3500; id++ { // several pages of the build
		a := g.article(id)
		if id%97 == 0 {
			a.Passages = nil // an article without passages is skipped
		}
		st.arts = append(st.arts, a)
	}
	built, err := index.Build(context.Background(), st, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	put := index.New(index.Options{})
	if err := put.PutBatch(st.arts); err != nil {
		t.Fatal(err)
	}
	if got, want := built.Stats(), put.Stats(); got.Passages != want.Passages || got.Terms != want.Terms || got.Postings != want.Postings {
		t.Fatalf("Build stats = %+v; want %+v", got, want)
	}
	for range 300 {
		q := g.query()
		got, err := built.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := put.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameHits(got, want); err != nil {
			t.Fatalf("Search(%+v) after Build: %v", q, err)
		}
	}
}

// TestBuildScanError checks that a failing read ends Build with the error.
func TestBuildScanError(t *testing.T) {
	g := newGen(4, 100)
	st := &memStore{failAfter: 2000}
	for id := int64(1); id <= 5000; id++ {
		st.arts = append(st.arts, g.article(id))
	}
	if _, err := index.Build(context.Background(), st, index.Options{}); !errors.Is(err, errScan) {
		t.Fatalf("Build = %v; want %v", err, errScan)
	}
}
