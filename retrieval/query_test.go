package retrieval

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestQueryTermsFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		question string
		want     []string
	}{
		{"Which country has recognised the Taliban government recently?", []string{"countri", "recognis", "taliban", "govern"}},
		{"What's the latest news? What happened, tell me!", nil},
		{"Who won the 2030 World Cup final?", []string{"won", "2030", "world", "cup", "final"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := QueryTermsFor(tt.question); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("QueryTermsFor(%q) = %q; want %q", tt.question, got, tt.want)
		}
	}
	if got := len(QueryTermsFor(strings.Repeat("word ", 10) + longText(500))); got != MaxQueryTerms {
		t.Errorf("QueryTermsFor(long text) has %d terms; want %d", got, MaxQueryTerms)
	}
}

// longText is n distinct words.
func longText(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("w")
		b.WriteString(strings.Repeat("q", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(string(rune('a' + i/26%26)))
		b.WriteString(" ")
	}
	return b.String()
}

// FuzzQueryTermsFor checks the one input every user controls: whatever the
// question, its search terms are at most MaxQueryTerms distinct, non-empty
// runs of lower-case letters and digits in valid UTF-8.
func FuzzQueryTermsFor(f *testing.F) {
	for _, s := range hostileInputs() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := QueryTermsFor(s)
		if len(got) > MaxQueryTerms {
			t.Fatalf("QueryTermsFor(%q) has %d terms; want at most %d", s, len(got), MaxQueryTerms)
		}
		seen := make(map[string]bool)
		for _, term := range got {
			if term == "" || seen[term] || !utf8.ValidString(term) ||
				strings.IndexFunc(term, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) || unicode.IsUpper(r) }) >= 0 {
				t.Fatalf("QueryTermsFor(%q) = %q: bad or repeated term %q", s, got, term)
			}
			seen[term] = true
		}
	})
}

// hostileInputs are questions that break a query parser built carelessly:
// query syntax, quotes, control characters, invalid UTF-8, huge inputs.
func hostileInputs() []string {
	return []string{
		`"`, `""`, `"unbalanced`, `a "b" c`, `(`, `)`, `(a OR b`, `NEAR(a b, 3)`, `NEAR`,
		`a AND b`, `OR`, `AND NOT`, `NOT x`, `-x`, `x*`, `*`, `^start`, `title:taliban`,
		`{title body}: x`, `body:`, `'; DROP TABLE passages; --`, `Robert'); DROP TABLE t;--`,
		`🙂 emoji 🇵🇰 flags`, "ctrl\x00nul\x01\x7f", "tab\tnew\nline\r", "\xff\xfe invalid utf8",
		`a+b`, `c++`, `x:y:z`, `"a" + "b"`, `\"`, `%_`, `[x]`, `\x00`, "ｔａｌｉｂａｎ", "İstanbul ǅ ß ﬁ",
		strings.Repeat("taliban ", 2000), strings.Repeat("(", 10000), strings.Repeat(`"`, 10001),
		"الطالبان", "塔利班", "Пакистан", "ᏣᎳᎩ", "\u200b\u200d\ufeff",
	}
}
