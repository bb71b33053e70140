package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/stories"
)

// storyStore is the store as the story grouper uses it: the backlog of
// articles without a story, the articles themselves, and the story column
// (stories.Store, whose SetStory only writes a story where there is none).
type storyStore interface {
	stories.Store
	Ungrouped(ctx context.Context, after int64, limit int) ([]int64, error)
	Get(ctx context.Context, id int64) (*corpus.Article, error)
}

// groupPage is how many ungrouped article ids one read of the backlog
// returns: a page is grouped one article at a time (each needs a search),
// so its size only bounds the memory of the ids.
const groupPage = 500

// storyGrouper gives every stored article a story (corpus/stories). Its
// work list is the store's backlog of articles whose story_id is NULL, in
// id order, rather than a position in the change log: the backlog is
// durable (a restart or a crash loses nothing), holds the articles of a
// database from before grouping (the backfill is the same loop), and
// holds an article until some process has grouped it. The change log only
// says when to look: the serving process reads the backlog when its index
// has applied new changes.
//
// Several processes may read the same backlog at once (gateway shards,
// the CLI's ingest). The store's SetStory is the claim: it writes a story
// only where there is none and returns what the row holds, so the first
// process to group an article decides its story and the others read that
// decision. Two processes grouping two new copies of one event at the same
// instant may still each start a story for them; they stay consistent (no
// article is in two stories), only split.
type storyGrouper struct {
	st      storyStore
	grouper *stories.Grouper
	log     *slog.Logger
	// progress, when set, is told how many articles GroupAll has grouped
	// so far (the CLI's progress line: a backfill takes a while).
	progress func(done int)
}

// newStoryGrouper returns a grouper over st finding candidates with the
// index search, deciding with the default Matcher (names weighted
// equally: docs/EVAL.md measured it above weighting them by rarity).
func newStoryGrouper(st storyStore, search stories.Searcher, log *slog.Logger) *storyGrouper {
	m := stories.NewMatcher(stories.Options{})
	return &storyGrouper{
		st:      st,
		grouper: stories.NewGrouper(m, stories.NewSearchFinder(m, search, st), st),
		log:     log,
	}
}

// GroupAll groups every article without a story, in id order (oldest
// first, so an old article seeds the story a later copy joins), and
// returns how many it grouped (an article that got its story as another's
// best match before its turn is not counted). An article deleted
// meanwhile is skipped. An article that fails is logged and left for the
// next call, so one bad article does not hold up those after it; GroupAll
// then returns the first such error.
func (g *storyGrouper) GroupAll(ctx context.Context) (int, error) {
	var after int64
	var firstErr error
	n := 0
	for {
		ids, err := g.st.Ungrouped(ctx, after, groupPage)
		if err != nil {
			return n, fmt.Errorf("group stories: %w", err)
		}
		if len(ids) == 0 {
			return n, firstErr
		}
		for _, id := range ids {
			after = id
			story, err := g.assign(ctx, id)
			switch {
			case errors.Is(err, corpus.ErrNotFound):
				continue // deleted since the backlog was read
			case err != nil && ctx.Err() != nil:
				return n, fmt.Errorf("group stories: %w", err)
			case err != nil:
				g.log.WarnContext(ctx, "article not grouped; retried later", "article_id", id, "err", err)
				if firstErr == nil {
					firstErr = fmt.Errorf("group stories: %w", err)
				}
				continue
			}
			n++
			g.log.DebugContext(ctx, "article grouped", "article_id", id, "story_id", story)
			if g.progress != nil {
				g.progress(n)
			}
		}
	}
}

// assign loads article id and gives it a story.
func (g *storyGrouper) assign(ctx context.Context, id int64) (int64, error) {
	a, err := g.st.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	return g.grouper.Assign(ctx, a)
}

// seqer says how far the index has applied the change log.
type seqer interface{ Seq() int64 }

// Follow groups the backlog at start (the backfill) and then whenever
// the index has applied new changes, checking every interval, until ctx
// ends. Errors are logged and the backlog is read again at the next tick.
func (g *storyGrouper) Follow(ctx context.Context, idx seqer, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	seen := int64(-1)
	for {
		if seq := idx.Seq(); seq != seen {
			n, err := g.GroupAll(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				g.log.WarnContext(ctx, "story grouping failed; retrying", "err", err)
			case err == nil:
				seen = seq
				if n > 0 {
					g.log.InfoContext(ctx, "articles grouped into stories", "articles", n)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
