package main

import (
	"bytes"
	"strings"
	"testing"
)

// The quickstart keeps working: both pushes give the statuses it promises and
// the table lists them.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"Push 1: OK", "Push 2: INCORRECT_SFTP_FOLDER (reason folder_not_found)", "RECORDING ID", "vs1700000000_abc_filmstrip.jpg"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "\nvs1700000000_abc "); n != 2 {
		t.Errorf("table has %d rows, want 2:\n%s", n, s)
	}
}

// The password goes to the server and nowhere else: not in the pushes'
// summaries, the failing push's error, or the log table.
func TestQuickstartHidesPassword(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Push 1: OK") {
		t.Fatalf("the push with the password failed:\n%s", out.String())
	}
	if strings.Contains(out.String(), demoPassword) {
		t.Errorf("output shows the password:\n%s", out.String())
	}
}
