package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

const vecModel = "test-embed"

// vecMem is a VectorStore in memory that behaves as the SQLite store does
// where it matters: passage ids are max+1, so the highest ids of a deleted
// or updated article are given again; a passage has one vector (of any
// model), gone with the passage; every save takes a new Seq; every add,
// update and remove is logged.
type vecMem struct {
	mu      sync.Mutex
	arts    map[int64]*vecArt
	art     map[int64]int64 // passage id -> article id
	vecs    map[int64]vecSaved
	changes []corpus.Change
	nextAID int64
	nextSeq int64
	failing error // returned by every read while set
	// between, if set, runs once after a Changes call: writes that land
	// between a refresh's read of the log and its read of the vectors.
	between func()
}

type vecArt struct {
	scope string
	pub   time.Time
	pids  []int64
}

type vecSaved struct {
	seq   int64
	model string
	scale float32
	codes []int8
}

func newVecMem() *vecMem {
	return &vecMem{arts: make(map[int64]*vecArt), art: make(map[int64]int64), vecs: make(map[int64]vecSaved)}
}

func (m *vecMem) log(aid int64, op corpus.ChangeOp) {
	m.changes = append(m.changes, corpus.Change{Seq: int64(len(m.changes) + 1), ArticleID: aid, Op: op})
}

// passages gives n new passage ids, as SQLite's rowid does.
func (m *vecMem) passages(aid int64, n int) []int64 {
	next := int64(1)
	for id := range m.art {
		next = max(next, id+1)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = next + int64(i)
		m.art[ids[i]] = aid
	}
	return ids
}

func (m *vecMem) dropPassages(a *vecArt) {
	for _, p := range a.pids {
		delete(m.art, p)
		delete(m.vecs, p)
	}
}

// add stores an article of n passages and returns its id and passage ids.
func (m *vecMem) add(scope string, pub time.Time, n int) (int64, []int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextAID++
	aid := m.nextAID
	a := &vecArt{scope: scope, pub: pub}
	a.pids = m.passages(aid, n)
	m.arts[aid] = a
	m.log(aid, corpus.ChangeAdd)
	return aid, slices.Clone(a.pids)
}

// update replaces an article's passages (and their vectors) and date.
func (m *vecMem) update(aid int64, pub time.Time, n int) []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.arts[aid]
	m.dropPassages(a)
	a.pub = pub
	a.pids = m.passages(aid, n)
	m.log(aid, corpus.ChangeUpdate)
	return slices.Clone(a.pids)
}

func (m *vecMem) remove(aid int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropPassages(m.arts[aid])
	delete(m.arts, aid)
	m.log(aid, corpus.ChangeRemove)
}

// save stores v as pid's vector of model; a passage that is gone is
// skipped, as SaveVectors does.
func (m *vecMem) save(model string, pid int64, v []float32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.art[pid]; !ok {
		return
	}
	codes := make([]int8, len(v))
	scale := corpus.Quantize(v, codes)
	m.nextSeq++
	m.vecs[pid] = vecSaved{seq: m.nextSeq, model: model, scale: scale, codes: codes}
}

func (m *vecMem) LastSeq(ctx context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.changes)), m.failing
}

func (m *vecMem) Changes(ctx context.Context, after int64, limit int) ([]corpus.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing != nil {
		return nil, m.failing
	}
	rest := m.changes[min(int(after), len(m.changes)):]
	out := slices.Clone(rest[:min(limit, len(rest))])
	if f := m.between; f != nil {
		m.between = nil
		m.mu.Unlock()
		f()
		m.mu.Lock()
	}
	return out, nil
}

// rows returns the vectors of model passing keep, in Seq order.
func (m *vecMem) rows(model string, keep func(pid int64, s vecSaved) bool) []corpus.VectorRow {
	var out []corpus.VectorRow
	for pid, s := range m.vecs {
		if s.model != model || !keep(pid, s) {
			continue
		}
		aid := m.art[pid]
		a := m.arts[aid]
		out = append(out, corpus.VectorRow{Seq: s.seq, PassageID: pid, ArticleID: aid, Scope: a.scope,
			PublishedAt: a.pub, Scale: s.scale, Codes: slices.Clone(s.codes)})
	}
	slices.SortFunc(out, func(a, b corpus.VectorRow) int { return int(a.Seq - b.Seq) })
	return out
}

