package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/follow"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/feeds"
	"github.com/newsbot/newsbot/corpus/postgres"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/index"
)

// store is the corpus store as the commands use it. openStore picks the
// backend (SQLite or PostgreSQL): the one place that names one. Each
// implements this and passes corpus/storetest.
type store interface {
	bot.Store
	feeds.Store
	index.Store
	retrieval.Hydrator
	console.ArticleFinder
	// AddBatch adds many articles in one transaction (bulk ingest).
	AddBatch(ctx context.Context, as []*corpus.Article) (errs []error, err error)
	// Analyzer and AddAnalysedBatch: AddBatch for a batch bulk ingest has
	// analysed with the store's analyzer, so that it writes its batches in
	// the order read (ingest.AnalysedBatchAdder).
	Analyzer() *corpus.Analyzer
	AddAnalysedBatch(ctx context.Context, as []*corpus.Article, terms []corpus.StoredTerms) (errs []error, err error)
	// Update replaces an article's content in place.
	Update(ctx context.Context, a *corpus.Article) error
	// Scopes lists every scope that holds an article.
	Scopes(ctx context.Context) ([]string, error)
	// Rechunk splits stored articles again by the current passage rules.
	Rechunk(ctx context.Context, progress func(done, total int)) (corpus.RechunkStats, error)
	vectorStore
	storyStore
	// The follows of /follow: the commands' side and the worker's.
	bot.FollowStore
	follow.Store
	// StoryArticles lists a story's articles in scopes, earliest first.
	StoryArticles(ctx context.Context, storyID int64, scopes []string) ([]corpus.Article, error)
	// LatestStories lists the newest stories in some scopes.
	LatestStories(ctx context.Context, q corpus.LatestQuery) ([]corpus.StoryHead, error)
	// Ping checks that the store is reachable, for the health check.
	Ping(ctx context.Context) error
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

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
	// The frontends post follow updates.
	_ follow.Poster = (*discord.Frontend)(nil)
	_ follow.Poster = (*console.Console)(nil)
)

// openStore opens the database named by the configuration: a PostgreSQL
// server when NEWSBOT_DB (or -db) is a postgres:// or postgresql:// URL,
// else the SQLite file at that path. Errors name the database without its
// password.
func openStore(ctx context.Context, e *env) (store, error) {
	if isPostgres(e.cfg.DB) {
		db, err := postgres.Open(ctx, e.cfg.DB)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", e.cfg.dbName(), err)
		}
		db.Logger = e.log
		return db, nil
	}
	if looksLikeKeyValueDSN(e.cfg.DB) {
		// Taken as a file name, "host=... password=..." would become a
		// SQLite file named after the password.
		return nil, errors.New("open database: NEWSBOT_DB (or -db) looks like PostgreSQL key=value settings; give a postgres://user:password@host:port/dbname URL, or a file path for SQLite")
	}
	if dir := filepath.Dir(e.cfg.DB); dir != "" {
		// SQLite says only "unable to open database file (14)" when the
		// folder is missing; it creates the file but not its folder.
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open database %s: folder %s does not exist (create it, or give another path with -db or NEWSBOT_DB)", e.cfg.DB, dir)
		}
	}
	db, err := sqlite.Open(ctx, e.cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", e.cfg.DB, err)
	}
	return db, nil
}

// changeListener is a store that wakes its readers when another process
// changes the corpus (postgres.DB: LISTEN/NOTIFY). The change log stays
// the truth: a wake-up only makes the index catch up now rather than at
// the next poll.
type changeListener interface {
	Listen(ctx context.Context, fn func(seq int64)) error
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
	snap := e.cfg.indexSnapshot()
	if snap != "" {
		// The default of a PostgreSQL database is in a cache directory
		// that may not exist yet; without it there is no snapshot.
		if err := os.MkdirAll(filepath.Dir(snap), 0o700); err != nil {
			e.log.Warn("index snapshot directory not created; no snapshot", "err", err)
			snap = ""
		}
	}
	return &corpusIndex{st: st, opt: index.LiveOptions{Snapshot: snap, Logger: e.log}}
}

// open opens the index (once) and returns it.
func (c *corpusIndex) open(ctx context.Context) (*index.Live, error) {
	c.once.Do(func() {
		defer lowMemoryBuild()()
		c.live, c.err = index.OpenLive(ctx, c.st, c.opt)
		if c.err != nil {
			c.err = fmt.Errorf("open index: %w", c.err)
			return
		}
		c.opened.Store(c.live)
	})
	return c.live, c.err
}

// buildGCPercent is the garbage collector's target while the index opens:
// a build without a snapshot makes its postings in pieces and packs them
// at the end, and at Go's default (100) the heap grew to twice what was
// live: 1.84 GB peak resident for 1.39M passages, 1.46 GB at 25 (9% more
// CPU), under the 1.5 GB a server of a million passages may use. Opening
// a snapshot allocates little, so it costs nothing there.
const buildGCPercent = 25

// lowMemoryBuild sets buildGCPercent unless the operator tuned the
// collector (GOGC or GOMEMLIMIT), and returns the function that restores
// the setting and gives the build's garbage back to the system, so a
// server that built its index does not keep the peak resident.
func lowMemoryBuild() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	debug.SetGCPercent(buildGCPercent)
	return func() {
		// Go's default, which the unset GOGC means, rather than the value
		// found: two indexes opening at once (tests) would otherwise leave
		// the second's setting behind.
		debug.SetGCPercent(100)
		debug.FreeOSMemory()
	}
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
// Beside it the story grouper groups the articles the index takes in
// (and, at start, any from before grouping).
func serveIndex(ctx context.Context, e *env, st store) (_ *corpusIndex, stop func(), err error) {
	idx := newCorpusIndex(e, st)
	live, err := idx.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { live.Follow(ctx, followInterval, snapshotEvery) })
	wg.Go(func() { newStoryGrouper(st, idx, e.log).Follow(ctx, live, followInterval) })
	if l, ok := st.(changeListener); ok {
		// Polling goes on beside it: a lost notification waits one tick.
		wg.Go(func() {
			_ = l.Listen(ctx, func(seq int64) { // returns when ctx ends
				if seq <= live.Seq() {
					return
				}
				if err := live.Refresh(ctx); err != nil && ctx.Err() == nil {
					e.log.WarnContext(ctx, "index catch-up on notification failed", "err", err)
				}
			})
		})
	}
	return idx, func() { cancel(); wg.Wait() }, nil
}

// Seq is how far the index has applied the change log (0 before it is
// open): the follow worker considers no change retrieval has not seen.
func (c *corpusIndex) Seq() int64 {
	live := c.opened.Load()
	if live == nil {
		return 0
	}
	return live.Seq()
}

// startFollowing runs the follow worker of one frontend (post prints or
// sends its updates) until ctx ends; the returned function waits for it.
// Every serving process runs one: the store's claims make each update
// made and sent once however many run.
func startFollowing(ctx context.Context, e *env, db store, b *bot.Bot, idx *corpusIndex, frontend string, post follow.Poster) (wait func()) {
	tick := min(follow.DefaultTick, e.cfg.FollowInterval)
	w := follow.New(db, b, post, idx, follow.Options{Frontend: frontend, Interval: e.cfg.FollowInterval, Tick: tick, Logger: e.log})
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return func() { <-done }
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
