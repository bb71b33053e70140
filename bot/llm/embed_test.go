package llm_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot/llm"
	"github.com/newsbot/newsbot/bot/llm/llmtest"
)

func TestEmbedBatches(t *testing.T) {
	srv := llmtest.New(t, nil)
	c := llm.NewEmbedClient(llm.EmbedConfig{BaseURL: srv.BaseURL(), Model: "fake-embed", Batch: 3})
	texts := []string{"rail strike", "budget vote", "", "rail strike talks", "storm", "flood", "court ruling", strings.Repeat("long ", 4000)}
	vecs, err := c.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("Embed returned %d vectors; want %d", len(vecs), len(texts))
	}
	reqs := srv.EmbedRequests()
	if len(reqs) != 3 {
		t.Fatalf("requests = %d; want 3 (8 texts in batches of 3)", len(reqs))
	}
	for i, r := range reqs {
		if r.Model != "fake-embed" {
			t.Errorf("request %d model = %q; want fake-embed", i, r.Model)
		}
	}
	if in := reqs[0].Input[2]; in != " " {
		t.Errorf("empty text sent as %q; want a space", in)
	}
	if in := reqs[2].Input[1]; len(in) > 8000 {
		t.Errorf("long text sent with %d bytes; want it cut to 8000", len(in))
	}
	for i, v := range vecs {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		if i != 2 && math.Abs(s-1) > 1e-4 {
			t.Errorf("vector %d has squared norm %v; want 1", i, s)
		}
	}
	// Order is kept: the vector of text 3 is the fake's hash of text 3.
	if got, want := vecs[3][:4], llmtest.HashVector(texts[3])[:4]; !equal(got, want) {
		t.Errorf("vector 3 starts %v; want %v", got, want)
	}
	if dot(vecs[0], vecs[3]) <= dot(vecs[0], vecs[1]) {
		t.Errorf("rail strike is no closer to rail strike talks than to budget vote")
	}
}

func TestEmbedNormalizes(t *testing.T) {
	srv := llmtest.New(t, nil)
	srv.SetEmbedReply(func(int, llmtest.EmbedRequest) llmtest.EmbedReply {
		return llmtest.EmbedReply{Vectors: [][]float32{{3, 4}}}
	})
	vecs, err := llm.NewEmbedClient(llm.EmbedConfig{BaseURL: srv.BaseURL(), Model: "m"}).Embed(context.Background(), []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	if !equal(vecs[0], []float32{0.6, 0.8}) {
		t.Errorf("Embed = %v; want [0.6 0.8]", vecs[0])
	}
}

func TestEmbedFailures(t *testing.T) {
	tests := []struct {
		name      string
		replies   []llmtest.EmbedReply
		timeout   time.Duration
		wantErr   bool
		wantCalls int
	}{
		{name: "429 then ok", replies: []llmtest.EmbedReply{{Status: 429, RetryAfter: "0"}, {}}, wantCalls: 2},
		{name: "500 then ok", replies: []llmtest.EmbedReply{{Status: 500}, {}}, wantCalls: 2},
		{name: "500 twice", replies: []llmtest.EmbedReply{{Status: 500}, {Status: 503, RetryAfter: "0"}}, wantErr: true, wantCalls: 2},
		{name: "400 not retried", replies: []llmtest.EmbedReply{{Status: 400}}, wantErr: true, wantCalls: 1},
		{name: "wrong count", replies: []llmtest.EmbedReply{{Vectors: [][]float32{{1, 0}}}}, wantErr: true, wantCalls: 1},
		{name: "timeout", replies: []llmtest.EmbedReply{{Delay: 5 * time.Second}}, timeout: 200 * time.Millisecond, wantErr: true, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, nil)
			srv.SetEmbedReply(func(n int, _ llmtest.EmbedRequest) llmtest.EmbedReply {
				return tt.replies[min(n, len(tt.replies)-1)]
			})
			c := llm.NewEmbedClient(llm.EmbedConfig{BaseURL: srv.BaseURL(), Model: "m", Timeout: tt.timeout})
			vecs, err := c.Embed(context.Background(), []string{"a", "b"})
			if tt.wantErr != (err != nil) {
				t.Fatalf("Embed = %d vectors, %v; want error %v", len(vecs), err, tt.wantErr)
			}
			if tt.name == "wrong count" && !errors.Is(err, llm.ErrEmbedding) {
				t.Errorf("Embed error = %v; want ErrEmbedding", err)
			}
			if !tt.wantErr && len(vecs) != 2 {
				t.Errorf("Embed = %d vectors; want 2", len(vecs))
			}
			if got := len(srv.EmbedRequests()); got != tt.wantCalls {
				t.Errorf("requests = %d; want %d", got, tt.wantCalls)
			}
		})
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			return false
		}
	}
	return true
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}
