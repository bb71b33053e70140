package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/stories"
	"github.com/newsbot/newsbot/retrieval/eval"
)

// articleGetter reads a stored article by its canonical URL; it returns
// an error wrapping corpus.ErrNotFound when there is none (both stores'
// GetByURL do).
type articleGetter interface {
	GetByURL(ctx context.Context, url string) (*corpus.Article, error)
}

// fingerprintJudge is eval's CopyJudge: it judges copies as the story grouping does
// (corpus/stories: MinHash containment of the whole articles' shingles,
// Fingerprint.Copies), independently of the passage test retrieval uses
// to collapse copies, so the metric is not the retriever grading itself.
// Fingerprints are cached by URL; it is safe for concurrent use.
type fingerprintJudge struct {
	Articles articleGetter

	mu     sync.Mutex
	fp     stories.Fingerprinter
	prints map[string]*stories.Fingerprint // nil: no such article
}

var _ eval.CopyJudge = (*fingerprintJudge)(nil)

// Copies implements eval.CopyJudge. An article that is not stored (a URL of
// another corpus) is a copy of nothing.
func (j *fingerprintJudge) Copies(ctx context.Context, urlA, urlB string) (bool, error) {
	a, err := j.print(ctx, urlA)
	if err != nil || a == nil {
		return false, err
	}
	b, err := j.print(ctx, urlB)
	if err != nil || b == nil {
		return false, err
	}
	return a.Copies(b), nil
}

// print returns the fingerprint of the article at url, nil when none.
func (j *fingerprintJudge) print(ctx context.Context, url string) (*stories.Fingerprint, error) {
	j.mu.Lock()
	f, ok := j.prints[url]
	j.mu.Unlock()
	if ok {
		return f, nil
	}
	a, err := j.Articles.GetByURL(ctx, url)
	switch {
	case errors.Is(err, corpus.ErrNotFound):
		f = nil
	case err != nil:
		return nil, fmt.Errorf("fingerprint %s: %w", url, err)
	default:
		fp := j.fp.Fingerprint(a)
		f = &fp
	}
	j.mu.Lock()
	if j.prints == nil {
		j.prints = make(map[string]*stories.Fingerprint)
	}
	j.prints[url] = f
	j.mu.Unlock()
	return f, nil
}
