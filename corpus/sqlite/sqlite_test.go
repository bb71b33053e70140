package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// testNow is the fixed clock of every test database.
var testNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// MustOpen opens a fresh database in tb's temporary directory, with Now
// fixed at testNow, and closes it when the test ends.
func MustOpen(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "newsbot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	db.Now = func() time.Time { return testNow }
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// article builds a prepared article by hand: one passage per text, the
// hash derived from the title so distinct titles never collide.
func article(title, scope string, published time.Time, texts ...string) *corpus.Article {
	a := &corpus.Article{
		Title:       title,
		Source:      "Reuters",
		Author:      "Jane Doe",
		PublishedAt: published,
		AddedBy:     "test",
		Scope:       scope,
		Body:        strings.Join(texts, "\n\n"),
		Hash:        "hash:" + title,
	}
	for i, t := range texts {
		a.Passages = append(a.Passages, corpus.Passage{Seq: i, Text: t})
	}
	return a
}

func mustAdd(tb testing.TB, db *DB, as ...*corpus.Article) {
	tb.Helper()
	for _, a := range as {
		if err := db.Add(context.Background(), a); err != nil {
			tb.Fatalf("Add(%q) = %v", a.Title, err)
		}
	}
}

// count runs a COUNT query on the write connection (it sees everything).
func count(tb testing.TB, db *DB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.write.QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

func day(d int) time.Time { return time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC) }

func titles(as []corpus.Article) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Title
	}
	return out
}

func hitTitles(hs []corpus.Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = fmt.Sprintf("%s#%d", h.Article.Title, h.Passage.Seq)
	}
	return out
}

// search returns "title#seq" of the passages in scopes (GlobalScope when
// none) whose stored terms hold a term of text, in passage id order: what
// the in-memory index finds, read from the terms the store keeps for it
// (ranking is the index's business, tested in retrieval/index).
func search(t *testing.T, db *DB, text string, scopes ...string) []string {
	t.Helper()
	return hitTitles(searchHits(t, db, text, scopes...))
}

// searchHits is search returning the hits.
func searchHits(t *testing.T, db *DB, text string, scopes ...string) []corpus.Hit {
	t.Helper()
	ctx := context.Background()
	want := make(map[string]bool)
	for _, q := range corpus.QueryTerms(text) {
		want[q] = true
	}
	in := make(map[string]bool)
	for _, s := range corpus.ScopesOrGlobal(scopes) {
		in[s] = true
	}
	arts, err := db.ScanIndexed(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var hits []corpus.Hit
	for _, a := range arts {
		if !in[a.Scope] {
			continue
		}
		for _, p := range a.Passages {
			if slices.ContainsFunc(append(slices.Clone(a.TitleTerms), p.Terms...), func(s string) bool { return want[s] }) {
				hits = append(hits, corpus.Hit{Passage: corpus.Passage{ID: p.ID}, Article: corpus.Article{ID: a.ArticleID}})
			}
		}
	}
	slices.SortFunc(hits, func(a, b corpus.Hit) int { return cmp.Compare(a.Passage.ID, b.Passage.ID) })
	hits, err = db.Hydrate(ctx, hits)
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func TestOpenTwiceKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a := article("Rates", corpus.GlobalScope, day(1), "The central bank raised rates.")
	mustAdd(t, db, a)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path) // migrations already applied: a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Get(ctx, a.ID); err != nil {
		t.Fatalf("Get after reopen = %v", err)
	}
	var mode string
	if err := db.read.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenRejectsQueryInPath(t *testing.T) {
	t.Parallel()
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db?mode=ro")); err == nil {
		t.Fatal("Open(path with '?') succeeded; want error")
	}
}

func TestScopes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scopes []string // of the articles added, in order
		want   []string
	}{
		{"empty", nil, []string{corpus.GlobalScope}},
		{"global only", []string{corpus.GlobalScope, corpus.GlobalScope}, []string{corpus.GlobalScope}},
		{"servers", []string{"222", corpus.GlobalScope, "111", "222", "3", "111"}, []string{corpus.GlobalScope, "111", "222", "3"}},
		{"no global article", []string{"b", "a"}, []string{corpus.GlobalScope, "a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpen(t)
			for i, sc := range tc.scopes {
				mustAdd(t, db, article(fmt.Sprintf("Story %d", i), sc, day(1+i), "Floods hit the valley."))
			}
			got, err := db.Scopes(context.Background())
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("Scopes() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestOpenPageSizeAndWAL checks that a new file gets pageSize and WAL
// (set after the connection opens, in that order, since the driver would
// run DSN pragmas sorted by name), that reopening keeps both, and that the
// writer checkpoints at walCheckpointPages.
func TestOpenPageSizeAndWAL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	for range 2 {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var size int
		var mode string
		if err := db.read.QueryRowContext(ctx, `SELECT page_size, journal_mode FROM pragma_page_size, pragma_journal_mode`).Scan(&size, &mode); err != nil {
			t.Fatal(err)
		}
		if size != pageSize || mode != "wal" {
			t.Errorf("page_size %d, journal_mode %q; want %d, wal", size, mode, pageSize)
		}
		var ckpt int
		if err := db.write.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&ckpt); err != nil {
			t.Fatal(err)
		}
		if ckpt != walCheckpointPages {
			t.Errorf("writer's wal_autocheckpoint %d, want %d", ckpt, walCheckpointPages)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
