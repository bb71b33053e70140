package corpus

// The implementations of the text functions before they were made fast,
// kept as the reference the fast ones must equal byte for byte.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// From analyze.go.

// refTerms analyses text into the terms the full-text index holds: text is
// folded (compatibility decomposition, diacritics removed, lower case), split
// on every rune that is not a letter or digit, and each word is stemmed with
// the English Porter2 stemmer; numbers are kept as written. The index and the
// query side both call refTerms, so a question matches the words of an article
// whatever their inflection ("recognised" and "recognise" meet).
//
// Every returned term consists only of lower-case letters and digits, which is
// what makes terms safe to quote in an FTS5 expression.
func refTerms(text string) []string {
	var out []string
	refForEachWord(text, func(w string) {
		out = append(out, refStemWord(w))
	})
	return out
}

// refQueryTerms is refTerms without English stop words and without repeats, in
// first-seen order: the terms of a question worth searching for.
func refQueryTerms(text string) []string {
	seen := make(map[string]bool)
	var out []string
	refForEachWord(text, func(w string) {
		if english.IsStopWord(w) {
			return
		}
		t := refStemWord(w)
		if t == "" || seen[t] {
			return
		}
		seen[t] = true
		out = append(out, t)
	})
	return out
}

// refStemWord stems a folded word; words with digits are kept whole because
// stemming "1990s" or "covid19" only loses information.
func refStemWord(w string) string {
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

// refForEachWord folds text and calls fn for every word in it. A possessive
// "'s" is dropped so "Pakistan's" yields "pakistan".
func refForEachWord(text string, fn func(string)) {
	folded := refFold(text)
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

// refFold lower-cases text and removes diacritics (é -> e) so accented and
// unaccented spellings of a name match.
func refFold(s string) string {
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

// From normalize.go.

// refNormalizeText cleans article text so that equal stories compare equal and
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
// refNormalizeText is idempotent.
func refNormalizeText(s string) string {
	s = refCleanRunes(s)
	lines := strings.Split(s, "\n")
	wrapped, width := refLooksHardWrapped(lines)

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
		if i > 0 && len(cur) > 0 && refStartsParagraph(lines[i-1], line, wrapped, width) {
			flush()
		}
		cur = append(cur, trimmed)
	}
	flush()
	return strings.Join(paras, "\n\n")
}

// refStartsParagraph reports whether line begins a new paragraph after prev,
// both non-blank lines of the same text.
func refStartsParagraph(prev, line string, wrapped bool, width int) bool {
	if !wrapped {
		return true
	}
	if line[0] == ' ' || line[0] == '\t' || refIsBulletLine(line) {
		return true
	}
	p := strings.TrimSpace(prev)
	return refEndsSentence(p) && float64(utf8.RuneCountInString(p)) < shortLastLine*float64(width)
}

// refLooksHardWrapped applies the hard-wrap rule of refNormalizeText to lines and
// returns the wrap width (the longest wrapped-looking line) too.
func refLooksHardWrapped(lines []string) (bool, int) {
	joinable, wrappedLike, width := 0, 0, 0
	for i := 0; i+1 < len(lines); i++ {
		cur, next := strings.TrimSpace(lines[i]), lines[i+1]
		if cur == "" || strings.TrimSpace(next) == "" || next[0] == ' ' || next[0] == '\t' || refIsBulletLine(next) {
			continue
		}
		joinable++
		n := utf8.RuneCountInString(cur)
		if n >= minWrapRunes && n <= maxWrapRunes && !refEndsSentence(cur) {
			wrappedLike++
			width = max(width, n)
		}
	}
	if joinable == 0 || wrappedLike == 0 {
		return false, 0
	}
	return float64(wrappedLike) >= wrappedShare*float64(joinable), width
}

// refIsBulletLine reports whether a line starts a list item ("- x", "* x",
// "• x"), which is its own paragraph even in hard-wrapped text.
func refIsBulletLine(line string) bool {
	t := strings.TrimLeft(line, " \t")
	for _, b := range []string{"- ", "* ", "+ ", "• ", "· ", "– "} {
		if strings.HasPrefix(t, b) {
			return true
		}
	}
	return false
}

// refEndsSentence reports whether s ends with sentence punctuation, allowing
// closing quotes and brackets after it.
func refEndsSentence(s string) bool {
	s = strings.TrimRight(s, closers)
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(".!?…:;", r)
}

// refCleanRunes applies the character-level rules of refNormalizeText:
// line endings become "\n", paragraph separators "\n\n", other spaces
// " ", invisible or control characters disappear, and the result is NFC.
func refCleanRunes(s string) string {
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

// refDedupParagraphs drops every paragraph of body (paragraphs separated by
// blank lines) that repeats an earlier one, comparing case-folded text with
// whitespace collapsed. Scraped articles often repeat their lead or a
// pull-quote, which would otherwise be indexed twice and skew ranking.
// The kept paragraphs are joined with "\n\n".
func refDedupParagraphs(body string) string {
	refFold := cases.Fold()
	seen := make(map[string]bool)
	var out []string
	for _, p := range refSplitParagraphs(body) {
		key := refFold.String(strings.Join(strings.Fields(p), " "))
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, p)
	}
	return strings.Join(out, "\n\n")
}

// refSplitParagraphs splits text at blank lines (lines holding only spaces)
// and returns the trimmed, non-empty paragraphs.
func refSplitParagraphs(text string) []string {
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

// From chunk.go.

// refSentences splits text into sentences, trimmed, in order; paragraph breaks
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
func refSentences(text string) []string {
	var out []string
	for _, p := range refSplitParagraphs(text) {
		out = refAppendSentences(out, p)
	}
	return out
}

func refAppendSentences(out []string, p string) []string {
	start := 0
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		i += size
		if r != '.' && r != '!' && r != '?' && r != '…' {
			continue
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
		if !refIsBoundary(p[start:end], r, strings.TrimLeftFunc(p[end:], unicode.IsSpace)) {
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

// refIsBoundary decides whether the sentence candidate cand (ending with the
// terminator term and maybe closers) really ends before rest.
func refIsBoundary(cand string, term rune, rest string) bool {
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
	if kind == 0 && refIsDottedAcronym(word) {
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

// refIsDottedAcronym reports words like "U.S" or "e.g" (the final period
// already removed): single letters separated by periods.
func refIsDottedAcronym(w string) bool {
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

// refPiece is a run of text that refChunk keeps together: a sentence, or part of
// an overlong one.
type refPiece struct {
	text     string
	words    int
	paraHead bool // first refPiece of its paragraph
}

// refChunk splits an article body (paragraphs separated by blank lines) into
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
func refChunk(body string) []string {
	var chunks []string
	var cur []refPiece
	curWords := 0
	flush := func() {
		if len(cur) > 0 {
			chunks = append(chunks, refJoinPieces(cur))
			cur, curWords = nil, 0
		}
	}
	add := func(ps ...refPiece) {
		for _, p := range ps {
			cur = append(cur, p)
			curWords += p.words
		}
	}
	for _, para := range refSplitParagraphs(body) {
		pieces := refParagraphPieces(para)
		paraWords := 0
		for _, p := range pieces {
			paraWords += p.words
		}
		if curWords == 0 && paraWords <= maxWords {
			add(pieces...) // a whole paragraph is the best passage there is
			continue
		}
		if curWords > 0 {
			if curWords+paraWords <= maxWords && refCloserToTarget(curWords+paraWords, curWords) {
				add(pieces...)
				continue
			}
			if curWords >= minWords {
				flush()
			}
		}
		for _, p := range pieces {
			if curWords > 0 && (curWords+p.words > maxWords ||
				(curWords >= minWords && !refCloserToTarget(curWords+p.words, curWords))) {
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
			chunks[len(chunks)-1] += sep + refJoinPieces(cur)
			cur = nil
		}
	}
	flush()
	return chunks
}

// refCloserToTarget reports whether a passage of grown words is at least as
// close to targetWords as one of cur words.
func refCloserToTarget(grown, cur int) bool {
	return abs(grown-targetWords) <= abs(cur-targetWords)
}

// refParagraphPieces splits a paragraph into sentences, and sentences longer
// than maxWords into even parts, each marked with its word count.
func refParagraphPieces(para string) []refPiece {
	var out []refPiece
	for _, s := range refAppendSentences(nil, para) {
		words := strings.Fields(s)
		if len(words) <= maxWords {
			out = append(out, refPiece{text: strings.Join(words, " "), words: len(words)})
			continue
		}
		parts := (len(words) + maxWords - 1) / maxWords
		size := (len(words) + parts - 1) / parts
		for i := 0; i < len(words); i += size {
			j := min(i+size, len(words))
			out = append(out, refPiece{text: strings.Join(words[i:j], " "), words: j - i})
		}
	}
	if len(out) > 0 {
		out[0].paraHead = true
	}
	return out
}

// refJoinPieces joins pieces with a space inside a paragraph and a blank line
// between paragraphs.
func refJoinPieces(ps []refPiece) string {
	var b strings.Builder
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

// From prepare.go.

// refPrepare turns an article as read or typed into the form the store keeps:
// Title, Source and Author on one line with whitespace collapsed; Body
// normalised (refNormalizeText) with repeated paragraphs dropped
// (refDedupParagraphs); URL canonical (CanonicalURL); Scope GlobalScope when
// empty; Hash the refContentHash of the body; and Passages the chunks of the
// body (refChunk) numbered from 0. An article without a title gets the first
// sentence of its body, cut at a word boundary near 100 characters.
//
// refPrepare returns an error wrapping ErrInvalid when the body is empty or
// binary (see CheckText), or the URL is not an http(s) URL. Calling it again on its result changes nothing.
func refPrepare(a *Article) error {
	if a == nil {
		return invalidf("prepare article: nil article")
	}
	// Readers check raw bytes before decoding them; this catches binary
	// data that came as a string (a JSON field, pasted text).
	if err := CheckText([]byte(a.Body)); err != nil { // unchanged: no copy needed
		return fmt.Errorf("prepare article %q: %w", truncate(refOneLine(a.Title), 100), err)
	}
	a.Body = refDedupParagraphs(refNormalizeText(a.Body))
	if a.Body == "" {
		return fmt.Errorf("prepare article %q: %w", truncate(refOneLine(a.Title), 100), invalidf("the article has no text"))
	}
	u, err := CanonicalURL(a.URL)
	if err != nil {
		return fmt.Errorf("prepare article: %w", err)
	}
	a.URL = u
	a.Title = refOneLine(a.Title)
	if a.Title == "" {
		a.Title = refDeriveTitle(a.Body)
	}
	a.Source = refOneLine(a.Source)
	a.Author = refOneLine(a.Author)
	a.Scope = strings.TrimSpace(a.Scope)
	if a.Scope == "" {
		a.Scope = GlobalScope
	}
	a.Hash = refContentHash(a.Body)
	chunks := refChunk(a.Body)
	a.Passages = make([]Passage, len(chunks))
	for i, c := range chunks {
		a.Passages[i] = Passage{ArticleID: a.ID, Seq: i, Text: c}
	}
	return nil
}

// refOneLine normalises s and joins its lines with spaces: titles, outlets and
// bylines are shown on a single line.
func refOneLine(s string) string {
	return strings.Join(strings.Fields(refNormalizeText(s)), " ")
}

// refDeriveTitle makes a title from the first sentence of body.
func refDeriveTitle(body string) string {
	first := body
	if s := refSentences(body); len(s) > 0 {
		first = s[0]
	}
	first = strings.Join(strings.Fields(first), " ")
	if utf8.RuneCountInString(first) <= maxDerivedTitleRunes {
		return first
	}
	var b strings.Builder
	for _, w := range strings.Fields(first) {
		if b.Len() > 0 && utf8.RuneCountInString(b.String())+1+utf8.RuneCountInString(w) > maxDerivedTitleRunes-1 {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	t := b.String()
	if utf8.RuneCountInString(t) > maxDerivedTitleRunes-1 { // one enormous word
		t = string([]rune(t)[:maxDerivedTitleRunes-1])
	}
	return strings.TrimRight(t, ",;:-–— ") + "…"
}

// From url.go.
// refContentHash returns the hex SHA-256 of body after folding case and
// diacritics and removing every rune that is not a letter or digit, so that
// the same story with different whitespace, punctuation, quotes or line
// wrapping hashes the same. Stores use it to refuse duplicate articles.
func refContentHash(body string) string {
	h := sha256.New()
	var buf [4]byte
	for _, r := range refFold(body) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n := utf8.EncodeRune(buf[:], r)
			h.Write(buf[:n])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
