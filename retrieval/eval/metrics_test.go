package eval

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRecallAtAndReciprocalRank(t *testing.T) {
	ranked := []string{
		"https://a.example/x",
		"https://b.example/y?utm_source=feed", // canonically https://b.example/y
		"https://a.example/x",
		"https://c.example/z/",
	}
	for _, tc := range []struct {
		name   string
		gold   []string
		k      int
		recall float64
		rr     float64
	}{
		{"first", []string{"https://a.example/x"}, 1, 1, 1},
		{"second, tracking params dropped", []string{"https://B.example/y#top"}, 1, 0, 0},
		{"second at 5", []string{"https://b.example/y"}, 5, 1, 0.5},
		{"two gold, one found", []string{"https://b.example/y", "https://d.example/"}, 10, 0.5, 0.5},
		{"two gold, both found", []string{"https://c.example/z", "https://a.example/x"}, 10, 1, 1},
		{"repeated article counts once", []string{"https://a.example/x", "https://d.example/"}, 3, 0.5, 1},
		{"fourth, trailing slash", []string{"https://c.example/z"}, 10, 1, 0.25},
		{"not retrieved", []string{"https://d.example/"}, 10, 0, 0},
		{"no gold", nil, 10, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RecallAt(tc.gold, ranked, tc.k); !near(got, tc.recall) {
				t.Errorf("RecallAt(%v, k=%d) = %v; want %v", tc.gold, tc.k, got, tc.recall)
			}
			if got := ReciprocalRank(tc.gold, ranked, tc.k); !near(got, tc.rr) {
				t.Errorf("ReciprocalRank(%v, k=%d) = %v; want %v", tc.gold, tc.k, got, tc.rr)
			}
			if got, want := HitAt(tc.gold, ranked, tc.k), tc.rr > 0; got != want {
				t.Errorf("HitAt(%v, k=%d) = %v; want %v", tc.gold, tc.k, got, want)
			}
		})
	}
	if got := ReciprocalRank([]string{"https://c.example/z"}, ranked, 3); got != 0 {
		t.Errorf("ReciprocalRank beyond k = %v; want 0", got)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Hello, World!":      " hello world ",
		"  São  Paulo\n":     " sao paulo ",
		"U.S.-China":         " u s china ",
		"":                   " ",
		"$5.2 billion":       " 5 2 billion ",
		"Trump’s “tariffs”.": " trump s tariffs ",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestAnswerIn(t *testing.T) {
	texts := []string{
		"Storm hits coast\nThe hurricane made landfall near Tampa on Tuesday.",
		"Markets\nStocks rose 15% after the U.S. Federal Reserve's decision.",
		"Elections\nVoters in São Paulo chose a new mayor.",
	}
	for _, tc := range []struct {
		answers []string
		k       int
		want    bool
	}{
		{[]string{"Tampa"}, 1, true},
		{[]string{"tampa!"}, 1, true},
		{[]string{"storm hits"}, 1, true}, // the title counts
		{[]string{"U.S. Federal Reserve"}, 1, false},
		{[]string{"U.S. Federal Reserve"}, 2, true},
		{[]string{"us federal reserve"}, 2, false}, // "u s" is not "us"
		{[]string{"Sao Paulo"}, 3, true},           // diacritics folded
		{[]string{"5%"}, 3, false},                 // whole words: 15% is not 5%
		{[]string{"Miami", "Tampa"}, 1, true},      // an alias matches
		{[]string{"..."}, 3, false},                // nothing to match
		{nil, 3, false},
		{[]string{"Tampa"}, 0, false},
	} {
		if got := AnswerIn(tc.answers, texts, tc.k); got != tc.want {
			t.Errorf("AnswerIn(%q, k=%d) = %v; want %v", tc.answers, tc.k, got, tc.want)
		}
	}
}

func TestPickChoice(t *testing.T) {
	texts := []string{
		"Lions beat the Bears 24-10.",        // rank 1
		"The Bears lost; the Eagles rested.", // rank 2
		"Eagles fans and Bears fans.",        // rank 3
		"Tigers news.",                       // rank 4
	}
	for _, tc := range []struct {
		name    string
		choices []string
		k       int
		want    int
	}{
		// Lions 1; Bears 1+1/2+1/3; Eagles 1/2+1/3.
		{"most supported", []string{"Lions", "Bears", "Eagles"}, 10, 1},
		// Lions 1 vs Eagles 1/2+1/3 = 0.83.
		{"rank weighting", []string{"Eagles", "Lions"}, 10, 1},
		// Lions 1 vs Eagles 1/2 within k=2; Tigers absent.
		{"cut-off", []string{"Tigers", "Eagles", "Lions"}, 2, 2},
		{"none present", []string{"Wolves", "Hawks"}, 10, -1},
		// Both appear only at rank 1: a tie is no pick.
		{"tie", []string{"Lions", "24 10"}, 10, -1},
		// Tigers at rank 4 alone is still a pick.
		{"only one present", []string{"Wolves", "Tigers"}, 10, 1},
		// Half-present choices: Detroit Lions 1/2 at rank 1 = 0.5; Chicago
		// Bears 1/2 at ranks 1-3 = 0.5*(1+1/2+1/3) = 0.917.
		{"partial presence", []string{"Detroit Lions", "Chicago Bears"}, 10, 1},
		// Bears fans: 1/2 + (1/2)/2 + 1/3 = 1.083; Eagles rested: 1/2 +
		// (1/2)/3 = 0.667.
		{"whole phrase outweighs half", []string{"Bears fans", "Eagles rested"}, 10, 0},
		// A repeated word counts once: both score like "Bears".
		{"distinct words", []string{"Bears Bears", "Bears"}, 10, -1},
		{"no words", []string{"—", "?!"}, 10, -1},
		// "24-10" is one number: "24 11" shares no unit with rank 1.
		{"numbers whole", []string{"24-11", "Lions"}, 10, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PickChoice(tc.choices, texts, tc.k); got != tc.want {
				t.Errorf("PickChoice(%q, k=%d) = %d; want %d", tc.choices, tc.k, got, tc.want)
			}
		})
	}
}

