package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Article length in words. News articles cluster around 300 words with a
// long tail, so the target of each is drawn from a log-normal distribution
// (median 265; with the overshoot of the last sentence the mean is about 300) and redrawn until it falls in
// [minWords, maxWords].
const (
	minWords     = 150
	maxWords     = 600
	medianWords  = 265
	sigmaWords   = 0.4
	minParagraph = 2 // sentences
	maxParagraph = 5
	// stayInSource is the chance that the next paragraph continues the
	// source article of the previous one: articles then read as a few
	// coherent stretches (realistic term co-occurrence for BM25) while
	// mixing sources keeps every body new.
	stayInSource = 0.5
	// leadStart is the chance that an article opens at the first
	// sentence of a source article, which reads like a lead.
	leadStart = 0.5
	// maxAttempts bounds the draws for one unique article; needing more
	// means the pool is nearly exhausted.
	maxAttempts = 1000
	// maxSteps bounds the sentences looked at for one draw, so a pool
	// smaller than one article fails instead of looping.
	maxSteps = 100_000
	// span is how far back the publication dates go from the end date.
	spanYears = 2
)

// outlets are the invented outlets articles are credited to, most
// prolific first; the share of each falls as 1/rank, as real corpora are
// dominated by a few big outlets. A read-only table.
var outlets = []string{
	"Harbor Daily", "The Morning Ledger", "Capital Wire", "Northern Courier",
	"Metro Tribune", "Global Dispatch", "Riverside Post", "The Plains Herald",
	"Coastline News", "Summit Gazette", "The Valley Chronicle", "Eastern Bulletin",
	"Lakeside Observer", "The Frontier Times", "Midland Report", "Bay Area Sentinel",
}

// genArticle is one output record, in the fields corpus's JSON readers
// accept.
type genArticle struct {
	Title       string `json:"title"`
	Body        string `json:"body"`
	URL         string `json:"url"`
	PublishedAt string `json:"published_at"`
	Source      string `json:"source"`
}

// generator draws articles from a pool. It is deterministic: the same
// pool, seed and end date give the same articles in the same order.
type generator struct {
	pool      *pool
	rng       *rand.Rand
	seed      uint64
	start     time.Time
	spanSecs  int64
	outletCum []float64           // cumulative 1/rank weights of outlets
	made      map[uint64]struct{} // keys of the bodies written
	// inOrder, when > 0, is the number of articles whose dates rise
	// through the span in the order written (-date-order).
	inOrder int
	count   int
	words   int // of the last article drawn

	// scratch of one article
	picked   []int32
	paraEnds []int
	b        strings.Builder
}

func newGenerator(p *pool, seed uint64, end time.Time) *generator {
	start := end.AddDate(-spanYears, 0, 0)
	g := &generator{
		pool:     p,
		rng:      rand.New(rand.NewPCG(seed, 0x6e657773626f74)), // second word: any constant
		seed:     seed,
		start:    start,
		spanSecs: int64(end.Sub(start) / time.Second),
		made:     make(map[uint64]struct{}),
	}
	var sum float64
	for i := range outlets {
		sum += 1 / float64(i+1)
		g.outletCum = append(g.outletCum, sum)
	}
	return g
}

// next returns the next article. It fails with errTooFewSentences when
// maxAttempts draws in a row only repeat bodies already made.
func (g *generator) next() (genArticle, error) {
	for range maxAttempts {
		if !g.draw() {
			return genArticle{}, errTooFewSentences
		}
		key := g.key()
		if _, dup := g.made[key]; dup {
			continue
		}
		g.made[key] = struct{}{}
		g.count++
		return g.render(), nil
	}
	return genArticle{}, errTooFewSentences
}

// targetWords draws an article length.
func (g *generator) targetWords() int {
	for {
		w := int(math.Round(medianWords * math.Exp(sigmaWords*g.rng.NormFloat64())))
		if w >= minWords && w <= maxWords {
			return w
		}
	}
}

// randomPosition picks a sentence uniformly (so long source articles weigh
// by their length) and returns its article; with lead set, the article's
// first sentence instead.
func (g *generator) randomPosition(lead bool) (doc, pos int) {
	s := g.rng.IntN(len(g.pool.sentences))
	doc = sort.Search(len(g.pool.docs), func(d int) bool { return int(g.pool.docs[d]) > s }) - 1
	if lead {
		return doc, int(g.pool.docs[doc])
	}
	return doc, s
}

