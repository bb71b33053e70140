package index

import (
	"context"
	"fmt"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// scanAhead is how many pages the store reader of a build may be ahead of
// the indexer: enough to smooth out uneven pages, few enough that their
// memory (~2 MB of terms each) stays small.
const scanAhead = 4

// resolved is a page of a build with its terms turned into term ids: for
// each article with passages, the ids of its title terms then of each
// passage's terms, in order, in ids.
type resolved struct {
	arts   []corpus.IndexedArticle
	ids    []uint32
	nterms int // size of the dictionary once this page is resolved
}

// dict numbers distinct terms: an index's, and a build's while its reader
// goroutine owns it.
type dict struct {
	termID map[string]uint32
	terms  []string
}

// id returns the id of t, adding it when new (copied: t is a piece of a
// passage's whole term string, which the dictionary must not keep alive).
func (d *dict) id(t string) uint32 {
	id, ok := d.termID[t]
	if !ok {
		t = strings.Clone(t)
		id = uint32(len(d.terms))
		d.termID[t] = id
		d.terms = append(d.terms, t)
	}
	return id
}

// resolve turns a page's terms into ids.
func (d *dict) resolve(page []corpus.IndexedArticle) resolved {
	n := 0
	for i := range page {
		if len(page[i].Passages) == 0 {
			continue
		}
		n += len(page[i].TitleTerms)
		for j := range page[i].Passages {
			n += len(page[i].Passages[j].Terms)
		}
	}
	r := resolved{arts: page, ids: make([]uint32, 0, n)}
	for i := range page {
		a := &page[i]
		if len(a.Passages) == 0 {
			continue
		}
		for _, t := range a.TitleTerms {
			r.ids = append(r.ids, d.id(t))
		}
		for j := range a.Passages {
			for _, t := range a.Passages[j].Terms {
				r.ids = append(r.ids, d.id(t))
			}
		}
	}
	r.nterms = len(d.terms)
	return r
}

// Build reads every article of st into a new index. It notes the change
// log's position before it starts and catches up from there at the end, so
// articles added, changed or removed while it scanned are applied too
// (applying a change twice is harmless: a change is applied by reading the
// article as it is now).
//
// Reading runs beside indexing, on two cores: one goroutine reads the
// pages and numbers their terms (the dictionary is its own), the caller's
// appends the postings. The index is compacted at the end, which packs the
// postings into few allocations.
func Build(ctx context.Context, st Store, opt Options) (*Index, error) {
	seq, mark, err := position(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("build index: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := &dict{termID: make(map[string]uint32)}
	pages := make(chan resolved, scanAhead)
	errc := make(chan error, 1)
	go func() {
		defer close(pages)
		for after := int64(0); ; {
			page, err := st.ScanIndexed(ctx, after, scanPage)
			if err != nil {
				errc <- err
				return
			}
			if len(page) == 0 {
				return
			}
			after = page[len(page)-1].ArticleID
			select {
			case pages <- d.resolve(page):
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			}
		}
	}()

	x := New(opt)
	s := x.s
	var b builder
	var failed error
	for r := range pages {
		if failed != nil {
			continue // drain, so the reader ends
		}
		if failed = s.addResolved(r, x.opt, &b); failed != nil {
			cancel()
		}
	}
	select {
	case err := <-errc:
		if failed == nil {
			failed = err
		}
	default:
	}
	if failed != nil {
		return nil, fmt.Errorf("build index: %w", failed)
	}
	// The reader has ended (pages is closed): the dictionary is ours.
	s.dict = *d
	s.lists = append(s.lists, make([]plist, len(s.terms)-len(s.lists))...)
	x.compact()
	x.SetSeq(seq, mark)
	if _, err := CatchUp(ctx, x, st); err != nil {
		return nil, err
	}
	return x, nil
}

// addResolved appends a resolved page to a state being built (the ids of
// r are those of the build's dictionary, which s takes at the end).
func (s *state) addResolved(r resolved, opt Options, b *builder) error {
	n := 0
	for i := range r.arts {
		n += len(r.arts[i].Passages)
	}
	if s.ndocs()+n > maxDocs {
		return fmt.Errorf("index put %d passages: %d held: %w", n, s.ndocs(), ErrFull)
	}
	if r.nterms > len(s.lists) {
		s.lists = append(s.lists, make([]plist, r.nterms-len(s.lists))...)
	}
	b.grow(r.nterms)
	ids := r.ids
	for i := range r.arts {
		a := &r.arts[i]
		if len(a.Passages) == 0 {
			continue
		}
		s.kill(a.ArticleID) // a scan names an article once; this is cheap insurance
		title := ids[:len(a.TitleTerms)]
		ids = ids[len(a.TitleTerms):]
		first := s.addArticle(a)
		for j := range a.Passages {
			body := ids[:len(a.Passages[j].Terms)]
			ids = ids[len(body):]
			s.addPassage(first+uint32(j), title, body, opt, b)
		}
	}
	return nil
}
