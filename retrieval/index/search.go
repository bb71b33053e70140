package index

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/newsbot/newsbot/corpus"
)

// Query asks the index for passages: analysed terms with their weights
// (a term given twice counts once with the sum of its weights, terms with a
// weight <= 0 are ignored, no terms means no hits), the scopes and the
// published-time filter.
type Query = corpus.SearchQuery

// ctxCheckEvery is how many candidates a search scores between looks at
// its context: often enough to stop within a fraction of a millisecond.
const ctxCheckEvery = 4096

// boundSlack widens every score bound relatively: a bound is a sum
// computed in another order than the score it bounds, so it may fall a few
// ulps short, and a pruned document must never be one that belongs in the
// top k.
const boundSlack = 1e-9

// cursor walks one query term's postings list.
type cursor struct {
	l     *plist
	pos   int     // position of the term in the query, for the score sum
	w     float64 // weight * idf
	ub    float64 // bound of the term's score over the whole list
	bi    int     // current block
	dec   int     // block decoded into docs, tt, tb; -1 when none
	n, i  int     // postings decoded, current one
	doc   uint32  // current doc; endDoc when exhausted
	docs  [blockSize]uint32
	tt    [blockSize]uint32
	tb    [blockSize]uint32
	ndocs uint32
}

const endDoc = math.MaxUint32

// load decodes block bi and positions the cursor on its first posting.
func (c *cursor) load(bi int) {
	for ; bi < len(c.l.blocks); bi++ {
		buf, base := c.l.blockRange(bi)
		c.bi, c.dec, c.i = bi, bi, 0
		c.n = decodeBlock(buf, base, c.ndocs, &c.docs, &c.tt, &c.tb)
		if c.n > 0 {
			c.doc = c.docs[0]
			return
		}
	}
	c.bi, c.doc = len(c.l.blocks), endDoc
}

// next moves to the next posting.
func (c *cursor) next() {
	c.i++
	if c.i < c.n {
		c.doc = c.docs[c.i]
		return
	}
	c.load(c.bi + 1)
}

// shallow moves the block pointer to the first block whose last doc is at
// least d, without decoding, and reports whether there is one.
func (c *cursor) shallow(d uint32) bool {
	bs := c.l.blocks
	if c.bi < len(bs) && bs[c.bi].last >= d {
		return true
	}
	// Gallop, then binary search: targets are usually near.
	lo, step := c.bi+1, 1
	hi := lo
	for hi < len(bs) && bs[hi].last < d {
		lo = hi + 1
		hi += step
		step *= 2
	}
	hi = min(hi, len(bs))
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bs[m].last < d {
			lo = m + 1
		} else {
			hi = m
		}
	}
	c.bi = lo
	return lo < len(bs)
}

// seek moves to the first posting >= d.
func (c *cursor) seek(d uint32) {
	if c.doc >= d { // endDoc included
		return
	}
	if !c.shallow(d) {
		c.bi, c.doc = len(c.l.blocks), endDoc
		return
	}
	if c.dec != c.bi {
		c.load(c.bi)
		if c.doc == endDoc {
			return
		}
	}
	for c.i < c.n && c.docs[c.i] < d {
		c.i++
	}
	if c.i < c.n {
		c.doc = c.docs[c.i]
		return
	}
	c.load(c.bi + 1)
}

// entry is a hit in the top-k heap.
type entry struct {
	score float64
	pid   int64
	doc   uint32
}

// worse orders entries: lower score, then larger passage id.
func worse(a, b entry) bool {
	return a.score < b.score || a.score == b.score && a.pid > b.pid
}

// searcher is the reusable scratch space of one search.
type searcher struct {
	curs    []cursor
	order   []*cursor
	contrib []float64
	prefix  []float64
	heap    []entry
	scopeOK []bool
}

// bm25 holds a query's constants of the length normalisation.
type bm25 struct {
	k1p1, c1, c2 float64 // k1+1, k1*(1-b), k1*b/avgdl
}

// g is the BM25 term score without the idf: f*(k1+1) / (f + k1*(1-b+b*D/avgdl)).
func (p bm25) g(f float64, d uint32) float64 {
	return f * p.k1p1 / (f + p.c1 + p.c2*float64(d))
}

