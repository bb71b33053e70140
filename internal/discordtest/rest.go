package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// route is one REST route. pattern segments are literals or ":" for one
// path parameter.
type route struct {
	method  string
	pattern string
	// auth is whether the route needs the bot token. GET /gateway, interaction
	// callbacks and interaction webhooks (authorized by the token in their
	// path) ignore the Authorization header, as on Discord.
	auth   bool
	handle func(c *call) reply
}

// routeTable lists every REST route the fake serves.
func (s *Server) routeTable() []route {
	return []route{
		{"GET", "gateway", false, s.getGateway},
		{"GET", "gateway/bot", true, s.getGatewayBot},
		{"GET", "users/@me", true, s.getMe},
		{"GET", "users/:", true, s.getUser},
		{"POST", "users/@me/channels", true, s.createDM},
		{"GET", "applications/@me", true, s.getApplication},
		{"GET", "oauth2/applications/@me", true, s.getApplication},

		{"GET", "applications/:/commands", true, s.listCommands},
		{"PUT", "applications/:/commands", true, s.overwriteCommands},
		{"POST", "applications/:/commands", true, s.createCommand},
		{"GET", "applications/:/commands/:", true, s.getCommand},
		{"PATCH", "applications/:/commands/:", true, s.editCommand},
		{"DELETE", "applications/:/commands/:", true, s.deleteCommand},
		{"GET", "applications/:/guilds/:/commands", true, s.listCommands},
		{"PUT", "applications/:/guilds/:/commands", true, s.overwriteCommands},
		{"POST", "applications/:/guilds/:/commands", true, s.createCommand},
		{"GET", "applications/:/guilds/:/commands/:", true, s.getCommand},
		{"PATCH", "applications/:/guilds/:/commands/:", true, s.editCommand},
		{"DELETE", "applications/:/guilds/:/commands/:", true, s.deleteCommand},

		{"POST", "interactions/:/:/callback", false, s.interactionCallback},
		{"POST", "webhooks/:/:", false, s.followupCreate},
		{"GET", "webhooks/:/:/messages/:", false, s.webhookMessageGet},
		{"PATCH", "webhooks/:/:/messages/:", false, s.webhookMessageEdit},
		{"DELETE", "webhooks/:/:/messages/:", false, s.webhookMessageDelete},

		{"GET", "channels/:", true, s.getChannel},
		{"GET", "channels/:/messages", true, s.listMessages},
		{"POST", "channels/:/messages", true, s.createMessage},
		{"GET", "channels/:/messages/:", true, s.getMessage},
		{"PATCH", "channels/:/messages/:", true, s.editMessage},
		{"DELETE", "channels/:/messages/:", true, s.deleteMessage},
		{"POST", "channels/:/typing", true, s.typing},
		{"PUT", "channels/:/messages/:/reactions/:/@me", true, s.react},
		{"DELETE", "channels/:/messages/:/reactions/:/@me", true, s.react},
		{"POST", "channels/:/messages/:/threads", true, s.startThread},
		{"POST", "channels/:/threads", true, s.startThread},

		{"GET", "guilds/:", true, s.getGuild},
		{"GET", "guilds/:/roles", true, s.getRoles},
		{"GET", "guilds/:/channels", true, s.getGuildChannels},
		{"GET", "guilds/:/members/:", true, s.getMember},
	}
}

// call is one REST request being answered. Handlers run with Server.mu held;
// after holds work (gateway dispatches) to run once it is released.
type call struct {
	r      *http.Request
	req    *Request
	params []string
	after  []func()
}

type reply struct {
	status int
	body   any // marshaled as JSON; nil for no body
}

func ok(body any) reply { return reply{http.StatusOK, body} }

func noContent() reply { return reply{status: http.StatusNoContent} }

// apiError is Discord's JSON error body.
func apiError(status, code int, msg string) reply {
	return reply{status, map[string]any{"message": msg, "code": code}}
}

// formError is Discord's 400 for a payload that breaks a documented limit.
func formError(field, errCode, msg string) reply {
	return reply{http.StatusBadRequest, map[string]any{
		"message": "Invalid Form Body",
		"code":    50035,
		"errors":  map[string]any{field: map[string]any{"_errors": []any{map[string]any{"code": errCode, "message": msg}}}},
	}}
}

func notFound() reply { return apiError(http.StatusNotFound, 0, "404: Not Found") }

