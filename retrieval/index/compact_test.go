package index

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

// TestPackedIsCompacted: with no dead documents, packing (copying the
// postings as they are) gives the state compacting (re-encoding them)
// gives, snapshot for snapshot.
func TestPackedIsCompacted(t *testing.T) {
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 2))
		for _, opt := range []Options{{}, {TitleWeight: 3, BodyWeight: 0.5}} {
			x := New(opt)
			pid := int64(0)
			for id := range int64(50 + r.IntN(300)) {
				a := corpus.IndexedArticle{ArticleID: id, Scope: fmt.Sprint(r.IntN(3))}
				for range r.IntN(4) {
					a.TitleTerms = append(a.TitleTerms, fmt.Sprintf("t%d", r.IntN(30)))
				}
				for range r.IntN(4) {
					pid++
					p := corpus.IndexedPassage{ID: pid}
					for range r.IntN(300) { // lists of several blocks
						p.Terms = append(p.Terms, fmt.Sprintf("t%d", r.IntN(1+r.IntN(60))))
					}
					a.Passages = append(a.Passages, p)
				}
				if err := x.Put(a); err != nil {
					t.Fatal(err)
				}
			}
			if x.s.ndead != 0 {
				t.Fatal("dead documents")
			}
			snap := func(s *state) []byte {
				var buf bytes.Buffer
				if err := (&Index{opt: x.opt, s: s}).WriteSnapshot(&buf); err != nil {
					t.Fatal(err)
				}
				return buf.Bytes()
			}
			p, c := snap(x.s.packed(false)), snap(x.s.compacted(x.opt))
			if !bytes.Equal(p, c) {
				t.Errorf("seed %d %+v: packed state's snapshot (%d bytes) differs from the compacted one's (%d bytes)", seed, opt, len(p), len(c))
			}
			// Packing that empties the lists it copied (a build's) gives
			// the same state.
			if r := snap(x.s.packed(true)); !bytes.Equal(r, c) {
				t.Errorf("seed %d %+v: packed state, releasing, differs from the compacted one", seed, opt)
			}
		}
	}
}
