package sftppush

// Hint returns what to do about r, in plain words for the person who typed
// the credentials (or who supports them): the "what to fix" of a status
// page, a support tool or a notification. It is "" for ReasonNone and for
// a string that is not a Reason. The text may change between versions;
// compare Reasons, not Hints.
func (r Reason) Hint() string { return hints[r] }

var hints = map[Reason]string{
	ReasonFileMissing:    "The recording's file is not on the pushing machine: nothing was sent. Push it again once the file is there.",
	ReasonFileUnreadable: "The recording's file cannot be read on the pushing machine (no permission, or not a regular file): nothing was sent.",
	ReasonInvalidGroup:   "The files to push are malformed (a bad or repeated remote name, too many files): nothing was sent. Fix the names.",
	ReasonInvalidHost:    "The host or port is not valid: type a host name or IPv4 address without sftp:// or a path, and a port from 1 to 65535.",
	ReasonInvalidLogin:   "The username or password is not valid: check its length and characters.",
	ReasonInvalidFolder:  "The folder is not valid: type a path such as /upload or uploads, without the host.",

	ReasonHostNotFound:      "The host name does not exist: check its spelling.",
	ReasonConnectionRefused: "The server refused the connection: check the port, that the SFTP server is running, and that its firewall lets us in.",
	ReasonHostUnreachable:   "The network cannot reach the host: check the address and the server's network.",
	ReasonDialTimeout:       "The server did not answer in time: check the host and port, and that a firewall does not drop our connection. Often temporary: a later attempt may succeed.",
	ReasonHandshakeTimeout:  "The server accepted the connection but did not start SFTP in time: check that the port is the SSH/SFTP port. Often temporary: a later attempt may succeed.",
	ReasonHandshakeFailed:   "The server does not speak SSH as we do: check that the port is an SSH/SFTP port (not FTP or FTPS).",
	ReasonConnectCanceled:   "The push was cancelled while connecting, on our side.",
	ReasonNoCommonAlgorithm: "The server only speaks encryption we do not use (the error says which): update or reconfigure the SFTP server, or allow legacy algorithms for it.",

	ReasonAuthRejected:         "The server refused the username or password: check both (they are case-sensitive).",
	ReasonPasswordNotOffered:   "The server does not accept password logins: enable password authentication for this account.",
	ReasonPasswordExpired:      "The account's password has expired: log in once with an SSH or SFTP program to change it, then type the new one here.",
	ReasonSecondFactor:         "The server wants a second factor (a code or a key) after the password: allow this account to log in with the password alone.",
	ReasonSubsystemUnavailable: "The login worked but the server would not start SFTP for this account: enable SFTP for it (not only a shell), check its chroot, and check that its password has not expired (OpenSSH then closes SFTP sessions without saying why).",

	ReasonFolderNotFound:     "The folder does not exist on the server: create it, or fix the path (relative paths start at the login folder).",
	ReasonFolderNotDirectory: "The folder is a file on the server, not a folder: fix the path.",

	ReasonPermissionDenied: "The server does not let this account write to the folder: give it write permission there.",
	ReasonNoSpace:          "The server's disk or the account's quota is full: free some space.",
	ReasonConnectionLost:   "The connection broke during the upload. Often temporary: a later attempt may succeed.",
	ReasonSizeMismatch:     "The server stored a different number of bytes than it acknowledged: check its disk. Often temporary: a later attempt may succeed.",
	ReasonRemoteError:      "The server refused the file: see the error for what it said.",
	ReasonFileTooLarge:     "The file is larger than the server takes for one file: nothing was sent.",
	ReasonLocalReadError:   "Reading the recording on the pushing machine failed mid-upload.",
	ReasonUploadCanceled:   "The push was cancelled during the upload, on our side.",
	ReasonStalled:          "The server stopped answering during the upload. Often temporary: a later attempt may succeed.",

	ReasonBlockedByPolicy: "The host is a private, local or otherwise reserved address that we do not push to: use the server's public address.",
	ReasonHostKeyChanged:  "The server's identity (host key) changed since it was first seen: an impostor or a reinstalled server. Confirm with the server's owner before trusting the new key.",
	ReasonHostKeyUnknown:  "The server's identity (host key) is not known and was not trusted: add it to the trusted keys.",
}
