//! Alexander's FUSE mount: the store's buckets as directories.
//!
//! [`mount`] mounts a [`Store`] and serves it from a few fuser worker
//! threads until the returned [`MountHandle`] is dropped or unmounted. The
//! filesystem logic lives in [`fs`] (no fuser there, testable without a
//! mount); [`adapter`] is the thin `fuser::Filesystem` over it.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod adapter;
pub mod error;
pub mod fs;
pub mod inode;
pub mod metrics;
mod overlay;
mod upload;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::time::Duration;

use alexander_store::Store;
use alexander_store::access::Access;
use fuser::{BackgroundSession, INodeNo, MountOption, Notifier, SessionACL};

pub use error::{FsError, ToErrno};
pub use fs::{Fs, FsConfig, Invalidator, SNAPSHOTS, VERSION_ID_XATTR, VERSIONS};
pub use metrics::FuseMetrics;

/// How to mount.
#[derive(Clone, Debug)]
pub struct MountOptions {
    /// Refuse every change (`EROFS`).
    pub read_only: bool,
    /// Let other users reach the mount (needs `user_allow_other` in
    /// /etc/fuse.conf for a non-root user). The kernel then checks
    /// permissions (`default_permissions`).
    pub allow_other: bool,
    /// Owner shown for objects that carry none (written over S3).
    pub uid: u32,
    pub gid: u32,
    /// How long the kernel caches names and attributes. Changes made
    /// through the mount invalidate the kernel's cache at once; changes
    /// made over S3 do when reported to [`MountHandle::invalidate_key`],
    /// or when this runs out.
    pub ttl: Duration,
    /// How long the kernel caches a name found missing in a bucket's
    /// directory (at most `ttl`; zero caches none). A name made over S3
    /// drops it when reported to [`MountHandle::invalidate_key`] with its
    /// key; one the report cannot name (a POST form upload, a command
    /// run in the server) shows when this runs out.
    pub negative_ttl: Duration,
    /// Threads serving requests.
    pub threads: usize,
    /// Mount this bucket (which must exist) as the root, instead of the
    /// list of buckets.
    pub bucket: Option<String>,
    /// The S3 user the mount acts as (`root` by default): it shows the
    /// buckets this user may read, read-only where it may not write, and
    /// nothing else.
    pub user: String,
    /// Where the mount counts its operations (see [`FuseMetrics`]).
    pub metrics: FuseMetrics,
}

/// How long the kernel caches names and attributes by default. The mount
/// drops them itself on every change it makes or is told of (over S3), so
/// the time only bounds changes nobody reports: lifecycle expiry and
/// `alexander` commands run in the server.
pub const DEFAULT_TTL: Duration = Duration::from_secs(1);

/// How long the kernel caches a missing name by default: short, since a
/// name made where the change report cannot say which (a POST form upload,
/// a command run in the server) shows only once it runs out.
pub const DEFAULT_NEGATIVE_TTL: Duration = Duration::from_secs(1);

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            read_only: false,
            allow_other: false,
            uid: current_uid(),
            gid: current_gid(),
            ttl: DEFAULT_TTL,
            negative_ttl: DEFAULT_NEGATIVE_TTL,
            threads: 4,
            bucket: None,
            user: alexander_store::access::ROOT_USER.to_owned(),
            metrics: FuseMetrics::default(),
        }
    }
}

fn current_uid() -> u32 {
    // The owner of our own /proc entry: no libc call needed.
    std::fs::metadata("/proc/self").map_or(0, |m| std::os::unix::fs::MetadataExt::uid(&m))
}

fn current_gid() -> u32 {
    std::fs::metadata("/proc/self").map_or(0, |m| std::os::unix::fs::MetadataExt::gid(&m))
}

/// A live mount. Dropping it unmounts (errors are then logged).
pub struct MountHandle {
    session: Option<BackgroundSession>,
    fs: Arc<Fs>,
    mountpoint: PathBuf,
    _settler: Settler,
}

impl MountHandle {
    /// Where the store is mounted.
    pub fn mountpoint(&self) -> &Path {
        &self.mountpoint
    }

    /// `bucket/key` changed outside the mount (over S3): the kernel drops
    /// what it caches of the object and its name before this returns (it
    /// waits 5 s at most); keys the kernel never looked up are
    /// ignored. Never call it while serving a FUSE request.
    pub fn invalidate_key(&self, bucket: &str, key: &str) {
        self.fs.invalidate_key(bucket, key);
    }

    /// A cheap, cloneable handle that invalidates keys, for whoever learns
    /// of changes made outside the mount (the S3 endpoint).
    pub fn invalidator(&self) -> KeyInvalidator {
        KeyInvalidator(Arc::clone(&self.fs))
    }

    /// Unmounts and waits for the worker threads to end. A mount already
    /// removed from outside (`fusermount3 -u`) has nothing left to undo.
    pub fn unmount(mut self) -> io::Result<()> {
        let r = match self.session.take() {
            Some(s) => unmount_session(s, &self.mountpoint),
            None => Ok(()),
        };
        // What was closed but not fsynced becomes durable now.
        self.fs.sync_all().map_err(io::Error::other)?;
        r
    }
}

