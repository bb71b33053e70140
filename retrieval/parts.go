package retrieval

import (
	"regexp"
	"strings"
)

// partBreak matches where a question asks a second question: "and" (or
// "but") or a semicolon, then a question word opening a clause ("..., and
// when is the trial?", "... and how many votes did she get?", "...; who
// paid for it?"). A comma alone does not break: ", which was..." is
// usually a relative clause of one question.
var partBreak = regexp.MustCompile(`(?i)(?:,?\s+(?:and|but)\s+|;\s*)(when|where|who|whom|whose|what|which|why|how)\s+(is|are|was|were|will|would|did|does|do|has|have|had|can|could|should|much|many|long|old|far)\b`)

// SplitParts splits a question that asks two things into its parts ("What
// is she charged with, and when is the trial?" becomes "What is she
// charged with?" and "when is the trial?"). Each part must keep a word to
// search (the second may lean on the first: Retrieve gives it the first as
// context); otherwise, or when there is no such break, the question is one
// part. At most two parts: a third break stays in the
// second.
func SplitParts(question string) []string {
	loc := partBreak.FindStringSubmatchIndex(question)
	if loc == nil {
		return []string{question}
	}
	first := strings.TrimSpace(question[:loc[0]])
	second := strings.TrimSpace(question[loc[2]:])
	if !strings.HasSuffix(first, "?") {
		first += "?"
	}
	if len(QueryTermsFor(first)) == 0 || len(QueryTermsFor(second)) == 0 {
		return []string{question}
	}
	return []string{first, second}
}

// comparison matches a question that asks to compare two named things
// after its question: "Who has more nominations: Kendrick Lamar or Lady
// Gaga?", "Which fell more after the announcement, the Dow or the
// Nasdaq?". The head (before the last comma or colon) must ask which one
// with a comparative word; the two things follow, joined by "or".
var comparison = regexp.MustCompile(`(?i)^(.*\b(?:which|who|whose)\b.*\b(?:more|less|fewer|better|worse|bigger|larger|smaller|higher|lower|longer|shorter|most|least|earlier|later|first|\w+er)\b.*)[,:]\s+([^,:]+?)\s+or\s+([^,:]+?)\s*\??$`)

// SplitComparison splits a question comparing two named things into one
// question per thing, each with the question's head ("Who has more
// nominations: Kendrick Lamar or Lady Gaga?" becomes "Who has more
// nominations Kendrick Lamar?" and "Who has more nominations Lady Gaga?"),
// so that the hits hold both and the confidence asks that each is covered.
// A question that compares nothing by name ("Which of the two firms paid
// the bigger fine?") is one part.
func SplitComparison(question string) []string {
	m := comparison.FindStringSubmatch(strings.TrimSpace(question))
	if m == nil {
		return []string{question}
	}
	head := strings.TrimSpace(m[1])
	a, b := m[2]+"?", m[3]+"?"
	if len(QueryTermsFor(a)) == 0 || len(QueryTermsFor(b)) == 0 {
		return []string{question}
	}
	return []string{head + " " + a, head + " " + b}
}
