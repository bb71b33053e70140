package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
)

// Mode says how an answer was composed.
type Mode string

// The modes of an Answer.
const (
	ModeLLM        Mode = "llm"        // composed by the language model, citations checked
	ModeExtractive Mode = "extractive" // sentences quoted from the passages
	ModeNone       Mode = "none"       // the corpus does not cover the question
	// ModePeriod lists the stories of the period a question names without
	// naming a subject ("what happened this week?"), or the newest stories
	// when none is from that period.
	ModePeriod Mode = "period"
)

// maxQuestionRunes bounds the question text the bot works with: longer text
// is cut (not refused) so a pasted essay still gets an answer to its start.
const maxQuestionRunes = 2000

// passagesInPrompt is how many retrieved passages the model sees: enough for
// a few sources, few enough for a small model's context.
const passagesInPrompt = 6

// nearestShown is how many nearest articles a "not covered" answer names.
const nearestShown = 3

// ErrEmptyQuestion is returned by Ask for a question with no words.
var ErrEmptyQuestion = errors.New("the question is empty")

// Turn is an earlier question and answer of the same conversation (a reply
// chain or thread), used to understand follow-ups.
type Turn struct {
	Question string
	Answer   string
}

// Question is what a frontend asks.
type Question struct {
	Text    string
	AsOf    time.Time // "now" for time expressions; zero means the bot's clock
	Scopes  []string  // scopes visible to the asker; empty means global only
	History []Turn    // earlier turns, oldest first
}

// Source is an article an answer cites, numbered as in the answer's [n].
type Source struct {
	N           int       `json:"n"`
	ArticleID   int64     `json:"article_id"`
	Title       string    `json:"title"`
	Outlet      string    `json:"source"`
	URL         string    `json:"url"`
	PublishedAt time.Time `json:"published_at"`
	// Copies are other articles carrying the same text (the wire story in
	// other outlets), which retrieval collapsed into this source's
	// passages so they did not take the places of other sources.
	Copies []corpus.CopyRef `json:"copies,omitempty"`
	// StoryID and StoryOutlets are set when the source heads a story of a
	// listing (a question about a period lists stories, not articles):
	// the story's id and how many outlets reported it.
	StoryID      int64 `json:"story_id,omitempty"`
	StoryOutlets int   `json:"story_outlets,omitempty"`
}

// Outlets are the outlets that carried the source's text: its own, then
// its copies', each once (compared without case), leaving out unknown
// ones. More than one means other outlets reported it too.
func (s Source) Outlets() []string {
	var out []string
	add := func(o string) {
		o = strings.Join(strings.Fields(o), " ")
		if o == "" || slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, o) }) {
			return
		}
		out = append(out, o)
	}
	add(s.Outlet)
	for _, c := range s.Copies {
		add(c.Source)
	}
	return out
}

// ReportedBy is "reported by Reuters, AP and BBC" when more than one
// outlet carried the source's text (see Outlets), else empty. Frontends
// print it with the source, so the answer says who reported it whatever
// the model wrote.
func (s Source) ReportedBy() string {
	o := s.Outlets()
	if len(o) < 2 {
		return ""
	}
	return "reported by " + strings.Join(o[:len(o)-1], ", ") + " and " + o[len(o)-1]
}

// addCopies adds the copies of a hit of the source's article that it
// does not list yet (two passages of one article may carry different
// copies).
func (s *Source) addCopies(refs []corpus.CopyRef) {
	for _, r := range refs {
		if r.ArticleID != s.ArticleID && !slices.ContainsFunc(s.Copies, func(c corpus.CopyRef) bool { return c.ArticleID == r.ArticleID }) {
			s.Copies = append(s.Copies, r)
		}
	}
}

