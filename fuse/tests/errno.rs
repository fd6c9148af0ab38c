//! The exact errno of every refused operation through a real mount, and
//! that a refused operation changes nothing: neither what the mount shows
//! (entries, types, sizes, modes, times, bytes, symlink targets) nor any
//! bucket, object version or metadata in the store.

use crate::common;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;

use alexander_store::{ListQuery, PutOptions, Store};
use rustix::fs::{CWD, RenameFlags, renameat_with};

/// Everything a refused call must leave as it was, as comparable text.
fn state(mount: &Path, store: &Store) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for de in fs::read_dir(dir).unwrap() {
            let p = de.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            let what = if m.is_dir() {
                "dir".to_owned()
            } else if m.file_type().is_symlink() {
                format!("symlink -> {:?}", fs::read_link(&p).unwrap())
            } else {
                format!("file {:?}", fs::read(&p).unwrap())
            };
            out.insert(
                format!("mount {}", p.strip_prefix(root).unwrap().display()),
                format!(
                    "{what} mode {:o} uid {} gid {} size {} mtime {}.{:09} ctime {}.{:09} atime {}.{:09}",
                    m.mode(),
                    m.uid(),
                    m.gid(),
                    m.len(),
                    m.mtime(),
                    m.mtime_nsec(),
                    m.ctime(),
                    m.ctime_nsec(),
                    m.atime(),
                    m.atime_nsec()
                ),
            );
            if m.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(mount, mount, &mut out);
    for b in store.list_buckets().unwrap() {
        let mut start_after = None;
        loop {
            let page = store
                .list_objects(
                    &b.name,
                    &ListQuery {
                        start_after: start_after.clone(),
                        max_keys: 1000,
                        ..ListQuery::default()
                    },
                )
                .unwrap();
            for o in page.objects {
                out.insert(
                    format!("store {}/{}", b.name, o.key),
                    format!(
                        "version {} etag {} size {} seq {} {:?}",
                        o.version_id, o.etag, o.size, o.seq, o.meta
                    ),
                );
            }
            if !page.is_truncated {
                break;
            }
            start_after = page.next_marker;
        }
        out.insert(format!("bucket {}", b.name), String::new());
    }
    out
}

/// Asserts that `call` fails with exactly `expected` and changes nothing.
fn refused<T: std::fmt::Debug>(
    s: &common::MountedSession,
    expected: i32,
    what: &str,
    call: impl FnOnce() -> io::Result<T>,
) {
    // Directory times the fixture noted are stored now (`fsyncdir`), not
    // by the mount's settle thread during the call.
    File::open(s.path()).unwrap().sync_all().unwrap();
    let before = state(s.path(), &s.store);
    let r = call();
    let err = match r {
        Ok(v) => panic!("{what}: succeeded ({v:?}), expected errno {expected}"),
        Err(e) => e,
    };
    assert_eq!(
        err.raw_os_error(),
        Some(expected),
        "{what}: {err} (expected {})",
        io::Error::from_raw_os_error(expected)
    );
    let after = state(s.path(), &s.store);
    if before != after {
        let changed: Vec<String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| format!("{k}: {:?} -> {:?}", before.get(k), after.get(k)))
            .collect();
        panic!("{what}: refused, but changed:\n{}", changed.join("\n"));
    }
}

/// Buckets `alpha` (a file, a symlink to it, a dangling symlink, a
/// directory holding a subdirectory and a file, an empty directory),
/// `beta` (one file, written over the store) and `empty` (nothing).
fn fixture(s: &common::MountedSession) {
    let a = s.path().join("alpha");
    fs::create_dir(&a).unwrap();
    fs::write(a.join("file"), b"contents").unwrap();
    fs::set_permissions(a.join("file"), fs::Permissions::from_mode(0o640)).unwrap();
    symlink("file", a.join("ln")).unwrap();
    symlink("nowhere", a.join("dangling")).unwrap();
    fs::create_dir_all(a.join("d/sub")).unwrap();
    fs::write(a.join("d/sub/f"), b"deep").unwrap();
    fs::create_dir(a.join("d/only-a-dir")).unwrap();
    fs::create_dir(a.join("empty-dir")).unwrap();
    s.store.create_bucket("beta").unwrap();
    s.store
        .put_object("beta", "other", &b"over S3"[..], PutOptions::default())
        .unwrap();
    fs::create_dir(s.path().join("empty")).unwrap();
}

fn create_new(p: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(p)
}

