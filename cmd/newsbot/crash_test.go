//go:build slow

package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var crashSeed = flag.Uint64("crash.seed", 0, "seed of TestCrashDuringIngest's kill delays; 0 picks one (and logs it)")

// Crash test parameters.
const (
	// crashKills is how many times the ingest is killed.
	crashKills = 5
	// killWindow bounds the random delay between the ingest's first new
	// article and the kill: at about 1,400 articles a second (~300-word
	// passages, 2 cores), each kill lands within the next ~2,800 articles,
	// so five kills never reach the end of the 18,678.
	killWindow = 2 * time.Second
)

// TestCrashDuringIngest builds newsbot, ingests Reuters-21578 into one
// database and kills the process with SIGKILL at random moments, five times.
// After each kill the database must be intact: integrity_check ok, every
// article with its body, its passages numbered without gaps and each
// passage in the full-text index (and nothing in the index without a
// passage), no article stored twice, and every article a reader saw
// committed before the kill still there. Finally an ingest without a kill
// must complete the corpus to its 18,678 distinct articles.
func TestCrashDuringIngest(t *testing.T) {
	needReuters(t)
	if testing.Short() {
		t.Skip("builds newsbot and ingests Reuters-21578 six times over; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "newsbot")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(t.TempDir(), "crash.db")
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("kill delays seeded with %d (rerun with -crash.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	total := time.Now()
	for k := 1; k <= crashKills; k++ {
		cycle := time.Now()
		before := articleCount(t, db)
		delay := time.Duration(rng.Int64N(int64(killWindow)))
		cmd := exec.Command(bin, "-db", db, "ingest", reutersDir)
		cmd.Env = []string{"NEWSBOT_LOG_LEVEL=error", "PATH=" + os.Getenv("PATH")}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()

		// Wait for the ingest to pass the articles already stored and
		// write a new one, then for the random delay, watching (as a
		// reader would) the most articles committed.
		seen, firstWrite, err := watchIngest(db, before, delay, exited)
		if err != nil {
			t.Fatalf("kill %d: %v\n%s", k, err, out.String())
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("kill %d: ingest ended with %v before the kill; want it killed mid-ingest\n%s", k, err, out.String())
		}
		killedAt := time.Since(cycle)

		checkStart := time.Now()
		st := checkStore(t, db)
		t.Logf("kill %d: %v after start (%v after its first new article, delay %v); articles %d before, %d seen committed, %d after the kill, passages %d; checks %v; cycle %v",
			k, killedAt.Round(time.Millisecond), (killedAt - firstWrite).Round(time.Millisecond), delay.Round(time.Millisecond),
			before, seen, st.articles, st.passages, time.Since(checkStart).Round(time.Millisecond), time.Since(cycle).Round(time.Millisecond))
		if st.articles < seen {
			t.Errorf("kill %d: %d articles after the kill; a reader had seen %d committed", k, st.articles, seen)
		}
		if st.articles >= reutersDistinct {
			t.Fatalf("kill %d: the ingest had finished (%d articles); the kill must land mid-ingest", k, st.articles)
		}
	}

	before := articleCount(t, db)
	start := time.Now()
	cmd := exec.Command(bin, "-db", db, "ingest", reutersDir)
	cmd.Env = []string{"NEWSBOT_LOG_LEVEL=error", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ingest after the kills: %v\n%s", err, out)
	}
	want := fmt.Sprintf("added %d, duplicates %d, failed 0", reutersDistinct-before, 19043-(reutersDistinct-before))
	if !strings.Contains(string(out), want) {
		t.Errorf("ingest after the kills printed %q; want %q", strings.TrimSpace(string(out)), want)
	}
	st := checkStore(t, db)
	t.Logf("ingest after the kills: %v, %s; %d articles, %d passages; whole test %v",
		time.Since(start).Round(time.Millisecond), strings.TrimSpace(lastLine(string(out))), st.articles, st.passages, time.Since(total).Round(time.Second))
	if st.articles != reutersDistinct {
		t.Errorf("%d articles after the final ingest; want %d", st.articles, reutersDistinct)
	}
}

// watchIngest polls the article count of db until it exceeds before (the
// ingest is writing), then for delay more, and returns the most articles
// seen committed and when the first new one was seen (since the call). It
// fails if the process exits first.
func watchIngest(db string, before int, delay time.Duration, exited <-chan error) (seen int, firstWrite time.Duration, err error) {
	start := time.Now()
	var conn *sql.DB
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	var deadline time.Time
	for {
		select {
		case err := <-exited:
			return seen, firstWrite, fmt.Errorf("ingest exited before the kill: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if conn == nil {
			if _, err := os.Stat(db); err != nil {
				continue // not created yet
			}
			if conn, err = sql.Open("sqlite", db+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)"); err != nil {
				return seen, firstWrite, err
			}
		}
		var n int
		if err := conn.QueryRow(`SELECT count(*) FROM articles`).Scan(&n); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // migrations not applied yet
			}
			return seen, firstWrite, fmt.Errorf("count articles while ingesting: %w", err)
		}
		seen = max(seen, n)
		if deadline.IsZero() && n > before {
			firstWrite = time.Since(start)
			deadline = time.Now().Add(delay)
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return seen, firstWrite, nil
		}
	}
}

// articleCount is the number of articles in db, 0 if it does not exist.
func articleCount(t *testing.T, db string) int {
	t.Helper()
	if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
		return 0
	}
	return checkStore(t, db).articles
}

