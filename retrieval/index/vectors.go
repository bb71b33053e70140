package index

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"

	"github.com/newsbot/newsbot/corpus"
)

// VectorReader reads the stored passage vectors of one embedding model
// (corpus/sqlite.DB is one).
type VectorReader interface {
	// VectorRows returns up to limit vectors of model saved after the one
	// with Seq after, in Seq order.
	VectorRows(ctx context.Context, model string, after int64, limit int) ([]corpus.VectorRow, error)
	// ArticleVectors returns the vectors of model of the current passages
	// of the given articles (none for an article that is gone).
	ArticleVectors(ctx context.Context, model string, articleIDs []int64) ([]corpus.VectorRow, error)
}

// VectorStore is what Vectors reads: the stored vectors, and the change
// log that says which articles were updated or removed since.
type VectorStore interface {
	VectorReader
	// LastSeq and Changes are Source's.
	LastSeq(ctx context.Context) (int64, error)
	Changes(ctx context.Context, after int64, limit int) ([]corpus.Change, error)
}

// Vectors is the in-memory vector index of one embedding model: every
// stored vector of that model as int8 codes with a per-row scale (about
// dim+40 bytes per passage: 50,000 passages of 1536 dimensions take 80
// MB), searched exactly by brute-force dot product, filtered by scope and
// published time as Index.Search is.
//
// It is kept current like the lexical index, by Refresh (which Search
// calls first): the change log names the articles added, updated or
// removed since, whose rows are dropped and read again from the store as
// they are now (an updated article's replaced passages, and their vectors,
// are gone), then the vectors saved since the last Refresh are loaded by
// their Seq (an added article is embedded after it is stored, so its
// vectors arrive this way). A vector saved again overwrites its row. Rows
// of deleted passages are marked dead and compacted away once they are a
// quarter of the rows.
//
// The store reuses the highest passage ids, so for a moment a row may
// describe a passage id that now belongs to another article; hits carry
// the article id the row was loaded with, and the store's Hydrate drops a
// hit whose passage changed article (see retrieval.Hydrator).
//
// It is safe for concurrent use.
type Vectors struct {
	st    VectorStore
	model string
	log   *slog.Logger

	load    sync.Mutex // one Refresh at a time; held while reading the store, not while searching
	started bool       // seq and cursor have been set by a first Refresh
	seq     int64      // change log position applied
	cursor  int64      // highest row Seq loaded

	mu        sync.RWMutex
	dim       int
	codes     []int8    // row r is codes[r*dim : (r+1)*dim]
	scales    []float32 // per row
	pids      []int64   // passage id per row; 0 marks a dead row
	aids      []int64   // article id per row
	scope     []uint32  // index into scopes per row
	pub       []int64   // published unix seconds per row, noDate when unknown
	slot      map[int64]int
	byArticle map[int64][]int64 // article id -> passage ids it was loaded with (some may have moved on)
	scopes    []string
	scopeN    map[string]uint32
	dead      int
}

// Limits of the vector index.
const (
	// vectorPage is the rows one VectorRows call reads: 6 MB of 1536
	// dimension codes, few enough round trips for a first load of a
	// million rows.
	vectorPage = 4096
	// vectorScanChunk is the rows one goroutine scans at least: below it
	// the goroutine costs more than the dot products it saves.
	vectorScanChunk = 8192
	// vectorCompactMin is the dead rows worth compacting for.
	vectorCompactMin = 1024
	// maxVectorDim bounds a question vector as the stores bound stored
	// ones, which keeps a dot product of int8 codes within an int32:
	// 8192 * 127 * 127 < 2^31.
	maxVectorDim = corpus.MaxVectorDim
)

// NewVectors returns an empty index of model's vectors in st; the first
// Refresh (or Search) loads them. A nil log discards the warnings of
// failed refreshes.
func NewVectors(st VectorStore, model string, log *slog.Logger) *Vectors {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Vectors{st: st, model: model, log: log,
		slot: make(map[int64]int), byArticle: make(map[int64][]int64), scopeN: make(map[string]uint32)}
}

