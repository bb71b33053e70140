package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
)

// TestExtractiveContextNeverAddsASentence: a follow-up's context words
// (the previous story's) may break ties between sentences of the question,
// but a sentence holding none of the question's own words is not quoted,
// however many context words it has.
func TestExtractiveContextNeverAddsASentence(t *testing.T) {
	question := "How much did the Riverton bridge cost?"
	context := "Which country has recognised the Taliban government? Russia is the only country known to have recognised the Taliban administration."
	res := retrieval.Result{
		Terms: append(retrieval.QueryTermsFor(question), retrieval.QueryTermsFor(context)...),
		Hits: []corpus.Hit{
			{Passage: corpus.Passage{Text: "The new Riverton bridge opened to traffic on Monday. The 640-metre bridge cost 212 million dollars."}, Article: corpus.Article{ID: 1, Title: "Riverton bridge opens"}},
			{Passage: corpus.Passage{Text: "Russia is the only country known to have recently recognised the Taliban administration."}, Article: corpus.Article{ID: 2, Title: "Taliban recognition"}},
		},
		Confidence: 1,
	}
	a := extractive(question, res, "")
	if !strings.Contains(a.Text, "212 million") || strings.Contains(a.Text, "Russia") || len(a.Sources) != 1 {
		t.Errorf("extractive answer = %q with %d sources; want the bridge's cost only", a.Text, len(a.Sources))
	}
}

// TestExtractiveQuotesWhatIsAsked: between sentences that match the
// question's words equally, the one holding what it asks for (a sum, a
// date, a name) is quoted first.
func TestExtractiveQuotesWhatIsAsked(t *testing.T) {
	text := "The new Riverton bridge opened to traffic on Monday morning. The 640-metre bridge cost 212 million dollars. Mayor Ana Ruiz opened the Riverton bridge."
	res := retrieval.Result{Hits: []corpus.Hit{{Passage: corpus.Passage{Text: text}, Article: corpus.Article{ID: 1, Title: "Riverton bridge opens"}}}, Confidence: 1}
	for _, tc := range []struct{ question, first string }{
		{"How much did the Riverton bridge cost?", "The 640-metre bridge cost 212 million dollars. [1]"},
		{"When did the Riverton bridge open?", "The new Riverton bridge opened to traffic on Monday morning. [1]"},
		{"Who opened the Riverton bridge?", "Mayor Ana Ruiz opened the Riverton bridge. [1]"},
	} {
		a := extractive(tc.question, res, "")
		if len(a.Sentences) == 0 || a.Sentences[0].Text != tc.first {
			t.Errorf("extractive(%q) = %q; want it to open with %q", tc.question, a.Text, tc.first)
		}
	}
}

// TestExtractiveAnswersEachPart: a question in two parts, or comparing two
// things, quotes the sentence that answers each part, not the sentences
// sharing most words with the whole question.
func TestExtractiveAnswersEachPart(t *testing.T) {
	text := "Former mayor Dana Cole is charged with fraud and bribery over city contracts. " +
		"Cole denied the fraud and bribery charges over the city contracts on Monday. " +
		"Prosecutors said the fraud charges carry up to ten years. " +
		"The trial is set to begin on March 3."
	other := "The Riverton bridge cost 212 million dollars. The old ferry cost 40 million dollars."
	res := retrieval.Result{Hits: []corpus.Hit{
		{Passage: corpus.Passage{Text: text}, Article: corpus.Article{ID: 1, Title: "Former mayor charged"}},
		{Passage: corpus.Passage{Text: other}, Article: corpus.Article{ID: 2, Title: "Costs of the crossings"}},
	}, Confidence: 1}
	for _, tc := range []struct {
		question string
		want     []string // each quoted, in this order
	}{
		{"What is Dana Cole charged with, and when is the trial?",
			[]string{"charged with fraud and bribery", "The trial is set to begin on March 3."}},
		{"Which cost more, the Riverton bridge or the old ferry?",
			[]string{"The Riverton bridge cost 212 million dollars.", "The old ferry cost 40 million dollars."}},
	} {
		a := extractive(tc.question, res, "")
		at := -1
		for _, w := range tc.want {
			i := strings.Index(a.Text, w)
			if i < 0 || i < at {
				t.Errorf("extractive(%q) = %q; want %q quoted, in order", tc.question, a.Text, tc.want)
				break
			}
			at = i
		}
	}
}

