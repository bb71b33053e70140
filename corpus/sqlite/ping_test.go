package sqlite

import (
	"context"
	"testing"

	"path/filepath"
)

// TestPing checks the health check's view of the store: reachable while
// open, an error once closed.
func TestPing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "ping.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping of an open store = %v; want nil", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err == nil {
		t.Error("Ping of a closed store = nil; want an error")
	}
}
