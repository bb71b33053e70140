package index

import (
	"encoding/binary"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

// TestBlockLayout: snapshots are read in place as []block only while block
// is laid out as the snapshot's block record; otherwise every opening
// decodes the blocks (correct, but slower). If block changes, change the
// record (and snapshotVersion) with it.
func TestBlockLayout(t *testing.T) {
	if !blockLayoutOK() {
		t.Error("block is not laid out as the snapshot's block record: snapshots decode their blocks instead of reading them in place")
	}
}

// TestViewOfMisaligned: a section the host cannot view in place is
// decoded to the same values.
func TestViewOfMisaligned(t *testing.T) {
	const n = 5
	raw := make([]byte, 1+n*16)
	for i := range raw {
		raw[i] = byte(i*37 + 11)
	}
	for _, off := range []int{0, 1} {
		b := raw[off : off+n*8]
		var want []int64
		for i := range n {
			want = append(want, int64(binary.LittleEndian.Uint64(b[8*i:])))
		}
		if got := viewOf[int64](slices.Clone(b)[:n*8], n); !slices.Equal(got, want) {
			t.Errorf("viewOf[int64](aligned) = %v; want %v", got, want)
		}
		if got := viewOf[int64](b, n); !slices.Equal(got, want) {
			t.Errorf("viewOf[int64](offset %d) = %v; want %v", off, got, want)
		}
		bb := raw[off : off+n*blockRecord]
		got := viewOf[block](bb, n)
		for i := range n {
			if got[i].off != binary.LittleEndian.Uint32(bb[blockRecord*i+4:]) || got[i].minD != binary.LittleEndian.Uint32(bb[blockRecord*i+12:]) {
				t.Errorf("viewOf[block](offset %d)[%d] = %+v; want the record's fields", off, i, got[i])
			}
		}
	}
}

// TestArticlesOf: the articles map rebuilt from the documents is the one
// the writers kept, through puts, updates, removes and compactions.
func TestArticlesOf(t *testing.T) {
	for seed := range uint64(8) {
		r := rand.New(rand.NewPCG(seed, 1))
		x := New(Options{})
		pid := int64(0)
		for range 300 {
			id := r.Int64N(60)
			if r.IntN(4) == 0 {
				x.Remove(id)
				continue
			}
			a := corpus.IndexedArticle{ArticleID: id, Scope: corpus.GlobalScope, TitleTerms: []string{"t"}}
			for range r.IntN(4) { // sometimes none: an article without passages is removed
				pid++
				a.Passages = append(a.Passages, corpus.IndexedPassage{ID: pid, Terms: []string{"u", "v"}})
			}
			if err := x.Put(a); err != nil {
				t.Fatal(err)
			}
			s := x.s
			if got := articlesOf(s.aid, s.dead); !maps.Equal(got, s.articles) {
				t.Fatalf("seed %d: articlesOf = %v; want %v", seed, got, s.articles)
			}
			if got := countArticles(s.aid, s.dead); got != len(s.articles) {
				t.Fatalf("seed %d: countArticles = %d; want %d", seed, got, len(s.articles))
			}
		}
	}
}
