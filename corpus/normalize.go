package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Hard-wrap detection. Newswire bodies (Reuters) and plain-text mail are
// wrapped at a fixed width with single newlines inside paragraphs, while
// scraped and pasted text puts one paragraph on each line. The two look
// different: wrapped lines are of middling length and rarely end a sentence.
const (
	// minWrapRunes: a line shorter than this is a heading, list item or
	// the end of a paragraph, never evidence of hard wrapping.
	minWrapRunes = 30
	// maxWrapRunes: nobody hard-wraps wider than this; a longer line is a
	// whole paragraph on one line.
	maxWrapRunes = 120
	// wrappedShare is the share of joinable lines that must look wrapped
	// before single newlines are read as spaces: half, because a two-line
	// wrapped paragraph has one wrapped line and one that ends a sentence,
	// while a stray unpunctuated heading in one-paragraph-per-line text
	// stays a small minority.
	wrappedShare = 0.5
	// shortLastLine: in hard-wrapped text a line ending a sentence and
	// shorter than this share of the wrap width ends its paragraph, which
	// catches wrapped text that separates paragraphs without indentation.
	shortLastLine = 0.6
)

// NormalizeText cleans article text so that equal stories compare equal and
// downstream code (chunking, hashing, display) sees one shape of text:
// Unicode NFC, no control, zero-width or bidi-control characters, every
// other space character turned into a plain space, runs of spaces collapsed
// to one, and paragraphs separated by exactly "\n\n" with no blank
// paragraphs and no surrounding space.
//
// Paragraphs are found with this rule, which handles both hard-wrapped
// newswire text and one-paragraph-per-line text:
//   - a blank line always ends a paragraph;
//   - a line break followed by indentation (a space or tab) or by a list
//     bullet always ends a paragraph (Reuters indents each new paragraph);
//   - any other single line break is a space if the text looks hard-wrapped
//     and a paragraph break otherwise. Text looks hard-wrapped when at least
//     half of the lines that such a break follows are 30-120 characters long
//     and do not end with sentence punctuation. In hard-wrapped text a short
//     line that ends a sentence still ends its paragraph.
//
// NormalizeText is idempotent.
func NormalizeText(s string) string {
	s = cleanRunes(s)
	lines := strings.Split(s, "\n")
	wrapped, width := looksHardWrapped(lines)

	out := make([]byte, 0, len(s))
	para := -1 // start in out of the paragraph being built, -1 if none
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			para = -1
			continue
		}
		if para >= 0 && i > 0 && startsParagraph(lines[i-1], line, wrapped, width) {
			para = -1
		}
		if para < 0 {
			// A trimmed non-blank line has a word, so every paragraph
			// started here is non-empty.
			if len(out) > 0 {
				out = append(out, "\n\n"...)
			}
			para = len(out)
		}
		out = appendFields(out, trimmed, para)
	}
	return string(out)
}

