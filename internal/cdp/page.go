package cdp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Page is one tab of a Browser, attached in flat session mode.
type Page struct {
	c       *conn
	session string
}

// NewPage opens a blank tab and attaches to it.
func (b *Browser) NewPage(ctx context.Context) (*Page, error) {
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.conn.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.conn.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	p := &Page{c: b.conn, session: attached.SessionID}
	if err := p.Call(ctx, "Page.enable", nil, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// Call sends a protocol command to the page and decodes its result into
// result when result is not nil: the escape hatch for what the other
// methods do not do.
func (p *Page) Call(ctx context.Context, method string, params, result any) error {
	return p.c.call(ctx, p.session, method, params, result)
}

// Navigate loads url and waits for its load event.
func (p *Page) Navigate(ctx context.Context, url string) error {
	return p.loading(ctx, func() error {
		var r struct {
			ErrorText string `json:"errorText"`
		}
		if err := p.Call(ctx, "Page.navigate", map[string]any{"url": url}, &r); err != nil {
			return err
		}
		if r.ErrorText != "" {
			return fmt.Errorf("cdp: loading %s: %s", url, r.ErrorText)
		}
		return nil
	})
}

// loading runs action, which makes the page load another document, and
// waits for that document's load event.
func (p *Page) loading(ctx context.Context, action func() error) error {
	w := p.c.expect(p.session, "Page.loadEventFired")
	if err := action(); err != nil {
		p.c.forget(w)
		return err
	}
	return p.c.wait(ctx, w)
}

// Eval evaluates the JavaScript expression expr in the page, awaiting it
// if it is a promise, and decodes its value (as JSON) into out when out is
// not nil. An exception thrown by expr is returned as an error.
// DevTools' evaluations are not bound by the page's Content-Security-Policy,
// so a page that forbids scripts can still be driven.
func (p *Page) Eval(ctx context.Context, expr string, out any) error {
	var r struct {
		Result struct {
			Type        string          `json:"type"`
			Value       json.RawMessage `json:"value"`
			Description string          `json:"description"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	params := map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}
	if err := p.Call(ctx, "Runtime.evaluate", params, &r); err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		msg := e.Exception.Description
		if msg == "" {
			msg = e.Text
		}
		return fmt.Errorf("cdp: evaluating %s: %s", shorten(expr), msg)
	}
	if out == nil {
		return nil
	}
	if len(r.Result.Value) == 0 {
		return fmt.Errorf("cdp: %s has no JSON value (%s %s)", shorten(expr), r.Result.Type, r.Result.Description)
	}
	if err := json.Unmarshal(r.Result.Value, out); err != nil {
		return fmt.Errorf("cdp: decoding the value of %s: %w", shorten(expr), err)
	}
	return nil
}

// JS returns v as a JavaScript literal (JSON is valid JavaScript), to put
// strings into expressions for Eval safely.
func JS(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("cdp: JS: " + err.Error())
	}
	return string(b)
}

// element returns an expression that is the first element matching the
// CSS selector, or throws naming the selector.
func element(selector string) string {
	return `(() => { const e = document.querySelector(` + JS(selector) + `); ` +
		`if (!e) throw new Error("no element matches " + ` + JS(selector) + `); return e; })()`
}

// SetValue sets the value of the form field matching selector, as typing
// would, and fires its input and change events. For a checkbox, use
// SetChecked.
func (p *Page) SetValue(ctx context.Context, selector, value string) error {
	return p.Eval(ctx, `(() => { const e = `+element(selector)+`; e.value = `+JS(value)+`; `+
		`e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); })()`, nil)
}

// SetChecked ticks (or clears) the checkbox or radio button matching
// selector.
func (p *Page) SetChecked(ctx context.Context, selector string, checked bool) error {
	return p.Eval(ctx, `(() => { const e = `+element(selector)+`; e.checked = `+JS(checked)+`; `+
		`e.dispatchEvent(new Event("change", {bubbles: true})); })()`, nil)
}

// Click clicks the element matching selector, and does not wait for
// anything it causes.
func (p *Page) Click(ctx context.Context, selector string) error {
	return p.Eval(ctx, element(selector)+`.click()`, nil)
}

// ClickAndWait clicks the element matching selector (a link, a form's
// submit button) and waits for the page that the click loads, through any
// redirects.
func (p *Page) ClickAndWait(ctx context.Context, selector string) error {
	return p.loading(ctx, func() error { return p.Click(ctx, selector) })
}

// Text returns the text the element matching selector shows (its
// innerText), spaces trimmed at both ends.
func (p *Page) Text(ctx context.Context, selector string) (string, error) {
	var s string
	err := p.Eval(ctx, element(selector)+`.innerText`, &s)
	return strings.TrimSpace(s), err
}

// Texts returns the texts of every element matching selector, in document
// order; none is an empty list, not an error.
func (p *Page) Texts(ctx context.Context, selector string) ([]string, error) {
	var s []string
	err := p.Eval(ctx, `Array.from(document.querySelectorAll(`+JS(selector)+`), e => e.innerText.trim())`, &s)
	return s, err
}

// Exists reports whether an element matches selector.
func (p *Page) Exists(ctx context.Context, selector string) (bool, error) {
	var ok bool
	err := p.Eval(ctx, `document.querySelector(`+JS(selector)+`) !== null`, &ok)
	return ok, err
}

// HTML returns the document's markup as the browser holds it now
// (document.documentElement.outerHTML).
func (p *Page) HTML(ctx context.Context) (string, error) {
	var s string
	err := p.Eval(ctx, `document.documentElement.outerHTML`, &s)
	return s, err
}

// URL returns the address of the document shown.
func (p *Page) URL(ctx context.Context) (string, error) {
	var s string
	err := p.Eval(ctx, `location.href`, &s)
	return s, err
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
