package index

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// An index opened from a snapshot reads the snapshot's bytes in place
// (state.inPlace): its per-document arrays (pid, aid, pub, scope, dlen)
// and its lists' blocks are views of the file's sections, its lists'
// postings are pieces of it, and it has no articles map. Opening then
// costs little more than checksumming the file, and a process that only
// searches (a one-shot `newsbot ask`) never pays for the rest.
//
// Writers need the rest: they append to the arrays, update a list's last
// block in place, and look articles up. So the first writer calls own,
// which copies the arrays and the blocks to the heap and builds the
// articles map, before anything is changed. The postings stay in place:
// they are only ever appended to, and every list's bytes are capped at
// their length, so the first append to one copies it out (plist.add).
// Nothing ever writes into the snapshot's bytes, which may be a read-only
// mapping.

// viewOf returns the n values of T that b holds, little-endian: b itself
// when the host is little-endian and b is aligned for T (the snapshot
// format aligns every section for its values), else a decoded copy. T is
// int64, uint32 or block, whose layout matches the snapshot's block
// record (blockLayoutOK).
func viewOf[T int64 | uint32 | block](b []byte, n int) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) != n*size {
		panic("index: viewOf: section size") // sections checks every size first
	}
	if n == 0 {
		return nil
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	if isLittleEndian() && uintptr(p)%unsafe.Alignof(zero) == 0 && (size != blockRecord || blockLayoutOK()) {
		return unsafe.Slice((*T)(p), n)
	}
	out := make([]T, n)
	le := binary.LittleEndian
	switch out := any(out).(type) {
	case []int64:
		for i := range out {
			out[i] = int64(le.Uint64(b[8*i:]))
		}
	case []uint32:
		for i := range out {
			out[i] = le.Uint32(b[4*i:])
		}
	case []block:
		for i := range out {
			r := b[blockRecord*i:]
			out[i] = block{last: le.Uint32(r), off: le.Uint32(r[4:]), maxF: math.Float32frombits(le.Uint32(r[8:])), minD: le.Uint32(r[12:])}
		}
	}
	return out
}

// isLittleEndian reports whether the host stores integers as the snapshot
// does.
func isLittleEndian() bool { return binary.NativeEndian.Uint16([]byte{1, 0}) == 1 }

// blockLayoutOK reports whether block is laid out as the snapshot's block
// record (last, off, maxF, minD: 4 bytes each), so that a view of the
// records is a []block. If block changes, blocks are decoded instead (and
// TestBlockLayout says so).
func blockLayoutOK() bool {
	var b block
	return unsafe.Sizeof(b) == blockRecord && unsafe.Offsetof(b.last) == 0 && unsafe.Offsetof(b.off) == 4 &&
		unsafe.Offsetof(b.maxF) == 8 && unsafe.Offsetof(b.minD) == 12
}

// ownHeadroom is the room own leaves at the end of the per-document
// arrays it copies, so that the appends after it do not copy them again
// at once.
const ownHeadroom = 1024

// own gives a state read in place what a writer changes: heap copies of
// the per-document arrays and of the blocks, and the articles map (see
// above). The caller holds wmu. The copies are made while searches go on
// and swapped in under mu: they hold the same values.
func (x *Index) own() {
	s := x.s
	if !s.inPlace {
		return
	}
	n := s.ndocs()
	grow := func(v []int64) []int64 { return append(make([]int64, 0, n+n/8+ownHeadroom), v...) }
	grow32 := func(v []uint32) []uint32 { return append(make([]uint32, 0, n+n/8+ownHeadroom), v...) }
	pid, aid, pub, scope, dlen := grow(s.pid), grow(s.aid), grow(s.pub), grow32(s.scope), grow32(s.dlen)
	blocks := s.blockCopies()
	articles := articlesOf(s.aid, s.dead)
	x.mu.Lock()
	defer x.mu.Unlock()
	s.pid, s.aid, s.pub, s.scope, s.dlen = pid, aid, pub, scope, dlen
	for i := range s.lists {
		s.lists[i].blocks = blocks[i]
	}
	s.articles = articles
	s.inPlace = false
}

// blockCopies returns a copy of every list's blocks, all in one
// allocation, each capped at its length.
func (s *state) blockCopies() [][]block {
	total := 0
	for i := range s.lists {
		total += len(s.lists[i].blocks)
	}
	all := make([]block, 0, total)
	out := make([][]block, len(s.lists))
	for i := range s.lists {
		start := len(all)
		all = append(all, s.lists[i].blocks...)
		out[i] = all[start:len(all):len(all)]
	}
	return out
}

// ownBlocks gives the lists heap copies of their blocks, for a state not
// yet published (rebound writes the bounds).
func (s *state) ownBlocks() {
	for i, b := range s.blockCopies() {
		s.lists[i].blocks = b
	}
}

// articlesOf returns the articles map of the documents with the given
// aid and dead bitset: an article's passages are the run of live
// documents with its id. That is how Put numbers them (all of an
// article's passages together, its earlier ones killed first), so the
// runs are exactly the map writers keep.
func articlesOf(aid []int64, dead []uint64) map[int64]span {
	m := make(map[int64]span, countArticles(aid, dead))
	eachArticle(aid, dead, func(id int64, sp span) { m[id] = sp })
	return m
}

// countArticles returns the number of articles articlesOf finds.
func countArticles(aid []int64, dead []uint64) int {
	n := 0
	eachArticle(aid, dead, func(int64, span) { n++ })
	return n
}

// eachArticle calls f for each run of live documents with the same aid.
func eachArticle(aid []int64, dead []uint64, f func(int64, span)) {
	isDead := func(d int) bool { return dead[d>>6]&(1<<(d&63)) != 0 }
	for d := 0; d < len(aid); {
		if isDead(d) {
			d++
			continue
		}
		e := d + 1
		for e < len(aid) && aid[e] == aid[d] && !isDead(e) {
			e++
		}
		f(aid[d], span{first: uint32(d), n: uint32(e - d)})
		d = e
	}
}

// narticles returns the number of live articles.
func (s *state) narticles() int {
	if s.articles == nil {
		return countArticles(s.aid, s.dead)
	}
	return len(s.articles)
}
