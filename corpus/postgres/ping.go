package postgres

import "context"

// Ping checks that the server answers on a pooled connection, for a health
// check.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer wrap(&err, "postgres.Ping")
	return db.pool.Ping(ctx)
}
