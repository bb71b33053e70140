package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

const testModel = "test-embed"

// unit returns v scaled to unit length.
func unit(v ...float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := float32(math.Sqrt(s))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x / n
	}
	return out
}

// axis returns the unit vector along dimension i of dim, nudged towards
// dimension j by w, so tests can order similarities by hand.
func axis(dim, i, j int, w float32) []float32 {
	v := make([]float32, dim)
	v[i] = 1
	v[j] += w
	return unit(v...)
}

func hitIDs(hits []corpus.Hit) []int64 {
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.Passage.ID
	}
	return out
}

func TestSaveVectorsAndBackfillList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("Rail strike", corpus.GlobalScope, day(1), "Drivers walked out.", "Talks resume Monday.")
	b := article("Budget vote", corpus.GlobalScope, day(2), "Parliament passed the budget.")
	mustAdd(t, db, a, b)

	missing, err := db.PassagesWithoutVectors(ctx, testModel, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 3 || missing[0].Title != "Rail strike" || missing[2].Text != "Parliament passed the budget." {
		t.Fatalf("PassagesWithoutVectors = %+v; want the 3 passages with titles", missing)
	}
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{
		a.Passages[0].ID: axis(4, 0, 1, 0),
		b.Passages[0].ID: axis(4, 1, 0, 0),
	}); err != nil {
		t.Fatal(err)
	}
	missing, err = db.PassagesWithoutVectors(ctx, testModel, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0].ID != a.Passages[1].ID {
		t.Errorf("PassagesWithoutVectors after save = %+v; want only passage %d", missing, a.Passages[1].ID)
	}
	// Another model sees every passage as missing.
	if n, err := db.CountPassagesWithoutVectors(ctx, "other", 0); err != nil || n != 3 {
		t.Errorf("CountPassagesWithoutVectors(other) = %d, %v; want 3", n, err)
	}
	// Paging by id.
	if got, _ := db.PassagesWithoutVectors(ctx, "other", a.Passages[1].ID, 10); len(got) != 1 || got[0].ID != b.Passages[0].ID {
		t.Errorf("PassagesWithoutVectors(after %d) = %+v; want passage %d", a.Passages[1].ID, got, b.Passages[0].ID)
	}
	if id, err := db.MaxPassageID(ctx); err != nil || id != b.Passages[0].ID {
		t.Errorf("MaxPassageID = %d, %v; want %d", id, err, b.Passages[0].ID)
	}

	// The stored codes decode to the vector.
	var scale float64
	var vec []byte
	if err := db.write.QueryRow(`SELECT scale, vec FROM passage_vectors WHERE passage_id = ?`, a.Passages[0].ID).Scan(&scale, &vec); err != nil {
		t.Fatal(err)
	}
	if len(vec) != 4 || math.Abs(scale*float64(int8(vec[0]))-1) > 0.01 || vec[1] != 0 {
		t.Errorf("stored vector = scale %v codes %v; want about [1 0 0 0]", scale, vec)
	}

	for _, tc := range []struct {
		name  string
		model string
		vecs  map[int64][]float32
	}{
		{"no model", "", map[int64][]float32{a.Passages[1].ID: {1}}},
		{"mixed dims", testModel, map[int64][]float32{a.Passages[1].ID: {1, 0}, b.Passages[0].ID: {1}}},
		{"empty vector", testModel, map[int64][]float32{a.Passages[1].ID: {}}},
	} {
		if err := db.SaveVectors(ctx, tc.model, tc.vecs); !errors.Is(err, corpus.ErrInvalid) {
			t.Errorf("SaveVectors(%s) = %v; want ErrInvalid", tc.name, err)
		}
	}
	// A vector for a passage deleted meanwhile is skipped, not an error.
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{999: {1, 0, 0, 0}}); err != nil {
		t.Errorf("SaveVectors(deleted passage) = %v", err)
	}
}

