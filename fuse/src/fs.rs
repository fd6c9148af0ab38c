//! The filesystem core: POSIX operations over a [`Store`], knowing nothing
//! of fuser (the adapter in `adapter.rs` translates), so that it can be
//! tested without a mount.
//!
//! Layout: the mount root lists buckets; in a bucket, a file is an object,
//! a directory is a key prefix ending in `/` (plus, when created through the
//! mount or kept alive after its last entry went, a zero-byte marker object
//! `dir/`), a symlink is a zero-byte object whose `attrs.symlink` holds the
//! target. Attributes come from `ObjectMeta.attrs`, with defaults for
//! objects written over S3.
//!
//! When one name is both an object `a` and a prefix `a/` (possible over S3
//! only), the object wins: lookups find the file and `readdir` lists the
//! name once.
//!
//! Writes: a handle writing from offset 0 onwards streams into the store
//! (`upload.rs`). Any other write — out of order, appending to an existing
//! file, a truncate to a non-zero size — goes to the inode's overlay
//! (`overlay.rs`), shared by all its handles, after any streaming write or
//! pending truncation of the inode is committed. Flush, fsync and the last
//! release commit the overlay with `Store::write_edit` and retire it; each
//! commit invalidates the kernel's cache of the inode.
//!
//! Here: the core's state, names, attributes and namespace changes. Open
//! files are in `fs/io.rs`, listings in `fs/dir.rs`, the history folders in
//! `fs/history.rs`, extended attributes in `fs/xattr.rs`.

use std::collections::{HashMap, VecDeque};
use std::io::{Seek, SeekFrom};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alexander_store::access::{Access, ObjectAcl};
use alexander_store::{
    AppendCopy, At, BucketInfo, CopySource, Error as StoreError, ListQuery, ObjectInfo, ObjectMeta,
    ObjectReader, PutOptions, RenameOptions, Store, WriteCondition,
};
use parking_lot::{Mutex, RwLock};

use crate::error::{FsError, Result};
use crate::inode::{InodeTable, Kind, Node, ROOT_INO, View, dir_prefix, join, parent_of};
use crate::overlay::{Base, EditOverlay};
use crate::upload::{PendingMeta, Upload};

mod access;
mod dir;
mod history;
mod io;
mod nlink;
mod times;
mod xattr;

use history::{ReadAt, is_history_name};
pub use history::{SNAPSHOTS, VERSION_ID_XATTR, VERSIONS};
pub use xattr::SetMode;

/// Longest name of one path component, as on Linux filesystems.
pub const NAME_MAX: usize = 255;
/// Entries asked of the store per readdir page.
const DIR_PAGE: usize = 512;

const S_IFMT: u32 = libc::S_IFMT;
const S_IFREG: u32 = libc::S_IFREG;
const S_IFDIR: u32 = libc::S_IFDIR;
const S_IFLNK: u32 = libc::S_IFLNK;

/// A bucket is no object, so no version carries the attributes of its
/// directory: they are kept in the bucket's settings under these names, set
/// by `mkdir` at the mount's root and by chmod, chown and utimens of the
/// bucket's directory (`rsync -a src/ mnt/bucket/` sets them). A bucket
/// made over S3 has none and shows 0755, the mount's owner and its creation
/// time.
const BUCKET_MODE: &str = "fs.mode";
const BUCKET_UID: &str = "fs.uid";
const BUCKET_GID: &str = "fs.gid";
const BUCKET_MTIME: &str = "fs.mtime_ns";
const BUCKET_ATIME: &str = "fs.atime_ns";
const BUCKET_CTIME: &str = "fs.ctime_ns";

/// Settings of the core.
#[derive(Clone, Debug)]
pub struct FsConfig {
    /// Owner of objects that carry none (written over S3).
    pub uid: u32,
    pub gid: u32,
    /// Refuse every change.
    pub read_only: bool,
    /// Mount this bucket as the root instead of the list of buckets.
    pub bucket: Option<String>,
    /// The S3 user the mount acts as: it shows what this user may read and
    /// changes what it may write (`fs/access.rs`).
    pub user: String,
    /// Other local users reach the mount: the modes it shows grant them no
    /// more than the bucket's ACL grants anonymous S3 callers.
    pub allow_other: bool,
}

/// Attributes of an inode, in the core's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub ino: u64,
    pub kind: Kind,
    pub size: u64,
    /// Permission bits (no file type bits).
    pub perm: u16,
    pub uid: u32,
    pub gid: u32,
    /// ns since the Unix epoch.
    pub mtime_ns: i64,
    /// ns since the Unix epoch: the last access the mount stored (it is
    /// mounted `noatime`: reads do not change it).
    pub atime_ns: i64,
    /// ns since the Unix epoch: the last change of data or attributes.
    pub ctime_ns: i64,
    /// Names it has: 1 for a file, 2 for a directory, 0 for a file whose
    /// name went while it was open.
    pub nlink: u32,
    /// The hard-link group of a file with several names, which all share
    /// its inode.
    pub link_group: Option<u64>,
    /// A named pipe, a socket or a device node rather than a regular file
    /// (`kind` is then [`Kind::File`]).
    pub special: Option<Special>,
    /// A file's canned ACL: whom besides its bucket's owner it lets read
    /// it ([`Fs::shown`] takes the read bits from it). `private` for a
    /// directory, whose reading is listing, which its bucket's ACL grants.
    pub acl: ObjectAcl,
}

/// What `mknod` makes besides regular files. Each is an empty object whose
/// mode carries the file type (as s3fs stores it); a device's number is
/// the user metadata `rdev` (`x-amz-meta-rdev` over S3). The kernel serves
/// pipes and sockets itself, and the mount is `nodev`, so no data of these
/// ever passes through the mount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    Fifo,
    Socket,
    CharDevice { rdev: u32 },
    BlockDevice { rdev: u32 },
}

impl Special {
    /// The special file `meta` describes, if any.
    fn of(meta: &ObjectMeta) -> Option<Special> {
        if meta.attrs.symlink.is_some() {
            return None;
        }
        let rdev = || {
            meta.user
                .get("rdev")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        match meta.attrs.mode? & S_IFMT {
            libc::S_IFIFO => Some(Special::Fifo),
            libc::S_IFSOCK => Some(Special::Socket),
            libc::S_IFCHR => Some(Special::CharDevice { rdev: rdev() }),
            libc::S_IFBLK => Some(Special::BlockDevice { rdev: rdev() }),
            _ => None,
        }
    }
}

/// One readdir entry.
#[derive(Clone, Debug)]
pub struct DirEntry {
    pub ino: u64,
    pub kind: Kind,
    pub name: String,
    /// The attributes, when the listing gave them (a file's listing entry
    /// carries its metadata; a directory's does not).
    pub attr: Option<Attr>,
}

/// Who makes a request.
#[derive(Clone, Copy, Debug, Default)]
pub struct Caller {
    pub uid: u32,
    pub gid: u32,
    /// 0 if unknown.
    pub pid: u32,
}

impl Caller {
    /// Whether the caller is in group `gid`: its own group or one of its
    /// supplementary groups (read from `/proc` only when needed).
    pub fn in_group(&self, gid: u32) -> bool {
        if self.gid == gid {
            return true;
        }
        if self.pid == 0 {
            return false;
        }
        std::fs::read_to_string(format!("/proc/{}/status", self.pid)).is_ok_and(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Groups:"))
                .is_some_and(|g| g.split_whitespace().any(|v| v.parse() == Ok(gid)))
        })
    }
}

/// The mode a write or truncation by an unprivileged caller leaves, as
/// Linux's own filesystems do: set-user-ID goes; set-group-ID goes too when
/// the file is group-executable or the caller is not in its group.
pub fn drop_set_id(mode: u32, caller: &Caller, file_gid: u32) -> u32 {
    let mut mode = mode & !libc::S_ISUID;
    if mode & libc::S_IXGRP != 0 || !caller.in_group(file_gid) {
        mode &= !libc::S_ISGID;
    }
    mode
}

/// Changes of a `setattr`.
#[derive(Clone, Debug, Default)]
pub struct SetAttr {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub size: Option<u64>,
    /// ns since the epoch.
    pub mtime_ns: Option<i64>,
    pub atime_ns: Option<i64>,
    pub caller: Caller,
}

/// How a file was opened.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenMode {
    pub write: bool,
    /// Opened `O_WRONLY`: the handle never reads the file to its opener,
    /// so the file's ACL need not let the mount's user read it.
    pub write_only: bool,
    pub truncate: bool,
    pub append: bool,
    /// Who opens: its process (0 if unknown) is the handle's opener (see
    /// [`Fs::flush`]); a truncation by a caller other than root drops the
    /// file's set-ID bits.
    pub caller: Caller,
}

/// What a write handle will commit.
enum WriteState {
    /// Nothing to commit (beyond the inode's overlay, if any).
    Clean,
    /// An empty object is to be committed (a new file, or one truncated at
    /// open) unless writes follow.
    Pending,
    Streaming(Upload),
    /// A write the handle could not take, with its errno (which every
    /// later write and the close report again); the object is left as it
    /// was.
    Failed(i32),
}

struct FileHandle {
    ino: u64,
    /// Thread that opened it, 0 if unknown: only a close from its process
    /// commits (see [`Fs::flush`]). The process is looked up only when a
    /// close comes from another thread, so opens cost no `/proc` read.
    opener: u32,
    bucket: String,
    key: String,
    /// The version it reads: the current one, or a history folder's.
    at: ReadAt,
    write: bool,
    meta: Arc<Mutex<PendingMeta>>,
    state: Mutex<WriteState>,
    /// Readers kept between reads, so that a sequential read does not
    /// re-resolve the object for every request.
    reader: Mutex<Readers>,
}

/// Readers idle more than this many at once are dropped: enough for the
/// reads the kernel's read-ahead has in flight for one file.
const IDLE_READERS: usize = 4;

/// The readers of one handle's version. A read takes one (the one that
/// stopped where it starts, if any, so that a sequential reader keeps its
/// chunk and its read-ahead) and gives it back; reads that come at once
/// get one each, so the kernel's concurrent read-ahead requests of one
/// file are served side by side instead of in turn.
#[derive(Default)]
pub(crate) struct Readers {
    idle: Vec<ObjectReader>,
    /// A reader nothing has read through, to make more from
    /// ([`ObjectReader::another`]) without resolving the object again.
    spring: Option<ObjectReader>,
    /// Counts [`forget`](Self::forget)s: a reader taken before one is
    /// stale and not given back.
    epoch: u64,
}

