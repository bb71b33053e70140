package discordtest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord's message limits, from its documentation.
const (
	maxContent          = 2000
	maxEmbeds           = 10
	maxEmbedTotal       = 6000
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxEmbedFields      = 25
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFooterText       = 2048
	maxAuthorName       = 256
	maxActionRows       = 5
	maxRowComponents    = 5
	maxButtonLabel      = 80
	maxCustomID         = 100
)

// Message flags a bot may set: SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS
// anywhere, EPHEMERAL only when answering an interaction.
const (
	flagSuppressEmbeds = 1 << 2
	flagEphemeral      = 1 << 6
	flagLoading        = 1 << 7
	flagSuppressNotifs = 1 << 12
)

var (
	userMentionRE = regexp.MustCompile(`<@!?(\d+)>`)
	roleMentionRE = regexp.MustCompile(`<@&(\d+)>`)
)

// msgOpts says how a bot message is made.
type msgOpts struct {
	it       *interaction // set for interaction responses and followups
	original bool         // the interaction's original response
	loading  bool         // deferred original: empty, flag LOADING
}

// newBotMessageLocked validates payload and stores a message the bot sends
// to ch. It returns the error reply Discord would give instead, if any.
func (s *Server) newBotMessageLocked(ch *channel, payload map[string]any, files []File, o *msgOpts) (*message, *reply) {
	if o == nil {
		o = &msgOpts{}
	}
	if !o.loading {
		if r := validateMessage(payload, true, len(files), o.it != nil); r != nil {
			return nil, r
		}
	}
	if r := checkFiles(files); r != nil {
		return nil, r
	}
	id := s.nextIDLocked()
	obj := map[string]any{
		"id":               id,
		"channel_id":       ch.id,
		"author":           toMap(botUser()),
		"content":          "",
		"timestamp":        time.Now().UTC().Format(time.RFC3339Nano),
		"edited_timestamp": nil,
		"tts":              false,
		"mention_everyone": false,
		"mentions":         []any{},
		"mention_roles":    []any{},
		"attachments":      []any{},
		"embeds":           []any{},
		"components":       []any{},
		"pinned":           false,
		"type":             0,
		"flags":            0,
	}
	if ch.guildID != "" {
		obj["guild_id"] = ch.guildID
	}
	flags := 0
	if !o.loading {
		copyMessageFields(obj, payload)
		flags = num(payload["flags"])
	}
	if o.loading {
		if data := payload; data != nil {
			flags = num(data["flags"]) & flagEphemeral
		}
		flags |= flagLoading
	}
	obj["flags"] = flags
	obj["attachments"] = s.uploadLocked(nil, files, payload)

	refAuthor := ""
	if ref, ok := payload["message_reference"].(map[string]any); ok && !o.loading {
		mid, _ := ref["message_id"].(string)
		rm := s.messages[mid]
		if rm == nil || rm.deleted || rm.ephemeral {
			if fail, set := ref["fail_if_not_exists"].(bool); !set || fail {
				r := formError("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
				return nil, &r
			}
		} else {
			obj["message_reference"] = map[string]any{"type": 0, "message_id": rm.id, "channel_id": rm.channelID, "guild_id": rm.obj["guild_id"]}
			obj["referenced_message"] = rm.obj
			obj["type"] = int(discordgo.MessageTypeReply)
			refAuthor = authorID(rm.obj)
		}
	}
	if r := s.setMentionsLocked(obj, payload["allowed_mentions"], refAuthor); r != nil {
		return nil, r
	}

	m := &message{id: id, channelID: ch.id, obj: obj, byBot: true, ephemeral: flags&flagEphemeral != 0}
	if it := o.it; it != nil {
		m.token = it.token
		obj["webhook_id"] = ApplicationID
		obj["application_id"] = ApplicationID
		obj["interaction_metadata"] = map[string]any{
			"id": it.id, "type": it.typ, "user": toMap(it.user),
			"authorizing_integration_owners": it.owners,
		}
		if it.typ == int(discordgo.InteractionApplicationCommand) {
			obj["interaction"] = map[string]any{"id": it.id, "type": it.typ, "name": it.name, "user": toMap(it.user)}
			if o.original {
				obj["type"] = int(discordgo.MessageTypeChatInputCommand)
			}
		}
	}
	s.storeMessageLocked(m)
	return m, nil
}

// editMessageLocked applies a PATCH to a bot message.
func (s *Server) editMessageLocked(m *message, payload map[string]any, files []File) *reply {
	if r := validateMessage(payload, false, len(files), m.token != ""); r != nil {
		return r
	}
	if r := checkFiles(files); r != nil {
		return r
	}
	obj := make(map[string]any, len(m.obj))
	for k, v := range m.obj {
		obj[k] = v
	}
	oldFlags := num(obj["flags"])
	copyMessageFields(obj, payload)
	flags := oldFlags &^ (flagLoading | flagSuppressEmbeds)
	if f, set := payload["flags"]; set && f != nil {
		flags |= num(f) & flagSuppressEmbeds
	} else {
		flags |= oldFlags & flagSuppressEmbeds
	}
	obj["flags"] = flags

	var kept []any
	if list, set := payload["attachments"].([]any); set {
		have := map[string]any{}
		for _, a := range obj["attachments"].([]any) {
			have[a.(map[string]any)["id"].(string)] = a
		}
		for _, x := range list {
			xm, _ := x.(map[string]any)
			if id, _ := xm["id"].(string); have[id] != nil {
				kept = append(kept, have[id])
			}
		}
	} else {
		kept = obj["attachments"].([]any)
	}
	obj["attachments"] = s.uploadLocked(kept, files, payload)
	if isEmptyMessage(obj) {
		r := apiError(http.StatusBadRequest, 50006, "Cannot send an empty message")
		return &r
	}
	if _, set := payload["content"]; set {
		refAuthor := ""
		if rm, ok := obj["referenced_message"].(map[string]any); ok {
			refAuthor = authorID(rm)
		}
		if r := s.setMentionsLocked(obj, payload["allowed_mentions"], refAuthor); r != nil {
			return r
		}
	}
	if oldFlags&flagLoading == 0 {
		obj["edited_timestamp"] = time.Now().UTC().Format(time.RFC3339Nano)
	}
	m.obj = obj
	return nil
}

// copyMessageFields copies what a bot may set on a message from payload;
// absent and null fields are left alone.
func copyMessageFields(obj, payload map[string]any) {
	for _, k := range []string{"content", "tts", "components", "poll", "sticker_ids"} {
		if v, set := payload[k]; set && v != nil {
			obj[k] = v
		}
	}
	if v, ok := payload["embeds"].([]any); ok {
		embeds := make([]any, 0, len(v))
		for _, e := range v {
			em, _ := e.(map[string]any)
			c := map[string]any{"type": "rich"}
			for k, x := range em {
				c[k] = x
			}
			embeds = append(embeds, c)
		}
		obj["embeds"] = embeds
	}
}

// uploadLocked stores uploaded files as CDN attachments after kept.
func (s *Server) uploadLocked(kept []any, files []File, payload map[string]any) []any {
	out := append([]any{}, kept...)
	meta, _ := payload["attachments"].([]any)
	for i, f := range files {
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		a := toMap(s.attachmentObj(s.addAttachmentLocked(f.Name, ct, f.Data)))
		for _, x := range meta {
			if xm, _ := x.(map[string]any); xm != nil && fmt.Sprint(xm["id"]) == fmt.Sprint(i) && xm["description"] != nil {
				a["description"] = xm["description"]
			}
		}
		out = append(out, a)
	}
	return out
}

func checkFiles(files []File) *reply {
	total := 0
	for _, f := range files {
		total += len(f.Data)
	}
	if total > maxUploadSize {
		r := apiError(http.StatusRequestEntityTooLarge, 40005, "Request entity too large")
		return &r
	}
	return nil
}

func authorID(obj map[string]any) string {
	a, _ := obj["author"].(map[string]any)
	id, _ := a["id"].(string)
	return id
}

// setMentionsLocked computes mentions, mention_roles and mention_everyone
// from the content as Discord does, honoring allowed_mentions (absent: all).
func (s *Server) setMentionsLocked(obj map[string]any, allowed any, refAuthor string) *reply {
	content, _ := obj["content"].(string)
	all := allowed == nil
	parse := map[string]bool{}
	allowUsers, allowRoles := map[string]bool{}, map[string]bool{}
	replied := all
	if am, ok := allowed.(map[string]any); ok {
		for _, p := range asSlice(am["parse"]) {
			parse[fmt.Sprint(p)] = true
		}
		users, roles := asSlice(am["users"]), asSlice(am["roles"])
		if parse["users"] && len(users) > 0 {
			r := formError("allowed_mentions", "ALLOWED_MENTIONS_PARSE_EXCLUSIVE", `parse:["users"] and users: [ids...] are mutually exclusive.`)
			return &r
		}
		if parse["roles"] && len(roles) > 0 {
			r := formError("allowed_mentions", "ALLOWED_MENTIONS_PARSE_EXCLUSIVE", `parse:["roles"] and roles: [ids...] are mutually exclusive.`)
			return &r
		}
		for _, u := range users {
			allowUsers[fmt.Sprint(u)] = true
		}
		for _, r := range roles {
			allowRoles[fmt.Sprint(r)] = true
		}
		replied, _ = am["replied_user"].(bool)
	}
	var userIDs []string
	for _, m := range userMentionRE.FindAllStringSubmatch(content, -1) {
		if all || parse["users"] || allowUsers[m[1]] {
			userIDs = append(userIDs, m[1])
		}
	}
	if refAuthor != "" && replied {
		userIDs = append(userIDs, refAuthor)
	}
	roles := []any{}
	for _, m := range roleMentionRE.FindAllStringSubmatch(content, -1) {
		if all || parse["roles"] || allowRoles[m[1]] {
			roles = appendUnique(roles, m[1])
		}
	}
	obj["mentions"] = s.mentionUsersLocked(userIDs)
	obj["mention_roles"] = roles
	obj["mention_everyone"] = (all || parse["everyone"]) && (strings.Contains(content, "@everyone") || strings.Contains(content, "@here"))
	return nil
}

func (s *Server) mentionUsersLocked(ids []string) []any {
	out := []any{}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		u := s.users[id]
		if u == nil {
			u = &discordgo.User{ID: id, Username: "user-" + id, Discriminator: "0"}
		}
		out = append(out, toMap(u))
	}
	return out
}

