package console

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/internal/golden"
)

// TestWriteAnswerReportedBy: a source whose text other outlets carried
// says "reported by ..." in the console and lists them in `ask --json`.
func TestWriteAnswerReportedBy(t *testing.T) {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	a := bot.Answer{
		Text: "Flood barriers along the Elbe held as the river peaked at 7.4 metres [1]. Trains to Prague stopped [2].",
		Sources: []bot.Source{
			{N: 1, ArticleID: 1, Title: "Elbe flood barriers hold", Outlet: "Wire Daily", URL: "https://wire.example/elbe", PublishedAt: day,
				Copies: []corpus.CopyRef{
					{ArticleID: 2, Source: "Elbe Post", URL: "https://elbepost.example/elbe", Title: "Elbe barriers hold", PublishedAt: day},
					{ArticleID: 3, Source: "Saxony Courier", URL: "https://courier.example/elbe", Title: "Barriers hold in Dresden"},
				}},
			{N: 2, ArticleID: 7, Title: "Elbe flood stops trains", Outlet: "Rail News"},
		},
		Grounded: true, Mode: bot.ModeExtractive,
	}
	var text strings.Builder
	WriteAnswer(&text, a)
	if !strings.Contains(text.String(), "reported by Wire Daily, Elbe Post and Saxony Courier") {
		t.Errorf("WriteAnswer() = %q; want the outlets that reported source 1", text.String())
	}
	js, err := json.MarshalIndent(AnswerJSON(a), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "reported_by.golden", []byte("=== console\n"+text.String()+"=== ask --json\n"+string(js)+"\n"))
}
