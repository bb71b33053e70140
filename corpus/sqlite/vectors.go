package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// Passage embeddings (hybrid retrieval): SaveVectors stores them quantised
// to int8 (see migrations/0004_embeddings.sql), PassagesWithoutVectors feeds
// the backfill, and VectorRows and ArticleVectors feed the in-memory vector
// index (retrieval/index.Vectors), which does the searching.

// SaveVectors stores the embeddings of passages (passage id -> vector) made
// with model, in one transaction, replacing any earlier vector of those
// passages (of any model: a passage keeps one vector). Vectors should be
// unit length, since the vector index scores by dot product; they are stored
// quantised to int8 with a per-vector scale. Passages deleted since they
// were read are skipped. An empty model, or vectors of different, zero or
// excessive dimensions, return an error wrapping corpus.ErrInvalid and
// store nothing.
func (db *DB) SaveVectors(ctx context.Context, model string, vecs map[int64][]float32) (err error) {
	defer wrap(&err, "sqlite.SaveVectors(%q)", model)
	dim, err := corpus.CheckVectors(model, vecs)
	if err != nil || len(vecs) == 0 {
		return err
	}
	ids := make([]int64, 0, len(vecs))
	for id := range vecs {
		ids = append(ids, id)
	}
	// Id order keeps the rows of one save in passage order on disk.
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The EXISTS skips a passage deleted meanwhile instead of failing the
	// whole batch on its foreign key.
	stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO passage_vectors(passage_id, model, dim, scale, vec)
		SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM passages WHERE id = ?1)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	code := make([]int8, dim)
	buf := make([]byte, dim)
	for _, id := range ids {
		scale := corpus.Quantize(vecs[id], code)
		for i, c := range code {
			buf[i] = byte(c)
		}
		if _, err := stmt.ExecContext(ctx, id, model, dim, scale, buf); err != nil {
			return fmt.Errorf("save vector of passage %d: %w", id, err)
		}
	}
	return tx.Commit()
}

