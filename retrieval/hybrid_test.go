package retrieval

import (
	"bytes"
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// conceptEmbedder is a fake embedding model: words of a concept group share
// one dimension (so "soccer" is near "cup" without sharing a word), other
// analysed terms are hashed into the remaining dimensions; unit length.
type conceptEmbedder struct {
	concept map[string]int
	err     error // returned by every call when set
	block   bool  // wait for the context to end, then fail
	calls   int   // guarded by mu
	mu      sync.Mutex
}

const conceptDim = 64

func newConceptEmbedder(groups ...[]string) *conceptEmbedder {
	e := &conceptEmbedder{concept: make(map[string]int)}
	for i, g := range groups {
		for _, w := range g {
			for _, t := range corpus.Terms(w) {
				e.concept[t] = i
			}
		}
	}
	return e
}

func (e *conceptEmbedder) vector(text string) []float32 {
	v := make([]float32, conceptDim)
	for _, t := range corpus.Terms(text) {
		if c, ok := e.concept[t]; ok {
			v[c] += 3
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(t))
		v[16+h.Sum32()%(conceptDim-16)]++
	}
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s > 0 {
		for i := range v {
			v[i] /= float32(math.Sqrt(s))
		}
	}
	return v
}

func (e *conceptEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.calls++
	e.mu.Unlock()
	if e.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, e.err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e.vector(t)
	}
	return out, nil
}

// memIndex is a brute-force VectorSearcher over a memStore's passages,
// embedded (title and text) by e; it records its last query.
type memIndex struct {
	store *memStore
	vecs  map[int64][]float32

	mu     sync.Mutex
	scopes []string
	pub    corpus.Published
}

func newMemIndex(s *memStore, e *conceptEmbedder) *memIndex {
	x := &memIndex{store: s, vecs: make(map[int64][]float32)}
	for id, p := range s.passages {
		x.vecs[id] = e.vector(s.articles[p.ArticleID].Title + "\n\n" + p.Text)
	}
	return x
}

func (x *memIndex) Search(ctx context.Context, vec []float32, k int, scopes []string, pub corpus.Published) ([]corpus.Hit, error) {
	x.mu.Lock()
	x.scopes, x.pub = scopes, pub
	x.mu.Unlock()
	var hits []corpus.Hit
	for id, v := range x.vecs {
		p := x.store.passages[id]
		a := x.store.articles[p.ArticleID]
		if !visible(a, scopes, pub) {
			continue
		}
		var s float64
		for i := range v {
			s += float64(v[i]) * float64(vec[i])
		}
		if s <= 0 {
			continue
		}
		hits = append(hits, corpus.Hit{Passage: p, Article: a, Score: s})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].Passage.ID < hits[j].Passage.ID
	})
	return hits[:min(k, len(hits))], nil
}

func TestRRF(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rankings [][]int64
		want     []int64
	}{
		// 1 and 3: 1/61 + 1/63 each, a tie kept in order of appearance;
		// 2 and 4: 1/62 each.
		{"symmetric", [][]int64{{1, 2, 3}, {3, 4, 1}}, []int64{1, 3, 2, 4}},
		// Ranked by both beats ranked first by one: 1/65 + 1/61 > 1/61.
		{"both lists win", [][]int64{{1, 2, 3, 4, 5}, {5}}, []int64{5, 1, 2, 3, 4}},
		{"one list", [][]int64{{7, 8}, nil}, []int64{7, 8}},
		{"vectors only", [][]int64{nil, {9, 8}}, []int64{9, 8}},
	} {
		if got := rrf(tc.rankings...); !slices.Equal(got, tc.want) {
			t.Errorf("rrf(%s %v) = %v; want %v", tc.name, tc.rankings, got, tc.want)
		}
	}
}

// cupGroups make "soccer" and "champions" mean what the World Cup story
// says in other words.
var cupGroups = [][]string{{"soccer", "football", "cup"}, {"champions", "won", "win", "trophy", "title"}}

