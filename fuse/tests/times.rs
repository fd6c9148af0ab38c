//! Times as the kernel's own filesystems keep them: a new entry's three
//! times are one moment; creating, removing or renaming an entry changes
//! its directory's mtime and ctime; changing attributes changes ctime; a
//! refused call changes nothing; `utimensat` in full, for root and for
//! another user; directory times survive a remount and are the marker's
//! over S3.

use crate::common;

use std::fs::{self, File, FileTimes};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alexander_store::{At, Config};

/// (atime, mtime, ctime) of `p` in ns, without following a symlink.
fn times(p: &Path) -> (i128, i128, i128) {
    let m = fs::symlink_metadata(p).unwrap();
    let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
    (
        ns(m.atime(), m.atime_nsec()),
        ns(m.mtime(), m.mtime_nsec()),
        ns(m.ctime(), m.ctime_nsec()),
    )
}

/// Lets the clock move past the last stamp.
fn tick() {
    std::thread::sleep(Duration::from_millis(5));
}

#[test]
fn new_entries_have_one_moment_and_change_their_directory() {
    let s = mounted!();
    fs::create_dir(s.path().join("bk1")).unwrap();
    let d = s.path().join("bk1/d");
    fs::create_dir(&d).unwrap();

    // Each kind of entry: its three times are equal, and its directory's
    // mtime and ctime moved to at least that moment.
    type Make = fn(&Path);
    let makers: [(&str, Make); 5] = [
        ("file", |p| drop(File::create(p).unwrap())),
        ("dir", |p| fs::create_dir(p).unwrap()),
        ("link", |p| symlink("target", p).unwrap()),
        ("fifo", |p| {
            let ok = Command::new("mkfifo").arg(p).status().unwrap().success();
            assert!(ok, "mkfifo {}", p.display());
        }),
        ("written", |p| fs::write(p, b"some bytes").unwrap()),
    ];
    for (name, make) in makers {
        let before = times(&d);
        tick();
        let p = d.join(name);
        make(&p);
        let (a, m, c) = times(&p);
        if name != "written" {
            assert_eq!((a, m), (c, c), "{name}: atime, mtime, ctime");
        }
        let (_, dm, dc) = times(&d);
        assert!(dm > before.1 && dc > before.2, "{name}: directory times");
        assert!(dm >= c - 1_000_000, "{name}: directory mtime {dm} vs {c}");
    }

    // Removing: unlink and rmdir change the directory.
    for name in ["file", "link", "fifo"] {
        let before = times(&d);
        tick();
        fs::remove_file(d.join(name)).unwrap();
        let after = times(&d);
        assert!(after.1 > before.1 && after.2 > before.2, "unlink {name}");
    }
    let before = times(&d);
    tick();
    fs::remove_dir(d.join("dir")).unwrap();
    let after = times(&d);
    assert!(after.1 > before.1 && after.2 > before.2, "rmdir");

    // A refused removal changes nothing.
    fs::create_dir(d.join("full")).unwrap();
    fs::write(d.join("full/x"), b"x").unwrap();
    let before = (times(&d), times(&d.join("full")));
    tick();
    let e = fs::remove_dir(d.join("full")).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOTEMPTY));
    let e = fs::remove_file(d.join("missing")).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    assert_eq!((times(&d), times(&d.join("full"))), before);
}

#[test]
fn a_rename_changes_both_directories_and_the_entry() {
    let s = mounted!();
    let b = s.path().join("bk1");
    fs::create_dir(&b).unwrap();
    for dir in ["from", "to"] {
        fs::create_dir(b.join(dir)).unwrap();
    }
    fs::write(b.join("from/f"), b"data").unwrap();
    fs::create_dir(b.join("from/sub")).unwrap();

    for (name, new) in [("f", "g"), ("sub", "sub2")] {
        let before = [
            times(&b.join("from")),
            times(&b.join("to")),
            times(&b.join("from").join(name)),
        ];
        tick();
        fs::rename(b.join("from").join(name), b.join("to").join(new)).unwrap();
        let (from, to, moved) = (
            times(&b.join("from")),
            times(&b.join("to")),
            times(&b.join("to").join(new)),
        );
        assert!(
            from.1 > before[0].1 && from.2 > before[0].2,
            "{name}: old dir"
        );
        assert!(to.1 > before[1].1 && to.2 > before[1].2, "{name}: new dir");
        // The entry keeps its mtime; its ctime moves (as ext4's does).
        assert_eq!(moved.1, before[2].1, "{name}: mtime");
        assert!(moved.2 > before[2].2, "{name}: ctime");
    }

    // A rename refused (a directory over a file) changes nothing.
    fs::create_dir(b.join("to/d")).unwrap();
    let before = (times(&b.join("to")), times(&b.join("to/d")));
    tick();
    let e = fs::rename(b.join("to/d"), b.join("to/g")).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOTDIR));
    assert_eq!((times(&b.join("to")), times(&b.join("to/d"))), before);
}

