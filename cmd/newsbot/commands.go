package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/ingest"
)

// operator is who runs the CLI: the machine's owner, who sees every scope
// but adds to the global one.
var operator = bot.Actor{Operator: true, Moderator: true}

func cmdAsk(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ask", "ask [--json] [--as-of YYYY-MM-DD] QUESTION")
	asJSON := fs.Bool("json", false, "print one JSON object")
	asOf := fs.String("as-of", "", "answer as of this date (YYYY-MM-DD); time words such as \"this week\" are relative to it")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(pos, " "))
	if question == "" {
		return fs.fail("no question given")
	}
	var when time.Time
	if *asOf != "" {
		t, err := time.ParseInLocation("2006-01-02", *asOf, time.UTC)
		if err != nil {
			return fs.fail("--as-of %q: want YYYY-MM-DD", *asOf)
		}
		// The end of that day, so articles published on it count as past.
		when = t.Add(24*time.Hour - time.Second)
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	scopes := allScopes(ctx, db)
	// One indexed row, not Stats: counting the passages of a big database
	// would cost more than answering.
	if latest, err := db.Latest(ctx, corpus.LatestQuery{N: 1, Scopes: scopes}); err == nil && len(latest) == 0 {
		// "Not covered" from an empty database is true but no help: the
		// user most likely ran ask before anything was added. stderr, so
		// --json output stays one object.
		fmt.Fprintf(e.stderr, "newsbot: the database %s holds no articles; add some with `newsbot ingest PATH`, or run `newsbot` once to load the sample article.\n", e.cfg.dbName())
	}
	idx := newCorpusIndex(e, db)
	b, _ := newBot(e, db, idx)
	a, err := b.Ask(ctx, bot.Question{Text: question, AsOf: when, Scopes: scopes}, nil)
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	// After the answer is printed (below): the next ask starts from the
	// snapshot instead of building the index again.
	defer idx.saveIfStale(e)
	if *asJSON {
		return writeJSON(e, console.AnswerJSON(a))
	}
	console.WriteAnswer(e.stdout, a)
	return nil
}

func cmdIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ingest", "ingest PATH|URL...")
	paths, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fs.fail("no path given")
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	opt := ingest.Options{AddedBy: "cli", Scope: corpus.GlobalScope, MaxBytes: e.cfg.MaxInputBytes, BatchArticles: e.cfg.IngestBatch}
	if f := newFetcher(e); f != nil {
		opt.Fetch = f.Article
	}
	status := newStatus(e)
	opt.Progress = func(r ingest.Report) { status.Printf("ingesting: %s", r.Summary()) }
	start := time.Now()
	rep, err := ingest.Paths(ctx, db, paths, opt)
	status.Clear()
	for _, f := range rep.Failures {
		fmt.Fprintf(e.stdout, "failed: %s: %v\n", f.Source, f.Err)
		if hint := ingestHint(f); hint != "" {
			fmt.Fprintf(e.stdout, "  (%s)\n", hint)
		}
	}
	if more := rep.Failed - len(rep.Failures); more > 0 {
		fmt.Fprintf(e.stdout, "... and %s more\n", console.Plural(more, "failure"))
	}
	fmt.Fprintf(e.stdout, "%s (%.1fs)\n", rep.Summary(), time.Since(start).Seconds())
	if err != nil {
		return err
	}
	if err := groupStories(ctx, e, db); err != nil {
		return err
	}
	if rep.Failed > 0 {
		// Exit status 1: a script must not take a partial ingest for a
		// complete one. What failed is listed above.
		return fmt.Errorf("ingest: %s, listed above", console.Plural(rep.Failed, "failure"))
	}
	return nil
}

// maxInlineGrouping is how many ungrouped articles a CLI ingest or feed
// poll groups before it exits; a bulk load leaves more to the serving
// process, which groups in the background.
const maxInlineGrouping = 5000

// groupStories groups the articles without a story after a CLI ingest or
// feed poll,
// so that /latest and /story show them grouped with no server running (a
// serving process would group them too; the store's claim lets only one
// decide each article's story).
func groupStories(ctx context.Context, e *env, db store) error {
	ids, err := db.Ungrouped(ctx, 0, maxInlineGrouping+1)
	if err != nil {
		return fmt.Errorf("group stories: %w", err)
	}
	if len(ids) == 0 {
		return nil // nothing new: the index need not be opened
	}
	if len(ids) > maxInlineGrouping {
		// A bulk load: grouping costs a few milliseconds an article (a
		// minute per 20,000), more than the load itself.
		fmt.Fprintf(e.stdout, "More than %d articles are not grouped into stories yet; `newsbot serve` or `chat` groups them in the background when it starts (until then each is listed as its own story).\n", maxInlineGrouping)
		return nil
	}
	idx := newCorpusIndex(e, db)
	defer idx.saveIfStale(e)
	g := newStoryGrouper(db, idx, e.log)
	status := newStatus(e)
	g.progress = func(done int) { status.Printf("grouping into stories: %d articles", done) }
	n, err := g.GroupAll(ctx)
	status.Clear()
	if err != nil {
		return err
	}
	e.log.Debug("articles grouped into stories", "articles", n)
	return nil
}