// appendFields appends the words of s (strings.Fields) to dst, each
// preceded by a space when dst is longer than base: with base the start of
// a line being built, it is strings.Join(strings.Fields(s), " ") without
// the slice, and lines appended in turn are joined by one space.
func appendFields(dst []byte, s string, base int) []byte {
	for i := 0; i < len(s); {
		// skip spaces
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiSpace(c) {
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(s[i:]); unicode.IsSpace(r) {
			i += size
			continue
		}
		j := i
		for j < len(s) {
			c := s[j]
			if c < utf8.RuneSelf {
				if asciiSpace(c) {
					break
				}
				j++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		if len(dst) > base {
			dst = append(dst, ' ')
		}
		dst = append(dst, s[i:j]...)
		i = j
	}
	return dst
}

// asciiSpace is unicode.IsSpace for an ASCII byte.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// startsParagraph reports whether line begins a new paragraph after prev,
// both non-blank lines of the same text.
func startsParagraph(prev, line string, wrapped bool, width int) bool {
	if !wrapped {
		return true
	}
	if line[0] == ' ' || line[0] == '\t' || isBulletLine(line) {
		return true
	}
	p := strings.TrimSpace(prev)
	return endsSentence(p) && float64(utf8.RuneCountInString(p)) < shortLastLine*float64(width)
}

// looksHardWrapped applies the hard-wrap rule of NormalizeText to lines and
// returns the wrap width (the longest wrapped-looking line) too.
func looksHardWrapped(lines []string) (bool, int) {
	joinable, wrappedLike, width := 0, 0, 0
	for i := 0; i+1 < len(lines); i++ {
		cur, next := strings.TrimSpace(lines[i]), lines[i+1]
		if cur == "" || strings.TrimSpace(next) == "" || next[0] == ' ' || next[0] == '\t' || isBulletLine(next) {
			continue
		}
		joinable++
		n := utf8.RuneCountInString(cur)
		if n >= minWrapRunes && n <= maxWrapRunes && !endsSentence(cur) {
			wrappedLike++
			width = max(width, n)
		}
	}
	if joinable == 0 || wrappedLike == 0 {
		return false, 0
	}
	return float64(wrappedLike) >= wrappedShare*float64(joinable), width
}

// isBulletLine reports whether a line starts a list item ("- x", "* x",
// "• x"), which is its own paragraph even in hard-wrapped text.
func isBulletLine(line string) bool {
	t := strings.TrimLeft(line, " \t")
	for _, b := range []string{"- ", "* ", "+ ", "• ", "· ", "– "} {
		if strings.HasPrefix(t, b) {
			return true
		}
	}
	return false
}

// endsSentence reports whether s ends with sentence punctuation, allowing
// closing quotes and brackets after it.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, closers)
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(".!?…:;", r)
}

// closers are the closing quotes and brackets that may follow a sentence's
// final punctuation.
const closers = "\"')]}’”»›"

// cleanRunes applies the character-level rules of NormalizeText:
// line endings become "\n", paragraph separators "\n\n", other spaces
// " ", invisible or control characters disappear, and the result is NFC.
func cleanRunes(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	ascii := true
	for i := 0; i < len(s); {
		if c := s[i]; c >= ' ' && c < 0x7F {
			// printable ASCII, nearly all text: copied as a run
			j := i + 1
			for j < len(s) && s[j] >= ' ' && s[j] < 0x7F {
				j++
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				break // the \n that follows is the line break
			}
			b.WriteByte('\n')
		case r == '\v' || r == '\f' || r == '\u0085' || r == '\u2028':
			b.WriteByte('\n')
		case r == '\u2029':
			b.WriteString("\n\n")
		case IsInvisible(r) || unicode.IsControl(r):
			// dropped
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
			ascii = false
		}
		i += size
	}
	if ascii {
		return b.String() // ASCII is NFC
	}
	// NFC last: dropping a control character can bring a combining mark
	// next to a new base character.
	return norm.NFC.String(b.String())
}

// DedupParagraphs drops every paragraph of body (paragraphs separated by
// blank lines) that repeats an earlier one, comparing case-folded text with
// whitespace collapsed. Scraped articles often repeat their lead or a
// pull-quote, which would otherwise be indexed twice and skew ranking.
// The kept paragraphs are joined with "\n\n".
func DedupParagraphs(body string) string {
	var fold *cases.Caser // made on the first paragraph that is not ASCII
	seen := make(map[string]bool)
	out := make([]byte, 0, len(body))
	var key []byte
	for _, p := range splitParagraphs(body) {
		key = appendFields(key[:0], p, 0)
		var k string
		if foldsAsASCII(key) {
			// Case folding maps ASCII to ASCII lower case and leaves
			// punctuation alone, so this is what the caser would give,
			// without its cost.
			for i, c := range key {
				if 'A' <= c && c <= 'Z' {
					key[i] = c + 'a' - 'A'
				}
			}
			k = string(key)
		} else {
			if fold == nil {
				c := cases.Fold()
				fold = &c
			}
			k = fold.String(string(key))
		}
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		if len(out) > 0 {
			out = append(out, "\n\n"...)
		}
		out = append(out, p...)
	}
	return string(out)
}

// foldsAsASCII reports whether case folding b only lower-cases its ASCII
// letters: b holds nothing but ASCII and General Punctuation from U+2010 to
// U+205E (dashes, curly quotes, bullets, ellipsis), which has no case and
// is common in news text. Other text goes through the caser.
func foldsAsASCII(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r < 0x2010 || r > 0x205E {
			return false
		}
		i += size
	}
	return true
}

// splitParagraphs splits text at blank lines (lines holding only spaces)
// and returns the trimmed, non-empty paragraphs, with "\r\n" read as "\n".
// A paragraph is a slice of text (of a copy without "\r\n" if text has
// one), not a join of its lines, so splitting costs no copying.
func splitParagraphs(text string) []string {
	if strings.Contains(text, "\r\n") {
		text = strings.ReplaceAll(text, "\r\n", "\n")
	}
	var out []string
	start, end := -1, 0 // the current paragraph's lines are text[start:end]
	flush := func() {
		if start >= 0 {
			if p := strings.TrimSpace(text[start:end]); p != "" {
				out = append(out, p)
			}
		}
		start = -1
	}
	for i := 0; i <= len(text); {
		j := strings.IndexByte(text[i:], '\n')
		if j < 0 {
			j = len(text)
		} else {
			j += i
		}
		if strings.TrimSpace(text[i:j]) == "" {
			flush()
		} else {
			if start < 0 {
				start = i
			}
			end = j
		}
		i = j + 1
	}
	flush()
	return out
}
