package feeds

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mmcdole/gofeed"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/web"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Accept headers: the poller asks for feeds; Add also accepts a page, whose
// feed link it follows.
const (
	feedAccept = "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9," +
		"text/xml;q=0.9,application/json;q=0.8,*/*;q=0.1"
	discoverAccept = "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9," +
		"text/xml;q=0.9,application/json;q=0.8,text/html;q=0.7,*/*;q=0.1"
)

// The rule that an item carries the whole story rather than a teaser.
// Publishers that send full text put it in content:encoded (Atom content,
// JSON Feed content_html/content_text), sometimes in description; teasers
// are one or two sentences (20-60 words).
const (
	// fullTextWords: an item text this long is an article in itself; the
	// shortest news stories (briefs) run 150-250 words.
	fullTextWords = 150
	// longContentWords: content this long that is at least twice its own
	// summary (or has none) is the publisher giving more than a teaser.
	longContentWords = 80
)

// Bounds on what an item may make us store.
const (
	// maxGUIDBytes: longer GUIDs (some feeds put whole URLs with state in
	// them) are stored as their hash, to keep the item index small.
	maxGUIDBytes = 512
	// futureSlack: a published time further ahead than this is a feed bug
	// (wrong time zone, scheduled post) and is treated as unknown.
	futureSlack = 24 * time.Hour
)

// parsedFeed is a parsed feed document and the URL it came from (after
// redirects), against which its relative links are resolved.
type parsedFeed struct {
	*gofeed.Feed
	URL string
}

// parseResponse parses a fetched document as a feed. An HTML page or
// anything gofeed cannot read returns an error wrapping ErrNotFeed.
func parseResponse(resp *web.Response) (*parsedFeed, error) {
	f, err := parseFeed(resp.Body)
	if err != nil {
		if resp.ContentType == "text/html" || resp.ContentType == "application/xhtml+xml" {
			return nil, fmt.Errorf("%w: %s is an HTML page, not an RSS, Atom or JSON feed", ErrNotFeed, resp.URL)
		}
		return nil, err
	}
	return &parsedFeed{Feed: f, URL: resp.URL}, nil
}

// parseFeed parses RSS, Atom or JSON Feed. Errors wrap ErrNotFeed.
func parseFeed(body []byte) (f *gofeed.Feed, err error) {
	defer func() {
		// gofeed walks untrusted input; a bug in it must cost one feed.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%w: parser failed: %v", ErrNotFeed, r)
		}
	}()
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty document", ErrNotFeed)
	}
	f, err = gofeed.NewParser().Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, fmt.Errorf("%w: not RSS, Atom or JSON Feed", ErrNotFeed)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotFeed, err)
	}
	return f, nil
}

// item is a feed item turned into what the poller needs.
type item struct {
	guid string // identity within the feed
	hash string // of the item as delivered, to notice edits
	link string // canonical URL of the story; "" if none
	full bool   // article carries the whole story
	// article has the item's metadata and text (the full text, else the
	// summary, possibly empty); PublishedAt is zero when the item has none.
	article corpus.Article
}

// newItem converts a gofeed item. It does no I/O and never fails: what the
// item lacks is left empty.
func newItem(feed *parsedFeed, it *gofeed.Item, now time.Time) item {
	var out item
	base, _ := url.Parse(feed.URL)
	for _, l := range append([]string{it.Link}, it.Links...) {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if base != nil {
			if u, err := base.Parse(l); err == nil {
				l = u.String()
			}
		}
		if c, err := corpus.CanonicalURL(l); err == nil && c != "" {
			out.link = c
			break
		}
	}

	title := it.Title
	if strings.ContainsAny(title, "<&") {
		title = htmlText(title)
	}
	content, desc := htmlText(it.Content), htmlText(it.Description)
	text := content // the full story, else the best summary
	if wordCount(desc) > wordCount(content) {
		text = desc
	}
	out.full = isFullText(content, desc)

	var published time.Time
	switch {
	case it.PublishedParsed != nil:
		published = it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil:
		published = it.UpdatedParsed.UTC()
	}
	if published.After(now.Add(futureSlack)) || published.Year() < 1900 {
		published = time.Time{}
	}
	var authors []string
	for _, p := range it.Authors {
		if p != nil && strings.TrimSpace(p.Name) != "" {
			authors = append(authors, strings.TrimSpace(p.Name))
		}
	}
	out.article = corpus.Article{
		URL:         out.link,
		Title:       title,
		Source:      source(feed, out.link),
		Author:      strings.Join(authors, ", "),
		PublishedAt: published,
		Body:        text,
	}

	out.guid = strings.TrimSpace(it.GUID)
	if out.guid == "" {
		out.guid = out.link
	}
	if out.guid == "" {
		out.guid = "hash:" + hashOf(oneLine(title), published.Format(time.RFC3339), text)
	}
	if len(out.guid) > maxGUIDBytes {
		out.guid = "hash:" + hashOf(out.guid)
	}
	out.hash = hashOf(oneLine(title), content, desc, out.link)
	return out
}

