package corpus

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxDerivedTitleRunes bounds a title made from the first sentence of an
// untitled article: long enough to say what it is about, short enough for a
// citation line in Discord.
const maxDerivedTitleRunes = 100

// Prepare turns an article as read or typed into the form the store keeps:
// Title, Source and Author on one line with whitespace collapsed; Body
// normalised (NormalizeText) with repeated paragraphs dropped
// (DedupParagraphs); URL canonical (CanonicalURL); Scope GlobalScope when
// empty; Hash the ContentHash of the body; and Passages the chunks of the
// body (Chunk) numbered from 0. An article without a title gets the first
// sentence of its body, cut at a word boundary near 100 characters.
//
// Prepare returns an error wrapping ErrInvalid when the body is empty or
// binary (see CheckText), or the URL is not an http(s) URL. Calling it again on its result changes nothing.
func Prepare(a *Article) error {
	if a == nil {
		return invalidf("prepare article: nil article")
	}
	// Readers check raw bytes before decoding them; this catches binary
	// data that came as a string (a JSON field, pasted text).
	if err := CheckText([]byte(a.Body)); err != nil {
		return fmt.Errorf("prepare article %q: %w", truncate(oneLine(a.Title), 100), err)
	}
	a.Body = DedupParagraphs(NormalizeText(a.Body))
	if a.Body == "" {
		return fmt.Errorf("prepare article %q: %w", truncate(oneLine(a.Title), 100), invalidf("the article has no text"))
	}
	u, err := CanonicalURL(a.URL)
	if err != nil {
		return fmt.Errorf("prepare article: %w", err)
	}
	a.URL = u
	a.Title = oneLine(a.Title)
	if a.Title == "" {
		a.Title = deriveTitle(a.Body)
	}
	a.Source = oneLine(a.Source)
	a.Author = oneLine(a.Author)
	a.Scope = strings.TrimSpace(a.Scope)
	if a.Scope == "" {
		a.Scope = GlobalScope
	}
	a.Hash = ContentHash(a.Body)
	chunks := Chunk(a.Body)
	a.Passages = make([]Passage, len(chunks))
	for i, c := range chunks {
		a.Passages[i] = Passage{ArticleID: a.ID, Seq: i, Text: c}
	}
	return nil
}

// oneLine normalises s and joins its lines with spaces: titles, outlets and
// bylines are shown on a single line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(NormalizeText(s)), " ")
}

// deriveTitle makes a title from the first sentence of body.
func deriveTitle(body string) string {
	first := body
	if s := Sentences(body); len(s) > 0 {
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
