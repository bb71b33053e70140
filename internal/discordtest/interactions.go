package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// Limits on interaction responses, from Discord's documentation.
const (
	maxChoices     = 25
	maxChoiceName  = 100
	maxChoiceValue = 100
	maxModalTitle  = 45
	maxModalRows   = 5
	maxInputLabel  = 45
	maxInputValue  = 4000
)

type interaction struct {
	id, token          string
	typ                int
	guildID, channelID string
	user               *discordgo.User
	name               string // command name, for application commands
	owners             map[string]any
	acked              bool
	originalID         string
}

// validResponses lists the callback types Discord accepts for an
// interaction type.
func validResponses(typ int) []int {
	switch discordgo.InteractionType(typ) {
	case discordgo.InteractionPing:
		return []int{1}
	case discordgo.InteractionApplicationCommand:
		return []int{4, 5, 9}
	case discordgo.InteractionMessageComponent:
		return []int{4, 5, 6, 7, 9}
	case discordgo.InteractionApplicationCommandAutocomplete:
		return []int{8}
	case discordgo.InteractionModalSubmit:
		return []int{4, 5, 6, 7}
	}
	return nil
}

func unknownInteraction() reply { return apiError(http.StatusNotFound, 10062, "Unknown interaction") }

func unknownWebhook() reply { return apiError(http.StatusNotFound, 10015, "Unknown Webhook") }

