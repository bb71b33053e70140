package eval

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/ingest"
	"github.com/newsbot/newsbot/corpus/parse"
)

// Adder stores a prepared article (the store's Add).
// Returns an error wrapping corpus.ErrDuplicate for an article already stored.
type Adder interface {
	Add(ctx context.Context, a *corpus.Article) error
}

// addedBy marks the articles an evaluation adds, should it run on a real
// database (-db).
const addedBy = "eval"

// maxFailuresKept bounds the failures an IngestReport lists, as ingest does.
const maxFailuresKept = 50

// IngestReport counts what Ingest added.
type IngestReport struct {
	ingest.Report
	// Newest is the latest publication time of the articles read (added
	// or duplicate): the moment a question without a date is asked.
	Newest time.Time
	// Passages and Words count the passages and the body words of the
	// articles added (duplicates excluded).
	Passages, Words int
	// Elapsed is the wall time of the whole ingest: reading, preparing
	// and storing.
	Elapsed time.Duration
}

// Speed is the ingest's size and rate, or nil when it added nothing.
func (rep IngestReport) Speed() *IngestSpeed {
	if rep.Added == 0 {
		return nil
	}
	return &IngestSpeed{
		Articles: rep.Added, Duplicates: rep.Duplicates, Passages: rep.Passages, Words: rep.Words,
		Seconds: rep.Elapsed.Seconds(),
	}
}

// merge adds the counts of r to the report.
func (rep *IngestReport) merge(r ingest.Report) {
	rep.Added += r.Added
	rep.Duplicates += r.Duplicates
	rep.Failed += r.Failed
	for _, f := range r.Failures {
		if len(rep.Failures) < maxFailuresKept {
			rep.Failures = append(rep.Failures, f)
		}
	}
}

// countingAdder notes the newest publication time of the articles it is
// given, duplicates included, so a store reused with -db sees the same
// default question time as a fresh one; and it counts the passages and
// words of the articles stored, which ingest.Report does not.
// The lock makes it safe for an ingest that adds from several goroutines.
type countingAdder struct {
	Adder
	mu  *sync.Mutex
	rep *IngestReport
}

func (c countingAdder) Add(ctx context.Context, a *corpus.Article) error {
	words := countWords(a.Body)
	c.mu.Lock()
	if a.PublishedAt.After(c.rep.Newest) {
		c.rep.Newest = a.PublishedAt
	}
	c.mu.Unlock()
	if err := c.Adder.Add(ctx, a); err != nil {
		return err
	}
	c.mu.Lock()
	c.rep.Passages += len(a.Passages)
	c.rep.Words += words
	c.mu.Unlock()
	return nil
}

// AddBatch is Add for many articles: in one transaction when the store
// can (ingest.BatchAdder), else one by one.
func (c countingAdder) AddBatch(ctx context.Context, as []*corpus.Article) ([]error, error) {
	return c.counted(as, func() ([]error, error) {
		if b, ok := c.Adder.(ingest.BatchAdder); ok {
			return b.AddBatch(ctx, as)
		}
		errs := make([]error, len(as))
		for i, a := range as {
			errs[i] = c.Adder.Add(ctx, a)
		}
		return errs, nil
	})
}

// analysedCountingAdder is a countingAdder over a store that takes
// analysed batches (ingest.AnalysedBatchAdder), which it passes on, so
// that eval stores a corpus as `newsbot ingest` does.
type analysedCountingAdder struct {
	countingAdder
	store ingest.AnalysedBatchAdder
}

// Analyzer is the store's.
func (c analysedCountingAdder) Analyzer() *corpus.Analyzer { return c.store.Analyzer() }

// AddAnalysedBatch is AddBatch for a batch analysed with Analyzer.
func (c analysedCountingAdder) AddAnalysedBatch(ctx context.Context, as []*corpus.Article, terms []corpus.StoredTerms) ([]error, error) {
	return c.counted(as, func() ([]error, error) { return c.store.AddAnalysedBatch(ctx, as, terms) })
}

// counted runs add, which stores as, and counts what it stored.
func (c countingAdder) counted(as []*corpus.Article, add func() ([]error, error)) ([]error, error) {
	words := make([]int, len(as))
	c.mu.Lock()
	for i, a := range as {
		words[i] = countWords(a.Body)
		if a.PublishedAt.After(c.rep.Newest) {
			c.rep.Newest = a.PublishedAt
		}
	}
	c.mu.Unlock()
	errs, err := add()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, a := range as {
		if errs[i] == nil {
			c.rep.Passages += len(a.Passages)
			c.rep.Words += words[i]
		}
	}
	return errs, nil
}

// countWords counts the runs of non-space bytes of s, as strings.Fields
// would without building the slice: it runs once per stored article.
func countWords(s string) int {
	n, inWord := 0, false
	for _, r := range s {
		space := unicode.IsSpace(r)
		if !space && !inWord {
			n++
		}
		inWord = !space
	}
	return n
}

