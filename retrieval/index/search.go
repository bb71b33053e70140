package index

import (
	"context"
	"math"
	mathbits "math/bits"
	"slices"

	"github.com/newsbot/newsbot/corpus"
)

// Query asks the index for passages: analysed terms with their weights
// (a term given twice counts once with the sum of its weights, capped at
// maxQueryWeight; terms with a weight <= 0 are ignored, no terms means no
// hits), the scopes and the published-time filter.
type Query = corpus.SearchQuery

// boundSlack widens every score bound relatively: a bound is a sum
// computed in another order than the score it bounds, so it may fall a few
// ulps short, and a pruned document must never be one that belongs in the
// top k.
const boundSlack = 1e-9

// cursor walks one query term's postings list.
type cursor struct {
	l    *plist
	w    float64 // weight * idf
	ub   float64 // bound of the term's score over the current window
	bi   int     // current block
	dec  int     // block decoded into docs (tt and tb once tfReady); -1 when none
	n, i int     // postings decoded, current one
	doc  uint32  // current doc; endDoc when exhausted
	// bb is 1 + the block whose score bound is bbound (0: none yet):
	// probes of one block reuse its bound instead of dividing again.
	bb     int
	bbound float64
	docs   [blockSize]uint32
	tt     [blockSize]uint32
	tb     [blockSize]uint32
	ndocs  uint32
	// tf locates a packed block's frequencies; tt and tb hold them only
	// once tfReady: a probe reads the one it needs in place.
	tf      packedTF
	tfReady bool
}

const endDoc = math.MaxUint32

// load decodes the doc numbers of block bi (its frequencies too when it
// is the open block) and positions the cursor on its first posting.
func (c *cursor) load(bi int) {
	for ; bi < len(c.l.blocks); bi++ {
		buf, base := c.l.blockRange(bi)
		c.bi, c.dec, c.i = bi, bi, 0
		if c.l.packed(bi) {
			c.n, c.tfReady = unpackDocs(buf, base, c.ndocs, &c.docs, &c.tf), false
		} else {
			c.n, c.tfReady = decodeBlock(buf, base, c.ndocs, &c.docs, &c.tt, &c.tb), true
		}
		if c.n > 0 {
			c.doc = c.docs[0]
			return
		}
	}
	c.bi, c.doc = len(c.l.blocks), endDoc
}

// fillTF decodes the current block's frequencies into tt and tb, unless
// they are there: a scan of the block reads them all.
func (c *cursor) fillTF() {
	if !c.tfReady {
		c.tf.decode(&c.tt, &c.tb)
		c.tfReady = true
	}
}

// freqs returns posting i's title and body frequencies.
func (c *cursor) freqs(i int) (tt, tb uint32) {
	if c.tfReady {
		return c.tt[i], c.tb[i]
	}
	return c.tf.ttAt(i), c.tf.tbAt(i)
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
	prefix  []float64
	heap    []entry
	scopeOK []bool
	// allScopes: scopeOK holds every scope of the index.
	allScopes bool
	// The current window's scratch: partial scores (in units of the
	// query's grid) and the slots holding a
	// candidate.
	acc   []int64
	seen  []uint64
	cands []candidate
	// gt is the table of g for common postings (see fillTable), for the
	// constants gtFor and the weights gtBody and gtTitle.
	gt              [gTableTF][gTableLen]float64
	gtFor           bm25
	gtBody, gtTitle float64
	// q is the query's grid of term scores (see grid).
	q grid
}

// The table of g for the common postings: a body frequency below
// gTableTF, no title occurrence, a document shorter than gTableLen terms
// (passages are about 300 words, fewer terms). A lookup replaces a
// division per posting; the values are those g computes, so scores do
// not change by a bit.
const (
	gTableTF  = 4
	gTableLen = 512
)

