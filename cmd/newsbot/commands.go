package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(pos, " "))
	if question == "" {
		fs.Usage()
		return errors.New("ask: no question given")
	}
	var when time.Time
	if *asOf != "" {
		t, err := time.ParseInLocation("2006-01-02", *asOf, time.UTC)
		if err != nil {
			return fmt.Errorf("ask: --as-of %q: want YYYY-MM-DD", *asOf)
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
	if st, err := db.Stats(ctx, scopes); err == nil && st.Articles == 0 {
		// "Not covered" from an empty database is true but no help: the
		// user most likely ran ask before anything was added. stderr, so
		// --json output stays one object.
		fmt.Fprintf(e.stderr, "newsbot: the database %s holds no articles; add some with `newsbot ingest PATH`, or run `newsbot` once to load the sample article.\n", e.cfg.DB)
	}
	b, _ := newBot(e, db)
	a, err := b.Ask(ctx, bot.Question{Text: question, AsOf: when, Scopes: scopes}, nil)
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	if *asJSON {
		return writeJSON(e, console.AnswerJSON(a))
	}
	console.WriteAnswer(e.stdout, a)
	return nil
}

func cmdIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ingest", "ingest PATH|URL...")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		fs.Usage()
		return errors.New("ingest: no path given")
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	opt := ingest.Options{AddedBy: "cli", Scope: corpus.GlobalScope, MaxBytes: e.cfg.MaxInputBytes}
	if f := newFetcher(e); f != nil {
		opt.Fetch = f.Article
	}
	progress := isTerminal(e.stderr)
	if progress {
		var last time.Time
		opt.Progress = func(r ingest.Report) {
			if now := time.Now(); now.Sub(last) >= 200*time.Millisecond {
				last = now
				fmt.Fprintf(e.stderr, "\ringesting: %s", r.Summary())
			}
		}
	}
	start := time.Now()
	rep, err := ingest.Paths(ctx, db, paths, opt)
	if progress {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(e.stdout, "failed: %s: %v\n", f.Source, f.Err)
	}
	if rep.Failed > len(rep.Failures) {
		fmt.Fprintf(e.stdout, "... and %d more failures\n", rep.Failed-len(rep.Failures))
	}
	fmt.Fprintf(e.stdout, "%s (%.1fs)\n", rep.Summary(), time.Since(start).Seconds())
	return err
}

func cmdLatest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "latest", "latest [-n N] [--source NAME] [--json]")
	n := fs.Int("n", bot.DefaultLatest, "how many articles")
	source := fs.String("source", "", "only this outlet")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("latest: -n %d: want at least 1", *n)
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	// The CLI is not limited to a chat message's ten entries.
	arts, err := db.Latest(ctx, corpus.LatestQuery{N: *n, Source: *source, Scopes: allScopes(ctx, db)})
	if err != nil {
		return fmt.Errorf("latest: %w", err)
	}
	if *asJSON {
		out := make([]console.ArticleJSON, 0, len(arts))
		for _, a := range arts {
			out = append(out, console.ArticleToJSON(a))
		}
		return writeJSON(e, out)
	}
	console.WriteArticles(e.stdout, arts)
	return nil
}

func cmdRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "remove", "remove ID|URL")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("remove: give one article id or URL")
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := resolveArticle(ctx, db, pos[0])
	if err != nil {
		return fmt.Errorf("remove %s: %w", pos[0], err)
	}
	b, _ := newBot(e, db)
	a, err := b.Remove(ctx, operator, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed article %d: %s\n", a.ID, a.Title)
	return nil
}

// urlGetter finds an article by canonical URL.
type urlGetter interface {
	GetByURL(ctx context.Context, url string) (*corpus.Article, error)
}

// resolveArticle turns an id or a URL into an article id.
func resolveArticle(ctx context.Context, db urlGetter, ref string) (int64, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return id, nil
	}
	u, err := corpus.CanonicalURL(ref)
	if err != nil || u == "" {
		return 0, fmt.Errorf("%q is neither an article id nor a URL", ref)
	}
	a, err := db.GetByURL(ctx, u)
	if err != nil {
		return 0, err
	}
	return a.ID, nil
}

func cmdStats(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "stats", "stats [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
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
