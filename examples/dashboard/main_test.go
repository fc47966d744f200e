package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// -demo starts the embedded server, prints what to type, and serves the
// page with which a Check of those credentials passes; it stops when its
// context ends and leaves no file behind.
func TestRunDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-demo", "-account", "demo-account"}, pw); pw.Close() }()

	typed := map[string]string{}
	var pageURL, dbPath string
	sc := bufio.NewScanner(pr)
	fieldRE := regexp.MustCompile(`^  (SFTP Host|Port|SFTP Username|SFTP Password|SFTP Folder) +(\S+)$`)
	for pageURL == "" && sc.Scan() {
		line := sc.Text()
		if m := fieldRE.FindStringSubmatch(line); m != nil {
			typed[m[1]] = m[2]
		}
		if m := regexp.MustCompile(`^Data: SQLite file (\S+)$`).FindStringSubmatch(line); m != nil {
			dbPath = m[1]
		}
		if m := regexp.MustCompile(`(http://127\.0\.0\.1:\d+/)\?account=demo-account `).FindStringSubmatch(line); m != nil {
			pageURL = m[1]
		}
	}
	go io.Copy(io.Discard, pr)
	if pageURL == "" || len(typed) != 5 || dbPath == "" {
		cancel()
		t.Fatalf("run printed no URL, 5 fields and a file: %q %v %q (%v)", pageURL, typed, dbPath, <-done)
	}
	if typed["SFTP Host"] != "127.0.0.1" || typed["SFTP Username"] != "tester" || typed["SFTP Folder"] != "/upload" || len(typed["SFTP Password"]) < 8 {
		t.Errorf("what to type: %v", typed)
	}

	resp, err := http.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `<strong id="account">demo-account</strong>`) {
		t.Errorf("GET %s: %d\n%s", pageURL, resp.StatusCode, page)
	}
	resp, err = http.PostForm(pageURL+"test", url.Values{
		"host": {typed["SFTP Host"]}, "port": {typed["Port"]}, "username": {typed["SFTP Username"]},
		"password": {typed["SFTP Password"]}, "folder": {typed["SFTP Folder"]},
	})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := checkResult(string(page)); resp.StatusCode != 200 || got["check-status"] != "OK" {
		t.Errorf("Test connection with what the demo printed: %d %v", resp.StatusCode, got)
	}
	if strings.Contains(string(page), typed["SFTP Password"]) {
		t.Error("the page holds the password")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("run did not stop")
	}
	if _, err := os.Stat(filepath.Dir(dbPath)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the demo's directory %s is still there", filepath.Dir(dbPath))
	}
}

func TestRunFlags(t *testing.T) {
	for _, args := range [][]string{{"-allow", "127.0.0.1/99"}, {"-port", "70000"}, {"-nope"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run %v worked", args)
		}
	}
	// The file it would create is readable by its owner only.
	path := filepath.Join(t.TempDir(), "d.sqlite")
	if err := createPrivate(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %v (%v)", fi.Mode(), err)
	}
}
