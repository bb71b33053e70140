package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/newsbot/newsbot/corpus"
)

// Passage embeddings (hybrid retrieval): SaveVectors stores them quantised
// to int8 (see migrations/0004_embeddings.sql), PassagesWithoutVectors feeds
// the backfill, and a VectorIndex searches them in memory.

// maxVectorDim rejects a provider's nonsense before it reaches the disk;
// today's embedding models have at most 4096 dimensions.
const maxVectorDim = 8192

// SaveVectors stores the embeddings of passages (passage id -> vector) made
// with model, in one transaction, replacing any earlier vector of those
// passages (of any model: a passage keeps one vector). Vectors should be
// unit length, since a VectorIndex scores by dot product; they are stored
// quantised to int8 with a per-vector scale. Passages deleted since they
// were read are skipped. An empty model, or vectors of different, zero or
// excessive dimensions, return an error wrapping corpus.ErrInvalid and
// store nothing.
func (db *DB) SaveVectors(ctx context.Context, model string, vecs map[int64][]float32) (err error) {
	defer wrap(&err, "sqlite.SaveVectors(%q)", model)
	if model == "" {
		return fmt.Errorf("no model: %w", corpus.ErrInvalid)
	}
	if len(vecs) == 0 {
		return nil
	}
	dim := -1
	for id, v := range vecs {
		if dim == -1 {
			dim = len(v)
		}
		if len(v) != dim || dim == 0 || dim > maxVectorDim {
			return fmt.Errorf("passage %d: vector of %d dimensions (first one has %d): %w", id, len(v), dim, corpus.ErrInvalid)
		}
	}
	ids := make([]int64, 0, len(vecs))
	for id := range vecs {
		ids = append(ids, id)
	}
	// Id order keeps the rows of one save in passage order on disk.
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The EXISTS skips a passage deleted meanwhile instead of failing the
	// whole batch on its foreign key.
	stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO passage_vectors(passage_id, model, dim, scale, vec)
		SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM passages WHERE id = ?1)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	code := make([]int8, dim)
	buf := make([]byte, dim)
	for _, id := range ids {
		scale := quantize(vecs[id], code)
		for i, c := range code {
			buf[i] = byte(c)
		}
		if _, err := stmt.ExecContext(ctx, id, model, dim, scale, buf); err != nil {
			return fmt.Errorf("save vector of passage %d: %w", id, err)
		}
	}
	return tx.Commit()
}

// quantize writes v as int8 codes into code (len(v) long) and returns the
// scale: v[i] ~= scale * code[i]. A zero vector has scale 0.
func quantize(v []float32, code []int8) float32 {
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	if m == 0 {
		clear(code)
		return 0
	}
	scale := m / 127
	for i, x := range v {
		code[i] = int8(math.Round(float64(x / scale)))
	}
	return scale
}

// PassageText is a passage to embed.
type PassageText struct {
	ID    int64  // passage id
	Title string // its article's title
	Text  string
}

