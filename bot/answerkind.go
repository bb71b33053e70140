package bot

import (
	"regexp"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// answerKind is what a question asks for: a quantity, a time, a person or
// organisation, what someone said, or nothing the extractive answer can
// recognise.
type answerKind int

const (
	kindAny answerKind = iota
	kindNumber
	kindTime
	kindName
	kindSaid
)

// answerKindBonus is added to the overlap of a sentence that holds what
// the question asks for (and one of its own words): worth half a question
// word, so it decides between sentences that match the question equally,
// not against one that matches it clearly better.
const answerKindBonus = 0.5

var (
	askNumber = regexp.MustCompile(`(?i)^\s*(how (much|many|long|old|far|big|high|large)|what (percentage|share|number|amount|price|age))\b`)
	askTime   = regexp.MustCompile(`(?i)^\s*(when|what (year|date|day|month|time))\b`)
	askName   = regexp.MustCompile(`(?i)^\s*(who|whom|whose)\b`)
	// "What did Pakistan say?", "How did the union respond?", "What has
	// the ministry said?": a statement. Only after an auxiliary and its
	// subject, so "What can you tell me about...?" and "What is the state
	// of...?" are not taken for one.
	askSaid = regexp.MustCompile(`(?i)^\s*(what|how)\s+(did|does|do|has|have|had|will|would)\s+\S.*\b(say|said|says|tell|told|announce|announced|claim|claimed|state|stated|reply|replied|respond|responded|react|reacted|comment|commented|argue|argued|warn|warned)\b`)

	hasNumber = regexp.MustCompile(`\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen)\b`)
	hasTime   = regexp.MustCompile(`\b(1[89]\d\d|20\d\d|January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow|last (week|month|year)|next (week|month|year))\b`)
	// A reporting verb or a quotation mark: a sentence saying what
	// someone said.
	hasSaid = regexp.MustCompile(`(?i)\b(said|says|told|tells|announced|announces|stated|statement|claimed|denied|denies|dismissed|dismisses|rejected|rejects|confirmed|confirms|warned|warns|insisted|argued|noted|wrote|called|calling|according to|spokesperson|spokesman|spokeswoman)\b|[“”"]`)
	// A capitalised word after the sentence's first word: a name.
	nameWord = regexp.MustCompile(`\s([A-Z][a-z]+)`)
)

// answerKindOf reads what a question asks for from its opening words.
func answerKindOf(question string) answerKind {
	switch {
	case askNumber.MatchString(question):
		return kindNumber
	case askTime.MatchString(question):
		return kindTime
	case askName.MatchString(question):
		return kindName
	case askSaid.MatchString(question):
		return kindSaid
	}
	return kindAny
}

// in reports whether sentence s holds something of kind k; a name counts
// only if it is not one of the question's own words (asked, by analysed
// term): "Who opened the Riverton bridge?" is not answered by "Riverton".
func (k answerKind) in(s string, asked map[string]float64) bool {
	switch k {
	case kindNumber:
		return hasNumber.MatchString(strings.ToLower(s))
	case kindTime:
		return hasTime.MatchString(s)
	case kindSaid:
		return hasSaid.MatchString(s)
	case kindName:
		for _, m := range nameWord.FindAllStringSubmatch(s, -1) {
			if hasTime.MatchString(m[1]) {
				continue // "Monday", "March": a time, not a name
			}
			for _, t := range corpus.Terms(m[1]) {
				if asked[t] != 1 {
					return true
				}
			}
		}
	}
	return false
}
