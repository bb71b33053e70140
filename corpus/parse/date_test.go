package parse

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2023-11-27T08:45:59+00:00", utc(2023, 11, 27, 8, 45, 59)},
		{"2023-11-27T08:45:59Z", utc(2023, 11, 27, 8, 45, 59)},
		{"2023-11-27T10:45:59+02:00", utc(2023, 11, 27, 8, 45, 59)},
		{"2023-11-27T08:45:59.123Z", time.Date(2023, 11, 27, 8, 45, 59, 123e6, time.UTC)},
		{"1987-02-26T15:01:01", utc(1987, 2, 26, 15, 1, 1)},
		{"2023-11-27T08:45", utc(2023, 11, 27, 8, 45, 0)},
		{"2023-11-27", utc(2023, 11, 27, 0, 0, 0)},
		{"2023-11-27 08:45:59", utc(2023, 11, 27, 8, 45, 59)},
		{"2023-11-27 08:45:59 +0100", utc(2023, 11, 27, 7, 45, 59)},
		{"2023/11/27", utc(2023, 11, 27, 0, 0, 0)},
		{"Mon, 27 Nov 2023 08:45:59 GMT", utc(2023, 11, 27, 8, 45, 59)},
		{"Mon, 27 Nov 2023 08:45:59 +0000", utc(2023, 11, 27, 8, 45, 59)},
		{"Tue, 3 Oct 2023 14:00:00 EST", utc(2023, 10, 3, 19, 0, 0)},
		{"Tue, 3 Oct 2023 14:00:00 PDT", utc(2023, 10, 3, 21, 0, 0)},
		{"November 27, 2023", utc(2023, 11, 27, 0, 0, 0)},
		{"Nov 27, 2023", utc(2023, 11, 27, 0, 0, 0)},
		{"27 November 2023", utc(2023, 11, 27, 0, 0, 0)},
		{"26-FEB-1987 15:01:01.79", time.Date(1987, 2, 26, 15, 1, 1, 790e6, time.UTC)},
		{"  2023-11-27  ", utc(2023, 11, 27, 0, 0, 0)},
		{"1700000000", utc(2023, 11, 14, 22, 13, 20)},
		{"1700000000.5", time.Date(2023, 11, 14, 22, 13, 20, 500e6, time.UTC)},
		{"1700000000000", utc(2023, 11, 14, 22, 13, 20)},
		{"20231127", utc(2023, 11, 27, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseDate(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDateInvalid(t *testing.T) {
	for _, in := range []string{"", "   ", "yesterday", "2023-13-45", "12345", "31/31/2023", "1700000000."} {
		t.Run(in, func(t *testing.T) {
			if got, err := ParseDate(in); err == nil {
				t.Errorf("ParseDate(%q) = %v, nil; want an error", in, got)
			}
		})
	}
}
