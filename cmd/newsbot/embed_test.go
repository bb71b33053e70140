package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/bot/llm/llmtest"
	"github.com/newsbot/newsbot/corpus/sqlite"
)

// missingVectors counts the passages of the database at path without a
// vector of model.
func missingVectors(t *testing.T, path, model string) (missing, passages int) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if missing, err = db.CountPassagesWithoutVectors(context.Background(), model, 0); err != nil {
		t.Fatal(err)
	}
	if passages, err = db.CountPassagesWithoutVectors(context.Background(), "no such model", 0); err != nil {
		t.Fatal(err)
	}
	return missing, passages
}

// twoArticles writes the seed article and a short story about a cup final.
func twoArticles(t *testing.T) string {
	t.Helper()
	dir := seedDir(t)
	cup := "Argentina win the World Cup\n\nArgentina won the World Cup final on penalties after a 2-2 draw with France.\n\nThe captain lifted the trophy in front of 80,000 fans.\n"
	if err := os.WriteFile(filepath.Join(dir, "cup.txt"), []byte(cup), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunEmbedBackfill(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t, llmtest.Text("unused"))
	db := filepath.Join(t.TempDir(), "x.db")
	// Ingested without a model: no vectors. Three articles, so batches of 2
	// make a full batch and a partial last one.
	dir := twoArticles(t)
	budget := "Council passes the budget\n\nThe city council passed next year's budget on Tuesday by seven votes to two.\n"
	if err := os.WriteFile(filepath.Join(dir, "budget.txt"), []byte(budget), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, map[string]string{}, "-db", db, "ingest", dir)
	missing, passages := missingVectors(t, db, "fake-embed")
	if passages < 3 || missing != passages {
		t.Fatalf("after a lexical ingest %d of %d passages lack vectors; want all", missing, passages)
	}

	env := map[string]string{"OPENAI_BASE_URL": srv.BaseURL(), "NEWSBOT_EMBED_MODEL": "fake-embed"}
	out := mustRun(t, env, "-db", db, "embed", "--batch", "2")
	if want := fmt.Sprintf("embedded %d passages in ", passages); !strings.Contains(out, want) {
		t.Errorf("embed printed %q; want %q", out, want)
	}
	reqs := srv.EmbedRequests()
	if want := (passages + 1) / 2; len(reqs) != want {
		t.Errorf("embed made %d requests; want %d (batches of 2)", len(reqs), want)
	}
	for _, r := range reqs {
		if r.Model != "fake-embed" || len(r.Input) > 2 {
			t.Errorf("request %+v; want model fake-embed, at most 2 inputs", r)
		}
	}
	if missing, _ := missingVectors(t, db, "fake-embed"); missing != 0 {
		t.Errorf("after embed %d passages lack vectors; want 0", missing)
	}
	if out := mustRun(t, env, "-db", db, "embed"); !strings.Contains(out, "embedded 0 passages") {
		t.Errorf("second embed printed %q; want 0 passages", out)
	}

	// A failing endpoint: the command fails and says how far it got.
	srv.SetEmbedReply(func(int, llmtest.EmbedRequest) llmtest.EmbedReply { return llmtest.EmbedReply{Status: 400} })
	env["NEWSBOT_EMBED_MODEL"] = "other-model"
	if _, err := runCmd(t, env, "", "-db", db, "embed"); err == nil || !strings.Contains(err.Error(), "stopped after 0 of") {
		t.Errorf("embed with a failing endpoint = %v; want 'stopped after 0 of'", err)
	}
}

func TestRunIngestEmbedsAndAskFuses(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t, llmtest.Text("Argentina won [1]."))
	db := filepath.Join(t.TempDir(), "x.db")
	env := map[string]string{"OPENAI_BASE_URL": srv.BaseURL(), "NEWSBOT_EMBED_MODEL": "fake-embed"}
	out := mustRun(t, env, "-db", db, "ingest", twoArticles(t))
	if !strings.Contains(out, "added 2") || !strings.Contains(out, "embedded ") {
		t.Errorf("ingest printed %q; want 2 added and embedded", out)
	}
	if missing, _ := missingVectors(t, db, "fake-embed"); missing != 0 {
		t.Errorf("after ingest %d passages lack vectors; want 0", missing)
	}
	if n := len(srv.EmbedRequests()); n != 1 {
		t.Errorf("ingest made %d embeddings requests; want 1 batch", n)
	}

	a := decodeAnswer(t, mustRun(t, env, "-db", db, "ask", "--json", "Who won the World Cup final?"))
	if !a.Grounded || len(a.Sources) == 0 || !strings.Contains(a.Sources[0].Title, "World Cup") {
		t.Errorf("hybrid ask = %+v; want grounded on the cup story", a)
	}
	reqs := srv.EmbedRequests()
	if last := reqs[len(reqs)-1]; len(last.Input) != 1 || !strings.Contains(last.Input[0], "World Cup") {
		t.Errorf("last embeddings request %+v; want the question", last)
	}

	// The endpoint down: the question is answered lexically all the same.
	srv.SetEmbedReply(func(int, llmtest.EmbedRequest) llmtest.EmbedReply {
		return llmtest.EmbedReply{Status: 500, RetryAfter: "0"}
	})
	a = decodeAnswer(t, mustRun(t, env, "-db", db, "ask", "--json", "Who won the World Cup final?"))
	if !a.Grounded || len(a.Sources) == 0 || !strings.Contains(a.Sources[0].Title, "World Cup") {
		t.Errorf("ask with embeddings down = %+v; want the lexical answer", a)
	}
	// And an ingest still adds, leaving the passages for `newsbot embed`.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "storm.txt"), []byte("Storm hits coast\n\nA storm flooded the coast road on Monday.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, env, "-db", db, "ingest", dir)
	if !strings.Contains(out, "added 1") || !strings.Contains(out, "newsbot embed") {
		t.Errorf("ingest with embeddings down printed %q; want added 1 and a hint to run newsbot embed", out)
	}
	if missing, _ := missingVectors(t, db, "fake-embed"); missing != 1 {
		t.Errorf("%d passages lack vectors; want the storm's 1", missing)
	}
}

func TestRunEmbedNeedsModel(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	if _, err := runCmd(t, map[string]string{}, "", "-db", db, "embed"); err == nil || !strings.Contains(err.Error(), "NEWSBOT_EMBED_MODEL") {
		t.Errorf("embed without a model = %v; want an error naming NEWSBOT_EMBED_MODEL", err)
	}
	if _, err := runCmd(t, map[string]string{"NEWSBOT_EMBED_MODEL": "m"}, "", "-db", db, "stats"); err == nil {
		t.Error("NEWSBOT_EMBED_MODEL without any endpoint or key was accepted")
	}
}
