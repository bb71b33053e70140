package stories

import (
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// maxBoilerplateWords bounds the paragraphs the boilerplate rules may
// drop: footers, bylines and "Contributing:" lines are one or two short
// sentences, and a long paragraph that happens to start with "By" or
// "This story" is article text.
const maxBoilerplateWords = 40

// minParagraphWords drops the scraps between paragraphs that extraction
// leaves ("Advertisement", "Share", "AP Photo/John Doe", a lone dateline):
// they differ from outlet to outlet and say nothing about the event.
const minParagraphWords = 4

// boilerplatePrefixes start the outlet-specific lines that wire copies
// differ by (lower case, compared after leading punctuation is trimmed).
var boilerplatePrefixes = []string{
	"contributing:", "contributing reporting", "contributed reporting", "contributing writer",
	"reporting by", "additional reporting", "editing by", "writing by", "compiled by",
	"by ", "copyright", "©", "(c) ", "follow us", "follow ", "sign up", "subscribe",
	"read more", "read also", "also read", "related:", "see also", "click here",
	"this story", "this article", "the associated press contributed", "associated press writer",
	"our standards", "photo:", "photo by", "image:", "advertisement", "share this",
	"download the", "get the latest", "watch:", "listen:", "more:", "recommended",
}

// boilerplateContains marks a short paragraph as boilerplate wherever the
// phrase appears in it.
var boilerplateContains = []string{
	"all rights reserved", "contributed to this report", "contributed reporting",
	"newsletter", "terms of use", "privacy policy", "cookie",
}

// isBoilerplate reports whether a paragraph is outlet boilerplate rather
// than a report of the event.
func isBoilerplate(p string) bool {
	words := strings.Fields(p)
	if len(words) < minParagraphWords {
		return true
	}
	if len(words) > maxBoilerplateWords {
		return false
	}
	l := strings.ToLower(strings.TrimLeft(p, " \t([-–—*•|"))
	for _, pre := range boilerplatePrefixes {
		if strings.HasPrefix(l, pre) {
			return true
		}
	}
	for _, c := range boilerplateContains {
		if strings.Contains(l, c) {
			return true
		}
	}
	return false
}

// content returns the paragraphs of an article's body that report the
// event: the body (or its passages joined when the body is not loaded)
// split into lines, without boilerplate.
func content(a *corpus.Article) []string {
	body := a.Body
	if body == "" {
		ps := make([]string, len(a.Passages))
		for i, p := range a.Passages {
			ps[i] = p.Text
		}
		body = strings.Join(ps, "\n\n")
	}
	var out []string
	for line := range strings.SplitSeq(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || isBoilerplate(line) {
			continue
		}
		out = append(out, line)
	}
	return out
}

// analysed is an article's text as the fingerprint and the features
// read it: its content paragraphs and their terms, and its title's
// terms. Making it once per article halves the analysis a profile costs.
type analysed struct {
	a          *corpus.Article
	content    []string   // content(a)
	title      []string   // the title's Terms
	paragraphs [][]string // each content paragraph's Terms
}

// analyse analyses a with an.
func analyse(an *corpus.Analyzer, a *corpus.Article) analysed {
	t := analysed{a: a, content: content(a), title: an.Terms(a.Title)}
	t.paragraphs = make([][]string, len(t.content))
	for i, p := range t.content {
		t.paragraphs[i] = an.Terms(p)
	}
	return t
}
