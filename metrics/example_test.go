package metrics_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/metrics"
	"github.com/sftppush/sftppush/sftptest"
)

// Count the pushes of a Pusher and serve them on /metrics: one push that
// arrives, one with a wrong password. (The embedded SFTP server stands in
// for the customer's, and an httptest server for the service's own.)
func ExampleNewSink() {
	env := sftptest.NewEnv()
	defer env.Close()
	srv := sftptest.NewServer(env)
	srv.MkdirAll("/upload")
	local := filepath.Join(env.TempDir(), "rec.mp4")
	os.WriteFile(local, make([]byte, 10000), 0o644)

	reg := prometheus.NewRegistry()
	ms, err := metrics.NewSink(reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := srv.Config()
	cfg.Sink = ms // or sftppush.MultiSink(ms, store)
	p := sftppush.New(cfg)
	g := sftppush.Group{RecordingID: "rec_1", Main: sftppush.File{Path: local}}
	p.Push(context.Background(), srv.Credentials("/upload"), g)
	wrong := srv.Credentials("/upload")
	wrong.Password = "not-the-password"
	p.Push(context.Background(), wrong, g)

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	web := httptest.NewServer(mux)
	defer web.Close()
	resp, err := http.Get(web.URL + "/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	// The lines that do not depend on timing: the non-zero counters, and
	// how many connections opened.
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		counter := strings.HasPrefix(line, "sftppush_pushes_total") || strings.HasPrefix(line, "sftppush_sent_bytes_total")
		if counter && !strings.HasSuffix(line, " 0") || strings.HasPrefix(line, "sftppush_connect_duration_seconds_count") {
			fmt.Println(line)
		}
	}
	// Output:
	// sftppush_connect_duration_seconds_count 1
	// sftppush_pushes_total{reason="auth_rejected",status="SFTP_LOGIN_FAILED"} 1
	// sftppush_pushes_total{reason="none",status="OK"} 1
	// sftppush_sent_bytes_total 10000
}

// A second Sink on the same registry is an error, not a panic: keep one
// Sink per registry and give it to every Pusher.
func ExampleNewSink_registeredTwice() {
	reg := prometheus.NewRegistry()
	if _, err := metrics.NewSink(reg); err != nil {
		fmt.Println(err)
		return
	}
	_, err := metrics.NewSink(reg)
	var are prometheus.AlreadyRegisteredError
	fmt.Println(errors.As(err, &are))
	// Output:
	// true
}

// An entry whose Status or Reason the library does not define is counted
// under "unknown", so that no string from elsewhere becomes a label value;
// wrapping the registerer adds a label of the service's own.
func ExampleSink_Log() {
	reg := prometheus.NewRegistry()
	ms, err := metrics.NewSink(prometheus.WrapRegistererWith(prometheus.Labels{"service": "pushd"}, reg))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	ms.Log(ctx, sftppush.LogEntry{Status: sftppush.StatusLoginFailed, Reason: sftppush.ReasonAuthRejected})
	ms.Log(ctx, sftppush.LogEntry{Status: sftppush.StatusLoginFailed, Reason: "typed by someone"})
	ms.Log(ctx, sftppush.LogEntry{Status: "LOGIN_FAILED", Reason: sftppush.ReasonAuthRejected})

	fams, err := reg.Gather()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range fams {
		if f.GetName() != "sftppush_pushes_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if v := m.GetCounter().GetValue(); v > 0 {
				for _, l := range m.GetLabel() {
					fmt.Printf("%s=%s ", l.GetName(), l.GetValue())
				}
				fmt.Println(v)
			}
		}
	}
	// Output:
	// reason=auth_rejected service=pushd status=SFTP_LOGIN_FAILED 1
	// reason=unknown service=pushd status=SFTP_LOGIN_FAILED 1
	// reason=unknown service=pushd status=unknown 1
}
