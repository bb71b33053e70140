package retrieval

import (
	"context"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval/index"
)

// memStore is the test corpus: the real in-memory index over articles kept
// in maps, which also hydrate the hits as the store does. It stands in for
// corpus/sqlite, which this package must not import.
type memStore struct {
	*index.Index
	articles map[int64]corpus.Article
	passages map[int64]corpus.Passage
	nextID   int64
}

var (
	_ Searcher = (*memStore)(nil)
	_ Hydrator = (*memStore)(nil)
)

// day is midnight UTC of a date.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// mustOpenMem returns an empty memStore.
func mustOpenMem(tb testing.TB) *memStore {
	tb.Helper()
	return &memStore{Index: index.New(index.Options{}), articles: map[int64]corpus.Article{}, passages: map[int64]corpus.Passage{}}
}

// add stores an article whose passages are the given texts and returns its id.
func (s *memStore) add(tb testing.TB, a corpus.Article, texts ...string) int64 {
	tb.Helper()
	s.nextID++
	a.ID = s.nextID * 1000
	if a.Scope == "" {
		a.Scope = corpus.GlobalScope
	}
	s.articles[a.ID] = a
	x := corpus.IndexedArticle{ArticleID: a.ID, Scope: a.Scope, PublishedAt: a.PublishedAt, TitleTerms: corpus.Terms(a.Title)}
	for i, text := range texts {
		p := corpus.Passage{ID: a.ID + int64(i) + 1, ArticleID: a.ID, Seq: i, Text: text}
		s.passages[p.ID] = p
		x.Passages = append(x.Passages, corpus.IndexedPassage{ID: p.ID, Terms: corpus.Terms(text)})
	}
	if err := s.Put(x); err != nil {
		tb.Fatal(err)
	}
	return a.ID
}

// fillerBriefs are unrelated one-sentence stories, so that the words a
// test asks about are rare in its corpus (BM25 gives words in most
// passages no weight).
var fillerBriefs = []string{
	"The city council approved a new budget for road repairs on Tuesday.",
	"Heavy rain closed two schools in the north of the county.",
	"The museum will reopen its east wing after a year of work.",
	"A local team won the regional football final on penalties.",
	"Train services were delayed by a signal fault near the station.",
	"The hospital opened a new children's ward with twenty beds.",
}

// addBriefs stores each text as a one-passage article "Brief A", "Brief
// B"... of source D, published on 20 Nov 2026.
func (s *memStore) addBriefs(tb testing.TB, texts ...string) {
	tb.Helper()
	for i, text := range texts {
		s.add(tb, corpus.Article{Title: "Brief " + string(rune('A'+i)), Source: "D", PublishedAt: day(2026, 11, 20)}, text)
	}
}

// Hydrate fills in hits from the maps, as corpus/sqlite.DB.Hydrate does.
func (s *memStore) Hydrate(ctx context.Context, hits []corpus.Hit) ([]corpus.Hit, error) {
	var out []corpus.Hit
	for _, h := range hits {
		p, ok := s.passages[h.Passage.ID]
		if !ok || p.ArticleID != h.Article.ID {
			continue
		}
		out = append(out, corpus.Hit{Passage: p, Article: s.articles[p.ArticleID], Score: h.Score})
	}
	return out, nil
}
