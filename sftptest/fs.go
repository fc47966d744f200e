package sftptest

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/sftp"
)

// handler serves one SFTP session over the server's Root.
//
// Every path pkg/sftp hands over is cleaned again and opened through an
// os.Root, so neither ".." nor a symbolic link can reach outside Root.
// Errors are *os.PathError around a syscall.Errno because pkg/sftp maps
// only bare errnos to status codes (ENOENT -> NO_SUCH_FILE, EACCES ->
// PERMISSION_DENIED, anything else -> FAILURE); it does not unwrap.
type handler struct {
	s    *Server
	c    *serverConn
	sess *sessionState
}

var (
	_ sftp.OpenFileWriter       = (*handler)(nil)
	_ sftp.FileReader           = (*handler)(nil)
	_ sftp.PosixRenameFileCmder = (*handler)(nil)
	_ sftp.StatVFSFileCmder     = (*handler)(nil)
	_ sftp.LstatFileLister      = (*handler)(nil)
	_ sftp.RealPathFileLister   = (*handler)(nil)
	_ sftp.ReadlinkFileLister   = (*handler)(nil)
)

// rel turns a cleaned absolute SFTP path into a name for os.Root.
func rel(p string) string {
	if p == "/" {
		return "."
	}
	return p[1:]
}

func pathErr(op, p string, errno syscall.Errno) error {
	return &os.PathError{Op: op, Path: p, Err: errno}
}

// readOnly reports whether the SFTP path is at or under a Faults.ReadOnly
// directory.
func (h *handler) readOnly(p string) bool {
	for _, ro := range h.s.Faults.ReadOnly {
		ro = cleanSFTPPath(ro)
		if p == ro || ro == "/" || strings.HasPrefix(p, ro+"/") {
			return true
		}
	}
	return false
}

// Fileread opens a file for reading.
func (h *handler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	if err := h.gate(); err != nil {
		return nil, err
	}
	p := cleanSFTPPath(r.Filepath)
	if h.s.Faults.DenyRead {
		return nil, pathErr("open", p, syscall.EACCES)
	}
	f, err := h.s.root.Open(rel(p))
	if err != nil {
		return nil, err
	}
	return &file{h: h, f: f}, nil
}

// Filewrite opens a file for writing only.
func (h *handler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	return h.open(r, false)
}

// OpenFile opens a file for reading and writing (sftp.Client.Create does).
func (h *handler) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	return h.open(r, true)
}

func (h *handler) open(r *sftp.Request, read bool) (*file, error) {
	if err := h.gate(); err != nil {
		return nil, err
	}
	p := cleanSFTPPath(r.Filepath)
	if h.readOnly(p) {
		return nil, pathErr("open", p, syscall.EACCES)
	}
	pf := r.Pflags()
	if h.s.Faults.RefuseReadWrite && pf.Read && (pf.Write || pf.Append) {
		return nil, pathErr("open", p, syscall.EACCES)
	}
	var flag int
	switch {
	case read && (pf.Write || pf.Append):
		flag = os.O_RDWR
	case pf.Write || pf.Append:
		flag = os.O_WRONLY
	default:
		flag = os.O_RDONLY
	}
	if pf.Creat {
		flag |= os.O_CREATE
	}
	if pf.Trunc {
		flag |= os.O_TRUNC
	}
	if pf.Excl {
		flag |= os.O_EXCL
	}
	// O_APPEND is emulated in WriteAt: os.File.WriteAt refuses O_APPEND files.
	perm := fs.FileMode(0o644)
	if attrs := r.Attributes(); r.AttrFlags().Permissions && attrs != nil {
		perm = attrs.FileMode().Perm()
	}
	f, err := h.s.root.OpenFile(rel(p), flag, perm)
	if err != nil {
		return nil, err
	}
	if h.s.Faults.StallOpens && flag&os.O_CREATE != 0 {
		// The file exists now; the reply never comes.
		f.Close()
		<-h.s.done
		return nil, errServerClosed
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, pathErr("open", p, syscall.EISDIR)
	}
	h.s.mu.Lock()
	h.s.opens = append(h.s.opens, Open{Conn: h.c.num, Path: p})
	if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
		if h.s.writing == nil {
			h.s.writing = map[string]int{}
		}
		h.s.writing[p]++
	}
	h.s.mu.Unlock()
	return &file{h: h, f: f, path: p, append: pf.Append, write: flag&(os.O_WRONLY|os.O_RDWR) != 0}, nil
}

