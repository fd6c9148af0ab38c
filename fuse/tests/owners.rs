//! Ownership and permissions for callers other than root, checked by the
//! kernel (`default_permissions`) and kept by the mount as Linux's own
//! filesystems keep them: new entries belong to their creator (or take a
//! set-group-ID directory's group), set-ID bits go on writes, truncations
//! and chown, the sticky bit holds, and a file created read-only can be
//! written through the descriptor that created it.

use crate::common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};

use alexander_store::Config;

const S_ISGID: u32 = 0o2000;

#[test]
fn new_entries_belong_to_their_creator_or_a_setgid_directory_group() {
    if !common::can_switch_users() {
        return;
    }
    let Some(s) = common::shared_mount(Config::default()) else {
        return;
    };
    let d = s.path().join("shared");
    let script = r#"
import os, sys
d = sys.argv[1]
open(os.path.join(d, "file"), "w").close()
os.mkdir(os.path.join(d, "dir"))
os.symlink("file", os.path.join(d, "link"))
os.mkfifo(os.path.join(d, "fifo"))
"#;
    common::python_as_nobody(script, &[&d]).unwrap();
    for name in ["file", "dir", "link", "fifo"] {
        let m = fs::symlink_metadata(d.join(name)).unwrap();
        assert_eq!(
            (m.uid(), m.gid()),
            (common::NOBODY, common::NOBODY),
            "{name}"
        );
    }

    // A set-group-ID directory of group 4242 gives its group to what
    // nobody makes in it, and its bit to new directories.
    let g = d.join("group");
    fs::create_dir(&g).unwrap();
    chown(&g, None, Some(4242)).unwrap();
    fs::set_permissions(&g, fs::Permissions::from_mode(0o777 | S_ISGID)).unwrap();
    common::python_as_nobody(script, &[&g]).unwrap();
    for name in ["file", "dir", "link", "fifo"] {
        let m = fs::symlink_metadata(g.join(name)).unwrap();
        assert_eq!((m.uid(), m.gid()), (common::NOBODY, 4242), "{name}");
    }
    let sub = fs::metadata(g.join("dir")).unwrap();
    assert_eq!(
        sub.mode() & S_ISGID,
        S_ISGID,
        "a new directory keeps the bit"
    );
    assert_eq!(
        fs::metadata(g.join("file")).unwrap().mode() & S_ISGID,
        0,
        "a new file does not"
    );
    // And on, one level down.
    common::python_as_nobody(
        "import os, sys; os.mkdir(os.path.join(sys.argv[1], 'deeper'))",
        &[&g.join("dir")],
    )
    .unwrap();
    let deeper = fs::metadata(g.join("dir/deeper")).unwrap();
    assert_eq!((deeper.gid(), deeper.mode() & S_ISGID), (4242, S_ISGID));
}

