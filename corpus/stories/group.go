package stories

import (
	"context"
	"fmt"
	"sync"

	"github.com/newsbot/newsbot/corpus"
)

// Candidate is an article that may report the same event as the one
// being grouped, as a CandidateFinder returns it: loaded with its title
// and body (or passages), its scope and its times.
type Candidate struct {
	Article *corpus.Article
}

// CandidateFinder finds the few articles worth comparing with a new one.
// The command backs it with the full-text index (CandidateQuery's terms
// and published window); it need not leave out the article itself.
type CandidateFinder interface {
	Candidates(ctx context.Context, a *corpus.Article) ([]Candidate, error)
}

// Store keeps which story each article belongs to.
type Store interface {
	// StoryOf returns the story of an article; ok is false when the
	// article has none yet.
	StoryOf(ctx context.Context, articleID int64) (storyID int64, ok bool, err error)
	// SetStory records the story of an article unless it already has
	// one, and returns the story it has after the call: storyID, or the
	// one another writer set first. The first writer wins, so several
	// processes grouping the same article agree on its story.
	SetStory(ctx context.Context, articleID, storyID int64) (int64, error)
}

// Grouper assigns articles to stories as they arrive. It is safe for
// concurrent use, but two articles of one new story assigned at once may
// each start a story: ingest assigns one article at a time.
type Grouper struct {
	matcher    *Matcher
	candidates CandidateFinder
	store      Store

	mu       sync.Mutex
	profiles map[profileKey]profile
}

// maxProfiles bounds the Grouper's cache of candidates' profiles. A
// profile costs about a millisecond to make (shingles and names of ~10 kB
// of text), a new article is compared with up to candidateK others, and
// the recent articles are everyone's candidates, so the cache saves most
// of the work of bulk ingest; 4096 profiles (~6 MB) hold several days of
// a busy corpus. When full it is emptied, the simplest bound. A cached
// profile keeps the name rarities of when it was made: corpus-wide
// frequencies drift slowly.
const maxProfiles = 4096

// profileKey identifies a version of an article: the store gives an
// edited body a new hash, and title, time and scope enter the profile.
type profileKey struct {
	id          int64
	hash, title string
	scope       string
	published   int64
}

// profile returns a's profile, from the cache when a has a content hash.
func (g *Grouper) profile(a *corpus.Article) profile {
	if a.Hash == "" {
		return g.matcher.profile(a)
	}
	k := profileKey{id: a.ID, hash: a.Hash, title: a.Title, scope: a.Scope, published: when(a).UnixNano()}
	g.mu.Lock()
	p, ok := g.profiles[k]
	g.mu.Unlock()
	if ok {
		return p
	}
	p = g.matcher.profile(a)
	g.mu.Lock()
	if g.profiles == nil || len(g.profiles) >= maxProfiles {
		g.profiles = make(map[profileKey]profile)
	}
	g.profiles[k] = p
	g.mu.Unlock()
	return p
}

// NewGrouper returns a Grouper deciding with m, finding candidates with
// c and keeping its state in s.
func NewGrouper(m *Matcher, c CandidateFinder, s Store) *Grouper {
	return &Grouper{matcher: m, candidates: c, store: s}
}

// Assign gives article a (whose ID the store has set) a story and returns
// its id. An article already in a story keeps it. Otherwise it joins the
// story of its best match among the candidates (a copy before a report of
// the same event, then the larger Score, then the earlier article),
// or starts a story whose id is its own id. A story id never changes:
// joining only records the new article's story. A candidate that has no
// story yet (an article from before grouping) is put in one of its own
// first, so the story it seeds is named after it whatever arrives next.
func (g *Grouper) Assign(ctx context.Context, a *corpus.Article) (storyID int64, err error) {
	if a.ID == 0 {
		return 0, fmt.Errorf("assign story: article has no id")
	}
	if id, ok, err := g.store.StoryOf(ctx, a.ID); err != nil {
		return 0, fmt.Errorf("assign story to article %d: %w", a.ID, err)
	} else if ok {
		return id, nil
	}
	cs, err := g.candidates.Candidates(ctx, a)
	if err != nil {
		return 0, fmt.Errorf("find candidates for article %d: %w", a.ID, err)
	}
	pa := g.profile(a)
	var best *Candidate
	var bestMatch Match
	for i := range cs {
		c := &cs[i]
		if c.Article == nil || c.Article.ID == a.ID || c.Article.ID == 0 {
			continue
		}
		r := g.matcher.compare(pa, g.profile(c.Article))
		if !r.Same {
			continue
		}
		if best == nil || better(r, c.Article, bestMatch, best.Article) {
			best, bestMatch = c, r
		}
	}
	storyID = a.ID
	if best != nil {
		id, ok, err := g.store.StoryOf(ctx, best.Article.ID)
		if err != nil {
			return 0, fmt.Errorf("assign story to article %d: %w", a.ID, err)
		}
		if !ok {
			if id, err = g.store.SetStory(ctx, best.Article.ID, best.Article.ID); err != nil {
				return 0, fmt.Errorf("assign story to article %d: %w", best.Article.ID, err)
			}
		}
		storyID = id
	}
	storyID, err = g.store.SetStory(ctx, a.ID, storyID)
	if err != nil {
		return 0, fmt.Errorf("assign story to article %d: %w", a.ID, err)
	}
	return storyID, nil
}

// better reports whether match r with article c beats match s with d.
func better(r Match, c *corpus.Article, s Match, d *corpus.Article) bool {
	switch {
	case r.Copy != s.Copy:
		return r.Copy
	case r.Copy && r.Containment != s.Containment:
		return r.Containment > s.Containment
	case r.Score != s.Score:
		return r.Score > s.Score
	}
	return c.ID < d.ID
}

// MemStore is a Store in memory, for tests and for grouping a batch
// before it is written. The zero value is ready to use; it is safe for
// concurrent use.
type MemStore struct {
	mu      sync.Mutex
	stories map[int64]int64
}

var _ Store = (*MemStore)(nil)

// StoryOf implements Store.
func (s *MemStore) StoryOf(_ context.Context, articleID int64) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.stories[articleID]
	return id, ok, nil
}

// SetStory implements Store: the first story set for an article stays.
func (s *MemStore) SetStory(_ context.Context, articleID, storyID int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.stories[articleID]; ok {
		return id, nil
	}
	if s.stories == nil {
		s.stories = make(map[int64]int64)
	}
	s.stories[articleID] = storyID
	return storyID, nil
}

// Stories returns every article's story, a copy.
func (s *MemStore) Stories() map[int64]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64]int64, len(s.stories))
	for a, st := range s.stories {
		out[a] = st
	}
	return out
}
