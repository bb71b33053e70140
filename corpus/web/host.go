package web

import (
	"context"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxIdleHosts is how many idle per-host records the fetcher keeps before
// sweeping the ones whose delay has passed: enough for every outlet a bot
// follows, small enough that a long-running bot fed many one-off links does
// not grow without bound.
const maxIdleHosts = 256

// hosts keeps the fetcher polite: at most `limit` requests in flight to one
// host (a semaphore: x/time/rate limits rates, not concurrency), and
// request starts to one host at least `delay` apart (a rate.Limiter with a
// burst of one per host).
type hosts struct {
	limit int
	delay time.Duration
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu sync.Mutex
	m  map[string]*hostState
}

type hostState struct {
	sem   chan struct{} // one token per request in flight
	pace  *rate.Limiter // one request start per delay
	users int           // callers holding or waiting for a token
}

func newHosts(limit int, delay time.Duration) *hosts {
	return &hosts{limit: limit, delay: delay, now: time.Now, sleep: sleepCtx, m: make(map[string]*hostState)}
}

// acquire waits for a slot for host, then until the host's delay has passed
// since the previous request began. The caller must call release when the
// request (body included) is done, even if acquire failed.
func (h *hosts) acquire(ctx context.Context, host string) (release func(), err error) {
	host = strings.ToLower(host)
	h.mu.Lock()
	s := h.m[host]
	if s == nil {
		if len(h.m) >= maxIdleHosts {
			h.sweepLocked()
		}
		every := rate.Inf
		if h.delay > 0 {
			every = rate.Every(h.delay)
		}
		s = &hostState{sem: make(chan struct{}, h.limit), pace: rate.NewLimiter(every, 1)}
		h.m[host] = s
	}
	s.users++
	h.mu.Unlock()

	held := false
	release = func() {
		if held {
			<-s.sem
		}
		h.mu.Lock()
		s.users--
		h.mu.Unlock()
	}
	select {
	case s.sem <- struct{}{}:
		held = true
	case <-ctx.Done():
		return release, ctx.Err()
	}

	// Reserve a start time on the host's clock (h.now, which tests fix)
	// rather than with Limiter.Wait, which reads the wall clock.
	now := h.now()
	r := s.pace.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		if err := h.sleep(ctx, wait); err != nil {
			r.CancelAt(now)
			return release, err
		}
	}
	return release, nil
}

// sweepLocked forgets hosts nobody is using whose delay has passed.
func (h *hosts) sweepLocked() {
	now := h.now()
	for k, s := range h.m {
		if s.users == 0 && s.pace.TokensAt(now) >= 1 {
			delete(h.m, k)
		}
	}
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
