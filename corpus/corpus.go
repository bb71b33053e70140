// Package corpus holds newsbot's domain types (articles, passages, feeds,
// search queries and hits, the change log), the typed errors every store, reader and
// fetcher reports, and the pure functions that turn read input into
// storable articles: text checks, normalisation, chunking into passages,
// URL canonicalisation, content hashing and the term analyser shared by the
// index and the query side. Reading files and pages is corpus/parse's job.
//
// It imports no storage, network or third-party parsing code, so every
// adapter (corpus/sqlite, retrieval, bot) can depend on it without cycles
// and without linking an HTML extractor.
package corpus

import (
	"time"
)

// GlobalScope is the scope of articles every server and the console can see.
// Any other scope value is a Discord server (guild) id: articles a moderator
// adds in that server are visible only there.
const GlobalScope = "global"

// Article is one news story in the corpus.
type Article struct {
	ID          int64     // assigned by the store
	URL         string    // canonical URL; empty when the article has none (pasted text, files)
	Title       string    // headline
	Source      string    // outlet, e.g. "Reuters"
	Author      string    // byline, comma-separated when several
	PublishedAt time.Time // zero when unknown
	AddedAt     time.Time // set by the store
	AddedBy     string    // who added it: "cli", "feed:<id>", "discord:<user id>", ...
	Scope       string    // GlobalScope or a Discord server id
	Body        string    // normalised text, paragraphs separated by "\n\n"
	Hash        string    // hex SHA-256 of the normalised body (see ContentHash)
	Passages    []Passage // chunks of Body, in order
}

// Passage is a chunk of an article's body of roughly 200-450 words, the unit
// that is indexed and retrieved.
type Passage struct {
	ID        int64 // assigned by the store
	ArticleID int64
	Seq       int // 0-based position in the article
	Text      string
}

// Hit is a passage returned by a search, with the metadata of its article
// (Body and Passages are left empty to keep hits small).
type Hit struct {
	Passage Passage
	Article Article
	// Score is higher for better matches. For the lexical search it is the
	// BM25 score (positive and unbounded).
	Score float64
	// Copies are the other articles among the search's candidates whose
	// passage was a near-duplicate copy of a passage of this hit's article
	// (the same wire story in another outlet). Retrieval keeps one passage
	// of each text, so copies do not crowd other sources out of the top
	// hits, and records them here so an answer can say who else reported
	// it. Empty when the article has no copy among the candidates.
	Copies []CopyRef
}

// CopyRef names an article that is a copy of a hit's article: enough to
// say "reported by" with a link, without its text.
type CopyRef struct {
	ArticleID   int64
	Source      string // outlet; may be empty for pasted text
	URL         string
	Title       string
	PublishedAt time.Time
}

// CopyRefOf is the CopyRef of a.
func CopyRefOf(a Article) CopyRef {
	return CopyRef{ArticleID: a.ID, Source: a.Source, URL: a.URL, Title: a.Title, PublishedAt: a.PublishedAt}
}

// SearchQuery asks the index for passages.
type SearchQuery struct {
	// Terms are analysed terms (see Terms) with their weights; a passage
	// scores the weighted sum of its BM25 scores for them. No terms, no
	// hits.
	Terms []QueryTerm
	// Published limits the articles by their published time.
	Published Published
	// Scopes lists the scopes that may be returned; empty means GlobalScope only.
	Scopes []string
	// K is the maximum number of hits; <= 0 means DefaultSearchK.
	K int
}

// Published limits a search by the articles' published time.
type Published struct {
	// From and To bound the published time: From <= t < To, for a question
	// about a period ("this week"). A zero value leaves that side open.
	// Articles without a published time are excluded when either is set.
	From, To time.Time
	// Before, if set, leaves out the articles published after it: the
	// corpus as it stood then, for a question asked as of a past date.
	// Articles without a published time are kept: nothing says they are
	// from later.
	Before time.Time
	// LastDate, if set, leaves out the articles whose published value is
	// a date without a time of day (stored as midnight UTC) later than
	// that day's. Before has slack for a time read in the wrong zone; a
	// date has no time to misread, and an article its outlet dated the
	// next day came out after a question asked the day before.
	LastDate time.Time
}

// Dated reports whether From or To is set, which excludes undated articles.
func (p Published) Dated() bool { return !p.From.IsZero() || !p.To.IsZero() }

// Admits reports whether an article published at t (zero when unknown)
// passes p. The in-memory index applies the same rule to unix seconds.
func (p Published) Admits(t time.Time) bool {
	if t.IsZero() {
		return !p.Dated()
	}
	return (p.From.IsZero() || !t.Before(p.From)) && (p.To.IsZero() || t.Before(p.To)) &&
		(p.Before.IsZero() || !t.After(p.Before)) &&
		(p.LastDate.IsZero() || !IsDate(t) || !t.After(p.LastDate))
}

// IsDate reports whether a published time is a date without a time of
// day, as stores keep one: midnight UTC.
func IsDate(t time.Time) bool { return t.Unix()%secondsPerDay == 0 }

// secondsPerDay is the length of a UTC day in unix seconds.
const secondsPerDay = 24 * 60 * 60

// StartOfDay is the midnight UTC that begins t's UTC day: the value of a
// date published that day (see Published.LastDate).
func StartOfDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// DefaultSearchK is the number of hits a SearchQuery returns when K is unset:
// enough candidates for re-ranking and per-article diversity.
const DefaultSearchK = 50

// LatestQuery asks a store for the newest articles.
type LatestQuery struct {
	N      int      // how many; <= 0 means 10
	Source string   // optional outlet filter, case-insensitive exact match
	Scopes []string // empty means GlobalScope only
	// Published limits the articles by published time, as a search's
	// filter does ("what happened this week?").
	Published Published
}

// Stats describes what a store holds within some scopes.
type Stats struct {
	Articles int
	Passages int
	Outlets  int
	Oldest   time.Time // oldest published time, zero when none is known
	Newest   time.Time // newest published time, zero when none is known
	// NewestTitle is the title of the article published most recently.
	NewestTitle string
}

// ScopesOrGlobal returns scopes, or just GlobalScope when scopes is empty, so
// a caller that forgets to pass scopes sees only global articles, never another
// server's.
func ScopesOrGlobal(scopes []string) []string {
	if len(scopes) == 0 {
		return []string{GlobalScope}
	}
	return scopes
}
