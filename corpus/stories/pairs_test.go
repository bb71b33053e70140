//go:build slow

package stories

import (
	"testing"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval/eval"
)

// TestLabelledPairs measures the matcher on our labelled pairs of RealTime
// QA 2025 articles (retrieval/eval/storypairs): precision and recall of
// "same story", per kind, as docs/EVAL.md reports them. It asserts only
// that every labelled article is found; the figures are reported.
func TestLabelledPairs(t *testing.T) {
	pairs, err := eval.LoadStoryPairsFile("../../retrieval/eval/storypairs/pairs_2025.jsonl")
	if err != nil {
		t.Fatal(err)
	}
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
	for _, rarity := range []bool{false, true} {
		m := NewMatcher(Options{})
		if rarity {
			m = NewMatcher(Options{DocFreq: docFreqOf(collect(byURL))})
		}
		score, err := eval.ScorePairs(pairs, func(a, b string) (bool, error) {
			x, y := byURL[a], byURL[b]
			if x == nil || y == nil {
				t.Fatalf("labelled article missing from the RealTime QA files: %s or %s", a, b)
			}
			return m.Same(x, y), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("rarity %v: %d pairs, precision %.3f, recall %.3f, F1 %.3f (TP %d, FP %d, FN %d, TN %d)",
			rarity, score.Pairs, score.Precision, score.Recall, score.F1, score.TruePos, score.FalsePos, score.FalseNeg, score.TrueNeg)
		for _, k := range eval.PairKinds() {
			c := score.ByKind[k]
			t.Logf("  %-10s %3d pairs, %3d said same", k, c.Pairs, c.SaidSame)
		}
	}
}

func collect(m map[string]*corpus.Article) []*corpus.Article {
	out := make([]*corpus.Article, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	return out
}