func (m *vecMem) VectorRows(ctx context.Context, model string, after int64, limit int) ([]corpus.VectorRow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing != nil {
		return nil, m.failing
	}
	out := m.rows(model, func(_ int64, s vecSaved) bool { return s.seq > after })
	return out[:min(limit, len(out))], nil
}

func (m *vecMem) ArticleVectors(ctx context.Context, model string, ids []int64) ([]corpus.VectorRow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing != nil {
		return nil, m.failing
	}
	return m.rows(model, func(pid int64, _ vecSaved) bool { return slices.Contains(ids, m.art[pid]) }), nil
}

// search is the brute-force answer over the store as it is: every vector
// of model from an article in scopes that passes pub, scored as Vectors
// scores (int8 dot product times both scales), best first.
func (m *vecMem) search(model string, vec []float32, k int, scopes []string, pub corpus.Published) []corpus.Hit {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := make([]int8, len(vec))
	qscale := corpus.Quantize(vec, q)
	var out []corpus.Hit
	for _, r := range m.rows(model, func(int64, vecSaved) bool { return true }) {
		if !slices.Contains(corpus.ScopesOrGlobal(scopes), r.Scope) || !vecPasses(pub, r.PublishedAt) {
			continue
		}
		var dot int32
		for i, c := range r.Codes {
			dot += int32(q[i]) * int32(c)
		}
		var h corpus.Hit
		h.Score = float64(float32(dot) * r.Scale * qscale)
		h.Passage.ID, h.Passage.ArticleID = r.PassageID, r.ArticleID
		h.Article.ID, h.Article.Scope, h.Article.PublishedAt = r.ArticleID, r.Scope, r.PublishedAt
		out = append(out, h)
	}
	slices.SortStableFunc(out, func(a, b corpus.Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return int(a.Passage.ID - b.Passage.ID)
	})
	return out[:min(k, len(out))]
}

// vecPasses is corpus.Published's rule, written out from its doc comment.
func vecPasses(p corpus.Published, t time.Time) bool {
	if t.IsZero() {
		return !p.Dated()
	}
	return (p.From.IsZero() || !t.Before(p.From)) && (p.To.IsZero() || t.Before(p.To)) && (p.Before.IsZero() || !t.After(p.Before))
}

func vecUnit(v ...float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := float32(math.Sqrt(s))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x / n
	}
	return out
}

// vecAxis is the unit vector along dimension i of dim, nudged towards
// dimension j by w, so tests can order similarities by hand.
func vecAxis(dim, i, j int, w float32) []float32 {
	v := make([]float32, dim)
	v[i] = 1
	v[j] += w
	return vecUnit(v...)
}

func vecRandom(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return vecUnit(v...)
}

func vecDay(n int) time.Time { return time.Date(2025, 3, n, 12, 0, 0, 0, time.UTC) }

func vecHitIDs(hits []corpus.Hit) []int64 {
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.Passage.ID
	}
	return out
}

func TestVectorsSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newVecMem()
	const dim = 8
	add := func(scope string, pub time.Time) int64 { _, p := st.add(scope, pub, 1); return p[0] }
	old := add(corpus.GlobalScope, vecDay(1))
	mid := add(corpus.GlobalScope, vecDay(5))
	undated := add(corpus.GlobalScope, time.Time{})
	private := add("guild-1", vecDay(5))
	other := add(corpus.GlobalScope, vecDay(5))
	// Similarity to axis 0: private > old > mid > undated >> other.
	st.save(vecModel, private, vecAxis(dim, 0, 1, 0.1))
	st.save(vecModel, old, vecAxis(dim, 0, 1, 0.3))
	st.save(vecModel, mid, vecAxis(dim, 0, 1, 0.6))
	st.save(vecModel, undated, vecAxis(dim, 0, 1, 0.9))
	st.save(vecModel, other, vecAxis(dim, 5, 1, 0))
	x := NewVectors(st, vecModel, nil)
	q := vecAxis(dim, 0, 0, 0)
	for _, tc := range []struct {
		name   string
		k      int
		scopes []string
		pub    corpus.Published
		want   []int64
	}{
		{"global", 3, nil, corpus.Published{}, []int64{old, mid, undated}},
		{"with guild", 2, []string{corpus.GlobalScope, "guild-1"}, corpus.Published{}, []int64{private, old}},
		{"from", 5, nil, corpus.Published{From: vecDay(3)}, []int64{mid, other}},
		{"to", 5, nil, corpus.Published{To: vecDay(5)}, []int64{old}},
		// Before keeps what was published by then, and undated articles.
		{"before", 5, nil, corpus.Published{Before: vecDay(4)}, []int64{old, undated}},
		{"before is inclusive", 5, nil, corpus.Published{Before: vecDay(5)}, []int64{old, mid, undated, other}},
		{"from and before", 5, nil, corpus.Published{From: vecDay(1), Before: vecDay(4)}, []int64{old}},
		{"unknown scope", 5, []string{"guild-2"}, corpus.Published{}, []int64{}},
		{"default k", 0, nil, corpus.Published{}, []int64{old, mid, undated, other}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := x.Search(ctx, q, tc.k, tc.scopes, tc.pub)
			if err != nil {
				t.Fatal(err)
			}
			if got := vecHitIDs(hits); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Search = %v; want %v", got, tc.want)
			}
			// Hits carry what retrieval needs before hydrating them.
			for _, h := range hits {
				st.mu.Lock()
				aid := st.art[h.Passage.ID]
				a := st.arts[aid]
				st.mu.Unlock()
				if h.Passage.ArticleID != aid || h.Article.ID != aid || h.Article.Scope != a.scope || !h.Article.PublishedAt.Equal(a.pub) {
					t.Errorf("hit %+v; want article %d, scope %s, published %v", h, aid, a.scope, a.pub)
				}
			}
		})
	}
	hits, _ := x.Search(ctx, q, 1, nil, corpus.Published{})
	if want := float64(vecAxis(dim, 0, 1, 0.3)[0]); len(hits) != 1 || math.Abs(hits[0].Score-want) > 0.02 {
		t.Errorf("Score = %v; want the cosine %v", hits, want)
	}
	if x.Len() != 5 || x.Model() != vecModel {
		t.Errorf("Len, Model = %d, %q; want 5, %q", x.Len(), x.Model(), vecModel)
	}
	if _, err := x.Search(ctx, []float32{1, 0}, 3, nil, corpus.Published{}); err == nil {
		t.Error("Search with a 2-dimension vector succeeded; want a dimension error")
	}
	// Another model's index holds nothing.
	if hits, err := NewVectors(st, "other", nil).Search(ctx, q, 3, nil, corpus.Published{}); err != nil || len(hits) != 0 {
		t.Errorf("Search(other model) = %v, %v; want nothing", hits, err)
	}
}

