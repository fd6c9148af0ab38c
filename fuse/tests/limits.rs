//! The mount at its limits: a full disk and files over 4 GiB.

use crate::common;

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use alexander_fuse::{MountOptions, mount};
use alexander_store::{At, Config, Store};

/// A tmpfs of `mib` MiB mounted at a new temporary directory, unmounted on
/// drop; `None` (after saying why) where it cannot be mounted outside CI.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn new(mib: u32) -> Option<SmallDisk> {
        let dir = tempfile::TempDir::new().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(SmallDisk { dir }),
            other => {
                let why = format!("cannot mount a small tmpfs (needs root): {other:?}");
                if common::in_ci() {
                    panic!("{why}");
                }
                eprintln!("skipping: {why}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn read_object(store: &Store, bucket: &str, key: &str) -> Vec<u8> {
    let mut out = Vec::new();
    store
        .get_object(bucket, key, At::Current, None)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Writes `data` to `path` through the mount and makes it durable; the
/// first error of any step.
fn write_durably(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(path)?;
    for piece in data.chunks(1 << 20) {
        f.write_all(piece)?;
    }
    f.sync_all()
}

#[test]
fn a_full_disk_is_enospc_and_corrupts_nothing() {
    if common::MountedSession::new().is_none() {
        return; // FUSE unavailable (said why); fails under CI
    }
    let Some(disk) = SmallDisk::new(48) else {
        return;
    };
    let data = disk.path().join("store");
    let mnt = tempfile::TempDir::new().unwrap();
    let config = Config {
        gc_grace: Duration::ZERO,
        // A small disk: keep 8 MiB of it for the metadata database.
        reserved_bytes: 8 << 20,
        ..Config::default()
    };
    let store = Store::open(&data, config.clone()).unwrap();
    let options = MountOptions {
        ttl: Duration::ZERO,
        ..MountOptions::default()
    };
    let handle = mount(store.clone(), mnt.path(), options).unwrap();
    let b = mnt.path().join("full");
    fs::create_dir(&b).unwrap();
    let kept = common::noise(4 << 20, 1);
    write_durably(&b.join("kept"), &kept).unwrap();

    // df of the mount shows the disk under the store.
    let vfs = rustix::fs::statvfs(mnt.path()).unwrap();
    let total = vfs.f_blocks * vfs.f_frsize;
    assert!(
        (40 << 20..=48 << 20).contains(&total),
        "statfs total {total}"
    );

    // Far more than fits: some step fails with ENOSPC.
    let err = write_durably(&b.join("too-big"), &common::noise(80 << 20, 2))
        .expect_err("80 MiB cannot fit on a 48 MiB disk");
    assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");
    // An in-place edit that cannot fit fails the same way and leaves the
    // file as it was.
    let edit = (|| -> std::io::Result<()> {
        let mut f = OpenOptions::new().write(true).open(b.join("kept"))?;
        f.seek(SeekFrom::Start(1 << 20))?;
        for _ in 0..60 {
            f.write_all(&common::noise(1 << 20, 3))?;
        }
        f.sync_all()
    })();
    let err = edit.expect_err("60 MiB of edits cannot fit");
    assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");

    // What was committed before is intact, in both views.
    assert_eq!(read_object(&store, "full", "kept"), kept);
    assert_eq!(fs::read(b.join("kept")).unwrap(), kept);
    assert!(!b.join("too-big").exists() || fs::metadata(b.join("too-big")).unwrap().len() == 0);

    // Room made again, writes work again.
    let _ = fs::remove_file(b.join("too-big"));
    store.gc().unwrap();
    store.compact().unwrap();
    let after = common::noise(2 << 20, 4);
    write_durably(&b.join("after"), &after).unwrap();
    assert_eq!(fs::read(b.join("after")).unwrap(), after);
    handle.unmount().unwrap();
    drop(store);

    // Reopened: nothing is corrupt.
    let store = Store::open(&data, config).unwrap();
    let report = store.fsck(true).unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(read_object(&store, "full", "kept"), kept);
    assert_eq!(read_object(&store, "full", "after"), after);
}

#[test]
fn files_over_4_gib_are_sparse_editable_and_readable() {
    let s = mounted!();
    let b = s.path().join("big");
    fs::create_dir(&b).unwrap();
    let p = b.join("huge");
    let size: u64 = (4 << 30) + (300 << 20);
    let far = (4 << 30) + 12_345;
    let tail = common::noise(100_000, 9);
    {
        let f = File::create(&p).unwrap();
        f.set_len(size).unwrap();
        f.write_all_at(&tail, far).unwrap();
        f.write_all_at(b"head", 0).unwrap();
        f.sync_all().unwrap();
    }
    assert_eq!(fs::metadata(&p).unwrap().len(), size);
    let f = File::open(&p).unwrap();
    let mut buf = vec![0u8; tail.len()];
    f.read_exact_at(&mut buf, far).unwrap();
    assert_eq!(buf, tail);
    let mut head = [0u8; 8];
    f.read_exact_at(&mut head, 0).unwrap();
    assert_eq!(&head, b"head\0\0\0\0");
    let mut zeros = vec![1u8; 4096];
    f.read_exact_at(&mut zeros, 3 << 30).unwrap();
    assert!(zeros.iter().all(|&b| b == 0));
    // The store agrees, and reads past 4 GiB by range.
    let info = s.store.head_object("big", "huge", At::Current).unwrap();
    assert_eq!(info.size, size);
    let mut r = s
        .store
        .get_object(
            "big",
            "huge",
            At::Current,
            Some(alexander_store::ByteRange::Inclusive(
                far,
                far + tail.len() as u64 - 1,
            )),
        )
        .unwrap();
    let mut got = Vec::new();
    r.read_to_end(&mut got).unwrap();
    assert_eq!(got, tail);
}
