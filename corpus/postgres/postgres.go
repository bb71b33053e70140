// Package postgres is newsbot's shared article store: one PostgreSQL
// database (through pgx) that several bot processes use at once. It keeps
// the same records as corpus/sqlite (articles, their passages with their
// analysed terms, feeds, the audit trail, passage vectors and a change
// log) with the same rules, and passes the same contract
// (corpus/storetest). Search does not run here: each process builds its
// in-memory index (retrieval/index) from the stored terms and follows the
// change log, woken by LISTEN/NOTIFY (Listen).
//
// Concurrency: unlike SQLite, several writers run at once, in this process
// and in others. Three things keep the SQLite store's guarantees:
//   - the change log and the vectors are appended under transaction-scoped
//     advisory locks taken just before the append and held to the commit,
//     so their sequence numbers grow in commit order (changes.go);
//   - duplicates are checked before the insert, and the unique indexes on
//     (url, scope) and (hash, scope) catch a concurrent writer's copy; a
//     transaction that hits one (or a deadlock) is retried, and the retry's
//     check reports the duplicate;
//   - reads that span several statements (an article and its passages) run
//     in one REPEATABLE READ transaction, so they see one state.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsbot/newsbot/corpus"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock keys, fixed for every newsbot database (advisory locks are
// per database, so two newsbot databases on one server never share one).
// The values are arbitrary; they only must differ from each other.
const (
	// migrateLockKey serialises the schema migrations of processes that
	// open one database at once.
	migrateLockKey int64 = 0x6e657773_0001
	// changeLockKey is held from a change-log append to its commit.
	changeLockKey int64 = 0x6e657773_0002
	// vectorLockKey is held from a vector save to its commit.
	vectorLockKey int64 = 0x6e657773_0003
)

// changeChannel is the NOTIFY channel of the change log; the payload is
// the highest sequence number of the committed transaction.
const changeChannel = "newsbot_changes"

// maxAttempts bounds the retries of a write transaction that lost a race
// (a unique index hit by a concurrent writer's copy, a deadlock): each
// retry sees the winner's commit, so a second attempt nearly always
// succeeds.
const maxAttempts = 5

// DB is a PostgreSQL article store. It is safe for concurrent use.
type DB struct {
	// Now returns the current time; Add stamps AddedAt with it. Open sets it
	// to time.Now; tests replace it to get fixed times.
	Now func() time.Time
	// Logger receives Listen's reconnections; Open sets it to discard.
	Logger *slog.Logger

	pool *pgxpool.Pool
	// connConfig is the pool's connection settings, for Listen's own
	// connection (a LISTEN must stay on one connection, outside the pool).
	connConfig *pgx.ConnConfig

	// afterLog, when not nil, runs after a change-log append, before the
	// commit: tests hold a writer's transaction open there to provoke the
	// out-of-order commits the change-log lock exists for.
	afterLog func()

	// an analyses the text of added articles; its stem cache is what makes
	// bulk ingest fast.
	an corpus.Analyzer
}

// Open connects to the database named by dsn (a postgres:// URL or
// key=value settings) and applies any pending migrations. Errors never
// hold the DSN's password.
func Open(ctx context.Context, dsn string) (_ *DB, err error) {
	defer wrap(&err, "postgres.Open")
	cfg, err := pgxpool.ParseConfig(dsn) // its errors redact the password
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db := &DB{Now: time.Now, Logger: slog.New(slog.DiscardHandler), pool: pool, connConfig: cfg.ConnConfig.Copy()}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close releases the connections.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// migration is one embedded schema file.
type migration struct {
	version int
	name    string
}

// migrationFiles lists the embedded migrations in version order; a file's
// version is the number its name starts with (0001_init.sql is 1).
func migrationFiles() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with a version number and '_'", base)
		}
		out = append(out, migration{version: v, name: name})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have one version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// migrate applies the embedded migrations the database has not recorded
// in schema_migrations, all in one transaction that holds an advisory
// lock: a second process opening the database at the same time waits for
// the lock, then finds every migration recorded and applies none. A
// failing migration leaves the database as it was.
func (db *DB) migrate(ctx context.Context) error {
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return err
		}
		if len(applied) > 0 && len(files) > 0 && slices.Max(applied) > files[len(files)-1].version {
			return fmt.Errorf("database schema version %d is newer than this program knows (%d)", slices.Max(applied), files[len(files)-1].version)
		}
		for _, m := range files {
			if slices.Contains(applied, m.version) {
				continue
			}
			script, err := migrations.ReadFile(m.name)
			if err != nil {
				return err
			}
			// No arguments: pgx sends the script with the simple protocol,
			// which runs several statements.
			if _, err := tx.Exec(ctx, string(script)); err != nil {
				return fmt.Errorf("migration %s: %w", path.Base(m.name), err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations(version, name) VALUES ($1, $2)`, m.version, path.Base(m.name)); err != nil {
				return err
			}
		}
		return nil
	})
}

// wrap prefixes a non-nil *errp with the operation, for one deferred line
// per exported method.
func wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf(format+": %w", append(args, *errp)...)
	}
}

// retryable reports whether a write transaction failed only because a
// concurrent one won a race, so running it again gives the right answer:
// a unique index hit by the other's copy (the retry's duplicate check
// finds it), a deadlock between two batches inserting the same rows in
// different orders, a foreign key whose row the other just deleted.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", // unique_violation
		"23503", // foreign_key_violation
		"40P01", // deadlock_detected
		"40001": // serialization_failure
		return true
	}
	return false
}

// withRetry runs fn until it succeeds, fails for a reason a retry cannot
// fix, or has lost maxAttempts races.
func withRetry(ctx context.Context, fn func() error) error {
	var err error
	for range maxAttempts {
		if err = fn(); !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// inTx runs fn in a transaction of the pool, committing when it returns
// nil, retried as withRetry does.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return withRetry(ctx, func() error { return pgx.BeginFunc(ctx, db.pool, fn) })
}

// readTx runs fn in a read-only REPEATABLE READ transaction: every
// statement of fn sees one state of the database.
func (db *DB) readTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// unixOrNull stores a time as unix seconds, and the zero time as NULL.
func unixOrNull(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	u := t.Unix()
	return &u
}

// timeOrZero is the inverse of unixOrNull, in UTC.
func timeOrZero(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return time.Unix(*n, 0).UTC()
}

// nullIfEmpty stores an empty string as NULL (a URL that an article does
// not have).
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// scopesOrGlobal is corpus.ScopesOrGlobal, for a = ANY($n) argument.
func scopesOrGlobal(scopes []string) []string { return corpus.ScopesOrGlobal(scopes) }

// oneRow turns the result of an UPDATE or DELETE of one record by id into
// corpus.ErrNotFound when no row matched.
func oneRow(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return corpus.ErrNotFound
	}
	return nil
}
