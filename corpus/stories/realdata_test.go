//go:build slow

package stories

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// RealTime QA's retrieved articles (evaluation use only, see DESIGN.md).
var realTimeQAFiles = []string{
	"../../../shared/data/realtimeqa/gcs_search_results_2025.jsonl.gz",
	"../../../shared/data/realtimeqa/gcs_search_results_2026.jsonl.gz",
}

// loadRealTimeQA reads the distinct articles (by URL) of the files, or
// skips tb when they are absent.
func loadRealTimeQA(tb testing.TB) []*corpus.Article {
	tb.Helper()
	seen := map[string]bool{}
	var out []*corpus.Article
	for _, path := range realTimeQAFiles {
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
		for sc.Scan() {
			var rec struct {
				SearchResult []struct {
					URL         string `json:"url"`
					Title       string `json:"title"`
					Text        string `json:"text"`
					PublishDate string `json:"publish_date"`
				} `json:"search_result"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				tb.Fatalf("%s: %v", path, err)
			}
			for _, r := range rec.SearchResult {
				if seen[r.URL] || strings.TrimSpace(r.Text) == "" {
					continue
				}
				seen[r.URL] = true
				a := &corpus.Article{ID: int64(len(out) + 1), URL: r.URL, Title: r.Title, Body: r.Text, Scope: corpus.GlobalScope}
				a.PublishedAt, _ = time.Parse("2006/01/02", r.PublishDate)
				out = append(out, a)
			}
		}
		if err := sc.Err(); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
	}
	return out
}

// TestRealTimeQAPairs measures the matcher on the RealTime QA articles
// where no labels are needed: articles with the same title at different
// URLs (syndicated copies, mostly) should group, and random pairs of
// differently titled articles published within the event window almost
// never report one event, so the share grouped bounds the false
// positives from above. Labelled precision and recall are measured on
// the storypairs set.
func TestRealTimeQAPairs(t *testing.T) {
	as := loadRealTimeQA(t)
	t.Run("plain", func(t *testing.T) { measurePairs(t, as, NewMatcher(Options{})) })
	// Rarity from the articles themselves (per article, where the index
	// counts passages): what the command gets from the index's DocFreq.
	df := docFreqOf(as)
	t.Run("rarity", func(t *testing.T) { measurePairs(t, as, NewMatcher(Options{DocFreq: df})) })
}

// docFreqOf counts, for each analysed term, the articles of as holding it.
func docFreqOf(as []*corpus.Article) docFreq {
	df := docFreq{df: map[string]int{}, n: len(as)}
	var an corpus.Analyzer
	for _, a := range as {
		seen := map[string]bool{}
		for _, term := range an.Terms(a.Title + "\n" + a.Body) {
			if !seen[term] {
				seen[term] = true
				df.df[term]++
			}
		}
	}
	return df
}

func measurePairs(t *testing.T, as []*corpus.Article, m *Matcher) {
	start := time.Now()
	ps := make([]profile, len(as))
	for i, a := range as {
		ps[i] = m.profile(a)
	}
	t.Logf("%d articles profiled in %v (%.2f ms each)", len(as), time.Since(start), float64(time.Since(start).Microseconds())/1000/float64(len(as)))

	byTitle := map[string][]int{}
	for i, a := range as {
		k := strings.ToLower(strings.Join(strings.Fields(a.Title), " "))
		byTitle[k] = append(byTitle[k], i)
	}
	var same, copies, sameDated, dated int
	var pairs int
	for _, idx := range byTitle {
		for x := 0; x < len(idx); x++ {
			for y := x + 1; y < len(idx); y++ {
				pairs++
				r := m.compare(ps[idx[x]], ps[idx[y]])
				if r.Copy {
					copies++
				}
				if r.Same {
					same++
				}
				if !ps[idx[x]].when.IsZero() && !ps[idx[y]].when.IsZero() && ps[idx[x]].when.Sub(ps[idx[y]].when).Abs() <= DefaultEventWindow {
					dated++
					if r.Same {
						sameDated++
					}
				}
			}
		}
	}
	t.Logf("same-title pairs: %d; copies %d, same story %d; within %v of each other: %d, of them same story %d",
		pairs, copies, same, DefaultEventWindow, dated, sameDated)

	// Random differently titled pairs within the event window, and
	// within three days: the window the figures before 2026-12-05 were
	// measured in (docs/EVAL.md), so they stay comparable.
	for _, window := range []time.Duration{3 * 24 * time.Hour, DefaultEventWindow} {
		rng := rand.New(rand.NewPCG(1, 2))
		var tried, grouped, copyFP int
		for range 2_000_000 {
			if tried == 20_000 {
				break
			}
			i, j := rng.IntN(len(as)), rng.IntN(len(as))
			if i == j || strings.EqualFold(as[i].Title, as[j].Title) || ps[i].when.IsZero() || ps[j].when.IsZero() ||
				ps[i].when.Sub(ps[j].when).Abs() > window {
				continue
			}
			tried++
			r := m.compare(ps[i], ps[j])
			if r.Same {
				grouped++
				if grouped <= 10 && window == DefaultEventWindow {
					t.Logf("grouped (copy %v, containment %.2f, event %.2f, score %.2f): %q / %q", r.Copy, r.Containment, r.Event, r.Score, as[i].Title, as[j].Title)
				}
			}
			if r.Copy {
				copyFP++
			}
		}
		t.Logf("random pairs within %v: %d; grouped %d (%.2f%%), copies %d", window, tried, grouped, 100*float64(grouped)/float64(max(tried, 1)), copyFP)
		if tried > 0 && float64(grouped) > 0.05*float64(tried) {
			t.Errorf("grouped %d of %d random pairs within %v; want under 5%%", grouped, tried, window)
		}
	}
	if dated > 0 && float64(sameDated) < 0.5*float64(dated) {
		t.Errorf("grouped %d of %d same-title pairs within the window; want at least half", sameDated, dated)
	}
}
