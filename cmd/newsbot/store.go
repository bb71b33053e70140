package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/feeds"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/index"
)

// store is the corpus store as the commands use it. openStore picks the
// backend: the one place that names one, so a second backend (PostgreSQL)
// drops in by implementing this and passing corpus/storetest.
type store interface {
	bot.Store
	feeds.Store
	index.Store
	retrieval.Hydrator
	console.ArticleFinder
	// AddBatch adds many articles in one transaction (bulk ingest).
	AddBatch(ctx context.Context, as []*corpus.Article) (errs []error, err error)
	// Update replaces an article's content in place.
	Update(ctx context.Context, a *corpus.Article) error
	// Scopes lists every scope that holds an article.
	Scopes(ctx context.Context) ([]string, error)
	// Rechunk splits stored articles again by the current passage rules.
	Rechunk(ctx context.Context, progress func(done, total int)) (corpus.RechunkStats, error)
	vectorStore
	Close() error
}

// vectorStore is the store's side of hybrid retrieval (embed.go): the
// backfill's writes and reads, and the rows the vector index loads.
type vectorStore interface {
	index.VectorReader
	SaveVectors(ctx context.Context, model string, vecs map[int64][]float32) error
	PassagesWithoutVectors(ctx context.Context, model string, afterID int64, limit int) ([]corpus.PassageText, error)
	CountPassagesWithoutVectors(ctx context.Context, model string, afterID int64) (int, error)
	MaxPassageID(ctx context.Context) (int64, error)
}

var _ store = (*sqlite.DB)(nil)

// openStore opens the database named by the configuration.
func openStore(ctx context.Context, e *env) (store, error) {
	db, err := sqlite.Open(ctx, e.cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", e.cfg.DB, err)
	}
	return db, nil
}

// Index upkeep: how often a serving process reads the change log (what a
// CLI ingest adds is searchable about this much later), and after how many
// applied changes it writes a new snapshot in the background.
const (
	followInterval = 500 * time.Millisecond
	snapshotEvery  = 10_000
)

// corpusIndex is the in-memory index of a store, opened when first
// searched (or by open), so that commands which never search (remove,
// latest) never build it. It is the retriever's Searcher.
type corpusIndex struct {
	st  store
	opt index.LiveOptions

	once   sync.Once
	live   *index.Live
	err    error
	opened atomic.Pointer[index.Live] // live, once open: DocFreq may run on any goroutine
}

// newCorpusIndex returns the index of st with the snapshot file the
// configuration names.
func newCorpusIndex(e *env, st store) *corpusIndex {
	return &corpusIndex{st: st, opt: index.LiveOptions{Snapshot: e.cfg.indexSnapshot(), Logger: e.log}}
}

// open opens the index (once) and returns it.
func (c *corpusIndex) open(ctx context.Context) (*index.Live, error) {
	c.once.Do(func() {
		c.live, c.err = index.OpenLive(ctx, c.st, c.opt)
		if c.err != nil {
			c.err = fmt.Errorf("open index: %w", c.err)
			return
		}
		c.opened.Store(c.live)
	})
	return c.live, c.err
}

// Search opens the index if need be and searches it.
func (c *corpusIndex) Search(ctx context.Context, q corpus.SearchQuery) ([]corpus.Hit, error) {
	live, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	return live.Search(ctx, q)
}

// DocFreq is the index's; Search has opened it (no terms are counted
// before a search), so an index that failed to open counts nothing.
func (c *corpusIndex) DocFreq(terms []string) (map[string]int, int) {
	live := c.opened.Load()
	if live == nil {
		return map[string]int{}, 0
	}
	return live.DocFreq(terms)
}

// serveIndex opens the index of a serving process (chat, serve) at start,
// not at the first question, and keeps it current with the change log
// until stop is called; stop also writes the snapshot if it is behind.
func serveIndex(ctx context.Context, e *env, st store) (_ *corpusIndex, stop func(), err error) {
	idx := newCorpusIndex(e, st)
	live, err := idx.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		live.Follow(ctx, followInterval, snapshotEvery)
	}()
	return idx, func() { cancel(); <-done }, nil
}

// saveIfStale writes the snapshot after a one-shot command that opened
// the index and found the snapshot missing or behind, so the next start is
// fast. A failure is only logged: the answer was given.
func (c *corpusIndex) saveIfStale(e *env) {
	live := c.opened.Load()
	if live == nil || !live.Stale() {
		return
	}
	if err := live.Save(); err != nil {
		e.log.Warn("index snapshot not written", "err", err)
	}
}
