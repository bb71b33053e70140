package retrieval

import (
	"strings"
	"unicode"
)

// DependsOnContext reports whether a question points back at an earlier
// exchange, so that it cannot be searched on its own words alone: it has a
// pronoun or other word standing for something named before ("what did
// he say?", "when did it open?", "why did that happen?"), it opens like a
// continuation ("and the trial?", "what about Spain?"), or it has fewer
// than two words of its own to search ("and then?", "who won?").
//
// Retrieve searches such a question with its context at once; any other
// question is searched alone too, and the context's hits kept when they
// fit the question's own words as well, or well enough to be answered.
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
