package ingest

import (
	"context"
	"fmt"
	"sync"

	"github.com/newsbot/newsbot/corpus"
)

// inserter adds the articles a reader hands over: one at a time through
// Add, or, when the store is a BatchAdder, in batches written by a
// goroutine of their own while the reader prepares the next batch (reading
// and preparing text on one core, analysing and writing it on the others).
// The Report is updated under mu; Progress and OnAdded are called from the
// writing goroutine.
type inserter struct {
	ctx   context.Context
	store Adder
	batch BatchAdder // nil: one at a time
	opt   Options
	rep   *Report

	mu      sync.Mutex // guards rep and werr
	werr    error      // the writer's first error; it then stops
	pending []pendingArticle
	size    int
	jobs    chan []pendingArticle
	done    chan struct{}
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
		ins.jobs = make(chan []pendingArticle, 1) // one batch written while the next is read
		ins.done = make(chan struct{})
		go ins.write()
	}
	return ins
}

// add queues a (prepared by the reader) for its batch, or adds it at once
// without batches. Its error stops the reader: a store failure.
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
	// The reader prepared a already; preparing again fills in the scope
	// (global when empty) and costs little next to the analysis.
	if err := corpus.Prepare(&a); err != nil {
		ins.fail(describe(source, a), err)
		return nil
	}
	ins.pending = append(ins.pending, pendingArticle{a: &a, source: source})
	ins.size += len(a.Body)
	if len(ins.pending) >= batchArticles || ins.size >= batchBytes {
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

// flush hands the pending batch to the writer; it returns the writer's
// error if it has stopped.
func (ins *inserter) flush() error {
	if err := ins.writeErr(); err != nil {
		return err
	}
	if len(ins.pending) == 0 {
		return nil
	}
	select {
	case ins.jobs <- ins.pending:
	case <-ins.done:
		return ins.writeErr()
	case <-ins.ctx.Done():
		return ins.ctx.Err()
	}
	ins.pending, ins.size = nil, 0
	return nil
}

func (ins *inserter) writeErr() error {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	return ins.werr
}

// write stores the batches until jobs is closed or a batch fails.
func (ins *inserter) write() {
	defer close(ins.done)
	for batch := range ins.jobs {
		if err := ins.writeBatch(batch); err != nil {
			ins.mu.Lock()
			ins.werr = err
			ins.mu.Unlock()
			return
		}
	}
}

// writeBatch adds one batch and counts each article's outcome.
func (ins *inserter) writeBatch(batch []pendingArticle) error {
	as := make([]*corpus.Article, len(batch))
	for i, p := range batch {
		as[i] = p.a
	}
	errs, err := ins.batch.AddBatch(ins.ctx, as)
	if err != nil {
		return storeError{fmt.Errorf("add %d articles: %w", len(as), err)}
	}
	ins.mu.Lock()
	defer ins.mu.Unlock()
	for i, p := range batch {
		if err := counted(ins.ctx, ins.opt, ins.rep, p.a, p.source, errs[i]); err != nil {
			return err
		}
	}
	return nil
}

// close writes what is pending unless the ingest already failed (err),
// waits for the writer and returns err, else the writer's error.
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
