package stories

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

// memFinder is a CandidateFinder over the articles added so far: those in
// the candidate query's scope and published window, as the index would
// filter them (without ranking: every one is compared).
type memFinder struct {
	m        *Matcher
	articles []*corpus.Article
	err      error
}

func (f *memFinder) Candidates(_ context.Context, a *corpus.Article) ([]Candidate, error) {
	if f.err != nil {
		return nil, f.err
	}
	q := f.m.CandidateQuery(a)
	var out []Candidate
	for _, c := range f.articles {
		if slices.Contains(q.Scopes, c.Scope) && q.Published.Admits(when(c)) {
			out = append(out, Candidate{Article: c})
		}
	}
	return out, nil
}

// groupAll assigns the articles in order as ingest would (each is
// findable once added), checking after every step that no article's
// story changed, and returns every article's story.
func groupAll(t *testing.T, as []*corpus.Article) map[int64]int64 {
	t.Helper()
	ctx := context.Background()
	m := NewMatcher(Options{})
	f := &memFinder{m: m}
	var st MemStore
	g := NewGrouper(m, f, &st)
	before := map[int64]int64{}
	for _, a := range as {
		f.articles = append(f.articles, a)
		id, err := g.Assign(ctx, a)
		if err != nil {
			t.Fatalf("Assign(%d): %v", a.ID, err)
		}
		now := st.Stories()
		if now[a.ID] != id {
			t.Fatalf("Assign(%d) = %d, but the store says %d", a.ID, id, now[a.ID])
		}
		for art, s := range before {
			if now[art] != s {
				t.Fatalf("article %d moved from story %d to %d when %d joined", art, s, now[art], a.ID)
			}
		}
		if again, err := g.Assign(ctx, a); err != nil || again != id {
			t.Fatalf("Assign(%d) again = %d, %v; want %d", a.ID, again, err, id)
		}
		before = now
	}
	return before
}

// partition turns article -> story into the sorted groups of fixture
// names, which do not depend on which article named the story.
func partition(stories map[int64]int64, names map[int64]string) [][]string {
	groups := map[int64][]string{}
	for a, s := range stories {
		groups[s] = append(groups[s], names[a])
	}
	var out [][]string
	for _, g := range groups {
		slices.Sort(g)
		out = append(out, g)
	}
	slices.SortFunc(out, func(x, y []string) int { return slices.Compare(x, y) })
	return out
}

// permutations calls fn with every ordering of n indexes (Heap's
// algorithm).
func permutations(n int, fn func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var gen func(k int)
	gen = func(k int) {
		if k == 1 {
			fn(p)
			return
		}
		for i := range k {
			gen(k - 1)
			if k%2 == 0 {
				p[i], p[k-1] = p[k-1], p[i]
			} else {
				p[0], p[k-1] = p[k-1], p[0]
			}
		}
	}
	gen(n)
}

// TestAssignAnyOrder assigns the storm fixtures in every order (the
// election, unrelated to all, is left out to keep it to 720 orders; with
// -short every 9th): the stories come out the same (the three copies and
// the two-day follow-up together; the three-week follow-up and the other
// storm alone), no story id changes as articles join, and each story is
// named after the first of its articles to arrive.
func TestAssignAnyOrder(t *testing.T) {
	want := [][]string{{"bram"}, {"orla-ap", "orla-followup", "orla-gazette", "orla-usatoday"}, {"orla-later"}}
	storms := fixtures[:6]
	as := make([]*corpus.Article, len(storms))
	names := map[int64]string{}
	for i, n := range storms {
		as[i] = loadArticle(t, n)
		names[as[i].ID] = n
	}
	orders := 0
	permutations(len(as), func(p []int) {
		orders++
		if testing.Short() && orders%9 != 0 {
			return
		}
		order := make([]*corpus.Article, len(p))
		for i, j := range p {
			order[i] = as[j]
		}
		stories := groupAll(t, order)
		if got := partition(stories, names); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("order %v: stories %v; want %v", p, got, want)
		}
		first := map[int64]int64{} // story -> its first article
		for _, a := range order {
			if _, ok := first[stories[a.ID]]; !ok {
				first[stories[a.ID]] = a.ID
			}
		}
		for s, a := range first {
			if s != a {
				t.Fatalf("order %v: story %d's first article is %d", p, s, a)
			}
		}
	})
	if orders != 720 {
		t.Errorf("tried %d orders; want 720", orders)
	}
}

