package golden

import "testing"

func TestDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want, got, diff string
	}{
		{"one line changed", "a\nb\nc", "a\nB\nc", " a\n-b\n+B\n c\n"},
		{"line added", "a\nc", "a\nb\nc", " a\n+b\n c\n"},
		{"line removed", "a\nb\nc", "a\nc", " a\n-b\n c\n"},
		{"far context elided", "1\n2\n3\n4\n5\n6\nx", "1\n2\n3\n4\n5\n6\ny", "...\n 4\n 5\n 6\n-x\n+y\n"},
		{"invisible change quoted", "a b", "a\u200bb", "-a b\n+\"a\\u200bb\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff(tt.want, tt.got); got != tt.diff {
				t.Errorf("Diff(%q, %q) =\n%s\nwant\n%s", tt.want, tt.got, got, tt.diff)
			}
		})
	}
}
