// Package discordtest is a fake Discord for end-to-end tests: an HTTP server
// on loopback that serves the REST API under /api/v9/ (and /api/v10/), the
// gateway websocket at /gateway and attachment downloads at /attachments/,
// close enough to the real thing that an unmodified discordgo.Session can log
// in, receive interactions and messages, and answer them.
//
// Point discordgo at the fake by giving the Session an http.Client whose
// Transport rewrites the scheme and host of "https://discord.com/api/v9/..."
// to those of Server.URL (keeping path and query), and a fresh
// websocket.Dialer. The gateway URL is learned from GET /gateway; GET
// /gateway/bot also says how many shards to run (WithGatewayBot), and the
// gateway sends each guild's events only to the session of the shard that
// owns it, (guild_id >> 22) % shard count, as Discord does (Deliveries).
//
// The fake enforces what commonly breaks in production and is easy to miss
// in unit tests: the bot token, gateway intents (message content is blanked
// without the MESSAGE_CONTENT intent), acknowledging an interaction once and
// before editing its response, message length and embed limits, command
// naming rules, unknown channels, and rate limits (see FailNext). As on
// Discord, the bot's own messages come back to it as MESSAGE_CREATE.
package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// BotToken is the only token the fake accepts, as "Bot test-token" in the
// Authorization header and in IDENTIFY and RESUME.
const BotToken = "test-token"

// BotUserID is the snowflake of the bot user, as returned by GET /users/@me
// and in READY.
const BotUserID = "1100000000000000001"

// ApplicationID is the snowflake of the bot's application. It differs from
// BotUserID on purpose, so code that mixes the two up fails in tests.
const ApplicationID = "1100000000000000002"

// BotUsername is the bot user's name.
const BotUsername = "newsbot"

// DefaultUserID is the snowflake of the user who triggers interactions and
// writes messages when a Cmd, Modal or Msg names no user.
const DefaultUserID = "1100000000000000003"

// DefaultAppPermissions is the bot's permission bitfield sent as
// app_permissions in interactions unless WithAppPermissions says otherwise:
// what a bot invited with the usual text-channel scope has.
const DefaultAppPermissions = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads |
	discordgo.PermissionCreatePublicThreads |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionAttachFiles |
	discordgo.PermissionReadMessageHistory |
	discordgo.PermissionAddReactions |
	discordgo.PermissionUseExternalEmojis

// DefaultHeartbeatInterval is the heartbeat interval announced in HELLO,
// Discord's usual value.
const DefaultHeartbeatInterval = 41250 * time.Millisecond

// discordEpoch is the first millisecond of 2015, where snowflake time starts.
const discordEpoch = 1420070400000

// maxRequestBody bounds what the fake reads from one request; Discord's own
// upload limit for bots is 25 MiB, plus room for the JSON payload.
const maxRequestBody = 26 << 20

// maxUploadSize is Discord's default per-request upload limit for bots.
const maxUploadSize = 25 << 20

// Server is a fake Discord. It is safe for concurrent use. Create one with
// New; it is closed when the test ends.
type Server struct {
	tb  testing.TB
	cfg config
	srv *httptest.Server

	// gwMu serializes every gateway write and the sequence numbers they carry,
	// so frames reach each socket in sequence order and gorilla's
	// single-writer rule holds. Lock order: gwMu, then mu.
	gwMu sync.Mutex

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever state changes
	closed  bool
	lastID  uint64

	routes   []route
	requests []Request
	failures []failRule

	users        map[string]*discordgo.User
	guilds       map[string]*guild
	guildOrder   []string
	channels     map[string]*channel
	messages     map[string]*message
	channelMsgs  map[string][]string
	interactions map[string]*interaction
	byToken      map[string]*interaction
	attachments  map[string]*attachment
	commands     map[string][]map[string]any // by guild id, "" for global

	sessions   []*gwSession
	conns      map[*gwConn]struct{}
	identifies []discordgo.Identify
	resumes    int
	deliveries []Delivery
}

// Option configures a Server.
type Option func(*config)

type config struct {
	heartbeat      time.Duration
	appPermissions int64
	guilds         [][2]string
	shards         int // GET /gateway/bot "shards"
	maxConcurrency int // GET /gateway/bot "session_start_limit.max_concurrency"
}

// WithGatewayBot sets what GET /gateway/bot answers: how many shards the bot
// should run and how many may identify at once (max_concurrency); 1 and 1
// otherwise. The gateway routes each guild's events to the session whose
// shard owns it, (guild_id >> 22) % shard count, and direct messages to
// shard 0, whatever this says: a bot that identifies with fewer shards gets
// the guilds of the shards it names.
func WithGatewayBot(shards, maxConcurrency int) Option {
	return func(c *config) { c.shards, c.maxConcurrency = shards, maxConcurrency }
}

