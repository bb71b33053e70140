package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/corpus"
)

// Rechunk splits the body of every stored article again with corpus.Chunk
// and, where the passages differ from the stored ones, replaces them (their
// vectors go with them) and logs an update. It changes nothing else of an
// article, and an article already split by the current rules keeps its
// passages and their ids, so a second run changes nothing.
//
// Articles are read and rewritten in id order, a few hundred KB per
// transaction that locks the rows it reads (FOR UPDATE), so a concurrent
// Update or Delete of another process cannot fall between the read and
// the rewrite. progress, when not nil, is called after each batch with the
// articles read so far and the number there were at the start. On error
// the stats count the batches committed.
func (db *DB) Rechunk(ctx context.Context, progress func(done, total int)) (st corpus.RechunkStats, err error) {
	defer wrap(&err, "postgres.Rechunk")
	var total int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM articles`).Scan(&total); err != nil {
		return st, fmt.Errorf("count articles: %w", err)
	}
	return corpus.RunRechunk(ctx, int(total), func(ctx context.Context, after int64) (batch corpus.RechunkStats, last int64, err error) {
		err = db.inTx(ctx, func(tx pgx.Tx) error {
			batch, last, err = db.rechunkSome(ctx, tx, after)
			return err
		})
		return batch, last, err
	}, progress)
}

// storedArticle is what Rechunk reads of an article.
type storedArticle struct {
	id          int64
	title, body string
	passages    []string // texts in seq order
}

// rechunkSome re-splits the articles with ids above after, as many as fit
// the limits of corpus.RechunkArticles (at least one), in tx, and returns what it did and the
// last id read.
func (db *DB) rechunkSome(ctx context.Context, tx pgx.Tx, after int64) (st corpus.RechunkStats, last int64, err error) {
	rows, err := tx.Query(ctx, `SELECT a.id, a.title, b.body FROM articles a
		JOIN article_bodies b ON b.article_id = a.id
		WHERE a.id > $1 ORDER BY a.id LIMIT $2 FOR UPDATE OF a`, after, corpus.RechunkArticles)
	if err != nil {
		return st, 0, err
	}
	var arts []storedArticle
	index := make(map[int64]int)
	size := 0
	for rows.Next() {
		var a storedArticle
		if err := rows.Scan(&a.id, &a.title, &a.body); err != nil {
			rows.Close()
			return st, 0, err
		}
		if size >= corpus.RechunkBytes {
			break // the rest (locked until the commit) waits for the next batch
		}
		index[a.id] = len(arts)
		arts = append(arts, a)
		size += len(a.body)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, 0, err
	}
	if len(arts) == 0 {
		return st, after, nil
	}
	first, last := arts[0].id, arts[len(arts)-1].id

	rows, err = tx.Query(ctx, `SELECT article_id, text FROM passages
		WHERE article_id BETWEEN $1 AND $2 ORDER BY article_id, seq`, first, last)
	if err != nil {
		return st, 0, err
	}
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			rows.Close()
			return st, 0, err
		}
		if i, ok := index[id]; ok {
			arts[i].passages = append(arts[i].passages, text)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, 0, err
	}

	var resplit []int64
	for _, a := range arts {
		st.Articles++
		chunks := corpus.Chunk(a.body)
		// An empty body has nothing to split into; Add never stores one,
		// and an article must keep at least one passage.
		if len(chunks) == 0 || slices.Equal(chunks, a.passages) {
			continue
		}
		if err := db.replacePassages(ctx, tx, a, chunks); err != nil {
			return st, 0, fmt.Errorf("article %d: %w", a.id, err)
		}
		resplit = append(resplit, a.id)
		st.Resplit++
		st.PassagesBefore += len(a.passages)
		st.PassagesAfter += len(chunks)
	}
	return st, last, db.logChanges(ctx, tx, corpus.ChangeUpdate, resplit...)
}

// replacePassages gives article a the passages chunks (seq from 0) in tx,
// as Update does: deleting the old ones removes their vectors (cascade).
func (db *DB) replacePassages(ctx context.Context, tx pgx.Tx, a storedArticle, chunks []string) error {
	ps := make([]corpus.Passage, len(chunks))
	for i, c := range chunks {
		ps[i] = corpus.Passage{ArticleID: a.id, Seq: i, Text: c}
	}
	terms := db.an.ArticleTerms(a.title, ps)
	if _, err := tx.Exec(ctx, `DELETE FROM passages WHERE article_id = $1`, a.id); err != nil {
		return fmt.Errorf("delete passages: %w", err)
	}
	_, rows, err := passageRows(ctx, tx, a.id, ps, terms.Passages)
	if err != nil {
		return err
	}
	return copyPassages(ctx, tx, rows)
}