// PassagesWithoutVectors returns up to limit passages with an id above
// afterID that have no vector of model, in id order: a backfill pages
// through them by passing the last id it got.
func (db *DB) PassagesWithoutVectors(ctx context.Context, model string, afterID int64, limit int) (_ []PassageText, err error) {
	defer wrap(&err, "sqlite.PassagesWithoutVectors(%q)", model)
	rows, err := db.read.QueryContext(ctx, `SELECT p.id, a.title, p.text FROM passages p
		CROSS JOIN articles a ON a.id = p.article_id
		WHERE p.id > ? AND NOT EXISTS (SELECT 1 FROM passage_vectors v WHERE v.passage_id = p.id AND v.model = ?)
		ORDER BY p.id LIMIT ?`, afterID, model, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PassageText
	for rows.Next() {
		var p PassageText
		if err := rows.Scan(&p.ID, &p.Title, &p.Text); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountPassagesWithoutVectors returns how many passages with an id above
// afterID have no vector of model.
func (db *DB) CountPassagesWithoutVectors(ctx context.Context, model string, afterID int64) (n int, err error) {
	defer wrap(&err, "sqlite.CountPassagesWithoutVectors(%q)", model)
	err = db.read.QueryRowContext(ctx, `SELECT count(*) FROM passages p WHERE p.id > ?
		AND NOT EXISTS (SELECT 1 FROM passage_vectors v WHERE v.passage_id = p.id AND v.model = ?)`, afterID, model).Scan(&n)
	return n, err
}

// MaxPassageID returns the highest passage id (0 when there is none):
// passages added later have higher ids, so it marks "added after now".
func (db *DB) MaxPassageID(ctx context.Context) (id int64, err error) {
	defer wrap(&err, "sqlite.MaxPassageID")
	var n sql.NullInt64
	err = db.read.QueryRowContext(ctx, `SELECT max(id) FROM passages`).Scan(&n)
	return n.Int64, err
}

// VectorIndex searches the stored vectors of one model by brute-force dot
// product over an in-memory slab of int8 codes, filtered by scope and
// published time like Search. It loads every vector once, on the first
// Search (or Sync); each later Search first loads only the rows saved since
// (one indexed query on passage_vectors' AUTOINCREMENT id, so vectors
// another process saved show up too). Deleted passages are found out
// lazily: when a winner's passage is gone it is dropped from memory and the
// next best taken; memory is compacted when a quarter of it is dead. A
// passage's scope and published time are loaded with its vector. Update
// and Rechunk replace passages, and SQLite may give a new passage the id of
// a deleted one (the highest ids are reused); the new passage's vector is
// then loaded under the same id and overwrites the row, metadata included.
// Until then the row is stale, so every winner's scope and date are checked
// against the stored article (passageHits) and a stale row is dropped like
// a deleted one: a reused id never shows a passage where it is not visible.
//
// Memory is about dim+30 bytes per passage: 50,000 passages of 1536
// dimensions take 78 MB. It is safe for concurrent use.
type VectorIndex struct {
	db    *DB
	model string

	load sync.Mutex // one Sync at a time; held while reading rows, not while searching

	mu     sync.RWMutex
	cursor int64 // highest passage_vectors.id loaded
	dim    int
	codes  []int8    // row r is codes[r*dim : (r+1)*dim]
	scales []float32 // per row
	ids    []int64   // passage id per row; 0 marks a dead row
	scope  []uint32  // index into scopes per row
	pub    []int64   // published unix seconds per row, noDate when unknown
	slot   map[int64]int
	scopes []string
	scopeN map[string]uint32
	dead   int
}

// noDate is the published time of a row whose article has none: outside
// every date filter, as in Search.
const noDate = math.MinInt64

// Search loop and layout limits.
const (
	// maxDeadRounds bounds the searches of one query when winners turn out
	// deleted: each round drops its dead winners for good, so after a mass
	// delete a few queries return fewer hits rather than one query
	// spinning.
	maxDeadRounds = 8
	// scanChunk is the rows one goroutine scans at least: below it the
	// goroutine costs more than the dot products it saves.
	scanChunk = 8192
	// compactMin is the dead rows worth compacting for.
	compactMin = 1024
)

// NewVectorIndex returns an empty index of model's vectors in db; it loads
// them on first use.
func NewVectorIndex(db *DB, model string) *VectorIndex {
	return &VectorIndex{db: db, model: model, slot: make(map[int64]int), scopeN: make(map[string]uint32)}
}

// Model returns the embedding model whose vectors the index holds.
func (x *VectorIndex) Model() string { return x.model }

// Len returns the number of live vectors in memory.
func (x *VectorIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.slot)
}

// vectorRows is rows read from the database, in the index's layout.
type vectorRows struct {
	cursor int64
	dim    int
	codes  []int8
	scales []float32
	ids    []int64
	scopes []string
	pub    []int64
}

// Sync loads the vectors saved since the last Sync (all of them the first
// time). Search calls it; calling it at startup moves the initial load off
// the first question.
func (x *VectorIndex) Sync(ctx context.Context) (err error) {
	defer wrap(&err, "sqlite.VectorIndex(%q).Sync", x.model)
	x.load.Lock()
	defer x.load.Unlock()
	x.mu.RLock()
	r := vectorRows{cursor: x.cursor, dim: x.dim}
	x.mu.RUnlock()

	rows, err := x.db.read.QueryContext(ctx, `SELECT v.id, v.passage_id, v.dim, v.scale, v.vec, a.scope, a.published_at
		FROM passage_vectors v
		CROSS JOIN passages p ON p.id = v.passage_id
		CROSS JOIN articles a ON a.id = p.article_id
		WHERE v.model = ? AND v.id > ? ORDER BY v.id`, x.model, r.cursor)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, pid   int64
			dim       int
			scale     float64
			vec       []byte
			scope     string
			published sql.NullInt64
		)
		if err := rows.Scan(&id, &pid, &dim, &scale, &vec, &scope, &published); err != nil {
			x.merge(&r)
			return err
		}
		r.cursor = id
		if r.dim == 0 {
			r.dim = dim
		}
		if dim != r.dim || len(vec) != dim {
			// Same model name, other size: not comparable with the rest.
			// SaveVectors keeps one save consistent; this is a model that
			// changed behind its name, and `newsbot embed` after deleting
			// the rows is the cure.
			continue
		}
		for _, b := range vec {
			r.codes = append(r.codes, int8(b))
		}
		r.scales = append(r.scales, float32(scale))
		r.ids = append(r.ids, pid)
		r.scopes = append(r.scopes, scope)
		if published.Valid {
			r.pub = append(r.pub, published.Int64)
		} else {
			r.pub = append(r.pub, noDate)
		}
	}
	// Keep what was read even when the read failed (a question's deadline
	// cut a long first load short): the next Sync goes on from there.
	x.merge(&r)
	return rows.Err()
}

