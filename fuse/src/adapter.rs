//! The thin `fuser::Filesystem` over the core: each callback calls one core
//! method and replies once, mapping errors through [`ToErrno`].

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use fuser::{
    CopyFileRangeFlags, Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation,
    INodeNo, InitFlags, IoctlFlags, KernelConfig, LockOwner, OpenAccMode, OpenFlags, RenameFlags,
    ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyDirectoryPlus, ReplyEmpty, ReplyEntry,
    ReplyIoctl, ReplyLseek, ReplyOpen, ReplyStatfs, ReplyWrite, ReplyXattr, Request, TimeOrNow,
    WriteFlags,
};

use crate::error::{FsError, ToErrno};
use crate::fs::{Attr, Caller, Fs, OpenMode, SetAttr, SetMode, Special, ns_time, system_time_ns};
use crate::inode::Kind;

/// Block size reported to `stat` and `statfs`.
const BLOCK: u32 = 4096;
/// Largest write request asked of the kernel (it may grant less).
const MAX_WRITE: u32 = 1 << 20;

/// Largest reply buffer a mount thread keeps between reads: the largest
/// read the kernel sends with the read-ahead the mount asks for.
const READ_BUFFER_KEPT: usize = 1 << 20;

/// The mount's `Filesystem`.
pub struct FuseFs {
    pub(crate) fs: std::sync::Arc<Fs>,
    /// How long the kernel may cache entries and attributes.
    pub(crate) ttl: Duration,
    /// How long the kernel may cache a name found missing (in a live
    /// directory, see `Fs::caches_absence`).
    pub(crate) negative_ttl: Duration,
    /// Operations answered, counted and timed by callback.
    pub(crate) metrics: crate::metrics::FuseMetrics,
}

fn errno(op: &str, e: &FsError) -> Errno {
    if e.is_fault() {
        tracing::error!(op, error = %e, "filesystem operation failed");
    } else {
        tracing::debug!(op, error = %e, "filesystem operation refused");
    }
    Errno::from_i32(e.to_errno())
}

fn file_type(k: Kind) -> FileType {
    match k {
        Kind::Dir => FileType::Directory,
        Kind::File => FileType::RegularFile,
        Kind::Symlink => FileType::Symlink,
    }
}

/// The type of the entry `a` describes.
fn attr_type(a: &Attr) -> FileType {
    match a.special {
        Some(Special::Fifo) => FileType::NamedPipe,
        Some(Special::Socket) => FileType::Socket,
        Some(Special::CharDevice { .. }) => FileType::CharDevice,
        Some(Special::BlockDevice { .. }) => FileType::BlockDevice,
        None => file_type(a.kind),
    }
}

fn file_attr(a: &Attr) -> FileAttr {
    FileAttr {
        ino: INodeNo(a.ino),
        size: a.size,
        blocks: a.size.div_ceil(512),
        atime: ns_time(a.atime_ns),
        mtime: ns_time(a.mtime_ns),
        ctime: ns_time(a.ctime_ns),
        crtime: ns_time(a.ctime_ns.min(a.mtime_ns)),
        kind: attr_type(a),
        perm: a.perm,
        nlink: a.nlink,
        uid: a.uid,
        gid: a.gid,
        rdev: match a.special {
            Some(Special::CharDevice { rdev } | Special::BlockDevice { rdev }) => rdev,
            _ => 0,
        },
        blksize: BLOCK,
        flags: 0,
    }
}

/// The attributes of a negative entry: inode 0 says the name is missing.
fn missing() -> FileAttr {
    FileAttr {
        ino: INodeNo(0),
        size: 0,
        blocks: 0,
        atime: SystemTime::UNIX_EPOCH,
        mtime: SystemTime::UNIX_EPOCH,
        ctime: SystemTime::UNIX_EPOCH,
        crtime: SystemTime::UNIX_EPOCH,
        kind: FileType::RegularFile,
        perm: 0,
        nlink: 0,
        uid: 0,
        gid: 0,
        rdev: 0,
        blksize: BLOCK,
        flags: 0,
    }
}

/// Who sent `req`.
fn caller(req: &Request) -> Caller {
    Caller {
        uid: req.uid(),
        gid: req.gid(),
        pid: req.pid(),
    }
}

