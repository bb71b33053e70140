package eval

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// PairKind says how the two articles of a labelled pair relate (see
// storypairs/README.md for the definitions used when labelling).
type PairKind string

// The kinds of a labelled pair. Copy and SameEvent pairs are the same
// story; Related and Unrelated pairs are not.
const (
	// KindCopy: near-identical text, the same piece under two URLs
	// (a wire or network copy, a localised republication).
	KindCopy PairKind = "copy"
	// KindSameEvent: different reports of one event within a few days.
	KindSameEvent PairKind = "same_event"
	// KindRelated: the same topic but a different event (two storms, two
	// trial days, this year's holiday explainer and last year's). These
	// are the hard negatives.
	KindRelated PairKind = "related"
	// KindUnrelated: nothing in common beyond chance words.
	KindUnrelated PairKind = "unrelated"
)

// PairKinds returns the kinds in the order reports show them (a new slice
// each call, so no caller can change another's).
func PairKinds() []PairKind {
	return []PairKind{KindCopy, KindSameEvent, KindRelated, KindUnrelated}
}

// same reports whether the kind is one story.
func (k PairKind) same() bool { return k == KindCopy || k == KindSameEvent }

func (k PairKind) known() bool {
	for _, kk := range PairKinds() {
		if k == kk {
			return true
		}
	}
	return false
}

// StoryPair is one labelled pair of articles: are A and B the same news
// story? A and B are canonical URLs (corpus.CanonicalURL).
type StoryPair struct {
	A    string   `json:"a"`
	B    string   `json:"b"`
	Same bool     `json:"same"`
	Kind PairKind `json:"kind"`
	// Why is the labeller's reason, for a reader checking a disagreement.
	Why string `json:"why"`
}

// maxPairLine bounds one line of a pairs file: two URLs and a sentence
// fit in a few KB, so a longer line is not a pair.
const maxPairLine = 64 << 10

// LoadStoryPairs reads a JSONL file of labelled pairs (one StoryPair per
// line; blank lines skipped). It refuses a file a score could not be
// trusted on: a URL that is empty or not in canonical form (the grouping
// under test is asked about canonical URLs), a pair of one URL with
// itself, an unknown kind, a "same" that contradicts the kind, or the same
// two URLs labelled twice (in either order). Errors name the line.
func LoadStoryPairs(r io.Reader) ([]StoryPair, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxPairLine)
	var pairs []StoryPair
	seen := make(map[[2]string]int)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var p StoryPair
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("story pairs line %d: %w", n, err)
		}
		if err := p.check(); err != nil {
			return nil, fmt.Errorf("story pairs line %d: %w", n, err)
		}
		key := [2]string{p.A, p.B}
		if key[1] < key[0] {
			key[0], key[1] = key[1], key[0]
		}
		if first, ok := seen[key]; ok {
			return nil, fmt.Errorf("story pairs line %d: the pair of line %d again", n, first)
		}
		seen[key] = n
		pairs = append(pairs, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read story pairs: %w", err)
	}
	return pairs, nil
}

// LoadStoryPairsFile is LoadStoryPairs on a file.
func LoadStoryPairsFile(path string) ([]StoryPair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load story pairs: %w", err)
	}
	defer f.Close()
	pairs, err := LoadStoryPairs(f)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return pairs, nil
}

func (p StoryPair) check() error {
	for _, u := range []string{p.A, p.B} {
		if u == "" {
			return errors.New("a URL is missing")
		}
		c, err := corpus.CanonicalURL(u)
		if err != nil {
			return err
		}
		if c != u {
			return fmt.Errorf("%q is not canonical (want %q)", u, c)
		}
	}
	if p.A == p.B {
		return fmt.Errorf("%q is paired with itself", p.A)
	}
	if !p.Kind.known() {
		return fmt.Errorf("unknown kind %q", p.Kind)
	}
	if p.Same != p.Kind.same() {
		return fmt.Errorf("same is %v but kind %q says %v", p.Same, p.Kind, p.Kind.same())
	}
	return nil
}

// KindCount is how a grouping did on the pairs of one kind.
type KindCount struct {
	// Pairs is the number of labelled pairs of the kind.
	Pairs int
	// SaidSame is how many of them the grouping put in one story: hits for
	// copy and same_event, false alarms for related and unrelated.
	SaidSame int
}

