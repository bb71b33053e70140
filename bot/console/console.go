// Package console is newsbot's terminal frontend: the same commands as in
// Discord (/latest, /story, /search, /add, /remove, /follow, /sources, /help), with a line of
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
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
)

// maxLine bounds one input line; a longer paste is an error, not a hang.
const maxLine = 1 << 20

const help = `Type a question and press Enter; a question that depends on the one before
("and in March?", "who said that?") is read with that exchange. Ctrl-C stops an
answer in progress. Commands:
  /latest [N] [SOURCE]   newest stories (N up to 10), optionally from one outlet;
                         a story several outlets carried shows "N outlets"
  /story ID              a story's articles by outlet and time, and what each added
  /search WORDS          matching articles, without the language model
  /add PATH|URL...       add articles from files, directories or web pages
  /remove ID|URL         delete an article (ID: the #number shown after it)
  /feeds                 the feeds followed, with their health
  /feeds add URL         follow an RSS, Atom or JSON feed (polls it once now)
  /feeds remove ID|URL   stop following a feed (its articles stay)
  /feeds poll            poll every feed now
  /follow QUESTION       print short cited updates when new articles answer it
  /following             the questions followed, with their last update
  /unfollow ID           stop following one (ID: the #number /following shows)
  /sources               what the corpus holds
  /help                  this text
  /quit                  leave (or Ctrl-D, or Ctrl-C at the prompt)`

// ArticleFinder finds an article by its canonical URL, so that remove takes
// a URL as well as an id. corpus/sqlite implements it.
// Returns an error wrapping corpus.ErrNotFound if no article has the URL.
type ArticleFinder interface {
	GetByURL(ctx context.Context, url string) (*corpus.Article, error)
}

// Options configures a Console. The zero value works: no log, ids only for
// /remove, no interrupts, no status line.
type Options struct {
	Logger *slog.Logger
	// Articles, if not nil, lets /remove take an article's URL.
	Articles ArticleFinder
	// Interrupts delivers Ctrl-C. During a command it cancels that command
	// (an answer taking too long), and the console goes on; at the prompt
	// it leaves, as Ctrl-D does.
	Interrupts <-chan os.Signal
	// Terminal says the output is a terminal: a "thinking…" line then shows
	// while an answer is composed.
	Terminal bool
}

// Console runs the interactive loop.
type Console struct {
	bot *bot.Bot
	who bot.Actor
	opt Options
	log *slog.Logger
	// history is the last question and answer, for follow-ups: the console
	// is one conversation.
	history []bot.Turn
	// out is where Run writes (through one lock, shared with follow
	// updates), nil when Run is not running.
	outMu sync.Mutex
	out   io.Writer
}

// New returns a console acting as who.
func New(b *bot.Bot, who bot.Actor, opt Options) *Console {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Console{bot: b, who: who, opt: opt, log: log}
}

// notice is a message for the person at the console, shown as it is: a
// usage mistake or an answer to one, not a failure to log.
type notice string

func (n notice) Error() string { return string(n) }

// Run reads lines from in until EOF, /quit, Ctrl-C at the prompt or ctx is
// done, answering on out.
func (c *Console) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	out = lockedWriter{mu: new(sync.Mutex), w: out}
	c.outMu.Lock()
	c.out = out
	c.outMu.Unlock()
	defer func() {
		c.outMu.Lock()
		c.out = nil
		c.outMu.Unlock()
	}()
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
		case <-c.opt.Interrupts:
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
		interrupted, err := c.interruptible(ctx, line, out)
		switch {
		case ctx.Err() != nil:
			return nil
		case interrupted && err != nil:
			fmt.Fprintln(out, "Cancelled.")
		case err != nil:
			fmt.Fprintln(out, userMessage(err))
			c.logFailure(ctx, line, err)
		}
	}
}

// interruptible runs one line with a context that Ctrl-C cancels, and
// reports whether it did. It returns only once it has stopped watching for
// Ctrl-C, so the prompt's own watch sees the next one.
func (c *Console) interruptible(ctx context.Context, line string, out io.Writer) (interrupted bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	watched := make(chan bool, 1)
	go func() {
		select {
		case <-c.opt.Interrupts:
			cancel()
			watched <- true
		case <-done:
			watched <- false
		}
	}()
	err = c.handle(ctx, line, out)
	close(done)
	return <-watched, err
}

