package corpus

import (
	"unicode"
	"unicode/utf8"

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
// what keeps any user input out of query syntax wherever terms go.
func Terms(text string) []string {
	var out []string
	folded := appendFold(nil, text)
	forEachWord(folded, func(start, end int) {
		out = append(out, stemWord(string(folded[start:end])))
	})
	return out
}

// QueryTerms is Terms without English stop words and without repeats, in
// first-seen order: the terms of a question worth searching for.
func QueryTerms(text string) []string { return queryTerms(text, stemWord) }

// queryTerms is QueryTerms with the stemmer given (an Analyzer's cache or
// none).
func queryTerms(text string, stem func(string) string) []string {
	seen := make(map[string]bool)
	var out []string
	folded := appendFold(nil, text)
	forEachWord(folded, func(start, end int) {
		w := string(folded[start:end])
		if english.IsStopWord(w) {
			return
		}
		t := stem(w)
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

// forEachWord calls fn for every word of folded text (see appendFold): the
// runs of letters and digits of at most maxTermLen bytes, given as their
// start and end in folded. A possessive "'s" is dropped so "Pakistan's"
// yields "pakistan". Words are spans, not copies, because folded text is
// valid UTF-8 and a word is a run of whole runes.
func forEachWord(folded []byte, fn func(start, end int)) {
	start := 0 // of the current word
	flush := func(end int) {
		if n := end - start; n > 0 && n <= maxTermLen {
			fn(start, end)
		}
	}
	for i := 0; i < len(folded); {
		c := folded[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9', 'A' <= c && c <= 'Z':
				i++
				continue
			case c == '\'' && isPossessiveS(folded[i+1:]):
				flush(i)
				i += 2
			default:
				flush(i)
				i++
			}
			start = i
			continue
		}
		r, size := utf8.DecodeRune(folded[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			i += size
			continue
		case r == '\u2019' && isPossessiveS(folded[i+size:]):
			flush(i)
			i += size + 1
		default:
			flush(i)
			i += size
		}
		start = i
	}
	flush(len(folded))
}

// isPossessiveS reports whether rest, the text after an apostrophe, is an
// "s" that ends a word.
func isPossessiveS(rest []byte) bool {
	if len(rest) == 0 || rest[0] != 's' {
		return false
	}
	if len(rest) == 1 {
		return true
	}
	r, _ := utf8.DecodeRune(rest[1:])
	return !(unicode.IsLetter(r) || unicode.IsDigit(r))
}

// fold lower-cases text and removes diacritics (é -> e) so accented and
// unaccented spellings of a name match.
func fold(s string) string {
	return string(appendFold(nil, s))
}

// appendFold appends s folded to dst: the runes of the compatibility
// decomposition (NFKD) of s that are not nonspacing marks (Mn), each lower
// cased. Invalid UTF-8 becomes U+FFFD.
//
// Text is mostly ASCII, which NFKD leaves alone, and every ASCII character
// is a starter, so no decomposition or reordering of combining marks
// crosses it: NFKD of s is the ASCII runs as they are with NFKD of each
// run of non-ASCII bytes between them. Only those runs go through norm.
// Invalid UTF-8 is the exception: norm reads a bad byte together with what
// follows it, so text holding one is folded whole, the slow way.
func appendFold(dst []byte, s string) []byte {
	base := len(dst)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		j := i + 1
		for j < len(s) && s[j] >= utf8.RuneSelf {
			j++
		}
		if !utf8.ValidString(s[i:j]) {
			return appendFoldRunes(dst[:base], norm.NFKD.String(s))
		}
		dst = appendFoldRunes(dst, norm.NFKD.String(s[i:j]))
		i = j
	}
	return dst
}

// appendFoldRunes appends the runes of decomposed text d to dst without
// nonspacing marks, lower-cased.
func appendFoldRunes(dst []byte, d string) []byte {
	for _, r := range d {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			dst = append(dst, byte(r))
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}
