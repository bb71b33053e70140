package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// synth generates articles of Zipf-distributed pseudo-words (as
// corpus/sqlite's benchmarks do), so term frequencies look like news
// text: a few very common words, a long tail.
type synth struct {
	zipf  *rand.Zipf
	vocab []string
	n     int
}

func newSynth() *synth {
	rng := rand.New(rand.NewPCG(1, 2))
	s := &synth{zipf: rand.NewZipf(rng, 1.1, 1, 19999)}
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

// article returns a new article of about 300 words in one passage, the
// size corpus.Chunk makes of a typical news story.
func (s *synth) article() *corpus.Article {
	s.n++
	body := s.words(300)
	return &corpus.Article{
		Title:       fmt.Sprintf("%s %d", s.words(6), s.n),
		URL:         fmt.Sprintf("https://example.com/%d", s.n),
		Scope:       corpus.GlobalScope,
		PublishedAt: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.n) * time.Minute),
		Body:        body,
		Hash:        corpus.ContentHash(body),
		Passages:    []corpus.Passage{{Seq: 0, Text: body}},
	}
}

// BenchmarkAddBatch adds articles 500 to a transaction, as bulk ingest
// does (analysis included), and reports passages per second.
func BenchmarkAddBatch(b *testing.B) {
	ctx := context.Background()
	db := MustOpen(b)
	s := newSynth()
	const batch = 500
	passages := 0
	for b.Loop() {
		b.StopTimer()
		as := make([]*corpus.Article, batch)
		for i := range as {
			as[i] = s.article()
			passages += len(as[i].Passages)
		}
		b.StartTimer()
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
	b.ReportMetric(float64(passages)/b.Elapsed().Seconds(), "passages/s")
}

// BenchmarkAdd adds one article per transaction, as a feed poll or a
// moderator does.
func BenchmarkAdd(b *testing.B) {
	ctx := context.Background()
	db := MustOpen(b)
	s := newSynth()
	for b.Loop() {
		b.StopTimer()
		a := s.article()
		b.StartTimer()
		if err := db.Add(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}
