package web

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// FuzzArticle serves arbitrary bytes as an HTML page and extracts an
// article from them: any outcome but a panic (or a hang) is fine.
func FuzzArticle(f *testing.F) {
	if seed, err := os.ReadFile("../testdata/article.html"); err == nil {
		f.Add(seed)
	}
	f.Add([]byte(""))
	f.Add([]byte("<html><head><meta charset=windows-1252></head><body><p>" + cp1252Text + "</p></body></html>"))
	f.Add([]byte("\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00"))
	f.Add([]byte(`<script type="application/ld+json">{"@graph":[{"@graph":[[[[[]]]]]}]}</script><link rel=canonical href="http://[::1">`))
	f.Add([]byte("<time datetime='9999-99-99'>x</time><meta property=article:published_time content=yesterday>"))

	var (
		pages sync.Map // path -> []byte
		next  atomic.Int64
	)
	srv := newServer(f, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := pages.Load(r.URL.Path)
		w.Header().Set("Content-Type", "text/html")
		w.Write(body.([]byte))
	}))
	fetcher := mustNew(f, Options{Allow: testAllow})

	f.Fuzz(func(t *testing.T, data []byte) {
		path := "/" + strconv.FormatInt(next.Add(1), 10)
		pages.Store(path, data)
		defer pages.Delete(path)
		a, err := fetcher.Article(context.Background(), srv.URL+path)
		if err == nil && a.Body == "" {
			t.Errorf("Article returned no error and no body")
		}
	})
}
