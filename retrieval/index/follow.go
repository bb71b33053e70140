package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// Source is the store as the index reads it: the articles' analysed terms
// and the change log (corpus/sqlite.DB is one).
type Source interface {
	// LastSeq returns the newest change-log sequence number.
	LastSeq(ctx context.Context) (int64, error)
	// Changes returns up to limit changes after seq, in order.
	Changes(ctx context.Context, after int64, limit int) ([]corpus.Change, error)
	// IndexedArticles returns the terms of the given articles that exist.
	IndexedArticles(ctx context.Context, ids []int64) ([]corpus.IndexedArticle, error)
}

// Scanner pages through every stored article, for a full build.
type Scanner interface {
	ScanIndexed(ctx context.Context, after int64, limit int) ([]corpus.IndexedArticle, error)
}

// Store is what Open reads: a Source that can also be scanned whole.
type Store interface {
	Source
	Scanner
}

// Page sizes of reading the store: big enough that a query's overhead is
// small against its rows, small enough to keep a page's memory modest.
const (
	scanPage   = 1000 // articles per page of a full build
	changePage = 1000 // change-log entries per catch-up page
)

// changeMark is the fingerprint of a change-log entry the index keeps with
// its position: a store rebuilt, replaced or restored from a backup gives
// the same sequence number to another change, which the mark tells apart.
func changeMark(c corpus.Change) string {
	return fmt.Sprintf("%d %d %s %d", c.Seq, c.ArticleID, c.Op, c.At.UnixNano())
}

// position returns the store's last change-log sequence and its mark.
func position(ctx context.Context, src Source) (int64, string, error) {
	seq, err := src.LastSeq(ctx)
	if err != nil || seq == 0 {
		return seq, "", err
	}
	mark, err := markAt(ctx, src, seq)
	return seq, mark, err
}

// markAt returns the mark of the change at seq in src, "" if there is none.
func markAt(ctx context.Context, src Source, seq int64) (string, error) {
	cs, err := src.Changes(ctx, seq-1, 1)
	if err != nil || len(cs) == 0 || cs[0].Seq != seq {
		return "", err
	}
	return changeMark(cs[0]), nil
}

// CatchUp applies the change log after x.Seq() to x and returns how many
// changes it applied. Each page of changes is applied as the current state
// of the articles it names: an article the store still holds is put (its
// latest version), one it no longer holds is removed. x.Seq() advances
// page by page, so an error leaves x consistent up to the last page
// applied.
func CatchUp(ctx context.Context, x *Index, src Source) (int, error) {
	applied := 0
	for {
		changes, err := src.Changes(ctx, x.Seq(), changePage)
		if err != nil {
			return applied, fmt.Errorf("catch up index: %w", err)
		}
		if len(changes) == 0 {
			return applied, nil
		}
		var ids []int64
		seen := make(map[int64]bool, len(changes))
		for _, c := range changes {
			if !seen[c.ArticleID] {
				seen[c.ArticleID] = true
				ids = append(ids, c.ArticleID)
			}
		}
		current, err := src.IndexedArticles(ctx, ids)
		if err != nil {
			return applied, fmt.Errorf("catch up index: %w", err)
		}
		for _, a := range current {
			delete(seen, a.ArticleID)
		}
		for id := range seen {
			x.Remove(id)
		}
		if err := x.PutBatch(current); err != nil {
			return applied, fmt.Errorf("catch up index: %w", err)
		}
		last := changes[len(changes)-1]
		x.SetSeq(last.Seq, changeMark(last))
		applied += len(changes)
	}
}

// Live is an index kept current with a store: opened from its snapshot
// file when one is usable, else built from the store; then following the
// change log (Follow) and saving a new snapshot now and then.
type Live struct {
	*Index
	st   Store
	path string // snapshot file; "" for none
	log  *slog.Logger

	catchMu sync.Mutex   // one catch-up at a time, so Seq only moves forward
	saveMu  sync.Mutex   // one snapshot write at a time
	saving  atomic.Bool  // a snapshot is being written: it holds the writers' lock
	savedAt atomic.Int64 // Seq of the last snapshot written or read
}

// LiveOptions configure OpenLive.
type LiveOptions struct {
	Options
	// Snapshot is the snapshot file; empty means no snapshot (the index
	// is built from the store at every start).
	Snapshot string
	Logger   *slog.Logger // nil discards
}

// OpenLive returns the index of st: read from opt.Snapshot and caught up
// with the change log when the file is usable; built from the store (and
// the snapshot written) when it is missing, damaged, of another version or
// ahead of the store (a database restored from a backup, or replaced).
func OpenLive(ctx context.Context, st Store, opt LiveOptions) (*Live, error) {
	l := &Live{st: st, path: opt.Snapshot, log: opt.Logger}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.removeTemps()
	start := time.Now()
	if x, err := l.load(ctx, opt.Options); err == nil {
		l.Index = x
		l.savedAt.Store(x.Seq())
		n, err := CatchUp(ctx, x, st) // before anyone else can see x
		if err != nil {
			return nil, err
		}
		l.log.InfoContext(ctx, "index loaded", "snapshot", l.path, "passages", x.Len(), "caught_up", n, "seq", x.Seq(), "took", time.Since(start).Round(time.Millisecond))
		return l, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		l.log.WarnContext(ctx, "index snapshot not usable, rebuilding from the store", "snapshot", l.path, "err", err)
	}
	x, err := Build(ctx, st, opt.Options)
	if err != nil {
		return nil, err
	}
	l.Index = x
	l.log.InfoContext(ctx, "index built", "passages", x.Len(), "seq", x.Seq(), "took", time.Since(start).Round(time.Millisecond))
	return l, nil
}

