package feeds

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/web"
)

// refusingFetcher fails every fetch, so fuzzing stays offline.
type refusingFetcher struct{}

func (refusingFetcher) Fetch(context.Context, web.Request) (*web.Response, error) {
	return nil, errors.New("offline")
}

func (refusingFetcher) Article(_ context.Context, url string) (corpus.Article, error) {
	return corpus.Article{}, &web.RefusedError{URL: url, Reason: "offline"}
}

// FuzzParseFeed feeds arbitrary bytes through parsing and the item to
// article conversion: no input may panic, and every article built must be
// prepared (text, hash, passages) with the feed's scope and actor.
func FuzzParseFeed(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":1,"content_html":"<p>x"}]}`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="::"/><content>&lt;b&gt;</content></entry></feed>`))
	p := New(nil, refusingFetcher{}, Options{})
	feed := corpus.Feed{ID: 7, Scope: "guild1", Title: "Fuzz"}
	f.Fuzz(func(t *testing.T, data []byte) {
		parsed, err := parseFeed(data)
		if err != nil {
			if !errors.Is(err, ErrNotFeed) {
				t.Fatalf("parseFeed error %v does not wrap ErrNotFeed", err)
			}
			return
		}
		pf := &parsedFeed{Feed: parsed, URL: "https://example.com/feed.xml"}
		for _, raw := range newestFirst(parsed.Items) {
			it := newItem(pf, raw, testNow)
			if it.guid == "" || it.hash == "" {
				t.Fatalf("item without identity: %+v", it)
			}
			a, err := p.build(context.Background(), feed, it)
			if err != nil {
				continue
			}
			if a.Body == "" || a.Hash == "" || len(a.Passages) == 0 || a.Scope != "guild1" || a.AddedBy != "feed:7" {
				t.Fatalf("build = %+v; want a prepared article of the feed", a)
			}
		}
	})
}
