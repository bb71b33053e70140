package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/parse"
	"github.com/newsbot/newsbot/retrieval/eval"
)

// Sentence filter: a shorter "sentence" is mostly a caption, a byline or a
// site's boilerplate ("Advertisement", "Share this story"), a longer one a
// list or a table run together; neither reads like article prose.
const (
	minSentenceWords = 5
	maxSentenceWords = 80
)

// Source files inside the data folder, read in this order (and each glob
// in lexical order) so the pool is the same on every run: RealTime QA's
// retrieved articles (ReadGCS) and Reuters-21578 (the corpus JSON readers).
const (
	gcsGlob     = "realtimeqa/gcs_search_results_*.jsonl*"
	reutersGlob = "reuters-21578/*.jsonl*"
)

// pool holds the sentences of the source articles, each once, grouped by
// article in reading order so that a paragraph can be a run of consecutive
// sentences of one article.
type pool struct {
	sentences []string
	words     []uint8 // words of sentences[i], <= maxSentenceWords
	// docs[d] is the index of the first sentence of article d; article d
	// ends where d+1 starts (or at the end of sentences).
	docs []int32
	seen map[uint64]struct{} // content keys of the kept sentences
	// articles counts the source articles read, sentenceless ones included.
	articles int
}

// docEnd is one past the last sentence of article d.
func (p *pool) docEnd(d int) int {
	if d+1 < len(p.docs) {
		return int(p.docs[d+1])
	}
	return len(p.sentences)
}

// loadPool reads every source file under dir. It fails when dir is not a
// folder, when it holds none of the source files, or when a file cannot be
// read; it keeps going past a record the readers reject.
func loadPool(ctx context.Context, dir string) (*pool, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("data folder: %w (give the shared data with -data)", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("data folder %s is not a directory", dir)
	}
	gcs, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(gcsGlob)))
	if err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	reuters, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(reutersGlob)))
	if err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	if len(gcs)+len(reuters) == 0 {
		return nil, fmt.Errorf("data folder %s holds no source articles (want %s or %s)", dir, gcsGlob, reutersGlob)
	}
	p := &pool{seen: make(map[uint64]struct{})}
	seenURL := make(map[string]bool)
	for _, path := range gcs {
		// RealTime QA repeats an article for every question that found
		// it; one copy is enough.
		err := readGCS(ctx, path, func(a corpus.Article) error {
			if seenURL[a.URL] {
				return nil
			}
			seenURL[a.URL] = true
			p.add(corpus.NormalizeText(a.Body))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, path := range reuters {
		// ReadPath hands over prepared articles: Body is normalised.
		err := parse.Reader{}.ReadPath(ctx, path, func(a corpus.Article) error {
			p.add(a.Body)
			return nil
		}, nil)
		if err != nil {
			return nil, err
		}
	}
	p.seen = nil // only loading needs it
	if len(p.sentences) == 0 {
		return nil, fmt.Errorf("data folder %s: no usable sentence in %d articles", dir, p.articles)
	}
	return p, nil
}

// readGCS streams one RealTime QA retrieval file, gzipped or not.
func readGCS(ctx context.Context, path string, fn func(corpus.Article) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 256<<10)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	if err := eval.ReadGCS(ctx, r, fn); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// add splits a normalised body into sentences and keeps the usable ones
// not seen before, as one article.
func (p *pool) add(body string) {
	p.articles++
	start := len(p.sentences)
	for _, s := range corpus.Sentences(body) {
		n := len(strings.Fields(s))
		if n < minSentenceWords || n > maxSentenceWords || !prose(s) {
			continue
		}
		// The key is the store's own duplicate rule (ContentHash), so two
		// kept sentences never differ only by case, spacing or
		// punctuation.
		key := contentKey(s)
		if _, dup := p.seen[key]; dup {
			continue
		}
		p.seen[key] = struct{}{}
		p.sentences = append(p.sentences, s)
		p.words = append(p.words, uint8(n))
	}
	if len(p.sentences) > start {
		p.docs = append(p.docs, int32(start))
	}
}

// contentKey is the first 64 bits of corpus.ContentHash(s).
func contentKey(s string) uint64 {
	b, err := hex.DecodeString(corpus.ContentHash(s)[:16])
	if err != nil || len(b) != 8 {
		// ContentHash is hex by contract; fall back to a key that can
		// only cost a sentence, never a panic.
		return 0
	}
	var k uint64
	for _, c := range b {
		k = k<<8 | uint64(c)
	}
	return k
}

// prose reports whether s reads like a sentence of an article: it starts
// with a capital, a digit or a quote, ends with sentence punctuation, and
// holds no web address or e-mail (page furniture, not news).
func prose(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(first) && !unicode.IsDigit(first) && !strings.ContainsRune("\"“‘'", first) {
		return false
	}
	trimmed := strings.TrimRight(s, "\"”’')]")
	if trimmed == "" || !strings.ContainsAny(trimmed[len(trimmed)-1:], ".!?") {
		return false
	}
	lower := strings.ToLower(s)
	return !slices.ContainsFunc([]string{"http://", "https://", "www.", "@", ".com/"}, func(bad string) bool {
		return strings.Contains(lower, bad)
	})
}

// errTooFewSentences says the pool cannot make the unique articles asked.
var errTooFewSentences = errors.New("the data holds too few sentences for that many unique articles")
