package llm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/llm"
	"github.com/newsbot/newsbot/bot/llm/llmtest"
)

func TestStream(t *testing.T) {
	tests := []struct {
		name      string
		replies   []llmtest.Reply
		timeout   time.Duration
		want      string
		wantErr   error // nil, llm.ErrEmpty, llm.ErrIncomplete or context.DeadlineExceeded
		wantCalls int
	}{
		{name: "ok", replies: []llmtest.Reply{{Chunks: []string{"Russia ", "recognised [1]."}}}, want: "Russia recognised [1].", wantCalls: 1},
		{name: "429 then ok", replies: []llmtest.Reply{{Status: 429, RetryAfter: "0"}, {Chunks: []string{"ok [1]"}}}, want: "ok [1]", wantCalls: 2},
		{name: "500 then ok", replies: []llmtest.Reply{{Status: 500}, {Chunks: []string{"ok [1]"}}}, want: "ok [1]", wantCalls: 2},
		{name: "500 twice", replies: []llmtest.Reply{{Status: 500}, {Status: 502}}, wantErr: errAny, wantCalls: 2},
		{name: "429 with a Retry-After past the timeout", replies: []llmtest.Reply{{Status: 429, RetryAfter: "120"}, {Chunks: []string{"late"}}}, timeout: 2 * time.Second, wantErr: errAny, wantCalls: 1},
		{name: "400 not retried", replies: []llmtest.Reply{{Status: 400}}, wantErr: errAny, wantCalls: 1},
		{name: "empty", replies: []llmtest.Reply{{}}, wantErr: llm.ErrEmpty, wantCalls: 1},
		{name: "cut mid-stream", replies: []llmtest.Reply{{Chunks: []string{"Half ", "an ", "answer"}, CutAfter: 2}}, wantErr: llm.ErrIncomplete, wantCalls: 1},
		{name: "length limit", replies: []llmtest.Reply{{Chunks: []string{"Too long"}, Finish: "length"}}, wantErr: llm.ErrIncomplete, wantCalls: 1},
		{name: "malformed chunk", replies: []llmtest.Reply{{Chunks: []string{"Some text"}, Malformed: true}}, wantErr: llm.ErrIncomplete, wantCalls: 1},
		{name: "timeout", replies: []llmtest.Reply{{Delay: 5 * time.Second, Chunks: []string{"late"}}}, timeout: 200 * time.Millisecond, wantErr: context.DeadlineExceeded, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, func(n int, _ openai.ChatCompletionRequest) llmtest.Reply {
				return tt.replies[min(n, len(tt.replies)-1)]
			})
			c := llm.New(llm.Config{BaseURL: srv.BaseURL(), APIKey: "test-key", Model: "fake", Timeout: tt.timeout, HTTPClient: &http.Client{}})
			var streamed strings.Builder
			got, err := c.Stream(context.Background(), "sys", "user", func(s string) { streamed.WriteString(s) })
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Stream() error = %v; want nil", err)
			case tt.wantErr == errAny && err == nil:
				t.Fatalf("Stream() = %q, nil; want an error", got)
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("Stream() error = %v; want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil {
				if got != tt.want || streamed.String() != tt.want {
					t.Errorf("Stream() = %q (streamed %q); want %q", got, streamed.String(), tt.want)
				}
			}
			reqs := srv.Requests()
			if n := len(reqs); n != tt.wantCalls {
				t.Errorf("provider called %d times; want %d", n, tt.wantCalls)
			}
			// A retry resends the whole request, not an empty body.
			for i, r := range reqs {
				if len(r.Messages) != 2 || r.Messages[1].Content != "user" {
					t.Errorf("request %d messages = %+v; want the system and user messages", i, r.Messages)
				}
			}
		})
	}
}

// errAny marks a case that must fail without a specific sentinel.
var errAny = errors.New("any error")

func TestStreamSendsMessages(t *testing.T) {
	srv := llmtest.New(t, llmtest.Text("fine [1]"))
	c := llm.New(llm.Config{BaseURL: srv.BaseURL(), Model: "m1"})
	if _, err := c.Stream(context.Background(), "system text", "user text", nil); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests; want 1", len(reqs))
	}
	r := reqs[0]
	if r.Model != "m1" || !r.Stream || len(r.Messages) != 2 || r.Messages[0].Content != "system text" || r.Messages[1].Content != "user text" {
		t.Errorf("request = %+v; want model m1, streaming, system+user messages", r)
	}
}

// TestStreamCapsTokens checks that the answer cap goes out as
// max_completion_tokens, and also as max_tokens (which Ollama and LM Studio
// read) unless the model is one of OpenAI's reasoning models, which refuse
// that field.
func TestStreamCapsTokens(t *testing.T) {
	tests := []struct {
		model          string
		wantCompletion int
		wantLegacy     int
	}{
		{"llama3.2", 600, 600},
		{"o3-mini", 600, 0},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			srv := llmtest.New(t, llmtest.Text("fine [1]"))
			c := llm.New(llm.Config{BaseURL: srv.BaseURL(), Model: tt.model})
			if _, err := c.Stream(context.Background(), "system text", "user text", nil); err != nil {
				t.Fatal(err)
			}
			r := srv.Requests()[0]
			legacy := r.MaxTokens //lint:ignore SA1019 the field under test
			if r.MaxCompletionTokens != tt.wantCompletion || legacy != tt.wantLegacy {
				t.Errorf("request caps = max_completion_tokens %d, max_tokens %d; want %d, %d", r.MaxCompletionTokens, legacy, tt.wantCompletion, tt.wantLegacy)
			}
		})
	}
}
