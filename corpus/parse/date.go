package parse

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/itlightning/dateparse"
)

// dateLayouts are the spellings dateparse does not read that news data
// uses; layouts without a zone are read as UTC. A read-only table.
var dateLayouts = []string{
	"2006/01/02/15:04", // RealTime QA's search_time
}

// zoneOffsets gives the offsets of zone abbreviations news feeds use. Go
// otherwise reads an abbreviation it does not know from the machine's time
// zone as UTC, so results would depend on where the bot runs. Hours east
// of UTC; a read-only table.
var zoneOffsets = map[string]float64{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
	"PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10,
	"BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "WET": 0, "WEST": 1,
	"MSK": 3, "IST": 5.5, "PKT": 5, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8,
	"AEST": 10, "AEDT": 11, "ACST": 9.5, "AWST": 8, "NZST": 12, "NZDT": 13,
}

// Unix timestamps given as numbers: a plausible seconds value has 9-10
// digits (1973-2286), a milliseconds value 12-13.
const (
	minUnixDigits   = 9
	maxUnixDigits   = 10
	minUnixMsDigits = 12
	maxUnixMsDigits = 13
)

// ParseDate reads a publication time in any of the spellings news data
// uses: RFC 3339 with or without zone or fraction ("2006-01-02T15:04:05"
// without a zone is UTC), "2006-01-02", "2006-01-02 15:04:05", RFC 1123 and
// RSS variants, "January 2, 2006", Reuters' "26-FEB-1987 15:01:01.79", and
// Unix seconds or milliseconds. Zone abbreviations such as EST are read with
// their usual offset. The result is in UTC so times from different sources
// compare and display alike. The spellings are dateparse's; only Unix
// numbers (dateparse takes any digits for one), bare years and RealTime QA's
// "2006/01/02/15:04" are handled here.
func ParseDate(s string) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, fmt.Errorf("parse date: empty")
	}
	if t, ok := parseUnix(s); ok {
		return t, nil
	}
	if isDigits(s) && len(s) < len("20060102") {
		// A bare year ("2023") or a short number is no publication time;
		// dateparse would make it 1 January.
		return time.Time{}, fmt.Errorf("parse date %q: not a full date", truncate(s, 100))
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	t, err := dateparse.ParseIn(s, time.UTC, dateparse.PreferMonthFirst(true), dateparse.RetryAmbiguousDateWithSwap(true))
	if err != nil {
		return time.Time{}, fmt.Errorf("parse date %q: unrecognised format", truncate(s, 100))
	}
	// dateparse reads a zone abbreviation it cannot place in the location
	// as offset zero; the usual offset is what the feed meant.
	if name, off := t.Zone(); off == 0 {
		if h, ok := zoneOffsets[strings.ToUpper(name)]; ok && h != 0 {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.FixedZone(name, int(h*3600)))
		}
	}
	return t.UTC(), nil
}

// parseUnix reads s as Unix seconds or milliseconds when it is a number of
// a plausible length.
func parseUnix(s string) (time.Time, bool) {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return time.Time{}, false
			}
		}
	}
	if hasFrac && frac == "" {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, false
	}
	switch n := len(intPart); {
	case n >= minUnixDigits && n <= maxUnixDigits:
		return time.UnixMilli(int64(f * 1000)).UTC(), true
	case n >= minUnixMsDigits && n <= maxUnixMsDigits:
		return time.UnixMilli(int64(f)).UTC(), true
	}
	return time.Time{}, false
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