// WithGuild registers a guild the bot is a member of: it is announced with
// GUILD_CREATE after READY and served by GET /guilds/{id}.
func WithGuild(id, name string) Option {
	return func(c *config) { c.guilds = append(c.guilds, [2]string{id, name}) }
}

// WithHeartbeatInterval sets the heartbeat interval announced in HELLO.
// Keep it well above a second with discordgo: Session.Close sleeps one
// second, and a heartbeat tick during that sleep makes discordgo reconnect a
// second time, or revive a session the test has closed.
func WithHeartbeatInterval(d time.Duration) Option {
	return func(c *config) { c.heartbeat = d }
}

// WithAppPermissions sets the bot's permissions sent as app_permissions in
// interactions (DefaultAppPermissions otherwise).
func WithAppPermissions(p int64) Option {
	return func(c *config) { c.appPermissions = p }
}

// New starts a fake Discord on loopback. It is closed, and its gateway
// sockets dropped, when tb's test ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	cfg := config{heartbeat: DefaultHeartbeatInterval, appPermissions: DefaultAppPermissions, shards: 1, maxConcurrency: 1}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		tb:           tb,
		cfg:          cfg,
		changed:      make(chan struct{}),
		users:        map[string]*discordgo.User{},
		guilds:       map[string]*guild{},
		channels:     map[string]*channel{},
		messages:     map[string]*message{},
		channelMsgs:  map[string][]string{},
		interactions: map[string]*interaction{},
		byToken:      map[string]*interaction{},
		attachments:  map[string]*attachment{},
		commands:     map[string][]map[string]any{},
		conns:        map[*gwConn]struct{}{},
	}
	s.users[BotUserID] = botUser()
	s.users[DefaultUserID] = &discordgo.User{ID: DefaultUserID, Username: "tester", Discriminator: "0"}
	for _, g := range cfg.guilds {
		s.addGuildLocked(g[0], g[1])
	}

	s.routes = s.routeTable()

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveREST)
	mux.HandleFunc("/attachments/", s.serveAttachment)
	mux.HandleFunc("/gateway", s.serveGateway)
	mux.HandleFunc("/gateway/", s.serveGateway)
	mux.HandleFunc("/", s.serveUnknown)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.close)
	return s
}

// URL returns the fake's base URL, "http://127.0.0.1:PORT"; REST lives under
// URL()+"/api/v9/".
func (s *Server) URL() string { return s.srv.URL }

// GatewayURL returns the gateway websocket URL, "ws://127.0.0.1:PORT/gateway".
func (s *Server) GatewayURL() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/gateway"
}

func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	conns := make([]*gwConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.notifyLocked()
	s.mu.Unlock()
	// Handlers of hijacked websocket connections must return before
	// httptest.Server.Close does.
	for _, c := range conns {
		c.ws.Close()
	}
	s.srv.Close()
}

// notifyLocked wakes every waiter. Callers hold s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// nextIDLocked returns a new snowflake: its time part is now, and it is
// greater than every snowflake the fake made before.
func (s *Server) nextIDLocked() string {
	id := uint64(time.Now().UnixMilli()-discordEpoch) << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return fmt.Sprint(id)
}

// Request is one REST (or attachment download) request the fake received.
type Request struct {
	Time   time.Time
	Method string
	// Path is the URL path without the /api/vN prefix, e.g.
	// "/channels/1/messages"; attachment downloads keep "/attachments/...".
	Path   string
	Query  url.Values
	Header http.Header
	// Body is the body as sent (for multipart, the whole multipart body).
	Body []byte
	// JSON is the body parsed as a JSON object, or for multipart bodies the
	// payload_json part; nil when the body is empty or not a JSON object
	// (see Decode for arrays).
	JSON map[string]any
	// Files are the file parts of a multipart body, in order.
	Files []File
	// Status and Response are what the fake answered.
	Status   int
	Response []byte

	payload []byte // JSON body or payload_json
}

// File is one uploaded file of a multipart request.
type File struct {
	Field       string // form field name, e.g. "files[0]"
	Name        string
	ContentType string
	Data        []byte
}

// Decode unmarshals the request's JSON payload (the payload_json part for
// multipart requests) into v.
func (r Request) Decode(v any) error {
	if len(r.payload) == 0 {
		return fmt.Errorf("decode %s %s: no JSON payload", r.Method, r.Path)
	}
	if err := json.Unmarshal(r.payload, v); err != nil {
		return fmt.Errorf("decode %s %s: %w", r.Method, r.Path, err)
	}
	return nil
}

