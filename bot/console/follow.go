package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
)

// FrontendName names the console in the follows it creates, so only a
// console's worker prints their updates.
const FrontendName = "console"

// ChannelID is the console's one channel.
const ChannelID = "console"

// lockedWriter serialises writes to the console's output: follow updates
// arrive from the worker while a command prints.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// errNotRunning: an update arrived while no console runs; it stays
// pending and is printed by the next console.
var errNotRunning = errors.New("the console is not running")

// PostFollowUpdate prints a follow's update as it arrives (the follow
// worker calls it), in one write so it does not break into a command's
// output.
func (c *Console) PostFollowUpdate(_ context.Context, f corpus.Follow, u bot.FollowUpdate) error {
	c.outMu.Lock()
	out := c.out
	c.outMu.Unlock()
	if out == nil {
		return errNotRunning
	}
	var b bytes.Buffer
	b.WriteString("\n")
	WriteFollowUpdate(&b, u)
	b.WriteString("> ")
	_, err := out.Write(b.Bytes())
	return err
}

// WriteFollowUpdate prints an update: "New since 2 Dec (follow #3, “q”): …"
// and its sources.
func WriteFollowUpdate(w io.Writer, u bot.FollowUpdate) {
	fmt.Fprintf(w, "New since %s (follow #%d, “%s”): ", u.Since.UTC().Format("2 Jan"), u.FollowID, u.Question)
	WriteAnswer(w, bot.Answer{Text: u.Text, Sources: u.Sources})
}

// WriteFollows lists follows with their last update.
func WriteFollows(w io.Writer, fs []corpus.Follow) {
	if len(fs) == 0 {
		fmt.Fprintln(w, "No follows yet. Follow a question with /follow QUESTION.")
		return
	}
	for _, f := range fs {
		last := "no update yet"
		if !f.LastUpdateAt.IsZero() {
			last = "last update " + f.LastUpdateAt.UTC().Format("2 Jan 15:04 UTC")
		}
		fmt.Fprintf(w, "#%d “%s” — %s, since %s\n", f.ID, f.Question, last, f.CreatedAt.UTC().Format("2 Jan"))
	}
}

// follow runs /follow QUESTION, /following and /unfollow ID.
func (c *Console) follow(ctx context.Context, name, arg string, out io.Writer) error {
	switch name {
	case "/follow":
		if arg == "" {
			return notice("Usage: /follow QUESTION")
		}
		f, err := c.bot.Follow(ctx, c.who, bot.Channel{Frontend: FrontendName, ID: ChannelID}, arg)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Following “%s” (follow #%d). New articles that answer it will be printed here; /unfollow %d stops it.\n", f.Question, f.ID, f.ID)
	case "/following":
		fs, err := c.bot.Following(ctx, c.who, ChannelID, ChannelID)
		if err != nil {
			return err
		}
		WriteFollows(out, fs)
	case "/unfollow":
		id, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
		if err != nil || id <= 0 {
			return notice("Usage: /unfollow ID (ID: the #number /following shows)")
		}
		f, err := c.bot.Unfollow(ctx, c.who, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Stopped following “%s” (follow #%d).\n", f.Question, f.ID)
	}
	return nil
}
