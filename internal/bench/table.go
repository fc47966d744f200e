package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// reference names the row each workload's ratios are taken against: the
// best OpenSSH sftp configuration for the big file, sftp's defaults
// otherwise.
func reference(w *workload) string {
	if w.kind == kindSingle {
		return "sftp aes-gcm -B 261120 -R 64"
	}
	return "sftp"
}

// row is one contender's runs of one workload, summarized.
type row struct {
	w         *workload
	contender string
	wall      []time.Duration // sorted
	cpu, rss  float64         // medians: CPU seconds, bytes
	failed    int
	sessions  []int   // what the Push child reported, one per good run
	phases    []phase // the Push child's phases in the median round, if it reported them
}

// summarize makes a contender's row from its samples: failed runs are
// counted, the good ones' times kept and their CPU and RSS medians taken.
func summarize(w *workload, name string, ss []sample) row {
	r := row{w: w, contender: name}
	var cpus, rsss []float64
	for _, s := range ss {
		if s.failed != "" {
			r.failed++
			continue
		}
		r.wall = append(r.wall, s.wall)
		cpus = append(cpus, s.cpu.Seconds())
		rsss = append(rsss, float64(s.rss))
		if s.sessions > 0 {
			r.sessions = append(r.sessions, s.sessions)
		}
	}
	slices.Sort(r.wall)
	r.phases = medianRound(ss).phases
	r.cpu, r.rss = median(cpus), median(rsss)
	if w.kind == kindParallel {
		r.rss /= float64(w.pushes)
	}
	return r
}

// medianRound is the good run of median wall time (of an even count the
// faster of the two middle ones); a zero sample if none was good.
func medianRound(ss []sample) sample {
	var good []sample
	for _, s := range ss {
		if s.failed == "" {
			good = append(good, s)
		}
	}
	if len(good) == 0 {
		return sample{}
	}
	slices.SortStableFunc(good, func(a, b sample) int { return cmp.Compare(a.wall, b.wall) })
	return good[(len(good)-1)/2]
}

// median is the middle value of v (the mean of the two middle ones for an
// even count); 0 for none.
func median[T ~int64 | ~float64](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// rate is the row's figure for one wall time: MB/s, or ms per push for the
// setup workload, ms for the WAN mode's snapshot and group rows.
func (r row) rate(d time.Duration) float64 {
	switch {
	case r.w.kind == kindSetup:
		return ms(d) / float64(r.w.pushes)
	case r.w.inMS():
		return ms(d)
	}
	return float64(r.w.bytes()) / d.Seconds() / 1e6
}

// figures are the row's median figure and the lowest and highest of its
// runs' (a row with at least one good run).
func (r row) figures() (med, lo, hi float64) {
	med = r.rate(median(r.wall))
	lo, hi = r.rate(r.wall[0]), r.rate(r.wall[len(r.wall)-1])
	if lo > hi {
		lo, hi = hi, lo
	}
	return med, lo, hi
}

// cpuFigure is CPU seconds per GiB, or CPU ms per push for setup.
func (r row) cpuFigure() float64 {
	if r.w.kind == kindSetup {
		return r.cpu * 1000 / float64(r.w.pushes)
	}
	return r.cpu / (float64(r.w.bytes()) / (1 << 30))
}

// printTable prints the loopback workloads' table: one line per
// workload and contender, with its figures against the workload's
// reference row.
func printTable(out io.Writer, rows []row) {
	fmt.Fprintln(out, "\n| workload | contender | median | min-max | client CPU | peak RSS | time vs ref | CPU vs ref | RSS vs ref |")
	fmt.Fprintln(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|")
	refs := map[*workload]row{}
	for _, r := range rows {
		if r.contender == reference(r.w) {
			refs[r.w] = r
		}
	}
	for _, r := range rows {
		label := r.w.name
		switch r.w.kind {
		case kindSingle:
			label = fmt.Sprintf("one file (%s)", size(r.w.bytes()))
			if r.w.pushOnly {
				label = fmt.Sprintf("RSS flatness (%s)", size(r.w.bytes()))
			}
		case kindSetup:
			label = fmt.Sprintf("setup x%d (1 KiB)", r.w.pushes)
		case kindGroup:
			label = fmt.Sprintf("group (%s, 4 files)", size(r.w.bytes()))
		case kindParallel:
			label = fmt.Sprintf("%d at once (%s each)", r.w.pushes, size(r.w.files[0].size))
		}
		name := r.contender
		if name == reference(r.w) {
			name += " (ref)"
		}
		if len(r.wall) == 0 {
			fmt.Fprintf(out, "| %s | %s | failed | | | | | | |\n", label, name)
			continue
		}
		unit, cpuUnit, rssUnit := "MB/s", "s/GiB", "MiB"
		if r.w.kind == kindSetup {
			unit, cpuUnit = "ms/push", "ms/push"
		}
		if r.w.kind == kindParallel {
			rssUnit = "MiB/push"
		}
		med, lo, hi := r.figures()
		ratios := "| | |"
		if ref, ok := refs[r.w]; ok && len(ref.wall) > 0 {
			ratios = fmt.Sprintf("| %.2fx | %.2fx | %.2fx |", float64(median(r.wall))/float64(median(ref.wall)), r.cpu/ref.cpu, r.rss/ref.rss)
		}
		fails := ""
		if r.failed > 0 {
			fails = fmt.Sprintf(" (%d failed)", r.failed)
		}
		fmt.Fprintf(out, "| %s | %s%s | %.1f %s | %.1f-%.1f | %.2f %s | %.1f %s %s\n",
			label, name, fails, med, unit, lo, hi, r.cpuFigure(), cpuUnit, r.rss/(1<<20), rssUnit, ratios)
	}
	// The third 1 GiB target compares with the transport limit.
	for _, r := range rows {
		if r.w.kind != kindSingle || r.contender != "Push" || len(r.wall) == 0 {
			continue
		}
		for _, t := range rows {
			if t.w == r.w && strings.HasPrefix(t.contender, "ssh cat") && len(t.wall) > 0 {
				fmt.Fprintf(out, "\n%s: Push takes %.2fx the transport limit's time.\n", r.w.name, float64(median(r.wall))/float64(median(t.wall)))
			}
		}
	}
}

// size is n bytes in GiB, MiB or KiB, for the tables.
func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", n>>10)
	}
}
