package sftppush

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"path"
	"unicode/utf8"
)

// Safe writes. The customer's cron job scans the folder and copies files
// out; it must never pick up half a file. So each file is uploaded under a
// temporary name that a scan for the final name cannot match, verified by
// its size, and only then renamed to its final name.

// WriteMethod says how a file reached its final name on the server.
type WriteMethod string

// Write methods.
const (
	// MethodPosixRename: uploaded under a temporary name, then renamed with
	// posix-rename@openssh.com, which replaces an existing file of the final
	// name atomically. Used when the server advertises the extension.
	MethodPosixRename WriteMethod = "posix_rename"
	// MethodRename: uploaded under a temporary name, then renamed with the
	// plain SFTP rename. SFTP version 3 servers refuse to rename onto an
	// existing file, so when that refusal comes and the final name exists,
	// the old file is removed and the rename tried again; between the two
	// requests the final name is absent, never half written. Used when the
	// server does not advertise posix-rename but allows renames.
	MethodRename WriteMethod = "rename"
	// MethodInPlace: written directly under the final name, which shows a
	// growing file while the upload runs. Used with Config.WriteInPlace,
	// when the server refuses renames, and as the fallback when a rename
	// fails after the upload (see FileResult.RenameErr).
	MethodInPlace WriteMethod = "in_place"
)

// TempSuffix ends the name of every file this package creates under a name
// that is not final: the temporary file of a safe write,
// "." + name + "." + 8 hex digits + TempSuffix (".rec.mp4.1f2e3d4c.sftppush-tmp"),
// and Check's probe file. The leading dot hides them from shell globs and
// ls, and the suffix keeps a pattern such as "*.mp4" from matching; the
// random part keeps two pushes of the same name apart. A name too long for
// that is shortened inside the temporary name so it stays within 255 bytes.
const TempSuffix = ".sftppush-tmp"

const (
	posixRenameExt = "posix-rename@openssh.com"
	maxNameBytes   = 255 // NAME_MAX on the servers we know
)

// tempRoom is how many bytes of the final name a temporary name keeps.
const tempRoom = maxNameBytes - len(".") - len(".") - 8 - len(TempSuffix)

// tempName returns a fresh temporary name for the file name.
func tempName(name string) string {
	var b [4]byte
	rand.Read(b[:])
	return "." + truncateBytes(name, tempRoom) + "." + hex.EncodeToString(b[:]) + TempSuffix
}

// truncateBytes shortens s to at most n bytes without splitting a UTF-8
// sequence.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// chooseMethod decides once per push, before anything is uploaded, how the
// files are written, so that no file is sent twice when the server refuses
// renames. OpenSSH's sftp-server stops advertising posix-rename when it is
// started with "-P posix-rename"; whether plain renames are allowed then is
// asked by renaming a file that does not exist: a server that allows
// renames says "no such file", one that denies them says "permission
// denied" before looking. Nothing on the server changes either way.
func (u *uploader) chooseMethod() WriteMethod {
	if u.c.set.writeInPlace {
		return MethodInPlace
	}
	c := u.c.sftp
	if _, ok := c.HasExtension(posixRenameExt); ok {
		return MethodPosixRename
	}
	if u.c.profile.renames {
		return MethodRename
	}
	from := path.Join(u.folder, tempName("rename-probe"))
	to := path.Join(u.folder, tempName("rename-probe"))
	if err := c.Rename(from, to); err == nil || errors.Is(err, fs.ErrNotExist) {
		return MethodRename
	}
	return MethodInPlace
}

// safeSend uploads to a temporary name and returns the commit that
// verifies it and renames it to final. While the bytes go, the temporary
// file of next, the file after this one, is opened (openAhead).
func (u *uploader) safeSend(ctx context.Context, fr *FileResult, local io.ReaderAt, final string, next *FileResult) (*commit, *Error) {
	fr.Method = u.method
	tmp, pre := u.takeAhead(fr)
	if tmp == "" {
		tmp = path.Join(u.folder, tempName(fr.Remote))
	}
	u.openAhead(next)
	s, created, err := u.send(ctx, fr, tmp, local, true, pre)
	if err != nil {
		// A short temporary file never gets the final name.
		if created {
			u.discard(tmp)
		}
		return nil, err
	}
	return &commit{sent: s, local: local, final: final}, nil
}

// run verifies the temporary file and, once proceed allows it, renames
// it to its final name. fallback reports that the rename failed on a
// working connection: the temporary file is gone (or listed in
// Result.Leftovers) and the file is to be written in place instead.
func (c *commit) run(ctx context.Context) (_ *Error, fallback bool) {
	u, fr, tmp := c.sent.u, c.sent.fr, c.sent.remote
	if err := c.sent.finish(ctx); err != nil {
		u.discard(tmp)
		return err, false
	}
	close(c.verified)
	if !<-c.gate {
		u.discard(tmp)
		return nil, false
	}
	endGrace := u.c.guard.grace(commitGrace(fr.Size))
	rerr := u.rename(tmp, c.final)
	endGrace()
	if rerr == nil {
		// The temporary file was verified and the server acknowledged the
		// rename: the file is there (unless a customer's scanner already
		// took it, which is the file arriving, not a problem). No second
		// look.
		return nil, false
	}
	if e := u.fail(ctx, OpRename, c.final, rerr, nil, -1); e.Reason.connectionGone() {
		u.discard(tmp)
		return e, false
	}
	fr.RenameErr = rerr
	u.discard(tmp)
	return nil, true
}

// rename gives the temporary file its final name.
func (u *uploader) rename(tmp, final string) error {
	c := u.c.sftp
	if u.method == MethodPosixRename {
		return c.PosixRename(tmp, final)
	}
	if u.c.profile.removeBeforeRename {
		if err := c.Remove(final); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	err := c.Rename(tmp, final)
	if err == nil {
		return nil
	}
	// SFTP version 3 refuses to rename onto an existing name (OpenSSH says
	// only "failure"). Replace it, best effort: remove it and try again.
	if _, serr := c.Lstat(final); serr != nil {
		return err
	}
	if rerr := c.Remove(final); rerr != nil {
		return errors.Join(err, rerr)
	}
	return c.Rename(tmp, final)
}

// discard removes a file this push created under a temporary name, or a
// partial file it wrote in place, best effort: a server that refuses removes (OpenSSH's "-P remove") or a
// connection that is gone leaves it, and it is reported in
// Result.Leftovers. It never changes the Status.
func (u *uploader) discard(remote string) {
	if err := u.c.sftp.Remove(remote); err != nil && !errors.Is(err, fs.ErrNotExist) {
		u.mu.Lock()
		u.leftovers = append(u.leftovers, remote)
		u.mu.Unlock()
	}
}