// Paris scores 1/3; the other choice (2/5)/2 + (2/5)/3, also 1/3 but
// 0.33333333333333337 in floating point: still a tie, either way round.
func TestPickChoiceTieUpToRounding(t *testing.T) {
	texts := []string{"nothing here", "red blue", "Paris green gold"}
	for _, choices := range [][]string{{"Paris", "red blue green gold pink"}, {"red blue green gold pink", "Paris"}} {
		if got := PickChoice(choices, texts, 10); got != -1 {
			t.Errorf("PickChoice(%q) = %d; want -1 (a tie)", choices, got)
		}
	}
}

func TestMultiHopScores(t *testing.T) {
	chunk := func(s string) string { return "Title\n" + s }
	for _, tc := range []struct {
		name        string
		facts       []string
		chunks      []string
		hits4, hits bool
		rr, ap      float64
	}{
		{
			name:   "first rank, both facts",
			facts:  []string{"Fact one.", "Fact two."},
			chunks: []string{chunk("Fact one. Fact two."), chunk("other")},
			hits4:  true, hits: true, rr: 1, ap: (2.0 / 1) / 2,
		},
		{
			// Spaces and newlines are ignored on both sides.
			name:   "spacing ignored",
			facts:  []string{"Fact  one\nsplit."},
			chunks: []string{chunk("x"), chunk("Factone split.")},
			hits4:  true, hits: true, rr: 0.5, ap: (1.0 / 2) / 1,
		},
		{
			// Found at 2 and 5: AP = (1/2 + 1/5) / 2; rank 5 is past Hits@4.
			name:   "two ranks",
			facts:  []string{"alpha", "beta"},
			chunks: []string{chunk("x"), chunk("alpha"), chunk("y"), chunk("z"), chunk("beta")},
			hits4:  true, hits: true, rr: 0.5, ap: (0.5 + 0.2) / 2,
		},
		{
			// A fact found again later adds nothing; a relevant chunk with no
			// new fact still counts for Hits and MRR only.
			name:   "repeat adds nothing",
			facts:  []string{"alpha", "beta", "gamma"},
			chunks: []string{chunk("q"), chunk("r"), chunk("s"), chunk("t"), chunk("alpha"), chunk("alpha again")},
			hits4:  false, hits: true, rr: 0.2, ap: (1.0 / 5) / 3,
		},
		{
			name:   "past rank 10",
			facts:  []string{"alpha"},
			chunks: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "alpha"},
			hits4:  false, hits: false, rr: 0, ap: 0,
		},
		{
			// Tabs are not removed (the script removes only " " and "\n").
			name:   "tab kept",
			facts:  []string{"a\tb"},
			chunks: []string{"ab"},
		},
		{
			// AP divides by min(#facts, 10), so 12 facts found at rank 1
			// give 12/10, as the script computes it.
			name:   "more than ten facts",
			facts:  []string{"f01", "f02", "f03", "f04", "f05", "f06", "f07", "f08", "f09", "f10", "f11", "f12"},
			chunks: []string{"f01f02f03f04f05f06f07f08f09f10f11f12"},
			hits4:  true, hits: true, rr: 1, ap: 1.2,
		},
		{name: "no facts", chunks: []string{"anything"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h4, h10, rr, ap := MultiHopScores(tc.facts, tc.chunks)
			if h4 != tc.hits4 || h10 != tc.hits || !near(rr, tc.rr) || !near(ap, tc.ap) {
				t.Errorf("MultiHopScores = hits@4 %v, hits@10 %v, rr %v, ap %v; want %v, %v, %v, %v",
					h4, h10, rr, ap, tc.hits4, tc.hits, tc.rr, tc.ap)
			}
		})
	}
}
