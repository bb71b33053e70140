package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/parse"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/index"
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
		"hit@1":                {Value: 0.5, Of: 2},
		"hit@3":                {Value: 1, Of: 2},
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
	// Speed: every question timed, three at once, no ingest in Evaluate.
	lat, ok := obj["retrieve_ms"].(map[string]any)
	if !ok {
		t.Fatalf("report JSON has no retrieve_ms object: %s", b)
	}
	var prev float64
	for _, k := range []string{"p50", "p90", "p99", "max"} {
		v, ok := lat[k].(float64)
		if !ok || v < prev {
			t.Errorf("retrieve_ms.%s = %v; want a number >= the previous percentile %v", k, lat[k], prev)
		}
		prev = v
	}
	if m, ok := lat["mean"].(float64); !ok || m < 0 || m > prev {
		t.Errorf("retrieve_ms.mean = %v; want a number in [0, max]", lat["mean"])
	}
	if obj["parallel"] != 3.0 {
		t.Errorf("parallel = %v; want 3", obj["parallel"])
	}
	if q, ok := obj["questions_per_s"].(float64); !ok || q <= 0 {
		t.Errorf("questions_per_s = %v; want > 0", obj["questions_per_s"])
	}
	if _, ok := obj["ingest"]; ok {
		t.Errorf("report JSON has ingest figures although Evaluate ingested nothing: %s", b)
	}
	for _, o := range outs {
		if o.Elapsed <= 0 || o.Record().RetrieveMS != ms(o.Elapsed) {
			t.Errorf("%s: Elapsed %v, record retrieve_ms %v; want the time of its Retrieve call", o.Question.ID, o.Elapsed, o.Record().RetrieveMS)
		}
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"refused_unanswerable  0.5000          2", "retrieve:  p50 ", "with 3 at once"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if strings.Contains(table.String(), "ingest:") {
		t.Errorf("table has an ingest line although nothing was ingested:\n%s", table.String())
	}
}

