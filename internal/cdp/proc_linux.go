package cdp

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// setGroup makes the browser the leader of a new process group, so that
// its helpers (zygote, renderers, GPU and network services) can be found
// and ended by the group's ID; and has it killed if the test process dies
// without closing it (a test binary killed for its timeout).
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup sends SIGKILL to every process of the group pgid.
func killGroup(pgid int) {
	syscall.Kill(-pgid, syscall.SIGKILL)
}

// waitGroupGone waits until no process of the group pgid exists, for at
// most limit: killed helpers are reaped by init, a moment after the
// browser.
func waitGroupGone(pgid int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := syscall.Kill(-pgid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cdp: processes of chromium's group %d still exist after %v (%v)", pgid, limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// groupAlive reports whether any process of the group pgid exists.
func groupAlive(pgid int) bool {
	return !errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
}