// fillTable makes sr.gt hold g(weighted(0, tb), d) for the constants p,
// unless it holds them already: they change only as the corpus's average
// length does.
func (sr *searcher) fillTable(p bm25, opt Options) {
	if sr.gtFor == p && sr.gtBody == opt.BodyWeight && sr.gtTitle == opt.TitleWeight {
		return
	}
	for tb := range uint32(gTableTF) {
		f := opt.weighted(0, tb)
		for d := range uint32(gTableLen) {
			sr.gt[tb][d] = p.g(f, d)
		}
	}
	sr.gtFor, sr.gtBody, sr.gtTitle = p, opt.BodyWeight, opt.TitleWeight
}

// termScore is the BM25 score of c's posting i in a document of length
// dl, c.w * g (from the table when it holds the posting), in units of the
// query's grid.
func (sr *searcher) termScore(c *cursor, i int, dl uint32, p bm25, opt Options) int64 {
	tt, tb := c.freqs(i)
	if tt == 0 && tb < gTableTF && dl < gTableLen {
		return sr.q.units(c.w * sr.gt[tb][dl])
	}
	return sr.q.units(c.w * p.g(opt.weighted(tt, tb), dl))
}

// grid counts term scores in whole units of one power of two, chosen per
// query so that every sum of a document's term scores is below 2^62 units:
// integers add exactly, so a document's score is the same in whatever order
// its terms are added. The search adds them in an order that depends on the
// document's window (essential terms first, then the others by their
// bounds there); summed as floats, two passages with the same terms could
// differ in the last bits, and the one with the larger passage id could
// rank first. A unit is 2^-62 to 2^-61 of the query's largest possible
// score: rounding a term's score down to it keeps every score below its
// bounds and moves a score near the largest by less than a float64 of
// that size holds; a score 2^-k of the largest keeps about k bits fewer
// (a passage matching only terms at the idf floor, 1e-6, still keeps
// some 30 bits more than the ranking needs).
type grid struct{ unit, inv float64 }

// newGrid returns the grid for scores whose sum stays below most, which
// is finite (maxQueryWeight keeps it so). Below 2^-960 the grid stays at
// 2^-1022, the smallest normal unit: queries weighted ~1e-290 and less
// keep fewer bits of their scores instead of losing them all.
func newGrid(most float64) grid {
	_, exp := math.Frexp(most) // most < 2^exp
	exp = max(exp, -960)
	return grid{unit: math.Ldexp(1, exp-62), inv: math.Ldexp(1, 62-exp)}
}

// maxQueryWeight caps a query term's weight (summed over its repeats):
// retrieval weighs terms 1 or less, and a cap keeps every bound and the
// grid finite, whatever a caller passes.
const maxQueryWeight = 1e6

// units is v rounded down to whole units (v >= 0; inv is a power of two,
// so the product is exact).
func (g grid) units(v float64) int64 { return int64(v * g.inv) }

