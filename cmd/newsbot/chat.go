package main

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/ingest"
)

// seedArticle is the sample article newsbot ships (the project's seed, with
// its original address, outlet and date in front matter), loaded into an
// empty database by chat and serve so a first question has something to
// answer.
//
//go:embed seed/pakistan-taliban-recognition.md
var seedArticle string

const seedName = "pakistan-taliban-recognition.md"

func cmdChat(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "chat", "chat")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := loadSeedIfEmpty(ctx, e, db); err != nil {
		return err
	}
	describeSetup(e)
	idx, stopIndex, err := serveIndex(ctx, e, db)
	if err != nil {
		return err
	}
	defer stopIndex()
	b, poller := newBot(e, db, idx)
	pollCtx, stopPolling := context.WithCancel(ctx)
	wait := startPolling(pollCtx, e, poller)
	defer func() { stopPolling(); wait() }()
	c := console.New(b, operator, console.Options{
		Logger:     e.log,
		Articles:   db,
		Interrupts: e.interrupts,
		Terminal:   isTerminal(e.stdout),
	})
	followCtx, stopFollowing := context.WithCancel(ctx)
	waitFollowing := startFollowing(followCtx, e, db, b, idx, console.FrontendName, c)
	defer func() { stopFollowing(); waitFollowing() }()
	return c.Run(ctx, e.stdin, e.stdout)
}

// loadSeedIfEmpty adds the bundled sample article to an empty database.
func loadSeedIfEmpty(ctx context.Context, e *env, db store) error {
	st, err := db.Stats(ctx, allScopes(ctx, db))
	if err != nil {
		return fmt.Errorf("check database: %w", err)
	}
	if st.Articles > 0 {
		return nil
	}
	rep, err := ingest.Reader(ctx, db, seedName, strings.NewReader(seedArticle), ingest.Options{AddedBy: "seed", Scope: corpus.GlobalScope})
	if err != nil {
		return fmt.Errorf("load sample article: %w", err)
	}
	if rep.Added == 1 {
		fmt.Fprintf(e.stdout, "The database %s was empty, so newsbot loaded its sample article (%q).\nAdd your own with /add PATH or `newsbot ingest PATH`.\n\n", e.cfg.dbName(), rep.AddedArticles[0].Title)
	}
	return nil
}

// describeSetup says which optional pieces are missing and what to set.
func describeSetup(e *env) {
	if e.cfg.hasLLM() {
		where := e.cfg.OpenAIBaseURL
		if where == "" {
			where = "OpenAI"
		}
		fmt.Fprintf(e.stdout, "Answers are composed by %s at %s.\n", e.cfg.model(), where)
	} else {
		fmt.Fprintln(e.stdout, "No language model configured: answers quote sentences from the articles (extractive).\nSet OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (Ollama, vLLM, any OpenAI-compatible server) to have answers composed.")
	}
	fmt.Fprintln(e.stdout, "No DISCORD_TOKEN set: running the local console.")
}
