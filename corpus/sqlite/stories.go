package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/newsbot/newsbot/corpus"
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

// SetStory records the story of an article unless it already has one, and
// returns the story it has after the call. The update only writes a NULL
// story_id, so when several processes group the same article the first
// write wins and the others read the winner's story. Returns
// corpus.ErrNotFound if the article does not exist.
func (db *DB) SetStory(ctx context.Context, articleID, storyID int64) (_ int64, err error) {
	defer wrap(&err, "sqlite.SetStory(%d, %d)", articleID, storyID)
	var got int64
	err = db.write.QueryRowContext(ctx,
		`UPDATE articles SET story_id = coalesce(story_id, ?) WHERE id = ? RETURNING story_id`,
		storyID, articleID).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, corpus.ErrNotFound
	}
	return got, err
}

// Ungrouped returns up to limit ids of articles without a story, above
// after, in id order (the grouper's backlog).
func (db *DB) Ungrouped(ctx context.Context, after int64, limit int) (_ []int64, err error) {
	defer wrap(&err, "sqlite.Ungrouped(%d)", after)
	rows, err := db.read.QueryContext(ctx,
		`SELECT id FROM articles WHERE story_id IS NULL AND id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanID)
}

// StoryArticles returns the articles of a story in scopes (GlobalScope
// when empty), with their bodies, earliest published first (undated last,
// then by id). An article not grouped yet is the story whose id is its
// own. An unknown story has no articles.
func (db *DB) StoryArticles(ctx context.Context, storyID int64, scopes []string) (_ []corpus.Article, err error) {
	defer wrap(&err, "sqlite.StoryArticles(%d)", storyID)
	in, args := scopeArgs(scopes)
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM articles
		WHERE (story_id = ? OR (story_id IS NULL AND id = ?)) AND scope IN (`+in+`)
		ORDER BY published_at ASC NULLS LAST, id ASC`, append([]any{storyID, storyID}, args...)...)
	if err != nil {
		return nil, err
	}
	ids, err := collect(rows, scanID)
	if err != nil {
		return nil, err
	}
	return corpus.GetExisting(ctx, ids, db.Get)
}

// LatestStories returns the newest stories in q.Scopes (GlobalScope when
// empty): ordered as Latest orders articles, by each story's newest
// article. Only the articles q.Published lets through count; with
// q.Source, only stories that outlet carried are listed (counting every
// outlet). The headline has no Body or Passages.
func (db *DB) LatestStories(ctx context.Context, q corpus.LatestQuery) (_ []corpus.StoryHead, err error) {
	defer wrap(&err, "sqlite.LatestStories")
	n := q.N
	if n <= 0 {
		n = defaultLatestN
	}
	in, scopeVals := scopeArgs(q.Scopes)
	where := `scope IN (` + in + `)`
	whereArgs := scopeVals
	if p := q.Published; !p.From.IsZero() {
		where += ` AND published_at >= ?`
		whereArgs = append(whereArgs, p.From.Unix())
	}
	if p := q.Published; !p.To.IsZero() {
		where += ` AND published_at < ?`
		whereArgs = append(whereArgs, p.To.Unix())
	}
	if p := q.Published; !p.Before.IsZero() {
		where += ` AND (published_at IS NULL OR published_at <= ?)`
		whereArgs = append(whereArgs, p.Before.Unix())
	}
	// Only the stories of the newest articles can be the newest stories
	// (a story ranks by its newest article), so the listing groups those
	// candidates, found through the index Latest uses, instead of every
	// article in scope: on 70,000 articles that took a second.
	cand := `SELECT coalesce(story_id, id) FROM articles WHERE ` + where
	candArgs := append([]any(nil), whereArgs...)
	if q.Source != "" {
		cand += ` AND lower(source) = lower(?)`
		candArgs = append(candArgs, q.Source)
	}
	cand += ` ORDER BY published_at DESC NULLS LAST, added_at DESC, id DESC LIMIT ?`
	having := ""
	if q.Source != "" {
		having = ` HAVING sum(lower(source) = lower(?)) > 0`
	}
	// The headline is the first article by (published, id): undated
	// articles sort after dated ones, as NULLS LAST does.
	query := `WITH c AS (` + cand + `),
		m AS (SELECT id, coalesce(story_id, id) AS story, source, published_at, added_at
			FROM articles WHERE ` + where + ` AND (story_id IN (SELECT * FROM c) OR story_id IS NULL AND id IN (SELECT * FROM c))),
		s AS (SELECT story, count(*) AS n, count(DISTINCT nullif(lower(source), '')) AS outlets,
				max(published_at) AS pub, max(added_at) AS added, max(id) AS last
			FROM m GROUP BY story` + having + `
			ORDER BY pub DESC NULLS LAST, added DESC, last DESC LIMIT ?)
		SELECT s.story, s.n, s.outlets,
			(SELECT m.id FROM m WHERE m.story = s.story ORDER BY m.published_at ASC NULLS LAST, m.id ASC LIMIT 1)
		FROM s ORDER BY s.pub DESC NULLS LAST, s.added DESC, s.last DESC`
	// The newest candidates hold at least as many stories as were asked
	// for unless a few stories have many articles; then look further.
	limit, err := db.candidateLimit(ctx, cand, candArgs, n)
	if err != nil {
		return nil, err
	}
	args := append(append(append([]any(nil), candArgs...), limit), whereArgs...)
	if q.Source != "" {
		args = append(args, q.Source)
	}
	args = append(args, n)
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []corpus.StoryHead
	for rows.Next() {
		var h corpus.StoryHead
		if err := rows.Scan(&h.ID, &h.Articles, &h.Outlets, &h.Headline.ID); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return nil, err
	}
	ids := make([]any, len(out))
	for i, h := range out {
		ids[i] = h.Headline.ID
	}
	arts, err := db.queryArticles(ctx, `SELECT `+articleColumns+` FROM articles a WHERE a.id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, ids...)
	if err != nil {
		return nil, err
	}
	return corpus.WithHeadlines(out, arts), nil
}

// candidateLimit returns how many of the newest articles (the query cand,
// which selects their story ids newest first and ends in LIMIT ?) hold n
// stories, or all of them when they hold fewer.
func (db *DB) candidateLimit(ctx context.Context, cand string, args []any, n int) (int, error) {
	for limit := corpus.LatestStoryCandidates * n; ; limit *= 4 {
		rows, err := db.read.QueryContext(ctx, cand, append(append([]any(nil), args...), limit)...)
		if err != nil {
			return 0, err
		}
		ids, err := collect(rows, scanID)
		if err != nil {
			return 0, err
		}
		if corpus.EnoughStoryCandidates(ids, limit, n) {
			return limit, nil
		}
	}
}
