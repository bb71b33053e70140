// Package eval measures retrieval on question sets: it loads questions in
// newsbot's generic JSONL, RealTime QA or MultiHop-RAG format, ingests their
// corpus into a store, asks the retriever every question as of that
// question's date, exactly as the bot would, and scores the passages:
// recall and MRR by gold article, whether the answer text is in the
// passages, multiple-choice accuracy, MultiHop-RAG's Hits/MRR/MAP, and how
// often the bot would refuse (retrieval.Refuses, the bot's own rule).
// docs/EVAL.md defines every metric.
package eval

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
)

// Retriever answers a question with ranked passages (*retrieval.Retriever).
type Retriever interface {
	Retrieve(ctx context.Context, req retrieval.Request) (retrieval.Result, error)
}

// DefaultCutoffs are the k of the @k metrics when Runner.Cutoffs is empty.
var DefaultCutoffs = []int{1, 5, 10}

// minPassages is how many passages every question retrieves whatever the
// cut-offs: MRR@10, choice accuracy and MultiHop's metrics look at the top 10.
const minPassages = 10

// Runner asks a Retriever every question of a set and scores the answers.
type Runner struct {
	Retriever Retriever
	// Floor is the confidence below which the bot refuses; <= 0 means
	// retrieval.DefaultMinConfidence (see retrieval.Refuses).
	Floor float64
	// Cutoffs are the k of the @k metrics; empty means DefaultCutoffs.
	Cutoffs []int
	// AsOf is when a question without a date is asked; zero means now.
	AsOf time.Time
	// Workers is how many questions are retrieved at once; <= 0 means 1.
	// One at a time is the default so that each question's time
	// (Outcome.Elapsed) is its own and not shared with the others.
	Workers int
	// Progress, if not nil, is called after each question with the number
	// done; calls are serialised.
	Progress func(done, total int)
	// Copies, if not nil, judges which top hits are copies of a better
	// hit's article, for the copies_share@10 metric (MarkCopies).
	Copies CopyJudge
}

// Hit is what the metrics need of one retrieved passage.
type Hit struct {
	URL   string `json:"url"`   // the article's canonical URL
	Title string `json:"title"` // the article's title
	Text  string `json:"text"`  // the passage
	// Copy marks a hit among the top 10 whose article is a near-duplicate
	// copy of a higher-ranked hit's article (see MarkCopies); set only
	// when the Runner has a CopyJudge.
	Copy bool `json:"copy,omitempty"`
}

// text is what answer matching reads: the article title and the passage.
func (h Hit) text() string { return h.Title + "\n" + h.Text }

// Outcome is what retrieval returned for one question.
type Outcome struct {
	Question Question
	Hits     []Hit // best first
	// AsOf is when the question was asked: its own date, else the
	// Runner's AsOf; zero means the retriever's clock.
	AsOf       time.Time
	Confidence float64
	// Signals are what the confidence was computed from, for fitting the
	// confidence model (Fit).
	Signals retrieval.Signals
	Refused bool // retrieval.Refuses with the Runner's floor
	// Elapsed is the wall time of the question's Retrieve call.
	Elapsed time.Duration
}

// Record is one Outcome as the eval command's --outcomes file holds it.
type Record struct {
	ID         string            `json:"id"`
	Question   string            `json:"question"`
	AsOf       string            `json:"as_of,omitempty"`
	Answers    []string          `json:"answers,omitempty"`
	Choices    []string          `json:"choices,omitempty"`
	Correct    int               `json:"correct"`
	GoldURLs   []string          `json:"gold_urls,omitempty"`
	Confidence float64           `json:"confidence"`
	Signals    retrieval.Signals `json:"signals"`
	Refused    bool              `json:"refused"`
	RetrieveMS float64           `json:"retrieve_ms"`
	Hits       []Hit             `json:"hits"`
}

