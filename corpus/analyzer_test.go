package corpus

import (
	"slices"
	"strings"
	"testing"
)

func TestAnalyzerMatchesTerms(t *testing.T) {
	t.Parallel()
	texts := []string{
		"",
		"Pakistan's foreign office dismissed reports as ‘speculation’ on Tuesday.",
		"Recognised, recognising, recognise: RECOGNISED. Café crème, naïve résumé.",
		"Covid19 cases in the 1990s rose 7.5 percent; 640-metre bridge costs $1.2bn.",
		"and then? what did he say? 東京 Москва",
	}
	var a Analyzer
	for _, text := range texts {
		for round := 0; round < 2; round++ { // the second round is served from the cache
			if got, want := a.Terms(text), Terms(text); !slices.Equal(got, want) {
				t.Errorf("Analyzer.Terms(%q) = %q; want %q", text, got, want)
			}
			if got, want := a.QueryTerms(text), QueryTerms(text); !slices.Equal(got, want) {
				t.Errorf("Analyzer.QueryTerms(%q) = %q; want %q", text, got, want)
			}
			if got, want := string(a.AppendTerms([]byte("x "), text)), "x "+strings.Join(Terms(text), " "); got != want {
				t.Errorf("Analyzer.AppendTerms(\"x \", %q) = %q; want %q", text, got, want)
			}
		}
	}
}

func BenchmarkAnalyzerTerms(b *testing.B) {
	const text = "The government said on Tuesday that the recognised Taliban administration would negotiate trade agreements with neighbouring countries, officials reported. "
	var a Analyzer
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			a.Terms(text)
		}
	})
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = a.AppendTerms(buf[:0], text)
		}
	})
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			Terms(text)
		}
	})
}
