package retrieval

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	_ "modernc.org/sqlite"
)

// ftsStore is a test Searcher over an in-memory SQLite FTS5 index shaped like
// the store's: passages indexed as analysed terms in columns title and body,
// ranked by bm25 with the title weighted twice. It stands in for
// corpus/sqlite, which this package must not import.
type ftsStore struct {
	db       *sql.DB
	articles map[int64]corpus.Article
	passages map[int64]corpus.Passage
	nextID   int64
}

var _ Searcher = (*ftsStore)(nil)

// mustOpenFTS returns an empty ftsStore closed at the end of the test.
func mustOpenFTS(tb testing.TB) *ftsStore {
	tb.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	// Every connection to ":memory:" is a database of its own.
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE TABLE passages (id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL, scope TEXT NOT NULL, published INTEGER)`,
		`CREATE VIRTUAL TABLE passages_fts USING fts5(title, body)`,
	} {
		if _, err := db.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	return &ftsStore{db: db, articles: map[int64]corpus.Article{}, passages: map[int64]corpus.Passage{}}
}

// add stores an article whose passages are the given texts and returns its id.
func (s *ftsStore) add(tb testing.TB, a corpus.Article, texts ...string) int64 {
	tb.Helper()
	s.nextID++
	a.ID = s.nextID * 1000
	if a.Scope == "" {
		a.Scope = corpus.GlobalScope
	}
	s.articles[a.ID] = a
	var published any
	if !a.PublishedAt.IsZero() {
		published = a.PublishedAt.Unix()
	}
	for i, text := range texts {
		p := corpus.Passage{ID: a.ID + int64(i) + 1, ArticleID: a.ID, Seq: i, Text: text}
		s.passages[p.ID] = p
		if _, err := s.db.Exec(`INSERT INTO passages (id, article_id, scope, published) VALUES (?, ?, ?, ?)`,
			p.ID, a.ID, a.Scope, published); err != nil {
			tb.Fatal(err)
		}
		if _, err := s.db.Exec(`INSERT INTO passages_fts (rowid, title, body) VALUES (?, ?, ?)`,
			p.ID, strings.Join(corpus.Terms(a.Title), " "), strings.Join(corpus.Terms(text), " ")); err != nil {
			tb.Fatal(err)
		}
	}
	return a.ID
}

func (s *ftsStore) Search(ctx context.Context, q corpus.SearchQuery) ([]corpus.Hit, error) {
	if q.Match == "" {
		return nil, nil
	}
	k := q.K
	if k <= 0 {
		k = corpus.DefaultSearchK
	}
	query := `SELECT p.id, -bm25(passages_fts, 2.0, 1.0) FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid
		WHERE passages_fts MATCH ?`
	args := []any{q.Match}
	scopes := corpus.ScopesOrGlobal(q.Scopes)
	query += ` AND p.scope IN (?` + strings.Repeat(", ?", len(scopes)-1) + `)`
	for _, sc := range scopes {
		args = append(args, sc)
	}
	if pub := q.Published; !pub.From.IsZero() {
		query += ` AND p.published >= ?`
		args = append(args, pub.From.Unix())
	}
	if pub := q.Published; !pub.To.IsZero() {
		query += ` AND p.published < ?`
		args = append(args, pub.To.Unix())
	}
	if pub := q.Published; !pub.Before.IsZero() {
		query += ` AND (p.published IS NULL OR p.published <= ?)`
		args = append(args, pub.Before.Unix())
	}
	query += ` ORDER BY bm25(passages_fts, 2.0, 1.0), p.id LIMIT ?`
	args = append(args, k)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []corpus.Hit
	for rows.Next() {
		var id int64
		var score float64
		if err := rows.Scan(&id, &score); err != nil {
			return nil, err
		}
		p := s.passages[id]
		hits = append(hits, corpus.Hit{Passage: p, Article: s.articles[p.ArticleID], Score: score})
	}
	return hits, rows.Err()
}

func (s *ftsStore) DocFreq(ctx context.Context, terms []string) (map[string]int, int, error) {
	df := make(map[string]int, len(terms))
	for _, t := range terms {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?`,
			MatchExpr([]string{t})).Scan(&n); err != nil {
			return nil, 0, err
		}
		df[t] = n
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM passages`).Scan(&total); err != nil {
		return nil, 0, err
	}
	return df, total, nil
}

// day is midnight UTC of a date in the fixtures.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
