package feeds

import (
	"net/http"
	"sync"
	"testing"
)

// pollCounter is a Metrics that counts what it is told.
type pollCounter struct {
	mu         sync.Mutex
	ok, failed int
}

func (c *pollCounter) Polled(failed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if failed {
		c.failed++
	} else {
		c.ok++
	}
}

func TestPollsCounted(t *testing.T) {
	t.Parallel()
	m := &pollCounter{}
	e := newEnv(t, Options{Metrics: m})
	e.srv.setFile(t, "/good", "application/atom+xml", "atom.xml")
	e.srv.setFile(t, "/chronicle/vaccine", "text/html", "vaccine.html")
	e.srv.setFile(t, "/bad", "application/feed+json", "feed.json")
	e.add(t, "/good", "")
	e.add(t, "/bad", "")
	e.srv.update("/bad", func(d *doc) { d.status = http.StatusInternalServerError })
	m.mu.Lock()
	okBefore, failedBefore := m.ok, m.failed // Add fetches without polling; counted if it ever polls
	m.mu.Unlock()
	e.pollAll(t)
	e.pollAll(t) // the good feed answers 304 now: a poll all the same
	m.mu.Lock()
	defer m.mu.Unlock()
	if got, want := m.ok-okBefore, 2; got != want {
		t.Errorf("successful polls counted = %d; want %d", got, want)
	}
	if got, want := m.failed-failedBefore, 2; got != want {
		t.Errorf("failed polls counted = %d; want %d", got, want)
	}
}
