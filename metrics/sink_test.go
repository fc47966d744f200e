package metrics_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/metrics"
	"github.com/sftppush/sftppush/sftptest"
)

// The bucket upper bounds the package documents (doc.go, README).
var (
	attemptBounds = []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}
	connectBounds = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	uploadBounds  = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}
)

const (
	pushes   = "sftppush_pushes_total"
	attempts = "sftppush_attempt_duration_seconds"
	connects = "sftppush_connect_duration_seconds"
	uploads  = "sftppush_upload_duration_seconds"
	sent     = "sftppush_sent_bytes_total"
)

// declaredReasons lists every Reason of package sftppush (whose own tests
// hold Reasons to the constants of reason.go).
func declaredReasons(t *testing.T) []sftppush.Reason {
	t.Helper()
	rs := sftppush.Reasons()
	if len(rs) < 30 {
		t.Fatalf("only %d Reasons", len(rs))
	}
	return rs
}

func newSink(t *testing.T) (*metrics.Sink, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	ms, err := metrics.NewSink(reg)
	if err != nil {
		t.Fatal(err)
	}
	return ms, reg
}

// writeFile writes size bytes to a new file in dir and returns its path.
func writeFile(t *testing.T, dir, name string, size int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	testPassword  = "Metr1cs-pa55word-Zq7"
	wrongPassword = "Wr0ng-metrics-Kx4"
	testUser      = "metrics-user-3141"
)

