package corpus

import (
	"fmt"
	"runtime"
	"sync"
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
	// folds holds *[]byte buffers for AppendTerms's folded text, so bulk
	// ingest does not allocate one per passage.
	folds sync.Pool
}

// AppendTerms appends the Terms of text to dst, joined by single spaces
// (what strings.Join(a.Terms(text), " ") gives), and returns the extended
// buffer. It is what the store keeps of a text, and makes it without the
// slices of spans and terms Terms needs: bulk ingest allocated 2.5 bytes
// of those per byte of text, then joined them. Words are looked up under
// one read lock; a word missing from the cache (rare once the vocabulary
// is cached) drops the lock while it is stemmed and added.
func (a *Analyzer) AppendTerms(dst []byte, text string) []byte {
	bp, _ := a.folds.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	folded := appendFold((*bp)[:0], text)
	n := 0 // terms appended
	a.mu.RLock()
	forEachWord(folded, func(start, end int) {
		s, ok := a.stems[string(folded[start:end])] // no allocation: Go converts in the index expression
		if !ok {
			a.mu.RUnlock()
			s = a.stem(string(folded[start:end]))
			a.mu.RLock()
		}
		if n > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, s...)
		n++
	})
	a.mu.RUnlock()
	*bp = folded
	a.folds.Put(bp)
	return dst
}

// Terms is corpus.Terms, cached. All the words of text are looked up under
// one read lock, not one lock each, because with several cores analysing
// at once the lock's shared counter costs more than a lookup; only the
// words missing from the cache are stemmed, then added under one write
// lock.
func (a *Analyzer) Terms(text string) []string {
	folded := appendFold(make([]byte, 0, len(text)+16), text)
	// spans holds the start and end in folded of each word; news text
	// has a word every six or seven bytes, so it seldom grows.
	spans := make([]int, 0, len(folded)/3+2)
	forEachWord(folded, func(start, end int) {
		spans = append(spans, start, end)
	})
	if len(spans) == 0 {
		return nil
	}
	out := make([]string, len(spans)/2)
	var missed []int // indexes in out of the words not in the cache
	a.mu.RLock()
	for i := range out {
		w := folded[spans[2*i]:spans[2*i+1]]
		if s, ok := a.stems[string(w)]; ok { // no allocation: Go converts in the index expression
			out[i] = s
		} else {
			missed = append(missed, i)
		}
	}
	a.mu.RUnlock()
	if len(missed) == 0 {
		return out
	}
	words := make([]string, len(missed))
	for j, i := range missed {
		words[j] = string(folded[spans[2*i]:spans[2*i+1]])
		out[i] = stemWord(words[j])
	}
	a.mu.Lock()
	if a.stems == nil {
		a.stems = make(map[string]string)
	}
	for j, i := range missed {
		if len(a.stems) >= maxCachedStems {
			break
		}
		a.stems[words[j]] = out[i]
	}
	a.mu.Unlock()
	return out
}

// QueryTerms is corpus.QueryTerms, cached.
func (a *Analyzer) QueryTerms(text string) []string { return queryTerms(text, a.stem) }

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

// StoredTerms is what a store keeps of an article's analysis: its title's
// and each passage's Terms joined by single spaces (AppendTerms).
type StoredTerms struct {
	Title    string
	Passages []string
}

// ArticleTerms analyses an article's title and passages, through one
// buffer made big enough at once: terms are no longer than the text they
// come from, bar the rare letter that folds to several.
func (a *Analyzer) ArticleTerms(title string, ps []Passage) StoredTerms {
	n := len(title)
	for _, p := range ps {
		n = max(n, len(p.Text))
	}
	buf := a.AppendTerms(make([]byte, 0, n+16), title)
	t := StoredTerms{Title: string(buf), Passages: make([]string, len(ps))}
	for i, p := range ps {
		buf = a.AppendTerms(buf[:0], p.Text)
		t.Passages[i] = string(buf)
	}
	return t
}

// CheckBatchTerms checks that terms holds analysed text for the articles
// of as a store's AddAnalysedBatch is about to write (those whose errs[i]
// is nil): one StoredTerms an article, one string a passage. A mismatch is
// the caller's mistake, and storing it would index the wrong text.
func CheckBatchTerms(as []*Article, errs []error, terms []StoredTerms) error {
	if len(terms) != len(as) {
		return fmt.Errorf("%d analysed articles for %d articles", len(terms), len(as))
	}
	for i, a := range as {
		if errs[i] == nil && len(terms[i].Passages) != len(a.Passages) {
			return fmt.Errorf("article %d: %d analysed passages for %d passages", i, len(terms[i].Passages), len(a.Passages))
		}
	}
	return nil
}

// ArticlesTerms analyses the articles whose errs[i] is nil on every core,
// as bulk ingest needs before its write transaction; the others are left
// zero.
func (a *Analyzer) ArticlesTerms(as []*Article, errs []error) []StoredTerms {
	out := make([]StoredTerms, len(as))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(as)) {
		wg.Go(func() {
			for i := range next {
				out[i] = a.ArticleTerms(as[i].Title, as[i].Passages)
			}
		})
	}
	for i := range as {
		if errs[i] == nil {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	return out
}
