package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/examples/internal/logtable"
	"github.com/sftppush/sftppush/riverpush"
	"github.com/sftppush/sftppush/sqlstore"
)

//go:embed page.html
var pageHTML string

//go:embed style.css
var styleCSS string

var pageTmpl = logtable.MustParse("page", pageHTML)

// queue is what the page asks of the durable push queue.
type queue interface {
	Insert(ctx context.Context, a riverpush.Args) (*rivertype.JobInsertResult, error)
	RetryDestination(ctx context.Context, destinationID string) (int, error)
	CancelDestination(ctx context.Context, destinationID string) (int, error)
}

// app is the customer's SFTP page: the credentials form, its buttons and
// the log table, for one account at a time. The account is the queue's
// destination ID, and the log entries' Account.
type app struct {
	account string // when the request names none
	creds   *credStore
	logs    *sqlstore.Store
	queue   queue
	pusher  *sftppush.Pusher // for Check
	sample  sample
	checks  chan struct{} // bounds the Checks running at once
}

// maxChecks is how many "Test connection" may run at once: each one is an
// outgoing connection to a server a stranger typed.
const maxChecks = 4

// maxBody bounds a form post: five fields of 100 characters need little.
const maxBody = 64 << 10

// handler returns the page's HTTP handler: the routes behind the host
// check, the security headers and the protection against cross-site
// request forgery.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.show)
	mux.HandleFunc("POST /test", a.test)
	mux.HandleFunc("POST /save", a.save)
	mux.HandleFunc("POST /remove", a.remove)
	mux.HandleFunc("POST /push", a.push)
	mux.HandleFunc("GET /style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		fmt.Fprint(w, styleCSS, "\n", logtable.CSS)
	})
	// Every POST changes state; a browser says where a request comes
	// from (Sec-Fetch-Site, Origin), and one from another site is refused.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Refused: this request came from another site. Use the buttons of the SFTP page itself.", http.StatusForbidden)
	}))
	return loopbackOnly(secure(csrf.Handler(limitBody(mux))))
}

// secure sets the headers of every response: no script may run, the page
// may not be framed, and nothing is cached, since the form page shows the
// account's host, username and folder.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// loopbackOnly answers only requests addressed to a loopback name: the
// page listens on 127.0.0.1, and a site whose DNS name an attacker points
// at 127.0.0.1 (DNS rebinding) would otherwise be same-origin with it and
// read it.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		switch host {
		case "127.0.0.1", "localhost", "::1":
			h.ServeHTTP(w, r)
		default:
			http.Error(w, "This page answers only at 127.0.0.1 or localhost.", http.StatusMisdirectedRequest)
		}
	})
}

func limitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "The form is too large or malformed.", http.StatusRequestEntityTooLarge)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// view is what page.html shows.
type view struct {
	Account string
	Fields  []field
	Saved   *savedView
	Notice  string // what the last action did
	Problem string // why it could not
	Check   *checkView
	Table   logtable.Table
}

// savedView sums up the saved credentials, without the password.
type savedView struct {
	Host, Username, Folder string
	Port                   int
}

// request is one request's account and its saved credentials.
type request struct {
	account string
	saved   *sftppush.Credentials // nil when none are saved
}

// begin reads the request's account and its saved credentials, or
// answers the request itself and returns false.
func (a *app) begin(w http.ResponseWriter, r *http.Request) (request, bool) {
	acct := r.FormValue("account")
	if acct == "" {
		acct = a.account
	}
	if !utf8.ValidString(acct) || utf8.RuneCountInString(acct) > sftppush.MaxFieldLength ||
		!isPrintable(acct) {
		http.Error(w, "The account must be at most 100 characters, without control characters.", http.StatusBadRequest)
		return request{}, false
	}
	c, ok, err := a.creds.get(r.Context(), acct)
	if err != nil {
		log.Printf("dashboard: %v", err)
		http.Error(w, "The saved credentials cannot be read right now.", http.StatusInternalServerError)
		return request{}, false
	}
	rq := request{account: acct}
	if ok {
		rq.saved = &c
	}
	return rq, true
}

