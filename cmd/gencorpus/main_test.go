package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/parse"
)

// fixture is a data folder of invented articles laid out like the shared
// data: realtimeqa/gcs_search_results_*.jsonl and reuters-21578/*.jsonl.
const fixture = "testdata/data"

// realData is the shared data folder, next to the repository.
const realData = "../../../shared/data"

func runGen(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

func mustGen(t *testing.T, args ...string) {
	t.Helper()
	if out, err := runGen(t, args...); err != nil {
		t.Fatalf("gencorpus %v: %v\n%s", args, err, out)
	}
}

// checkCorpus reads a generated corpus with the ingest readers and checks
// what the generator promises: n articles, unique bodies (by the store's
// content hash) and URLs, 150-600 words, paragraphs of at most 5
// sentences, a title, a listed outlet, and dates in the two years before
// end. It returns the bodies.
func checkCorpus(t *testing.T, path string, n int, end time.Time) []string {
	t.Helper()
	var arts []corpus.Article
	err := parse.Reader{}.ReadPath(context.Background(), path, func(a corpus.Article) error {
		arts = append(arts, a)
		return nil
	}, func(src string, err error) { t.Errorf("read %s: %v", src, err) })
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != n {
		t.Fatalf("%s holds %d articles; want %d", path, len(arts), n)
	}
	start := end.AddDate(-2, 0, 0)
	hashes := make(map[string]bool)
	urls := make(map[string]bool)
	var bodies []string
	for i, a := range arts {
		if hashes[a.Hash] {
			t.Errorf("article %d: body repeats an earlier one", i)
		}
		hashes[a.Hash] = true
		if urls[a.URL] || !strings.HasPrefix(a.URL, "https://gen.invalid/") {
			t.Errorf("article %d: URL %q repeated or not on gen.invalid", i, a.URL)
		}
		urls[a.URL] = true
		if w := len(strings.Fields(a.Body)); w < minWords || w > maxWords {
			t.Errorf("article %d: %d words; want %d-%d", i, w, minWords, maxWords)
		}
		for j, p := range strings.Split(a.Body, "\n\n") {
			if s := len(corpus.Sentences(p)); s > maxParagraph {
				t.Errorf("article %d paragraph %d: %d sentences; want at most %d", i, j, s, maxParagraph)
			}
		}
		if a.Title == "" || !slices.Contains(outlets, a.Source) {
			t.Errorf("article %d: title %q, source %q", i, a.Title, a.Source)
		}
		if a.PublishedAt.Before(start) || !a.PublishedAt.Before(end) {
			t.Errorf("article %d: published %v; want in [%v, %v)", i, a.PublishedAt, start, end)
		}
		bodies = append(bodies, a.Body)
	}
	return bodies
}

func TestGenerateFixture(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }
	const n = 60
	mustGen(t, "-n", "60", "-seed", "7", "-data", fixture, "-o", out("a.jsonl.gz"))
	mustGen(t, "-n", "60", "-seed", "7", "-data", fixture, "-o", out("b.jsonl.gz"))
	mustGen(t, "-n", "60", "-seed", "8", "-data", fixture, "-o", out("c.jsonl.gz"))
	mustGen(t, "-n", "60", "-seed", "7", "-data", fixture, "-o", out("plain.jsonl"), "-end", "2024-06-01")

	read := func(name string) []byte {
		b, err := os.ReadFile(out(name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read("a.jsonl.gz"), read("b.jsonl.gz")) {
		t.Error("two runs with seed 7 wrote different files")
	}
	if bytes.Equal(read("a.jsonl.gz"), read("c.jsonl.gz")) {
		t.Error("seeds 7 and 8 wrote the same file")
	}
	if _, err := gzip.NewReader(bytes.NewReader(read("plain.jsonl"))); err == nil {
		t.Error("plain.jsonl is gzipped; want plain JSONL for a name without .gz")
	}
	bodies := checkCorpus(t, out("a.jsonl.gz"), n, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	checkCorpus(t, out("plain.jsonl"), n, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))

	// Every sentence comes from the fixture; page furniture (a one-word
	// line, a sentence with a web address) is left out.
	var src strings.Builder
	for _, f := range []string{"realtimeqa/gcs_search_results_test.jsonl", "reuters-21578/sample.jsonl"} {
		b, err := os.ReadFile(filepath.Join(fixture, f))
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	for i, body := range bodies {
		for _, s := range corpus.Sentences(body) {
			if !strings.Contains(src.String(), s) {
				t.Errorf("article %d: sentence %q is not in the fixture", i, s)
			}
			if strings.Contains(s, "Advertisement") || strings.Contains(s, "https://") {
				t.Errorf("article %d: page furniture %q kept", i, s)
			}
		}
	}
}

// TestGenerateDateOrder: -date-order gives the same articles as the same
// seed without it, with dates that rise in the order written across the
// whole span.
func TestGenerateDateOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 60
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mustGen(t, "-n", "60", "-seed", "7", "-data", fixture, "-o", filepath.Join(dir, "random.jsonl"))
	mustGen(t, "-n", "60", "-seed", "7", "-data", fixture, "-o", filepath.Join(dir, "dated.jsonl"), "-date-order")
	random := checkCorpus(t, filepath.Join(dir, "random.jsonl"), n, end)
	dated := checkCorpus(t, filepath.Join(dir, "dated.jsonl"), n, end)
	if !slices.Equal(random, dated) {
		t.Error("-date-order changed the articles' texts")
	}
	var last time.Time
	var arts []corpus.Article
	if err := (parse.Reader{}).ReadPath(context.Background(), filepath.Join(dir, "dated.jsonl"), func(a corpus.Article) error {
		arts = append(arts, a)
		return nil
	}, func(src string, err error) { t.Errorf("read %s: %v", src, err) }); err != nil {
		t.Fatal(err)
	}
	for i, a := range arts {
		if a.PublishedAt.Before(last) {
			t.Errorf("article %d published %v, before article %d's %v", i, a.PublishedAt, i-1, last)
		}
		last = a.PublishedAt
	}
	if first := arts[0].PublishedAt; first.After(end.AddDate(-2, 0, 14)) || last.Before(end.AddDate(0, 0, -14)) {
		t.Errorf("dates run from %v to %v; want the two years before %v", first, last, end)
	}
}

// Gzipped sources (as the shared data ships them) give the same corpus as
// plain ones.
func TestGenerateGzippedSources(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	for _, f := range []string{"realtimeqa/gcs_search_results_test.jsonl", "reuters-21578/sample.jsonl"} {
		b, err := os.ReadFile(filepath.Join(fixture, f))
		if err != nil {
			t.Fatal(err)
		}
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write(b)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(data, f+".gz")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, zb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	mustGen(t, "-n", "20", "-data", fixture, "-o", filepath.Join(dir, "plain-src.jsonl"))
	mustGen(t, "-n", "20", "-data", data, "-o", filepath.Join(dir, "gz-src.jsonl"))
	a, _ := os.ReadFile(filepath.Join(dir, "plain-src.jsonl"))
	b, _ := os.ReadFile(filepath.Join(dir, "gz-src.jsonl"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("gzipped sources gave a different corpus (%d and %d bytes)", len(a), len(b))
	}
}

func TestGenerateErrors(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	// One short source article: fewer words than the shortest article.
	tiny := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tiny, "reuters-21578"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tiny, "reuters-21578", "one.jsonl"),
		[]byte(`{"title":"T","body":"The only sentence of this little corpus is here. A second sentence follows it closely."}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := filepath.Join(dir, "out.jsonl")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "5", "-o", o, "-data", filepath.Join(empty, "missing")}, "data folder"},
		{[]string{"-n", "5", "-o", o, "-data", empty}, "holds no source articles"},
		{[]string{"-n", "5", "-o", o, "-data", tiny}, "too few sentences"},
		{[]string{"-n", "0", "-o", o, "-data", fixture}, "-n 0"},
		{[]string{"-n", "5", "-data", fixture}, "no output file"},
		{[]string{"-n", "5", "-o", o, "-data", fixture, "-end", "someday"}, "-end"},
		{[]string{"-n", "5", "-o", o, "-data", fixture, "extra"}, "unexpected argument"},
		{[]string{"-n", "5", "-o", filepath.Join(dir, "no-such-dir", "out.jsonl"), "-data", fixture}, "create output"},
	} {
		out, err := runGen(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("gencorpus %v = %v; want an error about %q\n%s", tc.args, err, tc.want, out)
		}
	}
	// No failed run leaves a file behind, finished or temporary.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs left %v", entries)
	}
}

func TestGenerateCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"-n", "5", "-data", fixture, "-o", filepath.Join(dir, "out.jsonl")}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("run with a cancelled context = %v; want context canceled", err)
	}
}

func TestHeadlineAndSlug(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sentence string
		n        int
		title    string
		slug     string
	}{
		{"The council voted on Tuesday to expand the ferry.", 6, "The council voted on Tuesday to", "the-council-voted-on-tuesday-to"},
		{"Prices fell, traders said.", 3, "Prices fell, traders", "prices-fell-traders"},
		{"Prices fell, traders said.", 2, "Prices fell", "prices-fell"},
		{"“We will rebuild,” she said.", 4, "“We will rebuild,” she", "we-will-rebuild-she"},
		{"Café owners in São Paulo rejoiced.", 12, "Café owners in São Paulo rejoiced", "caf-owners-in-so-paulo-rejoiced"},
		{"— …", 4, "", "article"},
	} {
		title := headline(tc.sentence, tc.n)
		if title != tc.title {
			t.Errorf("headline(%q, %d) = %q; want %q", tc.sentence, tc.n, title, tc.title)
		}
		if s := slug(title); s != tc.slug {
			t.Errorf("slug(%q) = %q; want %q", title, s, tc.slug)
		}
	}
}

func TestProse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"The bank raised its main rate on Wednesday.", true},
		{"“It is a turning point,” the mayor said.", true},
		{"2025 was the warmest year on record, scientists said.", true},
		{"and then the rest of the clause went on.", false},
		{"Read more at https://example.invalid/story today.", false},
		{"Write to the desk at desk@example.invalid for details.", false},
		{"The headline without an ending", false},
	} {
		if got := prose(tc.s); got != tc.want {
			t.Errorf("prose(%q) = %v; want %v", tc.s, got, tc.want)
		}
	}
}

// TestGenerateRealData builds a corpus from the shared data (about ten
// seconds to read it); skipped without the data and in -short mode.
func TestGenerateRealData(t *testing.T) {
	if testing.Short() {
		t.Skip("reading the shared data takes about ten seconds")
	}
	if _, err := os.Stat(filepath.Join(realData, "realtimeqa")); err != nil {
		t.Skipf("no shared data: %v", err)
	}
	o := filepath.Join(t.TempDir(), "real.jsonl.gz")
	mustGen(t, "-n", "2000", "-data", realData, "-o", o)
	bodies := checkCorpus(t, o, 2000, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var words int
	for _, b := range bodies {
		words += len(strings.Fields(b))
	}
	if mean := float64(words) / float64(len(bodies)); mean < 250 || mean > 350 {
		t.Errorf("mean article length %.1f words; want about 300", mean)
	}
}
