package bot

import (
	"strings"
	"testing"

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
