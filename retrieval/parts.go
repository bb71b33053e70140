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
