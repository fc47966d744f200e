package riverpush

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/sftppush/sftppush"
)

// ErrNotFound, wrapped in an error of Config.Credentials or Config.Group,
// says that what the job needs is gone for good: the customer removed the
// credentials or the account, the recording was deleted. The job is then
// cancelled without a push. Any other error of theirs is a failure of the
// caller's store: the job is tried again later without using an attempt.
var ErrNotFound = errors.New("riverpush: not found")

// Defaults of Config.
const (
	// DefaultPerDestination is how many pushes may be connected to one
	// customer server at once, across every worker process: OpenSSH's
	// MaxStartups and customers' firewalls punish bursts of connections.
	DefaultPerDestination = 2
	// DefaultWorkers is how many pushes one process runs at once.
	DefaultWorkers = 10
	// DefaultMinTimeout is a job's time limit before its size is added.
	DefaultMinTimeout = 2 * time.Minute
	// DefaultMinRate is the slowest rate, in bytes per second, that a
	// job's time limit allows for its TotalBytes.
	DefaultMinRate = 1 << 20
)

// Config configures a Queue. Credentials and Group are required; the zero
// value of every other field means its default.
type Config struct {
	// Credentials returns a destination's credentials when its job runs.
	// An error wrapping ErrNotFound cancels the job; see ErrNotFound.
	Credentials func(ctx context.Context, destinationID string) (sftppush.Credentials, error)
	// Group returns the files of a job's recording when it runs. An empty
	// RecordingID or Account is taken from the Args. An error wrapping
	// ErrNotFound cancels the job.
	Group func(ctx context.Context, args Args) (sftppush.Group, error)

	// Push configures every push (its Sink gets one entry per attempt,
	// numbered by the schedule).
	Push sftppush.Config
	// Policy is the schedule. Nil means sftppush.DefaultRetryPolicy():
	// 13 attempts over about 74 hours.
	Policy *sftppush.RetryPolicy

	// PerDestination caps the pushes connected to one destination at once,
	// across every process sharing the queue (PostgreSQL) or in this process
	// (SQLite). Zero means DefaultPerDestination.
	PerDestination int
	// Workers is how many pushes this process runs at once. Zero means
	// DefaultWorkers.
	Workers int
	// Queue is the River queue of the pushes. Empty means DefaultQueue.
	Queue string
	// MinTimeout and MinRate size each job's time limit: MinTimeout plus
	// TotalBytes at MinRate bytes per second. Past it the push ends as a
	// stall and is retried on the schedule; a job whose worker died is
	// rescued once its limit passed (and River's rescuer next runs, every
	// 30 s). Zero means DefaultMinTimeout and DefaultMinRate.
	MinTimeout time.Duration
	MinRate    int64

	// River, if set, is the River configuration to start from (Logger,
	// FetchPollInterval, retention periods...); riverpush sets its Workers,
	// Queues, JobTimeout and RescueStuckJobsAfter. Nil means River's
	// defaults.
	River *river.Config
}

// settings is a Config with its defaults resolved.
type settings struct {
	cfg            Config
	policy         sftppush.RetryPolicy
	perDestination int
	workers        int
	queue          string
	minTimeout     time.Duration
	minRate        int64
	// riverAttempts is River's MaxAttempts for a job: the schedule's
	// attempts and room for the runs that are not attempts (a worker that
	// died, a failed lookup), after which River discards the job.
	riverAttempts int
}

// spareRuns is how many runs of a job beyond its schedule River allows for
// those that use no attempt.
const spareRuns = 20

func resolve(cfg Config) (*settings, error) {
	if cfg.Credentials == nil || cfg.Group == nil {
		return nil, errors.New("riverpush: Config.Credentials and Config.Group are required")
	}
	s := &settings{cfg: cfg, perDestination: cfg.PerDestination, workers: cfg.Workers, queue: cfg.Queue,
		minTimeout: cfg.MinTimeout, minRate: cfg.MinRate}
	if cfg.Policy != nil {
		s.policy = *cfg.Policy
	} else {
		s.policy = sftppush.DefaultRetryPolicy()
	}
	if s.perDestination <= 0 {
		s.perDestination = DefaultPerDestination
	}
	if s.workers <= 0 {
		s.workers = DefaultWorkers
	}
	if s.queue == "" {
		s.queue = DefaultQueue
	}
	if s.minTimeout <= 0 {
		s.minTimeout = DefaultMinTimeout
	}
	if s.minRate <= 0 {
		s.minRate = DefaultMinRate
	}
	s.riverAttempts = len(s.policy.Delays) + 1 + spareRuns
	return s, nil
}

// timeout is a job's time limit, from its size.
func (s *settings) timeout(a Args) time.Duration {
	return s.minTimeout + time.Duration(float64(max(a.TotalBytes, 0))/float64(s.minRate)*float64(time.Second))
}

// riverConfig is the River configuration of a queue with worker w.
func (s *settings) riverConfig(w *worker) *river.Config {
	var rc river.Config
	if s.cfg.River != nil {
		rc = *s.cfg.River
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	rc.Workers = workers
	if rc.Queues == nil {
		rc.Queues = map[string]river.QueueConfig{}
	}
	rc.Queues[s.queue] = river.QueueConfig{MaxWorkers: s.workers}
	// Every push job has its own time limit (worker.Timeout). The
	// client's is for other kinds; the rescuer looks at a job once the
	// smallest push limit passed, and leaves it until its own has.
	rc.JobTimeout = s.minTimeout / 2
	rc.RescueStuckJobsAfter = s.minTimeout
	return &rc
}
