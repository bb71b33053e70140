// Package pgtest gives a test a fresh PostgreSQL database of its own on
// the server that NEWSBOT_TEST_POSTGRES names, and skips the test when it
// names none, so `go test ./...` passes on a machine without PostgreSQL.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Setting is the environment variable holding the admin DSN of the test
// server: a user that may CREATE DATABASE.
const Setting = "NEWSBOT_TEST_POSTGRES"

// SkipReason is what a test skipped for want of a server says.
const SkipReason = "PostgreSQL tests need " + Setting + "=postgres://user@host:port/db (a server where the user may CREATE DATABASE)"

// adminTimeout bounds creating and dropping a test database: seconds on a
// healthy server, so a hung one fails the test instead of stalling it.
const adminTimeout = time.Minute

// DSN creates an empty database with a random name and returns its DSN;
// the database is dropped when the test ends (WITH (FORCE): connections a
// failed test left open do not keep it). It skips the test when
// NEWSBOT_TEST_POSTGRES is unset.
func DSN(tb testing.TB) string {
	tb.Helper()
	admin := Require(tb)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := "newsbot_test_" + hex.EncodeToString(b[:])
	exec(tb, admin, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize())
	tb.Cleanup(func() { exec(tb, admin, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`) })
	dsn, err := withDatabase(admin, name)
	if err != nil {
		tb.Fatalf("%s: %v", Setting, err)
	}
	return dsn
}

// Require skips the test when NEWSBOT_TEST_POSTGRES is unset, and returns
// the admin DSN otherwise: for a test that opens databases in subtests,
// so the skip is said once.
func Require(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv(Setting)
	if admin == "" {
		tb.Skip(SkipReason)
	}
	return admin
}

// exec runs one statement on the admin connection.
func exec(tb testing.TB, admin, stmt string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("connect to %s: %v", Setting, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		tb.Fatalf("%s: %v", stmt, err)
	}
}

// withDatabase returns the admin DSN pointed at database name: the path of
// a URL, or a dbname setting after key=value ones (the last one counts).
func withDatabase(admin, name string) (string, error) {
	if !strings.HasPrefix(admin, "postgres://") && !strings.HasPrefix(admin, "postgresql://") {
		return admin + " dbname=" + name, nil
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}
