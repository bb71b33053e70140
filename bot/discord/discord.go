// Package discord is newsbot's Discord frontend, built on discordgo: it
// registers the slash commands, answers /ask and mentions (streaming the
// answer into the reply), serves /latest, /story, /search, /sources and the
// moderators' /add and /remove, and renders everything within Discord's
// limits with mentions disabled. It runs one gateway shard, or every shard
// Discord asks for (Sharding); commands are registered by shard 0 only.
// The platform-neutral work happens in package bot.
package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/newsbot/newsbot/bot"
)

// Timeouts and bounds of the frontend, each with its reason.
const (
	// answerTimeout bounds one question end to end: well inside the
	// 15-minute life of an interaction token, and above the LLM timeout so
	// the extractive fallback still arrives.
	answerTimeout = 2 * time.Minute
	// editInterval throttles streaming edits: Discord allows about five
	// edits per 5 s per message, and a steady 1.5 s reads smoothly.
	editInterval = 1500 * time.Millisecond
	// shutdownGrace is how long answers in flight may finish on shutdown.
	shutdownGrace = 10 * time.Second
	// deliverTimeout bounds sending a finished answer or an error. It runs
	// on a context of its own, so an answer that used up answerTimeout
	// (the extractive fallback, or "that took too long") still reaches
	// the asker instead of leaving the interaction hanging.
	deliverTimeout = 30 * time.Second
	// webhookBuckets is how many rate-limit buckets the edits of
	// interaction responses are spread over (see editOriginal): enough
	// that a burst of answers rarely queues behind another's edit, few
	// enough that discordgo's bucket map stays small however many
	// interactions a long-running bot serves.
	webhookBuckets = 64
	// restTimeout bounds one REST call (discordgo retries 429s within it).
	restTimeout = 30 * time.Second
	// maxQuestionRunes caps a question; longer ones get a message saying so.
	maxQuestionRunes = 1000
	// memoryTurns bounds the remembered conversations (reply chains and
	// threads) kept for follow-ups.
	memoryTurns = 10_000
	// readyTimeout bounds the wait for the gateway's READY after
	// connecting: Discord sends it within seconds, so a minute without it
	// means a wrong gateway URL or a gateway that is down, and Run says so
	// instead of hanging.
	readyTimeout = time.Minute
)

// defaultAPIBase is Discord's REST base, where discordgo's endpoints point.
// It is read from discordgo (never assigned) so the rewrite always matches
// the URLs discordgo builds.
func defaultAPIBase() string { return strings.TrimSuffix(discordgo.EndpointAPI, "/") }

// Config configures the frontend.
type Config struct {
	Token      string   // bot token, without the "Bot " prefix
	GuildIDs   []string // register commands in these servers (instant); empty means globally
	ModRoles   []string // role ids that count as moderators
	APIURL     string   // REST base (origin or origin/api/vN); empty means Discord's
	GatewayURL string   // gateway websocket URL override; empty means what GET /gateway says
	Shards     Sharding // which gateway shards this process runs; zero: one unsharded session
	// MessageContent asks for the privileged Message Content intent, which
	// lets follow-ups in threads work without mentioning the bot.
	MessageContent bool
	UserPerMinute  int // question rate per user; 0 means bot.DefaultUserPerMinute
	ServerPerMin   int // question rate per server; 0 means bot.DefaultServerPerMinute
	// Limiter counts the questions; nil means an in-memory bot.Limiter
	// with the two rates above (one process). Several processes pass one
	// that shares its counts (corpus/postgres.Limiter).
	Limiter bot.RateLimiter
	Logger  *slog.Logger
	// HTTPTransport is the base transport for REST and attachments; nil
	// means a fresh one (never http.DefaultTransport's shared state).
	HTTPTransport http.RoundTripper
}

// Frontend connects a bot.Bot to Discord.
type Frontend struct {
	core    *bot.Bot
	cfg     Config
	log     *slog.Logger
	s       *discordgo.Session // REST, and the gateway session of the first shard this process runs
	base    http.RoundTripper  // the transport of every session's REST client
	apiBase string
	limiter bot.RateLimiter
	http    *http.Client // attachments
	memory  *memory

	appID    atomic.Value // string, from READY
	closing  atomic.Bool  // set on shutdown: no new questions
	inflight sync.WaitGroup
	// stop is closed when shutdown gives up on the work in flight (or Run
	// returns), which cancels every context workContext made. discordgo
	// calls the event handlers without a context, so work contexts start
	// fresh and this channel links them to shutdown; they outlive the Run
	// context by up to shutdownGrace so answers in flight can finish.
	stop     chan struct{}
	stopOnce sync.Once
	// answerTimeout is the answerTimeout constant; tests shorten it.
	answerTimeout time.Duration
	// identifyInterval is the identifyInterval constant; tests shorten it.
	identifyInterval time.Duration
	// acks holds the *ack of each interaction being served through the
	// HTTP endpoint, by interaction id, while its handler runs (http.go).
	acks sync.Map
}

