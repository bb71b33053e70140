package retrieval

import (
	"context"
	"slices"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

func TestSplitParts(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"What is she charged with, and when is the trial?", []string{"What is she charged with?", "when is the trial?"}},
		{"Who won the Lakeshore election and how many votes did she get?", []string{"Who won the Lakeshore election?", "how many votes did she get?"}},
		{"Where did the storm hit; how many people died?", []string{"Where did the storm hit?", "how many people died?"}},
		// One question.
		{"Who won the Lakeshore election?", []string{"Who won the Lakeshore election?"}},
		{"Which firm, and which bank, paid the bigger fine?", []string{"Which firm, and which bank, paid the bigger fine?"}},
		{"What did Tom and Priya say about the vote?", []string{"What did Tom and Priya say about the vote?"}},
		// The first part has too little to search on its own.
		{"Why, and when is the trial?", []string{"Why, and when is the trial?"}},
	} {
		if got := SplitParts(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("SplitParts(%q) = %q; want %q", tc.q, got, tc.want)
		}
	}
}

func TestSplitComparison(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"Who has more nominations: Kendrick Lamar at the AMAs or Lady Gaga at the VMAs?",
			[]string{"Who has more nominations Kendrick Lamar at the AMAs?", "Who has more nominations Lady Gaga at the VMAs?"}},
		{"Which fell more after the announcement, the Dow or the Nasdaq?",
			[]string{"Which fell more after the announcement the Dow?", "Which fell more after the announcement the Nasdaq?"}},
		{"Going into the final, which team had the better record, UConn or South Carolina?",
			[]string{"Going into the final, which team had the better record UConn?", "Going into the final, which team had the better record South Carolina?"}},
		// Nothing named to compare, or no comparison.
		{"Which of the two firms paid the bigger fine?", []string{"Which of the two firms paid the bigger fine?"}},
		{"Did the council approve the budget, or the loan?", []string{"Did the council approve the budget, or the loan?"}},
		{"Who won, Ortiz or Smith?", []string{"Who won, Ortiz or Smith?"}},
	} {
		if got := SplitComparison(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("SplitComparison(%q) = %q; want %q", tc.q, got, tc.want)
		}
	}
}

// TestRetrieveComparisonCoversBoth: the confidence of a comparison is its
// less covered thing's: the bridge toll is in an article, a ferry fare in
// none, so the question is as covered as "the ferry fare" alone is.
func TestRetrieveComparisonCoversBoth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := New(f.store, f.store, Options{})
	ctx := context.Background()
	q := "Which costs more, the bridge toll or the ferry fare?"
	res, err := r.Retrieve(ctx, Request{Question: q, AsOf: testAsOf})
	if err != nil {
		t.Fatal(err)
	}
	parts := SplitComparison(q)
	var lowest float64 = 1
	for _, p := range parts {
		pr, err := r.Retrieve(ctx, Request{Question: p, AsOf: testAsOf})
		if err != nil {
			t.Fatal(err)
		}
		lowest = min(lowest, pr.Confidence)
	}
	whole, err := r.retrieveWhole(ctx, Request{Question: q, AsOf: testAsOf})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || res.Confidence != lowest || !(res.Confidence < whole.Confidence) {
		t.Errorf("confidence %.3f; want the lowest part's %.3f (parts %q), below the question taken whole (%.3f)", res.Confidence, lowest, parts, whole.Confidence)
	}
}

// TestMergePartsShares: each part of a question gets its turn at the
// merged slots even when the other part took its first hits already (two
// parts about one story): a shared hit does not use up a part's turn.
func TestMergePartsShares(t *testing.T) {
	t.Parallel()
	hit := func(passage, article int64) corpus.Hit {
		return corpus.Hit{Passage: corpus.Passage{ID: passage, Text: "short"}, Article: corpus.Article{ID: article}}
	}
	for _, tc := range []struct {
		name  string
		parts [][]corpus.Hit
		k     int
		want  []int64 // passage ids
	}{
		{"disjoint parts alternate",
			[][]corpus.Hit{{hit(1, 1), hit(2, 2), hit(3, 3)}, {hit(11, 11), hit(12, 12), hit(13, 13)}}, 4,
			[]int64{1, 11, 2, 12}},
		{"shared hits do not use up a turn",
			[][]corpus.Hit{{hit(1, 1), hit(2, 2), hit(3, 3), hit(4, 4)}, {hit(1, 1), hit(2, 2), hit(12, 12), hit(13, 13)}}, 4,
			[]int64{1, 2, 3, 12}},
		{"the per-article cap does not use up a turn",
			[][]corpus.Hit{{hit(1, 1), hit(2, 1), hit(3, 3)}, {hit(5, 1), hit(6, 1), hit(12, 12)}}, 4,
			[]int64{1, 5, 3, 12}},
		{"a short part leaves the rest to the other",
			[][]corpus.Hit{{hit(1, 1), hit(2, 2), hit(3, 3)}, {hit(1, 1)}}, 3,
			[]int64{1, 2, 3}},
	} {
		r := New(nil, nil, Options{})
		var results []Result
		for _, hs := range tc.parts {
			results = append(results, Result{Hits: hs})
		}
		var got []int64
		for _, h := range r.mergeParts(results, tc.k).Hits {
			got = append(got, h.Passage.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: mergeParts = %v; want %v", tc.name, got, tc.want)
		}
	}
}

// TestRetrieveSecondPartContinues: the second part of a two-part question
// is about the first part's subject even without a pronoun ("the chain"),
// so it is searched with the first part as context that weighs as much as
// its own words, and does not bring in another chain's story.
func TestRetrieveSecondPartContinues(t *testing.T) {
	t.Parallel()
	s := mustOpenMem(t)
	loom := s.add(t, corpus.Article{Title: "Loomco to close 500 fabric stores", Source: "A", PublishedAt: day(2026, 11, 24)},
		"The fabric chain Loomco will close 500 stores after its bankruptcy filing, leaving about 300 open.")
	loom2 := s.add(t, corpus.Article{Title: "Loomco closing stores: what we know", Source: "B", PublishedAt: day(2026, 11, 24)},
		"Loomco stores closing: the fabric and craft chain had about 800 stores before the bankruptcy, and 500 are closing.")
	burger := s.add(t, corpus.Article{Title: "Burger chain reaches 1,000 restaurants in total", Source: "C", PublishedAt: day(2026, 11, 25)},
		"The burger chain now has 1,000 restaurants in total and plans 100 more next year.")
	// "total" is a common word; "chain" is not.
	s.addBriefs(t, "Rainfall reached 40 mm in total over the weekend.", "The bridge cost 90 million in total.", "Voters cast 9,000 ballots in total.")
	r := New(s, s, Options{})
	for _, tc := range []struct {
		q    string
		want []int64 // articles, in any order
	}{
		{"How many Loomco stores are closing, and how many does the chain have in total?", []int64{loom, loom2}},
		// A question in one part is searched on its own words.
		{"How many restaurants does the burger chain have in total?", []int64{burger}},
	} {
		res, err := r.Retrieve(context.Background(), Request{Question: tc.q, AsOf: testAsOf, K: len(tc.want)})
		if err != nil {
			t.Fatal(err)
		}
		got := articleIDs(res.Hits)
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Retrieve(%q) = articles %v; want %v", tc.q, got, tc.want)
		}
	}
}