// Model returns the embedding model whose vectors the index holds.
func (v *Vectors) Model() string { return v.model }

// Len returns the number of live vectors in memory.
func (v *Vectors) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.slot)
}

// Refresh brings the index up to date with the store: all of model's
// vectors the first time, afterwards the changes logged and the vectors
// saved since. Search calls it; calling it at startup moves the first load
// off the first question. What was read before an error (a question's
// deadline cutting a first load short) is kept, and the next Refresh goes
// on from there.
func (v *Vectors) Refresh(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("refresh vectors of %q: %w", v.model, err)
		}
	}()
	v.load.Lock()
	defer v.load.Unlock()
	if !v.started {
		// Changes logged from here on are applied by later refreshes;
		// everything before is in the rows loaded below.
		if v.seq, err = v.st.LastSeq(ctx); err != nil {
			return err
		}
		v.started = true
	} else if err := v.applyChanges(ctx); err != nil {
		return err
	}
	for {
		rows, err := v.st.VectorRows(ctx, v.model, v.cursor, vectorPage)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		v.mu.Lock()
		v.merge(rows)
		v.mu.Unlock()
		v.cursor = rows[len(rows)-1].Seq
		if len(rows) < vectorPage {
			return nil
		}
	}
}

// applyChanges reloads the articles the change log names since v.seq: each
// one's rows are dropped and its current vectors read back. v.load is held.
func (v *Vectors) applyChanges(ctx context.Context) error {
	for {
		changes, err := v.st.Changes(ctx, v.seq, changePage)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		ids := make([]int64, 0, len(changes))
		seen := make(map[int64]bool, len(changes))
		for _, c := range changes {
			if !seen[c.ArticleID] {
				seen[c.ArticleID] = true
				ids = append(ids, c.ArticleID)
			}
		}
		rows, err := v.st.ArticleVectors(ctx, v.model, ids)
		if err != nil {
			return err
		}
		v.mu.Lock()
		for _, id := range ids {
			v.dropArticle(id)
		}
		v.merge(rows)
		v.compactIfWorth()
		v.mu.Unlock()
		v.seq = changes[len(changes)-1].Seq
	}
}

// merge adds rows read from the store: a passage already held (its vector
// saved again, or its id reused by another article) is overwritten in
// place, a new one appended. Rows of another dimension than the first
// loaded are skipped: the same model name giving vectors of another size
// is a model changed behind its name, not comparable with the rest (`newsbot
// embed` after deleting the old vectors is the cure). v.mu is held.
func (v *Vectors) merge(rows []corpus.VectorRow) {
	for i := range rows {
		r := &rows[i]
		if v.dim == 0 {
			if len(r.Codes) == 0 || len(r.Codes) > maxVectorDim {
				continue
			}
			v.dim = len(r.Codes)
		}
		if len(r.Codes) != v.dim {
			continue
		}
		pub := int64(noDate)
		if !r.PublishedAt.IsZero() {
			pub = r.PublishedAt.Unix()
		}
		d := v.dim
		if row, ok := v.slot[r.PassageID]; ok {
			copy(v.codes[row*d:(row+1)*d], r.Codes)
			v.scales[row] = r.Scale
			v.scope[row] = v.scopeID(r.Scope)
			v.pub[row] = pub
			if v.aids[row] != r.ArticleID {
				v.aids[row] = r.ArticleID
				v.byArticle[r.ArticleID] = append(v.byArticle[r.ArticleID], r.PassageID)
			}
			continue
		}
		v.slot[r.PassageID] = len(v.pids)
		v.codes = append(v.codes, r.Codes...)
		v.scales = append(v.scales, r.Scale)
		v.pids = append(v.pids, r.PassageID)
		v.aids = append(v.aids, r.ArticleID)
		v.scope = append(v.scope, v.scopeID(r.Scope))
		v.pub = append(v.pub, pub)
		v.byArticle[r.ArticleID] = append(v.byArticle[r.ArticleID], r.PassageID)
	}
}

