//! Tests through a real mount.

use crate::common;

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::time::{Duration, UNIX_EPOCH};

use alexander_store::{At, PutOptions};

fn errno(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

#[test]
fn buckets_are_directories() {
    let s = mounted!();
    let b = s.path().join("bucket-one");
    fs::create_dir(&b).unwrap();
    assert!(s.store.head_bucket("bucket-one").is_ok());
    assert_eq!(
        errno(&fs::create_dir(&b).unwrap_err()),
        libc::EEXIST,
        "mkdir of an existing bucket"
    );
    let names: Vec<_> = fs::read_dir(s.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["bucket-one"]);
    fs::write(b.join("f"), b"x").unwrap();
    assert_eq!(errno(&fs::remove_dir(&b).unwrap_err()), libc::ENOTEMPTY);
    fs::remove_file(b.join("f")).unwrap();
    fs::remove_dir(&b).unwrap();
    assert!(s.store.head_bucket("bucket-one").is_err());
    assert_eq!(
        errno(&fs::metadata(&b).unwrap_err()),
        libc::ENOENT,
        "removed bucket"
    );
}

#[test]
fn a_bucket_directory_keeps_its_mode_owner_and_time() {
    use std::os::unix::fs::{DirBuilderExt, chown};
    let mut s = mounted!();
    let b = s.path().join("roots");
    fs::DirBuilder::new().mode(0o750).create(&b).unwrap();
    assert_eq!(
        fs::metadata(&b).unwrap().mode() & 0o7777,
        0o750,
        "mkdir's mode"
    );
    // A bucket made over S3 shows the defaults.
    s.store.create_bucket("from-s3").unwrap();
    let m = fs::metadata(s.path().join("from-s3")).unwrap();
    assert_eq!(m.mode() & 0o7777, 0o755);

    fs::set_permissions(&b, fs::Permissions::from_mode(0o1770)).unwrap();
    // Only root may give a file away; anyone may chown to themselves.
    let me = fs::metadata("/proc/self").unwrap();
    let (uid, gid) = if me.uid() == 0 {
        (4321, 8765)
    } else {
        (me.uid(), me.gid())
    };
    chown(&b, Some(uid), Some(gid)).unwrap();
    let when = UNIX_EPOCH + Duration::new(1_500_000_000, 987_654_321);
    fs::File::open(&b).unwrap().set_modified(when).unwrap();
    let expect = |m: &fs::Metadata, what: &str| {
        assert_eq!(
            (
                m.mode() & 0o7777,
                m.uid(),
                m.gid(),
                m.mtime(),
                m.mtime_nsec()
            ),
            (0o1770, uid, gid, 1_500_000_000, 987_654_321),
            "{what}"
        );
    };
    expect(&fs::metadata(&b).unwrap(), "after chmod, chown and utimens");
    // Kept by the store, not the kernel's cache.
    s.remount();
    expect(&fs::metadata(&b).unwrap(), "after a remount");
    // The bucket itself is unchanged for S3.
    let page = s.store.list_objects("roots", &Default::default()).unwrap();
    assert!(page.objects.is_empty() && page.common_prefixes.is_empty());
}

#[test]
fn big_file_round_trips_and_is_an_object() {
    let s = mounted!();
    fs::create_dir(s.path().join("data")).unwrap();
    let data = common::noise(20 << 20, 7);
    let p = s.path().join("data/big.bin");
    fs::write(&p, &data).unwrap();
    assert_eq!(fs::metadata(&p).unwrap().len(), data.len() as u64);
    let back = fs::read(&p).unwrap();
    assert!(back == data, "bytes read back differ");

    // Reads at an offset.
    let mut f = fs::File::open(&p).unwrap();
    std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(12_345_678)).unwrap();
    let mut buf = vec![0; 100_000];
    f.read_exact(&mut buf).unwrap();
    assert!(buf == data[12_345_678..12_445_678]);

    // The same object over the store: bytes, the mount's ETag and
    // CRC64NVME (no MD5 of the bytes), attributes.
    let mut r = s
        .store
        .get_object("data", "big.bin", At::Current, None)
        .unwrap();
    let mut via_store = Vec::new();
    r.read_to_end(&mut via_store).unwrap();
    assert!(via_store == data);
    let info = r.info();
    common::assert_mount_written(info, &data);
    let attrs = &info.meta.attrs;
    assert_eq!(attrs.mode.map(|m| m & 0o170000), Some(libc::S_IFREG));
    assert!(attrs.mtime_ns.is_some() && attrs.uid.is_some() && attrs.gid.is_some());
}

