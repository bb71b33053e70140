package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

// Metric is one figure of a Report.
type Metric struct {
	Name  string  // e.g. "answer_recall@10"
	Value float64 // a share or a mean in [0, 1]
	Of    int     // how many questions it is averaged over
}

// Report is the result of an evaluation.
type Report struct {
	Format    Format
	Questions int
	// Answerable and Unanswerable split a Generic set by whether it has
	// gold articles; both are 0 for the other formats.
	Answerable, Unanswerable int
	// Articles, Duplicates and Failed count the corpus ingest.
	Articles, Duplicates, Failed int
	Floor                        float64 // the refusal floor applied
	Seconds                      float64 // wall time of ingest and retrieval
	Metrics                      []Metric
}

// Evaluate runs every question and scores the outcomes. The Report has no
// ingest counts; Seconds is the retrieval time.
func (r Runner) Evaluate(ctx context.Context, f Format, qs []Question) (Report, []Outcome, error) {
	start := time.Now()
	outs, err := r.Run(ctx, qs)
	if err != nil {
		return Report{}, nil, err
	}
	rep := Report{Format: f, Questions: len(qs), Floor: r.Floor, Metrics: r.Score(f, outs)}
	if rep.Floor <= 0 {
		rep.Floor = retrieval.DefaultMinConfidence
	}
	if f == Generic {
		for _, q := range qs {
			if q.Answerable() {
				rep.Answerable++
			} else {
				rep.Unanswerable++
			}
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, outs, nil
}

// Metric returns the value of the named metric and whether it is there.
func (r Report) Metric(name string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

// MarshalJSON writes one flat object: format, the counts, floor and
// seconds, then every metric keyed by its name, in display order. Values
// are rounded to 4 decimals, seconds to 0.1.
func (r Report) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	put := func(k string, v any) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		kj, _ := json.Marshal(k)
		vj, _ := json.Marshal(v)
		b.Write(kj)
		b.WriteByte(':')
		b.Write(vj)
	}
	put("format", r.Format)
	put("questions", r.Questions)
	if r.Format == Generic {
		put("answerable", r.Answerable)
		put("unanswerable", r.Unanswerable)
	}
	put("articles", r.Articles)
	put("duplicates", r.Duplicates)
	put("failed", r.Failed)
	put("floor", r.Floor)
	put("seconds", math.Round(r.Seconds*10)/10)
	for _, m := range r.Metrics {
		put(m.Name, math.Round(m.Value*1e4)/1e4)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// WriteTable prints the report for a person: a few header lines, then one
// aligned row per metric with the number of questions it covers.
func (r Report) WriteTable(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "format:    %s\n", r.Format)
	fmt.Fprintf(&b, "questions: %d", r.Questions)
	if r.Format == Generic {
		fmt.Fprintf(&b, " (%d answerable, %d unanswerable)", r.Answerable, r.Unanswerable)
	}
	fmt.Fprintf(&b, "\ncorpus:    %d articles added, %d duplicates, %d failed\n", r.Articles, r.Duplicates, r.Failed)
	fmt.Fprintf(&b, "floor:     %.2f\n", r.Floor)
	fmt.Fprintf(&b, "time:      %.1fs\n\n", r.Seconds)
	width := len("metric")
	for _, m := range r.Metrics {
		width = max(width, len(m.Name))
	}
	fmt.Fprintf(&b, "%-*s  %6s  %9s\n", width, "metric", "value", "questions")
	for _, m := range r.Metrics {
		fmt.Fprintf(&b, "%-*s  %6.4f  %9d\n", width, m.Name, m.Value, m.Of)
	}
	_, err := w.Write(b.Bytes())
	return err
}
