// Package discord is newsbot's Discord frontend, built on discordgo: it
// registers the slash commands, answers /ask and mentions (streaming the
// answer into the reply), serves /latest, /search, /sources and the
// moderators' /add and /remove, and renders everything within Discord's
// limits with mentions disabled. The platform-neutral work happens in
// package bot.
package discord

import (
	"bytes"
	"context"
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
	// MessageContent asks for the privileged Message Content intent, which
	// lets follow-ups in threads work without mentioning the bot.
	MessageContent bool
	UserPerMinute  int // question rate per user; 0 means bot.DefaultUserPerMinute
	ServerPerMin   int // question rate per server; 0 means bot.DefaultServerPerMinute
	Logger         *slog.Logger
	// HTTPTransport is the base transport for REST and attachments; nil
	// means a fresh one (never http.DefaultTransport's shared state).
	HTTPTransport http.RoundTripper
}

// Frontend connects a bot.Bot to Discord.
type Frontend struct {
	core    *bot.Bot
	cfg     Config
	log     *slog.Logger
	s       *discordgo.Session
	limiter *bot.Limiter
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
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base := cfg.HTTPTransport
	if base == nil {
		base = &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 10, IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second}
	}
	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	// The session gets its own client and dialer, so nothing depends on
	// discordgo's package-level endpoints or the shared default dialer.
	s.Client = &http.Client{Timeout: restTimeout, Transport: &rewriteTransport{from: defaultAPIBase(), to: apiBase, gateway: cfg.GatewayURL, next: base}}
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
	if cfg.MessageContent {
		s.Identify.Intents |= discordgo.IntentsMessageContent
	}
	s.ShouldReconnectOnError = true
	s.ShouldRetryOnRateLimit = true
	s.MaxRestRetries = 3
	s.LogLevel = discordgo.LogError
	f := &Frontend{
		core:    core,
		cfg:     cfg,
		log:     log,
		s:       s,
		limiter: bot.NewLimiter(cfg.UserPerMinute, cfg.ServerPerMin, nil),
		http:    &http.Client{Timeout: restTimeout, Transport: base},
		memory:  newMemory(memoryTurns),
		stop:    make(chan struct{}),

		answerTimeout: answerTimeout,
	}
	f.appID.Store("")
	return f, nil
}

// Run connects to Discord, registers the commands and serves until ctx is
// done; then it stops taking questions, lets answers in flight finish for
// up to shutdownGrace, and closes the gateway.
func (f *Frontend) Run(ctx context.Context) error {
	defer f.stopWork()
	ready := make(chan *discordgo.Ready, 1)
	f.s.AddHandlerOnce(func(_ *discordgo.Session, r *discordgo.Ready) { ready <- r })
	f.s.AddHandler(f.onReady)
	f.s.AddHandler(f.onInteraction)
	f.s.AddHandler(f.onMessage)
	if err := f.s.Open(); err != nil {
		return fmt.Errorf("discord: connect: %w", err)
	}
	defer f.s.Close()
	select {
	case r := <-ready:
		app := r.User.ID
		if r.Application != nil && r.Application.ID != "" {
			app = r.Application.ID
		}
		f.appID.Store(app)
		f.log.InfoContext(ctx, "connected to Discord", "user_id", r.User.ID, "application_id", app, "guilds", len(r.Guilds))
	case <-ctx.Done():
		return nil
	case <-time.After(readyTimeout):
		return fmt.Errorf("discord: no READY from the gateway within %v", readyTimeout)
	}
	if err := f.registerCommands(ctx); err != nil {
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

func (f *Frontend) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	f.log.Info("gateway session ready", "session_id", r.SessionID)
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
// override is set, answers GET /gateway itself.
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
	if t.gateway != "" && req.Method == http.MethodGet && (rest == "/gateway" || rest == "/gateway/bot") {
		body := fmt.Sprintf(`{"url":%q,"shards":1,"session_start_limit":{"total":1000,"remaining":1000,"reset_after":0,"max_concurrency":1}}`, t.gateway)
		return &http.Response{
			StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:  http.Header{"Content-Type": []string{"application/json"}},
			Body:    io.NopCloser(bytes.NewReader([]byte(body))),
			Request: req, ContentLength: int64(len(body)),
		}, nil
	}
	if t.to == t.from {
		return t.next.RoundTrip(req)
	}
	nu, err := url.Parse(t.to + rest)
	if err != nil {
		return nil, fmt.Errorf("rewrite %s: %w", u, err)
	}
	r2 := req.Clone(req.Context())
	r2.URL = nu
	r2.Host = nu.Host
	return t.next.RoundTrip(r2)
}
