package retrieval

import (
	"testing"
	"time"
)

// asOf is a Friday afternoon; its week runs Monday 23 to Sunday 29 November.
var testAsOf = time.Date(2026, time.November, 27, 15, 0, 0, 0, time.UTC)

func TestParseTime(t *testing.T) {
	t.Parallel()
	var zero time.Time
	tests := []struct {
		question string
		from, to time.Time
		rest     string
	}{
		{"What happened today?", day(2026, 11, 27), day(2026, 11, 28), "What happened?"},
		{"today's headlines", day(2026, 11, 27), day(2026, 11, 28), "headlines"},
		{"What did the minister say this morning?", day(2026, 11, 27), day(2026, 11, 28), "What did the minister say?"},
		{"Yesterday's vote in parliament", day(2026, 11, 26), day(2026, 11, 27), "vote in parliament"},
		{"What happened this week?", day(2026, 11, 23), day(2026, 11, 30), "What happened?"},
		{"Floods earlier this week", day(2026, 11, 23), day(2026, 11, 30), "Floods"},
		{"talks LAST WEEK", day(2026, 11, 16), day(2026, 11, 23), "talks"},
		{"strikes this month", day(2026, 11, 1), day(2026, 12, 1), "strikes"},
		{"strikes last month", day(2026, 10, 1), day(2026, 11, 1), "strikes"},
		{"elections this year", day(2026, 1, 1), day(2027, 1, 1), "elections"},
		{"elections last year", day(2025, 1, 1), day(2026, 1, 1), "elections"},
		{"fires in the past 3 days", day(2026, 11, 24), day(2026, 11, 28), "fires"},
		{"fires over the last two weeks", day(2026, 11, 13), day(2026, 11, 28), "fires"},
		{"the past few days in Gaza", day(2026, 11, 24), day(2026, 11, 28), "in Gaza"},
		{"the past week", day(2026, 11, 20), day(2026, 11, 28), ""},
		{"last 24 hours", testAsOf.Add(-24 * time.Hour), day(2026, 11, 28), ""},
		{"past 6 months", day(2026, 5, 27), day(2026, 11, 28), ""},
		{"news since Monday", day(2026, 11, 23), day(2026, 11, 28), "news"},
		{"news since friday", day(2026, 11, 27), day(2026, 11, 28), "news"},
		{"news since Saturday", day(2026, 11, 21), day(2026, 11, 28), "news"},
		{"on Friday", day(2026, 11, 27), day(2026, 11, 28), ""},
		{"last Friday", day(2026, 11, 20), day(2026, 11, 21), ""},
		{"since 3 May", day(2026, 5, 3), day(2026, 11, 28), ""},
		{"since 2025", day(2025, 1, 1), day(2026, 11, 28), ""},
		{"since last week", day(2026, 11, 16), day(2026, 11, 28), ""},
		{"protests in March", day(2026, 3, 1), day(2026, 4, 1), "protests"},
		{"protests in November", day(2026, 11, 1), day(2026, 12, 1), "protests"},
		{"protests in December", day(2025, 12, 1), day(2026, 1, 1), "protests"},
		{"protests during june", day(2026, 6, 1), day(2026, 7, 1), "protests"},
		{"protests in March 2025", day(2025, 3, 1), day(2025, 4, 1), "protests"},
		{"March 2025 protests", day(2025, 3, 1), day(2025, 4, 1), "protests"},
		{"protests last March", day(2026, 3, 1), day(2026, 4, 1), "protests"},
		{"budget in 2025", day(2025, 1, 1), day(2026, 1, 1), "budget"},
		{"What happened on 3 May 2026?", day(2026, 5, 3), day(2026, 5, 4), "What happened?"},
		{"What happened on May 3, 2026?", day(2026, 5, 3), day(2026, 5, 4), "What happened?"},
		{"What happened on the 3rd of May?", day(2026, 5, 3), day(2026, 5, 4), "What happened?"},
		{"What happened May 3?", day(2026, 5, 3), day(2026, 5, 4), "What happened?"},
		{"Dec. 25 attack", day(2025, 12, 25), day(2025, 12, 26), "attack"},
		{"on February 29", day(2024, 2, 29), day(2024, 3, 1), ""},
		{"the 2026-05-03 summit", day(2026, 5, 3), day(2026, 5, 4), "summit"},
		{"before 3 May 2026", zero, day(2026, 5, 3), ""},
		{"after 3 May 2026", day(2026, 5, 4), zero, ""},
		{"after March", day(2026, 4, 1), zero, ""},
		{"until May 2026", zero, day(2026, 6, 1), ""},
		// Not time filters.
		{"Who led the March on Washington?", zero, zero, "Who led the March on Washington?"},
		{"Who won the 2030 World Cup final?", zero, zero, "Who won the 2030 World Cup final?"},
		{"What is the latest on the Taliban?", zero, zero, "What is the latest on the Taliban?"},
		{"Which country recognised the Taliban recently?", zero, zero, "Which country recognised the Taliban recently?"},
		{"May I ask about Brexit?", zero, zero, "May I ask about Brexit?"},
		{"Monday Night Football ratings", zero, zero, "Monday Night Football ratings"},
		{"a 10 day ceasefire", zero, zero, "a 10 day ceasefire"},
		{"the 2026-02-30 summit", zero, zero, "the 2026-02-30 summit"},
		{"Marchetti in Mayfield", zero, zero, "Marchetti in Mayfield"},
		{"", zero, zero, ""},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			r, rest := ParseTime(tt.question, testAsOf)
			if !r.From.Equal(tt.from) || !r.To.Equal(tt.to) || rest != tt.rest {
				t.Errorf("ParseTime(%q) = [%v, %v), %q; want [%v, %v), %q",
					tt.question, r.From, r.To, rest, tt.from, tt.to, tt.rest)
			}
			if r.IsZero() != (r.Label == "") {
				t.Errorf("ParseTime(%q) label %q for range [%v, %v)", tt.question, r.Label, r.From, r.To)
			}
		})
	}
}