// TestRunnerGenericTypes: a typed set gets every metric per type too, and a
// follow-up's context reaches retrieval.
func TestRunnerGenericTypes(t *testing.T) {
	qs, err := LoadGeneric(strings.NewReader(`{"id": "a", "type": "fact", "split": "fit", "question": "qa", "gold_urls": ["https://x.example/1"], "answer": "Berg"}
{"id": "b", "type": "followup", "split": "heldout", "question": "qb", "gold_urls": ["https://x.example/2"], "answer": "Ortiz", "context": "Who won? Berg won."}
{"id": "c", "type": "nearmiss", "question": "qc", "gold_urls": []}
`))
	if err != nil {
		t.Fatal(err)
	}
	if qs[1].Split != "heldout" || qs[1].Context != "Who won? Berg won." || qs[2].Type != "nearmiss" {
		t.Fatalf("loaded %+v; want type, split and context read", qs)
	}
	f := &fakeRetriever{results: map[string]retrieval.Result{
		"qa": {Confidence: 0.9, Hits: []corpus.Hit{hit("https://x.example/1", "t", "won by Berg")}},
		"qb": {Confidence: 0.9, Hits: []corpus.Hit{hit("https://x.example/9", "t", "nothing")}},
		"qc": {Confidence: 0.8, Hits: []corpus.Hit{hit("https://x.example/5", "t", "x")}},
	}}
	r := Runner{Retriever: f, Floor: 0.5, Cutoffs: []int{1}, AsOf: endOf(2025, 4, 1)}
	rep, _, err := r.Evaluate(context.Background(), Generic, qs)
	if err != nil {
		t.Fatal(err)
	}
	got := metrics(rep.Metrics)
	for name, w := range map[string]Metric{
		"recall@1":                      {Value: 0.5, Of: 2},
		"fact/recall@1":                 {Value: 1, Of: 1},
		"followup/recall@1":             {Value: 0, Of: 1},
		"nearmiss/refused_unanswerable": {Value: 0, Of: 1},
	} {
		if g, ok := got[name]; !ok || !near(g.Value, w.Value) || g.Of != w.Of {
			t.Errorf("%s = %+v (present %v); want %v over %d", name, g, ok, w.Value, w.Of)
		}
	}
	if _, ok := got["nearmiss/recall@1"]; ok {
		t.Errorf("metrics have nearmiss/recall@1, over no question: %v", rep.Metrics)
	}
	for _, req := range f.reqs {
		if want := map[string]string{"qb": "Who won? Berg won."}[req.Question]; req.Context != want {
			t.Errorf("%s asked with context %q; want %q", req.Question, req.Context, want)
		}
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
			idx, err := index.OpenLive(ctx, db, index.LiveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := Runner{Retriever: retrieval.New(idx, db, retrieval.Options{}), AsOf: ing.Newest}
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

// concurrencyRetriever records how many Retrieve calls overlap.
type concurrencyRetriever struct {
	mu            sync.Mutex
	inFlight, max int
}

func (c *concurrencyRetriever) Retrieve(ctx context.Context, req retrieval.Request) (retrieval.Result, error) {
	c.mu.Lock()
	c.inFlight++
	c.max = max(c.max, c.inFlight)
	c.mu.Unlock()
	runtime.Gosched() // give another worker, if any, the chance to overlap
	c.mu.Lock()
	c.inFlight--
	c.mu.Unlock()
	return retrieval.Result{}, nil
}

// By default questions are retrieved one at a time, so each question's
// time is its own.
func TestRunnerOneAtATimeByDefault(t *testing.T) {
	qs := make([]Question, 200)
	for i := range qs {
		qs[i] = Question{ID: strconv.Itoa(i), Text: "q"}
	}
	c := &concurrencyRetriever{}
	rep, outs, err := Runner{Retriever: c}.Evaluate(context.Background(), Generic, qs)
	if err != nil {
		t.Fatal(err)
	}
	if c.max != 1 || rep.Parallel != 1 {
		t.Errorf("default Runner: %d calls at once, Parallel %d; want 1 and 1", c.max, rep.Parallel)
	}
	if len(outs) != len(qs) || rep.QuestionsPerS <= 0 {
		t.Errorf("%d outcomes, %v questions/s; want %d and > 0", len(outs), rep.QuestionsPerS, len(qs))
	}
}

func TestLatencyOf(t *testing.T) {
	msd := func(v ...int) []Outcome {
		outs := make([]Outcome, len(v))
		for i, x := range v {
			outs[i].Elapsed = time.Duration(x) * time.Millisecond
		}
		return outs
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // unsorted on purpose
	}
	fifty := make([]int, 50)
	for i := range fifty {
		fifty[i] = i + 1
	}
	d := func(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }
	for _, tc := range []struct {
		name string
		outs []Outcome
		want Latency
	}{
		{"none", nil, Latency{}},
		{"one", msd(7), Latency{P50: d(7), P90: d(7), P99: d(7), Max: d(7), Mean: d(7)}},
		{"1..100", msd(hundred...), Latency{P50: d(50), P90: d(90), P99: d(99), Max: d(100), Mean: d(50.5)}},
		// Nearest rank: with 50 questions the 99th percentile is the slowest.
		{"1..50", msd(fifty...), Latency{P50: d(25), P90: d(45), P99: d(50), Max: d(50), Mean: d(25.5)}},
		{"skewed", msd(1, 1, 1, 1, 1, 1, 1, 1, 1, 91), Latency{P50: d(1), P90: d(1), P99: d(91), Max: d(91), Mean: d(10)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LatencyOf(tc.outs); got != tc.want {
				t.Errorf("LatencyOf = %+v; want %+v", got, tc.want)
			}
		})
	}
}

func TestIngestSpeed(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	path := filepath.Join("testdata", "articles.jsonl")
	rep, err := Ingest(ctx, db, []string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// What the ingest should have counted, from the same reader.
	var passages, words int
	err = parse.Reader{}.ReadPath(ctx, path, func(a corpus.Article) error {
		passages += len(a.Passages)
		words += len(strings.Fields(a.Body))
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Speed()
	if s == nil {
		t.Fatal("Speed() = nil after adding articles")
	}
	if s.Articles != 3 || s.Duplicates != 0 || s.Passages != passages || s.Words != words || s.Seconds <= 0 {
		t.Errorf("Speed() = %+v; want 3 articles, %d passages, %d words, seconds > 0", *s, passages, words)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]float64
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatalf("IngestSpeed JSON %s: %v", b, err)
	}
	for _, k := range []string{"articles", "duplicates", "passages", "words", "seconds", "articles_per_s", "passages_per_s", "words_per_s"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("IngestSpeed JSON lacks %q: %s", k, b)
		}
	}
	for count, rate := range map[string]string{"articles": "articles_per_s", "passages": "passages_per_s", "words": "words_per_s"} {
		if want := obj[count] / s.Seconds; obj[rate] <= 0 || math.Abs(obj[rate]-want) > 0.05+want*1e-6 {
			t.Errorf("%s = %v; want %s/seconds = %v", rate, obj[rate], count, want)
		}
	}

	// The same corpus again: all duplicates, nothing added, no speed.
	again, err := Ingest(ctx, db, []string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Duplicates != 3 || again.Passages != 0 || again.Words != 0 || again.Speed() != nil {
		t.Errorf("second Ingest = %s, %d passages, %d words, speed %v; want 3 duplicates and no speed",
			again.Summary(), again.Passages, again.Words, again.Speed())
	}

	rpt := Report{Format: Generic, Ingest: s}
	var table strings.Builder
	if err := rpt.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("ingest:    3 articles, %d passages, %d words in ", passages, words); !strings.Contains(table.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, table.String())
	}
}

func TestCountWords(t *testing.T) {
	for _, s := range []string{"", "one", "  two words ", "tabs\tand\nlines\u00a0nbsp", "élan vital — ok"} {
		if got, want := countWords(s), len(strings.Fields(s)); got != want {
			t.Errorf("countWords(%q) = %d; want %d", s, got, want)
		}
	}
}