// A Sink given to real pushes against the embedded server counts each
// attempt under its status and reason, observes its durations and adds
// its bytes, as a scrape of /metrics over HTTP shows; and nothing of the
// entries' text, the password least of all, is in the exposition.
func TestSinkCountsRealPushes(t *testing.T) {
	srv := sftptest.NewUnstartedServer(t)
	srv.Username, srv.Password = testUser, testPassword
	srv.Start()
	srv.MkdirAll("/upload")
	full := sftptest.NewUnstartedServer(t) // a disk that fills after 1000 bytes
	full.Username, full.Password = testUser, testPassword
	full.Faults.QuotaBytes = 1000
	full.Start()
	full.MkdirAll("/upload")

	ms, reg := newSink(t)
	var logs sftptest.MemorySink
	sink := sftppush.MultiSink(ms, &logs)
	cfg := srv.Config()
	cfg.Sink = sink
	p := sftppush.New(cfg)
	fullCfg := full.Config()
	fullCfg.Sink = sink
	pFull := sftppush.New(fullCfg)

	dir := t.TempDir()
	group := func(id string, mainSize int, extras ...int) sftppush.Group {
		g := sftppush.Group{RecordingID: id, Main: sftppush.File{Path: writeFile(t, dir, id+".mp4", mainSize)}}
		for i, n := range extras {
			g.Extras = append(g.Extras, sftppush.File{Path: writeFile(t, dir, id+"_"+strconv.Itoa(i)+".jpg", n)})
		}
		return g
	}
	creds := srv.Credentials("/upload")
	wrong := creds
	wrong.Password = wrongPassword
	noFolder := srv.Credentials("/no-such-folder")
	closed := creds
	closed.Host, closed.Port = splitHostPort(t, sftptest.ClosedPort(t))
	missing := sftppush.Group{RecordingID: "rec-metrics-missing", Main: sftppush.File{Path: filepath.Join(dir, "absent.mp4")}}

	ctx := context.Background()
	cases := []struct {
		name   string
		push   func() *sftppush.Result
		status sftppush.Status
		reason sftppush.Reason
		bytes  int64 // -1: whatever was sent before the failure
	}{
		{"ok with an extra", func() *sftppush.Result { return p.Push(ctx, creds, group("rec-metrics-ok1", 6000, 1000)) }, sftppush.StatusOK, sftppush.ReasonNone, 7000},
		{"ok", func() *sftppush.Result { return p.Push(ctx, creds, group("rec-metrics-ok2", 3000)) }, sftppush.StatusOK, sftppush.ReasonNone, 3000},
		{"wrong password", func() *sftppush.Result { return p.Push(ctx, wrong, group("rec-metrics-pw", 100)) }, sftppush.StatusLoginFailed, sftppush.ReasonAuthRejected, 0},
		{"missing folder", func() *sftppush.Result { return p.Push(ctx, noFolder, group("rec-metrics-folder", 100)) }, sftppush.StatusIncorrectFolder, sftppush.ReasonFolderNotFound, 0},
		{"missing file", func() *sftppush.Result { return p.Push(ctx, creds, missing) }, sftppush.StatusFileMissing, sftppush.ReasonFileMissing, 0},
		{"full disk", func() *sftppush.Result {
			return pFull.Push(ctx, full.Credentials("/upload"), group("rec-metrics-full", 5000))
		}, sftppush.StatusUploadFailed, sftppush.ReasonNoSpace, -1},
		{"closed port", func() *sftppush.Result { return p.Push(ctx, closed, group("rec-metrics-refused", 100)) }, sftppush.StatusConnectionTimeout, sftppush.ReasonConnectionRefused, 0},
	}
	want := map[[2]string]float64{}
	for _, c := range cases {
		res := c.push()
		if res.Status != c.status || res.Reason != c.reason {
			t.Fatalf("%s: %s/%s (%v), want %s/%s", c.name, res.Status, res.Reason, res.Err, c.status, c.reason)
		}
		if res.LogErr != nil {
			t.Fatalf("%s: LogErr %v", c.name, res.LogErr)
		}
		if c.bytes >= 0 && res.Entry.BytesSent != c.bytes {
			t.Errorf("%s: BytesSent %d, want %d", c.name, res.Entry.BytesSent, c.bytes)
		}
		want[[2]string{string(c.status), c.reason.String()}]++
	}
	entries := logs.Entries()
	if len(entries) != len(cases) {
		t.Fatalf("%d log entries, want %d", len(entries), len(cases))
	}
	if entries[5].BytesSent <= 0 {
		t.Errorf("the push onto a full disk sent %d bytes; the test wants a failure that sent some", entries[5].BytesSent)
	}

	x := scrape(t, reg)

	// One attempt, one count, under the library's own names; every other
	// pair at zero; no series for anything else.
	reasons := declaredReasons(t)
	if n := len(x.family(t, pushes, dto.MetricType_COUNTER).GetMetric()); n != len(reasons) {
		t.Errorf("%s has %d series, want one per Reason: %d", pushes, n, len(reasons))
	}
	for _, r := range reasons {
		k := [2]string{string(r.Status()), r.String()}
		if got := x.counter(t, pushes, pair(k[0], k[1])); got != want[k] {
			t.Errorf("%s{status=%q,reason=%q} = %v, want %v", pushes, k[0], k[1], got, want[k])
		}
	}

	var bytes int64
	var connected []sftppush.LogEntry
	byStatus := map[sftppush.Status][]sftppush.LogEntry{}
	for _, e := range entries {
		bytes += e.BytesSent
		if e.ConnectDuration != 0 {
			connected = append(connected, e)
		}
		byStatus[e.Status] = append(byStatus[e.Status], e)
	}
	if got := x.counter(t, sent, nil); got != float64(bytes) {
		t.Errorf("%s = %v, want the entries' BytesSent: %d", sent, got, bytes)
	}
	// The two OK pushes, the missing folder (found out after login) and the
	// full disk opened a connection; the others ended before or during it.
	if len(connected) != 4 {
		t.Fatalf("%d entries have a ConnectDuration, want 4", len(connected))
	}
	checkHistogram(t, connects, x.histogram(t, connects, nil), connectBounds, connected, func(e sftppush.LogEntry) time.Duration { return e.ConnectDuration })
	checkHistogram(t, uploads, x.histogram(t, uploads, nil), uploadBounds, connected, func(e sftppush.LogEntry) time.Duration { return e.UploadDuration })
	for _, st := range sftppush.Statuses() {
		h := x.histogram(t, attempts, map[string]string{"status": string(st)})
		checkHistogram(t, attempts+"{"+string(st)+"}", h, attemptBounds, byStatus[st], func(e sftppush.LogEntry) time.Duration { return e.Duration })
	}
	if n := len(x.family(t, attempts, dto.MetricType_HISTOGRAM).GetMetric()); n != 6 {
		t.Errorf("%s has %d series, want one per Status", attempts, n)
	}

	// Nothing the customer typed, no ID, no error text, no password.
	secrets := []string{testPassword, wrongPassword, testUser, "no-such-folder", "/upload", "127.0.0.1", "rec-metrics", "absent.mp4"}
	for _, e := range entries {
		if e.Error != "" {
			secrets = append(secrets, e.Error)
		}
	}
	for _, s := range secrets {
		if strings.Contains(x.text, s) {
			t.Errorf("/metrics shows %q:\n%s", s, x.text)
		}
	}
	for name, f := range x.fams {
		for _, m := range f.GetMetric() {
			for l := range labelMap(m) {
				if l != "status" && l != "reason" {
					t.Errorf("%s has label %q", name, l)
				}
			}
		}
	}
}

