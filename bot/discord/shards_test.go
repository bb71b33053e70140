package discord_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
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

// shardGuild returns a guild id that shard `shard` of 2 owns:
// (id >> 22) % 2 == shard.
func shardGuild(n, shard int) string {
	return fmt.Sprint(uint64(1_000_000+2*n+shard)<<22 | 7)
}

// logBuffer is a log destination that shards write to concurrently.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runShard runs a frontend with sharding sh against fake over a fresh store
// with the seed article, logging at debug level to the returned buffer.
func runShard(t *testing.T, fake *discordtest.Server, sh discord.Sharding) *logBuffer {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "news.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := ingest.Reader(ctx, db, "seed.txt", strings.NewReader(seedText), ingest.Options{AddedBy: "test", Scope: corpus.GlobalScope}); err != nil {
		t.Fatal(err)
	}
	idx, err := index.OpenLive(ctx, db, index.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	fe, err := discord.New(bot.New(retrieval.New(idx, db, retrieval.Options{}), nil, db, bot.Options{}), discord.Config{
		Token:         discordtest.BotToken,
		APIURL:        fake.URL(),
		UserPerMinute: 1000,
		Shards:        sh,
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	discord.SetIdentifyInterval(fe, 10*time.Millisecond)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- fe.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run(shards %+v): %v", sh, err)
		}
	})
	return logs
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// askIn asks in guild and waits for the final answer.
func askIn(t *testing.T, fake *discordtest.Server, guild string) *discordgo.Interaction {
	t.Helper()
	h := &harness{fake: fake}
	i := fake.SlashCommand(discordtest.Cmd{Name: "ask", GuildID: guild, User: member, Options: []*discordgo.ApplicationCommandInteractionDataOption{discordtest.Opt("question", "Which country has recognised the Taliban government recently?")}})
	if got := text(h.final(t, i)); !strings.Contains(got, "Russia") {
		t.Errorf("answer in guild %s = %q; want Russia from the seed", guild, got)
	}
	return i
}

// registrations counts the successful command registrations.
func registrations(fake *discordtest.Server) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/commands") && r.Status < 300 {
			n++
		}
	}
	return n
}

// checkRouting checks that every event about guilds went to the shard that
// owns them, and that each guild's /ask reached its shard's log only.
func checkRouting(t *testing.T, fake *discordtest.Server, guilds []string, logs map[int]*logBuffer) {
	t.Helper()
	got := map[string]map[int]bool{}
	for _, d := range fake.Deliveries() {
		if d.GuildID == "" {
			continue
		}
		if want := discordtest.ShardOf(d.GuildID, 2); d.Shard != [2]int{want, 2} {
			t.Errorf("%s of guild %s went to shard %v; want [%d 2]", d.Event, d.GuildID, d.Shard, want)
		}
		if d.Event == "INTERACTION_CREATE" {
			if got[d.GuildID] == nil {
				got[d.GuildID] = map[int]bool{}
			}
			got[d.GuildID][d.Shard[0]] = true
		}
	}
	for _, g := range guilds {
		own := discordtest.ShardOf(g, 2)
		if !got[g][own] {
			t.Errorf("guild %s: no INTERACTION_CREATE delivered to its shard %d", g, own)
		}
		// The "interaction served" line follows the answer's last edit.
		waitFor(t, "shard's log of guild "+g, func() bool { return strings.Contains(logs[own].String(), "guild_id="+g) })
		for shard, l := range logs {
			if shard != own && strings.Contains(l.String(), "guild_id="+g) {
				t.Errorf("shard %d's log mentions guild %s; want only shard %d's", shard, g, own)
			}
		}
	}
}