// TestVectorsKeptCurrent: vectors saved later are found, those of removed
// and updated articles go, a vector saved again replaces the old one, an
// update's new date applies, and a passage id the store gives again to
// another server's article never shows up in the first server's search.
func TestVectorsKeptCurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newVecMem()
	const dim = 4
	q := vecAxis(dim, 0, 0, 0)
	x := NewVectors(st, vecModel, nil)
	search := func(scopes []string, pub corpus.Published) []int64 {
		t.Helper()
		hits, err := x.Search(ctx, q, 5, scopes, pub)
		if err != nil {
			t.Fatal(err)
		}
		return vecHitIDs(hits)
	}
	check := func(step string, got, want []int64) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: Search = %v; want %v", step, got, want)
		}
	}
	check("empty store", search(nil, corpus.Published{}), []int64{})

	a, ap := st.add(corpus.GlobalScope, vecDay(1), 2)
	st.save(vecModel, ap[0], vecAxis(dim, 0, 1, 0.2))
	st.save(vecModel, ap[1], vecAxis(dim, 0, 1, 0.5))
	check("added", search(nil, corpus.Published{}), ap)

	// Saved again: replaced in memory, not added twice.
	st.save(vecModel, ap[0], vecAxis(dim, 3, 0, 0))
	check("saved again", search(nil, corpus.Published{}), []int64{ap[1], ap[0]})
	if x.Len() != 2 {
		t.Errorf("Len after saving again = %d; want 2", x.Len())
	}

	// Update of the newest article: the store gives its new passages the
	// same ids. Until they are embedded they are not found; then they
	// are, by their new date.
	np := st.update(a, vecDay(20), 1)
	if np[0] != ap[0] {
		t.Fatalf("update gave passage %d; want the reused id %d", np[0], ap[0])
	}
	check("updated, not embedded", search(nil, corpus.Published{}), []int64{})
	st.save(vecModel, np[0], vecAxis(dim, 0, 1, 0.1))
	check("updated, embedded", search(nil, corpus.Published{From: vecDay(19)}), np)
	check("old date no longer matches", search(nil, corpus.Published{To: vecDay(2)}), []int64{})

	// A server's article removed, another server's added under the same
	// passage id, and embedded before the index looks.
	g1, g1p := st.add("guild:1", vecDay(1), 1)
	st.save(vecModel, g1p[0], vecAxis(dim, 0, 1, 0.05))
	check("guild 1", search([]string{"guild:1"}, corpus.Published{}), g1p)
	st.remove(g1)
	_, g2p := st.add("guild:2", vecDay(1), 1)
	if g2p[0] != g1p[0] {
		t.Fatalf("add gave passage %d; want the reused id %d", g2p[0], g1p[0])
	}
	st.save(vecModel, g2p[0], vecAxis(dim, 0, 1, 0.05))
	check("guild 1 after its article went", search([]string{"guild:1", corpus.GlobalScope}, corpus.Published{}), np)
	check("guild 2", search([]string{"guild:2"}, corpus.Published{}), g2p)

	// Removed articles' vectors go.
	st.remove(a)
	check("removed", search(nil, corpus.Published{}), []int64{})
	if x.Len() != 1 {
		t.Errorf("Len = %d; want 1 (guild 2's passage)", x.Len())
	}
}

// TestVectorsWritesBetweenReads: an article removed and another server's
// added under the same passage id, and embedded, after a refresh read the
// change log but before it read the vectors: the new vector arrives before
// the changes that explain it, and must take the row over, scope, date and
// article included.
func TestVectorsWritesBetweenReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newVecMem()
	q := vecAxis(4, 0, 0, 0)
	a, ap := st.add("guild:1", vecDay(1), 1)
	st.save(vecModel, ap[0], q)
	x := NewVectors(st, vecModel, nil)
	if err := x.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var b int64
	var bp []int64
	st.mu.Lock()
	st.between = func() {
		st.remove(a)
		b, bp = st.add("guild:2", vecDay(9), 1)
		st.save(vecModel, bp[0], q)
	}
	st.mu.Unlock()
	if err := x.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if bp[0] != ap[0] {
		t.Fatalf("add gave passage %d; want the reused id %d", bp[0], ap[0])
	}
	search := x.search // before the changes are applied
	for round := range 2 {
		if round == 1 {
			search = func(vec []float32, k int, scopes []string, pub corpus.Published) ([]corpus.Hit, error) {
				return x.Search(ctx, vec, k, scopes, pub)
			}
		}
		if hits, err := search(q, 5, []string{"guild:1"}, corpus.Published{}); err != nil || len(hits) != 0 {
			t.Errorf("round %d: Search(guild:1) = %+v, %v; want nothing", round, hits, err)
		}
		hits, err := search(q, 5, []string{"guild:2"}, corpus.Published{From: vecDay(8)})
		if err != nil || len(hits) != 1 || hits[0].Passage.ID != bp[0] || hits[0].Article.ID != b || hits[0].Passage.ArticleID != b {
			t.Errorf("round %d: Search(guild:2, from day 8) = %+v, %v; want passage %d of article %d", round, hits, err, bp[0], b)
		}
		if x.Len() != 1 {
			t.Errorf("round %d: Len = %d; want 1", round, x.Len())
		}
	}
}