/// Mounted by root, the mount reads ahead 1 MiB (its backing device's
/// `read_ahead_kb`), not FUSE's 128 KiB; anyone else keeps the default.
#[test]
fn root_widens_the_read_ahead() {
    use std::os::unix::fs::MetadataExt;
    let s = mounted!();
    let dev = fs::metadata(s.path()).unwrap().dev();
    let knob = format!(
        "/sys/class/bdi/{}:{}/read_ahead_kb",
        libc::major(dev),
        libc::minor(dev)
    );
    let kib: u32 = fs::read_to_string(&knob).unwrap().trim().parse().unwrap();
    if fs::metadata("/proc/self").unwrap().uid() == 0 {
        assert_eq!(kib, 1024, "{knob}");
    } else {
        assert!(kib <= 1024, "{knob}: {kib}");
    }
}

#[test]
fn store_writes_show_in_the_mount() {
    let s = mounted!();
    s.store.create_bucket("fromstore").unwrap();
    let body = common::noise(300_000, 3);
    s.store
        .put_object("fromstore", "a/b/c.txt", &body[..], PutOptions::default())
        .unwrap();
    let p = s.path().join("fromstore/a/b/c.txt");
    assert!(fs::read(&p).unwrap() == body);
    let m = fs::metadata(&p).unwrap();
    assert_eq!(m.mode() & 0o7777, 0o644, "default mode");
    assert!(fs::metadata(s.path().join("fromstore/a")).unwrap().is_dir());
    assert_eq!(m.mode() & 0o170000, libc::S_IFREG);
    // Overwritten over S3: the mount reads the new bytes.
    s.store
        .put_object("fromstore", "a/b/c.txt", &b"new"[..], PutOptions::default())
        .unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"new");
    // Deleted over S3: gone from the mount.
    s.store
        .delete_object("fromstore", "a/b/c.txt", None)
        .unwrap();
    assert_eq!(errno(&fs::metadata(&p).unwrap_err()), libc::ENOENT);
}

#[test]
fn directories_and_errnos() {
    let s = mounted!();
    let b = s.path().join("dirs");
    fs::create_dir(&b).unwrap();
    fs::create_dir(b.join("d")).unwrap();
    assert!(
        s.store.head_object("dirs", "d/", At::Current).is_ok(),
        "marker"
    );
    assert_eq!(
        errno(&fs::create_dir(b.join("d")).unwrap_err()),
        libc::EEXIST
    );
    fs::create_dir_all(b.join("d/e/f")).unwrap();
    fs::write(b.join("d/e/f/file"), b"hello").unwrap();
    assert_eq!(
        errno(&fs::remove_dir(b.join("d/e")).unwrap_err()),
        libc::ENOTEMPTY
    );
    assert_eq!(errno(&fs::read(b.join("nope")).unwrap_err()), libc::ENOENT);
    assert_eq!(
        errno(&fs::remove_file(b.join("nope")).unwrap_err()),
        libc::ENOENT
    );
    assert_eq!(
        errno(&fs::remove_dir(b.join("nope")).unwrap_err()),
        libc::ENOENT
    );
    // O_EXCL on an existing file.
    let e = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(b.join("d/e/f/file"))
        .unwrap_err();
    assert_eq!(errno(&e), libc::EEXIST);
    // EISDIR / ENOTDIR.
    assert_eq!(errno(&fs::read(b.join("d")).unwrap_err()), libc::EISDIR);
    assert_eq!(
        errno(&fs::remove_file(b.join("d")).unwrap_err()),
        libc::EISDIR
    );
    assert_eq!(
        errno(&fs::metadata(b.join("d/e/f/file/x")).unwrap_err()),
        libc::ENOTDIR
    );
    assert_eq!(
        errno(&fs::remove_dir(b.join("d/e/f/file")).unwrap_err()),
        libc::ENOTDIR
    );
    // Names over 255 bytes.
    let long = "x".repeat(256);
    assert_eq!(
        errno(&fs::write(b.join(&long), b"").unwrap_err()),
        libc::ENAMETOOLONG
    );
    assert_eq!(
        errno(&fs::create_dir(b.join(&long)).unwrap_err()),
        libc::ENAMETOOLONG
    );
    // A directory emptied by unlink stays; rmdir removes it.
    fs::remove_file(b.join("d/e/f/file")).unwrap();
    assert!(fs::metadata(b.join("d/e/f")).unwrap().is_dir());
    fs::remove_dir(b.join("d/e/f")).unwrap();
    fs::remove_dir(b.join("d/e")).unwrap();
    assert_eq!(
        errno(&fs::metadata(b.join("d/e")).unwrap_err()),
        libc::ENOENT
    );
    let names: Vec<_> = fs::read_dir(b.join("d")).unwrap().collect();
    assert!(names.is_empty());
}

