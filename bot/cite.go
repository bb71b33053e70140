package bot

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// citeRE matches a citation group: [1], [1, 2], [1;3], [ 2 ].
var citeRE = regexp.MustCompile(`\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\]`)

// checkCitations rewrites the model's [n] markers, which number the
// passages it was shown, into numbers of the returned sources: a marker
// that names no passage is removed, two passages of one article become one
// source, and sources are numbered in the order the answer first cites
// them. An answer whose sources come back empty cited nothing valid.
func checkCitations(raw string, hits []corpus.Hit) (string, []Source) {
	var sources []Source
	byArticle := make(map[int64]int) // article id -> source number
	out := citeRE.ReplaceAllStringFunc(raw, func(m string) string {
		var b strings.Builder
		seen := make(map[int]bool)
		for _, f := range strings.FieldsFunc(strings.Trim(m, "[] "), func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			p, err := strconv.Atoi(f)
			if err != nil || p < 1 || p > len(hits) {
				continue // invented citation: drop it
			}
			a := hits[p-1].Article
			n, ok := byArticle[a.ID]
			if !ok {
				n = len(sources) + 1
				byArticle[a.ID] = n
				sources = append(sources, sourceOf(n, a))
			}
			if !seen[n] {
				seen[n] = true
				b.WriteString("[" + strconv.Itoa(n) + "]")
			}
		}
		return b.String()
	})
	return tidy(out), sources
}

// spaceBeforePunct matches the gap a removed citation leaves: "claim [9]."
// becomes "claim ." and then "claim.".
var spaceBeforePunct = regexp.MustCompile(`[ \t]+([.,;:!?])`)

// tidy removes doubled spaces and spaces before punctuation left by
// removed citations, and merges repeated markers such as "[1][1]".
func tidy(s string) string {
	s = spaceBeforePunct.ReplaceAllString(s, "$1")
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	s = markerRun.ReplaceAllStringFunc(s, func(run string) string {
		var b strings.Builder
		seen := make(map[string]bool)
		for _, m := range singleMarker.FindAllString(run, -1) {
			if !seen[m] {
				seen[m] = true
				b.WriteString(m)
			}
		}
		if strings.HasSuffix(run, " ") {
			b.WriteString(" ")
		}
		return b.String()
	})
	return strings.TrimSpace(s)
}

// markerRun is two or more adjacent markers, singleMarker one of them.
var (
	markerRun    = regexp.MustCompile(`(?:\[\d+\][ \t]*){2,}`)
	singleMarker = regexp.MustCompile(`\[\d+\]`)
)
