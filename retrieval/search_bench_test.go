package retrieval_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/eval"
	"github.com/newsbot/newsbot/retrieval/index"
)

// The index search alone, for the queries Retrieve makes of real
// questions, over a real database (made by scripts/benchmark.sh or
// `newsbot ingest` of a generated corpus):
//
//	NEWSBOT_BENCH_DB=/path/bench.db [NEWSBOT_BENCH_SNAPSHOT=/path/x.index] \
//	  go test ./retrieval -run X -bench SearchQuestions -benchtime 1x -v
//
// It reports the latency percentiles of Index.Search over the 830 RealTime
// QA 2025 questions, one at a time, at the candidate count Retrieve asks
// for.
func BenchmarkSearchQuestions(b *testing.B) {
	live, _, questions := openBenchQuestions(b)
	ctx := context.Background()
	var qs []index.Query
	for _, q := range questions {
		_, rest := retrieval.ParseTime(q.Text, q.AsOf)
		var iq index.Query
		for _, t := range retrieval.QueryTermsFor(rest) {
			iq.Terms = append(iq.Terms, corpus.QueryTerm{Term: t, Weight: 1})
		}
		iq.K = retrieval.DefaultCandidates
		qs = append(qs, iq)
	}
	measure(b, len(qs), func(i int) {
		if _, err := live.Index.Search(ctx, qs[i]); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRetrieveQuestions is the full Retrieve path (analysis, search,
// re-rank, reading the passages, confidence) for the same questions, as
// `newsbot eval` times it: the share of the search is the difference.
func BenchmarkRetrieveQuestions(b *testing.B) {
	live, db, questions := openBenchQuestions(b)
	ctx := context.Background()
	r := retrieval.New(live, db, retrieval.Options{})
	measure(b, len(questions), func(i int) {
		q := questions[i]
		if _, err := r.Retrieve(ctx, retrieval.Request{Question: q.Text, AsOf: q.AsOf, K: 10}); err != nil {
			b.Fatal(err)
		}
	})
}

// openBenchQuestions opens the database NEWSBOT_BENCH_DB, its index (from
// NEWSBOT_BENCH_SNAPSHOT when set, which is written when missing) and the
// RealTime QA 2025 questions, skipping without them.
func openBenchQuestions(b *testing.B) (*index.Live, *sqlite.DB, []eval.Question) {
	b.Helper()
	path := os.Getenv("NEWSBOT_BENCH_DB")
	if path == "" {
		b.Skip("set NEWSBOT_BENCH_DB to a SQLite database to measure search over real rows")
	}
	qfile := filepath.Join("..", "..", "shared", "data", "realtimeqa", "questions_2025.jsonl")
	f, err := os.Open(qfile)
	if err != nil {
		b.Skipf("needs the RealTime QA questions in ../shared/data: %v", err)
	}
	questions, err := eval.LoadRealTimeQA(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	t0 := time.Now()
	live, err := index.OpenLive(ctx, db, index.LiveOptions{Snapshot: os.Getenv("NEWSBOT_BENCH_SNAPSHOT")})
	if err != nil {
		b.Fatal(err)
	}
	if live.Stale() {
		if err := live.Save(); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("index of %d passages opened in %v", live.Len(), time.Since(t0).Round(time.Millisecond))
	return live, db, questions
}

// measure runs fn for 0..n-1 one at a time, b.N times over, and reports
// the latency percentiles and the CPU time per call.
func measure(b *testing.B, n int, fn func(i int)) {
	var lat []time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		lat = lat[:0]
		for i := range n {
			t := time.Now()
			fn(i)
			lat = append(lat, time.Since(t))
		}
	}
	// CPU time per call is steadier than wall time on a busy machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N*n), "cpu-ms/q")
	slices.Sort(lat)
	pct := func(p int) float64 { return float64(lat[(len(lat)-1)*p/100].Microseconds()) / 1000 }
	b.ReportMetric(pct(50), "p50-ms")
	b.ReportMetric(pct(90), "p90-ms")
	b.ReportMetric(pct(99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