// draw fills picked and paraEnds with one article's sentences: paragraphs
// of minParagraph to maxParagraph sentences, each a run of consecutive
// sentences of a source article, until the target length is reached. It
// reports false when the pool cannot fill even one article.
func (g *generator) draw() bool {
	g.picked, g.paraEnds = g.picked[:0], g.paraEnds[:0]
	target := g.targetWords()
	doc, pos := g.randomPosition(g.rng.Float64() < leadStart)
	words, steps := 0, 0
	for words < target {
		if len(g.paraEnds) > 0 && g.rng.Float64() >= stayInSource {
			doc, pos = g.randomPosition(false)
		}
		want := minParagraph + g.rng.IntN(maxParagraph-minParagraph+1)
		inPara := 0
		for inPara < want {
			if steps++; steps > maxSteps {
				return false
			}
			if pos >= g.pool.docEnd(doc) {
				doc, pos = g.randomPosition(false)
			}
			s := int32(pos)
			pos++
			if g.isPicked(s) {
				continue
			}
			w := int(g.pool.words[s])
			if words+w > maxWords {
				if words >= minWords {
					target = words // full: end the article here
					break
				}
				continue // too long for what is left; try the next one
			}
			g.picked = append(g.picked, s)
			words += w
			inPara++
			if words >= target && inPara >= minParagraph {
				break
			}
		}
		if inPara > 0 {
			g.paraEnds = append(g.paraEnds, len(g.picked))
		}
	}
	g.words = words
	return true
}

// isPicked reports whether the article already holds sentence s: a
// repeated sentence would be a repeated paragraph, which the store drops.
func (g *generator) isPicked(s int32) bool {
	for _, p := range g.picked {
		if p == s {
			return true
		}
	}
	return false
}

// key identifies a body by its sentences (FNV-1a over their indices). The
// pool holds no two sentences with the same content hash, so different
// keys mean different bodies for the store; a key collision only costs a
// redraw.
func (g *generator) key() uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, s := range g.picked {
		for shift := 0; shift < 32; shift += 8 {
			h ^= uint64(byte(s >> shift))
			h *= prime
		}
	}
	return h
}

// render turns the drawn sentences into an article.
func (g *generator) render() genArticle {
	g.b.Reset()
	from := 0
	for i, end := range g.paraEnds {
		if i > 0 {
			g.b.WriteString("\n\n")
		}
		for j, s := range g.picked[from:end] {
			if j > 0 {
				g.b.WriteByte(' ')
			}
			g.b.WriteString(g.pool.sentences[s])
		}
		from = end
	}
	title := headline(g.pool.sentences[g.picked[0]], 6+g.rng.IntN(7))
	off := g.rng.Int64N(g.spanSecs)
	if g.inOrder > 0 {
		// Article k of n falls in the k-th n-th of the span, at the
		// place the same draw gives: the corpus differs from the
		// unordered one of its seed in its dates (and URLs) only.
		off = (int64(g.count-1)*g.spanSecs + off) / int64(g.inOrder)
	}
	published := g.start.Add(time.Duration(off) * time.Second)
	outlet := sort.SearchFloat64s(g.outletCum, g.rng.Float64()*g.outletCum[len(g.outletCum)-1])
	return genArticle{
		Title: title,
		Body:  g.b.String(),
		// The running number makes the URL unique; the seed keeps corpora
		// of different seeds apart when both are ingested.
		URL: fmt.Sprintf("https://gen.invalid/s%d/%s/%07d-%s",
			g.seed, published.Format("2006/01/02"), g.count, slug(title)),
		PublishedAt: published.Format(time.RFC3339),
		Source:      outlets[min(outlet, len(outlets)-1)],
	}
}

// headline is the first n words of a sentence without trailing
// punctuation.
func headline(sentence string, n int) string {
	words := strings.Fields(sentence)
	words = words[:min(n, len(words))]
	return strings.TrimRightFunc(strings.Join(words, " "), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' && r != '"' && r != '”'
	})
}

// maxSlugWords keeps URLs of a readable length.
const maxSlugWords = 6

// slug is the URL form of a title: lower-case ASCII letters and digits,
// words joined by "-".
func slug(title string) string {
	var words []string
	for _, w := range strings.Fields(strings.ToLower(title)) {
		w = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, w)
		if w != "" {
			words = append(words, w)
		}
		if len(words) == maxSlugWords {
			break
		}
	}
	if len(words) == 0 {
		return "article"
	}
	return strings.Join(words, "-")
}
