package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/internal/cdp"
	"github.com/sftppush/sftppush/sftptest"
)

// browser drives the page in a real headless Chromium and checks, after
// every page it loads, that no password is in it.
type browser struct {
	t       *testing.T
	ctx     context.Context
	p       *cdp.Page
	secrets []string
	pages   int
}

// loaded checks the page just loaded: no secret in its HTML, and an empty
// password field.
func (b *browser) loaded(what string) {
	b.t.Helper()
	b.pages++
	doc, err := b.p.HTML(b.ctx)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	for _, s := range b.secrets {
		if strings.Contains(doc, s) || strings.Contains(doc, html.EscapeString(s)) {
			b.t.Errorf("%s: a password is in the page's HTML", what)
		}
	}
	var pw string
	if ok, _ := b.p.Exists(b.ctx, "#password"); ok {
		if err := b.p.Eval(b.ctx, `document.querySelector("#password").value`, &pw); err != nil || pw != "" {
			b.t.Errorf("%s: the password field holds %d characters (%v)", what, len(pw), err)
		}
	}
}

func (b *browser) open(url string) {
	b.t.Helper()
	if err := b.p.Navigate(b.ctx, url); err != nil {
		b.t.Fatal(err)
	}
	b.loaded("GET " + url)
}

// click clicks a button and waits for the page it loads.
func (b *browser) click(selector string) {
	b.t.Helper()
	if err := b.p.ClickAndWait(b.ctx, selector); err != nil {
		b.t.Fatalf("clicking %s: %v", selector, err)
	}
	b.loaded("after " + selector)
}

// fill types c into the credentials form; a zero port is left empty.
func (b *browser) fill(c sftppush.Credentials) {
	b.t.Helper()
	port := ""
	if c.Port != 0 {
		port = strconv.Itoa(c.Port)
	}
	for sel, v := range map[string]string{"#host": c.Host, "#port": port, "#username": c.Username, "#password": c.Password, "#folder": c.Folder} {
		if err := b.p.SetValue(b.ctx, sel, v); err != nil {
			b.t.Fatal(err)
		}
	}
}

func (b *browser) text(selector string) string {
	b.t.Helper()
	s, err := b.p.Text(b.ctx, selector)
	if err != nil {
		b.t.Fatalf("%v", err)
	}
	return s
}

func (b *browser) value(selector string) string {
	b.t.Helper()
	var s string
	if err := b.p.Eval(b.ctx, `document.querySelector(`+cdp.JS(selector)+`).value`, &s); err != nil {
		b.t.Fatal(err)
	}
	return s
}

// wantText checks the text of selector.
func (b *browser) wantText(selector, want string) {
	b.t.Helper()
	if got := b.text(selector); got != want {
		b.t.Errorf("%s shows %q, want %q", selector, got, want)
	}
}

// checkShows checks the Test connection result.
func (b *browser) checkShows(status sftppush.Status, reason sftppush.Reason) {
	b.t.Helper()
	b.wantText("#check-status", string(status))
	b.wantText("#check-reason", reason.String())
	if reason != sftppush.ReasonNone {
		b.wantText("#check-hint", reason.Hint())
		if e := b.text("#check-error"); !strings.Contains(e, string(status)+"/"+reason.String()) {
			b.t.Errorf("the error %q does not name %s/%s", e, status, reason)
		}
	}
}

// row is one row of the log table as shown.
type row struct{ Recording, Status, Reason string }

// rows returns the log table's rows, newest first.
func (b *browser) rows() []row {
	b.t.Helper()
	var rs []row
	err := b.p.Eval(b.ctx, `Array.from(document.querySelectorAll("tr.entry"), r => ({
		Recording: r.querySelector("td.recording").firstChild.textContent.trim(),
		Status: r.querySelector(".status").innerText.trim(),
		Reason: (r.querySelector(".reason") || {innerText: ""}).innerText.trim()}))`, &rs)
	if err != nil {
		b.t.Fatal(err)
	}
	return rs
}

