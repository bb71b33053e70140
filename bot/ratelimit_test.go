package bot

import (
	"context"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	l := NewLimiter(2, 3, func() time.Time { return now })
	steps := []struct {
		advance      time.Duration
		user, server string
		wantOK       bool
		wantWait     time.Duration
	}{
		{0, "a", "s1", true, 0},
		{10 * time.Second, "a", "s1", true, 0},
		{10 * time.Second, "a", "s1", false, 40 * time.Second}, // user a: 2 in the last minute
		{0, "b", "s1", true, 0},                                // server s1 now at 3
		{0, "c", "s1", false, 40 * time.Second},                // server full
		{0, "c", "s2", true, 0},                                // other server unaffected
		{0, "d", "", true, 0},                                  // DMs: user limit only
		{41 * time.Second, "a", "s1", true, 0},                 // first question left the window
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		ok, wait, err := l.Allow(context.Background(), s.user, s.server)
		if ok != s.wantOK || wait != s.wantWait || err != nil {
			t.Errorf("step %d: Allow(%q, %q) = %v, %v, %v; want %v, %v", i, s.user, s.server, ok, wait, err, s.wantOK, s.wantWait)
		}
	}
}
