package discord

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// onMessage answers a message that mentions the bot (its user or its
// managed role), a reply to one of the bot's answers, or, with the Message
// Content intent, a message in a thread where the bot answered that person.
func (f *Frontend) onMessage(s *discordgo.Session, m *discordgo.MessageCreate) {
	if m.Author == nil || m.Author.Bot || s.State == nil || s.State.User == nil || m.Author.ID == s.State.User.ID {
		return
	}
	me := s.State.User.ID
	// The lookups below (the bot's roles, whether a channel is a thread)
	// may ask Discord; they get a bounded context of their own.
	lctx, cancel := f.workContext(restTimeout)
	defer cancel()
	var history []bot.Turn
	isFollowup := false
	if ref := m.ReferencedMessage; ref != nil && ref.Author != nil && ref.Author.ID == me {
		// A reply to one of the bot's answers: that answer and its
		// question shape the follow-up. A reply to anything else the bot
		// posted (an error, a listing) is a question only with a mention.
		if t, ok := f.memory.byMessage(ref.ID); ok {
			isFollowup, history = true, []bot.Turn{t}
		} else if isAnswer(ref) {
			isFollowup, history = true, []bot.Turn{{Answer: ref.Content}}
		}
	} else if t, ok := f.memory.inThread(m.ChannelID, m.Author.ID); ok && f.isThread(lctx, m.ChannelID) {
		isFollowup = true
		history = []bot.Turn{t}
	}
	mentioned := f.mentionsMe(lctx, m.Message, me)
	if !mentioned && !isFollowup {
		return
	}
	question := stripMentions(m.Content)
	if question == "" && !mentioned {
		return // a thread message without content (no Message Content intent)
	}
	log := f.log.With("message_id", m.ID, "channel_id", m.ChannelID, "guild_id", m.GuildID, "user_id", m.Author.ID)
	ran := f.track(func(ctx context.Context) {
		if question == "" {
			f.sendReply(ctx, m.Message, []message{{Content: "Ask me a question after the mention, for example: what happened with the rail strike this week?"}})
			return
		}
		if err := f.checkQuestion(ctx, question, m.Author.ID, m.GuildID); err != nil {
			f.sendReply(ctx, m.Message, []message{{Content: userMessage(err, m.ID)}})
			log.Info("question refused", "reason", err)
			return
		}
		if err := f.s.ChannelTyping(m.ChannelID, discordgo.WithContext(ctx)); err != nil {
			log.Debug("typing indicator", "err", err)
		}
		scopes := bot.Actor{UserID: m.Author.ID, ServerID: m.GuildID}.Scopes()
		a, err := f.core.Ask(ctx, bot.Question{Text: question, Scopes: scopes, History: history}, nil)
		// The reply goes out even when ctx ran out while answering.
		dctx, cancel := f.deliverContext()
		defer cancel()
		if err != nil {
			var ue *userError
			if !errors.As(err, &ue) && !errors.Is(err, bot.ErrEmptyQuestion) {
				log.Error("answer mention", "err", err)
			}
			f.sendReply(dctx, m.Message, []message{{Content: userMessage(err, m.ID)}})
			return
		}
		sent := f.sendReply(dctx, m.Message, renderAnswer(a))
		turn := bot.Turn{Question: question, Answer: a.Text}
		for _, id := range sent {
			f.memory.rememberMessage(id, turn)
		}
		if f.isThread(dctx, m.ChannelID) {
			f.memory.rememberThread(m.ChannelID, m.Author.ID, turn)
		}
	})
	if !ran {
		f.sendReply(context.Background(), m.Message, []message{{Content: "newsbot is restarting; please ask again in a minute."}})
	}
}

// isAnswer recognises one of the bot's answers after a restart (when the
// memory of turns is gone) by the sources list renderAnswer attaches.
func isAnswer(m *discordgo.Message) bool {
	for _, e := range m.Embeds {
		if e != nil && (e.Title == sourcesTitle || e.Title == nearestTitle || e.Title == storiesTitle) {
			return true
		}
	}
	return false
}

