package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/ingest"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/internal/discordtest"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/index"
)

// httpHarness runs the frontend as an HTTP replica (no gateway) behind a
// loopback interactions endpoint, with REST going to the fake Discord.
type httpHarness struct {
	harness
	url  string // the interactions endpoint
	priv ed25519.PrivateKey
}

func startHTTP(t *testing.T, userRate int) *httpHarness {
	t.Helper()
	fake := discordtest.New(t, discordtest.WithGuild(guildA, "Alpha"))
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "news.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seeds := map[string]string{"seed.txt": seedText, "glacier.md": "---\ntitle: Glacier lab opens\nsource: Polar Times\n---\nThe Zorblat research station opened a glacier laboratory on Friday, the first of its kind on the ice shelf, officials said."}
	for name, text := range seeds {
		if _, err := ingest.Reader(ctx, db, name, strings.NewReader(text), ingest.Options{AddedBy: "test", Scope: corpus.GlobalScope}); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := index.OpenLive(ctx, db, index.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	core := bot.New(retrieval.New(idx, db, retrieval.Options{}), nil, db, bot.Options{})
	fe, err := discord.New(core, discord.Config{Token: discordtest.BotToken, APIURL: fake.URL(), UserPerMinute: userRate})
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := discord.ParsePublicKey(hex.EncodeToString(pub))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fe.InteractionsHandler(key))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- fe.Serve(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
	})
	return &httpHarness{harness: harness{fake: fake, db: db}, url: srv.URL, priv: priv}
}

// post delivers a signed interaction and returns the endpoint's answer.
func (h *httpHarness) post(t *testing.T, id string, body []byte) *discordgo.InteractionResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, out, err := h.fake.PostInteraction(ctx, h.url, h.priv, id, body)
	if err != nil {
		t.Fatalf("PostInteraction: %v", err)
	}
	if status != http.StatusOK {
		t.Fatalf("endpoint answered %d %s; want 200", status, out)
	}
	var resp discordgo.InteractionResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("endpoint answer %s: %v", out, err)
	}
	return &resp
}

func interactionOf(t *testing.T, body []byte) *discordgo.Interaction {
	t.Helper()
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		t.Fatal(err)
	}
	return &i
}

func httpAsk(q string) discordtest.Cmd {
	return discordtest.Cmd{Name: "ask", GuildID: guildA, User: member, Options: []*discordgo.ApplicationCommandInteractionDataOption{discordtest.Opt("question", q)}}
}

func TestHTTPPing(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, 0)
	id, body := h.fake.PingHTTP()
	if resp := h.post(t, id, body); resp.Type != discordgo.InteractionResponsePong {
		t.Errorf("PING answered type %d; want 1", resp.Type)
	}
	if n := len(h.fake.Requests()); n != 0 {
		t.Errorf("PING made %d REST requests; want none", n)
	}
}

func TestHTTPAskDeferredThenEdited(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, 0)
	id, body := h.fake.SlashCommandHTTP(httpAsk("Which country has recognised the Taliban government recently?"))
	resp := h.post(t, id, body)
	if resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Fatalf("first answer type %d; want a deferred response (5)", resp.Type)
	}
	if resp.Data != nil && resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0 {
		t.Errorf("deferral of a public /ask is ephemeral")
	}
	edit := h.final(t, interactionOf(t, body))
	got := text(edit)
	for _, want := range []string{"Russia", "[1]", "Pakistan Dismisses Recognition Of Taliban"} {
		if !strings.Contains(got, want) {
			t.Errorf("final edit lacks %q: %s", want, got)
		}
	}
	for _, r := range h.fake.Requests() {
		if strings.HasPrefix(r.Path, "/interactions/") {
			t.Errorf("REST callback %s %s: the HTTP answer is the callback", r.Method, r.Path)
		}
	}
}

func TestHTTPImmediateAnswersAndAutocomplete(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, 0)
	tests := []struct {
		name     string
		deliver  func() (string, []byte)
		wantType discordgo.InteractionResponseType
		want     string
	}{
		{"latest", func() (string, []byte) {
			return h.fake.SlashCommandHTTP(discordtest.Cmd{Name: "latest", GuildID: guildA, User: member})
		}, discordgo.InteractionResponseChannelMessageWithSource, "Pakistan Dismisses"},
		{"too long a question", func() (string, []byte) {
			return h.fake.SlashCommandHTTP(httpAsk(strings.Repeat("why ", 300)))
		}, discordgo.InteractionResponseChannelMessageWithSource, "please keep it under"},
		{"private ask", func() (string, []byte) {
			c := httpAsk("Which country has recognised the Taliban government recently?")
			c.Options = append(c.Options, discordtest.Opt("private", true))
			return h.fake.SlashCommandHTTP(c)
		}, discordgo.InteractionResponseDeferredChannelMessageWithSource, `"flags":64`},
		{"autocomplete", func() (string, []byte) {
			return h.fake.AutocompleteHTTP(discordtest.Cmd{Name: "latest", GuildID: guildA, User: member, Options: []*discordgo.ApplicationCommandInteractionDataOption{discordtest.Opt("source", "polar")}})
		}, discordgo.InteractionApplicationCommandAutocompleteResult, "Polar Times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, body := tt.deliver()
			resp := h.post(t, id, body)
			if resp.Type != tt.wantType {
				t.Errorf("answer type %d; want %d", resp.Type, tt.wantType)
			}
			raw, _ := json.Marshal(resp)
			if !strings.Contains(string(raw), tt.want) {
				t.Errorf("answer lacks %q: %s", tt.want, raw)
			}
		})
	}
}