// logFailure logs a failed command for the operator: at debug when it was
// the person's mistake (shown to them, nothing to investigate), else at
// info, so that the conversation is not interleaved with log lines unless
// they were asked for.
func (c *Console) logFailure(ctx context.Context, line string, err error) {
	level := slog.LevelInfo
	var n notice
	if _, mistake := bot.UserMessage(err); mistake || errors.As(err, &n) {
		level = slog.LevelDebug
	}
	c.log.Log(ctx, level, "console command failed", "line_chars", len(line), "err", err)
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
		return c.latest(ctx, arg, out)
	case "/story":
		return c.story(ctx, arg, out)
	case "/search":
		if arg == "" {
			return notice("Usage: /search WORDS")
		}
		rs, err := c.bot.Search(ctx, c.who, arg)
		if err != nil {
			return err
		}
		WriteSearch(out, rs)
	case "/add":
		if arg == "" {
			return notice("Usage: /add PATH|URL...")
		}
		rep, err := c.bot.AddPaths(ctx, c.who, strings.Fields(arg))
		for _, f := range rep.Failures {
			fmt.Fprintf(out, "failed: %s: %s\n", f.Source, failureReason(f.Err))
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(out, rep.Summary())
	case "/remove":
		return c.remove(ctx, arg, out)
	case "/feeds":
		return c.feeds(ctx, arg, out)
	case "/follow", "/following", "/unfollow":
		return c.follow(ctx, name, arg, out)
	case "/sources":
		st, err := c.bot.Sources(ctx, c.who)
		if err != nil {
			return err
		}
		WriteStats(out, st)
	default:
		return notice(fmt.Sprintf("Unknown command %s: type /help for the list.", name))
	}
	return nil
}

// latest runs /latest [N] [SOURCE].
func (c *Console) latest(ctx context.Context, arg string, out io.Writer) error {
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
	empty := ""
	if len(arts) == 0 {
		st, err := c.bot.Sources(ctx, c.who)
		if err != nil {
			return err
		}
		outlets, err := c.bot.Outlets(ctx, c.who)
		if err != nil {
			return err
		}
		empty = NoArticles(st.Articles, source, outlets, "/add PATH|URL")
	}
	WriteStories(out, arts, empty)
	return nil
}

// story runs /story ID.
func (c *Console) story(ctx context.Context, arg string, out io.Writer) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(arg), "#"), 10, 64)
	if err != nil || id <= 0 {
		return notice("Usage: /story ID (ID: the story number /latest shows after \"outlets\")")
	}
	s, err := c.bot.Story(ctx, c.who, id)
	if err != nil {
		return err
	}
	WriteStory(out, s)
	return nil
}

// remove runs /remove ID|URL.
func (c *Console) remove(ctx context.Context, arg string, out io.Writer) error {
	const usage = notice("Usage: /remove ID|URL (ID: the #number shown after an article)")
	if arg == "" || strings.ContainsAny(arg, " \t") {
		return usage
	}
	id, err := ResolveArticle(ctx, c.opt.Articles, arg)
	if errors.Is(err, ErrNotArticleRef) {
		return usage
	}
	if errors.Is(err, corpus.ErrNotFound) {
		return notice(fmt.Sprintf("There is no article with the address %s here: /latest shows articles with their #ID.", arg))
	}
	if err != nil {
		return err
	}
	a, err := c.bot.Remove(ctx, c.who, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Removed #%d: %s\n", a.ID, a.Title)
	return nil
}

// ErrNotArticleRef is returned by ResolveArticle for text that is neither
// an article id nor a URL (or a URL when no ArticleFinder was given).
var ErrNotArticleRef = errors.New("neither an article id nor a URL")

// ResolveArticle turns what a person gave remove, an article id or the
// article's URL, into the article id. With f nil only ids are understood.
// Returns an error wrapping corpus.ErrNotFound when no article has the URL.
func ResolveArticle(ctx context.Context, f ArticleFinder, ref string) (int64, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return id, nil
	}
	u, err := corpus.CanonicalURL(ref)
	if f == nil || err != nil || u == "" {
		return 0, fmt.Errorf("%q: %w", ref, ErrNotArticleRef)
	}
	a, err := f.GetByURL(ctx, u)
	if err != nil {
		return 0, err
	}
	return a.ID, nil
}