/// Invalidates the kernel's cache of keys changed outside the mount. Keeps
/// working (as a no-op for the kernel) after the mount is gone.
#[derive(Clone)]
pub struct KeyInvalidator(Arc<Fs>);

impl KeyInvalidator {
    /// See [`MountHandle::invalidate_key`].
    pub fn invalidate_key(&self, bucket: &str, key: &str) {
        self.0.invalidate_key(bucket, key);
    }

    /// Something changed outside the mount, nobody says what (a command
    /// run in the server, a lifecycle pass): the kernel drops what it
    /// caches of every bucket the mount has shown. Never call it while
    /// serving a FUSE request.
    pub fn invalidate_all(&self) {
        self.0.invalidate_all();
    }
}

impl Drop for MountHandle {
    fn drop(&mut self) {
        if let Some(s) = self.session.take() {
            if let Err(e) = unmount_session(s, &self.mountpoint) {
                tracing::warn!(mountpoint = %self.mountpoint.display(), error = %e, "unmount failed");
            }
            if let Err(e) = self.fs.sync_all() {
                tracing::error!(error = %e, "flushing the mount's changes failed");
            }
        }
    }
}

/// Unmounts a session's mount and joins its threads. `EINVAL` from the
/// unmount means the mount point is no longer a mount: it was unmounted
/// from outside, the session has ended, and joining is all there is to do.
fn unmount_session(session: BackgroundSession, at: &Path) -> io::Result<()> {
    match session.umount_and_join() {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            tracing::info!(mountpoint = %at.display(), "already unmounted from outside");
            Ok(())
        }
        r => r,
    }
}

/// Says once, at mount time, which buckets the mount leaves out because
/// they take any key. The rule of a bucket changes only through the store
/// opened directly, never while a server holds it, so this stays true for
/// the life of the mount.
fn log_hidden_buckets(store: &Store) {
    match store.list_buckets() {
        Ok(buckets) => {
            for b in buckets.iter().filter(|b| !b.keeps_path_rule()) {
                tracing::warn!(
                    bucket = %b.name,
                    "bucket takes any key, so the mount leaves it out \
                     (alexander bucket keys NAME posix shows it)"
                );
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot list buckets to find those the mount leaves out")
        }
    }
}

/// Mounts `store` at `mountpoint` (an existing directory) and serves it in
/// background threads.
pub fn mount(store: Store, mountpoint: &Path, options: MountOptions) -> io::Result<MountHandle> {
    if let Some(b) = &options.bucket {
        let info = store.head_bucket(b).map_err(|e| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("cannot mount bucket {b}: {e}"),
            )
        })?;
        let user = options.user.as_str();
        if !alexander_store::access::allows(&info.settings, Some(user), Access::List) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("cannot mount bucket {b}: user {user} may not list it"),
            ));
        }
        if !info.keeps_path_rule() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "cannot mount bucket {b}: it takes any key, and the mount could not show \
                     them all (alexander bucket keys {b} posix)"
                ),
            ));
        }
    } else {
        log_hidden_buckets(&store);
    }
    // A close commits and is visible at once; like a local filesystem's
    // writes, it is durable at fsync (or within a fraction of a second, see
    // `Settler`), so creating many files is not bound by disk flushes.
    let fs = Fs::new(
        store.lazy(),
        FsConfig {
            uid: options.uid,
            gid: options.gid,
            read_only: options.read_only,
            bucket: options.bucket.clone(),
            user: options.user.clone(),
            allow_other: options.allow_other,
        },
    );
    let fs = Arc::new(fs);
    let adapter = adapter::FuseFs {
        fs: fs.clone(),
        ttl: options.ttl,
        negative_ttl: options.negative_ttl.min(options.ttl),
        metrics: options.metrics.clone(),
    };
    let mut config = fuser::Config::default();
    config.mount_options = vec![
        MountOption::FSName("alexander".into()),
        MountOption::Subtype("alexander".into()),
        MountOption::DefaultPermissions,
        // Objects are data, not programs to run with other rights or
        // devices to open.
        MountOption::NoSuid,
        MountOption::NoDev,
        // Reads do not store an access time (each would be a commit);
        // `noatime` says so to programs that look (`utimensat` sets it).
        MountOption::NoAtime,
        if options.read_only {
            MountOption::RO
        } else {
            MountOption::RW
        },
    ];
    if options.allow_other {
        config.acl = SessionACL::All;
    }
    config.n_threads = Some(options.threads.max(1));
    // Each worker thread reads its own clone of /dev/fuse, so requests do
    // not queue behind one file descriptor.
    config.clone_fd = true;
    let settler = Settler::spawn(fs.clone())?;
    let session = fuser::Session::new(adapter, mountpoint, &config)?.spawn()?;
    fs.set_notifier(Box::new(KernelNotifier::spawn(session.notifier())?));
    widen_readahead(mountpoint);
    tracing::info!(mountpoint = %mountpoint.display(), "mounted");
    Ok(MountHandle {
        session: Some(session),
        fs,
        mountpoint: mountpoint.to_owned(),
        _settler: settler,
    })
}