#[test]
fn readdir_pages_through_a_large_directory() {
    let s = mounted!();
    s.store.create_bucket("many").unwrap();
    let n = 1_300;
    for i in 0..n {
        s.store
            .put_object(
                "many",
                &format!("dir/f{i:05}"),
                &b"x"[..],
                PutOptions::default(),
            )
            .unwrap();
    }
    s.store
        .put_object("many", "dir/sub/inner", &b"y"[..], PutOptions::default())
        .unwrap();
    let mut names: Vec<String> = fs::read_dir(s.path().join("many/dir"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), n + 1);
    assert_eq!(names[0], "f00000");
    assert_eq!(names[n], "sub");
}

#[test]
fn rename_files_and_directories() {
    let s = mounted!();
    let b = s.path().join("ren");
    fs::create_dir(&b).unwrap();
    fs::write(b.join("a"), b"A").unwrap();
    fs::write(b.join("b"), b"B").unwrap();
    let ino = fs::metadata(b.join("a")).unwrap().ino();
    fs::rename(b.join("a"), b.join("b")).unwrap();
    assert_eq!(fs::read(b.join("b")).unwrap(), b"A");
    assert_eq!(
        fs::metadata(b.join("b")).unwrap().ino(),
        ino,
        "inode follows"
    );
    assert_eq!(errno(&fs::metadata(b.join("a")).unwrap_err()), libc::ENOENT);

    fs::create_dir_all(b.join("d1/sub")).unwrap();
    fs::write(b.join("d1/sub/f"), b"deep").unwrap();
    fs::rename(b.join("d1"), b.join("d2")).unwrap();
    assert_eq!(fs::read(b.join("d2/sub/f")).unwrap(), b"deep");
    assert!(s.store.head_object("ren", "d2/sub/f", At::Current).is_ok());
    assert!(s.store.head_object("ren", "d1/sub/f", At::Current).is_err());
    assert_eq!(
        errno(&fs::metadata(b.join("d1")).unwrap_err()),
        libc::ENOENT
    );

    // Over a non-empty directory, a file over a directory, into itself.
    fs::create_dir(b.join("d3")).unwrap();
    fs::write(b.join("d3/x"), b"").unwrap();
    assert_eq!(
        errno(&fs::rename(b.join("d2"), b.join("d3")).unwrap_err()),
        libc::ENOTEMPTY
    );
    assert_eq!(
        errno(&fs::rename(b.join("b"), b.join("d3")).unwrap_err()),
        libc::EISDIR
    );
    assert_eq!(
        errno(&fs::rename(b.join("d2"), b.join("b")).unwrap_err()),
        libc::ENOTDIR
    );
    assert_eq!(
        errno(&fs::rename(b.join("d2"), b.join("d2/sub/in")).unwrap_err()),
        libc::EINVAL
    );

    // Across buckets.
    fs::create_dir(s.path().join("other")).unwrap();
    let e = fs::rename(b.join("b"), s.path().join("other/b")).unwrap_err();
    assert_eq!(errno(&e), libc::EXDEV);
}

