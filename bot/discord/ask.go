package discord

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// handleAsk answers /ask: checks limits, acknowledges at once with a
// deferred response, streams the model's text into it, and ends with the
// cited answer and its sources.
func (f *Frontend) handleAsk(ctx context.Context, i *discordgo.InteractionCreate) error {
	opts, _ := options(i)
	question := stringOpt(opts, "question")
	private := boolOpt(opts, "private")
	if err := f.checkQuestion(ctx, question, userID(i), i.GuildID); err != nil {
		return err
	}
	if err := f.deferReply(ctx, i, private); err != nil {
		return err
	}
	stream := newStreamer(editInterval, func(text string) {
		f.editOriginal(ctx, i.Interaction, message{Content: text})
	})
	a, err := f.core.Ask(ctx, bot.Question{Text: question, Scopes: f.actor(i).Scopes()}, stream.add)
	stream.stop()
	if err != nil {
		return &errDeferred{err: err, private: private}
	}
	// Past answerTimeout, Ask still returns the extractive answer; it is
	// sent on a context of its own.
	dctx, cancel := f.deliverContext()
	defer cancel()
	f.finish(dctx, i.Interaction, renderAnswer(a), private)
	return nil
}

// checkQuestion applies the length cap and the rate limits. A limiter that
// cannot decide (its database is unreachable) lets the question through
// and logs why: the limits guard a budget, and refusing everyone while the
// store hiccups would be worse than a minute of unmetered questions.
func (f *Frontend) checkQuestion(ctx context.Context, q, user, guild string) error {
	if n := utf8.RuneCountInString(q); n > maxQuestionRunes {
		return userErrorf("Your question is %d characters long; please keep it under %d.", n, maxQuestionRunes)
	}
	ok, wait, err := f.limiter.Allow(ctx, user, guild)
	if err != nil {
		f.log.ErrorContext(ctx, "rate limiter failed; question let through", "user_id", user, "guild_id", guild, "err", err)
		return nil
	}
	if !ok {
		return userErrorf("You're asking faster than I can keep up with. Please try again in %d seconds.", int(wait.Seconds()+0.999))
	}
	return nil
}

// streamer collects streamed text and shows it by calling show at most once
// per interval, from a single goroutine so edits never overlap.
type streamer struct {
	mu      sync.Mutex
	text    strings.Builder
	changed bool
	done    chan struct{}
	wg      sync.WaitGroup
}

func newStreamer(interval time.Duration, show func(string)) *streamer {
	st := &streamer{done: make(chan struct{})}
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-st.done:
				return
			case <-t.C:
				if text, ok := st.take(); ok {
					show(text)
				}
			}
		}
	}()
	return st
}

// add receives a piece of the model's text.
func (st *streamer) add(s string) {
	st.mu.Lock()
	st.text.WriteString(s)
	st.changed = true
	st.mu.Unlock()
}

// take returns the text to show if it changed: without the model's [n]
// markers, which are renumbered in the final answer, and marked unfinished.
func (st *streamer) take() (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.changed {
		return "", false
	}
	st.changed = false
	text := strings.TrimSpace(partialCite.ReplaceAllString(st.text.String(), ""))
	if text == "" {
		return "", false
	}
	return truncate(cleanText(text), maxContent-2) + " …", true
}

// stop ends streaming; no edit from it happens after stop returns.
func (st *streamer) stop() {
	close(st.done)
	st.wg.Wait()
}

// partialCite matches citation markers, complete or cut off at the end.
var partialCite = regexp.MustCompile(`\[[\d,; ]*\]?`)

// mentionToken matches user, role and channel mentions in message text.
var mentionToken = regexp.MustCompile(`<(@[!&]?|#)\d+>`)

// stripMentions removes mention tokens, leaving the question.
func stripMentions(s string) string {
	return strings.TrimSpace(strings.Join(strings.Fields(mentionToken.ReplaceAllString(s, " ")), " "))
}
