package sftppush

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/sftppush/sftppush/internal/textcap"
)

// File is one local file of a recording and the name it gets on the server.
type File struct {
	// Path is the local path of the file.
	Path string
	// RemoteName is the file name on the server, inside Credentials.Folder.
	// Empty means the base name of Path. It must be a plain file name: no
	// "/", "\", NUL or control characters, not "." or "..", at most
	// MaxRemoteNameLength bytes.
	RemoteName string
}

// Group is the set of files of one recording, pushed over one connection, one
// after another, main file first.
type Group struct {
	// RecordingID identifies the recording in the log entry: at most
	// MaxFieldLength characters, no control characters.
	RecordingID string
	// Account, if set, names the tenant the recording belongs to; it is
	// copied into the log entry so logs can be shown per customer. At most
	// MaxFieldLength characters, no control characters.
	Account string
	// Main is the file that decides the Status: the processed .mp4 or the raw
	// recording.
	Main File
	// Extras are the other files (raw recording, snapshot, filmstrip). A
	// missing or failed extra is reported in its FileResult and does not fail
	// the push.
	Extras []File
}

// Caps on a Group, so that a caller's mistake cannot turn one push into
// thousands of uploads or one log entry into megabytes.
const (
	// MaxGroupFiles is the most files one Group may hold, main file
	// included. A recording has four (mp4, raw, snapshot, filmstrip).
	MaxGroupFiles = 16
	// MaxRemoteNameLength is the longest remote file name accepted, in
	// bytes: the common file-system limit (NAME_MAX).
	MaxRemoteNameLength = 255
)

// plan is a group made ready before connecting: checked, and every local
// file opened and measured once. Keeping the files open means none can
// vanish between the check and its upload. The main file failing to open
// ends the attempt before any connection is made, so that a missing file
// costs the customer's server nothing; an extra that fails is marked
// FileMissing and skipped.
type plan struct {
	files []FileResult // main file first; Size from the open file
	local []*os.File   // parallel to files; nil where the file could not be opened
}

// newPlan checks the group and opens its files. On error the plan still
// lists the files, for the result.
func newPlan(g Group) (*plan, *Error) {
	files := fileResults(g)
	pl := &plan{files: files, local: make([]*os.File, len(files))}
	if err := checkGroup(g, pl.files); err != nil {
		return pl, &Error{Reason: ReasonInvalidGroup, Op: OpValidate, Err: err}
	}
	for i := range pl.files {
		fr := &pl.files[i]
		f, err := openLocal(fr.Local)
		if err != nil {
			e := newError(OpOpen, fr.Local, localReason(err), err)
			fr.State, fr.Err, fr.Reason = FileMissing, e, e.Reason
			if i == 0 { // the main file
				return pl, e
			}
			continue
		}
		pl.local[i] = f
		fi, _ := f.Stat() // openLocal has stat-ed it
		fr.Size = fi.Size()
	}
	return pl, nil
}

// fileResults returns one FileResult per file of the group, main file
// first, with the remote names defaulted to the local base names.
func fileResults(g Group) []FileResult {
	all := append([]File{g.Main}, g.Extras...)
	files := make([]FileResult, len(all))
	for i, f := range all {
		name := f.RemoteName
		if name == "" {
			name = filepath.Base(f.Path)
		}
		files[i] = FileResult{Local: f.Path, Remote: name, Size: -1}
	}
	return files
}

// largest is the size of the plan's largest file: what the connection
// sizes its extra sessions for.
func (pl *plan) largest() int64 {
	var n int64
	for _, fr := range pl.files {
		n = max(n, fr.Size)
	}
	return n
}

// close closes the local files.
func (pl *plan) close() {
	for _, f := range pl.local {
		if f != nil {
			f.Close()
		}
	}
}

// localReason tells a local file that does not exist from one that cannot
// be read.
func localReason(err error) Reason {
	if errors.Is(err, fs.ErrNotExist) {
		return ReasonFileMissing
	}
	return ReasonFileUnreadable
}

