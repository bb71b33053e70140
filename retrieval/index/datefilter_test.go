package index

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// TestOkDocMatchesOk: the date filter's decision by day agrees with the
// one by published time for filters and times around day boundaries,
// before 1970, after the last day and without a date.
func TestOkDocMatchesOk(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := int64(20_000) * secondsPerDay // 2024-10-04
	pick := func() int64 {
		switch rng.IntN(6) {
		case 0:
			return noDate
		case 1:
			return -rng.Int64N(10 * secondsPerDay)
		case 2:
			return (maxDay+1)*secondsPerDay + rng.Int64N(3*secondsPerDay) - secondsPerDay
		case 3: // a date without a time
			return base + rng.Int64N(6)*secondsPerDay
		default: // near a midnight
			return base + rng.Int64N(6)*secondsPerDay + rng.Int64N(5) - 2
		}
	}
	at := func(sec int64) time.Time {
		if sec == noDate {
			return time.Time{}
		}
		return time.Unix(sec, 0)
	}
	s := newState()
	var pubs []int64
	for range 400 {
		p := pick()
		pubs = append(pubs, p)
		s.pub = append(s.pub, p)
		s.notePub(uint32(len(s.pub)-1), p)
	}
	for range 3000 {
		var p corpus.Published
		for _, field := range []*time.Time{&p.From, &p.To, &p.Before, &p.LastDate} {
			if rng.IntN(2) == 0 {
				if sec := pick(); sec != noDate {
					*field = at(sec)
				}
			}
		}
		f := newDateFilter(p)
		for d, pub := range pubs {
			if got, want := f.okDoc(s, uint32(d)), f.ok(pub); got != want {
				t.Fatalf("filter %+v, published %d (day %d): okDoc %v, ok %v", p, pub, dayOf(pub), got, want)
			}
		}
	}
}
