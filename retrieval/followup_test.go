package retrieval

import "testing"

func TestDependsOnContext(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"What did he say?", true},
		{"When did it open?", true},
		{"Why did that happen?", true},
		{"What did her opponent do?", true},
		{"And the trial?", true},
		{"What about Spain?", true},
		{"how about the second round?", true},
		{"and then?", true},
		{"Why?", true},
		{"Who won?", true}, // one word of its own
		{"How much did the Riverton bridge cost?", false},
		{"Who won the Lakeshore election?", false},
		{"What did Ortiz say about the ferry strike?", false},
		{"Is the port strike over?", false},
	} {
		if got := DependsOnContext(tc.q); got != tc.want {
			t.Errorf("DependsOnContext(%q) = %v; want %v", tc.q, got, tc.want)
		}
	}
}

func TestContextWeight(t *testing.T) {
	for _, tc := range []struct {
		q, n int
		want float64
	}{
		{3, 0, 0},
		{3, 2, contextWeight},     // few context terms: each at the usual weight
		{3, 16, 0.5 * 3.0 / 16.0}, // many: together half the question
		{1, 10, 0.05},
	} {
		got := ContextWeight(tc.q, tc.n)
		if got != tc.want {
			t.Errorf("ContextWeight(%d, %d) = %g; want %g", tc.q, tc.n, got, tc.want)
		}
		if tc.n > 0 && got*float64(tc.n) > contextShare*float64(tc.q)+1e-12 {
			t.Errorf("ContextWeight(%d, %d): the context weighs %g together, more than %g of the question", tc.q, tc.n, got*float64(tc.n), contextShare)
		}
	}
}
