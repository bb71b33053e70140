package retrieval

import (
	"cmp"
	"slices"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

func TestSpreadArticles(t *testing.T) {
	// hits builds hits from "article.passage" ids: 12 is article 1's
	// passage 2.
	hits := func(ids ...int64) []corpus.Hit {
		out := make([]corpus.Hit, len(ids))
		for i, id := range ids {
			out[i] = corpus.Hit{Article: corpus.Article{ID: id / 10}, Passage: corpus.Passage{ID: id}}
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		in         []corpus.Hit
		n, doubles int
		want       []int64
	}{
		{"nothing to spread", hits(11, 21, 31), 5, 1, []int64{11, 21, 31}},
		{"the first double stays", hits(11, 12, 21, 31), 5, 1, []int64{11, 12, 21, 31}},
		{"a second double moves below the top", hits(11, 12, 21, 22, 31, 41, 51), 5, 1, []int64{11, 12, 21, 31, 41, 22, 51}},
		{"no doubles: one passage per article first", hits(11, 12, 21, 22, 31), 5, 0, []int64{11, 21, 31, 12, 22}},
		{"moved passages keep their order before the rest", hits(11, 12, 21, 22, 31, 32, 41, 51, 61), 3, 0, []int64{11, 21, 31, 12, 22, 32, 41, 51, 61}},
		{"too few articles: the top keeps what it has", hits(11, 12, 21, 22), 5, 0, []int64{11, 21, 12, 22}},
		{"two hits are left as they are", hits(11, 12), 5, 0, []int64{11, 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := spreadArticles(slices.Clone(tc.in), tc.n, tc.doubles)
			var ids []int64
			for _, h := range got {
				ids = append(ids, h.Passage.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("spreadArticles(%s, %d, %d) = %v; want %v", tc.name, tc.n, tc.doubles, ids, tc.want)
			}
		})
	}
}

// checkRanked fails the test unless hits are ranked by score but for the
// spread of the top over articles (spreadArticles): spreading the hits
// sorted by score gives them back.
func checkRanked(t *testing.T, what string, hits []corpus.Hit) {
	t.Helper()
	sorted := slices.Clone(hits)
	slices.SortStableFunc(sorted, func(a, b corpus.Hit) int { return cmp.Compare(b.Score, a.Score) })
	want := spreadArticles(sorted, spreadTop, spreadDoubles)
	for i := range hits {
		if hits[i].Passage.ID != want[i].Passage.ID {
			t.Errorf("%s hits not ranked: passage %d (score %v) at %d; want passage %d (score %v)",
				what, hits[i].Passage.ID, hits[i].Score, i, want[i].Passage.ID, want[i].Score)
			return
		}
	}
}
