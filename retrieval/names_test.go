package retrieval

import (
	"slices"
	"testing"
)

func TestNameTerms(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"Who won the Westbrook mayoral election?", []string{"westbrook"}},
		{"What did Priya Nand say about US tariffs?", []string{"priya", "nand"}},
		{"Westbrook voted on Sunday", []string{"sunday"}}, // the first word is capitalised anyway
		{"how much did the bridge cost?", nil},
	} {
		got := nameTerms(tc.q, QueryTermsFor(tc.q))
		if !slices.Equal(got, tc.want) {
			t.Errorf("nameTerms(%q) = %q; want %q", tc.q, got, tc.want)
		}
	}
}
