package corpus

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"One sentence without end", []string{"One sentence without end"}},
		{"First one. Second one! Third one? Fourth…", []string{"First one.", "Second one!", "Third one?", "Fourth…"}},
		{"Mr. Smith met Dr. Jones at 5 p.m. on Friday.", []string{"Mr. Smith met Dr. Jones at 5 p.m. on Friday."}},
		{"Prices rose 5.93 pct. The index fell 1.2.", []string{"Prices rose 5.93 pct.", "The index fell 1.2."}},
		{"Exports to the U.S. rose sharply. The U.S. Treasury said so.", []string{"Exports to the U.S. rose sharply.", "The U.S. Treasury said so."}},
		{"He moved to the U.S. The move was sudden.", []string{"He moved to the U.S.", "The move was sudden."}},
		{"The deal closes on Jan. 5 next year. Shares rose.", []string{"The deal closes on Jan. 5 next year.", "Shares rose."}},
		{"John F. Kennedy spoke. Everyone listened.", []string{"John F. Kennedy spoke.", "Everyone listened."}},
		{`"We will win," he said. "Nobody doubts it." Then he left.`, []string{`"We will win," he said.`, `"Nobody doubts it."`, "Then he left."}},
		{"He said “it is over.” Talks ended.", []string{"He said “it is over.”", "Talks ended."}},
		{"Apple Inc. said on Monday it would hire. Acme Corp. Chief Executive Jo Bloggs agreed.", []string{"Apple Inc. said on Monday it would hire.", "Acme Corp. Chief Executive Jo Bloggs agreed."}},
		{"Wait... what happened? Nobody knows.", []string{"Wait... what happened?", "Nobody knows."}},
		{"Is it over?\" she asked. Yes.", []string{"Is it over?\" she asked.", "Yes."}},
		{"Item No. 5 was sold. Bids closed.", []string{"Item No. 5 was sold.", "Bids closed."}},
		{"First paragraph ends\n\nSecond paragraph", []string{"First paragraph ends", "Second paragraph"}},
		{"See www.example.com for details. Done.", []string{"See www.example.com for details.", "Done."}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Sentences(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Sentences(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// words returns n words "w1 w2 ... wn" ending with a period, as a sentence.
func words(prefix string, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = fmt.Sprintf("%s%d", prefix, i+1)
	}
	return strings.Join(ws, " ") + "."
}

func TestChunk(t *testing.T) {
	para := func(prefix string, sentences, size int) string {
		ss := make([]string, sentences)
		for i := range ss {
			ss[i] = words(fmt.Sprintf("%s%d_", prefix, i), size)
		}
		return strings.Join(ss, " ")
	}
	tests := []struct {
		name   string
		in     string
		counts []int // words per passage
	}{
		{"empty", "", nil},
		{"blank", " \n\n ", nil},
		{"short article is one passage", "Just a short story.", []int{4}},
		{"paragraphs packed near 300", strings.Join([]string{para("a", 2, 75), para("b", 2, 75), para("c", 2, 75), para("d", 2, 75)}, "\n\n"), []int{300, 300}},
		{"long paragraph cut between sentences", para("a", 10, 60), []int{300, 300}},
		{"whole paragraph kept up to 450", para("a", 7, 60) + "\n\n" + para("b", 4, 60), []int{420, 240}},
		{"overlong sentence split evenly", words("w", 1000), []int{334, 334, 332}},
		{"tiny remainder merged", para("a", 5, 60) + "\n\n" + words("z", 10), []int{310}},
		{"remainder kept when merge too big", para("a", 7, 64) + "\n\n" + words("z", 29), []int{448, 29}},
		{"short heading joins next paragraph", "Heading here\n\n" + para("a", 5, 60), []int{302}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Chunk(tt.in)
			var counts []int
			for _, c := range got {
				counts = append(counts, len(strings.Fields(c)))
			}
			if !reflect.DeepEqual(counts, tt.counts) {
				t.Errorf("Chunk(%q) word counts = %v; want %v\nchunks: %q", truncate(tt.in, 80), counts, tt.counts, got)
			}
			checkChunks(t, tt.in, got)
		})
	}
}

func TestChunkSeparators(t *testing.T) {
	in := "First para.\n\nSecond  para\nwrapped."
	want := []string{"First para.\n\nSecond para wrapped."}
	if got := Chunk(in); !reflect.DeepEqual(got, want) {
		t.Errorf("Chunk(%q) = %q; want %q", in, got, want)
	}
}

// checkChunks asserts Chunk's invariants: no empty passage, and the words
// of the input appear in the passages exactly once, in order.
func checkChunks(t *testing.T, in string, chunks []string) {
	t.Helper()
	var got []string
	for i, c := range chunks {
		if strings.TrimSpace(c) == "" {
			t.Fatalf("Chunk(%q): passage %d is empty", in, i)
		}
		got = append(got, strings.Fields(c)...)
	}
	if want := strings.Fields(in); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("Chunk(%q): passages hold words %q; want %q", in, got, want)
	}
}

func FuzzChunk(f *testing.F) {
	f.Add("")
	f.Add("One. Two? Three!")
	f.Add(words("w", 400))
	f.Add("Mr. Smith went to the U.S. on Jan. 5.\n\nHe said: \"It was 5.93 pct.\" Then left…")
	f.Add("a\n\n\n\nb\r\n\r\nc \t d\u00a0e\u2028f")
	f.Add(strings.Repeat("Short sentence here. ", 200))
	f.Fuzz(func(t *testing.T, in string) {
		chunks := Chunk(in)
		checkChunks(t, in, chunks)
		for i, c := range chunks {
			if n := len(strings.Fields(c)); n > maxMergedWords {
				t.Fatalf("Chunk(%q): passage %d has %d words; want <= %d", in, i, n, maxMergedWords)
			}
		}
		if n := NormalizeText(in); NormalizeText(n) != n {
			t.Fatalf("NormalizeText(%q) = %q, but NormalizeText of that = %q (not idempotent)", in, n, NormalizeText(n))
		}
		if d := DedupParagraphs(NormalizeText(in)); NormalizeText(d) != d {
			t.Fatalf("DedupParagraphs(NormalizeText(%q)) = %q is not normalised", in, d)
		}
		sentences := Sentences(in)
		if got, want := strings.Fields(strings.Join(sentences, " ")), strings.Fields(in); !reflect.DeepEqual(got, want) && len(want) > 0 {
			t.Fatalf("Sentences(%q) = %q; the words differ from the input's", in, sentences)
		}
		for _, s := range sentences {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("Sentences(%q) returned %q", in, s)
			}
		}
	})
}
