package console

import (
	"bytes"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/internal/golden"
)

// TestWriteFollowGolden: an update prints "New since 2 Dec (follow #4,
// “question”): …" and its sources; /following lists follows with their
// last update.
func TestWriteFollowGolden(t *testing.T) {
	since := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	var b bytes.Buffer
	WriteFollowUpdate(&b, bot.FollowUpdate{FollowID: 4, Question: "Where did Hurricane Orla make landfall?", Since: since,
		Text: "Hurricane Orla made landfall near Port Carrow on Wednesday [1]. Power is out for 400,000 homes [2].",
		Sources: []bot.Source{
			{N: 1, ArticleID: 2, Title: "Hurricane Orla slams into Gulf Coast", Outlet: "AP", URL: "https://example.com/ap/orla", PublishedAt: since},
			{N: 2, ArticleID: 5, Title: "Orla: the damage", Outlet: "BBC", PublishedAt: since.Add(time.Hour)},
		}})
	b.WriteString("----\n")
	WriteFollows(&b, []corpus.Follow{
		{ID: 4, Question: "Where did Hurricane Orla make landfall?", CreatedAt: since, LastUpdateAt: since.Add(26 * time.Hour)},
		{ID: 9, Question: "Who won the vote?", CreatedAt: since},
	})
	b.WriteString("----\n")
	WriteFollows(&b, nil)
	golden.Check(t, "follow.golden", b.Bytes())
}
