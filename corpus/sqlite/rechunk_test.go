package sqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

// paragraph returns a paragraph of about 100 words that starts with a
// sentence naming marker, a word no other paragraph has.
func paragraph(marker string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The %s report came out on Monday.", marker)
	for range 9 {
		b.WriteString(" Officials in the capital said the council would meet again next week.")
	}
	return b.String()
}

// termRowids returns the ids of the passages, in any scope, whose stored
// terms hold a term of text, sorted: stale rows would show here.
func termRowids(t *testing.T, db *DB, text string) []int64 {
	t.Helper()
	return hitIDs(searchHits(t, db, text, corpus.GlobalScope, "guild1"))
}

func passageIDs(ps []corpus.Passage) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestRechunk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)

	// Six ~100-word paragraphs stored one passage each, as the ~100-word
	// chunking of old databases did; corpus.Chunk now packs them into ~300.
	markers := []string{"quokka", "narwhal", "axolotl", "pangolin", "okapi", "zeppelin"}
	var paras []string
	for _, m := range markers {
		paras = append(paras, paragraph(m))
	}
	old := article("Council plans", "guild1", day(1), paras...)
	old.URL = "https://news.example/council"
	// The same words as one passage, but cut where Chunk would not join
	// them with a blank line: only the text decides, not the word count.
	joined := article("Joined", corpus.GlobalScope, day(2), "First paragraph here.", "Second paragraph here.")
	joined.Passages = []corpus.Passage{{Seq: 0, Text: "First paragraph here. Second paragraph here."}}
	// Already split by the current rules (corpus.Prepare): left alone. Added
	// last, so the new passages of the others cannot reuse its ids.
	current := &corpus.Article{Title: "Budget", URL: "https://news.example/budget", PublishedAt: day(3),
		Body: strings.Join(paras[:4], "\n\n") + "\n\nThe wombat budget passed.", Scope: corpus.GlobalScope}
	if err := corpus.Prepare(current); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, db, old, joined, current)
	if len(old.Passages) != 6 || len(current.Passages) < 2 {
		t.Fatalf("setup: %d and %d passages; want 6 and at least 2", len(old.Passages), len(current.Passages))
	}
	vecs := map[int64][]float32{}
	for _, a := range []*corpus.Article{old, joined, current} {
		for _, p := range a.Passages {
			vecs[p.ID] = axis(4, 0, 1, 0)
		}
	}
	if err := db.SaveVectors(ctx, testModel, vecs); err != nil {
		t.Fatal(err)
	}
	before := map[int64]*corpus.Article{}
	for _, a := range []*corpus.Article{old, joined, current} {
		got, err := db.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		before[a.ID] = got
	}

	var calls [][2]int
	st, err := db.Rechunk(ctx, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatalf("Rechunk = %v", err)
	}
	newOld := corpus.Chunk(old.Body)
	want := corpus.RechunkStats{Articles: 3, Resplit: 2, PassagesBefore: 6 + 1, PassagesAfter: len(newOld) + 1}
	if st != want {
		t.Errorf("Rechunk = %+v; want %+v", st, want)
	}
	if !slices.Equal(calls, [][2]int{{3, 3}}) {
		t.Errorf("progress calls = %v; want [[3 3]]", calls)
	}

	for _, tc := range []struct {
		name    string
		a       *corpus.Article
		want    []string // passage texts after
		resplit bool
	}{
		{"old short passages", old, newOld, true},
		{"same words, other cuts", joined, []string{"First paragraph here.\n\nSecond paragraph here."}, true},
		{"current rules", current, corpus.Chunk(current.Body), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Get(ctx, tc.a.ID)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for i, p := range got.Passages {
				texts = append(texts, p.Text)
				if p.Seq != i {
					t.Errorf("passage %d has Seq %d", i, p.Seq)
				}
			}
			if !slices.Equal(texts, tc.want) {
				t.Errorf("passages after Rechunk = %q; want %q", texts, tc.want)
			}
			// Everything but the passages is as it was.
			b := *before[tc.a.ID]
			b.Passages, got.Passages = nil, nil
			if !reflect.DeepEqual(*got, b) {
				t.Errorf("article after Rechunk =\n%+v\nwant\n%+v", *got, b)
			}
			oldIDs := passageIDs(before[tc.a.ID].Passages)
			newIDs := passageIDs(mustGet(t, db, tc.a.ID).Passages)
			if !tc.resplit {
				if !slices.Equal(newIDs, oldIDs) {
					t.Errorf("passage ids = %v; want unchanged %v", newIDs, oldIDs)
				}
				if n := count(t, db, `SELECT count(*) FROM passage_vectors v JOIN passages p ON p.id = v.passage_id
					WHERE p.article_id = ?`, tc.a.ID); n != len(oldIDs) {
					t.Errorf("vectors = %d; want %d kept", n, len(oldIDs))
				}
				return
			}
			for _, id := range newIDs {
				if slices.Contains(oldIDs, id) {
					t.Errorf("new passage id %d was an old one (%v)", id, oldIDs)
				}
			}
			for _, id := range oldIDs {
				if n := count(t, db, `SELECT count(*) FROM passage_vectors WHERE passage_id = ?`, id); n != 0 {
					t.Errorf("old passage %d still has a vector", id)
				}
			}
		})
	}

	// The index follows: each marker finds the new passage that holds it,
	// and no row of the old passages is left behind.
	oldIDs, newIDs := passageIDs(old.Passages), passageIDs(mustGet(t, db, old.ID).Passages)
	for _, m := range markers {
		i := slices.IndexFunc(newOld, func(s string) bool { return strings.Contains(s, m) })
		got := termRowids(t, db, m)
		if !slices.Contains(got, newIDs[i]) || slices.ContainsFunc(got, func(id int64) bool { return slices.Contains(oldIDs, id) }) {
			t.Errorf("index rows for %q = %v; want passage %d and none of the old %v", m, got, newIDs[i], oldIDs)
		}
		if ids := hitIDs(searchHits(t, db, m, "guild1")); !slices.Equal(ids, []int64{newIDs[i]}) {
			t.Errorf("Search(%q in guild1) = %v; want [%d]", m, ids, newIDs[i])
		}
	}
	if n := count(t, db, `SELECT count(*) FROM passages`); n != len(newOld)+1+len(current.Passages) {
		t.Errorf("passages = %d; want %d", n, len(newOld)+1+len(current.Passages))
	}

	// A second run finds nothing to do.
	st, err = db.Rechunk(ctx, nil)
	if err != nil || st != (corpus.RechunkStats{Articles: 3}) {
		t.Errorf("second Rechunk = %+v, %v; want 3 articles, none re-split", st, err)
	}
}

