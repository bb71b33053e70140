// Package ops makes a serving process operable: its Prometheus metrics
// and its health check, served over HTTP by cmd. The packages that measure
// (bot, corpus/feeds) declare small interfaces that Metrics implements;
// they never import this package.
package ops

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// lagTimeout bounds the store query a scrape makes for the index lag: a
// scrape must answer even when the store is slow, and then lacks only
// that figure.
const lagTimeout = 2 * time.Second

// Metrics holds a process's metrics in a registry of its own (never the
// global default, so two in one test process stay apart). Its methods may
// be called on a nil *Metrics, which measures nothing. It is safe for
// concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	questions *prometheus.CounterVec
	refusals  prometheus.Counter
	latency   *prometheus.HistogramVec
	llmErrors *prometheus.CounterVec
	polls     prometheus.Counter
	pollFails prometheus.Counter
	log       *slog.Logger
}

// NewMetrics returns the metrics of one process, with Go's runtime and
// process collectors beside newsbot's own. log receives scrape-time
// failures (nil discards).
func NewMetrics(log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsbot_questions_total",
			Help: "Questions answered, by answer mode (llm, extractive, period, none) and outcome (answered, refused, error).",
		}, []string{"mode", "outcome"}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsbot_refusals_total",
			Help: "Questions the corpus did not cover (answered with the nearest articles instead).",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "newsbot_answer_seconds",
			Help: "Time from a question's arrival to the end of a stage: retrieve, first_token (the model's first text), total.",
			// From a fast in-memory retrieval (milliseconds) to a slow
			// model (a minute).
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"stage"}),
		llmErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsbot_llm_errors_total",
			Help: "Failed or unusable language-model answers, by kind (timeout, rate_limited, server, uncited, ...); each fell back to an extractive answer.",
		}, []string{"kind"}),
		polls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsbot_feed_polls_total",
			Help: "Feed polls finished by this process, failed ones included.",
		}),
		pollFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsbot_feed_poll_failures_total",
			Help: "Feed polls that could not fetch or parse the feed.",
		}),
		log: log,
	}
	m.reg.MustRegister(m.questions, m.refusals, m.latency, m.llmErrors, m.polls, m.pollFails,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Question counts a question (bot.Metrics).
func (m *Metrics) Question(mode, outcome string) {
	if m == nil {
		return
	}
	m.questions.WithLabelValues(mode, outcome).Inc()
	if outcome == "refused" {
		m.refusals.Inc()
	}
}

// Stage records a stage's latency (bot.Metrics).
func (m *Metrics) Stage(stage string, d time.Duration) {
	if m == nil {
		return
	}
	m.latency.WithLabelValues(stage).Observe(d.Seconds())
}

// LLMError counts a model failure by kind (bot.Metrics).
func (m *Metrics) LLMError(kind string) {
	if m == nil {
		return
	}
	m.llmErrors.WithLabelValues(kind).Inc()
}

// Polled counts a feed poll (feeds.Metrics).
func (m *Metrics) Polled(failed bool) {
	if m == nil {
		return
	}
	m.polls.Inc()
	if failed {
		m.pollFails.Inc()
	}
}

// Corpus is what the corpus gauges read at each scrape: the process's
// in-memory index and the store's change log.
type Corpus interface {
	// Size returns the articles and passages the index holds.
	Size() (articles, passages int)
	// Lag returns how many change-log entries the index has not applied
	// yet.
	Lag(ctx context.Context) (int64, error)
}

// WatchCorpus adds the gauges of c: newsbot_articles, newsbot_passages and
// newsbot_index_lag. Call it once.
func (m *Metrics) WatchCorpus(c Corpus) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&corpusCollector{c: c, log: m.log})
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)})
}

// corpusCollector reads the corpus gauges when scraped, so they are never
// stale and cost nothing between scrapes.
type corpusCollector struct {
	c   Corpus
	log *slog.Logger
}

var (
	articlesDesc = prometheus.NewDesc("newsbot_articles", "Articles in this process's index.", nil, nil)
	passagesDesc = prometheus.NewDesc("newsbot_passages", "Passages in this process's index.", nil, nil)
	lagDesc      = prometheus.NewDesc("newsbot_index_lag", "Change-log entries not yet applied to this process's index (sequence difference); absent when the store did not answer.", nil, nil)
)

func (c *corpusCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- articlesDesc
	ch <- passagesDesc
	ch <- lagDesc
}

func (c *corpusCollector) Collect(ch chan<- prometheus.Metric) {
	articles, passages := c.c.Size()
	ch <- prometheus.MustNewConstMetric(articlesDesc, prometheus.GaugeValue, float64(articles))
	ch <- prometheus.MustNewConstMetric(passagesDesc, prometheus.GaugeValue, float64(passages))
	ctx, cancel := context.WithTimeout(context.Background(), lagTimeout)
	defer cancel()
	lag, err := c.c.Lag(ctx)
	if err != nil {
		c.log.Warn("metrics: index lag not read", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(lag))
}