#[test]
fn enoent_for_missing_names() {
    let s = mounted!();
    fixture(&s);
    let a = s.path().join("alpha");
    let e = libc::ENOENT;
    refused(&s, e, "open missing", || File::open(a.join("missing")));
    refused(&s, e, "stat missing", || fs::metadata(a.join("missing")));
    refused(&s, e, "lstat missing", || {
        fs::symlink_metadata(a.join("missing"))
    });
    refused(&s, e, "unlink missing", || {
        fs::remove_file(a.join("missing"))
    });
    refused(&s, e, "rmdir missing", || fs::remove_dir(a.join("missing")));
    refused(&s, e, "readlink missing", || {
        fs::read_link(a.join("missing"))
    });
    refused(&s, e, "chmod missing", || {
        fs::set_permissions(a.join("missing"), fs::Permissions::from_mode(0o600))
    });
    refused(&s, e, "rename missing", || {
        fs::rename(a.join("missing"), a.join("to"))
    });
    refused(&s, e, "create in a missing directory", || {
        File::create(a.join("nodir/f"))
    });
    refused(&s, e, "mkdir in a missing directory", || {
        fs::create_dir(a.join("nodir/d"))
    });
    refused(&s, e, "rename into a missing directory", || {
        fs::rename(a.join("file"), a.join("nodir/file"))
    });
    refused(&s, e, "open through a dangling symlink", || {
        File::open(a.join("dangling"))
    });
    refused(&s, e, "stat a missing bucket", || {
        fs::metadata(s.path().join("nobucket"))
    });
    refused(&s, e, "rmdir a missing bucket", || {
        fs::remove_dir(s.path().join("nobucket"))
    });
    refused(&s, e, "link a missing file", || {
        fs::hard_link(a.join("missing"), a.join("hard"))
    });
    refused(&s, e, "link into a missing directory", || {
        fs::hard_link(a.join("file"), a.join("nodir/hard"))
    });
    refused(&s, e, "missing in a subdirectory", || {
        fs::metadata(a.join("d/sub/missing"))
    });
    // Gone after unlink, rmdir and rename.
    fs::remove_file(a.join("d/sub/f")).unwrap();
    refused(&s, e, "stat an unlinked file", || {
        fs::metadata(a.join("d/sub/f"))
    });
    fs::remove_dir(a.join("d/sub")).unwrap();
    refused(&s, e, "stat a removed directory", || {
        fs::metadata(a.join("d/sub"))
    });
    fs::rename(a.join("file"), a.join("renamed")).unwrap();
    refused(&s, e, "open a renamed file's old name", || {
        File::open(a.join("file"))
    });
}

#[test]
fn eexist_for_taken_names() {
    let s = mounted!();
    fixture(&s);
    let a = s.path().join("alpha");
    let e = libc::EEXIST;
    refused(&s, e, "mkdir an existing directory", || {
        fs::create_dir(a.join("d"))
    });
    refused(&s, e, "mkdir an existing empty directory", || {
        fs::create_dir(a.join("empty-dir"))
    });
    refused(&s, e, "mkdir over a file", || {
        fs::create_dir(a.join("file"))
    });
    refused(&s, e, "mkdir over a symlink", || {
        fs::create_dir(a.join("dangling"))
    });
    refused(&s, e, "O_CREAT|O_EXCL on a file", || {
        create_new(&a.join("file"))
    });
    refused(&s, e, "O_CREAT|O_EXCL on a directory", || {
        create_new(&a.join("d"))
    });
    refused(&s, e, "O_CREAT|O_EXCL on a dangling symlink", || {
        create_new(&a.join("dangling"))
    });
    refused(&s, e, "symlink over a file", || {
        symlink("x", a.join("file"))
    });
    refused(&s, e, "symlink over a directory", || {
        symlink("x", a.join("d"))
    });
    refused(&s, e, "mkdir an existing bucket", || {
        fs::create_dir(s.path().join("alpha"))
    });
    refused(&s, e, "mkdir a bucket made over the store", || {
        fs::create_dir(s.path().join("beta"))
    });
    refused(&s, e, "mkdir an existing empty bucket", || {
        fs::create_dir(s.path().join("empty"))
    });
    refused(&s, e, "link onto a file", || {
        fs::hard_link(a.join("d/sub/f"), a.join("file"))
    });
    refused(&s, e, "link onto a directory", || {
        fs::hard_link(a.join("file"), a.join("d"))
    });
    refused(&s, e, "link onto a dangling symlink", || {
        fs::hard_link(a.join("file"), a.join("dangling"))
    });
    refused(&s, e, "link onto itself", || {
        fs::hard_link(a.join("file"), a.join("file"))
    });
    refused(&s, e, "rename with RENAME_NOREPLACE onto a file", || {
        renameat_with(
            CWD,
            a.join("d/sub/f"),
            CWD,
            a.join("file"),
            RenameFlags::NOREPLACE,
        )
        .map_err(io::Error::from)
    });
}

