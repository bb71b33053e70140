package bot

import (
	"slices"
	"testing"

	"github.com/newsbot/newsbot/corpus"
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
