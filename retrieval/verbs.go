package retrieval

import (
	"slices"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// irregularVerbs lists, for verbs of the news whose past forms the stemmer
// cannot bring back to their base, the base form then its past forms. A
// question asks with the base form after "did" ("What did Pakistan
// say?", "How much did the port workers win?") and the report answers
// with the past ("said", "won"): without this the report held only half
// of what was asked and a plain question was refused.
var irregularVerbs = []string{
	"say said", "tell told", "win won", "lose lost", "pay paid", "buy bought", "sell sold",
	"meet met", "leave left", "make made", "take took taken", "give gave given", "find found",
	"hold held", "bring brought", "build built", "send sent", "spend spent", "seek sought",
	"fall fell fallen", "rise rose risen", "grow grew grown", "know knew known",
	"begin began begun", "break broke broken", "choose chose chosen", "get got gotten",
	"go went gone", "keep kept", "lead led", "see saw seen", "speak spoke spoken",
	"stand stood", "steal stole stolen", "strike struck", "teach taught", "throw threw thrown",
	"write wrote written", "become became", "come came", "sit sat", "feel felt",
	"fight fought", "catch caught", "draw drew drawn", "drive drove driven", "fly flew flown",
	"flee fled", "shoot shot", "sink sank sunk", "swear swore sworn", "wear wore worn",
	"withdraw withdrew withdrawn", "run ran", "think thought", "hear heard", "lend lent",
	"mean meant", "deal dealt", "hang hung", "shake shook shaken", "undergo underwent undergone",
	"oversee oversaw overseen", "forgive forgave forgiven", "hide hid hidden", "ride rode ridden",
	"eat ate eaten", "freeze froze frozen", "sing sang sung", "tear tore torn", "beat beaten",
	"bind bound", "dig dug", "feed fed", "slide slid", "spin spun", "stick stuck", "sweep swept",
	"swing swung", "forbid forbade forbidden", "overtake overtook overtaken",
}

// pastForms maps the analysed term of each base form of irregularVerbs to
// the analysed terms of its past forms. It is read only.
var pastForms = func() map[string][]string {
	m := make(map[string][]string, len(irregularVerbs))
	for _, forms := range irregularVerbs {
		words := strings.Fields(forms)
		base := corpus.Terms(words[0])[0]
		for _, w := range words[1:] {
			if t := corpus.Terms(w)[0]; t != base {
				m[base] = append(m[base], t)
			}
		}
	}
	return m
}()

// verbAliases maps the past forms of the irregular verbs among terms to
// their base forms as asked; nil when none is asked.
func verbAliases(terms []string) map[string]string {
	var alias map[string]string
	for _, t := range terms {
		for _, past := range pastForms[t] {
			if alias == nil {
				alias = make(map[string]string)
			}
			if _, asked := alias[past]; !asked && !slices.Contains(terms, past) {
				alias[past] = t
			}
		}
	}
	return alias
}

// asAsked returns terms with each past form of alias replaced by its base
// form, so that a passage saying "said" holds the "say" asked about; terms
// itself when alias is empty.
func asAsked(terms []string, alias map[string]string) []string {
	if len(alias) == 0 {
		return terms
	}
	out := make([]string, len(terms))
	for i, t := range terms {
		if base, ok := alias[t]; ok {
			t = base
		}
		out[i] = t
	}
	return out
}
