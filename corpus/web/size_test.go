package web

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestDeeplyNestedPage fetches a 5 MB page that is one element nested
// 100,000 deep: the fetcher ends with an article or a clear error, never a
// crash; the time and memory it takes are logged (a figure, not a test).
func TestDeeplyNestedPage(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts a 5 MB page; skipped in -short mode")
	}
	const depth = 100_000
	page := "<html><head><title>Glacier lab opens</title></head><body>" + strings.Repeat(`<div class="article-body-wrapper-container">`, depth) +
		"<p>The Zorblat station opened a glacier laboratory on Friday, officials said, after years of planning by the survey.</p>" +
		strings.Repeat("</div>", depth) + "</body></html>"
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	f := mustNew(t, Options{Allow: testAllow})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	a, err := f.Article(context.Background(), srv.URL+"/nested")
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil && !strings.Contains(a.Body, "glacier laboratory") {
		t.Errorf("Article(nested) = %q; want the paragraph or an error", a.Body)
	}
	if err != nil && err.Error() == "" {
		t.Errorf("Article(nested) failed without a message")
	}
	t.Logf("%.1f MB page nested %d deep: %v, %.0f MB allocated, err %v", float64(len(page))/1e6, depth, took, float64(after.TotalAlloc-before.TotalAlloc)/1e6, err)
}
