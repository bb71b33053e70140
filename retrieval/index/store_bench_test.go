package index_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/retrieval/index"
)

// benchDBEnv names a SQLite database to measure the index on (a copy: Open
// may migrate it). The benchmarks skip without it; the generated corpora
// make large ones (go run ./cmd/newsbot -db /tmp/x.db ingest big.jsonl.gz).
const benchDBEnv = "NEWSBOT_BENCH_DB"

func openBenchDB(b *testing.B) *sqlite.DB {
	b.Helper()
	path := os.Getenv(benchDBEnv)
	if path == "" {
		b.Skipf("set %s to a SQLite database (a copy) to measure the index on real rows", benchDBEnv)
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkScanIndexed reads every article's terms split, as a catch-up
// does, without indexing them.
func BenchmarkScanIndexed(b *testing.B) {
	db := openBenchDB(b)
	benchScan(b, db.ScanIndexed, func(a corpus.IndexedArticle) (int64, int) { return a.ArticleID, len(a.Passages) })
}

// BenchmarkScanJoined reads every article's terms as a full build does,
// without indexing them: the store's share of Build.
func BenchmarkScanJoined(b *testing.B) {
	db := openBenchDB(b)
	benchScan(b, db.ScanJoined, func(a corpus.JoinedArticle) (int64, int) { return a.ArticleID, len(a.Passages) })
}

// benchScan pages through the whole store with scan and reports the
// passages read per second; idOf gives an article's id and passages.
func benchScan[A any](b *testing.B, scan func(context.Context, int64, int) ([]A, error), idOf func(A) (int64, int)) {
	ctx := context.Background()
	n := 0
	for b.Loop() {
		for after := int64(0); ; {
			page, err := scan(ctx, after, 1000)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, a := range page {
				_, np := idOf(a)
				n += np
			}
			after, _ = idOf(page[len(page)-1])
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "passages/s")
}

// BenchmarkBuild builds the index of the whole store and reports the rate,
// the heap the index holds per posting, then the snapshot's size and
// write and read times, and Search latencies for realistic queries (the
// titles of stored articles, K=60).
func BenchmarkBuild(b *testing.B) {
	db := openBenchDB(b)
	ctx := context.Background()
	var x *index.Index
	var cpu time.Duration
	for b.Loop() {
		x = nil
		runtime.GC()
		c0 := processCPU()
		var err error
		x, err = index.Build(ctx, benchStore(b, db), index.Options{})
		if err != nil {
			b.Fatal(err)
		}
		cpu += processCPU() - c0
	}
	st := x.Stats()
	b.ReportMetric(float64(st.Passages)*float64(b.N)/b.Elapsed().Seconds(), "passages/s")
	if cpu > 0 {
		// Passages per CPU-second (all cores together): what the build
		// costs, whatever else the machine runs.
		b.ReportMetric(float64(st.Passages)*float64(b.N)/cpu.Seconds(), "passages/cpu-s")
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/float64(st.Postings), "heapB/posting")
	b.Logf("passages %d, terms %d, postings %d, heap %d MB, Stats.Bytes %d MB",
		st.Passages, st.Terms, st.Postings, ms.HeapAlloc>>20, st.Bytes>>20)

	var buf bytes.Buffer
	t0 := time.Now()
	if err := x.WriteSnapshot(&buf); err != nil {
		b.Fatal(err)
	}
	tw := time.Since(t0)
	t0 = time.Now()
	if _, err := index.ReadSnapshot(bytes.NewReader(buf.Bytes()), index.Options{}); err != nil {
		b.Fatal(err)
	}
	b.Logf("snapshot %d MB, write %v, read %v", buf.Len()>>20, tw.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))

	qs := benchQueries(b, db, 1000)
	lat := make([]time.Duration, 0, len(qs))
	for _, q := range qs {
		t0 := time.Now()
		if _, err := x.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.Logf("search K=60 over %d title queries: p50 %v, p99 %v, max %v", len(lat),
		lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
}

// benchQueries makes n queries from stored titles spread over the store: a
// headline's words are what people ask about.
func benchQueries(b *testing.B, db *sqlite.DB, n int) []index.Query {
	b.Helper()
	ctx := context.Background()
	var qs []index.Query
	for after := int64(0); len(qs) < n; after += 199 {
		page, err := db.ScanIndexed(ctx, after, 1)
		if err != nil {
			b.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		var q index.Query
		for _, t := range page[0].TitleTerms {
			q.Terms = append(q.Terms, corpus.QueryTerm{Term: t, Weight: 1})
		}
		q.K = 60
		if len(q.Terms) > 0 {
			qs = append(qs, q)
		}
	}
	return qs
}

// benchRepeatEnv makes BenchmarkBuild read the database that many times
// over, with shifted ids, to measure an index several times its size.
const benchRepeatEnv = "NEWSBOT_BENCH_REPEAT"

func benchStore(b *testing.B, db *sqlite.DB) index.Store {
	n, _ := strconv.Atoi(os.Getenv(benchRepeatEnv))
	if n <= 1 {
		return db
	}
	return &repeatStore{DB: db, times: int64(n), span: 1 << 40}
}

// repeatStore scans its database times times, the ids of the k-th copy
// shifted by k*span, and has no changes to catch up with.
type repeatStore struct {
	*sqlite.DB
	times, span int64
}

func (r *repeatStore) Changes(context.Context, int64, int) ([]corpus.Change, error) { return nil, nil }

func (r *repeatStore) ScanJoined(ctx context.Context, after int64, limit int) ([]corpus.JoinedArticle, error) {
	return repeatPages(ctx, r, after, limit, r.DB.ScanJoined, func(a *corpus.JoinedArticle, by int64) {
		a.ArticleID += by
		for j := range a.Passages {
			a.Passages[j].ID += by
		}
	})
}

func (r *repeatStore) ScanIndexed(ctx context.Context, after int64, limit int) ([]corpus.IndexedArticle, error) {
	return repeatPages(ctx, r, after, limit, r.DB.ScanIndexed, func(a *corpus.IndexedArticle, by int64) {
		a.ArticleID += by
		for j := range a.Passages {
			a.Passages[j].ID += by
		}
	})
}

// repeatPages pages through r's copies of the database with scan, shifting
// the ids of the k-th copy's articles by k*span.
func repeatPages[A any](ctx context.Context, r *repeatStore, after int64, limit int,
	scan func(context.Context, int64, int) ([]A, error), shift func(*A, int64)) ([]A, error) {
	for rep := after / r.span; rep < r.times; rep++ {
		page, err := scan(ctx, after-rep*r.span, limit)
		if err != nil || len(page) > 0 {
			for i := range page {
				shift(&page[i], rep*r.span)
			}
			return page, err
		}
		after = (rep + 1) * r.span
	}
	return nil, nil
}