// statInfo applies SizeOnClose to what Stat or Lstat found at p: while
// the file has a handle open for writing, its size is 0.
func (h *handler) statInfo(p string, fi os.FileInfo) os.FileInfo {
	if !h.s.Faults.SizeOnClose || fi.IsDir() {
		return fi
	}
	h.s.mu.Lock()
	n := h.s.writing[p]
	h.s.mu.Unlock()
	if n == 0 {
		return fi
	}
	return unsettled{fi}
}

// unsettled is a file whose size a SizeOnClose server does not show yet.
type unsettled struct{ os.FileInfo }

func (unsettled) Size() int64 { return 0 }

// Filecmd runs Setstat, Rename, Rmdir, Mkdir and Remove. Link and Symlink
// are refused: links are the usual way out of a jail.
func (h *handler) Filecmd(r *sftp.Request) error {
	if err := h.gate(); err != nil {
		return err
	}
	p := cleanSFTPPath(r.Filepath)
	f := h.s.Faults
	switch r.Method {
	case "Setstat":
		if h.readOnly(p) || f.DenySetstat {
			return pathErr("setstat", p, syscall.EACCES)
		}
		return h.setstat(p, r)
	case "Rename":
		target := cleanSFTPPath(r.Target)
		if f.DenyRename || h.readOnly(p) || h.readOnly(target) {
			return pathErr("rename", p, syscall.EACCES)
		}
		// SFTP v3 (and OpenSSH) refuse to replace an existing target.
		if _, err := h.s.root.Lstat(rel(target)); err == nil {
			return pathErr("rename", target, syscall.EEXIST)
		}
		h.s.commit(p)
		if err := h.s.root.Rename(rel(p), rel(target)); err != nil {
			return err
		}
		h.s.renamed(target)
		return nil
	case "Rmdir":
		if f.DenyRemove || h.readOnly(p) {
			return pathErr("rmdir", p, syscall.EACCES)
		}
		fi, err := h.s.root.Lstat(rel(p))
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return pathErr("rmdir", p, syscall.ENOTDIR)
		}
		return h.s.root.Remove(rel(p))
	case "Remove":
		if f.DenyRemove || h.readOnly(p) {
			return pathErr("remove", p, syscall.EACCES)
		}
		fi, err := h.s.root.Lstat(rel(p))
		if err != nil {
			return err
		}
		if fi.IsDir() { // remove is unlink(2), which refuses directories
			return pathErr("remove", p, syscall.EISDIR)
		}
		return h.s.root.Remove(rel(p))
	case "Mkdir":
		if h.readOnly(p) {
			return pathErr("mkdir", p, syscall.EACCES)
		}
		return h.s.root.Mkdir(rel(p), 0o755)
	default: // Link, Symlink
		return sftp.ErrSSHFxOpUnsupported
	}
}