// New prepares a frontend; Run connects it.
func New(core *bot.Bot, cfg Config) (*Frontend, error) {
	if cfg.Token == "" {
		return nil, errors.New("discord: no token")
	}
	apiBase, err := apiBase(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	if cfg.GatewayURL != "" {
		if u, err := url.Parse(cfg.GatewayURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
			return nil, fmt.Errorf("DISCORD_GATEWAY_URL %q: want a ws:// or wss:// URL", cfg.GatewayURL)
		}
	}
	if err := cfg.Shards.Validate(); err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base := cfg.HTTPTransport
	if base == nil {
		base = &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 10, IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second}
	}
	limiter := cfg.Limiter
	if limiter == nil {
		limiter = bot.NewLimiter(cfg.UserPerMinute, cfg.ServerPerMin, nil)
	}
	f := &Frontend{
		core:    core,
		cfg:     cfg,
		log:     log,
		base:    base,
		apiBase: apiBase,
		limiter: limiter,
		http:    &http.Client{Timeout: restTimeout, Transport: base},
		memory:  newMemory(memoryTurns),
		stop:    make(chan struct{}),

		answerTimeout:    answerTimeout,
		identifyInterval: identifyInterval,
	}
	s, err := f.newSession()
	if err != nil {
		return nil, err
	}
	if cfg.Shards.Count > 1 {
		s.ShardID, s.ShardCount = cfg.Shards.ID, cfg.Shards.Count
	}
	f.s = s
	f.appID.Store("")
	return f, nil
}