// TestExtractiveQuotesAStatement: "What did X say?" is answered by the
// sentence reporting what X said, not by another sentence naming X that
// shares more of a previous exchange's words (the console once answered it
// with the 1990s recognition after a question on who recognised the
// Taliban).
func TestExtractiveQuotesAStatement(t *testing.T) {
	text := "In the 1990s Pakistan formally recognised the first Taliban government, along with two Gulf states. " +
		"Pakistan's foreign ministry dismissed reports of an imminent recognition of the Taliban administration as “speculation”."
	statement := "Pakistan's foreign ministry dismissed reports"
	for _, tc := range []struct{ question, context string }{
		{"What did Pakistan say?", ""},
		{"What did Pakistan say?", "Who recognised the Taliban government? Russia recognised the Taliban government in July."},
		{"How did Pakistan respond?", "Who recognised the Taliban government?"},
	} {
		res := retrieval.Result{
			Terms:      append(retrieval.QueryTermsFor(tc.question), retrieval.QueryTermsFor(tc.context)...),
			Hits:       []corpus.Hit{{Passage: corpus.Passage{Text: text}, Article: corpus.Article{ID: 1, Title: "Pakistan dismisses recognition talk"}}},
			Confidence: 1,
		}
		a := extractive(tc.question, res, "")
		if len(a.Sentences) == 0 || !strings.HasPrefix(a.Sentences[0].Text, statement) {
			t.Errorf("extractive(%q, context %q) = %q; want it to open with the statement", tc.question, tc.context, a.Text)
		}
	}
}

// TestExtractiveStatusQuotesNoOlderReport: a status question answered
// from the newest report quotes nothing further from an older one, which
// would describe a state of affairs that no longer holds.
func TestExtractiveStatusQuotesNoOlderReport(t *testing.T) {
	newer := corpus.Hit{Passage: corpus.Passage{Text: "Dock workers voted on Saturday to accept a pay rise, ending the port strike after two weeks."},
		Article: corpus.Article{ID: 2, Title: "Walkout ends", PublishedAt: time.Date(2025, 7, 27, 0, 0, 0, 0, time.UTC)}}
	older := corpus.Hit{Passage: corpus.Passage{Text: "The port strike entered its second week on Sunday. Striking port workers blocked the gates again, and the port strike goes on."},
		Article: corpus.Article{ID: 1, Title: "Strike enters second week", PublishedAt: time.Date(2025, 7, 20, 0, 0, 0, 0, time.UTC)}}
	question := "Is the port strike still on?"
	for _, status := range []bool{true, false} {
		res := retrieval.Result{Terms: retrieval.QueryTermsFor(question), Hits: []corpus.Hit{newer, older}, Confidence: 1, Status: status}
		a := extractive(question, res, "")
		quotesOlder := strings.Contains(a.Text, "second week")
		if !strings.HasPrefix(a.Text, "Dock workers voted") || quotesOlder == status {
			t.Errorf("status %v: extractive(%q) = %q; want the newest report first, and the older one quoted only when not a status question", status, question, a.Text)
		}
	}
}

// TestAnswerKindSaid: only a question asking what someone said is taken
// for one; "tell", "state" and "claim" in other questions are not.
func TestAnswerKindSaid(t *testing.T) {
	for q, want := range map[string]bool{
		"What did Pakistan say?":                      true,
		"How did the union respond?":                  true,
		"What has the ministry said about the talks?": true,
		"What did he tell reporters?":                 true,
		"What can you tell me about the ceasefire?":   false,
		"What is the state of the economy?":           false,
		"What happened in Washington state?":          false,
		"How is the state election going?":            false,
		"What is the insurance claim about?":          false,
		"What is Islamic State?":                      false,
	} {
		if got := answerKindOf(q) == kindSaid; got != want {
			t.Errorf("answerKindOf(%q) is kindSaid: %v; want %v", q, got, want)
		}
	}
}
