package retrieval

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzParseTime checks ParseTime on arbitrary questions and clocks: it
// never panics, a range it finds is well-formed (From before To when both
// are set, a label naming it), and the rest it returns is the question with
// one expression cut out: never longer, nothing added, the words in order.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"What happened today?", "talks LAST WEEK", "fires in the past 3 days", "last 24 hours",
		"news since Monday", "since 3 May", "since 2025", "protests in December", "Dec. 25 attack",
		"on February 29", "the 2026-05-03 summit", "before 3 May 2026", "after 3 May 2026",
		"since 2030", "since 9999-12-31", "on 0000-00-00", "until 31 February", "past 999 years",
		"the past couple of weeks", "in march on washington", "since the 31st of April 2026",
		"after yesterday's vote", "before today", "since next week", "May 2099", "within the last 12 months",
		"ＴＯＤＡＹ", "toda\u200by", "İn March", "on Sept. 31st", "last\tFriday\n", "\xff since 2025 \xfe",
	} {
		f.Add(s, testAsOf.Unix(), uint8(0))
	}
	f.Add("since Monday", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC).Unix(), uint8(1))
	f.Add("yesterday", time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC).Unix(), uint8(2))
	f.Add("on 1 January", int64(-62135596800), uint8(0)) // year 1
	zones := []*time.Location{time.UTC, time.FixedZone("UTC+14", 14*3600), time.FixedZone("UTC-12", -12*3600)}
	for _, name := range []string{"America/New_York", "America/Santiago", "Asia/Beirut"} {
		if loc, err := time.LoadLocation(name); err == nil {
			zones = append(zones, loc) // DST, some of it at midnight
		}
	}
	f.Fuzz(func(t *testing.T, question string, unix int64, zone uint8) {
		// Years 1 to 9999: the clock of a sane server, with room to spare.
		const minUnix, maxUnix = -62135596800, 253402300799
		if unix < minUnix || unix > maxUnix {
			unix = minUnix + (unix%(maxUnix-minUnix)+(maxUnix-minUnix))%(maxUnix-minUnix)
		}
		asOf := time.Unix(unix, 0).In(zones[int(zone)%len(zones)])
		if timeRE.MatchString(question) && !mayHaveTime(question) {
			t.Fatalf("mayHaveTime(%q) = false, but timeRE matches %q", question, timeRE.FindString(question))
		}
		r, rest := ParseTime(question, asOf)
		if r.IsZero() {
			if rest != question || r.Label != "" {
				t.Fatalf("ParseTime(%q) = zero range %q, %q; want the question unchanged", question, r.Label, rest)
			}
			return
		}
		if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
			t.Fatalf("ParseTime(%q, %v) = [%v, %v); want From before To", question, asOf, r.From, r.To)
		}
		if r.Label == "" {
			t.Fatalf("ParseTime(%q, %v) = %+v; want a label", question, asOf, r)
		}
		if len(rest) > len(question) {
			t.Fatalf("ParseTime(%q) rest %q is longer than the question", question, rest)
		}
		if !utf8.ValidString(question) {
			return // squeeze would read the bytes around the cut differently
		}
		if !utf8.ValidString(rest) {
			t.Fatalf("ParseTime(%q) rest %q is not valid UTF-8", question, rest)
		}
		if !isSubsequence(squeeze(rest), squeeze(question)) {
			t.Fatalf("ParseTime(%q) rest %q is not the question's text with a part cut out", question, rest)
		}
	})
}

// squeeze drops white space, which ParseTime tidies in the rest.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// isSubsequence reports whether the bytes of sub appear in s in order.
func isSubsequence(sub, s string) bool {
	i := 0
	for j := 0; j < len(s) && i < len(sub); j++ {
		if s[j] == sub[i] {
			i++
		}
	}
	return i == len(sub)
}
