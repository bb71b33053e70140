package web

import (
	"context"
	"strings"
	"sync"
	"time"
)

// maxIdleHosts is how many idle per-host records the fetcher keeps before
// sweeping the ones whose delay has passed: enough for every outlet a bot
// follows, small enough that a long-running bot fed many one-off links does
// not grow without bound.
const maxIdleHosts = 256

// hosts keeps the fetcher polite: at most `limit` requests in flight to one
// host, and request starts to one host at least `delay` apart.
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
	next  time.Time     // earliest start of the next request
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
		s = &hostState{sem: make(chan struct{}, h.limit)}
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

	// Reserve a start time: this request starts at the later of now and
	// the reserved next start, and pushes the next start one delay later.
	h.mu.Lock()
	now := h.now()
	start := s.next
	if start.Before(now) {
		start = now
	}
	s.next = start.Add(h.delay)
	h.mu.Unlock()
	if wait := start.Sub(now); wait > 0 {
		if err := h.sleep(ctx, wait); err != nil {
			return release, err
		}
	}
	return release, nil
}

// sweepLocked forgets hosts nobody is using whose delay has passed.
func (h *hosts) sweepLocked() {
	now := h.now()
	for k, s := range h.m {
		if s.users == 0 && !s.next.After(now) {
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
