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

	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			if p := strings.Join(strings.Fields(strings.Join(cur, " ")), " "); p != "" {
				paras = append(paras, p)
			}
			cur = cur[:0]
		}
	}
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			flush()
			continue
		}
		if i > 0 && len(cur) > 0 && startsParagraph(lines[i-1], line, wrapped, width) {
			flush()
		}
		cur = append(cur, trimmed)
	}
	flush()
	return strings.Join(paras, "\n\n")
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
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue // the \n that follows is the line break
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
		}
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
	fold := cases.Fold()
	seen := make(map[string]bool)
	var out []string
	for _, p := range splitParagraphs(body) {
		key := fold.String(strings.Join(strings.Fields(p), " "))
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, p)
	}
	return strings.Join(out, "\n\n")
}

// splitParagraphs splits text at blank lines (lines holding only spaces)
// and returns the trimmed, non-empty paragraphs.
func splitParagraphs(text string) []string {
	var out []string
	var cur []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(cur, "\n")); p != "" {
			out = append(out, p)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}
