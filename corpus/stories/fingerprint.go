package stories

import (
	"hash/fnv"

	"github.com/newsbot/newsbot/corpus"
)

// Near-duplicates are found with MinHash (Broder 1997) over word
// shingles, not SimHash. SimHash's one 64-bit word is tempting, but its
// Hamming distance is a coarse estimate: with the shingle cosine of two
// copies around 0.9 each bit differs with probability ~0.15, so the
// distance is 10 ± 3 bits, and in our fixtures three copies of one wire
// story (different headline, footer, one trimmed paragraph) landed at 12
// and 18 bits, where unrelated pairs begin. SimHash also cannot tell a
// trimmed copy (one outlet cuts the last paragraphs) from a different
// text. A MinHash of 128 slots estimates the shingle sets' Jaccard
// similarity within about ±0.04, and with the set sizes their
// containment, which is what decides a trimmed copy. It costs 512 bytes
// per article. No LSH band tables are kept: the candidates come from the
// full-text index, so signatures are only ever compared in pairs; bands
// (e.g. 32 of 4 slots) would be the way to find copies corpus-wide.

// shingleSize is the number of consecutive terms in a shingle: three-word
// shingles are specific enough that unrelated articles share few of them
// ("the prime minister" aside), short enough that an edited word changes
// only three.
const shingleSize = 3

// signatureSize is the number of MinHash slots: the standard error of a
// Jaccard estimate is sqrt(J(1-J)/k), 0.04 at J = 0.5 for k = 128.
const signatureSize = 128

// minShingles is the fewest distinct shingles an article needs for its
// fingerprint to mean anything: a few lines of text share most shingles
// with any other few lines on the same subject, so shorter texts are never
// called copies (the same-event test still applies to them).
const minShingles = 25

// CopyContainment is the least share of the shorter text's shingles that
// the longer text must hold for the two to be copies. Copies of one wire
// story differ by a headline, a dateline, a trimmed paragraph and the
// boilerplate that isBoilerplate missed: 0.85-0.95 of the shorter one's
// shingles are in the other. Two reports of one event written apart share
// a quote or two, under 0.2; 0.7 leaves room for a rewritten lead
// paragraph and for the estimate's error (about ±0.05 here).
const CopyContainment = 0.7

// Fingerprint is an article's MinHash signature over the distinct
// shingles of its title and body (boilerplate left out), with the number
// of shingles it was made from.
type Fingerprint struct {
	Signature [signatureSize]uint32
	Shingles  int
}

// Reliable reports whether the fingerprint was made from enough text to
// compare (see minShingles).
func (f *Fingerprint) Reliable() bool { return f.Shingles >= minShingles }

// Jaccard estimates the Jaccard similarity of the two shingle sets: the
// share of slots whose minimums agree.
func (f *Fingerprint) Jaccard(g *Fingerprint) float64 {
	if f.Shingles == 0 || g.Shingles == 0 {
		return 0
	}
	n := 0
	for i := range f.Signature {
		if f.Signature[i] == g.Signature[i] {
			n++
		}
	}
	return float64(n) / signatureSize
}

// Containment estimates the share of the smaller shingle set that the
// other holds: |A∩B| = J(|A|+|B|)/(1+J), over min(|A|, |B|).
func (f *Fingerprint) Containment(g *Fingerprint) float64 {
	j := f.Jaccard(g)
	if j == 0 {
		return 0
	}
	inter := j * float64(f.Shingles+g.Shingles) / (1 + j)
	return min(1, inter/float64(min(f.Shingles, g.Shingles)))
}

// Copies reports whether two fingerprints are of copies of one text:
// both reliable, and the shorter contained in the longer (see
// CopyContainment).
func (f *Fingerprint) Copies(g *Fingerprint) bool {
	return f.Reliable() && g.Reliable() && f.Containment(g) >= CopyContainment
}

// Fingerprinter makes fingerprints. The zero value is ready to use; it is
// safe for concurrent use.
type Fingerprinter struct {
	analyzer corpus.Analyzer
}

// Fingerprint returns the MinHash signature of an article. Shingles are
// counted once however often they occur, because scraped articles often
// repeat a paragraph. The title and each paragraph are shingled as runs
// of their own, so a headline rewritten by one outlet or a paragraph cut
// changes only its own shingles.
func (fp *Fingerprinter) Fingerprint(a *corpus.Article) Fingerprint {
	return fingerprint(analyse(&fp.analyzer, a))
}

// fingerprint is Fingerprint of an analysed article.
func fingerprint(t analysed) Fingerprint {
	var f Fingerprint
	for i := range f.Signature {
		f.Signature[i] = ^uint32(0)
	}
	seen := make(map[uint64]bool)
	add := func(terms []string) {
		for i := 0; i+shingleSize <= len(terms); i++ {
			h := shingleHash(terms[i : i+shingleSize])
			if seen[h] {
				continue
			}
			seen[h] = true
			for s := range f.Signature {
				// Slot s's hash function: the shingle's hash mixed with
				// the slot number, a cheap family that is independent
				// enough for MinHash (each slot is a fresh mix).
				v := uint32(mix(h + uint64(s)*0x9e3779b97f4a7c15))
				f.Signature[s] = min(f.Signature[s], v)
			}
		}
	}
	add(t.title)
	for _, p := range t.paragraphs {
		add(p)
	}
	f.Shingles = len(seen)
	return f
}

// shingleHash hashes a shingle with FNV-1a, then mixes it. The hash is
// fixed, not seeded per process, so stored fingerprints stay comparable.
func shingleHash(terms []string) uint64 {
	h := fnv.New64a()
	for _, t := range terms {
		h.Write([]byte(t))
		h.Write([]byte{0})
	}
	return mix(h.Sum64())
}

// mix is SplitMix64's finaliser: every output bit depends on every input
// bit, which FNV alone does not give its high bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
