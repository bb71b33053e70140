//go:build slow

package stories

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval/eval"
)

// showMisses lists the fit part's wrongly decided pairs with what the
// matcher saw, for the reader tuning it. Only the fit part is listed: the
// held-out part is for checking, not for reading.
var showMisses = flag.Bool("pairs.misses", false, "list the fit part's wrongly decided labelled pairs")

// TestLabelledPairs measures the matcher on our labelled pairs of RealTime
// QA 2025 articles (retrieval/eval/storypairs): precision and recall of
// "same story", on the fit part, the held-out part (eval.SplitStoryPairs)
// and all pairs, per kind, as docs/EVAL.md reports them. It asserts that
// every labelled article is found; the figures are reported.
func TestLabelledPairs(t *testing.T) {
	pairs, err := eval.LoadStoryPairsFile("../../retrieval/eval/storypairs/pairs_2025.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	fit, held := eval.SplitStoryPairs(pairs)
	byURL := map[string]*corpus.Article{}
	for _, a := range loadRealTimeQA(t) {
		u, err := corpus.CanonicalURL(a.URL)
		if err != nil {
			continue
		}
		if _, ok := byURL[u]; !ok {
			byURL[u] = a
		}
	}
	for _, p := range pairs {
		for _, u := range []string{p.A, p.B} {
			if byURL[u] == nil {
				t.Fatalf("labelled article missing from the RealTime QA files: %s", u)
			}
		}
	}
	for _, rarity := range []bool{false, true} {
		m := NewMatcher(Options{})
		if rarity {
			m = NewMatcher(Options{DocFreq: docFreqOf(collect(byURL))})
		}
		same := func(a, b string) (bool, error) { return m.Same(byURL[a], byURL[b]), nil }
		for _, part := range []struct {
			name  string
			pairs []eval.StoryPair
		}{{"fit", fit}, {"held out", held}, {"all", pairs}} {
			score, err := eval.ScorePairs(part.pairs, same)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("rarity %v, %s: %d pairs, precision %.3f, recall %.3f, F1 %.3f (TP %d, FP %d, FN %d, TN %d)",
				rarity, part.name, score.Pairs, score.Precision, score.Recall, score.F1, score.TruePos, score.FalsePos, score.FalseNeg, score.TrueNeg)
			for _, k := range eval.PairKinds() {
				c := score.ByKind[k]
				t.Logf("  %-10s %3d pairs, %3d said same", k, c.Pairs, c.SaidSame)
			}
		}
		if *showMisses {
			for _, p := range fit {
				a, b := byURL[p.A], byURL[p.B]
				if r := m.Compare(a, b); r.Same != p.Same {
					logMiss(t, m, p, a, b, r)
				}
			}
		}
	}
}

// logMiss logs a wrongly decided pair: the two titles and dates, the
// match, and the two top-feature lists with the shared ones marked.
func logMiss(t *testing.T, m *Matcher, p eval.StoryPair, a, b *corpus.Article, r Match) {
	t.Helper()
	pa, pb := m.profile(a), m.profile(b)
	list := func(x, y profile) string {
		var fs []string
		for f := range x.top {
			fs = append(fs, f)
		}
		slices.SortFunc(fs, func(f, g string) int {
			if x.top[f] != x.top[g] {
				if x.top[f] > x.top[g] {
					return -1
				}
				return 1
			}
			return strings.Compare(f, g)
		})
		for i, f := range fs {
			if _, ok := y.top[f]; ok {
				fs[i] = "*" + f
			}
		}
		return strings.Join(fs, " ")
	}
	t.Logf("MISS %s (labelled %v): event %.2f shared %d containment %.2f copy %v, %d days\n  %s | %s\n  %s | %s\n  A: %s\n  B: %s\n  why: %s",
		p.Kind, p.Same, r.Event, r.Shared, r.Containment, r.Copy, int(pa.when.Sub(pb.when).Abs().Hours()/24),
		a.PublishedAt.Format("2006-01-02"), a.Title, b.PublishedAt.Format("2006-01-02"), b.Title,
		list(pa, pb), list(pb, pa), p.Why)
}

func collect(m map[string]*corpus.Article) []*corpus.Article {
	out := make([]*corpus.Article, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	return out
}