#[test]
fn attribute_changes_move_ctime_only() {
    let setfattr = tool!("setfattr", &["--version"]);
    let s = mounted!();
    let b = s.path().join("bk1");
    fs::create_dir(&b).unwrap();
    let f = b.join("f");
    fs::write(&f, b"0123456789").unwrap();
    fs::write(b.join("g"), b"xx").unwrap();

    let chmod = || fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
    let chown = || std::os::unix::fs::chown(&f, Some(1), Some(1)).unwrap();
    let setxattr = || {
        let ok = Command::new(&setfattr)
            .args(["-n", "user.k", "-v", "v"])
            .arg(&f)
            .status()
            .unwrap()
            .success();
        assert!(ok, "setfattr");
    };
    let rename = || fs::rename(b.join("g"), b.join("g2")).unwrap();
    let changes: [(&str, &dyn Fn(), &str, &str); 4] = [
        ("chmod", &chmod, "f", "f"),
        ("chown", &chown, "f", "f"),
        ("setxattr", &setxattr, "f", "f"),
        ("rename", &rename, "g", "g2"),
    ];
    for (what, change, from, to) in changes {
        let before = times(&b.join(from));
        tick();
        change();
        let after = times(&b.join(to));
        assert_eq!(
            (after.0, after.1),
            (before.0, before.1),
            "{what}: atime, mtime"
        );
        assert!(after.2 > before.2, "{what}: ctime");
    }

    // truncate changes mtime and ctime.
    let before = times(&f);
    tick();
    File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_len(3)
        .unwrap();
    let after = times(&f);
    assert!(after.1 > before.1 && after.2 > before.2, "truncate");

    // A write, once closed, too: ctime is never older than mtime.
    let before = times(&f);
    tick();
    fs::write(&f, b"new").unwrap();
    let after = times(&f);
    assert!(after.1 > before.1 && after.2 >= after.1, "write");

    // A refused change (a chown by no one in particular of a missing file)
    // changes nothing that exists.
    let before = times(&f);
    assert!(std::os::unix::fs::chown(b.join("missing"), Some(2), None).is_err());
    assert_eq!(times(&f), before);
}

