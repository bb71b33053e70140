package sqlite

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	const serverA, serverB = "111", "222"
	mustAdd(t, db,
		article("Floods in the valley", corpus.GlobalScope, day(1),
			"Heavy rain flooded the valley overnight.", "Farmers counted losses after the flooding."),
		article("Election results", corpus.GlobalScope, day(5),
			"The incumbent won the election narrowly.", "Turnout was lower than expected despite rain."),
		article("Undated floods", corpus.GlobalScope, time.Time{}, "Floods hit the coast."),
		article("Server A floods", serverA, day(3), "Our town flooded again."),
		article("Server B floods", serverB, day(3), "Their town flooded as well."),
	)

	for _, tc := range []struct {
		name string
		q    corpus.SearchQuery
		want []string
	}{
		{"global only by default", corpus.SearchQuery{Match: match("flooding")},
			[]string{"Floods in the valley#0", "Floods in the valley#1", "Undated floods#0"}},
		{"server A never seen from B", corpus.SearchQuery{Match: match("flooding"), Scopes: []string{corpus.GlobalScope, serverB}},
			[]string{"Floods in the valley#0", "Floods in the valley#1", "Server B floods#0", "Undated floods#0"}},
		{"server only", corpus.SearchQuery{Match: match("flooding"), Scopes: []string{serverA}},
			[]string{"Server A floods#0"}},
		{"from", corpus.SearchQuery{Match: match("rain"), Published: corpus.Published{From: day(2)}}, []string{"Election results#1"}},
		{"to is exclusive", corpus.SearchQuery{Match: match("rain"), Published: corpus.Published{To: day(5)}}, []string{"Floods in the valley#0"}},
		{"range drops undated", corpus.SearchQuery{Match: match("floods"), Published: corpus.Published{From: day(1), To: day(2)}},
			[]string{"Floods in the valley#0", "Floods in the valley#1"}},
		// Before: the corpus as of day 4 has the valley floods and the
		// undated story, not the day-5 election.
		{"before keeps undated", corpus.SearchQuery{Match: match("rain") + " OR " + match("floods"), Published: corpus.Published{Before: day(4)}},
			[]string{"Floods in the valley#0", "Floods in the valley#1", "Undated floods#0"}},
		{"before is inclusive", corpus.SearchQuery{Match: match("rain"), Published: corpus.Published{Before: day(5)}},
			[]string{"Election results#1", "Floods in the valley#0"}},
		// The short undated passage with "floods" in its title ranks first.
		{"K", corpus.SearchQuery{Match: match("flooding"), K: 1}, []string{"Undated floods#0"}},
		{"empty match", corpus.SearchQuery{Match: "  "}, nil},
		{"no such term", corpus.SearchQuery{Match: match("zeppelin")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := db.Search(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := hitTitles(hits)
			if len(tc.want) > 1 && tc.q.K == 0 {
				slices.Sort(got) // ranking is tested separately
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Search(%+v) = %q; want %q", tc.q, got, tc.want)
			}
			for i, h := range hits {
				if h.Score <= 0 || (i > 0 && h.Score > hits[i-1].Score) {
					t.Errorf("hit %d score %v: want positive, non-increasing", i, h.Score)
				}
				if h.Passage.ID == 0 || h.Passage.ArticleID != h.Article.ID || h.Passage.Text == "" || h.Article.Body != "" {
					t.Errorf("hit %d = %+v: passage or article fields wrong", i, h)
				}
			}
		})
	}
}

