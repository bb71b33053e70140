package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

func TestUserMessage(t *testing.T) {
	tests := []struct {
		err  error
		want string // "" means not the user's to see
	}{
		{fmt.Errorf("add feed http://127.0.0.1/: %w", &corpus.InputError{Kind: corpus.ErrRefused, Reason: "127.0.0.1 is a loopback address"}), "I won't fetch that address: 127.0.0.1 is a loopback address."},
		{fmt.Errorf("read x.md: %w", corpus.Invalidf(corpus.ErrNotText, "it contains NUL bytes")), "That is not text: it contains NUL bytes."},
		{fmt.Errorf("read x.txt: %w", corpus.Invalidf(corpus.ErrTooLarge, "larger than the 5 MiB limit for one article")), "That is too large: larger than the 5 MiB limit for one article."},
		{corpus.Invalidf(corpus.ErrUnsupported, "addresses starting file:// cannot be added"), "I can't read that: addresses starting file:// cannot be added."},
		{fmt.Errorf("article http://x.example/rss: %w", corpus.Invalidf(corpus.ErrFeedNotPage, "the address serves application/rss+xml")),
			"That is not an article: the address serves application/rss+xml. If it is an RSS, Atom or JSON feed, follow it with /feeds add."},
		{fmt.Errorf("fetch: %w", corpus.Invalidf(corpus.ErrUnavailable, "the site answered 404 Not Found")), "I could not get that page: the site answered 404 Not Found."},
		{fmt.Errorf("parse html: %w", corpus.Invalidf(corpus.ErrInvalid, "the page has no readable text (3 words)")), "I could not read an article from that: the page has no readable text (3 words)."},
		{fmt.Errorf("add feed: %w", fmt.Errorf("%w: malformed XML", corpus.ErrNotFeed)), "not an RSS, Atom or JSON feed"},
		{&NotFoundError{What: "feed", ID: 9}, "There is no feed #9 here."},
		{&NotFoundError{What: "article", ID: 99}, "There is no article #99 here."},
		{fmt.Errorf("sqlite.Get(99): %w", corpus.ErrNotFound), "That was not found."},
		{fmt.Errorf("add: %w", &corpus.DuplicateError{ExistingID: 4, By: "url"}), "already (#4, same url)"},
		{fmt.Errorf("add feed: %w", &corpus.DuplicateFeedError{ExistingID: 3, URL: "https://x.example/rss"}), "followed already (feed #3)"},
		{fmt.Errorf("remove: %w", ErrForbidden), "Only moderators"},
		{ErrEmptyQuestion, "Please ask a question"},
		{ErrNoFetcher, "not enabled"},
		{ErrNoFeeds, "not enabled"},
		{fmt.Errorf("fetch: %w", context.DeadlineExceeded), "took too long"},
		{errors.New("sqlite: disk I/O error"), ""},
		{nil, ""},
	}
	for _, tt := range tests {
		got, ok := UserMessage(tt.err)
		if tt.want == "" {
			if ok || got != "" {
				t.Errorf("UserMessage(%v) = %q, %v; want \"\", false", tt.err, got, ok)
			}
			continue
		}
		if !ok || !strings.Contains(got, tt.want) {
			t.Errorf("UserMessage(%v) = %q, %v; want it to contain %q", tt.err, got, ok, tt.want)
		}
	}
}
