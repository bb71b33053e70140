package stories

import (
	"context"
	"errors"
	"fmt"

	"github.com/newsbot/newsbot/corpus"
)

// Searcher runs a full-text search; retrieval/index's Index and Live
// provide it.
type Searcher interface {
	Search(ctx context.Context, q corpus.SearchQuery) ([]corpus.Hit, error)
}

// Getter loads an article with its body. Returns an error wrapping
// corpus.ErrNotFound if the article does not exist; every store backend
// provides it.
type Getter interface {
	Get(ctx context.Context, id int64) (*corpus.Article, error)
}

// SearchFinder is the CandidateFinder the command wires: it runs the
// Matcher's CandidateQuery on the index and loads the articles of the
// hits from the store, each once, best hit first.
type SearchFinder struct {
	matcher *Matcher
	search  Searcher
	get     Getter
}

var _ CandidateFinder = (*SearchFinder)(nil)

// NewSearchFinder returns a SearchFinder asking m for queries, s for
// hits and g for articles.
func NewSearchFinder(m *Matcher, s Searcher, g Getter) *SearchFinder {
	return &SearchFinder{matcher: m, search: s, get: g}
}

// Candidates implements CandidateFinder. An article deleted between the
// search and its loading is left out; a itself is left out.
func (f *SearchFinder) Candidates(ctx context.Context, a *corpus.Article) ([]Candidate, error) {
	q := f.matcher.CandidateQuery(a)
	if len(q.Terms) == 0 {
		return nil, nil
	}
	hits, err := f.search.Search(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("search candidates: %w", err)
	}
	seen := map[int64]bool{a.ID: true}
	var out []Candidate
	for _, h := range hits {
		id := h.Article.ID
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := f.get.Get(ctx, id)
		if errors.Is(err, corpus.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load candidate %d: %w", id, err)
		}
		out = append(out, Candidate{Article: c})
	}
	return out, nil
}