// openLocal opens a local file for upload; it must be a regular file.
//
// It is opened without blocking: open(2) of a named pipe waits for a
// writer, which would hang the push beyond its context. The type is checked
// on the open file, so a file swapped between a check and the open cannot
// slip through.
func openLocal(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("is a %s, not a regular file", fileKind(fi.Mode()))}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsRegular():
		return "regular file"
	}
	return "special file"
}

// checkGroup checks the group's shape, every problem at once: the labels,
// the number of files, each file's path and remote name. Nothing local or
// remote is touched.
func checkGroup(g Group, files []FileResult) error {
	errs := checkLabels(g)
	if len(files) > MaxGroupFiles {
		errs = append(errs, fmt.Errorf("the group has %d files; at most %d are allowed", len(files), MaxGroupFiles))
	}
	seen := make(map[string]string, len(files)) // by folded name: the name as given
	for i, fr := range files[:min(len(files), MaxGroupFiles)] {
		what := "extra file " + fmt.Sprint(i)
		if i == 0 {
			what = "main file"
		}
		if fr.Local == "" {
			errs = append(errs, fmt.Errorf("%s: Path is empty; set it to the local file's path", what))
			continue
		}
		if err := checkRemoteName(fr.Remote); err != nil {
			errs = append(errs, fmt.Errorf("%s: remote name %q: %w", what, textcap.Runes(fr.Remote, 60), err))
			continue
		}
		// Windows servers and some hosted services compare names without
		// case: "Rec.mp4" would overwrite "rec.mp4" there.
		if prev, ok := seen[foldName(fr.Remote)]; ok {
			if prev == fr.Remote {
				errs = append(errs, fmt.Errorf("%s: remote name %q is used twice in the group; give each file its own RemoteName", what, textcap.Runes(fr.Remote, 60)))
			} else {
				errs = append(errs, fmt.Errorf("%s: remote name %q differs from %q only in case, and servers that ignore case would keep one file of the two; give each file a name of its own", what, textcap.Runes(fr.Remote, 60), textcap.Runes(prev, 60)))
			}
			continue
		}
		seen[foldName(fr.Remote)] = fr.Remote
	}
	return errors.Join(errs...)
}

// foldName is name as a server that ignores case compares it: two names
// with the same fold are the same file there.
func foldName(name string) string {
	return strings.ToLower(strings.ToUpper(name))
}

// checkRemoteName accepts a plain file name: it must not reach outside the
// folder nor carry bytes that servers treat specially.
func checkRemoteName(name string) error {
	switch {
	case name == "" || name == "." || name == ".." || name == "/":
		return errors.New("not a file name; set RemoteName to a plain name such as rec.mp4")
	case len(name) > MaxRemoteNameLength:
		return fmt.Errorf("longer than %d bytes; use a shorter RemoteName", MaxRemoteNameLength)
	case !utf8.ValidString(name):
		return errors.New("not valid UTF-8")
	case strings.ContainsAny(name, "/\\"):
		return errors.New("contains a slash; set RemoteName to a plain name without folders (the folder comes from Credentials.Folder)")
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return errors.New("contains a control character")
	}
	return nil
}

// checkLabels checks the group's RecordingID and Account: bounded, valid
// UTF-8, no control characters (they would forge lines in a text log).
func checkLabels(g Group) []error {
	var errs []error
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"RecordingID", g.RecordingID, MaxFieldLength},
		{"Account", g.Account, MaxFieldLength},
	} {
		switch {
		case !utf8.ValidString(f.value):
			errs = append(errs, fmt.Errorf("%s is not valid UTF-8", f.name))
		case utf8.RuneCountInString(f.value) > f.max:
			errs = append(errs, fmt.Errorf("%s has %d characters; at most %d are allowed", f.name, utf8.RuneCountInString(f.value), f.max))
		case strings.ContainsFunc(f.value, unicode.IsControl):
			errs = append(errs, fmt.Errorf("%s contains a control character", f.name))
		}
	}
	return errs
}
