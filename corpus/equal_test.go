package corpus

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

// checkSameText checks every fast text function against its reference
// (reference_test.go) on one text and reports the first difference.
func checkSameText(t *testing.T, an *Analyzer, text string) {
	t.Helper()
	if got, want := fold(text), refFold(text); got != want {
		t.Fatalf("fold(%q) = %q; want %q", text, got, want)
	}
	if got, want := Terms(text), refTerms(text); !slices.Equal(got, want) {
		t.Fatalf("Terms(%q) = %q; want %q", text, got, want)
	}
	if got, want := an.Terms(text), refTerms(text); !slices.Equal(got, want) {
		t.Fatalf("Analyzer.Terms(%q) = %q; want %q", text, got, want)
	}
	if got, want := QueryTerms(text), refQueryTerms(text); !slices.Equal(got, want) {
		t.Fatalf("QueryTerms(%q) = %q; want %q", text, got, want)
	}
	if got, want := an.QueryTerms(text), refQueryTerms(text); !slices.Equal(got, want) {
		t.Fatalf("Analyzer.QueryTerms(%q) = %q; want %q", text, got, want)
	}
	if got, want := ContentHash(text), refContentHash(text); got != want {
		t.Fatalf("ContentHash(%q) = %s; want %s", text, got, want)
	}
	norm := NormalizeText(text)
	if want := refNormalizeText(text); norm != want {
		t.Fatalf("NormalizeText(%q) = %q; want %q", text, norm, want)
	}
	for _, in := range []string{text, norm} {
		if got, want := DedupParagraphs(in), refDedupParagraphs(in); got != want {
			t.Fatalf("DedupParagraphs(%q) = %q; want %q", in, got, want)
		}
		if got, want := Sentences(in), refSentences(in); !slices.Equal(got, want) {
			t.Fatalf("Sentences(%q) = %q; want %q", in, got, want)
		}
		if got, want := Chunk(in), refChunk(in); !slices.Equal(got, want) {
			t.Fatalf("Chunk(%q) = %q; want %q", in, got, want)
		}
	}
}

// checkSamePrepare checks Prepare against its reference on one article.
func checkSamePrepare(t *testing.T, in Article) {
	t.Helper()
	got, want := in, in
	gotErr, wantErr := Prepare(&got), refPrepare(&want)
	if !sameError(gotErr, wantErr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("Prepare(%+v) = %+v, %v; want %+v, %v", in, got, gotErr, want, wantErr)
	}
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error() && errors.Is(a, ErrInvalid) == errors.Is(b, ErrInvalid)
}

func TestFastTextEqualsReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		path  string
		limit int
	}{
		{"realtimeqa", realTimeQAFile, 500},
		{"reuters", reutersFile, 2000},
		{"generated", generatedFile, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if testing.Short() {
				t.Skip("compares thousands of articles; skipped with -short")
			}
			arts := loadArticles(t, tt.path, tt.limit)
			var an Analyzer
			for _, a := range arts {
				checkSameText(t, &an, a.Body)
				checkSameText(t, &an, a.Title)
				checkSamePrepare(t, Article{URL: a.URL, Title: a.Title, Body: a.Body})
			}
			t.Logf("%d articles identical", len(arts))
		})
	}
}

// hardTexts are inputs where a fast path could go wrong: combining
// sequences after ASCII, compatibility characters, invalid UTF-8, long runs
// of combining marks, possessives at every position, odd spaces.
var hardTexts = []string{
	"",
	"e\u0301te\u0301 cafe\u0301 Cafe\u0301's",
	"a\u0301\u0316\u0300b \u1100\u1161\u11a8 \uac00\u0301",
	"ﬁnance ＡＢＣ ① ² ½ ㎏ Ⅻ ǅ ß İstanbul ΣΑΣ",
	"\xff\xfeab\xc3 \xe2\x80 end\x80's",
	"a\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030a\u030b\u030c\u030d\u030e\u030f\u0310\u0311\u0312\u0313\u0314\u0315\u0316\u0317\u0318\u0319\u031a\u031b\u031c\u031d\u031e\u031f\u0320\u0321\u0322x",
	"a\U0001D165\u0301\U0001D165\u0316b \u0F71\u0F72\u0F73",
	"Pakistan's PAKISTAN'S it’s 's 's's x'sy x's1 x'S",
	"one\u00a0two\u2003three\u2028four\u2029five\u0085six\r\nseven\rleight\v\f",
	"A line that is about forty characters\nlong and wraps here for the test\nto see. Short.\n\n  Indented para\n- bullet\n• bullet two",
	"Mr. Smith went to Washington. He said so! Really? Yes… U.S. The end. John F. Kennedy. Jan. 5 came.",
	"\u200bzero\u200dwidth\ufeff\u00adsoft \U000E0041tag",
	"Ünïcödé ÀÉÎÕÜ ǰ ẞ ﬀ Ǆ 𝐀𝐁 ｆｕｌｌ",
	"Dup para.\n\ndup   PARA.\n\nOther.\n\nDUP para.",
	"\u0345\u0399 \u03b9\u0345 K Å",
	"\t\n \n",
}

func TestFastTextEqualsReferenceHard(t *testing.T) {
	t.Parallel()
	var an Analyzer
	for _, s := range hardTexts {
		checkSameText(t, &an, s)
		checkSamePrepare(t, Article{Title: s, Body: s})
	}
}

func FuzzFastText(f *testing.F) {
	for _, s := range hardTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var an Analyzer
		checkSameText(t, &an, s)
		checkSameText(t, &an, s) // again, from the stem cache
	})
}

func FuzzFastPrepare(f *testing.F) {
	for _, s := range hardTexts {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, title, body string) {
		checkSamePrepare(t, Article{Title: title, Body: body})
	})
}

// TestAnalyzerConcurrent runs one Analyzer from several goroutines, as
// bulk ingest does, so the race detector sees its batched cache updates.
func TestAnalyzerConcurrent(t *testing.T) {
	t.Parallel()
	var an Analyzer
	done := make(chan []string, 4)
	for g := range 4 {
		go func() {
			var bad []string
			for round := range 20 {
				s := hardTexts[(g+round)%len(hardTexts)]
				if got, want := an.Terms(s), refTerms(s); !slices.Equal(got, want) {
					bad = append(bad, s)
				}
			}
			done <- bad
		}()
	}
	for range 4 {
		for _, s := range <-done {
			t.Errorf("Analyzer.Terms(%q) differs from the reference under concurrency", s)
		}
	}
}