// checkHistogram checks h against the durations of es: the count, the
// sum, and how many fall at or below each documented bound.
func checkHistogram(t *testing.T, name string, h *dto.Histogram, want []float64, es []sftppush.LogEntry, d func(sftppush.LogEntry) time.Duration) {
	t.Helper()
	if !slices.Equal(bounds(h), want) {
		t.Errorf("%s buckets %v, want %v", name, bounds(h), want)
	}
	if got := h.GetSampleCount(); got != uint64(len(es)) {
		t.Errorf("%s count %d, want %d", name, got, len(es))
	}
	var sum float64
	for _, e := range es {
		sum += d(e).Seconds()
	}
	if got := h.GetSampleSum(); math.Abs(got-sum) > 1e-9 {
		t.Errorf("%s sum %v, want %v", name, got, sum)
	}
	for _, le := range append(slices.Clone(want), math.Inf(+1)) {
		var n uint64
		for _, e := range es {
			if d(e).Seconds() <= le {
				n++
			}
		}
		if got := cumulative(t, h, le); got != n {
			t.Errorf("%s bucket le=%v counts %d, want %d", name, le, got, n)
		}
	}
}

// A Sink nobody has pushed through yet already has a zero series for
// every pair the library defines and an empty histogram for every status,
// so that rate() sees the first push of each; nothing else.
func TestSinkStartsAtZero(t *testing.T) {
	_, reg := newSink(t)
	x := scrape(t, reg)
	reasons := declaredReasons(t)
	if n := len(x.family(t, pushes, dto.MetricType_COUNTER).GetMetric()); n != len(reasons) {
		t.Errorf("%s has %d series, want %d", pushes, n, len(reasons))
	}
	for _, r := range reasons {
		if got := x.counter(t, pushes, pair(string(r.Status()), r.String())); got != 0 {
			t.Errorf("%s/%s = %v, want 0", r.Status(), r, got)
		}
	}
	for _, st := range sftppush.Statuses() {
		h := x.histogram(t, attempts, map[string]string{"status": string(st)})
		if h.GetSampleCount() != 0 || !slices.Equal(bounds(h), attemptBounds) {
			t.Errorf("%s{%s}: count %d, buckets %v", attempts, st, h.GetSampleCount(), bounds(h))
		}
	}
	for name, b := range map[string][]float64{connects: connectBounds, uploads: uploadBounds} {
		if h := x.histogram(t, name, nil); h.GetSampleCount() != 0 || !slices.Equal(bounds(h), b) {
			t.Errorf("%s: count %d, buckets %v", name, h.GetSampleCount(), bounds(h))
		}
	}
	if got := x.counter(t, sent, nil); got != 0 {
		t.Errorf("%s = %v", sent, got)
	}
	if len(x.fams) != 5 {
		t.Errorf("%d metric families, want 5: %v", len(x.fams), x.fams)
	}
	for name, f := range x.fams {
		if f.GetHelp() == "" {
			t.Errorf("%s has no HELP", name)
		}
	}
}

