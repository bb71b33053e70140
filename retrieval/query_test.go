package retrieval

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/corpus"
)

func TestMatchExpr(t *testing.T) {
	t.Parallel()
	many := make([]string, MaxQueryTerms+10)
	for i := range many {
		many[i] = "t" + strings.Repeat("x", i)
	}
	tests := []struct {
		name  string
		terms []string
		want  string
	}{
		{"none", nil, ""},
		{"empty terms", []string{"", " ", "\x00"}, ""},
		{"one", []string{"taliban"}, `"taliban"`},
		{"or", []string{"taliban", "recognis"}, `"taliban" OR "recognis"`},
		{"repeat", []string{"a", "b", "a"}, `"a" OR "b"`},
		{"quote doubled", []string{`say "hi"`}, `"say ""hi"""`},
		{"operators stay strings", []string{"NEAR(a b)", "AND", "title:x"}, `"NEAR(a b)" OR "AND" OR "title:x"`},
		{"control chars removed", []string{"a\x00b\x1f"}, `"ab"`},
		{"invalid utf8 removed", []string{"a\xffb"}, `"ab"`},
		{"capped", many, MatchExpr(many[:MaxQueryTerms])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchExpr(tt.terms); got != tt.want {
				t.Errorf("MatchExpr(%q) = %q; want %q", tt.terms, got, tt.want)
			}
		})
	}
	if got := len(parseMatchExpr(t, MatchExpr(many))); got != MaxQueryTerms {
		t.Errorf("MatchExpr(%d terms) has %d terms; want %d", len(many), got, MaxQueryTerms)
	}
}

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

// parseMatchExpr splits a MatchExpr output into its unquoted terms, failing
// the test unless it is exactly `"t1" OR "t2" ...` with quotes doubled inside.
func parseMatchExpr(t testing.TB, expr string) []string {
	t.Helper()
	var terms []string
	rest := expr
	for rest != "" {
		if len(terms) > 0 {
			if !strings.HasPrefix(rest, " OR ") {
				t.Fatalf("MatchExpr output %q: want \" OR \" at %q", expr, rest)
			}
			rest = rest[len(" OR "):]
		}
		if !strings.HasPrefix(rest, `"`) {
			t.Fatalf("MatchExpr output %q: want a quote at %q", expr, rest)
		}
		rest = rest[1:]
		var term strings.Builder
		for {
			i := strings.IndexByte(rest, '"')
			if i < 0 {
				t.Fatalf("MatchExpr output %q: unterminated string", expr)
			}
			term.WriteString(rest[:i])
			rest = rest[i+1:]
			if strings.HasPrefix(rest, `"`) {
				term.WriteByte('"')
				rest = rest[1:]
				continue
			}
			break
		}
		terms = append(terms, term.String())
	}
	return terms
}

func FuzzMatchExpr(f *testing.F) {
	for _, s := range hostileInputs() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, terms := range [][]string{corpus.QueryTerms(s), strings.Fields(s), strings.Split(s, ",")} {
			expr := MatchExpr(terms)
			got := parseMatchExpr(t, expr)
			if len(got) > MaxQueryTerms {
				t.Fatalf("MatchExpr(%q) has %d terms; want at most %d", terms, len(got), MaxQueryTerms)
			}
			for _, term := range got {
				if term == "" || !utf8.ValidString(term) || strings.IndexFunc(term, unicode.IsControl) >= 0 {
					t.Fatalf("MatchExpr(%q) = %q: bad term %q", terms, expr, term)
				}
			}
		}
	})
}

// hostileInputs are questions that would break an FTS5 expression built
// without quoting.
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
