package postgres

import (
	"context"
	"testing"

	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
	"github.com/newsbot/newsbot/corpus/storetest"
	"github.com/newsbot/newsbot/corpus/stories"
)

// MustOpen opens a store on a fresh database of its own (see pgtest.DSN),
// closed when the test ends; it skips without a test server.
func MustOpen(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), pgtest.DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestContract(t *testing.T) {
	t.Parallel()
	pgtest.Require(t)
	storetest.Run(t, func(t *testing.T) storetest.Store { return MustOpen(t) })
}

var (
	_ storetest.Store = (*DB)(nil)
	_ stories.Store   = (*DB)(nil)
)
