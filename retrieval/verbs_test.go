package retrieval

import (
	"slices"
	"testing"
)

// TestAsAsked: the past forms of an irregular verb asked about stand for
// it in a passage's terms; other terms, and past forms of verbs not
// asked, stay as they are.
func TestAsAsked(t *testing.T) {
	for _, tc := range []struct {
		asked, text, want []string
	}{
		{[]string{"pakistan", "say"}, []string{"pakistan", "said", "it"}, []string{"pakistan", "say", "it"}},
		{[]string{"argentina", "win"}, []string{"argentina", "won", "said"}, []string{"argentina", "win", "said"}},
		{[]string{"write", "novel"}, []string{"she", "wrote", "written"}, []string{"she", "write", "write"}},
		// Asked as written: "said" stays itself.
		{[]string{"say", "said"}, []string{"said"}, []string{"said"}},
		{[]string{"bridge", "cost"}, []string{"said", "won"}, []string{"said", "won"}},
		{nil, []string{"said"}, []string{"said"}},
	} {
		if got := asAsked(tc.text, verbAliases(tc.asked)); !slices.Equal(got, tc.want) {
			t.Errorf("asAsked(%v) asking %v = %v; want %v", tc.text, tc.asked, got, tc.want)
		}
	}
	// Every base form and past form is one analysed term.
	for base, pasts := range pastForms {
		if base == "" || slices.Contains(pasts, "") || slices.Contains(pasts, base) {
			t.Errorf("pastForms[%q] = %q", base, pasts)
		}
	}
}