/// `t` in ns since the epoch; `now` stands for `UTIME_NOW`, the same
/// moment for both times of one call.
fn time_ns(t: TimeOrNow, now: i64) -> i64 {
    match t {
        TimeOrNow::SpecificTime(t) => match t.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(_) => system_time_ns(t),
            // fuser 0.18 turns the kernel's (secs < 0, nsecs) into
            // `UNIX_EPOCH - Duration::new(-secs, nsecs)`, subtracting the
            // nanoseconds that should be added (its `system_time_from_time`,
            // "TODO: 1_000_000_000 - nsec"); only that branch gives a time
            // before the epoch, so undo it here.
            Err(e) => {
                let d = e.duration();
                -(d.as_secs() as i64) * 1_000_000_000 + i64::from(d.subsec_nanos())
            }
        },
        TimeOrNow::Now => now,
    }
}

impl FuseFs {
    fn entry(&self, op: &str, r: Result<Attr, FsError>, reply: ReplyEntry) {
        match r {
            Ok(a) => reply.entry(&self.ttl, &file_attr(&self.fs.shown(a)), Generation(0)),
            Err(e) => reply.error(errno(op, &e)),
        }
    }

    fn empty(op: &str, r: Result<(), FsError>, reply: ReplyEmpty) {
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(errno(op, &e)),
        }
    }

    /// Answers `getxattr`/`listxattr`: the length when asked with size 0,
    /// the bytes when they fit, `ERANGE` when they do not.
    fn xattr(op: &str, r: Result<Vec<u8>, FsError>, size: u32, reply: ReplyXattr) {
        match r {
            Ok(v) if size == 0 => reply.size(v.len() as u32),
            Ok(v) if v.len() <= size as usize => reply.data(&v),
            Ok(_) => reply.error(Errno::ERANGE),
            Err(e) => reply.error(errno(op, &e)),
        }
    }
}

impl Filesystem for FuseFs {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> std::io::Result<()> {
        // Directory listings carry attributes (one request instead of a
        // lookup per entry for `ls -l`, rsync and find), and lookups in one
        // directory may run in parallel. `O_TRUNC` comes with the open
        // instead of as a separate truncate, so overwriting a file commits
        // one version on close, not an empty one first. Each is asked only
        // if the kernel offers it.
        for flag in [
            InitFlags::FUSE_DO_READDIRPLUS,
            InitFlags::FUSE_READDIRPLUS_AUTO,
            InitFlags::FUSE_PARALLEL_DIROPS,
            InitFlags::FUSE_ATOMIC_O_TRUNC,
            // The kernel would otherwise ask for `security.capability`
            // before every write; writes say when set-ID bits must go.
            InitFlags::FUSE_HANDLE_KILLPRIV_V2,
        ] {
            let _ = config.add_capabilities(flag);
        }
        // Large writes: fewer requests for a sequential stream.
        if let Err(nearest) = config.set_max_write(MAX_WRITE) {
            let _ = config.set_max_write(nearest);
        }
        Ok(())
    }

    /// The session ended: unmounted by the server, or from outside
    /// (`fusermount3 -u`, `umount`). What was closed but not fsynced
    /// becomes durable now, as a local filesystem's unmount syncs.
    fn destroy(&mut self) {
        match self.fs.sync_all() {
            Ok(()) => tracing::info!("the mount has ended; its changes are durable"),
            Err(e) => tracing::error!(error = %e, "flushing the mount's changes failed"),
        }
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let _op = self.metrics.start("lookup");
        match self.fs.lookup(parent.0, name.as_bytes()) {
            // An entry of inode 0 is the kernel's negative entry: the name
            // is missing, and the next lookup of it within the time is
            // answered without asking (a create there makes it positive).
            Err(FsError::NotFound)
                if !self.negative_ttl.is_zero() && self.fs.caches_absence(parent.0) =>
            {
                reply.entry(&self.negative_ttl, &missing(), Generation(0))
            }
            r => self.entry("lookup", r, reply),
        }
    }

