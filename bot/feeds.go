package bot

import (
	"context"
	"fmt"

	"github.com/newsbot/newsbot/corpus"
)

// FeedManager follows news feeds. corpus/feeds.Poller implements it.
type FeedManager interface {
	// Add validates and stores a feed; an error wraps corpus.ErrDuplicate
	// when the scope already follows it.
	Add(ctx context.Context, url, scope, addedBy string) (corpus.Feed, error)
	// Remove returns corpus.ErrNotFound for an unknown feed.
	Remove(ctx context.Context, id int64) error
	List(ctx context.Context, scopes []string) ([]corpus.Feed, error)
	// PollFeed polls one feed now.
	PollFeed(ctx context.Context, id int64) (corpus.PollResult, error)
	// PollAll polls every feed now.
	PollAll(ctx context.Context) ([]corpus.PollResult, error)
}

// ErrNoFeeds is returned when the bot was built without feed support.
var ErrNoFeeds = fmt.Errorf("feeds are not available")

// SetFeeds gives the bot its feed manager (wired after both exist, as the
// poller and the bot share the store).
func (b *Bot) SetFeeds(f FeedManager) { b.feeds = f }

// AddFeed follows a feed in the actor's scope and polls it once, so its
// items are there at once. Moderators only; a server's feed produces
// articles only that server sees.
func (b *Bot) AddFeed(ctx context.Context, who Actor, url string) (corpus.Feed, corpus.PollResult, error) {
	if !who.canAdd() {
		return corpus.Feed{}, corpus.PollResult{}, fmt.Errorf("add feed: %w", ErrForbidden)
	}
	if b.feeds == nil {
		return corpus.Feed{}, corpus.PollResult{}, ErrNoFeeds
	}
	f, err := b.feeds.Add(ctx, url, who.scope(), who.addedBy())
	if err != nil {
		// The manager's error names the operation and the URL already
		// ("add feed URL: ..."); wrapping it again would say it twice.
		return corpus.Feed{}, corpus.PollResult{}, err
	}
	// The manager logs "feed added" with the scope and who added it: a
	// second line here would log each add twice.
	res, err := b.feeds.PollFeed(ctx, f.ID)
	if err != nil {
		// The feed is followed whatever happened to this first poll (the
		// background poller may be polling it right now); report the poll
		// in the result rather than fail the add.
		b.log.InfoContext(ctx, "first poll of a new feed did not run", "feed_id", f.ID, "err", err)
		return f, corpus.PollResult{Feed: f, Err: err}, nil
	}
	return res.Feed, res, nil
}

// RemoveFeed stops following a feed (its articles stay). A server's
// moderators can remove only their server's feeds.
func (b *Bot) RemoveFeed(ctx context.Context, who Actor, id int64) (corpus.Feed, error) {
	if !who.canAdd() {
		return corpus.Feed{}, fmt.Errorf("remove feed: %w", ErrForbidden)
	}
	f, err := b.findFeed(ctx, who, id)
	if err != nil {
		return corpus.Feed{}, err
	}
	if !who.Operator && f.Scope != who.ServerID {
		return corpus.Feed{}, fmt.Errorf("remove feed %d: only the operator can remove feeds shared by every server: %w", id, ErrForbidden)
	}
	if err := b.feeds.Remove(ctx, id); err != nil {
		return corpus.Feed{}, fmt.Errorf("remove feed %d: %w", id, err)
	}
	b.log.InfoContext(ctx, "feed removed", "feed_id", id, "user_id", who.UserID, "server_id", who.ServerID)
	return f, nil
}

// Feeds lists the feeds visible to the actor, with their health.
func (b *Bot) Feeds(ctx context.Context, who Actor) ([]corpus.Feed, error) {
	if b.feeds == nil {
		return nil, nil
	}
	scopes := who.Scopes()
	if who.Operator {
		scopes = nil // every feed
	}
	fs, err := b.feeds.List(ctx, scopes)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return fs, nil
}

// findFeed returns a feed the actor can see; others are "not found".
func (b *Bot) findFeed(ctx context.Context, who Actor, id int64) (corpus.Feed, error) {
	if b.feeds == nil {
		return corpus.Feed{}, ErrNoFeeds
	}
	fs, err := b.Feeds(ctx, who)
	if err != nil {
		return corpus.Feed{}, err
	}
	for _, f := range fs {
		if f.ID == id {
			return f, nil
		}
	}
	return corpus.Feed{}, &NotFoundError{What: "feed", ID: id}
}

// PollFeeds polls every feed now (the console's /feeds poll). Operator only:
// it fetches from every server's feeds.
func (b *Bot) PollFeeds(ctx context.Context, who Actor) ([]corpus.PollResult, error) {
	if !who.Operator {
		return nil, fmt.Errorf("poll feeds: %w", ErrForbidden)
	}
	if b.feeds == nil {
		return nil, ErrNoFeeds
	}
	rs, err := b.feeds.PollAll(ctx)
	if err != nil {
		return rs, fmt.Errorf("poll feeds: %w", err)
	}
	return rs, nil
}
