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
mod upload;

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alexander_store::Store;
use fuser::{BackgroundSession, MountOption, SessionACL};

pub use error::{FsError, ToErrno};
pub use fs::{Fs, FsConfig};

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
    /// How long the kernel caches names and attributes. Short for now:
    /// changes made over S3 become visible when it runs out (kernel
    /// invalidation is the next increment).
    pub ttl: Duration,
    /// Threads serving requests.
    pub threads: usize,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            read_only: false,
            allow_other: false,
            uid: current_uid(),
            gid: current_gid(),
            ttl: Duration::from_secs(1),
            threads: 4,
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
    mountpoint: PathBuf,
}

impl MountHandle {
    /// Where the store is mounted.
    pub fn mountpoint(&self) -> &Path {
        &self.mountpoint
    }

    /// Unmounts and waits for the worker threads to end.
    pub fn unmount(mut self) -> io::Result<()> {
        match self.session.take() {
            Some(s) => s.umount_and_join(),
            None => Ok(()),
        }
    }
}

impl Drop for MountHandle {
    fn drop(&mut self) {
        if let Some(s) = self.session.take()
            && let Err(e) = s.umount_and_join()
        {
            tracing::warn!(mountpoint = %self.mountpoint.display(), error = %e, "unmount failed");
        }
    }
}

/// Mounts `store` at `mountpoint` (an existing directory) and serves it in
/// background threads.
pub fn mount(store: Store, mountpoint: &Path, options: MountOptions) -> io::Result<MountHandle> {
    let fs = Fs::new(
        store,
        FsConfig {
            uid: options.uid,
            gid: options.gid,
            read_only: options.read_only,
        },
    );
    let adapter = adapter::FuseFs {
        fs,
        ttl: options.ttl,
    };
    let mut config = fuser::Config::default();
    config.mount_options = vec![
        MountOption::FSName("alexander".into()),
        MountOption::Subtype("alexander".into()),
        MountOption::DefaultPermissions,
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
    let session = fuser::Session::new(adapter, mountpoint, &config)?.spawn()?;
    tracing::info!(mountpoint = %mountpoint.display(), "mounted");
    Ok(MountHandle {
        session: Some(session),
        mountpoint: mountpoint.to_owned(),
    })
}
