// Package ingest reads articles from files, directories and uploads,
// prepares them (normalise, dedupe paragraphs, chunk, hash) and adds them to
// a store, counting what was added, what was a duplicate and what failed.
// The CLI's ingest command, the console's /add and Discord's /add file all
// go through it, so they behave alike.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/parse"
)

// maxFailuresKept bounds the failures a Report lists: a broken 19,000-line
// file must not turn into a 19,000-line error report. Failed still counts all.
const maxFailuresKept = 50

// Adder stores a prepared article.
// Returns an error wrapping corpus.ErrDuplicate for an article already stored.
type Adder interface {
	Add(ctx context.Context, a *corpus.Article) error
}

// BatchAdder is an Adder that can also store many articles in one
// transaction; ingest then reads files in batches, which is what makes bulk
// ingest fast (a commit costs far more than an article's rows). errs[i] is
// as[i]'s error as Add would return it; err means nothing was stored.
type BatchAdder interface {
	Adder
	AddBatch(ctx context.Context, as []*corpus.Article) (errs []error, err error)
}

// AnalysedBatchAdder is a BatchAdder that also stores a batch whose text
// the caller has analysed with its Analyzer (terms[i] is ArticleTerms of
// as[i]). Bulk ingest then analyses a batch on every core while the batch
// before it is being written, and still writes the batches in the order
// it read them: of two copies of an article in one file, the first is the
// one kept, on every run.
type AnalysedBatchAdder interface {
	BatchAdder
	// Analyzer is the store's own, whose stem cache stays warm across
	// ingests and whose terms AddAnalysedBatch expects.
	Analyzer() *corpus.Analyzer
	AddAnalysedBatch(ctx context.Context, as []*corpus.Article, terms []corpus.StoredTerms) (errs []error, err error)
}

// A batch is written when it holds DefaultBatchArticles articles (or
// Options.BatchArticles) or batchBytes of text: big enough that commits are a small part of the time, small enough
// that a bot serving from the same database waits a fraction of a second
// for the write lock, and that a crash loses little (a batch is all or
// nothing, and a re-run skips what was stored as duplicates). A commit
// writes every page it dirtied to the WAL, and most of those are pages of
// the indexes keyed at random (URL, hash, title, date), of which a batch
// dirties hundreds whatever its size: 2,000 articles a batch instead of
// 500 halved the bytes a 200,000-article ingest writes (11.0 -> 5.4 GB)
// and the time it waits for the disk (docs/BENCHMARKS.md).
const (
	DefaultBatchArticles = 2000
	batchBytes           = 16 << 20
)

// MaxBatchArticles bounds Options.BatchArticles: a transaction of more
// holds the write lock for seconds.
const MaxBatchArticles = 100_000

// Options says who adds the articles and where they are visible.
type Options struct {
	AddedBy string // e.g. "cli", "discord:<user id>"
	Scope   string // corpus.GlobalScope or a Discord server id; empty means global
	// Progress, if not nil, is called after each article with the running
	// totals (for a terminal progress line).
	Progress func(Report)
	// OnAdded, if not nil, is called with each article stored (for the
	// audit trail); its error stops the ingest.
	OnAdded func(ctx context.Context, a corpus.Article) error
	// Fetch, if not nil, reads the article of a web page: Paths then takes
	// http(s) URLs as well as paths. Its refusals are counted as failures.
	Fetch func(ctx context.Context, url string) (corpus.Article, error)
	// BatchArticles is how many articles one transaction of a bulk
	// ingest holds; <= 0 means DefaultBatchArticles. Fewer make the bot
	// serving beside the ingest wait less for the write lock, and the
	// ingest slower.
	BatchArticles int
	// MaxBytes bounds the input of one article, read from a file or given
	// as text (the fetcher has its own setting, given the same value by
	// the caller); <= 0 means corpus.DefaultMaxBytes.
	MaxBytes int64
}

// batchArticles is the effective size of a batch.
func (o Options) batchArticles() int {
	if o.BatchArticles <= 0 {
		return DefaultBatchArticles
	}
	return min(o.BatchArticles, MaxBatchArticles)
}

// maxBytes is the effective limit of one article's input.
func (o Options) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return corpus.DefaultMaxBytes
	}
	return o.MaxBytes
}

// Failure is one input that could not be added.
type Failure struct {
	Source string // file, file:line or record
	Err    error
}

// Report counts an ingest.
type Report struct {
	Added      int
	Duplicates int
	Failed     int
	Failures   []Failure // the first maxFailuresKept failures
	// AddedArticles holds id and title of added articles when few were
	// added (for a moderator's reply), at most maxAddedKept.
	AddedArticles []corpus.Article
}

// maxAddedKept bounds Report.AddedArticles.
const maxAddedKept = 10

func (r *Report) fail(source string, err error) {
	r.Failed++
	if len(r.Failures) < maxFailuresKept {
		r.Failures = append(r.Failures, Failure{Source: source, Err: err})
	}
}

// Summary is the one-line result: "added N, duplicates D, failed F".
func (r Report) Summary() string {
	return fmt.Sprintf("added %d, duplicates %d, failed %d", r.Added, r.Duplicates, r.Failed)
}

// Paths ingests files and directories (recursively), and web pages when
// opt.Fetch is set. Failures of single
// files or records are counted and listed, and the rest is still ingested;
// the error is non-nil only when ingesting stops early (cancelled context,
// a store failure other than a duplicate).
func Paths(ctx context.Context, store Adder, paths []string, opt Options) (Report, error) {
	var rep Report
	ins := newInserter(ctx, store, opt, &rep)
	err := ins.close(ins.paths(paths))
	return rep, err
}

