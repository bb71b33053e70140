package retrieval

import (
	"math"
	"slices"

	"github.com/newsbot/newsbot/corpus"
)

// commonTermShare marks a term found in more than this share of passages as
// common ("say", "year", "new"): it carries little topic, so coverage
// ignores it when the best hit lacks it, and a capitalised common word
// ("President") is not a name the hits must hold.
const commonTermShare = 0.05

// topHitsN is how many of the top hits together may cover a question: an
// answer can draw on several passages.
const topHitsN = 3

// Signals are the measurements of how well the hits cover a question, the
// inputs of the confidence Model. Terms are the question's own analysed
// terms, each weighted by idf(t) = ln(1 + N/(df+1)), so a term the corpus
// lacks altogether weighs the most: a question about something the corpus
// never mentions scores low even when its other words match. The counts are
// over the whole corpus, not only the stories published by AsOf: they
// weigh words, and a replayed question changes them very little.
type Signals struct {
	// Best is the weighted share of the terms in the best hit's title and
	// its best window of passage terms (confidenceWindow, see windowTerms).
	Best float64 `json:"best"`
	// Top is the weighted share in the top topHitsN hits together.
	Top float64 `json:"top"`
	// Coverage is the unweighted share of the question's topical terms
	// (all but common ones the best hit lacks) that the best hit holds.
	// The weighting alone lets one rare word carry a question ("2030" in
	// "Who won the 2030 World Cup final?" matching "2030 GMT"); a passage
	// must also hold most of what was asked.
	Coverage float64 `json:"coverage"`
	// MissedNumber: a number of the question ("2030", "737", "third",
	// see isNumber) is in no top
	// hit. Numbers name the very event asked about, so "the 2030 World
	// Cup" is not answered by a 2026 story.
	MissedNumber bool `json:"missed_number"`
	// BestMissedNumber: a number of the question is not in the best hit's
	// title and window, though another top hit may hold it ("2026" in a
	// story about the 2025 finals that mentions next year's draft).
	BestMissedNumber bool `json:"best_missed_number"`
	// MissedName: a rare name of the question (see nameTerms) is in no top
	// hit. Like a number, a name picks out the event asked about, and a
	// story about someone else is a near miss.
	MissedName bool `json:"missed_name"`
	// MissedPhrase: a multi-word name of the question (see namePhrases)
	// is in no top hit as a phrase, though its words may be: "the Tour
	// Down Under" is not a story that mentions a tour and a way down.
	MissedPhrase bool `json:"missed_phrase"`
	// Terms is the number of the question's own terms.
	Terms int `json:"terms"`
}

// idfWeights is each term's idf, ln(1 + N/(df+1)), from its document
// frequency df among n passages: the weight of a question's term in the
// confidence's coverage and in the status rule's headline match.
func idfWeights(terms []string, df map[string]int, n int) map[string]float64 {
	w := make(map[string]float64, len(terms))
	for _, t := range terms {
		w[t] = math.Log(1 + float64(n)/float64(df[t]+1))
	}
	return w
}

// signals measures how well hits (the final, hydrated top hits) cover the
// question's terms, names among them and its multi-word names phrases.
func (r *Retriever) signals(terms, names []string, phrases [][]string, hits []corpus.Hit) Signals {
	s := Signals{Terms: len(terms)}
	if len(hits) == 0 || len(terms) == 0 {
		return s
	}
	df, n := r.s.DocFreq(terms)
	weight := idfWeights(terms, df, n)
	var total float64
	for _, t := range terms {
		total += weight[t]
	}
	if total == 0 {
		return s
	}
	common := func(t string) bool { return float64(df[t]) > commonTermShare*float64(n) }

	// Each top hit is analysed once: the analysis is most of the cost.
	// The past forms of an irregular verb asked count as it (verbs.go).
	alias := verbAliases(terms)
	top := make([]analysedHit, min(topHitsN, len(hits)))
	for i, h := range hits[:len(top)] {
		top[i] = analysedHit{title: asAsked(r.an.Terms(h.Article.Title), alias), text: asAsked(r.an.Terms(h.Passage.Text), alias)}
	}
	inBest := windowTerms(top[0], weight, confidenceWindow)
	inTop := make(map[string]bool)
	for _, a := range top {
		for _, t := range a.title {
			inTop[t] = true
		}
		for _, t := range a.text {
			inTop[t] = true
		}
	}
	var best, some float64
	var asked, held int
	for _, t := range terms {
		switch {
		case inBest[t]:
			best += weight[t]
			asked++
			held++
		case !common(t):
			asked++
		}
		if inTop[t] {
			some += weight[t]
		} else if isNumber(t) {
			s.MissedNumber = true
		}
		if !inBest[t] && isNumber(t) {
			s.BestMissedNumber = true
		}
	}
	s.Best, s.Top = best/total, some/total
	if asked > 0 {
		s.Coverage = float64(held) / float64(asked)
	}
	for _, t := range names {
		// A common word that happens to be capitalised ("President",
		// "Congress") names nothing in particular.
		if !inTop[t] && !common(t) {
			s.MissedName = true
			break
		}
	}
	for _, p := range phrases {
		if !slices.ContainsFunc(top, func(a analysedHit) bool { return holdsPhrase(a.title, p) || holdsPhrase(a.text, p) }) {
			s.MissedPhrase = true
			break
		}
	}
	return s
}

// ordinals are the number words that pick out one event of a series ("the
// third No Kings protest"); "first" is left out, as common in any story.
var ordinals = map[string]bool{
	"second": true, "third": true, "fourth": true, "fifth": true, "sixth": true,
	"seventh": true, "eighth": true, "ninth": true, "tenth": true,
}

// isNumber reports whether an analysed term is a number: digits ("2030",
// "150th", "737") or an ordinal word.
func isNumber(t string) bool { return hasDigit(t) || ordinals[t] }
