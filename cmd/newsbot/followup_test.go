package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// followUpArticles are two short stories of our own, beside the bundled
// sample about the Taliban, for the console's follow-up tests.
var followUpArticles = map[string]string{
	"riverton.md": `---
title: Riverton bridge opens to traffic after three years of work
source: Valley Courier
published: 2025-07-28
url: https://valley-courier.example/riverton-bridge-opens
---
The new Riverton bridge opened to traffic on Monday morning. The 640-metre bridge over the Wend river cost 212 million dollars, 30 million more than the city had planned. Engineers blamed the overrun on flooding in the second winter of construction.

Mayor Ana Ruiz said the crossing would cut the commute into the city centre by twenty minutes.
`,
	"lakeshore.md": `---
title: Priya Nand wins the Lakeshore mayoral race
source: Lakeshore Ledger
published: 2025-07-29
url: https://lakeshore-ledger.example/nand-wins
---
Priya Nand won the Lakeshore mayoral election on Sunday with 54 percent of the vote. Her opponent, council member Tom Bell, conceded late in the evening.

Turnout was 41 percent, the highest in two decades, after a campaign dominated by housing costs.
`,
}

// TestConsoleFollowUpsStayOnTopic is the sequence of issue 13: in the
// console every question after the first has the previous exchange as
// context, yet a question that stands on its own words must be answered
// from them, not from the story the previous answer was about.
func TestConsoleFollowUpsStayOnTopic(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	dir := seedDir(t)
	for name, text := range followUpArticles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, nil, "-db", db, "ingest", dir)
	in := strings.Join([]string{
		"Which country has recognised the Taliban government recently?",
		"How much did the Riverton bridge cost?",
		"Who won the Lakeshore election?",
		"What did her opponent do?",
		"/quit",
	}, "\n") + "\n"
	out, err := runCmd(t, nil, in, "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	answers := strings.Split(out, "> ")[1:] // the prompt precedes each answer
	if len(answers) < 4 {
		t.Fatalf("chat printed %d answers; want 4:\n%s", len(answers), out)
	}
	for i, want := range []struct{ has, lacks string }{
		{"Russia", "Riverton"},
		{"212 million", "Taliban"},
		{"Priya Nand", "Riverton"},
		// A real follow-up: "her opponent" is the election's.
		{"Tom Bell", "Taliban"},
	} {
		if !strings.Contains(answers[i], want.has) || strings.Contains(answers[i], want.lacks) {
			t.Errorf("answer %d = %q; want it to hold %q and not %q", i+1, answers[i], want.has, want.lacks)
		}
	}
}