// Answer is the bot's reply to a question.
type Answer struct {
	Text    string   // with [n] markers that point into Sources
	Sources []Source // in citation order
	// Grounded reports that every sentence cites a passage the answer was
	// given (an extractive answer's always do; a composed answer's
	// uncited sentences are marked in Text, see Sentences).
	Grounded bool
	// Sentences are Text's sentences with the sources each cites.
	Sentences []Sentence
	Mode      Mode
	// Note explains a degraded answer to the asker, e.g. why it is
	// extractive although an LLM is configured. Empty when all went well.
	Note string
	// Nearest lists the closest articles when the corpus does not cover the
	// question.
	Nearest    []Source
	Confidence float64
	Range      retrieval.TimeRange
}

// Ask answers q. onDelta, if not nil, receives the model's text as it
// streams (before citations are checked); the returned Answer is final.
// Returns ErrEmptyQuestion for a question without words, and an error when
// retrieval fails; a failing model never fails Ask (it falls back to an
// extractive answer).
func (b *Bot) Ask(ctx context.Context, q Question, onDelta func(string)) (Answer, error) {
	start := time.Now()
	var first sync.Once
	delta := func(s string) {
		first.Do(func() { b.metrics.Stage(StageFirstToken, time.Since(start)) })
		if onDelta != nil {
			onDelta(s)
		}
	}
	a, err := b.ask(ctx, q, start, delta)
	b.metrics.Stage(StageTotal, time.Since(start))
	if err != nil {
		b.metrics.Question("", OutcomeError)
		return a, err
	}
	b.metrics.Question(string(a.Mode), outcomeOf(a))
	return a, nil
}

// ask is Ask without the measuring; start is when the question arrived.
func (b *Bot) ask(ctx context.Context, q Question, start time.Time, onDelta func(string)) (Answer, error) {
	text := strings.TrimSpace(q.Text)
	if utf8.RuneCountInString(text) > maxQuestionRunes {
		text = string([]rune(text)[:maxQuestionRunes])
	}
	if len(corpus.Terms(text)) == 0 {
		return Answer{}, ErrEmptyQuestion
	}
	asOf := q.AsOf
	if asOf.IsZero() {
		asOf = b.now()
	}
	req := retrieval.Request{Question: text, AsOf: asOf, Scopes: q.Scopes, K: passagesInPrompt}
	if n := len(q.History); n > 0 {
		// Citation markers of the earlier answer are not words of it.
		req.Context = truncateRunes(q.History[n-1].Question, maxQuestionRunes) + "\n" + stripMarkers(q.History[n-1].Answer)
	}
	res, err := b.retriever.Retrieve(ctx, req)
	if err != nil {
		return Answer{}, fmt.Errorf("ask: %w", err)
	}
	b.metrics.Stage(StageRetrieve, time.Since(start))
	if len(res.Terms) == 0 && !res.Range.IsZero() && b.store != nil {
		return b.period(ctx, q.Scopes, res)
	}
	if retrieval.Refuses(res, b.minConf) {
		b.log.InfoContext(ctx, "question not covered", "confidence", res.Confidence, "hits", len(res.Hits))
		return notCovered(res), nil
	}
	var a Answer
	if b.model == nil {
		a = extractive(text, res, "")
	} else {
		a = b.compose(ctx, text, asOf, q.History, res, onDelta)
	}
	if res.Status && len(a.Sources) > 0 && len(res.Hits) > 0 {
		// "Is the strike still on?": how things stand depends on when.
		if newest := res.Hits[0].Article; !newest.PublishedAt.IsZero() {
			when := newest.PublishedAt.Format("2 Jan 2006")
			if src := strings.TrimSpace(newest.Source); src != "" {
				when += " (" + src + ")"
			}
			a.Note = joinNotes("The newest report on this is from "+when+".", a.Note)
		}
	}
	if res.RangeRelaxed && len(a.Sources) > 0 {
		// The period asked about had nothing good enough; say so rather
		// than pass older stories off as that period's news.
		a.Note = joinNotes("Nothing published "+strings.TrimSpace(rangeWords(res.Range))+" covers this; these sources are from other dates.", a.Note)
	}
	return a, nil
}

