package retrieval

import (
	"context"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

func TestDependsOnContext(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"What did he say?", true},
		{"When did it open?", true},
		{"Why did that happen?", true},
		{"What did her opponent do?", true},
		{"And the trial?", true},
		{"What about Spain?", true},
		{"how about the second round?", true},
		{"and then?", true},
		{"Why?", true},
		{"Who won?", true}, // one word of its own
		{"How much did the Riverton bridge cost?", false},
		{"Who won the Lakeshore election?", false},
		{"What did Ortiz say about the ferry strike?", false},
		{"Is the port strike over?", false},
		// A period is not a word pointing back, and a question of nothing
		// but a period asks for that period's news.
		{"What happened this week?", false},
		{"Any news from yesterday?", false},
		{"What happened there this week?", true},
		{"And last week?", true},
		{"What happened that day?", true}, // not a period ParseTime knows: "that" points back
		{"What happened?", true},
		// A bare period, or one asking for more, continues the conversation.
		{"Last year?", true},
		{"In 2025?", true},
		{"Yesterday?", true},
		{"What else happened today?", true},
		{"Anything more from yesterday?", true},
	} {
		if got := DependsOnContext(tc.q); got != tc.want {
			t.Errorf("DependsOnContext(%q) = %v; want %v", tc.q, got, tc.want)
		}
	}
}

func TestContextWeight(t *testing.T) {
	for _, tc := range []struct {
		q, n int
		want float64
	}{
		{3, 0, 0},
		{3, 2, contextWeight},     // few context terms: each at the usual weight
		{3, 16, 0.5 * 3.0 / 16.0}, // many: together half the question
		{1, 10, 0.05},
	} {
		got := ContextWeight(false, tc.q, tc.n)
		if got != tc.want {
			t.Errorf("ContextWeight(%d, %d) = %g; want %g", tc.q, tc.n, got, tc.want)
		}
		if tc.n > 0 && got*float64(tc.n) > contextShare*float64(tc.q)+1e-12 {
			t.Errorf("ContextWeight(%d, %d): the context weighs %g together, more than %g of the question", tc.q, tc.n, got*float64(tc.n), contextShare)
		}
	}
}

func TestContextWeightDependent(t *testing.T) {
	for _, tc := range []struct {
		q, n int
		want float64
	}{
		{1, 0, 0},
		{2, 3, contextWeight},  // few context terms: each at the usual weight
		{1, 16, 1.0 / 16.0},    // many: together as much as the question, no more
		{3, 16, 3.0 / 16.0},    //
		{4, 10, contextWeight}, // the usual weight is below the cap
	} {
		got := ContextWeight(true, tc.q, tc.n)
		if got != tc.want {
			t.Errorf("ContextWeight(true, %d, %d) = %g; want %g", tc.q, tc.n, got, tc.want)
		}
		if got*float64(tc.n) > float64(tc.q)+1e-12 {
			t.Errorf("ContextWeight(true, %d, %d): the context weighs %g together, more than the question's %d", tc.q, tc.n, got*float64(tc.n), tc.q)
		}
	}
}

func TestContextQuestion(t *testing.T) {
	for _, tc := range []struct{ context, want string }{
		{"Which of Jimmy Carter's children was there?\nHis daughter Amy [1].", "Which of Jimmy Carter's children was there?"},
		{"Are the Oreos out yet? Yes, they hit stores on June 9.", "Are the Oreos out yet?"},
		{"ferry evening sailings", "ferry evening sailings"},
		{"", ""},
	} {
		if got := contextQuestion(tc.context); got != tc.want {
			t.Errorf("contextQuestion(%q) = %q; want %q", tc.context, got, tc.want)
		}
	}
}

// TestRetrieveFollowUpStaysOnStory: a follow-up that names its subject
// only by a definite reference ("the flavor", no pronoun) stays with the
// conversation's story when that story answers it well enough to be
// answered, though another story fits its own words better; a question
// that changes the subject still finds its own story.
func TestRetrieveFollowUpStaysOnStory(t *testing.T) {
	t.Parallel()
	s := mustOpenMem(t)
	cookies := s.add(t, corpus.Article{Title: "Gomez cookies hit stores", Source: "A", PublishedAt: day(2026, 11, 24)},
		"The cookies of singer Lena Gomez hit stores on Monday. Their flavor is based on horchata, a rice beverage.")
	soda := s.add(t, corpus.Article{Title: "Soda maker launches lemon drink", Source: "B", PublishedAt: day(2026, 11, 25)},
		"The soda maker said its new drink, a lemon flavor, is based on fruit from its own groves "+
			"and goes on sale in cans and glass bottles across the country next spring.")
	vote := s.add(t, corpus.Article{Title: "Lakeshore election won by Ruiz", Source: "C", PublishedAt: day(2026, 11, 25)},
		"Ana Ruiz won the Lakeshore election with 54 percent of the vote.")
	s.addBriefs(t, fillerBriefs...)
	r := New(s, s, Options{})
	exchange := "Are the Gomez cookies out yet? Yes, they hit stores on Monday [1]."
	for _, tc := range []struct {
		q, context string
		want       int64
	}{
		{"What drink is the flavor based on?", "", soda},
		{"What drink is the flavor based on?", exchange, cookies},
		{"Who won the Lakeshore election?", exchange, vote},
	} {
		res, err := r.Retrieve(context.Background(), Request{Question: tc.q, Context: tc.context, AsOf: testAsOf})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 || res.Hits[0].Article.ID != tc.want {
			t.Errorf("Retrieve(%q, context %q) = articles %v (confidence %.2f); want %d first", tc.q, tc.context, articleIDs(res.Hits), res.Confidence, tc.want)
		}
	}
}

// TestRetrievePeriodOnlyIgnoresContext: "What happened this week?" after an
// exchange about an older story asks for the week's news. With nothing
// from the week, Retrieve returns no hits and the range (the bot then says
// so and lists the newest stories), not the earlier story found again by
// the context's words.
func TestRetrievePeriodOnlyIgnoresContext(t *testing.T) {
	t.Parallel()
	s := mustOpenMem(t)
	s.add(t, corpus.Article{Title: "Pakistan dismisses Taliban recognition reports", Source: "A", PublishedAt: day(2026, 10, 2)},
		"Pakistan's foreign ministry dismissed reports that it would recognise the Taliban government, calling them speculation.")
	s.addBriefs(t, fillerBriefs...)
	r := New(s, s, Options{})
	exchange := "Who recognised the Taliban government?\nRussia recognised the Taliban government [1]."
	for _, q := range []string{"What happened this week?", "Any news from yesterday?"} {
		res, err := r.Retrieve(context.Background(), Request{Question: q, Context: exchange, AsOf: testAsOf})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 0 || res.Range.IsZero() {
			t.Errorf("Retrieve(%q) after an exchange on an older story = %d hits (articles %v), range %q; want none and the range", q, len(res.Hits), articleIDs(res.Hits), res.Range.Label)
		}
	}
}
