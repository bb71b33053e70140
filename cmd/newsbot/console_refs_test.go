package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/internal/golden"
)

// TestConsoleRefs: the console's /remove and /feeds remove take an id or a
// URL, as the CLI's remove and feeds remove do, and each mistake or
// missing reference gets one message in words (the transcript is golden).
func TestConsoleRefs(t *testing.T) {
	t.Parallel()
	srv, _ := feedServer(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	lines := []string{
		"/feeds add " + srv.URL + "/rss.xml",
		"/feeds remove " + srv.URL + "/atom.xml",
		"/feeds remove 9",
		"/feeds remove not-a-feed",
		"/feeds remove " + srv.URL + "/rss.xml?utm_source=test",
		"/remove 99",
		"/remove https://example.com/none",
		"/remove not an article",
		"/remove https://www.afintl.com/en/202507254664",
		"/add " + srv.URL + "/rss.xml",
	}
	env := map[string]string{"NEWSBOT_FETCH_ALLOW": "127.0.0.1"}
	out, err := runCmd(t, env, strings.Join(lines, "\n")+"\n", "-db", db, "chat")
	if err != nil {
		t.Fatalf("chat = %v", err)
	}
	out = strings.NewReplacer(srv.URL, "http://feeds.test", db, "x.db").Replace(out)
	golden.Check(t, "console_refs.golden", []byte(out))
}
