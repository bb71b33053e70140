package parse

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// nestedPage is one element nested depth times around a paragraph: 5 MB
// for a depth of 100,000.
func nestedPage(depth int) string {
	return "<html><body>" + strings.Repeat(`<div class="article-body-wrapper-container">`, depth) +
		"<p>The Zorblat station opened a glacier laboratory on Friday, officials said, after years of planning by the survey.</p>" +
		strings.Repeat("</div>", depth) + "</body></html>"
}

// TestDeeplyNestedHTML reads a 5 MB page that is one element nested
// 100,000 deep, as a file: it ends with an article or a clear error, never
// a crash. The time and memory it takes are logged (a figure, not a test).
func TestDeeplyNestedHTML(t *testing.T) {
	if testing.Short() {
		t.Skip("parses a 5 MB page; skipped in -short mode")
	}
	page := nestedPage(100_000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	var got []corpus.Article
	var problems []string
	err := (Reader{}).Read(context.Background(), "nested.html", strings.NewReader(page), func(a corpus.Article) error {
		got = append(got, a)
		return nil
	}, func(_ string, err error) { problems = append(problems, err.Error()) })
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("Read(nested.html) = %v", err)
	}
	if len(got)+len(problems) != 1 {
		t.Errorf("Read(nested.html) gave %d articles and problems %q; want one or the other", len(got), problems)
	}
	if len(got) == 1 && !strings.Contains(got[0].Body, "glacier laboratory") {
		t.Errorf("article body = %q; want the paragraph", got[0].Body)
	}
	t.Logf("%.1f MB page nested 100,000 deep: %v, %.0f MB allocated, problems %q", float64(len(page))/1e6, took, float64(after.TotalAlloc-before.TotalAlloc)/1e6, problems)
}