// TestTwoShardProcesses runs shard 0 and shard 1 of 2 as two frontends (two
// processes' worth: their own sessions, stores and logs) against one fake:
// each receives only its guilds' events, answers /ask there, and only shard
// 0 registers the commands.
func TestTwoShardProcesses(t *testing.T) {
	t.Parallel()
	guilds := []string{shardGuild(0, 0), shardGuild(0, 1), shardGuild(1, 0), shardGuild(1, 1)}
	var opts []discordtest.Option
	for i, g := range guilds {
		opts = append(opts, discordtest.WithGuild(g, fmt.Sprintf("Guild %d", i)))
	}
	fake := discordtest.New(t, append(opts, discordtest.WithGatewayBot(2, 1))...)
	logs := map[int]*logBuffer{
		0: runShard(t, fake, discord.Sharding{ID: 0, Count: 2}),
		1: runShard(t, fake, discord.Sharding{ID: 1, Count: 2}),
	}
	waitFor(t, "both shards connected", func() bool {
		return strings.Contains(logs[0].String(), "commands registered") && strings.Contains(logs[1].String(), "commands left to shard 0")
	})
	for _, g := range guilds {
		askIn(t, fake, g)
	}
	checkRouting(t, fake, guilds, logs)
	if n := registrations(fake); n != 1 {
		t.Errorf("command registrations = %d; want 1 (shard 0 only)", n)
	}
	var shards [][2]int
	for _, id := range fake.Identifies() {
		if id.Shard == nil {
			t.Fatal("a shard identified without its shard")
		}
		shards = append(shards, *id.Shard)
	}
	if len(shards) != 2 || shards[0][1] != 2 || shards[1][1] != 2 || shards[0][0] == shards[1][0] {
		t.Errorf("IDENTIFY shards = %v; want [0 2] and [1 2]", shards)
	}
}

// TestAutoSharding: DISCORD_SHARD_COUNT=auto reads the shard count from
// GET /gateway/bot and runs every shard in one process, identifying them
// one group of max_concurrency at a time, and registers the commands once.
func TestAutoSharding(t *testing.T) {
	t.Parallel()
	guilds := []string{shardGuild(0, 0), shardGuild(0, 1)}
	fake := discordtest.New(t, discordtest.WithGuild(guilds[0], "Zero"), discordtest.WithGuild(guilds[1], "One"), discordtest.WithGatewayBot(2, 1))
	logs := runShard(t, fake, discord.Sharding{Auto: true})
	waitFor(t, "commands registered", func() bool { return strings.Contains(logs.String(), "commands registered") })
	for _, g := range guilds {
		askIn(t, fake, g)
	}
	ids := fake.Identifies()
	if len(ids) != 2 || ids[0].Shard == nil || ids[1].Shard == nil || *ids[0].Shard != [2]int{0, 2} || *ids[1].Shard != [2]int{1, 2} {
		t.Fatalf("IDENTIFY payloads = %+v; want shard [0 2] then [1 2] (max_concurrency 1: one at a time, in order)", ids)
	}
	if n := registrations(fake); n != 1 {
		t.Errorf("command registrations = %d; want 1", n)
	}
	if !strings.Contains(logs.String(), "shards=2 max_concurrency=1") {
		t.Errorf("log does not say the gateway's shard count: %s", logs.String())
	}
	for _, d := range fake.Deliveries() {
		if d.GuildID != "" && d.Shard != [2]int{discordtest.ShardOf(d.GuildID, 2), 2} {
			t.Errorf("%s of guild %s went to shard %v", d.Event, d.GuildID, d.Shard)
		}
	}
}

func TestShardingValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sh      discord.Sharding
		wantErr string
	}{
		{discord.Sharding{}, ""},
		{discord.Sharding{ID: 0, Count: 1}, ""},
		{discord.Sharding{ID: 3, Count: 4}, ""},
		{discord.Sharding{Auto: true}, ""},
		{discord.Sharding{ID: 4, Count: 4}, "must be below DISCORD_SHARD_COUNT 4"},
		{discord.Sharding{ID: 1}, "needs DISCORD_SHARD_COUNT"},
		{discord.Sharding{ID: -1, Count: 2}, "want 0 or more"},
		{discord.Sharding{Count: -2}, "want a positive number or auto"},
		{discord.Sharding{Auto: true, ID: 1}, "must be unset with DISCORD_SHARD_COUNT=auto"},
	} {
		err := tc.sh.Validate()
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Sharding%+v.Validate() = %v; want %q", tc.sh, err, tc.wantErr)
		}
	}
	if _, err := discord.New(nil, discord.Config{Token: "x", Shards: discord.Sharding{ID: 2, Count: 2}}); err == nil || !strings.Contains(err.Error(), "DISCORD_SHARD_ID 2") {
		t.Errorf("New(shard 2 of 2) = %v; want the settings named", err)
	}
}
