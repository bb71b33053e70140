package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/ingest"
	"github.com/newsbot/newsbot/retrieval"
)

// Limits of the listing commands: a chat message holds about ten entries
// comfortably.
const (
	DefaultLatest = 5
	MaxLatest     = 10
	searchResults = 8
)

// AddReport says what an add did: counts, the articles added, and each
// failure with an error that UserMessage words. It is ingest's report, named
// here so that frontends need not import corpus/ingest.
type AddReport = ingest.Report

// ErrForbidden is returned when the actor may not do what they asked.
var ErrForbidden = errors.New("not allowed")

// Actor is who runs a command and where.
type Actor struct {
	UserID    string // Discord user id; empty on the console
	ServerID  string // Discord server id; empty in DMs and on the console
	Moderator bool   // may add and remove articles
	Operator  bool   // the console or CLI: sees and manages every scope
}

// Scopes returns the scopes the actor can see: global, plus their server's.
func (a Actor) Scopes() []string {
	if a.ServerID == "" {
		return []string{corpus.GlobalScope}
	}
	return []string{corpus.GlobalScope, a.ServerID}
}

// scope is where articles the actor adds go.
func (a Actor) scope() string {
	if a.ServerID == "" {
		return corpus.GlobalScope
	}
	return a.ServerID
}

func (a Actor) addedBy() string {
	switch {
	case a.UserID != "":
		return "discord:" + a.UserID
	case a.Operator:
		return "console"
	}
	return "unknown"
}

// Latest returns the newest stories visible to the actor (one row per
// story, however many outlets carried it), count clamped to 1..MaxLatest.
func (b *Bot) Latest(ctx context.Context, who Actor, count int, source string) ([]corpus.StoryHead, error) {
	if count <= 0 {
		count = DefaultLatest
	}
	count = min(count, MaxLatest)
	heads, err := b.store.LatestStories(ctx, corpus.LatestQuery{N: count, Source: source, Scopes: who.Scopes()})
	if err != nil {
		return nil, fmt.Errorf("latest: %w", err)
	}
	return heads, nil
}

// topicShare is how close to the best match an article must score to count
// as being about a /latest topic: the OR query also finds articles that
// share one common word with it.
const topicShare = 0.5

// LatestAbout returns the newest stories about topic (and from source, if
// given), visible to the actor, newest first; without a topic it is Latest.
// A story is listed once, by its newest matching article, with its
// article and outlet counts in the actor's scopes.
func (b *Bot) LatestAbout(ctx context.Context, who Actor, count int, topic, source string) ([]corpus.StoryHead, error) {
	if strings.TrimSpace(topic) == "" {
		return b.Latest(ctx, who, count, source)
	}
	if count <= 0 {
		count = DefaultLatest
	}
	count = min(count, MaxLatest)
	res, err := b.retriever.Retrieve(ctx, retrieval.Request{Question: topic, AsOf: b.now(), Scopes: who.Scopes(), K: topicCandidates})
	if err != nil {
		return nil, fmt.Errorf("latest about %q: %w", topic, err)
	}
	var out []corpus.Article
	seen := make(map[int64]bool)
	for _, h := range res.Hits {
		if seen[h.Article.ID] || h.Score < topicShare*res.Hits[0].Score {
			continue
		}
		if source != "" && !strings.EqualFold(h.Article.Source, source) {
			continue
		}
		seen[h.Article.ID] = true
		out = append(out, h.Article)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PublishedAt.After(out[j].PublishedAt) })
	heads, err := b.storyHeads(ctx, who, out, count)
	if err != nil {
		return nil, fmt.Errorf("latest about %q: %w", topic, err)
	}
	return heads, nil
}

