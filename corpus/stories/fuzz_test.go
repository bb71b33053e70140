package stories

import (
	"math"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// FuzzCompare feeds arbitrary titles and bodies to the matcher: it must
// not panic, its scores stay in range, and its decision is symmetric (the
// story of a pair does not depend on which arrived first).
func FuzzCompare(f *testing.F) {
	f.Add("Hurricane Orla hits Port Carrow", "PORT CARROW (AP) — Orla roared ashore on Oct. 9.\n\nBy Jo Doe", "Orla toll rises", "Sheriff Dana Whitcombe said 9 died.\n\nContributing: AP", int64(3600))
	f.Add("", "", "", "", int64(0))
	f.Add("É", "'s ’s 1,000,000 $2.5 3rd March 31st", "MAY", "May 2026. Mr. Smith.\n\n\n", int64(-86400*30))
	f.Fuzz(func(t *testing.T, t1, b1, t2, b2 string, gap int64) {
		base := time.Date(2026, 10, 9, 0, 0, 0, 0, time.UTC)
		a := &corpus.Article{ID: 1, Title: t1, Body: b1, Scope: corpus.GlobalScope, PublishedAt: base}
		b := &corpus.Article{ID: 2, Title: t2, Body: b2, Scope: corpus.GlobalScope, PublishedAt: base.Add(time.Duration(gap) * time.Second)}
		m := NewMatcher(Options{})
		r := m.Compare(a, b)
		if r.Event < 0 || r.Event > 1+1e-9 || math.IsNaN(r.Event) || r.Containment < 0 || r.Containment > 1 {
			t.Fatalf("Compare = %+v; scores out of range", r)
		}
		if s := m.Compare(b, a); s.Same != r.Same || s.Copy != r.Copy {
			t.Fatalf("Compare(a, b) = %+v but Compare(b, a) = %+v", r, s)
		}
		if fp := m.fp.Fingerprint(a); fp.Reliable() && !m.Same(a, a) {
			t.Fatalf("a long article is not the same as itself: %+v", m.Compare(a, a))
		}
	})
}
