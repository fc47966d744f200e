package sftppush

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxGroupFiles is the most files one Group may hold, main file included.
// A recording has four (mp4, raw, snapshot, filmstrip); the cap keeps a
// caller's mistake from turning one push into thousands of uploads.
const MaxGroupFiles = 16

// MaxRemoteNameLength is the longest remote file name accepted, in bytes:
// the common file-system limit (NAME_MAX).
const MaxRemoteNameLength = 255

// planFiles checks the group's shape and returns one FileResult per file,
// main file first. Nothing local or remote is touched.
func planFiles(g Group) ([]FileResult, *Error) {
	all := append([]File{g.Main}, g.Extras...)
	files := make([]FileResult, len(all))
	errs := checkLabels(g)
	if len(all) > MaxGroupFiles {
		errs = append(errs, fmt.Errorf("the group has %d files; at most %d are allowed", len(all), MaxGroupFiles))
	}
	seen := make(map[string]bool, len(all))
	for i, f := range all {
		name := f.RemoteName
		if name == "" {
			name = filepath.Base(f.Path)
		}
		files[i] = FileResult{Local: f.Path, Remote: name, Main: i == 0, Size: -1}
		if i >= MaxGroupFiles {
			continue
		}
		what := "extra file " + fmt.Sprint(i)
		if i == 0 {
			what = "main file"
		}
		if f.Path == "" {
			errs = append(errs, fmt.Errorf("%s: Path is empty; set it to the local file's path", what))
			continue
		}
		if err := checkRemoteName(name); err != nil {
			errs = append(errs, fmt.Errorf("%s: remote name %q: %w", what, truncate(name, 60), err))
			continue
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("%s: remote name %q is used twice in the group; give each file its own RemoteName", what, truncate(name, 60)))
		}
		seen[name] = true
	}
	if len(errs) > 0 {
		return files, &Error{Status: StatusUploadFailed, Reason: ReasonInvalidGroup, Op: "validate", Err: errors.Join(errs...)}
	}
	return files, nil
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
	for _, r := range name {
		if unicode.IsControl(r) {
			return errors.New("contains a control character")
		}
	}
	return nil
}

// openMain opens the local main file. It is opened before connecting so that
// a missing file costs the customer's server nothing, and kept open so that
// it cannot disappear between the check and the upload.
func openMain(fr *FileResult) (*os.File, *Error) {
	f, fi, err := openLocal(fr.Local)
	if err != nil {
		fr.State, fr.Err = FileMissing, err
		fr.Reason = ReasonMainFileUnreadable
		if errors.Is(err, fs.ErrNotExist) {
			fr.Reason = ReasonMainFileMissing
		}
		return nil, &Error{Status: StatusFileMissing, Reason: fr.Reason, Op: "open", Subject: fr.Local, Err: err}
	}
	fr.Size = fi.Size()
	return f, nil
}

// openLocal opens a local file for upload and checks that it is a regular
// file.
func openLocal(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("is a %s, not a regular file", fileKind(fi.Mode()))}
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
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
