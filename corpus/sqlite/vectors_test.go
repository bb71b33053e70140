package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math"
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

// TestVectorRows: the rows the in-memory vector index loads, paged by Seq,
// a re-saved vector under a new Seq, and an article's rows as they are now.
func TestVectorRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	a := article("Rail strike", corpus.GlobalScope, day(1), "Drivers walked out.", "Talks resume Monday.")
	b := article("Council budget", "guild:1", time.Time{}, "The council passed its budget.")
	mustAdd(t, db, a, b)
	vecs := map[int64][]float32{
		a.Passages[0].ID: axis(4, 0, 1, 0.5),
		a.Passages[1].ID: axis(4, 1, 0, 0),
		b.Passages[0].ID: axis(4, 2, 0, 0),
	}
	if err := db.SaveVectors(ctx, testModel, vecs); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveVectors(ctx, "other", map[int64][]float32{a.Passages[0].ID: {1}}); err != nil {
		t.Fatal(err)
	}
	// A passage keeps one vector: the other model's replaced it.
	if err := db.SaveVectors(ctx, testModel, map[int64][]float32{a.Passages[0].ID: vecs[a.Passages[0].ID]}); err != nil {
		t.Fatal(err)
	}

	var all []corpus.VectorRow
	for after := int64(0); ; {
		page, err := db.VectorRows(ctx, testModel, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	// Seq order is save order: a's second passage, b's, then a's first
	// saved again.
	want := []int64{a.Passages[1].ID, b.Passages[0].ID, a.Passages[0].ID}
	if got := rowPassages(all); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("VectorRows passages = %v; want %v", got, want)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Errorf("VectorRows Seq %d after %d; want increasing", all[i].Seq, all[i-1].Seq)
		}
	}
	r := all[1]
	if r.ArticleID != b.ID || r.Scope != "guild:1" || !r.PublishedAt.IsZero() || len(r.Codes) != 4 || r.Codes[2] != 127 || math.Abs(float64(r.Scale)*127-1) > 0.01 {
		t.Errorf("VectorRows row of b = %+v; want article %d, scope guild:1, undated, codes [0 0 127 0] of scale 1/127", r, b.ID)
	}
	if r := all[2]; r.ArticleID != a.ID || !r.PublishedAt.Equal(day(1)) || r.Scope != corpus.GlobalScope {
		t.Errorf("VectorRows row of a = %+v; want article %d, global, published %v", r, a.ID, day(1))
	}

	got, err := db.ArticleVectors(ctx, testModel, []int64{a.ID, 999})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{a.Passages[1].ID, a.Passages[0].ID}; fmt.Sprint(rowPassages(got)) != fmt.Sprint(want) {
		t.Errorf("ArticleVectors(a) passages = %v; want %v", rowPassages(got), want)
	}
	// After an update the article's old passages and vectors are gone.
	u := article("Rail strike", corpus.GlobalScope, day(2), "Drivers walked out again.")
	u.ID = a.ID
	if err := db.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ArticleVectors(ctx, testModel, []int64{a.ID, b.ID}); err != nil || fmt.Sprint(rowPassages(got)) != fmt.Sprint([]int64{b.Passages[0].ID}) {
		t.Errorf("ArticleVectors after Update = %v, %v; want only b's passage %d", rowPassages(got), err, b.Passages[0].ID)
	}
	// More ids than one IN list binds.
	many := make([]int64, 2*maxInArgs+10)
	for i := range many {
		many[i] = int64(10000 + i)
	}
	many[maxInArgs+5] = b.ID
	if got, err := db.ArticleVectors(ctx, testModel, many); err != nil || fmt.Sprint(rowPassages(got)) != fmt.Sprint([]int64{b.Passages[0].ID}) {
		t.Errorf("ArticleVectors(%d ids) = %v, %v; want b's passage %d", len(many), rowPassages(got), err, b.Passages[0].ID)
	}
	if got, err := db.ArticleVectors(ctx, testModel, nil); err != nil || len(got) != 0 {
		t.Errorf("ArticleVectors(none) = %v, %v; want nothing", got, err)
	}
}

func rowPassages(rows []corpus.VectorRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.PassageID
	}
	return out
}