// Statuses and reasons the library does not define never become label
// values: however many strings reach Log, pushes_total has at most the
// library's pairs plus seven with "unknown", and the strings are nowhere
// in /metrics.
func TestSinkBoundsUnknownLabels(t *testing.T) {
	ms, reg := newSink(t)
	ctx := context.Background()
	var bogus []string
	for i := range 300 {
		s := "bogus-" + strconv.Itoa(i) + "-\u202e" + strings.Repeat("x", i)
		bogus = append(bogus, s)
		ms.Log(ctx, sftppush.LogEntry{Status: sftppush.Status(s), Reason: sftppush.Reason(s)})
		ms.Log(ctx, sftppush.LogEntry{Status: sftppush.StatusUploadFailed, Reason: sftppush.Reason(s)})
	}
	odd := []struct {
		e              sftppush.LogEntry
		status, reason string
	}{
		// A Reason of another Status keeps the status, not the reason.
		{sftppush.LogEntry{Status: sftppush.StatusOK, Reason: sftppush.ReasonAuthRejected}, "OK", metrics.Unknown},
		{sftppush.LogEntry{Status: sftppush.StatusLoginFailed, Reason: sftppush.ReasonNone}, "SFTP_LOGIN_FAILED", metrics.Unknown},
		// The zero entry has no valid Status.
		{sftppush.LogEntry{}, metrics.Unknown, metrics.Unknown},
		// Names are exact: "ok" is not OK, "none" is not the Reason "".
		{sftppush.LogEntry{Status: "ok", Reason: sftppush.ReasonNone}, metrics.Unknown, metrics.Unknown},
		{sftppush.LogEntry{Status: sftppush.StatusOK, Reason: "none"}, "OK", metrics.Unknown},
		// A valid Reason with a bogus Status.
		{sftppush.LogEntry{Status: "UPLOAD_FAILED ", Reason: sftppush.ReasonNoSpace}, metrics.Unknown, metrics.Unknown},
	}
	for _, o := range odd {
		if err := ms.Log(ctx, o.e); err != nil {
			t.Errorf("Log(%+v): %v", o.e, err)
		}
	}

	x := scrape(t, reg)
	reasons := declaredReasons(t)
	series := x.family(t, pushes, dto.MetricType_COUNTER).GetMetric()
	if max := len(reasons) + 7; len(series) > max {
		t.Errorf("%s has %d series, want at most %d", pushes, len(series), max)
	}
	valid := map[[2]string]bool{}
	for _, r := range reasons {
		valid[[2]string{string(r.Status()), r.String()}] = true
	}
	for _, st := range sftppush.Statuses() {
		valid[[2]string{string(st), metrics.Unknown}] = true
	}
	valid[[2]string{metrics.Unknown, metrics.Unknown}] = true
	for _, m := range series {
		l := labelMap(m)
		if !valid[[2]string{l["status"], l["reason"]}] {
			t.Errorf("%s has a series %v", pushes, l)
		}
	}
	wantUnknown := map[[2]string]float64{
		{metrics.Unknown, metrics.Unknown}:     300 + 3,
		{"UPLOAD_FAILED", metrics.Unknown}:     300,
		{"OK", metrics.Unknown}:                2,
		{"SFTP_LOGIN_FAILED", metrics.Unknown}: 1,
	}
	for k, n := range wantUnknown {
		if got := x.counter(t, pushes, pair(k[0], k[1])); got != n {
			t.Errorf("%s%v = %v, want %v", pushes, k, got, n)
		}
	}
	for _, m := range x.family(t, attempts, dto.MetricType_HISTOGRAM).GetMetric() {
		if st := labelMap(m)["status"]; st != metrics.Unknown && !slices.Contains(sftppush.Statuses(), sftppush.Status(st)) {
			t.Errorf("%s has status %q", attempts, st)
		}
	}
	if got := x.histogram(t, attempts, map[string]string{"status": metrics.Unknown}).GetSampleCount(); got != 300+3 {
		t.Errorf("%s{unknown} count %d, want 303", attempts, got)
	}
	for _, s := range bogus[:20] {
		if strings.Contains(x.text, s) {
			t.Fatalf("/metrics shows %q", s)
		}
	}
	if strings.Contains(x.text, "bogus") {
		t.Errorf("/metrics shows a bogus name:\n%s", x.text)
	}
}

// Values no push makes do not panic or make a counter or a sum go down:
// negative bytes add nothing, negative durations count as zero.
func TestSinkOddValues(t *testing.T) {
	ms, reg := newSink(t)
	ctx := context.Background()
	ms.Log(ctx, sftppush.LogEntry{Status: sftppush.StatusOK, BytesSent: 500, Duration: time.Second})
	ms.Log(ctx, sftppush.LogEntry{
		Status: sftppush.StatusOK, BytesSent: -100, Duration: -time.Hour,
		ConnectDuration: -time.Second, UploadDuration: -time.Minute,
	})
	x := scrape(t, reg)
	if got := x.counter(t, sent, nil); got != 500 {
		t.Errorf("%s = %v, want 500", sent, got)
	}
	if h := x.histogram(t, attempts, map[string]string{"status": "OK"}); h.GetSampleCount() != 2 || h.GetSampleSum() != 1 {
		t.Errorf("%s{OK}: count %d sum %v, want 2 and 1", attempts, h.GetSampleCount(), h.GetSampleSum())
	}
	for _, name := range []string{connects, uploads} {
		if h := x.histogram(t, name, nil); h.GetSampleCount() != 1 || h.GetSampleSum() != 0 {
			t.Errorf("%s: count %d sum %v, want 1 and 0", name, h.GetSampleCount(), h.GetSampleSum())
		}
	}
}

