package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/llm/llmtest"
)

// runStatus runs newsbot as main does: the exit status and what reached
// stdout and stderr, the error included.
func runStatus(t *testing.T, env map[string]string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return exitStatus(err, &errOut), out.String(), errOut.String()
}

// TestExitStatus checks the exit statuses the README documents (0 done, 1
// failed, 2 usage) and that each message is printed once, in words.
func TestExitStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	seed := seedDir(t)
	if status, _, errOut := runStatus(t, nil, "-db", db, "ingest", seed); status != exitOK {
		t.Fatalf("ingest of the seed: status %d, stderr %q", status, errOut)
	}
	tests := []struct {
		name       string
		args       []string
		status     int
		stdout     []string // each must appear
		stderr     []string // each must appear exactly once
		notStdout  []string
		notStderr  []string
		emptyError bool // nothing on stderr
	}{
		{name: "help flag", args: []string{"-h"}, status: exitOK, stdout: []string{"Usage:\n  newsbot [-db PATH]"}, emptyError: true},
		{name: "help command", args: []string{"help"}, status: exitOK, stdout: []string{"Commands:"}, emptyError: true},
		{name: "subcommand help", args: []string{"ingest", "-h"}, status: exitOK, stdout: []string{"Usage: newsbot ingest PATH|URL..."}, emptyError: true},
		{name: "unknown command", args: []string{"-db", db, "frobnicate"}, status: exitUsage, stderr: []string{`newsbot: unknown command "frobnicate"`, "`newsbot help`"}},
		{name: "bad flag value", args: []string{"-db", db, "latest", "-n", "x"}, status: exitUsage,
			stderr: []string{`invalid value "x" for flag -n`, "Usage: newsbot latest"}},
		{name: "bad top-level flag", args: []string{"-frob"}, status: exitUsage, stderr: []string{"-frob", "Usage:\n  newsbot [-db PATH]"}},
		{name: "db after the command", args: []string{"ingest", "-db", "x.db", "a b.txt"}, status: exitUsage,
			stderr: []string{"-db goes before the command: newsbot -db x.db ingest 'a b.txt'"}},
		{name: "missing argument", args: []string{"-db", db, "ask"}, status: exitUsage, stderr: []string{"ask: no question given", "Usage: newsbot ask"}},
		{name: "ingest of nothing that exists", args: []string{"-db", db, "ingest", filepath.Join(dir, "absent.txt")}, status: exitFailed,
			stdout: []string{"failed: ", "added 0, duplicates 0, failed 1"}, stderr: []string{"ingest: 1 failure, listed above"}},
		{name: "ingest of duplicates only", args: []string{"-db", db, "ingest", seed}, status: exitOK,
			stdout: []string{"added 0, duplicates 1, failed 0"}, emptyError: true},
		{name: "remove unknown id", args: []string{"-db", db, "remove", "99"}, status: exitFailed,
			stderr: []string{"remove: no article 99"}, notStderr: []string{"sqlite", "Get("}},
		{name: "remove unknown URL", args: []string{"-db", db, "remove", "https://example.com/none"}, status: exitFailed,
			stderr: []string{"remove: no article https://example.com/none"}, notStderr: []string{"sqlite"}},
		{name: "database in a missing folder", args: []string{"-db", filepath.Join(dir, "absent", "x.db"), "latest"}, status: exitFailed,
			stderr:    []string{"open database " + filepath.Join(dir, "absent", "x.db") + ": folder " + filepath.Join(dir, "absent") + " does not exist"},
			notStderr: []string{"sqlite", "Open(", "(14)"}},
		{name: "key=value PostgreSQL settings", args: []string{"-db", "host=127.0.0.1 user=postgres password=s3cret dbname=x", "latest"}, status: exitFailed,
			stderr: []string{"looks like PostgreSQL key=value settings", "postgres://"}, notStderr: []string{"s3cret"}},
		{name: "feeds remove unknown", args: []string{"-db", db, "feeds", "remove", "9"}, status: exitFailed,
			stderr: []string{"feeds remove: no feed 9"}, notStderr: []string{"sqlite", "article"}},
		{name: "feeds add of a loopback address", args: []string{"-db", db, "feeds", "add", "http://127.0.0.1:9/rss"}, status: exitFailed,
			stderr: []string{"newsbot: add feed http://127.0.0.1:9/rss: refused: 127.0.0.1 is a loopback address\n"}, notStderr: []string{"feeds add:"}},
		{name: "feeds add of a file URL", args: []string{"-db", db, "feeds", "add", "file:///etc/passwd"}, status: exitFailed,
			stderr: []string{"not an http or https URL"}, notStderr: []string{"feeds add:", "no such file"}},
		{name: "feeds list hint", args: []string{"-db", db, "feeds", "list"}, status: exitOK,
			stdout: []string{"`newsbot feeds add URL`"}, notStdout: []string{"/feeds"}},
		{name: "latest from an unknown outlet", args: []string{"-db", db, "latest", "--source", "Nobody"}, status: exitOK,
			stdout: []string{`No articles from "Nobody". Outlets: Afghanistan International.`}, notStdout: []string{"yet"}},
		{name: "stats in the singular", args: []string{"-db", db, "stats"}, status: exitOK, stdout: []string{"1 article (1 passage) from 1 outlet\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, errOut := runStatus(t, nil, tt.args...)
			if status != tt.status {
				t.Errorf("newsbot %v: status %d; want %d (stderr %q)", tt.args, status, tt.status, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("newsbot %v: stdout lacks %q:\n%s", tt.args, want, out)
				}
			}
			for _, want := range tt.stderr {
				if n := strings.Count(errOut, want); n != 1 {
					t.Errorf("newsbot %v: stderr has %q %d times; want once:\n%s", tt.args, want, n, errOut)
				}
			}
			for _, bad := range tt.notStdout {
				if strings.Contains(out, bad) {
					t.Errorf("newsbot %v: stdout has %q:\n%s", tt.args, bad, out)
				}
			}
			for _, bad := range tt.notStderr {
				if strings.Contains(errOut, bad) {
					t.Errorf("newsbot %v: stderr has %q:\n%s", tt.args, bad, errOut)
				}
			}
			if tt.emptyError && errOut != "" {
				t.Errorf("newsbot %v: stderr = %q; want nothing", tt.args, errOut)
			}
		})
	}
}

func TestMoveDBFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string // "" when there is no -db to move
	}{
		{[]string{"-db", "x.db", "a.txt"}, "newsbot -db x.db ingest a.txt"},
		{[]string{"a.txt", "--db=my db.sqlite"}, "newsbot -db 'my db.sqlite' ingest a.txt"},
		{[]string{"a.txt", "-db"}, "newsbot -db PATH ingest a.txt"},
		{[]string{"a.txt", "--", "-db"}, ""},
		{[]string{"-dbx", "a.txt"}, ""},
		{[]string{"a.txt"}, ""},
	}
	for _, tt := range tests {
		got, ok := moveDBFlag("ingest", tt.args)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("moveDBFlag(ingest, %q) = %q, %v; want %q", tt.args, got, ok, tt.want)
		}
	}
}

func TestParseInterspersed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		wantPos  []string
		wantJSON bool
	}{
		{[]string{"who", "won", "--json"}, []string{"who", "won"}, true},
		{[]string{"--json", "who"}, []string{"who"}, true},
		{[]string{"who", "--", "--json", "-x"}, []string{"who", "--json", "-x"}, false},
		{[]string{"--", "-x"}, []string{"-x"}, false},
	}
	for _, tt := range tests {
		e := &env{stdout: io.Discard}
		fs := newFlags(e, "ask", "ask QUESTION")
		asJSON := fs.Bool("json", false, "")
		pos, err := fs.parse(tt.args)
		if err != nil || !reflect.DeepEqual(pos, tt.wantPos) || *asJSON != tt.wantJSON {
			t.Errorf("parse(%q) = %q, json %v, %v; want %q, json %v", tt.args, pos, *asJSON, err, tt.wantPos, tt.wantJSON)
		}
	}
}

// TestChatInterrupt: Ctrl-C while the model composes cancels that answer;
// the console then answers the next question.
func TestChatInterrupt(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	srv := llmtest.New(t, func(n int, _ openai.ChatCompletionRequest) llmtest.Reply {
		if n == 0 {
			started <- struct{}{}
			return llmtest.Reply{Delay: time.Hour} // until the client gives up
		}
		return llmtest.Reply{Chunks: []string{"Russia recognised the Taliban administration [1]."}}
	})
	env := map[string]string{"OPENAI_BASE_URL": srv.BaseURL()}
	db := filepath.Join(t.TempDir(), "x.db")
	inR, inW := io.Pipe()
	interrupts := make(chan os.Signal, 1)
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runInterruptible(context.Background(), interrupts, []string{"-db", db, "chat"},
			func(k string) string { return env[k] }, inR, &out, &errOut)
	}()
	const question = "Which country has recognised the Taliban government recently?\n"
	if _, err := io.WriteString(inW, question); err != nil {
		t.Fatal(err)
	}
	<-started
	interrupts <- os.Interrupt
	if _, err := io.WriteString(inW, question); err != nil {
		t.Fatal(err)
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Fatalf("chat = %v; want nil (stderr %q)", err, errOut.String())
	}
	got := out.String()
	cancelled := strings.Index(got, "Cancelled.")
	answered := strings.Index(got, "Russia recognised the Taliban administration [1].")
	if cancelled < 0 || answered < cancelled {
		t.Errorf("chat printed:\n%s\nwant Cancelled. for the first question, then the second answered", got)
	}
	if reqs := len(srv.Requests()); reqs != 2 {
		t.Errorf("model got %d requests; want 2 (no retry of a cancelled answer)", reqs)
	}
}

// TestIngestFeedURLHint: a feed given to ingest fails with the command
// that follows it, said once; another document that is not a page (an
// image) fails without it.
func TestIngestFeedURLHint(t *testing.T) {
	t.Parallel()
	srv, _ := feedServer(t)
	img := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n"))
	}))
	defer img.Close()
	env := map[string]string{"NEWSBOT_FETCH_ALLOW": "127.0.0.1"}
	status, out, _ := runStatus(t, env, "-db", filepath.Join(t.TempDir(), "x.db"), "ingest", srv.URL+"/rss.xml")
	if want := "follow it with `newsbot feeds add " + srv.URL + "/rss.xml`"; status != exitFailed || !strings.Contains(out, want) {
		t.Errorf("ingest of a feed: status %d, stdout %q; want %d and %q", status, out, exitFailed, want)
	}
	if n := strings.Count(out, "feeds add"); n != 1 {
		t.Errorf("ingest of a feed: stdout %q names feeds add %d times; want once", out, n)
	}
	status, out, _ = runStatus(t, env, "-db", filepath.Join(t.TempDir(), "y.db"), "ingest", img.URL+"/photo.png")
	if status != exitFailed || !strings.Contains(out, "image/png") || strings.Contains(out, "feeds add") {
		t.Errorf("ingest of an image: status %d, stdout %q; want %d, the type named and no feed hint", status, out, exitFailed)
	}
}
