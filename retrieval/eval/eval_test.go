package eval

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/retrieval"
)

// fakeRetriever answers each question with fixed hits and records requests.
type fakeRetriever struct {
	mu      sync.Mutex
	results map[string]retrieval.Result
	reqs    []retrieval.Request
	err     error
}

func (f *fakeRetriever) Retrieve(ctx context.Context, req retrieval.Request) (retrieval.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.err != nil {
		return retrieval.Result{}, f.err
	}
	return f.results[req.Question], nil
}

func hit(url, title, text string) corpus.Hit {
	return corpus.Hit{Article: corpus.Article{URL: url, Title: title}, Passage: corpus.Passage{Text: text}}
}

func metrics(ms []Metric) map[string]Metric {
	out := make(map[string]Metric, len(ms))
	for _, m := range ms {
		out[m.Name] = m
	}
	return out
}

func TestRunnerGeneric(t *testing.T) {
	qs := []Question{
		{ID: "a", Text: "qa", GoldURLs: []string{"https://x.example/1"}, Answers: []string{"Berg"}, AsOf: endOf(2025, 3, 6)},
		{ID: "b", Text: "qb", GoldURLs: []string{"https://x.example/2"}, Answers: []string{"Ortiz"}},
		{ID: "c", Text: "qc"}, // unanswerable, refused (no hits)
		{ID: "d", Text: "qd"}, // unanswerable, answered confidently
	}
	f := &fakeRetriever{results: map[string]retrieval.Result{
		"qa": {Confidence: 0.9, Hits: []corpus.Hit{hit("https://x.example/1", "t", "won by Berg")}},
		"qb": {Confidence: 0.3, Hits: []corpus.Hit{
			hit("https://x.example/9", "t", "nothing"),
			hit("https://x.example/9", "t", "nothing"),
			hit("https://x.example/2/", "t", "Mayor Ortiz"),
		}},
		"qd": {Confidence: 0.8, Hits: []corpus.Hit{hit("https://x.example/5", "t", "x")}},
	}}
	asOf := endOf(2025, 4, 1)
	r := Runner{Retriever: f, Floor: 0.5, Cutoffs: []int{1, 3}, AsOf: asOf, Workers: 3}
	rep, outs, err := r.Evaluate(context.Background(), Generic, qs)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		if o.Question.ID != qs[i].ID {
			t.Fatalf("outcome %d is question %s; want %s", i, o.Question.ID, qs[i].ID)
		}
	}
	for _, req := range f.reqs {
		if req.K != 10 {
			t.Errorf("request K = %d; want 10 (the metrics need the top 10)", req.K)
		}
		want := asOf
		if req.Question == "qa" {
			want = endOf(2025, 3, 6)
		}
		if !req.AsOf.Equal(want) {
			t.Errorf("%s asked as of %v; want %v", req.Question, req.AsOf, want)
		}
	}
	want := map[string]Metric{
		"recall@1":             {Value: 0.5, Of: 2},
		"recall@3":             {Value: 1, Of: 2},
		"mrr@10":               {Value: (1 + 1.0/3) / 2, Of: 2},
		"answer_recall@1":      {Value: 0.5, Of: 2},
		"answer_recall@3":      {Value: 1, Of: 2},
		"refused_unanswerable": {Value: 0.5, Of: 2},
		"refused_answerable":   {Value: 0.5, Of: 2},
	}
	got := metrics(rep.Metrics)
	if len(got) != len(want) {
		t.Errorf("metrics %v; want %d of them", rep.Metrics, len(want))
	}
	for name, w := range want {
		if g := got[name]; !near(g.Value, w.Value) || g.Of != w.Of {
			t.Errorf("%s = %v over %d; want %v over %d", name, g.Value, g.Of, w.Value, w.Of)
		}
	}
	if rep.Answerable != 2 || rep.Unanswerable != 2 || rep.Questions != 4 || rep.Floor != 0.5 {
		t.Errorf("report counts = %+v", rep)
	}

	var obj map[string]any
	b, _ := json.Marshal(rep)
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatalf("report JSON %s: %v", b, err)
	}
	if obj["mrr@10"] != 0.6667 || obj["answerable"] != 2.0 || obj["format"] != "generic" {
		t.Errorf("report JSON = %s", b)
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "refused_unanswerable  0.5000          2") {
		t.Errorf("table:\n%s", table.String())
	}
}

