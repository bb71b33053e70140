package discordtest

import (
	"net/url"
	"time"

	"github.com/bwmarrin/discordgo"
)

type guild struct {
	id, name       string
	roles          []discordgo.Role
	botRoles       []string
	members        map[string][]string // user id -> role ids, for users seen in the guild
	defaultChannel string
	joinedAt       time.Time
}

type channel struct {
	id, guildID, parentID, name string
	typ                         discordgo.ChannelType
	recipient                   string // DM channels
}

type message struct {
	id, channelID string
	obj           map[string]any // the message as Discord would send it
	byBot         bool
	deleted       bool
	ephemeral     bool
	token         string // interaction token that created it, if any
}

type attachment struct {
	id, name, contentType string
	body                  []byte
}

// AddGuild registers a guild the bot is a member of (see WithGuild). If a
// gateway session is live, it receives GUILD_CREATE, as when a bot joins.
func (s *Server) AddGuild(id, name string) {
	s.mu.Lock()
	_, known := s.guilds[id]
	s.addGuildLocked(id, name)
	s.mu.Unlock()
	if !known {
		s.dispatch("GUILD_CREATE", id, func(intents int64) (any, bool) {
			if intents&int64(discordgo.IntentGuilds) == 0 {
				return nil, false
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.guildCreateLocked(id), true
		})
	}
}

func (s *Server) addGuildLocked(id, name string) *guild {
	if g := s.guilds[id]; g != nil {
		if name != "" {
			g.name = name
		}
		return g
	}
	if name == "" {
		name = "guild " + id
	}
	g := &guild{
		id:       id,
		name:     name,
		members:  map[string][]string{},
		joinedAt: time.Now().UTC(),
		// Every guild has @everyone, whose id is the guild's.
		roles: []discordgo.Role{{ID: id, Name: "@everyone", Permissions: discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionReadMessageHistory | discordgo.PermissionUseApplicationCommands}},
	}
	s.guilds[id] = g
	s.guildOrder = append(s.guildOrder, id)
	return g
}

// AddRole registers (or replaces, by id) a role in a guild; GET
// /guilds/{id}/roles and GUILD_CREATE list it.
func (s *Server) AddRole(guildID string, r discordgo.Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.addGuildLocked(guildID, "")
	for i := range g.roles {
		if g.roles[i].ID == r.ID {
			g.roles[i] = r
			return
		}
	}
	g.roles = append(g.roles, r)
}

// SetBotRoles sets the bot member's roles in a guild. Roles not registered
// with AddRole are created as the bot's managed role ("newsbot", managed,
// tags.bot_id = BotUserID), which is what Discord gives an invited bot.
// GUILD_CREATE and GET /guilds/{id}/members/{BotUserID} return them.
func (s *Server) SetBotRoles(guildID string, roleIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.addGuildLocked(guildID, "")
	g.botRoles = append([]string(nil), roleIDs...)
	for _, id := range roleIDs {
		if g.role(id) == nil {
			g.roles = append(g.roles, discordgo.Role{ID: id, Name: BotUsername, Managed: true, Permissions: DefaultAppPermissions})
		}
	}
}

func (g *guild) role(id string) *discordgo.Role {
	for i := range g.roles {
		if g.roles[i].ID == id {
			return &g.roles[i]
		}
	}
	return nil
}

func (g *guild) rolesJSON() []map[string]any {
	out := make([]map[string]any, 0, len(g.roles))
	for _, r := range g.roles {
		m := toMap(r)
		if r.Managed {
			m["tags"] = map[string]any{"bot_id": BotUserID}
		}
		out = append(out, m)
	}
	return out
}

// AddChannel registers a text channel (type 0) in a guild. Channels used by
// a Cmd, Modal or Msg are registered implicitly; the REST API answers 404
// Unknown Channel for any other.
func (s *Server) AddChannel(guildID, channelID, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addGuildLocked(guildID, "")
	s.channels[channelID] = &channel{id: channelID, guildID: guildID, name: name, typ: discordgo.ChannelTypeGuildText}
}

// AddThread registers a public thread (type 11) whose parent is parentID.
// GET /channels/{threadID} returns it with parent_id, and GUILD_CREATE lists
// it among the guild's threads.
func (s *Server) AddThread(guildID, threadID, parentID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addGuildLocked(guildID, "")
	if s.channels[parentID] == nil {
		s.channels[parentID] = &channel{id: parentID, guildID: guildID, name: "channel-" + parentID, typ: discordgo.ChannelTypeGuildText}
	}
	s.channels[threadID] = &channel{id: threadID, guildID: guildID, parentID: parentID, name: "thread-" + threadID, typ: discordgo.ChannelTypeGuildPublicThread}
}

// AddAttachment stores a file as Discord's CDN would and returns the
// attachment object that refers to it: URL (and ProxyURL) is
// URL()+"/attachments/<id>/<name>". Use it in Msg.Attachments or with
// AttachmentOpt.
func (s *Server) AddAttachment(name, contentType string, body []byte) discordgo.MessageAttachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.addAttachmentLocked(name, contentType, body)
	return s.attachmentObj(a)
}

