package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Passage sizes, in words (runs of non-space characters).
const (
	// targetWords is the passage size aimed for: three or four news
	// paragraphs, enough that the passage naming an event also holds its
	// who, where and how much (on RealTime QA 2025 ~300-word passages find
	// the answer in the top 10 for 0.469 of questions, ~100-word ones for
	// 0.415; docs/EVAL.md), small enough that the bot's six passages
	// (about 2,500 tokens, at most about 4,000) fit an 8,192-token model
	// context with room for the answer.
	targetWords = 300
	// minWords: a passage shorter than this is cut only at the end of the
	// article, so passages rarely lack context.
	minWords = 200
	// maxWords: no passage grows past this by packing; a longer sentence is
	// cut at word boundaries so prompts stay bounded.
	maxWords = 450
	// tinyWords: a final passage shorter than this is merged into the one
	// before it, since a few trailing words ("Reuter") make a useless hit.
	tinyWords = 30
	// maxMergedWords bounds the passage a tiny remainder is merged into.
	maxMergedWords = 470
)

// abbreviations lists lower-cased words that end with a period without
// ending a sentence. Titles always precede a name; the others end a
// sentence only when a typical sentence opener follows (see Sentences).
// It is a read-only table.
var abbreviations = map[string]abbrevKind{
	"mr": title, "mrs": title, "ms": title, "dr": title, "prof": title, "sen": title,
	"rep": title, "gov": title, "gen": title, "col": title, "lt": title, "sgt": title,
	"capt": title, "cmdr": title, "adm": title, "maj": title, "rev": title, "hon": title,
	"pres": title, "supt": title, "insp": title, "messrs": title, "mme": title,
	"e.g": title, "i.e": title, "cf": title, "approx": title,
	"st": other, "mt": other, "ft": other, "no": other, "nos": other, "vol": other,
	"fig": other, "sec": other, "ch": other, "pp": other, "vs": other, "v": other,
	"jr": other, "sr": other, "inc": other, "co": other, "corp": other, "ltd": other,
	"plc": other, "llc": other, "bros": other, "assn": other, "dept": other,
	"univ": other, "ave": other, "blvd": other, "rd": other, "etc": other, "al": other,
	"jan": other, "feb": other, "mar": other, "apr": other, "jun": other, "jul": other,
	"aug": other, "sep": other, "sept": other, "oct": other, "nov": other, "dec": other,
	"mon": other, "tue": other, "tues": other, "wed": other, "thu": other, "thur": other,
	"thurs": other, "fri": other, "est": other, "a.m": other, "p.m": other,
}

type abbrevKind uint8

const (
	title abbrevKind = iota + 1 // never ends a sentence
	other                       // ends one only before a sentence opener
)

// sentenceOpeners are capitalised words that begin most sentences following
// an ambiguous abbreviation ("... in the U.S. The company said"). It is a
// read-only table.
var sentenceOpeners = map[string]bool{
	"the": true, "a": true, "an": true, "he": true, "she": true, "it": true, "they": true,
	"we": true, "i": true, "you": true, "this": true, "that": true, "these": true,
	"those": true, "but": true, "and": true, "in": true, "on": true, "at": true,
	"for": true, "if": true, "as": true, "its": true, "his": true, "her": true,
	"their": true, "there": true, "what": true, "when": true, "while": true,
	"however": true, "meanwhile": true, "earlier": true, "last": true, "also": true,
	"some": true, "analysts": true, "officials": true, "shares": true, "prices": true,
}

// Sentences splits text into sentences, trimmed, in order; paragraph breaks
// (blank lines) also end a sentence. It is a heuristic tuned for news:
// a sentence ends at ".", "!", "?" or "…" (plus any closing quotes or
// brackets) followed by space, except after titles such as "Mr." and "Dr.",
// single initials ("John F. Kennedy"), before a lower-case word or a
// number ("Jan. 5", "5 pct. of"), and after ambiguous abbreviations such
// as "U.S.", "Inc." or "Jan." unless a typical sentence opener ("The",
// "He", ...) follows. Decimals ("5.93") never split because no space
// follows their period.
//
// Joining the sentences with spaces gives back the words of text in order.
func Sentences(text string) []string {
	var out []string
	for _, p := range splitParagraphs(text) {
		out = appendSentences(out, p)
	}
	return out
}