// newSession returns a discordgo session (one per shard) configured as the
// frontend's: its own REST client and dialer, so nothing depends on
// discordgo's package-level endpoints or the shared default dialer.
func (f *Frontend) newSession() (*discordgo.Session, error) {
	s, err := discordgo.New("Bot " + f.cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	s.Client = &http.Client{Timeout: restTimeout, Transport: &rewriteTransport{from: defaultAPIBase(), to: f.apiBase, gateway: f.cfg.GatewayURL, next: f.base}}
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
	if f.cfg.MessageContent {
		s.Identify.Intents |= discordgo.IntentsMessageContent
	}
	s.ShouldReconnectOnError = true
	s.ShouldRetryOnRateLimit = true
	s.MaxRestRetries = 3
	s.LogLevel = discordgo.LogError
	return s, nil
}

// Run connects to Discord, registers the commands and serves until ctx is
// done; then it stops taking questions, lets answers in flight finish for
// up to shutdownGrace, and closes the gateway.
func (f *Frontend) Run(ctx context.Context) error {
	defer f.stopWork()
	sessions, conc, err := f.shardSessions(ctx)
	if err != nil {
		return err
	}
	opened, r, err := f.openShards(ctx, sessions, conc)
	defer func() {
		for _, s := range opened {
			s.Close()
		}
	}()
	if err != nil || r == nil {
		return err // r nil: stopped before READY, a clean stop
	}
	app := r.User.ID
	if r.Application != nil && r.Application.ID != "" {
		app = r.Application.ID
	}
	f.appID.Store(app)
	f.log.InfoContext(ctx, "connected to Discord", "user_id", r.User.ID, "application_id", app, "shards", len(opened))
	if !f.registersCommands() {
		f.log.InfoContext(ctx, "commands left to shard 0", "shard", f.cfg.Shards.ID)
	} else if err := f.registerCommands(ctx); err != nil {
		if ctx.Err() != nil {
			// Stopped while registering: a clean stop, as before READY.
			return nil
		}
		return err
	}
	<-ctx.Done()
	f.drain()
	return nil
}

func (f *Frontend) onReady(s *discordgo.Session, r *discordgo.Ready) {
	f.log.Info("gateway session ready", "session_id", r.SessionID, "shard", s.ShardID, "shards", max(s.ShardCount, 1), "guilds", len(r.Guilds))
}

// registerCommands replaces the application's commands with ours in one
// bulk overwrite per target (each listed server, or globally).
func (f *Frontend) registerCommands(ctx context.Context) error {
	app := f.appID.Load().(string)
	targets := f.cfg.GuildIDs
	if len(targets) == 0 {
		targets = []string{""}
	}
	for _, g := range targets {
		if _, err := f.s.ApplicationCommandBulkOverwrite(app, g, commands(), discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("discord: register commands (guild %q): %w", g, err)
		}
		f.log.InfoContext(ctx, "commands registered", "guild_id", g, "count", len(commands()))
	}
	return nil
}

// stopWork cancels every work context; it may be called more than once.
func (f *Frontend) stopWork() { f.stopOnce.Do(func() { close(f.stop) }) }

// workContext returns a context for work started by an event, bounded by d
// and cancelled by stopWork.
func (f *Frontend) workContext(d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	go func() {
		select {
		case <-f.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// track runs fn as work in flight that shutdown waits for, with a context
// bounded by answerTimeout. It refuses new work once shutdown has begun.
func (f *Frontend) track(fn func(ctx context.Context)) bool {
	if f.closing.Load() {
		return false
	}
	f.inflight.Add(1)
	defer f.inflight.Done()
	ctx, cancel := f.workContext(f.answerTimeout)
	defer cancel()
	fn(ctx)
	return true
}

// deliverContext is the context for sending a finished answer or an error:
// bounded by deliverTimeout instead of the answer's own deadline, and still
// cancelled when shutdown gives up on the work in flight.
func (f *Frontend) deliverContext() (context.Context, context.CancelFunc) {
	return f.workContext(deliverTimeout)
}

// download reads an attachment, refusing more than the bot's input limit
// (bot.MaxInputBytes) whatever the declared size said.
func (f *Frontend) download(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("download attachment: %w", err)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download attachment: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download attachment: %s", resp.Status)
	}
	limit := f.core.MaxInputBytes()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download attachment: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, tooLargeUpload("The file", int64(len(data)), limit)
	}
	return data, nil
}

// apiBase normalises DISCORD_API_URL: an origin alone gets Discord's
// /api/vN path.
func apiBase(raw string) (string, error) {
	if raw == "" {
		return defaultAPIBase(), nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("DISCORD_API_URL %q: want an http(s) URL", raw)
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/api/v" + discordgo.APIVersion
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// RewriteTransport returns a transport that sends requests for Discord's
// REST base (from) to apiURL (DISCORD_API_URL), for callers outside the
// frontend (the invite command) that need the same routing.
func RewriteTransport(from, apiURL string) http.RoundTripper {
	to, err := apiBase(apiURL)
	if err != nil {
		to = from
	}
	return &rewriteTransport{from: from, to: to, next: &http.Transport{Proxy: http.ProxyFromEnvironment}}
}

// rewriteTransport sends discordgo's REST requests to the configured base
// (a rate-limit proxy, or a fake Discord in tests) and, when a gateway
// override is set (a gateway proxy), puts its URL in the answers of GET
// /gateway and /gateway/bot. Everything else in those answers (shards,
// session start limits) is Discord's: the bot never invents them.
type rewriteTransport struct {
	from, to string
	gateway  string
	next     http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u := req.URL.String()
	rest, ok := strings.CutPrefix(u, t.from)
	if !ok {
		return t.next.RoundTrip(req)
	}
	gatewayInfo := t.gateway != "" && req.Method == http.MethodGet && (rest == "/gateway" || rest == "/gateway/bot")
	if t.to != t.from {
		nu, err := url.Parse(t.to + rest)
		if err != nil {
			return nil, fmt.Errorf("rewrite %s: %w", u, err)
		}
		req = req.Clone(req.Context())
		req.URL = nu
		req.Host = nu.Host
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil || !gatewayInfo || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	return withGatewayURL(resp, t.gateway)
}

// maxGatewayInfo bounds the GET /gateway(/bot) answer read to rewrite it:
// a few hundred bytes on Discord.
const maxGatewayInfo = 64 << 10

// withGatewayURL replaces the "url" of a GET /gateway(/bot) answer with
// gateway, keeping every other field as Discord sent it.
func withGatewayURL(resp *http.Response, gateway string) (*http.Response, error) {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxGatewayInfo))
	if err != nil {
		return nil, fmt.Errorf("read the gateway answer: %w", err)
	}
	var info map[string]json.RawMessage
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("read the gateway answer: %w", err)
	}
	u, err := json.Marshal(gateway)
	if err != nil {
		return nil, err
	}
	info["url"] = u
	if data, err = json.Marshal(info); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	resp.Header.Del("Content-Length")
	resp.Header.Del("Content-Encoding")
	return resp, nil
}
