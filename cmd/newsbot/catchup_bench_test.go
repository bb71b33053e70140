package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
)

// catchUpArticles is how many articles BenchmarkCatchUp ingests through
// the other process when NEWSBOT_BENCH_CORPUS names no corpus (issue 14
// asks for the lag after a 10,000-article ingest).
const catchUpArticles = 10_000

// BenchmarkCatchUp measures how far a serving process's in-memory index
// trails a bulk ingest made by another process over the same PostgreSQL
// database: the serving side is what chat and serve run (serveIndex:
// LISTEN/NOTIFY plus the 500 ms poll of the change log), the ingest is
// the newsbot binary, built and run as a separate process. It reports
//   - catchup-ms: from the ingest's exit (its last commit, then closing
//     its connections) until the index has applied the store's last
//     change-log sequence;
//   - max-behind-changes and max-behind-ms: the most change-log entries
//     the index trailed by while the ingest ran (sampled every 10 ms),
//     and the longest time one sample's backlog waited to be applied;
//   - ingest-s and passages/s of the ingest.
//
// It needs NEWSBOT_TEST_POSTGRES (a server where the user may create
// databases). The articles are NEWSBOT_BENCH_CORPUS (a file or folder
// ingest reads, e.g. `go run ./cmd/gencorpus -n 10000 -o c.jsonl.gz`),
// else 10,000 synthetic articles of about 300 words. Run it once:
//
//	NEWSBOT_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable \
//	  go test ./cmd/newsbot -run '^$' -bench CatchUp -benchtime 1x
func BenchmarkCatchUp(b *testing.B) {
	pgtest.Require(b)
	articles := os.Getenv("NEWSBOT_BENCH_CORPUS")
	if articles == "" {
		articles = filepath.Join(b.TempDir(), "articles.jsonl")
		if err := writeSyntheticArticles(articles, catchUpArticles, 1); err != nil {
			b.Fatal(err)
		}
	}
	bin := filepath.Join(b.TempDir(), "newsbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}

	var sum catchUpRun
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dsn := pgtest.DSN(b) // a fresh database each time: the same articles are new again
		b.StartTimer()
		r := measureCatchUp(b, bin, dsn, articles)
		sum.catchUp += r.catchUp
		sum.ingest += r.ingest
		sum.passages += r.passages
		sum.maxBehind = max(sum.maxBehind, r.maxBehind)
		sum.maxBehindFor = max(sum.maxBehindFor, r.maxBehindFor)
	}
	n := float64(b.N)
	b.ReportMetric(float64(sum.catchUp.Microseconds())/1000/n, "catchup-ms")
	b.ReportMetric(float64(sum.maxBehind), "max-behind-changes")
	b.ReportMetric(float64(sum.maxBehindFor.Milliseconds()), "max-behind-ms")
	b.ReportMetric(sum.ingest.Seconds()/n, "ingest-s")
	b.ReportMetric(float64(sum.passages)/sum.ingest.Seconds(), "passages/s")
}

// catchUpRun is one BenchmarkCatchUp measurement.
type catchUpRun struct {
	catchUp      time.Duration // ingest exit to the index caught up
	ingest       time.Duration // the ingest process's run
	passages     int           // passages the index holds after it
	maxBehind    int64         // most change-log entries the index trailed by
	maxBehindFor time.Duration // longest wait of a sampled backlog
}

// measureCatchUp opens a following index over dsn, runs bin's ingest of
// articles as another process, and times the index's catch-up.
func measureCatchUp(b *testing.B, bin, dsn, articles string) catchUpRun {
	b.Helper()
	ctx := context.Background()
	vars := map[string]string{"NEWSBOT_DB": dsn, "NEWSBOT_INDEX_SNAPSHOT": "off"}
	cfg, err := loadConfig(func(k string) string { return vars[k] })
	if err != nil {
		b.Fatal(err)
	}
	e := &env{cfg: cfg, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	st, err := openStore(ctx, e)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	idx, stop, err := serveIndex(ctx, e, st)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	live := idx.opened.Load()

	// Sample the backlog while the ingest runs: each sample's store
	// sequence is applied some time later, which is the lag a question
	// asked through this process would see for those articles.
	var r catchUpRun
	sampling, done := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		type pending struct {
			seq int64
			at  time.Time
		}
		var waiting []pending
		for sampling.Err() == nil {
			last, err := st.LastSeq(sampling)
			if err != nil {
				return
			}
			now, applied := time.Now(), live.Seq()
			r.maxBehind = max(r.maxBehind, last-applied)
			waiting = append(waiting, pending{last, now})
			for len(waiting) > 0 && waiting[0].seq <= applied {
				r.maxBehindFor = max(r.maxBehindFor, now.Sub(waiting[0].at))
				waiting = waiting[1:]
			}
			time.Sleep(10 * time.Millisecond)
		}
	})

	cmd := exec.Command(bin, "ingest", articles)
	cmd.Env = append(os.Environ(), "NEWSBOT_DB="+dsn, "NEWSBOT_INDEX_SNAPSHOT=off")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	exited := time.Now()
	if err != nil {
		b.Fatalf("ingest: %v\n%s", err, out)
	}
	r.ingest = exited.Sub(start)
	target, err := st.LastSeq(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for live.Seq() < target {
		time.Sleep(time.Millisecond)
	}
	r.catchUp = time.Since(exited)
	done()
	wg.Wait()

	stats, err := st.Stats(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	if r.passages = live.Len(); r.passages != stats.Passages || stats.Articles == 0 {
		b.Fatalf("index holds %d passages, the store %d in %d articles; want all of them", r.passages, stats.Passages, stats.Articles)
	}
	b.Logf("ingest %s: %s; %d articles, %d passages; index caught up %s after the ingest exited; at most %d changes behind, a backlog applied after at most %s",
		articles, strings.TrimSpace(string(out)), stats.Articles, stats.Passages, r.catchUp.Round(time.Millisecond), r.maxBehind, r.maxBehindFor.Round(time.Millisecond))
	return r
}

// writeSyntheticArticles writes n articles of about 300 words (words of
// a Zipf-distributed made-up vocabulary, so the postings look like a
// language's) as JSON lines: unique texts, distinct URLs and dates.
func writeSyntheticArticles(path string, n int, seed uint64) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create synthetic articles: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write synthetic articles: %w", cerr)
		}
	}()
	rng := rand.New(rand.NewPCG(seed, 14))
	syllables := []string{"ka", "lo", "mi", "ren", "tu", "sa", "vor", "eli", "dan", "pe", "ru", "no", "ta", "gri", "os", "bel"}
	vocab := make([]string, 20_000)
	for i := range vocab {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteString(syllables[rng.IntN(len(syllables))])
		}
		vocab[i] = w.String()
	}
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1))
	words := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = vocab[zipf.Uint64()]
		}
		return strings.Join(ws, " ")
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range n {
		var body strings.Builder
		for range 3 + rng.IntN(4) { // paragraphs
			for range 3 + rng.IntN(3) { // sentences of 8-22 words
				body.WriteString(words(8 + rng.IntN(15)))
				body.WriteString(". ")
			}
			body.WriteString("\n\n")
		}
		a := map[string]string{
			"title":        words(6),
			"body":         body.String(),
			"url":          fmt.Sprintf("https://news.example/%d/%d", seed, i),
			"source":       fmt.Sprintf("Outlet %d", i%16),
			"published_at": base.Add(time.Duration(i) * 37 * time.Minute).Format(time.RFC3339),
		}
		if err := enc.Encode(a); err != nil {
			return fmt.Errorf("write synthetic articles: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write synthetic articles: %w", err)
	}
	return nil
}
