package corpus

import (
	"os"
	"strings"
	"testing"
)

func TestNormalizeText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"spaces only", " \t\n \n", ""},
		{"collapse spaces and tabs", "  One\t\ttwo   three.  ", "One two three."},
		{"NFC", "cafe\u0301", "caf\u00e9"},
		{"zero-width and bidi", "Kha\u200bn sa\u200did\u202e it\u2066.\ufeff", "Khan said it."},
		{"controls dropped", "a\x00b\x07c\x1b d", "abc d"},
		{"other spaces", "a\u00a0b\u2003c", "a b c"},
		{"CRLF blank line", "First para.\r\n\r\nSecond para.", "First para.\n\nSecond para."},
		{"blank lines with spaces", "One.\n   \n\n\nTwo.", "One.\n\nTwo."},
		{
			"one paragraph per line",
			"Pakistan’s Foreign Ministry has dismissed reports suggesting imminent recognition of the Taliban administration.\nForeign Ministry spokesperson Shafqat Ali Khan made the remarks during a press conference in Islamabad on Thursday.\nShort line.",
			"Pakistan’s Foreign Ministry has dismissed reports suggesting imminent recognition of the Taliban administration.\n\nForeign Ministry spokesperson Shafqat Ali Khan made the remarks during a press conference in Islamabad on Thursday.\n\nShort line.",
		},
		{
			"Reuters hard wrap with indented paragraphs",
			"Showers continued throughout the week in\nthe Bahia cocoa zone, alleviating the drought since early\nJanuary and improving prospects for the coming temporao.\n    The dry period means the temporao will be late this year.\n    Arrivals for the week ended February 22 were 155,221 bags\nof 60 kilos making a cumulative total for the season of 5.93\nmln against 5.81 at the same stage last year.\n Reuter",
			"Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought since early January and improving prospects for the coming temporao.\n\nThe dry period means the temporao will be late this year.\n\nArrivals for the week ended February 22 were 155,221 bags of 60 kilos making a cumulative total for the season of 5.93 mln against 5.81 at the same stage last year.\n\nReuter",
		},
		{
			"hard wrap with unindented short last lines",
			"The committee met on Tuesday to discuss the budget for the\ncoming year and agreed on most of the items before it.\nIt ends here.\nA second paragraph starts after a short line and goes on for\na while before it also comes to a natural end.",
			"The committee met on Tuesday to discuss the budget for the coming year and agreed on most of the items before it. It ends here.\n\nA second paragraph starts after a short line and goes on for a while before it also comes to a natural end.",
		},
		{
			"bullets in wrapped text",
			"The minister listed three priorities for the government in\nthe coming months, as follows:\n- cut inflation\n- build houses",
			"The minister listed three priorities for the government in the coming months, as follows:\n\n- cut inflation\n\n- build houses",
		},
		{"list of short lines", "Pay March 31\nRecord March 13", "Pay March 31\n\nRecord March 13"},
		{"paragraph separator", "One.\u2029Two.", "One.\n\nTwo."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeText(tt.in); got != tt.want {
				t.Errorf("NormalizeText(%q) = %q; want %q", tt.in, got, tt.want)
			}
			if got := NormalizeText(tt.want); got != tt.want {
				t.Errorf("NormalizeText(%q) = %q; want it unchanged (idempotent)", tt.want, got)
			}
		})
	}
}

func TestDedupParagraphs(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"no repeats", "A.\n\nB.", "A.\n\nB."},
		{"exact repeat", "Lead.\n\nLead.\n\nMore.", "Lead.\n\nMore."},
		{"case and spacing", "The Lead  para.\n\nthe lead\npara.\n\nMore.", "The Lead  para.\n\nMore."},
		{"later repeat", "A.\n\nB.\n\nA.", "A.\n\nB."},
		{"blank paragraphs dropped", "\n\nA.\n\n \n\nB.\n\n", "A.\n\nB."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DedupParagraphs(tt.in); got != tt.want {
				t.Errorf("DedupParagraphs(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSeedLeadStoredOnce checks the project's seed article: its lead
// paragraph is repeated in the file and must be stored once.
func TestSeedLeadStoredOnce(t *testing.T) {
	data, err := os.ReadFile("testdata/seed.txt")
	if err != nil {
		t.Fatal(err)
	}
	const lead = "Pakistan’s Foreign Ministry has dismissed reports suggesting imminent recognition"
	if n := strings.Count(string(data), lead); n != 2 {
		t.Fatalf("fixture holds the lead %d times; want 2", n)
	}
	body := DedupParagraphs(NormalizeText(string(data)))
	if n := strings.Count(body, lead); n != 1 {
		t.Errorf("body holds the lead %d times; want 1:\n%s", n, body)
	}
	paras := strings.Split(body, "\n\n")
	if len(paras) != 9 { // title + 8 distinct paragraphs
		t.Errorf("body has %d paragraphs; want 9:\n%s", len(paras), body)
	}
}
