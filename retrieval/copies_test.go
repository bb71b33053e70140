package retrieval

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// wireStory is one agency report, as five outlets ran it.
var wireStory = []string{
	"Flood barriers along the Elbe river held overnight as water levels peaked at 7.4 metres in Dresden, the highest since 2013, " +
		"regional officials said on Tuesday. About 3,000 residents of low-lying districts were moved to schools and sports halls, " +
		"and the army sent 400 soldiers to fill sandbags along the old town embankment. \"The next 24 hours decide whether the " +
		"barriers hold,\" said Saxony's interior minister Armin Schuster at a briefing in the city hall.",
	"Rail services between Dresden and Prague were suspended after the line near Bad Schandau was flooded, the operator said. " +
		"Forecasters expect the river to fall slowly from Thursday, but warned that more rain in the Czech mountains could send " +
		"a second crest downstream at the weekend. Insurers estimated the damage so far at about 250 million euros.",
}

// variant is the wire story as one outlet ran it: its own dateline, and
// trimmed of the last sentence when trim is set.
func variant(dateline string, trim bool) []string {
	ps := slices.Clone(wireStory)
	ps[0] = dateline + " " + ps[0]
	if trim {
		last := ps[1]
		ps[1] = last[:strings.LastIndex(strings.TrimSuffix(last, "."), ".")+1]
	}
	return ps
}

