package discord

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/internal/golden"
)

// goldenJSON compares v, as indented JSON, with testdata/name.
func goldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, name, got)
}

var day = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func TestRenderAnswerGolden(t *testing.T) {
	tests := []struct {
		name string
		a    bot.Answer
	}{
		{"answer.golden", bot.Answer{
			Text: "Russia is the only country known to have recently recognised the Taliban administration [1]. Pakistan called reports of its own recognition speculation [1][2].",
			Sources: []bot.Source{
				{N: 1, ArticleID: 1, Title: "Pakistan Dismisses Recognition Of Taliban As ‘Speculation’", Outlet: "Kabul Now", URL: "https://example.com/pakistan", PublishedAt: day,
					Copies: []corpus.CopyRef{{ArticleID: 4, Source: "Reuters"}, {ArticleID: 5, Source: "AP"}}},
				{N: 2, ArticleID: 7, Title: "Border talks", Outlet: "Dawn"},
			},
			Grounded: true, Mode: bot.ModeLLM,
		}},
		{"hostile.golden", bot.Answer{
			Text: "@everyone look [1]. Click [here](https://evil.example/steal) or <@&123> \u202eevil\u202c [1].",
			Sources: []bot.Source{
				{N: 1, ArticleID: 3, Title: "Fake](https://evil.example) [Real title", Outlet: "**Bold** @here", URL: "javascript:alert(1)",
					Copies: []corpus.CopyRef{{ArticleID: 4, Source: "[Wire](https://evil.example) @everyone"}}},
			},
			Grounded: true, Mode: bot.ModeExtractive, Note: "The model did not answer in time.",
		}},
		{"not_covered.golden", bot.Answer{
			Text: "The news corpus does not cover this.",
			Nearest: []bot.Source{
				{N: 1, ArticleID: 5, Title: "World Cup 2026 draw", Outlet: "Reuters", URL: "https://example.com/draw", PublishedAt: day},
			},
			Mode: bot.ModeNone,
		}},
		{"period.golden", bot.Answer{
			Text: "Stories published in the period asked about (16 – 22 Nov 2026), newest first: “Ferry strike ends” (Harbour News, 20 Nov 2026, 3 outlets); “Council approves budget” (City Times, 19 Nov 2026). Ask about one of them for the details.",
			Nearest: []bot.Source{
				{N: 1, ArticleID: 9, Title: "Ferry strike ends", Outlet: "Harbour News", URL: "https://example.com/ferry", PublishedAt: day, StoryID: 7, StoryOutlets: 3},
				{N: 2, ArticleID: 12, Title: "Council approves budget", Outlet: "City Times", URL: "https://example.com/budget", PublishedAt: day.AddDate(0, 0, -1), StoryID: 12, StoryOutlets: 1},
			},
			Mode: bot.ModePeriod,
		}},
		{"unsourced.golden", bot.Answer{
			Text: "Russia recognised the Taliban administration [1]. This is a historic step. [no source]",
			Sources: []bot.Source{
				{N: 1, ArticleID: 1, Title: "Pakistan Dismisses Recognition Of Taliban As ‘Speculation’", Outlet: "Kabul Now", URL: "https://example.com/pakistan", PublishedAt: day},
			},
			Mode: bot.ModeLLM, Note: "Sentences marked [no source] cite none of the articles: check them before relying on them.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goldenJSON(t, tt.name, renderAnswer(tt.a))
		})
	}
}

var marker = regexp.MustCompile(`\[\d+\]`)

func TestRenderLongAnswerWithinLimits(t *testing.T) {
	sentence := "The committee approved the measure after a long debate about funding and oversight [1]. "
	var srcs []bot.Source
	for n := 1; n <= 40; n++ {
		srcs = append(srcs, bot.Source{N: n, Title: strings.Repeat("Very long headline about the budget ", 8), Outlet: "Outlet", URL: "https://example.com/a/" + strings.Repeat("x", 150), PublishedAt: day})
	}
	a := bot.Answer{Text: strings.Repeat(sentence, 60) + "Emoji 🙂 at the end [2].", Sources: srcs}
	msgs := renderAnswer(a)
	if len(msgs) < 3 {
		t.Fatalf("renderAnswer produced %d messages; want the long text and sources split", len(msgs))
	}
	var joined strings.Builder
	for i, m := range msgs {
		if n := u16len(m.Content); n > maxContent {
			t.Errorf("message %d content is %d units; limit %d", i, n, maxContent)
		}
		if len(m.Embeds) > maxEmbedsPerMessage || embedsLen(m.Embeds) > maxEmbedsTotal {
			t.Errorf("message %d has %d embeds, %d units", i, len(m.Embeds), embedsLen(m.Embeds))
		}
		for _, e := range m.Embeds {
			if u16len(e.Description) > maxEmbedDescription {
				t.Errorf("message %d embed description is %d units", i, u16len(e.Description))
			}
		}
		if strings.Count(m.Content, "[") != strings.Count(m.Content, "]") {
			t.Errorf("message %d cuts a citation: %q", i, m.Content[max(0, len(m.Content)-40):])
		}
		joined.WriteString(m.Content + " ")
	}
	if got, want := len(marker.FindAllString(joined.String(), -1)), 61; got != want {
		t.Errorf("citations across messages = %d; want %d (none lost)", got, want)
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		in    string
		limit int
	}{
		{"short", 10},
		{"one two three four five six seven", 10},
		{"Alpha beta [1]. Gamma delta [2]. Epsilon [3].", 20},
		{strings.Repeat("x", 25), 10}, // one giant word
		{strings.Repeat("🙂", 15), 10}, // surrogate pairs
	}
	for _, tt := range tests {
		parts := splitText(tt.in, tt.limit)
		if strings.Join(strings.Fields(strings.Join(parts, " ")), "") != strings.Join(strings.Fields(tt.in), "") {
			t.Errorf("splitText(%q) = %q; text lost or changed", tt.in, parts)
		}
		for _, p := range parts {
			if u16len(p) > tt.limit {
				t.Errorf("splitText(%q, %d) part %q is %d units", tt.in, tt.limit, p, u16len(p))
			}
			if strings.Count(p, "[") != strings.Count(p, "]") {
				t.Errorf("splitText(%q) cut a marker: %q", tt.in, p)
			}
		}
	}
}

