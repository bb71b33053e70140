// Package feeds follows RSS 2.0, Atom and JSON Feed feeds (parsed with
// gofeed) and turns their items into articles.
//
// A Poller fetches each feed every Options.Interval (with jitter) through
// the safe web fetcher, with conditional requests (ETag, Last-Modified) so an
// unchanged feed costs a 304, and backs off exponentially on failure (up to
// Options.MaxBackoff). Feeds are polled independently: one that fails or
// sends garbage records its error and failure count and never stops the
// others. Pollers of several processes over one store share the work: each
// claims the due feeds it polls with a lease (Options.Owner, Options.Lease),
// so a feed is fetched once per interval between them, and the feeds of a
// process that died are taken over when its leases expire.
//
// Each new item becomes an article with the feed's scope and AddedBy
// "feed:<id>": from the item itself when it carries the full text, else from
// the page it links to. Items are remembered per feed by GUID (else link), so
// a second poll adds nothing, an item edited upstream updates its article in
// place (same id), and an item whose article a moderator deleted does not
// come back.
package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/web"
)

// Defaults for Options fields left zero.
const (
	// DefaultInterval is how often a feed is fetched: news feeds change
	// every few minutes to hours, and a 304 costs the publisher little.
	DefaultInterval = 15 * time.Minute
	// DefaultMaxBackoff caps the wait after repeated failures, so a feed
	// that comes back is picked up within hours, not days.
	DefaultMaxBackoff = 6 * time.Hour
	// DefaultJitter spreads polls by ±10% so feeds added together (at
	// start) do not all hit the network at once forever after.
	DefaultJitter = 0.1
	// DefaultConcurrency is how many feeds are polled at once; the fetcher
	// limits requests per host on top of it.
	DefaultConcurrency = 4
	// DefaultMaxItemsPerPoll bounds the items handled per poll of one feed
	// (newest first): a feed that lists its whole archive must not stall
	// the poller or fetch thousands of pages at once.
	DefaultMaxItemsPerPoll = 200
	// DefaultLease is how long a claimed feed stays this process's: longer
	// than a poll takes (the feed, then up to MaxItemsPerPoll pages through
	// the fetcher's per-host limits), short enough that the feeds of a
	// process that died are taken over within minutes.
	DefaultLease = 10 * time.Minute
)

// minWait is the least Run sleeps between rounds, so a feed whose next poll
// keeps being in the past (a store error, a clock jump) cannot spin it.
const minWait = 5 * time.Second

// dueBatch bounds the feeds one PollDue handles; the rest are due at once
// and taken by the next round.
const dueBatch = 100

// maxErrorBytes bounds LastError: it is shown in a Discord message.
const maxErrorBytes = 300

// ErrNotFeed means a document is not an RSS, Atom or JSON feed (an HTML page
// without a feed link, malformed XML, ...). Its message says why. It is
// corpus.ErrNotFeed, so bot recognises it without importing this package.
var ErrNotFeed = corpus.ErrNotFeed

// FeedStore keeps the feeds and their polling state.
type FeedStore interface {
	// AddFeed stores f and sets its ID. Returns an error wrapping
	// corpus.ErrDuplicate if f.Scope already follows f.URL.
	AddFeed(ctx context.Context, f *corpus.Feed) error
	// Feed returns corpus.ErrNotFound if there is no such feed.
	Feed(ctx context.Context, id int64) (corpus.Feed, error)
	// FeedByURL returns corpus.ErrNotFound if scope does not follow url.
	FeedByURL(ctx context.Context, url, scope string) (corpus.Feed, error)
	// Feeds lists the feeds of scopes; empty scopes means all feeds.
	Feeds(ctx context.Context, scopes []string) ([]corpus.Feed, error)
	// RemoveFeed returns corpus.ErrNotFound if there is no such feed.
	RemoveFeed(ctx context.Context, id int64) error
	// ClaimDueFeeds leases up to limit due feeds (NextPoll at or before
	// now, no lease running past now) to owner until now+lease and returns
	// them: processes sharing a store claim disjoint feeds.
	ClaimDueFeeds(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]corpus.Feed, error)
	// ReleaseFeedLeases ends owner's running leases (Run does when it
	// stops) and returns how many.
	ReleaseFeedLeases(ctx context.Context, owner string) (int, error)
	// NextFeedPoll returns when the next feed falls due (its NextPoll or
	// the end of its lease); ok is false with no feeds.
	NextFeedPoll(ctx context.Context) (next time.Time, ok bool, err error)
	// SaveFeedState releases the feed's lease. Returns corpus.ErrNotFound
	// if the feed was removed.
	SaveFeedState(ctx context.Context, f corpus.Feed) error
}

