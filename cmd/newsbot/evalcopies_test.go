package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

// mapArticles is an articleGetter over articles by URL.
type mapArticles map[string]*corpus.Article

func (m mapArticles) GetByURL(_ context.Context, url string) (*corpus.Article, error) {
	if a, ok := m[url]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("get %s: %w", url, corpus.ErrNotFound)
}

// TestFingerprintJudge: eval's copies are the story grouping's: two
// outlets' copies of a wire story are copies, a different story and an
// article not stored are not.
func TestFingerprintJudge(t *testing.T) {
	j := &fingerprintJudge{Articles: mapArticles{
		"https://a.example/elbe": {Title: "Elbe barriers hold", Body: "DRESDEN (Wire) - " + wireBody},
		"https://b.example/elbe": {Title: "Barriers on the Elbe hold in Dresden", Body: wireBody + "\n\nCopyright Elbe Post."},
		"https://c.example/lake": {Title: "Lakeshore election", Body: followUpArticles["lakeshore.md"]},
	}}
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"https://a.example/elbe", "https://b.example/elbe", true},
		{"https://b.example/elbe", "https://a.example/elbe", true},
		{"https://a.example/elbe", "https://c.example/lake", false},
		{"https://a.example/elbe", "https://gone.example/x", false},
	} {
		got, err := j.Copies(context.Background(), tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("Copies(%s, %s) = %v, %v; want %v", tt.a, tt.b, got, err, tt.want)
		}
	}
}
