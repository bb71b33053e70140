package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/feeds"
	"github.com/newsbot/newsbot/corpus/web"
)

// TestUserMessageSpeaksToModerators feeds the errors the fetcher, the feed
// poller and the store really return through the one translation, and
// checks the moderator reads the reason, never internal names.
func TestUserMessageSpeaksToModerators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string // in the user's message; "" means the generic apology
	}{
		{fmt.Errorf("add https://10.0.0.5/: %w", &web.RefusedError{URL: "http://10.0.0.5/", Reason: "10.0.0.5 is a private address"}), "I won't fetch that address: 10.0.0.5 is a private address."},
		{fmt.Errorf("add feed: %w", &corpus.DuplicateFeedError{ExistingID: 3, URL: "https://x.example/rss"}), "followed already (feed #3)"},
		{fmt.Errorf("add feed: %w", fmt.Errorf("%w: malformed XML", feeds.ErrNotFeed)), "not an RSS, Atom or JSON feed"},
		{fmt.Errorf("add: %w", &web.StatusError{URL: "https://x.example/a", StatusCode: 404, Status: "404 Not Found"}), "the site answered 404 Not Found"},
		{fmt.Errorf("fetch: %w", context.DeadlineExceeded), "took too long"},
		{fmt.Errorf("remove: %w", &bot.NotFoundError{What: "feed", ID: 9}), "There is no feed #9 here."},
		{fmt.Errorf("add: %w", bot.ErrForbidden), "Manage Messages"},
		{errors.New("sqlite.Get(99): disk I/O error"), ""},
	}
	for _, tt := range tests {
		got := userMessage(tt.err, "ref1")
		if tt.want == "" {
			if !strings.Contains(got, "ref1") {
				t.Errorf("userMessage(%v) = %q; want the apology with its reference", tt.err, got)
			}
			continue
		}
		if !strings.Contains(got, tt.want) || strings.Contains(got, "sqlite") {
			t.Errorf("userMessage(%v) = %q; want it to contain %q", tt.err, got, tt.want)
		}
	}
}

func TestIsAnswer(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		m    *discordgo.Message
		want bool
	}{
		{&discordgo.Message{Embeds: []*discordgo.MessageEmbed{{Title: "Sources"}}}, true},
		{&discordgo.Message{Embeds: []*discordgo.MessageEmbed{{Title: "Nearest articles"}}}, true},
		{&discordgo.Message{Embeds: []*discordgo.MessageEmbed{{Title: "Latest news"}}}, false},
		{&discordgo.Message{Content: "Something went wrong"}, false},
	} {
		if got := isAnswer(tt.m); got != tt.want {
			t.Errorf("isAnswer(%+v) = %v; want %v", tt.m.Embeds, got, tt.want)
		}
	}
}
