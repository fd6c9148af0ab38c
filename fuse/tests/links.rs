//! Hard links: two names of one file share its inode, data and attributes
//! in the mount, survive a remount, and are separate objects over S3; the
//! everyday tools (`cp -a`, `tar`, `rsync -H`) copy a tree with hard links
//! into the mount and keep them.

use crate::common::{self, MountedSession};

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirEntryExt, FileExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use alexander_store::{At, PutOptions};

fn object(s: &MountedSession, bucket: &str, key: &str) -> Vec<u8> {
    let mut r = s
        .store
        .get_object(bucket, key, At::Current, None)
        .unwrap_or_else(|e| panic!("{key}: {e}"));
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn two_names_are_one_file() {
    let s = mounted!();
    let b = s.path().join("bk1");
    fs::create_dir_all(b.join("d")).unwrap();
    let a = b.join("a");
    fs::write(&a, b"first").unwrap();
    let before = fs::metadata(&a).unwrap();
    let stored = s.store.stats().unwrap().stored_bytes;
    std::thread::sleep(Duration::from_millis(10));
    fs::hard_link(&a, b.join("d/b")).unwrap();
    // The second name shares the file's chunks: no byte more is stored.
    assert_eq!(s.store.stats().unwrap().stored_bytes, stored);
    let (ma, mb) = (
        fs::metadata(&a).unwrap(),
        fs::metadata(b.join("d/b")).unwrap(),
    );
    assert_eq!(ma.ino(), mb.ino(), "one inode");
    assert_eq!((ma.nlink(), mb.nlink()), (2, 2));
    assert_eq!(ma.ino(), before.ino(), "the first name keeps its inode");
    // A link changes the file's ctime, not its mtime.
    assert!(ma.ctime_nsec() != before.ctime_nsec() || ma.ctime() > before.ctime());
    assert_eq!(
        (ma.mtime(), ma.mtime_nsec()),
        (before.mtime(), before.mtime_nsec())
    );
    // The listing agrees.
    let listed: BTreeMap<String, u64> = fs::read_dir(b.join("d"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), e.ino())
        })
        .collect();
    assert_eq!(listed.get("b"), Some(&ma.ino()));

    // A write through one name is read through the other, at once.
    let w = OpenOptions::new().write(true).open(b.join("d/b")).unwrap();
    w.write_all_at(b"FIRST, longer", 0).unwrap();
    let r = fs::File::open(&a).unwrap();
    let mut back = [0; 13];
    r.read_exact_at(&mut back, 0).unwrap();
    assert_eq!(&back, b"FIRST, longer");
    drop(w);
    drop(r);
    assert_eq!(fs::read(&a).unwrap(), b"FIRST, longer");
    // So is a change of attributes.
    fs::set_permissions(&a, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(fs::metadata(b.join("d/b")).unwrap().mode() & 0o7777, 0o600);
    // Over S3 each name is an object with the file's bytes and mode.
    for key in ["a", "d/b"] {
        assert_eq!(object(&s, "bk1", key), b"FIRST, longer", "{key}");
        let info = s.store.head_object("bk1", key, At::Current).unwrap();
        assert_eq!(info.meta.attrs.mode.map(|m| m & 0o7777), Some(0o600));
    }

    // A third name; then the names go one by one.
    fs::hard_link(b.join("d/b"), b.join("c")).unwrap();
    assert_eq!(fs::metadata(&a).unwrap().nlink(), 3);
    let ctime = fs::metadata(&a).unwrap().ctime_nsec();
    std::thread::sleep(Duration::from_millis(10));
    fs::remove_file(&a).unwrap();
    let mc = fs::metadata(b.join("c")).unwrap();
    assert_eq!(mc.nlink(), 2);
    assert!(
        mc.ctime_nsec() != ctime,
        "an unlink changes the file's ctime"
    );
    assert!(!a.exists());
    assert!(s.store.head_object("bk1", "a", At::Current).is_err());
    fs::remove_file(b.join("c")).unwrap();
    let mb = fs::metadata(b.join("d/b")).unwrap();
    assert_eq!((mb.nlink(), mb.ino()), (1, ma.ino()));
    assert_eq!(fs::read(b.join("d/b")).unwrap(), b"FIRST, longer");
}