// ingestHint says what to do instead, for failures with a better way: a
// feed given as a page to add.
func ingestHint(f ingest.Failure) string {
	if errors.Is(f.Err, corpus.ErrFeedNotPage) && isURL(f.Source) {
		return "if it is an RSS, Atom or JSON feed, follow it with `newsbot feeds add " + quoteArg(f.Source) + "`"
	}
	return ""
}

// isURL reports whether an ingest argument is a web address rather than a
// path.
func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func cmdLatest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "latest", "latest [-n N] [--source NAME] [--json]")
	n := fs.Int("n", bot.DefaultLatest, "how many articles")
	source := fs.String("source", "", "only this outlet")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fs.fail("-n %d: want at least 1", *n)
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	// The CLI is not limited to a chat message's ten entries.
	scopes := allScopes(ctx, db)
	heads, err := db.LatestStories(ctx, corpus.LatestQuery{N: *n, Source: *source, Scopes: scopes})
	if err != nil {
		return fmt.Errorf("latest: %w", err)
	}
	if *asJSON {
		out := make([]console.StoryHeadJSON, 0, len(heads))
		for _, h := range heads {
			out = append(out, console.StoryHeadToJSON(h))
		}
		return writeJSON(e, out)
	}
	empty := ""
	if len(heads) == 0 {
		if empty, err = noArticles(ctx, db, scopes, *source); err != nil {
			return fmt.Errorf("latest: %w", err)
		}
	}
	console.WriteStories(e.stdout, heads, empty)
	return nil
}

// cmdStory shows a story: its articles by outlet and time, and what each
// added to the earlier ones. The CLI sees every scope.
func cmdStory(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "story", "story [--json] ID")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fs.fail("want one story id")
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(rest[0], "#"), 10, 64)
	if err != nil || id <= 0 {
		return fs.fail("story id %q: want a positive number", rest[0])
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	arts, err := db.StoryArticles(ctx, id, allScopes(ctx, db))
	if err != nil {
		return fmt.Errorf("story: %w", err)
	}
	if len(arts) == 0 {
		return fmt.Errorf("story: no story %d (`newsbot latest` shows stories several outlets carried with their id)", id)
	}
	s := bot.MakeStory(id, arts)
	if *asJSON {
		return writeJSON(e, console.StoryToJSON(s))
	}
	console.WriteStory(e.stdout, s)
	return nil
}

// noArticles says why latest found nothing: an empty corpus, or no article
// from the outlet asked for (naming those there are).
func noArticles(ctx context.Context, db store, scopes []string, source string) (string, error) {
	st, err := db.Stats(ctx, scopes)
	if err != nil {
		return "", err
	}
	var outlets []string
	if source != "" && st.Articles > 0 {
		if outlets, err = db.Sources(ctx, scopes); err != nil {
			return "", err
		}
	}
	return console.NoArticles(st.Articles, source, outlets, "`newsbot ingest PATH|URL`"), nil
}

func cmdRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "remove", "remove ID|URL")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fs.fail("give one article id or URL")
	}
	ref := pos[0]
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := console.ResolveArticle(ctx, db, ref)
	if errors.Is(err, console.ErrNotArticleRef) {
		return fs.fail("%q is neither an article id nor a URL", ref)
	}
	var a corpus.Article
	if err == nil {
		b, _ := newBot(e, db, newCorpusIndex(e, db)) // never searched: the index is not opened
		a, err = b.Remove(ctx, operator, id)
	}
	if errors.Is(err, corpus.ErrNotFound) {
		// Said in words: the store's own message names its functions.
		return fmt.Errorf("remove: no article %s (`newsbot latest` shows articles with their id)", ref)
	}
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	fmt.Fprintf(e.stdout, "removed article %d: %s\n", a.ID, a.Title)
	return nil
}

func cmdStats(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "stats", "stats [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.Stats(ctx, allScopes(ctx, db))
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	if *asJSON {
		return writeJSON(e, console.StatsToJSON(st))
	}
	console.WriteStats(e.stdout, st)
	return nil
}

// scopeLister lists the scopes that hold articles.
type scopeLister interface {
	Scopes(ctx context.Context) ([]string, error)
}

// allScopes is every scope in the store: the operator's CLI sees all
// servers' articles. On error it falls back to the global scope.
func allScopes(ctx context.Context, db scopeLister) []string {
	s, err := db.Scopes(ctx)
	if err != nil || len(s) == 0 {
		return []string{corpus.GlobalScope}
	}
	return s
}

func writeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
