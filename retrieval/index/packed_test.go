package index

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// posting is one posting of a list as added.
type posting struct{ doc, tt, tb uint32 }

// TestPackedBlocksRoundTrip adds postings to lists whose blocks need
// widths from 0 bits (consecutive documents, no title) to 31 (a gap of
// 2^31; body counts of 24 bits), and checks that every block, packed or
// open, decodes to what was added, by plist.decode and by a cursor
// reading frequencies in place.
func TestPackedBlocksRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const ndocs = 1<<32 - 2
	tests := []struct {
		name string
		n    int
		gap  func() uint32 // doc delta, >= 1
		tb   func() uint32
		tt   func() uint32
	}{
		{"consecutive, tb 1", 3*blockSize + 5, func() uint32 { return 1 }, func() uint32 { return 1 }, func() uint32 { return 0 }},
		{"small gaps, small tf", 2 * blockSize, func() uint32 { return 1 + rng.Uint32N(7) }, func() uint32 { return 1 + rng.Uint32N(3) }, func() uint32 { return rng.Uint32N(2) }},
		{"wide gaps, big tf", 2*blockSize + 1, func() uint32 { return 1 + rng.Uint32N(1<<20) }, func() uint32 { return 1 + rng.Uint32N(maxBodyTF) }, func() uint32 { return rng.Uint32N(maxTitleTF + 1) }},
		{"one full block exactly", blockSize, func() uint32 { return 1 + rng.Uint32N(300) }, func() uint32 { return 1 + rng.Uint32N(9) }, func() uint32 { return 0 }},
		{"gaps of 2^24", blockSize + 3, func() uint32 { return 1 << 24 }, func() uint32 { return 2 }, func() uint32 { return 1 }},
		{"a gap of 2^31 inside a block", 2*blockSize + 1, oneBigGap(5, 1<<31), func() uint32 { return 1 }, func() uint32 { return 0 }},
		{"a gap of 2^31 between blocks", 2 * blockSize, oneBigGap(blockSize, 1<<31), func() uint32 { return 3 }, func() uint32 { return 2 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l plist
			var want []posting
			doc := uint32(0)
			for i := range tc.n {
				if i > 0 {
					doc += tc.gap()
				}
				p := posting{doc: doc, tt: tc.tt(), tb: tc.tb()}
				want = append(want, p)
				l.add(p.doc, p.tt, p.tb, float64(p.tb), 100)
			}
			var got []posting
			var docs, tt, tb [blockSize]uint32
			for bi := range l.blocks {
				if want, is := bi < tc.n/blockSize, l.packed(bi); want != is {
					t.Fatalf("block %d packed %v; want %v", bi, is, want)
				}
				k := l.decode(bi, ndocs, &docs, &tt, &tb)
				for j := range k {
					got = append(got, posting{docs[j], tt[j], tb[j]})
				}
			}
			if len(got) != len(want) {
				t.Fatalf("decoded %d postings; want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("posting %d = %+v; want %+v", i, got[i], want[i])
				}
			}
			// A cursor reads a packed block's frequencies one at a time
			// until it fills them.
			c := cursor{l: &l, ndocs: ndocs}
			for bi := range l.blocks {
				c.load(bi)
				for _, fill := range []bool{false, true} {
					if fill {
						c.fillTF()
					}
					for i := range c.n {
						w := want[bi*blockSize+i]
						if tt, tb := c.freqs(i); c.docs[i] != w.doc || tt != w.tt || tb != w.tb {
							t.Fatalf("block %d posting %d (filled %v) = doc %d, freqs %d, %d; want %+v", bi, i, fill, c.docs[i], tt, tb, w)
						}
					}
				}
			}
		})
	}
}

// oneBigGap returns a gap function giving big as its n-th gap and 1
// otherwise.
func oneBigGap(n int, big uint32) func() uint32 {
	i := 0
	return func() uint32 {
		i++
		if i == n {
			return big
		}
		return 1
	}
}

