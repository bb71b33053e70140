package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/newsbot/newsbot/bot/console"
)

// feedServer serves the feed fixtures of corpus/feeds (RSS and Atom, with
// an ETag each) and the pages of items without full text.
func feedServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conditional atomic.Int32
	files := map[string][2]string{
		"/rss.xml":           {"rss.xml", "application/rss+xml"},
		"/atom.xml":          {"atom.xml", "application/atom+xml"},
		"/news/rail":         {"rail.html", "text/html; charset=utf-8"},
		"/chronicle/vaccine": {"vaccine.html", "text/html; charset=utf-8"},
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		data, err := os.ReadFile(filepath.Join("..", "..", "corpus", "feeds", "testdata", f[0]))
		if err != nil {
			t.Error(err)
			http.Error(w, err.Error(), 500)
			return
		}
		body := strings.ReplaceAll(string(data), "{{BASE}}", srv.URL)
		etag := fmt.Sprintf(`"%x"`, len(body))
		if r.Header.Get("If-None-Match") == etag {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", f[1])
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &conditional
}

func TestRunFeeds(t *testing.T) {
	t.Parallel()
	srv, conditional := feedServer(t)
	db := filepath.Join(t.TempDir(), "x.db")
	env := map[string]string{"NEWSBOT_FETCH_ALLOW": "127.0.0.1"}
	for _, f := range []string{"/rss.xml", "/atom.xml"} {
		// Polled at once, as the console's /feeds add does.
		if out := mustRun(t, env, "-db", db, "feeds", "add", srv.URL+f); !strings.Contains(out, "following feed") || !strings.Contains(out, "added 2") {
			t.Fatalf("feeds add %s printed %q; want the feed followed and its 2 items added", f, out)
		}
	}
	var latest []console.ArticleJSON
	if err := json.Unmarshal([]byte(mustRun(t, env, "-db", db, "latest", "-n", "10", "--json")), &latest); err != nil {
		t.Fatal(err)
	}
	if len(latest) != 4 {
		t.Fatalf("latest = %d articles; want the 4 feed items", len(latest))
	}
	for i, a := range latest {
		if a.Title == "" || a.Source == "" || a.PublishedAt == nil {
			t.Errorf("article %d lacks title, outlet or date: %+v", i, a)
		}
		if i > 0 && *a.PublishedAt > *latest[i-1].PublishedAt {
			t.Errorf("latest not newest first at %d", i)
		}
	}
	out := mustRun(t, env, "-db", db, "feeds", "poll")
	if strings.Count(out, "not modified") != 2 || conditional.Load() != 2 {
		t.Errorf("poll after the adds printed %q with %d conditional hits; want both not modified", out, conditional.Load())
	}
	if out := mustRun(t, env, "-db", db, "feeds", "list"); !strings.Contains(out, "Portmere Gazette") || !strings.Contains(out, "2 articles") {
		t.Errorf("feeds list = %q", out)
	}
	if out := mustRun(t, env, "-db", db, "feeds", "remove", srv.URL+"/atom.xml"); !strings.Contains(out, "removed feed") {
		t.Errorf("feeds remove = %q", out)
	}
}

func TestRunIngestURLRefusedWithoutAllow(t *testing.T) {
	t.Parallel()
	srv, _ := feedServer(t)
	db := filepath.Join(t.TempDir(), "x.db")
	out, err := runCmd(t, nil, "", "-db", db, "ingest", srv.URL+"/news/rail")
	if !strings.Contains(out, "refused: 127.0.0.1 is a loopback address") || !strings.Contains(out, "added 0") || err == nil {
		t.Errorf("ingest of a loopback URL printed %q, %v; want a refusal naming the reason, and an error", out, err)
	}
	if _, err := runCmd(t, nil, "", "-db", db, "feeds", "add", srv.URL+"/rss.xml"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("feeds add of a loopback feed = %v; want refused", err)
	}
	out = mustRun(t, map[string]string{"NEWSBOT_FETCH_ALLOW": "127.0.0.1"}, "-db", db, "ingest", srv.URL+"/news/rail")
	if !strings.Contains(out, "added 1") {
		t.Errorf("ingest with the server allowed printed %q; want added 1", out)
	}
}
