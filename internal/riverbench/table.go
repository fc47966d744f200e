package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// machine describes where a run ran, for the line under the table.
type machine struct {
	cpu, kernel, postgres string
	cores                 int
	loadBefore, loadAfter string
}

// machineNow describes this machine, with its load average now.
func machineNow(ctx context.Context, pool *pgxpool.Pool) machine {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return machine{cpu: cpuModel(), kernel: strings.TrimSpace(string(b)), postgres: serverVersion(ctx, pool),
		cores: runtime.NumCPU(), loadBefore: loadavg()}
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// loadavg is the 1, 5 and 15 minute load averages.
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// printHeader says what the run does, before its first trial.
func printHeader(w io.Writer, o options, m machine) {
	fmt.Fprintf(w, "riverbench: %d jobs of %s per trial over %d embedded SFTP servers (in this process), "+
		"%d workers per process, %d connections per destination; process counts %s in turns, %d round%s; "+
		"River FetchPollInterval %v, FetchCooldown %v; PostgreSQL %s; load average %s\n",
		o.jobs, byteSize(o.size), o.servers, o.workers, o.perDest, joinInts(o.procs), o.rounds, pluralS(o.rounds),
		pollInterval, fetchCooldown, m.postgres, m.loadBefore)
}

// progress prints one trial's figures as it ends, on stderr.
func progress(w io.Writer, o options, r result) {
	if r.err != nil {
		fmt.Fprintf(w, "  round %d/%d, %d process%s: FAIL: %v\n", r.round, o.rounds, r.procs, plural(r.procs), r.err)
		return
	}
	fmt.Fprintf(w, "  round %d/%d, %d process%s: %d jobs inserted in %.2f s, done in %.2f s, %.1f jobs/s, p50 %.0f ms, p95 %.0f ms, "+
		"workers %.2f ms CPU/job (start-up %.0f ms per process), %.2f snoozes/job (at most %d), %d extra attempts\n",
		r.round, o.rounds, r.procs, plural(r.procs), r.jobs, r.inserting.Seconds(), r.elapsed.Seconds(), r.jobsPerSec(), ms(r.p50.Seconds()), ms(r.p95.Seconds()),
		r.perJob(r.workerCPU), ms(r.startCPU.Seconds())/float64(r.procs), float64(r.snoozes)/float64(r.jobs), r.maxSnoozes, r.extraPushes)
}

// printTable prints the Markdown table: one row per process count, each
// figure the median over its good rounds with the min-max. The speed is
// the median jobs/s over that of the first process count, with the range
// of the same ratio taken round by round.
func printTable(w io.Writer, o options, results []result) {
	byProcs := map[int][]result{}
	byRound := map[[2]int]result{}
	for _, r := range results {
		if r.err == nil {
			byProcs[r.procs] = append(byProcs[r.procs], r)
			byRound[[2]int{r.round, r.procs}] = r
		}
	}
	base := o.procs[0]
	baseRate := summarize(collect(byProcs[base], result.jobsPerSec)).med
	fmt.Fprintf(w, "\n| processes | jobs/s median (min-max) | p50 ms | p95 ms | worker CPU ms/job | speed vs %d process%s | parent CPU ms/job (servers) | PostgreSQL CPU ms/job | machine busy | snoozes/job | good rounds |\n",
		base, plural(base))
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range o.procs {
		rs := byProcs[p]
		if len(rs) == 0 {
			fmt.Fprintf(w, "| %d | - | - | - | - | - | - | - | - | - | 0/%d |\n", p, o.rounds)
			continue
		}
		var ratios []float64
		for _, r := range rs {
			if b, ok := byRound[[2]int{r.round, base}]; ok {
				ratios = append(ratios, r.jobsPerSec()/b.jobsPerSec())
			}
		}
		speed := "-"
		if baseRate > 0 {
			speed = fmt.Sprintf("%.2fx", summarize(collect(rs, result.jobsPerSec)).med/baseRate)
			if rr := summarize(ratios); rr.n > 1 {
				speed += fmt.Sprintf(" (%.2f-%.2f)", rr.min, rr.max)
			}
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |\n", p,
			fmtSpread(collect(rs, result.jobsPerSec), "%.1f"),
			fmtSpread(collect(rs, func(r result) float64 { return ms(r.p50.Seconds()) }), "%.0f"),
			fmtSpread(collect(rs, func(r result) float64 { return ms(r.p95.Seconds()) }), "%.0f"),
			fmtSpread(collect(rs, func(r result) float64 { return r.perJob(r.workerCPU) }), "%.2f"),
			speed,
			fmtSpread(collect(rs, func(r result) float64 { return r.perJob(r.parentCPU) }), "%.2f"),
			fmtSpread(collect(rs, func(r result) float64 { return r.perJob(r.postgresCPU) }), "%.2f"),
			fmtSpread(collect(rs, func(r result) float64 { return 100 * r.busy }), "%.0f%%"),
			fmtSpread(collect(rs, func(r result) float64 { return float64(r.snoozes) / float64(r.jobs) }), "%.2f"),
			len(rs), o.rounds)
	}
	var good []result
	for _, p := range o.procs {
		good = append(good, byProcs[p]...)
	}
	if len(good) > 0 {
		fmt.Fprintf(w, "\nWorker CPU is each process's whole life: of it, start-up to ready took %s ms per process (median, min-max over the trials).\n",
			fmtSpread(collect(good, func(r result) float64 { return ms(r.startCPU.Seconds()) / float64(r.procs) }), "%.0f"))
	}
}

// printMachine prints the machine line under the table.
func printMachine(w io.Writer, m machine) {
	fmt.Fprintf(w, "\nmachine: %s, %d cores, Linux %s, %s, PostgreSQL %s (same machine); load average before %s, after %s\n",
		m.cpu, m.cores, m.kernel, runtime.Version(), m.postgres, m.loadBefore, m.loadAfter)
}

// collect is one figure of each result.
func collect(rs []result, f func(result) float64) []float64 {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	return xs
}

// fmtSpread formats the median of xs, and their min-max when there are
// several, each with format.
func fmtSpread(xs []float64, format string) string {
	s := summarize(xs)
	if s.n == 0 {
		return "-"
	}
	out := fmt.Sprintf(format, s.med)
	if s.n > 1 {
		out += fmt.Sprintf(" ("+format+"-"+format+")", s.min, s.max)
	}
	return out
}

// ms converts seconds to milliseconds.
func ms(seconds float64) float64 { return seconds * 1000 }

// byteSize is a size in bytes, in KiB or MiB when it is a whole number of them.
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// joinInts is ns joined by commas.
func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}

// pluralS is "s" for a count other than one: "3 rounds".
func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// plural is "es" for a count other than one: "2 processes".
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "es"
}