// storyHeads turns articles, newest first, into up to count story rows:
// the first article of each story heads its row (the newest match, which
// is what the topic asked about), counted over the story's articles.
func (b *Bot) storyHeads(ctx context.Context, who Actor, arts []corpus.Article, count int) ([]corpus.StoryHead, error) {
	var heads []corpus.StoryHead
	listed := make(map[int64]bool) // article ids of the stories listed
	for _, a := range arts {
		if len(heads) == count {
			break
		}
		if listed[a.ID] {
			continue
		}
		// The hit does not carry its story: ask the store. An article
		// not grouped yet is a story of its own.
		h := corpus.StoryHead{ID: a.ID, Headline: a, Articles: 1, Outlets: 1}
		if strings.TrimSpace(a.Source) == "" {
			h.Outlets = 0
		}
		if id, ok, err := b.store.StoryOf(ctx, a.ID); err != nil {
			return nil, err
		} else if ok {
			h.ID = id
			members, err := b.store.StoryArticles(ctx, id, who.Scopes())
			if err != nil {
				return nil, err
			}
			outlets := make(map[string]bool)
			for _, m := range members {
				listed[m.ID] = true
				if src := strings.ToLower(strings.TrimSpace(m.Source)); src != "" {
					outlets[src] = true
				}
			}
			if len(members) > 0 {
				h.Articles, h.Outlets = len(members), len(outlets)
			}
		}
		listed[a.ID] = true
		heads = append(heads, h)
	}
	return heads, nil
}

// topicCandidates is how many passages LatestAbout ranks before sorting by date.
const topicCandidates = 40

// Outlets lists the outlets visible to the actor (for autocomplete).
func (b *Bot) Outlets(ctx context.Context, who Actor) ([]string, error) {
	out, err := b.store.Sources(ctx, who.Scopes())
	if err != nil {
		return nil, fmt.Errorf("outlets: %w", err)
	}
	return out, nil
}

// RemovableArticles lists up to n articles whose title contains query that
// the actor may remove: a server's moderators only their server's own.
func (b *Bot) RemovableArticles(ctx context.Context, who Actor, query string, n int) ([]corpus.Article, error) {
	if !who.canAdd() {
		return nil, nil
	}
	scopes := []string{who.scope()}
	out, err := b.store.FindTitles(ctx, scopes, query, n)
	if err != nil {
		return nil, fmt.Errorf("find articles: %w", err)
	}
	return out, nil
}

// snippetSentences is how many sentences a search result quotes.
const snippetSentences = 2

// bestSentences returns the n consecutive sentences of text that share the
// most words with query, so a snippet shows why the article matched.
func bestSentences(text, query string, n int) string {
	sents := corpus.Sentences(text)
	if len(sents) <= n {
		return text
	}
	q := make(map[string]float64)
	for _, t := range corpus.QueryTerms(query) {
		q[t] = 1
	}
	best, bestScore := 0, -1.0
	for i := 0; i+n <= len(sents); i++ {
		if sc, _ := overlap(strings.Join(sents[i:i+n], " "), q); sc > bestScore {
			best, bestScore = i, sc
		}
	}
	return strings.Join(sents[best:best+n], " ")
}

// SearchResult is an article that matches a search, with its best passage.
type SearchResult struct {
	Article corpus.Article
	Snippet string
}

// Search lists the articles that best match query, without the LLM.
func (b *Bot) Search(ctx context.Context, who Actor, query string) ([]SearchResult, error) {
	res, err := b.retriever.Retrieve(ctx, retrieval.Request{Question: query, AsOf: b.now(), Scopes: who.Scopes(), K: searchResults * 2})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var out []SearchResult
	seen := make(map[int64]bool)
	for _, h := range res.Hits {
		if seen[h.Article.ID] || len(out) == searchResults {
			continue
		}
		seen[h.Article.ID] = true
		out = append(out, SearchResult{Article: h.Article, Snippet: bestSentences(h.Passage.Text, query, snippetSentences)})
	}
	return out, nil
}

// Sources describes what the corpus holds for the actor.
func (b *Bot) Sources(ctx context.Context, who Actor) (corpus.Stats, error) {
	st, err := b.store.Stats(ctx, who.Scopes())
	if err != nil {
		return corpus.Stats{}, fmt.Errorf("sources: %w", err)
	}
	return st, nil
}

// ingestOptions are the options of an add by who: their scope, their name
// on the article, and an audit record for each article stored.
func (b *Bot) ingestOptions(who Actor) ingest.Options {
	return ingest.Options{
		AddedBy:  who.addedBy(),
		Scope:    who.scope(),
		MaxBytes: b.maxInput,
		OnAdded: func(ctx context.Context, a corpus.Article) error {
			return b.record(ctx, who, "add", a)
		},
	}
}

