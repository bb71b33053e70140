package retrieval

import (
	"context"
	"testing"
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