// rangeWords describes a range for a note: "in 23–29 Nov 2026".
func rangeWords(r retrieval.TimeRange) string {
	if d := periodOf(r.Label); d != "" {
		return "in the period asked about (" + d + ")"
	}
	return "in the period asked about"
}

func joinNotes(a, b string) string {
	if b == "" {
		return a
	}
	return a + " " + b
}

// compose asks the model and checks its citations, falling back to an
// extractive answer when the model fails or cites nothing it was given.
func (b *Bot) compose(ctx context.Context, question string, asOf time.Time, history []Turn, res retrieval.Result, onDelta func(string)) Answer {
	system, user := buildPrompt(question, asOf, history, res.Hits)
	raw, err := b.model.Stream(ctx, system, user, onDelta)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The asker went away; nothing to fall back for, but still return
			// something well-formed.
			b.log.InfoContext(ctx, "question cancelled", "err", err)
		} else {
			b.log.WarnContext(ctx, "llm failed, answering extractively", "err", err)
		}
		b.metrics.LLMError(llmErrorKind(ctx, err))
		return extractive(question, res, failureNote(err))
	}
	if isRefusal(raw) {
		a := notCovered(res)
		a.Mode = ModeLLM
		a.Confidence = res.Confidence
		return a
	}
	text, sources := checkCitations(raw, res.Hits)
	if len(sources) == 0 {
		b.log.WarnContext(ctx, "llm answer had no valid citation, answering extractively", "answer_chars", len(raw))
		b.metrics.LLMError("uncited")
		return extractive(question, res, "The language model's answer cited none of the articles, so these are the most relevant sentences instead.")
	}
	sents := splitGrounded(text)
	text, grounded := markUnsourced(text, sents)
	a := Answer{Text: text, Sources: sources, Grounded: grounded, Sentences: sents, Mode: ModeLLM, Confidence: res.Confidence, Range: res.Range}
	if !grounded {
		a.Note = unsourcedNote
		b.log.InfoContext(ctx, "llm answer has uncited sentences", "sentences", len(sents))
	}
	return a
}

// failureNote tells the asker why an answer is extractive although a model
// is configured: what went wrong in plain words (a Model's error may say it
// through a Reason method, as bot/llm's do), then what they get instead.
func failureNote(err error) string {
	reason := "the language model could not answer"
	var r interface{ Reason() string }
	switch {
	case errors.As(err, &r) && r.Reason() != "":
		reason = r.Reason()
	case errors.Is(err, context.DeadlineExceeded):
		reason = "the language model did not answer in time"
	}
	return strings.ToUpper(reason[:1]) + reason[1:] + ", so these are the most relevant sentences from the articles."
}

// notCovered is the answer for a question the corpus does not cover.
func notCovered(res retrieval.Result) Answer {
	var b strings.Builder
	b.WriteString("The news corpus does not cover this")
	if d := periodOf(res.Range.Label); d != "" {
		b.WriteString(" for the dates asked about (" + d + ")")
	}
	b.WriteString(".")
	nearest := nearestArticles(res.Hits, nearestShown)
	if len(nearest) > 0 {
		b.WriteString(" The nearest articles are: ")
		writeArticles(&b, nearest)
	}
	return Answer{Text: b.String(), Mode: ModeNone, Nearest: nearest, Confidence: res.Confidence, Range: res.Range}
}

// writeArticles writes “Title” (Outlet, date) for each of srcs, separated
// by semicolons, and a full stop.
func writeArticles(b *strings.Builder, srcs []Source) {
	for i, s := range srcs {
		if i > 0 {
			b.WriteString("; ")
		}
		// A title's own "[9]" would read as a citation of this answer.
		b.WriteString("“" + stripMarkers(s.Title) + "”")
		if d := describe(s); d != "" {
			b.WriteString(" (" + d + ")")
		}
	}
	b.WriteString(".")
}

// periodShown is how many stories a question about a period lists.
const periodShown = 5

