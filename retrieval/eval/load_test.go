package eval

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func endOf(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, time.UTC)
}

func TestLoadGeneric(t *testing.T) {
	qs, err := LoadGeneric(open(t, "questions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 5 {
		t.Fatalf("LoadGeneric gave %d questions; want 5 (blank line skipped)", len(qs))
	}
	q := qs[0]
	if q.ID != "q1" || q.Text != "How much did the Harbor Bridge repairs cost?" || !q.AsOf.Equal(endOf(2025, 3, 3)) {
		t.Errorf("q1 = %q %q %v", q.ID, q.Text, q.AsOf)
	}
	if got := strings.Join(q.Answers, "|"); got != "$42 million|42 million dollars" {
		t.Errorf("q1 answers = %q", got)
	}
	if !q.Answerable() || len(q.GoldURLs) != 1 {
		t.Errorf("q1 gold = %v", q.GoldURLs)
	}
	for _, i := range []int{3, 4} {
		if qs[i].Answerable() || len(qs[i].Answers) != 0 {
			t.Errorf("%s: answerable %v, answers %v; want an unanswerable question", qs[i].ID, qs[i].Answerable(), qs[i].Answers)
		}
	}

	for _, bad := range []string{
		`{"id": "x"}`,
		`{"question": "q?", "asked_at": "yesterday"}`,
		`not json`,
	} {
		if _, err := LoadGeneric(strings.NewReader("\n" + bad + "\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("LoadGeneric(%q) error = %v; want one naming line 2", bad, err)
		}
	}
}

func TestLoadRealTimeQA(t *testing.T) {
	qs, err := LoadRealTimeQA(open(t, "realtimeqa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 {
		t.Fatalf("got %d questions; want 2", len(qs))
	}
	q := qs[1]
	if q.ID != "20250307_1" || q.Correct != 2 || q.Answers[0] != "60,000" || len(q.Choices) != 4 || !q.AsOf.Equal(endOf(2025, 3, 7)) {
		t.Errorf("question = %+v", q)
	}
	if strings.Contains(q.Text, "60,000") {
		t.Errorf("query %q holds the choices", q.Text)
	}
	for _, bad := range []string{
		`{"question_id": "a", "question_date": "2025/01/01", "question_sentence": "Q?", "choices": ["x", "y"], "answer": ["2"]}`,
		`{"question_id": "a", "question_date": "2025/01/01", "question_sentence": "Q?", "choices": ["x", "y"], "answer": []}`,
		`{"question_id": "a", "question_date": "2025/01/01", "question_sentence": "", "choices": ["x"], "answer": ["0"]}`,
	} {
		if _, err := LoadRealTimeQA(strings.NewReader(bad)); err == nil {
			t.Errorf("LoadRealTimeQA(%s) succeeded; want an error", bad)
		}
	}
}

func TestQuestionText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Which country won?", "Which country won?"},
		{"  padded  ", "padded"},
		{`Friedrich Merz visited <a data-analytics-id="inline-link" data-auto-tag-linker="true" href="https://theweek.com/tag/france">France</a> and which other country?`,
			"Friedrich Merz visited France and which other country?"},
		{`<a href="https://theweek.com/tag/donald-trump">Donald Trump</a>'s plan`, "Donald Trump's plan"},
		{"Ben &amp; Jerry&#39;s founder quit. Why?", "Ben & Jerry's founder quit. Why?"},
		{"Did stocks move < 5% or > 5%?", "Did stocks move < 5% or > 5%?"},
		{"Did a <b or c win?", "Did a <b or c win?"},
		{"Is x<y and z>w?", "Is x<y and z>w?"},
		{`Unclosed <a href='x'`, `Unclosed <a href='x'`},
		{"line<br>break and <BR/>more", "line break and more"},
		{`The <em>Titanic</em> sank`, "The Titanic sank"},
	} {
		if got := questionText(tc.in); got != tc.want {
			t.Errorf("questionText(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestLoadMultiHop(t *testing.T) {
	qs, err := LoadMultiHop(open(t, "multihop.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 {
		t.Fatalf("got %d questions; want 2 (null_query skipped)", len(qs))
	}
	if qs[0].Type != "inference_query" || len(qs[0].Facts) != 2 || qs[0].Answers[0] != "Lena Ortiz" || !qs[0].AsOf.IsZero() {
		t.Errorf("first query = %+v", qs[0])
	}
	if _, err := LoadMultiHop(strings.NewReader(`{"query": "not an array"}`)); err == nil {
		t.Error("LoadMultiHop(object) succeeded; want an error")
	}
}

// gcsFile writes a two-line RealTime QA retrieval file: the second line
// repeats an article of the first and adds one without text.
func gcsFile(t *testing.T) string {
	t.Helper()
	lines := `{"question_id": "20250307_0", "search_time": "2025/03/08/00:09", "search_result": [` +
		`{"url": "https://www.news.example/a", "title": "Bridge reopens", "text": "The bridge reopened on Sunday.", "authors": ["Sam Reed", "Ana Vu"], "publish_date": "2025/03/02"},` +
		`{"url": "https://news.example/b", "title": "Festival", "text": "A record crowd came.", "authors": [], "publish_date": null}]}` + "\n" +
		`{"question_id": "20250307_1", "search_time": "2025/03/08/00:10", "search_result": [` +
		`{"url": "https://www.news.example/a?utm_source=x", "title": "Bridge reopens", "text": "The bridge reopened on Sunday.", "authors": [], "publish_date": "2025/03/02"},` +
		`{"url": "https://news.example/c", "title": "Empty", "text": "", "authors": [], "publish_date": "2025/03/03"}]}` + "\n"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(lines))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gcs_search_results_test.jsonl.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadGCS(t *testing.T) {
	path := gcsFile(t)
	if ok, err := IsGCS(path); !ok || err != nil {
		t.Fatalf("IsGCS(gcs file) = %v, %v; want true", ok, err)
	}
	if ok, err := IsGCS(filepath.Join("testdata", "articles.jsonl")); ok || err != nil {
		t.Errorf("IsGCS(articles.jsonl) = %v, %v; want false", ok, err)
	}
	var got []corpus.Article
	err := readGCSFile(context.Background(), path, func(a corpus.Article) error {
		got = append(got, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("read %d results; want 4 (every occurrence)", len(got))
	}
	a := got[0]
	if a.Source != "news.example" || a.Author != "Sam Reed, Ana Vu" || a.Title != "Bridge reopens" ||
		a.Body != "The bridge reopened on Sunday." || !a.PublishedAt.Equal(time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("first article = %+v", a)
	}
	if !got[1].PublishedAt.IsZero() {
		t.Errorf("null publish_date gave %v", got[1].PublishedAt)
	}
}
