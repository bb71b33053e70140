package retrieval

import (
	"slices"
	"strings"
	"unicode"

	"github.com/newsbot/newsbot/corpus"
)

// nameTerms returns the terms among terms (a question's search terms) that
// come from names in question: words written with a capital letter, but
// not the question's first word ("Who", "Is") nor a short acronym.
func nameTerms(question string, terms []string) []string {
	words := strings.FieldsFunc(question, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' && r != '-'
	})
	in := make(map[string]bool, len(terms))
	for _, t := range terms {
		in[t] = true
	}
	var out []string
	for i, w := range words {
		if i == 0 || !unicode.IsUpper([]rune(w)[0]) || len(w) <= 3 && strings.ToUpper(w) == w {
			// The first word is capitalised anyway; short acronyms ("US",
			// "EU", "I") are written many ways ("U.S.", "United States").
			continue
		}
		for _, t := range corpus.Terms(w) {
			if in[t] && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}
