package retrieval

import (
	"math/bits"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/corpus"
)

// Copies of one wire story (the same agency text in five outlets) are
// collapsed to one hit per passage of text: the five would otherwise take
// five of the top slots with one report, and crowd out every other
// source.
//
// The test is on the candidates' passage text, not on the story grouping
// (corpus/stories): it holds for an article grouping has not reached yet
// (a feed item a second ago, an eval corpus that is never grouped), it
// needs nothing more from the store than the text hydrate reads anyway,
// and it is cheap: ~300-word passages, a dozen or two per question.

// copyShingle is the number of consecutive words of a shingle, as in
// corpus/stories: specific enough that two texts written apart share few
// of them, short enough that an edited word changes only three.
const copyShingle = 3

// copyContainment is the least share of the smaller passage's shingles
// the other must hold for the two passages to be copies. corpus/stories
// asks 0.7 of whole articles; passages need less, because two copies are
// chunked apart wherever one outlet added or cut a paragraph, so their
// passages are offset by up to a paragraph (~50 of ~300 words) on top
// of the edits. Reports of one event written apart share a quote or two:
// under 0.2 of a passage.
const copyContainment = 0.6

// minCopyShingles is the fewest distinct shingles a passage needs to be
// compared: a few lines share most of their shingles with any other few
// lines on the subject ("Reuters" footers, a one-sentence brief).
const minCopyShingles = 25

// copySample keeps one shingle in 1<<copySample: the shingles whose hash
// has that many leading zero bits. Two texts keep the same sample of the
// shingles they share, so containment is estimated on the sample (Broder's
// "mod m" sketch): a ~300-word passage keeps ~75 shingles, which puts the
// estimate within about ±0.06 of the exact share, four times less to sort
// and compare (measured: shingling was a sixth of Retrieve's time exactly).
const copySample = 2

// shingles is a passage's sampled shingle hashes, sorted and distinct,
// with the number of shingles sampled from.
type shingles struct {
	hashes []uint64
	total  int
}

// asciiFold maps an ASCII byte to itself lower-cased when it is a letter
// or a digit, and to 0 when it separates words. It is read only.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := range utf8.RuneSelf {
		switch {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			t[c] = byte(c)
		case 'A' <= c && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		}
	}
	return t
}()

// shinglesOf hashes the text's runs of copyShingle words (see
// eachShingle) and keeps a sample (see copySample). No stemming or stop
// words: copies share the words themselves, and this is a fraction of the
// cost of the analyser.
func shinglesOf(text string) shingles {
	var out shingles
	out.hashes = make([]uint64, 0, len(text)>>(5+copySample)+4)
	eachShingle(text, func(s uint64) {
		out.total++
		if s>>(64-copySample) == 0 {
			out.hashes = append(out.hashes, s)
		}
	})
	slices.Sort(out.hashes)
	out.hashes = slices.Compact(out.hashes)
	return out
}

// allShinglesOf is every shingle hash of text (see eachShingle), sorted
// and distinct: the exact set addsAsked looks sentences up in.
func allShinglesOf(text string) []uint64 {
	out := make([]uint64, 0, len(text)>>5+4)
	eachShingle(text, func(s uint64) { out = append(out, s) })
	slices.Sort(out)
	return slices.Compact(out)
}

