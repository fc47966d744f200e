//go:build !unix

package cdp

import (
	"os"
	"os/exec"
	"time"
)

// setGroup does nothing where there are no process groups.
func setGroup(*exec.Cmd) {}

// killGroup kills the browser process alone where there are no process
// groups.
func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}

func waitGroupGone(int, time.Duration) error { return nil }

func groupAlive(int) bool { return false }