#[test]
fn only_the_owner_changes_modes_and_set_id_bits_go_as_on_linux() {
    if !common::can_switch_users() {
        return;
    }
    let Some(s) = common::shared_mount(Config::default()) else {
        return;
    };
    let d = s.path().join("shared");
    let mode = |name: &str| fs::metadata(d.join(name)).unwrap().mode() & 0o7777;

    // chmod by another user: EPERM, nothing changes.
    let f = d.join("roots");
    fs::write(&f, b"x").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o666)).unwrap();
    let refused = common::as_nobody("chmod", &["0600", f.to_str().unwrap()]).unwrap_err();
    assert!(refused.contains("Operation not permitted"), "{refused}");
    assert_eq!(mode("roots"), 0o666);

    // A write by an unprivileged user drops set-user-ID, and set-group-ID
    // when the file is group-executable or the writer not in its group.
    for (name, before, after) in [
        ("suid", 0o4777, 0o0777),
        ("sgid-exec", 0o2777, 0o0777),
        ("sgid-other-group", 0o2666, 0o0666),
    ] {
        let p = d.join(name);
        fs::write(&p, b"x").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(before)).unwrap();
        common::python_as_nobody("import sys; open(sys.argv[1], 'a').write('more')", &[&p])
            .unwrap();
        assert_eq!(mode(name), after, "{name} after nobody's write");
        assert_eq!(fs::read(&p).unwrap(), b"xmore");
    }
    // Root's writes keep them.
    let p = d.join("root-writes");
    fs::write(&p, b"x").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o6777)).unwrap();
    fs::write(&p, b"again").unwrap();
    assert_eq!(mode("root-writes"), 0o6777);

    // So does a truncation by another user, which root's does not.
    let p = d.join("truncated");
    fs::write(&p, b"0123456789").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o4777)).unwrap();
    common::python_as_nobody("import os, sys; os.truncate(sys.argv[1], 3)", &[&p]).unwrap();
    assert_eq!(mode("truncated"), 0o0777);
    assert_eq!(fs::read(&p).unwrap(), b"012");

    // An open with O_TRUNC by another user empties the file: the same.
    let p = d.join("opened-trunc");
    fs::write(&p, b"0123456789").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o4777)).unwrap();
    common::python_as_nobody("import sys; open(sys.argv[1], 'w').close()", &[&p]).unwrap();
    assert_eq!(mode("opened-trunc"), 0o0777);
    assert_eq!(fs::read(&p).unwrap(), b"");

    // chown of a regular file drops both, even by root; a directory's
    // stay.
    let p = d.join("chowned");
    fs::write(&p, b"x").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o6755)).unwrap();
    chown(&p, Some(1), Some(1)).unwrap();
    assert_eq!(mode("chowned"), 0o0755);
    let dir = d.join("chowned-dir");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o2755)).unwrap();
    chown(&dir, Some(1), Some(1)).unwrap();
    assert_eq!(mode("chowned-dir"), 0o2755);
}

#[test]
fn the_sticky_bit_and_both_parents_govern_renames() {
    if !common::can_switch_users() {
        return;
    }
    let Some(s) = common::shared_mount(Config::default()) else {
        return;
    };
    let d = s.path().join("shared");
    // A sticky world-writable directory: nobody may not remove or rename
    // root's file in it, only its own.
    let tmp = d.join("tmp");
    fs::create_dir(&tmp).unwrap();
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o1777)).unwrap();
    fs::write(tmp.join("roots"), b"x").unwrap();
    let script = r#"
import os, sys, errno
t = sys.argv[1]
for call in (lambda: os.unlink(os.path.join(t, "roots")),
             lambda: os.rename(os.path.join(t, "roots"), os.path.join(t, "mine"))):
    try:
        call()
        raise SystemExit("allowed")
    except PermissionError as e:
        assert e.errno == errno.EPERM, e
open(os.path.join(t, "own"), "w").close()
os.rename(os.path.join(t, "own"), os.path.join(t, "own2"))
os.unlink(os.path.join(t, "own2"))
"#;
    common::python_as_nobody(script, &[&tmp]).unwrap();
    assert!(tmp.join("roots").exists());

    // Moving needs write permission on both directories.
    let closed = d.join("closed");
    fs::create_dir(&closed).unwrap();
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o755)).unwrap();
    let script = r#"
import os, sys, errno
src, closed = sys.argv[1], sys.argv[2]
open(os.path.join(src, "f"), "w").close()
for a, b in ((os.path.join(src, "f"), os.path.join(closed, "f")),
             (os.path.join(closed, "x"), os.path.join(src, "x"))):
    try:
        os.rename(a, b)
        raise SystemExit("allowed")
    except PermissionError as e:
        assert e.errno == errno.EACCES, e