    fn forget(&self, _req: &Request, ino: INodeNo, nlookup: u64) {
        let _op = self.metrics.start("forget");
        self.fs.forget(ino.0, nlookup);
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        let _op = self.metrics.start("getattr");
        match self.fs.getattr(ino.0) {
            Ok(a) => reply.attr(&self.ttl, &file_attr(&self.fs.shown(a))),
            Err(e) => reply.error(errno("getattr", &e)),
        }
    }

    fn setattr(
        &self,
        req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let _op = self.metrics.start("setattr");
        let now = system_time_ns(SystemTime::now());
        let set = SetAttr {
            mode,
            uid,
            gid,
            size,
            mtime_ns: mtime.map(|t| time_ns(t, now)),
            atime_ns: atime.map(|t| time_ns(t, now)),
            caller: caller(req),
        };
        match self.fs.setattr(ino.0, fh.map(|f| f.0), set) {
            Ok(a) => reply.attr(&self.ttl, &file_attr(&self.fs.shown(a))),
            Err(e) => reply.error(errno("setattr", &e)),
        }
    }

    fn readlink(&self, _req: &Request, ino: INodeNo, reply: ReplyData) {
        let _op = self.metrics.start("readlink");
        match self.fs.readlink(ino.0) {
            Ok(t) => reply.data(&t),
            Err(e) => reply.error(errno("readlink", &e)),
        }
    }

    fn mkdir(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let _op = self.metrics.start("mkdir");
        let r = self.fs.mkdir(
            parent.0,
            name.as_bytes(),
            mode & !umask,
            req.uid(),
            req.gid(),
        );
        self.entry("mkdir", r, reply);
    }

    fn mknod(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        rdev: u32,
        reply: ReplyEntry,
    ) {
        let _op = self.metrics.start("mknod");
        let r = self.fs.mknod(
            parent.0,
            name.as_bytes(),
            mode & !umask,
            rdev,
            req.uid(),
            req.gid(),
        );
        self.entry("mknod", r, reply);
    }

    /// No ioctl is supported: `ENOTTY`, as a local filesystem answers an
    /// unknown one, and quietly (Python asks `TCGETS` of every file it
    /// opens, to learn whether it is a terminal).
    fn ioctl(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _flags: IoctlFlags,
        _cmd: u32,
        _in_data: &[u8],
        _out_size: u32,
        reply: ReplyIoctl,
    ) {
        let _op = self.metrics.start("ioctl");
        reply.error(Errno::ENOTTY);
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let _op = self.metrics.start("unlink");
        Self::empty("unlink", self.fs.unlink(parent.0, name.as_bytes()), reply);
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let _op = self.metrics.start("rmdir");
        Self::empty("rmdir", self.fs.rmdir(parent.0, name.as_bytes()), reply);
    }

    fn symlink(
        &self,
        req: &Request,
        parent: INodeNo,
        link_name: &OsStr,
        target: &Path,
        reply: ReplyEntry,
    ) {
        let _op = self.metrics.start("symlink");
        let r = self.fs.symlink(
            parent.0,
            link_name.as_bytes(),
            target.as_os_str().as_bytes(),
            req.uid(),
            req.gid(),
        );
        self.entry("symlink", r, reply);
    }

    fn link(
        &self,
        _req: &Request,
        ino: INodeNo,
        newparent: INodeNo,
        newname: &OsStr,
        reply: ReplyEntry,
    ) {
        let _op = self.metrics.start("link");
        let r = self.fs.link(ino.0, newparent.0, newname.as_bytes());
        self.entry("link", r, reply);
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        let _op = self.metrics.start("rename");
        let r = self.fs.rename(
            parent.0,
            name.as_bytes(),
            newparent.0,
            newname.as_bytes(),
            flags.contains(RenameFlags::RENAME_NOREPLACE),
            flags.contains(RenameFlags::RENAME_EXCHANGE),
        );
        Self::empty("rename", r, reply);
    }