// PassagesWithoutVectors returns up to limit passages with an id above
// afterID that have no vector of model, in id order: a backfill pages
// through them by passing the last id it got.
func (db *DB) PassagesWithoutVectors(ctx context.Context, model string, afterID int64, limit int) (_ []corpus.PassageText, err error) {
	defer wrap(&err, "sqlite.PassagesWithoutVectors(%q)", model)
	rows, err := db.read.QueryContext(ctx, `SELECT p.id, a.title, `+passageTextSQL+` FROM passages p
		CROSS JOIN articles a ON a.id = p.article_id
		CROSS JOIN article_bodies b ON b.article_id = p.article_id
		WHERE p.id > ? AND NOT EXISTS (SELECT 1 FROM passage_vectors v WHERE v.passage_id = p.id AND v.model = ?)
		ORDER BY p.id LIMIT ?`, afterID, model, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []corpus.PassageText
	for rows.Next() {
		var p corpus.PassageText
		if err := rows.Scan(&p.ID, &p.Title, &p.Text); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountPassagesWithoutVectors returns how many passages with an id above
// afterID have no vector of model.
func (db *DB) CountPassagesWithoutVectors(ctx context.Context, model string, afterID int64) (n int, err error) {
	defer wrap(&err, "sqlite.CountPassagesWithoutVectors(%q)", model)
	err = db.read.QueryRowContext(ctx, `SELECT count(*) FROM passages p WHERE p.id > ?
		AND NOT EXISTS (SELECT 1 FROM passage_vectors v WHERE v.passage_id = p.id AND v.model = ?)`, afterID, model).Scan(&n)
	return n, err
}

// MaxPassageID returns the highest passage id (0 when there is none):
// passages added later have higher ids, so it marks "added after now".
func (db *DB) MaxPassageID(ctx context.Context) (id int64, err error) {
	defer wrap(&err, "sqlite.MaxPassageID")
	var n sql.NullInt64
	err = db.read.QueryRowContext(ctx, `SELECT max(id) FROM passages`).Scan(&n)
	return n.Int64, err
}

// vectorColumns are the columns of a corpus.VectorRow, read by scanVector.
const vectorColumns = `v.id, v.passage_id, p.article_id, a.scope, a.published_at, v.scale, v.vec`

// VectorRows returns up to limit stored vectors of model saved after the
// one with Seq after, in Seq order, with their articles' scope and
// published time: the in-memory index loads them all by paging with the
// last Seq it got, and later only the vectors saved since. Seq is
// passage_vectors' AUTOINCREMENT id, never reused and assigned in commit
// order (one writer), so a reader that pages by it misses no vector.
func (db *DB) VectorRows(ctx context.Context, model string, after int64, limit int) (_ []corpus.VectorRow, err error) {
	defer wrap(&err, "sqlite.VectorRows(%q, %d)", model, after)
	rows, err := db.read.QueryContext(ctx, `SELECT `+vectorColumns+`
		FROM passage_vectors v
		CROSS JOIN passages p ON p.id = v.passage_id
		CROSS JOIN articles a ON a.id = p.article_id
		WHERE v.model = ? AND v.id > ? ORDER BY v.id LIMIT ?`, model, after, limit)
	if err != nil {
		return nil, err
	}
	return scanVectors(rows)
}

// ArticleVectors returns the stored vectors of model of the passages of
// the given articles (those that exist and have vectors), in Seq order:
// the in-memory index reloads the articles the change log names, so an
// updated article's replaced passages leave it and its new ones arrive.
func (db *DB) ArticleVectors(ctx context.Context, model string, articleIDs []int64) (_ []corpus.VectorRow, err error) {
	defer wrap(&err, "sqlite.ArticleVectors(%q)", model)
	var out []corpus.VectorRow
	// In slices, to stay far below SQLite's limit on bound parameters.
	for len(articleIDs) > 0 {
		n := min(len(articleIDs), maxInArgs)
		args := make([]any, 0, n+1)
		args = append(args, model)
		for _, id := range articleIDs[:n] {
			args = append(args, id)
		}
		articleIDs = articleIDs[n:]
		in := strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
		rows, err := db.read.QueryContext(ctx, `SELECT `+vectorColumns+`
			FROM passages p
			CROSS JOIN passage_vectors v ON v.passage_id = p.id
			CROSS JOIN articles a ON a.id = p.article_id
			WHERE v.model = ? AND p.article_id IN (`+in+`) ORDER BY v.id`, args...)
		if err != nil {
			return nil, err
		}
		got, err := scanVectors(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// maxInArgs is the most ids one IN list binds: SQLite allows 32766
// parameters; a thousand keeps each statement small.
const maxInArgs = 1000

// scanVectors reads and closes rows of vectorColumns. The codes of all
// rows share one slab: one allocation per page instead of one per vector.
func scanVectors(rows *sql.Rows) ([]corpus.VectorRow, error) {
	defer rows.Close()
	var (
		out  []corpus.VectorRow
		slab []int8
	)
	for rows.Next() {
		var (
			r         corpus.VectorRow
			published sql.NullInt64
			scale     float64
			vec       []byte
		)
		if err := rows.Scan(&r.Seq, &r.PassageID, &r.ArticleID, &r.Scope, &published, &scale, &vec); err != nil {
			return nil, err
		}
		r.PublishedAt = timeOrZero(published)
		r.Scale = float32(scale)
		if cap(slab)-len(slab) < len(vec) {
			slab = make([]int8, 0, max(len(vec), vectorSlab))
		}
		start := len(slab)
		for _, b := range vec {
			slab = append(slab, int8(b))
		}
		r.Codes = slab[start:len(slab):len(slab)]
		out = append(out, r)
	}
	return out, rows.Err()
}

// vectorSlab is the bytes of codes allocated at once by scanVectors: a
// few hundred vectors of today's models.
const vectorSlab = 1 << 20