// ItemStore remembers which items each feed delivered.
type ItemStore interface {
	// FeedItem reports whether a feed delivered guid before, the article
	// made from it (0 for none, e.g. deleted) and the item hash saved then.
	FeedItem(ctx context.Context, feedID int64, guid string) (articleID int64, itemHash string, found bool, err error)
	// SaveFeedItem returns corpus.ErrNotFound if the feed was removed.
	SaveFeedItem(ctx context.Context, feedID int64, guid string, articleID int64, itemHash string) error
}

// ArticleStore stores the articles made from items.
type ArticleStore interface {
	// Add returns a *corpus.DuplicateError for an article already stored.
	Add(ctx context.Context, a *corpus.Article) error
	// Update replaces the content of article a.ID, keeping its id, scope
	// and AddedBy. Returns corpus.ErrNotFound if it does not exist and a
	// *corpus.DuplicateError if the new content duplicates another.
	Update(ctx context.Context, a *corpus.Article) error
	// Get returns corpus.ErrNotFound if the article does not exist.
	Get(ctx context.Context, id int64) (*corpus.Article, error)
	// GetByURL returns corpus.ErrNotFound if no article has the URL.
	GetByURL(ctx context.Context, url string) (*corpus.Article, error)
}

// Store is everything the Poller needs; corpus/sqlite.DB is one.
type Store interface {
	FeedStore
	ItemStore
	ArticleStore
}

// Fetcher fetches feeds and the pages their items link to; *web.Fetcher is
// one. Fetch returns a *web.StatusError for an error status and a Response
// with NotModified set for a 304.
type Fetcher interface {
	Fetch(ctx context.Context, req web.Request) (*web.Response, error)
	Article(ctx context.Context, url string) (corpus.Article, error)
}

var _ Fetcher = (*web.Fetcher)(nil)

// Options configures a Poller. Zero values mean the defaults above.
type Options struct {
	Interval   time.Duration // between polls of a healthy feed (NEWSBOT_FEED_INTERVAL)
	MaxBackoff time.Duration // longest wait after failures
	// Jitter is the fraction by which each wait is randomly lengthened or
	// shortened; negative for none (tests).
	Jitter float64
	// Now returns the current time; default time.Now. Tests fix it. Run
	// still sleeps in real time.
	Now             func() time.Time
	Logger          *slog.Logger // nil discards
	Concurrency     int          // feeds polled at once
	MaxItemsPerPoll int          // items handled per poll of a feed, newest first
	// Owner names this poller in the feed leases it takes; default
	// OwnerID(), unique per process, so pollers of several processes over
	// one store each fetch a feed once per interval between them.
	Owner string
	// Lease is how long a claimed feed stays this poller's if it never
	// saves the feed's state (it died); default DefaultLease.
	Lease time.Duration
	// Metrics counts the polls; nil counts nothing.
	Metrics Metrics
}

// OwnerID returns an owner id for this process's leases: host name, process
// id and a random part (a restarted process may get its old pid back while
// its old leases still run).
func OwnerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return fmt.Sprintf("%s:%d:%08x", host, os.Getpid(), rand.Uint32())
}

// Metrics receives the poller's counts (cmd exports them). It must be
// safe for concurrent use.
type Metrics interface {
	// Polled counts one finished poll of a feed; failed says it did not
	// fetch or parse (a cancelled poll is not counted).
	Polled(failed bool)
}

