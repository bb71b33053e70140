package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

// memStore is an Adder that keeps articles in a slice.
type memStore struct{ added []corpus.Article }

func (m *memStore) Add(_ context.Context, a *corpus.Article) error {
	a.ID = int64(len(m.added) + 1)
	m.added = append(m.added, *a)
	return nil
}

func TestPathsRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.txt", []byte("A title\n\nThe council approved the quarry expansion on Friday after a long debate."))
	zip := write("renamed.md", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00zipcontent\x00\x00"))
	big := write("big.txt", []byte("Big\n\n"+strings.Repeat("words and more words ", 100)))
	tests := []struct {
		path string
		kind error
	}{
		{zip, corpus.ErrNotText},
		{big, corpus.ErrTooLarge},
		{"file:///etc/passwd", corpus.ErrUnsupported},
		{"https://example.com/a", corpus.ErrUnsupported}, // no fetcher given
	}
	paths := []string{good}
	for _, tt := range tests {
		paths = append(paths, tt.path)
	}
	var st memStore
	rep, err := Paths(context.Background(), &st, paths, Options{MaxBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 1 || rep.Failed != len(tests) {
		t.Fatalf("Paths = %s, failures %v; want 1 added and %d failed", rep.Summary(), rep.Failures, len(tests))
	}
	for i, tt := range tests {
		f := rep.Failures[i]
		if f.Source != tt.path || !errors.Is(f.Err, tt.kind) {
			t.Errorf("failure %d = %s: %v; want %s: %v", i, f.Source, f.Err, tt.path, tt.kind)
		}
	}
}

func TestArticleTooLarge(t *testing.T) {
	t.Parallel()
	var st memStore
	a := corpus.Article{Title: "Pasted", Body: strings.Repeat("pasted words ", 200)}
	rep, err := Article(context.Background(), &st, a, Options{MaxBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 1 || len(st.added) != 0 || !errors.Is(rep.Failures[0].Err, corpus.ErrTooLarge) {
		t.Errorf("Article(2.6 KB, limit 1 KiB) = %s, %v; want refused as too large", rep.Summary(), rep.Failures)
	}
	rep, err = Article(context.Background(), &st, a, Options{})
	if err != nil || rep.Added != 1 {
		t.Errorf("Article(2.6 KB, default limit) = %s, %v; want added", rep.Summary(), err)
	}
}