// dropArticle marks the rows of an article dead, those whose passage id
// still belongs to it. v.mu is held.
func (v *Vectors) dropArticle(articleID int64) {
	for _, pid := range v.byArticle[articleID] {
		if row, ok := v.slot[pid]; ok && v.aids[row] == articleID {
			v.pids[row] = 0
			delete(v.slot, pid)
			v.dead++
		}
	}
	delete(v.byArticle, articleID)
}

// compactIfWorth drops the dead rows once they are many and a quarter of
// all rows, into fresh slices so their memory is released. v.mu is held.
func (v *Vectors) compactIfWorth() {
	if v.dead < vectorCompactMin || v.dead*4 < len(v.pids) {
		return
	}
	d, w := v.dim, 0
	for r, pid := range v.pids {
		if pid == 0 {
			continue
		}
		copy(v.codes[w*d:(w+1)*d], v.codes[r*d:(r+1)*d])
		v.scales[w], v.pids[w], v.aids[w], v.scope[w], v.pub[w] = v.scales[r], pid, v.aids[r], v.scope[r], v.pub[r]
		v.slot[pid] = w
		w++
	}
	v.codes = slices.Clone(v.codes[:w*d])
	v.scales = slices.Clone(v.scales[:w])
	v.pids = slices.Clone(v.pids[:w])
	v.aids = slices.Clone(v.aids[:w])
	v.scope = slices.Clone(v.scope[:w])
	v.pub = slices.Clone(v.pub[:w])
	v.dead = 0
}

// scopeID interns a scope; v.mu is held for writing.
func (v *Vectors) scopeID(s string) uint32 {
	id, ok := v.scopeN[s]
	if !ok {
		id = uint32(len(v.scopes))
		v.scopes = append(v.scopes, s)
		v.scopeN[s] = id
	}
	return id
}

// Search refreshes the index, then returns up to k (<= 0:
// corpus.DefaultSearchK) passages whose vectors have the highest dot
// product with vec (a unit-length embedding of the question by the
// index's model), best first (ties by passage id), from articles in scopes
// (GlobalScope when empty) that pass pub (see corpus.Published). Score is
// the approximate cosine similarity. Hits carry ids, the article's scope
// and published time, and the score, as Index.Search's do. A vec whose
// dimension differs from the stored vectors' is an error; an index without
// vectors returns no hits. If the refresh fails the index is searched as
// it is, and the failure logged.
func (v *Vectors) Search(ctx context.Context, vec []float32, k int, scopes []string, pub corpus.Published) ([]corpus.Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := v.Refresh(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		v.log.WarnContext(ctx, "vector index refresh failed; searching it as it is", "model", v.model, "err", err)
	}
	return v.search(vec, k, scopes, pub)
}

// search is Search without the refresh.
func (v *Vectors) search(vec []float32, k int, scopes []string, pub corpus.Published) ([]corpus.Hit, error) {
	if k <= 0 {
		k = corpus.DefaultSearchK
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.dim == 0 {
		return nil, nil
	}
	if len(vec) != v.dim {
		return nil, fmt.Errorf("search vectors of %q: question vector has %d dimensions, stored vectors %d (another model?)", v.model, len(vec), v.dim)
	}
	code := make([]int8, v.dim)
	qscale := corpus.Quantize(vec, code)
	q := make([]int32, v.dim)
	for i, c := range code {
		q[i] = int32(c)
	}
	allowed := make([]bool, len(v.scopes))
	for _, s := range corpus.ScopesOrGlobal(scopes) {
		if id, ok := v.scopeN[s]; ok {
			allowed[id] = true
		}
	}
	best := v.scan(q, k, allowed, newDateFilter(pub))
	hits := make([]corpus.Hit, len(best))
	for i, c := range best {
		hits[i] = newHit(float64(c.score*qscale), c.pid, v.aids[c.row], v.scopes[v.scope[c.row]], v.pub[c.row])
	}
	return hits, nil
}

// vecCand is a row and its score: the dot product of the codes times the
// row's scale (the query's scale is applied at the end).
type vecCand struct {
	score float32
	row   int
	pid   int64
}

// vecWorse orders candidates: lower score, then higher passage id, is
// worse.
func vecWorse(a, b vecCand) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.pid > b.pid
}

