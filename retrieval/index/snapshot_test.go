package index_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval/index"
)

// buildRandom returns an index of n random articles with some updates and
// deletes, and the generator that made it.
func buildRandom(t testing.TB, seed uint64, n int) (*index.Index, *gen) {
	t.Helper()
	g := newGen(seed, 200)
	x := index.New(index.Options{})
	for id := range int64(n) {
		if err := x.Put(g.article(id)); err != nil {
			t.Fatal(err)
		}
		if id%7 == 3 {
			x.Remove(id - 2)
		}
	}
	x.SetSeq(42, "42 7 add 1700000000")
	return x, g
}

func TestSnapshotRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 30, 600} {
		x, g := buildRandom(t, uint64(n), n)
		var buf bytes.Buffer
		if err := x.WriteSnapshot(&buf); err != nil {
			t.Fatal(err)
		}
		// Loading with other weights recomputes the bounds; the results
		// must still be those of an index built with them.
		for _, opt := range []index.Options{{}, {TitleWeight: 5}} {
			y, err := index.ReadSnapshot(bytes.NewReader(buf.Bytes()), opt)
			if err != nil {
				t.Fatalf("n=%d: ReadSnapshot: %v", n, err)
			}
			ys, xs := y.Stats(), x.Stats()
			ys.Bytes, xs.Bytes = 0, 0 // capacities differ
			if y.Seq() != 42 || y.Mark() != x.Mark() || y.Len() != x.Len() || ys != xs {
				t.Fatalf("n=%d: loaded seq %d len %d stats %+v; want 42, %d, %+v", n, y.Seq(), y.Len(), y.Stats(), x.Len(), x.Stats())
			}
			ref := x
			if opt.TitleWeight != 0 {
				// The same index built with opt's weights.
				ref, _ = buildRandomOpt(t, uint64(n), n, opt)
			}
			sameSearches(t, g, 40, ref, y, fmt.Sprintf("n=%d opt=%+v: after load", n, opt))
			// A loaded index keeps taking updates.
			if err := y.Put(g.article(int64(n))); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func buildRandomOpt(t testing.TB, seed uint64, n int, opt index.Options) (*index.Index, *gen) {
	t.Helper()
	g := newGen(seed, 200)
	x := index.New(opt)
	for id := range int64(n) {
		if err := x.Put(g.article(id)); err != nil {
			t.Fatal(err)
		}
		if id%7 == 3 {
			x.Remove(id - 2)
		}
	}
	return x, g
}

func snapshotBytes(t testing.TB, n int) []byte {
	t.Helper()
	x, _ := buildRandom(t, 1, n)
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSnapshotRejectsDamage(t *testing.T) {
	good := snapshotBytes(t, 100)
	flip := func(i int) []byte {
		b := slices.Clone(good)
		b[i] ^= 0x40
		return b
	}
	wrongVersion := slices.Clone(good)
	binary.LittleEndian.PutUint32(wrongVersion[8:], 99)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"bad magic", flip(0)},
		{"wrong version", wrongVersion},
		{"truncated header", good[:10]},
		{"truncated middle", good[:len(good)/2]},
		{"truncated checksum", good[:len(good)-1]},
		{"flipped payload byte", flip(len(good) / 3)},
		{"flipped last posting byte", flip(len(good) - 5)},
		{"flipped checksum", flip(len(good) - 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := index.ReadSnapshot(bytes.NewReader(tc.data), index.Options{})
			if !errors.Is(err, index.ErrSnapshot) {
				t.Fatalf("ReadSnapshot = %v; want ErrSnapshot", err)
			}
		})
	}
}

// FuzzReadSnapshot feeds damaged snapshots to the reader, with their
// checksum fixed so the parser itself is exercised, and searches whatever
// loads: nothing may panic.
func FuzzReadSnapshot(f *testing.F) {
	good := snapshotBytes(f, 8) // small: the fuzzer mutates it
	f.Add(good[12:len(good)-4], false)
	f.Add(good, true)
	f.Fuzz(func(t *testing.T, data []byte, raw bool) {
		in := data
		if !raw {
			in = append([]byte(nil), good[:12]...)
			in = append(in, data...)
			in = binary.LittleEndian.AppendUint32(in, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
		}
		x, err := index.ReadSnapshot(bytes.NewReader(in), index.Options{})
		if err != nil {
			return
		}
		for _, scopes := range [][]string{nil, {"111", "222"}} {
			q := index.Query{Scopes: scopes, K: 5}
			for i := range 20 {
				q.Terms = append(q.Terms, corpus.QueryTerm{Term: "t" + string(rune('0'+i%10)), Weight: 1})
			}
			if _, err := x.Search(context.Background(), q); err != nil {
				t.Fatal(err)
			}
		}
		x.Remove(3)
		x.Compact()
	})
}

// writeSnapshotFile writes x's snapshot into a temporary file.
func writeSnapshotFile(t *testing.T, x *index.Index) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.index")
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpenSnapshotThenChange: an index opened from a file reads its
// postings in place, in a read-only mapping (a write into it would crash
// the test). It then takes the same puts, updates, removes and
// compactions as the index it was written from and must answer as that
// one does at every step, and its own snapshot must too.
func TestOpenSnapshotThenChange(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{0, 1, 40, 600} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			x, g := buildRandom(t, uint64(n)+3, n)
			ref, _ := buildRandom(t, uint64(n)+3, n) // x's twin, never written
			y, err := index.OpenSnapshot(ctx, writeSnapshotFile(t, x), index.Options{})
			if err != nil {
				t.Fatal(err)
			}
			same := func(step string, y *index.Index) {
				t.Helper()
				if y.Len() != ref.Len() || y.Stats().Postings != ref.Stats().Postings {
					t.Fatalf("%s: %d passages, %d postings; want %d, %d", step, y.Len(), y.Stats().Postings, ref.Len(), ref.Stats().Postings)
				}
				sameSearches(t, g, 30, ref, y, step)
			}
			same("opened", y)
			// Compacted before any change: nothing copied out first.
			ref2, _ := buildRandom(t, uint64(n)+3, n)
			y2, err := index.OpenSnapshot(ctx, writeSnapshotFile(t, x), index.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ref2.Compact()
			y2.Compact()
			if st, want := y2.Stats(), ref2.Stats(); st.Articles != want.Articles || st.Passages != want.Passages || st.Postings != want.Postings {
				t.Fatalf("opened then compacted: %+v; want %+v", st, want)
			}
			// Appends to lists whose bytes are in the mapping (the
			// vocabulary is small: every list grows), updates and removes,
			// some of which compact.
			for id := int64(n); id < int64(n)+80; id++ {
				as := []corpus.IndexedArticle{g.article(id), g.article(id / 2)}
				for _, z := range []*index.Index{y, ref} {
					if err := z.PutBatch(as); err != nil {
						t.Fatal(err)
					}
					z.Remove(id - 5)
				}
			}
			same("changed", y)
			y.Compact()
			ref.Compact()
			same("compacted", y)
			var buf bytes.Buffer
			if err := y.WriteSnapshot(&buf); err != nil {
				t.Fatal(err)
			}
			z, err := index.ReadSnapshot(&buf, index.Options{})
			if err != nil {
				t.Fatal(err)
			}
			same("written again and read", z)
		})
	}
}

