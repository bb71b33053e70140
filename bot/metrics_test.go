package bot

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/llm"
	"github.com/newsbot/newsbot/bot/llm/llmtest"
	"github.com/newsbot/newsbot/retrieval"
)

// recorder is a Metrics that keeps what it is told.
type recorder struct {
	mu        sync.Mutex
	questions []string // "mode/outcome"
	stages    []string
	llmErrors []string
}

func (r *recorder) Question(mode, outcome string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.questions = append(r.questions, mode+"/"+outcome)
}

func (r *recorder) Stage(stage string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d < 0 {
		stage += " (negative)"
	}
	r.stages = append(r.stages, stage)
}

func (r *recorder) LLMError(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.llmErrors = append(r.llmErrors, kind)
}

func TestAskMetrics(t *testing.T) {
	covered := talibanResult()
	tests := []struct {
		name          string
		res           retrieval.Result
		retrieveErr   error
		reply         *llmtest.Reply // nil: no model
		wantQuestion  string
		wantStages    []string
		wantLLMErrors []string
	}{
		{"extractive", covered, nil, nil, "extractive/answered", []string{StageRetrieve, StageTotal}, nil},
		{"not covered", retrieval.Result{}, nil, nil, "none/refused", []string{StageRetrieve, StageTotal}, nil},
		{"retrieval fails", retrieval.Result{}, errors.New("index closed"), nil, "/error", []string{StageTotal}, nil},
		{"llm answers", covered, nil, &llmtest.Reply{Chunks: []string{"Russia recognised it [1]."}}, "llm/answered",
			[]string{StageRetrieve, StageFirstToken, StageTotal}, nil},
		{"llm refuses", covered, nil, &llmtest.Reply{Chunks: []string{"The news corpus does not cover this."}}, "llm/refused",
			[]string{StageRetrieve, StageFirstToken, StageTotal}, nil},
		{"llm rejects the request", covered, nil, &llmtest.Reply{Status: 400}, "extractive/answered",
			[]string{StageRetrieve, StageTotal}, []string{"rejected"}},
		{"llm cites nothing", covered, nil, &llmtest.Reply{Chunks: []string{"Russia recognised it [7]."}}, "extractive/answered",
			[]string{StageRetrieve, StageFirstToken, StageTotal}, []string{"uncited"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var model Model
			if tt.reply != nil {
				srv := llmtest.New(t, func(int, openai.ChatCompletionRequest) llmtest.Reply { return *tt.reply })
				model = llm.New(llm.Config{BaseURL: srv.BaseURL(), Model: "fake", Timeout: 5 * time.Second})
			}
			rec := &recorder{}
			b := New(&fakeRetriever{res: tt.res, err: tt.retrieveErr}, model, nil, Options{Now: func() time.Time { return asOf }, Metrics: rec})
			_, _ = b.Ask(context.Background(), Question{Text: "Which country has recognised the Taliban government recently?"}, nil)
			if len(rec.questions) != 1 || rec.questions[0] != tt.wantQuestion {
				t.Errorf("questions = %q; want [%q]", rec.questions, tt.wantQuestion)
			}
			if !slices.Equal(rec.stages, tt.wantStages) {
				t.Errorf("stages = %q; want %q", rec.stages, tt.wantStages)
			}
			if !slices.Equal(rec.llmErrors, tt.wantLLMErrors) {
				t.Errorf("llm errors = %q; want %q", rec.llmErrors, tt.wantLLMErrors)
			}
		})
	}
}
