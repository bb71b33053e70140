package stories

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// candidateK is how many passages a candidate search asks for: the
// copies and reports of one event rank at the top for its title and
// names, and a story rarely has more than a few dozen articles within a
// few days.
const candidateK = 30

// titleWeight weighs the title's terms above the body's names in a
// candidate search: the headline says what the event is.
const titleWeight = 2

// CandidateQuery returns the full-text search that finds a's candidates:
// its title's terms and its most salient names, in its own scope, among
// articles published within the wider of the two windows of a's time
// (none when a has no time). A CandidateFinder backed by the index runs it
// and loads the hits' articles.
func (m *Matcher) CandidateQuery(a *corpus.Article) corpus.SearchQuery {
	opt := m.opt.withDefaults()
	weights := make(map[string]float64)
	var order []string
	add := func(t string, w float64) {
		if _, ok := weights[t]; !ok {
			order = append(order, t)
		}
		weights[t] += w
	}
	for _, t := range m.analyzer.QueryTerms(a.Title) {
		add(t, titleWeight)
	}
	p := m.profile(a)
	names := make([]string, 0, len(p.top))
	for f := range p.top {
		if !strings.HasPrefix(f, numberPrefix) && !strings.HasPrefix(f, datePrefix) {
			names = append(names, f)
		}
	}
	slices.Sort(names) // a stable query for a stable article
	for _, f := range names {
		add(f, 1)
	}
	q := corpus.SearchQuery{Scopes: []string{a.Scope}, K: candidateK}
	for _, t := range order {
		q.Terms = append(q.Terms, corpus.QueryTerm{Term: t, Weight: weights[t]})
	}
	if t := when(a); !t.IsZero() {
		w := max(opt.CopyWindow, opt.EventWindow)
		q.Published = corpus.Published{From: t.Add(-w), To: t.Add(w + time.Second)}
	}
	return q
}

// Summary describes a story for listing: its headline article, its
// outlets and its time span.
type Summary struct {
	Headline *corpus.Article
	Outlets  []string  // distinct outlets, in the order they first reported
	From, To time.Time // first and last article's time (zero when none is known)
	Articles int
}

// Summarise summarises the articles of one story. The headline is the
// earliest article, and among those within an hour of it the most
// complete (the longest body), because the first report is what the
// story is about and a copy filed minutes later with the full text reads
// better than a first flash; unknown times sort last.
func Summarise(as []*corpus.Article) Summary {
	if len(as) == 0 {
		return Summary{}
	}
	sorted := slices.Clone(as)
	slices.SortStableFunc(sorted, func(x, y *corpus.Article) int {
		tx, ty := when(x), when(y)
		switch {
		case tx.IsZero() != ty.IsZero():
			if tx.IsZero() {
				return 1
			}
			return -1
		case !tx.Equal(ty):
			return tx.Compare(ty)
		}
		return cmp.Compare(x.ID, y.ID)
	})
	s := Summary{Headline: sorted[0], Articles: len(as)}
	first := when(sorted[0])
	seen := make(map[string]bool)
	for _, a := range sorted {
		t := when(a)
		if !t.IsZero() {
			if s.From.IsZero() {
				s.From = t
			}
			s.To = t
		}
		if src := strings.TrimSpace(a.Source); src != "" && !seen[strings.ToLower(src)] {
			seen[strings.ToLower(src)] = true
			s.Outlets = append(s.Outlets, src)
		}
		if !first.IsZero() && !t.IsZero() && t.Sub(first) <= headlineSpan && len(a.Body) > len(s.Headline.Body) {
			s.Headline = a
		}
	}
	return s
}

// headlineSpan is how long after the first report a more complete copy
// may still become the headline: wire copies and rewrites follow within
// an hour; a later article is a follow-up, not a better first report.
const headlineSpan = time.Hour
