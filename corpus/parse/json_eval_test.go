package parse

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// The evaluation corpora (RealTime QA's retrieved articles and held-out
// sets in their shape) spell dates "2026/01/09" and give authors as a list.
func TestReadRealTimeQAFields(t *testing.T) {
	line := `{"url": "https://example.com/news/2026/01/09/story", "title": "A story", "text": "First paragraph of the story.\n\nSecond paragraph.", "publish_date": "2026/01/09", "authors": ["Ann Lee", "Bo Chan"]}` + "\n" +
		`{"url": "https://example.com/other", "title": "Other", "text": "Another body.", "publish_date": null, "authors": []}` + "\n"
	var got []corpus.Article
	var errs []string
	err := (Reader{}).Read(context.Background(), "a.jsonl", strings.NewReader(line), func(a corpus.Article) error {
		got = append(got, a)
		return nil
	}, func(src string, err error) { errs = append(errs, src+": "+err.Error()) })
	if err != nil || len(errs) > 0 {
		t.Fatalf("Read = %v, problems %v", err, errs)
	}
	if len(got) != 2 {
		t.Fatalf("Read gave %d articles; want 2", len(got))
	}
	a := got[0]
	if want := time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC); !a.PublishedAt.Equal(want) {
		t.Errorf("PublishedAt = %v; want %v", a.PublishedAt, want)
	}
	if a.Author != "Ann Lee, Bo Chan" || a.Title != "A story" || a.URL != "https://example.com/news/2026/01/09/story" {
		t.Errorf("article = %q by %q at %q", a.Title, a.Author, a.URL)
	}
	if !strings.HasPrefix(a.Body, "First paragraph") {
		t.Errorf("Body = %q", a.Body)
	}
	if !got[1].PublishedAt.IsZero() || got[1].Author != "" {
		t.Errorf("null date and empty authors gave %v, %q", got[1].PublishedAt, got[1].Author)
	}
}

func TestParseDateSlashForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2026/01/09", time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC)},
		{"2025/01/04/00:09", time.Date(2025, 1, 4, 0, 9, 0, 0, time.UTC)},
		{"2025/01/04 13:05:07", time.Date(2025, 1, 4, 13, 5, 7, 0, time.UTC)},
	} {
		got, err := ParseDate(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
