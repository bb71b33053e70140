package corpus

import (
	"testing"
	"time"
)

func TestPublishedAdmits(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		p    Published
		t    time.Time
		want bool
	}{
		{"no filter, undated", Published{}, time.Time{}, true},
		{"no filter, dated", Published{}, day(5), true},
		{"from is inclusive", Published{From: day(5)}, day(5), true},
		{"before from", Published{From: day(5)}, day(4), false},
		{"to is exclusive", Published{To: day(5)}, day(5), false},
		{"range drops undated", Published{From: day(1), To: day(9)}, time.Time{}, false},
		{"before is inclusive", Published{Before: day(5)}, day(5), true},
		{"after before", Published{Before: day(5)}, day(6), false},
		{"before keeps undated", Published{Before: day(5)}, time.Time{}, true},
		{"last date is inclusive", Published{Before: day(6).Add(14 * time.Hour), LastDate: day(5)}, day(5), true},
		{"a date after the last date", Published{Before: day(6).Add(14 * time.Hour), LastDate: day(5)}, day(6), false},
		{"a time within the slack", Published{Before: day(6).Add(14 * time.Hour), LastDate: day(5)}, day(6).Add(3 * time.Hour), true},
		{"last date keeps undated", Published{LastDate: day(5)}, time.Time{}, true},
	}
	for _, tc := range tests {
		if got := tc.p.Admits(tc.t); got != tc.want {
			t.Errorf("%s: %+v.Admits(%v) = %v; want %v", tc.name, tc.p, tc.t, got, tc.want)
		}
	}
}