func (s *Server) serveUnknown(w http.ResponseWriter, r *http.Request) {
	s.answer(w, r, r.URL.Path, func(*call) reply { return notFound() }, false)
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	var rest string
	for _, v := range []string{"/api/v9/", "/api/v10/"} {
		if strings.HasPrefix(path, v) {
			rest = strings.TrimSuffix(strings.TrimPrefix(path, v), "/")
		}
	}
	if rest == "" {
		s.answer(w, r, path, func(*call) reply { return notFound() }, false)
		return
	}
	segs := strings.Split(rest, "/")
	for _, rt := range s.routes {
		params, match := matchRoute(rt.pattern, segs)
		if !match || rt.method != r.Method {
			continue
		}
		h := rt.handle
		s.answer(w, r, "/"+rest, func(c *call) reply { c.params = params; return h(c) }, rt.auth)
		return
	}
	s.answer(w, r, "/"+rest, func(*call) reply { return notFound() }, false)
}

func matchRoute(pattern string, segs []string) ([]string, bool) {
	pat := strings.Split(pattern, "/")
	if len(pat) != len(segs) {
		return nil, false
	}
	var params []string
	for i, p := range pat {
		switch {
		case p == ":":
			params = append(params, segs[i])
		case p != segs[i]:
			return nil, false
		}
	}
	return params, true
}

// answer records the request, applies FailNext rules and authorization,
// runs handle under Server.mu and writes the reply.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, path string, handle func(*call) reply, auth bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	req := Request{
		Time:   time.Now(),
		Method: r.Method,
		Path:   path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Body:   body,
	}
	c := &call{r: r, req: &req}
	var rep reply
	var extraHeader http.Header
	switch {
	case err != nil:
		rep = apiError(http.StatusBadRequest, 0, "400: Bad Request")
	case len(body) > maxRequestBody:
		rep = apiError(http.StatusRequestEntityTooLarge, 40005, "Request entity too large")
	default:
		if perr := parseBody(&req, r.Header.Get("Content-Type")); perr != nil {
			rep = apiError(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		}
	}

	s.mu.Lock()
	if rep.status == 0 {
		if rule, hit := s.takeFailureLocked(r.Method, path); hit {
			rep, extraHeader = rateLimited(rule.retryAfter)
		}
	}
	if rep.status == 0 {
		if auth && r.Header.Get("Authorization") != "Bot "+BotToken {
			rep = apiError(http.StatusUnauthorized, 0, "401: Unauthorized")
		} else {
			rep = handle(c)
		}
	}
	req.Status = rep.status
	if rep.body != nil {
		req.Response = mustJSON(rep.body)
	}
	s.requests = append(s.requests, req)
	s.notifyLocked()
	s.mu.Unlock()

	for _, f := range c.after {
		f()
	}
	for k, v := range extraHeader {
		w.Header()[k] = v
	}
	if req.Response != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.status)
	w.Write(req.Response)
}

func (s *Server) takeFailureLocked(method, path string) (failRule, bool) {
	for i, f := range s.failures {
		if (f.method == "" || f.method == method) && strings.HasPrefix(path, f.prefix) {
			s.failures = append(s.failures[:i:i], s.failures[i+1:]...)
			return f, true
		}
	}
	return failRule{}, false
}

// rateLimited is Discord's answer to a request over a per-route limit.
func rateLimited(d time.Duration) (reply, http.Header) {
	secs := d.Seconds()
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(d).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "discordtest-bucket")
	h.Set("X-RateLimit-Scope", "user")
	return reply{http.StatusTooManyRequests, map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": secs,
		"global":      false,
	}}, h
}

