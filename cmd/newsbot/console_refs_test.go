package main

import (
	"bytes"
	"context"
	"os"
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

// TestConsoleLogs: log lines stay out of the conversation. By default the
// console logs only warnings, to stderr, and a session of mistakes, a feed
// add and remove and a question writes none; with NEWSBOT_LOG_LEVEL=info
// and NEWSBOT_LOG_FILE they go to the file, each event once.
func TestConsoleLogs(t *testing.T) {
	t.Parallel()
	srv, _ := feedServer(t)
	session := strings.Join([]string{
		"/feeds add " + srv.URL + "/rss.xml",
		"/remove 99",
		"/bogus",
		"Which country has recognised the Taliban government recently?",
		"/feeds remove 1",
	}, "\n") + "\n"
	tests := []struct {
		name     string
		env      map[string]string
		wantFile map[string]int // log message -> times in the log file
	}{
		{"default", map[string]string{}, nil},
		{"info to a file", map[string]string{"NEWSBOT_LOG_LEVEL": "info"}, map[string]int{
			`msg="feed added"`: 1, `msg="feed removed"`: 1, `msg="feed poller started"`: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			logFile := filepath.Join(dir, "newsbot.log")
			tt.env["NEWSBOT_FETCH_ALLOW"] = "127.0.0.1"
			if tt.wantFile != nil {
				tt.env["NEWSBOT_LOG_FILE"] = logFile
			}
			var out, errOut bytes.Buffer
			args := []string{"-db", filepath.Join(dir, "x.db"), "chat"}
			if err := run(context.Background(), args, func(k string) string { return tt.env[k] }, strings.NewReader(session), &out, &errOut); err != nil {
				t.Fatalf("chat = %v", err)
			}
			if errOut.Len() != 0 {
				t.Errorf("stderr = %q; want nothing", errOut.String())
			}
			if strings.Contains(out.String(), "level=") || !strings.Contains(out.String(), "There is no article #99 here.") {
				t.Errorf("stdout = %q; want the conversation without log lines", out.String())
			}
			if tt.wantFile == nil {
				return
			}
			data, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatal(err)
			}
			for msg, n := range tt.wantFile {
				if got := strings.Count(string(data), msg); got != n {
					t.Errorf("log file has %s %d times; want %d:\n%s", msg, got, n, data)
				}
			}
		})
	}
}