    fn open(&self, req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let _op = self.metrics.start("open");
        let mode = OpenMode {
            caller: caller(req),
            write: flags.acc_mode() != OpenAccMode::O_RDONLY,
            write_only: flags.acc_mode() == OpenAccMode::O_WRONLY,
            truncate: flags.0 & libc::O_TRUNC != 0,
            append: flags.0 & libc::O_APPEND != 0,
        };
        let flags = write_only_flags(flags.0, mode.truncate);
        match self.fs.open(ino.0, mode) {
            Ok(fh) => reply.opened(FileHandle(fh), flags),
            Err(e) => reply.error(errno("open", &e)),
        }
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let _op = self.metrics.start("read");
        thread_local! {
            /// The thread's reply buffer (see `Fs::read_into`).
            static REPLY: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        REPLY.with_borrow_mut(|buf| {
            match self.fs.read_into(fh.0, offset, size, buf) {
                Ok(()) => reply.data(buf),
                Err(e) => reply.error(errno("read", &e)),
            }
            // A rare large read leaves no large buffer behind.
            if buf.capacity() > READ_BUFFER_KEPT {
                *buf = Vec::new();
            }
        })
    }

    fn write(
        &self,
        req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let _op = self.metrics.start("write");
        if write_flags.contains(WriteFlags::FUSE_WRITE_KILL_SUIDGID)
            && let Err(e) = self.fs.kill_suid(fh.0, &caller(req))
        {
            return reply.error(errno("write", &e));
        }
        match self.fs.write(fh.0, offset, data) {
            Ok(n) => reply.written(n),
            Err(e) => reply.error(errno("write", &e)),
        }
    }

    fn flush(
        &self,
        req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        let _op = self.metrics.start("flush");
        Self::empty("flush", self.fs.flush(fh.0, req.pid()), reply);
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        let _op = self.metrics.start("release");
        Self::empty("release", self.fs.release(fh.0), reply);
    }

    fn fsync(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let _op = self.metrics.start("fsync");
        Self::empty("fsync", self.fs.fsync(fh.0), reply);
    }

    fn fallocate(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        length: u64,
        mode: i32,
        reply: ReplyEmpty,
    ) {
        let _op = self.metrics.start("fallocate");
        Self::empty(
            "fallocate",
            self.fs.fallocate(fh.0, offset, length, mode),
            reply,
        );
    }

    /// `SEEK_DATA` and `SEEK_HOLE`: `ENOSYS`, without a log line, so the
    /// kernel answers them itself from then on (the whole file is data, a
    /// valid answer for any file).
    fn lseek(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _offset: i64,
        _whence: i32,
        reply: ReplyLseek,
    ) {
        let _op = self.metrics.start("lseek");
        reply.error(Errno::ENOSYS);
    }

    fn copy_file_range(
        &self,
        _req: &Request,
        _ino_in: INodeNo,
        fh_in: FileHandle,
        offset_in: u64,
        _ino_out: INodeNo,
        fh_out: FileHandle,
        offset_out: u64,
        len: u64,
        _flags: CopyFileRangeFlags,
        reply: ReplyWrite,
    ) {
        let _op = self.metrics.start("copy_file_range");
        let r = self
            .fs
            .copy_file_range(fh_in.0, offset_in, fh_out.0, offset_out, len);
        match r {
            // The reply's count is 32 bits; a copy larger than that is
            // never made (the kernel asks for at most 2 GiB).
            Ok(n) => reply.written(u32::try_from(n).unwrap_or(u32::MAX)),
            Err(FsError::NotSupported(_)) => reply.error(Errno::EOPNOTSUPP),
            Err(e) => reply.error(errno("copy_file_range", &e)),
        }
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        let _op = self.metrics.start("opendir");
        match self.fs.opendir(ino.0) {
            // The kernel keeps the listing in the directory's page cache
            // and answers the next `readdir` from it, until a change it
            // makes or is told of (an S3 change invalidates the directory's
            // inode, pages included) or a new `mtime` drops it.
            Ok((fh, true)) => reply.opened(
                FileHandle(fh),
                FopenFlags::FOPEN_CACHE_DIR | FopenFlags::FOPEN_KEEP_CACHE,
            ),
            Ok((fh, false)) => reply.opened(FileHandle(fh), FopenFlags::empty()),
            Err(e) => reply.error(errno("opendir", &e)),
        }
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let _op = self.metrics.start("readdir");
        let r = self.fs.readdir(ino.0, fh.0, offset, |e, off| {
            let kind = e.attr.as_ref().map_or(file_type(e.kind), attr_type);
            reply.add(INodeNo(e.ino), off, kind, &e.name)
        });
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(errno("readdir", &e)),
        }
    }

