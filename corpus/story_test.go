package corpus

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestEnoughStoryCandidates(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ids      []int64
		limit, n int
		want     bool
	}{
		{"n stories", []int64{5, 5, 4, 3}, 4, 3, true},
		{"fewer stories, more articles to read", []int64{5, 5, 5, 4}, 4, 3, false},
		{"fewer stories, every article read", []int64{5, 5, 4}, 4, 3, true},
		{"at the maximum", []int64{5, 5, 5, 5}, MaxLatestStoryCandidates, 3, true},
	} {
		if got := EnoughStoryCandidates(tc.ids, tc.limit, tc.n); got != tc.want {
			t.Errorf("%s: EnoughStoryCandidates(%v, %d, %d) = %v; want %v", tc.name, tc.ids, tc.limit, tc.n, got, tc.want)
		}
	}
}

func TestWithHeadlines(t *testing.T) {
	heads := []StoryHead{{ID: 1, Headline: Article{ID: 10}}, {ID: 2, Headline: Article{ID: 20}}, {ID: 3, Headline: Article{ID: 30}}}
	got := WithHeadlines(heads, []Article{{ID: 30, Title: "c"}, {ID: 10, Title: "a"}})
	if len(got) != 2 || got[0].ID != 1 || got[0].Headline.Title != "a" || got[1].ID != 3 || got[1].Headline.Title != "c" {
		t.Errorf("WithHeadlines = %+v; want stories 1 and 3 with their titles, 2 dropped (headline deleted)", got)
	}
}

func TestGetExisting(t *testing.T) {
	get := func(_ context.Context, id int64) (*Article, error) {
		switch id {
		case 2:
			return nil, fmt.Errorf("get %d: %w", id, ErrNotFound) // deleted since
		case 9:
			return nil, errors.New("disk on fire")
		}
		return &Article{ID: id}, nil
	}
	got, err := GetExisting(context.Background(), []int64{3, 2, 1}, get)
	if err != nil || len(got) != 2 || got[0].ID != 3 || got[1].ID != 1 {
		t.Errorf("GetExisting(3, 2, 1) = %+v, %v; want 3 and 1 in order, the deleted 2 left out", got, err)
	}
	if _, err := GetExisting(context.Background(), []int64{1, 9}, get); err == nil {
		t.Error("GetExisting with a failing read = nil error; want it")
	}
}
