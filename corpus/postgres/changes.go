package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/corpus"
)

// logChanges appends one change-log entry per article in tx, so the
// changes and their entries commit together, and queues a NOTIFY with the
// last sequence number (PostgreSQL delivers it at the commit, and not at
// all on a rollback).
//
// Ordering. A reader follows the log by asking for seq > last. With
// several writers, sequence numbers are handed out when rows are inserted
// but become visible when their transactions commit; if writer A took 10
// and writer B took 11 and B committed first, a reader could see 11,
// remember it, and never read 10. So the append takes a transaction-scoped
// advisory lock first and holds it until the commit (PostgreSQL releases
// it after the commit is visible): the next writer gets its numbers only
// after this one's are visible, and seq order is commit order. The lock is
// taken last, just before the commit, so writers serialise only for the
// append and the commit itself, not for their inserts; every write that
// reaches the log calls this as its last statement.
//
// The alternative, recording each entry's transaction id (xid8) and
// returning only entries below pg_snapshot_xmin(pg_current_snapshot()),
// keeps writers fully parallel but holds every reader back behind the
// oldest open transaction (a long rechunk batch would stall every index),
// and needs a second key besides seq. Writers here are a bulk ingest, a
// feed poll, a moderator: the commit order a lock gives costs them little.
func (db *DB) logChanges(ctx context.Context, tx pgx.Tx, op corpus.ChangeOp, articleIDs ...int64) error {
	if len(articleIDs) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, changeLockKey); err != nil {
		return fmt.Errorf("lock change log: %w", err)
	}
	// WITH ORDINALITY ... ORDER BY: the entries take their numbers in the
	// order of articleIDs.
	_, err := tx.Exec(ctx, `WITH logged AS (
			INSERT INTO changes(article_id, op, at)
			SELECT c.id, $2, $3 FROM unnest($1::bigint[]) WITH ORDINALITY AS c(id, ord) ORDER BY c.ord
			RETURNING seq)
		SELECT pg_notify('`+changeChannel+`', max(seq)::text) FROM logged`,
		articleIDs, string(op), db.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	if db.afterLog != nil {
		db.afterLog()
	}
	return nil
}

// LastSeq returns the sequence number of the newest change-log entry, 0
// when the log is empty.
func (db *DB) LastSeq(ctx context.Context) (seq int64, err error) {
	defer wrap(&err, "postgres.LastSeq")
	err = db.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq)
	return seq, err
}

