package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// backfillBatch is how many articles one backfill transaction analyses: a
// few hundred KB of text, a fraction of a second of write lock for a bot
// that runs meanwhile.
const backfillBatch = 200

// backfillTerms stores the analysed terms of the titles and passages that
// were written before migration 0005 kept them. A database written since
// has none to do, and finding that out is one lookup in an empty partial
// index. An interrupted backfill resumes at the next Open.
func (db *DB) backfillTerms(ctx context.Context) error {
	for {
		n, err := db.backfillSome(ctx)
		if err != nil {
			return fmt.Errorf("analyse stored articles: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// backfillSome analyses up to backfillBatch articles that lack terms and
// returns how many it did.
func (db *DB) backfillSome(ctx context.Context) (int, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, title FROM articles WHERE id IN (
			SELECT id FROM articles WHERE title_terms IS NULL
			UNION SELECT article_id FROM passages WHERE terms IS NULL)
		ORDER BY id LIMIT ?`, backfillBatch)
	if err != nil {
		return 0, err
	}
	type todo struct {
		id    int64
		title string
	}
	var arts []todo
	for rows.Next() {
		var a todo
		if err := rows.Scan(&a.id, &a.title); err != nil {
			rows.Close()
			return 0, err
		}
		arts = append(arts, a)
	}
	if err := errors.Join(rows.Close(), rows.Err()); err != nil {
		return 0, err
	}
	for _, a := range arts {
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET title_terms = ? WHERE id = ?`,
			string(db.an.AppendTerms(nil, a.title)), a.id); err != nil {
			return 0, err
		}
		prows, err := tx.QueryContext(ctx, `SELECT p.id, `+passageTextSQL+` FROM passages p
			JOIN article_bodies b ON b.article_id = p.article_id WHERE p.article_id = ?`, a.id)
		if err != nil {
			return 0, err
		}
		var ps []corpus.Passage
		for prows.Next() {
			var p corpus.Passage
			if err := prows.Scan(&p.ID, &p.Text); err != nil {
				prows.Close()
				return 0, err
			}
			ps = append(ps, p)
		}
		if err := errors.Join(prows.Close(), prows.Err()); err != nil {
			return 0, err
		}
		for _, p := range ps {
			if _, err := tx.ExecContext(ctx, `UPDATE passages SET terms = ? WHERE id = ?`,
				string(db.an.AppendTerms(nil, p.Text)), p.ID); err != nil {
				return 0, err
			}
		}
	}
	return len(arts), tx.Commit()
}

// LastSeq returns the sequence number of the newest change-log entry, 0
// when the log is empty.
func (db *DB) LastSeq(ctx context.Context) (seq int64, err error) {
	defer wrap(&err, "sqlite.LastSeq")
	err = db.read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq)
	return seq, err
}

// Changes returns up to limit change-log entries with a sequence number
// above after, in sequence order. Sequence order is commit order (see
// migrations/0005_changes.sql), so a reader that applies them and asks
// again from the last one it saw misses nothing.
func (db *DB) Changes(ctx context.Context, after int64, limit int) (_ []corpus.Change, err error) {
	defer wrap(&err, "sqlite.Changes(%d)", after)
	rows, err := db.read.QueryContext(ctx, `SELECT seq, article_id, op, at FROM changes
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []corpus.Change
	for rows.Next() {
		var c corpus.Change
		var at int64
		if err := rows.Scan(&c.Seq, &c.ArticleID, &c.Op, &at); err != nil {
			return nil, err
		}
		c.At = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// IndexedArticles returns what the index holds of the given articles, in
// id order; articles that no longer exist are left out.
func (db *DB) IndexedArticles(ctx context.Context, ids []int64) (_ []corpus.IndexedArticle, err error) {
	defer wrap(&err, "sqlite.IndexedArticles")
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	return db.indexed(ctx, false, `a.id IN (`+in+`) ORDER BY a.id`, args...)
}

// ScanIndexed returns what the index holds of up to limit articles with an
// id above after, in id order: the pages of a full index build.
func (db *DB) ScanIndexed(ctx context.Context, after int64, limit int) (_ []corpus.IndexedArticle, err error) {
	defer wrap(&err, "sqlite.ScanIndexed(%d)", after)
	return db.indexed(ctx, true, `a.id > ? ORDER BY a.id LIMIT ?`, after, limit)
}

// ScanJoined is ScanIndexed with the terms as they are stored, joined by
// spaces (see corpus.JoinedArticle): what a full index build reads.
func (db *DB) ScanJoined(ctx context.Context, after int64, limit int) (_ []corpus.JoinedArticle, err error) {
	defer wrap(&err, "sqlite.ScanJoined(%d)", after)
	return db.joined(ctx, true, `a.id > ? ORDER BY a.id LIMIT ?`, after, limit)
}

// indexed is joined with the terms split.
func (db *DB) indexed(ctx context.Context, dense bool, where string, args ...any) ([]corpus.IndexedArticle, error) {
	js, err := db.joined(ctx, dense, where, args...)
	if err != nil || len(js) == 0 {
		return nil, err
	}
	return corpus.Indexed(js), nil
}

// joined reads articles matching where (which orders them by id) and
// their passages' terms in one read transaction, so an article is never
// seen without its passages. dense says the articles are consecutive (a
// page of a scan): their passages are then read with one range scan;
// otherwise (the articles of a catch-up, maybe far apart) by their ids, so
// that an old article updated beside a new one does not read every
// passage in between.
func (db *DB) joined(ctx context.Context, dense bool, where string, args ...any) ([]corpus.JoinedArticle, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.scope, a.published_at, coalesce(a.title_terms, '')
		FROM articles a WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []corpus.JoinedArticle
	for rows.Next() {
		var a corpus.JoinedArticle
		var published sql.NullInt64
		if err := rows.Scan(&a.ArticleID, &a.Scope, &published, &a.TitleTerms); err != nil {
			rows.Close()
			return nil, err
		}
		a.PublishedAt = timeOrZero(published)
		out = append(out, a)
	}
	if err := errors.Join(rows.Close(), rows.Err()); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	// The articles come in id order: one range scan of passages'
	// (article_id, seq) index covers them.
	if dense {
		rows, err = tx.QueryContext(ctx, `SELECT article_id, id, coalesce(terms, '') FROM passages
			WHERE article_id BETWEEN ? AND ? ORDER BY article_id, seq`, out[0].ArticleID, out[len(out)-1].ArticleID)
	} else {
		ids := make([]any, len(out))
		for i, a := range out {
			ids[i] = a.ArticleID
		}
		in := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
		rows, err = tx.QueryContext(ctx, `SELECT article_id, id, coalesce(terms, '') FROM passages
			WHERE article_id IN (`+in+`) ORDER BY article_id, seq`, ids...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// The passages come in article order too: each article's are a run of
	// one slice, handed out once all are read (the slice grows meanwhile).
	var ps []corpus.JoinedPassage
	runs := make([]struct{ start, n int }, len(out))
	i := 0
	for rows.Next() {
		var aid int64
		var p corpus.JoinedPassage
		if err := rows.Scan(&aid, &p.ID, &p.Terms); err != nil {
			return nil, err
		}
		for i < len(out) && out[i].ArticleID < aid {
			i++
		}
		if i == len(out) || out[i].ArticleID != aid {
			continue // none: the query reads only these articles' passages
		}
		if runs[i].n == 0 {
			runs[i].start = len(ps)
		}
		runs[i].n++
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, r := range runs {
		if r.n > 0 {
			out[i].Passages = ps[r.start : r.start+r.n : r.start+r.n]
		}
	}
	return out, nil
}

// Hydrate fills in the passage text and article metadata of hits that
// carry only ids (Passage.ID, Article.ID), as the in-memory index returns
// them, keeping their order and scores. A hit whose passage is gone or now
// belongs to another article (SQLite reuses the ids of deleted rows, and
// the index may not have applied the change yet) is dropped, so a caller
// never shows text the index did not rank.
func (db *DB) Hydrate(ctx context.Context, hits []corpus.Hit) (_ []corpus.Hit, err error) {
	defer wrap(&err, "sqlite.Hydrate")
	if len(hits) == 0 {
		return nil, nil
	}
	args := make([]any, len(hits))
	for i, h := range hits {
		args[i] = h.Passage.ID
	}
	stmt, err := db.hydrateStmts.get(ctx, db.read, len(hits), func(n int) string {
		in := strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
		return `SELECT ` + articleColumns + `, p.id, p.seq, ` + passageTextSQL + `
		FROM passages p CROSS JOIN articles a ON a.id = p.article_id
		CROSS JOIN article_bodies b ON b.article_id = p.article_id WHERE p.id IN (` + in + `)`
	})
	if err != nil {
		return nil, err
	}
	if stmt.owned {
		defer stmt.Close()
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[int64]corpus.Hit, len(hits))
	for rows.Next() {
		var h corpus.Hit
		p := &h.Passage
		if err := scanArticle(rows, &h.Article, &p.ID, &p.Seq, &p.Text); err != nil {
			return nil, err
		}
		p.ArticleID = h.Article.ID
		found[p.ID] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return corpus.Hydrated(hits, found), nil
}

// Check verifies the database's integrity and newsbot's invariants:
// SQLite's integrity_check, every article with its body and passages
// numbered 0..n-1, every passage with its analysed terms, its article and
// a byte range inside its body (or its own text), every article in the
// change log, nothing stored twice in a scope. It
// returns an error listing every problem found (nil when all hold); the
// crash tests call it after killing a writer.
func (db *DB) Check(ctx context.Context) (err error) {
	defer wrap(&err, "sqlite.Check")
	rows, err := db.read.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	var problems []error
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		if s != "ok" {
			problems = append(problems, fmt.Errorf("integrity_check: %s", s))
		}
	}
	if err := errors.Join(rows.Close(), rows.Err()); err != nil {
		return err
	}
	for _, q := range []struct{ what, query string }{
		{"articles without passages", `SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.article_id = a.id)`},
		{"articles without a body", `SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_bodies b WHERE b.article_id = a.id)`},
		{"articles whose passages are not numbered 0..n-1", `SELECT count(*) FROM (SELECT article_id FROM passages GROUP BY article_id HAVING min(seq) != 0 OR max(seq) != count(*) - 1)`},
		{"passages without analysed terms", `SELECT count(*) FROM passages WHERE terms IS NULL`},
		{"passages whose byte range is outside their body", `SELECT count(*) FROM passages p JOIN article_bodies b ON b.article_id = p.article_id
			WHERE p.start_byte IS NOT NULL AND (p.end_byte IS NULL OR p.start_byte < 0 OR p.end_byte < p.start_byte OR p.end_byte > length(CAST(b.body AS BLOB)))`},
		{"passages of no article", `SELECT count(*) FROM passages p WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = p.article_id)`},
		{"articles missing from the change log", `SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.article_id = a.id AND c.op = 'add')`},
		{"articles stored twice (same text in a scope)", `SELECT count(*) FROM (SELECT 1 FROM articles GROUP BY hash, scope HAVING count(*) > 1)`},
		{"articles stored twice (same URL in a scope)", `SELECT count(*) FROM (SELECT 1 FROM articles WHERE url IS NOT NULL GROUP BY url, scope HAVING count(*) > 1)`},
	} {
		var n int
		if err := db.read.QueryRowContext(ctx, q.query).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", q.what, err)
		}
		if n != 0 {
			problems = append(problems, fmt.Errorf("%d %s", n, q.what))
		}
	}
	return errors.Join(problems...)
}
