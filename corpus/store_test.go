package corpus

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestTermSplitter(t *testing.T) {
	long := strings.Repeat("word ", splitArena) + "end" // more terms than one arena holds
	for _, tc := range []struct {
		name string
		in   []string // the terms columns of one page, split in turn
	}{
		{"empty", []string{""}},
		{"one", []string{"a"}},
		{"several", []string{"a bb ccc", "d", "e f"}},
		{"stray spaces", []string{" a  b ", "  ", "c "}},
		{"arena boundary", []string{"x y", long, "z", long}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ts TermSplitter
			var got [][]string
			for _, s := range tc.in {
				got = append(got, ts.Split(s))
			}
			// An append to one passage's terms must not reach the next's.
			for i := range got {
				_ = append(got[i], "appended")
			}
			for i, s := range tc.in {
				if want := strings.Fields(s); !slices.Equal(got[i], want) {
					t.Errorf("Split(%.40q) = %.80v; want %.80v", s, fmt.Sprint(got[i]), fmt.Sprint(want))
				}
			}
		})
	}
}
