package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/internal/discordtest"
	"github.com/newsbot/newsbot/internal/ops"
)

// freeAddr returns a loopback address no one listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serveProcess is `newsbot serve` running in the test.
type serveProcess struct {
	cancel context.CancelFunc
	done   chan error
	stderr *bytes.Buffer
}

func startServe(t *testing.T, env map[string]string, args ...string) *serveProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &serveProcess{cancel: cancel, done: make(chan error, 1), stderr: &bytes.Buffer{}}
	go func() {
		p.done <- run(ctx, append([]string{"-db", filepath.Join(t.TempDir(), "x.db"), "serve"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, p.stderr)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends the process and returns its log; it may be called again.
func (p *serveProcess) stop(t *testing.T) string {
	t.Helper()
	p.cancel()
	select {
	case err, ok := <-p.done:
		if ok && err != nil {
			t.Errorf("serve returned %v; want a clean shutdown (log: %s)", err, p.stderr)
		}
		if ok {
			close(p.done)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within the shutdown grace")
	}
	return p.stderr.String()
}

// waitHealth polls /healthz until it reports want (or the process ends).
func waitHealth(t *testing.T, p *serveProcess, addr string, want ops.HealthReport) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("serve ended early: %v", err)
		default:
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			var got ops.HealthReport
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = resp.Status + " " + string(b)
			if json.Unmarshal(b, &got) == nil && got == want && (resp.StatusCode == http.StatusOK) == (want.Status == "ok") {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("/healthz never reported %+v; last %s", want, last)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestServeHTTPReplica runs `newsbot serve --http ADDR --no-gateway` as an
// HTTP replica: it answers Discord's PING and an /ask (deferral in the
// HTTP answer, the answer through REST), never opens the gateway, and its
// /healthz and /metrics report the store and the question.
func TestServeHTTPReplica(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithGuild("2000000000000000001", "Alpha"))
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	env := map[string]string{
		"DISCORD_TOKEN": discordtest.BotToken, "DISCORD_API_URL": fake.URL(),
		"DISCORD_PUBLIC_KEY": hex.EncodeToString(pub), "NEWSBOT_PROCESS_ID": "replica-1",
	}
	p := startServe(t, env, "--http", addr, "--no-gateway")
	waitHealth(t, p, addr, ops.HealthReport{Status: "ok", Store: "ok", Gateway: "not used"})

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	endpoint := "http://" + addr + "/interactions"
	id, body := fake.PingHTTP()
	if status, out, err := fake.PostInteraction(ctx, endpoint, priv, id, body); err != nil || status != http.StatusOK {
		t.Fatalf("PING: %d %s %v", status, out, err)
	}
	id, body = fake.SlashCommandHTTP(discordtest.Cmd{Name: "ask", GuildID: "2000000000000000001", Options: []*discordgo.ApplicationCommandInteractionDataOption{discordtest.Opt("question", "Which country has recognised the Taliban government recently?")}})
	status, out, err := fake.PostInteraction(ctx, endpoint, priv, id, body)
	if err != nil || status != http.StatusOK || !strings.Contains(string(out), `"type":5`) {
		t.Fatalf("/ask: %d %s %v; want 200 with a deferral", status, out, err)
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		t.Fatal(err)
	}
	edit, err := fake.WaitRequest(ctx, func(r discordtest.Request) bool {
		c, _ := r.JSON["content"].(string)
		return r.Method == http.MethodPatch && strings.Contains(r.Path, i.Token+"/messages/@original") && !strings.HasSuffix(c, " …")
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(edit.JSON); !strings.Contains(string(b), "Russia") {
		t.Errorf("answer edit lacks the answer: %s", b)
	}

	code, metrics := get(t, "http://"+addr+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`newsbot_questions_total{mode="extractive",outcome="answered"} 1`,
		`newsbot_answer_seconds_count{stage="retrieve"} 1`,
		`newsbot_answer_seconds_count{stage="total"} 1`,
		"newsbot_refusals_total 0",
		"newsbot_feed_polls_total",
		"newsbot_feed_poll_failures_total",
		"newsbot_articles 1",
		"newsbot_passages ",
		"newsbot_index_lag 0",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if len(fake.Identifies()) != 0 {
		t.Errorf("an HTTP replica identified on the gateway")
	}
	log := p.stop(t)
	if !strings.Contains(log, "process=replica-1 shard=none") {
		t.Errorf("log lines lack the process and shard ids:\n%s", log)
	}
}

// TestServeMetricsAddr runs a gateway process without --http: /healthz
// and /metrics are on NEWSBOT_METRICS_ADDR, the health check follows the
// gateway, and there is no interactions endpoint.
func TestServeMetricsAddr(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithGuild("2000000000000000001", "Alpha"))
	addr := freeAddr(t)
	env := map[string]string{"DISCORD_TOKEN": discordtest.BotToken, "DISCORD_API_URL": fake.URL(), "NEWSBOT_METRICS_ADDR": addr, "DISCORD_SHARD_ID": "0"}
	p := startServe(t, env)
	waitHealth(t, p, addr, ops.HealthReport{Status: "ok", Store: "ok", Gateway: "connected"})
	if code, _ := get(t, "http://"+addr+"/metrics"); code != http.StatusOK {
		t.Errorf("/metrics: %d; want 200", code)
	}
	if code, _ := get(t, "http://"+addr+"/interactions"); code != http.StatusNotFound {
		t.Errorf("/interactions without --http: %d; want 404", code)
	}
	if log := p.stop(t); !strings.Contains(log, "shard=0") {
		t.Errorf("log lines lack the shard id:\n%s", log)
	}
}

func TestServeOpsConfigRefused(t *testing.T) {
	t.Parallel()
	base := map[string]string{"DISCORD_TOKEN": discordtest.BotToken, "DISCORD_API_URL": "http://127.0.0.1:1"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no gateway, no http", nil, []string{"--no-gateway"}, "needs --http"},
		{"gateway off, no http", map[string]string{"NEWSBOT_GATEWAY": "off"}, nil, "needs --http"},
		{"http without public key", nil, []string{"--http", "127.0.0.1:0"}, "DISCORD_PUBLIC_KEY"},
		{"bad gateway setting", map[string]string{"NEWSBOT_GATEWAY": "maybe"}, nil, "NEWSBOT_GATEWAY"},
		{"bad public key", map[string]string{"DISCORD_PUBLIC_KEY": "abc"}, []string{"--http", "127.0.0.1:0"}, "DISCORD_PUBLIC_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			args := append([]string{"-db", filepath.Join(t.TempDir(), "x.db"), "serve"}, tt.args...)
			err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(serve %v) = %v; want an error naming %s", tt.args, err, tt.want)
			}
		})
	}
}
