// Package golden compares a test's output with a file under testdata/ and,
// when they differ, prints a line diff. Run the tests with -update to
// rewrite the files after checking the diff.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// update is the -update flag of every test binary that imports golden. A
// flag is the one package-level variable here: the testing package parses
// flags once per binary.
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// Check compares got with testdata/name, or writes got there with -update.
func Check(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatalf("update golden file: %v", err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if string(got) != string(want) {
		tb.Errorf("%s differs from the golden file (- golden, + got; check, then go test -update):\n%s", path, Diff(string(want), string(got)))
	}
}

// Diff returns a line diff of want and got: lines only in want start with
// "-", lines only in got with "+", and common lines with " "; runs of more
// than contextLines unchanged lines are elided.
func Diff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:]: golden files are small, so the quadratic table is fine.
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var lines []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			lines = append(lines, " "+a[i])
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			lines = append(lines, "-"+quoteInvisible(a[i]))
			i++
		default:
			lines = append(lines, "+"+quoteInvisible(b[j]))
			j++
		}
	}
	return elide(lines)
}

// contextLines unchanged lines are kept around each change.
const contextLines = 3

// elide drops unchanged lines farther than contextLines from a change.
func elide(lines []string) string {
	keep := make([]bool, len(lines))
	for k, l := range lines {
		if l[0] != ' ' {
			for m := max(0, k-contextLines); m <= min(len(lines)-1, k+contextLines); m++ {
				keep[m] = true
			}
		}
	}
	var b strings.Builder
	skipped := false
	for k, l := range lines {
		if !keep[k] {
			skipped = true
			continue
		}
		if skipped {
			b.WriteString("...\n")
			skipped = false
		}
		b.WriteString(l + "\n")
	}
	if skipped {
		b.WriteString("...\n")
	}
	return b.String()
}

// quoteInvisible shows a changed line quoted when it holds characters a
// terminal would not show (trailing spaces, control or invisible
// characters), so a diff never looks empty.
func quoteInvisible(l string) string {
	if strings.TrimRight(l, " \t") != l || strings.ContainsFunc(l, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return fmt.Sprintf("%q", l)
	}
	return l
}
