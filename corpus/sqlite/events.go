package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// Record appends e to the audit trail. A zero e.At is stamped with db.Now().
func (db *DB) Record(ctx context.Context, e corpus.Event) (err error) {
	defer wrap(&err, "sqlite.Record(%s %d)", e.Action, e.ArticleID)
	if e.At.IsZero() {
		e.At = db.Now()
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO events (at, action, article_id, title, user_id, server_id, actor) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.At.Unix(), e.Action, e.ArticleID, e.Title, e.UserID, e.ServerID, e.Actor)
	return err
}

// Events returns the newest n audit entries of a server ("" for the
// console and DMs), newest first.
func (db *DB) Events(ctx context.Context, serverID string, n int) (_ []corpus.Event, err error) {
	defer wrap(&err, "sqlite.Events(%q)", serverID)
	rows, err := db.read.QueryContext(ctx, `SELECT id, at, action, article_id, title, user_id, server_id, actor
		FROM events WHERE server_id = ? ORDER BY at DESC, id DESC LIMIT ?`, serverID, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []corpus.Event
	for rows.Next() {
		var e corpus.Event
		var at sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &e.Action, &e.ArticleID, &e.Title, &e.UserID, &e.ServerID, &e.Actor); err != nil {
			return nil, err
		}
		e.At = timeOrZero(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// FindTitles returns up to n articles in scopes whose title contains query
// (case-insensitive), newest first; an empty query lists the newest. It
// serves autocomplete, where the input is a few typed letters.
func (db *DB) FindTitles(ctx context.Context, scopes []string, query string, n int) (_ []corpus.Article, err error) {
	defer wrap(&err, "sqlite.FindTitles(%q)", query)
	in, args := scopeArgs(scopes)
	q := `SELECT ` + articleColumns + ` FROM articles a WHERE a.scope IN (` + in + `)`
	if query = strings.TrimSpace(query); query != "" {
		q += ` AND a.title LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscape(query)+"%")
	}
	q += ` ORDER BY a.published_at DESC NULLS LAST, a.added_at DESC, a.id DESC LIMIT ?`
	args = append(args, n)
	return db.queryArticles(ctx, q, args...)
}

// likeEscape escapes LIKE's wildcards so typed text matches literally.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
