// Package llm talks to any OpenAI-compatible chat API (OpenAI, Ollama, vLLM,
// llama.cpp server, ...) through github.com/sashabaranov/go-openai. It
// streams completions, bounds each call by a timeout and retries once when a
// provider is briefly unavailable, so the bot above it only sees text or an
// error it can fall back from.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultModel is used when NEWSBOT_CHAT_MODEL is unset: small, cheap and
// good at following citation instructions.
const DefaultModel = "gpt-4o-mini"

// DefaultTimeout bounds one whole answer (all retries included): past it the
// bot answers extractively instead of leaving the asker waiting.
const DefaultTimeout = 30 * time.Second

// maxTokens caps an answer: the bot's answers are a few sentences, and a
// runaway model must not fill a Discord message with thousands of words.
const maxTokens = 600

// retryDelayCap bounds how long a Retry-After header can make us wait.
const retryDelayCap = 5 * time.Second

// Errors callers can test with errors.Is.
var (
	// ErrEmpty means the provider answered with no text.
	ErrEmpty = errors.New("llm: empty answer")
	// ErrIncomplete means the stream ended before the model finished (cut
	// connection, length limit, content filter): the text must not be
	// presented as a complete answer.
	ErrIncomplete = errors.New("llm: answer incomplete")
)

// Config configures a Client.
type Config struct {
	BaseURL     string        // e.g. http://localhost:11434/v1 for Ollama; empty means OpenAI's
	APIKey      string        // may be empty for local servers
	Model       string        // empty means DefaultModel
	Timeout     time.Duration // <= 0 means DefaultTimeout
	Temperature float32
	HTTPClient  *http.Client // nil means a client without its own timeout (the context bounds calls)
	Logger      *slog.Logger
}

// Client streams chat completions.
type Client struct {
	api     *openai.Client
	model   string
	timeout time.Duration
	temp    float32
	log     *slog.Logger
}

