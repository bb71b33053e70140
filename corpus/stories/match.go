package stories

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// Defaults of Options.
const (
	// DefaultCopyWindow: wire copies appear within hours, small outlets
	// reprint them for some days; a template that recurs weekly (a jobs
	// report) stays apart.
	DefaultCopyWindow = 7 * 24 * time.Hour
	// DefaultEventWindow: distinct reports of one event and their
	// follow-ups come within days (108 of the 110 same-event pairs of
	// retrieval/eval/storypairs are within four days); three weeks later
	// the same names are a new event (the trial, the anniversary).
	DefaultEventWindow = 4 * 24 * time.Hour
	// DefaultEventThreshold is the least Match.Score of two reports of
	// one event. Two reports of one event share their central names and
	// topic and most of their setting, 0.4 and up; two events of one kind
	// in one place (two storms over Florida in a week) share the setting
	// but not the central names, below 0.3. Set on the fit part of the
	// labelled pairs (docs/EVAL.md).
	DefaultEventThreshold = 0.32
)

// containmentWeight is what shared text adds to an event score: the
// estimated share of the shorter article's shingles found in the other
// (Match.Containment) times this. Reports of one event that are no
// copies still share text, a statement quoted whole or a wire paragraph
// (a third of the shorter article adds 0.13), while reports of different
// events share a few stock phrases (under 0.05). Set with the threshold
// on the fit part of the labelled pairs.
const containmentWeight = 0.4

// topFeatures is how many of an article's most salient features the
// event test compares: the central names, places and numbers of a report,
// leaving out the long tail of names mentioned once for background.
const topFeatures = 15

// minShared is the fewest top features two reports must share: one
// common name (a country, a president) never makes one event.
const minShared = 2

// DocFreqer gives the document frequencies of analysed terms and the
// number of documents they were counted over; retrieval/index's Index
// provides it. It lets rare names count for more than common ones.
type DocFreqer interface {
	DocFreq(terms []string) (map[string]int, int)
}

// Options configures a Matcher. Zero fields take the defaults.
type Options struct {
	CopyWindow     time.Duration
	EventWindow    time.Duration
	EventThreshold float64
	// DocFreq, if set, weights each name by its rarity in the corpus
	// (IDF); without it all names weigh alike, and the title and the
	// number of mentions alone rank them.
	DocFreq DocFreqer
}

// Matcher decides whether two articles report the same event. The zero
// value uses the defaults; it is safe for concurrent use.
type Matcher struct {
	opt      Options
	analyzer corpus.Analyzer
	fp       Fingerprinter
}

// NewMatcher returns a Matcher with opt.
func NewMatcher(opt Options) *Matcher { return &Matcher{opt: opt} }

// withDefaults returns o with its zero fields set to the defaults.
func (o Options) withDefaults() Options {
	if o.CopyWindow <= 0 {
		o.CopyWindow = DefaultCopyWindow
	}
	if o.EventWindow <= 0 {
		o.EventWindow = DefaultEventWindow
	}
	if o.EventThreshold <= 0 {
		o.EventThreshold = DefaultEventThreshold
	}
	return o
}

// Match is the comparison of two articles.
type Match struct {
	// Copy: the two are near-duplicate copies of one text, published
	// within the copy window.
	Copy bool
	// Containment is the estimated share of the shorter article's
	// shingles found in the other (see Fingerprint.Containment).
	Containment float64
	// Event is the share of salience the two articles' top features
	// have in common, from 0 (nothing) to 1 (the same names, equally
	// salient): the sum over shared features of the smaller of their
	// normalised saliences (a weighted Jaccard).
	Event  float64
	Shared int // top features the two share
	// Score is the evidence that the two report one event: Event plus
	// containmentWeight times Containment (when both fingerprints are
	// reliable, see Fingerprint.Reliable).
	Score float64
	// Same: a copy, or the same event (Score at least the threshold, at
	// least minShared shared features, published within the event window).
	Same bool
}

// profile is what comparisons need of an article, computed once.
type profile struct {
	id    int64
	scope string
	when  time.Time
	fp    Fingerprint
	top   map[string]float64 // top features, saliences summing to 1
}

// when is the time an article appeared: its published time, else the
// time the store added it.
func when(a *corpus.Article) time.Time {
	if !a.PublishedAt.IsZero() {
		return a.PublishedAt
	}
	return a.AddedAt
}

func (m *Matcher) profile(a *corpus.Article) profile {
	t := analyse(&m.analyzer, a)
	fs := m.featuresOf(t)
	if df := m.opt.withDefaults().DocFreq; df != nil {
		weightByRarity(fs, df)
	}
	type fw struct {
		f string
		w float64
	}
	all := make([]fw, 0, len(fs))
	for f, w := range fs {
		all = append(all, fw{f, w})
	}
	slices.SortFunc(all, func(x, y fw) int {
		if c := cmp.Compare(y.w, x.w); c != 0 {
			return c
		}
		return strings.Compare(x.f, y.f)
	})
	all = all[:min(len(all), topFeatures)]
	var sum float64
	for _, x := range all {
		sum += x.w
	}
	top := make(map[string]float64, len(all))
	for _, x := range all {
		top[x.f] = x.w / sum
	}
	return profile{id: a.ID, scope: a.Scope, when: when(a), fp: fingerprint(t), top: top}
}

// weightByRarity multiplies each name's salience by its IDF scaled to
// (0, 1]: ln(1+N/df) / ln(1+N). Numbers and dates are not index terms
// and are rare by construction (years and small numbers are left out),
// so they keep weight 1.
func weightByRarity(fs Features, d DocFreqer) {
	var names []string
	for f := range fs {
		if !strings.HasPrefix(f, numberPrefix) && !strings.HasPrefix(f, datePrefix) {
			names = append(names, f)
		}
	}
	if len(names) == 0 {
		return
	}
	df, n := d.DocFreq(names)
	if n <= 0 {
		return
	}
	top := math.Log(1 + float64(n))
	for _, f := range names {
		fs[f] *= math.Log(1+float64(n)/float64(max(df[f], 1))) / top
	}
}

// Compare compares two articles.
func (m *Matcher) Compare(a, b *corpus.Article) Match {
	return m.compare(m.profile(a), m.profile(b))
}

// Same reports whether a and b belong in one story: the decision Assign
// takes when b is a's only candidate. It is the hook a pairs scorer
// measures.
func (m *Matcher) Same(a, b *corpus.Article) bool { return m.Compare(a, b).Same }

func (m *Matcher) compare(a, b profile) Match {
	opt := m.opt.withDefaults()
	var r Match
	r.Containment = a.fp.Containment(&b.fp)
	if a.scope != b.scope {
		// A server's own articles never join a story other servers see.
		return r
	}
	gap := a.when.Sub(b.when).Abs()
	known := !a.when.IsZero() && !b.when.IsZero()
	r.Copy = a.fp.Copies(&b.fp) && (!known || gap <= opt.CopyWindow)
	for f, wa := range a.top {
		if wb, ok := b.top[f]; ok {
			r.Event += min(wa, wb)
			r.Shared++
		}
	}
	r.Score = r.Event
	if a.fp.Reliable() && b.fp.Reliable() {
		r.Score += containmentWeight * r.Containment
	}
	event := known && gap <= opt.EventWindow && r.Shared >= minShared && r.Score >= opt.EventThreshold
	r.Same = r.Copy || event
	return r
}