func TestRunnerRealTimeQA(t *testing.T) {
	qs := []Question{
		{ID: "1", Text: "q1", Choices: []string{"Lions", "Bears", "Eagles", "Hawks"}, Correct: 1, Answers: []string{"Bears"}},
		{ID: "2", Text: "q2", Choices: []string{"Lions", "Bears", "Eagles", "Hawks"}, Correct: 0, Answers: []string{"Lions"}},
	}
	f := &fakeRetriever{results: map[string]retrieval.Result{
		// Bears at 1 and 2 (1.5) beat Lions at 2 (0.5): right.
		"q1": {Confidence: 0.9, Hits: []corpus.Hit{hit("u1", "Bears win", "x"), hit("u2", "y", "Bears and Lions")}},
		// Lions and Eagles both at 1: a tie, wrong.
		"q2": {Confidence: 0.1, Hits: []corpus.Hit{hit("u1", "Lions, Eagles", "x")}},
	}}
	rep, _, err := Runner{Retriever: f}.Evaluate(context.Background(), RealTimeQA, qs)
	if err != nil {
		t.Fatal(err)
	}
	got := metrics(rep.Metrics)
	for name, w := range map[string]float64{
		"answer_recall@1":        1,
		"answer_recall@10":       1,
		"wrong_choice_recall@1":  (0 + 1.0/3) / 2,
		"wrong_choice_recall@5":  (1.0/3 + 1.0/3) / 2,
		"choice_accuracy":        0.5,
		"refused":                0.5,
		"wrong_choice_recall@10": (1.0/3 + 1.0/3) / 2,
	} {
		if g := got[name]; !near(g.Value, w) || g.Of != 2 {
			t.Errorf("%s = %v over %d; want %v over 2", name, g.Value, g.Of, w)
		}
	}
	if rep.Floor != retrieval.DefaultMinConfidence {
		t.Errorf("floor = %v; want the default", rep.Floor)
	}
}

func TestRunnerStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	f := &fakeRetriever{err: boom}
	qs := make([]Question, 50)
	for i := range qs {
		qs[i] = Question{ID: "x", Text: "q"}
	}
	if _, err := (Runner{Retriever: f, Workers: 2}).Run(context.Background(), qs); !errors.Is(err, boom) {
		t.Errorf("Run error = %v; want boom", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Runner{Retriever: &fakeRetriever{}}).Run(ctx, qs); !errors.Is(err, context.Canceled) {
		t.Errorf("Run(cancelled) error = %v; want context.Canceled", err)
	}
}

func mustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "eval.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestIngestGCS(t *testing.T) {
	db := mustOpen(t)
	rep, err := Ingest(context.Background(), db, []string{gcsFile(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// a, b added; a again (same canonical URL) a duplicate; c has no text.
	if rep.Added != 2 || rep.Duplicates != 1 || rep.Failed != 1 {
		t.Errorf("Ingest = %s; want added 2, duplicates 1, failed 1", rep.Summary())
	}
	if !rep.Newest.Equal(time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Newest = %v", rep.Newest)
	}
	a, err := db.GetByURL(context.Background(), "https://www.news.example/a")
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != "news.example" || a.Author != "Sam Reed, Ana Vu" || a.AddedBy != "eval" {
		t.Errorf("stored article = %q, %q, %q", a.Source, a.Author, a.AddedBy)
	}
}

// TestEvaluateFixtures runs the real retrieval over the invented fixtures
// in each format: every answerable question finds its article first.
func TestEvaluateFixtures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		format    Format
		questions string
		corpus    string
		want      map[string]float64
	}{
		{Generic, "questions.jsonl", "articles.jsonl", map[string]float64{
			"recall@1": 1, "mrr@10": 1, "answer_recall@10": 1, "refused_unanswerable": 1, "refused_answerable": 0,
		}},
		{RealTimeQA, "realtimeqa.jsonl", "articles.jsonl", map[string]float64{
			"answer_recall@1": 1, "choice_accuracy": 1, "refused": 0,
		}},
		{MultiHop, "multihop.json", "multihop_corpus.json", map[string]float64{
			"hits@4": 1, "hits@10": 1,
		}},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			db := mustOpen(t)
			ing, err := Ingest(ctx, db, []string{filepath.Join("testdata", tc.corpus)}, nil)
			if err != nil || ing.Added != 3 {
				t.Fatalf("Ingest = %s, %v; want 3 added", ing.Summary(), err)
			}
			var qs []Question
			switch tc.format {
			case Generic:
				qs, err = LoadGeneric(open(t, tc.questions))
			case RealTimeQA:
				qs, err = LoadRealTimeQA(open(t, tc.questions))
			case MultiHop:
				qs, err = LoadMultiHop(open(t, tc.questions))
			}
			if err != nil {
				t.Fatal(err)
			}
			r := Runner{Retriever: retrieval.New(db, retrieval.Options{}), AsOf: ing.Newest}
			rep, outs, err := r.Evaluate(ctx, tc.format, qs)
			if err != nil {
				t.Fatal(err)
			}
			for name, w := range tc.want {
				if g, ok := rep.Metric(name); !ok || !near(g, w) {
					for _, o := range outs {
						t.Logf("%s: conf %.2f refused %v hits %d", o.Question.ID, o.Confidence, o.Refused, len(o.Hits))
					}
					t.Errorf("%s = %v (present %v); want %v", name, g, ok, w)
				}
			}
		})
	}
}
