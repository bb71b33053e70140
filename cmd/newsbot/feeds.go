package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/corpus"
)

const feedsUsage = "feeds add URL | list | remove URL|ID | poll"

// cmdFeeds manages the feeds newsbot follows.
func cmdFeeds(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "feeds", feedsUsage)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fs.fail("say add, list, remove or poll")
	}
	sub, rest := pos[0], pos[1:]
	want := map[string]int{"add": 1, "list": 0, "remove": 1, "poll": 0}
	n, ok := want[sub]
	if !ok {
		return fs.fail("unknown subcommand %q", sub)
	}
	if len(rest) != n {
		return fs.fail("%s takes %s", sub, console.Plural(n, "argument"))
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	f := newFetcher(e)
	if f == nil {
		return errors.New("feeds: the web fetcher could not be set up (see the log)")
	}
	p := newPoller(e, db, f)
	switch sub {
	case "add":
		feed, err := p.Add(ctx, rest[0], corpus.GlobalScope, "cli")
		if err != nil {
			// Add names its operation and the URL ("add feed URL: ..."):
			// wrapping it again would say it twice.
			return err
		}
		fmt.Fprintf(e.stdout, "following feed %d: %s (%s)\n", feed.ID, feed.Title, feed.URL)
		// Polled at once, as the console's and Discord's /feeds add do:
		// the feed's articles are there when the command returns. The
		// feed stays followed whatever this first poll gives.
		res, err := p.PollFeed(ctx, feed.ID)
		if err != nil {
			res = corpus.PollResult{Feed: feed, Err: err}
		}
		console.WriteFeedResults(e.stdout, []corpus.PollResult{res})
		return groupStories(ctx, e, db)
	case "list":
		list, err := p.List(ctx, nil)
		if err != nil {
			return fmt.Errorf("feeds list: %w", err)
		}
		console.WriteFeeds(e.stdout, list, "`newsbot feeds add URL`")
	case "remove":
		id, err := resolveFeed(ctx, db, rest[0])
		if err == nil {
			err = p.Remove(ctx, id)
		}
		if errors.Is(err, corpus.ErrNotFound) {
			return fmt.Errorf("feeds remove: no feed %s (`newsbot feeds list` shows them)", rest[0])
		}
		if err != nil {
			return fmt.Errorf("feeds remove: %w", err)
		}
		fmt.Fprintf(e.stdout, "removed feed %d (its articles stay)\n", id)
	case "poll":
		results, err := p.PollAll(ctx)
		if err != nil {
			return fmt.Errorf("feeds poll: %w", err)
		}
		if len(results) == 0 {
			fmt.Fprintln(e.stdout, "No feeds yet. Follow one with `newsbot feeds add URL`.")
		}
		console.WriteFeedResults(e.stdout, results)
		return groupStories(ctx, e, db)
	}
	return nil
}

// feedFinder looks feeds up by URL.
type feedFinder interface {
	Feeds(ctx context.Context, scopes []string) ([]corpus.Feed, error)
}

// resolveFeed turns an id or a URL into a feed id, as the console's
// /feeds remove does. Returns an error wrapping corpus.ErrNotFound when no
// feed has the URL, or when ref is neither an id nor a URL.
func resolveFeed(ctx context.Context, db feedFinder, ref string) (int64, error) {
	var all []corpus.Feed
	if _, err := strconv.ParseInt(ref, 10, 64); err != nil {
		if all, err = db.Feeds(ctx, nil); err != nil {
			return 0, err
		}
	}
	id, err := console.FindFeed(all, ref)
	if errors.Is(err, console.ErrNotFeedRef) {
		return 0, fmt.Errorf("%w: %w", err, corpus.ErrNotFound)
	}
	return id, err
}
