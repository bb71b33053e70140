package index_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
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
	ctx := context.Background()
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
			for range 40 {
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
					t.Fatalf("n=%d opt=%+v: Search(%+v) after load: %v", n, opt, q, err)
				}
			}
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
