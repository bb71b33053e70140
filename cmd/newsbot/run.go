package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/bot/llm"
	"github.com/newsbot/newsbot/corpus/feeds"
	"github.com/newsbot/newsbot/corpus/web"
	"github.com/newsbot/newsbot/internal/ops"
)

const usage = `newsbot answers questions about the news from a local corpus of articles.

Usage:
  newsbot [-db PATH] [command] [arguments]

Commands:
  serve                        run the Discord bot (the default when DISCORD_TOKEN is set)
  chat                         interactive console (the default otherwise)
  invite                       print the link that adds the bot to a server
  ask [--json] [--as-of DATE] QUESTION
                               answer one question with cited sources
  ingest PATH|URL...           add articles from files, directories (txt, md, html, json, jsonl, .gz) or web pages
  latest [-n N] [--source NAME] [--json]
                               list the newest stories (one row per story; "N outlets" when several carried it)
  story [--json] ID            a story's articles by outlet and time, and what each added
  remove ID|URL                delete an article
  feeds add URL | list | remove URL|ID | poll
                               follow RSS, Atom and JSON feeds
  stats [--json]               what the corpus holds
  embed [--batch N]            compute the passage embeddings missing for NEWSBOT_EMBED_MODEL
  rechunk                      split stored articles again by the current passage rules (after an upgrade)
  eval (--questions F | --realtimeqa F --gcs F | --multihop F) --corpus PATH... [--json] [-k 1,5,10] [--limit N] [--split NAME] [--parallel N]
                               measure retrieval on a question set (see docs/EVAL.md)

The database is -db, else NEWSBOT_DB, else ./newsbot.db. Settings are read
from the environment and from a .env file; see README.md.
`

// env is what a command needs from the outside world.
type env struct {
	cfg    config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	// interrupts delivers Ctrl-C to the console, which stops only the
	// answer in progress; nil when ctx alone stops the program.
	interrupts <-chan os.Signal
	// metrics are the process's metrics (serve); nil for commands that
	// export none.
	metrics *ops.Metrics
}

// run is the whole program: main only adds the process's environment.
// Cancelling ctx stops any command.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runInterruptible(ctx, nil, args, getenv, stdin, stdout, stderr)
}

// runInterruptible is run with Ctrl-C delivered on interrupts (nil: none):
// the console cancels the answer in progress with it, every other command
// stops.
func runInterruptible(ctx context.Context, interrupts <-chan os.Signal, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	// Secrets never reach the log or the error main prints (redact.go).
	redact := newRedactor(secretsOf(cfg)...)
	defer func() { err = redact.Err(err) }()
	fs := flag.NewFlagSet(programName, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return nil
		}
		return &usageError{err: err, usage: usage}
	}
	fs.Visit(func(f *flag.Flag) { cfg.dbFlag = cfg.dbFlag || f.Name == "db" })
	cmd, rest := "chat", fs.Args()
	if cfg.DiscordToken != "" {
		cmd = "serve"
	}
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	if cmd == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	c, ok := commands()[cmd]
	if !ok {
		return &usageError{err: fmt.Errorf("unknown command %q; `%s help` lists the commands", cmd, programName)}
	}
	log, closeLog, err := newLogger(cfg, cmd, stderr, redact)
	if err != nil {
		return err
	}
	defer closeLog()
	e := &env{cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr, log: log}
	if cmd == "chat" {
		e.interrupts = interrupts
	} else if interrupts != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-interrupts:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	if err := c(ctx, e, rest); !errors.Is(err, errHelpShown) {
		return err
	}
	return nil
}

// newLogger returns the log of a command: to NEWSBOT_LOG_FILE, else
// stderr. Its level is NEWSBOT_LOG_LEVEL, else info for serve (an operator
// watches a bot's activity) and warn for the rest: the console's
// conversation and a command's results are not interleaved with routine
// log lines. The returned function closes the log file.
func newLogger(cfg config, cmd string, stderr io.Writer, redact redactor) (*slog.Logger, func(), error) {
	level := slog.LevelWarn
	if cmd == "serve" {
		level = slog.LevelInfo
	}
	if cfg.logLevelSet {
		level = cfg.LogLevel
	}
	out, closeLog := stderr, func() {}
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("NEWSBOT_LOG_FILE: %w", err)
		}
		out, closeLog = f, func() { f.Close() }
	}
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level, ReplaceAttr: redact.Attr})), closeLog, nil
}