#[test]
fn symlinks_modes_and_times() {
    let s = mounted!();
    let b = s.path().join("attrs");
    fs::create_dir(&b).unwrap();
    std::os::unix::fs::symlink("target/of/link", b.join("ln")).unwrap();
    assert_eq!(
        fs::read_link(b.join("ln")).unwrap().to_str().unwrap(),
        "target/of/link"
    );
    assert!(
        fs::symlink_metadata(b.join("ln"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let info = s.store.head_object("attrs", "ln", At::Current).unwrap();
    assert_eq!(info.size, 0);
    assert_eq!(
        info.meta.attrs.symlink.as_deref(),
        Some(&b"target/of/link"[..])
    );

    let f = b.join("file");
    let mut h = fs::File::create(&f).unwrap();
    h.write_all(b"data").unwrap();
    h.sync_all().unwrap();
    drop(h);
    // A hard link is another name of the file (`links.rs` tests them).
    fs::hard_link(&f, b.join("hard")).unwrap();
    assert_eq!(fs::metadata(b.join("hard")).unwrap().nlink(), 2);
    fs::remove_file(b.join("hard")).unwrap();
    assert_eq!(fs::metadata(&f).unwrap().nlink(), 1);
    fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(fs::metadata(&f).unwrap().mode() & 0o7777, 0o600);
    let when = UNIX_EPOCH + Duration::new(1_600_000_000, 123_456_789);
    fs::File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_modified(when)
        .unwrap();
    let m = fs::metadata(&f).unwrap();
    assert_eq!((m.mtime(), m.mtime_nsec()), (1_600_000_000, 123_456_789));
    let info = s.store.head_object("attrs", "file", At::Current).unwrap();
    assert_eq!(info.meta.attrs.mtime_ns, Some(1_600_000_000_123_456_789));
    assert_eq!(info.meta.attrs.mode.map(|m| m & 0o7777), Some(0o600));
    assert_eq!(
        fs::read(&f).unwrap(),
        b"data",
        "attributes changed in place"
    );
}

#[test]
fn truncate_append_and_writes_in_the_middle() {
    let s = mounted!();
    let b = s.path().join("writes");
    fs::create_dir(&b).unwrap();
    let f = b.join("f");
    fs::write(&f, b"first version").unwrap();
    fs::write(&f, b"second").unwrap(); // O_TRUNC
    assert_eq!(fs::read(&f).unwrap(), b"second");
    let mut h = fs::OpenOptions::new().append(true).open(&f).unwrap();
    h.write_all(b" more").unwrap();
    drop(h);
    assert_eq!(fs::read(&f).unwrap(), b"second more");
    fs::OpenOptions::new()
        .write(true)
        .open(&f)
        .unwrap()
        .set_len(0)
        .unwrap();
    assert_eq!(fs::read(&f).unwrap(), b"");
    assert_eq!(
        s.store
            .head_object("writes", "f", At::Current)
            .unwrap()
            .size,
        0
    );
    // A write in the middle edits the file in place.
    fs::write(&f, b"0123456789").unwrap();
    let mut h = fs::OpenOptions::new().write(true).open(&f).unwrap();
    std::io::Seek::seek(&mut h, std::io::SeekFrom::Start(3)).unwrap();
    h.write_all(b"x").unwrap();
    drop(h);
    assert_eq!(fs::read(&f).unwrap(), b"012x456789");
    // An empty file from touch.
    fs::File::create(b.join("empty")).unwrap();
    assert_eq!(
        s.store
            .head_object("writes", "empty", At::Current)
            .unwrap()
            .size,
        0
    );
}

/// Keys that cannot be paths, stored before buckets refused them (made
/// here with the rule off, then its setting dropped as a store from before
/// has none), follow the documented rule: left out of listings, still in
/// the store, and nothing else in the directory is disturbed; a key that is
/// both an object and a prefix shows once, as the file.
#[test]
fn keys_that_cannot_be_paths_are_left_out() {
    let s = mounted!();
    s.store.create_bucket("odd-keys").unwrap();
    s.store.set_path_rule("odd-keys", false).unwrap();
    let long = format!("dir/{}", "n".repeat(300));
    let odd = [
        "dir//empty-component",
        "dir/./dot",
        "dir/../dotdot",
        "/leading-slash",
        long.as_str(),
    ];
    for key in odd.iter().chain(["dir/fine", "both", "both/inner"].iter()) {
        s.store
            .put_object(
                "odd-keys",
                key,
                &b"x"[..],
                alexander_store::PutOptions::default(),
            )
            .unwrap();
    }
    s.store
        .set_bucket_setting("odd-keys", alexander_store::KEY_RULE_SETTING, None)
        .unwrap();
    let b = s.path().join("odd-keys");
    let mut top: Vec<String> = fs::read_dir(&b)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    // `/leading-slash` has an empty first component; `both` is listed once.
    assert_eq!(top, ["both", "dir"]);
    assert!(fs::metadata(b.join("both")).unwrap().is_file());
    let mut inner: Vec<String> = fs::read_dir(b.join("dir"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    inner.sort();
    assert_eq!(inner, ["fine"]);
    assert_eq!(fs::read(b.join("dir/fine")).unwrap(), b"x");
    // Every one stays in the store, readable over S3.
    for key in odd {
        assert!(
            s.store.head_object("odd-keys", key, At::Current).is_ok(),
            "{key}"
        );
    }
    // A rename of the directory in the mount would write those keys anew
    // under the new name, which the rule refuses: nothing moves. Once they
    // are deleted over S3, the directory renames.
    let e = fs::rename(b.join("dir"), b.join("moved")).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    assert_eq!(fs::read(b.join("dir/fine")).unwrap(), b"x");
    for key in odd {
        s.store.delete_object("odd-keys", key, None).unwrap();
    }
    fs::rename(b.join("dir"), b.join("moved")).unwrap();
    assert_eq!(fs::read(b.join("moved/fine")).unwrap(), b"x");
}

#[test]
fn pipes_sockets_and_device_nodes() {
    use rustix::fs::{CWD, FileType, Mode, makedev, mknodat};
    use std::os::unix::fs::FileTypeExt;
    let mut s = mounted!();
    let b = s.path().join("nodes");
    fs::create_dir(&b).unwrap();
    let mode = |m| Mode::from_raw_mode(m);
    mknodat(CWD, b.join("fifo"), FileType::Fifo, mode(0o640), 0).unwrap();
    mknodat(CWD, b.join("plain"), FileType::RegularFile, mode(0o600), 0).unwrap();
    mknodat(
        CWD,
        b.join("null"),
        FileType::CharacterDevice,
        mode(0o600),
        makedev(1, 3),
    )
    .unwrap();
    mknodat(
        CWD,
        b.join("loop"),
        FileType::BlockDevice,
        mode(0o660),
        makedev(7, 200),
    )
    .unwrap();
    drop(std::os::unix::net::UnixListener::bind(b.join("sock")).unwrap());
    let err = mknodat(CWD, b.join("fifo"), FileType::Fifo, mode(0o640), 0).unwrap_err();
    assert_eq!(err, rustix::io::Errno::EXIST);

    // A pipe in the mount is a pipe: the kernel carries its bytes.
    let reader = {
        let p = b.join("fifo");
        std::thread::spawn(move || fs::read(p).unwrap())
    };
    fs::OpenOptions::new()
        .write(true)
        .open(b.join("fifo"))
        .unwrap()
        .write_all(b"through the pipe")
        .unwrap();
    assert_eq!(reader.join().unwrap(), b"through the pipe");
    // The mount is nodev: a device node there opens nothing.
    let err = fs::File::open(b.join("null")).unwrap_err();
    assert_eq!(errno(&err), libc::EACCES);

    let check = |s: &common::MountedSession| {
        let b = s.path().join("nodes");
        let m = |n: &str| fs::symlink_metadata(b.join(n)).unwrap();
        assert!(m("fifo").file_type().is_fifo());
        assert_eq!(m("fifo").mode() & 0o7777, 0o640);
        assert!(m("sock").file_type().is_socket());
        assert!(m("plain").is_file());
        assert_eq!((m("plain").len(), m("plain").mode() & 0o7777), (0, 0o600));
        assert!(m("null").file_type().is_char_device());
        assert_eq!(m("null").rdev(), makedev(1, 3));
        assert!(m("loop").file_type().is_block_device());
        assert_eq!(m("loop").rdev(), makedev(7, 200));
        // Listings carry the types too (find -type p reads them).
        let mut types: Vec<(String, bool)> = fs::read_dir(&b)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let t = e.file_type().unwrap();
                (e.file_name().into_string().unwrap(), t.is_file())
            })
            .collect();
        types.sort();
        assert_eq!(
            types,
            [
                ("fifo".into(), false),
                ("loop".into(), false),
                ("null".into(), false),
                ("plain".into(), true),
                ("sock".into(), false)
            ]
        );
        // Over S3: empty objects whose mode has the type, as s3fs keeps it.
        let info = s.store.head_object("nodes", "fifo", At::Current).unwrap();
        assert_eq!(info.size, 0);
        assert_eq!(info.meta.attrs.mode, Some(libc::S_IFIFO | 0o640));
        let info = s.store.head_object("nodes", "null", At::Current).unwrap();
        assert_eq!(info.meta.user.get("rdev"), Some(&makedev(1, 3).to_string()));
    };
    check(&s);
    s.remount();
    check(&s);
    // They rename, change mode and go like files.
    let b = s.path().join("nodes");
    fs::rename(b.join("fifo"), b.join("pipe")).unwrap();
    fs::set_permissions(b.join("pipe"), fs::Permissions::from_mode(0o600)).unwrap();
    let m = fs::symlink_metadata(b.join("pipe")).unwrap();
    assert!(m.file_type().is_fifo());
    assert_eq!(m.mode() & 0o7777, 0o600);
    for n in ["pipe", "sock", "null", "loop", "plain"] {
        fs::remove_file(b.join(n)).unwrap();
    }
    assert_eq!(fs::read_dir(&b).unwrap().count(), 0);
}

#[test]
fn cp_inside_the_mount_shares_chunks() {
    let s = mounted!();
    let b = s.path().join("copies");
    fs::create_dir(&b).unwrap();
    let data = common::noise(5 << 20, 77);
    fs::write(b.join("src"), &data).unwrap();
    let before = s.store.stats().unwrap();
    // std's copy asks copy_file_range for the whole file, as cp does.
    assert_eq!(
        fs::copy(b.join("src"), b.join("dst")).unwrap(),
        data.len() as u64
    );
    assert!(fs::read(b.join("dst")).unwrap() == data);
    let (src, dst) = (
        s.store.head_object("copies", "src", At::Current).unwrap(),
        s.store.head_object("copies", "dst", At::Current).unwrap(),
    );
    assert_eq!((dst.size, &dst.etag), (src.size, &src.etag));
    let after = s.store.stats().unwrap();
    assert_eq!(after.stored_bytes, before.stored_bytes);
    assert_eq!(
        after.versions,
        before.versions + 1,
        "no empty version first"
    );

    // cp itself, out of a snapshot: the file as it was.
    fs::create_dir(b.join(".snapshots/before-edit")).unwrap();
    fs::write(b.join("src"), b"edited").unwrap();
    let cp = common::run_ok(
        std::process::Command::new("cp")
            .arg(b.join(".snapshots/before-edit/src"))
            .arg(b.join("restored")),
        Duration::from_secs(60),
    );
    assert!(cp.status.success());
    assert!(fs::read(b.join("restored")).unwrap() == data);
    // Over a file that has bytes: truncated at open, then a copy.
    assert_eq!(fs::copy(b.join("src"), b.join("dst")).unwrap(), 6);
    assert_eq!(fs::read(b.join("dst")).unwrap(), b"edited");
    let dst = s.store.head_object("copies", "dst", At::Current).unwrap();
    let src = s.store.head_object("copies", "src", At::Current).unwrap();
    assert_eq!(dst.etag, src.etag);

    // Out of a snapshot whose file was replaced by a longer one since (in
    // an unversioned bucket both are version `null`): the old bytes.
    fs::write(b.join("grows"), b"0123456789").unwrap();
    fs::create_dir(b.join(".snapshots/short")).unwrap();
    fs::write(b.join("grows"), b"abcdefghijklmnopqrstuvwxyz").unwrap();
    fs::copy(b.join(".snapshots/short/grows"), b.join("was")).unwrap();
    assert_eq!(fs::read(b.join("was")).unwrap(), b"0123456789");
    let mut tail = fs::OpenOptions::new()
        .append(true)
        .open(b.join("was"))
        .unwrap();
    let short = fs::File::open(b.join(".snapshots/short/grows")).unwrap();
    let (mut from, mut to) = (2u64, 10u64);
    let n = rustix::fs::copy_file_range(&short, Some(&mut from), &tail, Some(&mut to), 3);
    // O_APPEND is refused by the kernel; a plain handle appends.
    assert_eq!(n.unwrap_err(), rustix::io::Errno::BADF);
    drop(tail);
    tail = fs::OpenOptions::new()
        .write(true)
        .open(b.join("was"))
        .unwrap();
    let (mut from, mut to) = (2u64, 10u64);
    let n = rustix::fs::copy_file_range(&short, Some(&mut from), &tail, Some(&mut to), 3);
    assert_eq!(n.unwrap(), 3);
    drop((tail, short));
    assert_eq!(fs::read(b.join("was")).unwrap(), b"0123456789234");

    // Into another bucket: chunks are shared across buckets too.
    fs::create_dir(s.path().join("copies-elsewhere")).unwrap();
    let other = s.path().join("copies-elsewhere/dst");
    assert_eq!(
        fs::copy(b.join("restored"), &other).unwrap(),
        data.len() as u64
    );
    assert!(fs::read(&other).unwrap() == data);
    let there = s
        .store
        .head_object("copies-elsewhere", "dst", At::Current)
        .unwrap();
    let here = s
        .store
        .head_object("copies", "restored", At::Current)
        .unwrap();
    assert_eq!(there.etag, here.etag);

    // Over 2 GiB: the kernel asks in steps, and each step appends by
    // reference (a streamed copy would have a plain MD5 for its ETag).
    let big = b.join("big");
    let f = fs::File::create(&big).unwrap();
    let size = (3u64 << 30) + 12_345;
    f.set_len(size).unwrap();
    let islands = [0, (2u64 << 30) - 100, size - 70_000];
    for (i, at) in islands.iter().enumerate() {
        f.write_all_at(&common::noise(70_000, i as u64), *at)
            .unwrap();
    }
    drop(f);
    let cp = common::run_ok(
        std::process::Command::new("cp")
            .arg(&big)
            .arg(b.join("big-copy")),
        Duration::from_secs(120),
    );
    assert!(cp.status.success());
    let copy = fs::File::open(b.join("big-copy")).unwrap();
    assert_eq!(copy.metadata().unwrap().len(), size);
    let info = s
        .store
        .head_object("copies", "big-copy", At::Current)
        .unwrap();
    assert!(info.etag.contains('-'), "{}", info.etag);
    let original = fs::File::open(&big).unwrap();
    for at in islands.iter().chain(&[1 << 30, size - 1]) {
        let (mut x, mut y) = (vec![0; 100_000], vec![0; 100_000]);
        let n = original.read_at(&mut x, *at).unwrap();
        assert_eq!(copy.read_at(&mut y, *at).unwrap(), n);
        assert!(x[..n] == y[..n], "bytes at {at}");
    }
    drop((copy, original));

    // Part of a file: the kernel copies it through reads and writes.
    let (input, output) = (
        fs::File::open(b.join("restored")).unwrap(),
        fs::File::create(b.join("part")).unwrap(),
    );
    let (mut off_in, mut off_out) = (1000u64, 0u64);
    let n =
        rustix::fs::copy_file_range(&input, Some(&mut off_in), &output, Some(&mut off_out), 5000)
            .unwrap();
    assert_eq!(n, 5000);
    drop((input, output));
    assert!(fs::read(b.join("part")).unwrap() == data[1000..6000]);
}

/// With a long kernel cache, names found missing are cached as missing
/// (negative entries), yet a change reported as S3 reports it
/// (`invalidate_key`) shows at once: a new name, a name under directories
/// that were missing too, and names deleted by a change the report cannot
/// name one by one (an empty key, as DeleteObjects). A new bucket shows at
/// once without a report of its name: the root caches no missing name.
#[test]
fn a_long_cache_keeps_missing_names_until_a_change_over_s3_reports_them() {
    let options = alexander_fuse::MountOptions {
        ttl: Duration::from_secs(60),
        negative_ttl: Duration::from_secs(60),
        ..alexander_fuse::MountOptions::default()
    };
    let Some(s) = common::MountedSession::with(Default::default(), options, |_| {}) else {
        return;
    };
    let b = s.path().join("neg");
    fs::create_dir(&b).unwrap();
    let put = |key: &str, body: &[u8]| {
        s.store
            .put_object("neg", key, body, PutOptions::default())
            .unwrap();
    };

    // Missing, then put without a report: the kernel answers from its
    // negative entry, so the name stays missing (the cache is real).
    assert_eq!(
        errno(&fs::metadata(b.join("new.txt")).unwrap_err()),
        libc::ENOENT
    );
    put("new.txt", b"first");
    assert_eq!(
        errno(&fs::metadata(b.join("new.txt")).unwrap_err()),
        libc::ENOENT
    );
    // Reported: it shows at once.
    s.invalidate_key("neg", "new.txt");
    assert_eq!(fs::read(b.join("new.txt")).unwrap(), b"first");

    // A key under directories that were missing: the missing name is
    // the top one, under the nearest directory the mount knows.
    assert_eq!(
        errno(&fs::metadata(b.join("d1")).unwrap_err()),
        libc::ENOENT
    );
    put("d1/d2/f.txt", b"deep");
    s.invalidate_key("neg", "d1/d2/f.txt");
    assert_eq!(fs::read(b.join("d1/d2/f.txt")).unwrap(), b"deep");
    // One level down, the missing name is the middle one.
    assert_eq!(
        errno(&fs::metadata(b.join("d1/e2")).unwrap_err()),
        libc::ENOENT
    );
    put("d1/e2/e3/g.txt", b"middle");
    s.invalidate_key("neg", "d1/e2/e3/g.txt");
    assert_eq!(fs::read(b.join("d1/e2/e3/g.txt")).unwrap(), b"middle");

    // Names the kernel holds, deleted by a change reported for the bucket
    // as a whole.
    fs::write(b.join("x"), b"x").unwrap();
    fs::write(b.join("d1/y"), b"y").unwrap();
    assert!(b.join("x").exists() && b.join("d1/y").exists());
    s.store.delete_object("neg", "x", None).unwrap();
    s.store.delete_object("neg", "d1/y", None).unwrap();
    s.invalidate_key("neg", "");
    assert_eq!(errno(&fs::metadata(b.join("x")).unwrap_err()), libc::ENOENT);
    assert_eq!(
        errno(&fs::metadata(b.join("d1/y")).unwrap_err()),
        libc::ENOENT
    );

    // A name made through the mount where one was missing: the kernel
    // turns its own negative entry positive.
    assert_eq!(
        errno(&fs::metadata(b.join("made")).unwrap_err()),
        libc::ENOENT
    );
    fs::write(b.join("made"), b"here").unwrap();
    assert_eq!(fs::read(b.join("made")).unwrap(), b"here");

    // The root caches no missing bucket.
    let nb = s.path().join("later");
    assert_eq!(errno(&fs::metadata(&nb).unwrap_err()), libc::ENOENT);
    s.store.create_bucket("later").unwrap();
    assert!(nb.is_dir());
}
