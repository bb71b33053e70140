// Package follow runs /follow: it turns new articles into short cited
// updates for the channels that follow a question, and posts them.
//
// It is driven by the store's change log, not by searching the corpus on a
// timer: a follow's Cursor is the last change it has considered, and a
// follow has work only when the log (as far as this process's index has
// applied it) has moved past that cursor. For such a follow the worker
// reads the changed articles since the cursor, keeps those whose story
// the follow has not been told, and asks the bot for an update from them
// (the same retrieval, refusal floor and grounding as /ask).
//
// Several processes may run a worker over one store (gateway shards, HTTP
// replicas). Each follow is claimed with a lease (ClaimFollows: one write
// transaction on SQLite, FOR UPDATE SKIP LOCKED on PostgreSQL) and only
// the holder records work on it. An update is recorded before it is sent:
// one transaction stores the post as pending, claims its stories in
// follow_sent (unique by follow and story: a story is told at most once
// per follow, whatever the process) and advances the cursor. Then the
// post is sent and marked sent. A process that dies before recording
// loses nothing (the cursor did not move; the next holder does the batch
// again); one that dies after recording and before sending leaves a
// pending post that the next holder sends. Only a death between sending
// and marking sent repeats a post (at-least-once in that one window,
// between two local steps), which we prefer to losing the update.
package follow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
)

// Claims is the follow state the worker claims and records.
type Claims interface {
	// ClaimFollows leases the follows of frontend that have work.
	ClaimFollows(ctx context.Context, owner, frontend string, now time.Time, upTo int64, interval, lease time.Duration, limit int) ([]corpus.Follow, error)
	// ReleaseFollow ends owner's lease.
	ReleaseFollow(ctx context.Context, owner string, id int64) error
	// RemoveFollow removes a follow whose channel is gone;
	// corpus.ErrNotFound when it was removed already.
	RemoveFollow(ctx context.Context, id int64) error
	// RecordFollow advances the cursor and stores post pending, claiming
	// its stories; corpus.ErrLeaseLost when owner no longer holds it.
	RecordFollow(ctx context.Context, owner string, followID, cursor int64, now time.Time, score float64, post *corpus.FollowPost) error
}

// Posts are the follow's recorded posts and the stories it was told.
type Posts interface {
	PendingFollowPosts(ctx context.Context, followID int64) ([]corpus.FollowPost, error)
	MarkFollowPostSent(ctx context.Context, postID int64, at time.Time) error
	SentStories(ctx context.Context, followID int64, stories []int64) ([]int64, error)
}

// Log is the change log and the stories of the articles in it.
type Log interface {
	Changes(ctx context.Context, after int64, limit int) ([]corpus.Change, error)
	// StoryOf returns an article's story; ok is false before it is grouped
	// or when it does not exist.
	StoryOf(ctx context.Context, articleID int64) (storyID int64, ok bool, err error)
	// Get returns corpus.ErrNotFound for an article that does not exist.
	Get(ctx context.Context, id int64) (*corpus.Article, error)
}

// Store is everything the worker reads and writes.
type Store interface {
	Claims
	Posts
	Log
}

// Updater makes a follow's update from new articles (article -> story).
// *bot.Bot implements it.
type Updater interface {
	FollowUpdate(ctx context.Context, f corpus.Follow, fresh map[int64]int64) (bot.FollowUpdate, bool, error)
}

var _ Updater = (*bot.Bot)(nil)

// Poster sends an update to the follow's channel. A frontend implements
// it; an error leaves the post pending, to be sent again, unless it wraps
// bot.ErrUndeliverable (the worker then drops it).
type Poster interface {
	PostFollowUpdate(ctx context.Context, f corpus.Follow, u bot.FollowUpdate) error
}

// Seqer says how far the in-memory index has applied the change log: the
// worker considers no change the index (and so retrieval) has not seen.
type Seqer interface{ Seq() int64 }

