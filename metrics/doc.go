// Package metrics counts sftppush's push attempts as Prometheus metrics,
// with github.com/prometheus/client_golang. It is a package of its own so
// that package sftppush does not depend on Prometheus.
//
// A [Sink] is an [sftppush.Sink]: give it to a Pusher as Config.Sink, or
// beside other sinks with [sftppush.MultiSink], and serve the registry:
//
//	reg := prometheus.NewRegistry()            // or nil for prometheus.DefaultRegisterer
//	ms, err := metrics.NewSink(reg)            // an error, not a panic, if reg has them already
//	if err != nil {
//		// ...
//	}
//	p := sftppush.New(sftppush.Config{Sink: sftppush.MultiSink(ms, store)})
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// # Metrics
//
// One LogEntry is one attempt (a PushWithRetry of three attempts counts
// three; a Check writes no entry and counts nothing):
//
//	sftppush_pushes_total{status,reason}       counter    every attempt
//	sftppush_attempt_duration_seconds{status}  histogram  LogEntry.Duration, every attempt
//	sftppush_connect_duration_seconds          histogram  LogEntry.ConnectDuration, attempts whose connection opened
//	sftppush_upload_duration_seconds           histogram  LogEntry.UploadDuration, attempts whose connection opened
//	sftppush_sent_bytes_total                  counter    LogEntry.BytesSent, every attempt (failed ones send bytes too)
//
// The buckets' upper bounds, in seconds:
//
//	attempt  0.01 0.05 0.1 0.25 0.5 1 2.5 5 10 30 60 120 300 600 1800
//	connect  0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10   (Config.ConnectTimeout is 10 s by default)
//	upload   0.1 0.25 0.5 1 2.5 5 10 30 60 120 300 600 1800
//
// An attempt that fails while connecting (a wrong password, a timeout) has
// no connect or upload duration: its time is in attempt_duration_seconds
// under its status. rate(sftppush_connect_duration_seconds_count) is the
// rate of connections opened.
//
// # Labels
//
// The labels are status (the six of [sftppush.Statuses]) and reason (the
// name [sftppush.Reason.String] gives, "none" for OK), nothing else: never
// the host, username, folder, recording ID, account or error text, whose
// values strangers choose. A Status that is not one of the six, or a
// Reason that does not belong to the entry's Status, is counted under the
// value [Unknown], so the pushes_total series are bounded: one pair per
// Reason the library defines ([sftppush.Reasons], 34 today), each status
// with unknown, and unknown with unknown. The library's pairs, and the
// attempt histogram of each status, exist at zero
// from the start, so that rate() and increase() see a series' first push
// and a dashboard lists every reason.
//
// To label every metric with the service or prefix their names, wrap the
// registerer:
//
//	reg := prometheus.WrapRegistererWith(prometheus.Labels{"service": "pushd"}, prometheus.DefaultRegisterer)
//	ms, err := metrics.NewSink(reg)
//
// # Cost
//
// Log updates counters and histograms in memory with atomic operations,
// takes no lock for the entries Push writes, and never blocks a push. The
// password is never in a LogEntry, and none of an entry's text is exported.
package metrics
