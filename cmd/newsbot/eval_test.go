package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/retrieval"
)

// evalFixtures are the invented question sets of the eval package.
const evalFixtures = "../../retrieval/eval/testdata"

func decodeReport(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("eval --json printed invalid JSON: %v\n%s", err, s)
	}
	return m
}

func TestEvalGeneric(t *testing.T) {
	t.Parallel()
	fx := func(name string) string { return filepath.Join(evalFixtures, name) }
	out := mustRun(t, nil, "eval", "--questions", fx("questions.jsonl"), "--corpus", fx("articles.jsonl"), "--json")
	m := decodeReport(t, out)
	for k, want := range map[string]any{
		"format": "generic", "questions": 5.0, "answerable": 3.0, "unanswerable": 2.0,
		"articles": 3.0, "recall@1": 1.0, "recall@10": 1.0, "mrr@10": 1.0, "answer_recall@10": 1.0,
		"refused_unanswerable": 1.0, "refused_answerable": 0.0, "floor": retrieval.DefaultMinConfidence, "parallel": 1.0,
	} {
		if m[k] != want {
			t.Errorf("%s = %v; want %v\n%s", k, m[k], want, out)
		}
	}
	checkSpeed(t, m, 3)

	// The human table, with other cut-offs, the first two questions and
	// the bot's floor from the environment.
	out = mustRun(t, map[string]string{"NEWSBOT_MIN_CONFIDENCE": "0.99"}, "eval", "-k", "2,1", "--limit", "2",
		"--questions", fx("questions.jsonl"), "--corpus", fx("articles.jsonl"))
	for _, want := range []string{"questions: 2 (2 answerable, 0 unanswerable)", "floor:     0.99", "recall@1 ", "recall@2 ", "answer_recall@2 ",
		"ingest:    3 articles, ", "retrieve:  p50 ", "with 1 at once"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "recall@5") {
		t.Errorf("table has recall@5 although -k 2,1:\n%s", out)
	}
}

// TestEvalCalibrate fits the confidence model on a question set and checks
// the Go source written, and that a set without both kinds of question is
// refused with a reason.
func TestEvalCalibrate(t *testing.T) {
	t.Parallel()
	fx := func(name string) string { return filepath.Join(evalFixtures, name) }
	path := filepath.Join(t.TempDir(), "model_fit.go")
	var stdout, stderr bytes.Buffer
	args := []string{"eval", "--questions", fx("questions.jsonl"), "--corpus", fx("articles.jsonl"), "--json", "--calibrate", path}
	if err := run(t.Context(), args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("eval --calibrate: %v\n%s", err, stderr.String())
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"package retrieval", "const DefaultMinConfidence = ", "func DefaultModel() Model",
		"newsbot eval --questions " + fx("questions.jsonl") + " --corpus " + fx("articles.jsonl") + "\n"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("model file lacks %q:\n%s", want, src)
		}
	}
	if !strings.Contains(stderr.String(), "confidence model fitted on ") {
		t.Errorf("stderr = %q; want the fit's summary", stderr.String())
	}

	// RealTime QA has no unanswerable questions to fit on.
	err = run(t.Context(), []string{"eval", "--realtimeqa", fx("realtimeqa.jsonl"), "--corpus", fx("articles.jsonl"), "--calibrate", path},
		func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--calibrate needs a generic question set") {
		t.Errorf("eval --realtimeqa --calibrate = %v; want a usage error", err)
	}
}

