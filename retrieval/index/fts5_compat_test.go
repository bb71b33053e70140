package index_test

// This file compares the index's scores with SQLite FTS5's bm25(). Delete
// it when FTS5 leaves the store; index_test.go's brute-force reference
// stays.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/retrieval/index"
)

func TestScoresMatchFTS5(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "fts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	x := index.New(index.Options{})
	words := []string{"flood", "valley", "rain", "election", "vote", "bank", "rate", "storm", "farmer", "coast", "court", "minister"}
	g := newGen(5, len(words))
	g.vocab = words
	scopes := []string{corpus.GlobalScope, "111"}
	for i := range 60 {
		// Text from the vocabulary, so corpus.Terms gives the words back.
		a := &corpus.Article{
			Title:   strings.Join(g.terms(g.r.IntN(5)), " "),
			Source:  "test",
			AddedBy: "test",
			Scope:   scopes[i%2],
		}
		if i%3 > 0 {
			a.PublishedAt = day(i)
		}
		var paras []string
		for range 1 + g.r.IntN(3) {
			paras = append(paras, strings.Join(g.terms(1+g.r.IntN(30)), " ")+".")
		}
		a.Body = strings.Join(paras, "\n\n")
		a.Body += fmt.Sprintf("\n\nitem%d.", i) // unique text
		if err := corpus.Prepare(a); err != nil {
			t.Fatal(err)
		}
		a.Title = strings.Join(g.terms(g.r.IntN(5)), " ") // Prepare may derive one
		if err := db.Add(ctx, a); err != nil {
			t.Fatal(err)
		}
		ia := corpus.IndexedArticle{ArticleID: a.ID, Scope: a.Scope, PublishedAt: a.PublishedAt, TitleTerms: corpus.Terms(a.Title)}
		for _, p := range a.Passages {
			ia.Passages = append(ia.Passages, corpus.IndexedPassage{ID: p.ID, Terms: corpus.Terms(p.Text)})
		}
		if err := x.Put(ia); err != nil {
			t.Fatal(err)
		}
	}
	for i, tc := range []struct {
		text   string
		scopes []string
		pub    corpus.Published
	}{
		{"flood", nil, corpus.Published{}},
		{"flood valley rain", nil, corpus.Published{}},
		{"election vote court minister", []string{corpus.GlobalScope, "111"}, corpus.Published{}},
		{"storm coast farmer bank rate", nil, corpus.Published{From: day(10), To: day(40)}},
		{"rain storm", []string{"111"}, corpus.Published{Before: day(30)}},
		{"item7 rain", nil, corpus.Published{}},
	} {
		terms := corpus.QueryTerms(tc.text)
		var qt []corpus.QueryTerm
		quoted := make([]string, len(terms))
		for j, term := range terms {
			qt = append(qt, corpus.QueryTerm{Term: term, Weight: 1})
			quoted[j] = `"` + term + `"`
		}
		want, err := db.Search(ctx, corpus.SearchQuery{Match: strings.Join(quoted, " OR "), Scopes: tc.scopes, Published: tc.pub, K: 20})
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.Search(ctx, index.Query{Terms: qt, Scopes: tc.scopes, Published: tc.pub, K: 20})
		if err != nil {
			t.Fatal(err)
		}
		// Only the fields the index fills.
		for j := range want {
			h := &want[j]
			h.Passage = corpus.Passage{ID: h.Passage.ID, ArticleID: h.Passage.ArticleID}
			h.Article = corpus.Article{ID: h.Article.ID, Scope: h.Article.Scope, PublishedAt: h.Article.PublishedAt}
		}
		if len(want) == 0 {
			t.Fatalf("query %d %q: FTS5 found nothing; the test corpus is wrong", i, tc.text)
		}
		if err := sameHits(got, want); err != nil {
			t.Errorf("query %d %q: %v", i, tc.text, err)
		}
	}
}
