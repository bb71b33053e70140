//go:build slow

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/feeds"
	"github.com/newsbot/newsbot/corpus/ingest"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/corpus/web"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/index"
)

// synthWords is the vocabulary of the synthetic corpus: common news words,
// so questions made of them find passages.
var synthWords = strings.Fields(`market shares bonds oil gold wheat cocoa coffee sugar copper bank
rates inflation growth exports imports trade tariffs strike union workers factory output
harvest drought rain farmers prices government minister election vote parliament budget
deficit debt currency dollar euro yen court ruling merger takeover profit loss quarter
forecast shipping port rail airline fuel power grid storm flood talks treaty border`)

// synthSentence is a sentence of n words drawn from synthWords.
func synthSentence(rng *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = synthWords[rng.IntN(len(synthWords))]
	}
	s := strings.Join(w, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// synthBody is a body of paras paragraphs of five sentences.
func synthBody(rng *rand.Rand, paras int) string {
	var b strings.Builder
	for p := range paras {
		if p > 0 {
			b.WriteString("\n\n")
		}
		for s := range 5 {
			if s > 0 {
				b.WriteString(" ")
			}
			b.WriteString(synthSentence(rng, 10+rng.IntN(6)))
		}
	}
	return b.String()
}

// writeSynthCorpus writes n distinct articles as JSONL; name keeps the
// URLs of different corpora apart.
func writeSynthCorpus(t *testing.T, path, name string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		rec := map[string]string{
			"title":        fmt.Sprintf("Story %d: %s", i, strings.TrimSuffix(synthSentence(rng, 5), ".")),
			"body":         synthBody(rng, 3),
			"url":          fmt.Sprintf("https://synthetic.example/%s/%d", name, i),
			"published_at": start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
			"source":       "Synthetic Wire",
		}
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// synthFeed is an RSS feed of n full-text items (no page fetches).
func synthFeed(rng *rand.Rand, feed, n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Synthetic feed</title>`)
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Feed %d item %d</title><guid>f%d-%d</guid><link>https://feed.example/%d/%d</link><pubDate>%s</pubDate><content:encoded><![CDATA[<p>%s</p>]]></content:encoded></item>`,
			feed, i, feed, i, feed, i, start.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z),
			strings.ReplaceAll(synthBody(rng, 3), "\n\n", "</p><p>"))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// askLoad asks questions from several goroutines until stop is closed and
// counts answers and errors.
type askLoad struct {
	answered, grounded atomic.Int64
	mu                 sync.Mutex
	errs               []error
	took               []time.Duration
}

func (l *askLoad) run(ctx context.Context, b *bot.Bot, workers int, seed uint64, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				q := fmt.Sprintf("What happened to %s and %s %s?", synthWords[rng.IntN(len(synthWords))],
					synthWords[rng.IntN(len(synthWords))], synthWords[rng.IntN(len(synthWords))])
				start := time.Now()
				a, err := b.Ask(ctx, bot.Question{Text: q}, nil)
				d := time.Since(start)
				l.mu.Lock()
				l.took = append(l.took, d)
				if err != nil {
					l.errs = append(l.errs, err)
				}
				l.mu.Unlock()
				if err == nil {
					l.answered.Add(1)
					if a.Grounded {
						l.grounded.Add(1)
					}
				}
			}
		})
	}
	return &wg
}

func (l *askLoad) report(t *testing.T, phase string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	slices.Sort(l.took)
	p := func(q int) time.Duration {
		if len(l.took) == 0 {
			return 0
		}
		return l.took[min(len(l.took)-1, q*len(l.took)/100)].Round(time.Millisecond)
	}
	locked := 0
	for _, err := range l.errs {
		if s := err.Error(); strings.Contains(s, "locked") || strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "busy") {
			locked++
		}
	}
	t.Logf("%s: %d questions answered (%d grounded), %d errors (%d locked/busy); latency p50 %v, p99 %v, max %v",
		phase, l.answered.Load(), l.grounded.Load(), len(l.errs), locked, p(50), p(99), p(100))
	for i, err := range l.errs {
		if i == 5 {
			t.Errorf("... and %d more errors", len(l.errs)-5)
			break
		}
		t.Errorf("%s: Ask: %v", phase, err)
	}
	if l.answered.Load() == 0 {
		t.Errorf("%s: no question answered while writing", phase)
	}
}

