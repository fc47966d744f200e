package main

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
	"github.com/sftppush/sftppush/sqlstore"
)

// newTestDashboard opens a dashboard in a fresh file, its queue not
// started, polling often so that tests that start it do not wait.
func newTestDashboard(t *testing.T, push sftppush.Config) *dashboard {
	t.Helper()
	d, err := open(context.Background(), options{
		DB: filepath.Join(t.TempDir(), "dashboard.sqlite"), Account: "acme", Push: push,
		River: &river.Config{
			FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return d
}

// do sends a request to h as a browser on the page itself would, with the
// extra headers given as name, value pairs.
func do(t *testing.T, h http.Handler, method, target string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, "http://127.0.0.1:8080"+target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			r.Host = headers[i+1]
		} else {
			r.Header.Set(headers[i], headers[i+1])
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// formOf is the credentials form filled with c, for account.
func formOf(account string, c sftppush.Credentials) url.Values {
	return url.Values{"account": {account}, "host": {c.Host}, "port": {strconv.Itoa(c.Port)},
		"username": {c.Username}, "password": {c.Password}, "folder": {c.Folder}}
}

var ddRE = regexp.MustCompile(`<dd id="(check-[a-z]+)">([^<]*)</dd>`)

// checkResult returns the texts of the page's Test connection result, by id.
func checkResult(body string) map[string]string {
	m := map[string]string{}
	for _, s := range ddRE.FindAllStringSubmatch(body, -1) {
		m[s[1]] = html.UnescapeString(s[2])
	}
	return m
}

// Every bad field gets the library's message beside it, the typed values
// stay, and the password is not written back.
func TestValidationMessages(t *testing.T) {
	h := newTestDashboard(t, sftppush.Config{}).app.handler()
	bad := sftppush.Credentials{
		Host: "sftp://files.example.com/upload", Port: 70000, Username: strings.Repeat("u", 101),
		Password: strings.Repeat("Zq9!", 26), Folder: "",
	}
	for _, path := range []string{"/save", "/test"} {
		w := do(t, h, "POST", path, formOf("acme", bad))
		body := w.Body.String()
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", path, w.Code)
		}
		verr := bad.Validate().(*sftppush.ValidationError)
		if len(verr.Fields) != 5 {
			t.Fatalf("the bad credentials have %d bad fields, want 5", len(verr.Fields))
		}
		labels := map[string]string{"Host": "SFTP Host", "Port": "Port", "Username": "SFTP Username", "Password": "SFTP Password", "Folder": "SFTP Folder"}
		for _, f := range verr.Fields {
			want := fmt.Sprintf(`<p class="field-error" id="%s-error">%s: %s</p>`, strings.ToLower(f.Field), labels[f.Field], html.EscapeString(f.Message))
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %s", path, want)
			}
		}
		for _, want := range []string{`value="sftp://files.example.com/upload"`, `value="70000"`, `value="` + bad.Username + `"`, `aria-invalid="true"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the typed values are not kept: no %s", path, want)
			}
		}
		if strings.Contains(body, bad.Password) || strings.Contains(body, "Zq9!") {
			t.Errorf("%s: the typed password is in the page", path)
		}
		if strings.Contains(body, `id="check"`) {
			t.Errorf("%s: a check ran on invalid credentials", path)
		}
	}
	if _, ok, _ := newTestDashboard(t, sftppush.Config{}).app.creds.get(context.Background(), "acme"); ok {
		t.Error("invalid credentials were saved")
	}

	// What the library cannot see: a port that is no number.
	for port, want := range map[string]string{"abc": msgPortNotNumber, "99999999999999999999": msgPortFarOut} {
		f := formOf("acme", sftppush.Credentials{Host: "sftp.example.com", Username: "u", Password: "p", Folder: "/"})
		f.Set("port", port)
		body := do(t, h, "POST", "/save", f).Body.String()
		if !strings.Contains(body, `<p class="field-error" id="port-error">Port: `+want+`</p>`) {
			t.Errorf("port %q: no message %q", port, want)
		}
	}
	// An empty port is 22.
	f := formOf("acme", sftppush.Credentials{Host: "sftp.example.com", Username: "u", Password: "p", Folder: "/"})
	f.Set("port", "")
	if w := do(t, h, "POST", "/save", f); w.Code != http.StatusSeeOther {
		t.Errorf("an empty port: %d\n%s", w.Code, w.Body)
	}
}

// The saved password is never written into a page, and is used only for
// the server it was saved for.
func TestSavedPassword(t *testing.T) {
	srv := newDemoServer(t)
	d := newTestDashboard(t, srv.Config())
	h := d.app.handler()
	good := srv.Credentials("/upload")
	w := do(t, h, "POST", "/save", formOf("acme", good))
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != "/?account=acme&done=saved&retried=0" {
		t.Fatalf("save: %d %q\n%s", w.Code, loc, w.Body)
	}
	body := do(t, h, "GET", w.Header().Get("Location"), nil).Body.String()
	for _, want := range []string{
		"Credentials saved.",
		`<input id="password" name="password" type="password" placeholder="Saved: leave empty to keep it"`,
		"A password is saved.",
		`value="` + good.Host + `"`, `value="` + strconv.Itoa(good.Port) + `"`, `value="tester"`, `value="/upload"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the saved page lacks %s", want)
		}
	}
	if strings.Contains(body, good.Password) {
		t.Fatal("the saved password is in the page")
	}

	// An empty field means the saved password, for the same server.
	empty := good
	empty.Password = ""
	tries := srv.PasswordTries()
	w = do(t, h, "POST", "/test", formOf("acme", empty))
	if got := checkResult(w.Body.String()); w.Code != 200 || got["check-status"] != "OK" || got["check-reason"] != "none" {
		t.Errorf("test with the saved password: %d %v", w.Code, got)
	}
	if srv.PasswordTries() != tries+1 || strings.Contains(w.Body.String(), good.Password) {
		t.Errorf("password tries %d, was %d; or the password is in the page", srv.PasswordTries(), tries)
	}

	// Another host, port or username: the saved password is not sent.
	for name, c := range map[string]sftppush.Credentials{
		"host":     {Host: "localhost", Port: good.Port, Username: good.Username, Folder: good.Folder},
		"port":     {Host: good.Host, Port: 2222, Username: good.Username, Folder: good.Folder},
		"username": {Host: good.Host, Port: good.Port, Username: "root", Folder: good.Folder},
	} {
		for _, path := range []string{"/test", "/save"} {
			tries := srv.PasswordTries()
			w := do(t, h, "POST", path, formOf("acme", c))
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "SFTP Password: "+msgRetypePassword) {
				t.Errorf("%s changed, %s: %d, no message to type the password again", name, path, w.Code)
			}
			if srv.PasswordTries() != tries {
				t.Errorf("%s changed, %s: the saved password was sent", name, path)
			}
		}
	}

	// Saving with the field empty keeps the saved password, and takes the
	// other fields.
	empty.Folder = "/readonly"
	if w := do(t, h, "POST", "/save", formOf("acme", empty)); w.Code != http.StatusSeeOther {
		t.Fatalf("save with an empty password: %d", w.Code)
	}
	if c, _, _ := d.app.creds.get(context.Background(), "acme"); c != (sftppush.Credentials{Host: good.Host, Port: good.Port, Username: good.Username, Password: good.Password, Folder: "/readonly"}) {
		t.Errorf("saved %v", c)
	}
}

// Test connection shows the status, the reason, what to fix and the
// error, for good credentials and bad ones.
func TestTestConnection(t *testing.T) {
	srv := newDemoServer(t)
	h := newTestDashboard(t, srv.Config()).app.handler()
	closed := sftptest.ClosedPort(t)
	closedPort, _ := strconv.Atoi(closed[strings.LastIndex(closed, ":")+1:])
	good := srv.Credentials("/upload")
	wrong := good
	wrong.Password = "Wrong-password-1"
	for _, c := range []struct {
		name   string
		c      sftppush.Credentials
		status sftppush.Status
		reason sftppush.Reason
	}{
		{"good", good, sftppush.StatusOK, sftppush.ReasonNone},
		{"wrong password", wrong, sftppush.StatusLoginFailed, sftppush.ReasonAuthRejected},
		{"missing folder", srv.Credentials("/missing"), sftppush.StatusIncorrectFolder, sftppush.ReasonFolderNotFound},
		{"read-only folder", srv.Credentials("/readonly"), sftppush.StatusUploadFailed, sftppush.ReasonPermissionDenied},
		{"closed port", sftppush.Credentials{Host: "127.0.0.1", Port: closedPort, Username: "u", Password: "Closed-pw-2", Folder: "/"},
			sftppush.StatusConnectionTimeout, sftppush.ReasonConnectionRefused},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := do(t, h, "POST", "/test", formOf("acme", c.c))
			body := w.Body.String()
			got := checkResult(body)
			if w.Code != 200 || got["check-status"] != string(c.status) || got["check-reason"] != c.reason.String() {
				t.Fatalf("%d %v, want %s %s", w.Code, got, c.status, c.reason)
			}
			if c.status == sftppush.StatusOK {
				if got["check-hint"] == "" || got["check-error"] != "" || !strings.Contains(body, `class="check check-ok"`) {
					t.Errorf("an OK check shows %v", got)
				}
			} else {
				if got["check-hint"] != c.reason.Hint() || !strings.Contains(got["check-error"], string(c.status)) {
					t.Errorf("hint %q (want %q), error %q", got["check-hint"], c.reason.Hint(), got["check-error"])
				}
			}
			if strings.Contains(body, c.c.Password) {
				t.Errorf("the password is in the page")
			}
			// The typed values stay for the next try, the password too
			// is asked again.
			if !strings.Contains(body, `value="`+c.c.Folder+`"`) || !strings.Contains(body, "The password you typed is not shown again") {
				t.Error("the form was not kept")
			}
		})
	}
}

