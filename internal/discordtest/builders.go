package discordtest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Cmd describes a slash command invocation (or, for Autocomplete, a
// command being typed).
type Cmd struct {
	// Name is the command's name.
	Name string
	// Options are the options as the user filled them; build them with Opt,
	// SubCommand, SubCommandGroup, AttachmentOpt and UserOpt, or by hand.
	Options []*discordgo.ApplicationCommandInteractionDataOption
	// Focused names the option being typed, for Autocomplete; empty means the
	// last leaf option.
	Focused string

	// GuildID is where the command is used; empty means a DM with the bot
	// (the interaction then carries user instead of member).
	GuildID string
	// ChannelID defaults to the guild's "general" channel, or the user's DM
	// channel.
	ChannelID string
	// User defaults to the user DefaultUserID.
	User *discordgo.User
	// Roles are the member's role ids (guild only).
	Roles []string
	// Permissions is the member's permission bitfield in the channel (guild
	// only), sent as a string as Discord does; zero means none.
	Permissions int64
	// Locale defaults to "en-US".
	Locale discordgo.Locale
}

// Modal describes a submitted modal.
type Modal struct {
	// CustomID is the modal's custom_id, as the bot set it.
	CustomID string
	// Fields are the text inputs and what the user typed, each in its own
	// action row.
	Fields []TextInput

	// GuildID, ChannelID, User, Roles, Permissions and Locale are as in Cmd.
	GuildID     string
	ChannelID   string
	User        *discordgo.User
	Roles       []string
	Permissions int64
	Locale      discordgo.Locale
}

// TextInput is one text input of a submitted modal.
type TextInput struct {
	CustomID string
	Value    string
}

// Msg describes a message a user posts.
type Msg struct {
	// GuildID is where the message is posted; empty means a DM with the bot.
	GuildID string
	// ChannelID defaults to the guild's "general" channel, or the author's DM
	// channel. A thread registered with AddThread is a channel like any other.
	ChannelID string
	// Author defaults to the user DefaultUserID.
	Author *discordgo.User
	// Roles are the author's role ids, sent in member (guild only).
	Roles []string
	// Content is the message text.
	Content string
	// Mentions and MentionRoles are added to the mentions Discord derives
	// from Content (<@id>, <@!id>, <@&id>); a mention of BotUserID is the
	// bot user.
	Mentions     []*discordgo.User
	MentionRoles []string
	// ReplyTo is the id of the message replied to: message_reference and
	// referenced_message are set, and the replied-to author is mentioned
	// unless NoReplyPing.
	ReplyTo     string
	NoReplyPing bool
	// Attachments come from AddAttachment.
	Attachments []discordgo.MessageAttachment
}

// Opt returns a filled command option, typed from value: string (STRING),
// int or int64 (INTEGER), bool (BOOLEAN), float64 (NUMBER).
func Opt(name string, value any) *discordgo.ApplicationCommandInteractionDataOption {
	var t discordgo.ApplicationCommandOptionType
	switch value.(type) {
	case string:
		t = discordgo.ApplicationCommandOptionString
	case int, int64:
		t = discordgo.ApplicationCommandOptionInteger
	case bool:
		t = discordgo.ApplicationCommandOptionBoolean
	case float64:
		t = discordgo.ApplicationCommandOptionNumber
	default:
		panic(fmt.Sprintf("discordtest.Opt(%q): unsupported value type %T", name, value))
	}
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: t, Value: value}
}

// SubCommand returns a subcommand option holding opts.
func SubCommand(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts}
}

// SubCommandGroup returns a subcommand group holding subcommands.
func SubCommandGroup(name string, subs ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommandGroup, Options: subs}
}

// AttachmentOpt returns an attachment option for a file from AddAttachment;
// the interaction's data.resolved.attachments carries it.
func AttachmentOpt(name string, a discordgo.MessageAttachment) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionAttachment, Value: a.ID}
}

// UserOpt returns a user option; if the user is known to the fake (it has
// triggered an interaction or written a message), data.resolved.users
// carries it.
func UserOpt(name, userID string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionUser, Value: userID}
}

// SlashCommand dispatches INTERACTION_CREATE for a chat-input command (type
// 2) and returns the interaction as the bot receives it. data.id is the id
// of the registered command of that name, if any.
func (s *Server) SlashCommand(c Cmd) *discordgo.Interaction {
	return s.command(discordgo.InteractionApplicationCommand, c, "")
}

