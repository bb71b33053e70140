package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/web"
)

// Result is what one poll of one feed did. It is defined in corpus so that
// bot and the frontends show it without importing this package.
type Result = corpus.PollResult

// inflight is a poll under way: done is closed once res is set.
type inflight struct {
	done chan struct{}
	res  Result
}

// PollAll polls every feed now, whatever its NextPoll (the CLI's
// `feeds poll`). Feeds that fail are reported in their Result; the error is
// non-nil only when the feeds cannot be listed or ctx is done.
func (p *Poller) PollAll(ctx context.Context) ([]Result, error) {
	fs, err := p.store.Feeds(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("poll feeds: %w", err)
	}
	return p.pollMany(ctx, fs)
}

// PollDue claims the feeds whose NextPoll has come and that no other poller
// holds (ClaimDueFeeds), and polls them as PollAll does; saving each feed's
// state releases its lease. So pollers of several processes over one store
// fetch each feed once per interval between them. It claims Concurrency
// feeds at a time, as many as it polls at once, and claims more when those
// are done, at most dueBatch in all: a lease then covers one poll, not a
// queue of them (a hundred feeds claimed at once and polled four at a time
// outlived their lease, and another process fetched them too).
func (p *Poller) PollDue(ctx context.Context) ([]Result, error) {
	var all []Result
	for len(all) < dueBatch {
		fs, err := p.store.ClaimDueFeeds(ctx, p.opt.Owner, p.opt.Now(), p.opt.Lease, min(p.opt.Concurrency, dueBatch-len(all)))
		if err != nil {
			return all, fmt.Errorf("poll due feeds: %w", err)
		}
		if len(fs) == 0 {
			break
		}
		rs, err := p.pollMany(ctx, fs)
		all = append(all, rs...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// PollFeed polls one feed now (a moderator's "poll now", or right after
// Add). When another call of this Poller is polling the feed already, it
// waits for that poll and returns its result: the poll asked for is the
// one under way. Returns an error wrapping corpus.ErrNotFound if there is
// no such feed; a failed poll is reported in Result.Err.
func (p *Poller) PollFeed(ctx context.Context, id int64) (Result, error) {
	f, err := p.store.Feed(ctx, id)
	if err != nil {
		return Result{}, fmt.Errorf("poll feed %d: %w", id, err)
	}
	for {
		r, ok := p.pollLocked(ctx, f)
		if ok {
			return r, nil
		}
		p.mu.Lock()
		in := p.polling[f.ID]
		p.mu.Unlock()
		if in == nil {
			continue // that poll ended in between: poll again
		}
		select {
		case <-in.done:
			return in.res, nil
		case <-ctx.Done():
			return Result{Feed: f}, fmt.Errorf("poll feed %d: wait for the poll under way: %w", id, ctx.Err())
		}
	}
}

// Run polls due feeds until ctx is done, then returns nil. Between rounds
// it sleeps until the next feed is due (at least minWait, at most
// Interval, so feeds added by another process are seen), or until Add or
// EnsureFeeds adds one.
func (p *Poller) Run(ctx context.Context) error {
	p.log.Info("feed poller started", "interval", p.opt.Interval, "owner", p.opt.Owner)
	defer p.releaseLeases()
	for {
		results, err := p.PollDue(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			p.log.Error("feed poll round failed", "err", err)
		}
		if len(results) == dueBatch {
			continue // more are due
		}
		wait := p.opt.Interval
		next, ok, err := p.store.NextFeedPoll(ctx)
		switch {
		case err != nil:
			p.log.Error("feed poller: next poll time", "err", err)
		case ok:
			wait = min(max(next.Sub(p.opt.Now()), minWait), p.opt.Interval)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-p.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// pollMany polls fs, Concurrency at a time, and returns their results in
// order, leaving out feeds another call is polling.
func (p *Poller) pollMany(ctx context.Context, fs []corpus.Feed) ([]Result, error) {
	results := make([]Result, len(fs))
	done := make([]bool, len(fs))
	sem := make(chan struct{}, p.opt.Concurrency)
	var wg sync.WaitGroup
	for i, f := range fs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i], done[i] = p.pollLocked(ctx, f)
		})
	}
	wg.Wait()
	out := results[:0]
	for i, r := range results {
		if done[i] {
			out = append(out, r)
		}
	}
	return out, ctx.Err()
}

// pollLocked polls f unless another call is polling it (ok false).
func (p *Poller) pollLocked(ctx context.Context, f corpus.Feed) (_ Result, ok bool) {
	p.mu.Lock()
	if p.polling[f.ID] != nil {
		p.mu.Unlock()
		return Result{}, false
	}
	in := &inflight{done: make(chan struct{})}
	p.polling[f.ID] = in
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.polling, f.ID)
		p.mu.Unlock()
		close(in.done)
	}()
	in.res = p.poll(ctx, f)
	return in.res, true
}