// Remove deletes the account's credentials and pending pushes, and its
// logs only when asked; other accounts keep theirs.
func TestRemove(t *testing.T) {
	d := newTestDashboard(t, sftppush.Config{})
	h := d.app.handler()
	ctx := context.Background()
	c := sftppush.Credentials{Host: "sftp.example.com", Username: "u", Password: "Remove-pw-3", Folder: "/"}
	for _, acct := range []string{"acme", "other"} {
		if w := do(t, h, "POST", "/save", formOf(acct, c)); w.Code != http.StatusSeeOther {
			t.Fatalf("save %s: %d", acct, w.Code)
		}
		if w := do(t, h, "POST", "/push", url.Values{"account": {acct}}); w.Code != http.StatusSeeOther ||
			!strings.Contains(w.Header().Get("Location"), "done=pushed") {
			t.Fatalf("push %s: %d %s", acct, w.Code, w.Header().Get("Location"))
		}
		for i := range 2 {
			if err := d.app.logs.Log(ctx, sftppush.LogEntry{RecordingID: fmt.Sprint("rec-", i), Account: acct, Status: sftppush.StatusOK}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := pendingJobs(t, d, "acme"); n != 1 {
		t.Fatalf("%d pending jobs for acme, want 1", n)
	}

	w := do(t, h, "POST", "/remove", url.Values{"account": {"acme"}})
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d", w.Code)
	}
	if body := do(t, h, "GET", loc, nil).Body.String(); !strings.Contains(body, "Credentials removed. 1 pending push cancelled.</p>") ||
		!strings.Contains(body, "No credentials saved") {
		t.Errorf("after remove (%s):\n%s", loc, body)
	}
	if _, ok, _ := d.app.creds.get(ctx, "acme"); ok {
		t.Error("acme's credentials are still saved")
	}
	if n := pendingJobs(t, d, "acme"); n != 0 {
		t.Errorf("%d pending jobs for acme after remove", n)
	}
	if n := logCount(t, d, "acme"); n != 2 {
		t.Errorf("acme has %d log entries; the box was not ticked, want 2", n)
	}

	w = do(t, h, "POST", "/remove", url.Values{"account": {"acme"}, "logs": {"on"}})
	if body := do(t, h, "GET", w.Header().Get("Location"), nil).Body.String(); !strings.Contains(body, "No credentials were saved. 0 pending pushes cancelled. 2 log entries deleted.") {
		t.Errorf("after remove with logs: %s", w.Header().Get("Location"))
	}
	if n := logCount(t, d, "acme"); n != 0 {
		t.Errorf("acme has %d log entries after remove with logs", n)
	}

	// The other account keeps everything.
	if _, ok, _ := d.app.creds.get(ctx, "other"); !ok || pendingJobs(t, d, "other") != 1 || logCount(t, d, "other") != 2 {
		t.Error("removing acme touched other")
	}

	// Nothing saved, nothing to push.
	w = do(t, h, "POST", "/push", url.Values{"account": {"acme"}})
	if body := do(t, h, "GET", w.Header().Get("Location"), nil).Body.String(); !strings.Contains(body, "Save credentials first") {
		t.Error("a push without credentials was not refused")
	}
}

// pendingJobs counts the account's jobs still to run.
func pendingJobs(t *testing.T, d *dashboard, account string) int {
	t.Helper()
	res, err := d.queue.Client().JobList(context.Background(), river.NewJobListParams().
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStatePending).
		Where("args ->> 'destination_id' = @d", river.NamedArgs{"d": account}))
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Jobs)
}