// parseBody fills req.JSON, req.Files and the raw payload from the body.
func parseBody(req *Request, contentType string) error {
	if len(req.Body) == 0 {
		return nil
	}
	mt, params, _ := mime.ParseMediaType(contentType)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(bytes.NewReader(req.Body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("read multipart: %w", err)
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return fmt.Errorf("read part %q: %w", p.FormName(), err)
			}
			if p.FormName() == "payload_json" {
				req.payload = data
				continue
			}
			req.Files = append(req.Files, File{Field: p.FormName(), Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
		}
	} else {
		req.payload = req.Body
	}
	if len(req.payload) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(req.payload, &v); err != nil {
		return fmt.Errorf("parse JSON: %w", err)
	}
	req.JSON, _ = v.(map[string]any)
	return nil
}

// jsonBody returns the request's JSON object, never nil.
func (c *call) jsonBody() map[string]any {
	if c.req.JSON == nil {
		return map[string]any{}
	}
	return c.req.JSON
}

func (s *Server) getGateway(*call) reply {
	return ok(map[string]any{"url": s.GatewayURL()})
}

func (s *Server) getGatewayBot(*call) reply {
	return ok(map[string]any{
		"url":    s.GatewayURL(),
		"shards": s.cfg.shards,
		"session_start_limit": map[string]any{
			"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": s.cfg.maxConcurrency,
		},
	})
}

func (s *Server) getMe(*call) reply { return ok(botUser()) }

func (s *Server) getUser(c *call) reply {
	u := s.users[c.params[0]]
	if u == nil {
		return apiError(http.StatusNotFound, 10013, "Unknown User")
	}
	return ok(u)
}

func (s *Server) getApplication(*call) reply {
	return ok(map[string]any{
		"id": ApplicationID, "name": BotUsername, "description": "", "icon": nil,
		"bot_public": true, "bot_require_code_grant": false, "flags": 0,
		"bot": toMap(botUser()), "verify_key": "discordtest",
	})
}

func (s *Server) createDM(c *call) reply {
	rid, _ := c.jsonBody()["recipient_id"].(string)
	u := s.users[rid]
	if u == nil {
		return apiError(http.StatusBadRequest, 50033, "Invalid Recipient(s)")
	}
	_, chID := s.placeLocked("", "", u)
	return ok(s.channelJSON(s.channels[chID]))
}

func (s *Server) getChannel(c *call) reply {
	ch := s.channels[c.params[0]]
	if ch == nil {
		return unknownChannel()
	}
	return ok(s.channelJSON(ch))
}

func unknownChannel() reply { return apiError(http.StatusNotFound, 10003, "Unknown Channel") }

func unknownMessage() reply { return apiError(http.StatusNotFound, 10008, "Unknown Message") }

func (s *Server) typing(c *call) reply {
	if s.channels[c.params[0]] == nil {
		return unknownChannel()
	}
	return noContent()
}

func (s *Server) channelMessage(chID, msgID string) (*message, *reply) {
	if s.channels[chID] == nil {
		r := unknownChannel()
		return nil, &r
	}
	m := s.messages[msgID]
	if m == nil || m.deleted || m.channelID != chID || m.ephemeral {
		r := unknownMessage()
		return nil, &r
	}
	return m, nil
}

func (s *Server) getMessage(c *call) reply {
	m, errRep := s.channelMessage(c.params[0], c.params[1])
	if errRep != nil {
		return *errRep
	}
	return ok(m.obj)
}

func (s *Server) listMessages(c *call) reply {
	chID := c.params[0]
	if s.channels[chID] == nil {
		return unknownChannel()
	}
	limit := 50
	if l, err := strconv.Atoi(c.req.Query.Get("limit")); err == nil && l >= 1 && l <= 100 {
		limit = l
	}
	before, after := c.req.Query.Get("before"), c.req.Query.Get("after")
	out := []any{}
	ids := s.channelMsgs[chID]
	for i := len(ids) - 1; i >= 0 && len(out) < limit; i-- { // newest first
		m := s.messages[ids[i]]
		if m.deleted || m.ephemeral || (before != "" && !snowflakeLess(m.id, before)) || (after != "" && !snowflakeLess(after, m.id)) {
			continue
		}
		out = append(out, m.obj)
	}
	return ok(out)
}

func snowflakeLess(a, b string) bool {
	x, _ := strconv.ParseUint(a, 10, 64)
	y, _ := strconv.ParseUint(b, 10, 64)
	return x < y
}

func (s *Server) createMessage(c *call) reply {
	ch := s.channels[c.params[0]]
	if ch == nil {
		return unknownChannel()
	}
	m, errRep := s.newBotMessageLocked(ch, c.jsonBody(), c.req.Files, nil)
	if errRep != nil {
		return *errRep
	}
	s.afterMessageEvent(c, "MESSAGE_CREATE", m)
	return ok(m.obj)
}

func (s *Server) editMessage(c *call) reply {
	m, errRep := s.channelMessage(c.params[0], c.params[1])
	if errRep != nil {
		return *errRep
	}
	if !m.byBot {
		return apiError(http.StatusForbidden, 50005, "Cannot edit a message authored by another user")
	}
	if r := s.editMessageLocked(m, c.jsonBody(), c.req.Files); r != nil {
		return *r
	}
	s.afterMessageEvent(c, "MESSAGE_UPDATE", m)
	return ok(m.obj)
}

func (s *Server) deleteMessage(c *call) reply {
	m, errRep := s.channelMessage(c.params[0], c.params[1])
	if errRep != nil {
		return *errRep
	}
	s.deleteMessageLocked(c, m)
	return noContent()
}

func (s *Server) deleteMessageLocked(c *call, m *message) {
	m.deleted = true
	if m.ephemeral {
		return
	}
	data := map[string]any{"id": m.id, "channel_id": m.channelID}
	if g, _ := m.obj["guild_id"].(string); g != "" {
		data["guild_id"] = g
	}
	c.after = append(c.after, func() { s.Dispatch("MESSAGE_DELETE", data) }) // routed by data's guild_id
}

func (s *Server) react(c *call) reply {
	if _, errRep := s.channelMessage(c.params[0], c.params[1]); errRep != nil {
		return *errRep
	}
	return noContent()
}

// startThread creates a public thread, from a message (the thread takes the
// message's id, as on Discord) or standalone.
func (s *Server) startThread(c *call) reply {
	parent := s.channels[c.params[0]]
	if parent == nil {
		return unknownChannel()
	}
	if parent.guildID == "" || parent.typ == 11 {
		return apiError(http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
	}
	name, _ := c.jsonBody()["name"].(string)
	if n := len([]rune(name)); n < 1 || n > 100 {
		return formError("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
	var id string
	if len(c.params) == 2 {
		m, errRep := s.channelMessage(parent.id, c.params[1])
		if errRep != nil {
			return *errRep
		}
		if s.channels[m.id] != nil {
			return apiError(http.StatusBadRequest, 160004, "A thread has already been created for this message")
		}
		id = m.id
	} else {
		id = s.nextIDLocked()
	}
	th := &channel{id: id, guildID: parent.guildID, parentID: parent.id, name: name, typ: 11}
	s.channels[id] = th
	obj := s.channelJSON(th)
	c.after = append(c.after, func() { s.Dispatch("THREAD_CREATE", obj) })
	return reply{http.StatusCreated, obj}
}

func (s *Server) getGuild(c *call) reply {
	g := s.guilds[c.params[0]]
	if g == nil {
		return apiError(http.StatusNotFound, 10004, "Unknown Guild")
	}
	return ok(map[string]any{
		"id": g.id, "name": g.name, "owner_id": DefaultUserID, "roles": g.rolesJSON(),
		"emojis": []any{}, "features": []any{},
	})
}

func (s *Server) getRoles(c *call) reply {
	g := s.guilds[c.params[0]]
	if g == nil {
		return apiError(http.StatusNotFound, 10004, "Unknown Guild")
	}
	return ok(g.rolesJSON())
}

func (s *Server) getGuildChannels(c *call) reply {
	g := s.guilds[c.params[0]]
	if g == nil {
		return apiError(http.StatusNotFound, 10004, "Unknown Guild")
	}
	out := []any{}
	for _, ch := range s.channels {
		if ch.guildID == g.id && ch.typ != 11 {
			out = append(out, s.channelJSON(ch))
		}
	}
	return ok(out)
}

func (s *Server) getMember(c *call) reply {
	g := s.guilds[c.params[0]]
	if g == nil {
		return apiError(http.StatusNotFound, 10004, "Unknown Guild")
	}
	uid := c.params[1]
	if uid == "@me" {
		uid = BotUserID
	}
	if uid == BotUserID {
		return ok(s.memberJSON(g, BotUserID, g.botRoles, true))
	}
	roles, member := g.members[uid]
	if !member {
		return apiError(http.StatusNotFound, 10007, "Unknown Member")
	}
	return ok(s.memberJSON(g, uid, roles, true))
}

// serveAttachment serves files from AddAttachment and uploads, as Discord's
// CDN does at /attachments/<id>/<name>.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/attachments/"), "/")
	req := Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
	s.mu.Lock()
	var a *attachment
	if len(segs) == 2 && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		if x := s.attachments[segs[0]]; x != nil && x.name == segs[1] {
			a = x
		}
	}
	req.Status = http.StatusOK
	if a == nil {
		req.Status = http.StatusNotFound
	}
	s.requests = append(s.requests, req)
	s.notifyLocked()
	s.mu.Unlock()
	if a == nil {
		http.Error(w, "404: Not Found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(a.body)
	}
}
