package discord

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// userError is an error whose message is written for the person who caused
// it; other errors reach them as a generic apology with a reference.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

func userErrorf(format string, args ...any) error { return &userError{fmt.Sprintf(format, args...)} }

func (f *Frontend) onInteraction(_ *discordgo.Session, i *discordgo.InteractionCreate) {
	f.dispatch(i)
}

// dispatch serves an interaction, from the gateway or the HTTP endpoint
// (http.go), with the handler its route names; it returns when the
// handler is done.
func (f *Frontend) dispatch(i *discordgo.InteractionCreate) {
	var (
		h    handler
		name string
	)
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		name = i.ApplicationCommandData().Name
		h = f.routes()[name]
	case discordgo.InteractionApplicationCommandAutocomplete:
		name = i.ApplicationCommandData().Name
		h = f.autocompleteRoutes()[name]
	case discordgo.InteractionModalSubmit:
		name = i.ModalSubmitData().CustomID
		h = f.modalRoutes()[name]
	default:
		return
	}
	log := f.log.With("interaction_id", i.ID, "command", name, "guild_id", i.GuildID, "user_id", userID(i))
	if h == nil {
		log.Warn("interaction for an unknown command")
		f.respondEphemeral(context.Background(), i, "This command is not known to this version of newsbot.")
		return
	}
	ran := f.track(func(ctx context.Context) {
		start := time.Now()
		if err := h(ctx, i); err != nil {
			// The handler may have failed because ctx ran out; the
			// asker must still hear about it.
			dctx, cancel := f.deliverContext()
			defer cancel()
			f.fail(dctx, log, i, err)
			return
		}
		log.Debug("interaction served", "took", time.Since(start))
	})
	if !ran && i.Type != discordgo.InteractionApplicationCommandAutocomplete {
		f.respondEphemeral(context.Background(), i, "newsbot is restarting; please try again in a minute.")
	}
}

// errDeferred wraps a handler's error after it deferred its response, so
// fail edits (or replaces) the deferred message instead of responding anew.
type errDeferred struct {
	err     error
	private bool
}

func (e *errDeferred) Error() string { return e.err.Error() }
func (e *errDeferred) Unwrap() error { return e.err }

// fail is the one place errors become replies: plain words for the asker,
// always ephemeral, and the cause with the interaction id in the log.
func (f *Frontend) fail(ctx context.Context, log *slog.Logger, i *discordgo.InteractionCreate, err error) {
	msg := userMessage(err, i.ID)
	var ue *userError
	if _, theirs := bot.UserMessage(err); theirs || errors.As(err, &ue) {
		log.Info("interaction refused", "reason", err)
	} else {
		log.Error("interaction failed", "err", err)
	}
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return // nothing to show; Discord shows "loading options failed"
	}
	var d *errDeferred
	if !errors.As(err, &d) {
		f.respondEphemeral(ctx, i, msg)
		return
	}
	if d.private {
		f.editOriginal(ctx, i.Interaction, message{Content: msg})
		return
	}
	// A public deferral: remove the "thinking" message and tell only the
	// asker what went wrong.
	if err := f.s.InteractionResponseDelete(i.Interaction, discordgo.WithContext(ctx)); err != nil {
		log.Warn("delete deferred response", "err", err)
	}
	f.followup(ctx, i.Interaction, message{Content: msg}, true)
}

// userMessage is what the person sees for err: the frontend's own words
// (userError), Discord's names for the permission a refusal needs, then
// bot.UserMessage, which words every error of bot and corpus; anything else
// is an apology with the reference under which the log has the cause.
func userMessage(err error, ref string) string {
	var ue *userError
	if errors.As(err, &ue) {
		return ue.msg
	}
	if errors.Is(err, bot.ErrForbidden) {
		return "You need the Manage Messages permission (or a moderator role) to do that, and only for this server's own articles."
	}
	if msg, ok := bot.UserMessage(err); ok {
		return msg
	}
	return "Something went wrong on our side; the operator can find it in the log under reference " + ref + "."
}

// isModerator checks, on every call, that the member may moderate: Discord
// command defaults can be overridden by server admins, so they prove
// nothing. In DMs nobody is a moderator.
func (f *Frontend) isModerator(i *discordgo.InteractionCreate) bool {
	if i.GuildID == "" || i.Member == nil {
		return false
	}
	if i.Member.Permissions&(discordgo.PermissionManageMessages|discordgo.PermissionAdministrator) != 0 {
		return true
	}
	for _, r := range i.Member.Roles {
		if slices.Contains(f.cfg.ModRoles, r) {
			return true
		}
	}
	return false
}

// actor is who runs an interaction, for the bot.
func (f *Frontend) actor(i *discordgo.InteractionCreate) bot.Actor {
	return bot.Actor{UserID: userID(i), ServerID: i.GuildID, Moderator: f.isModerator(i)}
}

func userID(i *discordgo.InteractionCreate) string {
	switch {
	case i.Member != nil && i.Member.User != nil:
		return i.Member.User.ID
	case i.User != nil:
		return i.User.ID
	}
	return ""
}

// respondEphemeral answers an interaction with a message only its user sees.
func (f *Frontend) respondEphemeral(ctx context.Context, i *discordgo.InteractionCreate, text string) {
	err := f.interactionRespond(ctx, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: truncate(text, maxContent), Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()},
	})
	if err != nil {
		f.log.Warn("respond to interaction", "interaction_id", i.ID, "err", err)
	}
}

