package sftppush

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestParseStatusText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Status
		wantErr bool
	}{
		{"ok", "OK", StatusOK, false},
		{"file missing", "FILE_MISSING", StatusFileMissing, false},
		{"upload failed", "UPLOAD_FAILED", StatusUploadFailed, false},
		{"login failed", "SFTP_LOGIN_FAILED", StatusLoginFailed, false},
		{"incorrect folder", "INCORRECT_SFTP_FOLDER", StatusIncorrectFolder, false},
		{"connection timeout", "SFTP_CONNECTION_TIMEOUT", StatusConnectionTimeout, false},
		{"empty", "", "", true},
		{"lower case", "ok", "", true},
		{"mixed case", "Upload_Failed", "", true},
		{"unknown", "TIMEOUT", "", true},
		{"padded", " OK", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatus(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStatus(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("parseStatus(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStatusRoundTrip(t *testing.T) {
	for _, s := range Statuses() {
		t.Run(string(s), func(t *testing.T) {
			if !s.valid() {
				t.Fatal("not Valid")
			}
			text, err := s.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			var back Status
			if err := back.UnmarshalText(text); err != nil || back != s {
				t.Fatalf("UnmarshalText(%q) = %q, %v", text, back, err)
			}

			type row struct {
				Status Status `json:"status"`
			}
			j, err := json.Marshal(row{s})
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"status":"` + string(s) + `"}`; string(j) != want {
				t.Errorf("json = %s, want %s", j, want)
			}
			var r row
			if err := json.Unmarshal(j, &r); err != nil || r.Status != s {
				t.Fatalf("json round trip = %q, %v", r.Status, err)
			}
		})
	}
}

func TestStatusInvalid(t *testing.T) {
	tests := []struct {
		name string
		s    Status
	}{
		{"zero", ""},
		{"lower case", "ok"},
		{"unknown", "BROKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.s.valid() {
				t.Error("valid() = true")
			}
			if b, err := tt.s.MarshalText(); err == nil {
				t.Errorf("MarshalText = %q, want error", b)
			}
			if _, err := json.Marshal(struct{ S Status }{tt.s}); err == nil {
				t.Error("json.Marshal: want error")
			}
			var s Status = StatusOK
			if err := s.UnmarshalText([]byte(tt.s)); err == nil {
				t.Error("UnmarshalText: want error")
			}
			if s != StatusOK {
				t.Errorf("failed UnmarshalText changed the value to %q", s)
			}
		})
	}
	if err := json.Unmarshal([]byte(`{"S":"nope"}`), &struct{ S Status }{}); err == nil {
		t.Error("json.Unmarshal of unknown status: want error")
	}
}

func TestStatuses(t *testing.T) {
	want := []Status{
		StatusOK, StatusFileMissing, StatusUploadFailed,
		StatusLoginFailed, StatusIncorrectFolder, StatusConnectionTimeout,
	}
	got := Statuses()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Statuses() = %v, want %v", got, want)
	}
	got[0] = "CHANGED"
	if Statuses()[0] != StatusOK {
		t.Fatal("Statuses() returns shared memory")
	}
}