// Autocomplete dispatches INTERACTION_CREATE of type 4 for a command being
// typed, with one option marked focused (see Cmd.Focused).
func (s *Server) Autocomplete(c Cmd) *discordgo.Interaction {
	focus := c.Focused
	if focus == "" {
		focus = lastLeaf(c.Options)
	}
	return s.command(discordgo.InteractionApplicationCommandAutocomplete, c, focus)
}

func lastLeaf(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	if len(opts) == 0 {
		return ""
	}
	last := opts[len(opts)-1]
	if last.Type == discordgo.ApplicationCommandOptionSubCommand || last.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
		return lastLeaf(last.Options)
	}
	return last.Name
}

func (s *Server) command(typ discordgo.InteractionType, c Cmd, focus string) *discordgo.Interaction {
	inv, fill := s.commandData(c, focus)
	return s.newInteraction(typ, inv, c.Name, fill)
}

// commandData returns who invokes a command and how its data object is
// filled, once the place is known.
func (s *Server) commandData(c Cmd, focus string) (invoker, func(guildID string) map[string]any) {
	inv := invoker{c.GuildID, c.ChannelID, c.User, c.Roles, c.Permissions, c.Locale}
	return inv, func(guildID string) map[string]any {
		res := map[string]map[string]any{}
		data := map[string]any{
			"id":      s.commandIDLocked(guildID, c.Name),
			"name":    c.Name,
			"type":    int(discordgo.ChatApplicationCommand),
			"options": s.optionsJSONLocked(c.Options, focus, guildID, res),
		}
		if gid := s.commandGuildLocked(guildID, c.Name); gid != "" {
			data["guild_id"] = gid
		}
		if len(res) > 0 {
			resolved := map[string]any{}
			for k, v := range res {
				resolved[k] = v
			}
			data["resolved"] = resolved
		}
		return data
	}
}

// commandIDLocked returns the id of the registered command name, guild
// commands first, or a fresh snowflake.
func (s *Server) commandIDLocked(guildID, name string) string {
	for _, scope := range []string{guildID, ""} {
		for _, cmd := range s.commands[scope] {
			if cmd["name"] == name && num(cmd["type"]) == int(discordgo.ChatApplicationCommand) {
				return cmd["id"].(string)
			}
		}
	}
	return s.nextIDLocked()
}

func (s *Server) commandGuildLocked(guildID, name string) string {
	if guildID == "" {
		return ""
	}
	for _, cmd := range s.commands[guildID] {
		if cmd["name"] == name {
			return guildID
		}
	}
	return ""
}

