package parse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/newsbot/newsbot/corpus"
)

// minHTMLWords: a page whose main text is shorter than this is a menu, a
// paywall or an error page, not an article worth storing.
const minHTMLWords = 10

// maxJSONLDBytes bounds one JSON-LD script that is decoded for metadata;
// real ones are a few KB, and a huge one is not worth the memory.
const maxJSONLDBytes = 1 << 20

// ParseHTML extracts the article from an HTML page: the main text (with
// navigation, footers and other clutter removed by go-readability), the
// title, byline, outlet and publication time, and the canonical URL. The
// web fetcher and the file readers share it.
//
// pageURL is where the page came from, or "" for a file. The article URL is
// the page's canonical link (rel=canonical, then og:url) when it is on the
// same host as pageURL or pageURL is empty, and pageURL otherwise, so a page
// cannot claim another site's address. The publication time comes from
// article:published_time, JSON-LD datePublished, other date meta tags, the
// first <time datetime>, then go-readability's own guess. The outlet is
// og:site_name, then JSON-LD publisher, then the host name.
//
// data is the whole page; its size is the caller's to bound (Reader and
// the web fetcher do). The article is prepared (see corpus.Prepare).
// ParseHTML returns an error wrapping corpus.ErrInvalid when the page is
// binary or has no readable text.
func ParseHTML(data []byte, pageURL string) (a corpus.Article, err error) {
	defer func() {
		// The extractor walks untrusted markup; a bug in it must cost one
		// page, not the bot.
		if p := recover(); p != nil {
			a, err = corpus.Article{}, fmt.Errorf("parse html: extractor failed: %v", p)
		}
	}()
	if err := corpus.CheckText(data); err != nil {
		return corpus.Article{}, fmt.Errorf("parse html: %w", err)
	}
	// Only a byte-order mark is certain; otherwise text that is valid
	// UTF-8 is UTF-8, whatever a <meta> says, so a page the web fetcher
	// has already decoded is not decoded twice, and a UTF-8 page without a
	// label is not read as Windows-1252 (the fallback when the sniffed
	// first kilobyte is all ASCII).
	if _, name, certain := charset.DetermineEncoding(data, ""); name != "utf-8" && (certain || !utf8.Valid(data)) {
		if enc, _ := charset.Lookup(name); enc != nil {
			if out, err := enc.NewDecoder().Bytes(data); err == nil {
				data = out
			}
		}
	}
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		// The page, not the reader, is at fault (for one, html.Parse refuses
		// elements nested over 512 deep): an invalid article.
		return corpus.Article{}, fmt.Errorf("parse html: %w", invalidf("the page's markup cannot be read (%v)", err))
	}

	var base *url.URL
	if pageURL != "" {
		base, err = url.Parse(pageURL)
		if err != nil || !base.IsAbs() {
			return corpus.Article{}, fmt.Errorf("parse html: %w", invalidf("page URL %q is not absolute", truncate(pageURL, 200)))
		}
	}
	m := scanHTML(doc)

	ra, rerr := readability.FromDocument(doc, base)
	var text string
	if rerr == nil && ra.Node != nil {
		var sb strings.Builder
		if ra.RenderText(&sb) == nil {
			text = sb.String()
		}
	}
	if n := len(strings.Fields(text)); n < minHTMLWords {
		if rerr != nil {
			return corpus.Article{}, fmt.Errorf("parse html: %w", invalidf("the page has no readable text (%v)", rerr))
		}
		return corpus.Article{}, fmt.Errorf("parse html: %w", invalidf("the page has no readable text (%d words)", n))
	}

	a.URL = articleURL(base, m.canonical, m.ogURL, m.ldURL)
	a.Title = firstNonEmpty(m.meta["og:title"], m.ldHeadline, ra.Title(), m.title)
	if h1 := strings.Join(strings.Fields(m.h1), " "); h1 != "" && strings.Contains(a.Title, h1) {
		a.Title = h1 // "Headline | Site" -> "Headline"
	}
	a.Author = strings.TrimSpace(firstNonEmpty(ra.Byline(), m.meta["author"], m.meta["article:author"], m.ldAuthor))
	if strings.HasPrefix(strings.ToLower(a.Author), "by ") {
		a.Author = strings.TrimSpace(a.Author[3:])
	}
	a.Source = firstNonEmpty(m.meta["og:site_name"], ra.SiteName(), m.ldPublisher)
	if a.Source == "" && a.URL != "" {
		if u, err := url.Parse(a.URL); err == nil {
			a.Source = strings.TrimPrefix(u.Hostname(), "www.")
		}
	}
	a.PublishedAt = firstDate(m.meta["article:published_time"], m.ldDate, m.meta["og:published_time"],
		m.meta["datepublished"], m.meta["pubdate"], m.meta["publishdate"], m.meta["date"],
		m.meta["dc.date"], m.meta["dc.date.issued"], m.meta["dcterms.created"],
		m.meta["parsely-pub-date"], m.meta["sailthru.date"], m.timeTag)
	if a.PublishedAt.IsZero() {
		if t, err := ra.PublishedTime(); err == nil {
			a.PublishedAt = t.UTC()
		}
	}
	a.Body = dropLeadParagraphs(corpus.NormalizeText(text), a.Title, true)
	if err := corpus.Prepare(&a); err != nil {
		return corpus.Article{}, fmt.Errorf("parse html: %w", err)
	}
	return a, nil
}

