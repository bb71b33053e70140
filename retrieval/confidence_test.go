package retrieval

import (
	"context"
	"testing"
)

// TestRetrieveSignals checks the measurements the confidence model reads,
// each on a question built to move it.
func TestRetrieveSignals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := New(f.store, f.store, Options{})
	tests := []struct {
		question string
		check    func(Signals) bool
		want     string
	}{
		{"When did the Harbour Bridge reopen?", func(s Signals) bool {
			return s.Best == 1 && s.Top == 1 && s.Coverage == 1 && !s.MissedNumber && !s.MissedName && !s.MissedPhrase
		}, "every term in the best hit, nothing missed"},
		{"Who won the 2030 World Cup final?", func(s Signals) bool { return s.MissedNumber && s.BestMissedNumber }, "the number 2030 missed"},
		{"Did the ferry add a third evening sailing?", func(s Signals) bool { return s.MissedNumber }, "the ordinal third missed"},
		{"What did Mayor Ortiz say about the Harbour Cables?", func(s Signals) bool { return s.MissedPhrase && !s.MissedName }, "Harbour Cables missed as a phrase, though both words are there"},
		{"What did Mayor Delgado say about the bridge?", func(s Signals) bool { return s.MissedName }, "the name Delgado missed"},
		// "say" is asked, "said" is written: an irregular verb's past form
		// holds what was asked (verbs.go).
		{"What did Mayor Ortiz say about the bridge repairs?", func(s Signals) bool { return s.Top == 1 && s.Coverage == 1 }, `"said" counted as the "say" asked`},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			res, err := r.Retrieve(context.Background(), Request{Question: tt.question, AsOf: testAsOf})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(res.Signals) {
				t.Errorf("Retrieve(%q).Signals = %+v; want %s", tt.question, res.Signals, tt.want)
			}
			if want := r.opt.Model.Confidence(res.Signals); res.Confidence != want {
				t.Errorf("Confidence = %v; want the model's %v", res.Confidence, want)
			}
		})
	}
}

func TestModelConfidence(t *testing.T) {
	m := Model{Bias: -1, Weights: [NumFeatures]float64{2}} // best only
	for _, tc := range []struct {
		name string
		s    Signals
		want float64
	}{
		{"no terms", Signals{}, 0},
		{"nothing found", Signals{Terms: 3}, 0},
		{"logit 0", Signals{Terms: 3, Best: 0.5, Top: 0.5}, 0.5},
		{"logit 1", Signals{Terms: 3, Best: 1, Top: 1}, 1 / (1 + 1/2.718281828459045)},
	} {
		if got := m.Confidence(tc.s); got-tc.want > 1e-12 || tc.want-got > 1e-12 {
			t.Errorf("%s: Confidence(%+v) = %v; want %v", tc.name, tc.s, got, tc.want)
		}
	}
	if DefaultModel().IsZero() || !(Model{}).IsZero() {
		t.Error("IsZero: want false for DefaultModel, true for the zero Model")
	}
}

// TestRetrieveOneWordFollowUp: a follow-up that points back with one word
// of its own ("How old is she?") is about the previous question's subject:
// that subject's story comes first, and is not refused for lacking the
// one word.
func TestRetrieveOneWordFollowUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := New(f.store, f.store, Options{})
	res, err := r.Retrieve(context.Background(), Request{
		Question: "How many did they replace?",
		Context:  "What happened to the Harbour Bridge cables?\nThey were repaired [1].",
		AsOf:     testAsOf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Hits[0].Article.ID != f.bridge {
		t.Fatalf("Retrieve(follow-up) articles = %v; want the bridge (%d) first", articleIDs(res.Hits), f.bridge)
	}
	if Refuses(res, 0) {
		t.Errorf("Retrieve(follow-up) refused: confidence %.2f, signals %+v", res.Confidence, res.Signals)
	}
	if res.Signals.Terms < 3 {
		t.Errorf("Signals.Terms = %d; want the previous question's terms counted as asked", res.Signals.Terms)
	}
}
