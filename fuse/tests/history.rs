//! History through a real mount: `.snapshots/` and `.versions/` hold
//! exactly what was written before each snapshot or version, refuse writes
//! with `EROFS`, and stay out of directory listings. Also the one-bucket
//! mount and extended attributes.

use crate::common;

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::time::Duration;

use alexander_fuse::{MountOptions, VERSION_ID_XATTR};
use alexander_store::{At, Config, VersionQuery, Versioning};
use rustix::fs::XattrFlags;

/// What a tree holds: path → file bytes, `dir`, or `-> target`.
fn tree(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let ty = e.file_type().unwrap();
            if ty.is_symlink() {
                let t = fs::read_link(&path).unwrap();
                out.insert(rel, format!("-> {}", t.display()));
            } else if ty.is_dir() {
                out.insert(rel, "dir".into());
                walk(root, &path, out);
            } else {
                out.insert(rel, String::from_utf8(fs::read(&path).unwrap()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn errno<T: std::fmt::Debug>(r: std::io::Result<T>) -> i32 {
    r.expect_err("the call must fail").raw_os_error().unwrap()
}

fn errno_rx<T: std::fmt::Debug>(r: rustix::io::Result<T>) -> i32 {
    r.expect_err("the call must fail").raw_os_error()
}

/// Every way of writing under `dir` (a read-only history folder holding
/// the file `file`) is refused with `EROFS`, and nothing changes.
fn assert_read_only(dir: &Path, file: &str) {
    let before = tree(dir);
    let f = dir.join(file);
    let erofs = libc::EROFS;
    assert_eq!(errno(fs::write(dir.join("new"), b"x")), erofs);
    assert_eq!(errno(OpenOptions::new().write(true).open(&f)), erofs);
    assert_eq!(errno(OpenOptions::new().append(true).open(&f)), erofs);
    assert_eq!(errno(fs::remove_file(&f)), erofs);
    assert_eq!(errno(fs::create_dir(dir.join("d"))), erofs);
    assert_eq!(errno(fs::rename(&f, dir.join("moved"))), erofs);
    assert_eq!(errno(symlink("t", dir.join("new-link"))), erofs);
    assert_eq!(
        errno(fs::set_permissions(&f, fs::Permissions::from_mode(0o600))),
        erofs
    );
    assert_eq!(
        errno_rx(rustix::fs::setxattr(
            &f,
            "user.k",
            b"v",
            XattrFlags::empty()
        )),
        erofs
    );
    assert_eq!(
        errno(OpenOptions::new().write(true).truncate(true).open(&f)),
        erofs
    );
    assert_eq!(
        tree(dir),
        before,
        "a refused write changed {}",
        dir.display()
    );
}

#[test]
fn snapshots_are_read_only_trees_of_their_moment() {
    let s = mounted!();
    let b = s.path().join("snaps");
    fs::create_dir(&b).unwrap();
    fs::create_dir_all(b.join("docs/deep")).unwrap();
    fs::write(b.join("a.txt"), "one").unwrap();
    fs::write(b.join("docs/deep/b.txt"), "bee").unwrap();
    symlink("a.txt", b.join("link")).unwrap();
    fs::create_dir(b.join("empty")).unwrap();
    let at_s1 = tree(&b);

    fs::create_dir(b.join(".snapshots/s1")).unwrap();
    assert_eq!(errno(fs::create_dir(b.join(".snapshots/s1"))), libc::EEXIST);

    // Change everything after the snapshot.
    fs::write(b.join("a.txt"), "two, longer").unwrap();
    fs::remove_file(b.join("docs/deep/b.txt")).unwrap();
    fs::write(b.join("c.txt"), "new").unwrap();
    fs::rename(b.join("docs"), b.join("papers")).unwrap();
    let at_s2 = tree(&b);
    fs::create_dir(b.join(".snapshots/s2")).unwrap();
    fs::write(b.join("a.txt"), "three").unwrap();

    // Hidden from listings, reachable by name.
    assert!(!names(&b).contains(&".snapshots".to_owned()));
    assert_eq!(names(&b.join(".snapshots")), ["s1", "s2"]);
    assert!(fs::metadata(b.join(".snapshots")).unwrap().is_dir());

    assert_eq!(tree(&b.join(".snapshots/s1")), at_s1);
    assert_eq!(tree(&b.join(".snapshots/s2")), at_s2);
    assert_eq!(fs::read_to_string(b.join("a.txt")).unwrap(), "three");

    // The same view over the store's own snapshot reads.
    let mut r = s
        .store
        .get_object("snaps", "a.txt", At::Snapshot("s1"), None)
        .unwrap();
    let mut got = String::new();
    r.read_to_string(&mut got).unwrap();
    assert_eq!(got, "one");

    assert_read_only(&b.join(".snapshots/s1"), "a.txt");
    assert_read_only(&b.join(".snapshots/s2"), "c.txt");
    // Snapshots themselves are not files to write.
    assert_eq!(
        errno(fs::write(b.join(".snapshots/file"), b"x")),
        libc::EROFS
    );
    assert_eq!(
        errno(fs::remove_dir(b.join(".snapshots/nope"))),
        libc::ENOENT
    );
    assert_eq!(errno(fs::remove_dir(b.join(".snapshots"))), libc::EROFS);
    assert_eq!(errno(fs::create_dir(b.join(".snapshots"))), libc::EEXIST);
    assert_eq!(errno(fs::write(b.join(".snapshots"), b"x")), libc::EISDIR);

    // rmdir deletes a snapshot; its name can be taken again.
    fs::remove_dir(b.join(".snapshots/s1")).unwrap();
    assert_eq!(names(&b.join(".snapshots")), ["s2"]);
    assert!(
        s.store
            .list_snapshots("snaps")
            .unwrap()
            .iter()
            .all(|x| x.name != "s1")
    );
    fs::create_dir(b.join(".snapshots/s1")).unwrap();
    assert_eq!(
        fs::read_to_string(b.join(".snapshots/s1/a.txt")).unwrap(),
        "three"
    );
}

#[test]
fn versions_folders_hold_each_version_of_each_file() {
    let s = mounted!();
    let b = s.path().join("hist");
    fs::create_dir(&b).unwrap();
    s.store.set_versioning("hist", Versioning::Enabled).unwrap();
    fs::create_dir(b.join("dir")).unwrap();
    let f = b.join("dir/notes.txt");
    let contents = ["first", "second, longer", "", "fourth"];
    for c in contents {
        fs::write(&f, c).unwrap();
    }
    // An in-place edit makes a version too.
    let mut h = OpenOptions::new().write(true).open(&f).unwrap();
    h.write_all(b"F").unwrap();
    drop(h);
    fs::write(b.join("dir/gone.txt"), "deleted later").unwrap();
    fs::remove_file(b.join("dir/gone.txt")).unwrap();
    fs::write(b.join("top.txt"), "top").unwrap();

    let vdir = b.join("dir/.versions");
    assert!(!names(&b.join("dir")).contains(&".versions".to_owned()));
    // A deleted file keeps its folder, so it can be found again.
    assert_eq!(names(&vdir), ["gone.txt", "notes.txt"]);
    assert_eq!(names(&b.join(".versions")), ["top.txt"]);

    let entries = names(&vdir.join("notes.txt"));
    let read: Vec<String> = entries
        .iter()
        .map(|e| fs::read_to_string(vdir.join("notes.txt").join(e)).unwrap())
        .collect();
    assert_eq!(read, ["first", "second, longer", "", "fourth", "Fourth"]);
    assert_eq!(
        fs::read_to_string(vdir.join("gone.txt")).map_err(|e| e.raw_os_error()),
        Err(Some(libc::EISDIR))
    );
    assert_eq!(names(&vdir.join("gone.txt")).len(), 1);

    // Each entry is the version `GetObject?versionId=` reads, and says its
    // id in an xattr.
    let listed = s
        .store
        .list_versions(
            "hist",
            &VersionQuery {
                prefix: "dir/notes.txt".into(),
                max_keys: 100,
                ..VersionQuery::default()
            },
        )
        .unwrap();
    let mut ids: Vec<String> = listed
        .versions
        .iter()
        .filter(|v| !v.delete_marker)
        .map(|v| v.info.version_id.clone())
        .collect();
    ids.reverse(); // oldest first, as the names sort
    for (entry, id) in entries.iter().zip(&ids) {
        let p = vdir.join("notes.txt").join(entry);
        let mut buf = vec![0u8; 256];
        let n = rustix::fs::getxattr(&p, VERSION_ID_XATTR, &mut buf[..]).unwrap();
        assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), id);
        let mut want = Vec::new();
        s.store
            .get_object("hist", "dir/notes.txt", At::Version(id), None)
            .unwrap()
            .read_to_end(&mut want)
            .unwrap();
        assert_eq!(fs::read(&p).unwrap(), want);
        let meta = fs::metadata(&p).unwrap();
        assert_eq!(meta.len(), want.len() as u64);
    }
    // Names are UTC times to the nanosecond.
    assert!(
        entries.iter().all(|e| e.len() == 30 && e.ends_with('Z')),
        "{entries:?}"
    );
    assert_eq!(
        errno(fs::metadata(
            vdir.join("notes.txt/1999-01-01T00:00:00.000000000Z")
        )),
        libc::ENOENT
    );
    assert_eq!(errno(fs::metadata(vdir.join("nothing.txt"))), libc::ENOENT);

    assert_read_only(&vdir.join("notes.txt"), &entries[0]);
    assert_eq!(errno(fs::write(vdir.join("x"), b"x")), libc::EROFS);
    assert_eq!(
        errno(fs::write(b.join("dir/.versions"), b"x")),
        libc::EISDIR
    );
    assert_eq!(errno(fs::create_dir(b.join("dir/.versions"))), libc::EEXIST);
    assert_eq!(errno(fs::remove_dir(b.join("dir/.versions"))), libc::EROFS);
    assert_eq!(
        errno(fs::rename(b.join("dir/.versions"), b.join("elsewhere"))),
        libc::EROFS
    );
    // The kernel sees a directory there, as for any directory.
    assert_eq!(
        errno(fs::rename(b.join("top.txt"), b.join("dir/.versions"))),
        libc::EISDIR
    );
    assert_eq!(fs::read_to_string(&f).unwrap(), "Fourth");
}

/// rsync's way of replacing a file (a temporary file renamed over it)
/// leaves the file's versions, and nothing under the temporary names.
#[test]
fn files_saved_through_a_temporary_name_leave_no_history_under_it() {
    let s = mounted!();
    let b = s.path().join("saves");
    fs::create_dir(&b).unwrap();
    s.store
        .set_versioning("saves", Versioning::Enabled)
        .unwrap();
    fs::create_dir(b.join("dir")).unwrap();
    for (n, body) in ["first", "second", "third"].into_iter().enumerate() {
        let tmp = b.join(format!("dir/.doc.txt.{n:06}"));
        fs::write(&tmp, body).unwrap();
        fs::rename(&tmp, b.join("dir/doc.txt")).unwrap();
    }
    assert_eq!(fs::read_to_string(b.join("dir/doc.txt")).unwrap(), "third");
    assert_eq!(names(&b.join("dir/.versions")), ["doc.txt"]);
    assert_eq!(names(&b.join("dir/.versions/doc.txt")).len(), 3);
    let q = VersionQuery {
        max_keys: 1000,
        ..VersionQuery::default()
    };
    let keys: Vec<String> = s
        .store
        .list_versions("saves", &q)
        .unwrap()
        .versions
        .into_iter()
        .map(|v| v.info.key)
        .collect();
    assert_eq!(keys, ["dir/", "dir/doc.txt", "dir/doc.txt", "dir/doc.txt"]);
    // A file with history keeps it when it is moved away.
    fs::rename(b.join("dir/doc.txt"), b.join("dir/moved.txt")).unwrap();
    assert_eq!(names(&b.join("dir/.versions")), ["doc.txt", "moved.txt"]);
}

#[test]
fn a_bucket_can_be_mounted_as_the_root() {
    let options = MountOptions {
        ttl: Duration::ZERO,
        bucket: Some("only".into()),
        ..MountOptions::default()
    };
    let Some(s) = common::MountedSession::with(Config::default(), options, |store| {
        store.create_bucket("only").unwrap();
        store.create_bucket("other").unwrap();
    }) else {
        return;
    };
    let root = s.path();
    fs::create_dir(root.join("sub")).unwrap();
    fs::write(root.join("sub/f"), "in the bucket").unwrap();
    fs::write(root.join("g"), "top").unwrap();
    assert_eq!(names(root), ["g", "sub"]);
    let mut got = String::new();
    s.store
        .get_object("only", "sub/f", At::Current, None)
        .unwrap()
        .read_to_string(&mut got)
        .unwrap();
    assert_eq!(got, "in the bucket");
    fs::rename(root.join("g"), root.join("sub/g")).unwrap();
    assert!(s.store.head_object("only", "sub/g", At::Current).is_ok());
    fs::create_dir(root.join(".snapshots/before")).unwrap();
    fs::remove_file(root.join("sub/f")).unwrap();
    assert_eq!(
        fs::read_to_string(root.join(".snapshots/before/sub/f")).unwrap(),
        "in the bucket"
    );
    // The root is the bucket: it cannot go, and other buckets are not here.
    assert_eq!(errno(fs::metadata(root.join("other"))), libc::ENOENT);
    assert!(s.store.head_bucket("other").is_ok());
}

#[test]
fn mounting_a_missing_bucket_fails_clearly() {
    let options = MountOptions {
        bucket: Some("missing".into()),
        ..MountOptions::default()
    };
    let dir = tempfile::TempDir::new().unwrap();
    let mnt = tempfile::TempDir::new().unwrap();
    let store = alexander_store::Store::open(dir.path(), Config::default()).unwrap();
    let err = alexander_fuse::mount(store, mnt.path(), options)
        .err()
        .expect("no such bucket");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn extended_attributes_are_kept_with_the_file() {
    let s = mounted!();
    let b = s.path().join("xattrs");
    fs::create_dir(&b).unwrap();
    let f = b.join("f");
    fs::write(&f, "data").unwrap();
    let set = |name: &str, v: &[u8], flags| rustix::fs::setxattr(&f, name, v, flags);
    set("user.color", b"blue", XattrFlags::empty()).unwrap();
    set("user.empty", b"", XattrFlags::CREATE).unwrap();
    let mut buf = [0u8; 64];
    let n = rustix::fs::getxattr(&f, "user.color", &mut buf[..]).unwrap();
    assert_eq!(&buf[..n], b"blue");
    assert_eq!(rustix::fs::getxattr_query(&f, "user.color").unwrap(), 4);
    let mut small = [0u8; 2];
    assert_eq!(
        errno_rx(rustix::fs::getxattr(&f, "user.color", &mut small[..])),
        libc::ERANGE
    );
    let mut list = vec![0u8; 256];
    let n = rustix::fs::listxattr(&f, &mut list[..]).unwrap();
    assert_eq!(&list[..n], b"user.color\0user.empty\0");

    // Create and replace flags, missing names, other namespaces, limits.
    assert_eq!(
        errno_rx(set("user.color", b"red", XattrFlags::CREATE)),
        libc::EEXIST
    );
    assert_eq!(
        errno_rx(set("user.none", b"x", XattrFlags::REPLACE)),
        libc::ENODATA
    );
    set("user.color", b"red", XattrFlags::REPLACE).unwrap();
    assert_eq!(
        errno_rx(rustix::fs::getxattr(&f, "user.none", &mut buf[..])),
        libc::ENODATA
    );
    assert_eq!(
        errno_rx(rustix::fs::getxattr(
            &f,
            "security.capability",
            &mut buf[..]
        )),
        libc::ENODATA
    );
    assert_eq!(
        errno_rx(set("trusted.x", b"1", XattrFlags::empty())),
        libc::EOPNOTSUPP
    );
    assert_eq!(
        errno_rx(set("user.big", &vec![7u8; 65 * 1024], XattrFlags::empty())),
        libc::E2BIG
    );
    assert_eq!(
        errno_rx(rustix::fs::removexattr(&f, "user.none")),
        libc::ENODATA
    );

    // Kept in the store with the version, through renames, rewrites and
    // in-place edits.
    let stored = |key: &str| {
        s.store
            .head_object("xattrs", key, At::Current)
            .unwrap()
            .meta
            .attrs
            .xattrs
    };
    assert_eq!(stored("f").get(&b"user.color"[..]).unwrap(), b"red");
    fs::rename(&f, b.join("g")).unwrap();
    let g = b.join("g");
    let mut h = OpenOptions::new().append(true).open(&g).unwrap();
    h.write_all(b" more").unwrap();
    drop(h);
    fs::write(&g, "rewritten").unwrap();
    assert_eq!(stored("g").get(&b"user.color"[..]).unwrap(), b"red");
    assert_eq!(fs::read_to_string(&g).unwrap(), "rewritten");
    rustix::fs::removexattr(&g, "user.color").unwrap();
    let n = rustix::fs::listxattr(&g, &mut list[..]).unwrap();
    assert_eq!(&list[..n], b"user.empty\0");
    assert!(!stored("g").contains_key(&b"user.color"[..]));

    // Directories keep theirs on their marker.
    fs::create_dir(b.join("d")).unwrap();
    rustix::fs::setxattr(b.join("d"), "user.kind", b"folder", XattrFlags::empty()).unwrap();
    assert_eq!(stored("d/").get(&b"user.kind"[..]).unwrap(), b"folder");
    let n = rustix::fs::getxattr(b.join("d"), "user.kind", &mut buf[..]).unwrap();
    assert_eq!(&buf[..n], b"folder");
}