// merge adds rows read by Sync: a passage already held (its vector saved
// again) is overwritten in place, a new one appended.
func (x *VectorIndex) merge(r *vectorRows) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.cursor = r.cursor
	if len(r.ids) == 0 {
		return
	}
	x.dim = r.dim
	if len(x.ids) == 0 && x.dead == 0 {
		// First load: take the slabs as they are instead of copying them.
		x.codes, x.scales, x.ids, x.pub = r.codes, r.scales, r.ids, r.pub
		x.scope = make([]uint32, len(r.ids))
		for i, s := range r.scopes {
			x.scope[i] = x.scopeID(s)
			x.slot[r.ids[i]] = i
		}
		return
	}
	d := x.dim
	for i, pid := range r.ids {
		code := r.codes[i*d : (i+1)*d]
		if row, ok := x.slot[pid]; ok {
			// The passage id may have been reused: SQLite gives a new
			// passage the id of a deleted one when that was the highest,
			// which is what Update and Rechunk do to the newest article.
			// The row read now carries the current passage's metadata.
			copy(x.codes[row*d:(row+1)*d], code)
			x.scales[row] = r.scales[i]
			x.scope[row] = x.scopeID(r.scopes[i])
			x.pub[row] = r.pub[i]
			continue
		}
		x.slot[pid] = len(x.ids)
		x.codes = append(x.codes, code...)
		x.scales = append(x.scales, r.scales[i])
		x.ids = append(x.ids, pid)
		x.scope = append(x.scope, x.scopeID(r.scopes[i]))
		x.pub = append(x.pub, r.pub[i])
	}
}

// scopeID interns a scope; x.mu must be held for writing.
func (x *VectorIndex) scopeID(s string) uint32 {
	id, ok := x.scopeN[s]
	if !ok {
		id = uint32(len(x.scopes))
		x.scopes = append(x.scopes, s)
		x.scopeN[s] = id
	}
	return id
}

