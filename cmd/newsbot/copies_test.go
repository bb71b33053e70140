package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// wireBody is one agency story that three outlets ran, each under its own
// dateline.
const wireBody = `Flood barriers along the Elbe river held overnight as water levels peaked at 7.4 metres in Dresden, the highest since 2013, regional officials said on Tuesday. About 3,000 residents of low-lying districts were moved to schools and sports halls, and the army sent 400 soldiers to fill sandbags along the old town embankment.

"The next 24 hours decide whether the barriers hold," said Saxony's interior minister Armin Schuster at a briefing in the city hall. Rail services between Dresden and Prague were suspended after the line near Bad Schandau was flooded, the operator said.

Forecasters expect the river to fall slowly from Thursday, but warned that more rain in the Czech mountains could send a second crest downstream at the weekend.`

// TestAskReportedByCopies: three outlets' copies of one wire story are one
// source of the answer, which says all three reported it; the plain
// output says so too.
func TestAskReportedByCopies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outlets := []string{"Wire Daily", "Elbe Post", "Saxony Courier"}
	for i, o := range outlets {
		md := fmt.Sprintf("---\ntitle: Elbe flood barriers hold in Dresden (%s)\nsource: %s\npublished: 2025-07-2%d\nurl: https://outlet%d.example/elbe-flood\n---\n%s - %s\n",
			o, o, i+1, i, strings.ToUpper(o), wireBody)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("copy%d.md", i)), []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range followUpArticles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(t.TempDir(), "x.db")
	mustRun(t, nil, "-db", db, "ingest", dir)
	q := "How high did the Elbe flood peak in Dresden?"
	a := decodeAnswer(t, mustRun(t, nil, "-db", db, "ask", "--json", "--as-of", "2025-07-30", q))
	var wire int
	for _, s := range a.Sources {
		if strings.HasPrefix(s.Title, "Elbe flood barriers hold") {
			wire++
			got := slices.Clone(s.ReportedBy)
			slices.Sort(got)
			want := slices.Sorted(slices.Values(outlets))
			if !slices.Equal(got, want) || len(s.Copies) != 2 {
				t.Errorf("source %+v reported by %q with %d copies; want %q and 2 copies", s, s.ReportedBy, len(s.Copies), want)
			}
		}
	}
	if wire != 1 {
		t.Errorf("answer %q cites %d copies of the wire story (%+v); want one source", a.Answer, wire, a.Sources)
	}
	out := mustRun(t, nil, "-db", db, "ask", "--as-of", "2025-07-30", q)
	if !strings.Contains(out, "reported by ") || !strings.Contains(out, " and ") {
		t.Errorf("ask output %q; want it to say who reported the story", out)
	}
}
