package stories

import (
	"strings"
	"testing"
)

// BenchmarkProfile measures what Assign pays per article compared: the
// fingerprint and the features of a news article of about 9,000
// characters, each alone (each analysing the text) and together as a
// profile (analysing it once).
func BenchmarkProfile(b *testing.B) {
	a := loadArticle(b, "orla-ap")
	a.Body = strings.Repeat(a.Body+"\n\n", 6)
	m := NewMatcher(Options{})
	b.Run("fingerprint", func(b *testing.B) {
		for b.Loop() {
			m.fp.Fingerprint(a)
		}
	})
	b.Run("features", func(b *testing.B) {
		for b.Loop() {
			m.features(a)
		}
	})
	b.Run("profile", func(b *testing.B) {
		for b.Loop() {
			m.profile(a)
		}
	})
}