/// How often the pack data of closed files is made durable.
const SETTLE_EVERY: Duration = Duration::from_millis(200);

/// Stores the directory times noted since the last round
/// (`Fs::flush_dir_times`) and makes the pack data of the mount's closes
/// durable every [`SETTLE_EVERY`] (`Store::settle`), from a thread of its
/// own: a close
/// commits without waiting for a pack `fdatasync` (as a local filesystem's
/// close does not wait for the disk), and this bounds how much closed data
/// a power loss can take, and how much the next open has to check, to
/// what the mount took in the last moment. The thread ends with the
/// handle.
struct Settler {
    _stop: Sender<()>,
}

impl Settler {
    fn spawn(fs: Arc<Fs>) -> io::Result<Settler> {
        let (stop, rx) = channel::<()>();
        std::thread::Builder::new()
            .name("fuse-settle".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(SETTLE_EVERY) {
                    // Directory times noted since the last round are stored
                    // first (lazily), so that this settle covers them too.
                    let _ = fs.flush_dir_times();
                    if let Err(e) = fs.store().settle() {
                        tracing::warn!(error = %e, "syncing the packs of closed files failed");
                    }
                }
            })?;
        Ok(Settler { _stop: stop })
    }
}

/// Kernel read-ahead asked of a mount, KiB.
const READAHEAD_KIB: u32 = 1024;

/// Lets the kernel read ahead [`READAHEAD_KIB`] in a sequential read of the
/// mount instead of FUSE's 128 KiB: reads then come as 1 MiB requests, an
/// eighth of the round trips. FUSE's INIT reply can only lower the window,
/// so it is raised through the mount's backing device in sysfs, which only
/// root may write; anyone else keeps the default (logged, not an error).
fn widen_readahead(mountpoint: &Path) {
    use std::os::unix::fs::MetadataExt;
    let dev = match std::fs::metadata(mountpoint) {
        Ok(m) => m.dev(),
        Err(e) => {
            tracing::debug!(error = %e, "no read-ahead change: cannot stat the mount");
            return;
        }
    };
    let (major, minor) = (libc::major(dev), libc::minor(dev));
    let knob = format!("/sys/class/bdi/{major}:{minor}/read_ahead_kb");
    match std::fs::write(&knob, READAHEAD_KIB.to_string()) {
        Ok(()) => tracing::debug!(knob, kib = READAHEAD_KIB, "read-ahead widened"),
        Err(e) => tracing::info!(knob, error = %e, "read-ahead left at the kernel's default"),
    }
}

enum Inval {
    Inode(u64),
    Entry(u64, String),
    /// Answered once every notice queued before it has been sent.
    Barrier(SyncSender<()>),
}

/// How long a change made over S3 waits for its notices to reach the
/// kernel. They take microseconds; the bound only keeps a wedged kernel
/// from holding an S3 request.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends the kernel's invalidations from a thread of its own: a notice
/// written while the kernel waits for our reply to a request holding the
/// same inode's lock would deadlock. The thread ends with the filesystem.
struct KernelNotifier {
    tx: parking_lot::Mutex<Sender<Inval>>,
}

impl KernelNotifier {
    fn spawn(n: Notifier) -> io::Result<KernelNotifier> {
        let (tx, rx) = channel::<Inval>();
        std::thread::Builder::new()
            .name("fuse-inval".into())
            .spawn(move || {
                for msg in rx {
                    let r = match &msg {
                        Inval::Inode(ino) => n.inval_inode(INodeNo(*ino), 0, 0),
                        Inval::Entry(parent, name) => {
                            n.inval_entry(INodeNo(*parent), std::ffi::OsStr::new(name))
                        }
                        Inval::Barrier(done) => {
                            let _ = done.try_send(());
                            continue;
                        }
                    };
                    match r {
                        // The kernel no longer caches it: nothing to do.
                        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
                        Err(e) => tracing::debug!(error = %e, "kernel invalidation failed"),
                        Ok(()) => {}
                    }
                }
            })?;
        Ok(KernelNotifier {
            tx: parking_lot::Mutex::new(tx),
        })
    }
}

impl Invalidator for KernelNotifier {
    fn inval_inode(&self, ino: u64) {
        let _ = self.tx.lock().send(Inval::Inode(ino));
    }

    fn inval_entry(&self, parent: u64, name: &str) {
        let _ = self.tx.lock().send(Inval::Entry(parent, name.to_owned()));
    }

    fn settle(&self) {
        let (done, wait) = sync_channel(1);
        if self.tx.lock().send(Inval::Barrier(done)).is_ok() {
            let _ = wait.recv_timeout(SETTLE_TIMEOUT);
        }
    }
}
