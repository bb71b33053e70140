// Package bot is newsbot's platform-neutral core: it turns a question into a
// cited answer (retrieval, prompt, LLM or extractive composition, citation
// check) and serves the commands every frontend offers (latest, search, add,
// remove, sources). It knows nothing of Discord or the terminal; frontends in
// bot/discord and bot/console render what it returns.
package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
)

// Retriever finds the passages relevant to a question.
type Retriever interface {
	Retrieve(ctx context.Context, req retrieval.Request) (retrieval.Result, error)
}

// Model composes text from a system and a user message, streaming pieces
// to onDelta as they arrive. bot/llm implements it.
// Returns an error when the answer is missing or incomplete; the returned
// text is then not to be shown as an answer. An error with a method
// Reason() string ("the language model did not answer in time") says what
// went wrong in words the asker is shown.
type Model interface {
	Stream(ctx context.Context, system, user string, onDelta func(string)) (string, error)
}

// Store is the part of the article store the bot's commands use. It is
// larger than the interfaces elsewhere because the commands together use
// most of the store; corpus/sqlite implements it.
type Store interface {
	Add(ctx context.Context, a *corpus.Article) error
	// Get returns corpus.ErrNotFound if the article does not exist.
	Get(ctx context.Context, id int64) (*corpus.Article, error)
	// Delete returns corpus.ErrNotFound if the article does not exist.
	Delete(ctx context.Context, id int64) error
	Latest(ctx context.Context, q corpus.LatestQuery) ([]corpus.Article, error)
	// LatestStories lists the newest stories, one row per story.
	LatestStories(ctx context.Context, q corpus.LatestQuery) ([]corpus.StoryHead, error)
	// StoryArticles lists a story's articles in scopes, earliest first,
	// with their bodies; none for an unknown story.
	StoryArticles(ctx context.Context, storyID int64, scopes []string) ([]corpus.Article, error)
	// StoryOf returns an article's story; ok is false before it is grouped.
	StoryOf(ctx context.Context, articleID int64) (storyID int64, ok bool, err error)
	Stats(ctx context.Context, scopes []string) (corpus.Stats, error)
	// Record appends to the audit trail of adds and removes.
	Record(ctx context.Context, e corpus.Event) error
	// Sources lists the outlets in scopes, sorted.
	Sources(ctx context.Context, scopes []string) ([]string, error)
	// FindTitles lists up to n articles in scopes whose title contains query.
	FindTitles(ctx context.Context, scopes []string, query string, n int) ([]corpus.Article, error)
}

// Fetcher reads an article from a web page, refusing addresses that are not
// public. corpus/web implements it.
type Fetcher interface {
	Article(ctx context.Context, url string) (corpus.Article, error)
}

// Options configures a Bot.
type Options struct {
	// MinConfidence is the retrieval confidence below which the bot says the
	// corpus does not cover a question; 0 means retrieval.DefaultMinConfidence.
	MinConfidence float64
	// Now returns the current time (tests fix it); nil means time.Now.
	Now func() time.Time
	// Fetcher reads pages for AddURL; nil means adding by URL is unavailable.
	Fetcher Fetcher
	// MaxInputBytes bounds one article's input, whatever path it takes
	// (a file, an upload, pasted text; the fetcher is given the same value
	// by the caller); <= 0 means corpus.DefaultMaxBytes.
	MaxInputBytes int64
	Logger        *slog.Logger
	// Metrics receives the answers' counts and timings; nil measures
	// nothing.
	Metrics Metrics
}

// Bot answers questions and serves commands. It is safe for concurrent use.
type Bot struct {
	retriever Retriever
	model     Model // nil: extractive answers only
	store     Store
	fetcher   Fetcher
	feeds     FeedManager // nil: no feeds
	// follows keeps the questions channels follow; nil: no /follow.
	follows      FollowStore
	followLimits corpus.FollowLimits
	minConf      float64
	maxInput     int64
	now          func() time.Time
	log          *slog.Logger
	metrics      Metrics
}

// New returns a Bot. model may be nil, in which case every answer is
// extractive.
func New(r Retriever, model Model, store Store, opt Options) *Bot {
	b := &Bot{retriever: r, model: model, store: store, fetcher: opt.Fetcher, minConf: opt.MinConfidence, now: opt.Now, log: opt.Logger, metrics: opt.Metrics}
	if b.metrics == nil {
		b.metrics = noMetrics{}
	}
	if b.minConf <= 0 {
		b.minConf = retrieval.DefaultMinConfidence
	}
	b.maxInput = opt.MaxInputBytes
	if b.maxInput <= 0 {
		b.maxInput = corpus.DefaultMaxBytes
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	return b
}

// MaxInputBytes is the size limit of one article's input, for a frontend
// that must refuse an upload before downloading it.
func (b *Bot) MaxInputBytes() int64 { return b.maxInput }

// HasModel reports whether answers are composed by an LLM.
func (b *Bot) HasModel() bool { return b.model != nil }
