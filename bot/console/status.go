package console

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// StatusEvery spaces the redraws of a status line: often enough to look
// alive, rarely enough that a loop adding thousands of articles a second
// spends nothing on the terminal.
const StatusEvery = 200 * time.Millisecond

// eraseLine returns the cursor to the start of the line and clears it.
const eraseLine = "\r\033[K"

// Status is one line of progress on a terminal ("ingesting: added 120...",
// "thinking…"), redrawn in place. Every long command shows its progress
// through it, so they all look and throttle alike. A Status that is off
// (output not a terminal: a pipe, a file, a test) writes nothing, so
// scripts read only results. It is safe for concurrent use.
type Status struct {
	w     io.Writer
	on    bool
	now   func() time.Time
	mu    sync.Mutex
	last  time.Time
	shown bool
}

// NewStatus returns a status line on w, drawn only when on.
func NewStatus(w io.Writer, on bool) *Status {
	return &Status{w: w, on: on, now: time.Now}
}

// Printf redraws the line unless it was drawn less than StatusEvery ago;
// the first call always draws.
func (s *Status) Printf(format string, args ...any) {
	if !s.on {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.shown && now.Sub(s.last) < StatusEvery {
		return
	}
	s.last, s.shown = now, true
	fmt.Fprintf(s.w, eraseLine+format, args...)
}

// Clear erases the line, if one was drawn, so that what follows starts on
// a clean line.
func (s *Status) Clear() {
	if !s.on {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown {
		fmt.Fprint(s.w, eraseLine)
		s.shown = false
	}
}