func TestSearchRanking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	mustAdd(t, db,
		article("Markets today", corpus.GlobalScope, day(1), "Stocks rose; a tariff was mentioned once among many other topics of the day."),
		article("Tariff dispute escalates", corpus.GlobalScope, day(1), "Talks continued between the two governments."),
		article("Trade news", corpus.GlobalScope, day(1), "Tariff tariffs tariff: the tariff war is all about tariffs."),
	)
	hits, err := db.Search(ctx, corpus.SearchQuery{Match: match("tariffs")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Trade news#0", "Tariff dispute escalates#0", "Markets today#0"}
	if got := hitTitles(hits); !slices.Equal(got, want) {
		t.Errorf("Search(tariffs) = %q; want %q", got, want)
	}
}

// TestSearchPoolFallback checks that filtering a small candidate pool never
// loses hits: when scope or date filters drop the pool's best matches,
// Search still returns what the exact query returns.
func TestSearchPoolFallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	db.minPool = 1 // the pool is then 10*K
	for i := range 30 {
		// Shorter passages rank higher: the global ones crowd the pool.
		mustAdd(t, db, article(fmt.Sprintf("Global flood %d", i), corpus.GlobalScope, day(1), "Flood warning."))
	}
	mustAdd(t, db,
		article("Server flood", "111", day(2), "A long report about a flood, the river, the rain and the damage done to the town."),
		article("Server flood later", "111", day(3), "Another long report about a flood and the rain, with the repairs and insurance claims."),
	)
	for _, tc := range []struct {
		name string
		q    corpus.SearchQuery
		want []string
	}{
		{"scope drops the whole pool", corpus.SearchQuery{Match: match("flood"), Scopes: []string{"111"}, K: 2},
			[]string{"Server flood later#0", "Server flood#0"}},
		{"scope leaves fewer than K", corpus.SearchQuery{Match: match("flood"), Scopes: []string{"111"}, K: 5},
			[]string{"Server flood later#0", "Server flood#0"}},
		{"date drops the pool", corpus.SearchQuery{Match: match("flood"), Scopes: []string{corpus.GlobalScope, "111"}, Published: corpus.Published{From: day(3)}, K: 1},
			[]string{"Server flood later#0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := db.Search(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := hitTitles(hits)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Search(%+v) = %q; want %q", tc.q, got, tc.want)
			}
		})
	}
}

func TestSearchMalformed(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	mustAdd(t, db, article("A", corpus.GlobalScope, day(1), "text"))
	if _, err := db.Search(context.Background(), corpus.SearchQuery{Match: `"text" AND`}); err == nil {
		t.Error(`Search("text" AND) succeeded; want error`)
	}
}

func TestDocFreq(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := MustOpen(t)
	mustAdd(t, db,
		article("Wheat prices", corpus.GlobalScope, day(1), "Wheat prices rose.", "Corn was flat."),
		article("Weather", "111", day(1), "Rain helped the wheat crop."),
	)
	df, total, err := db.DocFreq(ctx, []string{"wheat", "price", "corn", "zeppelin", "wheat"})
	if err != nil {
		t.Fatal(err)
	}
	// The title is indexed with every passage: "wheat" and "price" count in
	// both passages of the first article. Counts cover all scopes.
	want := map[string]int{"wheat": 3, "price": 2, "corn": 1, "zeppelin": 0}
	if !maps.Equal(df, want) || total != 3 {
		t.Errorf("DocFreq = %v, %d; want %v, 3", df, total, want)
	}
	df, total, err = db.DocFreq(ctx, nil)
	if err != nil || len(df) != 0 || total != 3 {
		t.Errorf("DocFreq(nil) = %v, %d, %v; want empty, 3", df, total, err)
	}
}

// TestConcurrentReadersDuringIngest checks that searches and listings never
// fail while a writer adds articles (run with -race).
func TestConcurrentReadersDuringIngest(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := MustOpen(t)
	mustAdd(t, db, article("Seed", corpus.GlobalScope, day(1), "market report"))

	const articles, readers = 200, 4
	var wg sync.WaitGroup
	errs := make(chan error, readers+1)
	for r := range readers {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				var err error
				switch (r + i) % 4 {
				case 0:
					_, err = db.Search(ctx, corpus.SearchQuery{Match: match("market report"), K: 10})
				case 1:
					_, err = db.Latest(ctx, corpus.LatestQuery{N: 5})
				case 2:
					_, _, err = db.DocFreq(ctx, []string{"market", "report"})
				case 3:
					_, err = db.Stats(ctx, nil)
				}
				if err != nil && ctx.Err() == nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range articles {
		a := article(fmt.Sprintf("Market report %d", i), corpus.GlobalScope, day(1+i%28),
			"The market report for today.", "Shares and bonds moved.")
		if err := db.Add(ctx, a); err != nil {
			t.Errorf("Add %d = %v", i, err)
			break
		}
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("reader: %v", err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM articles`); n != articles+1 {
		t.Errorf("%d articles; want %d", n, articles+1)
	}
}
