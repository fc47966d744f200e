// Command sftppush tries a customer's SFTP server from a terminal, the way
// the service pushes to it, and prints on one screen what happened and what
// to tell the customer: the status and reason, what to fix in plain words,
// the error, the address connected to, the server's SSH version, banner and
// host-key fingerprint, the negotiated algorithms, how long connecting and
// uploading took, and each file's outcome. It is for support and operations
// people answering "my recordings don't arrive".
//
// Install:
//
//	go install github.com/sftppush/sftppush/cmd/sftppush@latest
//
// Usage:
//
//	sftppush check --host HOST [--port PORT] --user USER --folder FOLDER [flags]
//	sftppush push  --host HOST [--port PORT] --user USER --folder FOLDER [flags] MAIN [EXTRA...]
//	sftppush help [check|push]
//
// check is the "test connection" button (Pusher.Check): it logs in, starts
// SFTP, writes a small probe file into the folder, verifies its size and
// removes it. push pushes the files as one recording (one Group, one
// connection): the main file first, which decides the status, then the
// extras, each under its base name; --recording-id names the recording.
//
// --host, --port, --user and --folder take what the customer typed, as it
// is: a value the service would refuse (sftp://host, a folder with the
// host in it) gets the same status and reason here. --to USER@HOST:PORT
// stands for --user, --host and --port (USER@ and :PORT may be left out);
// giving a field both ways is an error. Flags and files may come in any
// order; after "--" everything is a file.
//
// # Password
//
// The password comes from the environment variable SFTPPUSH_PASSWORD or,
// when that is unset or empty and standard input is a terminal, from a
// prompt on standard error that does not echo. It is never taken from the
// command line, where ps and the shell's history show it: --password (and
// --pass, --passwd, --pw, in any spelling) and a password in --to
// (user:secret@host) are refused with exit code 2 before anything is read
// or sent. Without the variable and without a terminal it exits with 2.
// To set the variable without it showing:
//
//	read -rs SFTPPUSH_PASSWORD && export SFTPPUSH_PASSWORD
//
// The password never appears in the output: the library keeps it out of
// everything it returns and removes it from what the server said, and the
// report removes it again (a password of 6 characters or more becomes
// [REDACTED], as in the library).
//
// # Flags
//
//	--allow-network CIDR  open a private or local IPv4 network to the destination
//	                      policy, e.g. 127.0.0.0/8 or 10.1.2.3 (repeatable)
//	--known-hosts FILE    verify the host key against an OpenSSH known_hosts file
//	                      (repeatable; ~/ is expanded); without it any key is
//	                      accepted and its fingerprint printed
//	--timeout DURATION    the connect limit (DNS, TCP, SSH, login, SFTP start), 10s
//	--json                one JSON object on standard output instead of the report
//	--no-progress         no progress line on standard error
//	--legacy-algorithms   also offer the algorithms x/crypto calls insecure
//	--keyboard-interactive  also log in by keyboard-interactive
//	--recording-id ID     push: the recording's ID, for the report
//
// The destination policy is the library's: loopback, private, link-local
// and other reserved addresses are refused (SFTP_CONNECTION_TIMEOUT,
// blocked_by_policy) unless --allow-network opens them, as
// Config.AllowNetworks does. Where a flag of this tool gets past a reason
// (--allow-network, --legacy-algorithms, --keyboard-interactive), the
// report says so on a "Try" line: what support can try from here, not what
// the service does.
//
// # Output
//
// The report goes to standard output. When standard error is a terminal, a
// progress line is drawn there, redrawn in place: while connecting, how
// long it has waited; during a push, per file, the bytes the server has
// acknowledged, a bar, the rate and the time left, and "no progress for
// Ns" when the server stops answering. It is erased before the report. It
// is not drawn when standard error is not a terminal, nor with --json or
// --no-progress.
//
// # Exit codes
//
//	0    OK: the server took the files (or, for check, the probe file)
//	2    usage: bad flags or arguments, no password, an unreadable --known-hosts file
//	3    FILE_MISSING: a local main file is missing or unreadable
//	4    UPLOAD_FAILED: connected and logged in, but the main file did not arrive intact
//	5    SFTP_LOGIN_FAILED: wrong username or password, no password login, no SFTP
//	6    INCORRECT_SFTP_FOLDER: the folder does not exist or is not a folder
//	7    SFTP_CONNECTION_TIMEOUT: no SFTP connection (refused, timed out, blocked, host key)
//	1    the report could not be written
//	130  interrupted (Ctrl-C or SIGTERM); the report is still printed
//
// A push whose main file arrived exits 0 even when an extra did not; the
// extra's state is in the report and in "files".
//
// # JSON
//
// --json prints one JSON object on one line. Every field is always there
// (empty strings, zeros and empty arrays rather than missing fields);
// fields may be added in later versions, never renamed or removed. A usage
// error (exit code 2) prints no JSON, only a message on standard error.
//
//	"command"               "check" or "push"
//	"status"                OK, FILE_MISSING, UPLOAD_FAILED, SFTP_LOGIN_FAILED,
//	                        INCORRECT_SFTP_FOLDER or SFTP_CONNECTION_TIMEOUT
//	"reason"                the finer reason (sftppush.Reason), "none" for OK
//	"hint"                  what to fix, in plain words (Reason.Hint); "" for OK
//	"error"                 the error text; "" exactly when status is OK
//	"exit_code"             the exit code, as in the table above
//	"time"                  when the attempt ended, RFC 3339 in UTC
//	"recording_id"          --recording-id
//	"host", "port", "username", "folder"  the destination, as the log entry has it
//	"remote_addr"           the IPv4:port connected to; "" when no TCP connection
//	"server_version"        the server's SSH identification string
//	"banner"                what the server showed before the login, its lines
//	                        joined by "\n"; "" when it showed none
//	"algorithms"            negotiated: "kex=... hostkey=... cipher=... [mac=...]";
//	                        "" when the login did not succeed
//	"host_key_fingerprint"  SHA256:..., as ssh-keygen -l prints it
//	"host_key_policy"       "accept_any", or "known_hosts" with --known-hosts
//	"connect_ms"            milliseconds to open the SFTP connection (DNS, TCP,
//	                        SSH handshake, login, SFTP start); 0 when it did not open
//	"upload_ms"             milliseconds from then to the end; 0 likewise
//	"duration_ms"           milliseconds of the whole attempt
//	"bytes_sent"            bytes of file data sent, every file and rewrite included
//	"files"                 one object per file, main file first (check: its probe)
//	"leftovers"             remote paths left on the server that could not be removed
//
// Each of "files":
//
//	"local"         the local path ("" for check's probe)
//	"remote"        the name on the server, in the folder
//	"state"         uploaded, failed, missing or not_attempted
//	"size"          the local size in bytes; -1 when unknown
//	"bytes_sent"    bytes sent to the server for this file
//	"sessions"      SFTP sessions that wrote it (more than 1: striped); 0 when none
//	"method"        posix_rename, rename or in_place; "" when nothing was written
//	"reason"        why it failed or is missing; "none" otherwise
//	"hint"          what to fix for that reason; ""
//	"error"         the file's error text; ""
//	"rename_error"  why the rename failed, when the file was then written in place; ""
//	"stripe_error"  why a striped upload fell back to one session; ""
//
// Durations are milliseconds as numbers with three decimals (microseconds),
// sizes are bytes.
package main