// Correct is the number of the kind's pairs the grouping got right.
func (c KindCount) Correct(k PairKind) int {
	if k.same() {
		return c.SaidSame
	}
	return c.Pairs - c.SaidSame
}

// PairScore is a grouping's agreement with the labelled pairs, "same
// story" being the positive class.
type PairScore struct {
	Pairs int
	// TruePos: labelled same, said same. FalsePos: labelled different,
	// said same. FalseNeg: labelled same, said different. TrueNeg: both
	// different.
	TruePos, FalsePos, FalseNeg, TrueNeg int
	// Precision is TruePos/(TruePos+FalsePos), 0 when nothing was said
	// same; Recall is TruePos/(TruePos+FalseNeg), 0 with no same pairs;
	// F1 is their harmonic mean, 0 when both are 0.
	Precision, Recall, F1 float64
	// ByKind breaks the counts down by PairKind, so a report can show
	// whether the misses are copies or distinct reports, and whether the
	// false alarms are hard negatives (related) or noise (unrelated).
	ByKind map[PairKind]KindCount
}

// ScorePairs asks same whether each pair's two articles are one story and
// scores the answers against the labels. same takes the pair's canonical
// URLs, so any grouping can be plugged in: a story-id lookup in a store
// (same story id), a similarity threshold, or a fake in tests. An error
// from same stops the scoring and is returned with the pair it was asked
// about.
func ScorePairs(pairs []StoryPair, same func(a, b string) (bool, error)) (PairScore, error) {
	s := PairScore{Pairs: len(pairs), ByKind: make(map[PairKind]KindCount, 4)}
	for i, p := range pairs {
		got, err := same(p.A, p.B)
		if err != nil {
			return PairScore{}, fmt.Errorf("score pair %d (%s, %s): %w", i+1, p.A, p.B, err)
		}
		kc := s.ByKind[p.Kind]
		kc.Pairs++
		if got {
			kc.SaidSame++
		}
		s.ByKind[p.Kind] = kc
		switch {
		case p.Same && got:
			s.TruePos++
		case p.Same:
			s.FalseNeg++
		case got:
			s.FalsePos++
		default:
			s.TrueNeg++
		}
	}
	s.Precision = ratio(s.TruePos, s.TruePos+s.FalsePos)
	s.Recall = ratio(s.TruePos, s.TruePos+s.FalseNeg)
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s, nil
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// heldOutOneIn makes one in heldOutOneIn stories of a pairs file the
// held-out part (see SplitStoryPairs): a third is enough to show a tuned
// rule carrying over, and leaves two thirds to tune on.
const heldOutOneIn = 3

// SplitStoryPairs splits labelled pairs into a part to tune a grouping on
// (fit) and a part held out to check it on, about a third. The split is
// by cluster, not by pair: pairs that share an article, directly or
// through other pairs, go to the same part, because a rule tuned on one
// Joann closure copy would otherwise be "checked" on its siblings. A
// cluster is held out when the FNV-1a hash of its least URL is 0 modulo
// 3, so the split is fixed (no seed, no dependence on line order) and a
// pair added later lands in the part of its cluster. Both parts keep the
// pairs' order.
func SplitStoryPairs(pairs []StoryPair) (fit, heldOut []StoryPair) {
	sets := make(urlSets)
	for _, p := range pairs {
		sets.union(p.A, p.B)
	}
	for _, p := range pairs {
		h := fnv.New32a()
		h.Write([]byte(sets.root(p.A)))
		if h.Sum32()%heldOutOneIn == 0 {
			heldOut = append(heldOut, p)
		} else {
			fit = append(fit, p)
		}
	}
	return fit, heldOut
}

// urlSets is a union-find over URLs: each URL maps to its parent, a root
// to itself or to nothing. The least URL of a set is its root, so the root
// names the set whatever the order of the unions.
type urlSets map[string]string

// root returns the root of u's set, shortening the path to it.
func (s urlSets) root(u string) string {
	p, ok := s[u]
	if !ok || p == u {
		return u
	}
	r := s.root(p)
	s[u] = r
	return r
}

// union joins the sets of a and b.
func (s urlSets) union(a, b string) {
	a, b = s.root(a), s.root(b)
	if b < a {
		a, b = b, a
	}
	s[a] = a
	s[b] = a
}