func TestVectorsDeletedWithArticle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("Rail strike", corpus.GlobalScope, day(1), "Drivers walked out.", "Talks resume Monday.")
	mustAdd(t, db, a)
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{
		a.Passages[0].ID: axis(4, 0, 1, 0), a.Passages[1].ID: axis(4, 1, 0, 0),
	}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM passage_vectors`); n != 2 {
		t.Fatalf("vectors = %d; want 2", n)
	}
	// Update replaces the passages: their vectors go with them.
	b := article("Rail strike", corpus.GlobalScope, day(1), "Drivers walked out again.")
	b.ID = a.ID
	if err := db.Update(ctx, b); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM passage_vectors`); n != 0 {
		t.Errorf("vectors after Update = %d; want 0", n)
	}
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{b.Passages[0].ID: axis(4, 0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM passage_vectors`); n != 0 {
		t.Errorf("vectors after Delete = %d; want 0", n)
	}
}

// TestVectorIndexReusedPassageID: Update of the newest article deletes its
// passages and SQLite gives the new ones the same ids. The index must take
// the new passage's published time with its vector, or a date filter would
// judge it by the old one.
func TestVectorIndexReusedPassageID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("Rail strike", corpus.GlobalScope, day(1), "Drivers walked out.")
	mustAdd(t, db, a)
	old := a.Passages[0].ID
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{old: axis(4, 0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	x := NewVectorIndex(db, testModel)
	if err := x.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	b := article("Rail strike", corpus.GlobalScope, day(20), "Drivers walked out again.")
	b.ID = a.ID
	if err := db.Update(ctx, b); err != nil {
		t.Fatal(err)
	}
	if b.Passages[0].ID != old {
		t.Skipf("SQLite gave the new passage id %d, not the reused %d: nothing to test", b.Passages[0].ID, old)
	}
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{old: axis(4, 0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pub  corpus.Published
		want int
	}{
		{"new date passes", corpus.Published{From: day(19)}, 1},
		{"old date no longer matches", corpus.Published{To: day(2)}, 0},
	} {
		hits, err := x.Search(ctx, axis(4, 0, 1, 0), 5, nil, tc.pub)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != tc.want {
			t.Errorf("%s: %d hits %v; want %d", tc.name, len(hits), hitIDs(hits), tc.want)
		}
	}
}

// TestVectorIndexReusedIDOtherScope: a server's article is deleted and
// another server's added; SQLite gives the new passage the deleted one's
// id. Until the new passage is embedded the index holds the old vector and
// scope under that id: a search in the first server must not return the
// second server's private passage.
func TestVectorIndexReusedIDOtherScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("Council budget", "guild:1", day(1), "The council passed its budget.")
	mustAdd(t, db, a)
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{a.Passages[0].ID: axis(4, 0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	x := NewVectorIndex(db, testModel)
	if err := x.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	b := article("Private guild two story", "guild:2", day(1), "Members only.")
	mustAdd(t, db, b)
	if b.Passages[0].ID != a.Passages[0].ID {
		t.Skipf("SQLite gave the new passage id %d, not the reused %d: nothing to test", b.Passages[0].ID, a.Passages[0].ID)
	}
	for _, scopes := range [][]string{{"guild:1"}, {"guild:1", corpus.GlobalScope}} {
		hits, err := x.Search(ctx, axis(4, 0, 1, 0), 5, scopes, corpus.Published{})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 0 {
			t.Errorf("search in %v returned %q (scope %s); want nothing", scopes, hits[0].Article.Title, hits[0].Article.Scope)
		}
	}
}

func TestVectorIndexSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	const dim = 8
	old := article("Old rail story", corpus.GlobalScope, day(1), "Rail one.")
	mid := article("Mid rail story", corpus.GlobalScope, day(5), "Rail two.")
	undated := article("Undated rail story", corpus.GlobalScope, time.Time{}, "Rail three.")
	private := article("Private rail story", "guild-1", day(5), "Rail four.")
	other := article("Budget", corpus.GlobalScope, day(5), "Budget.")
	mustAdd(t, db, old, mid, undated, private, other)
	// Similarity to axis 0: private > old > mid > undated >> other.
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{
		private.Passages[0].ID: axis(dim, 0, 1, 0.1),
		old.Passages[0].ID:     axis(dim, 0, 1, 0.3),
		mid.Passages[0].ID:     axis(dim, 0, 1, 0.6),
		undated.Passages[0].ID: axis(dim, 0, 1, 0.9),
		other.Passages[0].ID:   axis(dim, 5, 1, 0),
	}); err != nil {
		t.Fatal(err)
	}
	x := NewVectorIndex(db, testModel)
	q := axis(dim, 0, 0, 0)
	p := func(a *corpus.Article) int64 { return a.Passages[0].ID }
	for _, tc := range []struct {
		name   string
		k      int
		scopes []string
		pub    corpus.Published
		want   []int64
	}{
		{"global", 3, nil, corpus.Published{}, []int64{p(old), p(mid), p(undated)}},
		{"with guild", 2, []string{corpus.GlobalScope, "guild-1"}, corpus.Published{}, []int64{p(private), p(old)}},
		{"from", 5, nil, corpus.Published{From: day(3)}, []int64{p(mid), p(other)}},
		{"to", 5, nil, corpus.Published{To: day(5)}, []int64{p(old)}},
		// Before keeps what was published by then, and undated articles.
		{"before", 5, nil, corpus.Published{Before: day(4)}, []int64{p(old), p(undated)}},
		{"before is inclusive", 5, nil, corpus.Published{Before: day(5)}, []int64{p(old), p(mid), p(undated), p(other)}},
		{"from and before", 5, nil, corpus.Published{From: day(1), Before: day(4)}, []int64{p(old)}},
		{"unknown scope", 5, []string{"guild-2"}, corpus.Published{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := x.Search(ctx, q, tc.k, tc.scopes, tc.pub)
			if err != nil {
				t.Fatal(err)
			}
			if got := hitIDs(hits); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Search = %v; want %v", got, tc.want)
			}
			for _, h := range hits {
				if h.Passage.Text == "" || h.Article.Title == "" || h.Passage.ArticleID != h.Article.ID {
					t.Errorf("hit %+v lacks passage text or article metadata", h)
				}
			}
		})
	}
	hits, _ := x.Search(ctx, q, 1, nil, corpus.Published{})
	if len(hits) != 1 || math.Abs(hits[0].Score-float64(axis(dim, 0, 1, 0.3)[0])) > 0.02 {
		t.Errorf("Score = %v; want the cosine %v", hits, axis(dim, 0, 1, 0.3)[0])
	}

	// Vectors saved later are found without a reload, deleted ones dropped.
	fresh := article("Fresh rail story", corpus.GlobalScope, day(6), "Rail five.")
	mustAdd(t, db, fresh)
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{p(fresh): q}); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	hits, err := x.Search(ctx, q, 3, nil, corpus.Published{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hitIDs(hits), []int64{p(fresh), p(mid), p(undated)}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Search after save and delete = %v; want %v", got, want)
	}
	if x.Len() != 5 {
		t.Errorf("Len = %d; want 5 (6 saved, 1 deleted)", x.Len())
	}
	// A vector saved again replaces the old one in memory.
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{p(fresh): axis(dim, 7, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	hits, _ = x.Search(ctx, q, 1, nil, corpus.Published{})
	if got := hitIDs(hits); len(got) != 1 || got[0] != p(mid) {
		t.Errorf("Search after re-save = %v; want [%d]", got, p(mid))
	}
	if _, err := x.Search(ctx, []float32{1, 0}, 3, nil, corpus.Published{}); err == nil {
		t.Error("Search with a 2-dimension vector succeeded; want a dimension error")
	}
	// Another model's index holds nothing.
	if hits, err := NewVectorIndex(db, "other").Search(ctx, q, 3, nil, corpus.Published{}); err != nil || len(hits) != 0 {
		t.Errorf("Search(other model) = %v, %v; want nothing", hits, err)
	}
}

func TestVectorIndexCompacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	x := NewVectorIndex(db, testModel)
	var as []*corpus.Article
	for i := range 2 * compactMin {
		a := article(fmt.Sprintf("story %d", i), corpus.GlobalScope, day(1), fmt.Sprintf("text %d", i))
		mustAdd(t, db, a)
		as = append(as, a)
	}
	vecs := make(map[int64][]float32)
	for i, a := range as {
		vecs[a.Passages[0].ID] = axis(4, 0, 1, float32(i)/float32(len(as)))
	}
	if err := db.SaveVectors(ctx, testModel, vecs); err != nil {
		t.Fatal(err)
	}
	if err := x.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Delete the first (best) half, then search until all are found dead.
	for _, a := range as[:compactMin] {
		if err := db.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	for range compactMin / 50 {
		if _, err := x.Search(ctx, axis(4, 0, 0, 0), 50, nil, corpus.Published{}); err != nil {
			t.Fatal(err)
		}
	}
	hits, err := x.Search(ctx, axis(4, 0, 0, 0), 1, nil, corpus.Published{})
	if err != nil || len(hits) != 1 || hits[0].Passage.ID != as[compactMin].Passages[0].ID {
		t.Fatalf("Search = %v, %v; want the best surviving passage", hitIDs(hits), err)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.ids) != compactMin || x.dead != 0 || len(x.codes) != compactMin*4 {
		t.Errorf("after compaction: %d rows, %d dead, %d codes; want %d, 0, %d", len(x.ids), x.dead, len(x.codes), compactMin, compactMin*4)
	}
}

func TestQuantize(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	v := randomUnit(rng, 1536)
	code := make([]int8, len(v))
	scale := quantize(v, code)
	var dot float64
	for i, x := range v {
		dot += float64(x) * float64(scale) * float64(code[i])
	}
	if math.Abs(dot-1) > 0.01 {
		t.Errorf("v . dequantize(quantize(v)) = %v; want about 1", dot)
	}
	if s := quantize(make([]float32, 4), code[:4]); s != 0 {
		t.Errorf("quantize(zero) scale = %v; want 0", s)
	}
}

func randomUnit(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return unit(v...)
}

// BenchmarkVectorSearch searches 50,000 random 1536-dimension vectors (the
// size of text-embedding-3-small over a Reuters-sized corpus) for the top
// 60, the retrieval candidates. The vectors are loaded straight into the
// index: the query path is what is measured (scan plus loading the 60
// winners' passages). It reports the index's memory.
func BenchmarkVectorSearch(b *testing.B) {
	const n, dim = 50000, 1536
	ctx := context.Background()
	db := MustOpen(b)
	rng := rand.New(rand.NewPCG(5, 6))
	s := newSynth()
	// A few real passages for the winners to load; most rows point at ids
	// that exist because every row gets its own article.
	vecs := make(map[int64][]float32, 1000)
	for i := 0; i < n; i++ {
		if i%1000 == 0 && len(vecs) > 0 {
			if err := db.SaveVectors(ctx, testModel, vecs); err != nil {
				b.Fatal(err)
			}
			clear(vecs)
		}
		if i%2 == 0 {
			a := s.article() // two passages
			if err := db.Add(ctx, a); err != nil {
				b.Fatal(err)
			}
			for _, p := range a.Passages {
				vecs[p.ID] = randomUnit(rng, dim)
			}
		}
	}
	if err := db.SaveVectors(ctx, testModel, vecs); err != nil {
		b.Fatal(err)
	}
	x := NewVectorIndex(db, testModel)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	if err := x.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if x.Len() != n {
		b.Fatalf("index holds %d vectors; want %d", x.Len(), n)
	}
	q := randomUnit(rng, dim)
	b.ResetTimer()
	for b.Loop() {
		hits, err := x.Search(ctx, q, 60, nil, corpus.Published{})
		if err != nil || len(hits) != 60 {
			b.Fatalf("Search = %d hits, %v", len(hits), err)
		}
	}
	// After the loop: ResetTimer discards metrics reported before it.
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "index-MB")
	b.ReportMetric(float64(load.Milliseconds()), "load-ms")
}

func TestVectorIndexConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	x := NewVectorIndex(db, testModel)
	done := make(chan error)
	go func() {
		for i := range 30 {
			a := article(fmt.Sprintf("story %d", i), corpus.GlobalScope, day(1), "text")
			if err := db.Add(ctx, a); err != nil {
				done <- err
				return
			}
			if err := db.SaveVectors(ctx, testModel, map[int64][]float32{a.Passages[0].ID: axis(4, i%4, 0, 0)}); err != nil {
				done <- err
				return
			}
			if i%3 == 0 {
				if err := db.Delete(ctx, a.ID); err != nil {
					done <- err
					return
				}
			}
		}
		done <- nil
	}()
	for range 4 {
		go func() {
			for range 30 {
				if _, err := x.Search(ctx, axis(4, 0, 0, 0), 5, nil, corpus.Published{}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 5 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