#[test]
fn open_descriptors_follow_the_file_through_its_names() {
    let s = mounted!();
    let b = s.path().join("bk1");
    fs::create_dir(&b).unwrap();
    // Written, linked while still open, written again, then closed.
    let mut f = fs::File::create(b.join("a")).unwrap();
    f.write_all(b"0123456789").unwrap();
    fs::hard_link(b.join("a"), b.join("b")).unwrap();
    f.write_all(b"abcdef").unwrap();
    drop(f);
    assert_eq!(fs::read(b.join("b")).unwrap(), b"0123456789abcdef");
    assert_eq!(object(&s, "bk1", "b"), b"0123456789abcdef");

    // The name a descriptor was opened by goes: the file does not (it has
    // another), and the descriptor's writes reach it.
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(b.join("a"))
        .unwrap();
    fs::remove_file(b.join("a")).unwrap();
    let m = f.metadata().unwrap();
    assert_eq!(m.nlink(), 1, "the file has its other name");
    f.write_all_at(b"XY", 2).unwrap();
    f.sync_all().unwrap();
    assert_eq!(fs::read(b.join("b")).unwrap(), b"01XY456789abcdef");
    drop(f);
    assert_eq!(object(&s, "bk1", "b"), b"01XY456789abcdef");
    assert!(!b.join("a").exists());

    // A rename over one name of a linked file: the file lives on under the
    // other, with what its descriptors wrote.
    fs::hard_link(b.join("b"), b.join("c")).unwrap();
    let f = OpenOptions::new().write(true).open(b.join("c")).unwrap();
    fs::write(b.join("new"), b"replacement").unwrap();
    fs::rename(b.join("new"), b.join("c")).unwrap();
    f.write_all_at(b"Z", 0).unwrap();
    drop(f);
    assert_eq!(fs::read(b.join("c")).unwrap(), b"replacement");
    assert_eq!(fs::read(b.join("b")).unwrap(), b"Z1XY456789abcdef");
    assert_eq!(fs::metadata(b.join("b")).unwrap().nlink(), 1);
    assert_eq!(fs::metadata(b.join("c")).unwrap().nlink(), 1);

    // A rename between two names of one file changes nothing.
    fs::hard_link(b.join("b"), b.join("d")).unwrap();
    fs::rename(b.join("b"), b.join("d")).unwrap();
    assert!(b.join("b").exists() && b.join("d").exists());
    assert_eq!(fs::metadata(b.join("d")).unwrap().nlink(), 2);
    // A rename of one name keeps the link.
    fs::rename(b.join("b"), b.join("e")).unwrap();
    let (md, me) = (
        fs::metadata(b.join("d")).unwrap(),
        fs::metadata(b.join("e")).unwrap(),
    );
    assert_eq!((md.ino(), md.nlink(), me.nlink()), (me.ino(), 2, 2));
}

#[test]
fn links_survive_a_remount_and_leave_with_an_s3_write() {
    let Some(mut s) = MountedSession::new() else {
        return;
    };
    let b = s.path().join("bk1");
    fs::create_dir_all(b.join("x/y")).unwrap();
    fs::write(b.join("a"), b"shared").unwrap();
    fs::hard_link(b.join("a"), b.join("x/y/b")).unwrap();
    fs::hard_link(b.join("a"), b.join("x/c")).unwrap();
    // A directory renamed carries its names of the file along.
    fs::rename(b.join("x"), b.join("z")).unwrap();
    s.remount();
    let b = s.path().join("bk1");
    let inos: Vec<(u64, u64)> = ["a", "z/y/b", "z/c"]
        .iter()
        .map(|n| {
            let m = fs::metadata(b.join(n)).unwrap();
            (m.ino(), m.nlink())
        })
        .collect();
    assert!(
        inos.iter().all(|&(i, n)| i == inos[0].0 && n == 3),
        "{inos:?}"
    );
    fs::write(b.join("z/c"), b"rewritten").unwrap();
    assert_eq!(fs::read(b.join("a")).unwrap(), b"rewritten");
    assert_eq!(fs::read(b.join("z/y/b")).unwrap(), b"rewritten");

    // An S3 PUT of one name replaces that object alone; it is a file of
    // its own from then on.
    s.store
        .put_object("bk1", "z/c", &b"over S3"[..], PutOptions::default())
        .unwrap();
    s.invalidate_key("bk1", "z/c");
    s.invalidate_key("bk1", "a");
    assert_eq!(fs::read(b.join("z/c")).unwrap(), b"over S3");
    assert_eq!(fs::read(b.join("a")).unwrap(), b"rewritten");
    let (ma, mc) = (
        fs::metadata(b.join("a")).unwrap(),
        fs::metadata(b.join("z/c")).unwrap(),
    );
    assert_ne!(ma.ino(), mc.ino());
    assert_eq!((ma.nlink(), mc.nlink()), (2, 1));
    // An S3 DELETE of another leaves the last one alone.
    s.store.delete_object("bk1", "z/y/b", None).unwrap();
    s.invalidate_key("bk1", "z/y/b");
    s.invalidate_key("bk1", "a");
    assert_eq!(fs::metadata(b.join("a")).unwrap().nlink(), 1);
    assert!(!b.join("z/y/b").exists());
}

