package retrieval

import (
	"slices"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
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

func TestNamePhrases(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want [][]string
	}{
		{"Who won the Tour Down Under?", [][]string{corpus.Terms("tour down under")}},
		{"Who won the Formula E championship?", [][]string{{"formula", "e"}}},
		// A short acronym is written many ways; what is left is one word.
		{"What did the US Geological Survey say?", [][]string{corpus.Terms("geological survey")}},
		// A possessive or a comma ends a name.
		{"When does Beyoncé's Cowboy Carter tour start?", [][]string{corpus.Terms("cowboy carter")}},
		{"Did Ortiz, Smith and Lee agree?", nil},
		{"Who won the election?", nil},
		{"Westbrook voted on Sunday", nil}, // the first word is capitalised anyway
	} {
		got := namePhrases(tc.q)
		if !slices.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("namePhrases(%q) = %q; want %q", tc.q, got, tc.want)
		}
	}
}

func TestHoldsPhrase(t *testing.T) {
	phrase := []string{"donald", "trump"}
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"president donald trump said", true},
		{"donald j trump said", true}, // one term between
		{"trump donald", false},       // out of order
		{"donald met the press and trump said", false},
		{"donald", false},
	} {
		if got := holdsPhrase(strings.Fields(tc.text), phrase); got != tc.want {
			t.Errorf("holdsPhrase(%q, %q) = %v; want %v", tc.text, phrase, got, tc.want)
		}
	}
}