// Search returns the q.K passages (corpus.DefaultSearchK when unset) with
// the highest BM25 scores over q.Terms, best first, ties broken by the
// smaller passage id, among the passages of articles in q.Scopes
// (GlobalScope when empty) that pass q.Published. The result is exact: the
// pruning skips only passages that cannot enter the top K.
//
// Hits carry the passage and article ids, the article's scope and
// published time, and the score (positive, higher is better); the caller
// reads text and other metadata from the store. The only error is the
// context's.
func (x *Index) Search(ctx context.Context, q Query) ([]corpus.Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k := q.K
	if k <= 0 {
		k = corpus.DefaultSearchK
	}
	sr, _ := x.pool.Get().(*searcher)
	if sr == nil {
		sr = &searcher{}
	}
	defer x.pool.Put(sr)

	x.mu.RLock()
	defer x.mu.RUnlock()
	s := x.s
	if !sr.prepare(s, x.opt, q) {
		return nil, nil
	}
	if err := sr.run(ctx, s, x.opt, q, k); err != nil {
		return nil, err
	}
	hits := make([]corpus.Hit, len(sr.heap))
	slices.SortFunc(sr.heap, func(a, b entry) int {
		if worse(a, b) {
			return 1
		}
		if worse(b, a) {
			return -1
		}
		return 0
	})
	for i, e := range sr.heap {
		h := &hits[i]
		h.Score = e.score
		h.Passage.ID = e.pid
		h.Passage.ArticleID = s.aid[e.doc]
		h.Article.ID = s.aid[e.doc]
		h.Article.Scope = s.scopes[s.scope[e.doc]]
		h.Article.PublishedAt = unixTime(s.pub[e.doc])
	}
	return hits, nil
}

