package eval

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"math"
	"slices"
	"strconv"

	"github.com/newsbot/newsbot/retrieval"
)

// Sample is one question as the confidence model is fitted on it: its
// signals and whether its hits answer it.
type Sample struct {
	Signals retrieval.Signals
	// Answered: the question is answerable and a gold article is among
	// its hits. An answerable question whose hits all miss the gold
	// article counts as not answered: the confidence estimates whether the
	// hits answer the question, not whether the corpus could have.
	Answered bool
	// Answerable: the question has gold articles (the refusal figures
	// split by it).
	Answerable bool
}

// Samples turns a Generic set's outcomes into samples. Questions with no
// hits are left out: they are refused whatever the model says.
func Samples(outs []Outcome) []Sample {
	var ss []Sample
	for _, o := range outs {
		if len(o.Hits) == 0 {
			continue
		}
		ok := o.Question.Answerable()
		ss = append(ss, Sample{
			Signals:    o.Signals,
			Answerable: ok,
			Answered:   ok && RecallAt(o.Question.GoldURLs, o.urls(), minPassages) > 0,
		})
	}
	return ss
}

// FitStats describe a fit: on how many samples, how well it fits them
// (mean log loss) and in how many Newton steps it converged.
type FitStats struct {
	N, Answered int
	LogLoss     float64
	Steps       int
}

// DefaultL2 is the ridge penalty of Fit. A dev set of a hundred-odd
// questions cannot pin eight weights down alone; the penalty keeps them
// small where the data says little, so the model does not learn a few
// questions by heart.
const DefaultL2 = 1.0

// Fit fits a logistic regression of Answered on the features by Newton's
// method (iteratively reweighted least squares) with an L2 penalty l2 on
// the weights (not the bias). The log loss is convex, so the result does
// not depend on a starting point or a learning rate.
func Fit(ss []Sample, l2 float64) (retrieval.Model, FitStats, error) {
	const d = retrieval.NumFeatures + 1 // the bias is w[0]
	st := FitStats{N: len(ss)}
	for _, s := range ss {
		if s.Answered {
			st.Answered++
		}
	}
	if st.Answered == 0 || st.Answered == st.N {
		return retrieval.Model{}, st, errors.New("fit confidence: need questions both answered and not")
	}
	row := func(s Sample) [d]float64 {
		var x [d]float64
		x[0] = 1
		f := s.Signals.Features()
		copy(x[1:], f[:])
		return x
	}
	var w [d]float64
	for st.Steps = 1; st.Steps <= 100; st.Steps++ {
		var g [d]float64
		h := make([][]float64, d)
		for i := range h {
			h[i] = make([]float64, d)
		}
		for _, s := range ss {
			x := row(s)
			p := sigmoid(dot(w[:], x[:]))
			y := 0.0
			if s.Answered {
				y = 1
			}
			for i := range d {
				g[i] += (p - y) * x[i]
				for j := range d {
					h[i][j] += p * (1 - p) * x[i] * x[j]
				}
			}
		}
		for i := 1; i < d; i++ {
			g[i] += l2 * w[i]
			h[i][i] += l2
		}
		step, err := solve(h, g[:])
		if err != nil {
			return retrieval.Model{}, st, fmt.Errorf("fit confidence: %w", err)
		}
		size := 0.0
		for i := range d {
			w[i] -= step[i]
			size = math.Max(size, math.Abs(step[i]))
		}
		if size < 1e-10 {
			break
		}
	}
	m := retrieval.Model{Bias: w[0]}
	copy(m.Weights[:], w[1:])
	for _, s := range ss {
		x := row(s)
		p := sigmoid(dot(w[:], x[:]))
		if !s.Answered {
			p = 1 - p
		}
		st.LogLoss -= math.Log(math.Max(p, 1e-15))
	}
	st.LogLoss /= float64(st.N)
	return m, st, nil
}

