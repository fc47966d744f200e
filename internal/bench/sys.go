package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/sftppush/sftppush/internal/sshdtest"
	"github.com/sftppush/sftppush/sftptest"
)

// mountTmpfs makes dir and mounts a tmpfs of the given size on it, owned
// by the test user, so that the server's disk does not drown the protocol.
// Without the permission to mount it says so and leaves dir on disk. The
// function it returns unmounts the tmpfs and removes dir, which the run
// has emptied by then.
func mountTmpfs(tb sftptest.TB, dir string, size int64) (note string, cleanup func()) {
	uid, gid := sshdtest.UIDGID(tb)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "disk (" + err.Error() + ")", func() {}
	}
	os.Chown(dir, uid, gid)
	remove := func() {
		if err := os.Remove(dir); err != nil {
			fmt.Printf("bench: %v\n", err)
		}
	}
	opts := fmt.Sprintf("size=%d,uid=%d,gid=%d,mode=0755", size, uid, gid)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "sftppush-bench", dir).CombinedOutput(); err != nil {
		return fmt.Sprintf("disk (mounting a tmpfs was not permitted: %s)", strings.TrimSpace(string(out))), remove
	}
	return "tmpfs", func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			fmt.Printf("bench: umount %s: %v: %s\n", dir, err, out)
			return // not removed: it would empty the mount
		}
		remove()
	}
}

// cpuModel is the CPU's model name from /proc/cpuinfo.
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// kernel is the running kernel's release.
func kernel() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return "Linux " + strings.TrimSpace(string(b))
}

// loadavg is the 1, 5 and 15 minute load averages, so that a table
// shows how busy the machine was.
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// versionOf runs a tool's version flag and returns the first line.
func versionOf(tool string, args ...string) string {
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return tool + " ?"
	}
	l, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return l
}