func (h *handler) setstat(p string, r *sftp.Request) error {
	flags, attrs := r.AttrFlags(), r.Attributes()
	if attrs == nil {
		return pathErr("setstat", p, syscall.EINVAL)
	}
	name := rel(p)
	if flags.Size {
		f, err := h.s.root.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		err = f.Truncate(int64(attrs.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if flags.Permissions {
		if err := h.s.root.Chmod(name, attrs.FileMode().Perm()); err != nil {
			return err
		}
	}
	if flags.Acmodtime {
		atime, mtime := time.Unix(int64(attrs.Atime), 0), time.Unix(int64(attrs.Mtime), 0)
		if err := h.s.root.Chtimes(name, atime, mtime); err != nil {
			return err
		}
	}
	// Owner changes are ignored: the tests run as root and would succeed
	// where a real server would not.
	return nil
}

// PosixRename replaces the target atomically (posix-rename@openssh.com).
func (h *handler) PosixRename(r *sftp.Request) error {
	if err := h.gate(); err != nil {
		return err
	}
	p, target := cleanSFTPPath(r.Filepath), cleanSFTPPath(r.Target)
	if h.s.Faults.DenyRename || h.readOnly(p) || h.readOnly(target) {
		return pathErr("rename", p, syscall.EACCES)
	}
	h.s.commit(p)
	if err := h.s.root.Rename(rel(p), rel(target)); err != nil {
		return err
	}
	h.s.renamed(target)
	return nil
}

// statvfsBlock is the block size StatVFS reports.
const statvfsBlock = 4096

// StatVFS reports the remaining quota as free space, or plenty of space
// when there is no quota, for any path.
func (h *handler) StatVFS(r *sftp.Request) (*sftp.StatVFS, error) {
	if err := h.gate(); err != nil {
		return nil, err
	}
	const plenty = 1 << 30 // blocks: 4 TiB
	total, free := uint64(plenty), uint64(plenty)
	if q := h.s.Faults.QuotaBytes; q > 0 {
		h.s.mu.Lock()
		left := q - h.s.quotaUsed
		h.s.mu.Unlock()
		total, free = uint64(q)/statvfsBlock, uint64(max(left, 0))/statvfsBlock
	}
	return &sftp.StatVFS{
		Bsize:   statvfsBlock,
		Frsize:  statvfsBlock,
		Blocks:  total,
		Bfree:   free,
		Bavail:  free,
		Files:   1 << 20,
		Ffree:   1 << 20,
		Favail:  1 << 20,
		Namemax: 255,
	}, nil
}

// Filelist serves List (readdir) and Stat.
func (h *handler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	if err := h.gate(); err != nil {
		return nil, err
	}
	p := cleanSFTPPath(r.Filepath)
	switch r.Method {
	case "List":
		d, err := h.s.root.Open(rel(p))
		if err != nil {
			return nil, err
		}
		defer d.Close()
		infos, err := d.Readdir(-1)
		if err != nil {
			return nil, err
		}
		sort.Slice(infos, func(i, j int) bool { return infos[i].Name() < infos[j].Name() })
		return lister(infos), nil
	case "Stat":
		if err := h.denyStat(r, p); err != nil {
			return nil, err
		}
		fi, err := h.s.root.Stat(rel(p))
		if err != nil {
			return nil, err
		}
		return lister{h.statInfo(p, fi)}, nil
	default:
		return nil, sftp.ErrSSHFxOpUnsupported
	}
}

// Lstat serves Lstat without following a final symbolic link.
func (h *handler) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	if err := h.gate(); err != nil {
		return nil, err
	}
	p := cleanSFTPPath(r.Filepath)
	if err := h.denyStat(r, p); err != nil {
		return nil, err
	}
	fi, err := h.s.root.Lstat(rel(p))
	if err != nil {
		return nil, err
	}
	return lister{h.statInfo(p, fi)}, nil
}

// denyStat applies DenyStat to r, a stat of p. pkg/sftp's request server
// serves FSTAT on a handle as a Stat of the handle's path, in a Request
// of its own without a context, where a STAT by name carries the
// connection's: so a context that cannot end marks FSTAT, which DenyStat
// allows.
func (h *handler) denyStat(r *sftp.Request, p string) error {
	if !h.s.Faults.DenyStat || r.Context().Done() == nil {
		return nil
	}
	return pathErr("stat", p, syscall.EACCES)
}

// renamed notes that a file got the name target, and applies
// Faults.TakeAway to it.
func (s *Server) renamed(target string) {
	s.mu.Lock()
	s.renames = append(s.renames, target)
	s.mu.Unlock()
	s.takeAway(target)
}

// commit applies CommitPerMiB to the file at p.
func (s *Server) commit(p string) {
	d := s.Faults.CommitPerMiB
	if d <= 0 {
		return
	}
	fi, err := s.root.Stat(rel(p))
	if err != nil {
		return
	}
	t := time.NewTimer(time.Duration(fi.Size()) * d / (1 << 20))
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}

// RealPath resolves a path the way every other request does: lexically,
// against "/".
func (h *handler) RealPath(p string) (string, error) {
	if err := h.gate(); err != nil {
		return "", err
	}
	return cleanSFTPPath(p), nil
}

// Readlink returns a link's target as stored.
func (h *handler) Readlink(p string) (string, error) {
	if err := h.gate(); err != nil {
		return "", err
	}
	return h.s.root.Readlink(rel(cleanSFTPPath(p)))
}

// lister serves a fixed list of entries.
type lister []os.FileInfo

// ListAt copies entries from off into dst, with io.EOF at the end.
func (l lister) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}

// fileHandler is what the request server is given: the handler, or its
// echoing wrapper.
type fileHandler interface {
	sftp.FileReader
	sftp.FileWriter
	sftp.FileCmder
	sftp.FileLister
}

// echoHandler repeats the password in every error (Faults.EchoPassword).
type echoHandler struct{ *handler }

func (e echoHandler) echo(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%v (you logged in with %s)", err, e.s.Password)
}

func (e echoHandler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	x, err := e.handler.Fileread(r)
	return x, e.echo(err)
}

func (e echoHandler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	x, err := e.handler.Filewrite(r)
	return x, e.echo(err)
}

func (e echoHandler) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	x, err := e.handler.OpenFile(r)
	return x, e.echo(err)
}

func (e echoHandler) Filecmd(r *sftp.Request) error { return e.echo(e.handler.Filecmd(r)) }

func (e echoHandler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	x, err := e.handler.Filelist(r)
	return x, e.echo(err)
}