// mentionsMe reports whether m mentions the bot's user or one of its roles
// (Discord gives a bot a managed role, which people often mention instead).
func (f *Frontend) mentionsMe(ctx context.Context, m *discordgo.Message, me string) bool {
	for _, u := range m.Mentions {
		if u.ID == me {
			return true
		}
	}
	if len(m.MentionRoles) == 0 || m.GuildID == "" {
		return false
	}
	if member, err := f.s.State.Member(m.GuildID, me); err == nil {
		// The state hands out its own pointer and MemberAdd overwrites it in
		// place (another event handler may be doing so now), so read it under
		// the state's lock.
		f.s.State.RLock()
		mentioned := anyRole(m.MentionRoles, member.Roles)
		f.s.State.RUnlock()
		if mentioned {
			return true
		}
	}
	// The cached member may predate a role change: ask Discord. Messages
	// that mention roles but not the bot's user are rare, so this costs
	// little.
	member, err := f.s.GuildMember(m.GuildID, me, discordgo.WithContext(ctx))
	if err != nil {
		f.log.Debug("look up the bot's roles", "guild_id", m.GuildID, "err", err)
		return false
	}
	_ = f.s.State.MemberAdd(member)
	return anyRole(m.MentionRoles, member.Roles)
}

func anyRole(mentioned, have []string) bool {
	for _, r := range mentioned {
		if slices.Contains(have, r) {
			return true
		}
	}
	return false
}

// isThread reports whether a channel is a thread, from the state cache or
// one REST call.
func (f *Frontend) isThread(ctx context.Context, channelID string) bool {
	if ch, err := f.s.State.Channel(channelID); err == nil {
		// The cached channel is the state's own pointer, which ChannelAdd
		// overwrites in place from other event handlers: read it under the
		// state's lock.
		f.s.State.RLock()
		defer f.s.State.RUnlock()
		return ch.IsThread()
	}
	ch, err := f.s.Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		return false
	}
	thread := ch.IsThread() // before the state owns ch
	_ = f.s.State.ChannelAdd(ch)
	return thread
}

// sendReply posts messages in reply to m (the first references it) and
// returns the ids of the messages sent.
func (f *Frontend) sendReply(ctx context.Context, m *discordgo.Message, msgs []message) []string {
	var ids []string
	for i, msg := range msgs {
		send := &discordgo.MessageSend{Content: msg.Content, Embeds: msg.Embeds, AllowedMentions: noMentions()}
		if i == 0 {
			ref := m.Reference()
			ref.FailIfNotExists = new(bool) // still answer if the question was deleted
			send.Reference = ref
		}
		sent, err := f.s.ChannelMessageSendComplex(m.ChannelID, send, discordgo.WithContext(ctx))
		if err != nil {
			f.log.Warn("send reply", "channel_id", m.ChannelID, "message_id", m.ID, "err", err)
			return ids
		}
		ids = append(ids, sent.ID)
	}
	return ids
}

// memory remembers recent exchanges for follow-ups: by the id of the bot's
// answer (reply chains) and by thread and person. It is bounded: the oldest
// entries are forgotten first.
type memory struct {
	mu    sync.Mutex
	max   int
	byMsg map[string]bot.Turn
	byTh  map[string]bot.Turn
	order []string // keys in insertion order, "m:" or "t:" prefixed
}

func newMemory(max int) *memory {
	return &memory{max: max, byMsg: make(map[string]bot.Turn), byTh: make(map[string]bot.Turn)}
}

func (m *memory) rememberMessage(id string, t bot.Turn) { m.put("m:"+id, t) }

func (m *memory) rememberThread(channel, user string, t bot.Turn) { m.put("t:"+channel+"/"+user, t) }

func (m *memory) byMessage(id string) (bot.Turn, bool) { return m.get("m:" + id) }

func (m *memory) inThread(channel, user string) (bot.Turn, bool) {
	return m.get("t:" + channel + "/" + user)
}

func (m *memory) put(key string, t bot.Turn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	store := m.byMsg
	if key[0] == 't' {
		store = m.byTh
	}
	if _, ok := store[key]; !ok {
		m.order = append(m.order, key)
	}
	store[key] = t
	for len(m.order) > m.max {
		old := m.order[0]
		m.order = m.order[1:]
		delete(m.byMsg, old)
		delete(m.byTh, old)
	}
}

func (m *memory) get(key string) (bot.Turn, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	store := m.byMsg
	if key[0] == 't' {
		store = m.byTh
	}
	t, ok := store[key]
	return t, ok
}
