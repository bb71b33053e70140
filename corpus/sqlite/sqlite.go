// Package sqlite is newsbot's embedded article store: one SQLite file
// (modernc.org/sqlite, pure Go) holding articles, their passages with
// their analysed terms, feeds, the audit trail and a change log. Search
// does not run here: the in-memory index (retrieval/index) is built from
// the stored terms and follows the change log (changes.go).
//
// Concurrency: a DB keeps two connection pools on the same file. Every write
// goes through a single writer connection whose transactions begin with
// BEGIN IMMEDIATE, so writers queue inside this process instead of failing
// with "database is locked", and a write transaction never has to upgrade a
// read lock (the upgrade is what fails immediately under WAL). Reads go
// through a small pool of query-only connections; in WAL mode they never wait
// for the writer and always see the last committed state. busy_timeout covers
// the remaining waits (another process writing, checkpoints).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/newsbot/newsbot/corpus"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

const (
	// busyTimeout is how long a statement waits for a lock held by another
	// connection (another process, a checkpoint) before failing: long enough
	// to ride out a bulk ingest's commit, short enough to surface a stuck
	// writer. Without it, `newsbot ingest` beside a running bot fails
	// writes with "database is locked" at once (readers never wait in WAL);
	// TestAnswersDuringIngestAndPoll in cmd/newsbot shows both.
	busyTimeout = 10 * time.Second
	// maxReaders bounds the read pool: searches take milliseconds, so a few
	// connections serve concurrent questions while each idle one costs a
	// page cache. A burst of questions queues for a connection (bounded by
	// each question's context) rather than opening one per question.
	maxReaders = 4
	// writerConns is one: in-process writers queue for the connection
	// instead of contending for SQLite's write lock.
	writerConns = 1
	// mmapSize lets readers use the OS page cache directly instead of
	// copying pages into a private cache per connection. Search no longer
	// runs here (a question reads a few passages by id), and every page a
	// process touches through the map counts in its resident memory, so
	// the map is kept small: 64 MiB holds the hot indexes.
	mmapSize = 64 << 20
	// pageSize is the page size of a new database file. Bulk ingest is
	// bound by the single writer, and most of its time went into writing
	// pages (to the WAL at each commit, then back to the database at each
	// checkpoint) one system call per page: 16 KiB pages instead of
	// SQLite's default 4 KiB cut the commit time of a 50,000-article
	// ingest from 2.9 to about 1.8 CPU-s (docs/BENCHMARKS.md). Rows of 1-3 KiB
	// (a body, a passage's terms) also fill bigger pages better. Larger
	// pages measured a little faster still, but every small transaction
	// (a feed item, a moderator's add) writes each page it touches whole.
	pageSize = 16 << 10
	// walCheckpointPages is the WAL size, in pages, at which a commit of
	// the writer copies the WAL back into the database (SQLite's default
	// is 1,000). A bulk ingest's batch of 500 articles (2,000 since)
	// dirties hundreds of pages of each index keyed at random (URL, hash,
	// title, date): with
	// a 16 MiB WAL every commit was followed by a checkpoint that copied
	// all of them back, 7.4 of the writer's 26.6 CPU-s over 200,000
	// articles. At 8,192 pages (128 MiB with pageSize, 32 MiB in a 4 KiB
	// database) a page written by several commits is copied back once:
	// 3.1 CPU-s. The checkpoint still runs on the writer's connection,
	// after its commit is visible, so readers see commits as soon as
	// before; the cost is disk space for the WAL file and a longer
	// recovery read of it after a crash.
	walCheckpointPages = 8192
	// readerCacheKiB is the page cache of each read connection: a
	// question reads its passages by id, each a walk down three B-trees
	// (passages, articles, bodies). At a million passages their interior
	// pages are about 16 MiB and the map above covers the first 64 MiB of
	// the file only; with SQLite's default 2 MiB cache every walk read
	// them again, a system call each: 7% of a question's CPU at 1.39M
	// passages, and 75 reads a question where 16 MiB leaves 49.
	readerCacheKiB = 16 << 10
	// writerCacheKiB is the page cache of the writer: the inserts of bulk
	// ingest probe the URL and hash indexes for every article, and they
	// stay in memory.
	writerCacheKiB = 64 << 10
)

// DB is a SQLite article store. It is safe for concurrent use.
type DB struct {
	// Now returns the current time; Add stamps AddedAt with it. Open sets it
	// to time.Now; tests replace it to get fixed times.
	Now func() time.Time

	write *sql.DB // one connection, BEGIN IMMEDIATE transactions
	read  *sql.DB // query-only connections

	// Statements Add runs for every article, prepared once on the writer
	// connection and bound to each transaction with Tx.StmtContext, which
	// reuses them since the writer has a single connection.
	addStmts addStmts

	// hydrateStmts are Hydrate's statements by the number of passages,
	// prepared once: parsing the query was a fifth of a Hydrate.
	hydrateStmts stmtCache

	// an analyses the text of added articles; its stem cache is what makes
	// bulk ingest fast.
	an corpus.Analyzer
}