// TestHTTPRefusesUnsigned sends /ask requests that Discord did not sign
// (or signed for another body or long ago). Each must be refused with 401
// before anything runs: the user's rate limit is one question a minute,
// so a question that got through would make the valid one at the end
// refused, and no REST request may name a refused interaction.
func TestHTTPRefusesUnsigned(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, 1)
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tests := []struct {
		name   string
		header func(body []byte) http.Header
		body   func(body []byte) []byte // what is sent instead of the signed body
	}{
		{"wrong key", func(b []byte) http.Header { return discordtest.Sign(otherKey, now, b) }, nil},
		{"altered body", func(b []byte) http.Header { return discordtest.Sign(h.priv, now, b) },
			func(b []byte) []byte { return bytes.Replace(b, []byte("Taliban"), []byte("Talibam"), 1) }},
		{"stale timestamp", func(b []byte) http.Header { return discordtest.Sign(h.priv, now.Add(-10*time.Minute), b) }, nil},
		{"future timestamp", func(b []byte) http.Header { return discordtest.Sign(h.priv, now.Add(10*time.Minute), b) }, nil},
		{"missing timestamp", func(b []byte) http.Header {
			hd := discordtest.Sign(h.priv, now, b)
			hd.Del("X-Signature-Timestamp")
			return hd
		}, nil},
		{"timestamp not signed", func(b []byte) http.Header {
			hd := discordtest.Sign(h.priv, now, b)
			hd.Set("X-Signature-Timestamp", strconv.FormatInt(now.Unix()+1, 10))
			return hd
		}, nil},
		{"missing signature", func(b []byte) http.Header {
			hd := discordtest.Sign(h.priv, now, b)
			hd.Del("X-Signature-Ed25519")
			return hd
		}, nil},
		{"signature not hex", func(b []byte) http.Header {
			hd := discordtest.Sign(h.priv, now, b)
			hd.Set("X-Signature-Ed25519", "zz"+hd.Get("X-Signature-Ed25519")[2:])
			return hd
		}, nil},
	}
	var refused []string // tokens of refused interactions
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := h.fake.SlashCommandHTTP(httpAsk("Which country has recognised the Taliban government recently?"))
			refused = append(refused, interactionOf(t, body).Token)
			hd := tt.header(body)
			if tt.body != nil {
				body = tt.body(body)
			}
			req, err := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range hd {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d; want 401", resp.StatusCode)
			}
		})
	}
	id, body := h.fake.SlashCommandHTTP(httpAsk("Which country has recognised the Taliban government recently?"))
	if resp := h.post(t, id, body); resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		raw, _ := json.Marshal(resp)
		t.Fatalf("the valid /ask after the refused ones was answered %s; want a deferral (a refused request used the rate limit?)", raw)
	}
	if got := text(h.final(t, interactionOf(t, body))); !strings.Contains(got, "Russia") {
		t.Errorf("valid /ask answered %s", got)
	}
	for _, r := range h.fake.Requests() {
		for _, tok := range refused {
			if strings.Contains(r.Path, tok) {
				t.Errorf("REST request %s %s for a refused interaction", r.Method, r.Path)
			}
		}
	}
}

func TestHTTPMethodAndSize(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, 0)
	resp, err := http.Get(h.url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d, Allow %q; want 405 with Allow: POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	big := bytes.Repeat([]byte("x"), 2<<20)
	req, err := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range discordtest.Sign(h.priv, time.Now(), big) {
		req.Header[k] = v
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %d; want 413", resp.StatusCode)
	}
}

// TestHTTPRefusesBeforeReadingBody: a request without a signature is
// refused at once, without waiting for a body that never ends (a client
// trickling one in would otherwise hold the connection).
func TestHTTPRefusesBeforeReadingBody(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, 0)
	body, w := io.Pipe()
	defer w.Close()
	go w.Write([]byte(`{"type":`)) // and nothing more, ever
	req, err := http.NewRequest(http.MethodPost, h.url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned, endless body: %d; want 401", resp.StatusCode)
	}
}

// TestHTTPEditsFollowTheAnswer: an /ask answered over HTTP gets its
// answer even when it is ready at once (a question the corpus does not
// cover): Discord creates the message from the endpoint's answer, and an
// edit that arrives before it (refused as Unknown Webhook) is sent again.
func TestHTTPEditsFollowTheAnswer(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, 1000)
	for range 30 {
		id, body := h.fake.SlashCommandHTTP(httpAsk("What did the Quuxville harbour authority decide about ferries?"))
		if resp := h.post(t, id, body); resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
			t.Fatalf("first answer type %d; want a deferral (5)", resp.Type)
		}
		i := interactionOf(t, body)
		edit := h.wait(t, "the answer accepted", func(r discordtest.Request) bool {
			return r.Method == http.MethodPatch && strings.Contains(r.Path, "/"+i.Token+"/messages/@original") && r.Status < 300
		})
		if !strings.Contains(text(edit), "does not cover") {
			t.Errorf("interaction %s: answer %s; want not covered", id, text(edit))
		}
	}
}