// staleTemp is how long a snapshot's temporary file must have gone
// unwritten before removeTemps takes it for a crashed write's: a write
// in progress (another process over the same database and snapshot path)
// writes it continuously for a few seconds at most.
const staleTemp = 10 * time.Minute

// removeTemps deletes the temporary files of snapshot writes that a crash
// or a kill interrupted: each is as big as the index. One written to in
// the last staleTemp may be another process's write under way, and stays.
func (l *Live) removeTemps() {
	if l.path == "" {
		return
	}
	temps, _ := filepath.Glob(l.path + ".tmp*")
	for _, t := range temps {
		if fi, err := os.Stat(t); err != nil || time.Since(fi.ModTime()) < staleTemp {
			continue
		}
		if err := os.Remove(t); err != nil {
			l.log.Warn("leftover index snapshot not removed", "file", t, "err", err)
		}
	}
}

// load opens the snapshot and checks it against the store; an index it
// rejects is released (unmapped) before anyone else sees it.
func (l *Live) load(ctx context.Context, opt Options) (_ *Index, err error) {
	if l.path == "" {
		return nil, fs.ErrNotExist
	}
	x, release, err := openSnapshot(ctx, l.path, opt)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	last, err := l.st.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	if x.Seq() > last {
		return nil, fmt.Errorf("snapshot at change %d is ahead of the store's %d: %w", x.Seq(), last, ErrSnapshot)
	}
	if x.Seq() > 0 {
		mark, err := markAt(ctx, l.st, x.Seq())
		if err != nil {
			return nil, err
		}
		if mark != x.Mark() {
			return nil, fmt.Errorf("snapshot taken of another database (or an earlier state of this one): change %d differs: %w", x.Seq(), ErrSnapshot)
		}
	}
	return x, nil
}

// Search catches up with the change log, then searches: whatever was
// committed before the question, by this process or another (a CLI
// ingest), is found. Catching up when nothing changed is one indexed read
// of the log. If it fails the question is answered from the index as it
// is, and the failure logged.
func (l *Live) Search(ctx context.Context, q Query) ([]corpus.Hit, error) {
	if l.saving.Load() {
		// Writing a snapshot holds the index's writers' lock for up to a
		// second or two on a big index; the question does not wait for it
		// and is answered from the index as it is (the follower applies
		// the changes right after).
		return l.Index.Search(ctx, q)
	}
	if err := l.Refresh(ctx); err != nil && ctx.Err() == nil {
		l.log.WarnContext(ctx, "index catch-up failed; searching the index as it is", "err", err)
	}
	return l.Index.Search(ctx, q)
}

// Refresh applies the changes logged since the index last caught up.
func (l *Live) Refresh(ctx context.Context) error {
	l.catchMu.Lock()
	defer l.catchMu.Unlock()
	_, err := CatchUp(ctx, l.Index, l.st)
	return err
}

// Follow applies the change log every interval until ctx ends. Search
// catches up by itself; following keeps that catch-up small (a bulk
// ingest by another process is applied in the background, not by the
// next question) and the snapshot current. Errors are logged and retried
// at the next tick.
// Every saveEvery changes it writes a new snapshot, and a last one when
// ctx ends if anything changed.
func (l *Live) Follow(ctx context.Context, interval time.Duration, saveEvery int64) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var saving sync.WaitGroup // a background Save still writing
	defer saving.Wait()
	for {
		select {
		case <-ctx.Done():
			saving.Wait()
			if l.Stale() {
				if err := l.Save(); err != nil {
					l.log.Warn("index snapshot not written", "err", err)
				}
			}
			return
		case <-t.C:
		}
		if err := l.Refresh(ctx); err != nil && ctx.Err() == nil {
			l.log.WarnContext(ctx, "index catch-up failed; retrying", "err", err)
		}
		if l.path != "" && saveEvery > 0 && l.Seq()-l.savedAt.Load() >= saveEvery && l.saveMu.TryLock() {
			// In the background: the next catch-up waits only for the
			// snapshot's read of the index, not for the disk.
			l.saveMu.Unlock()
			saving.Go(func() {
				if err := l.Save(); err != nil {
					l.log.Warn("index snapshot not written", "err", err)
				}
			})
		}
	}
}

// Stale reports whether the snapshot on disk is behind the index (or there
// is none), so a one-shot command knows whether writing one pays.
func (l *Live) Stale() bool { return l.path != "" && l.Seq() != l.savedAt.Load() }

// Save writes the snapshot file: to a temporary file beside it, synced,
// then renamed over it, so a crash leaves the old snapshot or the new one,
// never half of one. Without a snapshot path it does nothing.
func (l *Live) Save() (err error) {
	if l.path == "" {
		return nil
	}
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	l.saving.Store(true)
	defer l.saving.Store(false)
	tmp, err := os.CreateTemp(filepath.Dir(l.path), filepath.Base(l.path)+".tmp*") // see removeTemps
	if err != nil {
		return fmt.Errorf("write index snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	seq := l.Seq() // the snapshot holds at least this much
	if err := l.WriteSnapshot(tmp); err != nil {
		return fmt.Errorf("write index snapshot: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write index snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write index snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		return fmt.Errorf("write index snapshot: %w", err)
	}
	l.savedAt.Store(seq)
	return nil
}