// Open opens (creating if needed) the database file at path, switches it to
// WAL, and applies any pending migrations. The directory must exist.
func Open(ctx context.Context, path string) (_ *DB, err error) {
	// No wrap naming the path: the caller names the database it opens,
	// and a user should not read it twice or read a function's name.
	if path == "" || strings.Contains(path, "?") || strings.HasPrefix(path, "file:") {
		// The driver reads everything after '?' as its options, and a
		// "file:" URI would need escaping: accept plain paths only.
		return nil, errors.New("path must be a plain file name without '?'")
	}
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=mmap_size(%d)",
		busyTimeout.Milliseconds(), mmapSize)

	db := &DB{Now: time.Now}
	// No journal_mode in the DSN: the driver runs DSN pragmas sorted by
	// name, so journal_mode would run before page_size and fix a new
	// file's page size at the default. Both are set below, in order.
	db.write, err = sql.Open("sqlite", fmt.Sprintf("%s?_txlock=immediate&_pragma=cache_size(%d)&_pragma=wal_autocheckpoint(%d)&%s",
		path, -writerCacheKiB, walCheckpointPages, common))
	if err != nil {
		return nil, err
	}
	db.write.SetMaxOpenConns(writerConns)
	db.write.SetMaxIdleConns(writerConns)
	db.write.SetConnMaxIdleTime(0)
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	// page_size only takes effect on a new, empty file (an existing
	// database keeps its own; see docs/UPGRADING.md), and must come before
	// WAL mode, which writes the header. WAL is then recorded in the file,
	// so the read connections opened below find it.
	for _, pragma := range []string{fmt.Sprintf(`PRAGMA page_size = %d`, pageSize), `PRAGMA journal_mode = WAL`} {
		if _, err := db.write.ExecContext(ctx, pragma); err != nil {
			return nil, fmt.Errorf("%s: %w", pragma, err)
		}
	}
	if err := db.migrate(ctx); err != nil {
		return nil, err
	}
	if err := db.addStmts.prepare(ctx, db.write); err != nil {
		return nil, err
	}
	if err := db.backfillTerms(ctx); err != nil {
		return nil, err
	}

	db.read, err = sql.Open("sqlite", fmt.Sprintf("%s?_query_only=1&_pragma=cache_size(%d)&%s", path, -readerCacheKiB, common))
	if err != nil {
		return nil, err
	}
	db.read.SetMaxOpenConns(maxReaders)
	db.read.SetMaxIdleConns(maxReaders)
	if err := db.read.PingContext(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// Close releases the connections. The database stays consistent on disk
// whether or not Close is called.
func (db *DB) Close() error {
	var errs []error
	errs = append(errs, db.addStmts.close(), db.hydrateStmts.close())
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		// Let SQLite refresh its planner statistics if the workload
		// suggests it; cheap, and a failure here is harmless.
		_, _ = db.write.Exec(`PRAGMA optimize`)
		errs = append(errs, db.write.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite.Close: %w", err)
	}
	return nil
}

// migrate applies the embedded migrations that the database has not seen,
// each in its own transaction. PRAGMA user_version counts the applied files;
// it is read inside the write transaction so two processes opening a new
// file at once do not both apply a migration.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	for {
		done, err := db.migrateOne(ctx, names)
		if err != nil || done {
			return err
		}
	}
}

func (db *DB) migrateOne(ctx context.Context, names []string) (done bool, err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return false, err
	}
	switch {
	case version > len(names):
		return false, fmt.Errorf("database schema version %d is newer than this program knows (%d)", version, len(names))
	case version == len(names):
		return true, nil
	}
	name := names[version]
	script, err := migrations.ReadFile(name)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, string(script)); err != nil {
		return false, fmt.Errorf("migration %s: %w", name, err)
	}
	// PRAGMA takes no bound parameters; version is an int.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, version+1)); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

// wrap prefixes a non-nil *errp with the operation, for one deferred line
// per exported method.
func wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf(format+": %w", append(args, *errp)...)
	}
}

// unixOrNull stores a time as unix seconds, and the zero time as NULL.
func unixOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// timeOrZero is the inverse of unixOrNull, in UTC.
func timeOrZero(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(n.Int64, 0).UTC()
}

// scopeArgs returns "?, ?, ..." for the scopes to search (GlobalScope when
// none are given) and the scopes as arguments.
func scopeArgs(scopes []string) (string, []any) {
	scopes = corpus.ScopesOrGlobal(scopes)
	args := make([]any, len(scopes))
	for i, s := range scopes {
		args[i] = s
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(scopes)), ", "), args
}

// collect reads every row of rows with scan, closing rows: the one loop of
// the queries that list feeds, follows or ids.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanID reads a row of one integer column (an id).
func scanID(s scanner) (int64, error) {
	var id int64
	err := s.Scan(&id)
	return id, err
}
