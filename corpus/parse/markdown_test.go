package parse

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

func TestParseMarkdownText(t *testing.T) {
	tests := []struct {
		name, in    string
		title, body string
	}{
		{
			name:  "nested lists",
			in:    "# Budget vote\n\n- Schools\n- Roads\n  - Potholes\n  - Bridges\n    1. North bridge\n- Parks\n\nThe vote is on Friday.",
			title: "Budget vote",
			body:  "Schools\n\nRoads\n\nPotholes\n\nBridges\n\n1. North bridge\n\nParks\n\nThe vote is on Friday.",
		},
		{
			name:  "ordered list numbers as written",
			in:    "# Steps\n\n3. Raise rates\n7) Cut spending\n\n2024. The year the plan began.",
			title: "Steps",
			body:  "3. Raise rates\n\n7) Cut spending\n\n2024. The year the plan began.",
		},
		{
			name:  "reference links and setext headings",
			in:    "Harbour plan delayed\n====================\n\nBackground\n----------\n\nSee [the report][r1] and [minutes], not [this][none].\n\n[r1]: https://example.com/report \"Report\"\n[minutes]: <https://example.com/minutes>\n",
			title: "Harbour plan delayed",
			body:  "Background\n\nSee the report and minutes, not [this][none].",
		},
		{
			name:  "table rows as lines",
			in:    "# Results\n\n| Candidate | Votes |\n|:----------|------:|\n| Ann *Lee* | 1,204 |\n| Bob Roy   | 987   |\n\nTurnout was low.",
			title: "Results",
			body:  "Candidate | Votes\n\nAnn Lee | 1,204\n\nBob Roy | 987\n\nTurnout was low.",
		},
		{
			name:  "HTML blocks dropped, inline tags removed",
			in:    "# Port reopens\n\n<div class=\"ad\">\nSubscribe now\n</div>\n\n<!-- editor: check -->\n\nThe <b>port</b> reopened<br>on Monday.",
			title: "Port reopens",
			body:  "The port reopened\n\non Monday.",
		},
		{
			name:  "images dropped, code kept",
			in:    "# Release\n\n![A photo of the team](team.jpg)\nThe team shipped version 2.\n\n```sh\nmake release\n```\n\n    go build ./...\n",
			title: "Release",
			body:  "The team shipped version 2.\n\nmake release\n\ngo build ./...",
		},
		{
			name:  "emphasis, strikethrough, code spans, quotes",
			in:    "# Quote\n\n> The **minister** said it was _not_ ~~final~~ `settled`,\n> and that talks ***would*** go on.\n\nsnake_case_name stays.",
			title: "Quote",
			body:  "The minister said it was not final settled, and that talks would go on.\n\nsnake_case_name stays.",
		},
		{
			name:  "escapes, entities, autolinks",
			in:    "# Notes\n\nPrices rose 5\\* in Q1 &amp; Q2 &mdash; see <https://example.com/q> &#169;",
			title: "Notes",
			body:  "Prices rose 5* in Q1 & Q2 — see https://example.com/q ©",
		},
		{
			name:  "first line of a paragraph is the title",
			in:    "Council approves budget\nThe council approved the budget on Tuesday.\nIt passed 7 to 2.",
			title: "Council approves budget",
			body:  "The council approved the budget on Tuesday.\n\nIt passed 7 to 2.",
		},
		{
			name: "a leading rule means no title line",
			in:   "* * *\n\nThe council met.\n\nIt voted.",
			body: "The council met.\n\nIt voted.",
		},
		{
			name: "rules around a line of text are not front matter",
			in:   "---\nThe council met.\n---\nIt voted.",
			body: "The council met.\n\nIt voted.",
		},
		{
			name:  "never closed front matter is text",
			in:    "---\ntitle: x\nThe council met.",
			body:  "title: x\n\nThe council met.",
			title: "",
		},
		{
			name:  "CRLF and byte order mark",
			in:    "\uFEFF# Storm warning\r\n\r\nWinds of **90 km/h** are expected.\r\n",
			title: "Storm warning",
			body:  "Winds of 90 km/h are expected.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseMarkdown(tt.in, func(err error) { t.Errorf("parseMarkdown(%q) warned %v", tt.in, err) })
			if err != nil {
				t.Fatalf("parseMarkdown(%q) = %v", tt.in, err)
			}
			if a.Title != tt.title || a.Body != tt.body {
				t.Errorf("parseMarkdown(%q) = title %q, body %q; want %q, %q", tt.in, a.Title, a.Body, tt.title, tt.body)
			}
		})
	}
}