func appendSentences(out []string, p string) []string {
	start := 0
	for i := 0; i < len(p); {
		var r rune
		if c := p[i]; c < utf8.RuneSelf {
			// ASCII, most of the text: no rune to decode
			i++
			if c != '.' && c != '!' && c != '?' {
				continue
			}
			r = rune(c)
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(p[i:])
			i += size
			if r != '…' {
				continue
			}
		}
		end := i // just past the terminator run and its closers
		for end < len(p) {
			r2, s2 := utf8.DecodeRuneInString(p[end:])
			if r2 == '.' || r2 == '!' || r2 == '?' || r2 == '…' || strings.ContainsRune(closers, r2) {
				end += s2
				continue
			}
			break
		}
		i = end
		if end >= len(p) {
			break
		}
		r2, _ := utf8.DecodeRuneInString(p[end:])
		if !unicode.IsSpace(r2) {
			continue
		}
		if !isBoundary(p[start:end], r, strings.TrimLeftFunc(p[end:], unicode.IsSpace)) {
			continue
		}
		if s := strings.TrimSpace(p[start:end]); s != "" {
			out = append(out, s)
		}
		start = end
	}
	if s := strings.TrimSpace(p[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// isBoundary decides whether the sentence candidate cand (ending with the
// terminator term and maybe closers) really ends before rest.
func isBoundary(cand string, term rune, rest string) bool {
	next := strings.TrimLeftFunc(rest, func(r rune) bool {
		return strings.ContainsRune("\"'([{‘“«‹¿¡-—–", r)
	})
	first, _ := utf8.DecodeRuneInString(next)
	if unicode.IsLower(first) {
		return false // sentences do not start in lower case
	}
	if term != '.' {
		return true
	}
	// The word the period belongs to, without closers and the period.
	trimmed := strings.TrimRight(cand, closers)
	if len(trimmed) < len(cand) {
		return true // `said."`: a closing quote after the period is a real end
	}
	word := strings.TrimSuffix(trimmed, ".")
	if k := strings.LastIndexFunc(word, unicode.IsSpace); k >= 0 {
		word = word[k+1:]
	}
	word = strings.TrimLeft(word, "\"'([{‘“«")
	if word == "" || strings.HasSuffix(word, ".") {
		return true // an ellipsis "..." or a lone period
	}
	if r, n := utf8.DecodeRuneInString(word); n == len(word) && unicode.IsUpper(r) {
		return false // an initial: "John F. Kennedy"
	}
	kind := abbreviations[strings.ToLower(word)]
	if kind == 0 && isDottedAcronym(word) {
		kind = other
	}
	switch kind {
	case title:
		return false
	case other:
		opener := next
		if k := strings.IndexFunc(opener, func(r rune) bool { return !unicode.IsLetter(r) }); k >= 0 {
			opener = opener[:k]
		}
		return sentenceOpeners[strings.ToLower(opener)]
	}
	return true
}

// isDottedAcronym reports words like "U.S" or "e.g" (the final period
// already removed): single letters separated by periods.
func isDottedAcronym(w string) bool {
	parts := strings.Split(w, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if utf8.RuneCountInString(p) != 1 {
			return false
		}
		if r, _ := utf8.DecodeRuneInString(p); !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// piece is a run of text that Chunk keeps together: a sentence, or part of
// an overlong one.
type piece struct {
	text     string
	words    int
	paraHead bool // first piece of its paragraph
}

// Chunk splits an article body (paragraphs separated by blank lines) into
// passages of about 200-450 words, the unit the index stores and retrieval
// returns. It packs whole paragraphs while a passage stays near 300 words,
// prefers to cut between paragraphs, otherwise cuts between sentences, and
// cuts inside a sentence only when that sentence alone exceeds 450 words.
// A final remainder under 30 words joins the passage before it when that
// passage stays within 470 words. Within a passage, paragraphs are
// separated by "\n\n" and other whitespace is a single space.
//
// Every word (strings.Fields) of body appears in exactly one passage, in
// order, and no passage is empty.
func Chunk(body string) []string {
	var chunks []string
	var cur []piece
	curWords := 0
	flush := func() {
		if len(cur) > 0 {
			chunks = append(chunks, joinPieces(cur))
			cur, curWords = nil, 0
		}
	}
	add := func(ps ...piece) {
		for _, p := range ps {
			cur = append(cur, p)
			curWords += p.words
		}
	}
	for _, para := range splitParagraphs(body) {
		pieces := paragraphPieces(para)
		paraWords := 0
		for _, p := range pieces {
			paraWords += p.words
		}
		if curWords == 0 && paraWords <= maxWords {
			add(pieces...) // a whole paragraph is the best passage there is
			continue
		}
		if curWords > 0 {
			if curWords+paraWords <= maxWords && closerToTarget(curWords+paraWords, curWords) {
				add(pieces...)
				continue
			}
			if curWords >= minWords {
				flush()
			}
		}
		for _, p := range pieces {
			if curWords > 0 && (curWords+p.words > maxWords ||
				(curWords >= minWords && !closerToTarget(curWords+p.words, curWords))) {
				flush()
			}
			add(p)
		}
	}
	// Merge a tiny remainder into the previous passage.
	if len(cur) > 0 && len(chunks) > 0 && curWords < tinyWords {
		prevWords := len(strings.Fields(chunks[len(chunks)-1]))
		if prevWords+curWords <= maxMergedWords {
			sep := " "
			if cur[0].paraHead {
				sep = "\n\n"
			}
			chunks[len(chunks)-1] += sep + joinPieces(cur)
			cur = nil
		}
	}
	flush()
	return chunks
}

// closerToTarget reports whether a passage of grown words is at least as
// close to targetWords as one of cur words.
func closerToTarget(grown, cur int) bool {
	return abs(grown-targetWords) <= abs(cur-targetWords)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// paragraphPieces splits a paragraph into sentences, and sentences longer
// than maxWords into even parts, each marked with its word count.
func paragraphPieces(para string) []piece {
	var out []piece
	for _, s := range appendSentences(nil, para) {
		if n, ok := singleSpaced(s); ok && n <= maxWords {
			out = append(out, piece{text: s, words: n})
			continue
		}
		words := strings.Fields(s)
		if len(words) <= maxWords {
			out = append(out, piece{text: strings.Join(words, " "), words: len(words)})
			continue
		}
		parts := (len(words) + maxWords - 1) / maxWords
		size := (len(words) + parts - 1) / parts
		for i := 0; i < len(words); i += size {
			j := min(i+size, len(words))
			out = append(out, piece{text: strings.Join(words[i:j], " "), words: j - i})
		}
	}
	if len(out) > 0 {
		out[0].paraHead = true
	}
	return out
}

// singleSpaced reports whether s is already its words joined by single
// spaces (as NormalizeText leaves text), and counts them: then s is its
// own strings.Join(strings.Fields(s), " "), with no slice to build.
func singleSpaced(s string) (words int, ok bool) {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return 0, false
	}
	words = 1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' {
				if s[i-1] == ' ' {
					return 0, false
				}
				words++
			} else if asciiSpace(c) {
				return 0, false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return 0, false
		}
		i += size - 1
	}
	return words, true
}

// joinPieces joins pieces with a space inside a paragraph and a blank line
// between paragraphs.
func joinPieces(ps []piece) string {
	n := 0
	for _, p := range ps {
		n += len(p.text) + len("\n\n")
	}
	// One allocation: growing the builder piece by piece allocated three
	// times the text of every chunk in a bulk ingest.
	var b strings.Builder
	b.Grow(n)
	for i, p := range ps {
		if i > 0 {
			if p.paraHead {
				b.WriteString("\n\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(p.text)
	}
	return b.String()
}
