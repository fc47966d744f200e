package sshdtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// JailBase is where ChrootDir makes its jails. OpenSSH accepts a
// ChrootDirectory only if every component of its path is owned by root and
// writable by nobody else, which rules out the world-writable temp
// directory.
const JailBase = "/var/lib/sftppush-sshdtest"

// ChrootDir makes a directory fit for sshd's ChrootDirectory: it and every
// component above it are root-owned and not group- or world-writable. It
// holds an "upload" folder owned by the test user. It is removed on
// t.Cleanup. Tests that want a broken chroot change its owner or mode.
func ChrootDir(t TB) string {
	t.Helper()
	EnsureUser(t)
	if err := os.MkdirAll(JailBase, 0o755); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	if err := os.Chmod(JailBase, 0o755); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	jail, err := os.MkdirTemp(JailBase, "jail-")
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(jail) })
	if err := os.Chmod(jail, 0o755); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	UserDir(t, filepath.Join(jail, "upload"))
	return jail
}

// UserDir creates the directory dir owned by the test user, mode 0755.
func UserDir(t TB, dir string) {
	t.Helper()
	uid, gid := UIDGID(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
}

// TempFolder creates a fresh folder owned by the test user inside its
// "upload" folder, so that tests running in parallel against servers that
// share the one test user do not see each other's files. It returns the
// folder relative to the user's home (the SFTP login directory) and its
// path on the host, and removes it on t.Cleanup.
func TempFolder(t TB) (rel, host string) {
	t.Helper()
	home := EnsureUser(t)
	host, err := os.MkdirTemp(filepath.Join(home, "upload"), "t-")
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(host) })
	uid, gid := UIDGID(t)
	if err := os.Chmod(host, 0o755); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	if err := os.Chown(host, uid, gid); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	rel, _ = filepath.Rel(home, host)
	return rel, host
}

// MountTmpfs mounts a tmpfs of the given size (as mount's size= option,
// e.g. "2m") on dir, owned by the test user, and unmounts it on t.Cleanup.
// It returns an error, for the test to skip on, where mounting is not
// permitted (no CAP_SYS_ADMIN, as in many containers).
func MountTmpfs(t TB, dir, size string) error {
	t.Helper()
	uid, gid := UIDGID(t)
	opts := fmt.Sprintf("size=%s,mode=0755,uid=%d,gid=%d", size, uid, gid)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("mount -t tmpfs -o %s: %v: %s", opts, err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if err := exec.Command("umount", dir).Run(); err != nil {
			exec.Command("umount", "-l", dir).Run() // a session still inside: detach now
		}
	})
	return nil
}

// SFTPServerPath returns the path of OpenSSH's sftp-server program, for a
// "Subsystem sftp" that runs as a process of its own (internal-sftp runs
// inside the session's sshd process), or "" if it is not installed.
func SFTPServerPath() string {
	for _, p := range []string{"/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server", "/usr/libexec/sftp-server", "/usr/lib/ssh/sftp-server"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// Comm returns the command name of a process (/proc/pid/comm), "" if it
// is gone.
func Comm(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