// record appends an add or remove to the audit trail and the log.
func (b *Bot) record(ctx context.Context, who Actor, action string, a corpus.Article) error {
	e := corpus.Event{At: b.now().UTC(), Action: action, ArticleID: a.ID, Title: a.Title, UserID: who.UserID, ServerID: who.ServerID, Actor: who.addedBy()}
	b.log.InfoContext(ctx, "corpus changed", "action", action, "article_id", a.ID, "user_id", who.UserID, "server_id", who.ServerID)
	if err := b.store.Record(ctx, e); err != nil {
		return fmt.Errorf("record %s of article %d: %w", action, a.ID, err)
	}
	return nil
}

// canAdd reports whether who may add articles.
func (who Actor) canAdd() bool { return who.Moderator || who.Operator }

// AddPaths ingests files or directories from the local disk, and web pages
// given by URL. Only the operator may: a chat user must never make the bot
// read its disk.
func (b *Bot) AddPaths(ctx context.Context, who Actor, paths []string) (AddReport, error) {
	if !who.Operator {
		return AddReport{}, fmt.Errorf("add files from disk: %w", ErrForbidden)
	}
	opt := b.ingestOptions(who)
	if b.fetcher != nil {
		opt.Fetch = b.fetcher.Article
	}
	return ingest.Paths(ctx, b.store, paths, opt)
}

// AddUpload ingests an uploaded file (txt, md, html, json, jsonl) in the
// actor's scope. Moderators only.
func (b *Bot) AddUpload(ctx context.Context, who Actor, name string, r io.Reader) (AddReport, error) {
	if !who.canAdd() {
		return AddReport{}, fmt.Errorf("add file: %w", ErrForbidden)
	}
	return ingest.Reader(ctx, b.store, name, r, b.ingestOptions(who))
}

// AddArticle adds one article (pasted text) in the actor's scope.
// Moderators only.
func (b *Bot) AddArticle(ctx context.Context, who Actor, a corpus.Article) (AddReport, error) {
	if !who.canAdd() {
		return AddReport{}, fmt.Errorf("add article: %w", ErrForbidden)
	}
	return ingest.Article(ctx, b.store, a, b.ingestOptions(who))
}

// ErrNoFetcher is returned by AddURL when the bot cannot read web pages.
var ErrNoFetcher = errors.New("adding articles by URL is not available")

// AddURL fetches the page at url and adds its article in the actor's
// scope. Moderators only. Refusals of the fetcher (private addresses, sizes,
// types) come back as errors naming the reason.
func (b *Bot) AddURL(ctx context.Context, who Actor, url string) (AddReport, error) {
	if !who.canAdd() {
		return AddReport{}, fmt.Errorf("add url: %w", ErrForbidden)
	}
	if b.fetcher == nil {
		return AddReport{}, ErrNoFetcher
	}
	a, err := b.fetcher.Article(ctx, url)
	if err != nil {
		return AddReport{}, fmt.Errorf("add %s: %w", url, err)
	}
	return ingest.Article(ctx, b.store, a, b.ingestOptions(who))
}

// Remove deletes an article. A server's moderators can remove only their
// own server's articles; the operator can remove any. An article the actor
// cannot see is reported as a *NotFoundError (corpus.ErrNotFound), so ids
// of other servers' articles leak nothing.
func (b *Bot) Remove(ctx context.Context, who Actor, id int64) (corpus.Article, error) {
	if !who.canAdd() {
		return corpus.Article{}, fmt.Errorf("remove article %d: %w", id, ErrForbidden)
	}
	a, err := b.store.Get(ctx, id)
	if errors.Is(err, corpus.ErrNotFound) {
		return corpus.Article{}, &NotFoundError{What: "article", ID: id}
	}
	if err != nil {
		return corpus.Article{}, fmt.Errorf("remove article %d: %w", id, err)
	}
	if !who.Operator {
		switch a.Scope {
		case who.ServerID:
		case corpus.GlobalScope:
			return corpus.Article{}, fmt.Errorf("remove article %d: only the operator can remove articles shared by every server: %w", id, ErrForbidden)
		default:
			return corpus.Article{}, &NotFoundError{What: "article", ID: id}
		}
	}
	if err := b.store.Delete(ctx, id); err != nil {
		return corpus.Article{}, fmt.Errorf("remove article %d: %w", id, err)
	}
	a.Body, a.Passages = "", nil
	if err := b.record(ctx, who, "remove", *a); err != nil {
		return *a, err
	}
	return *a, nil
}