// htmlMeta is the metadata scanHTML finds.
type htmlMeta struct {
	meta                                      map[string]string // meta name/property (lower-cased) -> content
	title, h1, canonical, ogURL, timeTag      string
	ldDate, ldHeadline, ldAuthor, ldPublisher string
	ldURL                                     string
}

// scanHTML collects <meta>, <link rel=canonical>, <title>, the first
// <time datetime> and JSON-LD metadata from a document. The first value of
// each kind wins.
func scanHTML(doc *html.Node) htmlMeta {
	m := htmlMeta{meta: make(map[string]string)}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Meta:
				key := strings.ToLower(firstNonEmpty(attr(n, "property"), attr(n, "name"), attr(n, "itemprop")))
				if v := strings.TrimSpace(attr(n, "content")); key != "" && v != "" {
					if _, dup := m.meta[key]; !dup {
						m.meta[key] = v
					}
				}
			case atom.Link:
				for _, rel := range strings.Fields(strings.ToLower(attr(n, "rel"))) {
					if rel == "canonical" && m.canonical == "" {
						m.canonical = strings.TrimSpace(attr(n, "href"))
					}
				}
			case atom.Title:
				if m.title == "" && n.FirstChild != nil {
					m.title = strings.TrimSpace(n.FirstChild.Data)
				}
			case atom.H1:
				if m.h1 == "" {
					m.h1 = textOf(n)
				}
			case atom.Time:
				if m.timeTag == "" {
					m.timeTag = strings.TrimSpace(attr(n, "datetime"))
				}
			case atom.Script:
				if strings.Contains(strings.ToLower(attr(n, "type")), "ld+json") && n.FirstChild != nil {
					m.addJSONLD(n.FirstChild.Data)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	m.ogURL = m.meta["og:url"]
	return m
}

// addJSONLD takes metadata from a JSON-LD script, preferring objects whose
// @type is an article over the page's other objects (organisation, site).
func (m *htmlMeta) addJSONLD(src string) {
	if len(src) > maxJSONLDBytes {
		return
	}
	var v any
	if json.Unmarshal([]byte(src), &v) != nil {
		return
	}
	var articles, others []map[string]any
	var collect func(any, int)
	collect = func(v any, depth int) {
		if depth > 8 {
			return
		}
		switch x := v.(type) {
		case []any:
			for _, el := range x {
				collect(el, depth+1)
			}
		case map[string]any:
			if isArticleType(x["@type"]) {
				articles = append(articles, x)
			} else {
				others = append(others, x)
			}
			if g, ok := x["@graph"]; ok {
				collect(g, depth+1)
			}
		}
	}
	collect(v, 0)
	for _, obj := range append(articles, others...) {
		if m.ldDate == "" {
			m.ldDate = ldString(obj["datePublished"])
		}
		if m.ldHeadline == "" {
			m.ldHeadline = ldString(obj["headline"])
		}
		if m.ldAuthor == "" {
			m.ldAuthor = ldNames(obj["author"])
		}
		if m.ldPublisher == "" {
			m.ldPublisher = ldNames(obj["publisher"])
		}
		if m.ldURL == "" && isArticleType(obj["@type"]) {
			m.ldURL = ldString(obj["url"])
		}
	}
}

// isArticleType reports JSON-LD types of news content (NewsArticle,
// ReportageNewsArticle, BlogPosting, ...), given as a string or an array.
func isArticleType(t any) bool {
	switch x := t.(type) {
	case string:
		return strings.Contains(x, "corpus.Article") || strings.Contains(x, "BlogPosting") || strings.Contains(x, "Report")
	case []any:
		for _, el := range x {
			if isArticleType(el) {
				return true
			}
		}
	}
	return false
}

// ldString returns a JSON-LD value that is a string.
func ldString(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// ldNames returns the names of a JSON-LD person or organisation value (a
// string, an object with "name", or an array of those), joined with ", ".
func ldNames(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case map[string]any:
		return ldString(x["name"])
	case []any:
		var names []string
		for _, el := range x {
			if s := ldNames(el); s != "" {
				names = append(names, s)
			}
		}
		return strings.Join(names, ", ")
	}
	return ""
}

// textOf returns the text inside n.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// articleURL picks the article's address: the first canonical candidate
// that is an http(s) URL on the page's own host (any host when there is no
// page URL), else the page URL.
func articleURL(base *url.URL, candidates ...string) string {
	for _, c := range candidates {
		if c == "" {
			continue
		}
		u, err := url.Parse(c)
		if err != nil {
			continue
		}
		if base != nil {
			u = base.ResolveReference(u)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			continue
		}
		if base != nil && !sameSite(base.Hostname(), u.Hostname()) {
			continue
		}
		if _, err := corpus.CanonicalURL(u.String()); err != nil {
			continue
		}
		return u.String()
	}
	if base != nil {
		return base.String()
	}
	return ""
}

// sameSite compares hosts ignoring case and a "www." prefix.
func sameSite(a, b string) bool {
	norm := func(h string) string { return strings.TrimPrefix(strings.ToLower(h), "www.") }
	return norm(a) == norm(b)
}

// firstDate returns the first of vals that ParseDate reads.
func firstDate(vals ...string) time.Time {
	for _, v := range vals {
		if v == "" {
			continue
		}
		if t, err := ParseDate(v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// maxBylineWords bounds a leading "By ..." paragraph treated as a byline
// rather than as text: real bylines are a few names and maybe an outlet.
const maxBylineWords = 12

// dropLeadParagraphs removes leading paragraphs of a normalised body that
// repeat the title or, when bylines is set, are a byline ("By Jane Doe"):
// extracted pages and Markdown files often start with their headline and
// byline, which are metadata already, not story.
func dropLeadParagraphs(body, title string, bylines bool) string {
	title = strings.Join(strings.Fields(title), " ")
	for {
		first, rest, ok := strings.Cut(body, "\n\n")
		if !ok || strings.TrimSpace(rest) == "" {
			return body
		}
		words := strings.Fields(first)
		isTitle := title != "" && strings.EqualFold(strings.Join(words, " "), title)
		isByline := bylines && len(words) > 1 && len(words) <= maxBylineWords && strings.EqualFold(words[0], "by")
		if !isTitle && !isByline {
			return body
		}
		body = rest
	}
}

// firstNonEmpty returns the first of vals that is not blank, trimmed: page
// metadata often pads its values, which cmp.Or would keep.
func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