// Changes returns up to limit change-log entries with a sequence number
// above after, in sequence order. Sequence order is commit order (see
// logChanges), so a reader that applies them and asks again from the last
// one it saw misses nothing.
func (db *DB) Changes(ctx context.Context, after int64, limit int) (_ []corpus.Change, err error) {
	defer wrap(&err, "postgres.Changes(%d)", after)
	rows, err := db.pool.Query(ctx, `SELECT seq, article_id, op, at FROM changes
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.Change, error) {
		var c corpus.Change
		var op string
		var at int64
		err := row.Scan(&c.Seq, &c.ArticleID, &op, &at)
		c.Op, c.At = corpus.ChangeOp(op), time.Unix(0, at).UTC()
		return c, err
	})
}

// IndexedArticles returns what the index holds of the given articles, in
// id order; articles that no longer exist are left out.
func (db *DB) IndexedArticles(ctx context.Context, ids []int64) (_ []corpus.IndexedArticle, err error) {
	defer wrap(&err, "postgres.IndexedArticles")
	if len(ids) == 0 {
		return nil, nil
	}
	return db.indexed(ctx, false, `a.id = ANY($1) ORDER BY a.id`, ids)
}

// ScanIndexed returns what the index holds of up to limit articles with an
// id above after, in id order: the pages of a full index build.
func (db *DB) ScanIndexed(ctx context.Context, after int64, limit int) (_ []corpus.IndexedArticle, err error) {
	defer wrap(&err, "postgres.ScanIndexed(%d)", after)
	return db.indexed(ctx, true, `a.id > $1 ORDER BY a.id LIMIT $2`, after, limit)
}

// ScanJoined is ScanIndexed with the terms as they are stored, joined by
// spaces (see corpus.JoinedArticle): what a full index build reads.
func (db *DB) ScanJoined(ctx context.Context, after int64, limit int) (_ []corpus.JoinedArticle, err error) {
	defer wrap(&err, "postgres.ScanJoined(%d)", after)
	return db.joined(ctx, true, `a.id > $1 ORDER BY a.id LIMIT $2`, after, limit)
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
// page of a scan): their passages are then read with one range scan of
// the (article_id, seq) index; otherwise (the articles of a catch-up,
// maybe far apart) by their ids.
func (db *DB) joined(ctx context.Context, dense bool, where string, args ...any) ([]corpus.JoinedArticle, error) {
	var out []corpus.JoinedArticle
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT a.id, a.scope, a.published_at, a.title_terms FROM articles a WHERE `+where, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.JoinedArticle, error) {
			var a corpus.JoinedArticle
			var published *int64
			err := row.Scan(&a.ArticleID, &a.Scope, &published, &a.TitleTerms)
			a.PublishedAt = timeOrZero(published)
			return a, err
		})
		if err != nil || len(out) == 0 {
			return err
		}
		if dense {
			rows, err = tx.Query(ctx, `SELECT article_id, id, terms FROM passages
				WHERE article_id BETWEEN $1 AND $2 ORDER BY article_id, seq`, out[0].ArticleID, out[len(out)-1].ArticleID)
		} else {
			ids := make([]int64, len(out))
			for i, a := range out {
				ids[i] = a.ArticleID
			}
			rows, err = tx.Query(ctx, `SELECT article_id, id, terms FROM passages
				WHERE article_id = ANY($1) ORDER BY article_id, seq`, ids)
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		// The passages come in article order: each article's are a run of
		// one slice, handed out once all are read.
		var ps []corpus.JoinedPassage
		runs := make([]struct{ start, n int }, len(out))
		i := 0
		for rows.Next() {
			var aid int64
			var p corpus.JoinedPassage
			if err := rows.Scan(&aid, &p.ID, &p.Terms); err != nil {
				return err
			}
			for i < len(out) && out[i].ArticleID < aid {
				i++
			}
			if i == len(out) || out[i].ArticleID != aid {
				continue
			}
			if runs[i].n == 0 {
				runs[i].start = len(ps)
			}
			runs[i].n++
			ps = append(ps, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i, r := range runs {
			if r.n > 0 {
				out[i].Passages = ps[r.start : r.start+r.n : r.start+r.n]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Hydrate fills in the passage text and article metadata of hits that
// carry only ids (Passage.ID, Article.ID), as the in-memory index returns
// them, keeping their order and scores. A hit whose passage is gone or
// belongs to another article (the index may not have applied a change
// yet) is dropped, so a caller never shows text the index did not rank.
func (db *DB) Hydrate(ctx context.Context, hits []corpus.Hit) (_ []corpus.Hit, err error) {
	defer wrap(&err, "postgres.Hydrate")
	if len(hits) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.Passage.ID
	}
	rows, err := db.pool.Query(ctx, `SELECT `+articleColumns+`, p.id, p.seq, p.text
		FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	found := make(map[int64]corpus.Hit, len(hits))
	defer rows.Close()
	for rows.Next() {
		var h corpus.Hit
		p := &h.Passage
		var seq int32
		if err := scanArticle(rows, &h.Article, &p.ID, &seq, &p.Text); err != nil {
			return nil, err
		}
		p.Seq, p.ArticleID = int(seq), h.Article.ID
		found[p.ID] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return corpus.Hydrated(hits, found), nil
}

// Check verifies newsbot's invariants: every article with its body and
// passages numbered 0..n-1, every passage with its article, every article
// in the change log, nothing stored twice in a scope. (PostgreSQL checks
// its own storage; there is no integrity_check to run.) It returns an
// error listing every problem found, nil when all hold.
func (db *DB) Check(ctx context.Context) (err error) {
	defer wrap(&err, "postgres.Check")
	var problems []error
	for _, q := range []struct{ what, query string }{
		{"articles without passages", `SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.article_id = a.id)`},
		{"articles without a body", `SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_bodies b WHERE b.article_id = a.id)`},
		{"articles whose passages are not numbered 0..n-1", `SELECT count(*) FROM (SELECT article_id FROM passages GROUP BY article_id HAVING min(seq) <> 0 OR max(seq) <> count(*) - 1) x`},
		{"passages of no article", `SELECT count(*) FROM passages p WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = p.article_id)`},
		{"articles missing from the change log", `SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.article_id = a.id AND c.op = 'add')`},
		{"articles stored twice (same text in a scope)", `SELECT count(*) FROM (SELECT 1 FROM articles GROUP BY hash, scope HAVING count(*) > 1) x`},
		{"articles stored twice (same URL in a scope)", `SELECT count(*) FROM (SELECT 1 FROM articles WHERE url IS NOT NULL GROUP BY url, scope HAVING count(*) > 1) x`},
	} {
		var n int64
		if err := db.pool.QueryRow(ctx, q.query).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", q.what, err)
		}
		if n != 0 {
			problems = append(problems, fmt.Errorf("%d %s", n, q.what))
		}
	}
	return errors.Join(problems...)
}
