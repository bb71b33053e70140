package discord

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/bot"
)

// renderSeeds are texts that have broken renderers: markdown link tricks,
// mentions, invisible and direction characters, markers at every boundary.
var renderSeeds = []string{
	"Russia recognised the Taliban administration [1]. Pakistan called it speculation [1][2].",
	"[https://good.example](https://evil.example)",
	"[[a](https://good.example)](https://evil.example)",
	"[good](https://evil.example/a_(b)) and [good]( <https://evil.example> ) and [t](https://evil.example \"title\")",
	`[a\]b](https://evil.example) [x](javascript:alert(1))`,
	"@everyone @here <@&3000000000000000001> <@4000000000000000001> @\u200beveryone @ever\u200byone",
	"\u202eevil\u202c \u2066x\u2069 zero\u200bwidth \ufeff",
	strings.Repeat("word ", 500) + "[1]",
	strings.Repeat("x", 2100) + "[12]" + strings.Repeat("y", 10),
	strings.Repeat("🙂", 1500) + " [3]",
	strings.Repeat("Sentence with a citation [1]. ", 80),
	"para one [1].\n\npara two [2].\n\n" + strings.Repeat("z ", 1200),
	"",
	" \n\t ",
	strings.Repeat("x", 10) + "[12]" + strings.Repeat("y", 30), // a marker at a hard cut (limit 12)
}

// FuzzSplitText checks splitText: every part within the limit and not
// blank, no text lost or reordered (only the white space at cuts), and no
// citation marker cut in two.
func FuzzSplitText(f *testing.F) {
	for _, s := range renderSeeds {
		f.Add(s, uint16(2000))
		f.Add(s, uint16(37))
	}
	f.Add(strings.Repeat("x", 10)+"[12]"+strings.Repeat("y", 30), uint16(4)) // limit 12
	f.Fuzz(func(t *testing.T, s string, limit uint16) {
		if !utf8.ValidString(s) {
			return // answer text is always valid UTF-8 (it came through JSON)
		}
		n := 8 + int(limit)%(maxContent-7) // 8..2000: room for "[123]" and a surrogate pair
		parts := splitText(s, n)
		if len(parts) == 0 {
			t.Fatalf("splitText(%q, %d) = no parts", s, n)
		}
		for i, p := range parts {
			if u16len(p) > n {
				t.Fatalf("splitText(%q, %d) part %d is %d units", s, n, i, u16len(p))
			}
			if strings.TrimSpace(p) == "" && len(parts) > 1 {
				t.Fatalf("splitText(%q, %d) part %d is blank", s, n, i)
			}
		}
		if got, want := squeeze(strings.Join(parts, "")), squeeze(s); got != want {
			t.Fatalf("splitText(%q, %d) = %q: text lost or changed", s, n, parts)
		}
		if got, want := countMarkers(parts), len(marker.FindAllString(s, -1)); got != want {
			t.Fatalf("splitText(%q, %d) = %q: %d whole markers; want %d (one was cut)", s, n, parts, got, want)
		}
	})
}

