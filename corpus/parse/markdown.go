package parse

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// maxFrontMatterLines bounds the search for the closing "---" of a front
// matter block: real blocks are a handful of lines, and a document that
// merely starts with a horizontal rule must not lose its text.
const maxFrontMatterLines = 50

// Markdown syntax that is removed, keeping the text it marks up. Compiled
// regular expressions are immutable and safe for concurrent use.
var (
	mdHeading   = regexp.MustCompile(`^\s{0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$`)
	mdRule      = regexp.MustCompile(`^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|=+)\s*$`)
	mdRefDef    = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*\S+.*$`)
	mdImage     = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink      = regexp.MustCompile(`\[([^\]]+)\]\([^)]*\)`)
	mdRefLink   = regexp.MustCompile(`\[([^\]]+)\]\[[^\]]*\]`)
	mdAutoLink  = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	mdBold      = regexp.MustCompile(`\*\*(\S(?:[^*]*?\S)?)\*\*|__(\S(?:[^_]*?\S)?)__`)
	mdStrike    = regexp.MustCompile(`~~(\S(?:[^~]*?\S)?)~~`)
	mdItalicAst = regexp.MustCompile(`(^|[^\w*])\*(\S(?:[^*]*?\S)?)\*`)
	mdItalicUnd = regexp.MustCompile(`(^|[^\w_])_(\S(?:[^_]*?\S)?)_([^\w_]|$)`)
	mdCode      = regexp.MustCompile("`([^`]+)`")
)

// parseMarkdown reads a Markdown article: front matter (if any) gives the
// metadata, otherwise the first non-empty line is the title; the body has
// its Markdown syntax stripped. warn hears of metadata it cannot use.
func parseMarkdown(text string, warn func(error)) corpus.Article {
	var a corpus.Article
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if meta, rest, ok := frontMatter(lines); ok {
		lines = rest
		a.Title = meta["title"]
		a.URL = firstNonEmpty(meta["url"], meta["link"], meta["canonical_url"])
		a.Source = firstNonEmpty(meta["source"], meta["outlet"], meta["publisher"], meta["site"])
		a.Author = strings.Trim(firstNonEmpty(meta["author"], meta["authors"], meta["byline"]), "[]")
		if d := firstNonEmpty(meta["date"], meta["published_at"], meta["published"], meta["publish_date"], meta["pubdate"]); d != "" {
			t, err := ParseDate(d)
			if err != nil {
				warn(fmt.Errorf("front matter: %w", err))
			}
			a.PublishedAt = t
		}
	}
	if a.Title == "" {
		for i, line := range lines {
			if strings.TrimSpace(line) == "" {
				continue
			}
			if mdRule.MatchString(line) {
				break // no title line; the body starts with a rule
			}
			a.Title = stripInline(strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "#")))
			lines = lines[i+1:]
			break
		}
	}
	a.Body = dropLeadParagraphs(corpus.NormalizeText(markdownText(lines)), a.Title, false)
	return a
}

// frontMatter splits a leading "---" block of "key: value" lines from
// lines. Keys are lower-cased and values lose surrounding quotes.
func frontMatter(lines []string) (map[string]string, []string, bool) {
	if len(lines) == 0 || strings.TrimSpace(strings.TrimPrefix(lines[0], "\uFEFF")) != "---" {
		return nil, lines, false
	}
	for i := 1; i < len(lines) && i <= maxFrontMatterLines; i++ {
		t := strings.TrimSpace(lines[i])
		if t != "---" && t != "..." {
			continue
		}
		meta := make(map[string]string)
		for _, l := range lines[1:i] {
			k, v, ok := strings.Cut(l, ":")
			if !ok || strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
				continue
			}
			k = strings.ToLower(strings.TrimSpace(k))
			v = strings.TrimSpace(v)
			if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
				v = v[1 : len(v)-1]
			}
			if _, dup := meta[k]; !dup {
				meta[k] = v
			}
		}
		return meta, lines[i+1:], true
	}
	return nil, lines, false
}

// markdownText strips block and inline Markdown syntax from lines, keeping
// headings as paragraphs of their own and fenced code as is.
func markdownText(lines []string) string {
	var out []string
	inFence := false
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			inFence = !inFence
			out = append(out, "")
			continue
		}
		if inFence {
			out = append(out, line)
			continue
		}
		switch {
		case mdRule.MatchString(line):
			out = append(out, "")
			continue
		case mdRefDef.MatchString(line):
			continue
		}
		if m := mdHeading.FindStringSubmatch(line); m != nil {
			out = append(out, "", stripInline(m[1]), "")
			continue
		}
		for {
			s := strings.TrimLeft(line, " ")
			if !strings.HasPrefix(s, ">") {
				break
			}
			line = strings.TrimPrefix(s[1:], " ")
		}
		out = append(out, stripInline(line))
	}
	return strings.Join(out, "\n")
}

// stripInline removes inline Markdown: links and images keep their text,
// emphasis and code markers go.
func stripInline(s string) string {
	if !strings.ContainsAny(s, "[]<*_~`") {
		return s
	}
	s = mdImage.ReplaceAllString(s, "$1")
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdRefLink.ReplaceAllString(s, "$1")
	s = mdAutoLink.ReplaceAllString(s, "$1")
	s = mdCode.ReplaceAllString(s, "$1")
	s = mdBold.ReplaceAllString(s, "$1$2")
	s = mdStrike.ReplaceAllString(s, "$1")
	s = mdItalicAst.ReplaceAllString(s, "$1$2")
	s = mdItalicUnd.ReplaceAllString(s, "$1$2$3")
	return s
}

// firstNonEmpty returns the first of vals that is not blank.
func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
