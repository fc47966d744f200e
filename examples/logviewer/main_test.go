package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/examples/internal/logtable"
	"github.com/sftppush/sftppush/internal/cdp"
	"github.com/sftppush/sftppush/sqlstore"
)

const (
	hostileHost   = `<script>document.title='pwned'</script>`
	hostileFolder = `"><img src=x onerror="document.title='pwned'">`
)

// newStore returns a store in a fresh SQLite file holding entries.
func newStore(t *testing.T, entries ...sftppush.LogEntry) *sqlstore.Store {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "logs.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := sqlstore.New(context.Background(), db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := s.Log(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

var day = time.Date(2025, 5, 6, 0, 0, 0, 0, time.UTC)

func entry(id string, at time.Duration, st sftppush.Status, r sftppush.Reason) sftppush.LogEntry {
	return sftppush.LogEntry{
		RecordingID: id, Time: day.Add(at), Host: "sftp.example.com", Username: "cam", Folder: "/in",
		Port: 22, Files: []string{id + ".mp4", id + ".jpg"}, Status: st, Reason: r,
	}
}

// sampleEntries are a few pushes; their recording IDs newest first are
// rec-e, rec-evil, rec-fail, rec-ok, rec-many.
func sampleEntries() []sftppush.LogEntry {
	fail := entry("rec-fail", 11*time.Hour, sftppush.StatusUploadFailed, sftppush.ReasonPermissionDenied)
	fail.Error = "sftppush: upload /in/rec-fail.mp4: permission denied"
	evil := entry("rec-evil", 30*time.Hour, sftppush.StatusConnectionTimeout, sftppush.ReasonHostNotFound)
	evil.Host, evil.Folder, evil.Account = hostileHost, hostileFolder, "acct-2"
	many := entry("rec-many", -time.Hour, sftppush.StatusOK, sftppush.ReasonNone)
	many.Files = []string{"1.mp4", "2.webm", "3.jpg", "4.jpg", "5.txt", "6.txt"}
	return []sftppush.LogEntry{
		entry("rec-ok", 10*time.Hour, sftppush.StatusOK, sftppush.ReasonNone),
		fail, evil, many,
		entry("rec-e", 31*time.Hour, sftppush.StatusUploadFailed, sftppush.ReasonNoSpace),
	}
}

var (
	rowRE       = regexp.MustCompile(`<td class="recording">([^<]*)`)
	statusRE    = regexp.MustCompile(`<span class="status (?:ok|fail)">([A-Z_]+)</span>`)
	nextRE      = regexp.MustCompile(`<a href="([^"]*)" rel="next">`)
	entryRowsRE = regexp.MustCompile(`<tr class="entry">`)
)

// recordings returns the recording IDs of the page's rows, in order.
func recordings(page string) []string {
	var ids []string
	for _, m := range rowRE.FindAllStringSubmatch(page, -1) {
		ids = append(ids, html.UnescapeString(m[1]))
	}
	return ids
}

func get(t *testing.T, h http.Handler, method, target string) (int, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w.Code, w.Body.String()
}

func TestPage(t *testing.T) {
	h := newHandler(newStore(t, sampleEntries()...))
	code, body := get(t, h, "GET", "/")
	if code != 200 {
		t.Fatalf("GET /: %d\n%s", code, body)
	}
	if got, want := recordings(body), []string{"rec-e", "rec-evil", "rec-fail", "rec-ok", "rec-many"}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want newest first %v", got, want)
	}
	for _, want := range []string{
		"<th>Recording ID</th><th>Date &amp; time</th><th>SFTP details</th><th>File(s)</th><th>Status</th>",
		`<td class="time">2025-05-06 11:00:00</td>`,
		`<dd class="host">sftp.example.com</dd>`, `<dd class="username">cam</dd>`, `<dd class="folder">/in</dd>`, `<dd class="port">SFTP/22</dd>`,
		`<span class="status fail">UPLOAD_FAILED</span><div class="reason">permission_denied</div>`,
		"permission denied</details>",
		`<span class="status ok">OK</span></td>`,
		// Up to 4 files, as the product lists them.
		"<li>4.jpg</li></ul><div class=\"more\">and 2 more</div>",
		// Strangers' text is text.
		`<dd class="host">&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;</dd>`,
		`<dd class="folder">&#34;&gt;&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt;</dd>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, bad := range []string{"<script", "<img", "5.txt"} {
		if strings.Contains(body, bad) {
			t.Errorf("page holds %q", bad)
		}
	}

	for _, c := range []struct {
		query string
		want  []string
	}{
		{"status=UPLOAD_FAILED&recording=&date=", []string{"rec-e", "rec-fail"}},
		{"status=&recording=rec-ok&date=", []string{"rec-ok"}},
		{"recording=+rec-ok+", []string{"rec-ok"}},
		{"date=2025-05-07", []string{"rec-e", "rec-evil"}},
		{"date=2025-05-06&status=OK", []string{"rec-ok"}},
		{"account=acct-2", []string{"rec-evil"}},
		{"recording=nobody", nil},
	} {
		code, body := get(t, h, "GET", "/?"+c.query)
		if got := recordings(body); code != 200 || !slices.Equal(got, c.want) {
			t.Errorf("?%s: %d %v, want %v", c.query, code, got, c.want)
		}
	}
	// The form shows the filters it was given.
	_, body = get(t, h, "GET", "/?status=OK&recording=%22x&date=2025-05-06")
	for _, want := range []string{`<option value="OK" selected>`, `name="recording" value="&#34;x"`, `name="date" value="2025-05-06"`, "match these filters"} {
		if !strings.Contains(body, want) {
			t.Errorf("filtered form lacks %s", want)
		}
	}

	for _, c := range []struct {
		method, target string
		code           int
		says           string
	}{
		{"GET", "/?status=ok", 400, "Unknown status"},
		{"GET", "/?date=6.5.2025", 400, "must look like"},
		{"GET", "/?cursor=garbage", 400, "page link is broken"},
		{"POST", "/", 405, ""},
		{"GET", "/other", 404, ""},
	} {
		code, body := get(t, h, c.method, c.target)
		if code != c.code || !strings.Contains(body, c.says) {
			t.Errorf("%s %s: %d, want %d saying %q", c.method, c.target, code, c.code, c.says)
		}
	}
}

func TestPageHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	newHandler(newStore(t)).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.Contains(w.Body.String(), "No log entries.") {
		t.Error("an empty store does not say so")
	}
}

// Paging goes through every entry once, newest first, with the filters kept.
func TestPaging(t *testing.T) {
	var entries []sftppush.LogEntry
	var want []string
	for i := range 2*logtable.PageSize + 10 {
		st := sftppush.StatusOK
		if i%2 == 1 {
			st = sftppush.StatusUploadFailed
		}
		entries = append(entries, entry(fmt.Sprintf("rec-%03d", i), time.Duration(i)*time.Minute, st, ""))
		if st == sftppush.StatusOK {
			want = append([]string{fmt.Sprintf("rec-%03d", i)}, want...)
		}
	}
	s := newStore(t, entries...)
	h := newHandler(s)
	target := "/?status=OK"
	var got []string
	for pages := 1; ; pages++ {
		code, body := get(t, h, "GET", target)
		if code != 200 {
			t.Fatalf("%s: %d", target, code)
		}
		rows := recordings(body)
		if len(rows) > logtable.PageSize {
			t.Fatalf("%d rows on a page", len(rows))
		}
		got = append(got, rows...)
		// An entry arriving meanwhile does not shift the pages.
		s.Log(context.Background(), entry("late", 10*time.Hour, sftppush.StatusOK, ""))
		m := nextRE.FindStringSubmatch(body)
		if m == nil {
			if pages != 2 {
				t.Errorf("%d pages, want 2", pages)
			}
			break
		}
		target = html.UnescapeString(m[1])
		if !strings.Contains(target, "status=OK") || strings.Contains(body, `rel="first"`) != (pages > 1) {
			t.Errorf("page %d: next link %q", pages, target)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged through %v, want %v", got, want)
	}
}

// chromium returns the path of Chromium, or skips the test.
func chromium(t *testing.T) string {
	path, err := cdp.Chromium()
	if err != nil {
		t.Skip(err.Error() + "; .ci/run installs it")
	}
	return path
}

// dumpDOM loads url in headless Chromium and returns the DOM after it has
// rendered.
func dumpDOM(t *testing.T, bin, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return stdout.String()
}

// The page renders in a real browser, and its status filter works there.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	srv := httptest.NewServer(newHandler(newStore(t, sampleEntries()...)))
	defer srv.Close()

	dom := dumpDOM(t, bin, srv.URL+"/")
	if n := len(entryRowsRE.FindAllString(dom, -1)); n != 5 {
		t.Errorf("browser rendered %d rows, want 5:\n%s", n, dom)
	}
	if got, want := recordings(dom), []string{"rec-e", "rec-evil", "rec-fail", "rec-ok", "rec-many"}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	// The hostile host is shown as text: no element was made of it, and
	// nothing ran.
	if !strings.Contains(dom, `<dd class="host">&lt;script&gt;document.title='pwned'&lt;/script&gt;</dd>`) ||
		strings.Contains(dom, "<img") || !strings.Contains(dom, "<title>SFTP Logs</title>") {
		t.Errorf("hostile entry not rendered as text:\n%s", dom)
	}

	// What the filter form submits when UPLOAD_FAILED is picked.
	if !strings.Contains(dom, `<form class="filters" method="get" action="/">`) || !strings.Contains(dom, `<select name="status">`) {
		t.Fatalf("no filter form in:\n%s", dom)
	}
	dom = dumpDOM(t, bin, srv.URL+"/?status=UPLOAD_FAILED&recording=&date=")
	if got, want := recordings(dom), []string{"rec-e", "rec-fail"}; !slices.Equal(got, want) {
		t.Errorf("filtered rows %v, want %v", got, want)
	}
	for _, m := range statusRE.FindAllStringSubmatch(dom, -1) {
		if m[1] != "UPLOAD_FAILED" {
			t.Errorf("filtered page shows status %s", m[1])
		}
	}
	if !strings.Contains(dom, `<option value="UPLOAD_FAILED" selected="">`) {
		t.Error("the form does not show the chosen status")
	}
}

// run refuses a missing SQLite file rather than creating an empty one.
func TestRunMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.sqlite")
	err := run(context.Background(), []string{"-db", missing}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "quickstart") {
		t.Errorf("got %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("run created the file")
	}
}

// run serves on loopback and stops when its context ends.
func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs.sqlite")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.New(context.Background(), db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Log(context.Background(), entry("rec-run", 0, sftppush.StatusOK, ""))
	db.Close()

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw, _ := os.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-db", path}, pw); pw.Close() }()
	line := make([]byte, 200)
	n, _ := pr.Read(line)
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).Find(line[:n])
	if m == nil {
		cancel()
		t.Fatalf("run printed %q", line[:n])
	}
	resp, err := http.Get(string(m))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(b.String(), "rec-run") {
		t.Errorf("served page lacks the entry:\n%s", b.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	pr.Close()
}
