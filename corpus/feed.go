package corpus

import (
	"fmt"
	"time"
)

// Feed is an RSS, Atom or JSON Feed that the bot polls. Each item becomes an
// article with the feed's Scope and AddedBy "feed:<ID>", so a feed a
// moderator adds in a Discord server feeds that server only.
type Feed struct {
	ID      int64  // assigned by the store; never reused, so "feed:<id>" names one feed
	URL     string // canonical URL of the feed document; unique within Scope
	Title   string // the feed's own title, refreshed on each successful poll
	Scope   string // GlobalScope or a Discord server id
	AddedBy string // who added it: "cli", "env", "discord:<user id>", ...
	AddedAt time.Time

	// ETag and LastModified are the validators of the last successful
	// fetch, sent back so an unchanged feed costs a 304.
	ETag, LastModified string

	LastSuccess time.Time // last poll that fetched (or got a 304) and parsed; zero if never
	LastAttempt time.Time // last poll, successful or not; zero if never
	NextPoll    time.Time // when the poller next fetches it; zero or past means due
	LastError   string    // readable cause of the last failure; empty after a success
	Failures    int       // consecutive failed polls; 0 after a success

	// Items counts the feed's items that have an article in the corpus
	// (set by listings; items whose article was deleted are not counted).
	Items int
}

// PollResult is what one poll of one feed did (corpus/feeds polls).
type PollResult struct {
	Feed Feed // the feed as saved after the poll (health, next poll)
	// Added, Updated, Unchanged and Failed count the items handled:
	// Unchanged includes items already stored from elsewhere (same URL or
	// text) and items whose article was deleted.
	Added, Updated, Unchanged, Failed int
	NotModified                       bool  // the server answered 304
	Err                               error // why the poll failed; nil if it succeeded
}

// DuplicateFeedError is returned when a feed with the same canonical URL is
// already followed in the same scope; errors.Is(err, ErrDuplicate) is true.
type DuplicateFeedError struct {
	ExistingID int64
	URL        string
}

func (e *DuplicateFeedError) Error() string {
	return fmt.Sprintf("feed %s is already followed (feed %d)", e.URL, e.ExistingID)
}

// Is makes errors.Is(err, ErrDuplicate) true for a *DuplicateFeedError.
func (e *DuplicateFeedError) Is(target error) bool { return target == ErrDuplicate }

// LeaseUntil is when a feed lease taken at now for lease ends, in the
// whole Unix seconds the stores keep, rounded up: a lease never ends
// before now+lease. Rounded down, a short lease (NEWSBOT_FEED_LEASE=1s)
// taken late in a second would end almost at once, and another process
// would poll the feed again while the first still does.
func LeaseUntil(now time.Time, lease time.Duration) int64 {
	end := now.Add(lease)
	sec := end.Unix()
	if end.After(time.Unix(sec, 0)) {
		sec++
	}
	return sec
}