// FuzzRenderAnswer checks renderAnswer on hostile answers and sources: every
// message within Discord's limits, the answer's markers all present, no
// masked link (a link whose text can differ from its target) in the answer
// text, source links only to the sources' own http(s) URLs, no invisible or
// direction characters, and no live @everyone or @here.
func FuzzRenderAnswer(f *testing.F) {
	for i, s := range renderSeeds {
		f.Add(s, "The model did not answer in time.", "Fake](https://evil.example) [Real title", "https://news.example/a", "**Bold** @here", uint8(i))
	}
	f.Add("x [1]", "", "https://good.example", "https://evil.example/x", "", uint8(1))
	f.Add("x [1]", "", "www.good.example", "https://evil.example/x", "", uint8(1))
	f.Add("x [1]", "", strings.Repeat("T", 5000), "https://evil.example/"+strings.Repeat("p", 5000), strings.Repeat("o", 5000), uint8(40))
	f.Fuzz(func(t *testing.T, text, note, title, url, outlet string, nSources uint8) {
		if !utf8.ValidString(text + note + title + url + outlet) {
			return
		}
		a := bot.Answer{Text: text, Note: note, Mode: bot.ModeLLM, Grounded: true}
		for n := 1; n <= int(nSources)%50; n++ {
			a.Sources = append(a.Sources, bot.Source{N: n, Title: title, URL: url, Outlet: outlet, PublishedAt: day})
		}
		if nSources >= 128 {
			a.Nearest, a.Sources = a.Sources, nil
		}
		msgs := renderAnswer(a)
		var content []string
		for i, m := range msgs {
			if u16len(m.Content) > maxContent {
				t.Fatalf("message %d content is %d units", i, u16len(m.Content))
			}
			if len(m.Embeds) > maxEmbedsPerMessage || embedsLen(m.Embeds) > maxEmbedsTotal {
				t.Fatalf("message %d has %d embeds of %d units", i, len(m.Embeds), embedsLen(m.Embeds))
			}
			if m.Content == "" && len(m.Embeds) == 0 && len(msgs) > 1 {
				t.Fatalf("message %d of %d is empty", i, len(msgs))
			}
			checkShown(t, "content", m.Content)
			if strings.Contains(m.Content, "](") {
				t.Fatalf("message %d content has a masked link: %q", i, m.Content)
			}
			for _, e := range m.Embeds {
				if u16len(e.Description) > maxEmbedDescription || u16len(e.Title) > maxEmbedTitle {
					t.Fatalf("embed of %d/%d units", u16len(e.Title), u16len(e.Description))
				}
				checkShown(t, "embed", e.Description)
				checkLinks(t, e.Description, url)
			}
			content = append(content, m.Content)
		}
		want := len(marker.FindAllString(cleanText(text), -1))
		if got := countMarkers(content); got < want {
			t.Fatalf("renderAnswer(%q) kept %d of %d markers: %q", text, got, want, content)
		}
	})
}

// checkShown fails on text that could ping everyone or hide or reorder
// characters.
func checkShown(t *testing.T, where, s string) {
	t.Helper()
	for _, bad := range []string{"@everyone", "@here", "\u202e", "\u202d", "\u202b", "\u202a", "\u2066", "\u2067", "\u2068"} {
		if strings.Contains(s, bad) {
			t.Fatalf("%s contains %q: %q", where, bad, s)
		}
	}
}

// link is a masked link in a source line: [text](<target>).
var link = regexp.MustCompile(`\]\(<([^>]*)>\)`)

// checkLinks fails when an embed links anywhere but the source's own URL,
// or when a link's text is itself an address.
func checkLinks(t *testing.T, desc, url string) {
	t.Helper()
	for _, m := range link.FindAllStringSubmatchIndex(desc, -1) {
		target := desc[m[2]:m[3]]
		if target != url || !safeURL(url) {
			t.Fatalf("embed links to %q; want only the source URL %q: %q", target, url, desc)
		}
		open := strings.LastIndex(desc[:m[0]], "**")
		if shown := desc[max(open, 0):m[0]]; strings.Contains(shown, "://") || strings.Contains(strings.ToLower(shown), "www.") {
			t.Fatalf("link text %q looks like an address but points to %q", shown, target)
		}
	}
	if rest := link.ReplaceAllString(desc, ""); strings.Contains(rest, "](") {
		t.Fatalf("embed has a link not made by sourceLine: %q", desc)
	}
}

// countMarkers counts whole [n] markers in parts, each part on its own.
func countMarkers(parts []string) int {
	n := 0
	for _, p := range parts {
		n += len(marker.FindAllString(p, -1))
	}
	return n
}

// squeeze drops white space, which splitting may move or trim.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
