package stories

import (
	"slices"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

func TestCandidateQuery(t *testing.T) {
	m := NewMatcher(Options{})
	a := loadArticle(t, "orla-followup")
	a.Scope = "guild-7"
	q := m.CandidateQuery(a)
	if !slices.Equal(q.Scopes, []string{"guild-7"}) {
		t.Errorf("Scopes = %v; want [guild-7]", q.Scopes)
	}
	w := map[string]float64{}
	for _, qt := range q.Terms {
		w[qt.Term] = qt.Weight
	}
	// "orla" is in the title and among the names; "mendel" only among the
	// names; "toll" in the title and among the features as a topic word
	// the body uses too; "rise" only in the title.
	if w["orla"] != titleWeight+1 || w["mendel"] != 1 || w["toll"] != titleWeight+1 || w["rise"] != titleWeight {
		t.Errorf("weights orla %v, mendel %v, toll %v, rise %v; want %v, 1, %v, %v (terms %v)",
			w["orla"], w["mendel"], w["toll"], w["rise"], titleWeight+1, titleWeight+1, titleWeight, q.Terms)
	}
	for _, qt := range q.Terms {
		if qt.Term[0] == '#' || qt.Term[0] == '@' {
			t.Errorf("query holds feature %q, which is no index term", qt.Term)
		}
	}
	ap, later := loadArticle(t, "orla-ap"), loadArticle(t, "orla-later")
	if !q.Published.Admits(ap.PublishedAt) || q.Published.Admits(later.PublishedAt) {
		t.Errorf("Published %+v admits orla-ap %v, orla-later %v; want true, false",
			q.Published, q.Published.Admits(ap.PublishedAt), q.Published.Admits(later.PublishedAt))
	}
	a.PublishedAt = time.Time{}
	if q := m.CandidateQuery(a); q.Published.Dated() {
		t.Errorf("an undated article's query has window %+v; want none", q.Published)
	}
}

func TestSummarise(t *testing.T) {
	ap, usa, gaz, fol := loadArticle(t, "orla-ap"), loadArticle(t, "orla-usatoday"), loadArticle(t, "orla-gazette"), loadArticle(t, "orla-followup")
	flash := &corpus.Article{ID: 100, Source: "AP", Title: "Orla makes landfall", Body: "Hurricane Orla made landfall near Port Carrow.",
		PublishedAt: ap.PublishedAt.Add(-10 * time.Minute)}
	undated := &corpus.Article{ID: 99, Source: "Blog", Title: "Orla", Body: "A long undated post. " + ap.Body}
	tests := []struct {
		name         string
		as           []*corpus.Article
		wantHeadline int64
		wantOutlets  []string
		wantFrom     time.Time
		wantTo       time.Time
	}{
		{"copies and follow-up", []*corpus.Article{fol, gaz, usa, ap}, ap.ID, []string{"AP", "USA TODAY", "Coastal Gazette", "Tampa Courier"}, ap.PublishedAt, fol.PublishedAt},
		{"fuller copy within the hour beats a flash", []*corpus.Article{flash, ap}, ap.ID, []string{"AP"}, flash.PublishedAt, ap.PublishedAt},
		{"undated last", []*corpus.Article{undated, usa}, usa.ID, []string{"USA TODAY", "Blog"}, usa.PublishedAt, usa.PublishedAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarise(tt.as)
			if s.Headline.ID != tt.wantHeadline || !slices.Equal(s.Outlets, tt.wantOutlets) ||
				!s.From.Equal(tt.wantFrom) || !s.To.Equal(tt.wantTo) || s.Articles != len(tt.as) {
				t.Errorf("Summarise = headline %d, outlets %v, %v-%v, %d articles; want %d, %v, %v-%v, %d",
					s.Headline.ID, s.Outlets, s.From, s.To, s.Articles, tt.wantHeadline, tt.wantOutlets, tt.wantFrom, tt.wantTo, len(tt.as))
			}
		})
	}
	if s := Summarise(nil); s.Headline != nil || s.Articles != 0 {
		t.Errorf("Summarise(nil) = %+v; want zero", s)
	}
}
