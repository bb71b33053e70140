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