// period answers a question that names a period and no subject ("what
// happened this week?"): the stories published in it, newest first, or,
// when there are none, says so and lists the newest stories instead. A
// search would have nothing to look for, and a sentence of some old story
// is no answer.
func (b *Bot) period(ctx context.Context, scopes []string, res retrieval.Result) (Answer, error) {
	when := "in the period asked about"
	if d := periodOf(res.Range.Label); d != "" {
		when += " (" + d + ")"
	}
	// Stories, not articles: five outlets' copies of one event are one
	// line that says how many outlets reported it.
	heads, err := b.store.LatestStories(ctx, corpus.LatestQuery{N: periodShown, Scopes: scopes,
		Published: corpus.Published{From: res.Range.From, To: res.Range.To}})
	if err != nil {
		return Answer{}, fmt.Errorf("ask: list the stories of %s: %w", res.Range.Label, err)
	}
	var text strings.Builder
	inPeriod := len(heads) > 0
	if inPeriod {
		text.WriteString("Stories published " + when + ", newest first: ")
	} else {
		text.WriteString("Nothing in the news corpus was published " + when + ".")
		if heads, err = b.store.LatestStories(ctx, corpus.LatestQuery{N: periodShown, Scopes: scopes}); err != nil {
			return Answer{}, fmt.Errorf("ask: list the newest stories: %w", err)
		}
		if len(heads) > 0 {
			text.WriteString(" The newest stories are: ")
		}
	}
	var listed []Source
	for i, h := range heads {
		src := sourceOf(i+1, h.Headline)
		src.StoryID, src.StoryOutlets = h.ID, h.Outlets
		listed = append(listed, src)
	}
	if len(listed) > 0 {
		writeArticles(&text, listed)
		if inPeriod {
			text.WriteString(" Ask about one of them for the details.")
		}
	}
	return Answer{Text: text.String(), Mode: ModePeriod, Nearest: listed, Range: res.Range}, nil
}

// nearestArticles lists up to n distinct articles of hits, best first.
func nearestArticles(hits []corpus.Hit, n int) []Source {
	var out []Source
	seen := make(map[int64]bool)
	for _, h := range hits {
		if len(out) == n {
			break
		}
		if seen[h.Article.ID] {
			continue
		}
		seen[h.Article.ID] = true
		out = append(out, sourceOf(len(out)+1, h.Article))
	}
	return out
}

func sourceOf(n int, a corpus.Article) Source {
	return Source{N: n, ArticleID: a.ID, Title: a.Title, Outlet: a.Source, URL: a.URL, PublishedAt: a.PublishedAt}
}

// citeHit returns the number of the source citing hits[i]'s article,
// adding it to sources (numbered by article id in byArticle) when it is
// not cited yet, with the copies of every hit of that article: the copies
// are the article's, whichever of its passages the answer quotes.
func citeHit(sources []Source, byArticle map[int64]int, hits []corpus.Hit, i int) ([]Source, int) {
	a := hits[i].Article
	n, ok := byArticle[a.ID]
	if !ok {
		n = len(sources) + 1
		byArticle[a.ID] = n
		src := sourceOf(n, a)
		for _, h := range hits {
			if h.Article.ID == a.ID {
				src.addCopies(h.Copies)
			}
		}
		sources = append(sources, src)
	}
	return sources, n
}

// describe is "Outlet, 2 Jan 2006" with whichever parts are known.
func describe(s Source) string {
	var parts []string
	if s.Outlet != "" {
		parts = append(parts, s.Outlet)
	}
	if !s.PublishedAt.IsZero() {
		parts = append(parts, s.PublishedAt.Format("2 Jan 2006"))
	}
	if s.StoryOutlets > 1 {
		parts = append(parts, fmt.Sprintf("%d outlets", s.StoryOutlets))
	}
	return strings.Join(parts, ", ")
}

// periodOf returns the dates of a time range label: "this week (23–29 Nov
// 2026)" gives "23–29 Nov 2026"; a label without parentheses is returned
// as is.
func periodOf(label string) string {
	i, j := strings.LastIndex(label, "("), strings.LastIndex(label, ")")
	if i >= 0 && j > i {
		return label[i+1 : j]
	}
	return label
}