func logCount(t *testing.T, d *dashboard, account string) int {
	t.Helper()
	p, err := d.app.logs.Query(context.Background(), sqlstore.Query{Account: account})
	if err != nil {
		t.Fatal(err)
	}
	return len(p.Entries)
}

// A form posted from another site changes nothing.
func TestCrossSite(t *testing.T) {
	d := newTestDashboard(t, sftppush.Config{})
	h := d.app.handler()
	c := sftppush.Credentials{Host: "sftp.example.com", Username: "u", Password: "Cross-pw-4", Folder: "/"}
	for _, hdr := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Sec-Fetch-Site", "", "Origin", "http://evil.example"},
	} {
		for _, path := range []string{"/save", "/remove", "/test", "/push"} {
			if w := do(t, h, "POST", path, formOf("acme", c), hdr...); w.Code != http.StatusForbidden {
				t.Errorf("%s with %v: %d, want 403", path, hdr, w.Code)
			}
		}
	}
	if _, ok, _ := d.app.creds.get(context.Background(), "acme"); ok {
		t.Error("a cross-site post saved credentials")
	}
	// The page's own posts, and those of browsers that say nothing.
	for _, hdr := range [][]string{{"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-Site", "", "Origin", "http://127.0.0.1:8080"}} {
		if w := do(t, h, "POST", "/save", formOf("acme", c), hdr...); w.Code != http.StatusSeeOther {
			t.Errorf("save with %v: %d", hdr, w.Code)
		}
	}
}