func TestHybridFindsPassageOnlyVectorsMatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	emb := newConceptEmbedder(cupGroups...)
	ctx := context.Background()
	q := Request{Question: "Which country are the soccer champions?", AsOf: testAsOf}

	lexical, err := New(f.store, f.store, Options{}).Retrieve(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(articleIDs(lexical.Hits), f.cup) {
		t.Fatalf("lexical Retrieve already finds the cup story (%v); the test needs a question without its words", articleIDs(lexical.Hits))
	}
	r := New(f.store, f.store, Options{Vectors: &Vectors{Embedder: emb, Index: newMemIndex(f.store, emb)}})
	res, err := r.Retrieve(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if got := articleIDs(res.Hits); len(got) == 0 || got[0] != f.cup {
		t.Errorf("hybrid Retrieve articles = %v; want the cup story %d first", got, f.cup)
	}
	checkRanked(t, "hybrid Retrieve", res.Hits)
	// The confidence is still the lexical coverage of the question's words.
	if res.Confidence >= DefaultMinConfidence {
		t.Errorf("Confidence = %.2f for a question none of whose words the hits hold; want < %.2f", res.Confidence, DefaultMinConfidence)
	}
}

func TestHybridKeepsLexicalAgreement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	emb := newConceptEmbedder(cupGroups...)
	idx := newMemIndex(f.store, emb)
	// Asked a month later: a replay, so the index also gets Before.
	later := func() time.Time { return testAsOf.AddDate(0, 1, 0) }
	r := New(f.store, f.store, Options{Vectors: &Vectors{Embedder: emb, Index: idx}, Now: later})
	res, err := r.Retrieve(context.Background(), Request{Question: "Harbour Bridge cable repairs this week", AsOf: testAsOf,
		Scopes: []string{corpus.GlobalScope, "guild-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := articleIDs(res.Hits); len(got) == 0 || got[0] != f.bridge {
		t.Errorf("hybrid Retrieve(bridge) articles = %v; want the bridge story %d first", got, f.bridge)
	}
	if res.Confidence < DefaultMinConfidence {
		t.Errorf("Confidence = %.2f; want >= %.2f", res.Confidence, DefaultMinConfidence)
	}
	// The index got the question's filters.
	if !idx.pub.From.Equal(res.Range.From) || !idx.pub.To.Equal(res.Range.To) || res.Range.IsZero() ||
		!idx.pub.Before.Equal(testAsOf.Add(publishedSlack)) {
		t.Errorf("index searched %+v; want the question's range %+v and Before %v", idx.pub, res.Range, testAsOf.Add(publishedSlack))
	}
	if !slices.Equal(idx.scopes, []string{corpus.GlobalScope, "guild-1"}) {
		t.Errorf("index searched scopes %v; want the request's", idx.scopes)
	}
	// The embedded text is the question without its time expression: no
	// hit outside the week.
	for _, h := range res.Hits {
		if h.Article.PublishedAt.Before(res.Range.From) {
			t.Errorf("hit %q published %v, before the range", h.Article.Title, h.Article.PublishedAt)
		}
	}
}

func TestHybridFallsBackToLexical(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	q := Request{Question: "Harbour Bridge cables", AsOf: testAsOf}
	want, err := New(f.store, f.store, Options{}).Retrieve(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		emb  *conceptEmbedder
	}{
		{"endpoint error", &conceptEmbedder{err: errors.New("status 500")}},
		{"timeout", &conceptEmbedder{block: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			r := New(f.store, f.store, Options{Vectors: &Vectors{Embedder: tc.emb, Index: newMemIndex(f.store, newConceptEmbedder()),
				Timeout: 50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))}})
			got, err := r.Retrieve(ctx, q)
			if err != nil {
				t.Fatalf("Retrieve = %v; want the lexical result", err)
			}
			if !slices.Equal(hitPassages(got.Hits), hitPassages(want.Hits)) || got.Confidence != want.Confidence {
				t.Errorf("Retrieve = %v (%.2f); want the lexical %v (%.2f)", hitPassages(got.Hits), got.Confidence, hitPassages(want.Hits), want.Confidence)
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "lexical search only") {
				t.Errorf("log = %q; want a warning", logs.String())
			}
		})
	}
}

func TestHybridOffWithoutTerms(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	emb := newConceptEmbedder()
	r := New(f.store, f.store, Options{Vectors: &Vectors{Embedder: emb, Index: newMemIndex(f.store, emb)}})
	res, err := r.Retrieve(context.Background(), Request{Question: "What happened this week?", AsOf: testAsOf})
	if err != nil || len(res.Hits) != 0 {
		t.Errorf("Retrieve(no terms) = %v, %v; want no hits", res.Hits, err)
	}
	if emb.calls != 0 {
		t.Errorf("embedder called %d times for a question without terms", emb.calls)
	}
}

func hitPassages(hits []corpus.Hit) []int64 {
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.Passage.ID
	}
	return out
}
