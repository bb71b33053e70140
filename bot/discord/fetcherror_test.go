package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/feeds"
	"github.com/newsbot/newsbot/corpus/web"
)

func TestFetchErrorSpeaksToModerators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string // in the user's message; "" means not a user error
	}{
		{&web.RefusedError{URL: "http://10.0.0.5/", Reason: "10.0.0.5 is a private address"}, "10.0.0.5 is a private address"},
		{fmt.Errorf("add feed: %w", &corpus.DuplicateFeedError{ExistingID: 3, URL: "https://x.example/rss"}), "already has that"},
		{fmt.Errorf("add feed: %w", feeds.ErrNotFeed), "not an RSS, Atom or JSON feed"},
		{fmt.Errorf("add: %w", &web.StatusError{URL: "https://x.example/a", StatusCode: 404, Status: "404 Not Found"}), "404 Not Found"},
		{fmt.Errorf("fetch: %w", context.DeadlineExceeded), "took too long"},
		{errors.New("disk I/O error"), ""},
	}
	for _, tt := range tests {
		got := fetchError(tt.err)
		var ue *userError
		isUser := errors.As(got, &ue)
		if tt.want == "" {
			if isUser {
				t.Errorf("fetchError(%v) = user message %q; want the generic path", tt.err, ue.msg)
			}
			continue
		}
		if !isUser || !strings.Contains(ue.msg, tt.want) {
			t.Errorf("fetchError(%v) = %v; want a user message containing %q", tt.err, got, tt.want)
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