// Refusals are the shares of answerable and unanswerable questions refused
// at a floor.
type Refusals struct {
	Floor                    float64
	Answerable, Unanswerable float64
}

// RefusalsAt returns the refusal shares of the model over ss at floor:
// a question is refused when its confidence is below the floor, as
// retrieval.Refuses decides.
func RefusalsAt(m retrieval.Model, ss []Sample, floor float64) Refusals {
	r := Refusals{Floor: floor}
	var na, nu int
	for _, s := range ss {
		refused := m.Confidence(s.Signals) < floor
		if s.Answerable {
			na++
			if refused {
				r.Answerable++
			}
		} else {
			nu++
			if refused {
				r.Unanswerable++
			}
		}
	}
	if na > 0 {
		r.Answerable /= float64(na)
	}
	if nu > 0 {
		r.Unanswerable /= float64(nu)
	}
	return r
}

// ChooseFloor returns the highest floor (a model confidence of one of the
// samples, rounded down to a hundredth) at which at most maxRefused of
// the answerable questions are refused: the bot answers what it can and
// refuses as much else as that allows.
func ChooseFloor(m retrieval.Model, ss []Sample, maxRefused float64) Refusals {
	var cands []float64
	for _, s := range ss {
		if s.Answerable {
			cands = append(cands, math.Floor(m.Confidence(s.Signals)*100)/100)
		}
	}
	slices.Sort(cands)
	best := RefusalsAt(m, ss, 0)
	for _, f := range cands {
		r := RefusalsAt(m, ss, f)
		if r.Answerable > maxRefused {
			break
		}
		best = r
	}
	return best
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// solve solves a·x = b by Gaussian elimination with partial pivoting; a
// and b are overwritten.
func solve(a [][]float64, b []float64) ([]float64, error) {
	n := len(b)
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return nil, errors.New("singular system")
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < n; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < n; k++ {
			s -= a[r][k] * x[k]
		}
		x[r] = s / a[r][r]
	}
	return x, nil
}

// ModelSource is the Go source of retrieval's fitted model file
// (retrieval/model_fit.go): DefaultModel, DefaultMinConfidence = the
// chosen floor, and the fit's figures in their comments. command is the
// command line that produced it, recorded so the fit can be rerun.
func ModelSource(m retrieval.Model, st FitStats, l2 float64, at Refusals, maxRefused float64, command string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by %s; DO NOT EDIT.\n\npackage retrieval\n\n", "`newsbot eval --calibrate`")
	fmt.Fprintf(&b, `// DefaultMinConfidence is the confidence floor below which the bot answers
// "not in the corpus" instead of composing an answer: the highest floor at
// which at most %.0f%% of the fit questions that have an answer are refused.
// On the fit questions it refuses %.1f%% of those with an answer and %.1f%% of
// those without. Operators may set another (NEWSBOT_MIN_CONFIDENCE).
const DefaultMinConfidence = %s

`, maxRefused*100, at.Answerable*100, at.Unanswerable*100, strconv.FormatFloat(at.Floor, 'f', -1, 64))
	fmt.Fprintf(&b, `// DefaultModel is the confidence model fitted by
//
//	%s
//
// on %d questions, %d of them answered by their hits: mean log loss %.4f,
// L2 penalty %g, %d Newton steps.
func DefaultModel() Model {
	return Model{
		Bias: %s,
		Weights: [NumFeatures]float64{
`, command, st.N, st.Answered, st.LogLoss, l2, st.Steps, strconv.FormatFloat(round(m.Bias), 'f', -1, 64))
	names := retrieval.FeatureNames()
	for i, w := range m.Weights {
		fmt.Fprintf(&b, "%s, // %s\n", strconv.FormatFloat(round(w), 'f', -1, 64), names[i])
	}
	b.WriteString("},\n}\n}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format model source: %w", err)
	}
	return src, nil
}

// round keeps six decimals: more than the fit can tell apart, and a
// stable diff when it is rerun.
func round(x float64) float64 { return math.Round(x*1e6) / 1e6 }