/// A tree holding a file with three names, a file with two (one of them a
/// symlink's target) and a plain file.
fn linked_tree(root: &Path) {
    fs::create_dir_all(root.join("sub/deeper")).unwrap();
    fs::write(root.join("three"), common::noise(70_000, 7)).unwrap();
    fs::hard_link(root.join("three"), root.join("sub/three-2")).unwrap();
    fs::hard_link(root.join("three"), root.join("sub/deeper/three-3")).unwrap();
    fs::write(root.join("two"), b"two names").unwrap();
    fs::hard_link(root.join("two"), root.join("sub/two-2")).unwrap();
    std::os::unix::fs::symlink("two", root.join("to-two")).unwrap();
    fs::write(root.join("plain"), b"one name").unwrap();
}

/// Checks that `copy` has the hard links of [`linked_tree`] and its bytes.
fn check_linked_tree(copy: &Path) {
    let m = |n: &str| fs::metadata(copy.join(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
    let three = ["three", "sub/three-2", "sub/deeper/three-3"].map(m);
    assert!(
        three
            .iter()
            .all(|x| x.ino() == three[0].ino() && x.nlink() == 3),
        "three names: {:?}",
        three
            .iter()
            .map(|x| (x.ino(), x.nlink()))
            .collect::<Vec<_>>()
    );
    let two = ["two", "sub/two-2"].map(m);
    assert!(
        two.iter()
            .all(|x| x.ino() == two[0].ino() && x.nlink() == 2)
    );
    assert_ne!(two[0].ino(), three[0].ino());
    assert_eq!(m("plain").nlink(), 1);
    assert_eq!(
        fs::read(copy.join("sub/deeper/three-3")).unwrap(),
        common::noise(70_000, 7)
    );
    assert_eq!(fs::read(copy.join("sub/two-2")).unwrap(), b"two names");
    assert_eq!(
        fs::read_link(copy.join("to-two")).unwrap(),
        Path::new("two")
    );
}

#[test]
fn cp_tar_and_rsync_keep_hard_links() {
    let s = mounted!();
    let src = tempfile::tempdir().unwrap();
    linked_tree(src.path());
    let b = s.path().join("bk1");
    fs::create_dir(&b).unwrap();
    let limit = Duration::from_secs(120);

    common::run_ok(
        Command::new("cp")
            .arg("-a")
            .arg(src.path())
            .arg(b.join("cp")),
        limit,
    );
    check_linked_tree(&b.join("cp"));

    let archive = tempfile::NamedTempFile::new().unwrap();
    common::run_ok(
        Command::new("tar")
            .arg("-cf")
            .arg(archive.path())
            .arg("-C")
            .arg(src.path())
            .arg("."),
        limit,
    );
    fs::create_dir(b.join("tar")).unwrap();
    common::run_ok(
        Command::new("tar")
            .arg("-xf")
            .arg(archive.path())
            .arg("-C")
            .arg(b.join("tar")),
        limit,
    );
    check_linked_tree(&b.join("tar"));
    // And back out of the mount: tar archives the links as links.
    let out = tempfile::tempdir().unwrap();
    let archive2 = tempfile::NamedTempFile::new().unwrap();
    common::run_ok(
        Command::new("tar")
            .arg("-cf")
            .arg(archive2.path())
            .arg("-C")
            .arg(b.join("tar"))
            .arg("."),
        limit,
    );
    common::run_ok(
        Command::new("tar")
            .arg("-xf")
            .arg(archive2.path())
            .arg("-C")
            .arg(out.path()),
        limit,
    );
    check_linked_tree(out.path());

    if let Some(rsync) = common::require_tool("rsync", &["--version"]) {
        let mut from = src.path().as_os_str().to_owned();
        from.push("/");
        common::run_ok(
            Command::new(&rsync)
                .arg("-aH")
                .arg(&from)
                .arg(b.join("rsync")),
            limit,
        );
        check_linked_tree(&b.join("rsync"));
        // A second run finds nothing to change.
        let again = common::run_ok(
            Command::new(&rsync)
                .arg("-aHi")
                .arg(&from)
                .arg(b.join("rsync")),
            limit,
        );
        let changes = String::from_utf8_lossy(&again.stdout).into_owned();
        assert!(
            changes.lines().all(|l| l.starts_with(".d")),
            "rsync -aH changed things again:\n{changes}"
        );
    }
}

#[test]
fn an_unprivileged_user_links_its_own_files() {
    if !common::can_switch_users() {
        return;
    }
    let Some(s) = common::shared_mount(alexander_store::Config::default()) else {
        return;
    };
    let dir = s.path().join("shared");
    let own = dir.join("own");
    common::as_nobody("/usr/bin/touch", &[&own]).unwrap();
    common::as_nobody("/bin/ln", &[&own, &dir.join("own-2")]).unwrap();
    let (a, b) = (
        fs::metadata(&own).unwrap(),
        fs::metadata(dir.join("own-2")).unwrap(),
    );
    assert_eq!((a.ino(), a.nlink(), b.uid()), (b.ino(), 2, common::NOBODY));
    // Another user's file it may not write: the kernel's protected
    // hardlinks refuse the link.
    fs::write(dir.join("roots"), b"root's").unwrap();
    fs::set_permissions(dir.join("roots"), fs::Permissions::from_mode(0o644)).unwrap();
    let refused = common::as_nobody("/bin/ln", &[&dir.join("roots"), &dir.join("roots-2")]);
    let protected =
        fs::read_to_string("/proc/sys/fs/protected_hardlinks").is_ok_and(|v| v.trim() == "1");
    if protected {
        assert!(refused.is_err(), "nobody linked root's file");
        assert!(!dir.join("roots-2").exists());
    }
    // Removing its own link is an ordinary unlink.
    common::as_nobody("/bin/rm", &[&dir.join("own-2")]).unwrap();
    assert_eq!(fs::metadata(&own).unwrap().nlink(), 1);
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// Every file under `root`: its bytes, permission bits, link count and
/// inode number, by relative path.
fn files_of(root: &Path) -> BTreeMap<String, (Vec<u8>, u32, u64, u64)> {
    fn walk(root: &Path, rel: &Path, out: &mut BTreeMap<String, (Vec<u8>, u32, u64, u64)>) {
        for e in fs::read_dir(root.join(rel)).unwrap() {
            let e = e.unwrap();
            let p = rel.join(e.file_name());
            let m = fs::symlink_metadata(root.join(&p)).unwrap();
            if m.is_dir() {
                walk(root, &p, out);
            } else {
                let bytes = fs::read(root.join(&p)).unwrap();
                let key = p.to_str().unwrap().to_owned();
                out.insert(key, (bytes, m.mode() & 0o7777, m.nlink(), m.ino()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, Path::new(""), &mut out);
    out
}

#[test]
fn random_link_operations_match_a_local_dir() {
    let Some(mut s) = MountedSession::new() else {
        return;
    };
    fs::create_dir(s.path().join("bk1")).unwrap();
    let local = tempfile::tempdir().unwrap();
    let seed = std::env::var("ALEXANDER_LINKS_SEED")
        .ok()
        .and_then(|v| u64::from_str_radix(v.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0x114b_5eed);
    let mut rng = Rng(seed | 1);
    let names = ["a", "b", "c", "d", "e"];
    let mut dirs: Vec<String> = vec![String::new()];
    let mut log: Vec<String> = Vec::new();
    const OPS: usize = 1000;
    let mut took: BTreeMap<String, (usize, Duration, Duration)> = BTreeMap::new();
    for op in 0..OPS {
        let started = std::time::Instant::now();
        if op == OPS / 2 {
            s.remount();
            log.push(format!("{op}: remount"));
        }
        let m = s.path().join("bk1");
        let l = local.path().to_owned();
        let dir = dirs[rng.below(dirs.len())].clone();
        let path = Path::new(&dir).join(names[rng.below(names.len())]);
        let other_dir = dirs[rng.below(dirs.len())].clone();
        let other = Path::new(&other_dir).join(names[rng.below(names.len())]);
        let (what, rm, rl): (String, io::Result<()>, io::Result<()>) = match rng.below(12) {
            0 | 1 => {
                let bytes = common::noise(rng.below(5000), op as u64);
                let what = format!("write {} ({} bytes)", path.display(), bytes.len());
                (
                    what,
                    fs::write(m.join(&path), &bytes),
                    fs::write(l.join(&path), &bytes),
                )
            }
            2 => {
                let at = rng.below(6000) as u64;
                let edit = |root: &Path| -> io::Result<()> {
                    let f = OpenOptions::new().write(true).open(root.join(&path))?;
                    f.write_all_at(b"edited", at)
                };
                (
                    format!("edit {} at {at}", path.display()),
                    edit(&m),
                    edit(&l),
                )
            }
            3..=5 => {
                let what = format!("link {} {}", path.display(), other.display());
                (
                    what,
                    fs::hard_link(m.join(&path), m.join(&other)),
                    fs::hard_link(l.join(&path), l.join(&other)),
                )
            }
            6 | 7 => (
                format!("unlink {}", path.display()),
                fs::remove_file(m.join(&path)),
                fs::remove_file(l.join(&path)),
            ),
            8 | 9 => {
                let what = format!("rename {} {}", path.display(), other.display());
                (
                    what,
                    fs::rename(m.join(&path), m.join(&other)),
                    fs::rename(l.join(&path), l.join(&other)),
                )
            }
            10 => {
                let mode = [0o600, 0o644, 0o755, 0o400][rng.below(4)];
                let set = |root: &Path| {
                    fs::set_permissions(root.join(&path), fs::Permissions::from_mode(mode))
                };
                (
                    format!("chmod {} {mode:o}", path.display()),
                    set(&m),
                    set(&l),
                )
            }
            _ => {
                // A directory made, or one moved under a new name.
                if dirs.len() == 1 || (dirs.len() < 5 && rng.below(2) == 0) {
                    let new = Path::new(&dir).join(format!("d{op}"));
                    let what = format!("mkdir {}", new.display());
                    let (rm, rl) = (fs::create_dir(m.join(&new)), fs::create_dir(l.join(&new)));
                    if rl.is_ok() {
                        dirs.push(new.to_str().unwrap().to_owned());
                    }
                    (what, rm, rl)
                } else {
                    let from = dirs[1 + rng.below(dirs.len() - 1)].clone();
                    let to = format!("r{op}");
                    let what = format!("rename dir {from} {to}");
                    let (rm, rl) = (
                        fs::rename(m.join(&from), m.join(&to)),
                        fs::rename(l.join(&from), l.join(&to)),
                    );
                    if rl.is_ok() {
                        for d in dirs.iter_mut() {
                            if *d == from || d.starts_with(&format!("{from}/")) {
                                *d = format!("{to}{}", &d[from.len()..]);
                            }
                        }
                    }
                    (what, rm, rl)
                }
            }
        };
        let kind = what.split(" ").next().unwrap_or_default().to_owned();
        let did = started.elapsed();
        let checking = std::time::Instant::now();
        log.push(format!("{op}: {what}"));
        let context = || log[log.len().saturating_sub(15)..].join("\n  ");
        assert_eq!(
            rm.as_ref().map_err(|e| e.raw_os_error()).err(),
            rl.as_ref().map_err(|e| e.raw_os_error()).err(),
            "seed {seed:#x}, op {op}: outcomes differ; last operations:\n  {}",
            context()
        );
        let (fm, fl) = (files_of(&m), files_of(&l));
        let strip = |f: &BTreeMap<String, (Vec<u8>, u32, u64, u64)>| {
            f.iter()
                .map(|(k, v)| (k.clone(), (v.0.clone(), v.1, v.2)))
                .collect::<BTreeMap<_, _>>()
        };
        assert!(
            strip(&fm) == strip(&fl),
            "seed {seed:#x}, op {op}: files differ (bytes, mode, nlink): mount {:?}, local {:?}; last operations:\n  {}",
            fm.iter()
                .map(|(k, v)| (k, v.0.len(), v.1, v.2))
                .collect::<Vec<_>>(),
            fl.iter()
                .map(|(k, v)| (k, v.0.len(), v.1, v.2))
                .collect::<Vec<_>>(),
            context()
        );
        // Names share an inode in the mount exactly when they do locally.
        for (a, va) in &fl {
            for (b, vb) in &fl {
                assert_eq!(
                    fm[a].3 == fm[b].3,
                    va.3 == vb.3,
                    "seed {seed:#x}, op {op}: {a} and {b}; last operations:\n  {}",
                    context()
                );
            }
        }
        let t = took.entry(kind).or_default();
        t.0 += 1;
        t.1 += did;
        t.2 += checking.elapsed();
    }
    eprintln!("operations (count, time, time of the checks after them): {took:?}");
    // Over S3 every name is an object with its file's bytes.
    for (key, (bytes, ..)) in files_of(local.path()) {
        assert_eq!(object(&s, "bk1", &key), bytes, "{key}");
    }
    assert!(s.store.fsck(true).unwrap().is_clean());
}
