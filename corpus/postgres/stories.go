package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// StoryOf returns the story of an article (corpus/stories); ok is false
// when the article has none yet or does not exist.
func (db *DB) StoryOf(ctx context.Context, articleID int64) (storyID int64, ok bool, err error) {
	defer wrap(&err, "postgres.StoryOf(%d)", articleID)
	var id *int64
	err = db.pool.QueryRow(ctx, `SELECT story_id FROM articles WHERE id = $1`, articleID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil || id == nil {
		return 0, false, err
	}
	return *id, true, nil
}

// SetStory records the story of an article. Returns corpus.ErrNotFound if
// the article does not exist.
func (db *DB) SetStory(ctx context.Context, articleID, storyID int64) (err error) {
	defer wrap(&err, "postgres.SetStory(%d, %d)", articleID, storyID)
	return oneRow(db.pool.Exec(ctx, `UPDATE articles SET story_id = $1 WHERE id = $2`, storyID, articleID))
}
