package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"
)

// This file lists every slash command and the handler that serves it: the
// whole surface of the Discord frontend in one place.

// handler serves one interaction. Its error becomes an ephemeral reply (see
// fail); it never answers an error itself.
type handler func(ctx context.Context, i *discordgo.InteractionCreate) error

// routes maps command names (and modal ids) to handlers.
func (f *Frontend) routes() map[string]handler {
	return map[string]handler{
		"ask":       f.handleAsk,
		"latest":    f.handleLatest,
		"story":     f.handleStory,
		"search":    f.handleSearch,
		"sources":   f.handleSources,
		"add":       f.handleAdd,
		"remove":    f.handleRemove,
		"feeds":     f.handleFeeds,
		"follow":    f.handleFollow,
		"following": f.handleFollowing,
		"unfollow":  f.handleUnfollow,
	}
}

// modalRoutes maps modal custom ids to handlers.
func (f *Frontend) modalRoutes() map[string]handler {
	return map[string]handler{
		modalAddText: f.handleAddTextModal,
	}
}

// autocompleteRoutes maps command names to autocomplete handlers.
func (f *Frontend) autocompleteRoutes() map[string]handler {
	return map[string]handler{
		"latest": f.completeSource,
		"remove": f.completeArticle,
		"feeds":  f.completeFeed,
	}
}

// modPermissions is the default permission of moderator commands: server
// admins can change it, so handlers check again (see isModerator).
var modPermissions = int64(discordgo.PermissionManageMessages)

// commands returns the application commands, registered in one bulk
// overwrite at start.
func commands() []*discordgo.ApplicationCommand {
	minCount, maxCount := 1.0, 10.0
	guildOnly := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	everywhere := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	return []*discordgo.ApplicationCommand{
		{
			Name: "ask", Description: "Ask a question about the news; the answer cites its articles", Contexts: everywhere,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "Your question, e.g. what happened with the rail strike this week?", Required: true, MaxLength: maxQuestionRunes},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "private", Description: "Only you see the answer"},
			},
		},
		{
			Name: "latest", Description: "The newest stories", Contexts: everywhere,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionInteger, Name: "count", Description: "How many (1-10)", MinValue: &minCount, MaxValue: maxCount},
				{Type: discordgo.ApplicationCommandOptionString, Name: "topic", Description: "Only stories about this", MaxLength: 200},
				{Type: discordgo.ApplicationCommandOptionString, Name: "source", Description: "Only from this outlet", Autocomplete: true},
			},
		},
		{
			Name: "story", Description: "One story across outlets: its articles by time and what each added", Contexts: everywhere,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionInteger, Name: "id", Description: "The story number /latest shows", Required: true, MinValue: &minCount},
			},
		},
		{
			Name: "search", Description: "Find articles (no AI)", Contexts: everywhere,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "query", Description: "Words to look for", Required: true, MaxLength: 200},
			},
		},
		{Name: "sources", Description: "What the news corpus holds", Contexts: everywhere},
		{
			Name: "add", Description: "Add an article to this server's corpus (moderators)", Contexts: guildOnly, DefaultMemberPermissions: &modPermissions,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "url", Description: "Add the article at a link",
					Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "https://...", Required: true, MaxLength: 2000}}},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "file", Description: "Add articles from a file (txt, md, html, json, jsonl)",
					Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Description: "The file", Required: true}}},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "text", Description: "Paste an article's text"},
			},
		},
		{
			Name: "feeds", Description: "News feeds this server follows", Contexts: guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "list", Description: "The feeds followed, with their health"},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "add", Description: "Follow an RSS, Atom or JSON feed (moderators)",
					Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "The feed's address", Required: true, MaxLength: 2000}}},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "remove", Description: "Stop following a feed (moderators)",
					Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "feed", Description: "Start typing its name", Required: true, Autocomplete: true}}},
			},
		},
		{
			Name: "follow", Description: "Follow a question here: new articles that answer it are posted as short cited updates", Contexts: guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "What to follow, e.g. what is new in the rail strike?", Required: true, MaxLength: maxFollowQuestion},
			},
		},
		{
			Name: "following", Description: "The questions this channel follows, with their last update", Contexts: guildOnly,
			Options: []*discordgo.ApplicationCommandOption{followChannelOpt()},
		},
		{
			Name: "unfollow", Description: "Stop following a question (yours, or any for moderators)", Contexts: guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionInteger, Name: "id", Description: "The follow number /following shows", Required: true, MinValue: &minCount},
			},
		},
		{
			Name: "remove", Description: "Remove an article from this server's corpus (moderators)", Contexts: guildOnly, DefaultMemberPermissions: &modPermissions,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "article", Description: "Start typing its title", Required: true, Autocomplete: true},
			},
		},
	}
}
