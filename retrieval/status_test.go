package retrieval

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

func TestAsksStatus(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"Is the strike still on?", true},
		{"Has the merger been approved yet?", true},
		{"What is the latest count?", true},
		{"How long did the outage last in the end?", true},
		{"Who is currently leading the race?", true},
		{"Is the ferry running anymore?", true},
		{"How is the mayor doing in the hospital now?", true},
		{"Have rescuers found anyone alive lately?", true},
		{"Did Ukraine and the US ever sign that minerals deal?", true},
		{"What did the court end up doing about the ban?", true},
		{"Who knows what happened in November?", false}, // "know" is not "now"
		{"How many ships waited during the port strike?", false},
		{"Who won the Lakeshore election?", false},
		{"Which country has the largest army?", false},
	} {
		if got := AsksStatus(tc.q); got != tc.want {
			t.Errorf("AsksStatus(%q) = %v; want %v", tc.q, got, tc.want)
		}
	}
}

// TestRetrieveStatusInPeriod: a status question that also names a period
// gets the newest of the period's close matches first.
func TestRetrieveStatusInPeriod(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := New(f.store, f.store, Options{})
	res, err := r.Retrieve(context.Background(), Request{Question: "What is the latest on the ferry evening sailings this year?", AsOf: testAsOf})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Status || res.Range.IsZero() {
		t.Errorf("Status %v, Range %+v; want a status question with a period", res.Status, res.Range)
	}
	if len(res.Hits) == 0 || res.Hits[0].Article.ID != f.newFerry {
		t.Errorf("articles = %v; want the newer ferry story (%d) first", articleIDs(res.Hits), f.newFerry)
	}
}

// TestReplayLeavesOutNextDayDates: a question asked as of a past day
// is not answered from an article its outlet dated the day after (a
// date has no time zone to misread), while an article timed early the
// next morning UTC is still within the slack for times.
func TestReplayLeavesOutNextDayDates(t *testing.T) {
	s := mustOpenMem(t)
	asked := time.Date(2026, 11, 20, 23, 59, 59, 0, time.UTC)
	today := s.add(t, corpus.Article{Title: "Harbour strike continues", Source: "A", PublishedAt: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		"The harbour strike continues for a third week as talks stall.")
	nextDate := s.add(t, corpus.Article{Title: "Harbour strike ends", Source: "B", PublishedAt: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)},
		"The harbour strike ends after a deal on pay; work resumes on Monday.")
	nextTime := s.add(t, corpus.Article{Title: "Harbour strike talks resume", Source: "C", PublishedAt: time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)},
		"Harbour strike talks resume overnight as both sides return to the table.")
	r := New(s, s, Options{Now: func() time.Time { return asked.AddDate(0, 1, 0) }})
	res, err := r.Retrieve(context.Background(), Request{Question: "Is the harbour strike still on?", AsOf: asked})
	if err != nil {
		t.Fatal(err)
	}
	got := articleIDs(res.Hits)
	if !slices.Contains(got, today) || !slices.Contains(got, nextTime) || slices.Contains(got, nextDate) {
		t.Errorf("Retrieve as of %v = articles %v; want %d and %d (within the slack), not %d (dated the next day)", asked, got, today, nextTime, nextDate)
	}
}

// TestStatusSameDayHeadline: of the newest close matches of a status
// question that share one day, the one whose headline holds the question's
// words comes first, though a timeline repeating the story's words scores
// higher on the passage; reports of different days stay newest first, and
// a plain question keeps the BM25 order.
func TestStatusSameDayHeadline(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		question     string
		signedDay    time.Time // the report whose headline says it
		timelineDay  time.Time // the timeline that repeats the story's words
		wantTimeline bool      // the timeline first
	}{
		{"same date: the headline that says it", "Has the governor signed the harbour budget bill yet?", day(2026, 11, 24), day(2026, 11, 24), false},
		{"a date and a time that day tie", "Has the governor signed the harbour budget bill yet?", day(2026, 11, 24), day(2026, 11, 24).Add(15 * time.Hour), false},
		{"a newer day still wins", "Has the governor signed the harbour budget bill yet?", day(2026, 11, 23), day(2026, 11, 24), true},
		{"not a status question", "What does the harbour budget bill do for the governor?", day(2026, 11, 24), day(2026, 11, 24), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustOpenMem(t)
			timeline := s.add(t, corpus.Article{Title: "Timeline of the harbour budget fight", Source: "A", PublishedAt: tc.timelineDay},
				"The harbour budget bill passed the assembly in June. The governor said the harbour budget bill needed changes. "+
					"Lawmakers sent the harbour budget bill back in October, and the governor has ten days to sign the budget bill or veto it.")
			signed := s.add(t, corpus.Article{Title: "Governor signs harbour budget bill", Source: "B", PublishedAt: tc.signedDay},
				"The governor put her name to the law on Tuesday, ending a months-long standoff over port funding. "+
					"Dock workers, shipping firms and the city council had waited since spring for the money, which pays for dredging, "+
					"new cranes and the repair of the old sea wall, and the first contracts are to be let before the end of the year.")
			r := New(s, s, Options{})
			res, err := r.Retrieve(context.Background(), Request{Question: tc.question, AsOf: testAsOf})
			if err != nil {
				t.Fatal(err)
			}
			want := signed
			if tc.wantTimeline {
				want = timeline
			}
			if len(res.Hits) == 0 || res.Hits[0].Article.ID != want {
				t.Errorf("Retrieve(%q) = articles %v; want %d first", tc.question, articleIDs(res.Hits), want)
			}
		})
	}
}

func TestSameDay(t *testing.T) {
	d := day(2026, 11, 24)
	for _, tc := range []struct {
		a, b time.Time
		want bool
	}{
		{d, d, true},
		{d, d.Add(15 * time.Hour), true},
		{d.Add(9 * time.Hour), d.Add(9 * time.Hour), true},
		{d.Add(9 * time.Hour), d.Add(15 * time.Hour), false}, // two times: the later is newer
		{d, d.AddDate(0, 0, 1), false},
		{d.Add(15 * time.Hour), d.AddDate(0, 0, 1), false},
	} {
		if got := sameDay(tc.a, tc.b); got != tc.want {
			t.Errorf("sameDay(%v, %v) = %v; want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
