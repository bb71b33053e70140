package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
)

// FrontendName names this frontend in the follows it creates, so only a
// Discord process's worker posts their updates.
const FrontendName = "discord"

// handleFollow makes the channel follow a question. Members may.
func (f *Frontend) handleFollow(ctx context.Context, i *discordgo.InteractionCreate) error {
	opts, _ := options(i)
	fl, err := f.core.Follow(ctx, f.actor(i), bot.Channel{Frontend: FrontendName, ID: i.ChannelID}, stringOpt(opts, "question"))
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Following %s in this channel (follow #%d). New articles that answer it will be posted here, at most one update every so often; `/unfollow id:%d` stops it.",
		quote(fl.Question), fl.ID, fl.ID)
	return f.respond(ctx, i, []message{{Content: msg}}, false)
}

// handleFollowing lists a channel's follows: this one, or for moderators
// the one named.
func (f *Frontend) handleFollowing(ctx context.Context, i *discordgo.InteractionCreate) error {
	opts, _ := options(i)
	channel := i.ChannelID
	if c := stringOpt(opts, "channel"); c != "" {
		channel = c
	}
	fs, err := f.core.Following(ctx, f.actor(i), i.ChannelID, channel)
	if err != nil {
		return err
	}
	return f.respond(ctx, i, renderFollowing(fs, channel), true)
}

// handleUnfollow removes a follow: its creator's or, for a moderator, any
// of the server's.
func (f *Frontend) handleUnfollow(ctx context.Context, i *discordgo.InteractionCreate) error {
	opts, _ := options(i)
	id := int64(intOpt(opts, "id"))
	if id <= 0 {
		return userErrorf("Give the follow number /following shows.")
	}
	fl, err := f.core.Unfollow(ctx, f.actor(i), id)
	if err != nil {
		return err
	}
	return f.respond(ctx, i, []message{{Content: fmt.Sprintf("Stopped following %s (follow #%d).", quote(fl.Question), fl.ID)}}, true)
}

// renderFollowing lists follows, each with its last update.
func renderFollowing(fs []corpus.Follow, channel string) []message {
	if len(fs) == 0 {
		return []message{{Content: "No follows in <#" + channel + ">. Follow a question with /follow."}}
	}
	lines := make([]string, len(fs))
	for i, fl := range fs {
		last := "no update yet"
		if !fl.LastUpdateAt.IsZero() {
			last = "last update " + fl.LastUpdateAt.UTC().Format("2 Jan 15:04 UTC")
		}
		lines[i] = fmt.Sprintf("**#%d** %s in <#%s> — %s, since %s", fl.ID, quote(fl.Question), fl.ChannelID, last, fl.CreatedAt.UTC().Format("2 Jan"))
	}
	return embedMessages("Follows", colourList, lines)
}

// renderFollowUpdate is a follow's update: "New since 2 Dec: …" with its
// citations, the question it answers, and the sources as an answer's.
func renderFollowUpdate(u bot.FollowUpdate) []message {
	a := bot.Answer{Text: "**New since " + u.Since.UTC().Format("2 Jan") + "** on " + quote(u.Question) + ": " + u.Text, Sources: u.Sources, Mode: u.Mode}
	return renderAnswer(a)
}

// PostFollowUpdate posts a follow's update in its channel (the follow
// worker calls it). Nothing it sends can ping anyone.
func (f *Frontend) PostFollowUpdate(ctx context.Context, fl corpus.Follow, u bot.FollowUpdate) error {
	for _, m := range renderFollowUpdate(u) {
		send := &discordgo.MessageSend{Content: m.Content, Embeds: m.Embeds, AllowedMentions: noMentions()}
		if _, err := f.s.ChannelMessageSendComplex(fl.ChannelID, send, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("post follow %d update in channel %s: %w", fl.ID, fl.ChannelID, refusal(err))
		}
	}
	return nil
}

// refusal marks an error of Discord's in sending a message by whether
// sending again may cure it. A 404 (Unknown Channel: deleted) or a 403
// Missing Access (the bot left the server, or may not see the channel)
// is bot.ErrChannelGone: the follow worker removes the follow. Any other
// refusal of the request itself, a 4xx but 408 and 429 (403 Missing
// Permissions: it may see but not post; 400: an archived thread it may not reopen), is
// bot.ErrUndeliverable: the update is dropped and the follow kept, as a
// moderator may set it right, rather than the same refusal blocking the
// follow's updates for ever. Other errors pass (an outage, a rate limit:
// tried again).
func refusal(err error) error {
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return err
	}
	status := re.Response.StatusCode
	switch {
	case status == http.StatusNotFound,
		status == http.StatusForbidden && re.Message != nil && re.Message.Code == discordgo.ErrCodeMissingAccess:
		return fmt.Errorf("%w: %w", bot.ErrChannelGone, err)
	case status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		return fmt.Errorf("%w: %w", bot.ErrUndeliverable, err)
	}
	return err
}

// followChannelOpt is /following's channel option: moderators may name
// any text channel of the server.
func followChannelOpt() *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel",
		Description: "Another channel (moderators)", ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}}
}

// maxFollowQuestion is /follow's question length in Discord's form; the
// bot checks it again (bot.Follow).
const maxFollowQuestion = 300
