package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

func TestRecordAndEvents(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for i, e := range []corpus.Event{
		{At: at, Action: "add", ArticleID: 1, Title: "A", UserID: "u1", ServerID: "s1", Actor: "discord:u1"},
		{At: at.Add(time.Minute), Action: "remove", ArticleID: 1, Title: "A", UserID: "u2", ServerID: "s1", Actor: "discord:u2"},
		{At: at, Action: "add", ArticleID: 2, Title: "B", UserID: "u3", ServerID: "s2", Actor: "discord:u3"},
	} {
		if err := db.Record(ctx, e); err != nil {
			t.Fatalf("Record(%d): %v", i, err)
		}
	}
	got, err := db.Events(ctx, "s1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Action != "remove" || got[0].UserID != "u2" || !got[1].At.Equal(at) {
		t.Errorf("Events(s1) = %+v; want the remove then the add", got)
	}
}

func TestFindTitles(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	ctx := context.Background()
	for i, tc := range []struct{ title, scope string }{
		{"Bank of Japan buys bills", corpus.GlobalScope},
		{"Cocoa review: 100% rain_fall", "s1"},
		{"Bank holiday in Bahia", "s2"},
	} {
		a := &corpus.Article{Title: tc.title, Scope: tc.scope, Body: tc.title, Hash: tc.title, Passages: []corpus.Passage{{Text: tc.title}}}
		if err := db.Add(ctx, a); err != nil {
			t.Fatalf("Add(%d): %v", i, err)
		}
	}
	tests := []struct {
		scopes []string
		query  string
		want   int
	}{
		{[]string{corpus.GlobalScope, "s1"}, "bank", 1},
		{[]string{corpus.GlobalScope, "s2"}, "BANK", 2},
		{[]string{"s1"}, "100%", 1},
		{[]string{"s1"}, "review_", 0}, // "_" is literal, not a wildcard
		{[]string{"s1"}, "rain_", 1},
		{[]string{corpus.GlobalScope, "s1", "s2"}, "", 3},
	}
	for _, tt := range tests {
		got, err := db.FindTitles(ctx, tt.scopes, tt.query, 25)
		if err != nil || len(got) != tt.want {
			t.Errorf("FindTitles(%v, %q) = %d articles, %v; want %d", tt.scopes, tt.query, len(got), err, tt.want)
		}
	}
}