// Defaults of Options.
const (
	// DefaultInterval: at most one update per follow per ten minutes, so a
	// burst of stories is one post, not a stream.
	DefaultInterval = 10 * time.Minute
	// DefaultTick is how often the worker looks for work: the change log
	// is read only for follows that have some.
	DefaultTick = time.Second
	// DefaultLease outlasts one follow's work (a retrieval, an LLM answer
	// within its timeout, a post) with room to spare.
	DefaultLease = 3 * time.Minute
	// claimBatch is how many follows one claim takes: each needs a
	// retrieval, so a process takes a few and leaves the rest to others.
	claimBatch = 20
	// changesPage is how many change-log entries one read returns.
	changesPage = 1000
	// ungroupedWait is how long an article may wait for its story before
	// the worker takes it as a story of its own: the grouper places an
	// article within seconds, so this much means it cannot.
	ungroupedWait = 5 * time.Minute
	// maxChanges bounds the changes one update considers (a bulk ingest of
	// a whole archive is no news): the rest wait for the next interval.
	maxChanges = 20_000
)

// Options configures a Worker.
type Options struct {
	// Frontend is the frontend whose follows this worker posts
	// ("discord", "console").
	Frontend string
	// Owner names this process in leases; default a unique id.
	Owner    string
	Interval time.Duration // between two updates of a follow; default DefaultInterval
	Tick     time.Duration // between looks for work; default DefaultTick
	Lease    time.Duration // default DefaultLease
	Now      func() time.Time
	Logger   *slog.Logger
}

// Worker posts the updates of the follows of one frontend.
type Worker struct {
	st   Store
	up   Updater
	post Poster
	idx  Seqer
	opt  Options
	log  *slog.Logger
}

