package bot

import (
	"context"
	"errors"
	"fmt"
	"io"

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

// Latest returns the newest articles visible to the actor, count clamped to
// 1..MaxLatest.
func (b *Bot) Latest(ctx context.Context, who Actor, count int, source string) ([]corpus.Article, error) {
	if count <= 0 {
		count = DefaultLatest
	}
	count = min(count, MaxLatest)
	arts, err := b.store.Latest(ctx, corpus.LatestQuery{N: count, Source: source, Scopes: who.Scopes()})
	if err != nil {
		return nil, fmt.Errorf("latest: %w", err)
	}
	return arts, nil
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
		out = append(out, SearchResult{Article: h.Article, Snippet: h.Passage.Text})
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
		AddedBy: who.addedBy(),
		Scope:   who.scope(),
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

// AddPaths ingests files or directories from the local disk. Only the
// operator may: a chat user must never make the bot read its disk.
func (b *Bot) AddPaths(ctx context.Context, who Actor, paths []string) (ingest.Report, error) {
	if !who.Operator {
		return ingest.Report{}, fmt.Errorf("add files from disk: %w", ErrForbidden)
	}
	return ingest.Paths(ctx, b.store, paths, b.ingestOptions(who))
}

// AddUpload ingests an uploaded file (txt, md, html, json, jsonl) in the
// actor's scope. Moderators only.
func (b *Bot) AddUpload(ctx context.Context, who Actor, name string, r io.Reader) (ingest.Report, error) {
	if !who.canAdd() {
		return ingest.Report{}, fmt.Errorf("add file: %w", ErrForbidden)
	}
	return ingest.Reader(ctx, b.store, name, r, b.ingestOptions(who))
}

// AddArticle adds one article (pasted text) in the actor's scope.
// Moderators only.
func (b *Bot) AddArticle(ctx context.Context, who Actor, a corpus.Article) (ingest.Report, error) {
	if !who.canAdd() {
		return ingest.Report{}, fmt.Errorf("add article: %w", ErrForbidden)
	}
	return ingest.Article(ctx, b.store, a, b.ingestOptions(who))
}

// ErrNoFetcher is returned by AddURL when the bot cannot read web pages.
var ErrNoFetcher = errors.New("adding articles by URL is not available")

// AddURL fetches the page at url and adds its article in the actor's
// scope. Moderators only. Refusals of the fetcher (private addresses, sizes,
// types) come back as errors naming the reason.
func (b *Bot) AddURL(ctx context.Context, who Actor, url string) (ingest.Report, error) {
	if !who.canAdd() {
		return ingest.Report{}, fmt.Errorf("add url: %w", ErrForbidden)
	}
	if b.fetcher == nil {
		return ingest.Report{}, ErrNoFetcher
	}
	a, err := b.fetcher.Article(ctx, url)
	if err != nil {
		return ingest.Report{}, fmt.Errorf("add %s: %w", url, err)
	}
	return ingest.Article(ctx, b.store, a, b.ingestOptions(who))
}

// Remove deletes an article. A server's moderators can remove only their
// own server's articles; the operator can remove any. An article the actor
// cannot see is reported as corpus.ErrNotFound, so ids of other servers'
// articles leak nothing.
func (b *Bot) Remove(ctx context.Context, who Actor, id int64) (corpus.Article, error) {
	if !who.canAdd() {
		return corpus.Article{}, fmt.Errorf("remove article %d: %w", id, ErrForbidden)
	}
	a, err := b.store.Get(ctx, id)
	if err != nil {
		return corpus.Article{}, fmt.Errorf("remove article %d: %w", id, err)
	}
	if !who.Operator {
		switch a.Scope {
		case who.ServerID:
		case corpus.GlobalScope:
			return corpus.Article{}, fmt.Errorf("remove article %d: only the operator can remove articles shared by every server: %w", id, ErrForbidden)
		default:
			return corpus.Article{}, fmt.Errorf("remove article %d: %w", id, corpus.ErrNotFound)
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
