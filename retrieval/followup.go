package retrieval

import (
	"slices"
	"strings"
	"unicode"

	"github.com/newsbot/newsbot/corpus"
)

// DependsOnContext reports whether a question points back at an earlier
// exchange, so that it cannot be searched on its own words alone: it has a
// pronoun or other word standing for something named before ("what did
// he say?", "when did it open?", "why did that happen?"), it opens like a
// continuation ("and the trial?", "what about Spain?"), or it has fewer
// than two words of its own to search ("and then?", "who won?").
//
// Retrieve searches such a question with its context at once; any other
// question is searched alone too, and the context's hits kept only when
// they fit the question's own words as well.
func DependsOnContext(question string) bool {
	if len(QueryTermsFor(question)) < 2 {
		return true
	}
	words := strings.FieldsFunc(strings.ToLower(question), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\'' && r != '’'
	})
	if len(words) == 0 {
		return true
	}
	switch words[0] {
	case "and", "but", "so", "also", "then":
		return true
	case "what", "how":
		if len(words) > 1 && words[1] == "about" {
			return true
		}
	}
	for _, w := range words {
		if pointsBack(w) {
			return true
		}
	}
	return false
}

// pointsBack reports whether a word (lower case) usually stands for
// something named earlier in a conversation.
func pointsBack(w string) bool {
	switch w {
	case "he", "him", "his", "himself", "she", "her", "hers", "herself",
		"they", "them", "their", "theirs", "themselves", "it", "its", "itself",
		"this", "that", "these", "those", "there", "such", "same", "former", "latter",
		"he's", "she's", "it's", "they're", "that's", "there's":
		return true
	}
	return false
}

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
