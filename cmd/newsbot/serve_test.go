package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/internal/discordtest"
)

// TestServe runs `newsbot serve` as an operator would, against the fake
// Discord: the sample article is loaded, the commands are registered, and an
// /ask about it is acknowledged at once and answered with the cited source.
func TestServe(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithGuild("2000000000000000001", "Alpha"))
	env := map[string]string{"DISCORD_TOKEN": discordtest.BotToken, "DISCORD_API_URL": fake.URL()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stdout, stderr bytes.Buffer
	go func() {
		// No command: a token makes serve the default.
		done <- run(ctx, []string{"-db", filepath.Join(t.TempDir(), "x.db")}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	}()
	if err := fake.WaitReady(10 * time.Second); err != nil {
		cancel()
		t.Fatalf("%v (stderr: %s)", err, stderr.String())
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if _, err := fake.WaitRequest(wctx, func(r discordtest.Request) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/commands") && r.Status < 300
	}); err != nil {
		t.Fatalf("commands not registered: %v", err)
	}
	names := map[string]bool{}
	for _, c := range fake.Commands("") {
		names[c.Name] = true
	}
	for _, want := range []string{"ask", "latest", "story", "search", "sources", "add", "remove"} {
		if !names[want] {
			t.Errorf("command /%s not registered (have %v)", want, names)
		}
	}

	sent := time.Now()
	i := fake.SlashCommand(discordtest.Cmd{Name: "ask", GuildID: "2000000000000000001", Options: []*discordgo.ApplicationCommandInteractionDataOption{discordtest.Opt("question", "Which country has recognised the Taliban government recently?")}})
	cb, err := fake.WaitRequest(wctx, func(r discordtest.Request) bool { return strings.HasSuffix(r.Path, "/"+i.Token+"/callback") })
	if err != nil {
		t.Fatal(err)
	}
	// Discord allows 3 s for the acknowledgement; the figure is reported,
	// and the order (acknowledged, then answered) is what is checked.
	t.Logf("acknowledged after %v (Discord allows 3 s)", cb.Time.Sub(sent).Round(time.Millisecond))
	edit, err := fake.WaitRequest(wctx, func(r discordtest.Request) bool {
		return r.Method == http.MethodPatch && strings.Contains(r.Path, i.Token+"/messages/@original")
	})
	if err != nil {
		t.Fatal(err)
	}
	if edit.Time.Before(cb.Time) {
		t.Errorf("answer edited at %v, before the acknowledgement at %v", edit.Time, cb.Time)
	}
	body, _ := json.Marshal(edit.JSON)
	for _, want := range []string{"Russia", "Pakistan Dismisses Recognition Of Taliban", "https://www.afintl.com/en/202507254664", `"allowed_mentions":{"parse":[]`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("answer edit lacks %s: %s", want, body)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v; want a clean shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within the shutdown grace")
	}
}
