package bot

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/newsbot/newsbot/corpus"
)

// citeRE matches a citation group: [1], [1, 2], [1;3], [ 2 ].
var citeRE = regexp.MustCompile(`\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\]`)

// checkCitations rewrites the model's [n] markers, which number the
// passages it was shown, into numbers of the returned sources: a marker
// that names no passage is removed, two passages of one article become one
// source, and sources are numbered in the order the answer first cites
// them. An answer whose sources come back empty cited nothing valid.
//
// Markers written another way are read as the model meant them when that is
// clear (fullwidth "［１］", a range "[1-3]", "[[2]]") and removed when not
// ("[-1]", "[1a]", "[^2]", "[1000]"), so nothing that looks like a citation
// points outside what was retrieved.
func checkCitations(raw string, hits []corpus.Hit) (string, []Source) {
	raw = normaliseMarkers(raw)
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
			var n int
			sources, n = citeHit(sources, byArticle, hits, p-1)
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

// Marker lookalikes: altMarker is a bracketed group of digits in any
// script, with fullwidth or lenticular brackets, ideographic commas and
// ranges; looseMarker is anything bracketed that starts like a number.
var (
	altMarker   = regexp.MustCompile(`[\[［【〔]\s*\p{Nd}+(?:\s*[,;，；、\-–—]\s*\p{Nd}+)*\s*[\]］】〕]`)
	looseMarker = regexp.MustCompile(`[\[［【〔]\s*[\^#]?\s*[-+−–]?\s*\p{Nd}+[^\[\]［］【】〔〕\n]{0,16}[\]］】〕]`)
	spacedDash  = regexp.MustCompile(`\s*[-–—]\s*`)
	nestedMark  = regexp.MustCompile(`\[\s*(\[\d{1,3}\])\s*\]`)
	wholeMarker = regexp.MustCompile(`^` + citeRE.String() + `$`)
)

// maxRangeSpan bounds the expansion of "[1-3]": the prompt numbers at most
// a handful of passages, so a longer range is not a citation.
const maxRangeSpan = 10

// normaliseMarkers rewrites marker lookalikes as plain "[1, 2]" groups that
// citeRE reads, and removes what looks like a marker but names no number
// citeRE could check.
func normaliseMarkers(s string) string {
	s = altMarker.ReplaceAllStringFunc(s, func(m string) string {
		var nums []string
		m = spacedDash.ReplaceAllString(m, "-")
		for _, part := range strings.FieldsFunc(m, func(r rune) bool { return !unicode.IsDigit(r) && r != '-' && r != '–' && r != '—' }) {
			lo, hi, isRange := strings.Cut(strings.NewReplacer("–", "-", "—", "-").Replace(part), "-")
			a, b := asciiNumber(lo), asciiNumber(hi)
			if !isRange {
				if a == "" {
					return ""
				}
				nums = append(nums, a)
				continue
			}
			x, errA := strconv.Atoi(a)
			y, errB := strconv.Atoi(b)
			if errA != nil || errB != nil || y < x || y-x >= maxRangeSpan {
				return "" // not a range of passages
			}
			for n := x; n <= y; n++ {
				nums = append(nums, strconv.Itoa(n))
			}
		}
		if len(nums) == 0 {
			return ""
		}
		return "[" + strings.Join(nums, ", ") + "]"
	})
	s = nestedMark.ReplaceAllString(s, "$1")
	return looseMarker.ReplaceAllStringFunc(s, func(m string) string {
		if wholeMarker.MatchString(m) {
			return m
		}
		return ""
	})
}

// asciiNumber writes a number as ASCII digits: fullwidth and other
// compatibility digits ("１", "𝟙") become "1"; a number with digits of
// another script gives "", which reads as no number.
func asciiNumber(s string) string {
	s = norm.NFKC.String(s)
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return ""
		}
	}
	return s
}

// stripMarkers removes everything that reads as a citation marker from
// quoted article text.
func stripMarkers(s string) string {
	return tidy(citeRE.ReplaceAllString(normaliseMarkers(s), ""))
}
