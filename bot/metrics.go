package bot

import (
	"context"
	"errors"
	"time"
)

// Metrics receives what the bot measures of its answers; cmd wires an
// implementation that exports them (Prometheus). Options.Metrics nil means
// nothing is measured. Implementations must be safe for concurrent use and
// must not block: they run on the answer's path.
type Metrics interface {
	// Question counts one question by the mode of its answer (a Mode, ""
	// when Ask failed) and its outcome (OutcomeAnswered, OutcomeRefused or
	// OutcomeError).
	Question(mode, outcome string)
	// Stage records how long a stage of one answer took, counted from the
	// question's arrival: StageRetrieve, StageFirstToken or StageTotal.
	Stage(stage string, d time.Duration)
	// LLMError counts a failed or unusable model answer by its kind:
	// bot/llm's Error.Kind (timeout, rate_limited, server, ...), or
	// "uncited" when the answer cited none of the passages it was given.
	LLMError(kind string)
}

// Outcomes of a question, for Metrics.Question.
const (
	OutcomeAnswered = "answered" // an answer with sources (or the period's stories)
	OutcomeRefused  = "refused"  // the corpus does not cover it: nearest articles only
	OutcomeError    = "error"    // Ask failed (empty question, retrieval failure)
)

// Stages of an answer, for Metrics.Stage.
const (
	StageRetrieve   = "retrieve"    // the question to ranked passages
	StageFirstToken = "first_token" // the question to the model's first streamed text
	StageTotal      = "total"       // the question to the final answer
)

// noMetrics measures nothing: the default.
type noMetrics struct{}

func (noMetrics) Question(string, string)     {}
func (noMetrics) Stage(string, time.Duration) {}
func (noMetrics) LLMError(string)             {}

// llmErrorKind is the kind of a model failure: the Model's own word when
// its error has a Kind method (bot/llm's do), else timeout, cancelled or
// other.
func llmErrorKind(ctx context.Context, err error) string {
	var k interface{ Kind() string }
	switch {
	case errors.As(err, &k) && k.Kind() != "":
		return k.Kind()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "other"
}

// outcomeOf is the outcome of an answer Ask returned without error: a
// refusal is a "not covered" answer, whether retrieval's confidence or the
// model declined (the model's refusal keeps ModeLLM but cites nothing).
func outcomeOf(a Answer) string {
	if a.Mode == ModeNone || (a.Mode == ModeLLM && len(a.Sources) == 0) {
		return OutcomeRefused
	}
	return OutcomeAnswered
}