// TestAssignAgreesWithSame checks the measurement hook: for every pair,
// the second article joins the first's story exactly when Same says so.
func TestAssignAgreesWithSame(t *testing.T) {
	m := NewMatcher(Options{})
	for _, x := range fixtures {
		for _, y := range fixtures {
			if x == y {
				continue
			}
			a, b := loadArticle(t, x), loadArticle(t, y)
			stories := groupAll(t, []*corpus.Article{a, b})
			if joined, same := stories[a.ID] == stories[b.ID], m.Same(b, a); joined != same {
				t.Errorf("Assign put %s with %s: %v; Same(%s, %s) = %v", y, x, joined, y, x, same)
			}
		}
	}
}

// TestAssignBackfill: a candidate from before grouping (no story yet)
// gets a story named after itself, and the new article joins it.
func TestAssignBackfill(t *testing.T) {
	ctx := context.Background()
	old, copy := loadArticle(t, "orla-ap"), loadArticle(t, "orla-usatoday")
	m := NewMatcher(Options{})
	var st MemStore
	g := NewGrouper(m, &memFinder{m: m, articles: []*corpus.Article{old}}, &st)
	id, err := g.Assign(ctx, copy)
	if err != nil {
		t.Fatal(err)
	}
	if id != old.ID {
		t.Errorf("Assign(copy) = %d; want the old article's id %d", id, old.ID)
	}
	if s, ok, _ := st.StoryOf(ctx, old.ID); !ok || s != old.ID {
		t.Errorf("StoryOf(old) = %d, %v; want %d, true", s, ok, old.ID)
	}
}

// failStore fails SetStory.
type failStore struct{ MemStore }

func (*failStore) SetStory(context.Context, int64, int64) (int64, error) {
	return 0, errors.New("disk full")
}

func TestAssignErrors(t *testing.T) {
	ctx := context.Background()
	m := NewMatcher(Options{})
	a := loadArticle(t, "orla-ap")
	errFind := errors.New("index closed")
	tests := []struct {
		name    string
		a       *corpus.Article
		finder  CandidateFinder
		store   Store
		wantErr string
		wantIs  error
	}{
		{"no id", &corpus.Article{Title: "x"}, &memFinder{m: m}, &MemStore{}, "article has no id", nil},
		{"finder fails", a, &memFinder{m: m, err: errFind}, &MemStore{}, "find candidates for article 101", errFind},
		{"store fails", a, &memFinder{m: m}, &failStore{}, "assign story to article 101: disk full", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewGrouper(m, tt.finder, tt.store).Assign(ctx, tt.a)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Assign = %v; want an error with %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Assign = %v; want it to wrap %v", err, tt.wantIs)
			}
		})
	}
}

// TestGrouperProfileCache: an article's profile is made once per
// version, and an edited body (a new content hash) is profiled afresh.
func TestGrouperProfileCache(t *testing.T) {
	g := NewGrouper(NewMatcher(Options{}), &memFinder{}, &MemStore{})
	a := loadArticle(t, "orla-ap")
	p1 := g.profile(a)
	if p2 := g.profile(a); len(g.profiles) != 1 || p2.fp != p1.fp {
		t.Fatalf("profiling twice cached %d profiles; want 1, the same", len(g.profiles))
	}
	edited := *a
	edited.Body = loadArticle(t, "bram").Body
	edited.Hash = corpus.ContentHash(edited.Body)
	if p3 := g.profile(&edited); p3.fp == p1.fp || len(g.profiles) != 2 {
		t.Errorf("edited article: same fingerprint %v, %d cached; want a new one, 2", p3.fp == p1.fp, len(g.profiles))
	}
	unhashed := *a
	unhashed.Hash = ""
	g.profile(&unhashed)
	if len(g.profiles) != 2 {
		t.Errorf("an article without a hash was cached (%d profiles)", len(g.profiles))
	}
}