impl Readers {
    /// A reader for a read at `offset`, and the epoch to give it back
    /// with; `None` if none is kept (the caller opens one).
    pub(crate) fn take(&mut self, offset: u64) -> (Option<ObjectReader>, u64) {
        let at = self
            .idle
            .iter()
            .position(|r| r.position() == offset)
            .or_else(|| self.idle.len().checked_sub(1));
        let r = match at {
            Some(i) => Some(self.idle.swap_remove(i)),
            None => self.spring.as_ref().map(ObjectReader::another),
        };
        (r, self.epoch)
    }

    /// Gives back a reader taken at `epoch`.
    pub(crate) fn give_back(&mut self, r: ObjectReader, epoch: u64) {
        if epoch != self.epoch {
            return;
        }
        if self.spring.is_none() {
            self.spring = Some(r.another());
        }
        if self.idle.len() < IDLE_READERS {
            self.idle.push(r);
        }
    }

    /// The handle's version changed: every reader kept or out is stale.
    pub(crate) fn forget(&mut self) {
        self.idle.clear();
        self.spring = None;
        self.epoch += 1;
    }
}

impl FileHandle {
    /// Size and metadata to show while uncommitted writes are in flight.
    fn pending_size(&self) -> Option<u64> {
        match &*self.state.lock() {
            WriteState::Pending => Some(0),
            WriteState::Streaming(u) => Some(u.size),
            WriteState::Clean | WriteState::Failed(_) => None,
        }
    }
}

struct DirHandle {
    node: Node,
    state: Mutex<DirState>,
}

#[derive(Default)]
struct DirState {
    /// Entries produced and not yet taken by the kernel, each with its
    /// offset (1-based position in the listing).
    queue: VecDeque<(u64, DirEntry)>,
    /// Offset the next produced entry gets.
    next_off: u64,
    /// Where the store listing resumes.
    marker: Option<String>,
    /// With `marker`, where a version listing resumes.
    version_marker: Option<String>,
    /// The last name produced (version listings give a key once per
    /// version, and may split a key's versions across pages).
    last_name: Option<String>,
    /// `.` and `..` were produced.
    started: bool,
    done: bool,
}

/// Tells the kernel that what it caches of an inode or a name is stale.
/// The mount's implementation queues the notice to a thread of its own (a
/// notice sent while the kernel waits for the reply to a request on the
/// same directory would deadlock).
pub trait Invalidator: Send + Sync {
    fn inval_inode(&self, ino: u64);
    fn inval_entry(&self, parent: u64, name: &str);
    /// Waits, for a bounded time, until the notices queued so far have
    /// reached the kernel. Only for callers outside a FUSE request (the S3
    /// endpoint), so that a change it answers for is seen by the next
    /// access through the mount.
    fn settle(&self) {}
}

type SharedOverlay = Arc<Mutex<EditOverlay>>;

/// The filesystem.
pub struct Fs {
    /// Each inode's edit in place, shared by its handles.
    overlays: Mutex<HashMap<u64, SharedOverlay>>,
    /// Serializes the switches between streaming and overlay (taken before
    /// any handle's state).
    transition: Mutex<()>,
    notifier: OnceLock<Box<dyn Invalidator>>,
    store: Store,
    config: FsConfig,
    inodes: Mutex<InodeTable>,
    files: RwLock<HashMap<u64, Arc<FileHandle>>>,
    dirs: RwLock<HashMap<u64, Arc<DirHandle>>>,
    next_fh: AtomicU64,
    /// Time the mount started: the mtime of directories that carry none.
    started_ns: i64,
    /// Directory times not yet stored (`fs/times.rs`).
    dir_times: Mutex<times::DirTimes>,
    /// Held while they are stored, and by removals and renames of
    /// directories.
    dir_flush: Mutex<()>,
    /// Directories' subdirectory counts (`fs/nlink.rs`).
    subdirs: Mutex<nlink::SubdirCounts>,
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Time in ns since the epoch from a `SystemTime`.
pub fn system_time_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i64,
        Err(e) => -(e.duration().as_nanos() as i64),
    }
}

/// A `SystemTime` from ns since the epoch.
pub fn ns_time(ns: i64) -> SystemTime {
    if ns >= 0 {
        UNIX_EPOCH + Duration::from_nanos(ns as u64)
    } else {
        UNIX_EPOCH - Duration::from_nanos(ns.unsigned_abs())
    }
}

/// Checks one name from the kernel and turns it into a key segment.
pub fn check_name(name: &[u8]) -> Result<&str> {
    if name.len() > NAME_MAX {
        return Err(FsError::NameTooLong);
    }
    let s = std::str::from_utf8(name).map_err(|_| FsError::IllegalName)?;
    if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') {
        return Err(FsError::Invalid(format!("bad name {s:?}")));
    }
    Ok(s)
}

/// Whether a listed name can be a path component (the rest stay reachable
/// over S3 only).
fn listable(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && name.len() <= NAME_MAX
}

fn kind_of(meta: &ObjectMeta) -> Kind {
    if meta.attrs.symlink.is_some() {
        Kind::Symlink
    } else {
        Kind::File
    }
}

/// The process (thread group) of thread `pid`: FUSE requests carry the
/// calling thread's id. 0 stays 0 (unknown); a thread already gone counts as
/// its own process.
fn process_of(pid: u32) -> u32 {
    if pid == 0 {
        return 0;
    }
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Tgid:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(pid)
}

fn not_found(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::NoSuchKey { .. } | StoreError::NoSuchBucket(_)
    )
}

impl Fs {
    pub fn new(store: Store, config: FsConfig) -> Fs {
        let inodes = InodeTable::new(config.bucket.as_deref());
        Fs {
            overlays: Mutex::new(HashMap::new()),
            transition: Mutex::new(()),
            notifier: OnceLock::new(),
            // The mount's changes keep a hard-linked file's names one file.
            store: store.following_links(),
            config,
            inodes: Mutex::new(inodes),
            files: RwLock::new(HashMap::new()),
            dirs: RwLock::new(HashMap::new()),
            next_fh: AtomicU64::new(1),
            started_ns: now_ns(),
            dir_times: Mutex::new(times::DirTimes::default()),
            dir_flush: Mutex::new(()),
            subdirs: Mutex::new(nlink::SubdirCounts::default()),
        }
    }

    /// The store under the mount.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Sets where kernel cache invalidations go (once, after mounting).
    pub fn set_notifier(&self, n: Box<dyn Invalidator>) {
        let _ = self.notifier.set(n);
    }

    fn inval_inode(&self, ino: u64) {
        if let Some(n) = self.notifier.get() {
            n.inval_inode(ino);
        }
    }

    fn inval_entry(&self, parent: u64, path: &str) {
        if let Some(n) = self.notifier.get() {
            let name = path.rsplit('/').next().unwrap_or(path);
            n.inval_entry(parent, name);
        }
    }

    /// `bucket/key` changed outside the mount (over S3): drops what the
    /// kernel caches of it and of its name, and returns once the kernel has
    /// been told (or after 5 s at most). Keys the kernel never saw
    /// are ignored. A key that did not exist may have left the kernel a
    /// cached absence (see [`Fs::caches_absence`]) of its name or of one of
    /// its directories: the name under the nearest directory the mount
    /// knows is dropped too. An empty key (a change to the bucket or to
    /// keys the hook does not name, as DeleteObjects) drops every name of
    /// the bucket the kernel holds, and the bucket's own.
    pub fn invalidate_key(&self, bucket: &str, key: &str) {
        self.forget_subdirs(bucket, key);
        let path = key.trim_end_matches('/');
        let mut entries = Vec::new();
        let mut inodes = Vec::new();
        {
            let t = self.inodes.lock();
            if path.is_empty() {
                for (p, ino) in t.live_paths(bucket) {
                    inodes.push(ino);
                    if let Some(parent) = t.find(bucket, parent_of(&p))
                        && !p.is_empty()
                    {
                        entries.push((parent, p));
                    }
                }
                // The bucket's name in the mount root, when the root lists
                // buckets (a bucket made or deleted over S3), and the root's
                // listing.
                if self.config.bucket.is_none() {
                    entries.push((ROOT_INO, bucket.to_owned()));
                    inodes.push(ROOT_INO);
                }
            } else {
                inodes.extend(t.find(bucket, path));
                // The nearest directory the kernel can have looked in, and
                // its listing, which the kernel may keep (`opendir`).
                let mut name = path;
                loop {
                    let dir = parent_of(name);
                    if let Some(parent) = t.find(bucket, dir) {
                        entries.push((parent, name.to_owned()));
                        inodes.push(parent);
                        break;
                    }
                    if dir.is_empty() {
                        break;
                    }
                    name = dir;
                }
            }
        }
        for ino in &inodes {
            self.inval_inode(*ino);
        }
        for (parent, name) in &entries {
            self.inval_entry(*parent, name);
        }
        if !(inodes.is_empty() && entries.is_empty())
            && let Some(n) = self.notifier.get()
        {
            n.settle();
        }
    }

    /// Something changed outside the mount that nobody named (a command
    /// run in the server, a lifecycle pass): drops everything the kernel
    /// caches of every bucket it has looked at, as [`Fs::invalidate_key`]
    /// with an empty key does for one.
    pub fn invalidate_all(&self) {
        let buckets = self.inodes.lock().buckets();
        // Each drops the root's listing of buckets too; with no bucket
        // known, a bucket a command made needs that alone.
        if buckets.is_empty()
            && self.config.bucket.is_none()
            && let Some(n) = self.notifier.get()
        {
            n.inval_inode(ROOT_INO);
            n.settle();
        }
        for b in buckets {
            self.invalidate_key(&b, "");
        }
    }

    /// Whether a name found missing in directory `parent` may be cached as
    /// missing by the kernel (a negative entry): in a live directory of a
    /// bucket, where every name that appears later comes from the mount
    /// itself (the kernel then knows) or from a change over S3, which
    /// [`Fs::invalidate_key`] reports. Not at a root listing buckets, nor
    /// in a history folder.
    pub fn caches_absence(&self, parent: u64) -> bool {
        self.inodes
            .lock()
            .get(parent)
            .is_some_and(|n| n.is_live() && !n.is_root() && n.kind == Kind::Dir)
    }

    /// The overlay of `ino`, if one is open.
    fn overlay_of(&self, ino: u64) -> Option<SharedOverlay> {
        self.overlays.lock().get(&ino).cloned()
    }

    /// Handles open on `ino`.
    fn handles_of(&self, ino: u64) -> Vec<Arc<FileHandle>> {
        self.files
            .read()
            .values()
            .filter(|h| h.ino == ino)
            .cloned()
            .collect()
    }

