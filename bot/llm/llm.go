// Package llm talks to any OpenAI-compatible chat API (OpenAI, Ollama, vLLM,
// llama.cpp server, ...) through github.com/sashabaranov/go-openai. It
// streams completions, bounds each call by a timeout and retries once when a
// provider is briefly unavailable, so the bot above it only sees text or an
// error it can fall back from.
package llm

import (
	"cmp"
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
	api *openai.Client
	// legacyMaxTokens also sends the cap as max_tokens (see streamOnce).
	legacyMaxTokens bool
	model           string
	timeout         time.Duration
	temp            float32
	log             *slog.Logger
}

// newAPI is the go-openai client both Client and EmbedClient use: the
// base URL (OpenAI's when empty) and an HTTP client that retries once.
func newAPI(baseURL, apiKey string, hc *http.Client, log *slog.Logger) *openai.Client {
	oc := openai.DefaultConfig(apiKey)
	if baseURL != "" {
		oc.BaseURL = strings.TrimRight(baseURL, "/")
	}
	if hc == nil {
		hc = &http.Client{}
	}
	oc.HTTPClient = retryOnce{c: hc, log: log}
	return openai.NewClientWithConfig(oc)
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	c := &Client{
		model:   cmp.Or(cfg.Model, DefaultModel),
		timeout: cfg.Timeout,
		temp:    cfg.Temperature,
		log:     cfg.Logger,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.api = newAPI(cfg.BaseURL, cfg.APIKey, cfg.HTTPClient, c.log.With("model", c.model))
	// Ollama and LM Studio read only the older max_tokens, OpenAI's
	// reasoning models refuse it: a server of our own gets both fields
	// unless go-openai's own check says the model refuses max_tokens.
	c.legacyMaxTokens = cfg.BaseURL != "" && openai.NewReasoningValidator().Validate(legacyCap(openai.ChatCompletionRequest{Model: c.model})) == nil
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
	// The one retry happens below go-openai (retryOnce): a 429 or 5xx
	// status arrives before any text, so it never repeats streamed text.
	text, streamed, err := c.streamOnce(ctx, system, user, onDelta)
	if err != nil {
		return text, c.fail(ctx, err, streamed)
	}
	return text, nil
}

// Error is a failed answer. Reason says what went wrong in plain words, for
// the note the asker sees; Error and Unwrap give the cause, for the log and
// for errors.Is (ErrEmpty, ErrIncomplete, context.DeadlineExceeded).
type Error struct {
	kind   string
	reason string
	err    error
}

func (e *Error) Error() string { return e.err.Error() }
func (e *Error) Unwrap() error { return e.err }

// Reason is a short clause for the asker, e.g. "the language model did not
// answer in time" or "the language model service had an error (HTTP 500)".
func (e *Error) Reason() string { return e.reason }

// Kind names the class of failure in one word, for metrics: timeout,
// cancelled, rate_limited, auth, server, rejected, bad_reply, empty,
// incomplete, cut, unreachable or other.
func (e *Error) Kind() string { return e.kind }

// fail wraps err, from a call made with ctx, as an *Error. streamed says
// whether some text had reached the asker.
func (c *Client) fail(ctx context.Context, err error, streamed bool) error {
	kind, why := classify(ctx, err, streamed)
	return &Error{kind: kind, reason: why, err: fmt.Errorf("llm stream (model %s): %w", c.model, err)}
}

// classify names a failed call's kind (see Error.Kind) and says what went
// wrong for the asker.
func classify(ctx context.Context, err error, streamed bool) (kind, reason string) {
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
			return "timeout", "the language model did not finish its answer in time"
		}
		return "timeout", "the language model did not answer in time"
	case errors.Is(err, context.Canceled):
		return "cancelled", "the question was cancelled before the language model answered"
	case status == http.StatusTooManyRequests:
		return "rate_limited", "the language model service is busy (rate limited)"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "auth", fmt.Sprintf("the language model service refused our credentials (HTTP %d)", status)
	case status >= 500:
		return "server", fmt.Sprintf("the language model service had an error (HTTP %d)", status)
	case status != 0:
		return "rejected", fmt.Sprintf("the language model service rejected the request (HTTP %d)", status)
	case errors.As(err, &syntax) || errors.As(err, &typ):
		return "bad_reply", "the language model service sent a reply that could not be read"
	case errors.Is(err, ErrEmpty):
		return "empty", "the language model returned an empty answer"
	case errors.Is(err, ErrIncomplete) && !errors.Is(err, errCut):
		return "incomplete", "the language model stopped before finishing its answer"
	case streamed || errors.Is(err, ErrIncomplete):
		return "cut", "the language model's answer was cut off"
	case errors.As(err, &netErr):
		return "unreachable", "the language model service could not be reached"
	}
	return "other", "the language model could not answer"
}

