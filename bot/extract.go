package bot

import (
	"sort"
	"strconv"
	"strings"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
)

// Limits of an extractive answer: up to three sentences, and a further
// sentence only when it shares at least this share of the best sentence's
// overlap with the question (otherwise it is padding).
const (
	maxExtractSentences = 3
	extraSentenceShare  = 0.6
	// rankDecay makes a sentence from a lower-ranked passage need a little
	// more overlap to beat one from a higher-ranked passage.
	rankDecay = 0.05
	// minExtraOverlap is the overlap a further sentence needs: two question
	// words, or one and some context.
	minExtraOverlap = 1.5
	// contextTieBreak is the most a follow-up's context words add to a
	// sentence together when the question stands alone (not
	// DependsOnContext): less than answerKindBonus, so "How did Pakistan
	// respond?" after an exchange on who recognised the Taliban quotes
	// Pakistan's response, not the sentence naming Pakistan with most of
	// the earlier question's words.
	contextTieBreak = 0.4
)

type scoredSentence struct {
	text    string
	hit     int     // index into the hits
	overlap float64 // weighted distinct question terms in the sentence
	own     int     // distinct terms of the question's own words in it
	score   float64 // overlap adjusted for passage rank
	order   int     // position among all candidate sentences, for stable output
}

// extractive answers with 1-3 sentences quoted from the top passages, chosen
// for how many of the question's terms they contain, each followed by the
// number of its source.
func extractive(question string, res retrieval.Result, note string) Answer {
	// The question's own words count fully; words retrieval added from a
	// follow-up's earlier exchange only break ties.
	own := corpus.QueryTerms(question)
	qterms := make(map[string]float64)
	for _, t := range own {
		qterms[t] = 1
	}
	var ctxTerms []string
	for _, t := range res.Terms {
		if _, ok := qterms[t]; !ok {
			ctxTerms = append(ctxTerms, t)
		}
	}
	// Together they weigh as much as the question when it points back, as
	// in retrieval, and less than what it asks for when it stands alone
	// (contextTieBreak); a question without words of its own ("and
	// then?") is its context.
	cw := 1.0
	if len(qterms) > 0 {
		dependent := retrieval.DependsOnContext(question)
		cw = retrieval.ContextWeight(dependent, len(qterms), len(ctxTerms))
		if !dependent && len(ctxTerms) > 0 {
			// A question that stands alone takes its sentence from its own
			// words and what it asks for; the context only breaks ties.
			cw = min(cw, contextTieBreak/float64(len(ctxTerms)))
		}
	}
	for _, t := range ctxTerms {
		qterms[t] = cw
	}

	cands := rankSentences(res, qterms, answerKindOf(question))
	if len(cands) == 0 {
		return notCovered(res)
	}
	// A question in parts gets each part's answer first: "What is she
	// charged with, and when is the trial?" quotes the charge and the date,
	// not two sentences about the charge that share the most words.
	chosen := partSentences(question, res, qterms)
	seen := make(map[string]bool)
	for _, c := range chosen {
		seen[strings.ToLower(c.text)] = true
	}
	if len(chosen) == 0 {
		chosen = []scoredSentence{cands[0]}
		seen[strings.ToLower(cands[0].text)] = true
	}
	for _, c := range cands {
		if len(chosen) == maxExtractSentences {
			break
		}
		// A further sentence must hold a word of the question itself when
		// the question has any: context words alone (the previous story's)
		// never add a sentence.
		if c.overlap < minExtraOverlap || c.score < extraSentenceShare*cands[0].score || len(own) > 0 && c.own == 0 || seen[strings.ToLower(c.text)] {
			continue
		}
		if res.Status && olderReport(res.Hits[c.hit], res.Hits[chosen[0].hit]) {
			// "Is the strike still on?" answered from the newest report
			// must not go on to quote an older one ("entered its second
			// week") as if it were still so.
			continue
		}
		seen[strings.ToLower(c.text)] = true
		chosen = append(chosen, c)
	}

	var sources []Source
	var sents []Sentence
	byArticle := make(map[int64]int)
	var b strings.Builder
	for i, c := range chosen {
		var n int
		sources, n = citeHit(sources, byArticle, res.Hits, c.hit)
		if i > 0 {
			b.WriteString(" ")
		}
		// An article's own reference marks ("[9]") would read as citations
		// of sources the answer does not have.
		sent := stripMarkers(c.text) + " [" + strconv.Itoa(n) + "]"
		b.WriteString(sent)
		sents = append(sents, Sentence{Text: sent, Sources: []int{n}})
	}
	return Answer{Text: b.String(), Sources: sources, Grounded: true, Sentences: sents, Mode: ModeExtractive, Note: note, Confidence: res.Confidence, Range: res.Range}
}

