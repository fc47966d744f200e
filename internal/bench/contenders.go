package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// A contender is one way of uploading: a command-line tool with given
// options, or Push. For each workload it returns the commands to run:
// batches run one after another, the commands of a batch at the same time.
// A nil result means the contender does not take part in that workload.
type contender struct {
	id    string // for -contenders
	name  string
	needs []string // programs that must be on PATH
	plan  func(e *env, w *workload) [][]*exec.Cmd
}

// sshOpts are the options every OpenSSH tool gets: password login through
// sshpass, no host-key prompt, no agent or keys, quiet.
func (e *env) sshOpts() []string {
	return []string{
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no",
		"-o", "PreferredAuthentications=password", "-o", "BatchMode=no",
		"-o", "ControlMaster=no", "-o", "ControlPath=none",
	}
}

// cmd makes a contender's command: run in the data folder, the password
// in the environment for sshpass and the Push child.
func (e *env) cmd(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = append(os.Environ(), "SSHPASS="+e.password, "BENCH_PASSWORD="+e.password)
	c.Dir = e.dataDir
	return c
}

// dest is the user@host the OpenSSH tools log in as.
func (e *env) dest() string { return e.user + "@" + e.host }

// sftpBatch writes a batch file for sftp -b and returns its path.
func (e *env) sftpBatch(lines ...string) string {
	e.seq++
	p := filepath.Join(e.dataDir, fmt.Sprintf("batch-%d", e.seq))
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		panic(err)
	}
	return p
}

// sftpContender is OpenSSH sftp in batch mode with the extra options:
// one connection per push, the push's files put one after another.
func sftpContender(id, name string, extra ...string) contender {
	return contender{id: id, name: name, needs: []string{"sftp", "sshpass"}, plan: func(e *env, w *workload) [][]*exec.Cmd {
		one := func(lines ...string) *exec.Cmd {
			args := append([]string{"-e", "sftp", "-P", strconv.Itoa(e.port)}, extra...)
			args = append(args, e.sshOpts()...)
			args = append(args, "-b", e.sftpBatch(lines...), e.dest())
			return e.cmd("sshpass", args...)
		}
		puts := func(files []dataFile, suffix string) []string {
			l := []string{"cd " + e.folder}
			for _, f := range files {
				l = append(l, fmt.Sprintf("put %s %s%s", f.local, f.remote, suffix))
			}
			return l
		}
		return w.each(func(files []dataFile, suffix string) *exec.Cmd { return one(puts(files, suffix)...) })
	}}
}