// errCut marks an incomplete answer whose connection broke, as opposed to
// a model that stopped early (length limit, content filter).
var errCut = errors.New("connection lost mid-answer")

// streamOnce makes one streaming request. streamed reports whether any text
// reached onDelta, after which a retry would repeat text the user has seen.
func (c *Client) streamOnce(ctx context.Context, system, user string, onDelta func(string)) (text string, streamed bool, err error) {
	req := openai.ChatCompletionRequest{
		Model:               c.model,
		MaxCompletionTokens: maxTokens,
		Temperature:         c.temp,
		Stream:              true,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
	}
	if c.legacyMaxTokens {
		req = legacyCap(req)
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

// Retry limits.
const (
	// defaultRetryDelay is the pause before the retry when the provider
	// gave no Retry-After.
	defaultRetryDelay = 500 * time.Millisecond
	// retryDelayCap bounds how long a Retry-After header can make us wait.
	retryDelayCap = 5 * time.Second
	// minRetryTime is the least time a retry needs to be worth making: a
	// model takes about that long to start answering.
	minRetryTime = time.Second
)

// retryOnce is the HTTP client under go-openai for chat and embeddings
// alike. A 429 or 5xx answer is retried once, after the provider's
// Retry-After (capped by retryDelayCap) or defaultRetryDelay, because rate
// limits and server errors are often momentary; other statuses are not.
// The retry lives at this level because only here is Retry-After visible
// (go-openai's errors drop the headers), and because a status arrives
// before any streamed text, so a retry never repeats what the asker saw.
// When the wait would leave the retry less than minRetryTime before the
// request's deadline, the first answer is returned as is, so the caller
// reports its real cause instead of "did not answer in time".
type retryOnce struct {
	c   *http.Client
	log *slog.Logger
}

// Do implements go-openai's HTTPDoer.
func (d retryOnce) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil || !retryableStatus(resp.StatusCode) || (req.Body != nil && req.GetBody == nil) {
		return resp, err
	}
	ctx := req.Context()
	delay := retryDelay(resp.Header.Get("Retry-After"), time.Now())
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay+minRetryTime {
		d.log.WarnContext(ctx, "provider call failed; no time left to retry", "path", req.URL.Path, "status", resp.StatusCode, "retry_after", delay)
		return resp, nil
	}
	status := resp.StatusCode
	// Drained so the connection can carry the retry.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	d.log.WarnContext(ctx, "provider call failed, retrying once", "path", req.URL.Path, "status", status, "delay", delay)
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("wait to retry after HTTP %d: %w", status, ctx.Err())
	case <-t.C:
	}
	retry := req.Clone(ctx)
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return nil, fmt.Errorf("retry after HTTP %d: %w", status, err)
		}
	}
	return d.c.Do(retry)
}

// legacyCap sets the deprecated max_tokens field to maxTokens, for the
// servers that know no other (see New).
func legacyCap(req openai.ChatCompletionRequest) openai.ChatCompletionRequest {
	req.MaxTokens = maxTokens //lint:ignore SA1019 Ollama and LM Studio read only max_tokens
	return req
}

// retryableStatus reports whether an HTTP status is worth one more try.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// retryDelay is the wait a Retry-After header asks for, capped by
// retryDelayCap, or defaultRetryDelay when the header is absent, zero or
// invalid.
func retryDelay(header string, now time.Time) time.Duration {
	d := parseRetryAfter(header, now)
	if d <= 0 {
		return defaultRetryDelay
	}
	return min(d, retryDelayCap)
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
