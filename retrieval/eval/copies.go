package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// CopyJudge decides whether the articles at two URLs are near-duplicate
// copies of one text (the same wire story in two outlets). newsbot eval's
// judge decides as the story grouping does (corpus/stories fingerprints), not by
// the passage test retrieval collapses copies with, so the metric does
// not grade the retriever by its own rule; an article it does not hold is
// a copy of nothing.
type CopyJudge interface {
	Copies(ctx context.Context, urlA, urlB string) (bool, error)
}

// copiesCutoff is the k of the copies' share: the top 10, what the
// answer metrics read.
const copiesCutoff = 10

// MarkCopies sets Hit.Copy on every hit among the first copiesCutoff of
// each outcome whose article is a copy (by j) of the article of a
// higher-ranked hit. Two passages of one article are not copies.
func MarkCopies(ctx context.Context, outs []Outcome, j CopyJudge) error {
	for oi := range outs {
		hits := outs[oi].Hits[:min(copiesCutoff, len(outs[oi].Hits))]
		for i := range hits {
			hits[i].Copy = false
			for _, above := range hits[:i] {
				if canonical(above.URL) == canonical(hits[i].URL) {
					continue
				}
				c, err := j.Copies(ctx, above.URL, hits[i].URL)
				if err != nil {
					return fmt.Errorf("question %s: %w", outs[oi].Question.ID, err)
				}
				if c {
					hits[i].Copy = true
					break
				}
			}
		}
	}
	return nil
}

// copiesShare is the share of the top-10 hit slots, over all questions,
// that MarkCopies marked: slots taken by a copy of a better hit's article.
// It is a share of slots, not a mean of questions' shares, so a question
// with three hits weighs less than one with ten. ok is false when no
// question has a hit.
func copiesShare(outs []Outcome) (share float64, questions int, ok bool) {
	var slots, copies int
	for _, o := range outs {
		hits := o.Hits[:min(copiesCutoff, len(o.Hits))]
		if len(hits) == 0 {
			continue
		}
		questions++
		slots += len(hits)
		for _, h := range hits {
			if h.Copy {
				copies++
			}
		}
	}
	if slots == 0 {
		return 0, 0, false
	}
	return float64(copies) / float64(slots), questions, true
}

// ReadRecords reads an --outcomes file (one Record per line), as written
// by this or an earlier newsbot, so its hits can be scored again.
func ReadRecords(r io.Reader) ([]Record, error) {
	dec := json.NewDecoder(r)
	var out []Record
	for {
		var rec Record
		err := dec.Decode(&rec)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read outcomes record %d: %w", len(out)+1, err)
		}
		out = append(out, rec)
	}
}

// Rescore scores outcomes recorded by an earlier run (ReadRecords) of the
// questions qs with the metrics of this one: the hits, confidence and
// refusal come from the records, matched to qs by question id, and
// everything else from qs. So a binary from before a metric existed can
// be measured by it on the same questions (docs/EVAL.md, copies' share).
// It is an error when a question has no record.
func (r Runner) Rescore(ctx context.Context, f Format, qs []Question, recs []Record) (Report, []Outcome, error) {
	byID := make(map[string]Record, len(recs))
	for _, rec := range recs {
		byID[rec.ID] = rec
	}
	outs := make([]Outcome, len(qs))
	for i, q := range qs {
		rec, ok := byID[q.ID]
		if !ok {
			return Report{}, nil, fmt.Errorf("rescore: no recorded outcome of question %s", q.ID)
		}
		outs[i] = Outcome{
			Question: q, Hits: slices.Clone(rec.Hits), AsOf: q.AsOf, Confidence: rec.Confidence,
			Signals: rec.Signals, Refused: rec.Refused,
			Elapsed: time.Duration(rec.RetrieveMS * float64(time.Millisecond)),
		}
	}
	rep, err := r.report(ctx, f, qs, outs)
	if err != nil {
		return Report{}, nil, fmt.Errorf("rescore: %w", err)
	}
	return rep, outs, nil
}
