package retrieval

import (
	"context"
	"slices"
	"testing"
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
