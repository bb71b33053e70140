package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// Embedding limits.
const (
	// DefaultEmbedBatch inputs go in one request: providers accept 2048
	// (OpenAI) or fewer (local servers), and 64 passages of at most 470
	// words (about 40,000 tokens) stay below the per-request token limits
	// we know of (300,000 at OpenAI).
	DefaultEmbedBatch = 64
	// DefaultEmbedTimeout bounds one batch request, its retry included. A
	// question's embedding gets the shorter budget of its caller (retrieval).
	DefaultEmbedTimeout = 30 * time.Second
	// maxEmbedChars truncates an input: about 2,000 tokens, within every
	// embedding model's window (OpenAI's is 8,191), and a passage is far
	// shorter, so only pathological inputs are cut.
	maxEmbedChars = 8000
)

// ErrEmbedding means the provider's answer was not one vector per input.
var ErrEmbedding = errors.New("llm: malformed embeddings")

// EmbedConfig configures an EmbedClient.
type EmbedConfig struct {
	BaseURL    string        // empty means OpenAI's
	APIKey     string        // may be empty for local servers
	Model      string        // required, e.g. text-embedding-3-small or nomic-embed-text
	Batch      int           // inputs per request; <= 0 means DefaultEmbedBatch
	Timeout    time.Duration // per request; <= 0 means DefaultEmbedTimeout
	HTTPClient *http.Client  // nil means a client without its own timeout
	Logger     *slog.Logger
}

// EmbedClient computes embeddings through an OpenAI-compatible
// /embeddings endpoint. It is safe for concurrent use.
type EmbedClient struct {
	api     *openai.Client
	model   string
	batch   int
	timeout time.Duration
}

// NewEmbedClient returns an EmbedClient for cfg.
func NewEmbedClient(cfg EmbedConfig) *EmbedClient {
	c := &EmbedClient{model: cfg.Model, batch: cfg.Batch, timeout: cfg.Timeout}
	if c.batch <= 0 {
		c.batch = DefaultEmbedBatch
	}
	if c.timeout <= 0 {
		c.timeout = DefaultEmbedTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c.api = newAPI(cfg.BaseURL, cfg.APIKey, cfg.HTTPClient, log.With("model", c.model))
	return c
}

// Model returns the embedding model the client asks for: vectors of
// different models are not comparable, so stores key them by it.
func (c *EmbedClient) Model() string { return c.model }

// Embed returns one unit-length vector per text, in order, sending the
// texts in batches. A batch that fails with a 429 or 5xx is retried once
// (after Retry-After, capped); any other failure, or a batch still failing,
// returns the error and no vectors.
func (c *EmbedClient) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += c.batch {
		vecs, err := c.embedBatch(ctx, texts[start:min(start+c.batch, len(texts))])
		if err != nil {
			return nil, fmt.Errorf("embed %d texts (model %s): %w", len(texts), c.model, err)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// embedBatch makes one request (retried once by retryOnce when worth it)
// within the client's timeout.
func (c *EmbedClient) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	input := make([]string, len(texts))
	for i, t := range texts {
		input[i] = embedInput(t)
	}
	return c.embedOnce(ctx, input)
}

func (c *EmbedClient) embedOnce(ctx context.Context, input []string) ([][]float32, error) {
	resp, err := c.api.CreateEmbeddings(ctx, openai.EmbeddingRequest{
		Input:          input,
		Model:          openai.EmbeddingModel(c.model),
		EncodingFormat: openai.EmbeddingEncodingFormatFloat,
	})
	if err != nil {
		return nil, err
	}
	if len(resp.Data) != len(input) {
		return nil, fmt.Errorf("%w: %d vectors for %d inputs", ErrEmbedding, len(resp.Data), len(input))
	}
	out := make([][]float32, len(input))
	dim := len(resp.Data[0].Embedding)
	for _, d := range resp.Data {
		switch {
		case d.Index < 0 || d.Index >= len(out) || out[d.Index] != nil:
			return nil, fmt.Errorf("%w: bad or repeated index %d", ErrEmbedding, d.Index)
		case len(d.Embedding) == 0 || len(d.Embedding) != dim:
			return nil, fmt.Errorf("%w: vectors of %d and %d dimensions", ErrEmbedding, dim, len(d.Embedding))
		}
		out[d.Index] = normalize(d.Embedding)
	}
	return out, nil
}

// embedInput makes a text acceptable to every provider: cut to
// maxEmbedChars on a rune boundary, and not empty (OpenAI rejects "").
func embedInput(t string) string {
	if len(t) > maxEmbedChars {
		t = t[:maxEmbedChars]
		for !utf8.ValidString(t) {
			t = t[:len(t)-1]
		}
	}
	if strings.TrimSpace(t) == "" {
		return " "
	}
	return t
}

// normalize scales v to unit length in place (OpenAI's vectors already are;
// local models' often are not), so a dot product is the cosine. A zero
// vector stays zero.
func normalize(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return v
	}
	n := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= n
	}
	return v
}
