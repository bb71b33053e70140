package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
)

// pairJudge calls the pairs it holds (either way round) copies.
type pairJudge map[[2]string]bool

func (p pairJudge) Copies(_ context.Context, a, b string) (bool, error) {
	return p[[2]string{a, b}] || p[[2]string{b, a}], nil
}

const wire = "Flood barriers along the Elbe river held overnight as water levels peaked at 7.4 metres in Dresden."

const other = "The harbour ferry service will add evening sailings from next month."

// TestCopiesShare: copies_share@10 counts the top-10 slots whose article
// copies a higher hit's article (as the judge says), pooled over
// questions; a second passage of one article is no copy.
// Rescoring the recorded outcomes gives the same figures.
func TestCopiesShare(t *testing.T) {
	qs := []Question{
		{ID: "1", Text: "q1", Choices: []string{"7.4 metres", "9 metres"}, Correct: 0, Answers: []string{"7.4 metres"}},
		{ID: "2", Text: "q2", Choices: []string{"ferry", "bus"}, Correct: 0, Answers: []string{"ferry"}},
	}
	f := &fakeRetriever{results: map[string]retrieval.Result{
		// 4 slots: a, a again (same article), b (a copy of a), c.
		"q1": {Confidence: 0.9, Hits: []corpus.Hit{
			hit("https://a.example/elbe", "Elbe", wire), hit("https://a.example/elbe", "Elbe", "more"),
			hit("https://b.example/elbe", "Elbe", wire), hit("https://c.example/ferry", "Ferry", other),
		}},
		// 2 slots, no copy.
		"q2": {Confidence: 0.9, Hits: []corpus.Hit{hit("https://c.example/ferry", "Ferry", other), hit("https://gone.example/x", "x", "y")}},
	}}
	r := Runner{Retriever: f, Copies: pairJudge{
		{"https://a.example/elbe", "https://b.example/elbe"}: true,
		{"https://a.example/elbe", "https://a.example/elbe"}: true, // never asked: same article
	}}
	rep, outs, err := r.Evaluate(context.Background(), RealTimeQA, qs)
	if err != nil {
		t.Fatal(err)
	}
	if g := metrics(rep.Metrics)["copies_share@10"]; !near(g.Value, 1.0/6) || g.Of != 2 {
		t.Errorf("copies_share@10 = %v over %d; want 1/6 (one copy in 6 slots) over 2", g.Value, g.Of)
	}
	var marked []bool
	for _, h := range outs[0].Hits {
		marked = append(marked, h.Copy)
	}
	if fmt.Sprint(marked) != "[false false true false]" {
		t.Errorf("copies marked %v; want only the third hit", marked)
	}

	// The outcomes as --outcomes writes them, without the marks (an
	// older binary's), scored again.
	var file bytes.Buffer
	for _, o := range outs {
		rec := o.Record()
		for i := range rec.Hits {
			rec.Hits[i].Copy = false
		}
		if err := json.NewEncoder(&file).Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := ReadRecords(&file)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := r.Rescore(context.Background(), RealTimeQA, qs, recs)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := metrics(again.Metrics), metrics(rep.Metrics); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Rescore metrics = %v; want those of the run %v", got, want)
	}
	if _, _, err := r.Rescore(context.Background(), RealTimeQA, append(qs, Question{ID: "3"}), recs); err == nil || !strings.Contains(err.Error(), "question 3") {
		t.Errorf("Rescore with a question not recorded: err = %v; want one naming it", err)
	}
	if _, err := ReadRecords(strings.NewReader("{not json")); err == nil {
		t.Error("ReadRecords(bad line) = nil error; want one")
	}

	// Without a judge the metric is not reported.
	rep, _, err = Runner{Retriever: f}.Evaluate(context.Background(), RealTimeQA, qs)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rep.Metric("copies_share@10"); ok {
		t.Error("copies_share@10 reported without a CopyJudge")
	}
}
