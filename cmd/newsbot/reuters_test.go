//go:build slow

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/ingest"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/index"
)

// reutersDir is the shared Reuters-21578 data set, beside the project.
var reutersDir = filepath.Join("..", "..", "..", "shared", "data", "reuters-21578")

func needReuters(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(reutersDir, "reuters21578.jsonl.gz")); err != nil {
		tb.Skipf("../shared/data/reuters-21578 absent (%v): the Reuters tests need the shared data sets", err)
	}
}

// reutersDistinct is the number of distinct articles in the file: 19,043
// records, of which 365 repeat an earlier body (wire notices sent twice).
const reutersDistinct = 18678

func TestReutersIngestAndAsk(t *testing.T) {
	needReuters(t)
	if testing.Short() {
		t.Skip("ingests 19,043 articles; skipped with -short")
	}
	db := filepath.Join(t.TempDir(), "r.db")
	out := mustRun(t, nil, "-db", db, "ingest", reutersDir)
	if want := fmt.Sprintf("added %d, duplicates 365, failed 0", reutersDistinct); !strings.Contains(out, want) {
		t.Fatalf("ingest printed %q; want %q", out, want)
	}
	var latest []console.ArticleJSON
	if err := json.Unmarshal([]byte(mustRun(t, nil, "-db", db, "latest", "-n", "3", "--json")), &latest); err != nil || len(latest) != 3 {
		t.Fatalf("latest -n 3 = %v, %v", latest, err)
	}
	for i := 1; i < len(latest); i++ {
		if latest[i].PublishedAt == nil || *latest[i].PublishedAt > *latest[i-1].PublishedAt {
			t.Errorf("latest not newest first: %v then %v", latest[i-1].PublishedAt, latest[i].PublishedAt)
		}
	}
	if latest[0].Title != "POLL SHOWS AMERICANS HOLD ON TO STOCKS AFTER DROP" {
		t.Errorf("newest article = %q; want the 20 Oct 1987 poll story", latest[0].Title)
	}
	a := decodeAnswer(t, mustRun(t, nil, "-db", db, "ask", "--json", "--as-of", "1987-03-01", "How is the cocoa harvest in Bahia?"))
	if !a.Grounded || len(a.Sources) == 0 || !strings.Contains(a.Sources[0].Title, "COCOA") {
		t.Errorf("ask about the Bahia cocoa review = %+v; want it cited", a)
	}
	a = decodeAnswer(t, mustRun(t, nil, "-db", db, "ask", "--json", "Who won the 2030 World Cup final?"))
	if a.Grounded {
		t.Errorf("ask about 2030 on Reuters = %+v; want not grounded", a)
	}
}

// BenchmarkReuters ingests Reuters-21578 and then times 1,000 questions made
// from article titles. It reports ingest rates, database size, retrieval
// latency percentiles and peak memory:
//
//	go test -tags slow ./cmd/newsbot -run '^$' -bench BenchmarkReuters -benchtime 1x
func BenchmarkReuters(b *testing.B) {
	needReuters(b)
	ctx := context.Background()
	for range b.N {
		path := filepath.Join(b.TempDir(), "r.db")
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		rep, err := ingest.Paths(ctx, db, []string{reutersDir}, ingest.Options{AddedBy: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start).Seconds()
		st, err := db.Stats(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.Added)/elapsed, "articles/s")
		b.ReportMetric(float64(st.Passages)/elapsed, "passages/s")
		b.ReportMetric(float64(dbSize(path))/(1<<20), "db-MiB")

		questions := titleQuestions(ctx, b, db, 1000)
		live, err := index.OpenLive(ctx, db, index.LiveOptions{})
		if err != nil {
			b.Fatal(err)
		}
		r := retrieval.New(live, db, retrieval.Options{})
		lat := make([]time.Duration, 0, len(questions))
		found := 0
		for _, q := range questions {
			t0 := time.Now()
			res, err := r.Retrieve(ctx, retrieval.Request{Question: q.text, AsOf: time.Date(1987, 11, 1, 0, 0, 0, 0, time.UTC)})
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			for _, h := range res.Hits {
				if h.Article.ID == q.articleID {
					found++
					break
				}
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(found)/float64(len(questions)), "recall@6")
		b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
		db.Close()
	}
}

type titleQuestion struct {
	text      string
	articleID int64
}

// titleQuestions rewords the titles of n articles spread over the corpus
// into questions ("What happened with bank of japan buys bills?").
func titleQuestions(ctx context.Context, b *testing.B, db *sqlite.DB, n int) []titleQuestion {
	b.Helper()
	arts, err := db.Latest(ctx, corpus.LatestQuery{N: 20000})
	if err != nil {
		b.Fatal(err)
	}
	step := max(1, len(arts)/n)
	prefixes := []string{"What happened with %s?", "Tell me about %s", "What is the news on %s?", "Why %s?"}
	var qs []titleQuestion
	for i := 0; i < len(arts) && len(qs) < n; i += step {
		title := strings.ToLower(arts[i].Title)
		qs = append(qs, titleQuestion{text: fmt.Sprintf(prefixes[len(qs)%len(prefixes)], title), articleID: arts[i].ID})
	}
	return qs
}

func dbSize(path string) int64 {
	var total int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			total += fi.Size()
		}
	}
	return total
}

// peakRSSMiB reads the process's peak resident set size (Linux), 0 elsewhere.
func peakRSSMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
