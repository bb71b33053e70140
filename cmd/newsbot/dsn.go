package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// isPostgres reports whether a database setting (NEWSBOT_DB or -db) names
// a PostgreSQL server rather than a SQLite file.
func isPostgres(db string) bool {
	l := strings.ToLower(db)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// keyValueDSN matches PostgreSQL's key=value connection settings
// ("host=db user=bot password=..."), which newsbot does not take.
var keyValueDSN = regexp.MustCompile(`(^|\s)(host|hostaddr|port|dbname|user|password|sslmode)=`)

// looksLikeKeyValueDSN reports whether a database setting is PostgreSQL
// key=value settings rather than a path.
func looksLikeKeyValueDSN(db string) bool { return !isPostgres(db) && keyValueDSN.MatchString(db) }

// dsnPassword returns the password a postgres:// URL holds, in its user
// information or as a password parameter; "" when there is none.
func dsnPassword(dsn string) string {
	if !isPostgres(dsn) {
		return ""
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return p
	}
	return u.Query().Get("password")
}

// redactDSN returns a database setting fit to print: a postgres:// URL
// with its password replaced (user information and parameter), a file
// path as it is. A URL that does not parse is replaced whole, since where
// its password is cannot be told.
func redactDSN(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://" + redactedMark
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), redactedMark)
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", redactedMark)
		u.RawQuery = q.Encode()
	}
	// url.URL.String escapes the brackets of the mark; print it as is.
	return strings.NewReplacer("%5Bredacted%5D", redactedMark).Replace(u.String())
}

// postgresSnapshot is the default index snapshot of a PostgreSQL
// database: there is no database file to put it beside, so it goes in the
// user's cache directory, named by a hash of the DSN without its password
// (a changed password keeps the snapshot; another server or database gets
// its own). "" when there is no cache directory.
func postgresSnapshot(cacheDir, dsn string) string {
	if cacheDir == "" {
		return ""
	}
	key := dsn
	if u, err := url.Parse(dsn); err == nil {
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		q.Del("password")
		u.RawQuery = q.Encode()
		key = u.String()
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(cacheDir, "newsbot", "index-"+hex.EncodeToString(sum[:8])+".index")
}
