package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sftppush/sftppush"
)

// The histograms' bucket upper bounds, in seconds.
var (
	// Opening a connection is bounded by Config.ConnectTimeout (10 s by
	// default): a few milliseconds on a LAN, around a second across an
	// ocean (several round trips of 150 ms), the limit itself for a
	// server that does not answer.
	connectBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	// Uploads last from a fraction of a second (a snapshot) to many
	// minutes (an hour-long recording over a slow link).
	uploadBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}
	// A whole attempt: failures decided before connecting take
	// microseconds, a refused connection milliseconds, a connect timeout
	// just over 10 s, an upload as long as uploads do.
	attemptBuckets = []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}
)

// Sink is an [sftppush.Sink] that turns the log entries of push attempts
// into Prometheus metrics. It is also a [prometheus.Collector] of them,
// which [NewSink] registers. It is safe for concurrent use.
//
// The metrics (see the package documentation for the buckets):
//
//	sftppush_pushes_total{status,reason}             counter: attempts, by outcome
//	sftppush_attempt_duration_seconds{status}        histogram: LogEntry.Duration
//	sftppush_connect_duration_seconds                histogram: LogEntry.ConnectDuration
//	sftppush_upload_duration_seconds                 histogram: LogEntry.UploadDuration
//	sftppush_sent_bytes_total                        counter: LogEntry.BytesSent
type Sink struct {
	pushes   *prometheus.CounterVec
	attempts *prometheus.HistogramVec
	connect  prometheus.Histogram
	upload   prometheus.Histogram
	sent     prometheus.Counter

	// The series of every pair the library defines, looked up once, so
	// that Log on a library's entry takes no lock.
	pushesOf   map[labels]prometheus.Counter
	attemptsOf map[string]prometheus.Observer
}

// NewSink returns a Sink whose metrics are registered on reg; a nil reg
// means [prometheus.DefaultRegisterer]. It returns the registerer's error,
// and registers nothing, when reg already has any of the metrics: a
// [prometheus.AlreadyRegisteredError] (reach it with errors.As) when it
// holds another Sink's. A program keeps one Sink per registry and gives it
// to every Pusher that should be counted (beside other sinks with
// [sftppush.MultiSink]).
//
// Every series whose labels the library defines exists from the start at
// zero: one pushes_total series for each Status and each of its Reasons,
// one attempt_duration_seconds histogram for each Status, so that rate()
// and increase() see a series' first push. To add labels or a prefix to
// every metric, wrap reg with [prometheus.WrapRegistererWith] or
// [prometheus.WrapRegistererWithPrefix]. Unregister the Sink from reg to
// remove its metrics.
func NewSink(reg prometheus.Registerer) (*Sink, error) {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	s := newSink()
	if err := reg.Register(s); err != nil {
		return nil, fmt.Errorf("metrics: registering the sftppush metrics: %w", err)
	}
	return s, nil
}

func newSink() *Sink {
	s := &Sink{
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sftppush_pushes_total",
			Help: "Push attempts, by status and reason (" + Unknown + ": not one the library defines).",
		}, []string{"status", "reason"}),
		attempts: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sftppush_attempt_duration_seconds",
			Help:    "How long push attempts took from start to log entry, by status.",
			Buckets: attemptBuckets,
		}, []string{"status"}),
		connect: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sftppush_connect_duration_seconds",
			Help:    "How long opening the connection took (DNS, TCP, SSH handshake, login, SFTP start), for attempts whose connection opened.",
			Buckets: connectBuckets,
		}),
		upload: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sftppush_upload_duration_seconds",
			Help:    "How long the uploads took once the connection was open (folder check, files, close), for attempts whose connection opened.",
			Buckets: uploadBuckets,
		}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sftppush_sent_bytes_total",
			Help: "Bytes of file data sent by push attempts, failed ones included.",
		}),
		pushesOf:   make(map[labels]prometheus.Counter, len(sftppush.Reasons())),
		attemptsOf: make(map[string]prometheus.Observer, 6),
	}
	for _, st := range sftppush.Statuses() {
		s.attemptsOf[string(st)] = s.attempts.WithLabelValues(string(st))
	}
	for _, r := range sftppush.Reasons() {
		l := labelsOf(r.Status(), r)
		s.pushesOf[l] = s.pushes.WithLabelValues(l.status, l.reason)
	}
	return s
}

// Log counts the attempt e records. It only updates counters and
// histograms in memory, never blocks, ignores ctx and always returns nil.
//
// The attempt is counted in pushes_total under its Status and Reason, or
// [Unknown] for either that the library does not define (see Unknown), and
// its Duration observed in attempt_duration_seconds under its status.
// ConnectDuration and UploadDuration are observed only when the
// connection opened (one of them is not zero, as Push sets them), and
// BytesSent is added to sent_bytes_total. Negative durations count as
// zero; a negative BytesSent adds nothing.
func (s *Sink) Log(_ context.Context, e sftppush.LogEntry) error {
	l := labelsOf(e.Status, e.Reason)
	c, ok := s.pushesOf[l]
	if !ok {
		// (status, unknown) or (unknown, unknown): at most seven series.
		c = s.pushes.WithLabelValues(l.status, l.reason)
	}
	c.Inc()

	o, ok := s.attemptsOf[l.status]
	if !ok {
		o = s.attempts.WithLabelValues(l.status)
	}
	o.Observe(seconds(e.Duration))

	if e.ConnectDuration != 0 || e.UploadDuration != 0 {
		s.connect.Observe(seconds(e.ConnectDuration))
		s.upload.Observe(seconds(e.UploadDuration))
	}
	if e.BytesSent > 0 {
		s.sent.Add(float64(e.BytesSent))
	}
	return nil
}

// seconds returns d in seconds, and a negative d as zero: a histogram's
// sum must not go down.
func seconds(d time.Duration) float64 {
	return max(d, 0).Seconds()
}

// Describe implements [prometheus.Collector].
func (s *Sink) Describe(ch chan<- *prometheus.Desc) {
	s.pushes.Describe(ch)
	s.attempts.Describe(ch)
	s.connect.Describe(ch)
	s.upload.Describe(ch)
	s.sent.Describe(ch)
}

// Collect implements [prometheus.Collector].
func (s *Sink) Collect(ch chan<- prometheus.Metric) {
	s.pushes.Collect(ch)
	s.attempts.Collect(ch)
	s.connect.Collect(ch)
	s.upload.Collect(ch)
	s.sent.Collect(ch)
}
