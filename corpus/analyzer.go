package corpus

import (
	"sync"

	"github.com/kljensen/snowball/english"
)

// maxCachedStems bounds an Analyzer's cache: a news corpus keeps coining
// words (names, typos), and 200,000 entries (about 10 MB) hold the
// vocabulary that makes up nearly all running text.
const maxCachedStems = 200_000

// Analyzer is Terms and QueryTerms with a cache of stems. Stemming is most
// of the cost of analysing text (about 70% of Terms), and running text
// repeats a small vocabulary, so bulk ingest and every question analyse
// through one. It gives exactly what Terms and QueryTerms give. The zero
// value is ready to use; it is safe for concurrent use.
type Analyzer struct {
	mu    sync.RWMutex
	stems map[string]string
}

// Terms is corpus.Terms, cached.
func (a *Analyzer) Terms(text string) []string {
	var out []string
	forEachWord(text, func(w string) {
		out = append(out, a.stem(w))
	})
	return out
}

// QueryTerms is corpus.QueryTerms, cached.
func (a *Analyzer) QueryTerms(text string) []string {
	seen := make(map[string]bool)
	var out []string
	forEachWord(text, func(w string) {
		if english.IsStopWord(w) {
			return
		}
		t := a.stem(w)
		if t == "" || seen[t] {
			return
		}
		seen[t] = true
		out = append(out, t)
	})
	return out
}

// stem is stemWord through the cache.
func (a *Analyzer) stem(w string) string {
	a.mu.RLock()
	s, ok := a.stems[w]
	a.mu.RUnlock()
	if ok {
		return s
	}
	s = stemWord(w)
	a.mu.Lock()
	if a.stems == nil {
		a.stems = make(map[string]string)
	}
	if len(a.stems) < maxCachedStems {
		a.stems[w] = s
	}
	a.mu.Unlock()
	return s
}