// waitRows reloads the page until the table has n rows.
func (b *browser) waitRows(url string, n int) []row {
	b.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		b.open(url)
		if rs := b.rows(); len(rs) >= n || time.Now().After(deadline) {
			if len(rs) != n {
				b.t.Fatalf("the table has %d rows, want %d: %v", len(rs), n, rs)
			}
			return rs
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The page driven in headless Chromium: every field's message, a bad and
// a good connection, save, a push and its log row, remove with the
// account's pending push and logs, and a form posted from another site.
// No page ever holds a password.
func TestBrowser(t *testing.T) {
	bin, err := cdp.Chromium()
	if err != nil {
		t.Skip(err.Error() + "; .ci/run installs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	srv := newDemoServer(t)
	d := newTestDashboard(t, srv.Config())
	if err := d.start(ctx); err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(d.app.handler())
	defer site.Close()
	home := site.URL + "/?account=acme"

	chromium, err := cdp.Launch(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		dir, pid := chromium.Dir(), chromium.PID()
		if err := chromium.Close(); err != nil {
			t.Errorf("closing chromium (group %d): %v", pid, err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("chromium's profile %s outlived the test", dir)
		}
	}()
	p, err := chromium.NewPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	good := srv.Credentials("/upload")
	wrong := good
	wrong.Password = "Wrong-Browser-pw-6"
	tooLong := strings.Repeat("Zq9!", 26)
	b := &browser{t: t, ctx: ctx, p: p, secrets: []string{good.Password, wrong.Password, tooLong}}

	b.open(home)
	b.wantText("#account", "acme")
	b.wantText("#saved", "No credentials saved: recordings are not pushed over SFTP.")
	b.wantText("td.empty", "No log entries.")

	// Bad values: every field says what to type instead, and keeps what
	// was typed but the password.
	bad := sftppush.Credentials{Host: "sftp://files.example.com/upload", Port: 70000, Username: strings.Repeat("u", 101), Password: tooLong, Folder: ""}
	b.fill(bad)
	b.click("#save")
	b.wantText("#problem", "Nothing was saved: fix the fields marked below.")
	labels := map[string]string{"Host": "SFTP Host", "Port": "Port", "Username": "SFTP Username", "Password": "SFTP Password", "Folder": "SFTP Folder"}
	for _, f := range bad.Validate().(*sftppush.ValidationError).Fields {
		b.wantText("#"+strings.ToLower(f.Field)+"-error", labels[f.Field]+": "+f.Message)
	}
	if b.value("#host") != bad.Host || b.value("#port") != "70000" || b.value("#username") != bad.Username || b.value("#folder") != "" {
		t.Error("the typed values were not kept")
	}
	b.fill(sftppush.Credentials{Host: "h", Port: 22, Username: "u", Password: "p", Folder: "/"})
	if err := p.SetValue(ctx, "#port", "twenty-two"); err != nil {
		t.Fatal(err)
	}
	b.click("#test")
	b.wantText("#port-error", "Port: "+msgPortNotNumber)
	if ok, _ := p.Exists(ctx, "#check"); ok {
		t.Error("Test connection ran with a bad port")
	}

	// A wrong password, then the right one.
	b.fill(wrong)
	b.click("#test")
	b.checkShows(sftppush.StatusLoginFailed, sftppush.ReasonAuthRejected)
	if b.value("#host") != good.Host || b.value("#folder") != good.Folder {
		t.Error("the form was not kept after the test")
	}
	b.wantText("#password-note", "The password you typed is not shown again: type it again before you save.")
	b.fill(sftppush.Credentials{Host: good.Host, Port: good.Port, Username: good.Username, Password: good.Password, Folder: "/missing"})
	b.click("#test")
	b.checkShows(sftppush.StatusIncorrectFolder, sftppush.ReasonFolderNotFound)
	b.fill(good)
	b.click("#test")
	b.checkShows(sftppush.StatusOK, sftppush.ReasonNone)

	// Save: the password is typed again, and from then on is "saved".
	b.fill(good)
	b.click("#save")
	b.wantText("#notice", "Credentials saved.")
	b.wantText("#saved", fmt.Sprintf("Saved: tester at 127.0.0.1, port %d, into /upload.", good.Port))
	var placeholder string
	p.Eval(ctx, `document.querySelector("#password").placeholder`, &placeholder)
	if placeholder != "Saved: leave empty to keep it" {
		t.Errorf("the password field's placeholder is %q", placeholder)
	}
	b.click("#test") // the saved values, the password field empty
	b.checkShows(sftppush.StatusOK, sftppush.ReasonNone)
	if err := p.SetValue(ctx, "#username", "someone-else"); err != nil {
		t.Fatal(err)
	}
	b.click("#test")
	b.wantText("#password-error", "SFTP Password: "+msgRetypePassword)

	// A push of the sample recording lands on the server and in the table.
	b.open(home)
	b.click("#push-sample")
	b.wantText("#notice", "A sample recording was queued: its log entry appears in the table below once it has been pushed (reload the page).")
	rows := b.waitRows(home, 1)
	rec := rows[0].Recording
	if !strings.HasPrefix(rec, "sample-") || rows[0].Status != "OK" || rows[0].Reason != "" {
		t.Errorf("row %v", rows[0])
	}
	for sel, want := range map[string]string{"dd.host": "127.0.0.1", "dd.username": "tester", "dd.folder": "/upload", "dd.port": fmt.Sprintf("SFTP/%d", good.Port)} {
		b.wantText("tr.entry "+sel, want)
	}
	if files, _ := p.Texts(ctx, "tr.entry td.files li"); !slices.Equal(files, []string{rec + ".mp4", rec + ".jpg"}) {
		t.Errorf("files %v", files)
	}
	if n := len(srv.ReadFile("/upload/" + rec + ".mp4")); n != sampleBytes {
		t.Errorf("the server holds %d bytes of %s.mp4, want %d", n, rec, sampleBytes)
	}

	// Credentials whose push fails and waits for its retry: Remove
	// cancels it, and deletes the logs when the box is ticked.
	closed := sftptest.ClosedPort(t)
	closedPort, _ := strconv.Atoi(closed[strings.LastIndex(closed, ":")+1:])
	b.fill(sftppush.Credentials{Host: good.Host, Port: closedPort, Username: good.Username, Password: good.Password, Folder: "/upload"})
	b.click("#save")
	b.wantText("#notice", "Credentials saved.")
	b.click("#push-sample")
	rows = b.waitRows(home, 2)
	if rows[0].Status != "SFTP_CONNECTION_TIMEOUT" || rows[0].Reason != "connection_refused" || rows[1].Recording != rec {
		t.Errorf("the failed push's row: %v", rows[0])
	}
	waitJobs(t, d, "acme", rivertype.JobStateRetryable, rivertype.JobStateScheduled) // waits for its retry
	if err := p.SetChecked(ctx, "#remove-logs", true); err != nil {
		t.Fatal(err)
	}
	b.click("#remove-credentials")
	b.wantText("#notice", "Credentials removed. 1 pending push cancelled. 2 log entries deleted.")
	b.wantText("#saved", "No credentials saved: recordings are not pushed over SFTP.")
	b.wantText("td.empty", "No log entries.")
	if b.value("#host") != "" {
		t.Error("the form still shows the removed credentials")
	}
	if n := pendingJobs(t, d, "acme"); n != 0 {
		t.Errorf("%d pushes still pending after Remove", n)
	}

	// A form on another site that posts to the page is refused.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><title>evil</title><form method="post" action="%s/save">
<input type="hidden" name="account" value="acme"><input type="hidden" name="host" value="203.0.113.66">
<input type="hidden" name="username" value="x"><input type="hidden" name="password" value="Evil-pw-7">
<input type="hidden" name="folder" value="/"><button id="go">Win a prize</button></form>`, site.URL)
	}))
	defer evil.Close()
	b.open(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1) + "/")
	b.click("#go")
	if got := b.text("body"); !strings.Contains(got, "Refused: this request came from another site") {
		t.Errorf("the cross-site post was answered with %q", got)
	}
	if _, ok, _ := d.app.creds.get(ctx, "acme"); ok {
		t.Error("the cross-site post saved credentials")
	}
	if b.pages < 15 {
		t.Errorf("only %d pages were checked", b.pages)
	}
}
