package retrieval

import "math"

// NumFeatures is the number of the confidence model's inputs.
const NumFeatures = 8

// FeatureNames are the names of the confidence model's inputs, in the
// order of Model.Weights (see Signals.Features).
func FeatureNames() [NumFeatures]string {
	return [NumFeatures]string{"best", "top", "coverage", "missed_number", "best_missed_number", "missed_name", "missed_phrase", "inv_terms"}
}

// Model is a logistic regression from a question's Signals to the
// probability that its hits answer it: 1 / (1 + e^-(Bias + Weights·x)).
// Its weights are fitted on the dev set by `newsbot eval --calibrate`
// (retrieval/eval.Fit); DefaultModel is that fit.
type Model struct {
	Bias    float64
	Weights [NumFeatures]float64
}

// IsZero reports whether m is the zero Model (Options.Model unset).
func (m Model) IsZero() bool { return m == Model{} }

// Confidence is the model's probability that hits with signals s answer
// the question; 0 for a question with no terms or whose hits hold none
// of them (no hits at all among them).
func (m Model) Confidence(s Signals) float64 {
	if s.Terms == 0 || s.Top == 0 {
		return 0
	}
	z := m.Bias
	for i, x := range s.Features() {
		z += m.Weights[i] * x
	}
	return 1 / (1 + math.Exp(-z))
}

// Features are s as the model's inputs, in the order of Features: the
// shares as they are, the misses as 0 or 1, and the number of terms as its
// inverse (a share of a two-word question moves in halves).
func (s Signals) Features() [NumFeatures]float64 {
	return [NumFeatures]float64{
		s.Best, s.Top, s.Coverage, b2f(s.MissedNumber), b2f(s.BestMissedNumber), b2f(s.MissedName), b2f(s.MissedPhrase),
		1 / float64(max(s.Terms, 1)),
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