func (s *Server) addAttachmentLocked(name, contentType string, body []byte) *attachment {
	a := &attachment{id: s.nextIDLocked(), name: name, contentType: contentType, body: append([]byte(nil), body...)}
	s.attachments[a.id] = a
	return a
}

func (s *Server) attachmentObj(a *attachment) discordgo.MessageAttachment {
	u := s.srv.URL + "/attachments/" + a.id + "/" + url.PathEscape(a.name)
	return discordgo.MessageAttachment{ID: a.id, URL: u, ProxyURL: u, Filename: a.name, ContentType: a.contentType, Size: len(a.body)}
}

// userLocked registers u (or the default user if nil) and returns it.
func (s *Server) userLocked(u *discordgo.User) *discordgo.User {
	if u == nil {
		return s.users[DefaultUserID]
	}
	if u.ID == "" {
		s.tb.Errorf("discordtest: user %q has no ID", u.Username)
	}
	if u.Discriminator == "" {
		c := *u
		c.Discriminator = "0"
		u = &c
	}
	s.users[u.ID] = u
	return u
}

// placeLocked resolves where an interaction or message happens, registering
// the guild and channel implicitly. With no guild it is a DM with the user.
func (s *Server) placeLocked(guildID, channelID string, user *discordgo.User) (string, string) {
	if guildID == "" {
		if channelID == "" {
			for _, c := range s.channels {
				if c.typ == discordgo.ChannelTypeDM && c.recipient == user.ID {
					return "", c.id
				}
			}
			channelID = s.nextIDLocked()
		}
		if s.channels[channelID] == nil {
			s.channels[channelID] = &channel{id: channelID, typ: discordgo.ChannelTypeDM, recipient: user.ID}
		}
		return "", channelID
	}
	g := s.addGuildLocked(guildID, "")
	if channelID == "" {
		if g.defaultChannel == "" {
			g.defaultChannel = s.nextIDLocked()
			s.channels[g.defaultChannel] = &channel{id: g.defaultChannel, guildID: guildID, name: "general", typ: discordgo.ChannelTypeGuildText}
		}
		channelID = g.defaultChannel
	}
	if s.channels[channelID] == nil {
		s.channels[channelID] = &channel{id: channelID, guildID: guildID, name: "channel-" + channelID, typ: discordgo.ChannelTypeGuildText}
	}
	return guildID, channelID
}

func (s *Server) channelJSON(c *channel) map[string]any {
	m := map[string]any{"id": c.id, "type": int(c.typ), "flags": 0}
	switch c.typ {
	case discordgo.ChannelTypeDM:
		m["recipients"] = []any{toMap(s.users[c.recipient])}
	default:
		m["guild_id"] = c.guildID
		m["name"] = c.name
		m["position"] = 0
		m["permission_overwrites"] = []any{}
		m["nsfw"] = false
		if c.parentID != "" {
			m["parent_id"] = c.parentID
		}
		if c.typ == discordgo.ChannelTypeGuildPublicThread {
			m["owner_id"] = BotUserID
			m["thread_metadata"] = map[string]any{"archived": false, "auto_archive_duration": 1440, "locked": false, "archive_timestamp": time.Now().UTC().Format(time.RFC3339)}
		}
	}
	return m
}

func (s *Server) memberJSON(g *guild, userID string, roles []string, withUser bool) map[string]any {
	if roles == nil {
		roles = []string{}
	}
	m := map[string]any{
		"roles":     roles,
		"joined_at": g.joinedAt.Format(time.RFC3339),
		"deaf":      false,
		"mute":      false,
		"flags":     0,
		"pending":   false,
	}
	if withUser {
		m["user"] = toMap(s.users[userID])
	}
	return m
}

func (s *Server) guildCreateLocked(id string) map[string]any {
	g := s.guilds[id]
	var chans, threads []map[string]any
	for _, c := range s.channels {
		if c.guildID != id {
			continue
		}
		if c.typ == discordgo.ChannelTypeGuildPublicThread {
			threads = append(threads, s.channelJSON(c))
		} else {
			chans = append(chans, s.channelJSON(c))
		}
	}
	if chans == nil {
		chans = []map[string]any{}
	}
	if threads == nil {
		threads = []map[string]any{}
	}
	return map[string]any{
		"id":           g.id,
		"name":         g.name,
		"owner_id":     DefaultUserID,
		"unavailable":  false,
		"member_count": 2,
		"joined_at":    g.joinedAt.Format(time.RFC3339),
		"roles":        g.rolesJSON(),
		"channels":     chans,
		"threads":      threads,
		"members":      []any{s.memberJSON(g, BotUserID, g.botRoles, true)},
		"emojis":       []any{},
		"features":     []any{},
		"large":        false,
	}
}

// storeMessageLocked files a new message under its channel.
func (s *Server) storeMessageLocked(m *message) {
	s.messages[m.id] = m
	s.channelMsgs[m.channelID] = append(s.channelMsgs[m.channelID], m.id)
}