// TestAnswersDuringIngestAndPoll answers questions continuously while a
// large ingest writes to the same database file through another handle (as
// `newsbot ingest` beside a running `newsbot serve` does), then while a
// feed poll writes through the bot's own handle and another ingest through
// the other (two writers contending for the lock). No question and no
// write may fail, in particular with "database is locked" (SQLITE_BUSY).
func TestAnswersDuringIngestAndPoll(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests a few thousand articles; skipped with -short")
	}
	const (
		articles   = 2000
		feedsN     = 4
		feedItems  = 200
		askWorkers = 2
	)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "news.db")
	corpusFile := filepath.Join(dir, "synthetic.jsonl")
	const seed = 20260601
	writeSynthCorpus(t, corpusFile, "a", articles, seed)

	serve, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer serve.Close()
	// The corpus's first 50 articles, so questions find something from the
	// start (the ingest then counts them as duplicates).
	seedFile := filepath.Join(dir, "first.jsonl")
	writeSynthCorpus(t, seedFile, "a", 50, seed)
	if _, err := ingest.Paths(ctx, serve, []string{seedFile}, ingest.Options{AddedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	live, err := index.OpenLive(ctx, serve, index.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(retrieval.New(live, serve, retrieval.Options{}), nil, serve, bot.Options{})

	// Phase 1: a large ingest through a second handle.
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var load askLoad
	stop := make(chan struct{})
	wg := load.run(ctx, b, askWorkers, seed, stop)
	start := time.Now()
	rep, err := ingest.Paths(ctx, other, []string{corpusFile}, ingest.Options{AddedBy: "cli"})
	took := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil || rep.Failed != 0 || rep.Added+rep.Duplicates != articles {
		t.Fatalf("ingest = %s, %v; want %d articles handled, none failed", rep.Summary(), err, articles)
	}
	t.Logf("ingest of %d articles took %v (%s)", articles, took.Round(time.Millisecond), rep.Summary())
	load.report(t, "during ingest")
	st, err := serve.Stats(ctx, nil)
	if err != nil || st.Articles < articles {
		t.Errorf("Stats after ingest = %+v, %v; want at least %d articles", st, err, articles)
	}

	// Phase 2: a feed poll through the bot's own handle.
	rng := rand.New(rand.NewPCG(seed, 2))
	bodies := make([]string, feedsN)
	for f := range feedsN {
		bodies[f] = synthFeed(rng, f, feedItems)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var f int
		if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d", &f); err != nil || f < 0 || f >= feedsN {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, bodies[f])
	}))
	defer srv.Close()
	fetcher, err := web.New(web.Options{Allow: []string{"127.0.0.1"}, PerHostDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	poller := feeds.New(serve, fetcher, feeds.Options{Jitter: -1})
	for f := range feedsN {
		if _, err := poller.Add(ctx, fmt.Sprintf("%s/feed/%d", srv.URL, f), corpus.GlobalScope, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// Another ingest runs through the other handle meanwhile, so the two
	// writers contend for the write lock as two processes would.
	second := filepath.Join(dir, "second.jsonl")
	writeSynthCorpus(t, second, "b", 500, seed+3)
	var pollLoad askLoad
	stop = make(chan struct{})
	wg = pollLoad.run(ctx, b, askWorkers, seed+2, stop)
	ingested := make(chan error, 1)
	go func() {
		rep, err := ingest.Paths(ctx, other, []string{second}, ingest.Options{AddedBy: "cli"})
		if err == nil && rep.Added != 500 {
			err = fmt.Errorf("second ingest: %s; want 500 added", rep.Summary())
		}
		ingested <- err
	}()
	start = time.Now()
	results, err := poller.PollAll(ctx)
	took = time.Since(start)
	if err := <-ingested; err != nil {
		t.Errorf("ingest during the poll: %v", err)
	}
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	added := 0
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("poll %s: %v", r.Feed.URL, r.Err)
		}
		added += r.Added
	}
	t.Logf("poll of %d feeds (beside an ingest of 500) took %v, added %d articles", feedsN, took.Round(time.Millisecond), added)
	if added != feedsN*feedItems {
		t.Errorf("poll added %d articles; want %d", added, feedsN*feedItems)
	}
	pollLoad.report(t, "during feed poll")
}
