package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitFor waits until buf holds want, failing the test after a generous
// bound that only a hung bot reaches (not a speed check).
func waitFor(t *testing.T, buf *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(buf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output never held %q:\n%s", want, buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const bridgeArticle = `Riverton bridge opens at a cost of 45 million

The new Riverton bridge over the Kell river opened on Monday. The 640-metre crossing cost 45 million pounds, the council said, and took four years to build.
`

// TestIngestWhileChatIsAnswered: an article added by a separate `newsbot
// ingest` while the console runs is answered by the running console at
// once: the index catches up with the store's change log before it
// searches.
func TestIngestWhileChatIsAnswered(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	inR, inW := io.Pipe()
	var out, errOut syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-db", db, "chat"}, func(string) string { return "" }, inR, &out, &errOut)
	}()
	waitFor(t, &out, "loaded its sample article")

	file := filepath.Join(dir, "bridge.txt")
	if err := os.WriteFile(file, []byte(bridgeArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, nil, "-db", db, "ingest", file); !strings.Contains(got, "added 1") {
		t.Fatalf("ingest = %q; want added 1", got)
	}
	io.WriteString(inW, "How much did the Riverton bridge cost?\n")
	waitFor(t, &out, "45 million")
	io.WriteString(inW, "/quit\n")
	if err := <-done; err != nil {
		t.Fatalf("chat = %v; stderr: %s", err, errOut.String())
	}
}

// TestIndexSnapshot: ingest (whose story grouping searches the index)
// writes the index snapshot beside the database; the next ask loads it
// and catches up with what was added and removed since; a damaged
// snapshot is rebuilt from the store.
func TestIndexSnapshot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	snap := db + ".index"
	info := map[string]string{"NEWSBOT_LOG_LEVEL": "info"}
	mustRun(t, nil, "-db", db, "ingest", "seed")
	ask := func(q string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		getenv := func(k string) string { return info[k] }
		if err := run(context.Background(), []string{"-db", db, "ask", q}, getenv, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("ask %q: %v; stderr: %s", q, err, errOut.String())
		}
		return out.String(), errOut.String()
	}

	if _, err := os.Stat(snap); err != nil {
		t.Fatalf("no snapshot after ingest: %v", err)
	}
	out, logs := ask("Which country has recognised the Taliban government recently?")
	if !strings.Contains(out, "Russia") || !strings.Contains(logs, "index loaded") {
		t.Fatalf("first ask = %q, logs %q; want Russia, from the snapshot ingest wrote", out, logs)
	}

	file := filepath.Join(dir, "bridge.txt")
	if err := os.WriteFile(file, []byte(bridgeArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, nil, "-db", db, "ingest", file)
	mustRun(t, nil, "-db", db, "remove", "1")
	out, logs = ask("How much did the Riverton bridge cost?")
	// The ingest's grouping caught the snapshot up with its add; the
	// remove is the one change left.
	if !strings.Contains(out, "45 million") || !strings.Contains(logs, "index loaded") || !strings.Contains(logs, "caught_up=1") {
		t.Errorf("ask after ingest and remove = %q, logs %q; want the bridge, from the snapshot plus 1 change", out, logs)
	}
	out, _ = ask("Which country has recognised the Taliban government recently?")
	if strings.Contains(out, "Russia") {
		t.Errorf("ask about the removed article = %q; want it gone", out)
	}

	// A damaged snapshot is not trusted: the index is built again.
	data, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(snap, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, logs = ask("How much did the Riverton bridge cost?")
	if !strings.Contains(out, "45 million") || !strings.Contains(logs, "not usable, rebuilding") || !strings.Contains(logs, "index built") {
		t.Errorf("ask with a damaged snapshot = %q, logs %q; want the bridge from a rebuilt index", out, logs)
	}
}
