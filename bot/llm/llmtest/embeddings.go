package llmtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	openai "github.com/sashabaranov/go-openai"
)

// HashDim is the dimension of the fake's embeddings.
const HashDim = 64

// EmbedRequest is one embeddings request as the fake received it.
type EmbedRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

// EmbedReply scripts one embeddings response; the zero value answers with
// HashVector of every input.
type EmbedReply struct {
	Status     int           // non-zero and not 200: answer with this HTTP status and an API error body
	RetryAfter string        // Retry-After header sent with an error status
	Delay      time.Duration // wait before answering (or until the client gives up)
	Vectors    [][]float32   // when not nil, sent instead of the hashed vectors
}

// embeddings is the fake's embeddings state.
type embeddings struct {
	mu       sync.Mutex
	reply    func(n int, req EmbedRequest) EmbedReply
	requests []EmbedRequest
}

// SetEmbedReply scripts the embeddings endpoint: its nth request (0-based)
// is answered by reply. Without it every request gets hashed vectors.
func (s *Server) SetEmbedReply(reply func(n int, req EmbedRequest) EmbedReply) {
	s.emb.mu.Lock()
	s.emb.reply = reply
	s.emb.mu.Unlock()
}

// EmbedRequests returns the embeddings requests received so far.
func (s *Server) EmbedRequests() []EmbedRequest {
	s.emb.mu.Lock()
	defer s.emb.mu.Unlock()
	return append([]EmbedRequest(nil), s.emb.requests...)
}

// HashVector is the fake's embedding of text: a hashed bag of its
// lower-cased words in HashDim signed dimensions, unit length. Texts that
// share words are close, texts that share none are nearly orthogonal, and
// the same text always gets the same vector.
func HashVector(text string) []float32 {
	v := make([]float32, HashDim)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		h := fnv.New64a()
		h.Write([]byte(w))
		x := h.Sum64()
		if x>>63 == 1 {
			v[x%HashDim]--
		} else {
			v[x%HashDim]++
		}
	}
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s > 0 {
		n := float32(math.Sqrt(s))
		for i := range v {
			v[i] /= n
		}
	}
	return v
}

func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	var req EmbedRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad json: input must be a list of strings","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	s.emb.mu.Lock()
	n := len(s.emb.requests)
	s.emb.requests = append(s.emb.requests, req)
	reply := s.emb.reply
	s.emb.mu.Unlock()
	var rep EmbedReply
	if reply != nil {
		rep = reply(n, req)
	}
	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.Status != 0 && rep.Status != http.StatusOK {
		if rep.RetryAfter != "" {
			w.Header().Set("Retry-After", rep.RetryAfter)
		}
		w.WriteHeader(rep.Status)
		fmt.Fprintf(w, `{"error":{"message":"scripted failure %d","type":"server_error"}}`, rep.Status)
		return
	}
	vecs := rep.Vectors
	if vecs == nil {
		for _, in := range req.Input {
			vecs = append(vecs, HashVector(in))
		}
	}
	resp := openai.EmbeddingResponse{Object: "list", Model: openai.EmbeddingModel(req.Model)}
	for i, v := range vecs {
		resp.Data = append(resp.Data, openai.Embedding{Object: "embedding", Embedding: v, Index: i})
	}
	json.NewEncoder(w).Encode(resp)
}
