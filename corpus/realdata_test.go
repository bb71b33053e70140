package corpus

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"testing"
)

// Test data outside the repository (evaluation use only, see DESIGN.md).
const (
	realTimeQAFile = "../../shared/data/realtimeqa/gcs_search_results_2025.jsonl.gz"
	reutersFile    = "../../shared/data/reuters-21578/reuters21578.jsonl.gz"
	generatedFile  = "/tmp/big20k.jsonl.gz"
)

// sampleArticle is the part of an article the text functions read.
type sampleArticle struct {
	URL, Title, Body string
}

// loadArticles reads at most limit articles from one of the data files
// above, or skips tb when the file is absent.
func loadArticles(tb testing.TB, path string, limit int) []sampleArticle {
	tb.Helper()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("test data %s is absent", path)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var out []sampleArticle
	for sc.Scan() && len(out) < limit {
		var rec struct {
			URL          string `json:"url"`
			Title        string `json:"title"`
			Body         string `json:"body"`
			SearchResult []struct {
				URL   string `json:"url"`
				Title string `json:"title"`
				Text  string `json:"text"`
			} `json:"search_result"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if rec.Body != "" {
			out = append(out, sampleArticle{URL: rec.URL, Title: rec.Title, Body: rec.Body})
		}
		for _, r := range rec.SearchResult {
			if len(out) < limit && r.Text != "" {
				out = append(out, sampleArticle{URL: r.URL, Title: r.Title, Body: r.Text})
			}
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return out
}

// benchArticles is the article set the speed benchmarks run over: real
// news articles, so the mix of ASCII, punctuation and accents is real.
func benchArticles(b *testing.B) []sampleArticle {
	b.Helper()
	return loadArticles(b, realTimeQAFile, 2000)
}

func BenchmarkPrepare(b *testing.B) {
	arts := benchArticles(b)
	var bytes int64
	for _, a := range arts {
		bytes += int64(len(a.Body))
	}
	b.ReportAllocs()
	b.SetBytes(bytes / int64(len(arts)))
	i := 0
	for b.Loop() {
		s := arts[i%len(arts)]
		a := Article{URL: s.URL, Title: s.Title, Body: s.Body}
		_ = Prepare(&a)
		i++
	}
}

func BenchmarkAnalyzerTermsReal(b *testing.B) {
	arts := benchArticles(b)
	var bytes int64
	for _, a := range arts {
		bytes += int64(len(a.Body))
	}
	var an Analyzer
	for _, a := range arts { // warm the stem cache as bulk ingest has
		an.Terms(a.Body)
	}
	b.ReportAllocs()
	b.SetBytes(bytes / int64(len(arts)))
	i := 0
	for b.Loop() {
		an.Terms(arts[i%len(arts)].Body)
		i++
	}
}
