package discord

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
)

// handleFeeds lists, adds and removes the feeds a server follows. Adding
// and removing are for moderators, checked here on every call.
func (f *Frontend) handleFeeds(ctx context.Context, i *discordgo.InteractionCreate) error {
	who := f.actor(i)
	opts, sub := options(i)
	switch sub {
	case "list":
		fs, err := f.core.Feeds(ctx, who)
		if err != nil {
			return err
		}
		return f.respond(ctx, i, renderFeeds(fs), false)
	case "add":
		if !who.Moderator {
			return fmt.Errorf("feeds add: %w", bot.ErrForbidden)
		}
		if err := f.deferReply(ctx, i, true); err != nil {
			return err
		}
		feed, res, err := f.core.AddFeed(ctx, who, stringOpt(opts, "url"))
		if err != nil {
			return &errDeferred{err: err, private: true}
		}
		msg := fmt.Sprintf("Following %s. First poll: %d articles added.", escapeMarkdown(orURL(feed)), res.Added)
		if res.Err != nil {
			why, ok := bot.UserMessage(res.Err)
			if !ok {
				why = "the site did not answer as expected."
			}
			msg = fmt.Sprintf("Following %s. Its articles will arrive with the next poll; the first one did not complete: %s", escapeMarkdown(orURL(feed)), escapeMarkdown(truncate(why, 200)))
		}
		f.finish(ctx, i.Interaction, []message{{Content: msg}}, true)
		return nil
	case "remove":
		if !who.Moderator {
			return fmt.Errorf("feeds remove: %w", bot.ErrForbidden)
		}
		id, err := strconv.ParseInt(stringOpt(opts, "feed"), 10, 64)
		if err != nil {
			return userErrorf("Pick the feed from the suggestions as you type its name.")
		}
		feed, err := f.core.RemoveFeed(ctx, who, id)
		if err != nil {
			return err
		}
		return f.respond(ctx, i, []message{{Content: "Stopped following " + escapeMarkdown(orURL(feed)) + ". Its articles stay; remove them with /remove."}}, true)
	}
	return userErrorf("Use /feeds list, /feeds add or /feeds remove.")
}

// completeFeed suggests this server's own feeds for /feeds remove.
func (f *Frontend) completeFeed(ctx context.Context, i *discordgo.InteractionCreate) error {
	who := f.actor(i)
	typed := strings.ToLower(focusedValue(i))
	var choices []*discordgo.ApplicationCommandOptionChoice
	if who.Moderator {
		fs, err := f.core.Feeds(ctx, who)
		if err != nil {
			return err
		}
		for _, fd := range fs {
			if fd.Scope != who.ServerID || len(choices) == maxChoices {
				continue
			}
			name := orURL(fd)
			if typed != "" && !strings.Contains(strings.ToLower(name+" "+fd.URL), typed) {
				continue
			}
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: truncate(name, maxChoiceName), Value: strconv.FormatInt(fd.ID, 10)})
		}
	}
	return f.autocomplete(ctx, i, choices)
}

// renderFeeds lists feeds with their health.
func renderFeeds(fs []corpus.Feed) []message {
	if len(fs) == 0 {
		return []message{{Content: "No feeds yet. Moderators can follow one with /feeds add."}}
	}
	lines := make([]string, len(fs))
	for i, fd := range fs {
		lines[i] = feedLine(fd)
	}
	return embedMessages("Feeds", colourList, lines)
}

// feedLine is "Title — 12 articles, updated 27 Nov 14:05" plus any trouble.
func feedLine(fd corpus.Feed) string {
	line := escapeMarkdown(orURL(fd))
	if safeURL(fd.URL) {
		line = "[" + line + "](<" + fd.URL + ">)"
	}
	line += fmt.Sprintf(" — %d articles", fd.Items)
	if !fd.LastSuccess.IsZero() {
		line += ", updated " + fd.LastSuccess.UTC().Format("2 Jan 15:04 UTC")
	}
	if fd.Failures > 0 {
		line += fmt.Sprintf("\n  ⚠ %d failed polls, last: %s", fd.Failures, escapeMarkdown(truncate(fd.LastError, 200)))
	}
	return line
}

func orURL(fd corpus.Feed) string {
	if fd.Title != "" {
		return fd.Title
	}
	return fd.URL
}

// feedHealth summarises feeds for /sources.
func feedHealth(fs []corpus.Feed) string {
	if len(fs) == 0 {
		return ""
	}
	failing := 0
	for _, fd := range fs {
		if fd.Failures > 0 {
			failing++
		}
	}
	s := fmt.Sprintf("\nFeeds: %d followed", len(fs))
	if failing > 0 {
		s += fmt.Sprintf(", %d failing (see /feeds list)", failing)
	}
	return s
}