// olderReport reports whether hit h comes from an article published before
// the one of hit first (both dated).
func olderReport(h, first corpus.Hit) bool {
	a, b := h.Article.PublishedAt, first.Article.PublishedAt
	return !a.IsZero() && !b.IsZero() && a.Before(b)
}

// rankSentences scores every sentence of res's hits by the weights of the
// question terms it holds (qterms; weight 1 marks the question's own
// words), with a bonus when it holds what want asks for, lowered a little
// by its passage's rank; best first.
func rankSentences(res retrieval.Result, qterms map[string]float64, want answerKind) []scoredSentence {
	var cands []scoredSentence
	for i, h := range res.Hits {
		for _, s := range corpus.Sentences(h.Passage.Text) {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			ov, ownOv := overlap(s, qterms)
			if ownOv > 0 && want.in(s, qterms) {
				// "How much did it cost?" is answered by the sentence with
				// the sum, not by the one that names the bridge again.
				ov += answerKindBonus
			}
			cands = append(cands, scoredSentence{text: s, hit: i, overlap: ov, own: ownOv, score: ov * (1 - rankDecay*float64(i)), order: len(cands)})
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
	return cands
}

// otherPartWeight is the weight of the question's words outside the part
// being answered: they place the part (the same trial, the same bridge)
// without outweighing what the part asks.
const otherPartWeight = 0.3

// partSentences returns, for a question in parts (retrieval.SplitParts or
// SplitComparison, as retrieval split it), the best sentence for each
// part, in the parts' order and each once: the part's own words weigh 1,
// the rest of the question's (and a follow-up's context words) at most
// otherPartWeight, and the part's own answer kind is preferred. A part
// whose words no sentence holds gets none. Nil for a question in one part.
func partSentences(question string, res retrieval.Result, qterms map[string]float64) []scoredSentence {
	parts := retrieval.SplitParts(question)
	if len(parts) < 2 {
		parts = retrieval.SplitComparison(question)
	}
	if len(parts) < 2 {
		return nil
	}
	var chosen []scoredSentence
	seen := make(map[string]bool)
	for _, p := range parts {
		pterms := make(map[string]float64, len(qterms))
		for t, w := range qterms {
			pterms[t] = min(w, otherPartWeight)
		}
		for _, t := range corpus.QueryTerms(p) {
			pterms[t] = 1
		}
		for _, c := range rankSentences(res, pterms, answerKindOf(p)) {
			if c.own > 0 && !seen[strings.ToLower(c.text)] {
				seen[strings.ToLower(c.text)] = true
				chosen = append(chosen, c)
				break
			}
		}
	}
	return chosen
}

// overlap sums the weights of the distinct question terms in sentence s,
// and counts those of the question's own words (weight 1).
func overlap(s string, qterms map[string]float64) (sum float64, own int) {
	seen := make(map[string]bool)
	for _, t := range corpus.Terms(s) {
		if w := qterms[t]; w > 0 && !seen[t] {
			seen[t] = true
			sum += w
			if w == 1 {
				own++
			}
		}
	}
	return sum, own
}
