package corpus

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPrepare(t *testing.T) {
	long := strings.Repeat("word ", 40) + "end."
	tests := []struct {
		name string
		in   Article
		want Article // Hash and Passages are checked separately
	}{
		{
			name: "full article",
			in: Article{
				URL:    "HTTPS://News.Example.com/a/?utm_source=x#top",
				Title:  "  Port strike\n ends ",
				Source: " Harbour\tTimes ",
				Author: "Jane  Doe",
				Body:   "Lead  paragraph.\n\nLead paragraph.\n\nSecond\u200b paragraph.",
				Scope:  "1234",
			},
			want: Article{
				URL: "https://news.example.com/a", Title: "Port strike ends", Source: "Harbour Times",
				Author: "Jane Doe", Body: "Lead paragraph.\n\nSecond paragraph.", Scope: "1234",
			},
		},
		{
			name: "title from first sentence, global scope",
			in:   Article{Body: "Talks ended on Friday. Nobody won."},
			want: Article{Title: "Talks ended on Friday.", Body: "Talks ended on Friday. Nobody won.", Scope: GlobalScope},
		},
		{
			name: "long derived title cut at a word",
			in:   Article{Body: long},
			want: Article{Title: strings.TrimSpace(strings.Repeat("word ", 20)) + "…", Body: strings.TrimSpace(long), Scope: GlobalScope},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			if err := Prepare(&got); err != nil {
				t.Fatalf("Prepare(%+v) = %v; want nil", tt.in, err)
			}
			if got.Hash != ContentHash(got.Body) {
				t.Errorf("Prepare: Hash = %s; want ContentHash(Body) = %s", got.Hash, ContentHash(got.Body))
			}
			if len(got.Passages) == 0 {
				t.Errorf("Prepare: no passages")
			}
			for i, p := range got.Passages {
				if p.Seq != i || p.Text == "" {
					t.Errorf("Prepare: passage %d = %+v; want Seq %d and text", i, p, i)
				}
			}
			tt.want.Hash, tt.want.Passages = got.Hash, got.Passages
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Prepare(%+v) gave %+v; want %+v", tt.in, got, tt.want)
			}
			again := got
			again.Passages = append([]Passage(nil), got.Passages...)
			if err := Prepare(&again); err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("Prepare twice = %+v, %v; want %+v, nil (idempotent)", again, err, got)
			}
		})
	}
}

func TestPrepareInvalid(t *testing.T) {
	tests := []struct {
		name    string
		in      *Article
		wantMsg string
	}{
		{"nil", nil, "nil article"},
		{"empty body", &Article{Title: "Only a title"}, "article has no text"},
		{"invisible body", &Article{Body: "\u200b \n\n \ufeff"}, "article has no text"},
		{"bad URL", &Article{Body: "Text.", URL: "ftp://example.com/x"}, `"ftp://example.com/x"`},
		{"relative URL", &Article{Body: "Text.", URL: "/news/x"}, `"/news/x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Prepare(tt.in)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Prepare(%+v) = %v; want an ErrInvalid mentioning %s", tt.in, err, tt.wantMsg)
			}
		})
	}
}

func TestPrepareKeepsTimes(t *testing.T) {
	when := time.Date(2024, 3, 5, 8, 30, 0, 0, time.UTC)
	a := Article{Body: "Text.", PublishedAt: when, AddedBy: "cli", ID: 7}
	if err := Prepare(&a); err != nil {
		t.Fatal(err)
	}
	if !a.PublishedAt.Equal(when) || a.AddedBy != "cli" || a.Passages[0].ArticleID != 7 {
		t.Errorf("Prepare changed PublishedAt/AddedBy/ArticleID: %+v", a)
	}
}
