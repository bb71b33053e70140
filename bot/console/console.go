// Package console is newsbot's terminal frontend: the same commands as in
// Discord (/latest, /search, /add, /remove, /sources, /help), with a line of
// text being a question. It runs when no Discord token is configured, and it
// renders answers for the one-shot CLI commands too.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus/feeds"
)

// maxLine bounds one input line; a longer paste is an error, not a hang.
const maxLine = 1 << 20

const help = `Type a question and press Enter. Commands:
  /latest [N] [SOURCE]   newest articles (N up to 10), optionally from one outlet
  /search WORDS          matching articles, without the language model
  /add PATH|URL...       add articles from files, directories or web pages
  /remove ID             delete an article
  /feeds                 the feeds followed, with their health
  /feeds add URL         follow an RSS, Atom or JSON feed (polls it once now)
  /feeds remove ID       stop following a feed (its articles stay)
  /feeds poll            poll every feed now
  /sources               what the corpus holds
  /help                  this text
  /quit                  leave (or Ctrl-D)`

// Console runs the interactive loop.
type Console struct {
	bot *bot.Bot
	who bot.Actor
	log *slog.Logger
	// history is the last question and answer, for follow-ups: the console
	// is one conversation.
	history []bot.Turn
}

// New returns a console acting as who.
func New(b *bot.Bot, who bot.Actor, log *slog.Logger) *Console {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Console{bot: b, who: who, log: log}
}

// Run reads lines from in until EOF, /quit or ctx is done, answering on out.
func (c *Console) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), maxLine)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
		close(lines)
	}()
	fmt.Fprintln(out, "Ask a question about the news, or type /help.")
	for {
		fmt.Fprint(out, "> ")
		var line string
		select {
		case <-ctx.Done():
			fmt.Fprintln(out)
			return nil
		case l, ok := <-lines:
			if !ok {
				fmt.Fprintln(out)
				if err := <-readErr; err != nil {
					return fmt.Errorf("read input: %w", err)
				}
				return nil
			}
			line = strings.TrimSpace(l)
		}
		if line == "" {
			continue
		}
		if line == "/quit" || line == "/exit" {
			return nil
		}
		if err := c.handle(ctx, line, out); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			fmt.Fprintln(out, userMessage(err))
			c.log.WarnContext(ctx, "console command failed", "line_chars", len(line), "err", err)
		}
	}
}

// handle runs one line: a command or a question.
func (c *Console) handle(ctx context.Context, line string, out io.Writer) error {
	if !strings.HasPrefix(line, "/") {
		return c.ask(ctx, line, out)
	}
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "/help":
		fmt.Fprintln(out, help)
	case "/latest":
		n, source := 0, arg
		if first, rest, _ := strings.Cut(arg, " "); first != "" {
			if v, err := strconv.Atoi(first); err == nil {
				n, source = v, strings.TrimSpace(rest)
			}
		}
		arts, err := c.bot.Latest(ctx, c.who, n, source)
		if err != nil {
			return err
		}
		WriteArticles(out, arts)
	case "/search":
		if arg == "" {
			return errors.New("usage: /search WORDS")
		}
		rs, err := c.bot.Search(ctx, c.who, arg)
		if err != nil {
			return err
		}
		WriteSearch(out, rs)
	case "/add":
		if arg == "" {
			return errors.New("usage: /add PATH [PATH ...]")
		}
		rep, err := c.bot.AddPaths(ctx, c.who, strings.Fields(arg))
		if err != nil {
			return err
		}
		for _, f := range rep.Failures {
			fmt.Fprintf(out, "failed: %s: %v\n", f.Source, f.Err)
		}
		fmt.Fprintln(out, rep.Summary())
		return err
	case "/remove":
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return errors.New("usage: /remove ID (the #number shown after an article)")
		}
		a, err := c.bot.Remove(ctx, c.who, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Removed #%d: %s\n", a.ID, a.Title)
	case "/feeds":
		return c.feeds(ctx, arg, out)
	case "/sources":
		st, err := c.bot.Sources(ctx, c.who)
		if err != nil {
			return err
		}
		WriteStats(out, st)
	default:
		return fmt.Errorf("unknown command %s: type /help for the list", name)
	}
	return nil
}

func (c *Console) ask(ctx context.Context, q string, out io.Writer) error {
	a, err := c.bot.Ask(ctx, bot.Question{Text: q, Scopes: c.who.Scopes(), History: c.history}, nil)
	if err != nil {
		return err
	}
	WriteAnswer(out, a)
	if a.Grounded {
		c.history = []bot.Turn{{Question: q, Answer: a.Text}}
	}
	return nil
}

// userMessage turns an error into words for the person at the console:
// bot.UserMessage's for every error of bot and corpus, the error itself for
// the rest (the console's user is the operator).
func userMessage(err error) string {
	if msg, ok := bot.UserMessage(err); ok {
		return msg
	}
	return "Error: " + err.Error()
}

// feeds runs /feeds [add URL | remove ID | poll].
func (c *Console) feeds(ctx context.Context, arg string, out io.Writer) error {
	sub, rest, _ := strings.Cut(arg, " ")
	rest = strings.TrimSpace(rest)
	switch sub {
	case "", "list":
		fs, err := c.bot.Feeds(ctx, c.who)
		if err != nil {
			return err
		}
		WriteFeeds(out, fs)
	case "add":
		if rest == "" {
			return errors.New("usage: /feeds add URL")
		}
		f, res, err := c.bot.AddFeed(ctx, c.who, rest)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Following feed #%d: %s\n", f.ID, f.Title)
		WriteFeedResults(out, []feeds.Result{res})
	case "remove":
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return errors.New("usage: /feeds remove ID (the #number in /feeds)")
		}
		f, err := c.bot.RemoveFeed(ctx, c.who, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Stopped following #%d: %s (its articles stay)\n", f.ID, f.Title)
	case "poll":
		rs, err := c.bot.PollFeeds(ctx, c.who)
		if err != nil {
			return err
		}
		WriteFeedResults(out, rs)
	default:
		return fmt.Errorf("unknown /feeds subcommand %q: use add, remove or poll", sub)
	}
	return nil
}
