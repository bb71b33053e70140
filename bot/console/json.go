package console

import (
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
)

// AnswerOut is the JSON form of an answer printed by `newsbot ask --json`.
type AnswerOut struct {
	Answer     string      `json:"answer"`
	Grounded   bool        `json:"grounded"`
	Mode       bot.Mode    `json:"mode"`
	Note       string      `json:"note,omitempty"`
	Confidence float64     `json:"confidence"`
	Sources    []SourceOut `json:"sources"`
	Nearest    []SourceOut `json:"nearest,omitempty"`
	// Sentences are the answer's sentences with the sources each cites;
	// grounded is false for one that cites none.
	Sentences []SentenceOut `json:"sentences"`
}

// SentenceOut is one sentence of AnswerOut.
type SentenceOut struct {
	Text     string `json:"text"`
	Sources  []int  `json:"sources"`
	Grounded bool   `json:"grounded"`
}

// SourceOut is one cited source in AnswerOut.
type SourceOut struct {
	N           int     `json:"n"`
	ArticleID   int64   `json:"article_id"`
	Title       string  `json:"title"`
	Source      string  `json:"source"`
	URL         string  `json:"url"`
	PublishedAt *string `json:"published_at"` // RFC 3339, null when unknown
	// ReportedBy are the outlets that carried the source's text, its own
	// first, when there are several (bot.Source.Outlets); Copies are the
	// other outlets' articles.
	ReportedBy []string  `json:"reported_by,omitempty"`
	Copies     []CopyOut `json:"copies,omitempty"`
	// StoryID and StoryOutlets: a period question's listing names the
	// story each source heads and how many outlets reported it.
	StoryID      int64 `json:"story_id,omitempty"`
	StoryOutlets int   `json:"story_outlets,omitempty"`
}

// CopyOut is another outlet's copy of a cited article.
type CopyOut struct {
	ArticleID   int64   `json:"article_id"`
	Title       string  `json:"title"`
	Source      string  `json:"source"`
	URL         string  `json:"url"`
	PublishedAt *string `json:"published_at"`
}

// AnswerJSON converts an answer for JSON output.
func AnswerJSON(a bot.Answer) AnswerOut {
	out := AnswerOut{Answer: a.Text, Grounded: a.Grounded, Mode: a.Mode, Note: a.Note, Confidence: a.Confidence, Sources: []SourceOut{}}
	for _, s := range a.Sources {
		out.Sources = append(out.Sources, sourceOut(s))
	}
	for _, s := range a.Nearest {
		out.Nearest = append(out.Nearest, sourceOut(s))
	}
	out.Sentences = []SentenceOut{}
	for _, s := range a.Sentences {
		out.Sentences = append(out.Sentences, SentenceOut{Text: s.Text, Sources: append([]int{}, s.Sources...), Grounded: s.Grounded()})
	}
	return out
}

func sourceOut(s bot.Source) SourceOut {
	out := SourceOut{N: s.N, ArticleID: s.ArticleID, Title: s.Title, Source: s.Outlet, URL: s.URL, PublishedAt: timeOrNil(s.PublishedAt),
		StoryID: s.StoryID, StoryOutlets: s.StoryOutlets}
	if o := s.Outlets(); len(o) > 1 {
		out.ReportedBy = o
	}
	for _, c := range s.Copies {
		out.Copies = append(out.Copies, CopyOut{ArticleID: c.ArticleID, Title: c.Title, Source: c.Source, URL: c.URL, PublishedAt: timeOrNil(c.PublishedAt)})
	}
	return out
}

// ArticleJSON is the JSON form of an article in listings.
type ArticleJSON struct {
	ID          int64   `json:"id"`
	Title       string  `json:"title"`
	Source      string  `json:"source"`
	URL         string  `json:"url"`
	PublishedAt *string `json:"published_at"`
	Scope       string  `json:"scope"`
}

// ArticleToJSON converts an article for JSON output.
func ArticleToJSON(a corpus.Article) ArticleJSON {
	return ArticleJSON{ID: a.ID, Title: a.Title, Source: a.Source, URL: a.URL, PublishedAt: timeOrNil(a.PublishedAt), Scope: a.Scope}
}

// StoryHeadJSON is the JSON form of a story in the latest listing: its
// headline article's fields, then the story's id and counts.
type StoryHeadJSON struct {
	ArticleJSON
	StoryID  int64 `json:"story_id"`
	Articles int   `json:"articles"`
	Outlets  int   `json:"outlets"`
}

// StoryHeadToJSON converts a story row for JSON output.
func StoryHeadToJSON(h corpus.StoryHead) StoryHeadJSON {
	return StoryHeadJSON{ArticleJSON: ArticleToJSON(h.Headline), StoryID: h.ID, Articles: h.Articles, Outlets: h.Outlets}
}

// StoryJSON is the JSON form of /story: the story's summary and its
// articles, earliest first, each with the sentences it added.
type StoryJSON struct {
	ID         int64            `json:"id"`
	Headline   int64            `json:"headline_id"`
	Outlets    []string         `json:"outlets"`
	From       *string          `json:"from"`
	To         *string          `json:"to"`
	ArticleSet []StoryEntryJSON `json:"articles"`
}

// StoryEntryJSON is one article of a StoryJSON.
type StoryEntryJSON struct {
	ArticleJSON
	Added []string `json:"added"`
}

// StoryToJSON converts a story for JSON output.
func StoryToJSON(s bot.Story) StoryJSON {
	out := StoryJSON{ID: s.ID, Outlets: s.Summary.Outlets, From: timeOrNil(s.Summary.From), To: timeOrNil(s.Summary.To)}
	if s.Summary.Headline != nil {
		out.Headline = s.Summary.Headline.ID
	}
	for _, e := range s.Entries {
		out.ArticleSet = append(out.ArticleSet, StoryEntryJSON{ArticleJSON: ArticleToJSON(e.Article), Added: e.Added})
	}
	return out
}

// StatsJSON is the JSON form of corpus statistics.
type StatsJSON struct {
	Articles    int     `json:"articles"`
	Passages    int     `json:"passages"`
	Outlets     int     `json:"outlets"`
	Oldest      *string `json:"oldest"`
	Newest      *string `json:"newest"`
	NewestTitle string  `json:"newest_title"`
}

// StatsToJSON converts statistics for JSON output.
func StatsToJSON(st corpus.Stats) StatsJSON {
	return StatsJSON{Articles: st.Articles, Passages: st.Passages, Outlets: st.Outlets, Oldest: timeOrNil(st.Oldest), Newest: timeOrNil(st.Newest), NewestTitle: st.NewestTitle}
}

func timeOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}