// TestVectorsRefreshFailure: a store that fails leaves the index searched
// as it is (the error logged, not returned), and the next refresh catches
// up.
func TestVectorsRefreshFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newVecMem()
	q := vecAxis(4, 0, 0, 0)
	_, p1 := st.add(corpus.GlobalScope, vecDay(1), 1)
	st.save(vecModel, p1[0], q)
	x := NewVectors(st, vecModel, nil)
	if err := x.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	_, p2 := st.add(corpus.GlobalScope, vecDay(2), 1)
	st.save(vecModel, p2[0], vecAxis(4, 0, 1, 0.5))
	st.mu.Lock()
	st.failing = errors.New("disk on fire")
	st.mu.Unlock()
	if err := x.Refresh(ctx); err == nil {
		t.Error("Refresh over a failing store succeeded; want its error")
	}
	if hits, err := x.Search(ctx, q, 5, nil, corpus.Published{}); err != nil || fmt.Sprint(vecHitIDs(hits)) != fmt.Sprint(p1) {
		t.Errorf("Search over a failing store = %v, %v; want %v from memory", vecHitIDs(hits), err, p1)
	}
	st.mu.Lock()
	st.failing = nil
	st.mu.Unlock()
	if hits, err := x.Search(ctx, q, 5, nil, corpus.Published{}); err != nil || fmt.Sprint(vecHitIDs(hits)) != fmt.Sprint([]int64{p1[0], p2[0]}) {
		t.Errorf("Search after recovery = %v, %v; want %v", vecHitIDs(hits), err, []int64{p1[0], p2[0]})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := x.Search(cancelled, q, 5, nil, corpus.Published{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Search(cancelled) = %v; want context.Canceled", err)
	}
}

// TestVectorsMatchBruteForce applies random adds, updates, removes and
// saves (some vectors saved late, some saved again, passage ids reused)
// and checks after each step that a search returns exactly the
// brute-force answer over the store as it is, on one core and on several
// (rows split between goroutines).
func TestVectorsMatchBruteForce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 99))
			const dim = 16
			st := newVecMem()
			x := NewVectors(st, vecModel, nil)
			scopes := []string{corpus.GlobalScope, "guild:1", "guild:2"}
			var live []int64
			var unsaved []int64
			for step := range 400 {
				switch op := rng.IntN(10); {
				case op < 5 || len(live) == 0:
					pub := time.Time{}
					if rng.IntN(5) > 0 {
						pub = vecDay(1 + rng.IntN(28))
					}
					aid, ps := st.add(scopes[rng.IntN(len(scopes))], pub, 1+rng.IntN(3))
					live = append(live, aid)
					unsaved = append(unsaved, ps...)
				case op < 7:
					i := rng.IntN(len(live))
					unsaved = append(unsaved, st.update(live[i], vecDay(1+rng.IntN(28)), 1+rng.IntN(3))...)
				case op < 8:
					i := rng.IntN(len(live))
					st.remove(live[i])
					live = slices.Delete(live, i, i+1)
				default:
					// Save again some vector, maybe of a passage gone.
					if len(unsaved) > 0 {
						st.save(vecModel, unsaved[rng.IntN(len(unsaved))], vecRandom(rng, dim))
					}
				}
				// Save most pending vectors now, some later.
				keep := unsaved[:0]
				for _, p := range unsaved {
					if rng.IntN(4) == 0 {
						keep = append(keep, p)
						continue
					}
					st.save(vecModel, p, vecRandom(rng, dim))
				}
				unsaved = keep
				if step%3 != 0 {
					continue
				}
				q := vecRandom(rng, dim)
				sc := scopes[:1+rng.IntN(len(scopes))]
				var pub corpus.Published
				switch rng.IntN(4) {
				case 1:
					pub.From = vecDay(5 + rng.IntN(10))
				case 2:
					pub.To, pub.Before = vecDay(10+rng.IntN(10)), vecDay(5+rng.IntN(20))
				case 3:
					pub.Before = vecDay(1 + rng.IntN(28))
				}
				k := 1 + rng.IntN(20)
				got, err := x.Search(ctx, q, k, sc, pub)
				if err != nil {
					t.Fatal(err)
				}
				want := st.search(vecModel, q, k, sc, pub)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("step %d: Search(k=%d, %v, %+v) =\n%v\nwant\n%v", step, k, sc, pub, got, want)
				}
				// The same over rows split between goroutines.
				x.mu.RLock()
				whole := x.scanRange(vecQuery(q), k, vecAllowed(x, sc), newDateFilter(pub), 0, len(x.pids))
				split := slices.Concat(
					x.scanRange(vecQuery(q), k, vecAllowed(x, sc), newDateFilter(pub), 0, len(x.pids)/2),
					x.scanRange(vecQuery(q), k, vecAllowed(x, sc), newDateFilter(pub), len(x.pids)/2, len(x.pids)))
				x.mu.RUnlock()
				slices.SortFunc(whole, vecOrder)
				slices.SortFunc(split, vecOrder)
				if fmt.Sprint(whole) != fmt.Sprint(split[:min(k, len(split))]) {
					t.Fatalf("step %d: split scan %v; whole %v", step, split, whole)
				}
			}
			if x.Len() != len(st.vecs) {
				t.Errorf("Len = %d; the store holds %d vectors", x.Len(), len(st.vecs))
			}
		})
	}
}

