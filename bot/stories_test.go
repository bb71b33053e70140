package bot

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
)

func TestAddedSentences(t *testing.T) {
	tests := []struct {
		name   string
		bodies []string
		want   [][]string
	}{
		{"first adds all", []string{"The dam burst. Ten homes flooded."}, [][]string{{"The dam burst.", "Ten homes flooded."}}},
		{"exact copy adds nothing", []string{"The dam burst. Ten homes flooded.", "The dam burst. Ten homes flooded."},
			[][]string{{"The dam burst.", "Ten homes flooded."}, nil}},
		{"case and spacing ignored", []string{"The dam burst.", "THE  dam burst. Police closed the road."},
			[][]string{{"The dam burst."}, {"Police closed the road."}}},
		{"earlier of any article counts", []string{"A fire began.", "Crews arrived.", "A fire began. Crews arrived. It was out by noon."},
			[][]string{{"A fire began."}, {"Crews arrived."}, {"It was out by noon."}}},
		{"repeat within one article once", []string{"Rain fell. Rain fell."}, [][]string{{"Rain fell."}}},
		{"empty body", []string{"", "Rain fell."}, [][]string{nil, {"Rain fell."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arts := make([]corpus.Article, len(tt.bodies))
			for i, b := range tt.bodies {
				arts[i].Body = b
			}
			got := AddedSentences(arts)
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("AddedSentences(%q) = %q; want %q", tt.bodies, got, tt.want)
			}
		})
	}
}

func TestMakeStory(t *testing.T) {
	arts := []corpus.Article{
		{ID: 5, Title: "Dam bursts", Source: "AP", Body: "The dam burst."},
		{ID: 9, Title: "Dam bursts, homes flooded", Source: "Reuters", Body: "The dam burst. Ten homes flooded."},
	}
	s := MakeStory(5, arts)
	if s.ID != 5 || len(s.Entries) != 2 || s.Summary.Articles != 2 || !slices.Equal(s.Summary.Outlets, []string{"AP", "Reuters"}) {
		t.Fatalf("MakeStory = %+v; want story 5 with 2 articles from AP and Reuters", s)
	}
	if !slices.Equal(s.Entries[1].Added, []string{"Ten homes flooded."}) {
		t.Errorf("second article added %q; want the one new sentence", s.Entries[1].Added)
	}
}

// storyStore is a Store holding stories: articles by id and each one's
// story (none for an article not grouped yet). Only the methods
// LatestAbout uses are implemented.
type storyStore struct {
	Store
	arts    []corpus.Article
	stories map[int64]int64
}

func (s *storyStore) StoryOf(_ context.Context, id int64) (int64, bool, error) {
	st, ok := s.stories[id]
	return st, ok, nil
}

func (s *storyStore) StoryArticles(_ context.Context, story int64, _ []string) ([]corpus.Article, error) {
	var out []corpus.Article
	for _, a := range s.arts {
		if st, ok := s.stories[a.ID]; ok && st == story {
			out = append(out, a)
		}
	}
	return out, nil
}

// TestLatestAboutStories: the topic's matches are listed once per story,
// headed by the newest match, with the story's article and outlet counts;
// an article not grouped yet is a story of its own.
func TestLatestAboutStories(t *testing.T) {
	day := func(n int) time.Time { return time.Date(2026, 11, n, 0, 0, 0, 0, time.UTC) }
	ap := corpus.Article{ID: 1, Title: "Dam bursts", Source: "AP", PublishedAt: day(1)}
	reu := corpus.Article{ID: 2, Title: "Dam bursts, towns flooded", Source: "Reuters", PublishedAt: day(2)}
	ap2 := corpus.Article{ID: 3, Title: "Dam burst: AP update", Source: "ap", PublishedAt: day(3)}
	other := corpus.Article{ID: 4, Title: "Dam repairs planned", Source: "BBC", PublishedAt: day(4)}
	st := &storyStore{arts: []corpus.Article{ap, reu, ap2, other}, stories: map[int64]int64{1: 1, 2: 1, 3: 1}}
	var hits []corpus.Hit
	for _, a := range []corpus.Article{ap, reu, ap2, other} {
		hits = append(hits, corpus.Hit{Article: a, Passage: corpus.Passage{ID: a.ID * 10, ArticleID: a.ID}, Score: 10})
	}
	b := New(&fakeRetriever{res: retrieval.Result{Hits: hits}}, nil, st, Options{})
	got, err := b.LatestAbout(context.Background(), Actor{}, 5, "dam", "")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		story, head     int64
		articles, outls int
	}
	var rows []row
	for _, h := range got {
		rows = append(rows, row{h.ID, h.Headline.ID, h.Articles, h.Outlets})
	}
	want := []row{{4, 4, 1, 1}, {1, 3, 3, 2}}
	if !slices.Equal(rows, want) {
		t.Errorf("LatestAbout(dam) = %+v; want %+v", rows, want)
	}
	if got, err := b.LatestAbout(context.Background(), Actor{}, 1, "dam", ""); err != nil || len(got) != 1 {
		t.Errorf("LatestAbout(dam, 1) = %d rows, %v; want 1", len(got), err)
	}
}