// withChecksum returns b with its checksum recomputed, so that the
// reader's own checks are what a damaged byte meets.
func withChecksum(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[12:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// TestDamageWithValidChecksum flips bytes all over a snapshot whose
// checksum is then fixed: the reader must reject it, or load an index
// that searches, takes puts and compacts without panicking. The postings
// bytes are not checked when loading (a search decodes them checking
// every posting), so damage there always loads.
func TestDamageWithValidChecksum(t *testing.T) {
	step := 3
	if testing.Short() {
		step = 9
	}
	good := snapshotBytes(t, 20)
	damageAndUse(t, good, 12, step)
}

// TestDamagedPackedBlocks is TestDamageWithValidChecksum's damage in the
// postings of a snapshot big enough that its common terms' lists have
// full, bit-packed blocks (a few hundred articles), at a coarser step.
func TestDamagedPackedBlocks(t *testing.T) {
	step := 7
	if testing.Short() {
		step = 29
	}
	good := snapshotBytes(t, 400)
	damageAndUse(t, good, postingsStart(good), step)
}

// postingsStart is the offset of a snapshot's postings bytes, which end
// the payload; their size is the header's ninth word after the options
// (after the magic, the version, 4 bytes of padding and 4 options).
func postingsStart(snap []byte) int {
	ndata := int(binary.LittleEndian.Uint64(snap[12+4+32+8*8:]))
	return len(snap) - 4 - ndata
}

// damageAndUse flips every step-th byte of good from offset from (and,
// separately, the whole byte) with the checksum fixed, and checks that
// each copy is rejected with ErrSnapshot or loads into an index that
// searches, takes a put, a remove and a compaction; damage in the
// postings must load.
func damageAndUse(t *testing.T, good []byte, from, step int) {
	t.Helper()
	ctx := context.Background()
	extra := newGen(5, 200).article(1000)
	var queries []index.Query
	for v := range 12 {
		q := index.Query{K: 5, Scopes: []string{corpus.GlobalScope, "111", "222"}}
		for j := range 4 {
			q.Terms = append(q.Terms, corpus.QueryTerm{Term: fmt.Sprintf("t%d", v*4+j), Weight: 1})
		}
		queries = append(queries, q)
	}
	dataStart := postingsStart(good)
	var rejected, loaded, loadedData int
	for i := from; i < len(good)-4; i += step {
		for _, mask := range []byte{0x01 << (i % 8), 0xff} {
			b := slices.Clone(good)
			b[i] ^= mask
			x, err := index.ReadSnapshot(bytes.NewReader(withChecksum(b)), index.Options{})
			if err != nil {
				if !errors.Is(err, index.ErrSnapshot) {
					t.Fatalf("byte %d ^ %#x: ReadSnapshot = %v; want ErrSnapshot", i, mask, err)
				}
				if i >= dataStart {
					t.Fatalf("byte %d ^ %#x of the postings: ReadSnapshot = %v; want it loaded", i, mask, err)
				}
				rejected++
				continue
			}
			loaded++
			if i >= dataStart {
				loadedData++
			}
			for _, q := range queries {
				if _, err := x.Search(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if err := x.Put(extra); err != nil {
				t.Fatal(err)
			}
			x.Remove(3)
			x.Compact()
		}
	}
	if loadedData == 0 || from < dataStart && rejected == 0 {
		t.Errorf("%d damaged snapshots rejected, %d loaded (%d damaged in the postings); want some of each", rejected, loaded, loadedData)
	}
}

// sameSearches runs n random queries of g on ref and y and fails the test,
// naming what, unless they give the same hits.
func sameSearches(t *testing.T, g *gen, n int, ref, y *index.Index, what string) {
	t.Helper()
	ctx := context.Background()
	for range n {
		q := g.query()
		want, err := ref.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := y.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameHits(got, want); err != nil {
			t.Fatalf("%s: Search(%+v): %v", what, q, err)
		}
	}
}