type storeCounts struct{ articles, passages int }

// checkStore opens db as the next process would after a crash and checks
// that nothing half-written is visible.
func checkStore(t *testing.T, db string) storeCounts {
	t.Helper()
	conn, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()

	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	var results []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		results = append(results, s)
	}
	rows.Close()
	if len(results) != 1 || results[0] != "ok" {
		t.Errorf("PRAGMA integrity_check = %q; want ok", results)
	}
	// FTS5's own check of its index structures.
	if _, err := conn.ExecContext(ctx, `INSERT INTO passages_fts(passages_fts, rank) VALUES ('integrity-check', 0)`); err != nil {
		t.Errorf("FTS5 integrity-check: %v", err)
	}

	var c storeCounts
	for _, q := range []struct {
		what, query string
		dest        *int
	}{
		{"articles", `SELECT count(*) FROM articles`, &c.articles},
		{"passages", `SELECT count(*) FROM passages`, &c.passages},
	} {
		if err := conn.QueryRowContext(ctx, q.query).Scan(q.dest); err != nil {
			t.Fatalf("count %s: %v", q.what, err)
		}
	}
	for _, q := range []struct{ what, query string }{
		{"articles without passages", `SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.article_id = a.id)`},
		{"articles without a body", `SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_bodies b WHERE b.article_id = a.id)`},
		{"articles whose passages are not numbered 0..n-1", `SELECT count(*) FROM (SELECT article_id FROM passages GROUP BY article_id HAVING min(seq) != 0 OR max(seq) != count(*) - 1)`},
		{"articles whose passage count differs from their index rows", `SELECT count(*) FROM (
			SELECT p.article_id FROM passages p LEFT JOIN passages_fts_docsize d ON d.id = p.id
			GROUP BY p.article_id HAVING count(*) != count(d.id))`},
		{"index rows without a passage", `SELECT count(*) FROM passages_fts_docsize d WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.id = d.id)`},
		{"passages of no article", `SELECT count(*) FROM passages p WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = p.article_id)`},
		{"articles stored twice (same text in a scope)", `SELECT count(*) FROM (SELECT 1 FROM articles GROUP BY hash, scope HAVING count(*) > 1)`},
		{"articles stored twice (same URL in a scope)", `SELECT count(*) FROM (SELECT 1 FROM articles WHERE url IS NOT NULL GROUP BY url, scope HAVING count(*) > 1)`},
	} {
		var n int
		if err := conn.QueryRowContext(ctx, q.query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q.what, err)
		}
		if n != 0 {
			t.Errorf("%d %s", n, q.what)
		}
	}
	return c
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