#[test]
fn enotempty_for_directories_and_buckets_in_use() {
    let s = mounted!();
    fixture(&s);
    let a = s.path().join("alpha");
    let e = libc::ENOTEMPTY;
    refused(&s, e, "rmdir a directory holding a file", || {
        fs::remove_dir(a.join("d/sub"))
    });
    refused(&s, e, "rmdir a directory holding directories", || {
        fs::remove_dir(a.join("d"))
    });
    refused(&s, e, "rmdir a bucket holding objects", || {
        fs::remove_dir(&a)
    });
    refused(
        &s,
        e,
        "rmdir a bucket holding objects written over S3",
        || fs::remove_dir(s.path().join("beta")),
    );
    refused(&s, e, "rename a directory over a non-empty one", || {
        fs::rename(a.join("empty-dir"), a.join("d"))
    });
    // A bucket holding only an empty directory is not empty either.
    fs::create_dir(s.path().join("empty/inner")).unwrap();
    refused(&s, e, "rmdir a bucket holding an empty directory", || {
        fs::remove_dir(s.path().join("empty"))
    });
}

#[test]
fn eisdir_for_file_operations_on_directories() {
    let s = mounted!();
    fixture(&s);
    let a = s.path().join("alpha");
    let e = libc::EISDIR;
    refused(&s, e, "open a directory for writing", || {
        OpenOptions::new().write(true).open(a.join("d"))
    });
    refused(&s, e, "open a directory read-write", || {
        OpenOptions::new().read(true).write(true).open(a.join("d"))
    });
    refused(&s, e, "open a directory with O_CREAT", || {
        File::create(a.join("empty-dir"))
    });
    refused(&s, e, "open a bucket for writing", || {
        OpenOptions::new().write(true).open(s.path().join("alpha"))
    });
    refused(&s, e, "unlink a directory", || fs::remove_file(a.join("d")));
    refused(&s, e, "unlink an empty directory", || {
        fs::remove_file(a.join("empty-dir"))
    });
    refused(&s, e, "unlink a bucket", || {
        fs::remove_file(s.path().join("empty"))
    });
    refused(&s, e, "rename a file over a directory", || {
        fs::rename(a.join("file"), a.join("empty-dir"))
    });
    refused(&s, e, "read a directory", || fs::read(a.join("d")));
}

#[test]
fn enotdir_for_directory_operations_on_files() {
    let s = mounted!();
    fixture(&s);
    let a = s.path().join("alpha");
    let e = libc::ENOTDIR;
    refused(&s, e, "rmdir a file", || fs::remove_dir(a.join("file")));
    refused(&s, e, "rmdir a symlink to a file", || {
        fs::remove_dir(a.join("ln"))
    });
    refused(&s, e, "readdir a file", || fs::read_dir(a.join("file")));
    refused(&s, e, "stat a path through a file", || {
        fs::metadata(a.join("file/x"))
    });
    refused(&s, e, "create a file under a file", || {
        File::create(a.join("file/x"))
    });
    refused(&s, e, "mkdir under a file", || {
        fs::create_dir(a.join("file/x"))
    });
    refused(&s, e, "a path through a symlink to a file", || {
        fs::metadata(a.join("ln/x"))
    });
    refused(&s, e, "rename a directory over a file", || {
        fs::rename(a.join("empty-dir"), a.join("file"))
    });
    fs::create_dir(s.path().join("beta/dir")).unwrap();
    refused(
        &s,
        e,
        "rename a directory over a file written over S3",
        || fs::rename(s.path().join("beta/dir"), s.path().join("beta/other")),
    );
    refused(&s, e, "a path through a file written over S3", || {
        fs::metadata(s.path().join("beta/other/x"))
    });
}

