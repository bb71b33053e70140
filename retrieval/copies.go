package retrieval

import (
	"slices"
	"unicode"

	"github.com/newsbot/newsbot/corpus"
)

// Copies of one wire story (the same agency text in five outlets) are
// collapsed to one hit: the five would otherwise take five of the top
// slots with one report, and crowd out every other source.
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

// shingles is the sorted, distinct shingle hashes of a text.
type shingles []uint64

// shinglesOf hashes the text's runs of copyShingle words, words being
// runs of letters and digits, lower-cased. No stemming or stop words:
// copies share the words themselves, and this is a fraction of the cost
// of the analyser.
func shinglesOf(text string) shingles {
	const (
		offset = 14695981039346656037 // FNV-1a
		prime  = 1099511628211
	)
	out := make(shingles, 0, len(text)/6)
	var last [copyShingle]uint64 // hashes of the last words, a ring
	n := 0
	h, in := uint64(offset), false
	word := func() {
		last[n%copyShingle] = h
		n++
		if n >= copyShingle {
			var s uint64
			for i := range copyShingle {
				// Order matters: rotate by position in the shingle.
				w := last[(n-copyShingle+i)%copyShingle]
				s = s*0x9e3779b97f4a7c15 + w
			}
			out = append(out, mix64(s))
		}
		h, in = offset, false
	}
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			r = unicode.ToLower(r)
			h = (h ^ uint64(r)) * prime
			in = true
		} else if in {
			word()
		}
	}
	if in {
		word()
	}
	slices.Sort(out)
	return slices.Compact(out)
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
// text: both long enough, and the smaller mostly in the larger.
func (a shingles) copies(b shingles) bool {
	if len(a) < minCopyShingles || len(b) < minCopyShingles {
		return false
	}
	small := min(len(a), len(b))
	need := int(copyContainment*float64(small) + 0.999999)
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
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
		if common+min(len(a)-i, len(b)-j) < need {
			return false
		}
	}
	return common >= need
}

// copyCollapser keeps the hits of a ranking that are not copies of a
// better-ranked hit's article, and records the copies on the hits kept.
// Of two copies, the article ranked first is kept: its passage is the one
// that matches the question best, so a copy trimmed of the paragraph
// asked about is never preferred to one that holds it; copies' texts are
// otherwise the same, and the one ranked first also leads the answer.
//
// Two articles are copies when a passage of one is a copy of a passage of
// the other: their best passages need not be the same part of the story,
// so each new hit is compared with every kept hit, and a later passage
// can show that two articles already kept are copies (the later one then
// gives up its slots).
type copyCollapser struct {
	kept   []corpus.Hit
	sets   []shingles     // shingles of kept[i]'s passage
	copies map[int64]bool // articles found to be copies of a kept one
}

// isCopy reports whether article id is already known as a copy, so its
// other passages need not be read.
func (c *copyCollapser) isCopy(id int64) bool { return c.copies[id] }

// add offers the next hit in rank order (hydrated, with its text) and
// reports whether it was kept. It is kept unless its article is a copy of
// a better-ranked kept article, by its text or by the Copies either
// already lists (a question's parts are collapsed each, then merged);
// then its article is listed in the Copies of the kept article's hits.
func (c *copyCollapser) add(h corpus.Hit) bool {
	if c.isCopy(h.Article.ID) {
		return false
	}
	s := shinglesOf(h.Passage.Text)
	for {
		i := c.copyOf(h, s)
		if i < 0 {
			break
		}
		other := c.kept[i].Article.ID
		if mine := c.first(h.Article.ID); mine < 0 || c.first(other) < mine {
			c.drop(h.Article, other, h.Copies)
			return false
		}
		// h's article was kept first: the other is the later copy.
		c.drop(c.kept[i].Article, h.Article.ID, nil)
	}
	for _, k := range c.kept {
		if k.Article.ID == h.Article.ID {
			for _, ref := range k.Copies {
				if !listed(h.Copies, ref.ArticleID) {
					h.Copies = append(h.Copies, ref)
				}
			}
		}
	}
	c.kept = append(c.kept, h)
	c.sets = append(c.sets, s)
	return true
}

// copyOf returns the index of a kept hit of another article that h (with
// shingles s) is a copy of, or -1.
func (c *copyCollapser) copyOf(h corpus.Hit, s shingles) int {
	for i, k := range c.kept {
		if k.Article.ID == h.Article.ID {
			continue
		}
		if listed(k.Copies, h.Article.ID) || listed(h.Copies, k.Article.ID) || s.copies(c.sets[i]) {
			return i
		}
	}
	return -1
}

// first returns the index of the first kept hit of article id, or -1.
func (c *copyCollapser) first(id int64) int {
	return slices.IndexFunc(c.kept, func(k corpus.Hit) bool { return k.Article.ID == id })
}

// drop records article loser as a copy of the kept article winner: its
// hits leave the kept ones, and it and the copies it carried (extra, and
// those listed on its kept hits) join the Copies of winner's kept hits.
func (c *copyCollapser) drop(loser corpus.Article, winner int64, extra []corpus.CopyRef) {
	if c.copies == nil {
		c.copies = make(map[int64]bool)
	}
	c.copies[loser.ID] = true
	refs := append([]corpus.CopyRef{corpus.CopyRefOf(loser)}, extra...)
	kept, sets := c.kept[:0], c.sets[:0]
	for i, k := range c.kept {
		if k.Article.ID != loser.ID {
			kept, sets = append(kept, k), append(sets, c.sets[i])
			continue
		}
		refs = append(refs, k.Copies...)
	}
	clear(c.kept[len(kept):len(c.kept)])
	c.kept, c.sets = kept, sets
	for i := range c.kept {
		if c.kept[i].Article.ID != winner {
			continue
		}
		for _, r := range refs {
			if r.ArticleID != winner && !listed(c.kept[i].Copies, r.ArticleID) {
				c.kept[i].Copies = append(c.kept[i].Copies, r)
			}
		}
	}
}

// listed reports whether refs names article id.
func listed(refs []corpus.CopyRef, id int64) bool {
	return slices.ContainsFunc(refs, func(r corpus.CopyRef) bool { return r.ArticleID == id })
}