// poll fetches f, handles its items and saves its new state. A cancelled
// ctx saves nothing, so the poll is simply repeated later.
func (p *Poller) poll(ctx context.Context, f corpus.Feed) Result {
	start := p.opt.Now()
	res := Result{Feed: f}
	log := p.log.With("feed", f.ID, "url", f.URL)

	resp, err := p.fetch.Fetch(ctx, web.Request{URL: f.URL, ETag: f.ETag, LastModified: f.LastModified, Accept: feedAccept})
	if ctx.Err() != nil {
		res.Err = ctx.Err()
		return res
	}
	var parsed *parsedFeed
	if err == nil && !resp.NotModified {
		parsed, err = parseResponse(resp)
	}
	if err != nil {
		res.Err = err
		f = p.failed(f, start, err)
		log.Warn("feed poll failed", "err", err, "failures", f.Failures, "next_poll", f.NextPoll)
		p.opt.Metrics.Polled(true)
		res.Feed = p.save(ctx, f, log)
		return res
	}

	retry := false
	if resp.NotModified {
		res.NotModified = true
	} else {
		retry = p.items(ctx, f, parsed, &res, log)
		if ctx.Err() != nil {
			res.Err = ctx.Err()
			return res
		}
		if t := oneLine(parsed.Title); t != "" {
			f.Title = t
		}
	}
	f.ETag, f.LastModified = resp.ETag, resp.LastModified
	if retry {
		// Some items failed for a reason that may pass: fetch the whole
		// feed next time rather than getting a 304 and never retrying them.
		f.ETag, f.LastModified = "", ""
	}
	f.LastAttempt, f.LastSuccess = start, start
	f.LastError, f.Failures = "", 0
	f.NextPoll = start.Add(p.jitter(p.opt.Interval))
	p.opt.Metrics.Polled(false)
	log.Debug("feed polled", "not_modified", res.NotModified, "added", res.Added, "updated", res.Updated,
		"unchanged", res.Unchanged, "failed", res.Failed)
	res.Feed = p.save(ctx, f, log)
	return res
}

// failed records a failed poll: one more failure and the next poll after
// Interval * 2^failures (at most MaxBackoff), with jitter.
func (p *Poller) failed(f corpus.Feed, now time.Time, err error) corpus.Feed {
	f.Failures++
	f.LastAttempt = now
	f.LastError = describe(err)
	f.NextPoll = now.Add(p.jitter(p.backoff(f.Failures)))
	return f
}

// backoff is the wait after n consecutive failures.
func (p *Poller) backoff(n int) time.Duration {
	d := p.opt.Interval
	for i := 0; i < n && d < p.opt.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.opt.MaxBackoff)
}

// jitter lengthens or shortens d by up to Jitter of it, at random.
func (p *Poller) jitter(d time.Duration) time.Duration {
	if p.opt.Jitter == 0 {
		return d
	}
	return d + time.Duration(float64(d)*p.opt.Jitter*(2*rand.Float64()-1))
}

// save stores f's state; a feed removed meanwhile is not an error.
func (p *Poller) save(ctx context.Context, f corpus.Feed, log *slog.Logger) corpus.Feed {
	if err := p.store.SaveFeedState(ctx, f); err != nil && !errors.Is(err, corpus.ErrNotFound) {
		log.Error("save feed state", "err", err)
	}
	return f
}

// describe turns a poll error into the short text a moderator sees in the
// feed list.
func describe(err error) string {
	var se *web.StatusError
	var msg string
	switch {
	case errors.As(err, &se):
		msg = "HTTP " + se.Status
		switch {
		case se.StatusCode == http.StatusNotFound || se.StatusCode == http.StatusGone:
			msg += " (the feed is gone or moved)"
		case se.StatusCode == http.StatusTooManyRequests:
			msg += " (rate limited)"
		case se.StatusCode == http.StatusUnauthorized || se.StatusCode == http.StatusForbidden:
			msg += " (access denied)"
		}
	case errors.Is(err, context.DeadlineExceeded):
		msg = "timed out: " + err.Error()
	default:
		msg = err.Error()
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > maxErrorBytes {
		cut := maxErrorBytes
		for cut > 0 && msg[cut]&0xC0 == 0x80 {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

// releaseTimeout bounds releasing the leases when Run stops: the process
// is shutting down, and an unreleased lease only delays the next poll.
const releaseTimeout = 2 * time.Second

// releaseLeases gives up the leases of feeds this poller claimed and did
// not get to poll before it stopped (a deploy, a SIGTERM), so the other
// processes poll them now rather than when the leases expire.
func (p *Poller) releaseLeases() {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	n, err := p.store.ReleaseFeedLeases(ctx, p.opt.Owner)
	switch {
	case err != nil:
		p.log.Warn("feed poller: release leases on stop", "owner", p.opt.Owner, "err", err)
	case n > 0:
		p.log.Info("feed poller: released leases on stop", "owner", p.opt.Owner, "feeds", n)
	}
}
