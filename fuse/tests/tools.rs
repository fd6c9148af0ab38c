//! Real programs driving the mount: rsync copies a generated tree of a few
//! thousand entries into it and keeps it in sync through edits (with and
//! without `--inplace`), and restic and borg keep repositories in it.
//!
//! Each result is checked twice: by the program itself (an rsync
//! `--checksum` dry run that must find nothing to do; `restic check
//! --read-data`; `borg check --verify-data`), and by a walk in Rust that
//! compares entry types, bytes, symlink targets, permission bits, owners and
//! nanosecond mtimes.

use crate::common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt, lchown, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

/// How long one run of a program may take before it is killed.
const TOOL_TIMEOUT: Duration = Duration::from_secs(600);

/// The mtimes the trees get: 2017 to 2020, long before any test runs.
const MTIMES_START: i64 = 1_500_000_000;
const MTIMES_END: i64 = 1_600_000_000;

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn bytes(&mut self, len: u64) -> Vec<u8> {
        let len = len as usize;
        let mut v = Vec::with_capacity(len + 8);
        while v.len() < len {
            v.extend_from_slice(&self.next().to_le_bytes());
        }
        v.truncate(len);
        v
    }

    /// An mtime in 2017–2020 with a sub-second part (now and then a whole
    /// second).
    fn mtime(&mut self) -> SystemTime {
        let nanos = if self.percent(10) {
            0
        } else {
            self.below(1_000_000_000)
        };
        UNIX_EPOCH
            + Duration::new(
                self.range(MTIMES_START as u64, MTIMES_END as u64),
                nanos as u32,
            )
    }
}

const FILE_MODES: [u32; 8] = [0o644, 0o644, 0o644, 0o600, 0o755, 0o640, 0o444, 0o700];
const DIR_MODES: [u32; 4] = [0o755, 0o700, 0o750, 0o775];

fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn set_mtime(path: &Path, t: SystemTime) {
    File::open(path)
        .and_then(|f| f.set_modified(t))
        .unwrap_or_else(|e| panic!("set mtime of {}: {e}", path.display()));
}

/// Sets a symlink's own mtime (`touch -h`: std has no `lutimes`). rsync
/// and restic copy it; left at its creation time, it could fall in the
/// same second as the copy's, which rsync does not tell apart.
fn set_link_mtime(path: &Path, t: SystemTime) {
    let d = t.duration_since(UNIX_EPOCH).unwrap();
    let status = Command::new("touch")
        .arg("-h")
        .arg("-d")
        .arg(format!("@{}.{:09}", d.as_secs(), d.subsec_nanos()))
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "touch -h {}", path.display());
}