// isFullText reports whether an item carries the whole story: its content
// or description has at least fullTextWords words, or its content has at
// least longContentWords and is at least twice its summary (or has none:
// the content field is the publisher's text, a description alone is
// usually a teaser).
func isFullText(content, desc string) bool {
	cw, dw := wordCount(content), wordCount(desc)
	return max(cw, dw) >= fullTextWords || (cw >= longContentWords && cw >= 2*dw)
}

func wordCount(s string) int { return len(strings.Fields(s)) }

// source is the outlet of a feed's articles: the feed's title, else the
// host of the story (or of the feed) without "www.".
func source(feed *parsedFeed, link string) string {
	if t := oneLine(feed.Title); t != "" {
		return t
	}
	for _, raw := range []string{link, feed.URL} {
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		}
	}
	return ""
}

// hashOf is the hex SHA-256 of parts, separated so that moving text from
// one part to the next changes it.
func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// oneLine collapses whitespace.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// newestFirst returns the items newest first: by date when every item has
// one, else in the feed's own order (feeds list newest first).
func newestFirst(items []*gofeed.Item) []*gofeed.Item {
	items = slices.DeleteFunc(slices.Clone(items), func(it *gofeed.Item) bool { return it == nil })
	date := func(it *gofeed.Item) *time.Time {
		if it.PublishedParsed != nil {
			return it.PublishedParsed
		}
		return it.UpdatedParsed
	}
	for _, it := range items {
		if date(it) == nil {
			return items
		}
	}
	slices.SortStableFunc(items, func(a, b *gofeed.Item) int { return date(b).Compare(*date(a)) })
	return items
}

// outcome is what became of one item.
type outcome int

const (
	added outcome = iota
	updated
	unchanged
	failed      // may pass: not recorded, retried next poll
	failedFinal // will not pass: recorded as seen, not retried
)

// items handles the newest MaxItemsPerPoll items of feed and counts them
// in res. It reports whether an item failed in a way worth retrying.
func (p *Poller) items(ctx context.Context, f corpus.Feed, feed *parsedFeed, res *Result, log *slog.Logger) (retry bool) {
	list := newestFirst(feed.Items)
	if len(list) > p.opt.MaxItemsPerPoll {
		log.Info("feed has more items than a poll handles; older ones skipped", "items", len(list), "limit", p.opt.MaxItemsPerPoll)
		list = list[:p.opt.MaxItemsPerPoll]
	}
	now := p.opt.Now()
	for _, raw := range list {
		if ctx.Err() != nil {
			return true
		}
		it := newItem(feed, raw, now)
		o, err := p.item(ctx, f, it)
		switch o {
		case added:
			res.Added++
		case updated:
			res.Updated++
		case unchanged:
			res.Unchanged++
		case failed, failedFinal:
			res.Failed++
			retry = retry || o == failed
			log.Warn("feed item failed", "guid", it.guid, "link", it.link, "err", err, "retry", o == failed)
		}
	}
	return retry
}