func (s *Server) interactionCallback(c *call) reply {
	it := s.interactions[c.params[0]]
	if it == nil || it.token != c.params[1] {
		return unknownInteraction()
	}
	p := c.jsonBody()
	typ := num(p["type"])
	if it.acked {
		return apiError(http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
	}
	valid := false
	for _, t := range validResponses(it.typ) {
		valid = valid || t == typ
	}
	if !valid {
		return formError("type", "INTERACTION_RESPONSE_TYPE_INVALID", fmt.Sprintf("Response type %d is not valid for interaction type %d.", typ, it.typ))
	}
	data, _ := p["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	ch := s.channels[it.channelID]
	switch typ {
	case 4, 5:
		m, errRep := s.newBotMessageLocked(ch, data, c.req.Files, &msgOpts{it: it, original: true, loading: typ == 5})
		if errRep != nil {
			return *errRep
		}
		it.originalID = m.id
		s.afterMessageEvent(c, "MESSAGE_CREATE", m)
	case 8:
		if r := validateChoices(data); r != nil {
			return *r
		}
	case 9:
		if r := validateModal(data); r != nil {
			return *r
		}
	}
	it.acked = true
	return noContent()
}

func validateChoices(data map[string]any) *reply {
	choices := asSlice(data["choices"])
	if len(choices) > maxChoices {
		r := formError("data.choices", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxChoices))
		return &r
	}
	for i, ch := range choices {
		cm, _ := ch.(map[string]any)
		if n := runes(cm["name"]); n == 0 || n > maxChoiceName {
			r := formError(fmt.Sprintf("data.choices.%d.name", i), "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxChoiceName))
			return &r
		}
		if runes(cm["value"]) > maxChoiceValue {
			r := formError(fmt.Sprintf("data.choices.%d.value", i), "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxChoiceValue))
			return &r
		}
	}
	return nil
}

func validateModal(data map[string]any) *reply {
	fail := func(field, msg string) *reply { r := formError(field, "BASE_TYPE_BAD_LENGTH", msg); return &r }
	if n := runes(data["custom_id"]); n == 0 || n > maxCustomID {
		return fail("data.custom_id", fmt.Sprintf("Must be between 1 and %d in length.", maxCustomID))
	}
	if n := runes(data["title"]); n == 0 || n > maxModalTitle {
		return fail("data.title", fmt.Sprintf("Must be between 1 and %d in length.", maxModalTitle))
	}
	rows := asSlice(data["components"])
	if len(rows) == 0 || len(rows) > maxModalRows {
		return fail("data.components", fmt.Sprintf("Must be between 1 and %d in length.", maxModalRows))
	}
	for i, row := range rows {
		rm, _ := row.(map[string]any)
		for j, in := range asSlice(rm["components"]) {
			im, _ := in.(map[string]any)
			path := fmt.Sprintf("data.components.%d.components.%d", i, j)
			if n := runes(im["custom_id"]); n == 0 || n > maxCustomID {
				return fail(path+".custom_id", fmt.Sprintf("Must be between 1 and %d in length.", maxCustomID))
			}
			if num(im["type"]) == int(discordgo.TextInputComponent) {
				if n := runes(im["label"]); n == 0 || n > maxInputLabel {
					return fail(path+".label", fmt.Sprintf("Must be between 1 and %d in length.", maxInputLabel))
				}
				if runes(im["value"]) > maxInputValue {
					return fail(path+".value", fmt.Sprintf("Must be %d or fewer in length.", maxInputValue))
				}
			}
		}
	}
	return nil
}

// hookInteraction resolves the interaction behind /webhooks/{app}/{token}.
func (s *Server) hookInteraction(c *call) (*interaction, *reply) {
	it := s.byToken[c.params[1]]
	if c.params[0] != ApplicationID || it == nil || !it.acked {
		r := unknownWebhook()
		return nil, &r
	}
	return it, nil
}

func (s *Server) hookMessage(c *call) (*message, *reply) {
	it, errRep := s.hookInteraction(c)
	if errRep != nil {
		return nil, errRep
	}
	id := c.params[2]
	if id == "@original" {
		id = it.originalID
	}
	m := s.messages[id]
	if m == nil || m.deleted || m.token != it.token {
		r := unknownMessage()
		return nil, &r
	}
	return m, nil
}

func (s *Server) followupCreate(c *call) reply {
	it, errRep := s.hookInteraction(c)
	if errRep != nil {
		return *errRep
	}
	m, errRep := s.newBotMessageLocked(s.channels[it.channelID], c.jsonBody(), c.req.Files, &msgOpts{it: it})
	if errRep != nil {
		return *errRep
	}
	s.afterMessageEvent(c, "MESSAGE_CREATE", m)
	return ok(m.obj)
}

func (s *Server) webhookMessageGet(c *call) reply {
	m, errRep := s.hookMessage(c)
	if errRep != nil {
		return *errRep
	}
	return ok(m.obj)
}

func (s *Server) webhookMessageEdit(c *call) reply {
	m, errRep := s.hookMessage(c)
	if errRep != nil {
		return *errRep
	}
	if r := s.editMessageLocked(m, c.jsonBody(), c.req.Files); r != nil {
		return *r
	}
	s.afterMessageEvent(c, "MESSAGE_UPDATE", m)
	return ok(m.obj)
}

func (s *Server) webhookMessageDelete(c *call) reply {
	m, errRep := s.hookMessage(c)
	if errRep != nil {
		return *errRep
	}
	s.deleteMessageLocked(c, m)
	return noContent()
}

// invoker is who triggers an interaction, and where.
type invoker struct {
	guildID, channelID string
	user               *discordgo.User
	roles              []string
	permissions        int64
	locale             discordgo.Locale
}

// newInteraction stores and dispatches an INTERACTION_CREATE. fill adds
// the data object once the place is known.
func (s *Server) newInteraction(typ discordgo.InteractionType, inv invoker, name string, fill func(guildID string) map[string]any) *discordgo.Interaction {
	raw, guildID := s.storeInteraction(typ, inv, name, fill)
	s.dispatch("INTERACTION_CREATE", guildID, func(int64) (any, bool) { return json.RawMessage(raw), true })
	var out discordgo.Interaction
	if err := json.Unmarshal(raw, &out); err != nil {
		s.tb.Errorf("discordtest: decode interaction: %v", err)
	}
	return &out
}

// storeInteraction stores an interaction and returns its JSON as the bot
// receives it, and the guild it is in ("" for a direct message).
func (s *Server) storeInteraction(typ discordgo.InteractionType, inv invoker, name string, fill func(guildID string) map[string]any) (raw []byte, guildID string) {
	s.mu.Lock()
	user := s.userLocked(inv.user)
	guildID, chID := s.placeLocked(inv.guildID, inv.channelID, user)
	id := s.nextIDLocked()
	locale := inv.locale
	if locale == "" {
		locale = discordgo.EnglishUS
	}
	it := &interaction{
		id:        id,
		token:     "interaction-token-" + id,
		typ:       int(typ),
		guildID:   guildID,
		channelID: chID,
		user:      user,
		name:      name,
	}
	p := map[string]any{
		"id":              id,
		"application_id":  ApplicationID,
		"type":            int(typ),
		"data":            fill(guildID),
		"channel_id":      chID,
		"channel":         s.channelJSON(s.channels[chID]),
		"token":           it.token,
		"version":         1,
		"locale":          string(locale),
		"app_permissions": strconv.FormatInt(s.cfg.appPermissions, 10),
		"entitlements":    []any{},
	}
	if guildID != "" {
		g := s.guilds[guildID]
		g.members[user.ID] = append([]string(nil), inv.roles...)
		member := s.memberJSON(g, user.ID, inv.roles, true)
		member["permissions"] = strconv.FormatInt(inv.permissions, 10)
		p["guild_id"] = guildID
		p["guild_locale"] = string(discordgo.EnglishUS)
		p["member"] = member
		p["context"] = int(discordgo.InteractionContextGuild)
		it.owners = map[string]any{"0": guildID}
	} else {
		p["user"] = toMap(user)
		p["context"] = int(discordgo.InteractionContextBotDM)
		it.owners = map[string]any{"1": user.ID}
	}
	p["authorizing_integration_owners"] = it.owners
	s.interactions[id] = it
	s.byToken[it.token] = it
	raw = mustJSON(p)
	s.mu.Unlock()
	return raw, guildID
}
