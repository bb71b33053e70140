package ingest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/newsbot/newsbot/corpus"
)

// inserter adds the articles a reader hands over: one at a time through
// Add, or, when the store is a BatchAdder, in batches written by
// goroutines of their own while the reader reads the next batch. Two
// batches are in hand at once: one is prepared on every core (and
// analysed, when the store is an AnalysedBatchAdder) while the other is
// written, and each is written only after the one read before it, so the
// store receives the articles in the order read. The Report is updated
// under mu; Progress and OnAdded are called from the writing goroutines,
// under mu, batch after batch.
type inserter struct {
	ctx      context.Context
	store    Adder
	batch    BatchAdder         // nil: one at a time
	analysed AnalysedBatchAdder // nil: the store analyses in AddBatch
	opt      Options
	rep      *Report

	mu      sync.Mutex // guards rep and werr
	werr    error      // the writers' first error; they then stop
	pending []pendingArticle
	size    int
	jobs    chan job
	// last is closed when the batch handed over last is written (or
	// given up): the next one waits for it.
	last chan struct{}
	done chan struct{}
}

// job is a batch for a writer, with its place in the order: it is written
// once prev is closed, and closes done when it is through.
type job struct {
	batch      []pendingArticle
	prev, done chan struct{}
}

// pendingArticle is a prepared article waiting for its batch, with the
// source its failure would be reported under.
type pendingArticle struct {
	a      *corpus.Article
	source string
}

func newInserter(ctx context.Context, store Adder, opt Options, rep *Report) *inserter {
	ins := &inserter{ctx: ctx, store: store, opt: opt, rep: rep}
	if b, ok := store.(BatchAdder); ok {
		ins.batch = b
		ins.analysed, _ = store.(AnalysedBatchAdder)
		ins.jobs = make(chan job, 1) // one batch waits while the reader goes on
		ins.last = make(chan struct{})
		close(ins.last) // the first batch waits for none
		ins.done = make(chan struct{})
		var wg sync.WaitGroup
		for range writers {
			wg.Go(ins.write)
		}
		go func() { wg.Wait(); close(ins.done) }()
	}
	return ins
}

// add queues a (as read, unprepared) for its batch, or prepares and adds
// it at once without batches. Its error stops the reader: a store failure.
func (ins *inserter) add(a corpus.Article, source string) error {
	if ins.batch == nil {
		ins.mu.Lock()
		defer ins.mu.Unlock()
		return add(ins.ctx, ins.store, a, source, ins.opt, ins.rep)
	}
	if a.AddedBy == "" {
		a.AddedBy = ins.opt.AddedBy
	}
	a.Scope = ins.opt.Scope
	ins.pending = append(ins.pending, pendingArticle{a: &a, source: source})
	ins.size += len(a.Body)
	if len(ins.pending) >= ins.opt.batchArticles() || ins.size >= batchBytes {
		return ins.flush()
	}
	return nil
}

// fail counts an input that could not be read.
func (ins *inserter) fail(source string, err error) {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	ins.rep.fail(source, err)
	report(ins.opt, *ins.rep)
}

// flush hands the pending batch to the writers; it returns their error
// if they have stopped.
func (ins *inserter) flush() error {
	if err := ins.writeErr(); err != nil {
		return err
	}
	if len(ins.pending) == 0 {
		return nil
	}
	j := job{batch: ins.pending, prev: ins.last, done: make(chan struct{})}
	select {
	case ins.jobs <- j:
	case <-ins.done:
		return ins.writeErr()
	case <-ins.ctx.Done():
		return ins.ctx.Err()
	}
	ins.pending, ins.size, ins.last = nil, 0, j.done
	return nil
}

func (ins *inserter) writeErr() error {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	return ins.werr
}

// writers is how many batches are in hand at once: one is prepared (and
// analysed) on every core while the other holds the write transaction, so
// the single writer connection is rarely idle.
const writers = 2

// write stores the batches until jobs is closed or a batch fails. A
// batch's done is closed only once its error is recorded, so the batch
// after a failed one sees the failure and writes nothing.
func (ins *inserter) write() {
	for j := range ins.jobs {
		if ins.writeErr() != nil || ins.ctx.Err() != nil {
			close(j.done) // drain: a writer failed, or the ingest is cancelled
			continue
		}
		if err := ins.writeBatch(j); err != nil {
			ins.mu.Lock()
			if ins.werr == nil {
				ins.werr = err
			}
			ins.mu.Unlock()
		}
		close(j.done)
	}
}

// writeBatch prepares and analyses one batch on every core, then, its turn
// come, adds the articles that could be prepared and counts each
// article's outcome.
func (ins *inserter) writeBatch(j job) error {
	batch := j.batch
	prepErrs := make([]error, len(batch))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(batch)) {
		wg.Go(func() {
			for i := range next {
				prepErrs[i] = corpus.Prepare(batch[i].a)
			}
		})
	}
	for i := range batch {
		next <- i
	}
	close(next)
	wg.Wait()

	var as []*corpus.Article
	var ok []pendingArticle
	for i, p := range batch {
		if prepErrs[i] == nil {
			as = append(as, p.a)
			ok = append(ok, p)
		}
	}
	var terms []corpus.StoredTerms
	if ins.analysed != nil {
		valid := make([]error, len(as))
		for i, a := range as {
			valid[i] = corpus.ValidateStored(a)
		}
		terms = ins.analysed.Analyzer().ArticlesTerms(as, valid)
	}

	// The batch read before this one is written first.
	select {
	case <-j.prev:
	case <-ins.ctx.Done():
		return ins.ctx.Err()
	}
	if ins.writeErr() != nil {
		return nil // it failed: nothing more is written
	}
	if err := ins.ctx.Err(); err != nil {
		return err // a batch before this one may have been given up
	}
	for i, p := range batch {
		if prepErrs[i] != nil {
			ins.fail(describe(p.source, *p.a), prepErrs[i])
		}
	}
	if len(as) == 0 {
		return nil
	}
	var errs []error
	var err error
	if ins.analysed != nil {
		errs, err = ins.analysed.AddAnalysedBatch(ins.ctx, as, terms)
	} else {
		errs, err = ins.batch.AddBatch(ins.ctx, as)
	}
	if err != nil {
		return storeError{fmt.Errorf("add %d articles: %w", len(as), err)}
	}
	// The batch is committed: every article is counted and handed to
	// OnAdded (the audit trail) even if one of those calls fails, so a
	// failure stops the ingest without leaving stored articles unrecorded.
	ins.mu.Lock()
	defer ins.mu.Unlock()
	var stop []error
	for i, p := range ok {
		if err := counted(ins.ctx, ins.opt, ins.rep, p.a, p.source, errs[i]); err != nil {
			stop = append(stop, err)
		}
	}
	if len(stop) > 0 {
		return storeError{errors.Join(stop...)}
	}
	return nil
}

// close writes what is pending unless the ingest already failed (err),
// waits for the writers and returns err, else their error.
func (ins *inserter) close(err error) error {
	if ins.batch == nil {
		return err
	}
	if err == nil {
		err = ins.flush()
	}
	close(ins.jobs)
	<-ins.done
	if werr := ins.writeErr(); err == nil && werr != nil {
		err = fmt.Errorf("ingest: %w", werr)
	}
	return err
}