// scan returns the k best live rows passing the filters, best first,
// splitting the rows between goroutines. v.mu is held for reading.
func (v *Vectors) scan(q []int32, k int, allowed []bool, f dateFilter) []vecCand {
	n := len(v.pids)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/vectorScanChunk))
	parts := make([]vecTop, workers)
	if workers == 1 {
		parts[0] = v.scanRange(q, k, allowed, f, 0, n)
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			start, end := n*w/workers, n*(w+1)/workers
			wg.Go(func() { parts[w] = v.scanRange(q, k, allowed, f, start, end) })
		}
		wg.Wait()
	}
	var all []vecCand
	for _, p := range parts {
		all = append(all, p...)
	}
	slices.SortFunc(all, func(a, b vecCand) int {
		switch {
		case vecWorse(b, a):
			return -1
		case vecWorse(a, b):
			return 1
		}
		return 0
	})
	return all[:min(k, len(all))]
}

// scanRange is scan over rows [start, end).
func (v *Vectors) scanRange(q []int32, k int, allowed []bool, f dateFilter, start, end int) vecTop {
	d := v.dim
	top := make(vecTop, 0, k)
	for r := start; r < end; r++ {
		pid := v.pids[r]
		if pid == 0 || !allowed[v.scope[r]] || f.has && !f.ok(v.pub[r]) {
			continue
		}
		s := float32(dotInt8(q, v.codes[r*d:(r+1)*d])) * v.scales[r]
		top.offer(vecCand{score: s, row: r, pid: pid}, k)
	}
	return top
}

// dotInt8 is the dot product of a query (int8 codes widened to int32 once
// per search, which saves a sign extension per element) and a row of int8
// codes of the same length; maxVectorDim keeps the sum within an int32.
// Go does not vectorise this loop; four accumulators let the CPU overlap
// the multiplies.
func dotInt8(q []int32, row []int8) int32 {
	row = row[:len(q)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(q); i += 4 {
		q4, r4 := q[i:i+4:i+4], row[i:i+4:i+4]
		s0 += q4[0] * int32(r4[0])
		s1 += q4[1] * int32(r4[1])
		s2 += q4[2] * int32(r4[2])
		s3 += q4[3] * int32(r4[3])
	}
	for ; i < len(q); i++ {
		s0 += q[i] * int32(row[i])
	}
	return s0 + s1 + s2 + s3
}

// vecTop is a min-heap of the best candidates seen, worst at [0].
type vecTop []vecCand

// offer adds c if it is among the k best seen.
func (h *vecTop) offer(c vecCand, k int) {
	t := *h
	if len(t) < k {
		t = append(t, c)
		for i := len(t) - 1; i > 0; {
			p := (i - 1) / 2
			if !vecWorse(t[i], t[p]) {
				break
			}
			t[i], t[p] = t[p], t[i]
			i = p
		}
		*h = t
		return
	}
	if !vecWorse(t[0], c) {
		return
	}
	t[0] = c
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(t) && vecWorse(t[l], t[m]) {
			m = l
		}
		if l+1 < len(t) && vecWorse(t[l+1], t[m]) {
			m = l + 1
		}
		if m == i {
			return
		}
		t[i], t[m] = t[m], t[i]
		i = m
	}
}