var contenders = []contender{
	{id: "transport", name: "ssh cat (transport limit)", needs: []string{"ssh", "sshpass"}, plan: func(e *env, w *workload) [][]*exec.Cmd {
		if w.kind != kindSingle || w.pushOnly {
			return nil
		}
		f, err := os.Open(w.files[0].local)
		if err != nil {
			panic(err)
		}
		e.closers = append(e.closers, f)
		args := append([]string{"-e", "ssh", "-p", strconv.Itoa(e.port), "-c", "aes128-gcm@openssh.com"}, e.sshOpts()...)
		args = append(args, e.dest(), "cat > /dev/null")
		c := e.cmd("sshpass", args...)
		c.Stdin = f
		return [][]*exec.Cmd{{c}}
	}},
	sftpContender("sftp", "sftp"),
	sftpContender("sftp-tuned", "sftp aes-gcm -B 261120 -R 64", "-c", "aes128-gcm@openssh.com", "-B", "261120", "-R", "64"),
	{id: "scp", name: "scp", needs: []string{"scp", "sshpass"}, plan: func(e *env, w *workload) [][]*exec.Cmd {
		return w.each(func(files []dataFile, suffix string) *exec.Cmd {
			args := append([]string{"-e", "scp", "-q", "-P", strconv.Itoa(e.port)}, e.sshOpts()...)
			if len(files) == 1 {
				args = append(args, files[0].local, e.dest()+":"+e.folder+"/"+files[0].remote+suffix)
			} else {
				for _, f := range files {
					args = append(args, f.local) // group files are named as on the server
				}
				args = append(args, e.dest()+":"+e.folder+"/")
			}
			return e.cmd("sshpass", args...)
		})
	}},
	rcloneContender("rclone", "rclone"),
	rcloneContender("rclone-nohash", "rclone --sftp-disable-hashcheck", "--sftp-disable-hashcheck"),
	{id: "curl", name: "curl", needs: []string{"curl"}, plan: func(e *env, w *workload) [][]*exec.Cmd {
		base := fmt.Sprintf("sftp://%s:%d/~/%s/", e.host, e.port, e.folder)
		return w.each(func(files []dataFile, suffix string) *exec.Cmd {
			args := []string{"-sS", "--insecure", "-K", e.curlConfig}
			if len(files) == 1 {
				args = append(args, "-T", files[0].local, base+files[0].remote+suffix)
			} else {
				var locals []string
				for _, f := range files {
					locals = append(locals, f.local)
				}
				args = append(args, "-T", "{"+strings.Join(locals, ",")+"}", base)
			}
			return e.cmd("curl", args...)
		})
	}},
	// Push with striping off: in the WAN rows only, where the comparison
	// shows what the extra sessions buy.
	pushContender("push1", "Push, 1 session", "", 1),
	pushContender("push", "Push", "", 0),
}

// rcloneContender is rclone with its SFTP backend configured on the
// command line, plus the extra options.
func rcloneContender(id, name string, extra ...string) contender {
	return contender{id: id, name: name, needs: []string{"rclone"}, plan: func(e *env, w *workload) [][]*exec.Cmd {
		if len(extra) > 0 && w.kind != kindSingle {
			return nil // the hash check matters only for the big file
		}
		return w.each(func(files []dataFile, suffix string) *exec.Cmd {
			args := []string{"--config", e.rcloneConfig, "-q",
				"--sftp-host", e.host, "--sftp-port", strconv.Itoa(e.port), "--sftp-user", e.user, "--sftp-pass", e.rclonePass}
			args = append(args, extra...)
			if len(files) == 1 {
				args = append([]string{"copyto"}, args...)
				args = append(args, files[0].local, ":sftp:"+e.folder+"/"+files[0].remote+suffix)
			} else {
				args = append([]string{"copy"}, args...)
				args = append(args, filepath.Dir(files[0].local), ":sftp:"+e.folder)
			}
			return e.cmd("rclone", args...)
		})
	}}
}

// pushContender runs Push in a child process: this program, or another
// build of it (bin) for before/after comparisons. sessions, when not 0,
// sets Config.MaxSessions, and the contender then runs in the WAN rows only.
func pushContender(id, name, bin string, sessions int) contender {
	return contender{id: id, name: name, plan: func(e *env, w *workload) [][]*exec.Cmd {
		if sessions != 0 && w.link == nil {
			return nil
		}
		args := []string{"-child", "-host", e.host, "-port", strconv.Itoa(e.port), "-user", e.user, "-folder", e.folder}
		if sessions != 0 {
			args = append(args, "-sessions", strconv.Itoa(sessions))
		}
		if bin == "" && w.kind == kindGroup && w.link != nil {
			args = append(args, "-phases") // older builds (-baseline) have no such flag
		}
		switch w.kind {
		case kindSetup:
			args = append(args, "-repeat", strconv.Itoa(w.pushes))
		case kindParallel:
			args = append(args, "-parallel", strconv.Itoa(w.pushes))
		}
		args = append(args, "push")
		for _, f := range w.files {
			args = append(args, f.local+"="+f.remote)
		}
		prog := bin
		if prog == "" {
			prog = e.self
		}
		return [][]*exec.Cmd{{e.cmd(prog, args...)}}
	}}
}