func TestSourceLineEscapes(t *testing.T) {
	got := sourceLine("A](x) [B", "https://good.example/a", "", time.Time{})
	if !strings.HasPrefix(got, `[A\]\(x\) \[B](<https://good.example/a>)`) {
		t.Errorf("sourceLine = %q; want the title's brackets escaped inside one link", got)
	}
	// A title that names an address is no link text: it would show one
	// address and point to another.
	for _, title := range []string{"A](https://evil.example) [B", "https://good.example", "Visit WWW.good.example"} {
		got := sourceLine(title, "https://real.example/a", "", time.Time{})
		if strings.Contains(got, "](") || !strings.HasSuffix(got, " <https://real.example/a>") {
			t.Errorf("sourceLine(%q) = %q; want the title as text and the real address beside it", title, got)
		}
	}
	if got := sourceLine("T", "javascript:alert(1)", "", time.Time{}); strings.Contains(got, "](") {
		t.Errorf("sourceLine with a javascript: URL = %q; want no link", got)
	}
}

// TestRenderStoriesGolden: a story one outlet carried reads as the article
// listing did; one several carried adds its outlet count and /story; and
// /story lists the articles by time with what each added.
func TestRenderStoriesGolden(t *testing.T) {
	ap := corpus.Article{ID: 2, Title: "Hurricane Orla slams into Gulf Coast", Source: "AP", URL: "https://example.com/ap/orla", PublishedAt: day}
	usa := corpus.Article{ID: 4, Title: "Hurricane Orla makes landfall; 400,000 without power", Source: "USA TODAY", URL: "https://example.com/usa/orla", PublishedAt: day.Add(90 * time.Minute)}
	gaz := corpus.Article{ID: 3, Title: "Orla hits Port Carrow", Source: "Coastal *Gazette*", PublishedAt: day.Add(24 * time.Hour)}
	vote := corpus.Article{ID: 1, Title: "Labour wins snap election", Source: "BBC", URL: "https://example.com/bbc/vote", PublishedAt: day}
	goldenJSON(t, "latest_stories.golden", renderStories("Latest news", "No articles yet.", []corpus.StoryHead{
		{ID: 3, Headline: ap, Articles: 3, Outlets: 3},
		{ID: 1, Headline: vote, Articles: 1, Outlets: 1},
		{ID: 7, Headline: corpus.Article{ID: 7, Title: "Two reports, one outlet", Source: "AP"}, Articles: 2, Outlets: 1},
	}))
	goldenJSON(t, "latest_stories_empty.golden", renderStories("Latest news", "No articles yet.", nil))

	ap.Body = "Hurricane Orla roared ashore on Wednesday. Power is out for 400,000."
	usa.Body = "Hurricane Orla roared ashore on Wednesday. Power is out for 400,000. Rachel Ames reported from Port Carrow."
	gaz.Body = "Hurricane Orla roared ashore on Wednesday."
	goldenJSON(t, "story.golden", renderStory(bot.MakeStory(3, []corpus.Article{ap, usa, gaz})))
}

// TestRenderFollowGolden: a follow's update reads "New since 2 Dec on
// “question”: …" with its sources; /following lists follows with their
// last update.
func TestRenderFollowGolden(t *testing.T) {
	since := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	u := bot.FollowUpdate{FollowID: 4, Question: "Where did Hurricane Orla make landfall?", Since: since, Mode: bot.ModeExtractive,
		Text: "Hurricane Orla made landfall near Port Carrow on Wednesday [1]. Power is out for 400,000 homes @everyone [2].",
		Sources: []bot.Source{
			{N: 1, ArticleID: 2, Title: "Hurricane Orla slams into Gulf Coast", Outlet: "AP", URL: "https://example.com/ap/orla", PublishedAt: day},
			{N: 2, ArticleID: 5, Title: "Orla: the *damage*", Outlet: "BBC", URL: "https://example.com/bbc/orla", PublishedAt: day.Add(time.Hour)},
		}, Stories: []int64{2, 5}, Score: 12}
	goldenJSON(t, "follow_update.golden", renderFollowUpdate(u))
	goldenJSON(t, "following.golden", renderFollowing([]corpus.Follow{
		{ID: 4, ChannelID: "300", Question: "Where did Hurricane Orla make landfall?", CreatedAt: since, LastUpdateAt: since.Add(26 * time.Hour)},
		{ID: 9, ChannelID: "300", Question: "Who *won* the vote?", CreatedAt: since},
	}, "300"))
	goldenJSON(t, "following_empty.golden", renderFollowing(nil, "300"))
}