// TestPackedBlockMalformed checks that a damaged packed block decodes to
// nothing rather than to wrong postings or a panic.
func TestPackedBlockMalformed(t *testing.T) {
	var l plist
	for i := range uint32(blockSize) {
		l.add(10+3*i, i%2, 1+i%5, 1, 50)
	}
	good, base := l.blockRange(0)
	var docs [blockSize]uint32
	var tf packedTF
	if n := unpackDocs(good, base, 10000, &docs, &tf); n != blockSize {
		t.Fatalf("the intact block decodes to %d postings; want %d", n, blockSize)
	}
	withByte := func(i int, v byte) []byte {
		b := append([]byte(nil), good...)
		b[i] = v
		return b
	}
	tests := []struct {
		name  string
		buf   []byte
		ndocs uint32
	}{
		{"empty", nil, 10000},
		{"header only", good[:packedHeader], 10000},
		{"truncated", good[:len(good)-1], 10000},
		{"a byte too many", append(append([]byte(nil), good...), 0), 10000},
		{"doc width over 32", withByte(0, 33), 10000},
		{"wider docs than stored", withByte(0, good[0]+1), 10000},
		{"last doc past the index", good, 10 + 3*(blockSize-1)},
		{"first delta truncated", withByte(packedHeader, 0x80), 10000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if n := unpackDocs(tc.buf, base, tc.ndocs, &docs, &tf); n != 0 {
				t.Errorf("decoded %d postings; want 0", n)
			}
		})
	}
}

// TestPackDamagedOpenBlock: an open block damaged in a snapshot and then
// filled by appends is left out of searches, without a panic.
func TestPackDamagedOpenBlock(t *testing.T) {
	var l plist
	for i := range uint32(blockSize - 1) {
		l.add(2*i, 0, 1, 1, 50)
	}
	l.data[len(l.data)-1] |= 0x80 // the last count's varint now runs on
	l.data = l.data[:len(l.data):len(l.data)]
	l.add(2*blockSize, 0, 1, 1, 50)
	var docs, tt, tb [blockSize]uint32
	if n := l.decode(0, 1000, &docs, &tt, &tb); n != 0 {
		t.Errorf("the damaged block decodes to %d postings; want 0", n)
	}
}

// TestUnpackWidths checks unpack and bitsAt against appendPacked for every
// width and for counts that end mid-word.
func TestUnpackWidths(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for w := uint(0); w <= 32; w++ {
		for _, n := range []int{1, 7, 127, 128} {
			vals := make([]uint32, n)
			for i := range vals {
				if w > 0 {
					vals[i] = uint32(rng.Uint64() & (1<<w - 1))
				}
			}
			buf := appendPacked(nil, vals, w)
			if len(buf) != packedLen(n, w) {
				t.Fatalf("w %d n %d: %d bytes; want %d", w, n, len(buf), packedLen(n, w))
			}
			got := make([]uint32, n)
			unpack(got, buf, w)
			for i := range vals {
				if got[i] != vals[i] || bitsAt(buf, i, w) != vals[i] {
					t.Fatalf("w %d n %d value %d: unpack %d, bitsAt %d; want %d", w, n, i, got[i], bitsAt(buf, i, w), vals[i])
				}
			}
		}
	}
}

// BenchmarkUnpack decodes a block's section at the widths postings
// usually take: doc gaps of 4-14 bits, frequencies of 1-3.
func BenchmarkUnpack(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, w := range []uint{1, 2, 3, 6, 9, 12, 14} {
		vals := make([]uint32, blockSize)
		for i := range vals {
			vals[i] = uint32(rng.Uint64() & (1<<w - 1))
		}
		buf := appendPacked(nil, vals, w)
		var dst [blockSize]uint32
		b.Run(fmt.Sprintf("w%d", w), func(b *testing.B) {
			for b.Loop() {
				unpack(dst[:], buf, w)
			}
		})
	}
}