// removeFeed runs /feeds remove ID|URL.
func (c *Console) removeFeed(ctx context.Context, ref string, out io.Writer) error {
	const usage = notice("Usage: /feeds remove ID|URL (ID: the #number in /feeds)")
	if ref == "" || strings.ContainsAny(ref, " \t") {
		return usage
	}
	var visible []corpus.Feed
	if _, err := strconv.ParseInt(ref, 10, 64); err != nil {
		if visible, err = c.bot.Feeds(ctx, c.who); err != nil {
			return err
		}
	}
	id, err := FindFeed(visible, ref)
	if errors.Is(err, ErrNotFeedRef) {
		return usage
	}
	var f corpus.Feed
	if err == nil {
		f, err = c.bot.RemoveFeed(ctx, c.who, id)
	}
	if errors.Is(err, corpus.ErrNotFound) {
		return notice(fmt.Sprintf("No feed %s: /feeds lists the feeds followed.", feedRef(ref)))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Stopped following #%d: %s (its articles stay)\n", f.ID, f.Title)
	return nil
}

// ErrNotFeedRef is returned by FindFeed for text that is neither a feed id
// nor a URL.
var ErrNotFeedRef = errors.New("neither a feed id nor a URL")

// FindFeed turns what a person gave feeds remove, a feed id or the feed's
// URL, into the feed id. An id is returned as it is (the remove says
// whether it exists); a URL is looked up, canonicalised, among feeds.
// Returns an error wrapping corpus.ErrNotFound when no feed has the URL.
func FindFeed(feeds []corpus.Feed, ref string) (int64, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return id, nil
	}
	u, err := corpus.CanonicalURL(ref)
	if err != nil || u == "" {
		return 0, fmt.Errorf("%q: %w", ref, ErrNotFeedRef)
	}
	for _, f := range feeds {
		if f.URL == u || f.URL == ref {
			return f.ID, nil
		}
	}
	return 0, fmt.Errorf("feed %s: %w", u, corpus.ErrNotFound)
}

// feedRef names a feed as the person gave it: "#9" for an id, else the URL.
func feedRef(ref string) string {
	if _, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return "#" + ref
	}
	return ref
}

func (c *Console) ask(ctx context.Context, q string, out io.Writer) error {
	status := NewStatus(out, c.opt.Terminal)
	status.Printf("thinking…")
	a, err := c.bot.Ask(ctx, bot.Question{Text: q, Scopes: c.who.Scopes(), History: c.history}, nil)
	status.Clear()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		// Cancelled: Ask still returns a well-formed (extractive) answer,
		// but the person asked for none.
		return err
	}
	WriteAnswer(out, a)
	if len(a.Sources) > 0 {
		c.history = []bot.Turn{{Question: q, Answer: a.Text}}
	}
	return nil
}

// userMessage turns an error into words for the person at the console:
// bot.UserMessage's for every error of bot and corpus, the error itself for
// the rest (the console's user is the operator).
func userMessage(err error) string {
	var n notice
	if errors.As(err, &n) {
		return string(n)
	}
	if msg, ok := bot.UserMessage(err); ok {
		return msg
	}
	return "Error: " + err.Error()
}

// failureReason words why one input of /add failed: bot.UserMessage's
// words when it knows the error, else the error itself.
func failureReason(err error) string {
	if msg, ok := bot.UserMessage(err); ok {
		return msg
	}
	return err.Error()
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
		WriteFeeds(out, fs, "/feeds add URL")
	case "add":
		if rest == "" {
			return notice("Usage: /feeds add URL")
		}
		f, res, err := c.bot.AddFeed(ctx, c.who, rest)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Following feed #%d: %s\n", f.ID, f.Title)
		WriteFeedResults(out, []corpus.PollResult{res})
	case "remove":
		return c.removeFeed(ctx, rest, out)
	case "poll":
		rs, err := c.bot.PollFeeds(ctx, c.who)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			fmt.Fprintln(out, "No feeds yet. Follow one with /feeds add URL.")
		}
		WriteFeedResults(out, rs)
	default:
		return notice(fmt.Sprintf("Unknown /feeds subcommand %q: use add, remove or poll.", sub))
	}
	return nil
}
