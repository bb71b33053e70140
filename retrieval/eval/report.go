package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
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

	// Retrieve is the spread of the questions' Retrieve times.
	Retrieve Latency
	// Parallel is how many questions were retrieved at once, and
	// QuestionsPerS the questions over the wall time of all retrieval.
	Parallel      int
	QuestionsPerS float64
	// Ingest is the speed of the corpus ingest; nil when nothing was
	// added (a -db that already held the corpus).
	Ingest *IngestSpeed
	// Index is how the in-memory index was opened before the questions;
	// nil when the caller did not say.
	Index *IndexOpen
}

// IndexOpen describes opening the in-memory index: built from the store or
// read from its snapshot and caught up.
type IndexOpen struct {
	Passages int     `json:"passages"`
	Seconds  float64 `json:"seconds"`
}

// Latency summarises how long the questions' Retrieve calls took.
type Latency struct {
	P50, P90, P99, Max, Mean time.Duration
}

// LatencyOf summarises the Elapsed times of outs: percentiles by the
// nearest-rank rule (P99 of 50 questions is the slowest), so every figure
// is a time some question really took. No outcomes give zeros.
func LatencyOf(outs []Outcome) Latency {
	if len(outs) == 0 {
		return Latency{}
	}
	ds := make([]time.Duration, len(outs))
	var sum time.Duration
	for i, o := range outs {
		ds[i] = o.Elapsed
		sum += o.Elapsed
	}
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	return Latency{
		P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: ds[len(ds)-1],
		Mean: sum / time.Duration(len(ds)),
	}
}

// ms is d in milliseconds, rounded to the microsecond.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// latencyJSON is the "retrieve_ms" object.
type latencyJSON struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// IngestSpeed is what an ingest added and how fast: articles, their
// passages and the words of their bodies. Duplicates (not added) are
// counted apart and are not in the rates.
type IngestSpeed struct {
	Articles   int
	Duplicates int
	Passages   int
	Words      int
	Seconds    float64
}

// rate is n per second, 0 when no time passed.
func (s IngestSpeed) rate(n int) float64 {
	if s.Seconds <= 0 {
		return 0
	}
	return float64(n) / s.Seconds
}

// MarshalJSON writes the counts, the seconds and the three rates.
func (s IngestSpeed) MarshalJSON() ([]byte, error) {
	round1 := func(v float64) float64 { return math.Round(v*10) / 10 }
	return json.Marshal(struct {
		Articles     int     `json:"articles"`
		Duplicates   int     `json:"duplicates"`
		Passages     int     `json:"passages"`
		Words        int     `json:"words"`
		Seconds      float64 `json:"seconds"`
		ArticlesPerS float64 `json:"articles_per_s"`
		PassagesPerS float64 `json:"passages_per_s"`
		WordsPerS    float64 `json:"words_per_s"`
	}{
		s.Articles, s.Duplicates, s.Passages, s.Words, math.Round(s.Seconds*1000) / 1000,
		round1(s.rate(s.Articles)), round1(s.rate(s.Passages)), round1(s.rate(s.Words)),
	})
}

// Evaluate runs every question and scores the outcomes. The Report has no
// ingest counts; Seconds is the retrieval time.
func (r Runner) Evaluate(ctx context.Context, f Format, qs []Question) (Report, []Outcome, error) {
	start := time.Now()
	outs, err := r.Run(ctx, qs)
	if err != nil {
		return Report{}, nil, err
	}
	retrieving := time.Since(start)
	rep, err := r.report(ctx, f, qs, outs)
	if err != nil {
		return Report{}, nil, fmt.Errorf("evaluate: %w", err)
	}
	if retrieving > 0 {
		rep.QuestionsPerS = float64(len(qs)) / retrieving.Seconds()
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, outs, nil
}

// report scores the outcomes of questions qs (marking copies among their
// hits first, when the Runner can judge them): what Evaluate and Rescore
// report alike.
func (r Runner) report(ctx context.Context, f Format, qs []Question, outs []Outcome) (Report, error) {
	if r.Copies != nil {
		if err := MarkCopies(ctx, outs, r.Copies); err != nil {
			return Report{}, err
		}
	}
	rep := Report{
		Format: f, Questions: len(qs), Floor: r.Floor, Metrics: r.Score(f, outs),
		Retrieve: LatencyOf(outs), Parallel: r.workers(),
	}
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
	return rep, nil
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

// MarshalJSON writes one object: format, the counts, floor and seconds,
// then every metric keyed by its name, in display order (values rounded to
// 4 decimals, seconds to 0.1), then the speed: "retrieve_ms" {p50, p90,
// p99, max, mean}, "parallel", "questions_per_s", when the run added
// articles "ingest" (see IngestSpeed), and "index" when set (IndexOpen).
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
	l := r.Retrieve
	put("retrieve_ms", latencyJSON{P50: ms(l.P50), P90: ms(l.P90), P99: ms(l.P99), Max: ms(l.Max), Mean: ms(l.Mean)})
	put("parallel", r.Parallel)
	put("questions_per_s", math.Round(r.QuestionsPerS*10)/10)
	if r.Ingest != nil {
		put("ingest", *r.Ingest)
	}
	if r.Index != nil {
		put("index", *r.Index)
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
	fmt.Fprintf(&b, "time:      %.1fs\n", r.Seconds)
	if s := r.Ingest; s != nil {
		fmt.Fprintf(&b, "ingest:    %d articles, %d passages, %d words in %.2fs: %.0f articles/s, %.0f passages/s, %.0f words/s\n",
			s.Articles, s.Passages, s.Words, s.Seconds, s.rate(s.Articles), s.rate(s.Passages), s.rate(s.Words))
	}
	if x := r.Index; x != nil {
		fmt.Fprintf(&b, "index:     %d passages opened in %.2fs\n", x.Passages, x.Seconds)
	}
	l := r.Retrieve
	fmt.Fprintf(&b, "retrieve:  p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms; %.1f questions/s with %d at once\n\n",
		ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), ms(l.Mean), r.QuestionsPerS, r.Parallel)
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
