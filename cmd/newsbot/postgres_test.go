package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
)

// TestRunPostgres: the whole CLI path (ingest, ask, latest, remove, stats)
// on a PostgreSQL database chosen by NEWSBOT_DB, with the index snapshot
// in the cache directory by default.
func TestRunPostgres(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	env := map[string]string{"NEWSBOT_DB": pgtest.DSN(t), "XDG_CACHE_HOME": cache, "NEWSBOT_LOG_LEVEL": "info"}

	if out := mustRun(t, env, "ingest", "seed"); !strings.Contains(out, "added 1, duplicates 0, failed 0") {
		t.Fatalf("first ingest printed %q; want added 1", out)
	}
	if out := mustRun(t, env, "ingest", "seed"); !strings.Contains(out, "added 0, duplicates 1, failed 0") {
		t.Fatalf("second ingest printed %q; want 1 duplicate", out)
	}
	a := decodeAnswer(t, mustRun(t, env, "ask", "--json", "Which country has recognised the Taliban government recently?"))
	if !a.Grounded || !strings.Contains(a.Answer, "Russia") || len(a.Sources) == 0 || !strings.Contains(a.Sources[0].Title, "Taliban") {
		t.Errorf("ask = %+v; want a grounded answer naming Russia from the seed article", a)
	}
	snaps, _ := filepath.Glob(filepath.Join(cache, "newsbot", "index-*.index"))
	if len(snaps) != 1 {
		t.Errorf("snapshots in the cache directory = %q; want one", snaps)
	}

	// Another article, ingested by another run, is found from the
	// snapshot plus the change log.
	file := filepath.Join(t.TempDir(), "bridge.txt")
	if err := os.WriteFile(file, []byte(bridgeArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, env, "ingest", file)
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	if err := run(context.Background(), []string{"ask", "How much did the Riverton bridge cost?"}, getenv, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("ask: %v; stderr: %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "45 million") || !strings.Contains(errOut.String(), "index loaded") {
		t.Errorf("ask about the bridge = %q, logs %q; want 45 million from the loaded snapshot", out.String(), errOut.String())
	}

	var latest []console.ArticleJSON
	if err := json.Unmarshal([]byte(mustRun(t, env, "latest", "--json")), &latest); err != nil || len(latest) != 2 {
		t.Fatalf("latest --json = %v, %v; want 2 articles", latest, err)
	}
	for _, l := range latest {
		mustRun(t, env, "remove", strconv.FormatInt(l.ID, 10))
	}
	var st console.StatsJSON
	if err := json.Unmarshal([]byte(mustRun(t, env, "stats", "--json")), &st); err != nil || st.Articles != 0 || st.Passages != 0 {
		t.Errorf("stats after removing both = %+v, %v; want empty", st, err)
	}
	a = decodeAnswer(t, mustRun(t, env, "ask", "--json", "How much did the Riverton bridge cost?"))
	if a.Grounded || len(a.Sources) != 0 {
		t.Errorf("ask after removal = %+v; want not covered", a)
	}
}

// TestPostgresPasswordNeverShown: a DSN's password reaches neither the
// error nor the log when the server cannot be reached.
func TestPostgresPasswordNeverShown(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-pa55word"
	for _, dsn := range []string{
		"postgres://newsbot:" + secret + "@127.0.0.1:1/newsbot?connect_timeout=5",
		"postgresql://newsbot@127.0.0.1:1/newsbot?password=" + secret + "&connect_timeout=5",
	} {
		var out, errOut bytes.Buffer
		getenv := func(k string) string {
			return map[string]string{"NEWSBOT_DB": dsn, "NEWSBOT_LOG_LEVEL": "debug"}[k]
		}
		err := run(context.Background(), []string{"stats"}, getenv, strings.NewReader(""), &out, &errOut)
		if err == nil {
			t.Fatalf("stats on %s succeeded; want a connection error", redactDSN(dsn))
		}
		for what, s := range map[string]string{"error": err.Error(), "stdout": out.String(), "stderr": errOut.String()} {
			if strings.Contains(s, secret) {
				t.Errorf("%s shows the password: %q", what, s)
			}
		}
		if !strings.Contains(err.Error(), "127.0.0.1:1/newsbot") {
			t.Errorf("error %q does not name the database", err)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want, password string }{
		{"newsbot.db", "newsbot.db", ""},
		{"postgres://bot@db:5432/news", "postgres://bot@db:5432/news", ""},
		{"postgres://bot:pw@db:5432/news?sslmode=disable", "postgres://bot:[redacted]@db:5432/news?sslmode=disable", "pw"},
		{"postgresql://bot@db/news?password=pw", "postgresql://bot@db/news?password=[redacted]", "pw"},
		{"POSTGRES://bot:pw@db/news", "postgres://bot:[redacted]@db/news", "pw"},
	} {
		if got := redactDSN(tc.in); got != tc.want {
			t.Errorf("redactDSN(%q) = %q; want %q", tc.in, got, tc.want)
		}
		if got := dsnPassword(tc.in); got != tc.password {
			t.Errorf("dsnPassword(%q) = %q; want %q", tc.in, got, tc.password)
		}
	}
}

// TestIndexSnapshotPath: where each kind of database keeps its snapshot.
func TestIndexSnapshotPath(t *testing.T) {
	t.Parallel()
	pg := func(dsn string) string {
		return config{DB: dsn, cacheDir: "/cache"}.indexSnapshot()
	}
	for _, tc := range []struct {
		name string
		cfg  config
		want string
	}{
		{"sqlite", config{DB: "/data/news.db", cacheDir: "/cache"}, "/data/news.db.index"},
		{"setting", config{DB: "postgres://h/db", IndexSnapshot: "/snap/x.index", cacheDir: "/cache"}, "/snap/x.index"},
		{"off", config{DB: "postgres://h/db", IndexSnapshot: "off", cacheDir: "/cache"}, ""},
		{"no cache directory", config{DB: "postgres://h/db"}, ""},
	} {
		if got := tc.cfg.indexSnapshot(); got != tc.want {
			t.Errorf("%s: indexSnapshot() = %q; want %q", tc.name, got, tc.want)
		}
	}
	a := pg("postgres://bot:one@h/db")
	if !strings.HasPrefix(a, "/cache/newsbot/index-") || !strings.HasSuffix(a, ".index") {
		t.Errorf("postgres snapshot = %q; want a file in /cache/newsbot", a)
	}
	if b := pg("postgres://bot:two@h/db"); b != a {
		t.Errorf("snapshot changes with the password: %q, %q", a, b)
	}
	if c := pg("postgres://bot@h/other"); c == a {
		t.Errorf("two databases share the snapshot %q", c)
	}
}

// TestIngestWhileChatIsAnsweredPostgres: TestIngestWhileChatIsAnswered
// over PostgreSQL: the running console (following the change log, woken
// by NOTIFY) answers from an article another process ingested.
func TestIngestWhileChatIsAnsweredPostgres(t *testing.T) {
	t.Parallel()
	env := map[string]string{"NEWSBOT_DB": pgtest.DSN(t), "NEWSBOT_INDEX_SNAPSHOT": "off"}
	getenv := func(k string) string { return env[k] }
	inR, inW := io.Pipe()
	var out, errOut syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"chat"}, getenv, inR, &out, &errOut) }()
	waitFor(t, &out, "loaded its sample article")

	file := filepath.Join(t.TempDir(), "bridge.txt")
	if err := os.WriteFile(file, []byte(bridgeArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, env, "ingest", file); !strings.Contains(got, "added 1") {
		t.Fatalf("ingest = %q; want added 1", got)
	}
	io.WriteString(inW, "How much did the Riverton bridge cost?\n")
	waitFor(t, &out, "45 million")
	io.WriteString(inW, "/quit\n")
	if err := <-done; err != nil {
		t.Fatalf("chat = %v; stderr: %s", err, errOut.String())
	}
}