// score is the score of n units.
func (g grid) score(n int64) float64 { return float64(n) * g.unit }

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
	if err := sr.run(ctx, s, x.opt, q, k, x.window); err != nil {
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
		hits[i] = newHit(e.score, e.pid, s.aid[e.doc], s.scopes[s.scope[e.doc]], s.pub[e.doc])
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
	// Deduplicate, summing weights, in first-seen order.
	for _, qt := range q.Terms {
		if qt.Weight <= 0 || math.IsNaN(qt.Weight) || math.IsInf(qt.Weight, 0) {
			continue
		}
		w := min(qt.Weight, maxQueryWeight)
		id, ok := s.termID[qt.Term]
		if !ok {
			continue
		}
		l := &s.lists[id]
		dup := false
		for i := range sr.curs {
			if sr.curs[i].l == l {
				sr.curs[i].w += w
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
		c.l, c.w, c.ndocs = l, w, uint32(n)
	}
	if len(sr.curs) == 0 {
		return false
	}
	for i := range sr.curs {
		c := &sr.curs[i]
		idf := math.Log((float64(n) - float64(c.l.n) + 0.5) / (float64(c.l.n) + 0.5))
		if !(idf > 0) { // NaN too: a damaged snapshot's count above ndocs
			idf = 1e-6
		}
		c.w = min(c.w, maxQueryWeight) * idf
		c.dec, c.bb = -1, 0
		c.load(0)
	}

	// Scope filter as a table by scope id.
	sr.scopeOK = slices.Grow(sr.scopeOK[:0], len(s.scopes))[:len(s.scopes)]
	clear(sr.scopeOK)
	n, any := 0, false
	for _, sc := range corpus.ScopesOrGlobal(q.Scopes) {
		if id, ok := s.scopeID[sc]; ok && !sr.scopeOK[id] {
			sr.scopeOK[id] = true
			n++
			any = true
		}
	}
	// Every scope of the index is asked for (a corpus of global articles
	// only, the common case): no passage needs its scope looked up.
	sr.allScopes = n == len(s.scopes)
	return any
}

// newHit is a hit as the index knows it: ids, scope, published time (unix
// seconds or noDate) and score; the caller reads the rest from the store.
func newHit(score float64, pid, aid int64, scope string, pub int64) corpus.Hit {
	var h corpus.Hit
	h.Score = score
	h.Passage.ID = pid
	h.Passage.ArticleID = aid
	h.Article.ID = aid
	h.Article.Scope = scope
	h.Article.PublishedAt = unixTime(pub)
	return h
}

// dateFilter is a corpus.Published in unix seconds, and by day (see
// okDoc).
type dateFilter struct {
	from, to, before, lastDate int64
	hasFrom, hasTo, has        bool
	hasBefore, hasLastDate     bool
	// A document of a day in [sureLo, sureHi] passes; one of a day before
	// failLo or after failHi (noDay aside) does not; any other is
	// decided by its published time.
	sureLo, sureHi, failLo, failHi int32
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
	if f.hasLastDate = !p.LastDate.IsZero(); f.hasLastDate {
		f.lastDate = p.LastDate.Unix()
	}
	f.has = f.hasFrom || f.hasTo || f.hasBefore || f.hasLastDate
	f.sureLo, f.sureHi, f.failLo, f.failHi = 0, maxDay, 0, maxDay
	if f.hasFrom { // a day before from's fails, one after it passes
		fd := floorDay(f.from)
		f.failLo, f.sureLo = clampDay(fd), clampDay(fd+1)
	}
	if f.hasTo { // pub < to: a day before to's passes, one after it fails
		td := floorDay(f.to)
		f.sureHi, f.failHi = min(f.sureHi, clampDay(td-1)), min(f.failHi, clampDay(td))
	}
	if f.hasBefore { // pub <= before: the same
		bd := floorDay(f.before)
		f.sureHi, f.failHi = min(f.sureHi, clampDay(bd-1)), min(f.failHi, clampDay(bd))
	}
	if f.hasLastDate { // a date on lastDate's day or before passes
		f.sureHi = min(f.sureHi, clampDay(floorDay(f.lastDate)))
	}
	return f
}

// floorDay is the day (since 1970, rounded down) of unix time sec.
func floorDay(sec int64) int64 {
	d := sec / secondsPerDay
	if sec < 0 && sec%secondsPerDay != 0 {
		d--
	}
	return d
}

// clampDay brings a day into [-1, maxDay+1] as an int32: a bound outside
// the days dayOf gives means as much there.
func clampDay(d int64) int32 { return int32(max(-1, min(d, maxDay+1))) }

// okDoc is ok for document d of s, decided by its day when that settles
// it: the search checks the date of every posting of a filtered window,
// and days take two bytes a document where published times take eight,
// so a check reads a quarter of the memory, and a published time only on
// the filter's boundary days.
func (f *dateFilter) okDoc(s *state, d uint32) bool {
	day := int32(s.day[d])
	return day >= f.sureLo && day <= f.sureHi || f.okOffDay(s, d, day)
}

// okOffDay is okDoc for a document whose day is not one the filter
// surely admits: the scoring loop tests the sure days itself, with the
// bounds in locals, and leaves only the other days to this.
func (f *dateFilter) okOffDay(s *state, d uint32, day int32) bool {
	if day != noDay && (day < f.failLo || day > f.failHi) {
		return false
	}
	return f.ok(s.pub[d])
}

// admits reports whether a document of the run r can pass the filter:
// false means none can, so a search skips the run. LastDate is left to
// ok: a run's bounds do not say which of its values are dates.
func (f *dateFilter) admits(r pubRange) bool {
	if r.undated && !f.hasFrom && !f.hasTo {
		return true
	}
	if r.min > r.max {
		return false
	}
	return (!f.hasFrom || r.max >= f.from) && (!f.hasTo || r.min < f.to) && (!f.hasBefore || r.min <= f.before)
}

// admitsAny reports whether a document among [ws, we) can pass the filter,
// from the summaries of their runs.
func (f *dateFilter) admitsAny(s *state, ws, we uint32) bool {
	last := int((we - 1) >> pubSegShift)
	if last >= len(s.pubSeg) {
		return true // no summary (cannot happen): do not skip
	}
	for i := int(ws >> pubSegShift); i <= last; i++ {
		if f.admits(s.pubSeg[i]) {
			return true
		}
	}
	return false
}

// admitsAllIn reports whether every document among [ws, we) passes the
// filter, from the summaries of their runs: a search then need not check
// them one by one (a corpus added in date order, searched for a period
// that covers the window).
func (f *dateFilter) admitsAllIn(s *state, ws, we uint32) bool {
	last := int((we - 1) >> pubSegShift)
	if last >= len(s.pubSeg) {
		return false
	}
	for i := int(ws >> pubSegShift); i <= last; i++ {
		r := s.pubSeg[i]
		if r.undated && (f.hasFrom || f.hasTo) {
			return false
		}
		if r.min > r.max {
			continue // undated only, admitted
		}
		if f.hasFrom && r.min < f.from || f.hasTo && r.max >= f.to || f.hasBefore && r.max > f.before ||
			f.hasLastDate && r.max > f.lastDate {
			return false
		}
	}
	return true
}

// ok applies corpus.Published's semantics, as the SQLite store did: From
// and To drop undated articles, Before keeps them.
func (f *dateFilter) ok(pub int64) bool {
	if pub == noDate {
		return !f.hasFrom && !f.hasTo
	}
	return (!f.hasFrom || pub >= f.from) && (!f.hasTo || pub < f.to) && (!f.hasBefore || pub <= f.before) &&
		(!f.hasLastDate || pub%secondsPerDay != 0 || pub <= f.lastDate)
}

// secondsPerDay: a published value that is a multiple of it is a date
// without a time (corpus.IsDate).
const secondsPerDay = 24 * 60 * 60

// defaultWindow is the number of doc numbers run scores together: small
// enough that a window's scratch (scores, the seen bitset and the
// documents' lengths) stays in the L1/L2 cache and that block
// bounds are tight over it, big enough that the per-window work (bounds,
// ordering) is small against the postings. A multiple of 64. 4096
// against 2048 (13th session, 1.39M passages, three alternating rounds):
// the search 4.83-4.94 CPU-ms against 5.03-5.40 without a date filter,
// 5.02-5.17 against 5.10-5.45 as of the question's date; the same at
// 117k; 1024 was slower, 8192 no faster.
const defaultWindow = 4096

// run is MaxScore (Turtle and Flood) over windows of doc numbers, with
// block-max bounds, as Lucene's MaxScoreBulkScorer does it. For each window
// every term's score bound is the largest block bound of its blocks that
// overlap the window, so a term that is common but weak there, or absent,
// bounds little. The terms are ordered by that bound; the weakest ones
// whose bounds sum below the k-th best score so far are non-essential, so
// only documents holding an essential term are candidates. The essential
// terms' postings in the window are scored term at a time into a small
// accumulator (a tight loop over each list, no merging of cursors), then
// each candidate, in doc order, looks up its non-essential terms while its
// bound, refined by their block bounds, can still reach the top k. A
// window whose bounds sum below the k-th score is skipped untouched.
func (sr *searcher) run(ctx context.Context, s *state, opt Options, q Query, k int, window uint32) error {
	n := uint32(s.ndocs())
	avgdl := float64(s.total) / float64(n)
	p := bm25{k1p1: opt.K1 + 1, c1: opt.K1 * (1 - opt.B), c2: opt.K1 * opt.B / avgdl}
	df := newDateFilter(q.Published)
	sr.fillTable(p, opt)
	most := 0.0 // the largest score any document can have
	for i := range sr.curs {
		c := &sr.curs[i]
		most += c.w * p.g(float64(c.l.maxF), c.l.minD)
	}
	sr.q = newGrid(most * (1 + boundSlack))
	sr.heap = sr.heap[:0]
	sr.acc = slices.Grow(sr.acc[:0], int(window))[:window]
	sr.seen = slices.Grow(sr.seen[:0], int(window/64))[:window/64]
	clear(sr.acc)
	clear(sr.seen)
	acc := sr.acc
	// The date filter's sure days, for the scoring loop's inline okDoc.
	days, sureLo, sureHi := s.day, df.sureLo, df.sureHi
	theta := 0.0 // k-th best score once the heap is full; bounds below it prune
	full := false
	for ws := uint32(0); ws < n; ws += window {
		if ws%(window*64) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		we := min(ws+window, n)
		if df.has && !df.admitsAny(s, ws, we) {
			// Nothing here was published in the range asked: a question
			// about "this week" over a corpus added in date order looks at
			// the last windows only.
			continue
		}
		// The window's terms, ordered by their bound over it.
		order := sr.order[:0]
		total := 0.0
		for i := range sr.curs {
			c := &sr.curs[i]
			if c.ub = c.windowBound(ws, we, p); c.ub > 0 {
				order = append(order, c)
				total += c.ub
			}
		}
		if len(order) == 0 || full && total < theta {
			continue
		}
		// Insertion sort: a handful of terms.
		for i := 1; i < len(order); i++ {
			for j := i; j > 0 && order[j].ub < order[j-1].ub; j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
		prefix := sr.prefix[:0]
		sum := 0.0
		for _, c := range order {
			sum += c.ub
			prefix = append(prefix, sum)
		}
		sr.order, sr.prefix = order, prefix
		firstEss := 0
		if full {
			for firstEss < len(order) && prefix[firstEss] < theta {
				firstEss++
			}
		}
		nonEss := 0.0 // the bound of the non-essential terms together
		if firstEss > 0 {
			nonEss = prefix[firstEss-1]
		}

		// Score the essential terms' postings in the window. A document
		// the date filter leaves out is not scored at all: a question asked
		// as of a past day (eval's replays, ask --as-of) leaves out half a
		// corpus or more, and scoring it cost a third of such a search.
		check := df.has && !df.admitsAllIn(s, ws, we)
		for _, c := range order[firstEss:] {
			c.seek(ws)
			for c.doc < we {
				c.fillTF()
				i := c.i
				for ; i < c.n && c.docs[i] < we; i++ {
					d := c.docs[i]
					if check {
						// okDoc, its common case inline.
						if day := int32(days[d]); (day < sureLo || day > sureHi) && !df.okOffDay(s, d, day) {
							continue
						}
					}
					slot := d - ws
					// termScore, written out: it is too big to inline.
					var v int64
					if tb, dl := c.tb[i], s.dlen[d]; c.tt[i] == 0 && tb < gTableTF && dl < gTableLen {
						v = sr.q.units(c.w * sr.gt[tb][dl])
					} else {
						v = sr.q.units(c.w * p.g(opt.weighted(c.tt[i], tb), dl))
					}
					acc[slot] += v
					sr.seen[slot>>6] |= 1 << (slot & 63)
				}
				if i < c.n {
					c.i, c.doc = i, c.docs[i]
					break
				}
				c.load(c.bi + 1)
			}
		}

		// The candidates, in doc order. With no non-essential term (always
		// so while the heap fills) a candidate's score is complete; else
		// the candidates are gathered and probed together.
		cands := sr.cands[:0]
		for wi := range sr.seen {
			for bits := sr.seen[wi]; bits != 0; bits &= bits - 1 {
				slot := uint32(wi)<<6 | uint32(mathbits.TrailingZeros64(bits))
				d := ws + slot
				units := acc[slot]
				acc[slot] = 0
				partial := sr.q.score(units)
				if full && partial+nonEss < theta {
					continue // cannot reach the top k: the common case, decided first
				}
				if s.ndead > 0 && s.isDead(d) || !sr.allScopes && !sr.scopeOK[s.scope[d]] || check && !df.okDoc(s, d) {
					continue
				}
				if full && firstEss > 0 {
					cands = append(cands, candidate{doc: d, units: units})
					continue
				}
				if !full || partial >= theta {
					theta, full = sr.offer(s, entry{score: partial, doc: d}, k, theta, full)
				}
			}
			sr.seen[wi] = 0
		}
		// The candidates of a full heap, term by term.
		cands = sr.probeAll(s, opt, p, cands, firstEss, theta)
		for _, cd := range cands {
			if score := sr.q.score(cd.units); score >= theta {
				theta, full = sr.offer(s, entry{score: score, doc: cd.doc}, k, theta, full)
			}
		}
		sr.cands = cands[:0]
	}
	return nil
}

// candidate is a document of a window that may enter the top k, with its
// score so far in units of the query's grid.
type candidate struct {
	doc   uint32
	units int64
}

// offer adds e to the top k when it belongs there and returns the new
// threshold and whether the heap is full.
func (sr *searcher) offer(s *state, e entry, k int, theta float64, full bool) (float64, bool) {
	e.pid = s.pid[e.doc]
	if !full {
		sr.push(e)
		full = len(sr.heap) == k
	} else if worse(sr.heap[0], e) {
		sr.heap[0] = e
		sr.down(0)
	}
	if full {
		theta = sr.heap[0].score * (1 - boundSlack)
	}
	return theta, full
}

// probeAll adds to a window's candidates, the heap being full, the scores
// of their non-essential terms (those of sr.order before firstEss): each
// term, strongest first, is looked up for every candidate whose score so
// far plus the bound of the terms left can still reach theta, refined by
// the bound of the term's block that holds it. Taking the candidates term
// by term keeps a term's cursor and bounds at hand across them. It returns
// the candidates left, their scores complete.
func (sr *searcher) probeAll(s *state, opt Options, p bm25, cands []candidate, firstEss int, theta float64) []candidate {
	order, prefix := sr.order, sr.prefix
	for i := firstEss - 1; i >= 0 && len(cands) > 0; i-- {
		c := order[i]
		bound, rest := prefix[i], 0.0
		if i > 0 {
			rest = prefix[i-1]
		}
		kept := cands[:0]
		for _, cd := range cands {
			score := sr.q.score(cd.units)
			if score+bound < theta {
				continue
			}
			if c.doc < cd.doc {
				if !c.shallow(cd.doc) {
					c.doc = endDoc
				} else {
					if c.bb != c.bi+1 {
						b := &c.l.blocks[c.bi]
						c.bb, c.bbound = c.bi+1, c.w*p.g(float64(b.maxF), b.minD)*(1+boundSlack)
					}
					if score+c.bbound+rest < theta {
						continue
					}
					c.seek(cd.doc)
				}
			}
			if c.doc == cd.doc {
				cd.units += sr.termScore(c, c.i, s.dlen[cd.doc], p, opt)
			}
			kept = append(kept, cd)
		}
		cands = kept
	}
	return cands
}

// windowBound returns the bound of c's score over the docs [ws, we): the
// largest bound of the blocks that overlap them, 0 when none does. It
// moves the block pointer to the first block that can hold ws (as shallow
// does), never the cursor's position.
func (c *cursor) windowBound(ws, we uint32, p bm25) float64 {
	if c.doc >= we { // endDoc included
		return 0
	}
	if !c.shallow(ws) {
		return 0
	}
	bs := c.l.blocks
	best := 0.0
	for j := c.bi; j < len(bs); j++ {
		if j > c.bi && bs[j-1].last+1 >= we {
			break
		}
		best = max(best, p.g(float64(bs[j].maxF), bs[j].minD))
	}
	return c.w * best * (1 + boundSlack)
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
