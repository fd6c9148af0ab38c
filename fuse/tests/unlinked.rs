//! A file unlinked or replaced while open stays readable and writable
//! through the descriptors that are open, until the last closes; its name
//! is gone at once, in the mount and over S3; its chunks are garbage for
//! the next GC after the last close.

use crate::common::{self, MountedSession};

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::time::Duration;

use alexander_store::{At, Config};

fn config() -> Config {
    Config {
        gc_grace: Duration::ZERO,
        ..Config::default()
    }
}

fn gone(s: &MountedSession, bucket: &str, key: &str) {
    let p = s.path().join(bucket).join(key);
    assert_eq!(
        fs::metadata(&p).unwrap_err().raw_os_error(),
        Some(libc::ENOENT),
        "{key} still has its name"
    );
    assert!(
        s.store.head_object(bucket, key, At::Current).is_err(),
        "{key} is still an object"
    );
}

#[test]
fn an_unlinked_file_stays_readable_and_writable_until_the_last_close() {
    let Some(s) = MountedSession::with_config(config()) else {
        return;
    };
    fs::create_dir(s.path().join("bk1")).unwrap();
    let before = s.store.stats().unwrap().chunks;
    let p = s.path().join("bk1/tmp");
    let old: Vec<u8> = common::noise(300_000, 1);
    fs::write(&p, &old).unwrap();

    let mut rw = OpenOptions::new().read(true).write(true).open(&p).unwrap();
    let ro = File::open(&p).unwrap();
    fs::remove_file(&p).unwrap();
    gone(&s, "bk1", "tmp");

    // fstat: no name, the size it had.
    let m = rw.metadata().unwrap();
    assert_eq!(m.nlink(), 0);
    assert_eq!(m.len(), old.len() as u64);
    // Both descriptors read what was there.
    let mut back = Vec::new();
    ro.try_clone().unwrap().read_to_end(&mut back).unwrap();
    assert_eq!(back, old);
    // Writes through one are read through the other.
    rw.write_all_at(b"HELLO", 1000).unwrap();
    let mut buf = [0; 5];
    ro.read_exact_at(&mut buf, 1000).unwrap();
    assert_eq!(&buf, b"HELLO");
    rw.seek(SeekFrom::End(0)).unwrap();
    rw.write_all(b"tail").unwrap();
    assert_eq!(ro.metadata().unwrap().len(), old.len() as u64 + 4);
    // ftruncate and fallocate too.
    rw.set_len(2000).unwrap();
    assert_eq!(ro.metadata().unwrap().len(), 2000);
    rustix::fs::fallocate(&rw, rustix::fs::FallocateFlags::empty(), 0, 10_000).unwrap();
    assert_eq!(rw.metadata().unwrap().len(), 10_000);
    let mut back = vec![0; 10_000];
    ro.read_exact_at(&mut back, 0).unwrap();
    let mut want = old[..2000].to_vec();
    want[1000..1005].copy_from_slice(b"HELLO");
    want.resize(10_000, 0);
    assert_eq!(back, want);
    // An fsync of it is fine, and commits nothing.
    rw.sync_all().unwrap();
    gone(&s, "bk1", "tmp");

    // The name is free for a new file, which the old descriptors never see.
    fs::write(&p, b"new").unwrap();
    rw.write_all_at(b"old!", 0).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"new");
    drop(rw);
    let mut first = [0; 4];
    ro.read_exact_at(&mut first, 0).unwrap();
    assert_eq!(&first, b"old!");
    drop(ro);
    fs::remove_file(&p).unwrap();

    // After the last close, GC frees what only the orphan held.
    File::open(s.path()).unwrap().sync_all().unwrap();
    s.store.gc().unwrap();
    assert_eq!(s.store.stats().unwrap().chunks, before);
    assert!(s.store.fsck(true).unwrap().is_clean());
}

#[test]
fn a_new_file_unlinked_before_its_first_write_takes_writes() {
    let s = mounted!();
    fs::create_dir(s.path().join("bk1")).unwrap();
    let p = s.path().join("bk1/scratch");
    // tmpfile()'s pattern: create, unlink, then use.
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&p)
        .unwrap();
    fs::remove_file(&p).unwrap();
    gone(&s, "bk1", "scratch");
    assert_eq!(f.metadata().unwrap().nlink(), 0);
    let data = common::noise(200_000, 2);
    f.write_all_at(&data, 0).unwrap();
    let mut back = vec![0; data.len()];
    f.read_exact_at(&mut back, 0).unwrap();
    assert_eq!(back, data);
    assert_eq!(f.metadata().unwrap().len(), data.len() as u64);
    drop(f);
    gone(&s, "bk1", "scratch");
    assert!(fs::read_dir(s.path().join("bk1")).unwrap().next().is_none());
}