// A second Sink on the same registry is an error, not a panic, that
// errors.As finds as prometheus.AlreadyRegisteredError; the first goes on
// counting. A registry holding one of the names already gets none of the
// Sink's metrics.
func TestNewSinkRegistersOnce(t *testing.T) {
	ms, reg := newSink(t)
	again, err := metrics.NewSink(reg)
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) || again != nil {
		t.Fatalf("second NewSink: %v, %v; want an AlreadyRegisteredError", again, err)
	}
	if are.ExistingCollector != ms {
		t.Errorf("ExistingCollector is %v, want the first Sink", are.ExistingCollector)
	}
	ms.Log(context.Background(), sftppush.LogEntry{Status: sftppush.StatusOK})
	if got := scrape(t, reg).counter(t, pushes, pair("OK", "none")); got != 1 {
		t.Errorf("the first Sink counted %v, want 1", got)
	}

	other := prometheus.NewRegistry()
	other.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: sent, Help: "someone else's"}))
	if ms, err := metrics.NewSink(other); err == nil || ms != nil {
		t.Fatalf("NewSink on a registry with %s: %v, %v; want an error", sent, ms, err)
	}
	fams, err := other.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(fams) != 1 || fams[0].GetName() != sent {
		t.Errorf("after the failed NewSink the registry has %d families, want only its own %s", len(fams), sent)
	}
}

// A nil registerer is prometheus.DefaultRegisterer, and Unregister removes
// the Sink's metrics again.
func TestNewSinkNilIsDefault(t *testing.T) {
	ms, err := metrics.NewSink(nil)
	if err != nil {
		t.Fatal(err)
	}
	registered := true
	t.Cleanup(func() {
		if registered {
			prometheus.DefaultRegisterer.Unregister(ms)
		}
	})
	ms.Log(context.Background(), sftppush.LogEntry{Status: sftppush.StatusLoginFailed, Reason: sftppush.ReasonAuthRejected})
	x := scrape(t, prometheus.DefaultGatherer)
	if got := x.counter(t, pushes, pair("SFTP_LOGIN_FAILED", "auth_rejected")); got != 1 {
		t.Errorf("default registry: %v, want 1", got)
	}
	if _, ok := x.fams["go_goroutines"]; !ok {
		t.Errorf("the scrape is not of the default registry: no go_goroutines")
	}
	if !prometheus.DefaultRegisterer.Unregister(ms) {
		t.Fatal("Unregister found no Sink on the default registry")
	}
	registered = false
	if _, ok := scrape(t, prometheus.DefaultGatherer).fams[pushes]; ok {
		t.Errorf("%s still served after Unregister", pushes)
	}
}