// Requests returns every request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WaitRequest returns the first request, past or future, for which pred is
// true. It returns ctx's error if ctx ends first.
func (s *Server) WaitRequest(ctx context.Context, pred func(Request) bool) (Request, error) {
	next := 0
	for {
		s.mu.Lock()
		fresh := s.requests[next:len(s.requests):len(s.requests)]
		ch := s.changed
		s.mu.Unlock()
		// pred runs unlocked, so it may call the Server.
		for _, r := range fresh {
			next++
			if pred(r) {
				return r, nil
			}
		}
		if len(fresh) > 0 {
			continue
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Request{}, fmt.Errorf("wait for request: %w", ctx.Err())
		}
	}
}

type failRule struct {
	method, prefix string
	retryAfter     time.Duration
}

// FailNext makes the next request whose method is method (any method if
// empty) and whose Path starts with pathPrefix fail with 429 Too Many
// Requests, as Discord's per-route rate limit does: Retry-After and
// X-RateLimit-* headers and a JSON body with retry_after in seconds.
// discordgo sleeps retryAfter and sends the request again. Each call fails
// one request; rules are matched in the order they were added.
func (s *Server) FailNext(method, pathPrefix string, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failRule{strings.ToUpper(method), pathPrefix, retryAfter})
}

// Messages returns the live (not deleted) messages the bot created in a
// channel, in creation order: channel messages, and interaction responses and
// followups (including ephemeral ones, which carry flag 64).
func (s *Server) Messages(channelID string) []*discordgo.Message {
	s.mu.Lock()
	var raws [][]byte
	for _, id := range s.channelMsgs[channelID] {
		m := s.messages[id]
		if m.deleted || !m.byBot {
			continue
		}
		raws = append(raws, mustJSON(m.obj))
	}
	s.mu.Unlock()
	out := make([]*discordgo.Message, 0, len(raws))
	for _, raw := range raws {
		var m discordgo.Message
		if err := json.Unmarshal(raw, &m); err != nil {
			s.tb.Errorf("discordtest: decode stored message: %v", err)
			continue
		}
		out = append(out, &m)
	}
	return out
}

// InteractionResponses returns the requests that answered an interaction, in
// order: its callback and every request on its webhook (edits of @original,
// followups, deletes), including failed attempts (see Request.Status).
func (s *Server) InteractionResponses(interactionID string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.interactions[interactionID]
	if it == nil {
		return nil
	}
	callback := "/interactions/" + it.id + "/" + it.token + "/"
	hook := "/webhooks/" + ApplicationID + "/" + it.token
	var out []Request
	for _, r := range s.requests {
		if strings.HasPrefix(r.Path, callback) || r.Path == hook || strings.HasPrefix(r.Path, hook+"/") {
			out = append(out, r)
		}
	}
	return out
}

// Commands returns the application commands registered for a guild, or the
// global ones if guildID is empty.
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	raw := mustJSON(s.commands[guildID])
	s.mu.Unlock()
	var out []*discordgo.ApplicationCommand
	if err := json.Unmarshal(raw, &out); err != nil {
		s.tb.Errorf("discordtest: decode stored commands: %v", err)
	}
	return out
}

// Identifies returns every IDENTIFY payload received, valid or not, in order;
// use it to check the intents the bot asked for.
func (s *Server) Identifies() []discordgo.Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]discordgo.Identify(nil), s.identifies...)
}

// Delivery is one gateway event sent to a session.
type Delivery struct {
	Shard   [2]int // the session's shard (id, count); [0 1] for an unsharded session
	Event   string // e.g. "INTERACTION_CREATE"
	GuildID string // the event's guild; empty for direct messages and READY
}

// Deliveries returns every dispatched event with the shard of the session it
// was sent to (or kept for, when disconnected), in order, including READY
// and GUILD_CREATE: tests check that each shard gets only its guilds.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// ShardOf returns the shard that owns a guild among count shards:
// (guild_id >> 22) % count, as on Discord; 0 for direct messages.
func ShardOf(guildID string, count int) int {
	id, err := strconv.ParseUint(guildID, 10, 64)
	if count <= 1 || err != nil {
		return 0
	}
	return int((id >> 22) % uint64(count))
}

// Resumes returns how many gateway sessions were resumed (op 6 answered with
// RESUMED).
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

func botUser() *discordgo.User {
	return &discordgo.User{ID: BotUserID, Username: BotUsername, Discriminator: "0", Bot: true}
}

// mustJSON marshals values the fake built itself, which always marshal.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("discordtest: marshal %T: %v", v, err))
	}
	return b
}

// toMap turns a discordgo struct into the JSON object Discord would send.
func toMap(v any) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(mustJSON(v), &m); err != nil {
		panic(fmt.Sprintf("discordtest: %T is not a JSON object: %v", v, err))
	}
	return m
}
