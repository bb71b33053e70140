package retrieval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// Hybrid retrieval: when Options.Vectors is set, Retrieve also embeds the
// question (its time expressions removed, as for the lexical terms) while
// the lexical search runs, asks the vector index for the nearest passages
// under the same scope and date filter, and fuses the two rankings by
// reciprocal rank fusion before the recency prior, the per-article cap and
// the top K. The confidence is computed as without vectors, from the
// question's terms in the final hits: a passage found only by meaning (no
// shared words) ranks, but does not by itself make the bot confident.
//
// The vector side never fails a question: an embedding or index error, or
// an endpoint slower than Vectors.Timeout, logs a warning and the question
// is answered from the lexical ranking alone.

// Embedder computes unit-length embeddings; bot/llm.EmbedClient is one.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// VectorSearcher finds the passages nearest to a vector;
// retrieval/index.Vectors is one.
type VectorSearcher interface {
	// Search returns up to k passages, best first, with Score the cosine
	// similarity, from articles in scopes (GlobalScope when empty) that
	// pass pub, like Searcher.Search. Hits need carry only ids, the
	// article's scope and published time, and the score: the Hydrator
	// fills in the rest.
	Search(ctx context.Context, vec []float32, k int, scopes []string, pub corpus.Published) ([]corpus.Hit, error)
}

// Vectors configures hybrid retrieval. Embedder and Index must use the
// same embedding model.
type Vectors struct {
	Embedder Embedder
	Index    VectorSearcher
	// Timeout bounds embedding the question and searching the index;
	// <= 0 means DefaultVectorTimeout.
	Timeout time.Duration
	// Candidates is how many vector hits are fused; <= 0 means
	// Options.Candidates.
	Candidates int
	Logger     *slog.Logger // nil discards the fallback warnings
}

// DefaultVectorTimeout bounds the vector side of a question: an embedding
// takes well under a second, and a question must not wait on a slow
// endpoint when the lexical answer is ready.
const DefaultVectorTimeout = 3 * time.Second

// rrfK is the k of reciprocal rank fusion, score = sum of 1/(rrfK + rank):
// the value of the original paper (Cormack et al. 2009), which damps the
// difference between the first few ranks of either list so that a passage
// both rankings place well beats one that only one ranking places first.
const rrfK = 60

// vectorSearch is the vector side of one question, running concurrently
// with the lexical search. A nil *vectorSearch (hybrid retrieval off)
// leaves the lexical ranking unchanged.
type vectorSearch struct {
	done    chan vectorResult
	timeout *time.Timer // fuse waits no longer, even for an index that ignores its context
	log     *slog.Logger
}

type vectorResult struct {
	hits []corpus.Hit
	err  error
}

// searchVectors starts the vector search for text (the question without
// its time expressions) within pub and scopes, or returns nil when hybrid
// retrieval is off or text is blank.
func (r *Retriever) searchVectors(ctx context.Context, text string, pub corpus.Published, scopes []string) *vectorSearch {
	v := r.opt.Vectors
	if v == nil || v.Embedder == nil || v.Index == nil || len(QueryTermsFor(text)) == 0 {
		return nil
	}
	timeout := v.Timeout
	if timeout <= 0 {
		timeout = DefaultVectorTimeout
	}
	k := v.Candidates
	if k <= 0 {
		k = r.opt.Candidates
	}
	log := v.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	vs := &vectorSearch{done: make(chan vectorResult, 1), timeout: time.NewTimer(timeout), log: log}
	go func() {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		vecs, err := v.Embedder.Embed(ctx, []string{text})
		if err == nil && len(vecs) != 1 {
			err = fmt.Errorf("%d vectors for one question", len(vecs))
		}
		if err != nil {
			vs.done <- vectorResult{err: fmt.Errorf("embed question: %w", err)}
			return
		}
		hits, err := v.Index.Search(ctx, vecs[0], k, scopes, pub)
		if err != nil {
			err = fmt.Errorf("vector search: %w", err)
		}
		vs.done <- vectorResult{hits: hits, err: err}
	}()
	return vs
}

// fuse waits for the vector hits and merges them into the lexical
// candidates (scored by passage id, order their first-seen order): it adds
// the passages only the vectors found and returns the ids in fused order,
// with scores rewritten as described at fusedScores. On a vector failure
// it logs a warning and returns order unchanged.
func (vs *vectorSearch) fuse(ctx context.Context, scored map[int64]*corpus.Hit, order []int64) []int64 {
	if vs == nil {
		return order
	}
	defer vs.timeout.Stop()
	var res vectorResult
	select {
	case res = <-vs.done:
	case <-vs.timeout.C:
		res.err = errors.New("vector search timed out")
	}
	if res.err != nil {
		vs.log.WarnContext(ctx, "vector retrieval failed, answering from lexical search only", "err", res.err)
		return order
	}
	lexical := append([]int64(nil), order...)
	sort.SliceStable(lexical, func(i, j int) bool { return scored[lexical[i]].Score > scored[lexical[j]].Score })
	vector := make([]int64, 0, len(res.hits))
	vecScore := make(map[int64]float64, len(res.hits))
	for _, h := range res.hits {
		id := h.Passage.ID
		if _, dup := vecScore[id]; dup {
			continue
		}
		vecScore[id] = h.Score
		vector = append(vector, id)
		if _, ok := scored[id]; !ok {
			h := h
			scored[id] = &h
		}
	}
	fused := rrf(lexical, vector)
	scores := fusedScores(lexical, fused, scored, vecScore)
	for i, id := range fused {
		scored[id].Score = scores[i]
	}
	return fused
}

// rrf fuses rankings (ids best first) by reciprocal rank fusion: each id
// scores the sum over the rankings that hold it of 1/(rrfK + rank), rank
// 1-based. Ties keep the order of first appearance, lists in order.
func rrf(rankings ...[]int64) []int64 {
	score := make(map[int64]float64)
	var ids []int64
	for _, ranking := range rankings {
		for i, id := range ranking {
			if _, ok := score[id]; !ok {
				ids = append(ids, id)
			}
			score[id] += 1 / float64(rrfK+i+1)
		}
	}
	sort.SliceStable(ids, func(i, j int) bool { return score[ids[i]] > score[ids[j]] })
	return ids
}

// fusedScores gives the fused ranking the scores of the lexical ranking by
// position: the i-th fused passage gets the i-th best lexical score, and
// those past the lexical list's length the last lexical score times
// len(lexical)/(i+1). RRF scores are nearly flat (1/61 against 1/62), so
// multiplying them by the recency prior would let a fresh story jump far up
// the ranking; on the lexical scale the prior stays the mild tie-breaker it
// is without vectors, and score ratios between hits (which the bot's topic
// listing compares) keep their meaning. With no lexical hit at all the
// scores are the vector similarities.
func fusedScores(lexical, fused []int64, scored map[int64]*corpus.Hit, vecScore map[int64]float64) []float64 {
	out := make([]float64, len(fused))
	if len(lexical) == 0 {
		for i, id := range fused {
			out[i] = vecScore[id]
		}
		return out
	}
	profile := make([]float64, len(lexical))
	for i, id := range lexical {
		profile[i] = scored[id].Score
	}
	last := profile[len(profile)-1]
	for i := range fused {
		if i < len(profile) {
			out[i] = profile[i]
		} else {
			out[i] = last * float64(len(profile)) / float64(i+1)
		}
	}
	return out
}
