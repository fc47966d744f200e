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