// Wrapping the registerer labels and prefixes every metric, as the
// package documentation says.
func TestSinkWrappedRegisterer(t *testing.T) {
	reg := prometheus.NewRegistry()
	wrapped := prometheus.WrapRegistererWithPrefix("pipe_", prometheus.WrapRegistererWith(prometheus.Labels{"service": "pushd"}, reg))
	ms, err := metrics.NewSink(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	ms.Log(context.Background(), sftppush.LogEntry{Status: sftppush.StatusOK, BytesSent: 42})
	x := scrape(t, reg)
	l := pair("OK", "none")
	l["service"] = "pushd"
	if got := x.counter(t, "pipe_"+pushes, l); got != 1 {
		t.Errorf("pipe_%s = %v, want 1", pushes, got)
	}
	if got := x.counter(t, "pipe_"+sent, map[string]string{"service": "pushd"}); got != 42 {
		t.Errorf("pipe_%s = %v, want 42", sent, got)
	}
	if _, err := metrics.NewSink(wrapped); err == nil {
		t.Error("a second Sink through the same wrapper registered")
	}
}

// Pushes from many goroutines and scrapes at the same time: every attempt
// is counted once (run with -race).
func TestSinkConcurrentPushes(t *testing.T) {
	srv := sftptest.NewServer(t)
	srv.MkdirAll("/upload")
	ms, reg := newSink(t)
	cfg := srv.Config()
	cfg.Sink = ms
	p := sftppush.New(cfg)
	dir := t.TempDir()
	local := writeFile(t, dir, "rec.mp4", 2000)

	const pushers, each, loggers, logs = 4, 3, 4, 500
	stop := make(chan struct{})
	scraped := make(chan int)
	go func() {
		n := 0
		defer func() { scraped <- n }()
		for {
			select {
			case <-stop:
				return
			default:
				if _, err := scrapeErr(reg); err != nil {
					t.Error(err)
					return
				}
				n++
			}
		}
	}()
	var wg sync.WaitGroup
	for i := range pushers {
		wg.Go(func() {
			for j := range each {
				id := "rec-" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
				res := p.Push(context.Background(), srv.Credentials("/upload"), sftppush.Group{
					RecordingID: id, Main: sftppush.File{Path: local, RemoteName: id + ".mp4"},
				})
				if res.Status != sftppush.StatusOK {
					t.Errorf("push %s: %s %v", id, res.Status, res.Err)
				}
			}
		})
	}
	for range loggers {
		wg.Go(func() {
			for range logs {
				ms.Log(context.Background(), sftppush.LogEntry{Status: sftppush.StatusUploadFailed, Reason: sftppush.ReasonStalled, BytesSent: 1})
			}
		})
	}
	wg.Wait()
	close(stop)
	if n := <-scraped; n == 0 {
		t.Log("no scrape overlapped the pushes")
	}
	x := scrape(t, reg)
	if got := x.counter(t, pushes, pair("OK", "none")); got != pushers*each {
		t.Errorf("OK pushes %v, want %d", got, pushers*each)
	}
	if got := x.counter(t, pushes, pair("UPLOAD_FAILED", "stalled")); got != loggers*logs {
		t.Errorf("stalled %v, want %d", got, loggers*logs)
	}
	if got := x.counter(t, sent, nil); got != pushers*each*2000+loggers*logs {
		t.Errorf("%s = %v, want %d", sent, got, pushers*each*2000+loggers*logs)
	}
	if got := x.histogram(t, connects, nil).GetSampleCount(); got != pushers*each {
		t.Errorf("%s count %d, want %d", connects, got, pushers*each)
	}
}

// Each attempt of PushWithRetry is counted: a connection that drops, then
// one that carries the file, is one connection_lost and one OK.
func TestSinkCountsEachAttempt(t *testing.T) {
	srv := sftptest.NewUnstartedServer(t)
	srv.Faults = sftptest.Faults{DropAfterBytes: 1000, DropConnections: 1}
	srv.Start()
	srv.MkdirAll("/upload")
	ms, reg := newSink(t)
	cfg := srv.Config()
	cfg.Sink = ms
	local := writeFile(t, t.TempDir(), "rec.mp4", 50_000)
	results := sftppush.New(cfg).PushWithRetry(context.Background(), srv.Credentials("/upload"),
		sftppush.Group{RecordingID: "rec", Main: sftppush.File{Path: local}},
		sftppush.RetryPolicy{Delays: []time.Duration{time.Millisecond}})
	if len(results) != 2 || results[0].Reason != sftppush.ReasonConnectionLost || results[1].Status != sftppush.StatusOK {
		for _, r := range results {
			t.Logf("attempt: %s %s %v", r.Status, r.Reason, r.Err)
		}
		t.Fatalf("%d attempts, want a lost connection then OK", len(results))
	}
	x := scrape(t, reg)
	if got := x.counter(t, pushes, pair("UPLOAD_FAILED", "connection_lost")); got != 1 {
		t.Errorf("connection_lost %v, want 1", got)
	}
	if got := x.counter(t, pushes, pair("OK", "none")); got != 1 {
		t.Errorf("OK %v, want 1", got)
	}
	if want := float64(results[0].Entry.BytesSent + results[1].Entry.BytesSent); x.counter(t, sent, nil) != want || want < 50_000 {
		t.Errorf("%s = %v, want %v (both attempts' bytes)", sent, x.counter(t, sent, nil), want)
	}
}

// Log does not depend on its context: an entry logged as a push's context
// ends (a cancelled push is still logged) is counted.
func TestSinkIgnoresContext(t *testing.T) {
	ms, reg := newSink(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ms.Log(ctx, sftppush.LogEntry{Status: sftppush.StatusUploadFailed, Reason: sftppush.ReasonUploadCanceled}); err != nil {
		t.Fatal(err)
	}
	if got := scrape(t, reg).counter(t, pushes, pair("UPLOAD_FAILED", "upload_canceled")); got != 1 {
		t.Errorf("upload_canceled %v, want 1", got)
	}
}

func splitHostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		t.Fatalf("address %q", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return host, n
}
