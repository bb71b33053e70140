package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/corpus"
)

const feedsUsage = "feeds add URL | feeds list | feeds remove URL|ID | feeds poll"

// cmdFeeds manages the feeds newsbot follows.
func cmdFeeds(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "feeds", feedsUsage)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return errors.New("feeds: say add, list, remove or poll")
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
	switch sub, rest := pos[0], pos[1:]; sub {
	case "add":
		if len(rest) != 1 {
			return fmt.Errorf("usage: newsbot %s", feedsUsage)
		}
		feed, err := p.Add(ctx, rest[0], corpus.GlobalScope, "cli")
		if err != nil {
			return fmt.Errorf("feeds add: %w", err)
		}
		fmt.Fprintf(e.stdout, "following feed %d: %s (%s); `newsbot feeds poll` fetches its items now\n", feed.ID, feed.Title, feed.URL)
	case "list":
		list, err := p.List(ctx, nil)
		if err != nil {
			return fmt.Errorf("feeds list: %w", err)
		}
		console.WriteFeeds(e.stdout, list)
	case "remove":
		if len(rest) != 1 {
			return fmt.Errorf("usage: newsbot %s", feedsUsage)
		}
		id, err := resolveFeed(ctx, db, rest[0])
		if err != nil {
			return fmt.Errorf("feeds remove %s: %w", rest[0], err)
		}
		if err := p.Remove(ctx, id); err != nil {
			return fmt.Errorf("feeds remove: %w", err)
		}
		fmt.Fprintf(e.stdout, "removed feed %d (its articles stay)\n", id)
	case "poll":
		results, err := p.PollAll(ctx)
		if err != nil {
			return fmt.Errorf("feeds poll: %w", err)
		}
		if len(results) == 0 {
			fmt.Fprintln(e.stdout, "no feeds; add one with `newsbot feeds add URL`")
		}
		console.WriteFeedResults(e.stdout, results)
	default:
		return fmt.Errorf("feeds: unknown subcommand %q (usage: newsbot %s)", sub, feedsUsage)
	}
	return nil
}

// feedFinder looks feeds up by URL.
type feedFinder interface {
	Feeds(ctx context.Context, scopes []string) ([]corpus.Feed, error)
}

// resolveFeed turns an id or a URL into a feed id.
func resolveFeed(ctx context.Context, db feedFinder, ref string) (int64, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return id, nil
	}
	u, err := corpus.CanonicalURL(ref)
	if err != nil || u == "" {
		return 0, fmt.Errorf("%q is neither a feed id nor a URL", ref)
	}
	all, err := db.Feeds(ctx, nil)
	if err != nil {
		return 0, err
	}
	for _, f := range all {
		if f.URL == u || f.URL == ref {
			return f.ID, nil
		}
	}
	return 0, corpus.ErrNotFound
}
