package ops_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus/sqlite"
	"github.com/newsbot/newsbot/internal/ops"
)

type gateway bool

func (g gateway) Connected() bool { return bool(g) }

func TestHealth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	open, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "open.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { open.Close() })
	closed, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "closed.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		store      ops.Pinger
		gw         ops.Gateway
		wantStatus int
		want       ops.HealthReport
	}{
		{"store, no gateway", open, nil, http.StatusOK, ops.HealthReport{Status: "ok", Store: "ok", Gateway: "not used"}},
		{"store, gateway up", open, gateway(true), http.StatusOK, ops.HealthReport{Status: "ok", Store: "ok", Gateway: "connected"}},
		{"store, gateway down", open, gateway(false), http.StatusServiceUnavailable, ops.HealthReport{Status: "unavailable", Store: "ok", Gateway: "disconnected"}},
		{"store closed", closed, nil, http.StatusServiceUnavailable, ops.HealthReport{Status: "unavailable", Store: "unreachable", Gateway: "not used"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			ops.Health(tt.store, tt.gw, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			var got ops.HealthReport
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != tt.wantStatus || got != tt.want {
				t.Errorf("GET /healthz = %d %+v; want %d %+v", rec.Code, got, tt.wantStatus, tt.want)
			}
		})
	}
}

type corpusStub struct {
	lagErr error
}

func (c corpusStub) Size() (int, int) { return 3, 17 }
func (c corpusStub) Lag(context.Context) (int64, error) {
	return 5, c.lagErr
}

func scrape(t *testing.T, m *ops.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	m := ops.NewMetrics(nil)
	m.Question("llm", "answered")
	m.Question("none", "refused")
	m.Stage("retrieve", 3*time.Millisecond)
	m.Stage("total", 2*time.Second)
	m.LLMError("timeout")
	m.Polled(false)
	m.Polled(true)
	m.WatchCorpus(corpusStub{})
	got := scrape(t, m)
	for _, want := range []string{
		`newsbot_questions_total{mode="llm",outcome="answered"} 1`,
		`newsbot_questions_total{mode="none",outcome="refused"} 1`,
		`newsbot_refusals_total 1`,
		`newsbot_answer_seconds_count{stage="retrieve"} 1`,
		`newsbot_answer_seconds_bucket{stage="total",le="2.5"} 1`,
		`newsbot_llm_errors_total{kind="timeout"} 1`,
		`newsbot_feed_polls_total 2`,
		`newsbot_feed_poll_failures_total 1`,
		`newsbot_articles 3`,
		`newsbot_passages 17`,
		`newsbot_index_lag 5`,
		`go_goroutines`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestMetricsLagUnknown(t *testing.T) {
	t.Parallel()
	m := ops.NewMetrics(nil)
	m.WatchCorpus(corpusStub{lagErr: errors.New("store down")})
	got := scrape(t, m)
	if strings.Contains(got, "newsbot_index_lag ") || !strings.Contains(got, "newsbot_articles 3") {
		t.Errorf("with the store down: want the sizes and no lag; got\n%s", got)
	}
}
