package index_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
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

// joinedStore is a memStore that is also an index.JoinedScanner.
type joinedStore struct{ *memStore }

func (j joinedStore) ScanJoined(ctx context.Context, after int64, limit int) ([]corpus.JoinedArticle, error) {
	page, err := j.ScanIndexed(ctx, after, limit)
	out := make([]corpus.JoinedArticle, len(page))
	for i, a := range page {
		// Stray spaces, which hold no term, as a hand-edited store might.
		out[i] = corpus.JoinedArticle{ArticleID: a.ArticleID, Scope: a.Scope, PublishedAt: a.PublishedAt, TitleTerms: " " + strings.Join(a.TitleTerms, "  ")}
		for _, p := range a.Passages {
			out[i].Passages = append(out[i].Passages, corpus.JoinedPassage{ID: p.ID, Terms: strings.Join(p.Terms, " ") + " "})
		}
	}
	return out, err
}

// TestBuildMatchesPutBatch checks that Build, which reads and indexes in
// a pipeline of its own, gives the index that putting every article
// gives: the same hits with the same scores for random queries, and the
// same snapshot once compacted, whether the store splits the terms or
// hands them over joined.
func TestBuildMatchesPutBatch(t *testing.T) {
	g := newGen(3, 400)
	mem := &memStore{}
	for id := int64(1); id <= 3500; id++ { // several pages of the build
		a := g.article(id)
		if id%97 == 0 {
			a.Passages = nil // an article without passages is skipped
		}
		mem.arts = append(mem.arts, a)
	}
	put := index.New(index.Options{})
	if err := put.PutBatch(mem.arts); err != nil {
		t.Fatal(err)
	}
	put.Compact()
	var want bytes.Buffer
	if err := put.WriteSnapshot(&want); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		st   index.Store
	}{{"split", mem}, {"joined", joinedStore{mem}}} {
		t.Run(tc.name, func(t *testing.T) {
			built, err := index.Build(context.Background(), tc.st, index.Options{})
			if err != nil {
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
			var got bytes.Buffer
			if err := built.WriteSnapshot(&got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("snapshot of the built index (%d bytes) differs from that of the index put and compacted (%d bytes)", got.Len(), want.Len())
			}
		})
	}
}

// TestBuildCancelled checks that a build whose context ends returns its
// error.
func TestBuildCancelled(t *testing.T) {
	g := newGen(5, 100)
	st := &memStore{}
	for id := int64(1); id <= 5000; id++ {
		st.arts = append(st.arts, g.article(id))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := index.Build(ctx, joinedStore{st}, index.Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Build = %v; want %v", err, context.Canceled)
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
