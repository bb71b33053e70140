//go:build slow

// The slow, data-driven tests of this package run with -tags slow (as
// .ci/run does), so go test ./... stays under a minute.

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// realData is the shared data folder, next to the repository.
const realData = "../../../shared/data"

// TestEvalRealTimeQA2025 runs the whole 2025 RealTime QA set (a few
// minutes on two cores); it needs the shared data.
func TestEvalRealTimeQA2025(t *testing.T) {
	dir := filepath.Join(realData, "realtimeqa")
	questions := filepath.Join(dir, "questions_2025.jsonl")
	gcs := filepath.Join(dir, "gcs_search_results_2025.jsonl.gz")
	for _, p := range []string{questions, gcs} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("no RealTime QA data: %v", err)
		}
	}
	m := decodeReport(t, mustRun(t, nil, "eval", "--realtimeqa", questions, "--gcs", gcs, "--json"))
	if m["questions"] != 830.0 {
		t.Errorf("questions = %v; want 830", m["questions"])
	}
	if a, ok := m["articles"].(float64); !ok || a < 5000 {
		t.Errorf("articles = %v; want the ~5.4k unique articles", m["articles"])
	}
	// Sanity, not a benchmark: the right choice must be found far more
	// often than the wrong ones, or the scoring is broken.
	right, _ := m["answer_recall@10"].(float64)
	wrong, _ := m["wrong_choice_recall@10"].(float64)
	if right < 2*wrong || right == 0 {
		t.Errorf("answer_recall@10 %v vs wrong_choice_recall@10 %v: want the right choice found far more often", right, wrong)
	}
	t.Logf("RealTime QA 2025: %v", m)
}
