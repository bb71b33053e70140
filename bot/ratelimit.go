package bot

import (
	"context"
	"sync"
	"time"
)

// RateLimiter decides whether a user may ask a question in a server now.
// The in-memory Limiter serves one process; with several processes over
// one PostgreSQL database, corpus/postgres.Limiter counts in the database so
// the limits hold across all of them.
type RateLimiter interface {
	// Allow records a question by user in server (empty for DMs) and
	// reports whether it is within the rates; when it is not, retryAfter
	// says when to try again. A refused question is not counted. err is
	// non-nil when the limiter could not decide (its store failed).
	Allow(ctx context.Context, user, server string) (ok bool, retryAfter time.Duration, err error)
}

var _ RateLimiter = (*Limiter)(nil)

// Default question rates: generous for a person, and a server-wide cap that
// keeps one busy server from spending the whole LLM budget.
const (
	DefaultUserPerMinute   = 5
	DefaultServerPerMinute = 60
)

// LimiterWindow is the span the rates count over ("per minute"); a
// store-backed limiter uses it too.
const LimiterWindow = time.Minute

// maxLimiterKeys bounds the limiter's memory: past it, idle keys are
// dropped (a burst of new users must not grow it without end).
const maxLimiterKeys = 100_000

// Limiter counts questions per user and per server in a sliding one-minute
// window, in memory: the default for a single process (SQLite). It is safe
// for concurrent use.
type Limiter struct {
	userMax, serverMax int
	now                func() time.Time

	mu   sync.Mutex
	hits map[string][]time.Time // key -> times of accepted questions, oldest first
}

// NewLimiter returns a Limiter allowing userMax questions per user and
// serverMax per server each minute; a value <= 0 takes the default.
func NewLimiter(userMax, serverMax int, now func() time.Time) *Limiter {
	if userMax <= 0 {
		userMax = DefaultUserPerMinute
	}
	if serverMax <= 0 {
		serverMax = DefaultServerPerMinute
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{userMax: userMax, serverMax: serverMax, now: now, hits: make(map[string][]time.Time)}
}

// Allow records a question by user in server (empty for DMs) and reports
// whether it is within both rates; when it is not, retryAfter says when the
// oldest counted question leaves the window. A refused question is not
// counted. The error is always nil: memory cannot fail.
func (l *Limiter) Allow(_ context.Context, user, server string) (ok bool, retryAfter time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	uk, sk := "u:"+user, "s:"+server
	if wait := l.wait(uk, l.userMax, now); wait > 0 {
		return false, wait, nil
	}
	if server != "" {
		if wait := l.wait(sk, l.serverMax, now); wait > 0 {
			return false, wait, nil
		}
	}
	if len(l.hits) > maxLimiterKeys {
		l.prune(now)
	}
	l.hits[uk] = append(l.hits[uk], now)
	if server != "" {
		l.hits[sk] = append(l.hits[sk], now)
	}
	return true, 0, nil
}

// wait drops expired entries of key and returns how long until one more is
// allowed (0 when it is allowed now).
func (l *Limiter) wait(key string, max int, now time.Time) time.Duration {
	ts := l.hits[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= LimiterWindow {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.hits, key)
		return 0
	}
	l.hits[key] = ts
	if len(ts) < max {
		return 0
	}
	return LimiterWindow - now.Sub(ts[len(ts)-max])
}

func (l *Limiter) prune(now time.Time) {
	for k, ts := range l.hits {
		if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= LimiterWindow {
			delete(l.hits, k)
		}
	}
}
