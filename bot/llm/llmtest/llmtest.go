// Package llmtest is a fake OpenAI-compatible chat server on loopback for
// tests: it streams scripted answers as server-sent events exactly as the
// real API does, records what it was asked, and can misbehave on purpose
// (errors, Retry-After, cut streams, delays), so tests exercise the real
// go-openai client without reaching any provider.
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Reply scripts one response.
type Reply struct {
	Chunks     []string      // streamed text pieces
	Status     int           // non-zero and not 200: answer with this HTTP status and an API error body
	RetryAfter string        // Retry-After header sent with an error status
	Delay      time.Duration // wait before answering (or until the client gives up)
	CutAfter   int           // > 0: drop the connection after this many chunks, without [DONE]
	Finish     string        // finish_reason of the last chunk; empty means "stop"
	Malformed  bool          // send a chunk that is not JSON
	// EndEarly ends the stream cleanly after the chunks, without a finish
	// reason or [DONE], as a proxy that closes the connection would.
	EndEarly bool
}

// Server is a running fake.
type Server struct {
	srv   *httptest.Server
	reply func(n int, req openai.ChatCompletionRequest) Reply

	mu       sync.Mutex
	requests []openai.ChatCompletionRequest

	emb embeddings // POST /v1/embeddings, see embeddings.go
}

// New starts a fake whose nth request (0-based) is answered by reply. The
// server is closed when the test ends.
func New(tb testing.TB, reply func(n int, req openai.ChatCompletionRequest) Reply) *Server {
	tb.Helper()
	s := &Server{reply: reply}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	mux.HandleFunc("POST /v1/embeddings", s.handleEmbeddings)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// Text returns a reply function that always streams text in a few chunks.
func Text(text string) func(int, openai.ChatCompletionRequest) Reply {
	return func(int, openai.ChatCompletionRequest) Reply {
		return Reply{Chunks: split(text, 3)}
	}
}

// BaseURL is the value for OPENAI_BASE_URL.
func (s *Server) BaseURL() string { return s.srv.URL + "/v1" }

// Requests returns the chat requests received so far.
func (s *Server) Requests() []openai.ChatCompletionRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]openai.ChatCompletionRequest(nil), s.requests...)
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var req openai.ChatCompletionRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad json","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	rep := s.reply(n, req)
	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if rep.Status != 0 && rep.Status != http.StatusOK {
		if rep.RetryAfter != "" {
			w.Header().Set("Retry-After", rep.RetryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.Status)
		fmt.Fprintf(w, `{"error":{"message":"scripted failure %d","type":"server_error"}}`, rep.Status)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	for i, c := range rep.Chunks {
		if rep.CutAfter > 0 && i == rep.CutAfter {
			// Abort the connection mid-stream, as a crashed proxy would.
			panic(http.ErrAbortHandler)
		}
		send(chunk(c, ""))
	}
	if rep.Malformed {
		fmt.Fprint(w, "data: {not json\n\n")
		if flusher != nil {
			flusher.Flush()
		}
	}
	if rep.EndEarly {
		return
	}
	finish := rep.Finish
	if finish == "" {
		finish = "stop"
	}
	send(chunk("", finish))
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func chunk(text, finish string) openai.ChatCompletionStreamResponse {
	return openai.ChatCompletionStreamResponse{
		ID:     "chatcmpl-test",
		Object: "chat.completion.chunk",
		Model:  "fake",
		Choices: []openai.ChatCompletionStreamChoice{{
			Index:        0,
			Delta:        openai.ChatCompletionStreamChoiceDelta{Content: text},
			FinishReason: openai.FinishReason(finish),
		}},
	}
}

// split cuts text into about n pieces on rune boundaries.
func split(text string, n int) []string {
	rs := []rune(text)
	if len(rs) == 0 {
		return nil
	}
	size := max(1, (len(rs)+n-1)/n)
	var out []string
	for i := 0; i < len(rs); i += size {
		out = append(out, string(rs[i:min(i+size, len(rs))]))
	}
	return out
}