// prepare sets up the cursors of q's terms in s, ordered by their bound,
// and the scope filter. It reports false when nothing can match.
func (sr *searcher) prepare(s *state, opt Options, q Query) bool {
	sr.curs = sr.curs[:0]
	n := s.ndocs()
	if n == 0 {
		return false
	}
	avgdl := float64(s.total) / float64(n)
	p := bm25{k1p1: opt.K1 + 1, c1: opt.K1 * (1 - opt.B), c2: opt.K1 * opt.B / avgdl}
	// Deduplicate, summing weights, in first-seen order.
	for _, qt := range q.Terms {
		if qt.Weight <= 0 || math.IsNaN(qt.Weight) || math.IsInf(qt.Weight, 0) {
			continue
		}
		id, ok := s.termID[qt.Term]
		if !ok {
			continue
		}
		l := &s.lists[id]
		dup := false
		for i := range sr.curs {
			if sr.curs[i].l == l {
				sr.curs[i].w += qt.Weight
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if len(sr.curs) == cap(sr.curs) {
			sr.curs = slices.Grow(sr.curs, 1)
		}
		sr.curs = sr.curs[:len(sr.curs)+1]
		c := &sr.curs[len(sr.curs)-1]
		c.l, c.w, c.ndocs = l, qt.Weight, uint32(n)
	}
	if len(sr.curs) == 0 {
		return false
	}
	sr.order = sr.order[:0]
	for i := range sr.curs {
		c := &sr.curs[i]
		c.pos = i
		idf := math.Log((float64(n) - float64(c.l.n) + 0.5) / (float64(c.l.n) + 0.5))
		if idf <= 0 {
			idf = 1e-6
		}
		c.w *= idf
		c.ub = c.w * p.g(float64(c.l.maxF), c.l.minD) * (1 + boundSlack)
		c.dec = -1
		c.load(0)
		sr.order = append(sr.order, c)
	}
	slices.SortStableFunc(sr.order, func(a, b *cursor) int { return cmp.Compare(a.ub, b.ub) })
	sr.prefix = sr.prefix[:0]
	sum := 0.0
	for _, c := range sr.order {
		sum += c.ub
		sr.prefix = append(sr.prefix, sum)
	}
	sr.contrib = slices.Grow(sr.contrib[:0], len(sr.curs))[:len(sr.curs)]
	clear(sr.contrib)

	// Scope filter as a table by scope id.
	sr.scopeOK = slices.Grow(sr.scopeOK[:0], len(s.scopes))[:len(s.scopes)]
	clear(sr.scopeOK)
	any := false
	for _, sc := range corpus.ScopesOrGlobal(q.Scopes) {
		if id, ok := s.scopeID[sc]; ok {
			sr.scopeOK[id] = true
			any = true
		}
	}
	return any
}

// dateFilter is a corpus.Published in unix seconds.
type dateFilter struct {
	from, to, before    int64
	hasFrom, hasTo, has bool
	hasBefore           bool
}

func newDateFilter(p corpus.Published) dateFilter {
	f := dateFilter{hasFrom: !p.From.IsZero(), hasTo: !p.To.IsZero(), hasBefore: !p.Before.IsZero()}
	if f.hasFrom {
		f.from = p.From.Unix()
	}
	if f.hasTo {
		f.to = p.To.Unix()
	}
	if f.hasBefore {
		f.before = p.Before.Unix()
	}
	f.has = f.hasFrom || f.hasTo || f.hasBefore
	return f
}

// ok applies corpus.Published's semantics, as the SQLite store did: From
// and To drop undated articles, Before keeps them.
func (f *dateFilter) ok(pub int64) bool {
	if pub == noDate {
		return !f.hasFrom && !f.hasTo
	}
	return (!f.hasFrom || pub >= f.from) && (!f.hasTo || pub < f.to) && (!f.hasBefore || pub <= f.before)
}

// run is MaxScore (Turtle and Flood) with block-max bounds: the terms are
// ordered by their score bound; the lowest ones whose bounds sum below the
// k-th best score so far are non-essential, so only documents holding an
// essential term become candidates, and a candidate's non-essential terms
// are looked up (blocks decoded) only while its bound, refined by the
// block bounds, can still reach the top k.
func (sr *searcher) run(ctx context.Context, s *state, opt Options, q Query, k int) error {
	n := s.ndocs()
	avgdl := float64(s.total) / float64(n)
	p := bm25{k1p1: opt.K1 + 1, c1: opt.K1 * (1 - opt.B), c2: opt.K1 * opt.B / avgdl}
	df := newDateFilter(q.Published)
	order, prefix, contrib := sr.order, sr.prefix, sr.contrib
	sr.heap = sr.heap[:0]
	theta := 0.0 // k-th best score once the heap is full; bounds below it prune
	full := false
	firstEss := 0
	checks := 0
	for {
		// The next candidate: the smallest doc among the essential terms.
		d := uint32(endDoc)
		for _, c := range order[firstEss:] {
			d = min(d, c.doc)
		}
		if d == endDoc {
			return nil
		}
		checks++
		if checks%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if s.isDead(d) || !sr.scopeOK[s.scope[d]] || df.has && !df.ok(s.pub[d]) {
			for _, c := range order[firstEss:] {
				if c.doc == d {
					c.next()
				}
			}
			continue
		}
		dl := s.dlen[d]
		partial := 0.0
		for _, c := range order[firstEss:] {
			if c.doc == d {
				v := c.w * p.g(opt.weighted(c.tt[c.i], c.tb[c.i]), dl)
				contrib[c.pos] = v
				partial += v
				c.next()
			}
		}
		pruned := false
		for i := firstEss - 1; i >= 0; i-- {
			if full && partial+prefix[i] < theta {
				pruned = true
				break
			}
			c := order[i]
			if c.doc < d {
				if !c.shallow(d) {
					c.doc = endDoc
					continue
				}
				if full {
					b := &c.l.blocks[c.bi]
					bound := c.w * p.g(float64(b.maxF), b.minD) * (1 + boundSlack)
					rest := 0.0
					if i > 0 {
						rest = prefix[i-1]
					}
					if partial+bound+rest < theta {
						pruned = true
						break
					}
				}
				c.seek(d)
			}
			if c.doc == d {
				v := c.w * p.g(opt.weighted(c.tt[c.i], c.tb[c.i]), dl)
				contrib[c.pos] = v
				partial += v
			}
		}
		if !pruned {
			score := 0.0
			for _, v := range contrib {
				score += v
			}
			e := entry{score: score, pid: s.pid[d], doc: d}
			if !full {
				sr.push(e)
				if len(sr.heap) == k {
					full = true
				}
			} else if worse(sr.heap[0], e) {
				sr.heap[0] = e
				sr.down(0)
			}
			if full {
				theta = sr.heap[0].score * (1 - boundSlack)
				for firstEss < len(order) && prefix[firstEss] < theta {
					firstEss++
				}
			}
		}
		clear(contrib)
	}
}

// push adds e to the min-heap (by worse).
func (sr *searcher) push(e entry) {
	sr.heap = append(sr.heap, e)
	h := sr.heap
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !worse(h[i], h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

// down restores the heap below i.
func (sr *searcher) down(i int) {
	h := sr.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && worse(h[r], h[l]) {
			m = r
		}
		if !worse(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
