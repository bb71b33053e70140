package sqlite

import "context"

// Ping checks that the database file can be read, for a health check: it
// reads the schema table, which touches the file but no article.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer wrap(&err, "sqlite.Ping")
	var n int
	return db.read.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n)
}
