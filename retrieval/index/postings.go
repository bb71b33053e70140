package index

import "math"

// blockSize is the number of postings per block: the unit of skipping and
// of the block-max score bound (the size Lucene, Tantivy and PISA use).
const blockSize = 128

// Frequencies are clamped so that one posting's fields fit the encoding;
// no real passage or title repeats a term this often.
const (
	maxTitleTF = 1 << 16
	maxBodyTF  = 1 << 24
)

// block describes one block of a postings list. The bound of the block's
// score is derived from maxF and minD at query time: the BM25 term score
// rises with f and falls with D, so the pair bounds every posting in the
// block whatever the average length is when the query runs.
type block struct {
	last uint32  // doc number of the block's last posting
	off  uint32  // offset of the block's first posting in plist.data
	maxF float32 // largest weighted term frequency, rounded up
	minD uint32  // smallest document length
}

// plist is the postings list of one term: doc numbers in increasing order
// with the term's title and body frequencies, varint-encoded in blocks of
// blockSize. The last block may be open (fewer than blockSize postings):
// appends go there, so a Put never rewrites compressed data.
//
// A full block is bit-packed (packed.go). In the open block a posting is
// uvarint(doc - previous doc) then uvarint(tb<<1 | title) and, when title
// is 1, uvarint(tt); the first posting of a block is a delta from the
// previous block's last doc (from 0 for the first block).
type plist struct {
	data   []byte
	blocks []block
	n      uint32  // postings, deleted documents included
	open   uint32  // postings in the last block when it is open, else 0
	maxF   float32 // list-wide bounds, as in block
	minD   uint32
}

// roundUp32 converts f to float32 without rounding down, so that a bound
// stored in 32 bits still bounds.
func roundUp32(f float64) float32 {
	g := float32(f)
	if float64(g) < f {
		g = math.Nextafter32(g, float32(math.Inf(1)))
	}
	return g
}

// add appends a posting for doc, which must be larger than every doc in the
// list. f is the weighted frequency and d the document length.
func (l *plist) add(doc, tt, tb uint32, f float64, d uint32) {
	if l.open == 0 {
		l.blocks = append(l.blocks, block{off: uint32(len(l.data)), minD: math.MaxUint32})
		if len(l.blocks) > 1 {
			l.blocks[len(l.blocks)-1].last = l.blocks[len(l.blocks)-2].last
		}
	}
	b := &l.blocks[len(l.blocks)-1]
	l.data = appendPosting(l.data, doc-b.last, tt, tb)
	b.last = doc
	f32 := roundUp32(f)
	b.maxF = max(b.maxF, f32)
	b.minD = min(b.minD, d)
	if l.n == 0 {
		l.minD = d
	}
	l.maxF = max(l.maxF, f32)
	l.minD = min(l.minD, d)
	l.n++
	l.open++
	if l.open == blockSize {
		l.open = 0
		l.pack()
	}
}

func appendPosting(buf []byte, delta, tt, tb uint32) []byte {
	buf = appendUvarint(buf, delta)
	code := min(tb, maxBodyTF) << 1
	if tt > 0 {
		code |= 1
	}
	buf = appendUvarint(buf, code)
	if tt > 0 {
		buf = appendUvarint(buf, min(tt, maxTitleTF))
	}
	return buf
}

func appendUvarint(buf []byte, v uint32) []byte {
	for v >= 0x80 {
		buf = append(buf, byte(v)|0x80)
		v >>= 7
	}
	return append(buf, byte(v))
}

// blockRange returns the bytes of block i and the doc its first delta
// starts from.
func (l *plist) blockRange(i int) ([]byte, uint32) {
	end := len(l.data)
	if i+1 < len(l.blocks) {
		end = int(l.blocks[i+1].off)
	}
	var base uint32
	if i > 0 {
		base = l.blocks[i-1].last
	}
	start := int(l.blocks[i].off)
	if start > end || end > len(l.data) {
		return nil, base
	}
	return l.data[start:end], base
}

// decodeBlock decodes up to blockSize postings of buf into docs, tt and tb
// and returns how many it decoded. It stops at the first malformed posting
// (truncated varint, doc not increasing or not below ndocs) instead of
// trusting the bytes, so a damaged snapshot cannot make a search panic.
func decodeBlock(buf []byte, base, ndocs uint32, docs, tt, tb *[blockSize]uint32) int {
	p, k := 0, 0
	doc := uint64(base)
	for k < blockSize && p < len(buf) {
		delta, q := uvarint(buf, p)
		if q < 0 {
			break
		}
		code, q2 := uvarint(buf, q)
		if q2 < 0 {
			break
		}
		var t uint32
		if code&1 != 0 {
			var q3 int
			t, q3 = uvarint(buf, q2)
			if q3 < 0 {
				break
			}
			q2 = q3
		}
		next := doc + uint64(delta)
		if (k > 0 && delta == 0) || next >= uint64(ndocs) {
			break
		}
		doc = next
		docs[k], tt[k], tb[k] = uint32(doc), t, code>>1
		k++
		p = q2
	}
	return k
}

// uvarint reads a varint at buf[p:] and returns it with the offset after
// it, or -1 when it is truncated or longer than 32 bits.
func uvarint(buf []byte, p int) (uint32, int) {
	if p < len(buf) && buf[p] < 0x80 {
		return uint32(buf[p]), p + 1
	}
	var v uint32
	for s := uint(0); s < 35; s += 7 {
		if p >= len(buf) {
			return 0, -1
		}
		c := buf[p]
		p++
		v |= uint32(c&0x7f) << s
		if c < 0x80 {
			return v, p
		}
	}
	return 0, -1
}
