package stories

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// loadArticle reads testdata/name.txt: "key: value" header lines (id,
// source, published, title, scope), a blank line, then the body.
func loadArticle(tb testing.TB, name string) *corpus.Article {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
	if err != nil {
		tb.Fatal(err)
	}
	head, body, ok := strings.Cut(string(data), "\n\n")
	if !ok {
		tb.Fatalf("%s: no blank line after the header", name)
	}
	a := &corpus.Article{Scope: corpus.GlobalScope, Body: strings.TrimSpace(body)}
	sc := bufio.NewScanner(strings.NewReader(head))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		switch k {
		case "id":
			if a.ID, err = strconv.ParseInt(v, 10, 64); err != nil {
				tb.Fatalf("%s: id: %v", name, err)
			}
		case "source":
			a.Source = v
		case "published":
			if a.PublishedAt, err = time.Parse(time.RFC3339, v); err != nil {
				tb.Fatalf("%s: published: %v", name, err)
			}
		case "title":
			a.Title = v
		case "scope":
			a.Scope = v
		default:
			tb.Fatalf("%s: unknown header %q", name, k)
		}
	}
	a.Hash = corpus.ContentHash(a.Body)
	return a
}
