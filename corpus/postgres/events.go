package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/corpus"
)

// Record appends e to the audit trail. A zero e.At is stamped with db.Now().
func (db *DB) Record(ctx context.Context, e corpus.Event) (err error) {
	defer wrap(&err, "postgres.Record(%s %d)", e.Action, e.ArticleID)
	if e.At.IsZero() {
		e.At = db.Now()
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO events (at, action, article_id, title, user_id, server_id, actor)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.At.Unix(), e.Action, e.ArticleID, e.Title, e.UserID, e.ServerID, e.Actor)
	return err
}

// Events returns the newest n audit entries of a server ("" for the
// console and DMs), newest first.
func (db *DB) Events(ctx context.Context, serverID string, n int) (_ []corpus.Event, err error) {
	defer wrap(&err, "postgres.Events(%q)", serverID)
	rows, err := db.pool.Query(ctx, `SELECT id, at, action, article_id, title, user_id, server_id, actor
		FROM events WHERE server_id = $1 ORDER BY at DESC, id DESC LIMIT $2`, serverID, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.Event, error) {
		var e corpus.Event
		var at *int64
		err := row.Scan(&e.ID, &at, &e.Action, &e.ArticleID, &e.Title, &e.UserID, &e.ServerID, &e.Actor)
		e.At = timeOrZero(at)
		return e, err
	})
}

// FindTitles returns up to n articles in scopes whose title contains query
// (case-insensitive), newest first; an empty query lists the newest. It
// serves autocomplete, where the input is a few typed letters.
func (db *DB) FindTitles(ctx context.Context, scopes []string, query string, n int) (_ []corpus.Article, err error) {
	defer wrap(&err, "postgres.FindTitles(%q)", query)
	q := `SELECT ` + articleColumns + ` FROM articles a WHERE a.scope = ANY($1)`
	args := []any{scopesOrGlobal(scopes)}
	if query = strings.TrimSpace(query); query != "" {
		q += ` AND a.title ILIKE $2 ESCAPE '\'`
		args = append(args, "%"+likeEscape(query)+"%")
	}
	args = append(args, n)
	q += latestOrder + fmt.Sprintf(` LIMIT $%d`, len(args))
	return db.queryArticles(ctx, q, args...)
}

// likeEscape escapes LIKE's wildcards so typed text matches literally.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Scopes returns every scope that holds articles, GlobalScope first and
// always present: the operator's CLI uses it to see all servers' articles.
//
// The scopes are few and the articles many, so it walks the scope index
// from one scope to the next, one seek each (a loose index scan), rather
// than reading every entry as SELECT DISTINCT does.
func (db *DB) Scopes(ctx context.Context) (_ []string, err error) {
	defer wrap(&err, "postgres.Scopes")
	rows, err := db.pool.Query(ctx, `WITH RECURSIVE s(scope) AS (
			(SELECT min(scope) FROM articles)
			UNION ALL
			SELECT (SELECT min(scope) FROM articles WHERE scope > s.scope) FROM s WHERE s.scope IS NOT NULL)
		SELECT scope FROM s WHERE scope IS NOT NULL AND scope <> $1 ORDER BY scope COLLATE "C"`, corpus.GlobalScope)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	return append([]string{corpus.GlobalScope}, found...), nil
}
