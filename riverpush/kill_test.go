package riverpush

import (
	"context"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/internal/wanproxy"
)

// A worker process killed mid-upload (SIGKILL) loses no recording: once
// the job's time limit has passed, River's rescuer gives it to another
// process, which delivers it whole; the temporary file of the killed
// attempt is removed by the next one.
func TestKilledWorkerRescued(t *testing.T) {
	dsn := pgOnly(t)
	p := newProcWorld(t, dsn, 1)
	if err := MigratePostgres(context.Background(), schemaPool(t, dsn, p.schema)); err != nil {
		t.Fatal(err)
	}
	srv := p.servers["dst-0"]
	proxy, err := wanproxy.Start(srv.Addr, wanproxy.Config{Rate: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	host, port, _ := net.SplitHostPort(proxy.Addr)
	pn, _ := strconv.Atoi(port)
	p.setDest("dst-0", host, pn)
	p.cw.MinTimeout, p.cw.MinRate, p.cw.Stall = 3*time.Second, 128<<10, 2*time.Second

	q := p.inserter(t)
	a := p.recording(t, "rec-1", "dst-0", 1536<<10) // 6 s at 256 KiB/s; a 15 s time limit
	res, err := q.Insert(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	workers := map[string]*child{"worker-a": p.worker(t, "worker-a"), "worker-b": p.worker(t, "worker-b")}

	// Kill whichever process took the job, once its upload is under way.
	j := waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateRunning)
	for deadline := time.Now().Add(waitLimit); len(srv.Opens()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the upload never started")
		}
	}
	time.Sleep(time.Second)
	owner := j.AttemptedBy[len(j.AttemptedBy)-1]
	victim, ok := workers[owner]
	if !ok {
		t.Fatalf("job attempted by %q, not one of the workers", owner)
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	killedAt := time.Now()
	t.Logf("killed %s (pid %d) mid-upload", owner, victim.cmd.Process.Pid)

	j = waitState(t, q, res.Job.ID, 2*time.Minute, rivertype.JobStateCompleted)
	took := time.Since(killedAt)
	t.Logf("delivered %v after the kill (time limit %v, River's rescuer every 30 s)", took.Round(100*time.Millisecond), 3*time.Second+12*time.Second)
	p.sameFile(t, "rec-1")
	if st := readState(j.Metadata); st.Attempts != 1 {
		t.Errorf("attempts counted %d, want 1: the killed attempt is not one", st.Attempts)
	}
	var survivor *child
	for name, w := range workers {
		if name != owner {
			survivor = w
		}
	}
	es := readSink(t, survivor.sink)
	if len(es) != 1 || es[0].Status != sftppush.StatusOK || es[0].Attempt != 1 {
		t.Errorf("the survivor's entries %+v: want one OK entry of attempt 1", es)
	}
	if victimEntries := readSink(t, victim.sink); len(victimEntries) != 0 {
		t.Errorf("the killed process logged %+v", victimEntries)
	}
	var names []string
	ents, _ := os.ReadDir(srv.Path("/upload"))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"rec-1.mp4"}) || slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, sftppush.TempSuffix) }) {
		t.Errorf("the folder holds %q: want the recording and no temporary file", names)
	}
	survivor.stop(t)
}
