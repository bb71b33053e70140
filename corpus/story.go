package corpus

import (
	"context"
	"errors"
)

// StoryHead is one row of a listing of the latest stories: a story (the
// articles that report one event, grouped by corpus/stories) with the
// article that heads it and how many articles and outlets it has within
// the scopes listed. An article not grouped yet is a story of its own
// whose id is the article's id.
type StoryHead struct {
	ID       int64   // the story id
	Headline Article // the story's first article (earliest published, then lowest id); no Body or Passages
	Articles int     // the story's articles in the scopes
	Outlets  int     // distinct outlets (case-insensitive) among them
}

// Candidates of a latest-stories listing: a store groups only the stories
// of the newest articles (a story ranks by its newest article), first
// LatestStoryCandidates articles per story asked for, four times more
// while they hold fewer stories than asked (a few stories with many
// copies), at most MaxLatestStoryCandidates.
const (
	LatestStoryCandidates    = 20
	MaxLatestStoryCandidates = 50_000
)

// EnoughStoryCandidates reports whether the story ids of the newest
// articles, read with limit, settle a listing of n stories: they hold n
// stories, or every article (fewer than limit came back), or the limit is
// at its maximum.
func EnoughStoryCandidates(ids []int64, limit, n int) bool {
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
	}
	return len(seen) >= n || len(ids) < limit || limit >= MaxLatestStoryCandidates
}

// WithHeadlines gives each story head its headline article from arts (read
// by the heads' Headline.ID), dropping a head whose headline was deleted
// between the two reads.
func WithHeadlines(heads []StoryHead, arts []Article) []StoryHead {
	byID := make(map[int64]Article, len(arts))
	for _, a := range arts {
		byID[a.ID] = a
	}
	out := heads[:0]
	for _, h := range heads {
		a, ok := byID[h.Headline.ID]
		if !ok {
			continue
		}
		h.Headline = a
		out = append(out, h)
	}
	return out
}

// GetExisting reads the articles ids with get, in order, leaving out those
// deleted since the ids were read (get returns ErrNotFound): how the stores
// read a story's articles.
func GetExisting(ctx context.Context, ids []int64, get func(context.Context, int64) (*Article, error)) ([]Article, error) {
	out := make([]Article, 0, len(ids))
	for _, id := range ids {
		a, err := get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, nil
}
