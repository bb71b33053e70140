package index_test

import (
	"context"
	"sync"
	"testing"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval/index"
)

// TestConcurrentSearchAndPut runs searches while articles are put,
// replaced and removed (compactions included); run it with -race.
func TestConcurrentSearchAndPut(t *testing.T) {
	x, g := buildRandom(t, 9, 200)
	queries := make([]index.Query, 50)
	for i := range queries {
		queries[i] = g.query()
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 300 {
				if _, err := x.Search(ctx, queries[(i+w)%len(queries)]); err != nil {
					t.Error(err)
					return
				}
				_ = x.Len()
				x.DocFreq([]string{"t1", "t2"})
			}
		})
	}
	for id := range int64(300) {
		if err := x.Put(g.article(200 + id)); err != nil {
			t.Fatal(err)
		}
		x.Remove(id)
		if id%50 == 0 {
			x.Compact()
		}
	}
	wg.Wait()
	if st := x.Stats(); st.Articles != 200 || st.Passages != x.Len() {
		t.Errorf("Stats() = %+v; want 200 articles", st)
	}
}

// TestConcurrentSearchAndPutOpened is TestConcurrentSearchAndPut on an
// index opened from a snapshot file: the first put copies out what
// writers change (Index.own) while searches read the mapping.
func TestConcurrentSearchAndPutOpened(t *testing.T) {
	x, g := buildRandom(t, 10, 200)
	ref, _ := buildRandom(t, 10, 200)
	ctx := context.Background()
	y, err := index.OpenSnapshot(ctx, writeSnapshotFile(t, x), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var arts []corpus.IndexedArticle
	for id := range int64(100) {
		arts = append(arts, g.article(200+id))
	}
	queries := make([]index.Query, 50)
	for i := range queries {
		queries[i] = g.query()
	}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 200 {
				if _, err := y.Search(ctx, queries[(i+w)%len(queries)]); err != nil {
					t.Error(err)
					return
				}
				_ = y.Stats()
			}
		})
	}
	for i, a := range arts {
		for _, z := range []*index.Index{y, ref} {
			if err := z.Put(a); err != nil {
				t.Fatal(err)
			}
			z.Remove(int64(i))
		}
	}
	wg.Wait()
	if got, want := y.Stats(), ref.Stats(); got.Articles != want.Articles || got.Passages != want.Passages || got.Postings != want.Postings {
		t.Errorf("Stats() = %+v; want %+v", got, want)
	}
}
