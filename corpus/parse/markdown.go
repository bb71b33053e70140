package parse

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"html"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	ghtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"gopkg.in/yaml.v3"

	"github.com/newsbot/newsbot/corpus"
)

// maxFrontMatterLines bounds the search for the closing "---" of a front
// matter block: real blocks are a handful of lines, and a document that
// merely starts with a horizontal rule must not lose its text.
const maxFrontMatterLines = 50

// parseMarkdown reads a Markdown article: front matter (if any) gives the
// metadata, otherwise the first line of text is the title; the body is the
// document's plain text. warn hears of metadata it cannot use; front matter
// that is not valid YAML refuses the article, naming the line, since its
// title, link and date would otherwise be lost without a word.
func parseMarkdown(text string, warn func(error)) (corpus.Article, error) {
	var a corpus.Article
	text = strings.ReplaceAll(strings.TrimPrefix(text, "\uFEFF"), "\r\n", "\n")
	meta, body, err := frontMatter(text)
	if err != nil {
		return a, err
	}
	if meta != nil {
		text = body
		a.Title = meta["title"]
		a.URL = cmp.Or(meta["url"], meta["link"], meta["canonical_url"])
		a.Source = cmp.Or(meta["source"], meta["outlet"], meta["publisher"], meta["site"])
		a.Author = cmp.Or(meta["author"], meta["authors"], meta["byline"])
		if d := cmp.Or(meta["date"], meta["published_at"], meta["published"], meta["publish_date"], meta["pubdate"]); d != "" {
			t, err := ParseDate(d)
			if err != nil {
				warn(fmt.Errorf("front matter: %w", err))
			}
			a.PublishedAt = t
		}
	}
	blocks, ruleFirst := []string{text}, false
	if markdownFits(text) {
		blocks, ruleFirst = markdownBlocks([]byte(text))
	}
	if a.Title == "" && !ruleFirst {
		// No title in the metadata: the first line of text is the headline
		// (a "# heading" usually), and the rest of its block stays body.
		for i, b := range blocks {
			if strings.TrimSpace(b) == "" {
				continue
			}
			first, rest, _ := strings.Cut(strings.TrimLeft(b, " \t\n"), "\n")
			a.Title = strings.TrimSpace(first)
			blocks[i] = rest
			break
		}
	}
	a.Body = dropLeadParagraphs(corpus.NormalizeText(strings.Join(blocks, "\n\n")), a.Title, false)
	return a, nil
}

// frontMatter splits a leading block between "---" lines (closed by "---" or
// "...") from text and reads it as a YAML mapping: keys lower-cased, the
// first of repeated keys kept, values as text. It returns a nil map when
// text has no such block, or when the block is not a mapping (a horizontal
// rule, a line of text, another rule: Markdown, not metadata).
func frontMatter(text string) (map[string]string, string, error) {
	// Only the lines that may hold the block are split off; the last
	// element is the rest of the document.
	lines := strings.SplitN(text, "\n", maxFrontMatterLines+2)
	if strings.TrimSpace(lines[0]) != "---" {
		return nil, text, nil
	}
	end := 0
	for i := 1; i < len(lines) && i <= maxFrontMatterLines; i++ {
		if t := strings.TrimSpace(lines[i]); t == "---" || t == "..." {
			end = i
			break
		}
	}
	if end == 0 {
		return nil, text, nil // never closed: a rule, not front matter
	}
	block := strings.Join(lines[1:end], "\n")
	body := strings.Join(lines[end+1:], "\n")
	// The leading newline stands for the opening "---", so that the line
	// numbers in YAML's errors are the file's.
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("\n"+block), &doc); err != nil {
		// yaml.v3 starts every message with "yaml: ", which says nothing to
		// the person who wrote the file; the rest names the line.
		return nil, text, corpus.Invalidf(corpus.ErrInvalid, "the front matter (between the --- lines) is not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	meta := make(map[string]string)
	if len(doc.Content) == 0 {
		return meta, body, nil // an empty block
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, text, nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := strings.ToLower(strings.TrimSpace(root.Content[i].Value))
		if _, dup := meta[k]; !dup {
			meta[k] = yamlText(root.Content[i+1])
		}
	}
	return meta, body, nil
}

// yamlText is a front matter value as text: a scalar as written (dates
// stay text for ParseDate), a list's scalars joined with commas ("authors:
// [Ann, Bob]"), a mapping by its "name" key (Hugo's author objects).
// Lists and mappings are read one level deep, so aliases cannot multiply
// the work (a "billion laughs" block stays a few lines of reading).
func yamlText(n *yaml.Node) string {
	n = unalias(n)
	switch n.Kind {
	case yaml.ScalarNode:
		return yamlScalar(n)
	case yaml.SequenceNode:
		var vals []string
		for _, c := range n.Content {
			if v := yamlScalar(unalias(c)); v != "" {
				vals = append(vals, v)
			}
		}
		return strings.Join(vals, ", ")
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if strings.EqualFold(n.Content[i].Value, "name") {
				return yamlScalar(unalias(n.Content[i+1]))
			}
		}
	}
	return ""
}

