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

// namePhrases returns the analysed terms of the multi-word names of a
// question: runs of capitalised words past its first word ("Tour Down
// Under", "Hong Kong Sevens", "All-Ireland"), each of at least two terms.
// Words of a name found apart ("tour" in one sentence, "down" in another)
// do not name it: signals checks the phrase.
func namePhrases(question string) [][]string {
	var out [][]string
	var run []string
	flush := func() {
		if terms := corpus.Terms(strings.Join(run, " ")); len(terms) >= 2 {
			out = append(out, terms)
		}
		run = run[:0]
	}
	for i, w := range strings.Fields(question) {
		word := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if i == 0 || word == "" || !unicode.IsUpper([]rune(word)[0]) {
			flush()
			continue
		}
		if len(word) == 1 || len(word) > 3 || strings.ToUpper(word) != word {
			// A short acronym is written many ways ("US", "U.S."): the
			// rest of the name must be found, not it.
			run = append(run, word)
		}
		if w != strings.TrimRightFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) || strings.HasSuffix(word, "'s") || strings.HasSuffix(word, "’s") {
			// Punctuation or a possessive ends the name: "Ortiz, Smith"
			// are two, and so are "Beyoncé's Cowboy Carter".
			flush()
		}
	}
	flush()
	return out
}

// holdsPhrase reports whether terms holds phrase in order, with at most
// one other term between two of its terms ("Donald J. Trump", a stop word
// analysed away on one side only).
func holdsPhrase(terms, phrase []string) bool {
next:
	for i, t := range terms {
		if t != phrase[0] {
			continue
		}
		at := i
		for _, p := range phrase[1:] {
			switch {
			case at+1 < len(terms) && terms[at+1] == p:
				at++
			case at+2 < len(terms) && terms[at+2] == p:
				at += 2
			default:
				continue next
			}
		}
		return true
	}
	return false
}
