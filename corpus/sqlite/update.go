package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/newsbot/newsbot/corpus"
)

// Update replaces the content of the stored article a.ID with a's: URL,
// Title, Source, Author, PublishedAt, Body, Hash and Passages (old passages
// and their index entries go, new ones get new IDs), in one transaction, so
// a search sees the old version or the new one, never a mix. The article
// keeps its ID, AddedAt, AddedBy and Scope: who added it and where it is
// visible are facts of the add, not of the content; on success a's copies
// of them are set from the store, as are the IDs of its passages.
//
// a must be prepared (corpus.Prepare) as for Add, else Update returns an
// error wrapping corpus.ErrInvalid. It returns corpus.ErrNotFound if a.ID
// does not exist, and a *corpus.DuplicateError when the new URL or Hash is
// that of another article by Add's rules (same scope or global).
func (db *DB) Update(ctx context.Context, a *corpus.Article) (err error) {
	if a == nil {
		return fmt.Errorf("sqlite.Update: nil article: %w", corpus.ErrInvalid)
	}
	defer wrap(&err, "sqlite.Update(%d)", a.ID)
	switch {
	case a.Hash == "":
		return fmt.Errorf("no content hash (article not prepared): %w", corpus.ErrInvalid)
	case len(a.Passages) == 0:
		return fmt.Errorf("no passages (article not prepared): %w", corpus.ErrInvalid)
	}
	terms := db.an.ArticleTerms(a.Title, a.Passages)

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var (
		scope, addedBy string
		added          sql.NullInt64
	)
	err = tx.QueryRowContext(ctx, `SELECT scope, added_by, added_at FROM articles WHERE id = ?`, a.ID).Scan(&scope, &addedBy, &added)
	if errors.Is(err, sql.ErrNoRows) {
		return corpus.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := updateDuplicate(ctx, tx, a, scope); err != nil {
		return err
	}
	var url any
	if a.URL != "" {
		url = a.URL
	}
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET url = ?, title = ?, source = ?, author = ?,
		published_at = ?, hash = ?, title_terms = ? WHERE id = ?`,
		url, a.Title, a.Source, a.Author, unixOrNull(a.PublishedAt), a.Hash, terms.Title, a.ID); err != nil {
		return fmt.Errorf("update article: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE article_bodies SET body = ? WHERE article_id = ?`, a.Body, a.ID); err != nil {
		return fmt.Errorf("update body: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM passages WHERE article_id = ?`, a.ID); err != nil {
		return fmt.Errorf("delete passages: %w", err)
	}
	st := db.addStmts.in(ctx, tx)
	ids, err := insertPassages(ctx, st, a.ID, a.Body, a.Passages, terms.Passages)
	if err != nil {
		return err
	}
	if err := db.logChange(ctx, st, a.ID, corpus.ChangeUpdate); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
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
func updateDuplicate(ctx context.Context, tx *sql.Tx, a *corpus.Article, scope string) error {
	const dup = ` AND scope IN (?, '` + corpus.GlobalScope + `') AND id != ?
		ORDER BY scope = '` + corpus.GlobalScope + `' DESC, id LIMIT 1`
	var existing int64
	if a.URL != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM articles WHERE url = ?`+dup, a.URL, scope, a.ID).Scan(&existing)
		if err == nil {
			return &corpus.DuplicateError{ExistingID: existing, By: "url"}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check url: %w", err)
		}
	}
	err := tx.QueryRowContext(ctx, `SELECT id FROM articles WHERE hash = ?`+dup, a.Hash, scope, a.ID).Scan(&existing)
	if err == nil {
		return &corpus.DuplicateError{ExistingID: existing, By: "content"}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("check hash: %w", err)
	}
	return nil
}
