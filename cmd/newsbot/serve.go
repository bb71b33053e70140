package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/discord"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve [--http ADDR] [--no-gateway]")
	o := newServeOps(fs, e)
	if _, err := fs.parse(args); err != nil {
		return err
	}
	if err := o.start(e); err != nil {
		return err
	}
	if e.cfg.DiscordToken == "" {
		return errors.New("serve: DISCORD_TOKEN is not set (see README: creating the Discord application); run `newsbot chat` for the local console")
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := loadSeedIfEmpty(ctx, e, db); err != nil {
		return err
	}
	if !e.cfg.hasLLM() {
		e.log.Warn("no language model configured: answers are extractive; set OPENAI_API_KEY or OPENAI_BASE_URL to compose them")
	}
	idx, stopIndex, err := serveIndex(ctx, e, db)
	if err != nil {
		return err
	}
	defer stopIndex()
	b, poller := newBot(e, db, idx)
	limiter, stopLimiter, err := newRateLimiter(ctx, e, db)
	if err != nil {
		return err
	}
	defer stopLimiter()
	fe, err := discord.New(b, discord.Config{
		Token:          e.cfg.DiscordToken,
		GuildIDs:       e.cfg.DiscordGuildIDs,
		ModRoles:       e.cfg.ModRoles,
		APIURL:         e.cfg.DiscordAPIURL,
		GatewayURL:     e.cfg.DiscordGatewayURL,
		Shards:         e.cfg.DiscordShards,
		MessageContent: e.cfg.MessageContent,
		UserPerMinute:  e.cfg.UserPerMinute,
		ServerPerMin:   e.cfg.ServerPerMinute,
		Limiter:        limiter,
		Logger:         e.log,
	})
	if err != nil {
		return err
	}
	pollCtx, stopPolling := context.WithCancel(ctx)
	wait := startPolling(pollCtx, e, poller)
	defer func() { stopPolling(); wait() }()
	followCtx, stopFollowing := context.WithCancel(ctx)
	waitFollowing := startFollowing(followCtx, e, db, b, idx, discord.FrontendName, fe)
	defer func() { stopFollowing(); waitFollowing() }()
	return o.run(ctx, e, db, idx, fe)
}

// invitePermissions are what the bot needs in a channel: see it, read the
// history of replies, send messages (also in threads) with embeds.
const invitePermissions = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionReadMessageHistory

// cmdInvite prints the OAuth2 URL that adds the bot to a server. The
// application id is DISCORD_APPLICATION_ID, else asked of Discord with the
// token.
func cmdInvite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "invite", "invite")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	app := e.cfg.DiscordAppID
	if app == "" {
		if e.cfg.DiscordToken == "" {
			return errors.New("invite: set DISCORD_APPLICATION_ID (or DISCORD_TOKEN, to look it up)")
		}
		id, err := lookupApplicationID(ctx, e)
		if err != nil {
			return fmt.Errorf("invite: %w", err)
		}
		app = id
	}
	q := url.Values{}
	q.Set("client_id", app)
	q.Set("scope", "bot applications.commands")
	q.Set("permissions", fmt.Sprint(invitePermissions))
	fmt.Fprintf(e.stdout, "https://discord.com/oauth2/authorize?%s\n", strings.ReplaceAll(q.Encode(), "+", "%20"))
	return nil
}

// lookupApplicationID asks Discord which application the token belongs to.
func lookupApplicationID(ctx context.Context, e *env) (string, error) {
	s, err := discordgo.New("Bot " + e.cfg.DiscordToken)
	if err != nil {
		return "", err
	}
	base := strings.TrimSuffix(discordgo.EndpointAPI, "/")
	client := &http.Client{Timeout: 15 * time.Second}
	if e.cfg.DiscordAPIURL != "" {
		client.Transport = discord.RewriteTransport(base, e.cfg.DiscordAPIURL)
	}
	s.Client = client
	// discordgo's Application takes no request options, so the call goes
	// through Request, which does: ctx bounds it too.
	body, err := s.Request(http.MethodGet, discordgo.EndpointApplication("@me"), nil, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("look up the application (is DISCORD_TOKEN right?): %w", err)
	}
	var a discordgo.Application
	if err := json.Unmarshal(body, &a); err != nil {
		return "", fmt.Errorf("look up the application: read Discord's answer: %w", err)
	}
	if a.ID == "" {
		return "", errors.New("look up the application: Discord's answer has no id")
	}
	return a.ID, nil
}