// command runs one subcommand with its arguments.
type command func(ctx context.Context, e *env, args []string) error

// commands lists every subcommand: the whole command-line surface in one
// place (the usage text above describes them).
func commands() map[string]command {
	return map[string]command{
		"chat":   cmdChat,
		"serve":  cmdServe,
		"invite": cmdInvite,
		"ask":    cmdAsk,
		"ingest": func(ctx context.Context, e *env, args []string) error {
			// Articles added are then embedded when hybrid retrieval is on (embed.go).
			return embedAdded(ctx, e, func() error { return cmdIngest(ctx, e, args) })
		},
		"latest":  cmdLatest,
		"story":   cmdStory,
		"remove":  cmdRemove,
		"embed":   cmdEmbed,
		"rechunk": cmdRechunk,
		"stats":   cmdStats,
		"feeds":   cmdFeeds,
		"eval":    cmdEval,
	}
}

// newBot wires the bot: the store, lexical retrieval, the fetcher and feed
// poller and, when configured, the LLM and hybrid retrieval (embed.go). The
// poller (nil when the fetcher could not be set up) is the bot's, so
// polling in the background and a moderator's first poll never run twice
// for one feed.
func newBot(e *env, db store, idx *corpusIndex) (*bot.Bot, *feeds.Poller) {
	var model bot.Model
	if e.cfg.hasLLM() {
		model = llm.New(llm.Config{
			BaseURL: e.cfg.OpenAIBaseURL,
			APIKey:  e.cfg.OpenAIKey,
			Model:   e.cfg.model(),
			Timeout: e.cfg.LLMTimeout,
			Logger:  e.log,
		})
	}
	r := newRetriever(e, db, idx)
	fetcher := newFetcher(e)
	b := bot.New(r, model, withEmbeddings(e, db), bot.Options{MinConfidence: e.cfg.MinConfidence, Fetcher: fetcher, MaxInputBytes: e.cfg.MaxInputBytes, Logger: e.log, Metrics: e.botMetrics()})
	b.SetFollows(db, e.cfg.FollowLimits)
	if fetcher == nil {
		return b, nil
	}
	p := newPoller(e, db, fetcher)
	b.SetFeeds(p)
	return b, p
}

// newPoller returns the feed poller over the store and the fetcher.
func newPoller(e *env, db store, f *web.Fetcher) *feeds.Poller {
	return feeds.New(withEmbeddings(e, db), f, feeds.Options{Interval: e.cfg.FeedInterval, Lease: e.cfg.FeedLease, Logger: e.log, Metrics: e.feedMetrics()})
}

// startPolling ensures the feeds of NEWSBOT_FEEDS and polls every feed in
// the background until ctx is done; the returned function waits for the
// poller to stop.
func startPolling(ctx context.Context, e *env, p *feeds.Poller) (wait func()) {
	if p == nil {
		return func() {}
	}
	if err := p.EnsureFeeds(ctx, e.cfg.Feeds, "env"); err != nil {
		e.log.Warn("some NEWSBOT_FEEDS could not be added", "err", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := p.Run(ctx); err != nil {
			e.log.Error("feed poller stopped", "err", err)
		}
	}()
	return func() { <-done }
}

// newFetcher is the one fetcher for every URL newsbot reads. The settings
// were validated by loadConfig, so an error here is a programming error
// reported once in the log; the bot then cannot add by URL.
func newFetcher(e *env) *web.Fetcher {
	f, err := web.New(web.Options{Allow: e.cfg.FetchAllow, MaxBytes: e.cfg.MaxInputBytes, Logger: e.log})
	if err != nil {
		e.log.Error("web fetcher unavailable", "err", err)
		return nil
	}
	return f
}

// newStatus returns the progress line of a long command, on stderr so that
// stdout holds only results, drawn only on a terminal.
func newStatus(e *env) *console.Status { return console.NewStatus(e.stderr, isTerminal(e.stderr)) }

// isTerminal reports whether w is a terminal, for progress lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
