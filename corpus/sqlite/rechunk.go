package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/newsbot/newsbot/corpus"
)

// Rechunk splits the body of every stored article again with corpus.Chunk
// and, where the passages differ from the stored ones, replaces them and
// their full-text index rows. Passages are split when an article is added,
// so without this a database built under older chunking rules would keep
// its old passages for good. It changes nothing else of an article (hash,
// URL, dates, scope), and an article already split by the current rules
// keeps its passages and their ids, so a second run changes nothing.
//
// The replaced passages' vectors go with them (ON DELETE CASCADE): with
// hybrid retrieval on, the new passages need embedding (see
// PassagesWithoutVectors).
//
// Articles are read and rewritten in id order, a few hundred KB per write
// transaction, so a search never sees an article without passages and a
// crash or cancellation loses at most the batch in progress; running it
// again goes on where it stopped, at the cost of reading the done articles
// again. progress, when not nil, is called after each batch with the
// articles read so far and the number there were at the start. On error the
// stats count the batches committed.
func (db *DB) Rechunk(ctx context.Context, progress func(done, total int)) (st corpus.RechunkStats, err error) {
	defer wrap(&err, "sqlite.Rechunk")
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM articles`).Scan(&total); err != nil {
		return st, fmt.Errorf("count articles: %w", err)
	}
	return corpus.RunRechunk(ctx, total, db.rechunkSome, progress)
}

// storedArticle is what Rechunk reads of an article.
type storedArticle struct {
	id          int64
	title, body string
	passages    []string // texts in seq order
}

// rechunkSome re-splits the articles with ids above after, as many as fit
// the limits of corpus.RechunkArticles (at least one), in one write transaction, and returns
// what it did and the last id read.
// Reading inside the write transaction means an Update or Delete by another
// process (a running bot) cannot fall between the read and the rewrite; the
// price is that the analysis of the re-split articles holds the write lock.
func (db *DB) rechunkSome(ctx context.Context, after int64) (st corpus.RechunkStats, last int64, err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return st, 0, err
	}
	defer tx.Rollback()

	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.title, b.body FROM articles a
		CROSS JOIN article_bodies b ON b.article_id = a.id
		WHERE a.id > ? ORDER BY a.id LIMIT ?`, after, corpus.RechunkArticles)
	if err != nil {
		return st, 0, err
	}
	var arts []storedArticle
	index := make(map[int64]int)
	size := 0
	for size < corpus.RechunkBytes && rows.Next() {
		var a storedArticle
		if err := rows.Scan(&a.id, &a.title, &a.body); err != nil {
			rows.Close()
			return st, 0, err
		}
		index[a.id] = len(arts)
		arts = append(arts, a)
		size += len(a.body)
	}
	if err := rows.Close(); err != nil {
		return st, 0, err
	}
	if err := rows.Err(); err != nil {
		return st, 0, err
	}
	if len(arts) == 0 {
		return st, after, tx.Commit()
	}
	first, last := arts[0].id, arts[len(arts)-1].id

	// One range scan of the (article_id, seq) index for the whole batch.
	rows, err = tx.QueryContext(ctx, `SELECT article_id, text, start_byte, end_byte FROM passages
		WHERE article_id BETWEEN ? AND ? ORDER BY article_id, seq`, first, last)
	if err != nil {
		return st, 0, err
	}
	for rows.Next() {
		var id int64
		var text string
		var start, end sql.NullInt64
		if err := rows.Scan(&id, &text, &start, &end); err != nil {
			rows.Close()
			return st, 0, err
		}
		i, ok := index[id]
		if !ok {
			continue
		}
		if text, err = passageText(arts[i].body, start, end, text); err != nil {
			rows.Close()
			return st, 0, fmt.Errorf("article %d: %w", id, err)
		}
		arts[i].passages = append(arts[i].passages, text)
	}
	if err := rows.Close(); err != nil {
		return st, 0, err
	}
	if err := rows.Err(); err != nil {
		return st, 0, err
	}

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
		st.Resplit++
		st.PassagesBefore += len(a.passages)
		st.PassagesAfter += len(chunks)
	}
	if err := tx.Commit(); err != nil {
		return st, 0, err
	}
	return st, last, nil
}

// replacePassages gives article a the passages chunks (seq from 0) in tx,
// as Update does: deleting the old ones removes their vectors (cascade), and
// the change log tells the index.
func (db *DB) replacePassages(ctx context.Context, tx *sql.Tx, a storedArticle, chunks []string) error {
	ps := make([]corpus.Passage, len(chunks))
	for i, c := range chunks {
		ps[i] = corpus.Passage{ArticleID: a.id, Seq: i, Text: c}
	}
	terms := db.an.ArticleTerms(a.title, ps)
	if _, err := tx.ExecContext(ctx, `DELETE FROM passages WHERE article_id = ?`, a.id); err != nil {
		return fmt.Errorf("delete passages: %w", err)
	}
	st := db.addStmts.in(ctx, tx)
	if _, err := insertPassages(ctx, st, a.id, a.body, ps, terms.Passages); err != nil {
		return err
	}
	return db.logChange(ctx, st, a.id, corpus.ChangeUpdate)
}
