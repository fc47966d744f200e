package sftppush

import (
	"strings"
	"time"
)

// Server profiles. Most of what differs between SFTP servers is handled by
// generic rules: what the server advertises (extensions, limits), what its
// status codes say, and falling back when a request is refused. A few
// cloud services document limits that no request reveals in time; they are
// known by their SSH identification string, or by their host name where a
// proxy hides it, and handled as their documentation asks.

// serverProfile is what a known service documents, and so what we do.
type serverProfile struct {
	name string
	// oneSession: one session writes each file. AWS Transfer Family: "if
	// your client contains an option to use multiple connections for a
	// single transfer, make sure to disable the option"; Azure Blob
	// Storage: "using multiple connections to upload a single file is not
	// supported".
	oneSession bool
	// renames: the service documents renames, so the rename probe
	// (chooseMethod), which cannot tell a server that denies renames from
	// one that checks permissions before existence, is skipped.
	renames bool
	// removeBeforeRename: a rename onto an existing name is refused
	// (Azure Blob Storage), so the final name is removed first instead of
	// after a refused rename.
	removeBeforeRename bool
	// maxFileSize, if positive, is the largest file the service takes
	// (Azure Blob Storage: 100 GB); a larger one is refused before
	// anything of it is sent.
	maxFileSize int64
}

var (
	awsTransfer = serverProfile{name: "AWS Transfer Family", oneSession: true, renames: true}
	azureBlob   = serverProfile{name: "Azure Blob Storage SFTP", oneSession: true, renames: true, removeBeforeRename: true, maxFileSize: 100e9}
)

// profileOf recognises a service by its identification string
// ("SSH-2.0-AWS_SFTP_1.1", "SSH-2.0-AzureSSH_1.0.0") or its host name;
// the zero profile is a server like any other.
func profileOf(serverVersion, host string) serverProfile {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case strings.HasPrefix(serverVersion, "SSH-2.0-AWS_SFTP"),
		strings.Contains(h, ".transfer.") && strings.HasSuffix(h, ".amazonaws.com"):
		return awsTransfer
	case strings.HasPrefix(serverVersion, "SSH-2.0-AzureSSH"),
		strings.HasSuffix(h, ".blob.core.windows.net"):
		return azureBlob
	}
	return serverProfile{}
}

// commitRate is the slowest a server is expected to commit a file on close
// or rename (object-store gateways copy it): the watchdog grants that
// much time on top of its limit while a close or rename is waited for.
const commitRate = 16 << 20 // bytes per second

// commitGrace is the extra time a close or rename of size bytes gets.
func commitGrace(size int64) time.Duration {
	if size <= 0 {
		return 0
	}
	return time.Duration(float64(size) / commitRate * float64(time.Second))
}
