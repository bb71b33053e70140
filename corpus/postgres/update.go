package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/corpus"
)

// Update replaces the content of the stored article a.ID with a's: URL,
// Title, Source, Author, PublishedAt, Body, Hash and Passages (old passages
// go, new ones get new IDs), in one transaction, so a reader sees the old
// version or the new one, never a mix. The article keeps its ID, AddedAt,
// AddedBy and Scope; on success a's copies of them are set from the store,
// as are the IDs of its passages.
//
// a must be prepared (corpus.Prepare) as for Add, else Update returns an
// error wrapping corpus.ErrInvalid. It returns corpus.ErrNotFound if a.ID
// does not exist, and a *corpus.DuplicateError when the new URL or Hash is
// that of another article by Add's rules (same scope or global).
func (db *DB) Update(ctx context.Context, a *corpus.Article) (err error) {
	if a == nil {
		return fmt.Errorf("postgres.Update: nil article: %w", corpus.ErrInvalid)
	}
	defer wrap(&err, "postgres.Update(%d)", a.ID)
	switch {
	case a.Hash == "":
		return fmt.Errorf("no content hash (article not prepared): %w", corpus.ErrInvalid)
	case len(a.Passages) == 0:
		return fmt.Errorf("no passages (article not prepared): %w", corpus.ErrInvalid)
	}
	if err := storable(a); err != nil {
		return err
	}
	terms := db.an.ArticleTerms(a.Title, a.Passages)

	var (
		scope, addedBy string
		added          *int64
		ids            []int64
	)
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		// FOR UPDATE: two updates of one article queue here instead of
		// interleaving their passage rewrites.
		err := tx.QueryRow(ctx, `SELECT scope, added_by, added_at FROM articles WHERE id = $1 FOR UPDATE`, a.ID).Scan(&scope, &addedBy, &added)
		if errors.Is(err, pgx.ErrNoRows) {
			return corpus.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := updateDuplicate(ctx, tx, a, scope); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE articles SET url = $1, title = $2, source = $3, author = $4,
			published_at = $5, hash = $6, title_terms = $7 WHERE id = $8`,
			nullIfEmpty(a.URL), a.Title, a.Source, a.Author, unixOrNull(a.PublishedAt), a.Hash, terms.Title, a.ID); err != nil {
			return fmt.Errorf("update article: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE article_bodies SET body = $1 WHERE article_id = $2`, a.Body, a.ID); err != nil {
			return fmt.Errorf("update body: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM passages WHERE article_id = $1`, a.ID); err != nil {
			return fmt.Errorf("delete passages: %w", err)
		}
		var rows [][]any
		if ids, rows, err = passageRows(ctx, tx, a.ID, a.Passages, terms.Passages); err != nil {
			return err
		}
		if err := copyPassages(ctx, tx, rows); err != nil {
			return err
		}
		return db.logChanges(ctx, tx, corpus.ChangeUpdate, a.ID)
	})
	if err != nil {
		return err
	}
	a.Scope, a.AddedBy, a.AddedAt = scope, addedBy, timeOrZero(added)
	for i := range a.Passages {
		a.Passages[i].ID, a.Passages[i].ArticleID = ids[i], a.ID
	}
	return nil
}

// updateDuplicate applies Add's duplicate rules to the new content of an
// article of scope, ignoring the article itself.
func updateDuplicate(ctx context.Context, tx pgx.Tx, a *corpus.Article, scope string) error {
	const dup = ` AND scope IN ($2, '` + corpus.GlobalScope + `') AND id <> $3
		ORDER BY scope = '` + corpus.GlobalScope + `' DESC, id LIMIT 1`
	var existing int64
	if a.URL != "" {
		err := tx.QueryRow(ctx, `SELECT id FROM articles WHERE url = $1`+dup, a.URL, scope, a.ID).Scan(&existing)
		if err == nil {
			return &corpus.DuplicateError{ExistingID: existing, By: "url"}
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("check url: %w", err)
		}
	}
	err := tx.QueryRow(ctx, `SELECT id FROM articles WHERE hash = $1`+dup, a.Hash, scope, a.ID).Scan(&existing)
	if err == nil {
		return &corpus.DuplicateError{ExistingID: existing, By: "content"}
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("check hash: %w", err)
	}
	return nil
}
