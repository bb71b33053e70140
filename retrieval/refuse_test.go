package retrieval

import (
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

func TestRefuses(t *testing.T) {
	hit := []corpus.Hit{{}}
	for _, tc := range []struct {
		name  string
		res   Result
		floor float64
		want  bool
	}{
		{"no hits", Result{Confidence: 1}, 0.5, true},
		{"below floor", Result{Hits: hit, Confidence: 0.4}, 0.5, true},
		{"at floor", Result{Hits: hit, Confidence: 0.5}, 0.5, false},
		{"above floor", Result{Hits: hit, Confidence: 0.9}, 0.5, false},
		{"default floor refuses", Result{Hits: hit, Confidence: DefaultMinConfidence - 0.01}, 0, true},
		{"default floor answers", Result{Hits: hit, Confidence: DefaultMinConfidence}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Refuses(tc.res, tc.floor); got != tc.want {
				t.Errorf("Refuses(%d hits, conf %.2f; floor %.2f) = %v; want %v", len(tc.res.Hits), tc.res.Confidence, tc.floor, got, tc.want)
			}
		})
	}
}