func TestHeaders(t *testing.T) {
	h := newTestDashboard(t, sftppush.Config{}).app.handler()
	w := do(t, h, "GET", "/", nil)
	hd := w.Header()
	if w.Code != 200 || hd.Get("Content-Security-Policy") != "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'" {
		t.Errorf("%d, CSP %q", w.Code, hd.Get("Content-Security-Policy"))
	}
	for k, v := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "Content-Type": "text/html; charset=utf-8"} {
		if hd.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, hd.Get(k), v)
		}
	}
	body := w.Body.String()
	if strings.Contains(body, "<script") || strings.Contains(body, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(body) || strings.Contains(body, "style=") {
		t.Error("the page has script or inline styles, which its CSP forbids")
	}
	if !strings.Contains(body, "No log entries.") || !strings.Contains(body, "No credentials saved") {
		t.Errorf("an empty account's page:\n%s", body)
	}
	css := do(t, h, "GET", "/style.css", nil)
	if css.Header().Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(css.Body.String(), "table.logs {") {
		t.Errorf("style.css: %q", css.Header().Get("Content-Type"))
	}
}

func TestBadRequests(t *testing.T) {
	h := newTestDashboard(t, sftppush.Config{}).app.handler()
	for _, c := range []struct {
		method, target string
		form           url.Values
		headers        []string
		code           int
	}{
		{"GET", "/?account=" + url.QueryEscape("a\nb"), nil, nil, 400},
		{"GET", "/?account=" + strings.Repeat("a", 101), nil, nil, 400},
		{"GET", "/?account=" + strings.Repeat("é", 100), nil, nil, 200},
		{"POST", "/save", url.Values{"host": {strings.Repeat("h", maxBody)}}, nil, 413},
		{"GET", "/save", nil, nil, 405},
		{"GET", "/nope", nil, nil, 404},
		{"GET", "/?status=BOGUS", nil, nil, 400},
		{"GET", "/", nil, []string{"Host", "evil.example"}, 421},
		{"GET", "/", nil, []string{"Host", "rebound.example:8080"}, 421},
		{"GET", "/", nil, []string{"Host", "localhost:8080"}, 200},
	} {
		if w := do(t, h, c.method, c.target, c.form, c.headers...); w.Code != c.code {
			t.Errorf("%s %.40s %v: %d, want %d", c.method, c.target, c.headers, w.Code, c.code)
		}
	}
}

