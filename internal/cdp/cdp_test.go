package cdp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// chromium returns the browser's path, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	bin, err := Chromium()
	if err != nil {
		t.Skip(err.Error() + "; .ci/run installs it")
	}
	return bin
}

// formSite is a small site: a form that posts, a redirect to the result,
// and a page with a list.
func formSite() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><title>form</title>
<form method="post" action="/send"><input id="name" name="name"><input type="checkbox" id="agree" name="agree">
<button id="send" type="submit" name="button" value="send">Send</button>
<button id="inert" type="button">Nothing</button></form>
<ul><li> one </li><li>two</li></ul>`)
	})
	mux.HandleFunc("POST /send", func(w http.ResponseWriter, r *http.Request) {
		v := url.Values{"name": {r.PostFormValue("name")}, "agree": {r.PostFormValue("agree")}, "button": {r.PostFormValue("button")}}
		http.Redirect(w, r, "/result?"+v.Encode(), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /result", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><title>result</title><p id="got">name=%s agree=%s button=%s</p>`,
			html.EscapeString(r.FormValue("name")), html.EscapeString(r.FormValue("agree")), html.EscapeString(r.FormValue("button")))
	})
	return mux
}

func TestBrowser(t *testing.T) {
	bin := chromium(t)
	site := httptest.NewServer(formSite())
	defer site.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	b, err := Launch(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			b.Close()
		}
	}()
	p, err := b.NewPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Navigate(ctx, site.URL+"/"); err != nil {
		t.Fatal(err)
	}
	if items, err := p.Texts(ctx, "li"); err != nil || !slices.Equal(items, []string{"one", "two"}) {
		t.Errorf("Texts(li) = %q, %v", items, err)
	}
	if items, err := p.Texts(ctx, "table"); err != nil || len(items) != 0 {
		t.Errorf("Texts(table) = %q, %v; want none", items, err)
	}
	if ok, err := p.Exists(ctx, "#send"); !ok || err != nil {
		t.Errorf("Exists(#send) = %v, %v", ok, err)
	}

	// Typed text that would break a naive expression reaches the server
	// as it is.
	tricky := `a "quoted" </script> 'value' ` + "\u2028 é"
	if err := p.SetValue(ctx, "#name", tricky); err != nil {
		t.Fatal(err)
	}
	if err := p.SetChecked(ctx, "#agree", true); err != nil {
		t.Fatal(err)
	}
	if err := p.ClickAndWait(ctx, "#send"); err != nil {
		t.Fatal(err)
	}
	got, err := p.Text(ctx, "#got")
	if want := "name=" + tricky + " agree=on button=send"; err != nil || got != want {
		t.Errorf("after the post: %q, %v; want %q", got, err, want)
	}
	if u, err := p.URL(ctx); err != nil || !strings.HasPrefix(u, site.URL+"/result?") {
		t.Errorf("URL after the redirect: %q, %v", u, err)
	}
	if h, err := p.HTML(ctx); err != nil || !strings.Contains(h, `<title>result</title>`) {
		t.Errorf("HTML: %v\n%s", err, h)
	}

	var n int
	if err := p.Eval(ctx, "Promise.resolve(6 * 7)", &n); err != nil || n != 42 {
		t.Errorf("Eval(promise) = %d, %v", n, err)
	}
	if err := p.Eval(ctx, `(() => { throw new Error("boom") })()`, nil); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Eval(throw) = %v", err)
	}
	if _, err := p.Text(ctx, "#missing"); err == nil || !strings.Contains(err.Error(), "no element matches #missing") {
		t.Errorf("Text(#missing) = %v", err)
	}
	var cdpErr *Error
	if err := p.Call(ctx, "No.suchMethod", nil, nil); !errors.As(err, &cdpErr) || cdpErr.Method != "No.suchMethod" {
		t.Errorf("unknown method: %v", err)
	}

	// A click that loads nothing leaves ClickAndWait to its context.
	if err := p.Navigate(ctx, site.URL+"/"); err != nil {
		t.Fatal(err)
	}
	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	err = p.ClickAndWait(short, "#inert")
	stop()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ClickAndWait on an inert button: %v", err)
	}

	// A page that cannot load says why.
	ln, _ := net.Listen("tcp4", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()
	if err := p.Navigate(ctx, refused); err == nil || !strings.Contains(err.Error(), "ERR_CONNECTION_REFUSED") {
		t.Errorf("Navigate to a closed port: %v", err)
	}

	pid, dir := b.PID(), b.Dir()
	if !groupAlive(pid) {
		t.Fatal("the browser's group is not alive while it runs")
	}
	closed = true
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if groupAlive(pid) {
		t.Errorf("processes of group %d outlived Close", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the profile directory %s outlived Close: %v", dir, err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := p.Navigate(ctx, site.URL+"/"); err == nil {
		t.Error("Navigate after Close worked")
	}
}

// A browser killed from outside fails the calls waiting on it, and Close
// still cleans up.
func TestBrowserDies(t *testing.T) {
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Launch(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.NewPage(ctx)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	killGroup(b.PID())
	if err := p.Eval(ctx, "new Promise(() => {})", nil); err == nil || !strings.Contains(err.Error(), "connection to the browser closed") {
		t.Errorf("Eval on a killed browser: %v", err)
	}
	dir := b.Dir()
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s outlived Close", dir)
	}
}

// A binary that is no browser fails Launch, which leaves no directory.
func TestLaunchFails(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, bin := range []string{"/bin/false", "/nonexistent/chromium"} {
		if b, err := Launch(ctx, bin); err == nil {
			b.Close()
			t.Errorf("Launch(%s) worked", bin)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("Launch left %v in the temp directory", left)
	}
}

func TestJS(t *testing.T) {
	if got, want := JS(`a"b</script>`), `"a\"b\u003c/script\u003e"`; got != want {
		t.Errorf("JS = %s, want %s", got, want)
	}
}
