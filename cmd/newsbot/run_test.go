package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/bot/llm/llmtest"
)

// runCmd runs newsbot with args and an environment, returning stdout.
func runCmd(t *testing.T, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	if err != nil {
		t.Logf("run %v: stderr: %s", args, errOut.String())
	}
	return out.String(), err
}

func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, err := runCmd(t, env, "", args...)
	if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return out
}

// TestRunAskEmptyDatabase: ask on an empty database answers "not covered"
// on stdout (still one JSON object) and says why on stderr.
func TestRunAskEmptyDatabase(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "empty.db")
	var out, errOut bytes.Buffer
	args := []string{"-db", db, "ask", "--json", "Who won the election?"}
	if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	if a := decodeAnswer(t, out.String()); a.Mode != "none" || len(a.Sources) != 0 {
		t.Errorf("answer = %+v; want not covered", a)
	}
	if !strings.Contains(errOut.String(), "holds no articles") || !strings.Contains(errOut.String(), "newsbot ingest PATH") {
		t.Errorf("stderr = %q; want the empty-database hint", errOut.String())
	}
}

// seedDir writes the bundled sample article into a directory.
func seedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, seedName), []byte(seedArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func decodeAnswer(t *testing.T, s string) console.AnswerOut {
	t.Helper()
	var a console.AnswerOut
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		t.Fatalf("ask --json printed invalid JSON: %v\n%s", err, s)
	}
	return a
}