// The queue's pushes log to the table; a push stopped by a wrong password
// is tried again when the corrected credentials are saved; and neither the
// queue's rows nor the log's hold the password.
func TestPushes(t *testing.T) {
	srv := newDemoServer(t)
	d := newTestDashboard(t, srv.Config())
	h := d.app.handler()
	ctx := context.Background()
	if err := d.start(ctx); err != nil {
		t.Fatal(err)
	}
	wrong := srv.Credentials("/upload")
	wrong.Password = "Queued-wrong-pw-5"
	if w := do(t, h, "POST", "/save", formOf("acme", wrong)); w.Code != http.StatusSeeOther {
		t.Fatal(w.Code)
	}
	if w := do(t, h, "POST", "/push", url.Values{"account": {"acme"}}); w.Code != http.StatusSeeOther {
		t.Fatal(w.Code)
	}
	entries := waitEntries(t, d, 1)
	if e := entries[0]; e.Status != sftppush.StatusLoginFailed || e.Reason != sftppush.ReasonAuthRejected || e.Account != "acme" {
		t.Fatalf("first push: %s %s %q", e.Status, e.Reason, e.Account)
	}
	waitJobs(t, d, "acme", rivertype.JobStateCancelled) // stopped: the customer must fix it

	w := do(t, h, "POST", "/save", formOf("acme", srv.Credentials("/upload")))
	if body := do(t, h, "GET", w.Header().Get("Location"), nil).Body.String(); !strings.Contains(body, "Credentials saved. 1 stopped push of this account will be tried again now.") {
		t.Errorf("save after the stopped push: %s", w.Header().Get("Location"))
	}
	entries = waitEntries(t, d, 2)
	if e := entries[0]; e.Status != sftppush.StatusOK || e.RecordingID != entries[1].RecordingID {
		t.Errorf("the retried push: %s of %s, after %s", e.Status, e.RecordingID, entries[1].RecordingID)
	}
	if n := len(srv.ReadFile("/upload/" + entries[0].RecordingID + ".mp4")); n != sampleBytes {
		t.Errorf("the server holds %d bytes, want %d", n, sampleBytes)
	}
	body := do(t, h, "GET", "/?account=acme", nil).Body.String()
	if got := regexp.MustCompile(`<span class="status (?:ok|fail)">([A-Z_]+)</span>`).FindAllStringSubmatch(body, -1); len(got) != 2 || got[0][1] != "OK" || got[1][1] != "SFTP_LOGIN_FAILED" {
		t.Errorf("the table shows %v", got)
	}

	for _, table := range []string{"river_job", sqlstore.DefaultTable} {
		dump := dumpTable(t, d.db, table)
		if !strings.Contains(dump, "acme") {
			t.Errorf("%s does not hold the account; the dump reads nothing", table)
		}
		for _, pw := range []string{wrong.Password, srv.Password} {
			if strings.Contains(dump, pw) {
				t.Errorf("%s holds a password", table)
			}
		}
	}
}

// waitEntries waits until the log holds n entries of acme, and returns
// them, newest first.
func waitEntries(t *testing.T, d *dashboard, n int) []sftppush.LogEntry {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		p, err := d.app.logs.Query(context.Background(), sqlstore.Query{Account: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) >= n || time.Now().After(deadline) {
			if len(p.Entries) != n {
				t.Fatalf("%d log entries, want %d", len(p.Entries), n)
			}
			return p.Entries
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitJobs waits until the account has one job, in one of the states.
func waitJobs(t *testing.T, d *dashboard, account string, states ...rivertype.JobState) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := d.queue.Client().JobList(context.Background(), river.NewJobListParams().States(states...).
			Where("args ->> 'destination_id' = @d", river.NamedArgs{"d": account}))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) == 1 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no job of %s in %v", account, states)
}

// dumpTable returns every value of every row of table, as text.
func dumpTable(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query("SELECT * FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			b.Write(v)
			b.WriteByte(' ')
		}
		b.WriteByte('\n')
	}
	return b.String()
}
