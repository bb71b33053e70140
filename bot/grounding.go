package bot

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/newsbot/newsbot/corpus"
)

// Sentence is one sentence of an answer with the sources it cites.
type Sentence struct {
	Text    string // as in the answer, its citation markers included
	Sources []int  // the numbers of the sources it cites (Answer.Sources); none when uncited
}

// Grounded reports whether the sentence cites a source.
func (s Sentence) Grounded() bool { return len(s.Sources) > 0 }

// unsourcedMark follows every sentence of a composed answer that cites no
// article, so the reader sees which claims nothing backs. Words, not a
// symbol: it reads the same in a terminal, in Discord and in JSON.
const unsourcedMark = "[no source]"

// unsourcedNote explains the marks under an answer that has any.
const unsourcedNote = "Sentences marked " + unsourcedMark + " cite none of the articles: check them before relying on them."

// leadingMarkers matches citation markers that open a sentence: the
// splitter puts "Claim. [1] Next." 's marker at the start of "Next".
var leadingMarkers = regexp.MustCompile(`^(?:\[\d+\][ \t]*)+`)

// splitGrounded splits an answer text (its markers already checked, see
// checkCitations) into its claims, the sentences of each line (a list
// item is a claim of its own), with the source numbers each cites. A
// marker written after a sentence's full stop ("Claim. [1]") belongs to
// that sentence. A lead-in ending with a colon ("What we know:") and text
// without letters or digits (a list marker) are not claims and are left
// out.
func splitGrounded(text string) []Sentence {
	var out []Sentence
	for _, line := range strings.Split(text, "\n") {
		first := len(out) // markers move back within a line only
		for _, s := range corpus.Sentences(line) {
			s = strings.TrimSpace(s)
			if lead := leadingMarkers.FindString(s); lead != "" && len(out) > first {
				prev := &out[len(out)-1]
				prev.Text += " " + strings.TrimSpace(lead)
				prev.Sources = appendCited(prev.Sources, lead)
				s = strings.TrimSpace(s[len(lead):])
			}
			if !hasWord(s) || strings.HasSuffix(strings.TrimSpace(stripMarkers(s)), ":") {
				continue
			}
			out = append(out, Sentence{Text: s, Sources: appendCited(nil, s)})
		}
	}
	return out
}

// appendCited appends the source numbers of the markers in s not yet in
// ns.
func appendCited(ns []int, s string) []int {
	for _, m := range singleMarker.FindAllString(s, -1) {
		n, err := strconv.Atoi(strings.Trim(m, "[]"))
		if err != nil {
			continue
		}
		if !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	return ns
}

// hasWord reports whether s holds a letter or digit besides its citation
// markers.
func hasWord(s string) bool {
	return strings.IndexFunc(stripMarkers(s), func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// markUnsourced returns text with unsourcedMark after each sentence of
// sents (its sentences, see splitGrounded) that cites nothing, its layout
// (paragraphs, lists) kept, and whether every sentence cites a source.
func markUnsourced(text string, sents []Sentence) (string, bool) {
	var b strings.Builder
	all, pos := true, 0
	for _, s := range sents {
		i := strings.Index(text[pos:], s.Text)
		if i < 0 {
			// The splitter changed the spacing: rebuild from the sentences.
			return joinMarked(sents)
		}
		end := pos + i + len(s.Text)
		b.WriteString(text[pos:end])
		pos = end
		if !s.Grounded() {
			all = false
			b.WriteString(" " + unsourcedMark)
		}
	}
	b.WriteString(text[pos:])
	return b.String(), all
}

// joinMarked is markUnsourced's text rebuilt from the sentences alone.
func joinMarked(sents []Sentence) (string, bool) {
	var b strings.Builder
	all := true
	for i, s := range sents {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(s.Text)
		if !s.Grounded() {
			all = false
			b.WriteString(" " + unsourcedMark)
		}
	}
	return b.String(), all
}