#[test]
fn a_file_renamed_over_keeps_its_readers() {
    let s = mounted!();
    fs::create_dir(s.path().join("bk1")).unwrap();
    let target = s.path().join("bk1/config");
    fs::write(&target, b"version one").unwrap();
    let reader = File::open(&target).unwrap();
    let writer = OpenOptions::new().write(true).open(&target).unwrap();
    // An editor's save: write a temporary file, rename it over.
    let tmp = s.path().join("bk1/.config.tmp");
    fs::write(&tmp, b"version two").unwrap();
    fs::rename(&tmp, &target).unwrap();

    assert_eq!(fs::read(&target).unwrap(), b"version two");
    let mut back = String::new();
    reader
        .try_clone()
        .unwrap()
        .read_to_string(&mut back)
        .unwrap();
    assert_eq!(back, "version one");
    assert_eq!(reader.metadata().unwrap().nlink(), 0);
    // Writes through the replaced file's descriptor stay with it.
    writer.write_all_at(b"VERSION", 0).unwrap();
    let mut buf = [0; 11];
    reader.read_exact_at(&mut buf, 0).unwrap();
    assert_eq!(&buf, b"VERSION one");
    drop(writer);
    drop(reader);
    assert_eq!(fs::read(&target).unwrap(), b"version two");
    let stored = s.store.head_object("bk1", "config", At::Current).unwrap();
    assert_eq!(stored.size, 11);
}

#[test]
fn an_unlinked_file_stays_open_for_another_user() {
    if !common::can_switch_users() {
        return;
    }
    let Some(s) = common::shared_mount(config()) else {
        return;
    };
    let dir = s.path().join("shared");
    // As nobody: create, write, unlink, then fstat, write and read back.
    let script = r#"
import os, sys
p = os.path.join(sys.argv[1], "t")
fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o600)
os.write(fd, b"x" * 100000)
os.unlink(p)
assert not os.path.exists(p)
st = os.fstat(fd)
assert st.st_nlink == 0 and st.st_size == 100000 and st.st_uid == 65534, st
os.pwrite(fd, b"abc", 50000)
os.ftruncate(fd, 50003)
assert os.pread(fd, 6, 49997) == b"xxxabc"
os.fchmod(fd, 0o640)
st = os.fstat(fd)
assert st.st_mode & 0o777 == 0o640 and st.st_size == 50003, st
os.close(fd)
"#;
    common::python_as_nobody(script, &[&dir]).unwrap();
    assert!(fs::read_dir(&dir).unwrap().next().is_none());
}

#[test]
fn a_killed_holder_of_an_unlinked_file_leaves_nothing() {
    let Some(s) = MountedSession::with_config(config()) else {
        return;
    };
    fs::create_dir(s.path().join("bk1")).unwrap();
    let p = s.path().join("bk1/held");
    fs::write(&p, common::noise(1 << 20, 3)).unwrap();
    File::open(s.path()).unwrap().sync_all().unwrap();
    // A process opens it, unlinks it and holds it open until killed.
    let mut holder = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"exec 3<"$1"; rm "$1"; echo ready; exec sleep 60"#)
        .arg("sh")
        .arg(&p)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = [0; 6];
    holder
        .stdout
        .take()
        .unwrap()
        .read_exact(&mut ready)
        .unwrap();
    gone(&s, "bk1", "held");
    let kept = s.store.gc().unwrap();
    assert!(kept.chunks_kept > 0, "the open file's chunks are kept");
    holder.kill().unwrap();
    holder.wait().unwrap();
    // The kernel releases the file once the process is gone: its chunks
    // are then garbage.
    let started = std::time::Instant::now();
    loop {
        let gc = s.store.gc().unwrap();
        if s.store.stats().unwrap().chunks == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "chunks still kept 10 s after the holder died: {gc:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(s.store.fsck(true).unwrap().is_clean());
}
