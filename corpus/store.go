package corpus

import (
	"context"
	"fmt"
	"strings"
)

// Types that every store backend returns beside the articles themselves,
// here so that the commands name no backend (corpus/sqlite,
// corpus/postgres) when they use them.

// RechunkStats reports what a store's Rechunk did.
type RechunkStats struct {
	Articles int // articles read
	Resplit  int // articles whose passages were replaced
	// PassagesBefore and PassagesAfter count the passages of the re-split
	// articles only, before and after: the rest did not change.
	PassagesBefore, PassagesAfter int
}

// ValidateStored returns a store's Add error for an article no store may
// take: nil, not prepared (no content hash or passages), or without a
// scope (defaulting to global could publish a server's private article).
// A store adds its own limits of what its column types hold.
func ValidateStored(a *Article) error {
	switch {
	case a == nil:
		return fmt.Errorf("nil article: %w", ErrInvalid)
	case a.Hash == "":
		return fmt.Errorf("no content hash (article not prepared): %w", ErrInvalid)
	case len(a.Passages) == 0:
		return fmt.Errorf("no passages (article not prepared): %w", ErrInvalid)
	case a.Scope == "":
		return fmt.Errorf("no scope: %w", ErrInvalid)
	}
	return nil
}

// Rechunk's batch limits, the same in every store: a transaction holds at
// most RechunkArticles articles and takes no more once their bodies reach
// RechunkBytes, enough that the commits do not dominate, little enough
// that a crash loses little work and other writers (a running bot)
// waiting on its lock wait a fraction of a second. Splitting and
// analysing the text is what takes the time, about 7 ms per 10 KB of
// body: 200 RealTime QA articles took 1.4 s in one batch, 256 KB of them
// about 0.2 s.
const (
	RechunkArticles = 200
	RechunkBytes    = 256 << 10
)

// RunRechunk is the loop of a store's Rechunk: it calls batch with the
// last article id done (0 first) until a batch reads no article, sums
// their stats and calls progress, when not nil, after each batch with the
// articles read so far and total. batch re-splits, in one transaction,
// the next articles in id order and returns what it did and the last id
// it read. On error the stats count the batches committed.
func RunRechunk(ctx context.Context, total int, batch func(ctx context.Context, after int64) (RechunkStats, int64, error), progress func(done, total int)) (RechunkStats, error) {
	var st RechunkStats
	var after int64
	for {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("stopped after %d articles: %w", st.Articles, err)
		}
		b, last, err := batch(ctx, after)
		if err != nil {
			return st, fmt.Errorf("articles after id %d: %w", after, err)
		}
		if b.Articles == 0 {
			return st, nil
		}
		st.Articles += b.Articles
		st.Resplit += b.Resplit
		st.PassagesBefore += b.PassagesBefore
		st.PassagesAfter += b.PassagesAfter
		after = last
		if progress != nil {
			progress(st.Articles, total)
		}
	}
}

// PassageText is a passage to embed, as a store's PassagesWithoutVectors
// lists it.
type PassageText struct {
	ID    int64  // passage id
	Title string // its article's title
	Text  string
}

// TermSplitter splits the stored terms of a page of articles (see
// IndexedArticle) into slices of a few shared arrays, for the store
// backends: a page holds hundreds of thousands of terms, and one
// allocation per passage (as strings.Fields makes) costs more than the
// split. The zero value is ready to use.
type TermSplitter struct {
	arena []string
}

// splitArena is the size of the term arrays a TermSplitter allocates
// (a page of a scan has ~250 terms per passage): big enough to make
// allocations rare, small enough that a page's last one wastes little.
const splitArena = 16 << 10

// Split returns the terms of s, the terms Terms returns joined by
// single spaces as the store keeps them (no term holds a space). The
// result is capped at its length: an append to it never writes into the
// next passage's terms.
func (ts *TermSplitter) Split(s string) []string {
	if s == "" {
		return nil
	}
	n := strings.Count(s, " ") + 1
	if len(ts.arena)+n > cap(ts.arena) {
		ts.arena = make([]string, 0, max(n, splitArena))
	}
	first, start := len(ts.arena), 0
	// A loop over the bytes: terms are a few bytes long, shorter than
	// what makes strings.IndexByte's vector search pay for its call.
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if i > start { // two spaces in a row would make an empty term; skip it, as strings.Fields does
				ts.arena = append(ts.arena, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) {
		ts.arena = append(ts.arena, s[start:])
	}
	return ts.arena[first:len(ts.arena):len(ts.arena)]
}
