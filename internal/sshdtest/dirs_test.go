package sshdtest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// ChrootDir's jail passes OpenSSH's checks: every component root-owned and
// writable by root only; its upload folder belongs to the test user.
func TestChrootDir(t *testing.T) {
	if ok, why := Available(); !ok {
		t.Skip(why)
	}
	jail := ChrootDir(t)
	for p := jail; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 0 || fi.Mode().Perm()&0o022 != 0 {
			t.Errorf("%s: owner %d, mode %v; want root, not group/world-writable", p, st.Uid, fi.Mode())
		}
		if p == "/" {
			break
		}
	}
	uid, _ := UIDGID(t)
	fi, err := os.Stat(filepath.Join(jail, "upload"))
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid != uint32(uid) {
		t.Errorf("upload in the jail: %v, %v; want owned by the test user", fi, err)
	}
}

func TestTempFolder(t *testing.T) {
	if ok, why := Available(); !ok {
		t.Skip(why)
	}
	rel, host := TempFolder(t)
	if !strings.HasPrefix(rel, "upload/") || filepath.Join(EnsureUser(t), rel) != host {
		t.Errorf("TempFolder = %q, %q", rel, host)
	}
	uid, _ := UIDGID(t)
	if fi, err := os.Stat(host); err != nil || fi.Sys().(*syscall.Stat_t).Uid != uint32(uid) {
		t.Errorf("%s: %v; want owned by the test user", host, err)
	}
	if c := Comm(os.Getpid()); c == "" {
		t.Errorf("Comm(self) is empty")
	}
}