func appendUnique(list []any, v string) []any {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// num reads a number, decoded from JSON (float64) or set by the fake (int),
// as an int; anything else is 0.
func num(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

func runes(v any) int {
	s, _ := v.(string)
	return utf8.RuneCountInString(s)
}

func isEmptyMessage(obj map[string]any) bool {
	content, _ := obj["content"].(string)
	return content == "" && len(asSlice(obj["embeds"])) == 0 && len(asSlice(obj["attachments"])) == 0 &&
		len(asSlice(obj["components"])) == 0 && len(asSlice(obj["sticker_ids"])) == 0 && obj["poll"] == nil
}

// validateMessage checks a message payload against Discord's limits.
func validateMessage(p map[string]any, creating bool, files int, interaction bool) *reply {
	fail := func(r reply) *reply { return &r }
	if n := runes(p["content"]); n > maxContent {
		return fail(formError("content", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxContent)))
	}
	embeds := asSlice(p["embeds"])
	if len(embeds) > maxEmbeds {
		return fail(formError("embeds", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxEmbeds)))
	}
	total := 0
	for i, e := range embeds {
		em, _ := e.(map[string]any)
		n, r := validateEmbed(fmt.Sprintf("embeds.%d", i), em)
		if r != nil {
			return r
		}
		total += n
	}
	if total > maxEmbedTotal {
		return fail(formError("embeds", "MAX_EMBED_SIZE_EXCEEDED", fmt.Sprintf("Embed size exceeds maximum size of %d", maxEmbedTotal)))
	}
	if r := validateComponents(asSlice(p["components"])); r != nil {
		return r
	}
	allowed := flagSuppressEmbeds | flagSuppressNotifs
	if interaction {
		allowed |= flagEphemeral
	}
	if f := num(p["flags"]); f&^allowed != 0 {
		return fail(formError("flags", "MESSAGE_FLAGS_INVALID", fmt.Sprintf("flags %d are not allowed here", f&^allowed)))
	}
	if creating && files == 0 && isEmptyMessage(p) {
		return fail(apiError(http.StatusBadRequest, 50006, "Cannot send an empty message"))
	}
	return nil
}

