package web

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/parse"
)

// articleAccept asks for a page, not a feed or an image.
const articleAccept = "text/html,application/xhtml+xml,text/plain;q=0.8,*/*;q=0.1"

// Article fetches rawURL and extracts the article on it, prepared for the
// store (see corpus.Prepare). HTML and XHTML pages go through
// parse.ParseHTML with the final URL (after redirects): title, byline,
// main text, publication time, outlet and canonical URL. A text/plain
// document's first line is its title. Source is the page's outlet, else
// the host without "www.".
//
// Article returns Fetch's errors, an error wrapping corpus.ErrFeedNotPage
// (which is also ErrUnsupportedType) for a feed or any other type that is
// not a page, and one wrapping corpus.ErrInvalid when the page has no
// readable text.
func (f *Fetcher) Article(ctx context.Context, rawURL string) (corpus.Article, error) {
	resp, err := f.Fetch(ctx, Request{URL: rawURL, Accept: articleAccept})
	if err != nil {
		return corpus.Article{}, err
	}
	var a corpus.Article
	switch kindOf(resp.ContentType) {
	case kindHTML:
		a, err = parse.ParseHTML(resp.Body, resp.URL)
		if err != nil {
			return corpus.Article{}, fmt.Errorf("article %s: %w", resp.URL, err)
		}
	case kindText:
		a, err = parseText(ctx, resp, f.maxBytes)
		if err != nil {
			return corpus.Article{}, err
		}
	default:
		return corpus.Article{}, fmt.Errorf("article %s: %w", resp.URL, corpus.Invalidf(corpus.ErrFeedNotPage, "the address serves %s", resp.ContentType))
	}
	if a.Source == "" {
		a.Source = hostSource(a.URL, resp.URL)
	}
	return a, nil
}

// parseText reads a text/plain document the way corpus reads a .txt file
// (first line title, rest body) and gives it the final URL.
func parseText(ctx context.Context, resp *Response, maxBytes int64) (corpus.Article, error) {
	var (
		a       corpus.Article
		found   bool
		readErr error
	)
	err := parse.Reader{MaxBytes: maxBytes}.Read(ctx, "page.txt", bytes.NewReader(resp.Body),
		func(got corpus.Article) error { a, found = got, true; return nil },
		func(_ string, err error) { readErr = err })
	if err == nil {
		err = readErr
	}
	if err == nil && !found {
		err = fmt.Errorf("%w: no text", corpus.ErrInvalid)
	}
	if err != nil {
		return corpus.Article{}, fmt.Errorf("article %s: %w", resp.URL, err)
	}
	a.URL = resp.URL
	if err := corpus.Prepare(&a); err != nil {
		return corpus.Article{}, fmt.Errorf("article %s: %w", resp.URL, err)
	}
	return a, nil
}

// hostSource names an outlet after the first of urls that parses: its
// host without "www.".
func hostSource(urls ...string) string {
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		}
	}
	return ""
}
