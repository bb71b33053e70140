package index

import (
	"math"
	"slices"
)

// slabSize is the largest of the shared allocations that compacted and
// loaded postings live in: large enough that few exist, small enough that
// the unused end of the last one costs little. The first slabs are small
// (from minSlab, doubling) so a small index stays small.
const (
	slabSize = 16 << 20
	minSlab  = 64 << 10
)

// slab hands out pieces of large byte and block allocations. Each piece is
// capped at its length, so an append to one list copies that list out and
// never writes over its neighbour.
type slab struct {
	bytes  []byte
	blocks []block
}

// byteSlice copies b into the slab.
func (sl *slab) byteSlice(b []byte) []byte {
	out := sl.takeBytes(len(b))
	copy(out, b)
	return out
}

// takeBytes returns a zeroed piece of n bytes.
func (sl *slab) takeBytes(n int) []byte {
	if n > slabSize/4 {
		return make([]byte, n)
	}
	if len(sl.bytes)+n > cap(sl.bytes) {
		sl.bytes = make([]byte, 0, max(n, min(slabSize, max(minSlab, 2*cap(sl.bytes)))))
	}
	start := len(sl.bytes)
	sl.bytes = sl.bytes[:start+n]
	return sl.bytes[start : start+n : start+n]
}

// blockSlice copies b into the slab.
func (sl *slab) blockSlice(b []block) []block {
	out := sl.takeBlocks(len(b))
	copy(out, b)
	return out
}

// takeBlocks returns a zeroed piece of n blocks.
func (sl *slab) takeBlocks(n int) []block {
	const per = slabSize / 16
	if n > per/4 {
		return make([]block, n)
	}
	if len(sl.blocks)+n > cap(sl.blocks) {
		sl.blocks = make([]block, 0, max(n, min(per, max(minSlab/16, 2*cap(sl.blocks)))))
	}
	start := len(sl.blocks)
	sl.blocks = sl.blocks[:start+n]
	return sl.blocks[start : start+n : start+n]
}

// keepList appends term and a copy of its postings list l, packed into
// sl, to a state being compacted.
func (s *state) keepList(term string, l *plist, sl *slab) {
	s.termID[term] = uint32(len(s.terms))
	s.terms = append(s.terms, term)
	s.lists = append(s.lists, plist{
		data:   sl.byteSlice(l.data),
		blocks: sl.blockSlice(l.blocks),
		n:      l.n,
		open:   l.open,
		maxF:   l.maxF,
		minD:   l.minD,
	})
}

// packed returns what compacted returns when no document is dead, without
// decoding and re-encoding the postings: they are the same, and so are
// their blocks (their bounds were computed with opt as they were added:
// an index's options never change). The postings and blocks are copied
// into slabs and the per-document arrays to their exact size, which drops
// the slack of the appends that grew them. Terms without postings are
// dropped. With release, each list of s is emptied once copied, so the
// garbage collector may take it back while the rest are copied: only for
// a state no search can read any more (a build's own).
func (s *state) packed(release bool) *state {
	ns := newState()
	ns.seq, ns.mark, ns.total = s.seq, s.mark, s.total
	ns.pid, ns.aid, ns.pub = slices.Clone(s.pid), slices.Clone(s.aid), slices.Clone(s.pub)
	ns.scope, ns.dlen = slices.Clone(s.scope), slices.Clone(s.dlen)
	ns.pubSeg, ns.day = slices.Clone(s.pubSeg), slices.Clone(s.day)
	ns.dead = make([]uint64, (s.ndocs()+63)/64)
	ns.scopes = append(ns.scopes, s.scopes...)
	for i, sc := range ns.scopes {
		ns.scopeID[sc] = uint32(i)
	}
	ns.articles = articlesOf(ns.aid, ns.dead)
	var sl slab
	ns.lists = make([]plist, 0, len(s.lists))
	ns.terms = make([]string, 0, len(s.terms))
	ns.termID = make(map[string]uint32, len(s.terms))
	for id := range s.lists {
		l := &s.lists[id]
		if l.n == 0 {
			continue
		}
		ns.keepList(s.terms[id], l, &sl)
		if release {
			*l = plist{}
		}
	}
	return ns
}

// compacted returns a copy of s without its dead documents, numbered
// densely in the same order, with every postings list re-encoded into
// slabs. Terms no live document holds are dropped. The block bounds are
// recomputed with opt's weights.
func (s *state) compacted(opt Options) *state {
	ns := newState()
	ns.seq, ns.mark = s.seq, s.mark
	live := s.ndocs() - s.ndead
	remap := make([]uint32, s.ndocs())
	ns.pid = make([]int64, 0, live)
	ns.aid = make([]int64, 0, live)
	ns.pub = make([]int64, 0, live)
	ns.scope = make([]uint32, 0, live)
	ns.dlen = make([]uint32, 0, live)
	ns.dead = make([]uint64, (live+63)/64)
	for d := range s.ndocs() {
		if s.isDead(uint32(d)) {
			remap[d] = math.MaxUint32
			continue
		}
		remap[d] = uint32(len(ns.pid))
		ns.pid = append(ns.pid, s.pid[d])
		ns.aid = append(ns.aid, s.aid[d])
		ns.pub = append(ns.pub, s.pub[d])
		ns.scope = append(ns.scope, s.scope[d])
		ns.dlen = append(ns.dlen, s.dlen[d])
		ns.total += uint64(s.dlen[d])
	}
	ns.summarisePub()
	// Scopes keep their ids: a table of a few strings is not worth
	// renumbering.
	ns.scopes = append(ns.scopes, s.scopes...)
	for i, sc := range ns.scopes {
		ns.scopeID[sc] = uint32(i)
	}
	// The runs of live documents, renumbered: s may have no map (inPlace).
	ns.articles = articlesOf(ns.aid, ns.dead)

	var (
		sl           slab
		docs, tt, tb [blockSize]uint32
		tmp          plist
		ndocs        = uint32(s.ndocs())
	)
	for id := range s.lists {
		l := &s.lists[id]
		tmp.data, tmp.blocks = tmp.data[:0], tmp.blocks[:0]
		tmp.n, tmp.open, tmp.maxF, tmp.minD = 0, 0, 0, 0
		for bi := range l.blocks {
			k := l.decode(bi, ndocs, &docs, &tt, &tb)
			for j := range k {
				nd := remap[docs[j]]
				if nd == math.MaxUint32 {
					continue
				}
				tmp.add(nd, tt[j], tb[j], opt.weighted(tt[j], tb[j]), ns.dlen[nd])
			}
		}
		if tmp.n == 0 {
			continue
		}
		ns.keepList(s.terms[id], &tmp, &sl)
	}
	return ns
}
