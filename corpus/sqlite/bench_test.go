package sqlite

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// synth generates articles of Zipf-distributed pseudo-words, so term
// frequencies look like news text: a few very common words, a long tail.
type synth struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
	n     int
}

func newSynth() *synth {
	rng := rand.New(rand.NewPCG(1, 2))
	s := &synth{rng: rng, zipf: rand.NewZipf(rng, 1.1, 1, 19999)}
	for i := range 20000 {
		s.vocab = append(s.vocab, fmt.Sprintf("w%sx%d", strings.Repeat("a", i%5), i))
	}
	return s
}

func (s *synth) words(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = s.vocab[s.zipf.Uint64()]
	}
	return strings.Join(ws, " ")
}

// article returns a new article with two passages of about 100 words: the
// Reuters average length, cut finer than corpus.Chunk (~300 words) would,
// so the store work per article is, if anything, overstated.
func (s *synth) article() *corpus.Article {
	s.n++
	a := article(fmt.Sprintf("%s %d", s.words(6), s.n), corpus.GlobalScope,
		time.Date(1987, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.n)*time.Minute),
		s.words(100), s.words(100))
	a.URL = fmt.Sprintf("https://example.com/%d", s.n)
	return a
}

func BenchmarkAdd(b *testing.B) {
	ctx := context.Background()
	db := MustOpen(b)
	s := newSynth()
	for b.Loop() {
		if err := db.Add(ctx, s.article()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkAddBatch adds articles 500 to a transaction, as bulk ingest
// does.
func BenchmarkAddBatch(b *testing.B) {
	ctx := context.Background()
	db := MustOpen(b)
	s := newSynth()
	const batch = 500
	for b.Loop() {
		as := make([]*corpus.Article, batch)
		for i := range as {
			as[i] = s.article()
		}
		errs, err := db.AddBatch(ctx, as)
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkReutersIngest adds the Reuters-21578 collection (19,043 articles)
// from ../shared/data, with a naive 100-word chunker standing in for
// corpus.Chunk (finer than its ~300 words: more passages per article). It reports articles per second of Add alone.
func BenchmarkReutersIngest(b *testing.B) {
	const path = "../../../shared/data/reuters-21578/reuters21578.jsonl.gz"
	f, err := os.Open(path)
	if err != nil {
		b.Skipf("Reuters data not available (%v)", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var articles []*corpus.Article
	sc := bufio.NewScanner(gz)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct{ ID, Title, Date, Body string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			b.Fatal(err)
		}
		published, _ := time.Parse("2006-01-02T15:04:05", r.Date)
		words := strings.Fields(r.Body)
		var texts []string
		for len(words) > 0 {
			n := min(len(words), 100)
			texts = append(texts, strings.Join(words[:n], " "))
			words = words[n:]
		}
		a := article(r.Title, corpus.GlobalScope, published, texts...)
		a.Hash = r.ID
		articles = append(articles, a)
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db := MustOpen(b)
		for _, a := range articles {
			a.ID = 0
		}
		b.StartTimer()
		for _, a := range articles {
			if err := db.Add(ctx, a); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(articles))/b.Elapsed().Seconds(), "articles/s")
}
