package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sftppush/sftppush/sftptest"
)

// remoteFolder is the folder of every server that the pushes go to.
const remoteFolder = "/upload"

// recording is one local file that jobs push, and its sha256 for checking
// the servers' copies.
type recording struct {
	path string
	sum  [32]byte
}

// makeRecordings writes n files of size random bytes into dir.
func makeRecordings(dir string, n, size int) ([]recording, error) {
	recs := make([]recording, n)
	buf := make([]byte, size)
	for i := range recs {
		rand.Read(buf)
		p := filepath.Join(dir, fmt.Sprintf("rec-%05d.mp4", i))
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			return nil, err
		}
		recs[i] = recording{path: p, sum: sha256.Sum256(buf)}
	}
	return recs, nil
}

// plannedJob is one job of a trial: which recording goes to which server.
type plannedJob struct {
	id   string // the RecordingID, unique in the run
	dest int    // index of the destination's server
	rec  int    // index of the local recording
}

// destID names destination i, as the jobs and the world file do.
func destID(i int) string { return fmt.Sprintf("dst-%d", i) }

// remoteName is the file name a job's recording gets on its server.
func remoteName(recordingID string) string { return recordingID + ".mp4" }

// fleet is one trial's embedded SFTP servers, one per destination, served
// by this process. Fresh servers each trial make PeakConnections a figure
// of that trial alone.
type fleet struct {
	env     *sftptest.Env
	servers []*sftptest.Server
}

// startFleet starts n servers, each with an empty remoteFolder. sftptest
// panics on a failed setup; that becomes the error.
func startFleet(n int) (f *fleet, err error) {
	f = &fleet{env: sftptest.NewEnv()}
	defer func() {
		if r := recover(); r != nil {
			f.close()
			f, err = nil, fmt.Errorf("starting the SFTP servers: %v", r)
		}
	}()
	for range n {
		s := sftptest.NewServer(f.env)
		s.MkdirAll(remoteFolder)
		f.servers = append(f.servers, s)
	}
	return f, nil
}

// close stops the servers and removes their folders.
func (f *fleet) close() { f.env.Close() }

// check reports what is wrong on the servers after a trial: a server that
// had more than perDest connections at once, a recording missing or
// different from the local file.
func (f *fleet) check(jobs []plannedJob, recs []recording, perDest int) []string {
	var bad []string
	for i, s := range f.servers {
		if p := s.PeakConnections(); p > perDest {
			bad = append(bad, fmt.Sprintf("%s had %d connections at once, the limit is %d", destID(i), p, perDest))
		}
	}
	wrong := 0
	for _, j := range jobs {
		b, err := os.ReadFile(f.servers[j.dest].Path(remoteFolder + "/" + remoteName(j.id)))
		if err != nil || sha256.Sum256(b) != recs[j.rec].sum {
			if wrong++; wrong <= 3 {
				bad = append(bad, fmt.Sprintf("%s on %s: missing or not the local file (%v)", j.id, destID(j.dest), err))
			}
		}
	}
	if wrong > 3 {
		bad = append(bad, fmt.Sprintf("%d recordings missing or different on the servers in all", wrong))
	}
	return bad
}

// world is what a worker child looks up: the destinations' credentials,
// the local file of each recording, and its settings. The parent writes it
// to a file of mode 0600 that the child reads at start.
type world struct {
	Dests          map[string]destCreds `json:"dests"`
	Files          map[string]string    `json:"files"` // recording ID -> local path
	Workers        int                  `json:"workers"`
	PerDestination int                  `json:"per_destination"`
	PollInterval   time.Duration        `json:"poll_interval"`
	Cooldown       time.Duration        `json:"cooldown"`
}

// destCreds carries a password to a child (sftppush.Credentials would
// redact it in JSON).
type destCreds struct {
	Host, User, Password, Folder string
	Port                         int
}

// newWorld is the world of a trial: the fleet's servers and the jobs'
// files.
func newWorld(f *fleet, jobs []plannedJob, recs []recording, o options) world {
	w := world{Dests: map[string]destCreds{}, Files: map[string]string{}, Workers: o.workers,
		PerDestination: o.perDest, PollInterval: pollInterval, Cooldown: fetchCooldown}
	for i, s := range f.servers {
		w.Dests[destID(i)] = destCreds{Host: s.Host, Port: s.Port, User: s.Username, Password: s.Password, Folder: remoteFolder}
	}
	for _, j := range jobs {
		w.Files[j.id] = recs[j.rec].path
	}
	return w
}

// write saves the world as JSON at path, readable by this user only.
func (w world) write(path string) error {
	b, err := json.Marshal(w)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// readWorld loads a world the parent wrote.
func readWorld(path string) (world, error) {
	var w world
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &w)
	}
	return w, err
}