func TestParseTimeLabel(t *testing.T) {
	t.Parallel()
	tests := []struct{ question, label string }{
		{"what happened this week?", "this week (23–29 Nov 2026)"},
		{"news in March", "in March (March 2026)"},
		{"news in 2025", "in 2025 (2025)"},
		{"since Monday", "since Monday (23–27 Nov 2026)"},
		{"today", "today (27 Nov 2026)"},
		{"the past  two weeks", "the past two weeks (13–27 Nov 2026)"},
		{"last month", "last month (October 2026)"},
		{"before 3 May 2026", "before 3 May 2026 (until 2 May 2026)"},
		{"after 3 May 2026", "after 3 May 2026 (from 4 May 2026)"},
		{"past 24 hours", "past 24 hours (from 26 Nov 2026 15:00 to 27 Nov 2026)"},
		{"since December", "since December (1 Dec 2025 – 27 Nov 2026)"},
		{"since 28 October", "since 28 October (28 Oct – 27 Nov 2026)"},
	}
	for _, tt := range tests {
		if r, _ := ParseTime(tt.question, testAsOf); r.Label != tt.label {
			t.Errorf("ParseTime(%q).Label = %q; want %q", tt.question, r.Label, tt.label)
		}
	}
}

// TestParseTimeLocation checks that days are asOf's days, not UTC's.
func TestParseTimeLocation(t *testing.T) {
	t.Parallel()
	tokyo := time.FixedZone("JST", 9*60*60)
	asOf := time.Date(2026, time.November, 28, 1, 0, 0, 0, tokyo) // still the 27th in UTC
	r, _ := ParseTime("today", asOf)
	want := time.Date(2026, time.November, 28, 0, 0, 0, 0, tokyo)
	if !r.From.Equal(want) || !r.To.Equal(want.AddDate(0, 0, 1)) {
		t.Errorf("ParseTime(today) at %v = [%v, %v); want [%v, %v)", asOf, r.From, r.To, want, want.AddDate(0, 0, 1))
	}
}

// TestMayHaveTime: the cheap check before the time regexp says no only
// when the regexp cannot match (FuzzParseTime checks the same on any
// input).
func TestMayHaveTime(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"Who won the Lakeshore election?", false},
		{"What did Pakistan say about the talks?", false},
		{"Is the strike still on?", false},
		{"What happened this week?", true},
		{"Fires in the past 3 days", true},
		{"Who resigned YESTERDAY?", true},
		{"protests in Dec. and after", true},
		{"news since Wednesday", true},
		{"the 2026-05-03 summit", true},
		{"Which city hosted the summit?", false},
		{"Qué pasó hoy?", true}, // not ASCII: the regexp decides
		{"todays", false},
	} {
		if got := mayHaveTime(tc.q); got != tc.want {
			t.Errorf("mayHaveTime(%q) = %v, want %v", tc.q, got, tc.want)
		}
		if timeRE.MatchString(tc.q) && !mayHaveTime(tc.q) {
			t.Errorf("mayHaveTime(%q) = false, but the regexp matches", tc.q)
		}
	}
}