func TestRunEndToEnd(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	env := map[string]string{}
	seed := seedDir(t)

	if out := mustRun(t, env, "-db", db, "ingest", seed); !strings.Contains(out, "added 1, duplicates 0, failed 0") {
		t.Fatalf("first ingest printed %q; want added 1", out)
	}
	if out := mustRun(t, env, "-db", db, "ingest", seed); !strings.Contains(out, "added 0, duplicates 1, failed 0") {
		t.Fatalf("second ingest printed %q; want 1 duplicate", out)
	}

	a := decodeAnswer(t, mustRun(t, env, "-db", db, "ask", "--json", "Which country has recognised the Taliban government recently?"))
	if !a.Grounded || a.Mode != "extractive" || !strings.Contains(a.Answer, "Russia") {
		t.Errorf("ask = %+v; want grounded extractive answer naming Russia", a)
	}
	if len(a.Sources) == 0 || a.Sources[0].N != 1 || !strings.Contains(a.Sources[0].Title, "Taliban") {
		t.Errorf("ask sources = %+v; want the seed article as source 1", a.Sources)
	}

	a = decodeAnswer(t, mustRun(t, env, "-db", db, "ask", "--json", "Who won the 2030 World Cup final?"))
	if a.Grounded || a.Mode != "none" || !strings.Contains(a.Answer, "does not cover") {
		t.Errorf("ask off-topic = %+v; want not grounded, 'does not cover'", a)
	}

	var latest []console.ArticleJSON
	if err := json.Unmarshal([]byte(mustRun(t, env, "-db", db, "latest", "--json")), &latest); err != nil || len(latest) != 1 {
		t.Fatalf("latest --json = %v, %v; want 1 article", latest, err)
	}
	if out := mustRun(t, env, "-db", db, "remove", "1"); !strings.Contains(out, "removed article 1") {
		t.Errorf("remove printed %q", out)
	}
	if _, err := runCmd(t, env, "", "-db", db, "remove", "1"); err == nil {
		t.Error("removing a removed article succeeded; want not found")
	}
	var st console.StatsJSON
	if err := json.Unmarshal([]byte(mustRun(t, env, "-db", db, "stats", "--json")), &st); err != nil || st.Articles != 0 || st.Passages != 0 {
		t.Errorf("stats after remove = %+v, %v; want empty", st, err)
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown command", nil, []string{"-db", db, "frobnicate"}, `unknown command "frobnicate"`},
		{"ask without question", nil, []string{"-db", db, "ask"}, "no question"},
		{"bad as-of", nil, []string{"-db", db, "ask", "--as-of", "yesterday", "hi"}, "want YYYY-MM-DD"},
		{"ingest nothing", nil, []string{"-db", db, "ingest"}, "no path"},
		{"remove junk", nil, []string{"-db", db, "remove", "not a url"}, "neither an article id nor a URL"},
		{"bad timeout", map[string]string{"NEWSBOT_LLM_TIMEOUT": "soon"}, []string{"-db", db, "stats"}, "NEWSBOT_LLM_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runCmd(t, tt.env, "", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run %v error = %v; want one containing %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestRunIngestReportsFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"good.txt":    "A good headline\n\nThe council approved the new budget on Tuesday after a long debate about school funding.",
		"empty.txt":   "\n\n",
		"broken.json": `{"title": "x", "body": `,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runCmd(t, nil, "", "-db", filepath.Join(t.TempDir(), "x.db"), "ingest", dir)
	if !strings.Contains(out, "added 1, duplicates 0, failed 2") || strings.Count(out, "failed: ") != 2 {
		t.Errorf("ingest printed %q; want 1 added and 2 listed failures", out)
	}
	if exitStatus(err, io.Discard) != exitFailed {
		t.Errorf("ingest with failures returned %v; want exit status %d", err, exitFailed)
	}
}

func TestRunAskLLM(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t, llmtest.Text("Russia has recognised the Taliban administration [1]. An invented claim [9]."))
	db := filepath.Join(t.TempDir(), "x.db")
	env := map[string]string{"OPENAI_BASE_URL": srv.BaseURL(), "NEWSBOT_CHAT_MODEL": "fake-model"}
	mustRun(t, env, "-db", db, "ingest", seedDir(t))
	a := decodeAnswer(t, mustRun(t, env, "-db", db, "ask", "--json", "Which country has recognised the Taliban government recently?"))
	// The invented [9] is removed, which leaves its sentence citing
	// nothing: the answer is not grounded, and says which sentence.
	if a.Mode != "llm" || a.Grounded || !strings.Contains(a.Note, "[no source]") {
		t.Fatalf("ask = %+v; want mode llm, not grounded, with a note", a)
	}
	if a.Answer != "Russia has recognised the Taliban administration [1]. An invented claim. [no source]" {
		t.Errorf("answer = %q; want the invented [9] removed and its sentence marked", a.Answer)
	}
	wantSents := []console.SentenceOut{
		{Text: "Russia has recognised the Taliban administration [1].", Sources: []int{1}, Grounded: true},
		{Text: "An invented claim.", Sources: []int{}, Grounded: false},
	}
	if !reflect.DeepEqual(a.Sentences, wantSents) {
		t.Errorf("sentences = %+v; want %+v", a.Sentences, wantSents)
	}
	if len(a.Sources) != 1 || a.Sources[0].N != 1 || a.Sources[0].ArticleID != 1 {
		t.Errorf("sources = %+v; want exactly the cited seed article", a.Sources)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Model != "fake-model" {
		t.Fatalf("requests = %+v; want one for fake-model", reqs)
	}
	user := reqs[0].Messages[1].Content
	if !strings.Contains(user, `<passage n="1" title="Pakistan Dismisses Recognition Of Taliban`) || !strings.Contains(user, "Russia is the only country") {
		t.Errorf("prompt lacks the numbered passages:\n%s", user)
	}
}

func TestRunAskLLMDown(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t, func(int, openai.ChatCompletionRequest) llmtest.Reply { return llmtest.Reply{Status: 503} })
	db := filepath.Join(t.TempDir(), "x.db")
	env := map[string]string{"OPENAI_BASE_URL": srv.BaseURL()}
	mustRun(t, env, "-db", db, "ingest", seedDir(t))
	a := decodeAnswer(t, mustRun(t, env, "-db", db, "ask", "--json", "Which country has recognised the Taliban government recently?"))
	if a.Mode != "extractive" || !a.Grounded || a.Note == "" || !strings.Contains(a.Answer, "Russia") {
		t.Errorf("ask with the model down = %+v; want an extractive answer with a note", a)
	}
}

func TestChatLoadsSeed(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	in := "Which country has recognised the Taliban government recently?\n/sources\n/latest\n/search Taliban\n/remove 99\n/bogus\n/quit\n"
	out, err := runCmd(t, nil, in, "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"was empty, so newsbot loaded its sample article",
		"No language model configured",
		"Russia is the only country",
		"1 article (1 passage) from 1 outlet",
		"There is no article #99 here.",
		"Unknown command /bogus",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	// A second start finds articles and loads nothing.
	out, err = runCmd(t, nil, "/quit\n", "-db", db)
	if err != nil || strings.Contains(out, "sample article") {
		t.Errorf("second chat = %q, %v; want no sample loading", out, err)
	}
}