// noMetrics counts nothing: the default.
type noMetrics struct{}

func (noMetrics) Polled(bool) {}

// Poller polls feeds into a store. It is safe for concurrent use.
type Poller struct {
	store Store
	fetch Fetcher
	opt   Options
	log   *slog.Logger

	// wake tells Run that EnsureFeeds added feeds that are due now.
	wake chan struct{}

	mu      sync.Mutex
	polling map[int64]*inflight // feeds being polled, so two callers never poll one at once
}

// New returns a Poller over store, fetching with f.
func New(store Store, f Fetcher, opt Options) *Poller {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = DefaultMaxBackoff
	}
	if opt.MaxBackoff < opt.Interval {
		opt.MaxBackoff = opt.Interval
	}
	switch {
	case opt.Jitter == 0:
		opt.Jitter = DefaultJitter
	case opt.Jitter < 0:
		opt.Jitter = 0
	case opt.Jitter > 0.5:
		opt.Jitter = 0.5 // more would let a wait shrink to nothing
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = DefaultConcurrency
	}
	if opt.Metrics == nil {
		opt.Metrics = noMetrics{}
	}
	if opt.MaxItemsPerPoll <= 0 {
		opt.MaxItemsPerPoll = DefaultMaxItemsPerPoll
	}
	if opt.Owner == "" {
		opt.Owner = OwnerID()
	}
	if opt.Lease <= 0 {
		opt.Lease = DefaultLease
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Poller{store: store, fetch: f, opt: opt, log: log, wake: make(chan struct{}, 1), polling: make(map[int64]*inflight)}
}

// Actor is the AddedBy of the articles a feed adds: "feed:<id>".
func Actor(feedID int64) string { return fmt.Sprintf("feed:%d", feedID) }

// Add follows the feed at rawURL in scope (GlobalScope when empty). It
// fetches and parses the feed once, so a moderator who gives a page rather
// than a feed is told at once: a page that links its feed
// (<link rel="alternate" type="application/rss+xml">) is replaced by that
// feed, anything else returns an error wrapping ErrNotFeed. The feed is
// stored under its canonical URL and is due at once; its items are read by
// the next poll: the caller's PollFeed (as bot and the CLI do at once), or
// PollAll, or Run when it next looks for due feeds.
//
// Add returns an error wrapping corpus.ErrInvalid for a URL that is not
// http(s), the fetcher's errors (web.ErrRefused, *web.StatusError...), and a
// *corpus.DuplicateFeedError (errors.Is corpus.ErrDuplicate) when scope
// already follows the feed.
func (p *Poller) Add(ctx context.Context, rawURL, scope, addedBy string) (corpus.Feed, error) {
	u, err := corpus.CanonicalURL(rawURL)
	if err == nil && u == "" {
		err = fmt.Errorf("%w: no URL", corpus.ErrInvalid)
	}
	if err != nil {
		return corpus.Feed{}, fmt.Errorf("add feed: %w", err)
	}
	if scope = strings.TrimSpace(scope); scope == "" {
		scope = corpus.GlobalScope
	}
	if f, err := p.store.FeedByURL(ctx, u, scope); err == nil {
		return corpus.Feed{}, &corpus.DuplicateFeedError{ExistingID: f.ID, URL: u}
	}
	u, parsed, err := p.discover(ctx, u, scope)
	if err != nil {
		return corpus.Feed{}, fmt.Errorf("add feed %s: %w", u, err)
	}
	f := corpus.Feed{
		URL:     u,
		Title:   oneLine(parsed.Title),
		Scope:   scope,
		AddedBy: addedBy,
	}
	if err := p.store.AddFeed(ctx, &f); err != nil {
		if errors.Is(err, corpus.ErrDuplicate) {
			return corpus.Feed{}, err
		}
		return corpus.Feed{}, fmt.Errorf("add feed %s: %w", u, err)
	}
	p.log.Info("feed added", "feed", f.ID, "url", f.URL, "scope", f.Scope, "by", addedBy)
	// Run is not woken: the callers (bot's /feeds add, the CLI) poll the
	// new feed at once with PollFeed, and a woken Run would race them for
	// that first poll.
	return f, nil
}