#[test]
fn enametoolong_for_long_names_and_keys() {
    let s = mounted!();
    fixture(&s);
    let a = s.path().join("alpha");
    let e = libc::ENAMETOOLONG;
    let long = "n".repeat(256);
    refused(&s, e, "create a 256-byte name", || {
        File::create(a.join(&long))
    });
    refused(&s, e, "mkdir a 256-byte name", || {
        fs::create_dir(a.join(&long))
    });
    refused(&s, e, "symlink a 256-byte name", || {
        symlink("file", a.join(&long))
    });
    refused(&s, e, "stat a 256-byte name", || {
        fs::metadata(a.join(&long))
    });
    refused(&s, e, "rename to a 256-byte name", || {
        fs::rename(a.join("file"), a.join(&long))
    });
    refused(&s, e, "mkdir a bucket of 256 bytes", || {
        fs::create_dir(s.path().join(&long))
    });
    // 255 bytes is a name; 4 of them nested are a 1,023-byte key, and any
    // name under that makes a key over the store's 1,024 bytes.
    let name = "m".repeat(255);
    let mut deep = a.clone();
    for _ in 0..4 {
        deep.push(&name);
        fs::create_dir(&deep).unwrap();
    }
    fs::write(a.join(&name).join("x"), b"fits").unwrap();
    refused(&s, e, "create past the longest key", || {
        File::create(deep.join("x"))
    });
    refused(&s, e, "mkdir past the longest key", || {
        fs::create_dir(deep.join("x"))
    });
    refused(&s, e, "symlink past the longest key", || {
        symlink("t", deep.join("x"))
    });
    refused(&s, e, "rename past the longest key", || {
        fs::rename(a.join("file"), deep.join("x"))
    });
    refused(&s, e, "rename a directory past the longest key", || {
        fs::rename(a.join("d"), deep.join("x"))
    });
    refused(&s, e, "link to a 256-byte name", || {
        fs::hard_link(a.join("file"), a.join(&long))
    });
    refused(&s, e, "link past the longest key", || {
        fs::hard_link(a.join("file"), deep.join("x"))
    });
}

#[test]
fn exdev_across_buckets() {
    let s = mounted!();
    fixture(&s);
    let e = libc::EXDEV;
    let (a, b) = (s.path().join("alpha"), s.path().join("beta"));
    refused(&s, e, "rename a file to another bucket", || {
        fs::rename(a.join("file"), b.join("file"))
    });
    refused(&s, e, "rename a file over one in another bucket", || {
        fs::rename(a.join("file"), b.join("other"))
    });
    refused(&s, e, "rename a directory to another bucket", || {
        fs::rename(a.join("d"), b.join("d"))
    });
    refused(&s, e, "rename a symlink to another bucket", || {
        fs::rename(a.join("ln"), b.join("ln"))
    });
    refused(&s, e, "rename a file to the root", || {
        fs::rename(a.join("file"), s.path().join("file"))
    });
    refused(&s, e, "rename a bucket", || {
        fs::rename(&a, s.path().join("gamma"))
    });
    refused(&s, e, "link a file into another bucket", || {
        fs::hard_link(a.join("file"), b.join("hard"))
    });
    refused(&s, e, "link a symlink into another bucket", || {
        fs::hard_link(a.join("ln"), b.join("hard"))
    });
}

#[test]
fn eperm_for_linking_directories_and_the_root() {
    let s = mounted!();
    fixture(&s);
    let a = s.path().join("alpha");
    let e = libc::EPERM;
    refused(&s, e, "link a directory", || {
        fs::hard_link(a.join("d"), a.join("hard"))
    });
    refused(&s, e, "link a bucket", || fs::hard_link(&a, a.join("hard")));
    refused(&s, e, "link a file at the root", || {
        fs::hard_link(a.join("file"), s.path().join("hard"))
    });
    refused(&s, e, "create a file at the root", || {
        File::create(s.path().join("file"))
    });
    refused(&s, e, "symlink at the root", || {
        symlink("alpha", s.path().join("ln"))
    });
}

#[test]
fn einval_for_rename_exchange_and_bad_names() {
    let s = mounted!();
    fixture(&s);
    let a = s.path().join("alpha");
    let e = libc::EINVAL;
    let exchange = |from: &Path, to: &Path| {
        renameat_with(CWD, from, CWD, to, RenameFlags::EXCHANGE).map_err(io::Error::from)
    };
    refused(&s, e, "RENAME_EXCHANGE of two files", || {
        exchange(&a.join("file"), &a.join("d/sub/f"))
    });
    refused(&s, e, "RENAME_EXCHANGE of two directories", || {
        exchange(&a.join("d"), &a.join("empty-dir"))
    });
    refused(&s, e, "RENAME_EXCHANGE of a file and a directory", || {
        exchange(&a.join("file"), &a.join("empty-dir"))
    });
    refused(&s, e, "move a directory into itself", || {
        fs::rename(a.join("d"), a.join("d/sub/d"))
    });
    refused(&s, e, "readlink a file", || fs::read_link(a.join("file")));
    refused(&s, e, "mkdir a bucket with an invalid name", || {
        fs::create_dir(s.path().join("Not_A_Bucket"))
    });
    // Store keys are UTF-8: other names are an illegal byte sequence.
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"caf\xe9");
    refused(&s, libc::EILSEQ, "create a name that is not UTF-8", || {
        File::create(a.join(bad))
    });
    refused(&s, libc::EILSEQ, "mkdir a name that is not UTF-8", || {
        fs::create_dir(a.join(bad))
    });
}