/// Gives every entry of the tree (its root included) whose mtime the
/// system set (as it was made or changed: any time past those
/// [`Rng::mtime`] picks) one of our own, with a sub-second part.
fn set_recent_mtimes(root: &Path, rng: &mut Rng) {
    for (rel, e) in walk(root) {
        if e.mtime.0 >= MTIMES_END {
            let p = root.join(rel);
            match e.kind {
                Kind::Symlink(_) | Kind::Special(_) => set_link_mtime(&p, rng.mtime()),
                _ => set_mtime(&p, rng.mtime()),
            }
        }
    }
    if fs::metadata(root).unwrap().mtime() >= MTIMES_END {
        set_mtime(root, rng.mtime());
    }
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Opens a file for writing even where its mode forbids it (for a test not
/// run as root), then puts the mode back.
fn write_file(path: &Path, f: impl FnOnce(&File)) {
    let mode = fs::metadata(path).unwrap().mode() & 0o7777;
    if mode & 0o200 == 0 {
        chmod(path, mode | 0o200);
    }
    f(&OpenOptions::new().write(true).open(path).unwrap());
    if mode & 0o200 == 0 {
        chmod(path, mode);
    }
}

/// What a generated tree looks like.
struct Shape {
    files: usize,
    dirs: usize,
    symlinks: usize,
    /// Named pipes, a Unix socket and (as root) device nodes too.
    specials: bool,
    /// Sizes of the first files; the rest are small (a few under 1 MiB).
    large: &'static [u64],
}

/// A name of file `i`: mostly plain, some with spaces, non-ASCII UTF-8,
/// leading dots, and one of 255 bytes.
fn file_name(i: usize) -> String {
    match i % 50 {
        0 => format!("name with spaces {i}.txt"),
        1 => format!("ünïcödé-{i}-日本語"),
        2 => format!(".hidden-{i}"),
        3 if i == 3 => {
            let head = format!("long-{i}-");
            format!("{head}{}", "x".repeat(255 - head.len()))
        }
        4 => format!("{i}.tar.gz"),
        _ => format!("f{i:05}.dat"),
    }
}

/// A deterministic tree under `root` (created): nested directories (a chain
/// six deep, the rest up to seven), empty directories, files of many sizes,
/// modes and sub-second mtimes, relative, absolute and dangling symlinks,
/// and (as root) a few other owners. Returns the bytes in files.
fn generate(root: &Path, seed: u64, shape: &Shape) -> u64 {
    let mut rng = Rng::new(seed);
    fs::create_dir(root).unwrap();
    // (path relative to root, depth)
    let mut dirs: Vec<(PathBuf, usize)> = vec![(PathBuf::new(), 0)];
    let mut chain = PathBuf::new();
    for i in 0..6 {
        chain.push(format!("deep{i}"));
        dirs.push((chain.clone(), i + 1));
    }
    for i in 0..shape.dirs {
        let (parent, depth) = rng.pick(&dirs).clone();
        if depth >= 7 {
            continue;
        }
        let name = if i % 10 == 0 {
            format!("dir ü {i}")
        } else {
            format!("d{i}")
        };
        dirs.push((parent.join(name), depth + 1));
    }
    for (d, _) in &dirs {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    let mut empty = vec![
        PathBuf::from("empty"),
        PathBuf::from("deep0/deep1/empty inside"),
        PathBuf::from("deep0/deep1/empty inside/and below"),
    ];
    for i in 0..3 {
        empty.push(rng.pick(&dirs).0.join(format!("empty{i}")));
    }
    for d in &empty {
        fs::create_dir_all(root.join(d)).unwrap();
    }

    let owners = is_root();
    let mut files = Vec::new();
    let mut total = 0;
    for i in 0..shape.files {
        let dir = &rng.pick(&dirs).0;
        let path = root.join(dir).join(file_name(i));
        let size = match shape.large.get(i) {
            Some(&s) => s,
            None => match rng.below(1000) {
                0..50 => 0,
                50..700 => rng.range(1, 4 * KIB),
                700..960 => rng.range(4 * KIB, 64 * KIB),
                _ => rng.range(64 * KIB, MIB),
            },
        };
        total += size;
        fs::write(&path, rng.bytes(size)).unwrap();
        chmod(&path, *rng.pick(&FILE_MODES));
        set_mtime(&path, rng.mtime());
        if owners && rng.percent(10) {
            lchown(&path, Some(1000 + rng.below(3) as u32), Some(100)).unwrap();
        }
        files.push(path);
    }
    // One file from before the epoch.
    set_mtime(
        &files[shape.files / 2],
        UNIX_EPOCH - Duration::new(86_400 * 365, 250_000_000),
    );

    for i in 0..shape.symlinks {
        let (dir, depth) = rng.pick(&dirs).clone();
        let target = match i % 6 {
            // A file, relative to the link's directory.
            0 | 1 => {
                let f = rng.pick(&files).strip_prefix(root).unwrap().to_owned();
                PathBuf::from("../".repeat(depth)).join(f)
            }
            2 => PathBuf::from(format!("does/not/exist-{i}")),
            3 => PathBuf::from(if depth > 0 { ".." } else { "." }),
            4 => PathBuf::from(format!("/nonexistent/absolute-{i}")),
            _ => PathBuf::from(format!("{}end-{i}", "long/".repeat(150))),
        };
        let link = root.join(dir).join(format!("ln{i}"));
        symlink(&target, &link).unwrap();
        if owners && rng.percent(10) {
            lchown(&link, Some(1001), Some(101)).unwrap();
        }
    }

    if shape.specials {
        use rustix::fs::{FileType, Mode, makedev, mknodat};
        let mut nodes = vec![
            (FileType::Fifo, 0o644, 0),
            (FileType::Fifo, 0o600, 0),
            (FileType::Fifo, 0o640, 0),
        ];
        if owners {
            nodes.push((FileType::CharacterDevice, 0o600, makedev(1, 3)));
            nodes.push((FileType::BlockDevice, 0o660, makedev(7, 200)));
        }
        for (i, (kind, mode, dev)) in nodes.into_iter().enumerate() {
            let p = root.join(&rng.pick(&dirs).0).join(format!("node{i}"));
            mknodat(rustix::fs::CWD, &p, kind, Mode::from_raw_mode(mode), dev)
                .unwrap_or_else(|e| panic!("mknod {}: {e}", p.display()));
            chmod(&p, mode);
            set_link_mtime(&p, rng.mtime());
        }
        // A socket, made as programs make them: by binding to the name.
        let p = root.join(&rng.pick(&dirs).0).join("agent.sock");
        drop(std::os::unix::net::UnixListener::bind(&p).unwrap());
        set_link_mtime(&p, rng.mtime());
    }

    set_recent_mtimes(root, &mut rng);
    // Directories last: entries made inside change their mtimes.
    let mut all: Vec<PathBuf> = dirs.into_iter().map(|d| d.0).chain(empty).collect();
    all.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in all {
        let p = root.join(&d);
        chmod(&p, *rng.pick(&DIR_MODES));
        if owners && rng.percent(5) {
            lchown(&p, Some(1002), Some(102)).unwrap();
        }
        set_mtime(&p, rng.mtime());
    }
    total
}

/// Changes a tree the way a user does between two syncs: bytes overwritten,
/// inserted or cut out in the middle (every large file gets one of these),
/// appends, truncations, touched mtimes, chmods, deletions (of
/// files, symlinks and a whole directory), new files and directories,
/// retargeted symlinks, a file that becomes a directory and a directory
/// that becomes a file. Every file whose bytes change gets a new mtime.
/// Returns a count of changes.
fn edit(root: &Path, seed: u64) -> usize {
    let mut rng = Rng::new(seed);
    let before = walk(root);
    let mut changes = 0;
    let mut dirs = Vec::new();
    for (rel, e) in &before {
        let p = root.join(rel);
        if fs::symlink_metadata(&p).is_err() {
            continue; // went with a directory removed earlier
        }
        match &e.kind {
            Kind::Dir => dirs.push(rel.clone()),
            Kind::Special(_) => {
                if rng.percent(20) {
                    chmod(&p, 0o604);
                    changes += 1;
                }
            }
            Kind::Symlink(_) => match rng.below(100) {
                0..10 => {
                    fs::remove_file(&p).unwrap();
                    symlink(format!("retargeted/{seed}"), &p).unwrap();
                    changes += 1;
                }
                10..15 => {
                    fs::remove_file(&p).unwrap();
                    changes += 1;
                }
                _ => {}
            },
            Kind::File => {
                let len = e.len;
                // Large files always change, small ones now and then.
                let r = if len >= MIB {
                    [0, 20, 23][rng.below(3) as usize]
                } else {
                    rng.below(100)
                };
                match r {
                    0..5 if len > 0 => {
                        // Bytes in the middle, the size kept.
                        let off = rng.below(len);
                        let n = rng.range(1, 16 * KIB).min(len - off);
                        let data = rng.bytes(n);
                        write_file(&p, |f| f.write_all_at(&data, off).unwrap());
                    }
                    5..8 => {
                        let n = rng.range(1, 100 * KIB);
                        let data = rng.bytes(n);
                        write_file(&p, |f| f.write_all_at(&data, len).unwrap());
                    }
                    8..11 => {
                        let to = rng.below(len + 1);
                        write_file(&p, |f| f.set_len(to).unwrap());
                    }
                    11..14 => {} // only the mtime below
                    14..17 => {
                        let old = e.mode & 0o7777;
                        let new = *rng.pick(&FILE_MODES);
                        chmod(&p, if new == old { old ^ 0o040 } else { new });
                        changes += 1;
                        continue;
                    }
                    17..20 => {
                        fs::remove_file(&p).unwrap();
                        changes += 1;
                        continue;
                    }
                    20..23 if len > 0 => {
                        // Bytes inserted in the middle: what follows moves.
                        let mut data = fs::read(&p).unwrap();
                        let at = rng.below(len) as usize;
                        let n = rng.range(1, 8 * KIB);
                        data.splice(at..at, rng.bytes(n));
                        write_file(&p, |f| f.write_all_at(&data, 0).unwrap());
                    }
                    23..26 if len > 1 => {
                        // A range cut out of the middle.
                        let mut data = fs::read(&p).unwrap();
                        let at = rng.below(len - 1) as usize;
                        let n = rng.range(1, 8 * KIB).min(len - 1 - at as u64) as usize;
                        data.drain(at..at + n);
                        write_file(&p, |f| {
                            f.write_all_at(&data, 0).unwrap();
                            f.set_len(data.len() as u64).unwrap();
                        });
                    }
                    _ => continue,
                }
                set_mtime(&p, rng.mtime());
                changes += 1;
            }
        }
    }
    // New files, some in a new directory tree.
    let new_dir = PathBuf::from(format!("added-{seed}/x/y"));
    fs::create_dir_all(root.join(&new_dir)).unwrap();
    for i in 0..50 {
        let dir = if i < 10 {
            new_dir.clone()
        } else {
            rng.pick(&dirs).clone()
        };
        let p = root.join(dir).join(format!("new-{seed}-{i}"));
        let n = rng.range(0, 200 * KIB);
        fs::write(&p, rng.bytes(n)).unwrap();
        set_mtime(&p, rng.mtime());
        changes += 1;
    }
    // A file that becomes a directory, a directory that becomes a file, a
    // directory removed with all it holds (not the deep chain).
    let file = before
        .iter()
        .find(|(rel, e)| e.kind == Kind::File && root.join(rel).is_file())
        .map(|(rel, _)| rel.clone())
        .unwrap();
    fs::remove_file(root.join(&file)).unwrap();
    fs::create_dir(root.join(&file)).unwrap();
    fs::write(root.join(&file).join("inside"), b"was a file").unwrap();
    let mut candidates: Vec<PathBuf> = dirs
        .iter()
        .filter(|d| d.components().count() >= 2 && !d.starts_with("deep0"))
        .filter(|d| root.join(d).is_dir())
        .cloned()
        .collect();
    candidates.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    let gone = candidates.remove(0);
    fs::remove_dir_all(root.join(&gone)).unwrap();
    fs::write(root.join(&gone), b"was a directory").unwrap();
    if let Some(more) = candidates.iter().find(|d| root.join(d).is_dir()) {
        fs::remove_dir_all(root.join(more)).unwrap();
    }
    set_recent_mtimes(root, &mut rng);
    changes + 3
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Symlink(PathBuf),
    /// A pipe, socket or device node, with its device number.
    Special(u64),
}

/// What the comparison looks at, apart from file bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    kind: Kind,
    /// `st_mode`, type bits included.
    mode: u32,
    uid: u32,
    gid: u32,
    len: u64,
    mtime: (i64, i64),
}

/// Every entry under `root` (not `root` itself), by relative path.
fn walk(root: &Path) -> BTreeMap<PathBuf, Entry> {
    fn visit(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Entry>) {
        let entries =
            fs::read_dir(dir).unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()));
        for de in entries {
            let de = de.unwrap();
            let p = de.path();
            let m =
                fs::symlink_metadata(&p).unwrap_or_else(|e| panic!("lstat {}: {e}", p.display()));
            let kind = if m.is_dir() {
                Kind::Dir
            } else if m.file_type().is_symlink() {
                Kind::Symlink(fs::read_link(&p).unwrap())
            } else if m.is_file() {
                Kind::File
            } else {
                Kind::Special(m.rdev())
            };
            let rel = p.strip_prefix(root).unwrap().to_owned();
            out.insert(rel, entry(kind, &m));
            if m.is_dir() {
                visit(root, &p, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    visit(root, root, &mut out);
    out
}

fn entry(kind: Kind, m: &fs::Metadata) -> Entry {
    Entry {
        len: if kind == Kind::File { m.len() } else { 0 },
        kind,
        mode: m.mode(),
        uid: m.uid(),
        gid: m.gid(),
        mtime: (m.mtime(), m.mtime_nsec()),
    }
}

/// Whether two files hold the same bytes; on a difference, where.
fn same_bytes(a: &Path, b: &Path) -> Result<(), String> {
    let (mut fa, mut fb) = (File::open(a).unwrap(), File::open(b).unwrap());
    let (mut ba, mut bb) = (vec![0; MIB as usize], vec![0; MIB as usize]);
    let mut pos = 0u64;
    loop {
        let na = read_full(&mut fa, &mut ba);
        let nb = read_full(&mut fb, &mut bb);
        if ba[..na] != bb[..nb] {
            let at = ba[..na]
                .iter()
                .zip(&bb[..nb])
                .position(|(x, y)| x != y)
                .unwrap_or(na.min(nb));
            return Err(format!("bytes differ at offset {}", pos + at as u64));
        }
        if na == 0 {
            return Ok(());
        }
        pos += na as u64;
    }
}

fn read_full(f: &mut File, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..]).unwrap() {
            0 => break,
            n => got += n,
        }
    }
    got
}

/// Asserts that `copy` holds what `orig` holds: the same entries with the
/// same types, bytes, symlink targets, modes, owners (when `owners`) and
/// mtimes; `root_attrs` compares the two roots' own mode and mtime too.
fn assert_same_tree(orig: &Path, copy: &Path, owners: bool, root_attrs: bool) {
    let started = Instant::now();
    let (a, b) = (walk(orig), walk(copy));
    let mut problems = Vec::new();
    for (rel, ea) in &a {
        let Some(eb) = b.get(rel) else {
            problems.push(format!("{}: missing from the copy", rel.display()));
            continue;
        };
        let (mut ea, mut eb) = (ea.clone(), eb.clone());
        if !owners {
            (ea.uid, ea.gid, eb.uid, eb.gid) = (0, 0, 0, 0);
        }
        if ea != eb {
            problems.push(format!("{}: {ea:?} != {eb:?}", rel.display()));
        } else if ea.kind == Kind::File
            && let Err(e) = same_bytes(&orig.join(rel), &copy.join(rel))
        {
            problems.push(format!("{}: {e}", rel.display()));
        }
    }
    for rel in b.keys().filter(|k| !a.contains_key(*k)) {
        problems.push(format!("{}: only in the copy", rel.display()));
    }
    if root_attrs {
        let (ma, mb) = (fs::metadata(orig).unwrap(), fs::metadata(copy).unwrap());
        let (ra, rb) = (entry(Kind::Dir, &ma), entry(Kind::Dir, &mb));
        if (ra.mode, ra.mtime) != (rb.mode, rb.mtime) {
            problems.push(format!("roots: {ra:?} != {rb:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} entries differ between {} and {}:\n{}",
        problems.len(),
        a.len(),
        orig.display(),
        copy.display(),
        problems[..problems.len().min(40)].join("\n")
    );
    eprintln!("{} entries compared in {:.1?}", a.len(), started.elapsed());
}

/// `dir/` as rsync wants a directory whose contents it copies.
fn slash(dir: &Path) -> OsString {
    let mut s = dir.as_os_str().to_owned();
    s.push("/");
    s
}

fn rsync(program: &Path, args: &[&str], src: &Path, dst: &Path) -> Output {
    common::run_ok(
        Command::new(program)
            .args(args)
            .arg(slash(src))
            .arg(slash(dst)),
        TOOL_TIMEOUT,
    )
}

/// rsync finds nothing to do between `src` and `dst` (comparing every
/// file's checksum), and the walk in Rust agrees.
fn assert_synced(program: &Path, src: &Path, dst: &Path) {
    let out = rsync(
        program,
        &[
            "-a",
            "--delete",
            "--checksum",
            "--dry-run",
            "--itemize-changes",
        ],
        src,
        dst,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines.is_empty(),
        "rsync --checksum --dry-run finds {} differences:\n{}",
        lines.len(),
        lines[..lines.len().min(40)].join("\n")
    );
    assert_same_tree(src, dst, is_root(), true);
}

#[test]
fn rsync_copies_a_tree_and_keeps_it_in_sync() {
    let mut s = mounted!();
    let program = tool!("rsync", &["--version"]);
    let work = TempDir::new().unwrap();
    let src = work.path().join("src");
    let started = Instant::now();
    let total = generate(
        &src,
        1,
        &Shape {
            files: 2_200,
            dirs: 120,
            symlinks: 120,
            specials: true,
            large: &[
                8 * MIB,
                8 * MIB - 1,
                7 * MIB + 12_345,
                6 * MIB,
                5 * MIB + 1,
                4 * MIB,
                3 * MIB + 777,
                2 * MIB,
                2 * MIB - 4096,
                MIB + 1,
                MIB,
                MIB + 65_536,
            ],
        },
    );
    eprintln!(
        "source: {} MiB in {} entries, made in {:.1?}",
        total / MIB,
        walk(&src).len(),
        started.elapsed()
    );
    assert!((100 * MIB..150 * MIB).contains(&total), "{total} bytes");

    // Into the bucket's own directory, as people do: rsync then sets the
    // bucket directory's mode and mtime too (and used to fail on them).
    fs::create_dir(s.path().join("bucket")).unwrap();
    let dst = s.path().join("bucket");
    rsync(&program, &["-a"], &src, &dst);
    assert_synced(&program, &src, &dst);

    // Changes copied the default way: a temporary file renamed over each
    // changed file.
    let n = edit(&src, 2);
    eprintln!("edit 1: {n} changes");
    rsync(&program, &["-a", "--delete"], &src, &dst);
    assert_synced(&program, &src, &dst);

    // Changes written in place, as deltas: rsync rewrites only the blocks
    // that differ, at their offsets, then truncates.
    let n = edit(&src, 3);
    eprintln!("edit 2: {n} changes");
    let out = rsync(
        &program,
        &["-a", "--delete", "--inplace", "--no-whole-file", "--stats"],
        &src,
        &dst,
    );
    let stats = String::from_utf8_lossy(&out.stdout);
    let (matched, literal) = (stat(&stats, "Matched data"), stat(&stats, "Literal data"));
    eprintln!("--inplace: {literal} bytes written, {matched} matched");
    assert!(
        matched > 10 * MIB && literal < matched,
        "rsync sent whole files instead of deltas:\n{stats}"
    );
    assert_synced(&program, &src, &dst);

    // The same from the store alone, after a remount.
    s.remount();
    assert_same_tree(&src, &dst, is_root(), true);
}

/// A figure of rsync's `--stats` ("Matched data: 1,234 bytes").
fn stat(stats: &str, name: &str) -> u64 {
    let line = stats
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
        .unwrap_or_else(|| panic!("no {name:?} in rsync's --stats:\n{stats}"));
    let digits: String = line
        .split_whitespace()
        .next()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// A backup program run in `dir`, with none of the caller's variables
/// starting with `env_prefix`, and its home and temporary files in `work`.
fn backup_program(program: &Path, env_prefix: &str, work: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with(env_prefix) {
            cmd.env_remove(name);
        }
    }
    cmd.env("HOME", work).env("TMPDIR", work).current_dir(dir);
    cmd
}

/// Asserts that the store holds objects under `prefix` in `bucket`: the
/// repository a program kept in the mount is objects in the bucket.
fn assert_objects_under(s: &common::MountedSession, bucket: &str, prefix: &str) {
    let page = s
        .store
        .list_objects(
            bucket,
            &alexander_store::ListQuery {
                prefix: prefix.into(),
                max_keys: 1000,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        !page.objects.is_empty(),
        "no objects under {bucket}/{prefix}"
    );
}

fn restic(program: &Path, work: &Path, repo: &Path, args: &[&str], dir: &Path) -> Output {
    let mut cmd = backup_program(program, "RESTIC_", work, dir);
    cmd.env("RESTIC_PASSWORD", "a test password")
        .env("RESTIC_CACHE_DIR", work.join("cache"))
        .arg("--repo")
        .arg(repo)
        .args(args);
    common::run_ok(&mut cmd, TOOL_TIMEOUT)
}

#[test]
fn restic_keeps_a_repository_in_the_mount() {
    let s = mounted!();
    let program = tool!("restic", &["version"]);
    let work = TempDir::new().unwrap();
    let w = work.path();
    let shape = Shape {
        files: 300,
        dirs: 30,
        symlinks: 20,
        specials: false,
        large: &[
            8 * MIB,
            8 * MIB,
            7 * MIB,
            6 * MIB,
            5 * MIB,
            4 * MIB,
            3 * MIB,
            2 * MIB,
        ],
    };
    let src = w.join("src");
    let total = generate(&src, 10, &shape);
    eprintln!("source: {} MiB", total / MIB);
    // The same tree again, to compare the first snapshot with at the end.
    generate(&w.join("first"), 10, &shape);
    fs::create_dir(s.path().join("backups")).unwrap();
    let repo = s.path().join("backups/repo");
    let restore = |snapshot: &str, target: &Path| {
        let target = target.to_str().unwrap();
        restic(
            &program,
            w,
            &repo,
            &["restore", snapshot, "--target", target],
            w,
        );
    };

    restic(&program, w, &repo, &["init"], w);
    restic(&program, w, &repo, &["backup", "--host", "test", "."], &src);
    restic(&program, w, &repo, &["check", "--read-data"], w);
    restore("latest", &w.join("restore1"));
    assert_same_tree(&src, &w.join("restore1"), is_root(), false);

    // A second backup after changes: restic reads the repository's index
    // and stores only what is new.
    edit(&src, 11);
    restic(&program, w, &repo, &["backup", "--host", "test", "."], &src);
    restic(&program, w, &repo, &["check", "--read-data"], w);
    restore("latest", &w.join("restore2"));
    assert_same_tree(&src, &w.join("restore2"), is_root(), false);

    // Both snapshots are there, and the first still restores as it was.
    let out = restic(&program, w, &repo, &["snapshots", "--json"], w);
    let json = String::from_utf8_lossy(&out.stdout);
    let ids: Vec<&str> = json
        .split("\"short_id\":\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{json}");
    restore(ids[0], &w.join("restore0"));
    assert_same_tree(&w.join("first"), &w.join("restore0"), is_root(), false);
    assert_objects_under(&s, "backups", "repo/data/");
}

fn borg(program: &Path, work: &Path, args: &[&str], dir: &Path) -> Output {
    let mut cmd = backup_program(program, "BORG_", work, dir);
    cmd.env("BORG_PASSPHRASE", "a test passphrase")
        .env("BORG_BASE_DIR", work.join("borg-base"))
        .args(args);
    common::run_ok(&mut cmd, TOOL_TIMEOUT)
}

#[test]
fn borg_keeps_a_repository_in_the_mount() {
    let s = mounted!();
    let program = tool!("borg", &["--version"]);
    let work = TempDir::new().unwrap();
    let w = work.path();
    let shape = Shape {
        files: 300,
        dirs: 30,
        symlinks: 20,
        specials: false,
        large: &[8 * MIB, 7 * MIB, 5 * MIB, 3 * MIB, 2 * MIB],
    };
    let src = w.join("src");
    let total = generate(&src, 10, &shape);
    eprintln!("source: {} MiB", total / MIB);
    generate(&w.join("first"), 10, &shape);
    // borg 1.2 restores a time before 1970 as 0 wherever its repository
    // is (checked on a local disk): such times are moved after it.
    for tree in [&src, &w.join("first")] {
        for (rel, e) in walk(tree) {
            if e.mtime.0 < 0 {
                let after = UNIX_EPOCH + Duration::new(86_400, 250_000_000);
                match e.kind {
                    Kind::Symlink(_) => set_link_mtime(&tree.join(rel), after),
                    _ => set_mtime(&tree.join(rel), after),
                }
            }
        }
    }
    fs::create_dir(s.path().join("borg")).unwrap();
    let repo = s.path().join("borg/repo");
    let repo = repo.to_str().unwrap();
    let archive = |name: &str| format!("{repo}::{name}");
    let extract = |name: &str, target: &Path| {
        fs::create_dir(target).unwrap();
        borg(&program, w, &["extract", &archive(name)], target);
    };

    borg(&program, w, &["init", "--encryption=repokey", repo], w);
    borg(&program, w, &["create", &archive("first"), "."], &src);
    borg(&program, w, &["check", "--verify-data", repo], w);
    extract("first", &w.join("restore1"));
    assert_same_tree(&src, &w.join("restore1"), is_root(), false);

    // A second archive after changes; then the first is pruned and the
    // repository compacted, which rewrites and deletes segment files.
    edit(&src, 11);
    borg(&program, w, &["create", &archive("second"), "."], &src);
    extract("first", &w.join("restore0"));
    assert_same_tree(&w.join("first"), &w.join("restore0"), is_root(), false);
    borg(&program, w, &["prune", "--keep-last", "1", repo], w);
    borg(&program, w, &["compact", repo], w);
    borg(&program, w, &["check", "--verify-data", repo], w);
    let out = borg(&program, w, &["list", "--short", repo], w);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "second");
    extract("second", &w.join("restore2"));
    assert_same_tree(&src, &w.join("restore2"), is_root(), false);
    assert_objects_under(&s, "borg", "repo/data/");
}
