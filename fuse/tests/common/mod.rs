//! A real mount over a temporary store, unmounted on drop (after
//! mountpoint-s3's `MountedSession`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use alexander_fuse::{MountHandle, MountOptions, mount};
use alexander_store::{Config, Store};
use tempfile::TempDir;

pub struct MountedSession {
    pub store: Store,
    handle: Option<MountHandle>,
    mountpoint: PathBuf,
    _store_dir: TempDir,
    _mount_dir: TempDir,
}

impl MountedSession {
    /// Mounts a fresh store, or returns `None` (after saying why) where FUSE
    /// is unavailable; under `CI` that is a failure instead.
    pub fn new() -> Option<MountedSession> {
        if let Some(why) = fuse_unavailable() {
            if std::env::var_os("CI").is_some() {
                panic!("FUSE tests cannot run under CI: {why}");
            }
            eprintln!("skipping FUSE test: {why}");
            return None;
        }
        let store_dir = TempDir::new().unwrap();
        let mount_dir = TempDir::new().unwrap();
        let store = Store::open(store_dir.path(), Config::default()).unwrap();
        let options = MountOptions {
            ttl: Duration::from_millis(0),
            ..MountOptions::default()
        };
        let handle = mount(store.clone(), mount_dir.path(), options).expect("mount");
        Some(MountedSession {
            store,
            handle: Some(handle),
            mountpoint: mount_dir.path().to_owned(),
            _store_dir: store_dir,
            _mount_dir: mount_dir,
        })
    }

    pub fn path(&self) -> &Path {
        &self.mountpoint
    }
}

impl Drop for MountedSession {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.unmount().expect("unmount");
        }
    }
}

fn fuse_unavailable() -> Option<String> {
    if !Path::new("/dev/fuse").exists() {
        return Some("/dev/fuse does not exist".into());
    }
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("fusermount3").exists()))
        .unwrap_or(false);
    if !found {
        return Some("fusermount3 is not installed (apt-get install fuse3)".into());
    }
    None
}

/// Skips the test (returns) when FUSE is unavailable outside CI.
#[macro_export]
macro_rules! mounted {
    () => {
        match common::MountedSession::new() {
            Some(s) => s,
            None => return,
        }
    };
}