func vecOrder(a, b vecCand) int {
	if vecWorse(b, a) {
		return -1
	}
	if vecWorse(a, b) {
		return 1
	}
	return 0
}

func vecQuery(vec []float32) []int32 {
	code := make([]int8, len(vec))
	corpus.Quantize(vec, code)
	q := make([]int32, len(vec))
	for i, c := range code {
		q[i] = int32(c)
	}
	return q
}

func vecAllowed(x *Vectors, scopes []string) []bool {
	allowed := make([]bool, len(x.scopes))
	for _, s := range corpus.ScopesOrGlobal(scopes) {
		if id, ok := x.scopeN[s]; ok {
			allowed[id] = true
		}
	}
	return allowed
}

// TestVectorsCompacts: once a quarter of the rows are dead (and enough of
// them), they are dropped from memory.
func TestVectorsCompacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newVecMem()
	x := NewVectors(st, vecModel, nil)
	var aids []int64
	var pids []int64
	for i := range 2 * vectorCompactMin {
		aid, ps := st.add(corpus.GlobalScope, vecDay(1), 1)
		st.save(vecModel, ps[0], vecAxis(4, 0, 1, float32(i)/float32(2*vectorCompactMin)))
		aids = append(aids, aid)
		pids = append(pids, ps[0])
	}
	if err := x.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// Remove the first (best) half but one: not yet enough dead rows.
	for _, a := range aids[:vectorCompactMin-1] {
		st.remove(a)
	}
	if err := x.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	x.mu.RLock()
	if len(x.pids) != 2*vectorCompactMin || x.dead != vectorCompactMin-1 {
		t.Errorf("before compaction: %d rows, %d dead; want %d, %d", len(x.pids), x.dead, 2*vectorCompactMin, vectorCompactMin-1)
	}
	x.mu.RUnlock()
	st.remove(aids[vectorCompactMin-1])
	hits, err := x.Search(ctx, vecAxis(4, 0, 0, 0), 1, nil, corpus.Published{})
	if err != nil || len(hits) != 1 || hits[0].Passage.ID != pids[vectorCompactMin] {
		t.Fatalf("Search = %v, %v; want the best surviving passage %d", vecHitIDs(hits), err, pids[vectorCompactMin])
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.pids) != vectorCompactMin || x.dead != 0 || len(x.codes) != vectorCompactMin*4 || len(x.slot) != vectorCompactMin {
		t.Errorf("after compaction: %d rows, %d dead, %d codes, %d slots; want %d, 0, %d, %d",
			len(x.pids), x.dead, len(x.codes), len(x.slot), vectorCompactMin, vectorCompactMin*4, vectorCompactMin)
	}
	for pid, row := range x.slot {
		if x.pids[row] != pid {
			t.Fatalf("slot of passage %d is row %d, which holds passage %d", pid, row, x.pids[row])
		}
	}
}

