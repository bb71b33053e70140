package corpus

import (
	"errors"
	"fmt"
	"time"
)

// Follow is a question a channel follows (/follow): when new articles
// answer it, the bot posts a short cited update there. Its work is driven
// by the change log: Cursor is the last change sequence number the
// follow's updates have taken into account.
type Follow struct {
	ID int64
	// Scope is where the follow lives and what it may see: a Discord
	// server's id (its articles and the global ones), or GlobalScope.
	Scope string
	// Frontend names the frontend that posts its updates ("discord",
	// "console"): each serving process claims only its own frontend's.
	Frontend  string
	ChannelID string
	// CreatedBy is the user who followed (their id; "console" on the
	// console), who may remove it besides a moderator.
	CreatedBy string
	Question  string
	CreatedAt time.Time
	// LastUpdateAt is when the last update was recorded; zero before the
	// first. At most one update per follow is posted per interval.
	LastUpdateAt time.Time
	// LastScore is the retrieval score of the best passage the last
	// update cited: what a new update is compared with ("better than what
	// the channel was last told"). 0 before the first update.
	LastScore float64
	// Cursor is the change-log sequence number up to which new articles
	// have been considered.
	Cursor int64
}

// FollowPost is one update of a follow: recorded (with the stories it
// tells, and the follow's cursor advanced) in one transaction before it is
// sent, then marked sent. A post recorded but not sent (the process died
// in between) is sent by whichever process claims the follow next.
type FollowPost struct {
	ID       int64
	FollowID int64
	// Stories are the stories the update tells: each is told at most once
	// per follow (follow_sent is unique by follow and story).
	Stories []int64
	// Body is the update as the bot encoded it (the frontend renders it).
	Body      string
	CreatedAt time.Time
	SentAt    time.Time // zero while pending
}

// FollowLimits bound the follows a server and a user may have; <= 0
// means no limit.
type FollowLimits struct {
	PerScope int
	PerUser  int
}

// ErrFollowLimit means a server or a user has as many follows as allowed.
// The concrete error is a *FollowLimitError.
var ErrFollowLimit = errors.New("follow limit reached")

// ErrLeaseLost means a process tried to record work on a follow it no
// longer holds (its lease ran out and another process may have taken it):
// the work is dropped and done again by the holder.
var ErrLeaseLost = errors.New("lease lost")

// FollowLimitError is a refused follow: the server (PerUser false) or the
// user (PerUser true) already has Max follows.
type FollowLimitError struct {
	PerUser bool
	Max     int
}

func (e *FollowLimitError) Error() string {
	if e.PerUser {
		return fmt.Sprintf("you already follow %d questions here, the most allowed", e.Max)
	}
	return fmt.Sprintf("this server already follows %d questions, the most allowed", e.Max)
}

// Is makes errors.Is(err, ErrFollowLimit) true.
func (e *FollowLimitError) Is(target error) bool { return target == ErrFollowLimit }