// item stores one item: a new one as a new article, a changed one by
// updating its article in place.
func (p *Poller) item(ctx context.Context, f corpus.Feed, it item) (outcome, error) {
	articleID, oldHash, found, err := p.store.FeedItem(ctx, f.ID, it.guid)
	if err != nil {
		return failed, err
	}
	if found {
		if articleID == 0 || oldHash == it.hash {
			// Unchanged, or its article was deleted: a moderator's
			// delete is final, the item must not come back.
			return unchanged, nil
		}
		return p.update(ctx, f, it, articleID)
	}
	seen := func(id int64, o outcome, cause error) (outcome, error) {
		if err := p.store.SaveFeedItem(ctx, f.ID, it.guid, id, it.hash); err != nil {
			return failed, err
		}
		return o, cause
	}
	if !it.full && it.link != "" {
		// Already stored from elsewhere (another feed, a moderator):
		// skip fetching its page.
		if a, err := p.store.GetByURL(ctx, it.link); err == nil && (a.Scope == f.Scope || a.Scope == corpus.GlobalScope) {
			return seen(a.ID, unchanged, nil)
		}
	}
	a, err := p.build(ctx, f, it)
	if err != nil {
		if permanent(err) {
			return seen(0, failedFinal, err)
		}
		return failed, err
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = p.opt.Now().UTC()
	}
	err = p.store.Add(ctx, &a)
	var dup *corpus.DuplicateError
	switch {
	case errors.As(err, &dup):
		return seen(dup.ExistingID, unchanged, nil)
	case errors.Is(err, corpus.ErrInvalid):
		return seen(0, failedFinal, err)
	case err != nil:
		return failed, err
	}
	return seen(a.ID, added, nil)
}

// update rewrites the article of a changed item, keeping its id. Only
// articles the feed itself added are rewritten: an item that matched a
// moderator's or another feed's article leaves it alone.
func (p *Poller) update(ctx context.Context, f corpus.Feed, it item, articleID int64) (outcome, error) {
	seen := func(id int64, o outcome, cause error) (outcome, error) {
		if err := p.store.SaveFeedItem(ctx, f.ID, it.guid, id, it.hash); err != nil {
			return failed, err
		}
		return o, cause
	}
	old, err := p.store.Get(ctx, articleID)
	switch {
	case errors.Is(err, corpus.ErrNotFound):
		return seen(0, unchanged, nil)
	case err != nil:
		return failed, err
	case old.AddedBy != Actor(f.ID):
		return seen(articleID, unchanged, nil)
	}
	a, err := p.build(ctx, f, it)
	if err != nil {
		if permanent(err) {
			return seen(articleID, failedFinal, err)
		}
		return failed, err
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = old.PublishedAt
	}
	a.ID = old.ID
	if a.Hash == old.Hash && a.Title == old.Title && a.URL == old.URL && a.PublishedAt.Equal(old.PublishedAt) {
		return seen(articleID, unchanged, nil) // the edit did not touch the story
	}
	err = p.store.Update(ctx, &a)
	switch {
	case errors.Is(err, corpus.ErrDuplicate):
		// The new text is another stored story's: keep ours as it was.
		return seen(articleID, unchanged, nil)
	case errors.Is(err, corpus.ErrNotFound):
		return seen(0, unchanged, nil)
	case errors.Is(err, corpus.ErrInvalid):
		return seen(articleID, failedFinal, err)
	case err != nil:
		return failed, err
	}
	return seen(articleID, updated, nil)
}

// build makes the article of an item, prepared, with the feed's scope and
// actor: the item's own text when it is the full story or there is no
// page to read, else the linked page (falling back to the item's summary
// when the page has no readable text).
func (p *Poller) build(ctx context.Context, f corpus.Feed, it item) (corpus.Article, error) {
	a := it.article
	if !it.full && it.link != "" {
		page, err := p.fetch.Article(ctx, it.link)
		switch {
		case err == nil:
			if page.URL != "" {
				a.URL = page.URL
			}
			a.Body = page.Body
			a.Title = cmp.Or(oneLine(a.Title), page.Title)
			a.Author = cmp.Or(strings.TrimSpace(a.Author), page.Author)
			a.Source = cmp.Or(strings.TrimSpace(a.Source), page.Source) // the feed's title, else a host
			if a.PublishedAt.IsZero() {
				a.PublishedAt = page.PublishedAt
			}
		case !permanent(err) || strings.TrimSpace(a.Body) == "":
			return corpus.Article{}, fmt.Errorf("read %s: %w", it.link, err)
		}
	}
	if strings.TrimSpace(a.Body) == "" {
		return corpus.Article{}, fmt.Errorf("%w: item %q has no text and no link", corpus.ErrInvalid, it.guid)
	}
	a.Scope, a.AddedBy = f.Scope, Actor(f.ID)
	if err := corpus.Prepare(&a); err != nil {
		return corpus.Article{}, err
	}
	return a, nil
}