// eachShingle calls fn with the hash of each run of copyShingle words of
// text, words being runs of letters and digits, lower-cased; a text of
// fewer words has one shingle, of all of them (hashed apart from any run
// of copyShingle, which has a word count of its own in the hash). A
// word's bytes are hashed by rotate-and-xor, one cycle a byte (ASCII,
// most news text, through a table), and mixed once at the word's end:
// FNV's multiply a byte made this four times slower.
func eachShingle(text string, fn func(uint64)) {
	var w1, w2 uint64 // the two words before the current one
	n := 0            // words so far
	var h uint64
	in := false
	end := func() {
		w := mix64(h)
		// A word ends: shingle it with the two before it. The
		// multiplier makes the order count.
		if n++; n >= copyShingle {
			fn(mix64((w1*0x9e3779b97f4a7c15+w2)*0x9e3779b97f4a7c15 + w))
		}
		w1, w2 = w2, w
		h, in = 0, false
	}
	for i := 0; i < len(text); {
		if b := text[i]; b < utf8.RuneSelf {
			i++
			if f := asciiFold[b]; f != 0 {
				h = bits.RotateLeft64(h, 7) ^ uint64(f)
				in = true
			} else if in {
				end()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			h = bits.RotateLeft64(h, 7) ^ uint64(unicode.ToLower(r))
			in = true
		} else if in {
			end()
		}
	}
	if in {
		end()
	}
	if n > 0 && n < copyShingle {
		fn(mix64((w1*0x9e3779b97f4a7c15+w2)*0x9e3779b97f4a7c15 + uint64(n)))
	}
}

// mix64 is SplitMix64's finaliser, spreading the combined word hashes.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// copies reports whether two passages' shingles are of copies of one
// text: both long enough, and the smaller mostly in the larger (as far as
// the samples tell).
func (a shingles) copies(b shingles) bool {
	if a.total < minCopyShingles || b.total < minCopyShingles {
		return false
	}
	x, y := a.hashes, b.hashes
	small := min(len(x), len(y))
	if small == 0 {
		return false
	}
	need := int(copyContainment*float64(small) + 0.999999)
	common := 0
	for i, j := 0, 0; i < len(x) && j < len(y); {
		switch {
		case x[i] < y[j]:
			i++
		case x[i] > y[j]:
			j++
		default:
			common++
			i++
			j++
		}
		// Stop as soon as the answer is known either way.
		if common >= need {
			return true
		}
		if common+min(len(x)-i, len(y)-j) < need {
			return false
		}
	}
	return common >= need
}

// copyCollapser keeps the hits of a ranking whose passage is not a copy
// of a better-ranked hit's passage of another article, and lists the
// articles of the copies dropped in the Copies of the hit they copy.
//
// The unit is the passage, not the whole article: a passage is dropped
// only when most of its text is already in the top hits. The other
// passages of a copy's article stay eligible, because an article that
// shares one passage with another is often an update of it (the next
// day's report reusing the first's background paragraphs) that adds the
// news: dropping such articles whole cost two RealTime QA questions their
// answer in the top 10 (docs/EVAL.md). A verbatim wire copy loses every
// passage the question ranks near its original's, so its text still
// takes no slot a second time.
//
// Of two copies the passage ranked first is kept: it is the one that
// matches the question best (a copy trimmed of the words asked about
// never outranks one that holds them), and it leads the answer. A copy
// ranked lower that holds all of its text and more takes its place (see
// fuller), unless it is an earlier version (see olderVersion): the answer
// cites the most complete copy.
//
// A lower-ranked copy is kept all the same when it adds a sentence on what
// was asked (see addsAsked): an outlet's later version of its own article
// shares most of its text with the first and differs in the news ("had
// not publicly commented" became the comment), and the question may be
// about the sentence that changed.
type copyCollapser struct {
	kept []corpus.Hit
	sets []shingles // shingles of kept[i]'s passage
	// all[i] is every shingle of kept[i]'s passage (allShinglesOf), nil
	// until addsAsked first needs it.
	all [][]uint64
	// asked are the terms the question asks about (analysed as
	// corpus.Terms), by their index in held; empty keeps no copy for what
	// it adds.
	asked map[string]int
	held  []bool           // scratch of addsAsked: the asked terms a sentence holds
	an    *corpus.Analyzer // analyses copies' sentences, its stems cached
}

// newCopyCollapser returns a collapser for a question asking about terms;
// an is the analyser whose stem cache it shares.
func newCopyCollapser(an *corpus.Analyzer, terms []string) copyCollapser {
	asked := make(map[string]int, len(terms))
	for _, t := range terms {
		if _, ok := asked[t]; !ok {
			asked[t] = len(asked)
		}
	}
	return copyCollapser{asked: asked, held: make([]bool, len(asked)), an: an}
}

// allOf returns every shingle of kept[i]'s passage, computed once.
func (c *copyCollapser) allOf(i int) []uint64 {
	if c.all[i] == nil {
		c.all[i] = allShinglesOf(c.kept[i].Passage.Text)
	}
	return c.all[i]
}

// add offers the next hit in rank order (hydrated, with its text) and
// reports whether it was kept: it is not when its passage is a copy of a
// kept passage of another article; its article is then listed in the
// Copies of that article's kept hits.
func (c *copyCollapser) add(h corpus.Hit) bool {
	// Appending to h's copies must not write into the caller's array.
	h.Copies = slices.Clip(h.Copies)
	s := shinglesOf(h.Passage.Text)
	var hAll []uint64 // every shingle of h, once needed
	for i, k := range c.kept {
		if k.Article.ID == h.Article.ID || !s.copies(c.sets[i]) || c.addsAsked(h.Passage.Text, c.allOf(i)) {
			continue
		}
		if s.fuller(c.sets[i]) && !olderVersion(h.Article, k.Article) {
			if hAll == nil {
				hAll = allShinglesOf(h.Passage.Text)
			}
			if !c.addsAsked(k.Passage.Text, hAll) {
				c.replace(i, h, s, hAll)
				return false
			}
		}
		// The copies h carries (a question's parts are collapsed each,
		// then merged) are copies of k's article too.
		refs := append([]corpus.CopyRef{corpus.CopyRefOf(h.Article)}, h.Copies...)
		for j := range c.kept {
			if c.kept[j].Article.ID != k.Article.ID {
				continue
			}
			for _, r := range refs {
				if r.ArticleID != k.Article.ID && !listed(c.kept[j].Copies, r.ArticleID) {
					c.kept[j].Copies = append(c.kept[j].Copies, r)
				}
			}
		}
		return false
	}
	for _, k := range c.kept {
		// Another passage of an article kept: it shares its copies.
		if k.Article.ID == h.Article.ID {
			for _, r := range k.Copies {
				if !listed(h.Copies, r.ArticleID) {
					h.Copies = append(h.Copies, r)
				}
			}
		}
	}
	c.kept = append(c.kept, h)
	c.sets = append(c.sets, s)
	c.all = append(c.all, hAll)
	return true
}

// fullerContainment is the least share of a kept passage's shingles a
// copy must hold to replace it as the more complete text (see fuller):
// all of it but an edited word or two and a dateline.
const fullerContainment = 0.9

// fullerLength is how much longer than a kept passage a copy must be to
// be the fuller text: a sentence or more (a tenth of a ~300-word
// passage), not another dateline or byline.
const fullerLength = 1.1

// fuller reports whether a is a fuller text of b: longer, and holding
// nearly all of b (as far as the samples tell). The wire's full story is
// then cited rather than an outlet's trimmed copy, which ranks first only
// because BM25 favours the shorter of two passages with the same words.
func (a shingles) fuller(b shingles) bool {
	if float64(a.total) < fullerLength*float64(b.total) || b.total < minCopyShingles || len(b.hashes) == 0 {
		return false
	}
	common := 0
	for i, j := 0, 0; i < len(a.hashes) && j < len(b.hashes); {
		switch {
		case a.hashes[i] < b.hashes[j]:
			i++
		case a.hashes[i] > b.hashes[j]:
			j++
		default:
			common++
			i++
			j++
		}
	}
	return float64(common) >= fullerContainment*float64(len(b.hashes))
}

// copyHours is how long copies of one wire story take to appear in its
// outlets: a fuller text published earlier than that before the kept one
// is an earlier version (the next day's report trimmed the background to
// make room for the news), and the newer is kept and cited.
const copyHours = 12 * time.Hour

// olderVersion reports whether a was published more than copyHours
// before b (both known).
func olderVersion(a, b corpus.Article) bool {
	return !a.PublishedAt.IsZero() && !b.PublishedAt.IsZero() && b.PublishedAt.Sub(a.PublishedAt) > copyHours
}

// replace puts h, a fuller copy of kept hit i (shingles s), in its place:
// the same rank and score, so the ranking is unchanged, but the answer
// cites the most complete copy and lists the replaced one among its
// copies. Other kept passages of either article list the other as a copy.
func (c *copyCollapser) replace(i int, h corpus.Hit, s shingles, all []uint64) {
	old := c.kept[i]
	h.Score = old.Score
	for _, r := range append([]corpus.CopyRef{corpus.CopyRefOf(old.Article)}, old.Copies...) {
		if r.ArticleID != h.Article.ID && !listed(h.Copies, r.ArticleID) {
			h.Copies = append(h.Copies, r)
		}
	}
	c.kept[i], c.sets[i], c.all[i] = h, s, all
	for j := range c.kept {
		var other corpus.Article
		switch c.kept[j].Article.ID {
		case old.Article.ID:
			other = h.Article
		case h.Article.ID:
			if j == i {
				continue
			}
			other = old.Article
		default:
			continue
		}
		if !listed(c.kept[j].Copies, other.ID) {
			c.kept[j].Copies = append(c.kept[j].Copies, corpus.CopyRefOf(other))
		}
	}
}

// listed reports whether refs names article id.
func listed(refs []corpus.CopyRef, id int64) bool {
	return slices.ContainsFunc(refs, func(r corpus.CopyRef) bool { return r.ArticleID == id })
}

// addsAsked reports whether text has a sentence that of lacks and that
// holds a term asked about: what a copy adds to the passage it copies,
// if it is on the question. of is the passage's shingles (allShinglesOf).
// A sentence is of's when most of its copyShingle-word shingles are in of
// (lower-cased words, as shinglesOf reads them), so a dateline or an
// edited word does not make it new. It runs only for passages found to
// be copies, a few per question.
func (c *copyCollapser) addsAsked(text string, of []uint64) bool {
	if len(c.asked) == 0 {
		return false
	}
	for _, sentence := range corpus.Sentences(text) {
		total, in := 0, 0
		eachShingle(sentence, func(s uint64) {
			total++
			if _, ok := slices.BinarySearch(of, s); ok {
				in++
			}
		})
		if float64(in) >= sentenceKnown*float64(total) {
			continue
		}
		held := 0
		clear(c.held)
		for _, t := range c.an.Terms(sentence) {
			if i, ok := c.asked[t]; ok && !c.held[i] {
				c.held[i] = true
				held++
			}
		}
		if held > 0 && float64(held) >= askedShare*float64(len(c.asked)) {
			return true
		}
	}
	return false
}

// askedShare is the least share of the asked terms a copy's own sentence
// must hold to keep the copy: one common word of the question ("said")
// in a footer or a local paragraph is not what was asked.
const askedShare = 0.5

// sentenceKnown is the share of a sentence's shingles a passage must
// hold for the sentence to be the passage's: a copy's sentence with
// another dateline or a word changed keeps most of them, a sentence
// rewritten with news keeps a few of its words' order at most.
const sentenceKnown = 0.5
