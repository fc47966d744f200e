package sftppush

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"
)

// allReasons lists every Reason constant declared in reason.go, read from
// the source, so that a constant missing from reasonStatus fails the tests
// whatever else the map holds.
var allReasons = declaredReasons()

func declaredReasons() []Reason {
	f, err := parser.ParseFile(token.NewFileSet(), "reason.go", nil, 0)
	if err != nil {
		panic(err)
	}
	var rs []Reason
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Reason" {
				continue
			}
			for _, v := range vs.Values {
				lit := v.(*ast.BasicLit)
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					panic(err)
				}
				rs = append(rs, Reason(s))
			}
		}
	}
	return rs
}

func TestReasonRoundTrip(t *testing.T) {
	if len(allReasons) < 30 {
		t.Fatalf("read only %d Reason constants from reason.go", len(allReasons))
	}
	declared := map[Reason]bool{}
	for _, r := range allReasons {
		declared[r] = true
		if _, ok := reasonStatus[r]; !ok {
			t.Errorf("Reason %q is declared but has no Status in reasonStatus", r)
		}
	}
	for r := range reasonStatus {
		if !declared[r] {
			t.Errorf("reasonStatus has %q, which is not a declared Reason", r)
		}
	}
	for _, r := range allReasons {
		t.Run(r.String(), func(t *testing.T) {
			text, err := r.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			if string(text) != r.String() {
				t.Errorf("MarshalText = %q, String = %q", text, r.String())
			}
			var back Reason = "sentinel"
			if err := back.UnmarshalText(text); err != nil || back != r {
				t.Fatalf("UnmarshalText(%q) = %q, %v", text, back, err)
			}

			type row struct {
				Reason Reason `json:"reason"`
			}
			j, err := json.Marshal(row{r})
			if err != nil {
				t.Fatal(err)
			}
			var got row
			if err := json.Unmarshal(j, &got); err != nil || got.Reason != r {
				t.Fatalf("json %s round trip = %q, %v", j, got.Reason, err)
			}
		})
	}
}

func TestReasonNone(t *testing.T) {
	if s := ReasonNone.String(); s != "none" {
		t.Errorf("String() = %q, want none", s)
	}
	if b, err := ReasonNone.MarshalText(); err != nil || string(b) != "none" {
		t.Errorf("MarshalText = %q, %v; want none", b, err)
	}
	for _, in := range []string{"", "none"} {
		if r, err := parseReason(in); err != nil || r != ReasonNone {
			t.Errorf("parseReason(%q) = %q, %v; want ReasonNone", in, r, err)
		}
	}
}

func TestParseReasonRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"unknown", "bad_luck"},
		{"upper case", "AUTH_REJECTED"},
		{"status name", "OK"},
		{"padded", "none "},
		{"None", "None"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r, err := parseReason(tt.in); err == nil {
				t.Errorf("parseReason(%q) = %q, want error", tt.in, r)
			}
			if b, err := Reason(tt.in).MarshalText(); err == nil {
				t.Errorf("MarshalText(%q) = %q, want error", tt.in, b)
			}
		})
	}
}

func TestReasonStatus(t *testing.T) {
	tests := []struct {
		r    Reason
		want Status
	}{
		{ReasonNone, StatusOK},
		{ReasonFileMissing, StatusFileMissing},
		{ReasonInvalidGroup, StatusUploadFailed},
		{ReasonDialTimeout, StatusConnectionTimeout},
		{ReasonAuthRejected, StatusLoginFailed},
		{ReasonFolderNotDirectory, StatusIncorrectFolder},
		{ReasonSizeMismatch, StatusUploadFailed},
		{ReasonStalled, StatusUploadFailed},
		{ReasonInvalidHost, StatusConnectionTimeout},
		{ReasonInvalidLogin, StatusLoginFailed},
		{ReasonInvalidFolder, StatusIncorrectFolder},
		{ReasonConnectCanceled, StatusConnectionTimeout},
		{ReasonUploadCanceled, StatusUploadFailed},
		{"unknown", ""},
	}
	for _, tt := range tests {
		t.Run(tt.r.String(), func(t *testing.T) {
			if got := tt.r.Status(); got != tt.want {
				t.Errorf("Status() = %q, want %q", got, tt.want)
			}
		})
	}
	for _, r := range allReasons {
		if s := r.Status(); !s.valid() {
			t.Errorf("%s.Status() = %q, not a valid Status", r, s)
		}
	}
}

func TestEveryReasonHasAHint(t *testing.T) {
	for r := range reasonStatus {
		if h := r.Hint(); (h == "") != (r == ReasonNone) {
			t.Errorf("%s: hint %q", r, h)
		}
	}
	for r := range hints {
		if _, ok := reasonStatus[r]; !ok || r == ReasonNone {
			t.Errorf("a hint for %q, which is not a failure Reason", r)
		}
	}
	if Reason("nope").Hint() != "" {
		t.Error("a hint for a string that is not a Reason")
	}
}

func TestReasonsInDeclarationOrder(t *testing.T) {
	if got := Reasons(); !slices.Equal(got, allReasons) {
		t.Errorf("Reasons() = %v\nwant the constants of reason.go in order: %v", got, allReasons)
	}
	r := Reasons()
	r[0] = "changed"
	if Reasons()[0] != ReasonNone {
		t.Error("Reasons returns the package's own slice")
	}
}
