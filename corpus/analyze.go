package corpus

import (
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/unicode/norm"
)

// maxTermLen bounds a single term: longer "words" are base64 blobs, URLs
// without separators or garbage, and indexing them only bloats the index.
const maxTermLen = 40

// Terms analyses text into the terms the full-text index holds: text is
// folded (compatibility decomposition, diacritics removed, lower case), split
// on every rune that is not a letter or digit, and each word is stemmed with
// the English Porter2 stemmer; numbers are kept as written. The index and the
// query side both call Terms, so a question matches the words of an article
// whatever their inflection ("recognised" and "recognise" meet).
//
// Every returned term consists only of lower-case letters and digits, which is
// what makes terms safe to quote in an FTS5 expression.
func Terms(text string) []string {
	var out []string
	forEachWord(text, func(w string) {
		out = append(out, stemWord(w))
	})
	return out
}

// QueryTerms is Terms without English stop words and without repeats, in
// first-seen order: the terms of a question worth searching for.
func QueryTerms(text string) []string {
	seen := make(map[string]bool)
	var out []string
	forEachWord(text, func(w string) {
		if english.IsStopWord(w) {
			return
		}
		t := stemWord(w)
		if t == "" || seen[t] {
			return
		}
		seen[t] = true
		out = append(out, t)
	})
	return out
}

// stemWord stems a folded word; words with digits are kept whole because
// stemming "1990s" or "covid19" only loses information.
func stemWord(w string) string {
	for _, r := range w {
		if r >= '0' && r <= '9' {
			return w
		}
	}
	if !isASCII(w) {
		// The Porter2 stemmer is for English; other scripts are kept as written.
		return w
	}
	return english.Stem(w, true)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// forEachWord folds text and calls fn for every word in it. A possessive
// "'s" is dropped so "Pakistan's" yields "pakistan".
func forEachWord(text string, fn func(string)) {
	folded := fold(text)
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 && b.Len() <= maxTermLen {
			fn(b.String())
		}
		b.Reset()
	}
	rs := []rune(folded)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case (r == '\'' || r == '\u2019') && i+1 < len(rs) && rs[i+1] == 's' &&
			(i+2 == len(rs) || !(unicode.IsLetter(rs[i+2]) || unicode.IsDigit(rs[i+2]))):
			// possessive: skip the apostrophe and the s
			i++
			flush()
		default:
			flush()
		}
	}
	flush()
}

// fold lower-cases text and removes diacritics (é -> e) so accented and
// unaccented spellings of a name match.
func fold(s string) string {
	d := norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
