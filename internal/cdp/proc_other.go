//go:build !linux

package cdp

import (
	"os"
	"os/exec"
	"time"
)

// setGroup does nothing off Linux: the package is tested there.
func setGroup(*exec.Cmd) {}

// killGroup kills the browser process alone off Linux.
func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}

func waitGroupGone(int, time.Duration) error { return nil }

func groupAlive(int) bool { return false }