// discover fetches u and parses it as a feed; an HTML page that names its
// feed is followed to it once. It returns the URL of the feed found.
func (p *Poller) discover(ctx context.Context, u, scope string) (string, *parsedFeed, error) {
	resp, err := p.fetch.Fetch(ctx, web.Request{URL: u, Accept: discoverAccept})
	if err != nil {
		return u, nil, err
	}
	parsed, err := parseResponse(resp)
	if err == nil {
		return u, parsed, nil
	}
	alt := feedLink(resp)
	if alt == "" {
		return u, nil, err
	}
	if alt, cerr := corpus.CanonicalURL(alt); cerr == nil && alt != "" && alt != u {
		if f, err := p.store.FeedByURL(ctx, alt, scope); err == nil {
			return alt, nil, &corpus.DuplicateFeedError{ExistingID: f.ID, URL: alt}
		}
		resp, err := p.fetch.Fetch(ctx, web.Request{URL: alt, Accept: feedAccept})
		if err != nil {
			return alt, nil, err
		}
		parsed, err := parseResponse(resp)
		return alt, parsed, err
	}
	return u, nil, err
}

// Remove stops following feed id; the articles it added stay. Returns an
// error wrapping corpus.ErrNotFound if there is no such feed.
func (p *Poller) Remove(ctx context.Context, id int64) error {
	if err := p.store.RemoveFeed(ctx, id); err != nil {
		return fmt.Errorf("remove feed %d: %w", id, err)
	}
	// Debug: the caller logs the removal with who asked for it (bot's
	// audit line); one info line per removal.
	p.log.Debug("feed removed", "feed", id)
	return nil
}

// List returns the feeds of scopes with their health (LastSuccess,
// LastError, Failures, NextPoll) and item counts; empty scopes lists every
// feed (the CLI), a Discord server passes [GlobalScope, its id].
func (p *Poller) List(ctx context.Context, scopes []string) ([]corpus.Feed, error) {
	fs, err := p.store.Feeds(ctx, scopes)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return fs, nil
}

// EnsureFeeds makes sure the global scope follows every URL in urls (the
// operator's NEWSBOT_FEEDS), adding the missing ones; calling it again
// changes nothing. It does not fetch: an operator's feed is trusted to be
// one, and at start the network may be down, so a bad feed shows up in
// List with its error instead. It tries every URL and returns the joined
// errors of those it could not add (bad URL, store failure); the caller
// should log them rather than refuse to start.
func (p *Poller) EnsureFeeds(ctx context.Context, urls []string, addedBy string) error {
	var errs []error
	added := false
	for _, raw := range urls {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		u, err := corpus.CanonicalURL(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("ensure feed: %w", err))
			continue
		}
		if _, err := p.store.FeedByURL(ctx, u, corpus.GlobalScope); err == nil {
			continue
		} else if !errors.Is(err, corpus.ErrNotFound) {
			errs = append(errs, fmt.Errorf("ensure feed %s: %w", u, err))
			continue
		}
		f := corpus.Feed{URL: u, Scope: corpus.GlobalScope, AddedBy: addedBy}
		if err := p.store.AddFeed(ctx, &f); errors.Is(err, corpus.ErrDuplicate) {
			continue // another process, starting with the same settings, added it first
		} else if err != nil {
			errs = append(errs, fmt.Errorf("ensure feed %s: %w", u, err))
			continue
		}
		added = true
		p.log.Info("feed added", "feed", f.ID, "url", f.URL, "scope", f.Scope, "by", addedBy)
	}
	if added {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	return errors.Join(errs...)
}

// SplitURLs splits a comma-separated list (NEWSBOT_FEEDS) into its
// non-empty, trimmed entries.
func SplitURLs(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
