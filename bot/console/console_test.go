package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
)

func TestStatusThrottles(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewStatus(&buf, true)
	s.now = func() time.Time { return now }
	s.Printf("step %d", 1) // first: drawn
	s.Printf("step %d", 2) // same instant: skipped
	now = now.Add(StatusEvery)
	s.Printf("step %d", 3) // StatusEvery later: drawn
	s.Clear()
	s.Printf("step %d", 4) // after Clear: drawn at once
	want := eraseLine + "step 1" + eraseLine + "step 3" + eraseLine + eraseLine + "step 4"
	if got := buf.String(); got != want {
		t.Errorf("status wrote %q; want %q", got, want)
	}
}

func TestStatusOffWritesNothing(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := NewStatus(&buf, false)
	s.Printf("thinking…")
	s.Clear()
	if buf.Len() != 0 {
		t.Errorf("a status that is off wrote %q", buf.String())
	}
}

func TestNoArticles(t *testing.T) {
	t.Parallel()
	many := []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"}
	tests := []struct {
		name     string
		articles int
		source   string
		outlets  []string
		want     string
	}{
		{"empty corpus", 0, "", nil, "No articles yet. Add some with /add PATH."},
		{"empty corpus, outlet asked", 0, "Reuters", nil, "No articles yet. Add some with /add PATH."},
		{"unknown outlet", 3, "Nobody", []string{"Reuters", "The Times"}, `No articles from "Nobody". Outlets: Reuters, The Times.`},
		{"many outlets", 30, "Nobody", many, `No articles from "Nobody". Outlets: A, B, C, D, E, F, G, H, I, J and 2 more.`},
		{"no outlet named", 3, "Nobody", nil, `No articles from "Nobody": no article names its outlet.`},
	}
	for _, tt := range tests {
		if got := NoArticles(tt.articles, tt.source, tt.outlets, "/add PATH"); got != tt.want {
			t.Errorf("%s: NoArticles(%d, %q, %q) = %q; want %q", tt.name, tt.articles, tt.source, tt.outlets, got, tt.want)
		}
	}
}

func TestPlural(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0 articles", 1: "1 article", 2: "2 articles"} {
		if got := Plural(n, "article"); got != want {
			t.Errorf("Plural(%d, article) = %q; want %q", n, got, want)
		}
	}
}

// TestCtrlCAtPromptLeaves: Ctrl-C while waiting for a line ends the
// console, as Ctrl-D does.
func TestCtrlCAtPromptLeaves(t *testing.T) {
	t.Parallel()
	in, _ := io.Pipe() // nothing is ever typed
	interrupts := make(chan os.Signal, 1)
	interrupts <- os.Interrupt
	var out bytes.Buffer
	c := New(nil, bot.Actor{Operator: true}, Options{Interrupts: interrupts})
	if err := c.Run(context.Background(), in, &out); err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
	if !strings.HasSuffix(out.String(), "> \n") {
		t.Errorf("console printed %q; want the prompt, then a new line", out.String())
	}
}

func TestResolveArticle(t *testing.T) {
	t.Parallel()
	if id, err := ResolveArticle(context.Background(), nil, "42"); err != nil || id != 42 {
		t.Errorf("ResolveArticle(42) = %d, %v; want 42", id, err)
	}
	for _, ref := range []string{"not a url", "https://example.com/a"} {
		if _, err := ResolveArticle(context.Background(), nil, ref); !errors.Is(err, ErrNotArticleRef) {
			t.Errorf("ResolveArticle(%q) without a finder = %v; want ErrNotArticleRef", ref, err)
		}
	}
}

// urlFinder is an ArticleFinder over a map of canonical URLs to ids.
type urlFinder map[string]int64

func (f urlFinder) GetByURL(_ context.Context, url string) (*corpus.Article, error) {
	id, ok := f[url]
	if !ok {
		return nil, fmt.Errorf("get %s: %w", url, corpus.ErrNotFound)
	}
	return &corpus.Article{ID: id, URL: url}, nil
}

func TestResolveArticleByURL(t *testing.T) {
	t.Parallel()
	f := urlFinder{"https://example.com/a": 7}
	// Tracking parameters and a fragment do not hide the article.
	if id, err := ResolveArticle(context.Background(), f, "https://example.com/a?utm_source=x#top"); err != nil || id != 7 {
		t.Errorf("ResolveArticle(URL) = %d, %v; want 7", id, err)
	}
	if _, err := ResolveArticle(context.Background(), f, "https://example.com/b"); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("ResolveArticle(unknown URL) = %v; want corpus.ErrNotFound", err)
	}
}

func TestFindFeed(t *testing.T) {
	t.Parallel()
	feeds := []corpus.Feed{{ID: 3, URL: "https://news.example/rss"}, {ID: 5, URL: "https://other.example/atom.xml"}}
	tests := []struct {
		ref     string
		want    int64
		wantErr error
	}{
		{"9", 9, nil}, // an id is not checked here: the remove says whether it exists
		{"https://news.example/rss", 3, nil},
		{"https://NEWS.example/rss?utm_source=x#top", 3, nil}, // canonicalised
		{"https://other.example/atom.xml", 5, nil},
		{"https://none.example/rss", 0, corpus.ErrNotFound},
		{"not a feed", 0, ErrNotFeedRef},
		{"ftp://news.example/rss", 0, ErrNotFeedRef},
	}
	for _, tt := range tests {
		got, err := FindFeed(feeds, tt.ref)
		if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("FindFeed(%q) = %d, %v; want %d, %v", tt.ref, got, err, tt.want, tt.wantErr)
		}
	}
}
