package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/corpus"
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

// SetStory records the story of an article unless it already has one, and
// returns the story it has after the call. The update takes the row's lock
// and only writes a NULL story_id, so when several processes group the
// same article the first commit wins and the others read the winner's
// story. Returns corpus.ErrNotFound if the article does not exist.
func (db *DB) SetStory(ctx context.Context, articleID, storyID int64) (_ int64, err error) {
	defer wrap(&err, "postgres.SetStory(%d, %d)", articleID, storyID)
	var got int64
	err = db.pool.QueryRow(ctx,
		`UPDATE articles SET story_id = coalesce(story_id, $1) WHERE id = $2 RETURNING story_id`,
		storyID, articleID).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, corpus.ErrNotFound
	}
	return got, err
}

// Ungrouped returns up to limit ids of articles without a story, above
// after, in id order (the grouper's backlog).
func (db *DB) Ungrouped(ctx context.Context, after int64, limit int) (_ []int64, err error) {
	defer wrap(&err, "postgres.Ungrouped(%d)", after)
	rows, err := db.pool.Query(ctx,
		`SELECT id FROM articles WHERE story_id IS NULL AND id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// StoryArticles returns the articles of a story in scopes (GlobalScope
// when empty), with their bodies, earliest published first (undated last,
// then by id). An article not grouped yet is the story whose id is its
// own. An unknown story has no articles.
func (db *DB) StoryArticles(ctx context.Context, storyID int64, scopes []string) (_ []corpus.Article, err error) {
	defer wrap(&err, "postgres.StoryArticles(%d)", storyID)
	rows, err := db.pool.Query(ctx, `SELECT id FROM articles
		WHERE (story_id = $1 OR (story_id IS NULL AND id = $1)) AND scope = ANY($2)
		ORDER BY published_at ASC NULLS LAST, id ASC`, storyID, scopesOrGlobal(scopes))
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
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
	defer wrap(&err, "postgres.LatestStories")
	n := q.N
	if n <= 0 {
		n = defaultLatestN
	}
	args := []any{scopesOrGlobal(q.Scopes)}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := `scope = ANY($1)`
	if p := q.Published; !p.From.IsZero() {
		where += ` AND published_at >= ` + arg(p.From.Unix())
	}
	if p := q.Published; !p.To.IsZero() {
		where += ` AND published_at < ` + arg(p.To.Unix())
	}
	if p := q.Published; !p.Before.IsZero() {
		where += ` AND (published_at IS NULL OR published_at <= ` + arg(p.Before.Unix()) + `)`
	}
	// Only the stories of the newest articles can be the newest stories
	// (a story ranks by its newest article), so the listing groups those
	// candidates instead of every article in scope (see the SQLite store).
	cand := `SELECT coalesce(story_id, id) FROM articles WHERE ` + where
	if q.Source != "" {
		cand += ` AND lower(source) = lower(` + arg(q.Source) + `)`
	}
	cand += ` ORDER BY published_at DESC NULLS LAST, added_at DESC, id DESC LIMIT ` + arg(0) // set below
	limitIdx := len(args) - 1
	having := ""
	if q.Source != "" {
		having = ` HAVING bool_or(lower(source) = lower(` + arg(q.Source) + `))`
	}
	// The headline is the first article by (published, id), undated last.
	query := `WITH c AS (` + cand + `),
		m AS (SELECT id, coalesce(story_id, id) AS story, source, published_at, added_at
			FROM articles WHERE ` + where + ` AND (story_id IN (SELECT * FROM c) OR story_id IS NULL AND id IN (SELECT * FROM c))),
		s AS (SELECT story, count(*) AS n, count(DISTINCT nullif(lower(source), '')) AS outlets,
				max(published_at) AS pub, max(added_at) AS added, max(id) AS last
			FROM m GROUP BY story` + having + `
			ORDER BY pub DESC NULLS LAST, added DESC, last DESC LIMIT ` + arg(n) + `)
		SELECT s.story, s.n, s.outlets,
			(SELECT m.id FROM m WHERE m.story = s.story ORDER BY m.published_at ASC NULLS LAST, m.id ASC LIMIT 1)
		FROM s ORDER BY s.pub DESC NULLS LAST, s.added DESC, s.last DESC`
	limit, err := db.candidateLimit(ctx, cand, args[:limitIdx+1], n)
	if err != nil {
		return nil, err
	}
	args[limitIdx] = limit
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.StoryHead, error) {
		var h corpus.StoryHead
		err := row.Scan(&h.ID, &h.Articles, &h.Outlets, &h.Headline.ID)
		return h, err
	})
	if err != nil || len(out) == 0 {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, h := range out {
		ids[i] = h.Headline.ID
	}
	arts, err := db.queryArticles(ctx, `SELECT `+articleColumns+` FROM articles a WHERE a.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	return corpus.WithHeadlines(out, arts), nil
}

// candidateLimit returns how many of the newest articles (the query cand,
// which selects their story ids newest first; its last argument, in args,
// is the limit) hold n stories, or all of them when they hold fewer.
func (db *DB) candidateLimit(ctx context.Context, cand string, args []any, n int) (int, error) {
	args = append([]any(nil), args...)
	for limit := corpus.LatestStoryCandidates * n; ; limit *= 4 {
		args[len(args)-1] = limit
		rows, err := db.pool.Query(ctx, cand, args...)
		if err != nil {
			return 0, err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return 0, err
		}
		if corpus.EnoughStoryCandidates(ids, limit, n) {
			return limit, nil
		}
	}
}