// yamlScalar is n's text on one line if n is a scalar other than null,
// else "": a title, a name or a link has no line breaks, though a quoted
// or folded YAML string may.
func yamlScalar(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return ""
	}
	return strings.Join(strings.Fields(n.Value), " ")
}

// unalias is the node an alias stands for, or n itself.
func unalias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// Bounds on the Markdown that goldmark parses. Its inline parsing is
// quadratic in a paragraph's length on some inputs (a run of unclosed
// "[a](" takes 5.7 s for 78 KB), so text past these bounds, which no
// article needs, is read as plain text. Worst case measured within the
// bounds: 4.7 s for 1 MB of 8 KB "[a](" paragraphs, on a busy machine.
const (
	maxMarkdownBytes = 1 << 20 // a long article is 100 KB
	maxMarkdownRun   = 8 << 10 // bytes of non-blank lines in a row; a paragraph is ~1 KB
)

// markdownFits reports whether text is within the Markdown bounds.
func markdownFits(text string) bool {
	if len(text) > maxMarkdownBytes {
		return false
	}
	run := 0
	for line := range strings.Lines(text) {
		if strings.TrimSpace(line) == "" {
			run = 0
			continue
		}
		if run += len(line); run > maxMarkdownRun {
			return false
		}
	}
	return true
}

// markdownBlocks parses src (CommonMark with GitHub's tables and
// strikethrough) and returns the plain text of its leaf blocks in order:
// headings and paragraphs, list items and table rows one each, code
// blocks as written. Images and HTML are dropped, links keep their text,
// emphasis its words. Lines within a paragraph stay lines, for
// corpus.NormalizeText to join or split as in a .txt file. ruleFirst
// reports a document that starts with a horizontal rule: it has no title
// line.
func markdownBlocks(src []byte) (blocks []string, ruleFirst bool) {
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))
	doc := md.Parser().Parse(text.NewReader(src))
	var buf bytes.Buffer
	w := &plainText{src: src, esc: bufio.NewWriter(&buf), escBuf: &buf}
	w.block(doc)
	if first := doc.FirstChild(); first != nil && first.Kind() == ast.KindThematicBreak {
		ruleFirst = true
	}
	return w.blocks, ruleFirst
}

// plainText collects the text of a goldmark document.
type plainText struct {
	src    []byte
	blocks []string
	cur    strings.Builder
	prefix string // an ordered list item's number, for its first block

	esc    *bufio.Writer // goldmark's HTML text writer's output, ...
	escBuf *bytes.Buffer // ... buffered here, to be unescaped back
}

