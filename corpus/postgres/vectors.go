package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/corpus"
)

// Passage embeddings (hybrid retrieval), stored as the SQLite store keeps
// them: int8 codes with a per-vector scale (see migrations/0001_init.sql).

// SaveVectors stores the embeddings of passages (passage id -> vector) made
// with model, in one transaction, replacing any earlier vector of those
// passages (of any model: a passage keeps one vector). Vectors should be
// unit length; they are stored quantised to int8 with a per-vector scale.
// Passages deleted since they were read are skipped. An empty model, or
// vectors of different, zero or excessive dimensions, return an error
// wrapping corpus.ErrInvalid and store nothing.
func (db *DB) SaveVectors(ctx context.Context, model string, vecs map[int64][]float32) (err error) {
	defer wrap(&err, "postgres.SaveVectors(%q)", model)
	dim, err := corpus.CheckVectors(model, vecs)
	if err != nil || len(vecs) == 0 {
		return err
	}
	ids := make([]int64, 0, len(vecs))
	for id := range vecs {
		ids = append(ids, id)
	}
	slices.Sort(ids) // rows of one save in passage order
	scales := make([]float32, len(ids))
	codes := make([][]byte, len(ids))
	code := make([]int8, dim)
	for i, id := range ids {
		scales[i] = corpus.Quantize(vecs[id], code)
		codes[i] = make([]byte, dim)
		for j, c := range code {
			codes[i][j] = byte(c)
		}
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		// The vector index pages by id (VectorRows): ids must grow in
		// commit order, as the change log's do (see logChanges), so saves
		// take their ids one transaction at a time.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, vectorLockKey); err != nil {
			return fmt.Errorf("lock vectors: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM passage_vectors WHERE passage_id = ANY($1)`, ids); err != nil {
			return fmt.Errorf("replace vectors: %w", err)
		}
		// The EXISTS skips a passage deleted meanwhile instead of failing
		// the whole batch on its foreign key.
		if _, err := tx.Exec(ctx, `INSERT INTO passage_vectors(passage_id, model, dim, scale, vec)
			SELECT v.pid, $4, $5, v.scale, v.vec
			FROM unnest($1::bigint[], $2::real[], $3::bytea[]) WITH ORDINALITY AS v(pid, scale, vec, ord)
			WHERE EXISTS (SELECT 1 FROM passages p WHERE p.id = v.pid)
			ORDER BY v.ord`, ids, scales, codes, model, dim); err != nil {
			return fmt.Errorf("save vectors: %w", err)
		}
		return nil
	})
}

// PassagesWithoutVectors returns up to limit passages with an id above
// afterID that have no vector of model, in id order: a backfill pages
// through them by passing the last id it got.
func (db *DB) PassagesWithoutVectors(ctx context.Context, model string, afterID int64, limit int) (_ []corpus.PassageText, err error) {
	defer wrap(&err, "postgres.PassagesWithoutVectors(%q)", model)
	rows, err := db.pool.Query(ctx, `SELECT p.id, a.title, p.text FROM passages p
		JOIN articles a ON a.id = p.article_id
		WHERE p.id > $1 AND NOT EXISTS (SELECT 1 FROM passage_vectors v WHERE v.passage_id = p.id AND v.model = $2)
		ORDER BY p.id LIMIT $3`, afterID, model, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.PassageText, error) {
		var p corpus.PassageText
		err := row.Scan(&p.ID, &p.Title, &p.Text)
		return p, err
	})
}

// CountPassagesWithoutVectors returns how many passages with an id above
// afterID have no vector of model.
func (db *DB) CountPassagesWithoutVectors(ctx context.Context, model string, afterID int64) (n int, err error) {
	defer wrap(&err, "postgres.CountPassagesWithoutVectors(%q)", model)
	var c int64
	err = db.pool.QueryRow(ctx, `SELECT count(*) FROM passages p WHERE p.id > $1
		AND NOT EXISTS (SELECT 1 FROM passage_vectors v WHERE v.passage_id = p.id AND v.model = $2)`, afterID, model).Scan(&c)
	return int(c), err
}

// MaxPassageID returns the highest passage id (0 when there is none):
// passages added later have higher ids, so it marks "added after now".
func (db *DB) MaxPassageID(ctx context.Context) (id int64, err error) {
	defer wrap(&err, "postgres.MaxPassageID")
	err = db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM passages`).Scan(&id)
	return id, err
}

// vectorColumns are the columns of a corpus.VectorRow, read by scanVectors.
const vectorColumns = `v.id, v.passage_id, p.article_id, a.scope, a.published_at, v.scale, v.vec`

// VectorRows returns up to limit stored vectors of model saved after the
// one with Seq after, in Seq order, with their articles' scope and
// published time: the in-memory index loads them all by paging with the
// last Seq it got, and later only the vectors saved since. Seq is
// passage_vectors' id, never reused and taken in commit order (see
// SaveVectors), so a reader that pages by it misses no vector.
func (db *DB) VectorRows(ctx context.Context, model string, after int64, limit int) (_ []corpus.VectorRow, err error) {
	defer wrap(&err, "postgres.VectorRows(%q, %d)", model, after)
	rows, err := db.pool.Query(ctx, `SELECT `+vectorColumns+`
		FROM passage_vectors v
		JOIN passages p ON p.id = v.passage_id
		JOIN articles a ON a.id = p.article_id
		WHERE v.model = $1 AND v.id > $2 ORDER BY v.id LIMIT $3`, model, after, limit)
	if err != nil {
		return nil, err
	}
	return scanVectors(rows)
}

// ArticleVectors returns the stored vectors of model of the passages of
// the given articles (those that exist and have vectors), in Seq order:
// the in-memory index reloads the articles the change log names.
func (db *DB) ArticleVectors(ctx context.Context, model string, articleIDs []int64) (_ []corpus.VectorRow, err error) {
	defer wrap(&err, "postgres.ArticleVectors(%q)", model)
	if len(articleIDs) == 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT `+vectorColumns+`
		FROM passages p
		JOIN passage_vectors v ON v.passage_id = p.id
		JOIN articles a ON a.id = p.article_id
		WHERE v.model = $1 AND p.article_id = ANY($2) ORDER BY v.id`, model, articleIDs)
	if err != nil {
		return nil, err
	}
	return scanVectors(rows)
}

// vectorSlab is the bytes of codes allocated at once by scanVectors: a
// few hundred vectors of today's models.
const vectorSlab = 1 << 20

// scanVectors reads and closes rows of vectorColumns. The codes of all
// rows share one slab: one allocation per page instead of one per vector.
func scanVectors(rows pgx.Rows) ([]corpus.VectorRow, error) {
	defer rows.Close()
	var (
		out  []corpus.VectorRow
		slab []int8
	)
	for rows.Next() {
		var (
			r         corpus.VectorRow
			published *int64
			vec       []byte
		)
		if err := rows.Scan(&r.Seq, &r.PassageID, &r.ArticleID, &r.Scope, &published, &r.Scale, &vec); err != nil {
			return nil, err
		}
		r.PublishedAt = timeOrZero(published)
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
