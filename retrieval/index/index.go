// Package index is newsbot's in-memory retrieval engine: an inverted index
// over the analysed terms of passages, ranked by the BM25 that SQLite FTS5
// computes (two fields, title and body, with weights), with exact top-k
// search pruned by MaxScore and block-max bounds, scope and date filters
// applied inside the index, and a checksummed snapshot format.
//
// The index holds ids, dates, scopes and postings, never text: hits name
// passages and articles, and the caller reads their text from the store.
// Terms arrive analysed (corpus.Terms); the index never analyses text.
package index

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// Options are the BM25 parameters. Zero fields take the defaults, which are
// FTS5's k1 and b and the title and body weights the SQLite store used.
type Options struct {
	K1          float64 // term frequency saturation; default 1.2
	B           float64 // length normalisation; default 0.75
	TitleWeight float64 // weight of a title occurrence; default 2
	BodyWeight  float64 // weight of a body occurrence; default 1
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.K1 == 0 {
		o.K1 = 1.2
	}
	if o.B == 0 {
		o.B = 0.75
	}
	if o.TitleWeight == 0 {
		o.TitleWeight = 2
	}
	if o.BodyWeight == 0 {
		o.BodyWeight = 1
	}
	return o
}

// weighted returns the weighted term frequency f of a posting, with the
// frequencies clamped as the postings store them.
func (o Options) weighted(tt, tb uint32) float64 {
	return o.TitleWeight*float64(min(tt, maxTitleTF)) + o.BodyWeight*float64(min(tb, maxBodyTF))
}

// maxDocs bounds the doc numbers, deleted documents included, so that
// every per-term offset fits 32 bits (a posting takes at most 13 bytes).
const maxDocs = 1 << 28

// compactRatio: the index rewrites its postings without deleted documents
// once more than 1 in compactRatio documents is deleted, so dead postings
// cost at most ~20% of memory and search time.
const compactRatio = 5

// noDate marks a document whose article has no published time.
const noDate = math.MinInt64

// ErrFull means a Put would take the index past maxDocs documents.
var ErrFull = errors.New("index full")

// Index is an in-memory BM25 index of passages. It is safe for concurrent
// use: searches run in parallel and a Put or Remove holds them up only
// while it appends its postings.
//
// Deleted and replaced passages are marked dead and never returned; their
// postings stay until the next compaction, and until then the statistics
// of the ranking (N, the document frequencies and the average length)
// count them, as Lucene's do. Compaction runs inside the Put or Remove that
// takes the dead documents past a fifth of the index, without blocking
// searches.
type Index struct {
	opt Options
	// wmu serialises the writers (Put, Remove, Compact, WriteSnapshot), so
	// that a writer may read s without mu while it builds a new state.
	wmu sync.Mutex
	// mu guards s: writers hold it to mutate s in place or to swap it,
	// searches hold it for reading.
	mu sync.RWMutex
	s  *state
	// pool holds search buffers (*searcher) for reuse.
	pool sync.Pool
	// window is the search's window of doc numbers (defaultWindow; tests
	// make it small to cross many windows with few documents).
	window uint32
}

// state is everything an Index holds.
type state struct {
	// per document, by doc number
	pid, aid []int64
	pub      []int64 // unix seconds, noDate when unknown
	// day is pub's day (dayOf), which the date filter reads first
	// (dateFilter.okDoc); kept with pubSeg by notePub.
	day []uint16
	// pubSeg summarises pub by runs of pubSegDocs documents (dead ones
	// included), so a search filtered by date skips the windows it
	// excludes; see notePub.
	pubSeg []pubRange
	scope  []uint32
	dlen   []uint32
	dead   []uint64 // bitset
	ndead  int
	total  uint64 // sum of dlen, dead documents included

	articles map[int64]span // nil while inPlace
	scopes   []string
	scopeID  map[string]uint32

	dict          // the terms, numbered
	lists []plist // by term id

	seq  int64
	mark string // fingerprint of the change at seq (see SetSeq)

	// inPlace: the state reads a snapshot's bytes in place and has no
	// articles map; writers call Index.own first (see inplace.go).
	inPlace bool
}

// span is the doc numbers of an article's passages: a Put appends them
// together.
type span struct{ first, n uint32 }

// pubSegShift sets the run of documents a pubRange summarises: 64, so a
// summary costs under half a byte per document and bounds a window of
// the search (a multiple of 64 documents) exactly.
const pubSegShift = 6

// Days since 1970 as dayOf gives them: maxDay is the last (in 2149);
// noDay is for a document without a date, or dated outside 1970-2149,
// whose published time decides.
const (
	maxDay = 0xfffe
	noDay  = 0xffff
)

// dayOf is the day of published time pub.
func dayOf(pub int64) uint16 {
	if pub == noDate || pub < 0 || pub/secondsPerDay > maxDay {
		return noDay
	}
	return uint16(pub / secondsPerDay)
}

// pubRange is the range of the published times of a run of documents.
type pubRange struct {
	min, max int64 // of the dated documents; min > max when there are none
	undated  bool  // some document has no published time
}

