package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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

// orderStore is a BatchAdder that records the order batches are committed
// in; the batch holding slowTitle takes a while, as a big batch would.
type orderStore struct {
	memStore
	mu        sync.Mutex
	slowTitle string
	committed []string // first title of each batch
	terms     []corpus.StoredTerms
}

func (o *orderStore) AddBatch(_ context.Context, as []*corpus.Article) ([]error, error) {
	if as[0].Title == o.slowTitle {
		time.Sleep(100 * time.Millisecond)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.committed = append(o.committed, as[0].Title)
	for _, a := range as {
		a.ID = int64(len(o.added) + 1)
		o.added = append(o.added, *a)
	}
	return make([]error, len(as)), nil
}

// analysedOrderStore is an orderStore that takes analysed batches.
type analysedOrderStore struct {
	orderStore
	an corpus.Analyzer
}

func (o *analysedOrderStore) Analyzer() *corpus.Analyzer { return &o.an }

func (o *analysedOrderStore) AddAnalysedBatch(ctx context.Context, as []*corpus.Article, terms []corpus.StoredTerms) ([]error, error) {
	o.mu.Lock()
	o.terms = append(o.terms, terms...)
	o.mu.Unlock()
	return o.AddBatch(ctx, as)
}

// TestBatchesInReadOrder: batches are committed in the order read, even
// when an earlier one takes longer than the one after it (two are in hand
// at once), whether the store analyses them or takes them analysed.
func TestBatchesInReadOrder(t *testing.T) {
	t.Parallel()
	var lines []string
	var want []string
	for i := range 6 {
		title := fmt.Sprintf("Story %d", i)
		want = append(want, title)
		lines = append(lines, fmt.Sprintf(`{"title":%q,"body":"Council meeting number %d approved the harbour budget on Monday.","url":"https://example.com/%d"}`, title, i, i))
	}
	path := filepath.Join(t.TempDir(), "stories.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	analysed := &analysedOrderStore{orderStore: orderStore{slowTitle: "Story 0"}}
	for _, tc := range []struct {
		name  string
		store BatchAdder
		order *orderStore
	}{
		{"analysed by the store", &orderStore{slowTitle: "Story 0"}, nil},
		{"analysed by ingest", analysed, &analysed.orderStore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			order := tc.order
			if order == nil {
				order = tc.store.(*orderStore)
			}
			rep, err := Paths(context.Background(), tc.store, []string{path}, Options{BatchArticles: 1})
			if err != nil || rep.Added != len(want) {
				t.Fatalf("Paths = %s, %v; want %d added", rep.Summary(), err, len(want))
			}
			if !slices.Equal(order.committed, want) {
				t.Errorf("batches committed in the order %q; want %q", order.committed, want)
			}
			if tc.order == nil {
				return
			}
			var an corpus.Analyzer
			for i, a := range order.added {
				if i >= len(order.terms) || !reflect.DeepEqual(order.terms[i], an.ArticleTerms(a.Title, a.Passages)) {
					t.Errorf("terms given with %q are not its analysis", a.Title)
				}
			}
		})
	}
}

// failingStore fails the batch holding failTitle, after a while (the
// batch after it is ready by then).
type failingStore struct {
	orderStore
	failTitle string
}

func (f *failingStore) AddBatch(ctx context.Context, as []*corpus.Article) ([]error, error) {
	if as[0].Title == f.failTitle {
		time.Sleep(100 * time.Millisecond)
		return nil, errors.New("disk full")
	}
	return f.orderStore.AddBatch(ctx, as)
}

// TestBatchFailureStopsInOrder: after a batch fails, no later batch is
// written and the ingest returns the failure instead of hanging.
func TestBatchFailureStopsInOrder(t *testing.T) {
	t.Parallel()
	var lines []string
	for i := range 8 {
		lines = append(lines, fmt.Sprintf(`{"title":"Story %d","body":"Council meeting number %d approved the harbour budget on Monday."}`, i, i))
	}
	path := filepath.Join(t.TempDir(), "stories.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	st := &failingStore{failTitle: "Story 2"}
	_, err := Paths(context.Background(), st, []string{path}, Options{BatchArticles: 1})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Paths = %v; want the store's failure", err)
	}
	if want := []string{"Story 0", "Story 1"}; !slices.Equal(st.committed, want) {
		t.Errorf("committed %q; want %q and nothing after the failed batch", st.committed, want)
	}
}