// TestVectorsOtherDimension: rows of another size under the same model
// name are left out rather than compared with the rest.
func TestVectorsOtherDimension(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newVecMem()
	_, p := st.add(corpus.GlobalScope, vecDay(1), 2)
	st.save(vecModel, p[0], vecAxis(4, 0, 0, 0))
	st.save(vecModel, p[1], vecAxis(8, 0, 0, 0))
	x := NewVectors(st, vecModel, nil)
	hits, err := x.Search(ctx, vecAxis(4, 0, 0, 0), 5, nil, corpus.Published{})
	if err != nil || fmt.Sprint(vecHitIDs(hits)) != fmt.Sprint(p[:1]) || x.Len() != 1 {
		t.Errorf("Search = %v, %v (Len %d); want only the 4-dimension passage %d", vecHitIDs(hits), err, x.Len(), p[0])
	}
}

func TestVectorsConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newVecMem()
	x := NewVectors(st, vecModel, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	wg.Go(func() {
		for i := range 60 {
			aid, ps := st.add(corpus.GlobalScope, vecDay(1), 1)
			st.save(vecModel, ps[0], vecAxis(4, i%4, 0, 0))
			if i%3 == 0 {
				st.remove(aid)
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 30 {
				if _, err := x.Search(ctx, vecAxis(4, 0, 0, 0), 5, nil, corpus.Published{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := x.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if x.Len() != 40 {
		t.Errorf("Len = %d; want 40 (60 added, 20 removed)", x.Len())
	}
}

// BenchmarkVectorSearch searches 50,000 random 1536-dimension vectors (the
// size of text-embedding-3-small over a Reuters-sized corpus) for the top
// 60, the retrieval candidates, and reports the index's memory and its
// first load from the store (in memory here, so the index's own cost).
func BenchmarkVectorSearch(b *testing.B) {
	const n, dim = 50000, 1536
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	st := newVecMem()
	for len(st.vecs) < n {
		_, ps := st.add(corpus.GlobalScope, vecDay(1+rng.IntN(28)), 2)
		for _, p := range ps {
			st.save(vecModel, p, vecRandom(rng, dim))
		}
	}
	// The store's own sorting is not the index's cost: hand it pages
	// ready made.
	pre := &vecPages{vecMem: st, rows: st.rows(vecModel, func(int64, vecSaved) bool { return true })}
	x := NewVectors(pre, vecModel, nil)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	if err := x.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(pre.rows) // so after-before is the index alone
	if x.Len() != n {
		b.Fatalf("index holds %d vectors; want %d", x.Len(), n)
	}
	q := vecRandom(rng, dim)
	b.ResetTimer()
	for b.Loop() {
		hits, err := x.Search(ctx, q, 60, nil, corpus.Published{})
		if err != nil || len(hits) != 60 {
			b.Fatalf("Search = %d hits, %v", len(hits), err)
		}
	}
	// After the loop: ResetTimer discards metrics reported before it.
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "index-MB")
	b.ReportMetric(float64(load.Milliseconds()), "load-ms")
}

// vecPages serves VectorRows from rows read once.
type vecPages struct {
	*vecMem
	rows []corpus.VectorRow
}

func (p *vecPages) VectorRows(ctx context.Context, model string, after int64, limit int) ([]corpus.VectorRow, error) {
	i, _ := slices.BinarySearchFunc(p.rows, after+1, func(r corpus.VectorRow, seq int64) int { return int(r.Seq - seq) })
	return p.rows[i:min(i+limit, len(p.rows))], nil
}

var _ VectorStore = (*vecMem)(nil)