// notePub adds document d, published at pub, to its run's summary. The
// documents are numbered in order, so the summaries grow at the end.
func (s *state) notePub(d uint32, pub int64) {
	s.day = append(s.day[:d], dayOf(pub))
	i := int(d >> pubSegShift)
	for len(s.pubSeg) <= i {
		s.pubSeg = append(s.pubSeg, pubRange{min: math.MaxInt64, max: math.MinInt64})
	}
	r := &s.pubSeg[i]
	if pub == noDate {
		r.undated = true
		return
	}
	r.min, r.max = min(r.min, pub), max(r.max, pub)
}

// summarisePub computes the summaries of every document from pub (a state
// read from a snapshot or rebuilt by compaction).
func (s *state) summarisePub() {
	s.pubSeg = make([]pubRange, 0, (len(s.pub)>>pubSegShift)+1)
	s.day = make([]uint16, 0, len(s.pub))
	for d, pub := range s.pub {
		s.notePub(uint32(d), pub)
	}
}

func newState() *state {
	return &state{
		articles: make(map[int64]span),
		scopeID:  make(map[string]uint32),
		dict:     dict{termID: make(map[string]uint32)},
	}
}

// New returns an empty index.
func New(opt Options) *Index {
	return &Index{opt: opt.withDefaults(), s: newState(), window: defaultWindow}
}

func (s *state) ndocs() int { return len(s.pid) }

func (s *state) isDead(d uint32) bool { return s.dead[d>>6]&(1<<(d&63)) != 0 }

// kill marks the passages of an article dead and forgets the article.
func (s *state) kill(articleID int64) {
	sp, ok := s.articles[articleID]
	if !ok {
		return
	}
	for d := sp.first; d < sp.first+sp.n; d++ {
		if !s.isDead(d) {
			s.dead[d>>6] |= 1 << (d & 63)
			s.ndead++
		}
	}
	delete(s.articles, articleID)
}

// builder holds the scratch space of adding documents: term frequencies of
// the document being added, by term id, the ids it touched, and the term
// ids of the article being added.
type builder struct {
	tt, tb       []uint32
	touched      []uint32
	title, body  []uint32
	page, sorted []pagePosting // a build's postings (see addResolved)
}

// count sets b.tt and b.tb to the frequencies of the terms of a passage's
// title and body, and b.touched to the terms seen, in first-seen order;
// the caller reads them and clears them.
func (b *builder) count(title, body []uint32) {
	for _, id := range title {
		if b.tt[id] == 0 && b.tb[id] == 0 {
			b.touched = append(b.touched, id)
		}
		b.tt[id]++
	}
	for _, id := range body {
		if b.tt[id] == 0 && b.tb[id] == 0 {
			b.touched = append(b.touched, id)
		}
		b.tb[id]++
	}
}

// grow makes room for term ids below n.
func (b *builder) grow(n int) {
	if n > len(b.tt) {
		n = max(2*len(b.tt), n, 1024)
		b.tt = append(b.tt, make([]uint32, n-len(b.tt))...)
		b.tb = append(b.tb, make([]uint32, n-len(b.tb))...)
	}
}

// add appends one article's passages; the caller holds the locks and has
// killed the article's earlier passages.
func (s *state) add(a *corpus.IndexedArticle, opt Options, b *builder) {
	if len(a.Passages) == 0 {
		return
	}
	b.title = b.title[:0]
	for _, t := range a.TitleTerms {
		b.title = append(b.title, s.term(t))
	}
	first := s.addArticle(a)
	for i := range a.Passages {
		b.body = b.body[:0]
		for _, t := range a.Passages[i].Terms {
			b.body = append(b.body, s.term(t))
		}
		b.grow(len(s.terms))
		s.addPassage(first+uint32(i), b.title, b.body, opt, b)
	}
}

// addArticle appends the per-document fields of a's passages (all but the
// postings) and returns the doc number of the first.
func (s *state) addArticle(a *corpus.IndexedArticle) uint32 {
	return s.addDocs(a.ArticleID, a.Scope, a.PublishedAt, len(a.Passages), func(i int) (int64, int) {
		return a.Passages[i].ID, len(a.TitleTerms) + len(a.Passages[i].Terms)
	})
}

// addPassage appends the postings of document doc, whose title and body
// hold the given term ids; b must have room for every id.
func (s *state) addPassage(doc uint32, title, body []uint32, opt Options, b *builder) {
	d := s.dlen[doc]
	b.count(title, body)
	for _, id := range b.touched {
		tt, tb := b.tt[id], b.tb[id]
		s.lists[id].add(doc, tt, tb, opt.weighted(tt, tb), d)
		b.tt[id], b.tb[id] = 0, 0
	}
	b.touched = b.touched[:0]
}

// term returns the id of t, adding it (and its postings list) when new.
func (s *state) term(t string) uint32 {
	id := s.id(t)
	if int(id) == len(s.lists) {
		s.lists = append(s.lists, plist{})
	}
	return id
}