"#;
    fs::write(closed.join("x"), b"x").unwrap();
    common::python_as_nobody(script, &[&d, &closed]).unwrap();
    assert!(closed.join("x").exists() && d.join("f").exists());

    // A directory moved to another parent: its `..` is the new parent, and
    // both parents' link counts follow (2, plus one per subdirectory).
    fs::create_dir_all(d.join("a/moving/inner")).unwrap();
    fs::create_dir(d.join("b")).unwrap();
    let nlink = |p: &str| fs::metadata(d.join(p)).unwrap().nlink();
    assert_eq!((nlink("a"), nlink("b"), nlink("a/moving")), (3, 2, 3));
    fs::rename(d.join("a/moving"), d.join("b/moving")).unwrap();
    assert_eq!(
        fs::metadata(d.join("b/moving/..")).unwrap().ino(),
        fs::metadata(d.join("b")).unwrap().ino()
    );
    assert!(d.join("b/moving/inner").is_dir());
    assert_eq!((nlink("a"), nlink("b"), nlink("b/moving")), (2, 3, 3));
    fs::remove_dir(d.join("b/moving/inner")).unwrap();
    assert_eq!(nlink("b/moving"), 2);
    // A directory made over S3 counts as soon as the mount is told.
    s.store
        .put_object("shared", "b/over-s3/", &[][..], Default::default())
        .unwrap();
    s.invalidate_key("shared", "b/over-s3/");
    assert_eq!(nlink("b"), 4);
}

#[test]
fn a_file_created_read_only_is_written_through_its_creating_descriptor() {
    let s = mounted!();
    fs::create_dir(s.path().join("bk1")).unwrap();
    let script = r#"
import os, sys
p = os.path.join(sys.argv[1], "ro")
fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o444)
os.write(fd, b"written")
os.ftruncate(fd, 4)
os.posix_fallocate(fd, 0, 4096)
os.close(fd)
assert os.stat(p).st_mode & 0o777 == 0o444
assert os.stat(p).st_size == 4096
with open(p, "rb") as f:
    assert f.read(4) == b"writ"
try:
    os.open(p, os.O_WRONLY)
    if os.geteuid() != 0:
        raise SystemExit("a second open for writing was allowed")
except PermissionError:
    pass
"#;
    // As root, through a private mount.
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(s.path().join("bk1"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // As another user.
    if !common::can_switch_users() {
        return;
    }
    let Some(shared) = common::shared_mount(Config::default()) else {
        return;
    };
    common::python_as_nobody(script, &[&shared.path().join("shared")]).unwrap();
}

#[test]
fn long_names_and_paths_are_enametoolong_for_another_user_too() {
    if !common::can_switch_users() {
        return;
    }
    let Some(s) = common::shared_mount(Config::default()) else {
        return;
    };
    let script = r#"
import errno, os, sys
d = sys.argv[1]
def refused(call, what):
    try:
        call()
    except OSError as e:
        assert e.errno == errno.ENAMETOOLONG, (what, e)
        return
    raise SystemExit(what + ": allowed")
refused(lambda: open(os.path.join(d, "n" * 256), "w"), "a 256-byte name")
# Four 255-byte names nested make a 1,023-byte key below the bucket: any
# name under them is past S3's 1,024 bytes.
deep = d
for _ in range(4):
    deep = os.path.join(deep, "m" * 255)
    os.mkdir(deep)
refused(lambda: open(os.path.join(deep, "x"), "w"), "a file past 1,024 bytes")
refused(lambda: os.mkdir(os.path.join(deep, "x")), "a directory past 1,024 bytes")
refused(lambda: os.symlink("t", os.path.join(deep, "x")), "a symlink past 1,024 bytes")
refused(lambda: os.mkfifo(os.path.join(deep, "x")), "a fifo past 1,024 bytes")
# A directory whose entry would pass the limit once moved.
os.mkdir(os.path.join(d, "short"))
open(os.path.join(d, "short", "y" * 255), "w").close()
refused(lambda: os.rename(os.path.join(d, "short"), os.path.join(deep[:-255], "s")),
        "a move that makes an entry's key too long")
assert os.path.exists(os.path.join(d, "short", "y" * 255))
"#;
    common::python_as_nobody(script, &[&s.path().join("shared")]).unwrap();
}
