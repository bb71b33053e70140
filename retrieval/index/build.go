package index

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// scanAhead is how many pages each stage of a build may be ahead of the
// next: enough to smooth out uneven pages, few enough that their memory
// (~2 MB of terms each) stays small.
const scanAhead = 4

// JoinedScanner is a Scanner that also pages through the articles with
// their terms as it keeps them, joined (corpus.JoinedArticle), which Build
// reads when the store has it: splitting the terms as they are looked up
// costs a fraction of splitting them into slices first.
type JoinedScanner interface {
	ScanJoined(ctx context.Context, after int64, limit int) ([]corpus.JoinedArticle, error)
}

// resolved is a page of a build with its terms turned into term ids: for
// each article with passages, the ids of its title terms then of each
// passage's terms, in order, in ids, and their numbers in counts (the
// title's, then each passage's).
type resolved struct {
	arts   []corpus.JoinedArticle
	ids    []uint32
	counts []uint32
	nterms int // size of the dictionary once this page is resolved
}

// dict numbers distinct terms: an index's, and a build's while its
// resolving goroutine owns it.
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

// appendIDs appends the ids of the terms of joined (terms joined by
// spaces) and returns how many it appended. Splitting as it goes, it never
// makes a slice of the terms.
func (d *dict) appendIDs(ids []uint32, joined string) ([]uint32, uint32) {
	n, start := len(ids), 0
	for i := 0; i < len(joined); i++ {
		if joined[i] == ' ' {
			if i > start { // two spaces in a row hold no term
				ids = append(ids, d.id(joined[start:i]))
			}
			start = i + 1
		}
	}
	if start < len(joined) {
		ids = append(ids, d.id(joined[start:]))
	}
	return ids, uint32(len(ids) - n)
}