// Ingest adds the articles of paths to store, globally visible: a RealTime
// QA retrieval file (see IsGCS) through ReadGCS with each URL added once,
// anything else as the ingest command reads it. progress, if not nil,
// hears the running totals. The error is non-nil only when ingesting stops
// (a path that does not exist or cannot be opened, ctx done, a store
// failure): a benchmark run on part of its corpus would mislead.
func Ingest(ctx context.Context, store Adder, paths []string, progress func(ingest.Report)) (rep IngestReport, err error) {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return rep, fmt.Errorf("corpus: %w", err)
		}
	}
	start := time.Now()
	defer func() { rep.Elapsed = time.Since(start) }()
	counting := countingAdder{Adder: store, mu: new(sync.Mutex), rep: &rep}
	if b, ok := store.(ingest.AnalysedBatchAdder); ok {
		store = analysedCountingAdder{countingAdder: counting, store: b}
	} else {
		store = counting
	}
	for _, p := range paths {
		done := rep.Report
		opt := ingest.Options{AddedBy: addedBy, Scope: corpus.GlobalScope}
		if progress != nil {
			opt.Progress = func(r ingest.Report) {
				sum := IngestReport{Report: done}
				sum.merge(r)
				progress(sum.Report)
			}
		}
		gcs, err := IsGCS(p)
		if err != nil {
			return rep, err
		}
		var r ingest.Report
		if gcs {
			r, err = ingestGCS(ctx, store, p, opt)
		} else {
			r, err = ingest.Paths(ctx, store, []string{p}, opt)
		}
		rep.merge(r)
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// ingestGCS adds each article of a RealTime QA retrieval file once.
func ingestGCS(ctx context.Context, store Adder, path string, opt ingest.Options) (ingest.Report, error) {
	var rep IngestReport
	seen := make(map[string]bool)
	err := readGCSFile(ctx, path, func(a corpus.Article) error {
		if u := canonical(a.URL); u != "" {
			if seen[u] {
				rep.Duplicates++
				return nil
			}
			seen[u] = true
		}
		r, err := ingest.Article(ctx, store, a, ingest.Options{AddedBy: opt.AddedBy, Scope: opt.Scope})
		rep.merge(r)
		if opt.Progress != nil {
			opt.Progress(rep.Report)
		}
		return err
	})
	return rep.Report, err
}

// IsGCS reports whether path is a RealTime QA retrieval file
// (gcs_search_results_*.jsonl[.gz]): JSONL whose first record has a
// "search_result" list. Other files (and directories) are not.
func IsGCS(path string) (bool, error) {
	base := strings.ToLower(filepath.Base(path))
	if !strings.HasSuffix(base, ".jsonl") && !strings.HasSuffix(base, ".jsonl.gz") {
		return false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	r, err := maybeGunzip(path, f)
	if err != nil {
		return false, err
	}
	var first map[string]json.RawMessage
	if err := json.NewDecoder(r).Decode(&first); err != nil {
		return false, nil // not JSON objects: let the ordinary reader report it
	}
	_, ok := first["search_result"]
	return ok, nil
}

// maybeGunzip decompresses r when name ends in .gz.
func maybeGunzip(name string, r io.Reader) (io.Reader, error) {
	if !strings.HasSuffix(strings.ToLower(name), ".gz") {
		return r, nil
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(r, 256<<10))
	if err != nil {
		return nil, fmt.Errorf("read %s: gunzip: %w", name, err)
	}
	return zr, nil
}

func readGCSFile(ctx context.Context, path string, fn func(corpus.Article) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	r, err := maybeGunzip(path, f)
	if err != nil {
		return err
	}
	if err := ReadGCS(ctx, r, fn); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// gcsLine is one line of a RealTime QA retrieval file: the articles Google
// Custom Search returned for one question.
type gcsLine struct {
	QuestionID string `json:"question_id"`
	Results    []struct {
		URL         string   `json:"url"`
		Title       string   `json:"title"`
		Text        string   `json:"text"`
		Authors     []string `json:"authors"`
		PublishDate string   `json:"publish_date"`
	} `json:"search_result"`
}

// ReadGCS streams a (decompressed) RealTime QA retrieval file and calls fn
// with every search result as an unprepared article: URL, Title, Body (the
// text), Author (the authors joined with ", "), PublishedAt (publish_date,
// zero when missing or unreadable) and Source (the URL's host without
// "www."). Results repeat across questions; fn sees every occurrence. Lines
// reach about 600 KB, so they are decoded as a stream, not scanned. fn's
// error stops the reading; a decoding error is returned with its record
// number.
func ReadGCS(ctx context.Context, r io.Reader, fn func(corpus.Article) error) error {
	dec := json.NewDecoder(r)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var line gcsLine
		if err := dec.Decode(&line); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("record %d: %w", n, err)
		}
		for _, res := range line.Results {
			a := corpus.Article{
				URL:    res.URL,
				Title:  res.Title,
				Body:   res.Text,
				Author: strings.Join(res.Authors, ", "),
				Source: hostOf(res.URL),
			}
			if res.PublishDate != "" {
				if t, err := parse.ParseDate(res.PublishDate); err == nil {
					a.PublishedAt = t
				}
			}
			if err := fn(a); err != nil {
				return err
			}
		}
	}
}

// hostOf is the host of a URL without "www.", or "".
func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}
