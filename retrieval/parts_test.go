package retrieval

import (
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