// resolve turns a page's terms into ids.
func (d *dict) resolve(page []corpus.JoinedArticle) resolved {
	size, n := 0, 0
	for i := range page {
		if len(page[i].Passages) > 0 {
			size += len(page[i].TitleTerms)
			n += 1 + len(page[i].Passages)
			for _, p := range page[i].Passages {
				size += len(p.Terms)
			}
		}
	}
	// News terms average ~6 bytes and a space: room for all but the
	// shortest.
	r := resolved{arts: page, ids: make([]uint32, 0, size/5+16), counts: make([]uint32, 0, n)}
	for i := range page {
		a := &page[i]
		if len(a.Passages) == 0 {
			continue
		}
		var c uint32
		r.ids, c = d.appendIDs(r.ids, a.TitleTerms)
		r.counts = append(r.counts, c)
		for _, p := range a.Passages {
			r.ids, c = d.appendIDs(r.ids, p.Terms)
			r.counts = append(r.counts, c)
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
// Three goroutines work beside each other: one reads the pages from the
// store, one numbers their terms (the dictionary is its own), and the
// caller's appends the postings. The index is packed at the end, which
// puts the postings into few allocations.
func Build(ctx context.Context, st Store, opt Options) (*Index, error) {
	seq, mark, err := position(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("build index: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: a stage that stopped early ends

	pages := make(chan []corpus.JoinedArticle, scanAhead)
	errc := make(chan error, 1)
	wg.Go(func() {
		defer close(pages)
		if err := scanJoined(ctx, st, pages); err != nil {
			errc <- err
		}
	})
	d := &dict{termID: make(map[string]uint32)}
	res := make(chan resolved, scanAhead)
	wg.Go(func() {
		defer close(res)
		for page := range pages {
			select {
			case res <- d.resolve(page):
			case <-ctx.Done():
				return
			}
		}
	})

	x := New(opt)
	s := x.s
	var b builder
	var failed error
	for r := range res {
		if failed != nil {
			continue // drain, so the other stages end
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
	if failed == nil {
		failed = ctx.Err() // a cancelled build resolves no more pages, so it may lack some
	}
	if failed != nil {
		return nil, fmt.Errorf("build index: %w", failed)
	}
	// The resolving stage has ended (res is closed): the dictionary is ours.
	s.dict = *d
	s.lists = append(s.lists, make([]plist, len(s.terms)-len(s.lists))...)
	// No one else sees x yet: pack it giving each list's pieces up as
	// they are copied, so the build never holds two copies of them.
	x.s = s.packed(true)
	x.SetSeq(seq, mark)
	if _, err := CatchUp(ctx, x, st); err != nil {
		return nil, err
	}
	return x, nil
}

// scanJoined sends every page of st to pages, joined: read so when st is a
// JoinedScanner, else joined here.
func scanJoined(ctx context.Context, st Scanner, pages chan<- []corpus.JoinedArticle) error {
	js, _ := st.(JoinedScanner)
	for after := int64(0); ; {
		var page []corpus.JoinedArticle
		var err error
		if js != nil {
			page, err = js.ScanJoined(ctx, after, scanPage)
		} else {
			page, err = scanAndJoin(ctx, st, after)
		}
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].ArticleID
		select {
		case pages <- page:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// scanAndJoin reads a page with ScanIndexed and joins its terms.
func scanAndJoin(ctx context.Context, st Scanner, after int64) ([]corpus.JoinedArticle, error) {
	page, err := st.ScanIndexed(ctx, after, scanPage)
	if err != nil {
		return nil, err
	}
	out := make([]corpus.JoinedArticle, len(page))
	for i, a := range page {
		out[i] = corpus.JoinedArticle{ArticleID: a.ArticleID, Scope: a.Scope, PublishedAt: a.PublishedAt, TitleTerms: strings.Join(a.TitleTerms, " ")}
		for _, p := range a.Passages {
			out[i].Passages = append(out[i].Passages, corpus.JoinedPassage{ID: p.ID, Terms: strings.Join(p.Terms, " ")})
		}
	}
	return out, nil
}

// addResolved appends a resolved page to a state being built (the ids of
// r are those of the build's dictionary, which s takes at the end).
//
// The page's postings are collected first, then appended term by term: a
// page touches tens of thousands of lists, and appending a term's
// postings together keeps its list in the cache, where appending them
// passage by passage would fetch each list once per posting.
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
	ids, counts := r.ids, r.counts
	for i := range r.arts {
		a := &r.arts[i]
		if len(a.Passages) == 0 {
			continue
		}
		s.kill(a.ArticleID) // a scan names an article once; this is cheap insurance
		title := ids[:counts[0]]
		ids = ids[counts[0]:]
		first := s.addDocs(a.ArticleID, a.Scope, a.PublishedAt, len(a.Passages), func(j int) (int64, int) {
			return a.Passages[j].ID, int(counts[0] + counts[1+j])
		})
		for j := range a.Passages {
			body := ids[:counts[1+j]]
			ids = ids[len(body):]
			s.collectPassage(first+uint32(j), title, body, b)
		}
		counts = counts[1+len(a.Passages):]
	}
	s.flushPostings(opt, b)
	return nil
}

// collectPassage is addPassage for a build: it adds the postings of doc to
// b's page instead of to the lists.
func (s *state) collectPassage(doc uint32, title, body []uint32, b *builder) {
	b.count(title, body)
	for _, id := range b.touched {
		b.page = append(b.page, pagePosting{term: id, doc: doc, tt: b.tt[id], tb: b.tb[id]})
		b.tt[id], b.tb[id] = 0, 0
	}
	b.touched = b.touched[:0]
}

// pagePosting is a posting of a page being built, before it is appended
// to its term's list.
type pagePosting struct{ term, doc, tt, tb uint32 }

// flushPostings appends the postings collected in b to their lists, term
// by term (a counting sort by term that keeps each term's postings in doc
// order, as the lists need them), and empties b's page.
func (s *state) flushPostings(opt Options, b *builder) {
	// b.tt counts each term's postings, then holds where the next one
	// goes; b.touched lists the page's terms. Both are left clean.
	for _, p := range b.page {
		if b.tt[p.term] == 0 {
			b.touched = append(b.touched, p.term)
		}
		b.tt[p.term]++
	}
	at := uint32(0)
	for _, id := range b.touched {
		at, b.tt[id] = at+b.tt[id], at
	}
	b.sorted = slices.Grow(b.sorted[:0], len(b.page))[:len(b.page)] // every entry is written below
	for _, p := range b.page {
		b.sorted[b.tt[p.term]] = p
		b.tt[p.term]++
	}
	for _, p := range b.sorted {
		s.lists[p.term].add(p.doc, p.tt, p.tb, opt.weighted(p.tt, p.tb), s.dlen[p.doc])
	}
	for _, id := range b.touched {
		b.tt[id] = 0
	}
	b.touched, b.page = b.touched[:0], b.page[:0]
}

// addDocs appends the per-document fields of an article's n passages (all
// but the postings; doc gives each passage's id and term count) and
// returns the doc number of the first.
func (s *state) addDocs(articleID int64, scope string, published time.Time, n int, doc func(i int) (pid int64, terms int)) uint32 {
	sid, ok := s.scopeID[scope]
	if !ok {
		sid = uint32(len(s.scopes))
		s.scopes = append(s.scopes, scope)
		s.scopeID[scope] = sid
	}
	pub := int64(noDate)
	if !published.IsZero() {
		pub = published.Unix()
	}
	first := uint32(s.ndocs())
	s.articles[articleID] = span{first: first, n: uint32(n)}
	for i := range n {
		pid, terms := doc(i)
		d := uint32(min(terms, math.MaxUint32))
		s.pid = append(s.pid, pid)
		s.aid = append(s.aid, articleID)
		s.pub = append(s.pub, pub)
		s.notePub(uint32(len(s.pub)-1), pub)
		s.scope = append(s.scope, sid)
		s.dlen = append(s.dlen, d)
		if int(uint32(s.ndocs()-1)>>6) >= len(s.dead) {
			s.dead = append(s.dead, 0)
		}
		s.total += uint64(d)
	}
	return first
}