func TestParseMarkdownFrontMatter(t *testing.T) {
	date := func(s string) time.Time { d, _ := ParseDate(s); return d }
	tests := []struct {
		name, in string
		want     corpus.Article // compared on Title, URL, Source, Author, PublishedAt, Body
		warning  string         // part of the one warning expected, if any
	}{
		{
			name: "quotes, colons, lists, unknown keys",
			in: "---\ntitle: \"Breaking: council votes 7-2\"\nurl: 'https://example.com/a?b=c#d'\nsource: \"The Daily: Morning Edition\"\n" +
				"authors:\n  - Ann One\n  - Bob Two\ntags: [politics, local]\nextra: {nested: map}\ndate: 2024-06-14T10:00:00+02:00\n---\n\nThe council voted.",
			want: corpus.Article{Title: "Breaking: council votes 7-2", URL: "https://example.com/a?b=c#d", Source: "The Daily: Morning Edition",
				Author: "Ann One, Bob Two", PublishedAt: date("2024-06-14T08:00:00Z"), Body: "The council voted."},
		},
		{
			name: "other key names, any case",
			in:   "---\nTitle: Storm\nLink: https://example.com/s\nOutlet: Weather Wire\nByline: [Cy Three]\nPublished_At: \"2023-11-27 08:45\"\n---\nRain.",
			want: corpus.Article{Title: "Storm", URL: "https://example.com/s", Source: "Weather Wire", Author: "Cy Three", PublishedAt: date("2023-11-27 08:45"), Body: "Rain."},
		},
		{
			name: "author object, first of repeated keys, null title",
			in:   "---\ntitle: ~\nauthor:\n  name: Dee Four\n  email: dee@example.com\nsource: First\nsource: Second\n...\n# Heading title\n\nText.",
			want: corpus.Article{Title: "Heading title", Source: "First", Author: "Dee Four", Body: "Text."},
		},
		{
			name: "empty block, title repeated as heading",
			in:   "---\n---\n# Heading title\n\nText.",
			want: corpus.Article{Title: "Heading title", Body: "Text."},
		},
		{
			name: "title repeated as heading is dropped",
			in:   "---\ntitle: Heading title\n---\n# Heading title\n\nText.",
			want: corpus.Article{Title: "Heading title", Body: "Text."},
		},
		{
			name:    "bad date warns, the article stays",
			in:      "---\ntitle: Storm\ndate: sometime soon\n---\nRain.",
			want:    corpus.Article{Title: "Storm", Body: "Rain."},
			warning: `front matter: parse date "sometime soon"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warnings []string
			a, err := parseMarkdown(tt.in, func(err error) { warnings = append(warnings, err.Error()) })
			if err != nil {
				t.Fatalf("parseMarkdown(%q) = %v", tt.in, err)
			}
			got := corpus.Article{Title: a.Title, URL: a.URL, Source: a.Source, Author: a.Author, PublishedAt: a.PublishedAt, Body: a.Body}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseMarkdown(%q) = %+v; want %+v", tt.in, got, tt.want)
			}
			if tt.warning == "" && len(warnings) > 0 || tt.warning != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tt.warning)) {
				t.Errorf("parseMarkdown(%q) warnings = %q; want %q", tt.in, warnings, tt.warning)
			}
		})
	}
}

func TestParseMarkdownBadFrontMatter(t *testing.T) {
	tests := []struct{ name, in, line string }{
		{"unquoted colon", "---\ntitle: Breaking: council votes\n---\nText.", "line 2:"},
		{"bad indentation", "---\ntitle: Storm\nsource: Wire\n  date: 2024-01-02\n---\nText.", "line 4:"},
		{"unclosed quote", "---\ntitle: Storm\nurl: \"https://example.com\nsource: Wire\n---\nText.", "line "},
		{"tab indentation", "---\nauthor:\n\t- Ann\n---\nText.", "line 3:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMarkdown(tt.in, func(error) {})
			if !errors.Is(err, corpus.ErrInvalid) || !strings.Contains(err.Error(), "front matter") || !strings.Contains(err.Error(), tt.line) {
				t.Errorf("parseMarkdown(%q) = %v; want a corpus.ErrInvalid about the front matter naming %q", tt.in, err, tt.line)
			}
		})
	}
	var c collected
	if err := (Reader{}).Read(context.Background(), "bad.md", strings.NewReader(tests[0].in), c.fn, c.onErr); err != nil {
		t.Fatalf("Read(bad.md) = %v; want nil and a problem", err)
	}
	if len(c.articles) != 0 {
		t.Errorf("Read(bad.md) = %d articles; want none", len(c.articles))
	}
	checkProblems(t, "Read(bad.md)", c.problems, [][2]string{{"bad.md", "front matter (between the --- lines) is not valid YAML: line 2: mapping values are not allowed"}})
}

// FuzzParseMarkdown feeds the Markdown reader arbitrary text: it must not
// panic, and it may refuse only front matter, as invalid input.
func FuzzParseMarkdown(f *testing.F) {
	for _, s := range []string{
		"---\ntitle: \"a: b\"\nauthors: [x, {name: y}]\ndate: &d 2024-01-02\nz: *d\n---\n# T\n\nText.",
		"# T\n\n1. a\n   - b\n     2) c\n\n| x | y |\n|---|---|\n| `1` | ![i](j) |\n\n<div>\nx\n</div>\n\n[r]: /u\n> [t][r] &amp; \\* <br> ~~s~~",
		"T\n===\n\n```\ncode\n```\n\n    indented\n* * *\n<https://a.example>",
		"---\nkey: [unclosed\n---\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := parseMarkdown(in, func(error) {})
		if err != nil {
			if !errors.Is(err, corpus.ErrInvalid) || !strings.Contains(err.Error(), "front matter") {
				t.Fatalf("parseMarkdown(%q) = %v; want only a corpus.ErrInvalid about front matter", in, err)
			}
			return
		}
		if strings.Contains(a.Title, "\n") {
			t.Fatalf("parseMarkdown(%q) title %q has a line break", in, a.Title)
		}
	})
}

// TestParseMarkdownTooLong checks that text past the Markdown bounds (on
// which goldmark's parsing is quadratic) is read as plain text.
func TestParseMarkdownTooLong(t *testing.T) {
	tests := []struct{ name, in string }{
		{"one long paragraph", "# Title\n\n" + strings.Repeat("[a](", 200_000)},
		{"deep nesting", "# Title\n\n" + strings.Repeat(">", 200_000) + " x"},
		{"too large", "# Title\n\n" + strings.Repeat("Some **text** here.\n\n", 60_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseMarkdown(tt.in, func(error) {})
			if err != nil || a.Title != "# Title" || a.Body != corpus.NormalizeText(strings.TrimPrefix(tt.in, "# Title\n\n")) {
				t.Errorf("parseMarkdown(%s) = title %q, %d bytes of body, %v; want the text as is", tt.name, a.Title, len(a.Body), err)
			}
		})
	}
}
