package retrieval

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
	_ "modernc.org/sqlite"
)

// openMatchTable opens an in-memory FTS5 table with the store's columns and a
// row, so MATCH expressions are parsed and run for real.
func openMatchTable(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE VIRTUAL TABLE t USING fts5(title, body)`,
		`INSERT INTO t (title, body) VALUES ('pakistan taliban', 'russia recognis taliban administr')`,
	} {
		if _, err := db.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	return db
}

// checkMatch runs expr against the table, failing on any error.
func checkMatch(tb testing.TB, db *sql.DB, input string, expr string) {
	tb.Helper()
	if expr == "" {
		return // stores return no hits for an empty Match without querying
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t WHERE t MATCH ?`, expr).Scan(&n); err != nil {
		tb.Fatalf("MATCH %q (from %q): %v", expr, input, err)
	}
}

func TestMatchExprFTS5(t *testing.T) {
	t.Parallel()
	db := openMatchTable(t)
	for _, s := range hostileInputs() {
		checkMatch(t, db, s, MatchExpr(corpus.QueryTerms(s)))
		checkMatch(t, db, s, MatchExpr(QueryTermsFor(s)))
		checkMatch(t, db, s, MatchExpr(strings.Fields(s)))
		checkMatch(t, db, s, MatchExpr([]string{s}))
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t WHERE t MATCH ?`, MatchExpr(QueryTermsFor("Taliban recognition?"))).Scan(&n); err != nil || n != 1 {
		t.Errorf("MATCH on analysed terms = %d, %v; want 1 row", n, err)
	}
}

func FuzzMatchExprFTS5(f *testing.F) {
	for _, s := range hostileInputs() {
		f.Add(s)
	}
	db := openMatchTable(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkMatch(t, db, s, MatchExpr(corpus.QueryTerms(s)))
		checkMatch(t, db, s, MatchExpr(strings.Fields(s)))
		checkMatch(t, db, s, MatchExpr([]string{s}))
	})
}
