package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

// TestScanJoined: ScanJoined pages through the same articles as
// ScanIndexed, with the same terms, joined.
func TestScanJoined(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	for i := range 7 {
		texts := []string{fmt.Sprintf("Floods hit valley number %d.", i)}
		for j := range i % 3 {
			texts = append(texts, fmt.Sprintf("Rescuers reached %d villages on day %d.", j+2, i))
		}
		mustAdd(t, db, article(fmt.Sprintf("Story %d of the floods", i), []string{corpus.GlobalScope, "42"}[i%2], day(1+i), texts...))
	}
	if err := db.Delete(ctx, 3); err != nil { // a gap in the ids
		t.Fatal(err)
	}
	n := 0
	for after := int64(0); ; {
		want, err := db.ScanIndexed(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.ScanJoined(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("ScanJoined(%d) = %d articles; want %d", after, len(got), len(want))
		}
		if len(got) == 0 {
			break
		}
		for i, w := range want {
			g := got[i]
			if g.ArticleID != w.ArticleID || g.Scope != w.Scope || !g.PublishedAt.Equal(w.PublishedAt) ||
				g.TitleTerms != strings.Join(w.TitleTerms, " ") || len(g.Passages) != len(w.Passages) {
				t.Fatalf("ScanJoined article %+v; want %+v", g, w)
			}
			for k, p := range w.Passages {
				if g.Passages[k].ID != p.ID || g.Passages[k].Terms != strings.Join(p.Terms, " ") {
					t.Errorf("ScanJoined article %d passage %d = %+v; want %+v", g.ArticleID, k, g.Passages[k], p)
				}
			}
			n++
		}
		after = got[len(got)-1].ArticleID
	}
	if n != 6 {
		t.Errorf("scanned %d articles; want 6", n)
	}
}
