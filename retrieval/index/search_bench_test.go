package index_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval/index"
)

// BenchmarkSearchDated measures Search over a synthetic corpus added in
// date order (as feeds add it: two years of articles), without a date
// filter and with the filters questions make: "this week" (the last seven
// days) and "as of" a past date (eval's replays). The index skips the
// windows of documents a filter excludes, so "this week" reads only the
// end of the index. About 150k passages; NEWSBOT_BENCH_1M=1 for about 1M.
func BenchmarkSearchDated(b *testing.B) {
	narticles := 75_000
	if os.Getenv("NEWSBOT_BENCH_1M") != "" {
		narticles = 500_000
	}
	g := newGen(1, 50_000)
	x := index.New(index.Options{})
	for id := range int64(narticles) {
		a := g.article(id)
		a.PublishedAt = day(int(id * 730 / int64(narticles))).Add(time.Duration(id%86400) * time.Second)
		if err := x.Put(a); err != nil {
			b.Fatal(err)
		}
	}
	end := day(730)
	var qs []index.Query
	for range 200 {
		var q index.Query
		for range 3 + g.r.IntN(8) {
			q.Terms = append(q.Terms, corpus.QueryTerm{Term: g.term(), Weight: 1})
		}
		q.K = 60
		qs = append(qs, q)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		pub  corpus.Published
	}{
		{"all", corpus.Published{}},
		{"this-week", corpus.Published{From: end.AddDate(0, 0, -7), To: end}},
		{"as-of-a-year-ago", corpus.Published{Before: end.AddDate(-1, 0, 0)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportMetric(float64(x.Len()), "passages")
			for b.Loop() {
				for _, q := range qs {
					q.Published = tc.pub
					if _, err := x.Search(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(qs)), "ms/search")
		})
	}
}
