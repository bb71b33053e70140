package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// StoryOf returns the story of an article (corpus/stories); ok is false
// when the article has none yet or does not exist.
func (db *DB) StoryOf(ctx context.Context, articleID int64) (storyID int64, ok bool, err error) {
	defer wrap(&err, "sqlite.StoryOf(%d)", articleID)
	var id sql.NullInt64
	err = db.read.QueryRowContext(ctx, `SELECT story_id FROM articles WHERE id = ?`, articleID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return id.Int64, id.Valid, nil
}

// SetStory records the story of an article. Returns corpus.ErrNotFound if
// the article does not exist.
func (db *DB) SetStory(ctx context.Context, articleID, storyID int64) (err error) {
	defer wrap(&err, "sqlite.SetStory(%d, %d)", articleID, storyID)
	return oneRow(db.write.ExecContext(ctx, `UPDATE articles SET story_id = ? WHERE id = ?`, storyID, articleID))
}
