package index_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/retrieval/index"
)

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func addArticle(t *testing.T, db *sqlite.DB, title, body string) *corpus.Article {
	t.Helper()
	a := &corpus.Article{Title: title, Body: body, Scope: corpus.GlobalScope, AddedBy: "test",
		PublishedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if err := corpus.Prepare(a); err != nil {
		t.Fatal(err)
	}
	if err := db.Add(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// found returns the article ids a search for text finds.
func found(t *testing.T, s interface {
	Search(context.Context, corpus.SearchQuery) ([]corpus.Hit, error)
}, text string) []int64 {
	t.Helper()
	var q corpus.SearchQuery
	for _, term := range corpus.QueryTerms(text) {
		q.Terms = append(q.Terms, corpus.QueryTerm{Term: term, Weight: 1})
	}
	hits, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, h := range hits {
		if !slices.Contains(ids, h.Article.ID) {
			ids = append(ids, h.Article.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestLiveFollowsTheStore: what the store adds, updates and removes after
// the index was built is what the live index finds, searched right after
// the write (Search catches up first), from a snapshot reopened later, and
// from a rebuild when the snapshot is damaged or ahead of the store.
func TestLiveFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	bridge := addArticle(t, db, "Bridge opens", "The Riverton bridge opened after four years of work.")
	snap := filepath.Join(t.TempDir(), "x.index")
	live, err := index.OpenLive(ctx, db, index.LiveOptions{Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	if got := found(t, live, "Riverton bridge"); !slices.Equal(got, []int64{bridge.ID}) {
		t.Fatalf("built index finds %v; want [%d]", got, bridge.ID)
	}
	if err := live.Save(); err != nil {
		t.Fatal(err)
	}

	port := addArticle(t, db, "Port deal", "Port workers agreed a wage deal with a 7.5 percent rise.")
	if got := found(t, live, "port wage deal"); !slices.Equal(got, []int64{port.ID}) {
		t.Errorf("after an add: %v; want [%d]", got, port.ID)
	}
	up := &corpus.Article{ID: bridge.ID, Title: "Bridge closes", Body: "The Riverton crossing closed for repairs to its cables.", AddedBy: "test"}
	if err := corpus.Prepare(up); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, up); err != nil {
		t.Fatal(err)
	}
	if got := found(t, live, "cables repairs"); !slices.Equal(got, []int64{bridge.ID}) {
		t.Errorf("after an update, the new text: %v; want [%d]", got, bridge.ID)
	}
	if got := found(t, live, "four years work"); len(got) != 0 {
		t.Errorf("after an update, the old text: %v; want nothing", got)
	}
	if err := db.Delete(ctx, port.ID); err != nil {
		t.Fatal(err)
	}
	if got := found(t, live, "port wage deal"); len(got) != 0 {
		t.Errorf("after a remove: %v; want nothing", got)
	}
	if !live.Stale() {
		t.Error("Stale() = false after three changes since the snapshot")
	}

	// A restart reads the snapshot (taken before the three changes) and
	// catches up.
	again, err := index.OpenLive(ctx, db, index.LiveOptions{Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	if again.Seq() != live.Seq() || again.Len() != live.Len() {
		t.Errorf("reopened index at seq %d with %d passages; want %d, %d", again.Seq(), again.Len(), live.Seq(), live.Len())
	}
	for _, tc := range []struct {
		text string
		want []int64
	}{{"cables repairs", []int64{bridge.ID}}, {"port wage deal", nil}, {"four years work", nil}} {
		if got := found(t, again.Index, tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("reopened index finds %v for %q; want %v", got, tc.text, tc.want)
		}
	}

	// A snapshot of another store, ahead of this one, is not trusted.
	other := openStore(t)
	fresh, err := index.OpenLive(ctx, other, index.LiveOptions{Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Len() != 0 {
		t.Errorf("index of an empty store opened from another store's snapshot holds %d passages; want 0", fresh.Len())
	}
	// So is one of another store that has as many changes: the change at
	// the snapshot's position is not the same.
	festival := addArticle(t, other, "Harvest festival", "The harvest festival drew large crowds to the square.")
	addArticle(t, other, "Council vote", "The council voted on the budget.")
	swapped, err := index.OpenLive(ctx, other, index.LiveOptions{Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	if got := found(t, swapped.Index, "harvest festival"); !slices.Equal(got, []int64{festival.ID}) {
		t.Errorf("index of another store opened over this store's snapshot finds %v; want [%d]", got, festival.ID)
	}
	if got := found(t, swapped.Index, "Riverton bridge"); len(got) != 0 {
		t.Errorf("index of another store finds the snapshot's bridge story: %v", got)
	}

	// A damaged one is rebuilt.
	if err := os.WriteFile(snap, []byte("NBINDEX\ngarbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := index.OpenLive(ctx, db, index.LiveOptions{Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	if got := found(t, rebuilt, "cables repairs"); !slices.Equal(got, []int64{bridge.ID}) {
		t.Errorf("index rebuilt over a damaged snapshot finds %v; want [%d]", got, bridge.ID)
	}
}

// TestOpenLiveLeavesFreshTemps: opening removes a crashed snapshot write's
// temporary file, but not one written to just now, which may be another
// process's write under way over the same snapshot path.
func TestOpenLiveLeavesFreshTemps(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	addArticle(t, db, "Bridge opens", "The Riverton bridge opened after four years of work.")
	snap := filepath.Join(t.TempDir(), "x.index")
	stale, fresh := snap+".tmp111", snap+".tmp222"
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := index.OpenLive(ctx, db, index.LiveOptions{Snapshot: snap}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file: Stat = %v; want it removed", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temporary file: Stat = %v; want it kept (another process's write)", err)
	}
}