func TestShinglesCopies(t *testing.T) {
	t.Parallel()
	own := "Residents of Dresden spent the night on the embankment watching the Elbe rise. \"The next 24 hours decide whether the " +
		"barriers hold,\" the interior minister told reporters, while volunteers from nearby villages brought food to the " +
		"evacuation centres. Shop owners in the old town moved their stock upstairs and said they feared a repeat of the 2002 " +
		"flood, which destroyed much of the district."
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"same text", wireStory[0], wireStory[0], true},
		{"another dateline", wireStory[0], "DRESDEN (Reuters) - " + wireStory[0], true},
		{"trimmed and case changed", wireStory[1], strings.ToUpper(wireStory[1][:len(wireStory[1])*3/4]), true},
		{"passages offset by a paragraph", wireStory[0] + " " + wireStory[1][:150], wireStory[0][80:] + " " + wireStory[1], true},
		{"report written apart, sharing a quote", wireStory[0], own, false},
		{"different passages of one story", wireStory[0], wireStory[1], false},
		{"too short to tell", "Flood barriers held overnight.", "Flood barriers held overnight.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shinglesOf(tt.a).copies(shinglesOf(tt.b)); got != tt.want {
				t.Errorf("copies(%.30q..., %.30q...) = %v; want %v", tt.a, tt.b, got, tt.want)
			}
			if got := shinglesOf(tt.b).copies(shinglesOf(tt.a)); got != tt.want {
				t.Errorf("copies(%.30q..., %.30q...) (swapped) = %v; want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

// TestRetrieveCollapsesCopies: five outlets' copies of one two-passage
// wire story take one slot per passage of the top hits, the freed slots go
// to other sources, and each hit kept lists the four other outlets as its
// copies.
func TestRetrieveCollapsesCopies(t *testing.T) {
	t.Parallel()
	s := mustOpenMem(t)
	var wire []int64
	outlets := []string{"Wire Daily", "Elbe Post", "Saxony Courier", "Morning Ledger", "Evening Standard"}
	for i, o := range outlets {
		wire = append(wire, s.add(t, corpus.Article{
			Title: "Elbe flood barriers hold as river peaks in Dresden", Source: o,
			URL:         "https://" + strings.ReplaceAll(strings.ToLower(o), " ", "") + ".example/elbe-flood",
			PublishedAt: day(2026, 11, 24).Add(time.Duration(i) * time.Hour),
		}, variant(strings.ToUpper(o)+" -", i == 3)...))
	}
	others := []int64{
		s.add(t, corpus.Article{Title: "Dresden watches the Elbe rise", Source: "City Herald", PublishedAt: day(2026, 11, 24)},
			"Residents of Dresden spent the night on the embankment watching the Elbe flood barriers as the river rose to 7.4 metres. "+
				"Volunteers brought food to the evacuation centres in schools, and shop owners in the old town moved their stock upstairs."),
		s.add(t, corpus.Article{Title: "Elbe flood stops Dresden-Prague trains", Source: "Rail News", PublishedAt: day(2026, 11, 25)},
			"No trains will run between Dresden and Prague until the flooded track near Bad Schandau dries out, the rail operator said, "+
				"and engineers must inspect the embankment before the line reopens after the Elbe flood."),
		s.add(t, corpus.Article{Title: "Insurers count the cost of the Elbe flood", Source: "Finance Today", PublishedAt: day(2026, 11, 25)},
			"Insurers put the early cost of the Elbe flood in Dresden at 250 million euros, with claims from homes and shops in "+
				"low-lying districts still arriving as the river level peaked."),
	}
	s.add(t, corpus.Article{Title: "Ferry adds evening sailings", Source: "City Herald", PublishedAt: day(2026, 11, 20)},
		"The harbour ferry service will add evening sailings from next month.")

	r := New(s, s, Options{Now: func() time.Time { return testAsOf }})
	res, err := r.Retrieve(context.Background(), Request{Question: "How high did the Elbe flood peak in Dresden?", AsOf: testAsOf, K: 6})
	if err != nil {
		t.Fatal(err)
	}
	got := articleIDs(res.Hits)
	for _, id := range others {
		if !slices.Contains(got, id) {
			t.Errorf("Retrieve(Elbe flood) articles = %v; want the other source %d in the freed slots", got, id)
		}
	}
	seqs := make(map[int]int) // wire passage -> hits holding it
	for _, h := range res.Hits {
		if !slices.Contains(wire, h.Article.ID) {
			if len(h.Copies) > 0 {
				t.Errorf("hit of article %d has copies %v; want none", h.Article.ID, h.Copies)
			}
			continue
		}
		seqs[h.Passage.Seq]++
		ids := []int64{h.Article.ID}
		for _, c := range h.Copies {
			ids = append(ids, c.ArticleID)
			if c.Source == "" || c.URL == "" || c.Title == "" {
				t.Errorf("copy ref %+v; want its source, URL and title", c)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, wire) {
			t.Errorf("wire hit of article %d (passage %d) with its copies = %v; want all five outlets %v", h.Article.ID, h.Passage.Seq, ids, wire)
		}
	}
	for seq, n := range seqs {
		if n > 1 {
			t.Errorf("wire passage %d is in %d hits; want one (articles %v)", seq, n, got)
		}
	}
	if len(seqs) == 0 {
		t.Errorf("Retrieve(Elbe flood) articles = %v; want the wire story", got)
	}
}

// TestMergePartsCollapsesCopies: the parts of a question are collapsed
// each; a part's hit that copies another part's hit is dropped when they
// are merged, and the copies both carried end on the hit kept.
func TestMergePartsCollapsesCopies(t *testing.T) {
	t.Parallel()
	mk := func(id int64, source, text string, copies ...corpus.CopyRef) corpus.Hit {
		return corpus.Hit{Passage: corpus.Passage{ID: id*10 + 1, ArticleID: id, Text: text},
			Article: corpus.Article{ID: id, Source: source, Title: source + " story"}, Copies: copies}
	}
	r := New(mustOpenMem(t), mustOpenMem(t), Options{})
	first := Result{Confidence: 0.9, Hits: []corpus.Hit{
		mk(1, "Wire Daily", wireStory[0], corpus.CopyRef{ArticleID: 3, Source: "Saxony Courier"}),
		mk(4, "Rail News", wireStory[1]),
	}}
	second := Result{Confidence: 0.8, Hits: []corpus.Hit{
		mk(2, "Elbe Post", "ELBE POST - "+wireStory[0]),
		mk(5, "City Herald", "Residents of Dresden spent the night on the embankment watching the Elbe rise while volunteers brought food to the evacuation centres in schools and sports halls across the city."),
	}}
	got := r.mergeParts([]Result{first, second}, 6)
	// 2 copies 1 and is dropped; the second part's turn goes on to 5.
	if ids := articleIDs(got.Hits); !slices.Equal(ids, []int64{1, 5, 4}) {
		t.Fatalf("mergeParts articles = %v; want [1 5 4] (2 copies 1)", ids)
	}
	var copies []int64
	for _, c := range got.Hits[0].Copies {
		copies = append(copies, c.ArticleID)
	}
	if !slices.Equal(copies, []int64{3, 2}) {
		t.Errorf("copies of the kept hit = %v; want [3 2]", copies)
	}
	if got.Confidence != 0.8 {
		t.Errorf("mergeParts confidence = %v; want the lower part's 0.8", got.Confidence)
	}
}

// TestRetrieveKeepsUpdateOfAskedSentence: an outlet's two versions of one
// article share most of a passage, and the later rewrote the sentence the
// question is about. Whichever ranks second is a copy by its shingles,
// but its rewritten sentence holds most of the words asked about and the
// other's lacks it, so it keeps its own slot; asked about the text they
// share, one is collapsed into the other.
func TestRetrieveKeepsUpdateOfAskedSentence(t *testing.T) {
	t.Parallel()
	body := "Former Vice President Dick Cheney died on Monday at the age of 84, his family said in a statement, " +
		"after complications of pneumonia and cardiac and vascular disease. Cheney served two terms under George W. Bush " +
		"and was one of the most powerful vice presidents in the history of the country, shaping the response to the " +
		"attacks of September 11 and the wars in Afghanistan and Iraq that followed. Flags at the Capitol were lowered " +
		"to half-staff on Tuesday morning, and former colleagues from both parties paid tribute to his decades of service."
	first := body + " The White House had not publicly commented on his death by Tuesday afternoon."
	later := body + " The White House commented on his death on Tuesday evening, its press secretary offering condolences to the family."
	tests := []struct {
		name     string
		question string
		want     int // articles of the two versions in the hits
	}{
		{"asks about the rewritten sentence", "Has the White House commented on Cheney's death?", 2},
		{"asks about the shared text", "At what age did Dick Cheney die?", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustOpenMem(t)
			a := s.add(t, corpus.Article{Title: "Dick Cheney dies at 84", Source: "Daily Wire Service", URL: "https://a.example/cheney",
				PublishedAt: day(2026, 11, 24)}, first)
			b := s.add(t, corpus.Article{Title: "Dick Cheney dies at 84", Source: "Daily Wire Service", URL: "https://a.example/cheney-update",
				PublishedAt: day(2026, 11, 25)}, later)
			r := New(s, s, Options{Now: func() time.Time { return testAsOf }})
			res, err := r.Retrieve(context.Background(), Request{Question: tt.question, AsOf: testAsOf, K: 6})
			if err != nil {
				t.Fatal(err)
			}
			got := articleIDs(res.Hits)
			n := 0
			for _, id := range got {
				if id == a || id == b {
					n++
				}
			}
			if n != tt.want {
				t.Errorf("Retrieve(%q) articles = %v; want %d of the two versions %d, %d", tt.question, got, tt.want, a, b)
			}
		})
	}
}

// TestCollapserCitesFullerCopy: of two copies, the one ranked first is
// kept unless a lower one holds all of its text and more; that one then
// takes its place and score, and lists the trimmed copy. A copy that
// differs only by a dateline is no fuller, and an earlier version (a day
// before) does not replace the newer.
func TestCollapserCitesFullerCopy(t *testing.T) {
	t.Parallel()
	full := wireStory[0] + " " + wireStory[1]
	trimmed := wireStory[0] + " " + wireStory[1][:strings.Index(wireStory[1], ".")+1]
	hit := func(id int64, source, text string, score float64) corpus.Hit {
		return corpus.Hit{Passage: corpus.Passage{ID: id * 10, ArticleID: id, Text: text}, Score: score,
			Article: corpus.Article{ID: id, Source: source, Title: source + " story", URL: "https://" + source + ".example/elbe"}}
	}
	dated := func(h corpus.Hit, at time.Time) corpus.Hit {
		h.Article.PublishedAt = at
		return h
	}
	tests := []struct {
		name        string
		first, then corpus.Hit
		wantID      int64 // the article kept
		wantCopy    int64 // the one listed as its copy
	}{
		{"fuller copy ranked second replaces the first", hit(1, "short", trimmed, 9), hit(2, "wire", full, 8), 2, 1},
		{"shorter copy ranked second is dropped", hit(1, "wire", full, 9), hit(2, "short", trimmed, 8), 1, 2},
		{"a dateline makes no fuller copy", hit(1, "wire", full, 9), hit(2, "post", "ELBE POST - "+full, 8), 1, 2},
		{"an earlier version is no fuller copy", dated(hit(1, "short", trimmed, 9), day(2026, 11, 25)), dated(hit(2, "wire", full, 8), day(2026, 11, 24)), 1, 2},
		{"a copy of the same morning is", dated(hit(1, "short", trimmed, 9), day(2026, 11, 24).Add(6*time.Hour)), dated(hit(2, "wire", full, 8), day(2026, 11, 24)), 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col := newCopyCollapser(&corpus.Analyzer{}, []string{"elb", "flood"})
			col.add(tt.first)
			if col.add(tt.then) {
				t.Fatalf("second copy kept beside the first; want one hit")
			}
			if len(col.kept) != 1 {
				t.Fatalf("kept %d hits; want 1", len(col.kept))
			}
			k := col.kept[0]
			if k.Article.ID != tt.wantID || k.Score != tt.first.Score {
				t.Errorf("kept article %d score %v; want article %d with the first's score %v", k.Article.ID, k.Score, tt.wantID, tt.first.Score)
			}
			if len(k.Copies) != 1 || k.Copies[0].ArticleID != tt.wantCopy {
				t.Errorf("copies of the kept hit = %+v; want article %d", k.Copies, tt.wantCopy)
			}
		})
	}
}
