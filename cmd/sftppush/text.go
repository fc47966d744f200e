package main

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// writeText prints the report a person reads at a glance: the outcome and
// what to fix first, then the server, the times, the files.
func writeText(w io.Writer, r report) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-13s%s\n", label, fmt.Sprintf(format, args...))
	}
	line("Status", "%s (%s)", r.Status, r.Reason)
	line("What to fix", "%s", fix(r))
	if try := tryFlag(r); try != "" {
		line("Try", "%s", try)
	}
	if r.Error != "" {
		line("Error", "%s", r.Error)
	}
	b.WriteByte('\n')

	dest := fmt.Sprintf("%s@%s port %d, folder %s", r.Username, r.Host, r.Port, r.Folder)
	if r.RecordingID != "" {
		dest += ", recording " + r.RecordingID
	}
	line("Destination", "%s", dest)
	line("Connected to", "%s", orDash(r.RemoteAddr, "not connected"))
	line("SSH server", "%s", orDash(r.ServerVersion, "no SSH identification received"))
	line("Host key", "%s", hostKeyText(r))
	line("Algorithms", "%s", algorithmsText(r))
	banner := strings.Split(r.Banner, "\n")
	if r.Banner == "" {
		line("Banner", "(none)")
	}
	for i, l := range banner {
		label := ""
		if i == 0 {
			label = "Banner"
		}
		line(label, "%s", l)
	}
	b.WriteByte('\n')

	if r.ConnectMS > 0 {
		line("Connect", "%-10s DNS, TCP, SSH handshake, login, SFTP start", duration(r.ConnectMS))
		line("Upload", "%-10s %s", duration(r.UploadMS), uploadWhat(r.Command))
	} else {
		line("Connect", "%-10s the SFTP connection did not open", "-")
	}
	line("Total", "%-10s %s sent", duration(r.DurationMS), size(r.BytesSent))
	b.WriteByte('\n')

	files := r.Files
	if r.Command == "check" && len(files) == 1 && files[0].State == "not_attempted" {
		files = nil // check ended before its probe: nothing to say about it
	}
	if len(files) > 0 {
		title := "Files"
		if r.Command == "check" {
			title = "Probe file (check writes it, verifies its size and removes it)"
		}
		b.WriteString(title + "\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  #\tREMOTE NAME\tSTATE\tSIZE\tSENT\tSESSIONS\tMETHOD\tREASON")
		for i, f := range files {
			sessions := "-"
			if f.Sessions > 0 {
				sessions = strconv.Itoa(f.Sessions)
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, f.Remote, f.State, size(f.Size), size(f.BytesSent),
				sessions, orDash(f.Method, "-"), f.Reason)
		}
		tw.Flush()
		for i, f := range files {
			for _, d := range []struct{ what, text string }{
				{"error", f.Error}, {"rename", f.RenameError}, {"striping", f.StripeError},
			} {
				if d.text != "" && (i > 0 || d.text != r.Error) { // the main file's error is printed above
					fmt.Fprintf(&b, "  %d %s: %s\n", i+1, d.what, d.text)
				}
			}
			if f.Hint != "" && i > 0 {
				fmt.Fprintf(&b, "  %d fix: %s\n", i+1, f.Hint)
			}
		}
	}
	if len(r.Leftovers) > 0 {
		b.WriteString("\nLeft on the server (could not be removed)\n")
		for _, l := range r.Leftovers {
			b.WriteString("  " + l + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fix is the "what to fix" line: the reason's hint, or for OK what that
// means, counting the extras that did not arrive.
func fix(r report) string {
	if r.Hint != "" {
		return r.Hint
	}
	if r.Command == "check" {
		return "Nothing: we can log in and write to this folder."
	}
	var failed int
	for _, f := range r.Files[min(1, len(r.Files)):] {
		if f.State != "uploaded" {
			failed++
		}
	}
	if failed == 0 {
		return "Nothing: every file arrived, verified by its size."
	}
	return fmt.Sprintf("The main file arrived; %d extra file(s) did not: see Files.", failed)
}

// tryFlag names the flag of this tool that gets past the reason, where one
// does: what support can try from here, not what the customer must fix.
func tryFlag(r report) string {
	switch r.Reason {
	case "blocked_by_policy":
		if a, err := netip.ParseAddr(r.Host); err == nil && a.Is4() {
			return "--allow-network " + r.Host + "/32 lets this tool reach it (the service refuses it all the same)"
		}
		return "--allow-network with the network of the address in the error (e.g. 10.0.0.0/8) lets this tool reach it (the service refuses it all the same)"
	case "no_common_algorithm":
		return "--legacy-algorithms tries again with the old algorithms too (the error says whether they would help)"
	case "password_not_offered":
		return "--keyboard-interactive tries keyboard-interactive login with the password, if the service allows it"
	case "host_key_changed", "host_key_unknown":
		if r.HostKeyPolicy == policyKnownHosts {
			return "the key is judged by the --known-hosts files; without --known-hosts any key is accepted"
		}
	}
	return ""
}

func uploadWhat(cmd string) string {
	if cmd == "check" {
		return "the probe file and its removal"
	}
	return "the files, one after another, and closing"
}

func hostKeyText(r report) string {
	switch {
	case r.HostKeyFingerprint == "":
		return "- (no host key received)"
	case r.HostKeyPolicy == policyKnownHosts && r.Reason != "host_key_changed" && r.Reason != "host_key_unknown":
		return r.HostKeyFingerprint + " (verified with --known-hosts)"
	case r.HostKeyPolicy == policyKnownHosts:
		return r.HostKeyFingerprint + " (refused by --known-hosts; the password was not sent)"
	default:
		return r.HostKeyFingerprint + " (not verified: any key is accepted; --known-hosts FILE verifies it)"
	}
}

func algorithmsText(r report) string {
	switch {
	case r.Algorithms != "":
		return r.Algorithms
	default:
		return "- (no key exchange)"
	}
}

func orDash(s, why string) string {
	if s != "" {
		return s
	}
	if why == "-" {
		return "-"
	}
	return "- (" + why + ")"
}

// duration prints milliseconds for a person: "0.8 ms", "12 ms", "1.24 s",
// "2m05s".
func duration(ms float64) string {
	d := time.Duration(ms * float64(time.Millisecond))
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", ms)
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", ms)
	case d < time.Minute:
		return fmt.Sprintf("%.2f s", d.Seconds())
	default:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
}

// size prints a byte count: "512 B", "4.0 MiB"; "-" when unknown (-1).
func size(n int64) string {
	if n < 0 {
		return "-"
	}
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	v := float64(n) / 1024
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
