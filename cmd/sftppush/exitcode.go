package main

import "github.com/sftppush/sftppush"

// Exit codes. Each failing status has its own, so that a script can tell
// them apart without reading the output; doc.go, the README and the help
// text list the same table, and a test holds them to it.
const (
	exitOK        = 0
	exitInternal  = 1 // the report could not be written, or a status this version does not know
	exitUsage     = 2 // bad flags or arguments, no password, an unreadable known_hosts file
	exitInterrupt = 130
)

// statusExit maps each status to its exit code, in the library's order
// (sftppush.Statuses): OK 0, then 3 to 7.
var statusExit = map[sftppush.Status]int{
	sftppush.StatusOK:                exitOK,
	sftppush.StatusFileMissing:       3,
	sftppush.StatusUploadFailed:      4,
	sftppush.StatusLoginFailed:       5,
	sftppush.StatusIncorrectFolder:   6,
	sftppush.StatusConnectionTimeout: 7,
}

// exitCode returns the exit code of an attempt that ended with status s.
func exitCode(s sftppush.Status) int {
	if c, ok := statusExit[s]; ok {
		return c
	}
	return exitInternal
}

// exitTable is the exit-code table as the help text prints it.
const exitTable = `Exit codes:
  0    OK: the server took the files (or, for check, the probe file)
  2    usage: bad flags or arguments, no password, an unreadable --known-hosts file
  3    FILE_MISSING: a local main file is missing or unreadable
  4    UPLOAD_FAILED: connected and logged in, but the main file did not arrive intact
  5    SFTP_LOGIN_FAILED: wrong username or password, no password login, no SFTP
  6    INCORRECT_SFTP_FOLDER: the folder does not exist or is not a folder
  7    SFTP_CONNECTION_TIMEOUT: no SFTP connection (refused, timed out, blocked, host key)
  1    the report could not be written
  130  interrupted (Ctrl-C or SIGTERM); the report is still printed
`