// newAPI is the go-openai client both Client and EmbedClient use: the
// base URL (OpenAI's when empty) and an HTTP client that records
// Retry-After for the one retry.
func newAPI(baseURL, apiKey string, hc *http.Client) *openai.Client {
	oc := openai.DefaultConfig(apiKey)
	if baseURL != "" {
		oc.BaseURL = strings.TrimRight(baseURL, "/")
	}
	if hc == nil {
		hc = &http.Client{}
	}
	oc.HTTPClient = retryAfterDoer{hc}
	return openai.NewClientWithConfig(oc)
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	c := &Client{
		api:     newAPI(cfg.BaseURL, cfg.APIKey, cfg.HTTPClient),
		model:   cfg.Model,
		timeout: cfg.Timeout,
		temp:    cfg.Temperature,
		log:     cfg.Logger,
	}
	if c.model == "" {
		c.model = DefaultModel
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Model returns the chat model name the client asks for.
func (c *Client) Model() string { return c.model }

// Stream sends a system and a user message and streams the answer, calling
// onDelta (if not nil) with each piece of text as it arrives. It returns the
// whole text. A 429 or 5xx before the first token is retried once, unless
// the provider's Retry-After leaves no time for the retry to answer; an
// error after text has been streamed is returned as is, wrapped with
// ErrIncomplete, because a half answer must not pass as a whole one.
//
// Every error is an *Error, whose Reason says what went wrong in plain
// words.
func (c *Client) Stream(ctx context.Context, system, user string, onDelta func(string)) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hint := new(retryHint)
	ctx = context.WithValue(ctx, retryHintKey{}, hint)
	text, streamed, err := c.streamOnce(ctx, system, user, onDelta)
	if err != nil && !streamed && retryable(err) {
		delay := hint.delay()
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay+minRetryTime {
			// Waiting would only run into the timeout and hide the real
			// cause behind "did not answer in time".
			c.log.WarnContext(ctx, "llm call failed; no time left to retry", "model", c.model, "retry_after", delay, "err", err)
			return "", c.fail(ctx, err, false)
		}
		c.log.WarnContext(ctx, "llm call failed, retrying once", "model", c.model, "delay", delay, "err", err)
		select {
		case <-ctx.Done():
			return "", c.fail(ctx, errors.Join(err, ctx.Err()), false)
		case <-time.After(delay):
		}
		text, streamed, err = c.streamOnce(ctx, system, user, onDelta)
	}
	if err != nil {
		return text, c.fail(ctx, err, streamed)
	}
	return text, nil
}

// minRetryTime is the least time a retry needs to be worth making: a
// model takes about that long to start answering.
const minRetryTime = time.Second

// Error is a failed answer. Reason says what went wrong in plain words, for
// the note the asker sees; Error and Unwrap give the cause, for the log and
// for errors.Is (ErrEmpty, ErrIncomplete, context.DeadlineExceeded).
type Error struct {
	reason string
	err    error
}

func (e *Error) Error() string { return e.err.Error() }
func (e *Error) Unwrap() error { return e.err }

// Reason is a short clause for the asker, e.g. "the language model did not
// answer in time" or "the language model service had an error (HTTP 500)".
func (e *Error) Reason() string { return e.reason }

// fail wraps err, from a call made with ctx, as an *Error. streamed says
// whether some text had reached the asker.
func (c *Client) fail(ctx context.Context, err error, streamed bool) error {
	return &Error{reason: reason(ctx, err, streamed), err: fmt.Errorf("llm stream (model %s): %w", c.model, err)}
}

// reason classifies a failed call for the asker.
func reason(ctx context.Context, err error, streamed bool) string {
	var (
		apiErr *openai.APIError
		reqErr *openai.RequestError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		netErr net.Error
	)
	status := 0
	if errors.As(err, &apiErr) {
		status = apiErr.HTTPStatusCode
	} else if errors.As(err, &reqErr) {
		status = reqErr.HTTPStatusCode
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		if streamed {
			return "the language model did not finish its answer in time"
		}
		return "the language model did not answer in time"
	case errors.Is(err, context.Canceled):
		return "the question was cancelled before the language model answered"
	case status == http.StatusTooManyRequests:
		return "the language model service is busy (rate limited)"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Sprintf("the language model service refused our credentials (HTTP %d)", status)
	case status >= 500:
		return fmt.Sprintf("the language model service had an error (HTTP %d)", status)
	case status != 0:
		return fmt.Sprintf("the language model service rejected the request (HTTP %d)", status)
	case errors.As(err, &syntax) || errors.As(err, &typ):
		return "the language model service sent a reply that could not be read"
	case errors.Is(err, ErrEmpty):
		return "the language model returned an empty answer"
	case errors.Is(err, ErrIncomplete) && !errors.Is(err, errCut):
		return "the language model stopped before finishing its answer"
	case streamed || errors.Is(err, ErrIncomplete):
		return "the language model's answer was cut off"
	case errors.As(err, &netErr):
		return "the language model service could not be reached"
	}
	return "the language model could not answer"
}

// errCut marks an incomplete answer whose connection broke, as opposed to
// a model that stopped early (length limit, content filter).
var errCut = errors.New("connection lost mid-answer")

// streamOnce makes one streaming request. streamed reports whether any text
// reached onDelta, after which a retry would repeat text the user has seen.
func (c *Client) streamOnce(ctx context.Context, system, user string, onDelta func(string)) (text string, streamed bool, err error) {
	req := openai.ChatCompletionRequest{
		Model:       c.model,
		MaxTokens:   maxTokens,
		Temperature: c.temp,
		Stream:      true,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
	}
	stream, err := c.api.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", false, err
	}
	defer stream.Close()
	var b strings.Builder
	finish := openai.FinishReason("")
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if b.Len() > 0 {
				return b.String(), true, fmt.Errorf("%w: %w: %w", ErrIncomplete, errCut, err)
			}
			return "", false, err
		}
		for _, ch := range resp.Choices {
			if ch.Delta.Content != "" {
				b.WriteString(ch.Delta.Content)
				if onDelta != nil {
					onDelta(ch.Delta.Content)
				}
			}
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
	}
	text = b.String()
	switch {
	case strings.TrimSpace(text) == "":
		return "", false, ErrEmpty
	case finish == "":
		// The stream ended without the model saying it had finished: a
		// proxy or server that closed the connection cleanly mid-answer
		// looks just like this, and OpenAI-compatible servers end every
		// answer with a finish reason.
		return text, true, fmt.Errorf("%w: %w: stream ended without a finish reason", ErrIncomplete, errCut)
	case finish != openai.FinishReasonStop:
		// "length" or "content_filter": the model stopped mid-answer.
		return text, true, fmt.Errorf("%w: finish reason %q", ErrIncomplete, finish)
	}
	return text, b.Len() > 0, nil
}

// retryable reports whether err is worth one more try: rate limits and
// server errors are often momentary; bad requests and auth errors are not.
func retryable(err error) bool {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode == http.StatusTooManyRequests || apiErr.HTTPStatusCode >= 500
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode == http.StatusTooManyRequests || reqErr.HTTPStatusCode >= 500
	}
	return false
}

// defaultRetryDelay is the pause before the retry when the provider gave no
// Retry-After.
const defaultRetryDelay = 500 * time.Millisecond

// retryHint carries a Retry-After value from the HTTP layer, which go-openai
// hides, up to Stream.
type retryHint struct {
	mu sync.Mutex
	d  time.Duration
}

func (h *retryHint) set(d time.Duration) {
	h.mu.Lock()
	h.d = d
	h.mu.Unlock()
}

// delay is the provider's Retry-After, capped so the whole answer stays
// within the timeout, or defaultRetryDelay.
func (h *retryHint) delay() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.d <= 0 {
		return defaultRetryDelay
	}
	return min(h.d, retryDelayCap)
}

type retryHintKey struct{}

// retryAfterDoer records a 429 or 503 response's Retry-After header in the
// request context's retryHint.
type retryAfterDoer struct{ c *http.Client }

func (d retryAfterDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil || resp == nil {
		return resp, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if h, ok := req.Context().Value(retryHintKey{}).(*retryHint); ok {
			h.set(parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()))
		}
	}
	return resp, nil
}

// parseRetryAfter reads seconds or an HTTP date; 0 when absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