// Search returns up to k passages whose vectors have the highest dot
// product with vec (a unit-length embedding of the question by the index's
// model), best first, from articles in scopes (GlobalScope when empty)
// that pass pub (see corpus.Published). Score is the
// approximate cosine similarity. Hits carry their article's metadata but no
// Body or Passages. A vec whose dimension differs from the stored vectors'
// is an error; an index without vectors returns no hits.
func (x *VectorIndex) Search(ctx context.Context, vec []float32, k int, scopes []string, pub corpus.Published) (_ []corpus.Hit, err error) {
	if err := x.Sync(ctx); err != nil {
		return nil, err
	}
	defer wrap(&err, "sqlite.VectorIndex(%q).Search", x.model)
	if k <= 0 {
		k = corpus.DefaultSearchK
	}
	x.mu.RLock()
	dim := x.dim
	x.mu.RUnlock()
	if dim == 0 {
		return nil, nil
	}
	if len(vec) != dim {
		return nil, fmt.Errorf("question vector has %d dimensions, stored vectors %d (another model?)", len(vec), dim)
	}
	code := make([]int8, dim)
	qscale := quantize(vec, code)
	q := make([]int32, dim)
	for i, c := range code {
		q[i] = int32(c)
	}
	f := dateFilter{lo: noDate, hi: math.MaxInt64, before: math.MaxInt64, dated: pub.Dated()}
	if !pub.From.IsZero() {
		f.lo = pub.From.Unix()
	}
	if !pub.To.IsZero() {
		f.hi = pub.To.Unix()
	}
	if !pub.Before.IsZero() {
		f.before = pub.Before.Unix()
	}

	allowed := corpus.ScopesOrGlobal(scopes)
	current := func(a *corpus.Article) bool {
		p := int64(noDate)
		if !a.PublishedAt.IsZero() {
			p = a.PublishedAt.Unix()
		}
		return slices.Contains(allowed, a.Scope) && f.passes(p)
	}
	for round := 1; ; round++ {
		best := x.scan(q, k, allowed, f)
		hits, missing, err := x.db.passageHits(ctx, best, qscale, current)
		if err != nil {
			return nil, err
		}
		if len(missing) == 0 || round == maxDeadRounds {
			return hits, nil
		}
		x.drop(missing)
	}
}

// dateFilter is corpus.Published in the unix seconds of VectorIndex.pub.
type dateFilter struct {
	lo, hi int64 // lo <= pub < hi when dated
	before int64 // pub <= before unless pub is noDate
	dated  bool  // undated rows are excluded
}

// passes reports whether a row published at p (noDate when unknown) passes.
func (f dateFilter) passes(p int64) bool {
	if p == noDate {
		return !f.dated
	}
	return p <= f.before && (!f.dated || (p >= f.lo && p < f.hi))
}

// candidate is a row and its score (dot product of codes times the row's
// scale; the query's scale is applied at the end).
type candidate struct {
	score float32
	row   int
	id    int64
}

// scan returns the k best live rows passing the filters, best first (ties
// by passage id), splitting the slab between goroutines.
func (x *VectorIndex) scan(q []int32, k int, scopes []string, f dateFilter) []candidate {
	x.mu.RLock()
	defer x.mu.RUnlock()
	allowed := make([]bool, len(x.scopes))
	for _, s := range scopes {
		if id, ok := x.scopeN[s]; ok {
			allowed[id] = true
		}
	}
	n := len(x.ids)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/scanChunk))
	parts := make([][]candidate, workers)
	var wg sync.WaitGroup
	for w := range workers {
		start, end := n*w/workers, n*(w+1)/workers
		wg.Go(func() {
			parts[w] = x.scanRange(q, k, allowed, f, start, end)
		})
	}
	wg.Wait()
	var all []candidate
	for _, p := range parts {
		all = append(all, p...)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score > all[j].score
		}
		return all[i].id < all[j].id
	})
	return all[:min(k, len(all))]
}

// scanRange is scan over rows [start, end); x.mu is held for reading.
func (x *VectorIndex) scanRange(q []int32, k int, allowed []bool, f dateFilter, start, end int) []candidate {
	d := x.dim
	top := make(topK, 0, k)
	for r := start; r < end; r++ {
		id := x.ids[r]
		if id == 0 || !allowed[x.scope[r]] {
			continue
		}
		if !f.passes(x.pub[r]) {
			continue
		}
		s := float32(dotInt8(q, x.codes[r*d:(r+1)*d])) * x.scales[r]
		top.offer(candidate{score: s, row: r, id: id}, k)
	}
	return top
}