// New returns a worker; Run runs it.
func New(st Store, up Updater, post Poster, idx Seqer, opt Options) *Worker {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	if opt.Tick <= 0 {
		opt.Tick = DefaultTick
	}
	if opt.Lease <= 0 {
		opt.Lease = DefaultLease
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Owner == "" {
		opt.Owner = ownerID()
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{st: st, up: up, post: post, idx: idx, opt: opt, log: log.With("frontend", opt.Frontend)}
}

// Run works until ctx ends, looking for work every Tick. Errors are logged
// and the work is tried again later.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.opt.Tick)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "follow updates failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims the follows that have work and does it, and returns how
// many updates it sent.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	upTo := w.idx.Seq()
	fs, err := w.st.ClaimFollows(ctx, w.opt.Owner, w.opt.Frontend, w.opt.Now(), upTo, w.opt.Interval, w.opt.Lease, claimBatch)
	if err != nil {
		return 0, fmt.Errorf("claim follows: %w", err)
	}
	claimed := w.opt.Now()
	sent := 0
	var errs []error
	stories := make(map[int64]int64) // article -> story, looked up once for all the follows
	for i, f := range fs {
		if w.opt.Now().Sub(claimed) > w.opt.Lease/2 {
			// The follows before took half the lease (slow model answers):
			// the rest are released for the next tick, by this process or
			// another, with a whole lease. Worked now, one could record its
			// update after the lease ended (lost work) or, near its end, be
			// claimed by another process while it sends (posted twice).
			w.release(ctx, fs[i:], &errs)
			break
		}
		n, err := w.work(ctx, f, upTo, stories)
		sent += n
		if err != nil {
			errs = append(errs, fmt.Errorf("follow %d: %w", f.ID, err))
		}
		var se *sendError
		if errors.As(err, &se) && ctx.Err() == nil {
			// The frontend could not post (Discord down, rate limited): the
			// lease is kept, so the follow is tried again when it ends, by
			// whichever process claims it, rather than at every tick.
			continue
		}
		// Released otherwise, even after another error: the next tick, or
		// another process, tries again at once.
		w.release(ctx, fs[i:i+1], &errs)
	}
	return sent, errors.Join(errs...)
}

// release ends this worker's leases of fs (with a fresh context when ctx
// has ended), adding failures to errs.
func (w *Worker) release(ctx context.Context, fs []corpus.Follow, errs *[]error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, f := range fs {
		if err := w.st.ReleaseFollow(rctx, w.opt.Owner, f.ID); err != nil {
			*errs = append(*errs, err)
		}
	}
}

// work sends f's pending posts, then makes, records and sends its update
// from the changes up to upTo.
func (w *Worker) work(ctx context.Context, f corpus.Follow, upTo int64, stories map[int64]int64) (int, error) {
	pending, err := w.st.PendingFollowPosts(ctx, f.ID)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, p := range pending {
		if err := ctx.Err(); err != nil {
			return sent, err // stopping: the rest wait for the next start
		}
		if err := w.send(ctx, f, p); errors.Is(err, errFollowGone) {
			return sent, nil
		} else if err != nil {
			return sent, err
		}
		sent++
	}
	// A follow claimed for its pending posts may have had its last update
	// within the interval: the new articles wait for the next one.
	recent := !f.LastUpdateAt.IsZero() && f.LastUpdateAt.After(w.opt.Now().Add(-w.opt.Interval))
	if f.Cursor >= upTo || recent {
		return sent, nil
	}
	seqs := make(map[int64]int64)
	fresh, cursor, err := w.fresh(ctx, f, upTo, stories, seqs)
	if err != nil || cursor <= f.Cursor {
		return sent, err
	}
	u, ok, err := w.up.FollowUpdate(ctx, f, fresh)
	if err != nil {
		return sent, err
	}
	if ok {
		// Stories the update had no room for are read again next time:
		// the cursor stops before the first of their changes. The stories
		// told are recorded as sent, so the next update skips them.
		for _, a := range u.Deferred {
			if seq, found := seqs[a]; found && seq-1 < cursor {
				cursor = max(seq-1, f.Cursor)
			}
		}
	}
	now := w.opt.Now()
	var p *corpus.FollowPost
	score := 0.0
	if ok {
		body, err := json.Marshal(u)
		if err != nil {
			return sent, fmt.Errorf("encode update: %w", err)
		}
		p, score = &corpus.FollowPost{Stories: u.Stories, Body: string(body)}, u.Score
	}
	if err := w.st.RecordFollow(ctx, w.opt.Owner, f.ID, cursor, now, score, p); errors.Is(err, corpus.ErrNotFound) {
		// Unfollowed while the update was made: nothing to record, send
		// or retry.
		w.log.DebugContext(ctx, "follow removed while its update was made", "follow_id", f.ID)
		return sent, nil
	} else if err != nil {
		return sent, err
	}
	if p == nil || p.ID == 0 {
		return sent, nil // no update, or every story told already (by a holder before us)
	}
	if err := w.send(ctx, f, *p); errors.Is(err, errFollowGone) {
		return sent, nil
	} else if err != nil {
		return sent, err
	}
	return sent + 1, nil
}

// errFollowGone: send removed the follow (its channel is gone); its work
// ends there.
var errFollowGone = errors.New("the follow was removed: its channel is gone")

// sendTimeout bounds sending one update and marking it sent once the
// worker is told to stop (see send).
const sendTimeout = 10 * time.Second

// send posts a recorded update and marks it sent. Both run to their end
// (within sendTimeout) when ctx ends meanwhile: a post cut off after the
// frontend took it, or taken and not marked, would be posted again by the
// next start.
func (w *Worker) send(ctx context.Context, f corpus.Follow, p corpus.FollowPost) error {
	var u bot.FollowUpdate
	if err := json.Unmarshal([]byte(p.Body), &u); err != nil {
		return fmt.Errorf("read post %d: %w", p.ID, err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	if err := w.post.PostFollowUpdate(ctx, f, u); err != nil {
		if !errors.Is(err, bot.ErrUndeliverable) {
			return &sendError{fmt.Errorf("send post %d: %w", p.ID, err)}
		}
		if errors.Is(err, bot.ErrChannelGone) {
			// Its posts go with it.
			w.log.WarnContext(ctx, "follow removed: its channel is gone", "follow_id", f.ID, "post_id", p.ID, "server_id", f.Scope, "channel_id", f.ChannelID, "err", err)
			if err := w.st.RemoveFollow(ctx, f.ID); err != nil && !errors.Is(err, corpus.ErrNotFound) {
				return fmt.Errorf("remove follow of a gone channel: %w", err)
			}
			return errFollowGone
		}
		w.log.WarnContext(ctx, "follow update dropped: it cannot be delivered", "follow_id", f.ID, "post_id", p.ID, "channel_id", f.ChannelID, "err", err)
		if err := w.st.MarkFollowPostSent(ctx, p.ID, w.opt.Now()); err != nil && !errors.Is(err, corpus.ErrNotFound) {
			return fmt.Errorf("mark post %d dropped: %w", p.ID, err)
		}
		return nil
	}
	// Not found: unfollowed while it was posted, its record gone with it.
	if err := w.st.MarkFollowPostSent(ctx, p.ID, w.opt.Now()); err != nil && !errors.Is(err, corpus.ErrNotFound) {
		return fmt.Errorf("mark post %d sent: %w", p.ID, err)
	}
	w.log.InfoContext(ctx, "follow update posted", "follow_id", f.ID, "post_id", p.ID, "channel_id", f.ChannelID, "stories", len(u.Stories))
	return nil
}

// fresh reads the changes after f's cursor up to upTo and returns the
// articles added or updated in them with their stories, leaving out the
// stories f has been told and articles since deleted, and the cursor to
// record. stories caches the stories looked up (the follows of one run
// read the same changes); seqs is given each fresh article's last change. An article not grouped into a story yet ends
// the batch before its change (its story decides whether it is news to
// f, so it waits for the grouper), unless it has waited ungroupedWait: an
// article the grouper cannot place is then its own story (the stores'
// rule for an ungrouped article) rather than stall the follow.
func (w *Worker) fresh(ctx context.Context, f corpus.Follow, upTo int64, stories, seqs map[int64]int64) (map[int64]int64, int64, error) {
	fresh := make(map[int64]int64)
	cursor := f.Cursor
	read := 0
	for cursor < upTo && read < maxChanges {
		cs, err := w.st.Changes(ctx, cursor, changesPage)
		if err != nil {
			return nil, 0, err
		}
		if len(cs) == 0 {
			break
		}
		for _, c := range cs {
			if c.Seq > upTo {
				return w.untold(ctx, f, fresh, cursor)
			}
			read++
			if c.Op == corpus.ChangeRemove {
				delete(fresh, c.ArticleID)
				cursor = c.Seq
				continue
			}
			story, ok := stories[c.ArticleID]
			if !ok {
				story, ok, err = w.st.StoryOf(ctx, c.ArticleID)
				if err != nil {
					return nil, 0, err
				}
			}
			if !ok {
				_, err := w.st.Get(ctx, c.ArticleID)
				switch {
				case errors.Is(err, corpus.ErrNotFound):
					cursor = c.Seq // deleted since
					continue
				case err != nil:
					return nil, 0, err
				case w.opt.Now().Sub(c.At) < ungroupedWait:
					return w.untold(ctx, f, fresh, cursor) // not grouped yet
				}
				story = c.ArticleID
			}
			stories[c.ArticleID] = story
			fresh[c.ArticleID] = story
			seqs[c.ArticleID] = c.Seq
			cursor = c.Seq
		}
	}
	return w.untold(ctx, f, fresh, cursor)
}

// untold removes from fresh the articles of stories f has been told.
func (w *Worker) untold(ctx context.Context, f corpus.Follow, fresh map[int64]int64, cursor int64) (map[int64]int64, int64, error) {
	if len(fresh) == 0 {
		return fresh, cursor, nil
	}
	seen := make(map[int64]bool)
	var stories []int64
	for _, s := range fresh {
		if !seen[s] {
			seen[s] = true
			stories = append(stories, s)
		}
	}
	told, err := w.st.SentStories(ctx, f.ID, stories)
	if err != nil {
		return nil, 0, err
	}
	for _, s := range told {
		for a, st := range fresh {
			if st == s {
				delete(fresh, a)
			}
		}
	}
	return fresh, cursor, nil
}

// sendError is a failure to post an update that may pass (see RunOnce).
type sendError struct{ err error }

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// ownerID names this process in follow leases: host name, process id and
// a random part (a restarted process may get its old pid back while its
// old leases still run).
func ownerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return fmt.Sprintf("%s:%d:%08x", host, os.Getpid(), rand.Uint32())
}
