package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/sftppush/sftppush"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The bytes the first pushes send: the two recordings that arrive, whole.
const firstBytes = 4<<20 + 3<<20 + 40<<10 + 1<<20 + 20<<10

// -once prints the sftppush_ lines of one real scrape and exits: the five
// first attempts under their statuses and reasons, every other pair at
// zero, the bytes of the two recordings that arrived, three connections
// opened. Nothing else is printed there, and the password nowhere.
func TestOnce(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"-once", "-addr", "127.0.0.1:0"}, &out, &errOut, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	for line := range strings.Lines(out.String()) {
		if !strings.HasPrefix(line, "sftppush_") && !strings.HasPrefix(line, "# HELP sftppush_") && !strings.HasPrefix(line, "# TYPE sftppush_") {
			t.Errorf("-once printed %q", line)
		}
	}
	fams := parse(t, out.String())
	checkFirstPushes(t, fams, 2)
	if got := counter(t, fams, "sftppush_sent_bytes_total", nil); got != firstBytes {
		t.Errorf("sent bytes %v, want %d", got, firstBytes)
	}
	if got := fams["sftppush_connect_duration_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); got != 3 {
		t.Errorf("connections opened %d, want 3 (two OK, the missing folder)", got)
	}
	for _, want := range []string{"OK                     none", "SFTP_LOGIN_FAILED      auth_rejected", "INCORRECT_SFTP_FOLDER  folder_not_found", "FILE_MISSING           file_missing"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, errOut.String())
		}
	}
	for name, s := range map[string]string{"stdout": out.String(), "stderr": errOut.String()} {
		if strings.Contains(s, demoPassword) {
			t.Errorf("%s shows the password:\n%s", name, s)
		}
	}
}

// Without -once the demo serves /metrics until its context ends, and
// pushes again as it goes: a scraper sees the counters grow.
func TestServes(t *testing.T) {
	old := interval
	interval = 20 * time.Millisecond
	t.Cleanup(func() { interval = old })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan net.Addr, 1)
	errOut := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, io.Discard, errOut, func(a net.Addr) { addrc <- a })
	}()
	var url string
	select {
	case a := <-addrc:
		url = "http://" + a.String() + "/metrics"
	case err := <-done:
		t.Fatalf("run ended before serving: %v\n%s", err, errOut.String())
	}

	first := parse(t, get(t, url))
	checkFirstPushes(t, first, -1)
	// The pushes that follow arrive, and every third misses its folder.
	deadline := time.Now().Add(30 * time.Second)
	var text string
	for {
		text = get(t, url)
		fams := parse(t, text)
		if counter(t, fams, "sftppush_pushes_total", map[string]string{"status": "INCORRECT_SFTP_FOLDER", "reason": "folder_not_found"}) >= 2 {
			if ok := counter(t, fams, "sftppush_pushes_total", map[string]string{"status": "OK", "reason": "none"}); ok < 4 {
				t.Errorf("OK pushes %v after the third push again, want at least 4", ok)
			}
			if b := counter(t, fams, "sftppush_sent_bytes_total", nil); b < firstBytes+2*512<<10 {
				t.Errorf("sent bytes %v, want at least %d", b, firstBytes+2*512<<10)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no second missing folder within 30 s:\n%s\n%s", text, errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(errOut.String(), "Metrics at "+url) {
		t.Errorf("stderr does not say where:\n%s", errOut.String())
	}
	if strings.Contains(text, demoPassword) || strings.Contains(errOut.String(), demoPassword) {
		t.Error("the password shows")
	}
}

// The demo serves only on loopback IPv4 and never on SSH's port; it says
// so before starting anything.
func TestAddrRefused(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:9464", "10.1.2.3:9464", "127.0.0.1:22", "localhost:9464", "[::1]:9464", "9464"} {
		var errOut bytes.Buffer
		err := run(context.Background(), []string{"-addr", addr}, io.Discard, &errOut, nil)
		if err == nil || !strings.Contains(err.Error(), "-addr") {
			t.Errorf("-addr %s: %v, want a refusal", addr, err)
		}
		if errOut.Len() != 0 {
			t.Errorf("-addr %s: started anyway:\n%s", addr, errOut.String())
		}
	}
}

// checkFirstPushes checks the five first attempts' counts; ok is the
// number of OK pushes wanted, or -1 for at least 2.
func checkFirstPushes(t *testing.T, fams map[string]*dto.MetricFamily, ok float64) {
	t.Helper()
	f := fams["sftppush_pushes_total"]
	if n := len(f.GetMetric()); n != len(sftppush.Reasons()) {
		t.Errorf("pushes_total has %d series, want one per Reason, %d", n, len(sftppush.Reasons()))
	}
	want := map[[2]string]float64{
		{"SFTP_LOGIN_FAILED", "auth_rejected"}:        1,
		{"FILE_MISSING", "file_missing"}:              1,
		{"INCORRECT_SFTP_FOLDER", "folder_not_found"}: 1,
	}
	for _, m := range f.GetMetric() {
		l := labels(m)
		k := [2]string{l["status"], l["reason"]}
		got := m.GetCounter().GetValue()
		switch {
		case k == [2]string{"OK", "none"}:
			if ok >= 0 && got != ok || ok < 0 && got < 2 {
				t.Errorf("OK pushes %v, want %v", got, ok)
			}
		case k == [2]string{"INCORRECT_SFTP_FOLDER", "folder_not_found"} && ok < 0:
			if got < 1 {
				t.Errorf("%v = %v, want at least 1", k, got)
			}
		case got != want[k]:
			t.Errorf("%v = %v, want %v", k, got, want[k])
		}
	}
}

func parse(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parsing: %v\n%s", err, text)
	}
	for _, name := range []string{"sftppush_pushes_total", "sftppush_attempt_duration_seconds", "sftppush_connect_duration_seconds", "sftppush_upload_duration_seconds", "sftppush_sent_bytes_total"} {
		if _, ok := fams[name]; !ok {
			t.Fatalf("no %s in:\n%s", name, text)
		}
	}
	return fams
}

func counter(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	for _, m := range fams[name].GetMetric() {
		l := labels(m)
		match := len(l) == len(want)
		for k, v := range want {
			match = match && l[k] == v
		}
		if match {
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no %s%v", name, want)
	return 0
}

func labels(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

func get(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %v", url, resp.Status, err)
	}
	return string(b)
}

// syncBuffer is a bytes.Buffer the demo's goroutine writes while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