// dotInt8 is the dot product of a query (int8 codes widened to int32 once
// per search, which saves a sign extension per element) and a row of int8
// codes of the same length. The sum fits an int32: 8192 * 127 * 127 < 2^31.
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

// topK is a min-heap of the best candidates seen, worst at [0].
type topK []candidate

// worse orders the heap: lower score, then higher id, is worse.
func worse(a, b candidate) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.id > b.id
}

func (h *topK) offer(c candidate, k int) {
	t := *h
	if len(t) < k {
		t = append(t, c)
		for i := len(t) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(t[i], t[p]) {
				break
			}
			t[i], t[p] = t[p], t[i]
			i = p
		}
		*h = t
		return
	}
	if !worse(t[0], c) {
		return
	}
	t[0] = c
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(t) && worse(t[l], t[m]) {
			m = l
		}
		if l+1 < len(t) && worse(t[l+1], t[m]) {
			m = l + 1
		}
		if m == i {
			return
		}
		t[i], t[m] = t[m], t[i]
		i = m
	}
}

// drop marks the rows of deleted passages dead and compacts the slab when
// enough of it is dead.
func (x *VectorIndex) drop(ids []int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, id := range ids {
		if row, ok := x.slot[id]; ok {
			x.ids[row] = 0
			delete(x.slot, id)
			x.dead++
		}
	}
	if x.dead < compactMin || x.dead*4 < len(x.ids) {
		return
	}
	d, w := x.dim, 0
	for r, id := range x.ids {
		if id == 0 {
			continue
		}
		copy(x.codes[w*d:(w+1)*d], x.codes[r*d:(r+1)*d])
		x.scales[w], x.ids[w], x.scope[w], x.pub[w] = x.scales[r], id, x.scope[r], x.pub[r]
		x.slot[id] = w
		w++
	}
	// Fresh slices, so the memory of the dead rows is released.
	x.codes = append([]int8(nil), x.codes[:w*d]...)
	x.scales = append([]float32(nil), x.scales[:w]...)
	x.ids = append([]int64(nil), x.ids[:w]...)
	x.scope = append([]uint32(nil), x.scope[:w]...)
	x.pub = append([]int64(nil), x.pub[:w]...)
	x.dead = 0
}

// passageHits loads the passages and article metadata of the candidates,
// in their order, with Score = candidate score * qscale, and lists as
// missing the passage ids that no longer exist or whose article fails
// current. The in-memory scope and date of a row were true when its vector
// was loaded, but SQLite reuses the highest passage ids: after a delete
// and an add, the id may belong to another server's private article whose
// vector is not saved yet. Checking the stored article keeps such a
// passage out of a search it is not visible to.
func (db *DB) passageHits(ctx context.Context, cands []candidate, qscale float32, current func(*corpus.Article) bool) (hits []corpus.Hit, missing []int64, err error) {
	if len(cands) == 0 {
		return nil, nil, nil
	}
	args := make([]any, len(cands))
	for i, c := range cands {
		args[i] = c.id
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(cands)), ", ")
	rows, err := db.read.QueryContext(ctx, `SELECT `+articleColumns+`, p.id, p.seq, p.text
		FROM passages p CROSS JOIN articles a ON a.id = p.article_id WHERE p.id IN (`+in+`)`, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	byID := make(map[int64]corpus.Hit, len(cands))
	for rows.Next() {
		var h corpus.Hit
		p := &h.Passage
		if err := scanArticle(rows, &h.Article, &p.ID, &p.Seq, &p.Text); err != nil {
			return nil, nil, err
		}
		p.ArticleID = h.Article.ID
		byID[p.ID] = h
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, c := range cands {
		h, ok := byID[c.id]
		if !ok || !current(&h.Article) {
			missing = append(missing, c.id)
			continue
		}
		h.Score = float64(c.score * qscale)
		hits = append(hits, h)
	}
	return hits, missing, nil
}