// permanent reports whether an item's failure will recur on every poll
// (no text, a refused or non-page link, a 4xx), so the item is recorded as
// seen rather than retried. Timeouts, 429 and 5xx may pass.
func permanent(err error) bool {
	var se *web.StatusError
	if errors.As(err, &se) {
		return se.StatusCode >= 400 && se.StatusCode < 500 &&
			se.StatusCode != http.StatusRequestTimeout && se.StatusCode != http.StatusTooManyRequests
	}
	return errors.Is(err, corpus.ErrInvalid) || errors.Is(err, web.ErrRefused) ||
		errors.Is(err, web.ErrUnsupportedType) || errors.Is(err, web.ErrTooLarge)
}

// skipped are elements whose content is not text a reader sees.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Iframe: true,
	atom.Object: true, atom.Embed: true, atom.Svg: true, atom.Math: true, atom.Head: true,
	atom.Select: true, atom.Button: true, atom.Form: true,
}

// blocks are elements that begin and end a paragraph.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Blockquote: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Table: true, atom.Tr: true, atom.Pre: true, atom.Figure: true, atom.Figcaption: true,
	atom.Hr: true, atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Main: true,
	atom.Address: true, atom.Details: true, atom.Summary: true, atom.Caption: true,
}

// htmlText converts an item's HTML (or plain text) to normalised text, one
// paragraph per block element, without scripts, styles or markup.
func htmlText(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if !strings.ContainsAny(s, "<&") {
		return corpus.NormalizeText(s)
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return corpus.NormalizeText(s)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(collapseSpace(n.Data))
			return
		case html.ElementNode:
			if skipped[n.DataAtom] {
				return
			}
			if n.DataAtom == atom.Br {
				b.WriteByte('\n')
				return
			}
			if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
				b.WriteByte(' ')
			}
		case html.CommentNode, html.DoctypeNode:
			return
		}
		block := n.Type == html.ElementNode && blocks[n.DataAtom]
		if block {
			b.WriteString("\n\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteString("\n\n")
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return corpus.NormalizeText(b.String())
}

// collapseSpace turns every run of white space (line breaks of the source
// included) into one space: in HTML only elements make paragraphs.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// feedTypes are the link types that name a page's feed.
var feedTypes = map[string]bool{
	"application/rss+xml": true, "application/atom+xml": true, "application/feed+json": true,
	"application/json": true, "application/rdf+xml": true, "application/x-rss+xml": true,
}

// feedLink returns the first feed an HTML page links to
// (<link rel="alternate" type="application/rss+xml" href=...>), resolved
// against the page URL, or "".
func feedLink(resp *web.Response) string {
	if resp.ContentType != "text/html" && resp.ContentType != "application/xhtml+xml" {
		return ""
	}
	doc, err := html.Parse(bytes.NewReader(resp.Body))
	if err != nil {
		return ""
	}
	base, err := url.Parse(resp.URL)
	if err != nil {
		return ""
	}
	var found string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found != "" {
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Link {
			var rel, typ, href string
			for _, a := range n.Attr {
				switch strings.ToLower(a.Key) {
				case "rel":
					rel = strings.ToLower(a.Val)
				case "type":
					typ = strings.ToLower(strings.TrimSpace(a.Val))
				case "href":
					href = strings.TrimSpace(a.Val)
				}
			}
			if href != "" && feedTypes[typ] && slices.Contains(strings.Fields(rel), "alternate") {
				if u, err := base.Parse(href); err == nil {
					found = u.String()
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}