    fn readdirplus(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectoryPlus,
    ) {
        let _op = self.metrics.start("readdirplus");
        let ttl = self.ttl;
        let r = self.fs.readdirplus(ino.0, fh.0, offset, |e, a, off| {
            reply.add(
                INodeNo(e.ino),
                off,
                &e.name,
                &ttl,
                &file_attr(&self.fs.shown(a.clone())),
                Generation(0),
            )
        });
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(errno("readdirplus", &e)),
        }
    }

    fn getxattr(&self, _req: &Request, ino: INodeNo, name: &OsStr, size: u32, reply: ReplyXattr) {
        let _op = self.metrics.start("getxattr");
        Self::xattr(
            "getxattr",
            self.fs.getxattr(ino.0, name.as_bytes()),
            size,
            reply,
        );
    }

    fn listxattr(&self, _req: &Request, ino: INodeNo, size: u32, reply: ReplyXattr) {
        let _op = self.metrics.start("listxattr");
        Self::xattr("listxattr", self.fs.listxattr(ino.0), size, reply);
    }

    fn setxattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        name: &OsStr,
        value: &[u8],
        flags: i32,
        _position: u32,
        reply: ReplyEmpty,
    ) {
        let _op = self.metrics.start("setxattr");
        let r = SetMode::from_flags(flags)
            .and_then(|mode| self.fs.setxattr(ino.0, name.as_bytes(), value, mode));
        Self::empty("setxattr", r, reply);
    }

    fn removexattr(&self, _req: &Request, ino: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let _op = self.metrics.start("removexattr");
        Self::empty(
            "removexattr",
            self.fs.removexattr(ino.0, name.as_bytes()),
            reply,
        );
    }

    fn releasedir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        reply: ReplyEmpty,
    ) {
        let _op = self.metrics.start("releasedir");
        Self::empty("releasedir", self.fs.releasedir(fh.0), reply);
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let _op = self.metrics.start("fsyncdir");
        Self::empty("fsyncdir", self.fs.sync_all(), reply);
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        let _op = self.metrics.start("statfs");
        match self.fs.statfs() {
            Ok((total, free, files)) => {
                let b = u64::from(BLOCK);
                reply.statfs(
                    total / b,
                    free / b,
                    free / b,
                    files,
                    u64::MAX / 2,
                    BLOCK,
                    crate::fs::NAME_MAX as u32,
                    BLOCK,
                );
            }
            Err(e) => reply.error(errno("statfs", &e)),
        }
    }

    fn create(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let _op = self.metrics.start("create");
        let open_flags = write_only_flags(flags, true);
        match self.fs.create(
            parent.0,
            name.as_bytes(),
            mode & !umask,
            req.uid(),
            req.gid(),
            req.pid(),
        ) {
            Ok((a, fh)) => reply.created(
                &self.ttl,
                &file_attr(&self.fs.shown(a)),
                Generation(0),
                FileHandle(fh),
                open_flags,
            ),
            Err(e) => reply.error(errno("create", &e)),
        }
    }
}

/// A file opened write-only and empty (created, or truncated on open) is
/// almost always written front to back once (cp, tar, dd, a backup tool's
/// pack file): its bytes bypass the kernel's page cache (`FOPEN_DIRECT_IO`)
/// and come to the mount straight from the writer's buffer. Through the
/// cache every byte was copied into a page first, then from the page to
/// the mount, and the file ended up cached twice (as mount pages and as
/// pack file pages). Nothing can read through a write-only descriptor, and
/// it cannot be mapped shared; other descriptors of the file keep the
/// cache, whose pages the kernel drops where direct writes land.
fn write_only_flags(open_flags: i32, empty: bool) -> FopenFlags {
    if open_flags & libc::O_ACCMODE == libc::O_WRONLY && empty {
        FopenFlags::FOPEN_DIRECT_IO
    } else {
        FopenFlags::empty()
    }
}
