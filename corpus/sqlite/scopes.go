package sqlite

import (
	"context"
	"database/sql"

	"github.com/newsbot/newsbot/corpus"
)

// Scopes returns every scope that holds articles, GlobalScope first and
// always present: the operator's CLI uses it to see all servers' articles.
func (db *DB) Scopes(ctx context.Context) (_ []string, err error) {
	defer wrap(&err, "sqlite.Scopes")
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT scope FROM articles WHERE scope != ? ORDER BY scope`, corpus.GlobalScope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{corpus.GlobalScope}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// oneRow turns the result of an UPDATE or DELETE of one record by id into
// corpus.ErrNotFound when no row matched.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return corpus.ErrNotFound
	}
	return nil
}