// respond answers an interaction with messages: the first as the response,
// the rest as followups.
func (f *Frontend) respond(ctx context.Context, i *discordgo.InteractionCreate, msgs []message, private bool) error {
	var flags discordgo.MessageFlags
	if private {
		flags = discordgo.MessageFlagsEphemeral
	}
	err := f.interactionRespond(ctx, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: msgs[0].Content, Embeds: msgs[0].Embeds, Flags: flags, AllowedMentions: noMentions()},
	})
	if err != nil {
		return fmt.Errorf("respond: %w", err)
	}
	for _, m := range msgs[1:] {
		f.followup(ctx, i.Interaction, m, private)
	}
	return nil
}

// deferReply acknowledges an interaction at once (Discord allows 3 s), to
// be completed with editOriginal.
func (f *Frontend) deferReply(ctx context.Context, i *discordgo.InteractionCreate, private bool) error {
	var flags discordgo.MessageFlags
	if private {
		flags = discordgo.MessageFlagsEphemeral
	}
	err := f.interactionRespond(ctx, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: flags, AllowedMentions: noMentions()},
	})
	if err != nil {
		return fmt.Errorf("defer response: %w", err)
	}
	return nil
}

// editOriginal replaces the (deferred) response's content and embeds.
//
// It does what discordgo's InteractionResponseEdit does, except for the
// rate-limit bucket: discordgo puts every webhook edit of every interaction
// in one bucket, whose lock is held for each request, so under a burst all
// answers queue behind each other's edits. Discord limits each interaction
// token on its own; the edit goes to one of webhookBuckets buckets chosen
// by its token.
func (f *Frontend) editOriginal(ctx context.Context, i *discordgo.Interaction, m message) {
	content := m.Content
	embeds := m.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	uri := discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original")
	edit := &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, AllowedMentions: noMentions()}
	wait := unknownWebhookWait
	for try := 0; ; try++ {
		_, err := f.s.RequestWithBucketID(http.MethodPatch, uri, edit, webhookBucket(i.Token), discordgo.WithContext(ctx))
		if err == nil {
			return
		}
		if try < unknownWebhookTries && unknownWebhook(err) {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
				wait *= 4
				continue
			case <-ctx.Done():
				t.Stop()
			}
		}
		f.log.Warn("edit interaction response", "interaction_id", i.ID, "err", err)
		return
	}
}

// An interaction answered over HTTP has its message created by Discord
// from the endpoint's answer, which travels apart from the handler's first
// edit through REST: the edit can arrive first and be refused as Unknown
// Webhook. editOriginal then tries again, unknownWebhookTries times after
// waits of unknownWebhookWait growing fourfold (50 ms, 200 ms, 800 ms).
const (
	unknownWebhookTries = 3
	unknownWebhookWait  = 50 * time.Millisecond
)

// unknownWebhook reports whether err is Discord's Unknown Webhook (10015).
func unknownWebhook(err error) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeUnknownWebhook
}

// webhookBucket is the rate-limit bucket of an interaction token's edits.
func webhookBucket(token string) string {
	h := fnv.New32a()
	h.Write([]byte(token))
	return fmt.Sprintf("newsbot/webhook-edits/%d", h.Sum32()%webhookBuckets)
}

// finish completes a deferred response with messages.
func (f *Frontend) finish(ctx context.Context, i *discordgo.Interaction, msgs []message, private bool) {
	f.editOriginal(ctx, i, msgs[0])
	for _, m := range msgs[1:] {
		f.followup(ctx, i, m, private)
	}
}

func (f *Frontend) followup(ctx context.Context, i *discordgo.Interaction, m message, private bool) {
	var flags discordgo.MessageFlags
	if private {
		flags = discordgo.MessageFlagsEphemeral
	}
	_, err := f.s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: m.Content, Embeds: m.Embeds, Flags: flags, AllowedMentions: noMentions()}, discordgo.WithContext(ctx))
	if err != nil {
		f.log.Warn("send followup", "interaction_id", i.ID, "err", err)
	}
}

// options returns a command's options by name, descending into a
// subcommand; sub is the subcommand's name, if any.
func options(i *discordgo.InteractionCreate) (opts map[string]*discordgo.ApplicationCommandInteractionDataOption, sub string) {
	opts = make(map[string]*discordgo.ApplicationCommandInteractionDataOption)
	list := i.ApplicationCommandData().Options
	if len(list) == 1 && list[0].Type == discordgo.ApplicationCommandOptionSubCommand {
		sub = list[0].Name
		list = list[0].Options
	}
	for _, o := range list {
		opts[o.Name] = o
	}
	return opts, sub
}

func stringOpt(opts map[string]*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	if o, ok := opts[name]; ok {
		if s, ok := o.Value.(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

func intOpt(opts map[string]*discordgo.ApplicationCommandInteractionDataOption, name string) int {
	if o, ok := opts[name]; ok {
		switch v := o.Value.(type) {
		case float64:
			return int(v)
		case string:
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

func boolOpt(opts map[string]*discordgo.ApplicationCommandInteractionDataOption, name string) bool {
	if o, ok := opts[name]; ok {
		b, _ := o.Value.(bool)
		return b
	}
	return false
}