func TestEvalFormats(t *testing.T) {
	t.Parallel()
	fx := func(name string) string { return filepath.Join(evalFixtures, name) }
	outcomes := filepath.Join(t.TempDir(), "outcomes.jsonl")
	m := decodeReport(t, mustRun(t, nil, "eval", "--realtimeqa", fx("realtimeqa.jsonl"), "--corpus", fx("articles.jsonl"),
		"--json", "--outcomes", outcomes))
	if m["choice_accuracy"] != 1.0 || m["answer_recall@1"] != 1.0 {
		t.Errorf("realtimeqa report = %v", m)
	}
	// --outcomes: one line per question with what retrieval returned.
	data, err := os.ReadFile(outcomes)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("outcomes has %d lines; want 2:\n%s", len(lines), data)
	}
	var rec struct {
		ID      string `json:"id"`
		AsOf    string `json:"as_of"`
		Correct int    `json:"correct"`
		Hits    []struct {
			URL, Title, Text string
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.ID != "20250307_1" || rec.Correct != 2 || !strings.HasPrefix(rec.AsOf, "2025-03-07T23:59:59") ||
		len(rec.Hits) == 0 || !strings.Contains(rec.Hits[0].Text, "60,000 cars") {
		t.Errorf("outcome = %+v", rec)
	}
	m = decodeReport(t, mustRun(t, nil, "eval", "--multihop", fx("multihop.json"), "--corpus", fx("multihop_corpus.json"), "--json"))
	if m["questions"] != 2.0 || m["hits@10"] != 1.0 {
		t.Errorf("multihop report = %v", m)
	}
}

// checkSpeed checks the speed figures of an eval --json report: the
// Retrieve time percentiles in order, questions/s, and the ingest of
// articles added with their passages, words and rates. Times are only
// checked to be figures: a pass/fail on a duration would fail on a fast
// or a busy machine.
func checkSpeed(t *testing.T, m map[string]any, articles float64) {
	t.Helper()
	lat, ok := m["retrieve_ms"].(map[string]any)
	if !ok {
		t.Fatalf("no retrieve_ms object in %v", m)
	}
	var prev float64
	for _, k := range []string{"p50", "p90", "p99", "max"} {
		v, ok := lat[k].(float64)
		if !ok || v < prev {
			t.Errorf("retrieve_ms.%s = %v; want a number >= %v (the previous figure)", k, lat[k], prev)
		}
		prev = v
	}
	if mean, ok := lat["mean"].(float64); !ok || mean < 0 || mean > prev {
		t.Errorf("retrieve_ms.mean = %v; want a number in [0, max]", lat["mean"])
	}
	if q, ok := m["questions_per_s"].(float64); !ok || q <= 0 {
		t.Errorf("questions_per_s = %v; want > 0", m["questions_per_s"])
	}
	ing, ok := m["ingest"].(map[string]any)
	if !ok {
		t.Fatalf("no ingest object in %v", m)
	}
	if ing["articles"] != articles {
		t.Errorf("ingest.articles = %v; want %v", ing["articles"], articles)
	}
	num := func(k string, least float64) float64 {
		v, ok := ing[k].(float64)
		if !ok || v < least {
			t.Errorf("ingest.%s = %v; want a number >= %v", k, ing[k], least)
		}
		return v
	}
	if p, w := num("passages", 1), num("words", 1); p < articles || w < p {
		t.Errorf("ingest: %v passages, %v words for %v articles; want at least one passage each and more words than passages", p, w, articles)
	}
	// Timings are figures, not pass/fail: a two-article ingest can take
	// less than the half millisecond that "seconds" rounds away.
	for _, k := range []string{"seconds", "articles_per_s", "passages_per_s", "words_per_s"} {
		num(k, 0)
	}
}

// --corpus mixes distractors into a RealTime QA set: both the GCS file and
// the distractor JSONL.gz are ingested, and the answers are still found.
func TestEvalDistractors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The fixture articles as a RealTime QA retrieval file.
	data, err := os.ReadFile(filepath.Join(evalFixtures, "articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var results []json.RawMessage
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		results = append(results, json.RawMessage(l))
	}
	line, err := json.Marshal(map[string]any{"question_id": "x", "search_result": results})
	if err != nil {
		t.Fatal(err)
	}
	gcs := filepath.Join(dir, "gcs_search_results_test.jsonl.gz")
	writeGzip(t, gcs, append(line, '\n'))
	// Distractors on other subjects, as gencorpus writes them.
	var distractors bytes.Buffer
	const n = 40
	for i := range n {
		rec, _ := json.Marshal(map[string]string{
			"title": fmt.Sprintf("Council report %d", i),
			"body": fmt.Sprintf("The council of district %d met on Monday to discuss the budget for road repairs and school buses. "+
				"Members said the report number %d would be published next month after a public hearing.", i, i),
			"url":          fmt.Sprintf("https://gen.invalid/s1/2025/01/01/%07d-council-report", i),
			"published_at": "2025-01-01T10:00:00Z",
			"source":       "Harbor Daily",
		})
		distractors.Write(append(rec, '\n'))
	}
	big := filepath.Join(dir, "big.jsonl.gz")
	writeGzip(t, big, distractors.Bytes())

	m := decodeReport(t, mustRun(t, nil, "eval", "--realtimeqa", filepath.Join(evalFixtures, "realtimeqa.jsonl"),
		"--gcs", gcs, "--corpus", big, "--json", "--parallel", "2"))
	if m["articles"] != 3.0+n || m["choice_accuracy"] != 1.0 || m["parallel"] != 2.0 {
		t.Errorf("report = %v; want %d articles (3 + %d distractors), choice_accuracy 1, parallel 2", m, 3+n, n)
	}
	checkSpeed(t, m, 3+n)
}

func writeGzip(t *testing.T, path string, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// With -db the corpus stays in that database; a second run finds it there.
func TestEvalKeepsGivenDB(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "eval.db")
	args := []string{"-db", db, "eval", "--questions", filepath.Join(evalFixtures, "questions.jsonl"),
		"--corpus", filepath.Join(evalFixtures, "articles.jsonl"), "--json"}
	if m := decodeReport(t, mustRun(t, nil, args...)); m["articles"] != 3.0 {
		t.Errorf("first run added %v articles; want 3", m["articles"])
	}
	m := decodeReport(t, mustRun(t, nil, args...))
	if m["articles"] != 0.0 || m["duplicates"] != 3.0 || m["recall@1"] != 1.0 {
		t.Errorf("second run = %v; want 3 duplicates and the same figures", m)
	}
	if _, ok := m["ingest"]; ok {
		t.Errorf("second run reports ingest figures although it added nothing: %v", m)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("the -db database is gone: %v", err)
	}
}

// Without -db, NEWSBOT_DB is left alone: eval works in a temporary store.
func TestEvalIgnoresEnvDB(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "bot.db")
	mustRun(t, map[string]string{"NEWSBOT_DB": db}, "eval", "--questions", filepath.Join(evalFixtures, "questions.jsonl"),
		"--corpus", filepath.Join(evalFixtures, "articles.jsonl"))
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("eval created NEWSBOT_DB %s (stat: %v)", db, err)
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	q := filepath.Join(evalFixtures, "questions.jsonl")
	c := filepath.Join(evalFixtures, "articles.jsonl")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "--corpus", c}, "one of --questions"},
		{[]string{"eval", "--questions", q, "--multihop", q, "--corpus", c}, "one of --questions"},
		{[]string{"eval", "--questions", q}, "no corpus"},
		{[]string{"eval", "--questions", q, "--corpus", c, "-k", "0"}, "-k"},
		{[]string{"eval", "--questions", q, "--corpus", c, "--limit", "-1"}, "--limit"},
		{[]string{"eval", "--questions", q, "--corpus", c, "--parallel", "0"}, "--parallel"},
		{[]string{"eval", "--questions", "missing.jsonl", "--corpus", c}, "missing.jsonl"},
		{[]string{"eval", "--realtimeqa", q, "--corpus", c}, "load RealTime QA questions"},
		{[]string{"eval", "--questions", q, "--corpus", "missing-dir"}, "missing-dir"},
	} {
		_, err := runCmd(t, nil, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %v = %v; want an error about %q", tc.args, err, tc.want)
		}
	}
}