func mustGet(t *testing.T, db *DB, id int64) *corpus.Article {
	t.Helper()
	a, err := db.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRechunkEmpty(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	st, err := db.Rechunk(context.Background(), func(int, int) { t.Error("progress called on an empty database") })
	if err != nil || st != (corpus.RechunkStats{}) {
		t.Errorf("Rechunk(empty) = %+v, %v; want zero stats", st, err)
	}
}

// TestRechunkCancel stops a run between batches and one before it starts:
// the committed batch stays, and the next run does the rest.
func TestRechunkCancel(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	n := corpus.RechunkArticles + 1
	for i := range n {
		a := article(fmt.Sprintf("Story %d", i), corpus.GlobalScope, day(1), "One sentence.", "Another sentence.")
		mustAdd(t, db, a)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st, err := db.Rechunk(ctx, nil)
	if !errors.Is(err, context.Canceled) || st != (corpus.RechunkStats{}) {
		t.Errorf("Rechunk(cancelled) = %+v, %v; want context.Canceled and nothing done", st, err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	st, err = db.Rechunk(ctx, func(done, total int) { cancel() })
	want := corpus.RechunkStats{Articles: corpus.RechunkArticles, Resplit: corpus.RechunkArticles, PassagesBefore: 2 * corpus.RechunkArticles, PassagesAfter: corpus.RechunkArticles}
	if !errors.Is(err, context.Canceled) || st != want {
		t.Errorf("Rechunk(cancelled after a batch) = %+v, %v; want %+v and context.Canceled", st, err, want)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "sqlite.Rechunk: ") {
		t.Errorf("error %q; want it to name sqlite.Rechunk", err)
	}
	if got := count(t, db, `SELECT count(*) FROM passages`); got != corpus.RechunkArticles+2 {
		t.Errorf("passages = %d; want %d (one batch re-split)", got, corpus.RechunkArticles+2)
	}

	st, err = db.Rechunk(context.Background(), nil)
	if want := (corpus.RechunkStats{Articles: n, Resplit: 1, PassagesBefore: 2, PassagesAfter: 1}); err != nil || st != want {
		t.Errorf("Rechunk after the cancel = %+v, %v; want %+v", st, err, want)
	}
}

// TestRechunkBatchBytes: long bodies make smaller batches, so a running
// bot's writes never wait for hundreds of long articles to be analysed.
// Each body here is over half of corpus.RechunkBytes, so a batch holds two.
func TestRechunkBatchBytes(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	sentence := "The committee met again on Tuesday to discuss the budget. "
	long := strings.Repeat(sentence, corpus.RechunkBytes/2/len(sentence)+1)
	for i := range 5 {
		mustAdd(t, db, article(fmt.Sprintf("Long story %d", i), corpus.GlobalScope, day(1), long))
	}
	var done []int
	st, err := db.Rechunk(context.Background(), func(n, total int) { done = append(done, n) })
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 4, 5}; !slices.Equal(done, want) {
		t.Errorf("progress after each batch = %v; want %v", done, want)
	}
	if st.Articles != 5 || st.Resplit != 5 {
		t.Errorf("stats = %+v; want 5 articles read and re-split", st)
	}
}