func isPrintable(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// page is the view of rq's page with the form showing t and errs.
func (a *app) page(r *http.Request, rq request, t typed, errs map[string]string) (view, int) {
	v := view{Account: rq.account, Fields: fields(t, errs, rq.saved != nil)}
	if c := rq.saved; c != nil {
		v.Saved = &savedView{Host: c.Host, Port: port(*c), Username: c.Username, Folder: c.Folder}
	}
	f := logtable.FilterFrom(r)
	f.Account = rq.account
	cursor := ""
	if r.Method == http.MethodGet {
		cursor = r.FormValue("cursor")
	}
	var code int
	v.Table, code = logtable.Load(r.Context(), a.logs, "/", f, cursor)
	return v, code
}

// show is the page as it is: the saved credentials in the form.
func (a *app) show(w http.ResponseWriter, r *http.Request) {
	rq, ok := a.begin(w, r)
	if !ok {
		return
	}
	var t typed
	if rq.saved != nil {
		t = typedFrom(*rq.saved)
	}
	v, code := a.page(r, rq, t, nil)
	v.Notice = notice(r.URL.Query())
	render(w, code, v)
}

// test is "Test connection": a Check with the typed credentials, the
// saved password standing in for an empty field.
func (a *app) test(w http.ResponseWriter, r *http.Request) {
	rq, ok := a.begin(w, r)
	if !ok {
		return
	}
	t := readForm(r)
	c, errs := credentials(t, rq.saved)
	v, _ := a.page(r, rq, t, errs)
	if len(errs) > 0 {
		v.Problem = "Nothing was tested: fix the fields marked below."
		render(w, http.StatusUnprocessableEntity, v)
		return
	}
	select {
	case a.checks <- struct{}{}:
	default:
		v.Problem = "Too many connection tests are running right now: try again in a moment."
		render(w, http.StatusServiceUnavailable, v)
		return
	}
	res := a.pusher.Check(r.Context(), c)
	<-a.checks
	v.Check = checkViewOf(res)
	if res.Status == sftppush.StatusOK && rq.saved != nil && c == *rq.saved {
		// The saved credentials work now: what stopped on them may go.
		if _, err := a.queue.RetryDestination(r.Context(), rq.account); err != nil {
			log.Printf("dashboard: retrying the pushes of %s: %v", rq.account, err)
		}
	}
	render(w, http.StatusOK, v)
}

// save stores the typed credentials, once they are valid; the pushes that
// stopped on the old ones are tried again.
func (a *app) save(w http.ResponseWriter, r *http.Request) {
	rq, ok := a.begin(w, r)
	if !ok {
		return
	}
	t := readForm(r)
	c, errs := credentials(t, rq.saved)
	if len(errs) > 0 {
		v, _ := a.page(r, rq, t, errs)
		v.Problem = "Nothing was saved: fix the fields marked below."
		render(w, http.StatusUnprocessableEntity, v)
		return
	}
	if err := a.creds.put(r.Context(), rq.account, c); err != nil {
		log.Printf("dashboard: %v", err)
		v, _ := a.page(r, rq, t, nil)
		v.Problem = "The credentials cannot be saved right now: try again later."
		render(w, http.StatusInternalServerError, v)
		return
	}
	retried, err := a.queue.RetryDestination(r.Context(), rq.account)
	if err != nil {
		log.Printf("dashboard: retrying the pushes of %s: %v", rq.account, err)
	}
	redirect(w, r, rq.account, url.Values{"done": {"saved"}, "retried": {strconv.Itoa(retried)}})
}

// remove deletes the account's credentials and its pending pushes, and
// its log entries when the box is ticked.
func (a *app) remove(w http.ResponseWriter, r *http.Request) {
	rq, ok := a.begin(w, r)
	if !ok {
		return
	}
	fail := func(err error) {
		log.Printf("dashboard: removing %s: %v", rq.account, err)
		v, _ := a.page(r, rq, typed{}, nil)
		v.Problem = "The credentials could not all be removed right now: try again."
		render(w, http.StatusInternalServerError, v)
	}
	// The credentials first: a push that starts meanwhile finds none and
	// is cancelled without connecting.
	existed, err := a.creds.remove(r.Context(), rq.account)
	if err != nil {
		fail(err)
		return
	}
	cancelled, err := a.queue.CancelDestination(r.Context(), rq.account)
	if err != nil {
		fail(err)
		return
	}
	q := url.Values{"done": {"removed"}, "cancelled": {strconv.Itoa(cancelled)}}
	if !existed {
		q.Set("none", "1")
	}
	if r.PostFormValue("logs") == "on" {
		n, err := a.logs.DeleteAccount(r.Context(), rq.account)
		if err != nil {
			fail(err)
			return
		}
		q.Set("deleted", strconv.FormatInt(n, 10))
	}
	redirect(w, r, rq.account, q)
}

// push queues a push of the sample recording to the saved credentials:
// the stand-in for the recordings a real account makes.
func (a *app) push(w http.ResponseWriter, r *http.Request) {
	rq, ok := a.begin(w, r)
	if !ok {
		return
	}
	if rq.saved == nil {
		redirect(w, r, rq.account, url.Values{"done": {"nothing"}})
		return
	}
	id := "sample-" + time.Now().UTC().Format("20060102-150405.000")
	_, err := a.queue.Insert(r.Context(), riverpush.Args{DestinationID: rq.account, RecordingID: id, Account: rq.account, TotalBytes: a.sample.size})
	if err != nil {
		log.Printf("dashboard: queueing a push for %s: %v", rq.account, err)
		v, _ := a.page(r, rq, typedFrom(*rq.saved), nil)
		v.Problem = "The sample recording cannot be queued right now: try again."
		render(w, http.StatusInternalServerError, v)
		return
	}
	redirect(w, r, rq.account, url.Values{"done": {"pushed"}})
}

// redirect sends the browser to the account's page after a change, so
// that reloading it does not post again; q says what was done.
func redirect(w http.ResponseWriter, r *http.Request, account string, q url.Values) {
	q.Set("account", account)
	http.Redirect(w, r, "/?"+q.Encode(), http.StatusSeeOther)
}

// notice says what the action named by a redirect's query did. Only
// numbers are read from the query, never text to show.
func notice(q url.Values) string {
	count := func(key string) int {
		n, _ := strconv.Atoi(q.Get(key))
		return max(n, 0)
	}
	switch q.Get("done") {
	case "saved":
		s := "Credentials saved."
		if n := count("retried"); n > 0 {
			s += " " + plural(n, "stopped push", "stopped pushes") + " of this account will be tried again now."
		}
		return s
	case "removed":
		s := "Credentials removed."
		if q.Get("none") != "" {
			s = "No credentials were saved."
		}
		s += " " + plural(count("cancelled"), "pending push", "pending pushes") + " cancelled."
		if q.Has("deleted") {
			s += " " + plural(count("deleted"), "log entry", "log entries") + " deleted."
		}
		return s
	case "pushed":
		return "A sample recording was queued: its log entry appears in the table below once it has been pushed (reload the page)."
	case "nothing":
		return "Save credentials first: there is nowhere to push to."
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// render writes the page, whole or not at all.
func render(w http.ResponseWriter, code int, v view) {
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, v); err != nil {
		log.Printf("dashboard: rendering: %v", err)
		http.Error(w, "The page cannot be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}
