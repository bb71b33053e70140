package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/corpus/feeds"
	"github.com/newsbot/newsbot/internal/ops"
)

// This file wires what makes a serving process operable and scalable: the
// HTTP server with Discord's interactions endpoint (/interactions), the
// health check (/healthz) and the Prometheus metrics (/metrics), and the
// process and shard ids on every log line.

// HTTP server limits, each with its reason.
const (
	// readHeaderTimeout bounds a client's headers, against slow-loris
	// connections holding the server's goroutines.
	readHeaderTimeout = 10 * time.Second
	// idleTimeout closes keep-alive connections nobody uses; Discord and
	// a load balancer reconnect at no cost.
	idleTimeout = 2 * time.Minute
	// httpShutdownGrace is how long requests in flight may finish when the
	// process stops; interaction requests answer within 3 s.
	httpShutdownGrace = 5 * time.Second
)

// opsConfig is the settings of this file, read by loadConfig.
type opsConfig struct {
	// HTTPAddr is where the HTTP server listens (NEWSBOT_HTTP_ADDR, or
	// serve --http): interactions, health and metrics.
	HTTPAddr string
	// PublicKey is the application's Ed25519 public key in hex
	// (DISCORD_PUBLIC_KEY), which signs every interaction request.
	PublicKey string
	// MetricsAddr serves only /healthz and /metrics, for a process
	// without HTTPAddr (NEWSBOT_METRICS_ADDR).
	MetricsAddr string
	// NoGateway keeps serve off the gateway (NEWSBOT_GATEWAY=off, or serve
	// --no-gateway): an HTTP replica.
	NoGateway bool
	// ProcessID names the process in logs (NEWSBOT_PROCESS_ID; default
	// host-pid).
	ProcessID string
}

// loadOpsConfig reads the settings of opsConfig.
func loadOpsConfig(getenv func(string) string) (opsConfig, error) {
	c := opsConfig{
		HTTPAddr:    strings.TrimSpace(getenv("NEWSBOT_HTTP_ADDR")),
		PublicKey:   strings.TrimSpace(getenv("DISCORD_PUBLIC_KEY")),
		MetricsAddr: strings.TrimSpace(getenv("NEWSBOT_METRICS_ADDR")),
		ProcessID:   strings.TrimSpace(getenv("NEWSBOT_PROCESS_ID")),
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("NEWSBOT_GATEWAY"))); v {
	case "", "on", "true", "1":
	case "off", "false", "0":
		c.NoGateway = true
	default:
		return c, fmt.Errorf("NEWSBOT_GATEWAY=%q: want on or off", v)
	}
	if c.ProcessID == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "newsbot"
		}
		c.ProcessID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return c, nil
}

// serveOps is serve's part of this file: its flags, then (run) the
// frontend beside the HTTP server.
type serveOps struct {
	httpAddr  string
	noGateway bool
}

// newServeOps registers serve's flags --http and --no-gateway, which
// override NEWSBOT_HTTP_ADDR and NEWSBOT_GATEWAY.
func newServeOps(fs *flagSet, e *env) *serveOps {
	o := &serveOps{httpAddr: e.cfg.ops.HTTPAddr, noGateway: e.cfg.ops.NoGateway}
	fs.StringVar(&o.httpAddr, "http", o.httpAddr, "serve Discord interactions (POST /interactions), /healthz and /metrics on `ADDR`, e.g. :8080")
	fs.BoolVar(&o.noGateway, "no-gateway", o.noGateway, "do not connect to the gateway: answer only interactions that arrive over --http (an HTTP replica)")
	return o
}

// start refuses a configuration that cannot work, before serve opens
// anything; puts the process and shard ids on every log line from here
// on; and gives the process its metrics.
func (o *serveOps) start(e *env) error {
	if o.noGateway && o.httpAddr == "" {
		return errors.New("serve: --no-gateway (NEWSBOT_GATEWAY=off) needs --http ADDR (NEWSBOT_HTTP_ADDR): without the gateway, interactions arrive only over HTTP")
	}
	if o.httpAddr != "" && e.cfg.ops.PublicKey == "" {
		return errors.New("serve: --http needs DISCORD_PUBLIC_KEY (the Developer Portal shows it under General Information) to verify Discord's requests")
	}
	shard := strconv.Itoa(e.cfg.DiscordShards.ID)
	switch {
	case o.noGateway:
		shard = "none"
	case e.cfg.DiscordShards.Auto:
		shard = "auto" // every shard runs in this process
	}
	e.log = e.log.With("process", e.cfg.ops.ProcessID, "shard", shard)
	e.metrics = ops.NewMetrics(e.log)
	return nil
}

// run serves fe (through the gateway unless --no-gateway) and the HTTP
// server until ctx is done or either fails.
func (o *serveOps) run(ctx context.Context, e *env, db store, idx *corpusIndex, fe *discord.Frontend) error {
	e.metrics.WatchCorpus(corpusGauges{db: db, idx: idx})
	var gw ops.Gateway = fe
	if o.noGateway {
		gw = nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", ops.Health(db, gw, e.log))
	mux.Handle("GET /metrics", e.metrics.Handler())
	addr := e.cfg.ops.MetricsAddr
	if o.httpAddr != "" {
		key, err := discord.ParsePublicKey(e.cfg.ops.PublicKey)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		mux.Handle("/interactions", fe.InteractionsHandler(key))
		addr = o.httpAddr
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		httpErr error
	)
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("serve: listen on %s: %w", addr, err)
		}
		e.log.Info("HTTP server listening", "addr", ln.Addr().String(), "interactions", o.httpAddr != "")
		wg.Go(func() {
			httpErr = serveHTTP(ctx, ln, mux)
			cancel() // a server that failed stops the frontend too
		})
	}
	var err error
	if o.noGateway {
		err = fe.Serve(ctx)
	} else {
		err = fe.Run(ctx)
	}
	cancel()
	wg.Wait()
	return errors.Join(err, httpErr)
}

// serveHTTP serves h on ln until ctx is done, then lets requests in flight
// finish for up to httpShutdownGrace.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), httpShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve http: shut down: %w", err)
	}
	<-done // http.ErrServerClosed
	return nil
}

// corpusGauges gives the metrics the index's size and its lag behind the
// store's change log.
type corpusGauges struct {
	db  store
	idx *corpusIndex
}

func (c corpusGauges) Size() (articles, passages int) {
	live := c.idx.opened.Load()
	if live == nil {
		return 0, 0
	}
	st := live.Stats()
	return st.Articles, st.Passages
}

func (c corpusGauges) Lag(ctx context.Context) (int64, error) {
	live := c.idx.opened.Load()
	if live == nil {
		return 0, errors.New("index not open")
	}
	seq, err := c.db.LastSeq(ctx)
	if err != nil {
		return 0, fmt.Errorf("index lag: %w", err)
	}
	return max(0, seq-live.Seq()), nil
}

// botMetrics is the bot's side of the process's metrics: none (a nil
// interface, not a nil pointer in one) for commands that export none.
func (e *env) botMetrics() bot.Metrics {
	if e.metrics == nil {
		return nil
	}
	return e.metrics
}

// feedMetrics is the poller's side of the process's metrics.
func (e *env) feedMetrics() feeds.Metrics {
	if e.metrics == nil {
		return nil
	}
	return e.metrics
}
