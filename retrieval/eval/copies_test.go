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

// mapArticles is an ArticleGetter over articles by URL.
type mapArticles map[string]*corpus.Article

func (m mapArticles) GetByURL(_ context.Context, url string) (*corpus.Article, error) {
	if a, ok := m[url]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("get %s: %w", url, corpus.ErrNotFound)
}

// wire is a wire story long enough for a reliable fingerprint.
const wire = "Flood barriers along the Elbe river held overnight as water levels peaked at 7.4 metres in Dresden, the highest since 2013, " +
	"regional officials said on Tuesday. About 3,000 residents of low-lying districts were moved to schools and sports halls, " +
	"and the army sent 400 soldiers to fill sandbags along the old town embankment. Rail services between Dresden and Prague " +
	"were suspended after the line near Bad Schandau was flooded, the operator said."

const other = "The harbour ferry service will add evening sailings from next month, the operator announced on Monday, citing record " +
	"passenger numbers over the summer and a new fleet of electric boats that can run later into the night without disturbing " +
	"residents along the quays. Tickets for the new sailings go on sale next week at the usual prices."

// TestCopiesShare: copies_share@10 counts the top-10 slots whose article
// copies a higher hit's article (by the whole articles' fingerprints),
// pooled over questions; a second passage of one article is no copy.
// Rescoring the recorded outcomes gives the same figures.
func TestCopiesShare(t *testing.T) {
	arts := mapArticles{
		"https://a.example/elbe":  {Title: "Elbe barriers hold", Body: "DRESDEN (Wire) - " + wire},
		"https://b.example/elbe":  {Title: "Barriers on the Elbe hold in Dresden", Body: wire + "\n\nCopyright Elbe Post."},
		"https://c.example/ferry": {Title: "Ferry adds sailings", Body: other},
	}
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
		// 2 slots, no copy; an article not stored is a copy of nothing.
		"q2": {Confidence: 0.9, Hits: []corpus.Hit{hit("https://c.example/ferry", "Ferry", other), hit("https://gone.example/x", "x", "y")}},
	}}
	r := Runner{Retriever: f, Copies: &FingerprintJudge{Articles: arts}}
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