// validateEmbed checks one embed and returns the characters it counts
// towards the 6000 total.
func validateEmbed(path string, e map[string]any) (int, *reply) {
	tooLong := func(field string, max int) (int, *reply) {
		r := formError(path+"."+field, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", max))
		return 0, &r
	}
	badURL := func(field string) (int, *reply) {
		r := formError(path+"."+field, "URL_TYPE_INVALID_URL", "Not a well formed URL.")
		return 0, &r
	}
	total := runes(e["title"]) + runes(e["description"])
	if runes(e["title"]) > maxEmbedTitle {
		return tooLong("title", maxEmbedTitle)
	}
	if runes(e["description"]) > maxEmbedDescription {
		return tooLong("description", maxEmbedDescription)
	}
	if !validURL(e["url"], false) {
		return badURL("url")
	}
	fields := asSlice(e["fields"])
	if len(fields) > maxEmbedFields {
		return tooLong("fields", maxEmbedFields)
	}
	for i, f := range fields {
		fm, _ := f.(map[string]any)
		name, value := runes(fm["name"]), runes(fm["value"])
		if name == 0 || name > maxFieldName {
			return tooLong(fmt.Sprintf("fields.%d.name", i), maxFieldName)
		}
		if value == 0 || value > maxFieldValue {
			return tooLong(fmt.Sprintf("fields.%d.value", i), maxFieldValue)
		}
		total += name + value
	}
	if footer, ok := e["footer"].(map[string]any); ok {
		if runes(footer["text"]) > maxFooterText {
			return tooLong("footer.text", maxFooterText)
		}
		total += runes(footer["text"])
	}
	if author, ok := e["author"].(map[string]any); ok {
		if runes(author["name"]) > maxAuthorName {
			return tooLong("author.name", maxAuthorName)
		}
		if !validURL(author["url"], false) {
			return badURL("author.url")
		}
		total += runes(author["name"])
	}
	for _, k := range []string{"image", "thumbnail"} {
		if m, ok := e[k].(map[string]any); ok && !validURL(m["url"], true) {
			return badURL(k + ".url")
		}
	}
	if c := num(e["color"]); c < 0 || c > 0xFFFFFF {
		r := formError(path+".color", "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
		return 0, &r
	}
	return total, nil
}

// validURL reports whether v is absent or an absolute http(s) URL (or an
// attachment:// reference, where Discord allows uploads).
func validURL(v any, attachmentOK bool) bool {
	s, ok := v.(string)
	if !ok || s == "" {
		return v == nil || ok
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "attachment":
		return attachmentOK
	}
	return false
}

func validateComponents(rows []any) *reply {
	fail := func(field, msg string) *reply { r := formError(field, "COMPONENT_INVALID", msg); return &r }
	if len(rows) > maxActionRows {
		return fail("components", fmt.Sprintf("Must be %d or fewer in length.", maxActionRows))
	}
	for i, row := range rows {
		rm, _ := row.(map[string]any)
		path := fmt.Sprintf("components.%d", i)
		if num(rm["type"]) != int(discordgo.ActionsRowComponent) {
			continue // newer layouts: not checked
		}
		comps := asSlice(rm["components"])
		if len(comps) == 0 || len(comps) > maxRowComponents {
			return fail(path+".components", fmt.Sprintf("Must be between 1 and %d in length.", maxRowComponents))
		}
		for j, c := range comps {
			cm, _ := c.(map[string]any)
			cp := fmt.Sprintf("%s.components.%d", path, j)
			if num(cm["type"]) != int(discordgo.ButtonComponent) {
				if id := runes(cm["custom_id"]); id == 0 || id > maxCustomID {
					return fail(cp+".custom_id", fmt.Sprintf("Must be between 1 and %d in length.", maxCustomID))
				}
				continue
			}
			if runes(cm["label"]) > maxButtonLabel {
				return fail(cp+".label", fmt.Sprintf("Must be %d or fewer in length.", maxButtonLabel))
			}
			if num(cm["style"]) == int(discordgo.LinkButton) {
				if cm["url"] == nil || !validURL(cm["url"], false) {
					return fail(cp+".url", "Not a well formed URL.")
				}
				continue
			}
			if id := runes(cm["custom_id"]); id == 0 || id > maxCustomID {
				return fail(cp+".custom_id", fmt.Sprintf("Must be between 1 and %d in length.", maxCustomID))
			}
		}
	}
	return nil
}

// afterMessageEvent dispatches MESSAGE_CREATE or MESSAGE_UPDATE for a bot
// message once the REST answer is settled; ephemeral messages have none.
func (s *Server) afterMessageEvent(c *call, event string, m *message) {
	if m.ephemeral {
		return
	}
	obj := m.obj // never mutated once stored; edits replace it
	guildID, _ := obj["guild_id"].(string)
	c.after = append(c.after, func() {
		s.dispatch(event, guildID, func(intents int64) (any, bool) {
			return obj, hasMessageIntent(intents, guildID)
		})
	})
}

func hasMessageIntent(intents int64, guildID string) bool {
	if guildID == "" {
		return intents&int64(discordgo.IntentDirectMessages) != 0
	}
	return intents&int64(discordgo.IntentGuildMessages) != 0
}
