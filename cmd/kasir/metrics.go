package main

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/notify"
)

// metrics holds the gateway's Prometheus metrics on a registry of its own.
type metrics struct {
	reg             *prometheus.Registry
	requests        *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	orders          *prometheus.CounterVec
	attempts        *prometheus.CounterVec
	deliverySeconds *prometheus.HistogramVec
}

func newMetrics(s notify.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kasir_http_requests_total",
			Help: "API requests by route pattern, HTTP status and API response code.",
		}, []string{"path", "status", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kasir_http_request_duration_seconds",
			Help:    "API request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"path"}),
		orders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kasir_orders_total",
			Help: "Orders entering each status, by kind (payout) and status.",
		}, []string{"kind", "status"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kasir_outbox_attempts_total",
			Help: "Outbox delivery attempts by topic and result.",
		}, []string{"topic", "result"}),
		deliverySeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kasir_outbox_attempt_duration_seconds",
			Help:    "Latency of outbox delivery attempts by topic.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"topic"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.orders, m.attempts, m.deliverySeconds,
		backlogCollector{s}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// OrderTransition implements gateway.Observer.
func (m *metrics) OrderTransition(kind string, s gateway.Status) {
	m.orders.WithLabelValues(kind, string(s)).Inc()
}

// Attempted implements notify.Observer.
func (m *metrics) Attempted(topic string, ok bool, latency time.Duration) {
	result := "failed"
	if ok {
		result = "ok"
	}
	m.attempts.WithLabelValues(topic, result).Inc()
	m.deliverySeconds.WithLabelValues(topic).Observe(latency.Seconds())
}

// middleware counts and times every request by its route pattern (never the
// raw path, which would let clients create label values), its HTTP status and
// the API code of the envelope it answered with.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &codeRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		path := r.Pattern
		if path == "" {
			path = "unmatched"
		}
		m.requests.WithLabelValues(path, strconv.Itoa(rec.status), rec.code).Inc()
		m.latency.WithLabelValues(path).Observe(time.Since(start).Seconds())
	})
}

// codeRecorder notes the status and the "code" of a JSON envelope, which the
// API writes first in its response.
type codeRecorder struct {
	http.ResponseWriter
	status int
	code   string
	seen   bool
}

func (c *codeRecorder) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

var codePrefix = []byte(`{"code":`)

func (c *codeRecorder) Write(b []byte) (int, error) {
	if !c.seen {
		c.seen = true
		if rest, ok := bytes.CutPrefix(b, codePrefix); ok {
			end := bytes.IndexAny(rest, ",}")
			if end > 0 && end <= 6 {
				c.code = string(rest[:end])
			}
		}
	}
	return c.ResponseWriter.Write(b)
}

// backlogCollector reports the outbox backlog, read from the store when
// Prometheus scrapes.
type backlogCollector struct{ s notify.Store }

var backlogDesc = prometheus.NewDesc("kasir_outbox_backlog", "PENDING outbox messages by topic.", []string{"topic"}, nil)

func (b backlogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- backlogDesc }

func (b backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := b.s.OutboxBacklog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(backlogDesc, err)
		return
	}
	for _, topic := range []string{gateway.TopicNotify, gateway.TopicSubmit, gateway.TopicRefund} {
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(counts[topic]), topic)
	}
}
