package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// BM25 column weights. A title term counts double: the headline names what
// the story is about, while the body also mentions side topics. The title
// is repeated in every passage of the article, so a higher weight would let
// the title drown out which passage actually answers the question.
const (
	titleWeight = 2.0
	bodyWeight  = 1.0
)

// Search first ranks the full-text matches alone and filters only the best
// poolFactor*K of them (at least minPool) by scope and date: looking up the
// article of every match costs more than ranking it, and common terms match
// thousands of passages. The global scope dominates every search (servers
// add few articles of their own), so the pool nearly always holds the K best
// hits; when the filters leave fewer than K, Search runs the exact query.
const (
	poolFactor = 10
	minPool    = 500
)

// Search returns up to q.K passages (corpus.DefaultSearchK when unset)
// matching the FTS5 expression q.Match, best first, from articles in
// q.Scopes (GlobalScope when empty) that pass q.Published. Hits carry
// their article's metadata but no Body or Passages. An empty Match returns
// no hits; a malformed one returns an error.
//
// Match is evaluated against analysed text: its terms must come from
// corpus.Terms or corpus.QueryTerms.
func (db *DB) Search(ctx context.Context, q corpus.SearchQuery) (_ []corpus.Hit, err error) {
	defer wrap(&err, "sqlite.Search(%q)", q.Match)
	if strings.TrimSpace(q.Match) == "" {
		return nil, nil
	}
	if q.K <= 0 {
		q.K = corpus.DefaultSearchK
	}
	pool := max(poolFactor*q.K, db.minPool)
	hits, full, err := db.search(ctx, q, pool)
	if err != nil || len(hits) == q.K || (len(hits) > 0 && !full) {
		return hits, err
	}
	// The filters may have dropped hits that rank below the pool.
	hits, _, err = db.search(ctx, q, 0)
	return hits, err
}

// search runs q over the best pool matches, or over all matches when pool
// is 0. full reports whether the pool was filled, that is whether matches
// beyond it may exist.
func (db *DB) search(ctx context.Context, q corpus.SearchQuery, pool int) (hits []corpus.Hit, full bool, err error) {
	in, scopes := scopeArgs(q.Scopes)
	args := []any{titleWeight, bodyWeight, q.Match}
	limit := ""
	if pool > 0 {
		limit = ` LIMIT ?`
		args = append(args, pool)
	}
	args = append(args, scopes...)
	// The matches are ranked in a CTE of their own, and CROSS JOIN fixes the
	// join order: look up each ranked passage and its article by primary key.
	query := `WITH ranked AS MATERIALIZED (
			SELECT rowid AS pid, -bm25(passages_fts, ?, ?) AS score FROM passages_fts
			WHERE passages_fts MATCH ? ORDER BY score DESC, rowid` + limit + `)
		SELECT ` + articleColumns + `, p.id, p.seq, p.text, r.score, (SELECT count(*) FROM ranked)
		FROM ranked r
		CROSS JOIN passages p ON p.id = r.pid
		CROSS JOIN articles a ON a.id = p.article_id
		WHERE a.scope IN (` + in + `)`
	if pub := q.Published; !pub.From.IsZero() {
		query += ` AND a.published_at >= ?`
		args = append(args, pub.From.Unix())
	}
	if pub := q.Published; !pub.To.IsZero() {
		query += ` AND a.published_at < ?`
		args = append(args, pub.To.Unix())
	}
	if pub := q.Published; !pub.Before.IsZero() {
		query += ` AND (a.published_at IS NULL OR a.published_at <= ?)`
		args = append(args, pub.Before.Unix())
	}
	query += ` ORDER BY r.score DESC, p.id LIMIT ?`
	args = append(args, q.K)

	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var ranked int
	for rows.Next() {
		var h corpus.Hit
		p := &h.Passage
		if err := scanArticle(rows, &h.Article, &p.ID, &p.Seq, &p.Text, &h.Score, &ranked); err != nil {
			return nil, false, err
		}
		p.ArticleID = h.Article.ID
		hits = append(hits, h)
	}
	return hits, pool > 0 && ranked >= pool, rows.Err()
}

// DocFreq returns, for each term, the number of passages whose index entry
// (analysed title or body) contains it, and the total number of passages,
// across all scopes: the inputs of an IDF weight. Terms must already be
// analysed (corpus.Terms); a term no passage holds maps to 0.
func (db *DB) DocFreq(ctx context.Context, terms []string) (_ map[string]int, _ int, err error) {
	defer wrap(&err, "sqlite.DocFreq")
	// One read transaction, so the counts and the total describe the same
	// state of the index.
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `SELECT doc FROM passages_vocab WHERE term = ?`)
	if err != nil {
		return nil, 0, err
	}
	defer stmt.Close()
	df := make(map[string]int, len(terms))
	for _, t := range terms {
		if _, ok := df[t]; ok {
			continue
		}
		var n int
		// No row means no passage holds the term: Scan leaves n at 0.
		if err := stmt.QueryRowContext(ctx, t).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, 0, err
		}
		df[t] = n
	}
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM passages`).Scan(&total); err != nil {
		return nil, 0, err
	}
	return df, total, nil
}
