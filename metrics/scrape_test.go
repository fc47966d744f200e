package metrics_test

import (
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// exposition is one scrape of /metrics: the text as served and its parse.
type exposition struct {
	text string
	fams map[string]*dto.MetricFamily
}

// scrape serves g's metrics with promhttp on a test HTTP server, GETs
// /metrics as Prometheus would, in the text format, and parses the answer.
func scrape(t *testing.T, g prometheus.Gatherer) exposition {
	t.Helper()
	x, err := scrapeErr(g)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// scrapeErr is scrape for goroutines other than the test's.
func scrapeErr(g prometheus.Gatherer) (exposition, error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	if err != nil {
		return exposition{}, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := srv.Client().Do(req)
	if err != nil {
		return exposition{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return exposition{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return exposition{}, fmt.Errorf("GET /metrics: %s\n%s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		return exposition{}, fmt.Errorf("GET /metrics: Content-Type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		return exposition{}, fmt.Errorf("parsing /metrics: %v\n%s", err, body)
	}
	return exposition{text: string(body), fams: fams}, nil
}

// family returns the named family, failing the test if it is missing or
// of another type.
func (x exposition) family(t *testing.T, name string, typ dto.MetricType) *dto.MetricFamily {
	t.Helper()
	f, ok := x.fams[name]
	if !ok {
		t.Fatalf("/metrics has no %s; it has %v", name, slices.Sorted(maps.Keys(x.fams)))
	}
	if f.GetType() != typ {
		t.Fatalf("%s is a %v, want a %v", name, f.GetType(), typ)
	}
	return f
}

// series returns the metric of family name whose labels are exactly
// want, or nil.
func (x exposition) series(t *testing.T, name string, typ dto.MetricType, want map[string]string) *dto.Metric {
	t.Helper()
	for _, m := range x.family(t, name, typ).GetMetric() {
		if maps.Equal(labelMap(m), want) {
			return m
		}
	}
	return nil
}

// counter returns the value of a counter series, failing the test if the
// series is missing.
func (x exposition) counter(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	m := x.series(t, name, dto.MetricType_COUNTER, labels)
	if m == nil {
		t.Fatalf("/metrics has no %s%v", name, labels)
	}
	return m.GetCounter().GetValue()
}

// histogram returns a histogram series, failing the test if it is missing.
func (x exposition) histogram(t *testing.T, name string, labels map[string]string) *dto.Histogram {
	t.Helper()
	m := x.series(t, name, dto.MetricType_HISTOGRAM, labels)
	if m == nil {
		t.Fatalf("/metrics has no %s%v", name, labels)
	}
	return m.GetHistogram()
}

func labelMap(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

// pair is the labels of a pushes_total series.
func pair(status, reason string) map[string]string {
	return map[string]string{"status": status, "reason": reason}
}

// bounds returns a histogram's bucket upper bounds, +Inf left out.
func bounds(h *dto.Histogram) []float64 {
	var b []float64
	for _, bk := range h.GetBucket() {
		if !math.IsInf(bk.GetUpperBound(), +1) {
			b = append(b, bk.GetUpperBound())
		}
	}
	return b
}

// cumulative returns how many observations a histogram counts at or below
// le, as its buckets say; +Inf is its count.
func cumulative(t *testing.T, h *dto.Histogram, le float64) uint64 {
	t.Helper()
	if math.IsInf(le, +1) {
		return h.GetSampleCount()
	}
	for _, bk := range h.GetBucket() {
		if bk.GetUpperBound() == le {
			return bk.GetCumulativeCount()
		}
	}
	t.Fatalf("histogram has no bucket le=%v: %v", le, bounds(h))
	return 0
}
