package retrieval

import (
	"github.com/newsbot/newsbot/corpus"
)

// MaxQueryTerms caps the terms of one search: a question has a handful, and a
// pasted wall of text would otherwise make a union of thousands of terms that
// costs the index time and matches everything.
const MaxQueryTerms = 32

// QueryTermsFor returns the terms of a question worth searching for: the
// analysed, stop-word-free terms of corpus.QueryTerms without the filler of
// questions about news ("latest", "news", "happened"), which articles rarely
// contain and which would only lower the confidence. At most MaxQueryTerms.
func QueryTermsFor(question string) []string {
	var out []string
	for _, t := range corpus.QueryTerms(question) {
		if isFiller(t) {
			continue
		}
		out = append(out, t)
		if len(out) == MaxQueryTerms {
			break
		}
	}
	return out
}

// isFiller reports whether the analysed term is a word of asking about news
// rather than of the news itself. "Recently" and "latest" go here: the
// recency prior, not the text, answers them.
func isFiller(term string) bool {
	switch term {
	case "latest", "recent", "news", "happen", "tell", "know", "current", "go", "anyth", "someth",
		// "how much", "how many": the quantity is the answer, not a search word.
		"much", "mani",
		// Adverbs of time and degree left after time expressions are parsed
		// ("when did they last...", "is it still..."): they name no topic,
		// and as rare words in a small corpus they would sink the confidence.
		"last", "ago", "still", "now", "again", "ever", "yet", "also", "els":
		return true
	}
	return false
}