// block appends the text of n's leaf blocks.
func (p *plainText) block(n ast.Node) {
	switch n.Kind() {
	case ast.KindHTMLBlock, ast.KindThematicBreak:
		return
	case ast.KindParagraph, ast.KindTextBlock, ast.KindHeading, east.KindTableCell:
		p.inlines(n)
		if n.Kind() != east.KindTableCell {
			p.flush()
		}
		return
	case ast.KindCodeBlock, ast.KindFencedCodeBlock:
		lines := n.Lines()
		for i := range lines.Len() {
			seg := lines.At(i)
			p.cur.Write(seg.Value(p.src))
		}
		p.flush()
		return
	case east.KindTableHeader, east.KindTableRow:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if c != n.FirstChild() {
				p.cur.WriteString(" | ")
			}
			p.block(c)
		}
		p.flush()
		return
	case ast.KindList:
		ordered := n.(*ast.List).IsOrdered()
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if ordered {
				// The number is text: "1. Raise rates" reads as a step, and
				// a paragraph starting "2024. The year..." parses as a list.
				p.prefix = itemNumber(c, p.src)
			}
			p.block(c)
			p.prefix = ""
		}
		return
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		p.block(c)
	}
}

// itemNumber is an ordered list item's marker as written ("2024. "), or ""
// when its text does not start on the marker's line. goldmark keeps only
// the list's start number, so the marker is read back from the source.
func itemNumber(item ast.Node, src []byte) string {
	n := item.FirstChild()
	for n != nil && n.Type() == ast.TypeBlock && n.Lines().Len() == 0 {
		n = n.FirstChild()
	}
	if n == nil || n.Type() != ast.TypeBlock {
		return ""
	}
	start := n.Lines().At(0).Start
	lead := bytes.TrimRight(src[bytes.LastIndexByte(src[:start], '\n')+1:start], " \t")
	if len(lead) < 2 || (lead[len(lead)-1] != '.' && lead[len(lead)-1] != ')') {
		return ""
	}
	i := len(lead) - 1
	for i > 0 && lead[i-1] >= '0' && lead[i-1] <= '9' {
		i--
	}
	if i == len(lead)-1 {
		return ""
	}
	return string(lead[i:]) + " "
}

// flush ends the current block.
func (p *plainText) flush() {
	if s := p.cur.String(); strings.TrimSpace(s) != "" {
		p.blocks = append(p.blocks, p.prefix+s)
		p.prefix = ""
	}
	p.cur.Reset()
}

// inlines appends the text of n's inline children.
func (p *plainText) inlines(n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			if c.IsRaw() {
				p.cur.Write(c.Segment.Value(p.src))
			} else {
				p.write(c.Segment.Value(p.src))
			}
			if c.SoftLineBreak() || c.HardLineBreak() {
				p.cur.WriteByte('\n')
			}
		case *ast.String:
			if c.IsCode() || c.IsRaw() {
				p.cur.Write(c.Value)
			} else {
				p.write(c.Value)
			}
		case *ast.CodeSpan:
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if t, ok := t.(*ast.Text); ok {
					// A code span's line ending is a space (CommonMark 6.1).
					v := t.Segment.Value(p.src)
					if bytes.HasSuffix(v, []byte("\n")) {
						v = append(v[:len(v)-1:len(v)-1], ' ')
					}
					p.cur.Write(v)
				}
			}
		case *ast.AutoLink:
			p.cur.Write(c.Label(p.src))
		case *ast.Image:
			// Dropped: alt text is a description of a picture, not story.
		case *ast.RawHTML:
			// Tags go; a <br> still ends its line.
			if c.Segments.Len() > 0 {
				tag := c.Segments.At(0)
				if bytes.HasPrefix(bytes.ToLower(tag.Value(p.src)), []byte("<br")) {
					p.cur.WriteByte('\n')
				}
			}
		default: // emphasis, links, strikethrough: their text
			p.inlines(c)
		}
	}
}

// write appends Markdown text with its backslash escapes and character
// references resolved. goldmark resolves them only while writing HTML, so
// its HTML writer does the job and the result is unescaped back to text.
func (p *plainText) write(v []byte) {
	if bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
		p.cur.Write(v)
		return
	}
	p.escBuf.Reset()
	ghtml.DefaultWriter.Write(p.esc, v)
	p.esc.Flush()
	p.cur.WriteString(html.UnescapeString(p.escBuf.String()))
}
