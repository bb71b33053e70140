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

// copyCollapser keeps the hits of a ranking whose passage is not a copy
// of a better-ranked hit's passage of another article, and lists the
// articles of the copies dropped in the Copies of the hit they copy.
//
// The unit is the passage, not the whole article: a passage is dropped
// only when its text is already in the top hits, so nothing is lost. The
// other passages of a copy's article stay eligible, because an article
// that shares one passage with another is often an update of it (the
// next day's report reusing the first's background paragraphs) that adds
// the news: dropping such articles whole lost the answer of two RealTime
// QA questions the passages kept (docs/EVAL.md). A verbatim wire copy
// loses every passage the question ranks near its original's, so its
// copies still take no slot a second time.
//
// Of two copies the passage ranked first is kept: it is the one that
// matches the question best (a copy trimmed of the words asked about
// never outranks one that holds them), and it leads the answer.
type copyCollapser struct {
	kept []corpus.Hit
	sets []shingles // shingles of kept[i]'s passage
}

// add offers the next hit in rank order (hydrated, with its text) and
// reports whether it was kept: it is not when its passage is a copy of a
// kept passage of another article; its article is then listed in the
// Copies of that article's kept hits.
func (c *copyCollapser) add(h corpus.Hit) bool {
	s := shinglesOf(h.Passage.Text)
	for i, k := range c.kept {
		if k.Article.ID == h.Article.ID || !s.copies(c.sets[i]) {
			continue
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
	return true
}

// listed reports whether refs names article id.
func listed(refs []corpus.CopyRef, id int64) bool {
	return slices.ContainsFunc(refs, func(r corpus.CopyRef) bool { return r.ArticleID == id })
}