    /// A commit changed `ino`: cached readers and the kernel's cache are
    /// stale.
    fn committed(&self, ino: u64) {
        self.forget_readers(ino);
        self.inval_inode(ino);
    }

    /// A commit changed `ino`'s version but nothing the kernel caches of
    /// it: the handles' cached readers are stale.
    fn forget_readers(&self, ino: u64) {
        for h in self.handles_of(ino) {
            h.reader.lock().forget();
        }
    }

    /// The overlay of `ino`, started if there is none: every handle's
    /// streaming write or pending truncation is committed first, and the
    /// overlay starts from the version that makes (or from an empty file
    /// when `own`, the handle asking, was truncated at open).
    fn start_overlay(&self, ino: u64, own: Option<&FileHandle>) -> Result<SharedOverlay> {
        let _t = self.transition.lock();
        if let Some(o) = self.overlay_of(ino) {
            return Ok(o);
        }
        let node = self.node(ino)?;
        // An inode its path no longer names (unlinked, or replaced by a
        // rename) still takes writes; they vanish with it, as on a local
        // filesystem: its overlay starts empty and is never committed.
        let orphan = self.inodes.lock().find(&node.bucket, &node.path) != Some(ino);
        let mut own_empty = false;
        if let Some(h) = own {
            let mut st = h.state.lock();
            if matches!(*st, WriteState::Pending) {
                *st = WriteState::Clean;
                own_empty = true;
            }
        }
        for h in self.handles_of(ino) {
            match self.commit_state(&h) {
                // A handle whose write failed keeps its error for itself.
                Ok(()) | Err(FsError::NotSupported(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let current = if own_empty || orphan {
            None
        } else {
            match self
                .store
                .head_object(&node.bucket, &node.path, At::Current)
            {
                Ok(i) => Some(i),
                Err(e) if not_found(&e) => None,
                Err(e) => return Err(e.into()),
            }
        };
        let meta = match own {
            Some(h) => h.meta.clone(),
            None => match self.handles_of(ino).into_iter().find(|h| h.write) {
                Some(h) => h.meta.clone(),
                None => Arc::new(Mutex::new(PendingMeta {
                    meta: current.as_ref().map(|i| i.meta.clone()).unwrap_or_default(),
                    mtime_set: false,
                    last_write_ns: now_ns(),
                })),
            },
        };
        let base = current.map(|i| Base {
            version_id: i.version_id,
            etag: i.etag,
            size: i.size,
        });
        let mut o = EditOverlay::new(&node.bucket, &node.path, base, meta)?;
        o.orphan = orphan;
        let o = Arc::new(Mutex::new(o));
        self.overlays.lock().insert(ino, o.clone());
        Ok(o)
    }

    /// Applies `f` to the inode's overlay (started if needed), retrying if
    /// a commit retires it meanwhile.
    fn with_overlay<T>(
        &self,
        ino: u64,
        own: Option<&FileHandle>,
        mut f: impl FnMut(&mut EditOverlay) -> Result<T>,
    ) -> Result<T> {
        loop {
            let o = match self.overlay_of(ino) {
                Some(o) => o,
                None => self.start_overlay(ino, own)?,
            };
            let mut g = o.lock();
            if g.retired {
                continue;
            }
            return f(&mut g);
        }
    }

    /// Commits the overlay of `ino`, if any, and retires it.
    fn commit_overlay(&self, ino: u64) -> Result<()> {
        let Some(o) = self.overlay_of(ino) else {
            return Ok(());
        };
        let mut g = o.lock();
        // An orphan's overlay lives until its last handle goes (`release`).
        if g.retired || g.orphan {
            return Ok(());
        }
        if !g.is_clean() {
            let meta = g.meta.lock().finish();
            g.commit(&self.store, meta)?;
            g.meta.lock().mtime_set = false;
        }
        g.retired = true;
        self.overlays.lock().remove(&ino);
        drop(g);
        self.committed(ino);
        Ok(())
    }

    /// Keeps what the open descriptors of `ino` see when its name is about
    /// to go (an unlink, or a rename over it), as on a local filesystem:
    /// a streaming write is committed under the name first, the version
    /// they see is pinned, and an overlay over it takes their reads and
    /// writes, never committed, until the last of them is released. With no
    /// descriptor open, only an overlay is dropped.
    fn orphan_open(&self, ino: u64) -> Result<()> {
        let handles = self.handles_of(ino);
        if handles.is_empty() {
            self.drop_overlay(ino);
            return Ok(());
        }
        let node = self.node(ino)?;
        // An empty file pending (created, or truncated at open, and not yet
        // written) has nothing to keep but its emptiness.
        let mut empty = false;
        for h in &handles {
            let streaming = {
                let mut st = h.state.lock();
                match &*st {
                    WriteState::Pending => {
                        *st = WriteState::Clean;
                        empty = true;
                        false
                    }
                    WriteState::Streaming(_) => true,
                    _ => false,
                }
            };
            if streaming {
                self.commit_state(h)?;
            }
        }
        let o = match self.overlay_of(ino) {
            Some(o) => o,
            None if empty => {
                let meta = handles
                    .iter()
                    .find(|h| h.write)
                    .map(|h| h.meta.clone())
                    .unwrap_or_default();
                let o = EditOverlay::new(&node.bucket, &node.path, None, meta)?;
                let o = Arc::new(Mutex::new(o));
                self.overlays.lock().insert(ino, o.clone());
                o
            }
            None => self.start_overlay(ino, None)?,
        };
        o.lock().orphan(&self.store)?;
        for h in &handles {
            h.reader.lock().forget();
        }
        Ok(())
    }

    /// Drops the overlay of `ino` uncommitted.
    fn drop_overlay(&self, ino: u64) {
        let o = self.overlays.lock().remove(&ino);
        if let Some(o) = o {
            o.lock().retired = true;
        }
    }

    fn node(&self, ino: u64) -> Result<Node> {
        self.inodes.lock().get(ino).ok_or(FsError::NotFound)
    }

    fn dir_node(&self, ino: u64) -> Result<Node> {
        let n = self.node(ino)?;
        if n.kind != Kind::Dir {
            return Err(FsError::NotDir);
        }
        Ok(n)
    }

    /// The node of `ino`, refused with `EROFS` if it is in a history folder.
    fn live_node(&self, ino: u64) -> Result<Node> {
        let n = self.node(ino)?;
        if !n.is_live() {
            return Err(FsError::ReadOnly);
        }
        Ok(n)
    }

    /// A live directory, for operations that change it.
    fn live_dir(&self, ino: u64) -> Result<Node> {
        let n = self.dir_node(ino)?;
        if !n.is_live() {
            return Err(FsError::ReadOnly);
        }
        Ok(n)
    }

    /// Opens a file of a history folder, read-only.
    fn open_history(&self, ino: u64, node: Node) -> Result<u64> {
        let info = self.history_info(&node)?;
        self.check_object_read(&node.bucket, &info.meta)?;
        let at = ReadAt::of(&node.view).ok_or(FsError::IsDir)?;
        let fh = self.new_fh();
        self.files.write().insert(
            fh,
            Arc::new(FileHandle {
                ino,
                opener: 0,
                bucket: node.bucket,
                key: node.path,
                at,
                write: false,
                meta: Arc::new(Mutex::new(PendingMeta {
                    meta: info.meta,
                    mtime_set: false,
                    last_write_ns: now_ns(),
                })),
                state: Mutex::new(WriteState::Clean),
                reader: Mutex::new(Readers::default()),
            }),
        );
        Ok(fh)
    }

    fn writable(&self) -> Result<()> {
        if self.config.read_only {
            Err(FsError::ReadOnly)
        } else {
            Ok(())
        }
    }

    fn new_fh(&self) -> u64 {
        self.next_fh.fetch_add(1, Ordering::Relaxed)
    }

    /// Metadata for a new entry: its three times are the same moment.
    fn new_meta(&self, mode: u32, uid: u32, gid: u32) -> ObjectMeta {
        let mut meta = ObjectMeta::default();
        let now = now_ns();
        meta.attrs.mode = Some(mode);
        meta.attrs.uid = Some(uid);
        meta.attrs.gid = Some(gid);
        meta.attrs.mtime_ns = Some(now);
        meta.attrs.atime_ns = Some(now);
        meta.attrs.ctime_ns = Some(now);
        meta
    }

    fn file_attr(&self, ino: u64, info: &ObjectInfo) -> Attr {
        let a = &info.meta.attrs;
        let kind = kind_of(&info.meta);
        let default_perm = if kind == Kind::Symlink { 0o777 } else { 0o644 };
        Attr {
            ino,
            kind,
            size: match &a.symlink {
                Some(t) => t.len() as u64,
                None => info.size,
            },
            perm: a.mode.map_or(default_perm, |m| (m & 0o7777) as u16),
            uid: a.uid.unwrap_or(self.config.uid),
            gid: a.gid.unwrap_or(self.config.gid),
            mtime_ns: a.mtime_ns.unwrap_or(info.modified_ns),
            atime_ns: a.atime_ns.or(a.mtime_ns).unwrap_or(info.modified_ns),
            // An object written over S3, or by a release that kept no
            // change time, changed when it was stored.
            ctime_ns: a.ctime_ns.unwrap_or(info.modified_ns),
            nlink: 1,
            link_group: None,
            special: Special::of(&info.meta),
            acl: ObjectAcl::of(&info.meta),
        }
    }

    fn dir_attr(&self, ino: u64, marker: Option<&ObjectInfo>, mtime_ns: i64) -> Attr {
        let a = marker.map(|m| &m.meta.attrs);
        let mtime_ns = a
            .and_then(|a| a.mtime_ns)
            .or(marker.map(|m| m.modified_ns))
            .unwrap_or(mtime_ns);
        Attr {
            ino,
            kind: Kind::Dir,
            size: 0,
            perm: a
                .and_then(|a| a.mode)
                .map_or(0o755, |m| (m & 0o7777) as u16),
            uid: a.and_then(|a| a.uid).unwrap_or(self.config.uid),
            gid: a.and_then(|a| a.gid).unwrap_or(self.config.gid),
            mtime_ns,
            atime_ns: a.and_then(|a| a.atime_ns).unwrap_or(mtime_ns),
            ctime_ns: a
                .and_then(|a| a.ctime_ns)
                .or(marker.map(|m| m.modified_ns))
                .unwrap_or(mtime_ns),
            nlink: 2,
            link_group: None,
            special: None,
            acl: ObjectAcl::Private,
        }
    }

    /// `attr` of directory `dir` in `bucket`, with the change time its
    /// entries gave it that is not yet stored.
    fn with_dir_times(&self, bucket: &str, dir: &str, mut attr: Attr) -> Attr {
        if let Some(t) = self.pending_dir_time(bucket, dir) {
            attr.mtime_ns = attr.mtime_ns.max(t);
            attr.ctime_ns = attr.ctime_ns.max(t);
        }
        attr
    }

    /// Attributes of a bucket's directory (see [`BUCKET_MODE`]).
    fn bucket_attr(&self, ino: u64, b: &BucketInfo) -> Attr {
        let setting = |name| b.settings.get(name).and_then(|v| v.parse::<i64>().ok());
        let id = |name| setting(name).and_then(|v| u32::try_from(v).ok());
        let mtime_ns = setting(BUCKET_MTIME).unwrap_or(b.created_ns);
        let attr = Attr {
            ino,
            kind: Kind::Dir,
            size: 0,
            perm: setting(BUCKET_MODE).map_or(0o755, |m| (m & 0o7777) as u16),
            uid: id(BUCKET_UID).unwrap_or(self.config.uid),
            gid: id(BUCKET_GID).unwrap_or(self.config.gid),
            mtime_ns,
            atime_ns: setting(BUCKET_ATIME).unwrap_or(mtime_ns),
            ctime_ns: setting(BUCKET_CTIME).unwrap_or(mtime_ns),
            nlink: self.dir_nlink(&b.name, "").unwrap_or(2),
            link_group: None,
            special: None,
            acl: ObjectAcl::Private,
        };
        self.with_dir_times(&b.name, "", attr)
    }

    /// chmod, chown and utimens of a bucket's directory, in one commit of
    /// its settings.
    fn set_bucket_attr(&self, ino: u64, node: &Node, set: &SetAttr) -> Result<Attr> {
        if set.size.is_some() {
            return Err(FsError::IsDir);
        }
        let _flushing = set.mtime_ns.is_some().then(|| {
            let g = self.dir_flush.lock();
            self.forget_dir_time(&node.bucket, "");
            g
        });
        let b = self.store.update_bucket_settings(&node.bucket, |s| {
            let changes = [
                (BUCKET_MODE, set.mode.map(|m| i64::from(m & 0o7777))),
                (BUCKET_UID, set.uid.map(i64::from)),
                (BUCKET_GID, set.gid.map(i64::from)),
                (BUCKET_MTIME, set.mtime_ns),
                (BUCKET_ATIME, set.atime_ns),
                (BUCKET_CTIME, Some(now_ns())),
            ];
            for (name, value) in changes {
                if let Some(v) = value {
                    s.insert(name.to_owned(), v.to_string());
                }
            }
        })?;
        Ok(self.bucket_attr(ino, &b))
    }

    /// A write handle of `key` with uncommitted data, if any (the one with
    /// the most, so that the answer does not depend on the map's order).
    fn pending_handle(&self, bucket: &str, key: &str) -> Option<(Arc<FileHandle>, u64)> {
        self.files
            .read()
            .values()
            .filter(|h| h.bucket == bucket && h.key == key)
            .filter_map(|h| h.pending_size().map(|s| (h.clone(), s)))
            .max_by_key(|(_, s)| *s)
    }

    fn pending_attr(&self, ino: u64, h: &FileHandle, size: u64) -> Attr {
        let meta = h.meta.lock().finish();
        let info = ObjectInfo {
            key: h.key.clone(),
            version_id: String::new(),
            size,
            etag: String::new(),
            modified_ns: now_ns(),
            meta,
            seq: 0,
            part_sizes: Vec::new(),
        };
        self.file_attr(ino, &info)
    }

    /// What `path` in `bucket` is now, with its attributes (the inode number
    /// left 0).
    fn resolve(&self, bucket: &str, path: &str) -> Result<Attr> {
        let ino = self.inodes.lock().find(bucket, path);
        if let Some(o) = ino.and_then(|i| self.overlay_of(i)) {
            let (size, meta) = {
                let g = o.lock();
                (g.size, g.meta.clone())
            };
            let info = ObjectInfo {
                key: path.to_owned(),
                version_id: String::new(),
                size,
                etag: String::new(),
                modified_ns: now_ns(),
                meta: meta.lock().finish(),
                seq: 0,
                part_sizes: Vec::new(),
            };
            return self.with_links(bucket, path, self.file_attr(0, &info));
        }
        // A handle's streaming write or pending truncation is newer than
        // the committed object (which may exist: a file emptied, then
        // written from offset 0).
        if let Some((h, size)) = self.pending_handle(bucket, path) {
            return self.with_links(bucket, path, self.pending_attr(0, &h, size));
        }
        // No key is longer than the store allows: a path past that is too
        // long (as a long component is), not the store's invalid key.
        if path.len() > alexander_store::MAX_KEY_LEN {
            return Err(FsError::NameTooLong);
        }
        // The current view alone (a read, then a seek) answers: the mount
        // shows no delete markers and needs no part sizes.
        if let Some(info) = self.store.current_object(bucket, path)? {
            return self.with_links(bucket, path, self.file_attr(0, &info));
        }
        let prefix = dir_prefix(path);
        let first = self.store.first_key_with(bucket, &prefix)?;
        // A marker is the first key under its directory's prefix.
        let marker = match &first {
            Some(k) if *k == prefix => self.store.current_object(bucket, &prefix)?,
            _ => None,
        };
        if first.is_some() {
            let mut attr = self.dir_attr(0, marker.as_ref(), self.started_ns);
            attr.nlink = self.dir_nlink(bucket, path)?;
            return Ok(self.with_dir_times(bucket, path, attr));
        }
        Err(FsError::NotFound)
    }

    /// `attr` of the file at `path`, with its link count and group if it
    /// has several names.
    fn with_links(&self, bucket: &str, path: &str, mut attr: Attr) -> Result<Attr> {
        if let Some(l) = self.store.links(bucket, path)? {
            attr.nlink = u32::try_from(l.names.len()).unwrap_or(u32::MAX);
            attr.link_group = Some(l.group);
        }
        Ok(attr)
    }

    fn attr_of(&self, ino: u64, node: &Node) -> Result<Attr> {
        if node.is_root() {
            return Ok(self.dir_attr(ino, None, self.started_ns));
        }
        if node.path.is_empty() {
            let b = self.store.head_bucket(&node.bucket)?;
            return Ok(self.bucket_attr(ino, &b));
        }
        // An orphan (unlinked or replaced, still open and written) is what
        // its overlay holds; its path names another file or none.
        if let Some(o) = self.overlay_of(ino)
            && self.inodes.lock().find(&node.bucket, &node.path) != Some(ino)
        {
            let (size, meta) = {
                let g = o.lock();
                (g.size, g.meta.lock().finish())
            };
            let info = ObjectInfo {
                key: node.path.clone(),
                version_id: String::new(),
                size,
                etag: String::new(),
                modified_ns: now_ns(),
                meta,
                seq: 0,
                part_sizes: Vec::new(),
            };
            let mut a = self.file_attr(ino, &info);
            a.nlink = 0;
            return Ok(a);
        }
        let mut a = self.resolve(&node.bucket, &node.path)?;
        a.ino = ino;
        Ok(a)
    }

    /// Looks `name` up in directory `parent`; counts a kernel reference.
    pub fn lookup(&self, parent: u64, name: &[u8]) -> Result<Attr> {
        let p = self.dir_node(parent)?;
        let name = check_name(name)?;
        // At the root, the name is the bucket to check.
        self.check(if p.is_root() { name } else { &p.bucket }, Access::List)?;
        if !p.is_live() {
            return self.history_lookup(&p, name);
        }
        if is_history_name(&p, name) {
            return self.history_folder(&p, name);
        }
        let (bucket, path, mut attr) = if p.is_root() {
            let b = self.store.head_bucket(name).map_err(|e| match e {
                StoreError::NoSuchBucket(_) => FsError::NotFound,
                e => e.into(),
            })?;
            // A bucket that takes any key could not be shown faithfully:
            // it is not in the mount at all (`mount` logs which).
            if !b.keeps_path_rule() {
                return Err(FsError::NotFound);
            }
            (name.to_owned(), String::new(), self.bucket_attr(0, &b))
        } else {
            let path = join(&p.path, name);
            let attr = self.resolve(&p.bucket, &path)?;
            (p.bucket.clone(), path, attr)
        };
        attr.ino = if attr.kind == Kind::Dir {
            self.inodes.lock().intern(&bucket, &path, attr.kind, true)
        } else {
            self.inodes
                .lock()
                .intern_file(&bucket, &path, attr.kind, attr.link_group, true)
        };
        Ok(attr)
    }

    /// The kernel dropped `n` references to `ino`.
    pub fn forget(&self, ino: u64, n: u64) {
        self.inodes.lock().forget(ino, n);
    }

    pub fn getattr(&self, ino: u64) -> Result<Attr> {
        let node = self.node(ino)?;
        self.check(&node.bucket, Access::List)?;
        if !node.is_live() {
            return self.history_attr(ino, &node);
        }
        let attr = self.attr_of(ino, &node)?;
        if attr.kind != node.kind {
            self.inodes
                .lock()
                .intern(&node.bucket, &node.path, attr.kind, false);
        }
        Ok(attr)
    }

    pub fn setattr(&self, ino: u64, fh: Option<u64>, set: SetAttr) -> Result<Attr> {
        self.writable()?;
        let node = self.live_node(ino)?;
        if node.path.is_empty() {
            self.check(&node.bucket, Access::Owner)?;
            return self.set_bucket_attr(ino, &node, &set);
        }
        self.check(&node.bucket, Access::Write)?;
        if let Some(size) = set.size {
            if node.kind == Kind::Dir {
                return Err(FsError::IsDir);
            }
            let h = match fh {
                Some(fh) => Some(self.handle(fh)?),
                None => None,
            };
            self.truncate(ino, &node, size, h.as_deref())?;
            // A truncation changes the data, to the same size too (Linux
            // stamps both times): uncommitted writes take this moment as
            // their last.
            let now = now_ns();
            for h in self.handles_of(ino) {
                if h.write {
                    let mut pm = h.meta.lock();
                    pm.last_write_ns = pm.last_write_ns.max(now);
                    pm.mtime_set = false;
                }
            }
        }
        // Times set explicitly win over what its entries gave it, and over
        // a store of those under way (which holds `dir_flush`).
        let _flushing = (node.kind == Kind::Dir && set.mtime_ns.is_some()).then(|| {
            let g = self.dir_flush.lock();
            self.forget_dir_time(&node.bucket, &node.path);
            g
        });
        // A chown of anything but a directory drops both set-ID bits (the
        // kernel leaves that to us: `HANDLE_KILLPRIV_V2`); so does a
        // truncation by an unprivileged caller, by the rule of writes.
        let chown = (set.uid.is_some() || set.gid.is_some()) && node.kind != Kind::Dir;
        let truncated = set.size.is_some() && set.caller.uid != 0;
        let stamp = (set.size.is_some() && set.mtime_ns.is_none()).then(now_ns);
        let change = |meta: &mut ObjectMeta| {
            let a = &mut meta.attrs;
            if let Some(t) = stamp {
                a.mtime_ns = Some(t);
            }
            if set.mode.is_none()
                && let Some(mode) = a.mode
            {
                if chown {
                    a.mode = Some(mode & !(libc::S_ISUID | libc::S_ISGID));
                } else if truncated {
                    let gid = a.gid.unwrap_or(self.config.gid);
                    a.mode = Some(drop_set_id(mode, &set.caller, gid));
                }
            }
            if let Some(t) = set.atime_ns {
                a.atime_ns = Some(t);
            }
            if let Some(m) = set.mode {
                let fmt = a.mode.map_or(0, |old| old & S_IFMT);
                a.mode = Some(fmt | (m & 0o7777));
            }
            if let Some(u) = set.uid {
                a.uid = Some(u);
            }
            if let Some(g) = set.gid {
                a.gid = Some(g);
            }
            if let Some(t) = set.mtime_ns {
                a.mtime_ns = Some(t);
            }
        };
        let touches_meta = set.mode.is_some()
            || set.uid.is_some()
            || set.gid.is_some()
            || set.mtime_ns.is_some()
            || set.atime_ns.is_some()
            || set.size.is_some();
        if touches_meta {
            self.change_meta(ino, &node, set.mtime_ns.is_some(), change)?;
        }
        self.getattr(ino)
    }

    /// Applies `change` to the metadata of a live node: to the committed
    /// version in place, and to every write handle's pending metadata so
    /// that their next commit keeps it. `sets_mtime` pins the mtime it sets
    /// against the handles' later writes.
    fn change_meta(
        &self,
        ino: u64,
        node: &Node,
        sets_mtime: bool,
        change: impl Fn(&mut ObjectMeta),
    ) -> Result<()> {
        // Every change of attributes is a change of the inode's status.
        let now = now_ns();
        let change = |meta: &mut ObjectMeta| {
            change(meta);
            meta.attrs.ctime_ns = Some(now);
        };
        for h in self.files.read().values() {
            if h.ino == ino && h.write {
                let mut pm = h.meta.lock();
                change(&mut pm.meta);
                if sets_mtime {
                    pm.mtime_set = true;
                }
            }
        }
        // What the inode's overlay will commit (or, for an orphan, keeps
        // for its handles) takes the change too.
        let change_overlay = || {
            if let Some(o) = self.overlay_of(ino) {
                let g = o.lock();
                change(&mut g.meta.lock().meta);
            }
        };
        // An orphan's attributes live with its handles and overlay only.
        if node.kind == Kind::File && self.inodes.lock().find(&node.bucket, &node.path) != Some(ino)
        {
            change_overlay();
            return Ok(());
        }
        let key = node.key();
        // A new file not committed yet (tar sets its times, owner and mode
        // before the close): its handles' metadata is all there is.
        if node.kind == Kind::File
            && self.pending_handle(&node.bucket, &key).is_some()
            && self.store.current_object(&node.bucket, &key)?.is_none()
        {
            return Ok(());
        }
        match self
            .store
            .update_object_meta(&node.bucket, &key, At::Current, change)
        {
            Ok(_) => Ok(()),
            Err(e) if not_found(&e) && node.kind == Kind::Dir => {
                // A directory without a marker gets one to hold them.
                let mut meta = self.new_meta(S_IFDIR | 0o755, self.config.uid, self.config.gid);
                change(&mut meta);
                self.put_empty(&node.bucket, &key, meta, None)?;
                Ok(())
            }
            Err(e) if not_found(&e) && self.pending_handle(&node.bucket, &key).is_some() => Ok(()),
            // A new file whose bytes are all in its overlay so far.
            Err(e) if not_found(&e) && self.overlay_of(ino).is_some() => {
                change_overlay();
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn put_empty(
        &self,
        bucket: &str,
        key: &str,
        meta: ObjectMeta,
        condition: Option<WriteCondition>,
    ) -> Result<ObjectInfo> {
        Ok(self
            .store
            .put_file(bucket, key, &[][..], PutOptions { meta, condition })?)
    }

    fn truncate(&self, ino: u64, node: &Node, size: u64, h: Option<&FileHandle>) -> Result<()> {
        // An inode its path no longer names (unlinked or replaced) truncates
        // its own overlay, never committed, and not the path's new file.
        let orphan = self.inodes.lock().find(&node.bucket, &node.path) != Some(ino);
        if size != 0 || orphan {
            if !orphan && self.resolve(&node.bucket, &node.path)?.size == size {
                return Ok(());
            }
            self.with_overlay(ino, h, |o| {
                o.set_size(size)?;
                let mut pm = o.meta.lock();
                pm.last_write_ns = now_ns();
                pm.mtime_set = false;
                Ok(())
            })?;
            if h.is_none() {
                // truncate(2) by path: no close will commit it.
                self.commit_overlay(ino)?;
            }
            return Ok(());
        }
        let key = node.key();
        let current = match self.store.head_object(&node.bucket, &key, At::Current) {
            Ok(i) => Some(i),
            Err(e) if not_found(&e) => None,
            Err(e) => return Err(e.into()),
        };
        let pending = self.pending_handle(&node.bucket, &key);
        let cur_size = match (self.overlay_of(ino), &pending, &current) {
            (Some(o), _, _) => o.lock().size,
            (None, Some((_, s)), _) => *s,
            (None, None, Some(i)) => i.size,
            (None, None, None) => return Err(FsError::NotFound),
        };
        if size == cur_size {
            return Ok(());
        }
        // Drop uncommitted writes of every handle: truncation discards them.
        for h in self.files.read().values() {
            if h.bucket == node.bucket && h.key == key {
                // Every handle now starts from the empty object (the kernel
                // opens before it truncates for `O_TRUNC`).
                let mut st = h.state.lock();
                if let WriteState::Streaming(u) = std::mem::replace(&mut *st, WriteState::Clean) {
                    u.abort();
                }
                h.reader.lock().forget();
            }
        }
        let mut meta = match (&current, &pending) {
            (Some(i), _) => i.meta.clone(),
            (None, Some((h, _))) => h.meta.lock().finish(),
            (None, None) => ObjectMeta::default(),
        };
        let now = now_ns();
        meta.attrs.mtime_ns = Some(now);
        meta.attrs.ctime_ns = Some(now);
        self.drop_overlay(ino);
        self.put_empty(&node.bucket, &key, meta, None)?;
        self.committed(ino);
        Ok(())
    }

    /// Reads a symlink's target.
    pub fn readlink(&self, ino: u64) -> Result<Vec<u8>> {
        let node = self.node(ino)?;
        self.check(&node.bucket, Access::List)?;
        if node.kind != Kind::Symlink {
            return Err(FsError::Invalid("not a symlink".into()));
        }
        let info = if node.is_live() {
            self.store
                .head_object(&node.bucket, &node.path, At::Current)?
        } else {
            self.history_info(&node)?
        };
        info.meta
            .attrs
            .symlink
            .ok_or(FsError::Invalid("not a symlink".into()))
    }

    /// The group and mode of a new entry in directory `p`
    /// made by a caller of group `gid`: in a set-group-ID directory it
    /// takes the directory's group, and a new directory its set-group-ID
    /// bit too, as on Linux's own filesystems.
    fn inherit(&self, p: &Node, meta: &mut ObjectMeta) -> Result<()> {
        // Only the directory's mode and group are needed: its marker's, or
        // its bucket's settings (one read, not a whole `getattr`).
        let (mode, gid) = if p.path.is_empty() {
            let b = self.store.head_bucket(&p.bucket)?;
            let setting = |name| b.settings.get(name).and_then(|v| v.parse::<u32>().ok());
            (setting(BUCKET_MODE), setting(BUCKET_GID))
        } else {
            match self
                .store
                .head_object(&p.bucket, &dir_prefix(&p.path), At::Current)
            {
                Ok(m) => (m.meta.attrs.mode, m.meta.attrs.gid),
                Err(e) if not_found(&e) => (None, None),
                Err(e) => return Err(e.into()),
            }
        };
        if mode.is_some_and(|m| m & libc::S_ISGID != 0) {
            meta.attrs.gid = Some(gid.unwrap_or(self.config.gid));
            if let Some(mode) = meta.attrs.mode
                && mode & S_IFMT == S_IFDIR
            {
                meta.attrs.mode = Some(mode | libc::S_ISGID);
            }
        }
        Ok(())
    }

    /// The path a new entry `name` in `parent` gets, refused if taken.
    fn new_entry(&self, parent: u64, name: &[u8]) -> Result<(Node, String)> {
        self.writable()?;
        let p = self.live_dir(parent)?;
        let name = check_name(name)?;
        if p.is_root() {
            return Err(FsError::NotPermitted(
                "only directories (buckets) at the root",
            ));
        }
        self.check(&p.bucket, Access::Write)?;
        if is_history_name(&p, name) {
            return Err(FsError::Exists);
        }
        let path = join(&p.path, name);
        if path.len() + 1 > alexander_store::MAX_KEY_LEN {
            return Err(FsError::NameTooLong);
        }
        match self.resolve(&p.bucket, &path) {
            Ok(_) => return Err(FsError::Exists),
            Err(FsError::NotFound) => {}
            Err(e) => return Err(e),
        }
        Ok((p, path))
    }

    /// Gives the file `ino` another name, `newname` in `newparent` (a hard
    /// link): both are then one file, with one inode, whose data and
    /// attributes every name shows (over S3, each name is an object of its
    /// own sharing the file's chunks; see the store's `links.rs`).
    pub fn link(&self, ino: u64, newparent: u64, newname: &[u8]) -> Result<Attr> {
        let node = self.live_node(ino)?;
        if node.kind == Kind::Dir {
            return Err(FsError::NotPermitted("a directory cannot be linked"));
        }
        let np = self.live_dir(newparent)?;
        if !np.is_root() && np.bucket != node.bucket {
            return Err(FsError::CrossDevice);
        }
        let (np, path) = self.new_entry(newparent, newname)?;
        // A file whose last name went while it was open cannot get a new
        // one (Linux refuses `linkat` of such a descriptor with ENOENT).
        if self.inodes.lock().find(&node.bucket, &node.path) != Some(ino) {
            return Err(FsError::NotFound);
        }
        // The new name shares what is written so far: writes in flight are
        // committed under the name first.
        self.settle_writes(ino)?;
        let now = now_ns();
        self.store
            .link(&node.bucket, &node.path, &path, now)
            .map_err(|e| match e {
                StoreError::AlreadyExists(_) => FsError::Exists,
                e => e.into(),
            })?;
        let group = self.store.links(&node.bucket, &path)?.map(|l| l.group);
        {
            let mut t = self.inodes.lock();
            t.intern_file(&node.bucket, &node.path, node.kind, group, false);
            t.intern_file(&np.bucket, &path, node.kind, group, true);
        }
        self.committed(ino);
        self.touch_dir(&np.bucket, &np.path, now);
        self.getattr(ino)
    }

    pub fn mkdir(&self, parent: u64, name: &[u8], mode: u32, uid: u32, gid: u32) -> Result<Attr> {
        self.writable()?;
        let p = self.dir_node(parent)?;
        if p.view == View::Snapshots {
            self.check(&p.bucket, Access::Owner)?;
            return self.take_snapshot(&p, check_name(name)?);
        }
        if p.is_root() {
            let name = check_name(name)?;
            let settings = [
                (BUCKET_MODE, mode & 0o7777),
                (BUCKET_UID, uid),
                (BUCKET_GID, gid),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_string()))
            .chain([self.new_bucket_owner()])
            .collect();
            let b = self.store.create_bucket_with(name, settings)?;
            let mut a = self.bucket_attr(0, &b);
            a.ino = self.inodes.lock().intern(name, "", Kind::Dir, true);
            return Ok(a);
        }
        let (p, path) = self.new_entry(parent, name)?;
        let mut meta = self.new_meta(S_IFDIR | (mode & 0o7777), uid, gid);
        self.inherit(&p, &mut meta)?;
        let created_ns = meta.attrs.mtime_ns.unwrap_or_else(now_ns);
        let info = self.put_empty(
            &p.bucket,
            &dir_prefix(&path),
            meta,
            Some(WriteCondition::IfNoneMatch),
        )?;
        self.touch_dir(&p.bucket, &p.path, created_ns);
        self.subdir_changed(&p.bucket, &path, 1);
        let mut a = self.dir_attr(0, Some(&info), 0);
        a.ino = self.inodes.lock().intern(&p.bucket, &path, Kind::Dir, true);
        Ok(a)
    }

    pub fn symlink(
        &self,
        parent: u64,
        name: &[u8],
        target: &[u8],
        uid: u32,
        gid: u32,
    ) -> Result<Attr> {
        let mut meta = self.new_meta(S_IFLNK | 0o777, uid, gid);
        meta.attrs.symlink = Some(target.to_vec());
        self.new_empty(parent, name, meta, Kind::Symlink)
    }

    /// Creates `name` in `parent` as an empty object with `meta` (a symlink
    /// or a `mknod` node), unless the name is taken.
    fn new_empty(
        &self,
        parent: u64,
        name: &[u8],
        mut meta: ObjectMeta,
        kind: Kind,
    ) -> Result<Attr> {
        let (p, path) = self.new_entry(parent, name)?;
        self.inherit(&p, &mut meta)?;
        let created_ns = meta.attrs.mtime_ns.unwrap_or_else(now_ns);
        let info = self.put_empty(&p.bucket, &path, meta, Some(WriteCondition::IfNoneMatch))?;
        self.touch_dir(&p.bucket, &p.path, created_ns);
        let mut a = self.file_attr(0, &info);
        a.ino = self.inodes.lock().intern(&p.bucket, &path, kind, true);
        Ok(a)
    }

    /// `mknod`: a regular file (empty, committed at once), a named pipe, a
    /// socket (`bind` of a Unix socket comes here) or a device node (see
    /// [`Special`]).
    pub fn mknod(
        &self,
        parent: u64,
        name: &[u8],
        mode: u32,
        rdev: u32,
        uid: u32,
        gid: u32,
    ) -> Result<Attr> {
        let file_type = mode & S_IFMT;
        let mode = match file_type {
            0 | libc::S_IFREG => S_IFREG | (mode & 0o7777),
            libc::S_IFIFO | libc::S_IFSOCK | libc::S_IFCHR | libc::S_IFBLK => {
                file_type | (mode & 0o7777)
            }
            _ => {
                return Err(FsError::Invalid(format!(
                    "mknod of file type {file_type:#o}"
                )));
            }
        };
        let mut meta = self.new_meta(mode, uid, gid);
        if matches!(file_type, libc::S_IFCHR | libc::S_IFBLK) {
            meta.user.insert("rdev".into(), rdev.to_string());
        }
        self.new_empty(parent, name, meta, Kind::File)
    }

    /// Keeps the directory at `path` alive with a marker once its last
    /// entry went, as a local filesystem keeps an emptied directory.
    fn keep_dir(&self, bucket: &str, path: &str) -> Result<()> {
        if path.is_empty() {
            return Ok(());
        }
        let prefix = dir_prefix(path);
        if self.store.keys_with(bucket, &prefix, 1)?.is_empty() {
            let meta = self.new_meta(S_IFDIR | 0o755, self.config.uid, self.config.gid);
            match self.put_empty(bucket, &prefix, meta, Some(WriteCondition::IfNoneMatch)) {
                Ok(_) | Err(FsError::Store(StoreError::PreconditionFailed)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    pub fn unlink(&self, parent: u64, name: &[u8]) -> Result<()> {
        self.writable()?;
        let p = self.live_dir(parent)?;
        let name = check_name(name)?;
        if p.is_root() {
            return Err(FsError::IsDir);
        }
        self.check(&p.bucket, Access::Write)?;
        if is_history_name(&p, name) {
            return Err(FsError::ReadOnly);
        }
        let path = join(&p.path, name);
        let in_store = match self.store.head_object(&p.bucket, &path, At::Current) {
            Ok(_) => true,
            Err(e) if not_found(&e) => match self.resolve(&p.bucket, &path) {
                Ok(a) if a.kind == Kind::Dir => return Err(FsError::IsDir),
                // A new file not yet committed: its bytes are in its
                // handles or its overlay only, dropped below.
                Ok(_) => false,
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e.into()),
        };
        let ino = self.inodes.lock().find(&p.bucket, &path);
        // A file with other names lives on under them; one without keeps,
        // for its open descriptors, what they see until the last closes.
        let others = if in_store {
            self.other_names(&p.bucket, &path)?
        } else {
            Vec::new()
        };
        if let Some(ino) = ino {
            if others.is_empty() {
                self.orphan_open(ino)?;
            } else {
                self.settle_writes(ino)?;
            }
        }
        // A streaming write the orphaning committed is in the store now.
        match self.store.delete_object(&p.bucket, &path, None) {
            Ok(_) => {}
            Err(e) if not_found(&e) && !in_store => {}
            Err(e) => return Err(e.into()),
        }
        self.inodes.lock().detach(&p.bucket, &path);
        if let Some(ino) = ino
            && !others.is_empty()
        {
            self.name_lost(ino, &p.bucket, &path, &others);
        }
        self.keep_dir(&p.bucket, &p.path)?;
        self.touch_dir(&p.bucket, &p.path, now_ns());
        Ok(())
    }

    /// The other names of the file at `path`, if it has several.
    fn other_names(&self, bucket: &str, path: &str) -> Result<Vec<String>> {
        Ok(self
            .store
            .links(bucket, path)?
            .map(|l| l.names.into_iter().filter(|n| n != path).collect())
            .unwrap_or_default())
    }

    /// Commits what is in flight for `ino` (its handles' streaming writes
    /// and pending truncations, its overlay), so that the store holds it.
    fn settle_writes(&self, ino: u64) -> Result<()> {
        for h in self.handles_of(ino) {
            match self.commit_state(&h) {
                // A handle whose write failed keeps its error for itself.
                Ok(()) | Err(FsError::NotSupported(_)) => {}
                Err(e) => return Err(e),
            }
        }
        self.commit_overlay(ino)
    }

    /// The hard-linked file `ino` lost its name `path` (an unlink, or a
    /// rename over it) and goes on under `others`: the inode takes one of
    /// them if the table knew none, and the handles opened by the lost name
    /// follow it, as they would on a local filesystem.
    fn name_lost(&self, ino: u64, bucket: &str, path: &str, others: &[String]) {
        let name = {
            let mut t = self.inodes.lock();
            if t.get(ino).is_some_and(|n| n.path == path) {
                t.rename_inode(ino, &others[0]);
            }
            t.get(ino).map(|n| n.path)
        };
        if let Some(name) = name {
            let moving: Vec<(u64, Arc<FileHandle>)> = self
                .files
                .read()
                .iter()
                .filter(|(_, h)| h.ino == ino && h.bucket == bucket && h.key == path)
                .map(|(fh, h)| (*fh, h.clone()))
                .collect();
            self.rekey(moving, |_| name.clone());
        }
        self.committed(ino);
    }

    /// Gives each of `moving` (open handles, by number) the key `key_of`
    /// its old key; their state moves with them, their readers reopen.
    fn rekey(&self, moving: Vec<(u64, Arc<FileHandle>)>, key_of: impl Fn(&str) -> String) {
        let mut files = self.files.write();
        for (fh, h) in moving {
            if let Some(slot) = files.get_mut(&fh)
                && Arc::ptr_eq(slot, &h)
            {
                let state = std::mem::replace(&mut *h.state.lock(), WriteState::Clean);
                *slot = Arc::new(FileHandle {
                    ino: h.ino,
                    opener: h.opener,
                    bucket: h.bucket.clone(),
                    key: key_of(&h.key),
                    at: h.at.clone(),
                    write: h.write,
                    meta: h.meta.clone(),
                    state: Mutex::new(state),
                    reader: Mutex::new(Readers::default()),
                });
            }
        }
    }

    pub fn rmdir(&self, parent: u64, name: &[u8]) -> Result<()> {
        self.writable()?;
        let p = self.dir_node(parent)?;
        let name = check_name(name)?;
        if p.view == View::Snapshots {
            self.check(&p.bucket, Access::Owner)?;
            return self.drop_snapshot(&p, name);
        }
        self.check(if p.is_root() { name } else { &p.bucket }, Access::List)?;
        if !p.is_live() || is_history_name(&p, name) {
            return Err(FsError::ReadOnly);
        }
        if p.is_root() {
            self.check(name, Access::Owner)?;
            self.store.delete_bucket(name).map_err(|e| match e {
                StoreError::NoSuchBucket(_) => FsError::NotFound,
                e => e.into(),
            })?;
            self.inodes.lock().detach(name, "");
            self.forget_dir_times(name, "");
            self.forget_subdirs(name, "");
            return Ok(());
        }
        self.check(&p.bucket, Access::Write)?;
        // No directory time is stored while the directory goes.
        let _flushing = self.dir_flush.lock();
        let path = join(&p.path, name);
        let attr = self.resolve(&p.bucket, &path)?;
        if attr.kind != Kind::Dir {
            return Err(FsError::NotDir);
        }
        let prefix = dir_prefix(&path);
        let keys = self.store.keys_with(&p.bucket, &prefix, 2)?;
        if keys.iter().any(|k| *k != prefix)
            || !self.uncommitted_keys(&p.bucket, &prefix, true).is_empty()
        {
            return Err(FsError::NotEmpty);
        }
        if !keys.is_empty() {
            self.store.delete_object(&p.bucket, &prefix, None)?;
        }
        self.inodes.lock().detach(&p.bucket, &path);
        self.forget_dir_times(&p.bucket, &path);
        self.subdir_changed(&p.bucket, &path, -1);
        self.keep_dir(&p.bucket, &p.path)?;
        self.touch_dir(&p.bucket, &p.path, now_ns());
        Ok(())
    }

    /// Renames `name` in `parent` to `newname` in `newparent`, atomically.
    pub fn rename(
        &self,
        parent: u64,
        name: &[u8],
        newparent: u64,
        newname: &[u8],
        no_replace: bool,
        exchange: bool,
    ) -> Result<()> {
        self.writable()?;
        if exchange {
            return Err(FsError::Invalid("RENAME_EXCHANGE is not supported".into()));
        }
        let p = self.live_dir(parent)?;
        let np = self.live_dir(newparent)?;
        let name = check_name(name)?;
        let newname = check_name(newname)?;
        if is_history_name(&p, name) || is_history_name(&np, newname) {
            return Err(FsError::ReadOnly);
        }
        if p.is_root() || np.is_root() || p.bucket != np.bucket {
            return Err(FsError::CrossDevice);
        }
        self.check(&p.bucket, Access::Write)?;
        let bucket = &p.bucket;
        let from = join(&p.path, name);
        let to = join(&np.path, newname);
        let src = self.resolve(bucket, &from)?;
        // Whatever is uncommitted at or under the old name (an edit, a
        // streaming write, a pending truncation) is committed there
        // first: the store renames committed objects only.
        let below = dir_prefix(&from);
        let moving: Vec<(u64, Arc<FileHandle>)> = self
            .files
            .read()
            .iter()
            .filter(|(_, h)| h.bucket == *bucket && (h.key == from || h.key.starts_with(&below)))
            .map(|(fh, h)| (*fh, h.clone()))
            .collect();
        for (_, h) in &moving {
            match self.commit_state(h) {
                // A handle whose write failed keeps its error for itself.
                Ok(()) | Err(FsError::NotSupported(_)) => {}
                Err(e) => return Err(e),
            }
            self.commit_overlay(h.ino)?;
        }
        let src_ino = self.inodes.lock().find(bucket, &from);
        if let Some(ino) = src_ino {
            self.commit_overlay(ino)?;
        }
        let dst_ino = self.inodes.lock().find(bucket, &to);
        let dst = match self.resolve(bucket, &to) {
            Ok(a) => Some(a),
            Err(FsError::NotFound) => None,
            Err(e) => return Err(e),
        };
        if dst.is_some() && no_replace {
            return Err(FsError::Exists);
        }
        // Two names of one file: a rename between them does nothing.
        if let (Some(a), Some(b)) = (src.link_group, dst.as_ref().and_then(|d| d.link_group))
            && a == b
        {
            return Ok(());
        }
        // A file replaced that has other names lives on under them.
        let dst_others = match &dst {
            Some(d) if d.link_group.is_some() => self.other_names(bucket, &to)?,
            _ => Vec::new(),
        };
        if to.len() + 1 > alexander_store::MAX_KEY_LEN {
            return Err(FsError::NameTooLong);
        }
        // A file replaced keeps what its open descriptors see, as an unlinked
        // one does; nothing of theirs reaches the file that takes its name.
        if let Some(d) = dst_ino.filter(|d| Some(*d) != src_ino)
            && dst.as_ref().is_some_and(|d| d.kind != Kind::Dir)
            && src.kind != Kind::Dir
        {
            if dst_others.is_empty() {
                self.orphan_open(d)?;
            } else {
                self.settle_writes(d)?;
            }
        }
        // A renamed entry's change time, and its old and new directories'
        // times, are this moment.
        let now = now_ns();
        let _flushing = (src.kind == Kind::Dir).then(|| self.dir_flush.lock());
        if src.kind == Kind::Dir {
            if to.starts_with(&dir_prefix(&from)) {
                return Err(FsError::Invalid(
                    "cannot move a directory into itself".into(),
                ));
            }
            if let Some(d) = &dst {
                if d.kind != Kind::Dir {
                    return Err(FsError::NotDir);
                }
                let tp = dir_prefix(&to);
                if self
                    .store
                    .keys_with(bucket, &tp, 2)?
                    .iter()
                    .any(|k| *k != tp)
                {
                    return Err(FsError::NotEmpty);
                }
            }
            if from != to {
                self.store.rename_prefix_with(
                    bucket,
                    &dir_prefix(&from),
                    &dir_prefix(&to),
                    RenameOptions {
                        no_replace: false,
                        forget_fresh_source: true,
                        ctime_ns: Some(now),
                    },
                )?;
                self.forget_dir_times(bucket, &to);
                self.move_dir_times(bucket, &from, &to);
                self.subdirs_moved(bucket, &from, &to, dst.is_some());
            }
        } else {
            if dst.as_ref().is_some_and(|d| d.kind == Kind::Dir) {
                return Err(FsError::IsDir);
            }
            // A file written and renamed into place (rsync's temporary
            // file, an editor's save) leaves no history under its
            // temporary name in a versioned bucket.
            self.store.rename_object_with(
                bucket,
                &from,
                &to,
                RenameOptions {
                    no_replace,
                    forget_fresh_source: true,
                    ctime_ns: Some(now),
                },
            )?;
        }
        if let Some(d) = dst_ino.filter(|d| Some(*d) != src_ino) {
            for h in self.handles_of(d) {
                h.reader.lock().forget();
            }
        }
        self.inodes.lock().rename(bucket, &from, &to);
        // Open handles follow the file to its new key, as on a local
        // filesystem (their state moves with them; readers reopen).
        self.rekey(moving, |key| format!("{to}{}", &key[from.len()..]));
        if let Some(d) = dst_ino.filter(|d| Some(*d) != src_ino)
            && !dst_others.is_empty()
        {
            self.name_lost(d, bucket, &to, &dst_others);
        }
        self.keep_dir(bucket, parent_of(&from))?;
        self.touch_dir(bucket, parent_of(&from), now);
        self.touch_dir(bucket, parent_of(&to), now);
        Ok(())
    }

    /// Figures for `statfs`: (total bytes, bytes free to unprivileged
    /// writers, files). The store grows into the filesystem that holds its
    /// data directory, so `df` of the mount shows that filesystem's size and
    /// room (what a write can still use), and the store's version count.
    pub fn statfs(&self) -> Result<(u64, u64, u64)> {
        let (total, free) = self.disk_room()?;
        Ok((total, free, self.store.stats()?.versions))
    }

    /// (total bytes, bytes free to unprivileged writers) of the filesystem
    /// that holds the store's data directory.
    fn disk_room(&self) -> Result<(u64, u64)> {
        let disk = rustix::fs::statvfs(self.store.dir())
            .map_err(|e| StoreError::Io(std::io::Error::from(e)))?;
        let frag = disk.f_frsize.max(1);
        Ok((
            disk.f_blocks.saturating_mul(frag),
            disk.f_bavail.saturating_mul(frag),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs() -> (Fs, tempfile::TempDir) {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(dir.path(), alexander_store::Config::default()).unwrap();
        let fs = Fs::new(
            store,
            FsConfig {
                uid: 1000,
                gid: 1000,
                read_only: false,
                bucket: None,
                user: alexander_store::access::ROOT_USER.to_owned(),
                allow_other: false,
            },
        );
        (fs, dir)
    }

    fn names(fs: &Fs, ino: u64) -> Vec<String> {
        let (fh, _) = fs.opendir(ino).unwrap();
        let mut out = Vec::new();
        fs.readdir(ino, fh, 0, |e, _| {
            out.push(e.name.clone());
            false
        })
        .unwrap();
        fs.releasedir(fh).unwrap();
        out
    }

    #[test]
    fn core_without_a_mount() {
        let (fs, _dir) = fs();
        let b = fs.mkdir(ROOT_INO, b"bkt", 0o755, 0, 0).unwrap();
        let d = fs.mkdir(b.ino, b"d", 0o700, 5, 6).unwrap();
        assert_eq!((d.perm, d.uid, d.gid), (0o700, 5, 6));
        let (f, fh) = fs.create(d.ino, b"f", 0o640, 5, 6, 0).unwrap();
        // Visible before the commit, with the size written so far.
        fs.write(fh, 0, b"hello ").unwrap();
        fs.write(fh, 6, b"world").unwrap();
        assert_eq!(fs.lookup(d.ino, b"f").unwrap().size, 11);
        // Out of order: the stream is committed, the rest is an overlay
        // the handle (and a second one) reads back.
        fs.write(fh, 3, b"X").unwrap();
        assert_eq!(
            fs.store()
                .head_object("bkt", "d/f", At::Current)
                .unwrap()
                .size,
            11
        );
        assert_eq!(fs.read(fh, 0, 100).unwrap(), b"helXo world");
        fs.write(fh, 20, b"!").unwrap();
        let fh2 = fs
            .open(
                f.ino,
                OpenMode {
                    write: true,
                    ..OpenMode::default()
                },
            )
            .unwrap();
        assert_eq!(
            fs.read(fh2, 0, 100).unwrap(),
            b"helXo world\0\0\0\0\0\0\0\0\0!"
        );
        fs.write(fh2, 0, b"H").unwrap();
        assert_eq!(fs.getattr(f.ino).unwrap().size, 21);
        fs.setattr(
            f.ino,
            Some(fh2),
            SetAttr {
                size: Some(5),
                ..SetAttr::default()
            },
        )
        .unwrap();
        assert_eq!(fs.read(fh, 0, 100).unwrap(), b"HelXo");
        fs.release(fh).unwrap();
        fs.release(fh2).unwrap();
        let info = fs.store().head_object("bkt", "d/f", At::Current).unwrap();
        assert_eq!(info.size, 5);
        assert!(info.etag.contains('-'), "an edit's composite ETag");
        assert_eq!(info.meta.attrs.mode.map(|m| m & 0o7777), Some(0o640));
        // truncate(2) by path (no handle) commits at once.
        fs.setattr(
            f.ino,
            None,
            SetAttr {
                size: Some(8),
                ..SetAttr::default()
            },
        )
        .unwrap();
        let fh = fs.open(f.ino, OpenMode::default()).unwrap();
        assert_eq!(fs.read(fh, 0, 100).unwrap(), b"HelXo\0\0\0");
        fs.release(fh).unwrap();

        let (_, fh) = fs.create(d.ino, b"g", 0o640, 5, 6, 0).unwrap();
        fs.write(fh, 0, b"hello world").unwrap();
        fs.fsync(fh).unwrap();
        fs.release(fh).unwrap();
        let g = fs.lookup(d.ino, b"g").unwrap();
        assert_eq!((g.size, g.perm, g.kind), (11, 0o640, Kind::File));
        let fh = fs.open(g.ino, OpenMode::default()).unwrap();
        assert_eq!(fs.read(fh, 6, 100).unwrap(), b"world");
        assert_eq!(fs.read(fh, 100, 10).unwrap(), b"");
        fs.release(fh).unwrap();

        assert_eq!(names(&fs, ROOT_INO), [".", "..", "bkt"]);
        assert_eq!(names(&fs, d.ino), [".", "..", "f", "g"]);
        fs.rename(d.ino, b"g", b.ino, b"h", true, false).unwrap();
        assert_eq!(fs.getattr(g.ino).unwrap().size, 11, "inode follows");
        assert_eq!(names(&fs, b.ino), [".", "..", "d", "h"]);
        assert!(matches!(fs.rmdir(ROOT_INO, b"bkt"), Err(FsError::Store(_))));
        assert!(matches!(
            fs.lookup(b.ino, &[0xff, 0xfe]),
            Err(FsError::IllegalName)
        ));
        assert!(matches!(
            fs.lookup(b.ino, &[b'a'; 256]),
            Err(FsError::NameTooLong)
        ));
    }

    #[test]
    fn an_open_with_o_trunc_discards_another_handles_stream() {
        // Handles live in a hash map: try enough files that either order of
        // the two handles comes up.
        let (fs, _dir) = fs();
        fs.mkdir(ROOT_INO, b"bkt", 0o755, 0, 0).unwrap();
        let b = fs.lookup(ROOT_INO, b"bkt").unwrap();
        for i in 0..32 {
            let name = format!("f{i}");
            let (f, fh) = fs.create(b.ino, name.as_bytes(), 0o644, 0, 0, 0).unwrap();
            fs.release(fh).unwrap();
            let rw = OpenMode {
                write: true,
                ..OpenMode::default()
            };
            let writer = fs.open(f.ino, rw).unwrap();
            fs.write(writer, 0, &[7; 5000]).unwrap();
            // open(O_TRUNC): the kernel sends no truncation of its own.
            let trunc = fs
                .open(
                    f.ino,
                    OpenMode {
                        truncate: true,
                        ..rw
                    },
                )
                .unwrap();
            assert_eq!(fs.getattr(f.ino).unwrap().size, 0, "{name}");
            fs.write(writer, 0, b"new").unwrap();
            fs.release(writer).unwrap();
            fs.release(trunc).unwrap();
            let fh = fs.open(f.ino, OpenMode::default()).unwrap();
            assert_eq!(fs.read(fh, 0, 100).unwrap(), b"new", "{name}");
            fs.release(fh).unwrap();
        }
    }

    #[test]
    fn reads_of_one_handle_at_once_each_get_a_reader_and_a_commit_retires_them() {
        let (fs, _dir) = fs();
        fs.mkdir(ROOT_INO, b"bkt", 0o755, 0, 0).unwrap();
        let b = fs.lookup(ROOT_INO, b"bkt").unwrap();
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 13 % 251) as u8).collect();
        let (f, fh) = fs.create(b.ino, b"big", 0o644, 0, 0, 0).unwrap();
        fs.write(fh, 0, &data).unwrap();
        fs.release(fh).unwrap();
        let fh = fs.open(f.ino, OpenMode::default()).unwrap();
        // Four threads read interleaved 256 KiB pieces of the one handle,
        // as the kernel's read-ahead does.
        let piece = 256 << 10;
        std::thread::scope(|s| {
            for t in 0..4 {
                let (fs, data) = (&fs, &data);
                s.spawn(move || {
                    let mut buf = Vec::new();
                    for round in 0..3 {
                        let mut at = (t * piece) as u64;
                        while (at as usize) < data.len() {
                            fs.read_into(fh, at, piece as u32, &mut buf).unwrap();
                            let end = (at as usize + piece).min(data.len());
                            assert!(buf == data[at as usize..end], "{t} {round} {at}");
                            at += 4 * piece as u64;
                        }
                    }
                });
            }
        });
        let h = fs.handle(fh).unwrap();
        {
            let kept = h.reader.lock();
            assert!(!kept.idle.is_empty() && kept.idle.len() <= IDLE_READERS);
            assert!(kept.spring.is_some());
        }
        // A reader taken before the version changes is not given back.
        let (taken, epoch) = h.reader.lock().take(0);
        let taken = taken.expect("readers are kept");
        let w = fs
            .open(
                f.ino,
                OpenMode {
                    write: true,
                    truncate: true,
                    ..OpenMode::default()
                },
            )
            .unwrap();
        fs.write(w, 0, b"new").unwrap();
        fs.release(w).unwrap();
        h.reader.lock().give_back(taken, epoch);
        assert!(h.reader.lock().idle.is_empty(), "a stale reader came back");
        assert_eq!(fs.read(fh, 0, 100).unwrap(), b"new");
        fs.release(fh).unwrap();
    }

    #[test]
    fn copies_to_the_end_of_a_file_share_chunks() {
        let (fs, _dir) = fs();
        fs.mkdir(ROOT_INO, b"bkt", 0o755, 0, 0).unwrap();
        let b = fs.lookup(ROOT_INO, b"bkt").unwrap();
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let n = data.len() as u64;
        let (src, fh) = fs.create(b.ino, b"src", 0o644, 0, 0, 0).unwrap();
        fs.write(fh, 0, &data).unwrap();
        fs.release(fh).unwrap();
        let rw = OpenMode {
            write: true,
            ..OpenMode::default()
        };
        let contents = |name: &[u8]| {
            let fh = fs
                .open(fs.lookup(b.ino, name).unwrap().ino, OpenMode::default())
                .unwrap();
            let got = fs.read(fh, 0, 4 << 20).unwrap();
            fs.release(fh).unwrap();
            got
        };
        let input = fs.open(src.ino, OpenMode::default()).unwrap();

        // A whole file in one call: a copy of the object, nothing stored.
        let (_, out) = fs.create(b.ino, b"dst", 0o600, 5, 6, 0).unwrap();
        let before = fs.store().stats().unwrap();
        assert_eq!(fs.copy_file_range(input, 0, out, 0, 1 << 30).unwrap(), n);
        // Past the source's end: nothing more to copy.
        assert_eq!(fs.copy_file_range(input, n, out, n, 1 << 30).unwrap(), 0);
        fs.release(out).unwrap();
        let after = fs.store().stats().unwrap();
        assert_eq!(after.stored_bytes, before.stored_bytes);
        assert_eq!(after.versions, before.versions + 1);
        let (s, d) = (
            fs.store().head_object("bkt", "src", At::Current).unwrap(),
            fs.store().head_object("bkt", "dst", At::Current).unwrap(),
        );
        assert_eq!((d.size, &d.etag), (s.size, &s.etag));
        assert_eq!(d.meta.attrs.mode, Some(S_IFREG | 0o600));
        assert_eq!((d.meta.attrs.uid, d.meta.attrs.gid), (Some(5), Some(6)));
        assert!(contents(b"dst") == data);

        // In steps, as the kernel asks for a file over 2 GiB: each step
        // appends to what the last committed.
        let (_, out) = fs.create(b.ino, b"steps", 0o644, 0, 0, 0).unwrap();
        assert_eq!(fs.copy_file_range(input, 0, out, 0, 1000).unwrap(), 1000);
        let steps = fs.lookup(b.ino, b"steps").unwrap().ino;
        assert_eq!(fs.getattr(steps).unwrap().size, 1000);
        // Not at the end of the file: the kernel copies.
        assert!(matches!(
            fs.copy_file_range(input, 0, out, 0, 1 << 30),
            Err(FsError::NotSupported(_))
        ));
        assert_eq!(
            fs.copy_file_range(input, 1000, out, 1000, 1 << 30).unwrap(),
            n - 1000
        );
        // From the middle of the source, onto the end.
        assert_eq!(fs.copy_file_range(input, 10, out, n, 100).unwrap(), 100);
        fs.release(out).unwrap();
        let mut want = data.clone();
        want.extend_from_slice(&data[10..110]);
        assert!(contents(b"steps") == want);
        let grown = fs.store().stats().unwrap().stored_bytes - after.stored_bytes;
        assert!(grown < 1 << 20, "{grown} bytes stored for a copy");

        // Into a file with uncommitted writes, or read-only: refused.
        let d = fs.lookup(b.ino, b"dst").unwrap();
        let out = fs.open(d.ino, rw).unwrap();
        fs.write(out, 0, b"edit").unwrap();
        assert!(matches!(
            fs.copy_file_range(input, 0, out, n, 1 << 30),
            Err(FsError::NotSupported(_))
        ));
        assert!(matches!(
            fs.copy_file_range(out, 0, input, 0, 1 << 30),
            Err(FsError::BadHandle)
        ));
        fs.release(out).unwrap();
        // Truncated at open (`cp` over an existing file): a copy again.
        let trunc = fs
            .open(
                d.ino,
                OpenMode {
                    truncate: true,
                    ..rw
                },
            )
            .unwrap();
        let versions = fs.store().stats().unwrap().versions;
        assert_eq!(fs.copy_file_range(input, 0, trunc, 0, 1 << 30).unwrap(), n);
        fs.release(trunc).unwrap();
        assert_eq!(fs.store().stats().unwrap().versions, versions);
        assert!(contents(b"dst") == data);
        // Writes after a copy edit it.
        let out = fs.open(d.ino, rw).unwrap();
        fs.write(out, 5, b"hello").unwrap();
        fs.release(out).unwrap();
        let mut want = data.clone();
        want[5..10].copy_from_slice(b"hello");
        assert!(contents(b"dst") == want);
        fs.release(input).unwrap();
    }
}
