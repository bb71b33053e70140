package retrieval

import (
	"slices"
	"strings"
	"time"
	"unicode"
)

// DependsOnContext reports whether a question points back at an earlier
// exchange, so that it cannot be searched on its own words alone: it has a
// pronoun or other word standing for something named before ("what did
// he say?", "when did it open?", "why did that happen?"), it opens like a
// continuation ("and the trial?", "what about Spain?"), or it has fewer
// than two words of its own to search ("and then?", "who won?").
//
// A period it names ("this week", "in March") is not a word pointing back,
// and a question that asks for nothing but a period's news ("What
// happened this week?", "Any news from yesterday?") stands alone: with
// nothing from then the answer says so and lists the newest stories,
// whatever the conversation was about. A bare period ("Last year?",
// "In 2025?") or one asking for more ("What else happened today?")
// continues the conversation.
//
// Retrieve searches such a question with its context at once; any other
// question is searched alone too, and the context's hits kept when they
// fit the question's own words as well, or well enough to be answered.
func DependsOnContext(question string) bool {
	rest, period := withoutPeriod(question)
	words := strings.FieldsFunc(strings.ToLower(rest), func(r rune) bool {
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
	own := len(QueryTermsFor(rest))
	if own == 0 && period && !slices.ContainsFunc(words, asksForMore) {
		return false
	}
	return own < 2
}

// asksForMore reports whether a word (lower case) asks for more of what
// was talked about: "what else", "anything more", "any other news".
func asksForMore(w string) bool {
	switch w {
	case "else", "more", "other", "another", "again", "further":
		return true
	}
	return false
}

// withoutPeriod returns question without the time expression ParseTime
// finds in it, and whether there was one.
func withoutPeriod(question string) (string, bool) {
	// Only the expression's place matters here, so it is resolved against
	// a date late enough that every expression ParseTime understands
	// resolves ("since 2030" names no period before 2030).
	ref := time.Date(9000, time.January, 1, 0, 0, 0, 0, time.UTC)
	rng, rest := ParseTime(question, ref)
	return rest, !rng.IsZero()
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
