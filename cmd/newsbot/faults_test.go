package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/llm/llmtest"
)

// TestRunAskEmbeddingsFault turns hybrid retrieval on and makes the
// embeddings endpoint fail (500) or hang while a question is asked: the
// question is answered from the lexical ranking, by the model or (when
// the chat endpoint fails too) extractively with a note that says why. The
// time it took is logged as a figure.
func TestRunAskEmbeddingsFault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		embed    llmtest.EmbedReply
		chat     llmtest.Reply
		wantMode string
		wantNote string
	}{
		{"embeddings 500", llmtest.EmbedReply{Status: 500}, llmtest.Reply{Chunks: []string{"Argentina won the final [1]."}}, "llm", ""},
		{"embeddings hang", llmtest.EmbedReply{Delay: time.Minute}, llmtest.Reply{Chunks: []string{"Argentina won the final [1]."}}, "llm", ""},
		{"embeddings hang and chat 500", llmtest.EmbedReply{Delay: time.Minute}, llmtest.Reply{Status: 500}, "extractive", "had an error (HTTP 500)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, func(int, openai.ChatCompletionRequest) llmtest.Reply { return tt.chat })
			db := filepath.Join(t.TempDir(), "x.db")
			env := map[string]string{"OPENAI_BASE_URL": srv.BaseURL(), "NEWSBOT_EMBED_MODEL": "fake-embed", "NEWSBOT_LLM_TIMEOUT": "5s"}
			mustRun(t, env, "-db", db, "ingest", twoArticles(t))
			srv.SetEmbedReply(func(int, llmtest.EmbedRequest) llmtest.EmbedReply { return tt.embed })
			start := time.Now()
			a := decodeAnswer(t, mustRun(t, env, "-db", db, "ask", "--json", "Who won the World Cup final?"))
			took := time.Since(start)
			t.Logf("%s: answered in %v, mode %s, note %q", tt.name, took.Round(time.Millisecond), a.Mode, a.Note)
			if !a.Grounded || string(a.Mode) != tt.wantMode || len(a.Sources) == 0 || !strings.Contains(a.Sources[0].Title, "World Cup") {
				t.Errorf("ask = %+v; want a grounded %s answer citing the cup story", a, tt.wantMode)
			}
			if !strings.Contains(a.Note, tt.wantNote) || (tt.wantNote == "" && a.Note != "") {
				t.Errorf("note = %q; want %q", a.Note, tt.wantNote)
			}
		})
	}
}
