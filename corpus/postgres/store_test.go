package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
)

// day is a fixed date, n days into March 2025.
func day(n int) time.Time { return time.Date(2025, 3, n, 12, 0, 0, 0, time.UTC) }

// article returns a prepared article; url may be empty.
func article(t testing.TB, title, url, scope, body string) *corpus.Article {
	t.Helper()
	a := &corpus.Article{Title: title, URL: url, Source: "Test Wire", Scope: scope, PublishedAt: day(1), Body: body, AddedBy: "test"}
	if err := corpus.Prepare(a); err != nil {
		t.Fatalf("Prepare(%q): %v", title, err)
	}
	return a
}

// TestMigrateConcurrently: processes opening one new database at once
// apply each migration exactly once, and none fails.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	const openers = 8
	dbs := make([]*DB, openers)
	errs := make([]error, openers)
	var wg sync.WaitGroup
	for i := range openers {
		wg.Go(func() { dbs[i], errs[i] = Open(ctx, dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
	for _, db := range dbs {
		if db != nil {
			t.Cleanup(func() { db.Close() })
		}
	}
	if t.Failed() {
		return
	}
	files, err := migrationFiles()
	if err != nil {
		t.Fatal(err)
	}
	var n, distinct int
	if err := dbs[0].pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != len(files) || distinct != len(files) {
		t.Errorf("schema_migrations holds %d rows (%d versions); want each of the %d migrations once", n, distinct, len(files))
	}
	// Opening again applies nothing and still works.
	again, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open after migration: %v", err)
	}
	again.Close()
}

// TestChangeLogConcurrentWriters: two writers add, update and delete at
// once, each holding its transaction open for a random moment after
// appending to the log (so without the change-log lock, a later sequence
// number would often commit first), while a follower reads the log as the
// index does (seq > last). The follower must see every change exactly
// once, in increasing order.
func TestChangeLogConcurrentWriters(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	ctx := context.Background()
	db.afterLog = func() { time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) }

	const writers, perWriter = 2, 40
	var wg sync.WaitGroup
	done := make(chan struct{})
	werrs := make([]error, writers)
	logged := make([][]string, writers) // each writer's changes, as "op id"
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				a := article(t, fmt.Sprintf("Writer %d story %d", w, i), "", corpus.GlobalScope,
					fmt.Sprintf("Writer %d filed story number %d about the harbour.", w, i))
				if err := db.Add(ctx, a); err != nil {
					werrs[w] = err
					return
				}
				logged[w] = append(logged[w], fmt.Sprintf("add %d", a.ID))
				switch i % 4 {
				case 1:
					up := article(t, a.Title+" (updated)", "", corpus.GlobalScope, a.Body+" It was updated.")
					up.ID = a.ID
					if err := db.Update(ctx, up); err != nil {
						werrs[w] = err
						return
					}
					logged[w] = append(logged[w], fmt.Sprintf("update %d", a.ID))
				case 3:
					if err := db.Delete(ctx, a.ID); err != nil {
						werrs[w] = err
						return
					}
					logged[w] = append(logged[w], fmt.Sprintf("remove %d", a.ID))
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	var seen []corpus.Change
	follow := func() error {
		for {
			after := int64(0)
			if len(seen) > 0 {
				after = seen[len(seen)-1].Seq
			}
			page, err := db.Changes(ctx, after, 3)
			if err != nil || len(page) == 0 {
				return err
			}
			seen = append(seen, page...)
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if err := follow(); err != nil {
			t.Fatal(err)
		}
	}
	if err := follow(); err != nil { // what committed after the last read
		t.Fatal(err)
	}
	for w, err := range werrs {
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}
	got := make(map[string]int)
	for i, c := range seen {
		if i > 0 && c.Seq <= seen[i-1].Seq {
			t.Errorf("change %d has seq %d after %d; want increasing", i, c.Seq, seen[i-1].Seq)
		}
		got[fmt.Sprintf("%s %d", c.Op, c.ArticleID)]++
	}
	var want []string
	for _, l := range logged {
		want = append(want, l...)
	}
	for _, c := range want {
		if got[c] != 1 {
			t.Errorf("follower saw %q %d times; want once", c, got[c])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("follower saw %d changes; the writers made %d", len(seen), len(want))
	}
}

// TestListenWakes: a committed change wakes a listener with its sequence
// number, and after the listening connection is killed the listener
// reconnects and reports the changes made meanwhile.
func TestListenWakes(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	ctx, cancel := context.WithCancel(context.Background())
	seqs := make(chan int64, 100)
	stopped := make(chan error, 1)
	go func() { stopped <- db.Listen(ctx, func(seq int64) { seqs <- seq }) }()
	defer func() {
		cancel()
		if err := <-stopped; !errors.Is(err, context.Canceled) {
			t.Errorf("Listen returned %v after cancel; want context.Canceled", err)
		}
	}()
	// waitFor waits until the listener reports at least seq; a deadline
	// far beyond a wake-up's milliseconds only keeps a broken build from
	// hanging.
	waitFor := func(what string, seq int64) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case s := <-seqs:
				if s >= seq {
					return
				}
			case <-deadline:
				t.Fatalf("%s: listener never reported seq %d", what, seq)
			}
		}
	}
	if got := <-seqs; got != 0 {
		t.Fatalf("first call = %d; want the empty log's 0", got)
	}
	bg := context.Background()
	add := func(title string) int64 {
		t.Helper()
		if err := db.Add(bg, article(t, title, "", corpus.GlobalScope, title+" happened today.")); err != nil {
			t.Fatal(err)
		}
		seq, err := db.LastSeq(bg)
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}
	waitFor("add", add("Bridge opened"))

	// Kill the listening connection: the notifications of what is added
	// meanwhile are lost, and the reconnection reports the log's end.
	if _, err := db.pool.Exec(bg, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`); err != nil {
		t.Fatal(err)
	}
	waitFor("add after the connection was killed", add("Port reopened"))
	waitFor("add after reconnecting", add("Ferry resumed"))
}

// TestAddBatchDuplicates: within a batch and against stored rows, the
// duplicate rules and the reported article are those of Add.
func TestAddBatchDuplicates(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	ctx := context.Background()
	stored := article(t, "Stored", "https://example.com/stored", corpus.GlobalScope, "The stored story about the dam.")
	private := article(t, "Private", "https://example.com/private", "111", "A private story about the mayor.")
	if _, err := db.AddBatch(ctx, []*corpus.Article{stored, private}); err != nil {
		t.Fatal(err)
	}
	as := []*corpus.Article{
		0:  article(t, "New global", "https://example.com/new", corpus.GlobalScope, "A new story about the airport."),
		1:  article(t, "Same URL as 0", "https://example.com/new", corpus.GlobalScope, "Other words about something."),
		2:  article(t, "Same text as 0", "", corpus.GlobalScope, "A new story about the airport."),
		3:  article(t, "Server copy of 0", "", "222", "A new story about the airport."),
		4:  article(t, "Same URL as stored", "https://example.com/stored", "222", "Unrelated text on the weather."),
		5:  article(t, "Same text as stored", "", corpus.GlobalScope, "The stored story about the dam."),
		6:  article(t, "Other server's private story", "https://example.com/private", "222", "A private story about the mayor."),
		7:  article(t, "Global copy of a private story", "", corpus.GlobalScope, "A private story about the mayor."),
		8:  article(t, "Server story", "https://example.com/s", "333", "A story only server 333 has."),
		9:  article(t, "Same server again", "", "333", "A story only server 333 has."),
		10: {Title: "unprepared", Scope: corpus.GlobalScope},
	}
	errs, err := db.AddBatch(ctx, as)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		i     int
		dupOf *corpus.Article // nil: stored
		by    string
	}{
		{0, nil, ""},
		{1, as[0], "url"},
		{2, as[0], "content"},
		{3, as[0], "content"},
		{4, stored, "url"},
		{5, stored, "content"},
		{6, nil, ""}, // server 111's copy is no duplicate in 222
		{7, nil, ""}, // a global add checks only the global scope
		{8, nil, ""},
		{9, as[8], "content"},
	} {
		var dup *corpus.DuplicateError
		switch {
		case tc.dupOf == nil && errs[tc.i] != nil:
			t.Errorf("%q: %v; want it stored", as[tc.i].Title, errs[tc.i])
		case tc.dupOf == nil && as[tc.i].ID == 0:
			t.Errorf("%q: stored without an ID", as[tc.i].Title)
		case tc.dupOf != nil && !errors.As(errs[tc.i], &dup):
			t.Errorf("%q: %v; want a duplicate of %q", as[tc.i].Title, errs[tc.i], tc.dupOf.Title)
		case tc.dupOf != nil && (dup.ExistingID != tc.dupOf.ID || dup.By != tc.by || as[tc.i].ID != 0):
			t.Errorf("%q: %+v (ID %d); want a duplicate of %d by %s, no ID", as[tc.i].Title, dup, as[tc.i].ID, tc.dupOf.ID, tc.by)
		}
	}
	if !errors.Is(errs[10], corpus.ErrInvalid) {
		t.Errorf("unprepared: %v; want ErrInvalid", errs[10])
	}
	if err := db.Check(ctx); err != nil {
		t.Error(err)
	}
}

// TestConcurrentBatchesOverlap: two batches holding the same articles in
// different orders, written at once, store each article once; every
// article of each batch is either stored or reported as the duplicate of
// the other's copy (a lost race is retried, not failed).
func TestConcurrentBatchesOverlap(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	ctx := context.Background()
	const n = 60
	batch := func(reverse bool) []*corpus.Article {
		out := make([]*corpus.Article, n)
		for i := range n {
			out[i] = article(t, fmt.Sprintf("Story %d", i), fmt.Sprintf("https://example.com/%d", i), corpus.GlobalScope,
				fmt.Sprintf("Story %d tells of the %d ships in the harbour.", i, i))
		}
		if reverse {
			slices.Reverse(out)
		}
		return out
	}
	a, b := batch(false), batch(true)
	var errsA, errsB []error
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { errsA, errA = db.AddBatch(ctx, a) })
	wg.Go(func() { errsB, errB = db.AddBatch(ctx, b) })
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("AddBatch = %v, %v; want both to succeed", errA, errB)
	}
	ids := make(map[int64]bool)
	for _, side := range []struct {
		as   []*corpus.Article
		errs []error
	}{{a, errsA}, {b, errsB}} {
		for i, err := range side.errs {
			switch {
			case err == nil:
				ids[side.as[i].ID] = true
			case !errors.Is(err, corpus.ErrDuplicate):
				t.Errorf("%q: %v; want stored or duplicate", side.as[i].Title, err)
			}
		}
	}
	st, err := db.Stats(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Articles != n || len(ids) != n {
		t.Errorf("stored %d articles (%d reported stored); want %d", st.Articles, len(ids), n)
	}
	if err := db.Check(ctx); err != nil {
		t.Error(err)
	}
}

// TestVectors: vectors are stored quantised as the SQLite store keeps
// them, replaced with a new Seq, and read back by Seq and by article.
func TestVectors(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	ctx := context.Background()
	a := article(t, "Dam", "", "42", "The dam burst at dawn.\n\n"+strings.Repeat("Water reached the town square by noon. ", 80))
	if err := db.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	if len(a.Passages) < 2 {
		t.Fatalf("article has %d passages; want 2 or more", len(a.Passages))
	}
	p0, p1 := a.Passages[0].ID, a.Passages[1].ID
	if n, err := db.CountPassagesWithoutVectors(ctx, "m", 0); err != nil || n != len(a.Passages) {
		t.Errorf("CountPassagesWithoutVectors = %d, %v; want %d", n, err, len(a.Passages))
	}
	if err := db.SaveVectors(ctx, "m", map[int64][]float32{p0: {0.6, -0.8}, p1: {1, 0}, 1 << 40: {0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveVectors(ctx, "m", map[int64][]float32{p0: {1, 2, 3}, p1: {1}}); !errors.Is(err, corpus.ErrInvalid) {
		t.Errorf("SaveVectors(mixed dimensions) = %v; want ErrInvalid", err)
	}
	rows, err := db.VectorRows(ctx, "m", 0, 10)
	if err != nil || len(rows) != 2 {
		t.Fatalf("VectorRows = %+v, %v; want the 2 saved (the missing passage skipped)", rows, err)
	}
	code := make([]int8, 2)
	scale := corpus.Quantize([]float32{0.6, -0.8}, code)
	if r := rows[0]; r.PassageID != p0 || r.ArticleID != a.ID || r.Scope != "42" || !r.PublishedAt.Equal(day(1)) ||
		r.Scale != scale || !slices.Equal(r.Codes, code) {
		t.Errorf("VectorRows[0] = %+v; want passage %d of %d, scale %v codes %v", r, p0, a.ID, scale, code)
	}
	// Saving again replaces the row under a higher Seq.
	if err := db.SaveVectors(ctx, "m", map[int64][]float32{p0: {0, 1}}); err != nil {
		t.Fatal(err)
	}
	later, err := db.VectorRows(ctx, "m", rows[1].Seq, 10)
	if err != nil || len(later) != 1 || later[0].PassageID != p0 {
		t.Errorf("VectorRows(after %d) = %+v, %v; want the replaced vector of %d", rows[1].Seq, later, err, p0)
	}
	byArticle, err := db.ArticleVectors(ctx, "m", []int64{a.ID, 1 << 40})
	if err != nil || len(byArticle) != 2 {
		t.Errorf("ArticleVectors = %d rows, %v; want 2", len(byArticle), err)
	}
	todo, err := db.PassagesWithoutVectors(ctx, "m", 0, 10)
	if err != nil || len(todo) != len(a.Passages)-2 {
		t.Errorf("PassagesWithoutVectors = %d, %v; want %d", len(todo), err, len(a.Passages)-2)
	}
	if max, err := db.MaxPassageID(ctx); err != nil || max != a.Passages[len(a.Passages)-1].ID {
		t.Errorf("MaxPassageID = %d, %v; want %d", max, err, a.Passages[len(a.Passages)-1].ID)
	}
}

// TestRechunk: passages split by other rules are replaced and the change
// logged; a second run changes nothing.
func TestRechunk(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	ctx := context.Background()
	a := article(t, "Old rules", "", corpus.GlobalScope, "First paragraph about the strike.\n\nSecond paragraph about the talks.")
	a.Passages = []corpus.Passage{{Seq: 0, Text: "First paragraph about the strike."}, {Seq: 1, Text: "Second paragraph about the talks."}}
	ok := article(t, "Current rules", "", corpus.GlobalScope, "One short story about the ferry.")
	if _, err := db.AddBatch(ctx, []*corpus.Article{a, ok}); err != nil {
		t.Fatal(err)
	}
	before, _ := db.LastSeq(ctx)
	st, err := db.Rechunk(ctx, nil)
	want := corpus.RechunkStats{Articles: 2, Resplit: 1, PassagesBefore: 2, PassagesAfter: len(corpus.Chunk(a.Body))}
	if err != nil || st != want {
		t.Fatalf("Rechunk = %+v, %v; want %+v", st, err, want)
	}
	changes, err := db.Changes(ctx, before, 10)
	if err != nil || len(changes) != 1 || changes[0].ArticleID != a.ID || changes[0].Op != corpus.ChangeUpdate {
		t.Errorf("changes after Rechunk = %+v, %v; want one update of %d", changes, err, a.ID)
	}
	if st, err := db.Rechunk(ctx, nil); err != nil || st != (corpus.RechunkStats{Articles: 2}) {
		t.Errorf("second Rechunk = %+v, %v; want nothing re-split", st, err)
	}
	if err := db.Check(ctx); err != nil {
		t.Error(err)
	}
}

// TestScopesSourcesFindTitles covers the listings the commands use.
func TestScopesSourcesFindTitles(t *testing.T) {
	t.Parallel()
	db := MustOpen(t)
	ctx := context.Background()
	x := article(t, "Harbour 50% full", "", "9", "The harbour is half full.")
	x.Source = "reuters"
	y := article(t, "Storm warning", "", "10", "A storm is coming.")
	y.Source = "Reuters"
	z := article(t, "Harvest", "", corpus.GlobalScope, "The harvest was good.")
	z.Source = "AP"
	if _, err := db.AddBatch(ctx, []*corpus.Article{x, y, z}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Scopes(ctx); err != nil || !slices.Equal(got, []string{corpus.GlobalScope, "10", "9"}) {
		t.Errorf("Scopes = %q, %v; want global, 10, 9", got, err)
	}
	if got, err := db.Sources(ctx, []string{corpus.GlobalScope, "9", "10"}); err != nil || !slices.Equal(got, []string{"AP", "Reuters"}) {
		t.Errorf("Sources = %q, %v; want AP, Reuters", got, err)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"50%", []string{"Harbour 50% full"}},
		{"5_%", nil},
		{"STORM", []string{"Storm warning"}},
		{"", []string{"Harbour 50% full", "Storm warning", "Harvest"}},
	} {
		got, err := db.FindTitles(ctx, []string{corpus.GlobalScope, "9", "10"}, tc.query, 10)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, a := range got {
			titles = append(titles, a.Title)
		}
		slices.Sort(titles)
		slices.Sort(tc.want)
		if !slices.Equal(titles, tc.want) {
			t.Errorf("FindTitles(%q) = %q; want %q", tc.query, titles, tc.want)
		}
	}
}
