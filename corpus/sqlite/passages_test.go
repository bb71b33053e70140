package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

func TestLocate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  string
		texts []string
		want  []storedPassage
	}{
		{"in order", "ab\n\ncd", []string{"ab", "cd"}, []storedPassage{{start: 0, end: 2}, {start: 4, end: 6}}},
		{"multibyte runes count in bytes", "é ü\n\nø", []string{"é ü", "ø"}, []storedPassage{{start: 0, end: 5}, {start: 7, end: 9}}},
		{"a repeated text takes its next copy", "x\n\nx", []string{"x", "x"}, []storedPassage{{start: 0, end: 1}, {start: 3, end: 4}}},
		{"out of order found from the start", "ab cd", []string{"cd", "ab"}, []storedPassage{{start: 3, end: 5}, {start: 0, end: 2}}},
		{"not in the body keeps its text", "ab  cd", []string{"ab cd"}, []storedPassage{{text: "ab cd"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := make([]corpus.Passage, len(tc.texts))
			for i, s := range tc.texts {
				ps[i].Text = s
			}
			got := locate(tc.body, ps)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("locate = %+v, want %+v", got, tc.want)
			}
			for i, sp := range got {
				start, end := sql.NullInt64{}, sql.NullInt64{}
				if sp.start != nil {
					start = sql.NullInt64{Int64: int64(sp.start.(int)), Valid: true}
					end = sql.NullInt64{Int64: int64(sp.end.(int)), Valid: true}
				}
				text, err := passageText(tc.body, start, end, sp.text)
				if err != nil || text != tc.texts[i] {
					t.Errorf("passage %d reads back %q, %v; want %q", i, text, err, tc.texts[i])
				}
			}
		})
	}
}

func TestPassageTextDamagedRange(t *testing.T) {
	valid := func(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }
	for _, tc := range []struct {
		name       string
		start, end sql.NullInt64
	}{
		{"past the end", valid(2), valid(9)},
		{"negative", valid(-1), valid(2)},
		{"reversed", valid(3), valid(2)},
		{"no end", valid(0), sql.NullInt64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if text, err := passageText("abcd", tc.start, tc.end, ""); err == nil {
				t.Fatalf("passageText = %q, want an error", text)
			}
		})
	}
}

// TestPassageStoredInBodyOrAsText checks both stored forms through every
// read path: a passage found in the body is stored as a byte range (its
// text column empty), one that is not keeps its text.
func TestPassageStoredInBodyOrAsText(t *testing.T) {
	db := MustOpen(t)
	a := article("Offsets", corpus.GlobalScope, testNow, "Zoë walked to the café.", "Second paragraph, plain.")
	a.Passages = append(a.Passages, corpus.Passage{Seq: 2, Text: "A passage the body does not hold."})
	mustAdd(t, db, a)

	var ranged, texts int
	if err := db.read.QueryRow(`SELECT count(start_byte), count(nullif(text, '')) FROM passages`).Scan(&ranged, &texts); err != nil {
		t.Fatal(err)
	}
	if ranged != 2 || texts != 1 {
		t.Errorf("stored %d passages as ranges and %d as text, want 2 and 1", ranged, texts)
	}
	checkPassagesRead(t, db, a)
}