// Record returns the outcome in the form written for error analysis.
func (o Outcome) Record() Record {
	r := Record{
		ID: o.Question.ID, Question: o.Question.Text, Answers: o.Question.Answers,
		Choices: o.Question.Choices, Correct: o.Question.Correct, GoldURLs: o.Question.GoldURLs,
		Confidence: o.Confidence, Signals: o.Signals, Refused: o.Refused, Hits: o.Hits,
		RetrieveMS: ms(o.Elapsed),
	}
	if r.Hits == nil {
		r.Hits = []Hit{} // "hits": [] for a question nothing matched
	}
	if !o.AsOf.IsZero() {
		r.AsOf = o.AsOf.Format(time.RFC3339)
	}
	return r
}

// Run retrieves passages for every question, at most Workers at a time,
// and returns the outcomes in question order. It stops at the first
// retrieval error.
func (r Runner) Run(ctx context.Context, qs []Question) ([]Outcome, error) {
	k := max(minPassages, slices.Max(r.cutoffs()))
	workers := r.workers()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	out := make([]Outcome, len(qs))
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		done     int
	)
	for range min(workers, max(len(qs), 1)) {
		wg.Go(func() {
			for i := range next {
				o, err := r.one(ctx, qs[i], k)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("question %s: %w", qs[i].ID, err)
					cancel()
				}
				out[i] = o
				done++
				if r.Progress != nil && err == nil {
					r.Progress(done, len(qs))
				}
				mu.Unlock()
			}
		})
	}
feed:
	for i := range qs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, fmt.Errorf("evaluate: %w", firstErr)
	}
	return out, nil
}

// one retrieves the passages of one question.
func (r Runner) one(ctx context.Context, q Question, k int) (Outcome, error) {
	asOf := q.AsOf
	if asOf.IsZero() {
		asOf = r.AsOf
	}
	start := time.Now()
	res, err := r.Retriever.Retrieve(ctx, retrieval.Request{
		Question: q.Text,
		AsOf:     asOf,
		Scopes:   []string{corpus.GlobalScope},
		K:        k,
		Context:  q.Context,
	})
	elapsed := time.Since(start)
	if err != nil {
		return Outcome{}, err
	}
	o := Outcome{Question: q, AsOf: asOf, Confidence: res.Confidence, Signals: res.Signals, Refused: retrieval.Refuses(res, r.Floor), Elapsed: elapsed}
	for _, h := range res.Hits {
		o.Hits = append(o.Hits, Hit{URL: h.Article.URL, Title: h.Article.Title, Text: h.Passage.Text})
	}
	return o, nil
}

// workers is how many questions Run retrieves at once.
func (r Runner) workers() int { return max(r.Workers, 1) }

func (r Runner) cutoffs() []int {
	if len(r.Cutoffs) == 0 {
		return DefaultCutoffs
	}
	return r.Cutoffs
}

