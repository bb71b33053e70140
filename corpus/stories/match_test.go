package stories

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// fixtures names the articles under testdata: three outlets' copies of
// one hurricane report, a follow-up two days later and another three
// weeks later, a different storm the same week and an unrelated election.
var fixtures = []string{"orla-ap", "orla-usatoday", "orla-gazette", "orla-followup", "orla-later", "bram", "election"}

func TestIsBoilerplate(t *testing.T) {
	long := "By the time the storm reached the coast on Wednesday night, " + strings.Repeat("residents had boarded up their windows and left town in long lines of cars, ", 3)
	tests := []struct {
		p    string
		want bool
	}{
		{"Contributing: Rachel Ames and Luis Ortega, USA TODAY Network; The Associated Press", true},
		{"By Rachel Ames, USA TODAY", true},
		{"(Reporting by Maria Chen in Pensacola; Editing by Jonathan Oatis)", true},
		{"Associated Press writer Tom Hadley in Miami contributed to this report.", true},
		{"Copyright 2026 The Associated Press. All rights reserved.", true},
		{"Advertisement", true},
		{"Sign up for our weather newsletter and get alerts.", true},
		{long, false}, // starts with "By" but is article text
		{"Governor Elena Marquez ordered the evacuation of 1.2 million residents.", false},
	}
	for _, tt := range tests {
		if got := isBoilerplate(tt.p); got != tt.want {
			t.Errorf("isBoilerplate(%q) = %v; want %v", tt.p, got, tt.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	var fp Fingerprinter
	ap := loadArticle(t, "orla-ap")
	footer := *ap
	footer.Body += "\n\nCopyright 2026 Coastal Media Group. All rights reserved.\n\nFollow us on Facebook and Instagram for breaking news alerts from the Gulf Coast.\n\nContributing: Staff writers Ann Lee, Bo Diaz and the Associated Press"
	trimmed := *ap
	trimmed.Body = strings.Join(strings.Split(ap.Body, "\n\n")[:4], "\n\n")
	short := &corpus.Article{Title: "Orla hits Port Carrow", Body: "Hurricane Orla made landfall near Port Carrow."}
	tests := []struct {
		name      string
		a, b      *corpus.Article
		wantCopy  bool
		wantExact bool
	}{
		{"itself", ap, ap, true, true},
		{"different footers", ap, &footer, true, true},
		{"trimmed copy", ap, &trimmed, true, false},
		{"usatoday copy", ap, loadArticle(t, "orla-usatoday"), true, false},
		{"gazette copy", loadArticle(t, "orla-usatoday"), loadArticle(t, "orla-gazette"), true, false},
		{"follow-up is no copy", ap, loadArticle(t, "orla-followup"), false, false},
		{"other storm", ap, loadArticle(t, "bram"), false, false},
		{"too short to tell", short, short, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa, fb := fp.Fingerprint(tt.a), fp.Fingerprint(tt.b)
			if got := fa.Copies(&fb); got != tt.wantCopy {
				t.Errorf("Copies = %v (containment %.2f, Jaccard %.2f, shingles %d/%d); want %v",
					got, fa.Containment(&fb), fa.Jaccard(&fb), fa.Shingles, fb.Shingles, tt.wantCopy)
			}
			if got := fa == fb; got != tt.wantExact {
				t.Errorf("fingerprints equal = %v; want %v", got, tt.wantExact)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	m := NewMatcher(Options{})
	other := loadArticle(t, "orla-usatoday")
	other.Scope = "guild-1"
	undated := loadArticle(t, "orla-followup")
	undated.PublishedAt = time.Time{}
	tests := []struct {
		a, b      string
		mod       *corpus.Article // replaces b when set
		wantCopy  bool
		wantSame  bool
		whyNotHow string
	}{
		{a: "orla-ap", b: "orla-usatoday", wantCopy: true, wantSame: true},
		{a: "orla-ap", b: "orla-gazette", wantCopy: true, wantSame: true},
		{a: "orla-usatoday", b: "orla-gazette", wantCopy: true, wantSame: true},
		{a: "orla-ap", b: "orla-followup", wantSame: true, whyNotHow: "same names two days later"},
		{a: "orla-usatoday", b: "orla-followup", wantSame: true},
		{a: "orla-ap", b: "orla-later", whyNotHow: "same names three weeks later"},
		{a: "orla-followup", b: "orla-later", whyNotHow: "same names 20 days later"},
		{a: "orla-ap", b: "bram", whyNotHow: "another storm the same week"},
		{a: "orla-followup", b: "bram", whyNotHow: "another storm the same week"},
		{a: "orla-ap", b: "election"},
		{a: "orla-ap", b: "other scope", mod: other, whyNotHow: "a copy in another scope"},
		{a: "orla-ap", b: "undated", mod: undated, whyNotHow: "no time to compare"},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			a, b := loadArticle(t, tt.a), tt.mod
			if b == nil {
				b = loadArticle(t, tt.b)
			}
			r := m.Compare(a, b)
			if r.Copy != tt.wantCopy || r.Same != tt.wantSame {
				t.Errorf("Compare(%s, %s) = %+v; want Copy %v, Same %v (%s)", tt.a, tt.b, r, tt.wantCopy, tt.wantSame, tt.whyNotHow)
			}
			if got := m.Same(b, a); got != r.Same {
				t.Errorf("Same(%s, %s) = %v, but Same(%s, %s) = %v", tt.b, tt.a, got, tt.a, tt.b, r.Same)
			}
		})
	}
}

func TestFeatures(t *testing.T) {
	m := NewMatcher(Options{})
	fs := m.features(loadArticle(t, "orla-ap"))
	for _, want := range []string{"orla", "carrow", "whitcomb", "marquez", "tessali", "#400000", "#37"} {
		if fs[want] == 0 {
			t.Errorf("features(orla-ap) lack %q: %v", want, fs)
		}
	}
	// Sentence starts, weekdays, small numbers, wire credits and the
	// outlet are not features.
	for _, not := range []string{"this", "forecast", "wednesday", "#2", "ap", "associ"} {
		if _, ok := fs[not]; ok {
			t.Errorf("features(orla-ap) hold %q: %v", not, fs)
		}
	}
	if fs["orla"] <= fs["whitcomb"] {
		t.Errorf("title name orla has salience %.2f, not above body name whitcomb %.2f", fs["orla"], fs["whitcomb"])
	}
	dated := m.features(&corpus.Article{Title: "x", Body: "The vote on Oct. 12 and the one on 3 November were postponed."})
	for _, want := range []string{"@10-12", "@11-3"} {
		if dated[want] == 0 {
			t.Errorf("features lack date %q: %v", want, dated)
		}
	}
}

// TestTopicWords checks which title words that name no one become
// features: the thing the report is about, when the body uses it too;
// not the headline's form ("what to know") nor a word the body never
// uses.
func TestTopicWords(t *testing.T) {
	m := NewMatcher(Options{})
	a := &corpus.Article{
		Title: "The end of the penny: what does it mean, what to know as the mint stops",
		Body: "The Treasury will stop minting the penny next year, officials said on Tuesday.\n\n" +
			"Each penny costs almost four cents to make, and the mint has made billions of them. What does it mean for you?",
	}
	fs := m.features(a)
	for _, tt := range []struct {
		term string
		want bool
		why  string
	}{
		{"penni", true, "the topic, in the body twice"},
		{"mint", true, "in the body (minting is one stem with mint)"},
		{"know", false, "a headline word"},
		{"doe", false, "a stop word (does), though its stem is none"},
		{"end", false, "not in the body"},
		{"stop", true, "in the body once"},
		{"treasuri", true, "a name of the body"},
	} {
		if got := fs[tt.term] > 0; got != tt.want {
			t.Errorf("features hold %q = %v; want %v (%s): %v", tt.term, got, tt.want, tt.why, fs)
		}
	}
	if fs["penni"] <= fs["stop"] {
		t.Errorf("penny (twice in the body) has salience %.2f, not above stop (once) %.2f", fs["penni"], fs["stop"])
	}
}

// TestScore checks that shared text adds to the event score, and only
// between articles long enough to fingerprint.
func TestScore(t *testing.T) {
	m := NewMatcher(Options{})
	for _, pair := range [][2]string{{"orla-ap", "orla-followup"}, {"orla-ap", "bram"}, {"orla-ap", "orla-usatoday"}} {
		r := m.Compare(loadArticle(t, pair[0]), loadArticle(t, pair[1]))
		if want := r.Event + containmentWeight*r.Containment; math.Abs(r.Score-want) > 1e-9 {
			t.Errorf("Compare(%s, %s): Score %.3f; want Event %.3f + %.1f x containment %.3f", pair[0], pair[1], r.Score, r.Event, containmentWeight, r.Containment)
		}
	}
	short := &corpus.Article{Title: "Orla hits Port Carrow", Body: "Hurricane Orla made landfall near Port Carrow on Wednesday."}
	if r := m.Compare(short, short); r.Score != r.Event {
		t.Errorf("Compare(short, short): Score %.3f; want Event %.3f (no fingerprint to trust)", r.Score, r.Event)
	}
}

// docFreq is a DocFreqer over fixed counts.
type docFreq struct {
	df map[string]int
	n  int
}

func (d docFreq) DocFreq(terms []string) (map[string]int, int) {
	out := make(map[string]int, len(terms))
	for _, t := range terms {
		out[t] = d.df[t]
	}
	return out, d.n
}

// TestRarity checks that with document frequencies a common shared name
// counts for less: two storms that share only common names score lower.
func TestRarity(t *testing.T) {
	a, b := loadArticle(t, "orla-ap"), loadArticle(t, "bram")
	plain := NewMatcher(Options{}).Compare(a, b)
	common := docFreq{df: map[string]int{"orla": 900, "hurrican": 900, "gulf": 900, "coast": 900, "florida": 900}, n: 1000}
	rare := NewMatcher(Options{DocFreq: common}).Compare(a, b)
	if rare.Event >= plain.Event {
		t.Errorf("Event with common shared names = %.3f; want below %.3f without frequencies", rare.Event, plain.Event)
	}
	if rare.Same {
		t.Errorf("Compare(orla-ap, bram) with frequencies = %+v; want not Same", rare)
	}
}