#[test]
fn utimensat_sets_each_time_to_the_nanosecond_and_leaves_omitted_ones() {
    let s = mounted!();
    let b = s.path().join("bk1");
    fs::create_dir(&b).unwrap();
    let f = b.join("f");
    fs::write(&f, b"x").unwrap();
    let at = |secs: i64, nanos: u32| -> SystemTime {
        if secs >= 0 {
            UNIX_EPOCH + Duration::new(secs as u64, nanos)
        } else {
            UNIX_EPOCH - Duration::new(secs.unsigned_abs(), 0) + Duration::new(0, nanos)
        }
    };
    let ns = |secs: i64, nanos: u32| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
    let file = File::options().write(true).open(&f).unwrap();

    // Both, to the nanosecond, before 1970 and after 2038.
    for (a, m) in [
        ((1_000_000_000, 123_456_789), (1_500_000_000, 987_654_321)),
        ((-86_400 * 365, 5), (-1, 999_999_999)),
        ((4_102_444_800, 1), (8_000_000_000, 2)),
    ] {
        let before = times(&f);
        tick();
        file.set_times(
            FileTimes::new()
                .set_accessed(at(a.0, a.1))
                .set_modified(at(m.0, m.1)),
        )
        .unwrap();
        let after = times(&f);
        assert_eq!((after.0, after.1), (ns(a.0, a.1), ns(m.0, m.1)));
        assert!(after.2 > before.2, "ctime moves");
    }
    // Only the access time (mtime UTIME_OMIT), then only the modification
    // time (atime UTIME_OMIT).
    let (_, m0, _) = times(&f);
    file.set_times(FileTimes::new().set_accessed(at(42, 42)))
        .unwrap();
    assert_eq!(times(&f).0, ns(42, 42));
    assert_eq!(times(&f).1, m0);
    file.set_times(FileTimes::new().set_modified(at(43, 43)))
        .unwrap();
    assert_eq!(times(&f).0, ns(42, 42));
    assert_eq!(times(&f).1, ns(43, 43));

    // UTIME_NOW for both (touch without a date): one moment, now.
    let started = SystemTime::now();
    let ok = Command::new("touch").arg(&f).status().unwrap().success();
    assert!(ok);
    let (a, m, c) = times(&f);
    assert_eq!(a, m);
    assert!(c >= m);
    let started_ns = started.duration_since(UNIX_EPOCH).unwrap().as_nanos() as i128;
    assert!(m >= started_ns - 1_000_000_000, "UTIME_NOW is now");

    // A symlink: with AT_SYMLINK_NOFOLLOW (touch -h) the link's own times,
    // else its target's.
    symlink("f", b.join("l")).unwrap();
    let target_before = times(&f);
    let ok = Command::new("touch")
        .args(["-h", "-d", "@100"])
        .arg(b.join("l"))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    assert_eq!(times(&b.join("l")).1, ns(100, 0));
    assert_eq!(times(&f).1, target_before.1, "the target is untouched");
    let ok = Command::new("touch")
        .args(["-d", "@200"])
        .arg(b.join("l"))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    assert_eq!(times(&f).1, ns(200, 0));
    assert_eq!(times(&b.join("l")).1, ns(100, 0));

    // A directory's times, set explicitly, win over its entries' changes
    // made before.
    let d = b.join("d");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("x"), b"x").unwrap();
    let ok = Command::new("touch")
        .args(["-d", "@300"])
        .arg(&d)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    assert_eq!(times(&d).1, ns(300, 0));
}

#[test]
fn utimensat_permissions_for_another_user() {
    if !common::can_switch_users() {
        return;
    }
    let Some(s) = common::shared_mount(Config::default()) else {
        return;
    };
    let b = s.path().join("shared");
    // Root's file, writable by all: nobody may set it to now, not to a
    // time of its choosing.
    let f = b.join("shared");
    fs::write(&f, b"x").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o666)).unwrap();
    let path = f.to_str().unwrap();
    let before = times(&f);
    tick();
    common::as_nobody("touch", &[path]).unwrap();
    assert!(times(&f).1 > before.1, "UTIME_NOW with write permission");
    let before = times(&f);
    let refused = common::as_nobody("touch", &["-d", "@0", path]).unwrap_err();
    assert!(refused.contains("Operation not permitted"), "{refused}");
    assert_eq!(times(&f), before, "a refused call changes nothing");

    // Root's file nobody may not write: not even now.
    fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
    let before = times(&f);
    let refused = common::as_nobody("touch", &[path]).unwrap_err();
    assert!(refused.contains("Permission denied"), "{refused}");
    assert_eq!(times(&f), before);

    // nobody's own file: any time.
    let own = b.join("own");
    let own_path = own.to_str().unwrap();
    common::as_nobody("touch", &[own_path]).unwrap();
    assert_eq!(fs::metadata(&own).unwrap().uid(), common::NOBODY);
    common::as_nobody("touch", &["-d", "@12345", own_path]).unwrap();
    assert_eq!(times(&own).1, 12_345_000_000_000);
}

#[test]
fn directory_times_survive_a_remount_and_are_the_markers() {
    let mut s = mounted!();
    let b = s.path().join("bk1");
    fs::create_dir(&b).unwrap();
    fs::create_dir(b.join("d")).unwrap();
    tick();
    for i in 0..50 {
        fs::write(b.join(format!("d/f{i}")), b"x").unwrap();
    }
    fs::remove_file(b.join("d/f0")).unwrap();
    let shown = times(&b.join("d"));
    let bucket_shown = times(&b);
    s.remount();
    let b = s.path().join("bk1");
    assert_eq!(times(&b.join("d")), shown, "the directory after a remount");
    assert_eq!(times(&b).1, bucket_shown.1, "the bucket's directory");
    // Over S3, the marker carries the same times.
    let marker = s.store.head_object("bk1", "d/", At::Current).unwrap();
    let a = &marker.meta.attrs;
    assert_eq!(a.mtime_ns.map(i128::from), Some(shown.1));
    assert_eq!(a.ctime_ns.map(i128::from), Some(shown.2));
}