// checkPassagesRead checks that Get, Hydrate, PassagesWithoutVectors and
// Check all read want's passages as they were added.
func checkPassagesRead(t *testing.T, db *DB, want *corpus.Article) {
	t.Helper()
	ctx := context.Background()
	got, err := db.Get(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(passageTexts(got.Passages), passageTexts(want.Passages)) {
		t.Errorf("Get passages = %q, want %q", passageTexts(got.Passages), passageTexts(want.Passages))
	}
	var hits []corpus.Hit
	for _, p := range got.Passages {
		hits = append(hits, corpus.Hit{Passage: corpus.Passage{ID: p.ID}, Article: corpus.Article{ID: want.ID}})
	}
	hyd, err := db.Hydrate(ctx, hits)
	if err != nil {
		t.Fatal(err)
	}
	var hydrated []string
	for _, h := range hyd {
		hydrated = append(hydrated, h.Passage.Text)
	}
	if !slices.Equal(hydrated, passageTexts(want.Passages)) {
		t.Errorf("Hydrate texts = %q, want %q", hydrated, passageTexts(want.Passages))
	}
	pts, err := db.PassagesWithoutVectors(ctx, "m", got.Passages[0].ID-1, 100)
	if err != nil {
		t.Fatal(err)
	}
	var unembedded []string
	for _, p := range pts {
		if slices.ContainsFunc(got.Passages, func(q corpus.Passage) bool { return q.ID == p.ID }) {
			unembedded = append(unembedded, p.Text)
		}
	}
	if !slices.Equal(unembedded, passageTexts(want.Passages)) {
		t.Errorf("PassagesWithoutVectors texts = %q, want %q", unembedded, passageTexts(want.Passages))
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func passageTexts(ps []corpus.Passage) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text
	}
	return out
}

// TestMigratePassageOffsets makes a database with the schema before
// migration 0010 (passages hold their text), writes articles into it as
// that code did, and checks that Open converts it: the same passages read
// back through every path, the ones found in their body are stored as
// byte ranges, the others keep their text, and vectors stay attached.
func TestMigratePassageOffsets(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	const before = 9 // migrations before 0010
	if len(names) <= before || filepath.Base(names[before]) != "0010_passage_offsets.sql" {
		t.Fatalf("migration %d is %v, want 0010_passage_offsets.sql", before+1, names)
	}
	for _, name := range names[:before] {
		script, err := migrations.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(string(script)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := old.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, before)); err != nil {
		t.Fatal(err)
	}

	arts := []*corpus.Article{
		article("Accents", corpus.GlobalScope, testNow, "Zoë walked to the café — twice.", "Then 東京 at night."),
		article("Repeated", corpus.GlobalScope, testNow, "Same words.", "Same words.", "Other words."),
		article("Not in body", corpus.GlobalScope, testNow, "Only paragraph."),
	}
	// An older chunker's passage whose whitespace differs from the body.
	arts[2].Passages = append(arts[2].Passages, corpus.Passage{Seq: 1, Text: "Only  paragraph, rewritten."})
	for i, a := range arts {
		res, err := old.Exec(`INSERT INTO articles(url, title, source, author, published_at, added_at, added_by, scope, hash, title_terms)
			VALUES (?, ?, '', '', ?, ?, 'test', ?, ?, 'x')`,
			fmt.Sprintf("https://example.com/%d", i), a.Title, testNow.Unix(), testNow.Unix(), a.Scope, a.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(`INSERT INTO article_bodies(article_id, body) VALUES (?, ?)`, a.ID, a.Body); err != nil {
			t.Fatal(err)
		}
		for _, p := range a.Passages {
			if _, err := old.Exec(`INSERT INTO passages(article_id, seq, text, terms) VALUES (?, ?, ?, 'x')`, a.ID, p.Seq, p.Text); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := old.Exec(`INSERT INTO changes(article_id, op, at) VALUES (?, 'add', 1)`, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.Exec(`INSERT INTO passage_vectors(passage_id, model, dim, scale, vec)
		SELECT id, 'm', 1, 1, x'01' FROM passages`); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ranged, texts, vectors int
	if err := db.read.QueryRow(`SELECT count(start_byte), count(nullif(text, '')), (SELECT count(*) FROM passage_vectors) FROM passages`).Scan(&ranged, &texts, &vectors); err != nil {
		t.Fatal(err)
	}
	if ranged != 6 || texts != 1 || vectors != 7 {
		t.Errorf("after migrating: %d passages as ranges, %d as text, %d vectors; want 6, 1, 7", ranged, texts, vectors)
	}
	// The file keeps the page size it was made with (only a new file
	// gets pageSize) and is in WAL mode.
	var size int
	var mode string
	if err := db.read.QueryRow(`SELECT page_size, journal_mode FROM pragma_page_size, pragma_journal_mode`).Scan(&size, &mode); err != nil {
		t.Fatal(err)
	}
	if size != 4096 || mode != "wal" {
		t.Errorf("old database: page_size %d, journal_mode %q; want 4096, wal", size, mode)
	}
	if _, err := db.write.Exec(`DELETE FROM passage_vectors`); err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		checkPassagesRead(t, db, a)
	}
}