// Score turns the outcomes of a question set into its metrics, in display
// order (see docs/EVAL.md). A Generic set whose questions have types gets
// every metric per type as well, named "TYPE/metric", types in
// alphabetical order (the types of MultiHop are its own and are not split).
func (r Runner) Score(f Format, outs []Outcome) []Metric {
	ms := r.score(f, outs)
	if f != Generic {
		return ms
	}
	byType := make(map[string][]Outcome)
	for _, o := range outs {
		if t := o.Question.Type; t != "" {
			byType[t] = append(byType[t], o)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		for _, m := range r.score(f, byType[t]) {
			if m.Of > 0 {
				m.Name = t + "/" + m.Name
				ms = append(ms, m)
			}
		}
	}
	return ms
}

// score is Score over outs as one set.
func (r Runner) score(f Format, outs []Outcome) []Metric {
	ks := r.cutoffs()
	var ms []Metric
	mean := func(name string, keep func(Outcome) bool, score func(Outcome) float64) {
		m := Metric{Name: name}
		var sum float64
		for _, o := range outs {
			if keep != nil && !keep(o) {
				continue
			}
			m.Of++
			sum += score(o)
		}
		if m.Of > 0 {
			m.Value = sum / float64(m.Of)
		}
		ms = append(ms, m)
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	answerable := func(o Outcome) bool { return o.Question.Answerable() }
	hasAnswer := func(o Outcome) bool { return len(o.Question.Answers) > 0 }

	switch f {
	case Generic:
		for _, k := range ks {
			mean(fmt.Sprintf("recall@%d", k), answerable, func(o Outcome) float64 {
				return RecallAt(o.Question.GoldURLs, o.urls(), k)
			})
		}
		for _, k := range ks {
			mean(fmt.Sprintf("hit@%d", k), answerable, func(o Outcome) float64 {
				return b2f(HitAt(o.Question.GoldURLs, o.urls(), k))
			})
		}
		mean("mrr@10", answerable, func(o Outcome) float64 {
			return ReciprocalRank(o.Question.GoldURLs, o.urls(), 10)
		})
		for _, k := range ks {
			mean(fmt.Sprintf("answer_recall@%d", k), func(o Outcome) bool { return answerable(o) && hasAnswer(o) }, func(o Outcome) float64 {
				return b2f(AnswerIn(o.Question.Answers, o.texts(), k))
			})
		}
		mean("refused_unanswerable", func(o Outcome) bool { return !answerable(o) }, func(o Outcome) float64 { return b2f(o.Refused) })
		mean("refused_answerable", answerable, func(o Outcome) float64 { return b2f(o.Refused) })
	case RealTimeQA:
		for _, k := range ks {
			mean(fmt.Sprintf("answer_recall@%d", k), hasAnswer, func(o Outcome) float64 {
				return b2f(AnswerIn(o.Question.Answers, o.texts(), k))
			})
		}
		for _, k := range ks {
			mean(fmt.Sprintf("wrong_choice_recall@%d", k), func(o Outcome) bool { return len(o.Question.Choices) > 1 }, func(o Outcome) float64 {
				var found, n int
				for i, c := range o.Question.Choices {
					if i == o.Question.Correct {
						continue
					}
					n++
					if AnswerIn([]string{c}, o.texts(), k) {
						found++
					}
				}
				return float64(found) / float64(n)
			})
		}
		mean("choice_accuracy", func(o Outcome) bool { return len(o.Question.Choices) > 0 }, func(o Outcome) float64 {
			return b2f(PickChoice(o.Question.Choices, o.texts(), 10) == o.Question.Correct)
		})
		mean("refused", nil, func(o Outcome) float64 { return b2f(o.Refused) })
	case MultiHop:
		hasFacts := func(o Outcome) bool { return len(o.Question.Facts) > 0 }
		mean("hits@4", hasFacts, func(o Outcome) float64 {
			h4, _, _, _ := MultiHopScores(o.Question.Facts, o.texts())
			return b2f(h4)
		})
		mean("hits@10", hasFacts, func(o Outcome) float64 {
			_, h10, _, _ := MultiHopScores(o.Question.Facts, o.texts())
			return b2f(h10)
		})
		mean("mrr@10", hasFacts, func(o Outcome) float64 {
			_, _, rr, _ := MultiHopScores(o.Question.Facts, o.texts())
			return rr
		})
		mean("map@10", hasFacts, func(o Outcome) float64 {
			_, _, _, ap := MultiHopScores(o.Question.Facts, o.texts())
			return ap
		})
		mean("refused", nil, func(o Outcome) float64 { return b2f(o.Refused) })
	}
	if r.Copies != nil {
		if v, n, ok := copiesShare(outs); ok {
			ms = append(ms, Metric{Name: fmt.Sprintf("copies_share@%d", copiesCutoff), Value: v, Of: n})
		}
	}
	return ms
}

func (o Outcome) urls() []string {
	u := make([]string, len(o.Hits))
	for i, h := range o.Hits {
		u[i] = h.URL
	}
	return u
}

func (o Outcome) texts() []string {
	t := make([]string, len(o.Hits))
	for i, h := range o.Hits {
		t[i] = h.text()
	}
	return t
}
