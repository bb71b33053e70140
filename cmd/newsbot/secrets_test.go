package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/internal/discordtest"
)

// Distinctive secrets: if any part of a log line, an error or a Discord
// message contains one of them, it leaked.
const (
	secretOpenAIKey = "sk-proj-SECRET0penAIkey0123456789abcdef"
	secretBadToken  = "MTAwMDAwMDAwMDAwMDAwMDAx.SECRET.d1sc0rd-t0ken-value"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of loggers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// echoingLLM is an OpenAI-compatible server that fails every call with
// status, echoing the API key it was sent in the error message, as some
// providers (and proxies) do.
func echoingLLM(t *testing.T, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s (request %s %s)","type":"invalid_request_error","code":"invalid_api_key"}}`, key, r.Method, r.URL)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// captureStdLog sends the standard logger (which discordgo writes to) to a
// buffer for the test. Tests using it do not run in parallel.
func captureStdLog(t *testing.T) *syncBuffer {
	var buf syncBuffer
	out, flags := log.Writer(), log.Flags()
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(out); log.SetFlags(flags) })
	return &buf
}

func assertNoSecret(t *testing.T, where, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		// Part of a secret leaks it too (a token's signature, a key's body).
		for _, part := range []string{secret, secret[len(secret)/2:], secret[:len(secret)/2]} {
			if strings.Contains(s, part) {
				t.Errorf("%s contains the secret %q:\n%s", where, part, s)
				break
			}
		}
	}
}

// TestSecretsNeverShown runs newsbot with distinctive secrets through the
// failures most likely to print them, with debug logging on, and checks
// stdout, stderr, the standard logger, the returned error and everything
// sent to Discord.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	t.Run("bad Discord token", func(t *testing.T) {
		stdlog := captureStdLog(t)
		fake := discordtest.New(t, discordtest.WithGuild("2000000000000000001", "Alpha"))
		env := map[string]string{"DISCORD_TOKEN": secretBadToken, "DISCORD_API_URL": fake.URL(), "NEWSBOT_LOG_LEVEL": "debug"}
		var stdout, stderr syncBuffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := run(ctx, []string{"-db", filepath.Join(t.TempDir(), "x.db"), "serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
		if err == nil {
			t.Fatal("serve with a bad token returned nil; want an error")
		}
		t.Logf("serve with a bad token: %v", err)
		assertNoSecret(t, "the error", err.Error(), secretBadToken)
		assertNoSecret(t, "stdout", stdout.String(), secretBadToken)
		assertNoSecret(t, "stderr", stderr.String(), secretBadToken)
		assertNoSecret(t, "the standard log", stdlog.String(), secretBadToken)
	})

	for _, status := range []int{http.StatusUnauthorized, http.StatusInternalServerError} {
		t.Run(fmt.Sprintf("ask with the LLM failing %d", status), func(t *testing.T) {
			stdlog := captureStdLog(t)
			llm := echoingLLM(t, status)
			env := map[string]string{"OPENAI_API_KEY": secretOpenAIKey, "OPENAI_BASE_URL": llm.URL + "/v1", "NEWSBOT_LOG_LEVEL": "debug", "NEWSBOT_LLM_TIMEOUT": "5s"}
			var stdout, stderr syncBuffer
			dir := t.TempDir()
			getenv := func(k string) string { return env[k] }
			if err := run(context.Background(), []string{"-db", filepath.Join(dir, "x.db"), "ingest", filepath.Join("seed")}, getenv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
				t.Fatal(err)
			}
			err := run(context.Background(), []string{"-db", filepath.Join(dir, "x.db"), "ask", "Which country has recognised the Taliban government recently?"}, getenv, strings.NewReader(""), &stdout, &stderr)
			if err != nil {
				assertNoSecret(t, "the error", err.Error(), secretOpenAIKey)
			}
			if !strings.Contains(stdout.String(), "Russia") {
				t.Errorf("ask with a failing LLM printed %q; want the extractive answer", stdout.String())
			}
			if !strings.Contains(stderr.String(), "llm") {
				t.Errorf("stderr = %q; want the LLM failure logged (else this test proves nothing)", stderr.String())
			}
			assertNoSecret(t, "stdout", stdout.String(), secretOpenAIKey)
			assertNoSecret(t, "stderr", stderr.String(), secretOpenAIKey)
			assertNoSecret(t, "the standard log", stdlog.String(), secretOpenAIKey)
		})
	}

	t.Run("serve with the LLM failing", func(t *testing.T) {
		stdlog := captureStdLog(t)
		llm := echoingLLM(t, http.StatusInternalServerError)
		fake := discordtest.New(t, discordtest.WithGuild("2000000000000000001", "Alpha"))
		env := map[string]string{
			"DISCORD_TOKEN": discordtest.BotToken, "DISCORD_API_URL": fake.URL(), "NEWSBOT_LOG_LEVEL": "debug",
			"OPENAI_API_KEY": secretOpenAIKey, "OPENAI_BASE_URL": llm.URL + "/v1", "NEWSBOT_LLM_TIMEOUT": "5s",
		}
		var stdout, stderr syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"-db", filepath.Join(t.TempDir(), "x.db")}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
		}()
		if err := fake.WaitReady(10 * time.Second); err != nil {
			cancel()
			t.Fatalf("%v (stderr: %s)", err, stderr.String())
		}
		wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer wcancel()
		if _, err := fake.WaitRequest(wctx, func(r discordtest.Request) bool {
			return r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/commands") && r.Status < 300
		}); err != nil {
			t.Fatalf("commands not registered: %v", err)
		}
		i := fake.SlashCommand(discordtest.Cmd{Name: "ask", GuildID: "2000000000000000001", Options: []*discordgo.ApplicationCommandInteractionDataOption{discordtest.Opt("question", "Which country has recognised the Taliban government recently?")}})
		if _, err := fake.WaitRequest(wctx, func(r discordtest.Request) bool {
			return r.Method == http.MethodPatch && strings.Contains(r.Path, i.Token+"/messages/@original") && strings.Contains(string(r.Body), "Russia")
		}); err != nil {
			t.Fatalf("no answer: %v", err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve = %v", err)
		}
		for _, r := range fake.Requests() {
			assertNoSecret(t, r.Method+" "+r.Path, string(r.Body), secretOpenAIKey, discordtest.BotToken)
		}
		if !strings.Contains(stderr.String(), "llm") {
			t.Errorf("stderr = %q; want the LLM failure logged (else this test proves nothing)", stderr.String())
		}
		assertNoSecret(t, "stdout", stdout.String(), secretOpenAIKey, discordtest.BotToken)
		assertNoSecret(t, "stderr", stderr.String(), secretOpenAIKey, discordtest.BotToken)
		assertNoSecret(t, "the standard log", stdlog.String(), secretOpenAIKey, discordtest.BotToken)
	})
}