// optionsJSONLocked renders options as Discord sends them (value always
// present, even false or 0) and collects resolved objects.
func (s *Server) optionsJSONLocked(opts []*discordgo.ApplicationCommandInteractionDataOption, focus, guildID string, res map[string]map[string]any) []any {
	out := []any{}
	add := func(kind, id string, v map[string]any) {
		if res[kind] == nil {
			res[kind] = map[string]any{}
		}
		res[kind][id] = v
	}
	for _, o := range opts {
		m := map[string]any{"name": o.Name, "type": int(o.Type)}
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			m["options"] = s.optionsJSONLocked(o.Options, focus, guildID, res)
			out = append(out, m)
			continue
		}
		m["value"] = o.Value
		if o.Focused || (focus != "" && o.Name == focus) {
			m["focused"] = true
		}
		id := fmt.Sprint(o.Value)
		switch o.Type {
		case discordgo.ApplicationCommandOptionAttachment:
			a := s.attachments[id]
			if a == nil {
				s.tb.Errorf("discordtest: option %q: attachment %q was not made with AddAttachment", o.Name, id)
				break
			}
			add("attachments", id, toMap(s.attachmentObj(a)))
		case discordgo.ApplicationCommandOptionUser, discordgo.ApplicationCommandOptionMentionable:
			if u := s.users[id]; u != nil {
				add("users", id, toMap(u))
				if g := s.guilds[guildID]; g != nil {
					if roles, member := g.members[id]; member {
						add("members", id, s.memberJSON(g, id, roles, false))
					}
				}
			}
		case discordgo.ApplicationCommandOptionChannel:
			if ch := s.channels[id]; ch != nil {
				add("channels", id, s.channelJSON(ch))
			}
		case discordgo.ApplicationCommandOptionRole:
			if g := s.guilds[guildID]; g != nil {
				if r := g.role(id); r != nil {
					add("roles", id, toMap(*r))
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// ModalSubmit dispatches INTERACTION_CREATE of type 5 for a submitted modal.
func (s *Server) ModalSubmit(m Modal) *discordgo.Interaction {
	inv := invoker{m.GuildID, m.ChannelID, m.User, m.Roles, m.Permissions, m.Locale}
	return s.newInteraction(discordgo.InteractionModalSubmit, inv, "", func(string) map[string]any {
		rows := []any{}
		for _, f := range m.Fields {
			rows = append(rows, map[string]any{
				"type":       int(discordgo.ActionsRowComponent),
				"components": []any{map[string]any{"type": int(discordgo.TextInputComponent), "custom_id": f.CustomID, "value": f.Value}},
			})
		}
		return map[string]any{"custom_id": m.CustomID, "components": rows}
	})
}

// MessageCreate stores a user's message and dispatches MESSAGE_CREATE to
// sessions whose intents cover it (GUILD_MESSAGES, or DIRECT_MESSAGES in a
// DM). Sessions without MESSAGE_CONTENT get content, embeds, attachments and
// components blanked unless the message is a DM or mentions the bot, as on
// Discord. It returns the full message.
func (s *Server) MessageCreate(m Msg) *discordgo.Message {
	s.mu.Lock()
	author := s.userLocked(m.Author)
	for _, u := range m.Mentions {
		s.userLocked(u)
	}
	guildID, chID := s.placeLocked(m.GuildID, m.ChannelID, author)
	id := s.nextIDLocked()
	attachments := []any{}
	for _, a := range m.Attachments {
		attachments = append(attachments, toMap(a))
	}
	obj := map[string]any{
		"id":               id,
		"channel_id":       chID,
		"author":           toMap(author),
		"content":          m.Content,
		"timestamp":        time.Now().UTC().Format(time.RFC3339Nano),
		"edited_timestamp": nil,
		"tts":              false,
		"attachments":      attachments,
		"embeds":           []any{},
		"components":       []any{},
		"pinned":           false,
		"type":             int(discordgo.MessageTypeDefault),
		"flags":            0,
	}
	if guildID != "" {
		g := s.guilds[guildID]
		g.members[author.ID] = append([]string(nil), m.Roles...)
		obj["guild_id"] = guildID
		obj["member"] = s.memberJSON(g, author.ID, m.Roles, false)
	}
	refAuthor := ""
	if m.ReplyTo != "" {
		ref := map[string]any{"type": 0, "message_id": m.ReplyTo, "channel_id": chID}
		if guildID != "" {
			ref["guild_id"] = guildID
		}
		obj["message_reference"] = ref
		obj["type"] = int(discordgo.MessageTypeReply)
		obj["referenced_message"] = nil
		if rm := s.messages[m.ReplyTo]; rm != nil && !rm.deleted {
			ref["channel_id"] = rm.channelID
			obj["referenced_message"] = rm.obj
			if !m.NoReplyPing {
				refAuthor = authorID(rm.obj)
			}
		} else {
			s.tb.Errorf("discordtest: Msg.ReplyTo %q is not a message the fake knows", m.ReplyTo)
		}
	}
	s.setMentionsLocked(obj, nil, refAuthor)
	mentions := obj["mentions"].([]any)
	for _, u := range m.Mentions {
		mentions = append(mentions, toMap(u))
	}
	obj["mentions"] = dedupeUsers(mentions)
	roles := obj["mention_roles"].([]any)
	for _, r := range m.MentionRoles {
		roles = appendUnique(roles, r)
	}
	obj["mention_roles"] = roles
	botMentioned := false
	for _, u := range obj["mentions"].([]any) {
		botMentioned = botMentioned || u.(map[string]any)["id"] == BotUserID
	}
	s.storeMessageLocked(&message{id: id, channelID: chID, obj: obj, byBot: author.ID == BotUserID})
	raw := mustJSON(obj)
	s.mu.Unlock()

	visible := guildID == "" || botMentioned || author.ID == BotUserID
	s.dispatch("MESSAGE_CREATE", guildID, func(intents int64) (any, bool) {
		if !hasMessageIntent(intents, guildID) {
			return nil, false
		}
		if visible || intents&int64(discordgo.IntentMessageContent) != 0 {
			return json.RawMessage(raw), true
		}
		blank := make(map[string]any, len(obj))
		for k, v := range obj {
			blank[k] = v
		}
		blank["content"] = ""
		blank["embeds"] = []any{}
		blank["attachments"] = []any{}
		blank["components"] = []any{}
		return blank, true
	})
	var out discordgo.Message
	if err := json.Unmarshal(raw, &out); err != nil {
		s.tb.Errorf("discordtest: decode message: %v", err)
	}
	return &out
}

func dedupeUsers(users []any) []any {
	out := []any{}
	seen := map[any]bool{}
	for _, u := range users {
		id := u.(map[string]any)["id"]
		if !seen[id] {
			seen[id] = true
			out = append(out, u)
		}
	}
	return out
}