// Put adds an article's passages, replacing any passages the index holds
// for that ArticleID (an update): putting the same article twice leaves
// one copy, and an article without passages is removed. Returns an error
// wrapping ErrFull when the index cannot number more passages.
func (x *Index) Put(a corpus.IndexedArticle) error {
	return x.PutBatch([]corpus.IndexedArticle{a})
}

// PutBatch is Put for several articles under one lock acquisition: the way
// to build an index in bulk. Searches wait while it appends, so a caller
// that keeps serving should pass batches of moderate size (a few thousand
// passages take a few milliseconds).
func (x *Index) PutBatch(as []corpus.IndexedArticle) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.own()
	n := 0
	for i := range as {
		n += len(as[i].Passages)
	}
	if x.s.ndocs()+n > maxDocs {
		x.compact()
		if x.s.ndocs()+n > maxDocs {
			return fmt.Errorf("index put %d passages: %d held: %w", n, x.s.ndocs(), ErrFull)
		}
	}
	var b builder
	x.mu.Lock()
	s := x.s
	for i := range as {
		s.kill(as[i].ArticleID)
		s.add(&as[i], x.opt, &b)
	}
	x.mu.Unlock()
	x.maybeCompact()
	return nil
}

// Remove drops an article's passages; removing an unknown article is a
// no-op.
func (x *Index) Remove(articleID int64) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.own()
	x.mu.Lock()
	x.s.kill(articleID)
	x.mu.Unlock()
	x.maybeCompact()
}

// maybeCompact compacts when too many documents are dead; the caller holds
// wmu.
func (x *Index) maybeCompact() {
	if s := x.s; s.ndead > 0 && s.ndead*compactRatio > s.ndocs() {
		x.compact()
	}
}

// Compact rewrites the postings without the deleted passages and packs
// them into few large allocations, so that the statistics of the ranking
// count live passages only and no memory is lost to slice growth. Searches
// continue meanwhile; writers wait. A bulk build calls it once at the end.
func (x *Index) Compact() {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.compact()
}

// compact builds the compacted state from x.s without mu (the caller holds
// wmu, so nothing changes x.s) and swaps it in.
func (x *Index) compact() {
	var ns *state
	if x.s.ndead == 0 {
		ns = x.s.packed(false) // searches may still read x.s
	} else {
		ns = x.s.compacted(x.opt)
	}
	x.mu.Lock()
	x.s = ns
	x.mu.Unlock()
}

// Len returns the number of live passages.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.s.ndocs() - x.s.ndead
}

// Seq returns the last change-log sequence the index reflects, as set by
// SetSeq (0 for a new index).
func (x *Index) Seq() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.s.seq
}

// SetSeq records that the index reflects the change log up to seq, whose
// entry has the fingerprint mark (any string the caller can recompute from
// the store, "" when seq is 0); the snapshot keeps both, so a reader knows
// where to resume and can check that the store it resumes from is the one
// the snapshot was taken of. It waits for a snapshot being written, so a
// snapshot's position never runs ahead of its contents.
func (x *Index) SetSeq(seq int64, mark string) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.s.seq, x.s.mark = seq, mark
}

// Mark returns the fingerprint SetSeq recorded with Seq.
func (x *Index) Mark() string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.s.mark
}

// DocFreq returns, for each term, the number of passages holding it (title
// or body), and the number of passages: the inputs of an IDF weight, the
// same that Search uses (deleted passages count until compaction). A term
// no passage holds maps to 0.
func (x *Index) DocFreq(terms []string) (map[string]int, int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	df := make(map[string]int, len(terms))
	for _, t := range terms {
		if id, ok := x.s.termID[t]; ok {
			df[t] = int(x.s.lists[id].n)
		} else {
			df[t] = 0
		}
	}
	return df, x.s.ndocs()
}

// Stats describes the size of an index.
type Stats struct {
	Passages int // live passages
	Articles int // live articles
	Terms    int // distinct terms
	Postings int // postings, those of deleted passages included
	Deleted  int // deleted passages not yet compacted away
	Bytes    int // approximate memory held, in bytes (a snapshot read in place included)
}

// Stats returns the size of the index.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := x.s
	st := Stats{
		Passages: s.ndocs() - s.ndead,
		Articles: s.narticles(),
		Terms:    len(s.terms),
		Deleted:  s.ndead,
	}
	// Per document: the arrays and a share of the article map.
	st.Bytes = cap(s.pid)*8 + cap(s.aid)*8 + cap(s.pub)*8 + cap(s.day)*2 + cap(s.scope)*4 + cap(s.dlen)*4 + cap(s.dead)*8
	st.Bytes += st.Articles * 40
	for i := range s.lists {
		l := &s.lists[i]
		st.Postings += int(l.n)
		// the list, its data and blocks, the term and its map entry
		st.Bytes += 64 + cap(l.data) + cap(l.blocks)*16 + 2*len(s.terms[i]) + 40
	}
	return st
}

// unixTime converts a stored published time back.
func unixTime(sec int64) time.Time {
	if sec == noDate {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