// paths is the body of Paths.
func (ins *inserter) paths(paths []string) error {
	ctx, opt := ins.ctx, ins.opt
	rd := parse.Reader{MaxBytes: opt.MaxBytes, Raw: true} // the inserter prepares
	for _, p := range paths {
		if scheme, ok := urlScheme(p); ok && (opt.Fetch == nil || !isHTTP(scheme)) {
			// "file:///etc/passwd" is not a path to look for on disk, and
			// a web page cannot be read without a fetcher.
			ins.fail(p, corpus.Invalidf(corpus.ErrUnsupported, "addresses starting %s:// cannot be added (give a file path, or an http or https address)", scheme))
			continue
		}
		if opt.Fetch != nil && isURL(p) {
			a, err := opt.Fetch(ctx, p)
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("ingest %s: %w", p, ctx.Err())
				}
				ins.fail(p, err)
				continue
			}
			if err := ins.add(a, p); err != nil {
				return fmt.Errorf("ingest %s: %w", p, err)
			}
			continue
		}
		err := rd.ReadPath(ctx, p, func(a corpus.Article) error {
			return ins.add(a, p)
		}, func(src string, err error) {
			ins.fail(src, err)
		})
		if err != nil {
			if ctx.Err() != nil || isStoreErr(err) {
				return fmt.Errorf("ingest %s: %w", p, err)
			}
			ins.fail(p, err)
		}
	}
	return nil
}

// Reader ingests one upload whose format comes from name's extension.
func Reader(ctx context.Context, store Adder, name string, r io.Reader, opt Options) (Report, error) {
	var rep Report
	ins := newInserter(ctx, store, opt, &rep)
	err := parse.Reader{MaxBytes: opt.MaxBytes, Raw: true}.Read(ctx, name, r, func(a corpus.Article) error {
		return ins.add(a, name)
	}, func(src string, err error) {
		ins.fail(src, err)
	})
	if err != nil && ctx.Err() == nil && !isStoreErr(err) {
		ins.fail(name, err)
		err = nil
	}
	if err != nil {
		err = fmt.Errorf("ingest %s: %w", name, err)
	}
	err = ins.close(err)
	return rep, err
}

// Article adds one article built in code (pasted text, a fetched page).
// A body over opt.MaxBytes is a failure, like a file that size.
func Article(ctx context.Context, store Adder, a corpus.Article, opt Options) (Report, error) {
	var rep Report
	if n := int64(len(a.Body)); n > opt.maxBytes() {
		rep.fail(describe("text", a), corpus.Invalidf(corpus.ErrTooLarge, "the text is %s, larger than the %s limit for one article", parse.SizeText(n), parse.SizeText(opt.maxBytes())))
		report(opt, rep)
		return rep, nil
	}
	if err := add(ctx, store, a, a.Title, opt, &rep); err != nil {
		return rep, fmt.Errorf("ingest article: %w", err)
	}
	return rep, nil
}

// storeError marks an error from the store (as opposed to bad input) so that
// ingest stops: a full disk or a closed database will fail every article.
type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }
func (e storeError) Unwrap() error { return e.err }

func isStoreErr(err error) bool {
	var se storeError
	return errors.As(err, &se)
}

func add(ctx context.Context, store Adder, a corpus.Article, source string, opt Options, rep *Report) error {
	if a.AddedBy == "" {
		a.AddedBy = opt.AddedBy
	}
	a.Scope = opt.Scope
	if err := corpus.Prepare(&a); err != nil {
		rep.fail(describe(source, a), err)
		report(opt, *rep)
		return nil
	}
	return counted(ctx, opt, rep, &a, source, store.Add(ctx, &a))
}

// counted counts the outcome err of adding a, calling OnAdded for an
// article stored; it returns a storeError when ingest must stop.
func counted(ctx context.Context, opt Options, rep *Report, a *corpus.Article, source string, err error) error {
	switch {
	case err == nil:
		rep.Added++
		if opt.OnAdded != nil {
			// The article is stored: its audit record is written even if
			// the caller has given up meanwhile.
			if err := opt.OnAdded(context.WithoutCancel(ctx), *a); err != nil {
				return storeError{fmt.Errorf("after adding %q: %w", a.Title, err)}
			}
		}
		if len(rep.AddedArticles) < maxAddedKept {
			rep.AddedArticles = append(rep.AddedArticles, corpus.Article{ID: a.ID, Title: a.Title, URL: a.URL, Source: a.Source, PublishedAt: a.PublishedAt})
		}
	case errors.Is(err, corpus.ErrDuplicate):
		rep.Duplicates++
	case errors.Is(err, corpus.ErrInvalid):
		rep.fail(describe(source, *a), err)
	default:
		return storeError{fmt.Errorf("add %q: %w", a.Title, err)}
	}
	report(opt, *rep)
	return nil
}

func describe(source string, a corpus.Article) string {
	if a.Title != "" && a.Title != source {
		return fmt.Sprintf("%s (%q)", source, a.Title)
	}
	return source
}

func report(opt Options, rep Report) {
	if opt.Progress != nil {
		opt.Progress(rep)
	}
}

func isURL(s string) bool {
	scheme, ok := urlScheme(s)
	return ok && isHTTP(scheme)
}

func isHTTP(scheme string) bool { return scheme == "http" || scheme == "https" }

// urlScheme returns the lower-cased scheme of s when s is written as a URL
// ("scheme://..."), which no local path is.
func urlScheme(s string) (string, bool) {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return "", false
	}
	for i, r := range scheme {
		alpha := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !alpha && (i == 0 || !(r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return "", false
		}
	}
	return strings.ToLower(scheme), true
}
