package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/postgres"
	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/internal/discordtest"
)

// newsPages maps the fake news site's paths to the story fixtures of
// corpus/stories they serve: three outlets' copies of the Hurricane Orla
// wire story and an unrelated election report.
var newsPages = map[string]string{
	"/ap/orla":       "orla-ap",
	"/usatoday/orla": "orla-usatoday",
	"/gazette/orla":  "orla-gazette",
	"/bbc/election":  "election",
}

// newsSite serves newsPages as article pages, each with its outlet
// (og:site_name), published time, headline and paragraphs, as the pages
// of corpus/feeds' fixtures are.
func newsSite(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := newsPages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		data, err := os.ReadFile(filepath.Join("..", "..", "corpus", "stories", "testdata", name+".txt"))
		if err != nil {
			t.Error(err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		head, body, _ := strings.Cut(string(data), "\n\n")
		meta := map[string]string{}
		for _, l := range strings.Split(head, "\n") {
			k, v, _ := strings.Cut(l, ": ")
			meta[k] = v
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%s | %s</title>\n", html.EscapeString(meta["title"]), html.EscapeString(meta["source"]))
		fmt.Fprintf(w, "<meta property=\"og:site_name\" content=\"%s\">\n", html.EscapeString(meta["source"]))
		fmt.Fprintf(w, "<meta property=\"article:published_time\" content=\"%s\">\n", meta["published"])
		fmt.Fprintf(w, "</head><body><nav><a href=\"/\">Home</a></nav>\n<article><h1>%s</h1>\n", html.EscapeString(meta["title"]))
		for _, p := range strings.Split(strings.TrimSpace(body), "\n\n") {
			fmt.Fprintf(w, "<p>%s</p>\n", html.EscapeString(p))
		}
		fmt.Fprint(w, "</article><footer>Copyright</footer></body></html>\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

var storyRef = regexp.MustCompile(`(\d+) outlets \(/story (\d+)\)`)

// TestStoriesAcceptance is issue 15's acceptance test 2: three outlets'
// copies of one story and an unrelated story, ingested from the fake news
// site; latest shows two stories, one with "3 outlets", and story lists
// the three, in the CLI and in the console; on SQLite and on PostgreSQL
// (skipped without NEWSBOT_TEST_POSTGRES).
func TestStoriesAcceptance(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"NEWSBOT_FETCH_ALLOW": "127.0.0.1", "XDG_CACHE_HOME": t.TempDir()}
			if backend == "postgres" {
				env["NEWSBOT_DB"] = pgtest.DSN(t)
			} else {
				env["NEWSBOT_DB"] = filepath.Join(t.TempDir(), "x.db")
			}
			storiesAcceptance(t, env)
		})
	}
}

func storiesAcceptance(t *testing.T, env map[string]string) {
	srv := newsSite(t)
	args := []string{"ingest"}
	for _, p := range []string{"/ap/orla", "/usatoday/orla", "/gazette/orla", "/bbc/election"} {
		args = append(args, srv.URL+p)
	}
	if out := mustRun(t, env, args...); !strings.Contains(out, "added 4") {
		t.Fatalf("ingest printed %q; want 4 articles added", out)
	}

	var heads []console.StoryHeadJSON
	if err := json.Unmarshal([]byte(mustRun(t, env, "latest", "--json")), &heads); err != nil {
		t.Fatal(err)
	}
	if len(heads) != 2 {
		t.Fatalf("latest --json = %d stories (%+v); want 2", len(heads), heads)
	}
	var orla console.StoryHeadJSON
	for _, h := range heads {
		if h.Outlets == 3 {
			orla = h
		} else if h.Outlets != 1 || h.Articles != 1 || !strings.Contains(h.Title, "Norway") {
			t.Errorf("latest: other story = %+v; want the election report alone", h)
		}
	}
	if orla.Articles != 3 || !strings.Contains(orla.Title, "Orla") {
		t.Fatalf("latest: the Orla story = %+v; want 3 articles from 3 outlets", orla)
	}

	text := mustRun(t, env, "latest")
	m := storyRef.FindStringSubmatch(text)
	if rows := regexp.MustCompile(`(?m)^\d+\. `).FindAllString(text, -1); len(rows) != 2 || m == nil || m[1] != "3" || m[2] != fmt.Sprint(orla.StoryID) {
		t.Fatalf("latest =\n%s\nwant 2 rows, one with \"3 outlets (/story %d)\"", text, orla.StoryID)
	}

	story := mustRun(t, env, "story", m[2])
	for _, want := range []string{"3 articles from 3 outlets (AP, USA TODAY, Coastal Gazette)", "1. Hurricane Orla slams", "2. Hurricane Orla makes landfall", "3. Orla hits Port Carrow", "Added "} {
		if !strings.Contains(story, want) {
			t.Errorf("story %s lacks %q:\n%s", m[2], want, story)
		}
	}
	var sj console.StoryJSON
	if err := json.Unmarshal([]byte(mustRun(t, env, "story", "--json", m[2])), &sj); err != nil {
		t.Fatal(err)
	}
	if len(sj.ArticleSet) != 3 || len(sj.Outlets) != 3 || len(sj.ArticleSet[0].Added) == 0 {
		t.Errorf("story --json = %+v; want 3 articles from 3 outlets, the first adding its sentences", sj)
	}

	// A question about a period lists its stories, not each copy: the
	// three outlets' reports are one line that says so.
	week := mustRun(t, env, "ask", "--as-of", "2026-10-11", "What happened this week?")
	if !strings.Contains(week, "Stories published") || strings.Count(week, "Orla") != 1 || !strings.Contains(week, "3 outlets") || !strings.Contains(week, "Norway") {
		t.Errorf("ask \"What happened this week?\" =\n%s\nwant two stories, Orla once with \"3 outlets\"", week)
	}

	var weekJSON console.AnswerOut
	if err := json.Unmarshal([]byte(mustRun(t, env, "ask", "--json", "--as-of", "2026-10-11", "What happened this week?")), &weekJSON); err != nil {
		t.Fatal(err)
	}
	if len(weekJSON.Nearest) != 2 || weekJSON.Nearest[1].StoryOutlets != 3 || weekJSON.Nearest[1].StoryID != orla.StoryID {
		t.Errorf("ask --json \"What happened this week?\" nearest = %+v; want 2 stories, the second story %d of 3 outlets", weekJSON.Nearest, orla.StoryID)
	}

	// The console shows the same.
	out, err := runCmd(t, env, "/latest\n/story "+m[2]+"\n/story 999\n/quit\n", "chat")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 outlets (/story " + m[2] + ")", "Norway", "3 articles from 3 outlets", "3. Orla hits Port Carrow", "There is no story #999 here."} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
}

// TestStoryGrouperClaim: two processes grouping one backlog at once (two
// groupers, each with its own index, on one database) leave every article
// in exactly one story and the three copies in the same one; a database
// from before grouping (articles without a story) is backfilled. On
// SQLite and PostgreSQL (skipped without NEWSBOT_TEST_POSTGRES).
func TestStoryGrouperClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var st store
			var err error
			if backend == "postgres" {
				st, err = postgres.Open(ctx, pgtest.DSN(t))
			} else {
				st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			groupConcurrently(t, st)
		})
	}
}

