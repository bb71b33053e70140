package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/follow"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/postgres"
	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/internal/discordtest"
)

// TestFollowAcceptance is issue 15's acceptance test 3, through the real
// discordgo client against the fake Discord: a member follows a question;
// an article that answers it arrives (ingested by another process, the
// CLI) and exactly one cited update is posted in the channel; another
// outlet's copy of the same story posts nothing; the bot restarts over
// the same database and posts nothing again, nor for a third copy; the
// per-user and per-server limits refuse follows with a reason; a member
// cannot remove someone else's follow and a moderator can. On SQLite and
// on PostgreSQL (skipped without NEWSBOT_TEST_POSTGRES).
func TestFollowAcceptance(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var db string
			var st store
			var err error
			if backend == "postgres" {
				db = pgtest.DSN(t)
				st, err = postgres.Open(context.Background(), db)
			} else {
				db = filepath.Join(t.TempDir(), "x.db")
				st, err = sqlite.Open(context.Background(), db)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			followAcceptance(t, db, st)
		})
	}
}

func followAcceptance(t *testing.T, db string, st store) {
	srv := newsSite(t)
	cache := t.TempDir() // a PostgreSQL database's index snapshot goes here
	cli := map[string]string{"NEWSBOT_FETCH_ALLOW": "127.0.0.1", "NEWSBOT_DB": db, "XDG_CACHE_HOME": cache}
	mustRun(t, cli, "ingest", srv.URL+"/bbc/election")

	const (
		guild   = "2000000000000000001"
		channel = "2000000000000000777"
		alice   = "1100000000000000010"
		bob     = "1100000000000000011"
		mod     = "1100000000000000012"
	)
	fake := discordtest.New(t, discordtest.WithGuild(guild, "Alpha"))
	env := map[string]string{
		"DISCORD_TOKEN": discordtest.BotToken, "DISCORD_API_URL": fake.URL(), "NEWSBOT_DB": db, "XDG_CACHE_HOME": cache,
		"NEWSBOT_FOLLOW_INTERVAL": "50ms", "NEWSBOT_FOLLOWS_PER_USER": "2", "NEWSBOT_FOLLOWS_PER_SERVER": "3",
	}
	serve := func() (stop func()) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		var stdout, stderr bytes.Buffer
		go func() {
			done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
		}()
		if err := fake.WaitReady(10 * time.Second); err != nil {
			cancel()
			t.Fatalf("%v (stderr: %s)", err, stderr.String())
		}
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve returned %v (stderr: %s)", err, stderr.String())
			}
		}
	}
	stop := serve()
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	command := func(user string, perms int64, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) string {
		t.Helper()
		i := fake.SlashCommand(discordtest.Cmd{Name: name, GuildID: guild, ChannelID: channel, User: &discordgo.User{ID: user, Username: "u" + user[len(user)-2:]}, Permissions: perms, Options: opts})
		cb, err := fake.WaitRequest(wctx, func(r discordtest.Request) bool { return strings.HasSuffix(r.Path, "/"+i.Token+"/callback") })
		if err != nil {
			t.Fatalf("/%s: %v", name, err)
		}
		body, _ := json.Marshal(cb.JSON)
		return string(body)
	}
	// updates are the bot's messages in the channel that are not
	// interaction responses: the follow's posts.
	updates := func() []*discordgo.Message {
		var out []*discordgo.Message
		for _, m := range fake.Messages(channel) {
			if m.Interaction == nil && m.InteractionMetadata == nil && strings.Contains(m.Content, "New since") {
				out = append(out, m)
			}
		}
		return out
	}
	// settled waits until the follow has considered every change so far
	// (its cursor reached the end of the log): what it would post, it has.
	settled := func(id int64) {
		t.Helper()
		for wctx.Err() == nil {
			last, err := st.LastSeq(wctx)
			if err != nil {
				t.Fatal(err)
			}
			f, err := st.Follow(wctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if f.Cursor >= last {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatal("the follow did not catch up with the change log")
	}

	got := command(alice, 0, "follow", discordtest.Opt("question", "Where did Hurricane Orla make landfall?"))
	if !strings.Contains(got, "follow #1") || strings.Contains(got, `"flags":64`) {
		t.Fatalf("/follow = %s; want follow #1, in the channel", got)
	}

	mustRun(t, cli, "ingest", srv.URL+"/ap/orla")
	for len(updates()) == 0 && wctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	settled(1)
	ups := updates()
	if len(ups) != 1 {
		t.Fatalf("updates after the first article = %d; want 1", len(ups))
	}
	u := ups[0]
	t.Logf("update: %s", u.Content)
	if !strings.Contains(u.Content, "[1]") || len(u.Embeds) != 1 || !strings.Contains(u.Embeds[0].Description, "Hurricane Orla slams") || !strings.Contains(u.Embeds[0].Description, "AP") {
		t.Errorf("update = %q %+v; want a cited sentence and the AP article as source [1]", u.Content, u.Embeds)
	}

	// Another outlet's copy of the same story: no new post.
	mustRun(t, cli, "ingest", srv.URL+"/usatoday/orla")
	settled(1)
	if n := len(updates()); n != 1 {
		t.Errorf("updates after a copy from another outlet = %d; want still 1", n)
	}

	// A restart over the same database: nothing is posted again, and a
	// third outlet's copy still posts nothing.
	stop()
	stop = serve()
	defer func() { stop() }()
	mustRun(t, cli, "ingest", srv.URL+"/gazette/orla")
	settled(1)
	if n := len(updates()); n != 1 {
		t.Errorf("updates after a restart and a third copy = %d; want still 1", n)
	}
	following := command(alice, 0, "following")
	if !strings.Contains(following, "#1") || !strings.Contains(following, "last update") {
		t.Errorf("/following = %s; want follow #1 with its last update", following)
	}

	// Limits: two per user, three per server.
	if got := command(alice, 0, "follow", discordtest.Opt("question", "Who won the election in Norway?")); !strings.Contains(got, "follow #2") {
		t.Errorf("alice's second follow = %s", got)
	}
	if got := command(alice, 0, "follow", discordtest.Opt("question", "What did the storm cost?")); !strings.Contains(got, "you already follow 2") || !strings.Contains(got, `"flags":64`) {
		t.Errorf("alice's third follow = %s; want the per-user limit, ephemeral", got)
	}
	if got := command(bob, 0, "follow", discordtest.Opt("question", "Who leads the new government?")); !strings.Contains(got, "follow #3") {
		t.Errorf("bob's follow = %s", got)
	}
	if got := command(mod, int64(discordgo.PermissionManageMessages), "follow", discordtest.Opt("question", "Any more storms?")); !strings.Contains(got, "this server already follows 3") {
		t.Errorf("a fourth follow in the server = %s; want the per-server limit", got)
	}

	// Permissions: a member cannot remove another's follow; a moderator can.
	if got := command(bob, 0, "unfollow", discordtest.Opt("id", 1)); !strings.Contains(got, "someone else") || !strings.Contains(got, `"flags":64`) {
		t.Errorf("bob's /unfollow of alice's follow = %s; want refused, ephemeral", got)
	}
	if got := command(bob, 0, "following", discordtest.Opt("channel", "2000000000000000888")); !strings.Contains(got, "Only moderators") {
		t.Errorf("bob listing another channel = %s; want refused", got)
	}
	if got := command(mod, int64(discordgo.PermissionManageMessages), "unfollow", discordtest.Opt("id", 1)); !strings.Contains(got, "Stopped following") {
		t.Errorf("moderator's /unfollow = %s; want removed", got)
	}
	if got := command(alice, 0, "unfollow", discordtest.Opt("id", 2)); !strings.Contains(got, "Stopped following") {
		t.Errorf("alice's /unfollow of her own = %s; want removed", got)
	}
	if got := command(alice, 0, "following"); strings.Contains(got, "#1") || !strings.Contains(got, "#3") {
		t.Errorf("/following after removals = %s; want only #3", got)
	}
}

// recorder is a frontend that records the updates it is given.
type recorder struct {
	mu  sync.Mutex
	got []bot.FollowUpdate
}

func (r *recorder) PostFollowUpdate(_ context.Context, _ corpus.Follow, u bot.FollowUpdate) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, u)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// TestFollowTwoProcesses: two serving processes (each its own store
// connection, index, bot and follow worker) over one PostgreSQL database
// work on the same follow at once; the article that answers it is posted
// once, not twice, and another outlet's copy not at all. Skipped without
// NEWSBOT_TEST_POSTGRES.
func TestFollowTwoProcesses(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	srv := newsSite(t)
	cli := map[string]string{"NEWSBOT_FETCH_ALLOW": "127.0.0.1", "NEWSBOT_DB": dsn, "XDG_CACHE_HOME": t.TempDir()}
	mustRun(t, cli, "ingest", srv.URL+"/bbc/election")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// No snapshot: the test's index lives in memory only.
	e := &env{log: slog.New(slog.DiscardHandler), cfg: config{IndexSnapshot: "off"}}
	post := &recorder{}
	type process struct {
		db  store
		idx *corpusIndex
		b   *bot.Bot
		w   *follow.Worker
	}
	var procs []process
	for i := range 2 {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		idx, stop, err := serveIndex(ctx, e, db)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		b, _ := newBot(e, db, idx)
		w := follow.New(db, b, post, idx, follow.Options{Frontend: "console", Owner: fmt.Sprint("process-", i), Interval: 10 * time.Millisecond, Tick: 10 * time.Millisecond})
		procs = append(procs, process{db, idx, b, w})
	}
	f, err := procs[0].b.Follow(ctx, operator, bot.Channel{Frontend: "console", ID: "console"}, "Where did Hurricane Orla make landfall?")
	if err != nil {
		t.Fatal(err)
	}
	// caughtUp runs both workers at once until the follow has considered
	// the whole log, as both indexes have applied it.
	caughtUp := func() {
		t.Helper()
		for ctx.Err() == nil {
			last, err := procs[0].db.LastSeq(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, p := range procs {
				wg.Go(func() {
					if _, err := p.w.RunOnce(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			g, err := procs[0].db.Follow(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			if g.Cursor >= last && procs[0].idx.Seq() >= last && procs[1].idx.Seq() >= last {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatal("the follow did not catch up with the change log")
	}
	mustRun(t, cli, "ingest", srv.URL+"/ap/orla")
	caughtUp()
	if n := post.count(); n != 1 {
		t.Fatalf("updates from two processes = %d; want 1", n)
	}
	mustRun(t, cli, "ingest", srv.URL+"/usatoday/orla")
	caughtUp()
	if n := post.count(); n != 1 {
		t.Errorf("updates after another outlet's copy = %d; want still 1", n)
	}
}

// TestFollowConsole: the console follows a question and prints the
// update when an article that answers it arrives (from another process),
// while it keeps taking commands; /following and /unfollow work.
func TestFollowConsole(t *testing.T) {
	t.Parallel()
	srv := newsSite(t)
	db := filepath.Join(t.TempDir(), "x.db")
	inR, inW := io.Pipe()
	var out, errOut syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	env := map[string]string{"NEWSBOT_FOLLOW_INTERVAL": "50ms"}
	go func() {
		done <- run(ctx, []string{"-db", db, "chat"}, func(k string) string { return env[k] }, inR, &out, &errOut)
	}()
	waitFor(t, &out, "Ask a question")
	io.WriteString(inW, "/follow Where did Hurricane Orla make landfall?\n")
	waitFor(t, &out, "(follow #1)")
	mustRun(t, map[string]string{"NEWSBOT_FETCH_ALLOW": "127.0.0.1"}, "-db", db, "ingest", srv.URL+"/ap/orla")
	waitFor(t, &out, "(follow #1, “Where did Hurricane Orla make landfall?”): ")
	io.WriteString(inW, "/following\n")
	waitFor(t, &out, "#1 “Where did Hurricane Orla make landfall?” — last update")
	io.WriteString(inW, "/unfollow 1\n")
	waitFor(t, &out, "Stopped following")
	io.WriteString(inW, "/quit\n")
	if err := <-done; err != nil {
		t.Fatalf("chat = %v; stderr: %s", err, errOut.String())
	}
	if got := out.String(); strings.Count(got, "New since") != 1 || !strings.Contains(got, "Hurricane Orla slams") {
		t.Errorf("console output:\n%s\nwant one update citing the AP article", got)
	}
}
