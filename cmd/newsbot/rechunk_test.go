package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/bot/llm/llmtest"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/sqlite"
)

// addOldChunked stores, in the database at path, an article of six ~100-word
// paragraphs split one passage per paragraph, as older newsbots did, and
// returns how many passages corpus.Chunk makes of it now.
func addOldChunked(t *testing.T, path string) int {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var paras []string
	for i := range 6 {
		paras = append(paras, fmt.Sprintf("Part %d of the report.", i)+
			strings.Repeat(" Officials in the capital said the council would meet again next week.", 9))
	}
	a := &corpus.Article{Title: "Council plans", Body: strings.Join(paras, "\n\n"), Scope: corpus.GlobalScope}
	if err := corpus.Prepare(a); err != nil {
		t.Fatal(err)
	}
	a.Passages = nil
	for i, p := range paras {
		a.Passages = append(a.Passages, corpus.Passage{Seq: i, Text: p})
	}
	if err := db.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	return len(corpus.Chunk(a.Body))
}

func TestRunRechunk(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		hybrid bool
	}{
		{"lexical", false},
		{"hybrid", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "x.db")
			env := map[string]string{}
			if tc.hybrid {
				srv := llmtest.New(t, llmtest.Text("unused"))
				env = map[string]string{"OPENAI_BASE_URL": srv.BaseURL(), "NEWSBOT_EMBED_MODEL": "fake-embed"}
			}
			mustRun(t, env, "-db", db, "ingest", seedDir(t)) // split by the current rules
			after := addOldChunked(t, db)
			if tc.hybrid {
				mustRun(t, env, "-db", db, "embed")
			}

			out := mustRun(t, env, "-db", db, "rechunk")
			want := fmt.Sprintf("rechunk: 1 of 2 articles re-split (6 -> %d passages) in ", after)
			if !strings.HasPrefix(out, want) {
				t.Errorf("rechunk printed %q; want it to start %q", out, want)
			}
			if got := strings.Contains(out, fmt.Sprintf("embedded %d passages in ", after)); got != tc.hybrid {
				t.Errorf("rechunk printed %q; want the %d new passages embedded: %v", out, after, tc.hybrid)
			}
			if tc.hybrid {
				if missing, _ := missingVectors(t, db, "fake-embed"); missing != 0 {
					t.Errorf("after rechunk %d passages lack vectors; want 0", missing)
				}
			}

			out = mustRun(t, env, "-db", db, "rechunk")
			if want := "rechunk: 0 of 2 articles re-split (0 -> 0 passages) in "; !strings.HasPrefix(out, want) || strings.Contains(out, "embedded") {
				t.Errorf("second rechunk printed %q; want it to start %q and embed nothing", out, want)
			}
		})
	}
}

func TestRunRechunkArgs(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	if _, err := runCmd(t, map[string]string{}, "", "-db", db, "rechunk", "extra"); err == nil || !strings.Contains(err.Error(), "unexpected argument") {
		t.Errorf("rechunk extra = %v; want an unexpected argument error", err)
	}
}