func groupConcurrently(t *testing.T, st store) {
	ctx := context.Background()
	var ids []int64
	for _, name := range []string{"orla-ap", "orla-usatoday", "orla-gazette", "election"} {
		a := fixtureArticle(t, name)
		if err := st.Add(ctx, a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	e := &env{log: slog.New(slog.DiscardHandler)}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = newStoryGrouper(st, newCorpusIndex(e, st), e.log).GroupAll(ctx)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	story := make([]int64, len(ids))
	for i, id := range ids {
		s, ok, err := st.StoryOf(ctx, id)
		if err != nil || !ok {
			t.Fatalf("StoryOf(%d) = %d, %v, %v; want a story", id, s, ok, err)
		}
		story[i] = s
	}
	if story[0] != story[1] || story[1] != story[2] || story[3] == story[0] {
		t.Errorf("stories = %v; want the three copies together and the election apart", story)
	}
	if left, err := st.Ungrouped(ctx, 0, 10); err != nil || len(left) != 0 {
		t.Errorf("Ungrouped after grouping = %v, %v; want none", left, err)
	}
}

// fixtureArticle reads a corpus/stories fixture as an article to add.
func fixtureArticle(t *testing.T, name string) *corpus.Article {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "corpus", "stories", "testdata", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(data), "\n\n")
	a := &corpus.Article{Scope: corpus.GlobalScope, Body: strings.TrimSpace(body), AddedBy: "test"}
	for _, l := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(l, ": ")
		switch k {
		case "source":
			a.Source = v
		case "title":
			a.Title = v
		case "published":
			if a.PublishedAt, err = time.Parse(time.RFC3339, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := corpus.Prepare(a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestServeStories: a database from before grouping (the four news pages
// stored with no story) is backfilled by the serving process's grouper,
// and Discord's /latest then lists two stories, one with "3 outlets", and
// /story lists the three copies.
func TestServeStories(t *testing.T) {
	t.Parallel()
	srv := newsSite(t)
	db := filepath.Join(t.TempDir(), "x.db")
	args := []string{"-db", db, "ingest"}
	for _, p := range []string{"/ap/orla", "/usatoday/orla", "/gazette/orla", "/bbc/election"} {
		args = append(args, srv.URL+p)
	}
	mustRun(t, map[string]string{"NEWSBOT_FETCH_ALLOW": "127.0.0.1"}, args...)
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE articles SET story_id = NULL`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	const guild = "2000000000000000001"
	fake := discordtest.New(t, discordtest.WithGuild(guild, "Alpha"))
	env := map[string]string{"DISCORD_TOKEN": discordtest.BotToken, "DISCORD_API_URL": fake.URL()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stdout, stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-db", db, "serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v", err)
		}
	}()
	if err := fake.WaitReady(10 * time.Second); err != nil {
		t.Fatalf("%v (stderr: %s)", err, stderr.String())
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	command := func(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) string {
		t.Helper()
		i := fake.SlashCommand(discordtest.Cmd{Name: name, GuildID: guild, Options: opts})
		cb, err := fake.WaitRequest(wctx, func(r discordtest.Request) bool { return strings.HasSuffix(r.Path, "/"+i.Token+"/callback") })
		if err != nil {
			t.Fatalf("/%s: %v", name, err)
		}
		body, _ := json.Marshal(cb.JSON)
		return string(body)
	}
	// The grouper backfills at start, beside the gateway: ask until it
	// has (the condition, not a time, is what is checked).
	var latest string
	for latest = command("latest"); !strings.Contains(latest, "3 outlets") && wctx.Err() == nil; latest = command("latest") {
		time.Sleep(50 * time.Millisecond)
	}
	m := regexp.MustCompile(`3 outlets\*\* \(` + "`" + `/story (\d+)` + "`" + `\)`).FindStringSubmatch(latest)
	if m == nil || strings.Count(latest, `\n`) != 1 || !strings.Contains(latest, "Norway") {
		t.Fatalf("/latest = %s; want two stories, one with 3 outlets and its /story id", latest)
	}
	id, _ := strconv.Atoi(m[1])
	story := command("story", discordtest.Opt("id", id))
	for _, want := range []string{"3 articles from 3 outlets", "1. [Hurricane Orla slams", "2. [Hurricane Orla makes landfall", "3. [Orla hits Port Carrow"} {
		if !strings.Contains(story, want) {
			t.Errorf("/story %d lacks %q: %s", id, want, story)
		}
	}
}

// failingGet is a story store whose Get fails for one article.
type failingGet struct {
	storyStore
	bad int64
}

func (f failingGet) Get(ctx context.Context, id int64) (*corpus.Article, error) {
	if id == f.bad {
		return nil, errors.New("disk read error")
	}
	return f.storyStore.Get(ctx, id)
}

// TestStoryGrouperSkipsFailures: an article that cannot be grouped is
// reported and left in the backlog; the articles after it are grouped.
func TestStoryGrouperSkipsFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []int64
	for _, name := range []string{"orla-ap", "election", "orla-gazette"} {
		a := fixtureArticle(t, name)
		if err := st.Add(ctx, a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	e := &env{log: slog.New(slog.DiscardHandler)}
	g := newStoryGrouper(failingGet{storyStore: st, bad: ids[1]}, newCorpusIndex(e, st), e.log)
	n, err := g.GroupAll(ctx)
	if err == nil || !strings.Contains(err.Error(), "disk read error") {
		t.Errorf("GroupAll = %d, %v; want the failure reported", n, err)
	}
	if left, err := st.Ungrouped(ctx, 0, 10); err != nil || !slices.Equal(left, []int64{ids[1]}) {
		t.Errorf("Ungrouped = %v, %v; want only the failed article %d", left, err, ids[1])
	}
}
