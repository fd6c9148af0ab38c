//! Edits in place through a real mount: random-access writes, truncates,
//! appends and fsync, compared with a local file doing the same; and a
//! long deterministic run of random operations (writes, reads, renames,
//! unlinks, reopens...) compared with a local directory and with the
//! store's objects.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alexander_store::{At, ChunkerConfig, Config};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn rw(p: &Path) -> File {
    OpenOptions::new().read(true).write(true).open(p).unwrap()
}

fn read_at(f: &File, off: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    let mut got = 0;
    while got < len {
        let n = f.read_at(&mut buf[got..], off + got as u64).unwrap();
        if n == 0 {
            break;
        }
        got += n;
    }
    buf.truncate(got);
    buf
}

fn object(s: &common::MountedSession, bucket: &str, key: &str) -> Vec<u8> {
    let mut r = s.store.get_object(bucket, key, At::Current, None).unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn random_access_writes_match_a_local_file() {
    let s = mounted!();
    let local_dir = tempfile::TempDir::new().unwrap();
    fs::create_dir(s.path().join("ranges")).unwrap();
    let m = s.path().join("ranges/f");
    let l = local_dir.path().join("f");
    fs::write(&m, common::noise(100_000, 1)).unwrap();
    fs::write(&l, common::noise(100_000, 1)).unwrap();
    let (m1, m2, l1) = (rw(&m), rw(&m), rw(&l));
    let ops: [(u64, usize, u64); 5] = [
        (50_000, 1_000, 2),  // middle
        (0, 10, 3),          // start
        (300_000, 5_000, 4), // beyond the end: sparse
        (99_990, 100, 5),    // across the old end
        (50_500, 2_000, 6),  // overwrite of the first
    ];
    for (i, (off, len, seed)) in ops.into_iter().enumerate() {
        let data = common::noise(len, seed);
        // Alternate the two mount handles; each sees the other's writes.
        let h = if i % 2 == 0 { &m1 } else { &m2 };
        h.write_all_at(&data, off).unwrap();
        l1.write_all_at(&data, off).unwrap();
        let len = l1.metadata().unwrap().len() as usize;
        let want = read_at(&l1, 0, len);
        assert!(
            read_at(&m1, 0, len + 10) == want,
            "through handle 1 after op {i}"
        );
        assert!(
            read_at(&m2, 0, len + 10) == want,
            "through handle 2 after op {i}"
        );
        assert_eq!(fs::metadata(&m).unwrap().len(), len as u64);
    }
    drop((m1, m2));
    let want = fs::read(&l).unwrap();
    assert!(fs::read(&m).unwrap() == want, "after reopen");
    assert!(object(&s, "ranges", "f") == want, "in the store");
}

/// Operations of the random test unless `ALEXANDER_FUSE_RANDOM_OPS` says.
const RANDOM_OPS: usize = 50_000;
/// Seed of the random test unless `ALEXANDER_FUSE_SEED` says (decimal or
/// `0x` hex).
const RANDOM_SEED: u64 = 0x5eed_1234_abcd_0001;
/// Operations between two full comparisons of the trees.
const CHECKPOINT: usize = 2_500;
/// Handles open at once, at most.
const MAX_HANDLES: usize = 6;
/// Files grow to about this size; past it, writes give way to shrinks.
const MAX_FILE: u64 = 128 << 10;
const RND: &str = "rnd";
const FILE_NAMES: [&str; 6] = ["a", "b", "c", "d", "e", "f"];
const DIR_NAMES: [&str; 3] = ["x", "y", "z"];

/// One file open through the mount and locally; follows renames.
struct Open {
    path: String,
    m: File,
    l: File,
    /// Opened with `O_APPEND`: written with `write`, not at offsets.
    append: bool,
    /// Its file was unlinked or replaced by a rename: it still reads and
    /// writes what it did, as on a local filesystem, and its writes vanish
    /// with it (the trees show no trace of them).
    orphan: bool,
}

/// What `stat` shows that the mount must show as a local filesystem does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shown {
    /// Type and permission bits.
    mode: u32,
    uid: u32,
    gid: u32,
    /// A file's size (a directory's differs from a local one).
    size: u64,
    /// A file's link count (1, or 0 once unlinked while open).
    nlink: u64,
}

/// (mtime, ctime) in ns.
type Times = (i128, i128);

fn shown(m: &fs::Metadata) -> (Shown, Times) {
    let dir = m.is_dir();
    let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
    (
        Shown {
            mode: m.mode(),
            uid: m.uid(),
            gid: m.gid(),
            size: if dir { 0 } else { m.len() },
            nlink: if dir { 0 } else { m.nlink() },
        },
        (ns(m.mtime(), m.mtime_nsec()), ns(m.ctime(), m.ctime_nsec())),
    )
}

/// The errno of a failed call, so that outcomes can be compared.
fn outcome<T>(r: io::Result<T>) -> Result<T, i32> {
    r.map_err(|e| e.raw_os_error().unwrap_or(-1))
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `path` is `dir` or lies under it.
fn under(path: &str, dir: &str) -> bool {
    path == dir || path.starts_with(&format!("{dir}/"))
}

/// `path` with its leading `from` (a path or a directory above it)
/// replaced by `to`.
fn moved(path: &str, from: &str, to: &str) -> String {
    format!("{to}{}", &path[from.len()..])
}

/// Every entry under `root`: relative path, whether a directory, size of
/// a file.
fn tree(root: &Path) -> Vec<(String, bool, u64)> {
    fn walk(root: &Path, rel: &str, out: &mut Vec<(String, bool, u64)>) {
        let mut names: Vec<_> = fs::read_dir(root.join(rel))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for n in names {
            let p = join(rel, &n);
            let md = fs::symlink_metadata(root.join(&p)).unwrap();
            out.push((
                p.clone(),
                md.is_dir(),
                if md.is_dir() { 0 } else { md.len() },
            ));
            if md.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, "", &mut out);
    out
}

/// The random operations: each is done on the mount and on a local
/// directory, and their outcomes (errno included) and contents compared.
struct Random<'a> {
    s: &'a common::MountedSession,
    local: PathBuf,
    seed: u64,
    rng: Rng,
    /// What exists, relative to the bucket ("" is the bucket itself).
    dirs: BTreeSet<String>,
    files: BTreeSet<String>,
    open: Vec<Open>,
    op: usize,
    /// The last operations, shown when a comparison fails.
    log: VecDeque<String>,
    /// Per kind of operation: how many, and the time they took.
    counts: BTreeMap<&'static str, (usize, Duration)>,
    /// Kind of the operation last noted, for its time.
    kind: &'static str,
    /// The times each path showed when last compared, mount and local.
    times: BTreeMap<String, (Times, Times)>,
}

impl Random<'_> {
    fn m(&self, rel: &str) -> PathBuf {
        self.s.path().join(RND).join(rel)
    }

    fn l(&self, rel: &str) -> PathBuf {
        self.local.join(rel)
    }

    fn note(&mut self, kind: &'static str, what: String) {
        self.counts.entry(kind).or_default().0 += 1;
        self.kind = kind;
        if self.log.len() == 40 {
            self.log.pop_front();
        }
        self.log.push_back(format!("{}: {what}", self.op));
    }

    #[track_caller]
    fn check(&self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            panic!(
                "op {} (seed {:#x}; rerun with ALEXANDER_FUSE_SEED={:#x}): {}\nlast operations:\n  {}",
                self.op,
                self.seed,
                self.seed,
                what(),
                Vec::from(self.log.clone()).join("\n  ")
            );
        }
    }

    #[track_caller]
    fn same<T: PartialEq + std::fmt::Debug>(&self, m: T, l: T, what: &str) {
        let ok = m == l;
        self.check(ok, || format!("{what}: mount {m:?}, local {l:?}"));
    }

    /// Compares contents without printing them.
    #[track_caller]
    fn same_bytes(&self, m: &[u8], l: &[u8], what: &str) {
        let first = m.iter().zip(l).position(|(a, b)| a != b);
        let ok = m == l;
        self.check(ok, || {
            format!(
                "{what}: mount {} bytes, local {} bytes, first difference at {first:?}",
                m.len(),
                l.len()
            )
        });
    }

    fn below(&mut self, n: usize) -> usize {
        self.rng.below(n as u64) as usize
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    fn pick_dir(&mut self) -> String {
        let dirs: Vec<String> = self.dirs.iter().cloned().collect();
        self.pick(&dirs)
    }

    fn pick_file(&mut self) -> Option<String> {
        let files: Vec<String> = self.files.iter().cloned().collect();
        (!files.is_empty()).then(|| self.pick(&files))
    }

    /// A file path in an existing directory, existing or not.
    fn file_path(&mut self) -> String {
        let d = self.pick_dir();
        join(&d, self.pick(&FILE_NAMES))
    }

    fn handles_on(&self, path: &str) -> usize {
        self.open
            .iter()
            .filter(|o| o.path == path && !o.orphan)
            .count()
    }

    fn local_size(&self, i: usize) -> u64 {
        self.open[i].l.metadata().unwrap().len()
    }

    /// The store's object and the mount's file both hold what the local
    /// file holds (called when nothing is uncommitted on `path`).
    fn compare_committed(&self, path: &str, what: &str) {
        let want = fs::read(self.l(path)).unwrap();
        self.same(
            fs::metadata(self.m(path)).map(|m| m.len()).ok(),
            Some(want.len() as u64),
            &format!("{what}: size of {path}"),
        );
        let mut got = Vec::new();
        let r = self.s.store.get_object(RND, path, At::Current, None);
        self.check(r.is_ok(), || format!("{what}: {path} not in the store"));
        r.unwrap().read_to_end(&mut got).unwrap();
        self.same_bytes(&got, &want, &format!("{what}: store object {path}"));
    }

    /// After every operation: `stat` of a path and `fstat` of every open
    /// handle agree with the local ones (type, mode, owner, a file's size
    /// and link count), the mount's ctime is never older than its mtime,
    /// and a time that moved locally since the last comparison moved in
    /// the mount too. (Not the other way: a local filesystem may stamp in
    /// coarser ticks than the mount's nanoseconds.)
    fn compare_stats(&mut self) {
        let path = match self.below(2) {
            0 => self.pick_dir(),
            _ => match self.pick_file() {
                Some(p) => p,
                None => self.pick_dir(),
            },
        };
        let mut pairs = vec![(
            path.clone(),
            outcome(fs::symlink_metadata(self.m(&path))),
            outcome(fs::symlink_metadata(self.l(&path))),
        )];
        for (i, o) in self.open.iter().enumerate() {
            pairs.push((
                format!(
                    "#{i} on {}{}",
                    o.path,
                    if o.orphan { " (orphan)" } else { "" }
                ),
                outcome(o.m.metadata()),
                outcome(o.l.metadata()),
            ));
        }
        for (what, m, l) in pairs {
            let (m, l) = match (m, l) {
                (Ok(m), Ok(l)) => (shown(&m), shown(&l)),
                (m, l) => {
                    self.same(m.err(), l.err(), &format!("stat {what}"));
                    continue;
                }
            };
            self.same(m.0, l.0, &format!("stat {what}"));
            let (mt, lt) = (m.1, l.1);
            self.check(mt.1 >= mt.0, || {
                format!("stat {what}: ctime before mtime: {mt:?}")
            });
            if !what.starts_with('#')
                && let Some((pm, pl)) = self.times.get(&what)
            {
                for (k, name) in [(0, "mtime"), (1, "ctime")] {
                    let moved = |a: &Times, b: &Times| if k == 0 { a.0 != b.0 } else { a.1 != b.1 };
                    let (local, mount) = (moved(pl, &lt), moved(pm, &mt));
                    self.check(!local || mount, || {
                        format!("stat {what}: {name} moved locally ({pl:?} -> {lt:?}) but not in the mount ({pm:?} -> {mt:?})")
                    });
                }
            }
            if !what.starts_with('#') {
                self.times.insert(what, (mt, lt));
            }
        }
    }

    fn step(&mut self) {
        match self.below(100) {
            0..=21 => self.write(),
            22..=25 => self.stream(),
            26..=43 => self.read(),
            44..=49 => self.truncate(),
            50..=51 => self.truncate_path(),
            52..=59 => self.open_file(),
            60..=67 => self.close(),
            68..=71 => self.fsync(),
            72..=76 => self.rename_file(),
            77..=78 => self.rename_dir(),
            79..=80 => self.unlink(),
            81 => self.fallocate(),
            82..=83 => self.mkdir(),
            84 => self.rmdir(),
            85..=87 => self.stat(),
            88..=89 => self.copy_range(),
            90..=92 => self.list(),
            _ => self.read_whole(),
        }
    }

    /// A handle to work on, opened first if there is none.
    fn handle(&mut self) -> Option<usize> {
        if self.open.is_empty() {
            self.open_file();
        }
        (!self.open.is_empty()).then(|| self.below(self.open.len()))
    }

    fn open_file(&mut self) {
        if self.open.len() >= MAX_HANDLES {
            return self.close();
        }
        let kind = self.below(10);
        let path = match kind {
            0..=5 => match self.pick_file() {
                Some(p) => p,
                None => self.file_path(),
            },
            _ => self.file_path(),
        };
        let mut o = OpenOptions::new();
        o.read(true).write(true);
        let append = kind == 4 || kind == 5;
        let what = match kind {
            0..=3 => "rw",
            4 | 5 => {
                o.append(true);
                "rw append"
            }
            6 | 7 => {
                o.create(true).truncate(true);
                "create trunc"
            }
            8 => {
                o.create(true).truncate(false);
                "create"
            }
            _ => {
                o.create_new(true);
                "create_new"
            }
        };
        self.note(
            "open",
            format!("open {path} {what} as #{}", self.open.len()),
        );
        let m = outcome(o.open(self.m(&path)));
        let l = outcome(o.open(self.l(&path)));
        self.same(m.is_ok(), l.is_ok(), &format!("open {path} {what}"));
        match (m, l) {
            (Ok(m), Ok(l)) => {
                self.files.insert(path.clone());
                self.open.push(Open {
                    path,
                    m,
                    l,
                    append,
                    orphan: false,
                });
            }
            (m, l) => self.same(m.err(), l.err(), "open errno"),
        }
    }

    fn close(&mut self) {
        if self.open.is_empty() {
            return;
        }
        let i = self.below(self.open.len());
        self.close_at(i);
    }

    fn close_at(&mut self, i: usize) {
        let o = self.open.remove(i);
        self.note("close", format!("close {} #{i}", o.path));
        drop(o.m);
        drop(o.l);
        if !o.orphan && self.handles_on(&o.path) == 0 {
            self.compare_committed(&o.path, "after close");
        }
    }

    /// Closes every handle on `path` or under it.
    fn close_all_on(&mut self, path: &str) {
        while let Some(i) = self
            .open
            .iter()
            .position(|o| under(&o.path, path) && !o.orphan)
        {
            self.close_at(i);
        }
    }

    fn data(&mut self, max: usize) -> Vec<u8> {
        let len = if self.below(10) == 0 {
            1 + self.below(max)
        } else {
            1 + self.below(max.min(4096))
        };
        common::noise(len, self.rng.next())
    }

    fn write(&mut self) {
        let Some(i) = self.handle() else { return };
        let size = self.local_size(i);
        if size > MAX_FILE {
            let to = self.rng.below(size / 2 + 1);
            return self.truncate_to(i, to);
        }
        let data = self.data(32 << 10);
        let path = self.open[i].path.clone();
        if self.open[i].append {
            self.note(
                "append",
                format!("append {} to {path} ({size}) via #{i}", data.len()),
            );
            let m = outcome((&self.open[i].m).write_all(&data));
            let l = outcome((&self.open[i].l).write_all(&data));
            return self.same(m, l, "append");
        }
        let off = match self.below(4) {
            0 | 1 => self.rng.below(size + 1),
            2 => size,
            _ => size + self.rng.below(16 << 10),
        };
        self.note(
            "write",
            format!("write {} at {off} of {path} ({size}) via #{i}", data.len()),
        );
        let m = outcome(self.open[i].m.write_all_at(&data, off));
        let l = outcome(self.open[i].l.write_all_at(&data, off));
        self.same(m, l, "write");
    }

    /// Sequential writes from the start of an empty file (the streaming
    /// path), or from its end.
    fn stream(&mut self) {
        let Some(i) = self.handle() else { return };
        let size = self.local_size(i);
        if self.open[i].append || size > MAX_FILE {
            return self.write();
        }
        let blocks = 1 + self.below(8);
        let path = self.open[i].path.clone();
        self.note(
            "stream",
            format!("stream {blocks} blocks at {size} of {path} via #{i}"),
        );
        let mut off = size;
        for _ in 0..blocks {
            let data = self.data(16 << 10);
            let m = outcome(self.open[i].m.write_all_at(&data, off));
            let l = outcome(self.open[i].l.write_all_at(&data, off));
            self.same(m, l, "stream");
            off += data.len() as u64;
        }
    }

    fn read(&mut self) {
        let Some(i) = self.handle() else { return };
        let size = self.local_size(i);
        let off = self.rng.below(size + 100);
        let len = if self.below(10) == 0 {
            64 << 10
        } else {
            1 + self.below(8 << 10)
        };
        let path = self.open[i].path.clone();
        self.note(
            "read",
            format!("read {len} at {off} of {path} ({size}) via #{i}"),
        );
        let o = &self.open[i];
        let (m, l) = (read_at(&o.m, off, len), read_at(&o.l, off, len));
        self.same_bytes(&m, &l, &format!("read {len} at {off} of {path}"));
        let m = o.m.metadata().map(|m| m.len()).ok();
        self.same(m, Some(size), &format!("fstat size of {path}"));
    }

    fn truncate(&mut self) {
        let Some(i) = self.handle() else { return };
        let size = self.local_size(i);
        let to = if self.below(2) == 0 {
            self.rng.below(size + 1)
        } else {
            size + self.rng.below(32 << 10)
        };
        self.truncate_to(i, to);
    }

    fn truncate_to(&mut self, i: usize, to: u64) {
        let path = self.open[i].path.clone();
        self.note("truncate", format!("ftruncate {path} to {to} via #{i}"));
        let m = outcome(self.open[i].m.set_len(to));
        let l = outcome(self.open[i].l.set_len(to));
        self.same(m, l, "ftruncate");
    }

    /// fallocate(2) in each mode the mount takes: room, room past the
    /// end, a punched hole, zeros (growing or not).
    fn fallocate(&mut self) {
        use rustix::fs::FallocateFlags as F;
        let Some(i) = self.handle() else { return };
        let size = self.local_size(i);
        let mode = match self.below(5) {
            0 => F::empty(),
            1 => F::KEEP_SIZE,
            2 => F::PUNCH_HOLE | F::KEEP_SIZE,
            3 => F::ZERO_RANGE,
            _ => F::ZERO_RANGE | F::KEEP_SIZE,
        };
        let off = self.rng.below(size + (16 << 10));
        let len = 1 + self.rng.below(64 << 10);
        let path = self.open[i].path.clone();
        self.note(
            "fallocate",
            format!("fallocate {mode:?} {len} at {off} of {path} ({size}) via #{i}"),
        );
        let f = |file: &File| {
            outcome(rustix::fs::fallocate(file, mode, off, len).map_err(io::Error::from))
        };
        let (m, l) = (f(&self.open[i].m), f(&self.open[i].l));
        self.same(m, l, "fallocate");
    }

    /// copy_file_range(2) between two open files: often front to back
    /// into an empty one or onto the end of one (the mount copies those
    /// by reference), in one step or two, else anywhere.
    fn copy_range(&mut self) {
        if self.open.len() < 2 {
            return self.open_file();
        }
        let (i, mut j) = (self.below(self.open.len()), self.below(self.open.len()));
        let front_to_back = self.below(2) == 0;
        if front_to_back
            && let Some(empty) = (0..self.open.len())
                .find(|&k| k != i && !self.open[k].orphan && self.local_size(k) == 0)
        {
            j = empty;
        }
        if self.open[i].orphan || self.open[j].orphan {
            return;
        }
        let size = self.local_size(i);
        let (from, to) = if front_to_back {
            (0, 0)
        } else {
            // Onto the end (the mount copies by reference) or anywhere.
            let to = match self.below(2) {
                0 => self.local_size(j),
                _ => self.rng.below(self.local_size(j) + 1),
            };
            (self.rng.below(size + 1), to)
        };
        let steps: Vec<u64> = match self.below(3) {
            0 => vec![size.max(1)],
            1 => vec![1 + self.rng.below(32 << 10), 1 << 30],
            _ => vec![1 + self.rng.below(64 << 10)],
        };
        let (src, dst) = (self.open[i].path.clone(), self.open[j].path.clone());
        self.note(
            "copy",
            format!("copy_file_range {steps:?} from {from} of {src} ({size}) via #{i} to {to} of {dst} via #{j}"),
        );
        let (mut off_in, mut off_out) = (from, to);
        for len in steps {
            let copy = |a: &File, b: &File| {
                let (mut x, mut y) = (off_in, off_out);
                outcome(
                    rustix::fs::copy_file_range(a, Some(&mut x), b, Some(&mut y), len as usize)
                        .map_err(io::Error::from),
                )
            };
            let m = copy(&self.open[i].m, &self.open[j].m);
            let l = copy(&self.open[i].l, &self.open[j].l);
            self.same(m, l, "copy_file_range");
            let Ok(n) = l else { return };
            off_in += n as u64;
            off_out += n as u64;
        }
    }

    /// truncate(2) by path, no handle.
    fn truncate_path(&mut self) {
        let Some(path) = self.pick_file() else { return };
        let size = fs::metadata(self.l(&path)).unwrap().len();
        let to = self.rng.below(size + 8192);
        self.note("truncate_path", format!("truncate {path} to {to}"));
        // std has no truncate by path (set_len needs a handle).
        #[allow(unsafe_code)]
        let t = |p: PathBuf| {
            let c = std::ffi::CString::new(p.into_os_string().into_encoded_bytes()).unwrap();
            // SAFETY: `c` is a NUL-terminated path that outlives the call.
            if unsafe { libc::truncate(c.as_ptr(), to as libc::off_t) } == 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        };
        let m = outcome(t(self.m(&path)));
        let l = outcome(t(self.l(&path)));
        self.same(m, l, "truncate");
    }

    fn fsync(&mut self) {
        let Some(i) = self.handle() else { return };
        let path = self.open[i].path.clone();
        let data_only = self.below(2) == 0;
        self.note(
            "fsync",
            format!("fsync {path} (data only: {data_only}) via #{i}"),
        );
        let o = &self.open[i];
        let (m, l) = if data_only {
            (outcome(o.m.sync_data()), outcome(o.l.sync_data()))
        } else {
            (outcome(o.m.sync_all()), outcome(o.l.sync_all()))
        };
        self.same(m, l, "fsync");
        // Other handles may hold writes of their own, not yet committed.
        if !self.open[i].orphan && self.handles_on(&path) == 1 {
            self.compare_committed(&path, "after fsync");
        }
    }

    fn rename_file(&mut self) {
        let Some(from) = self.pick_file() else { return };
        let to = if self.below(4) == 0 {
            self.pick_file().unwrap()
        } else {
            self.file_path()
        };
        if to != from && self.files.contains(&to) {
            self.orphan_or_close(&to);
        }
        self.note(
            "rename_file",
            format!("rename {from} -> {to} ({} open)", self.handles_on(&from)),
        );
        let m = outcome(fs::rename(self.m(&from), self.m(&to)));
        let l = outcome(fs::rename(self.l(&from), self.l(&to)));
        self.same(m, l, "rename file");
        if from != to {
            self.files.remove(&from);
            self.files.insert(to.clone());
            for o in &mut self.open {
                if o.path == from && !o.orphan {
                    o.path = to.clone();
                }
            }
        }
    }

    fn rename_dir(&mut self) {
        let dirs: Vec<String> = self
            .dirs
            .iter()
            .filter(|d| !d.is_empty())
            .cloned()
            .collect();
        if dirs.is_empty() {
            return self.mkdir();
        }
        let from = self.pick(&dirs);
        let parent = self.pick_dir();
        let to = join(&parent, self.pick(&DIR_NAMES));
        // The mount cannot see files created and not yet committed in a
        // directory it replaces (see `list`).
        if self.files.contains(&to) || self.open.iter().any(|o| under(&o.path, &to) && !o.orphan) {
            return;
        }
        self.note(
            "rename_dir",
            format!(
                "rename dir {from} -> {to} ({} open under it)",
                self.open
                    .iter()
                    .filter(|o| under(&o.path, &from) && !o.orphan)
                    .count()
            ),
        );
        let m = outcome(fs::rename(self.m(&from), self.m(&to)));
        let l = outcome(fs::rename(self.l(&from), self.l(&to)));
        self.same(m, l, &format!("rename dir {from} -> {to}"));
        if m.is_ok() && from != to {
            self.dirs.remove(&to);
            let move_set = |set: &mut BTreeSet<String>| {
                let hit: Vec<String> = set.iter().filter(|p| under(p, &from)).cloned().collect();
                for p in hit {
                    set.remove(&p);
                    set.insert(moved(&p, &from, &to));
                }
            };
            move_set(&mut self.dirs);
            move_set(&mut self.files);
            for o in &mut self.open {
                if under(&o.path, &from) && !o.orphan {
                    o.path = moved(&o.path, &from, &to);
                }
            }
        }
    }

    /// Before `path` is unlinked or replaced: its handles are closed, or
    /// (every other time) kept open as orphans.
    fn orphan_or_close(&mut self, path: &str) {
        if self.below(2) == 0 {
            return self.close_all_on(path);
        }
        let n = self.handles_on(path);
        self.note("orphan", format!("{n} handles on {path} kept open"));
        for o in &mut self.open {
            if o.path == path {
                o.orphan = true;
            }
        }
    }

    fn unlink(&mut self) {
        let Some(path) = self.pick_file() else { return };
        self.orphan_or_close(&path);
        self.note("unlink", format!("unlink {path}"));
        let m = outcome(fs::remove_file(self.m(&path)));
        let l = outcome(fs::remove_file(self.l(&path)));
        self.same(m, l, "unlink");
        self.files.remove(&path);
    }

    fn mkdir(&mut self) {
        let d = self.pick_dir();
        let path = join(&d, self.pick(&DIR_NAMES));
        if d.split('/').count() > 3 {
            return;
        }
        self.note("mkdir", format!("mkdir {path}"));
        let m = outcome(fs::create_dir(self.m(&path)));
        let l = outcome(fs::create_dir(self.l(&path)));
        self.same(m, l, &format!("mkdir {path}"));
        self.dirs.insert(path);
    }

    fn rmdir(&mut self) {
        let dirs: Vec<String> = self
            .dirs
            .iter()
            .filter(|d| !d.is_empty())
            .cloned()
            .collect();
        if dirs.is_empty() {
            return;
        }
        let path = self.pick(&dirs);
        // As for `rename_dir`: uncommitted new files are not seen.
        if self.open.iter().any(|o| under(&o.path, &path) && !o.orphan) {
            return;
        }
        self.note("rmdir", format!("rmdir {path}"));
        let m = outcome(fs::remove_dir(self.m(&path)));
        let l = outcome(fs::remove_dir(self.l(&path)));
        self.same(m, l, &format!("rmdir {path}"));
        if m.is_ok() {
            self.dirs.remove(&path);
        }
    }

    fn stat(&mut self) {
        let path = match self.below(3) {
            0 => self.pick_dir(),
            1 => self.file_path(),
            _ => match self.pick_file() {
                Some(p) => p,
                None => self.file_path(),
            },
        };
        self.note("stat", format!("stat {path}"));
        // Type and, for a file, size (a directory's size differs).
        let st = |p: PathBuf| {
            outcome(fs::metadata(p)).map(|m| (m.is_dir(), if m.is_dir() { 0 } else { m.len() }))
        };
        let (m, l) = (st(self.m(&path)), st(self.l(&path)));
        self.same(m, l, &format!("stat {path}"));
    }

    fn list(&mut self) {
        let d = self.pick_dir();
        // A file created and not yet committed (no close, fsync or write
        // through an edit) is missing from the mount's listing, which
        // comes from the store: compare directories without open files.
        if self.open.iter().any(|o| parent(&o.path) == d && !o.orphan) {
            return;
        }
        self.note("readdir", format!("readdir {d:?}"));
        let names = |p: PathBuf| {
            let mut v: Vec<String> = fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            v.sort();
            v
        };
        let (m, l) = (names(self.m(&d)), names(self.l(&d)));
        self.same(m, l, &format!("readdir {d:?}"));
    }

    /// Opens, reads the whole file and closes, while other handles may
    /// hold uncommitted writes.
    fn read_whole(&mut self) {
        let Some(path) = self.pick_file() else { return };
        self.note("read_whole", format!("read whole {path}"));
        let m = outcome(fs::read(self.m(&path)));
        let l = outcome(fs::read(self.l(&path)));
        match (m, l) {
            (Ok(m), Ok(l)) => self.same_bytes(&m, &l, &format!("whole {path}")),
            (m, l) => self.same(m.err(), l.err(), &format!("read whole {path}")),
        }
    }

    /// Closes every handle, then compares both trees and every file with
    /// the local one and with the store's object.
    fn checkpoint(&mut self) {
        while !self.open.is_empty() {
            self.close_at(0);
        }
        self.note("checkpoint", "full comparison".into());
        let (m, l) = (tree(&self.m("")), tree(&self.local));
        self.same(&m, &l, "tree");
        let model: BTreeSet<String> = self
            .dirs
            .iter()
            .chain(&self.files)
            .filter(|p| !p.is_empty())
            .cloned()
            .collect();
        let seen: BTreeSet<String> = l.iter().map(|e| e.0.clone()).collect();
        self.same(&model, &seen, "the test's model of the tree");
        for (path, dir, _) in &l {
            if !dir {
                self.compare_committed(path, "checkpoint");
                let m = fs::read(self.m(path)).unwrap();
                let l = fs::read(self.l(path)).unwrap();
                self.same_bytes(&m, &l, &format!("checkpoint: {path}"));
            }
        }
    }
}

/// Random operations on a mount compared with a local directory: writes,
/// appends, truncates (by handle and by path, shrink and grow) and reads at
/// random offsets through several handles at once, fsync, close and
/// reopen, renames of files and directories (with handles open on them),
/// unlink, mkdir and rmdir, stat and readdir; every few thousand
/// operations both trees, every file and the store's objects are compared
/// in full. Deterministic: the seed is printed, and `ALEXANDER_FUSE_SEED`
/// replays another.
#[test]
fn random_operations_match_a_local_dir() {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let ops: usize = env("ALEXANDER_FUSE_RANDOM_OPS").map_or(RANDOM_OPS, |v| v.parse().unwrap());
    let seed = env("ALEXANDER_FUSE_SEED").map_or(RANDOM_SEED, |v| match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).unwrap(),
        None => v.parse().unwrap(),
    });
    // Small chunks, so that files of a few KiB span several and edits
    // re-chunk part of a file.
    let config = Config {
        chunker: ChunkerConfig {
            min: 2 << 10,
            avg: 8 << 10,
            max: 32 << 10,
        },
        ..Config::default()
    };
    let Some(s) = common::MountedSession::with_config(config) else {
        return;
    };
    eprintln!("random operations: {ops}, seed {seed:#x} (ALEXANDER_FUSE_SEED to replay)");
    // Under the target directory, not /tmp: a tmpfs cannot zero ranges.
    let local = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    fs::create_dir(s.path().join(RND)).unwrap();
    let mut r = Random {
        s: &s,
        local: local.path().to_owned(),
        seed,
        // xorshift needs a non-zero state; spread nearby seeds apart.
        rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
        dirs: BTreeSet::from([String::new()]),
        files: BTreeSet::new(),
        open: Vec::new(),
        op: 0,
        log: VecDeque::new(),
        counts: BTreeMap::new(),
        kind: "",
        times: BTreeMap::new(),
    };
    let start = Instant::now();
    for op in 0..ops {
        r.op = op;
        let t = Instant::now();
        r.step();
        r.compare_stats();
        if (op + 1) % CHECKPOINT == 0 {
            r.checkpoint();
        }
        let kind = r.kind;
        r.counts.entry(kind).or_default().1 += t.elapsed();
    }
    r.op = ops;
    r.checkpoint();
    eprintln!(
        "{ops} random operations in {:.1?}; {} files, {} directories at the end",
        start.elapsed(),
        r.files.len(),
        r.dirs.len() - 1,
    );
    for (kind, (n, t)) in &r.counts {
        eprintln!("  {kind:<14} {n:>6}  {:>7.1?}", t);
    }
}

#[test]
fn editing_a_large_file_rewrites_a_few_chunks() {
    let s = mounted!();
    fs::create_dir(s.path().join("big")).unwrap();
    let p = s.path().join("big/f");
    let mut data = common::noise(8 << 20, 11);
    fs::write(&p, &data).unwrap();
    let before = s.store.stats().unwrap().stored_bytes;
    let edit = common::noise(64 << 10, 12);
    let f = rw(&p);
    f.write_all_at(&edit, 4 << 20).unwrap();
    f.sync_all().unwrap();
    drop(f);
    data[4 << 20..(4 << 20) + edit.len()].copy_from_slice(&edit);
    let info = s.store.head_object("big", "f", At::Current).unwrap();
    let n: usize = info.etag.rsplit_once('-').unwrap().1.parse().unwrap();
    assert!(n > 1, "composite ETag {}", info.etag);
    common::assert_mount_written(&info, &data);
    let grown = s.store.stats().unwrap().stored_bytes - before;
    assert!(
        grown < 4 << 20,
        "an edit of 64 KiB stored {grown} bytes more"
    );
    assert!(object(&s, "big", "f") == data);
    assert!(fs::read(&p).unwrap() == data);
}

/// Every way the mount makes a version (a small file stored at close, a
/// large one streamed, an edit in place, a truncate, an append, a copy of
/// part of a file) gives it the chunk-id ETag and the CRC64NVME of its
/// bytes, and each change gives both anew.
#[test]
fn mount_written_versions_carry_a_chunk_id_etag_and_their_crc() {
    let s = mounted!();
    fs::create_dir(s.path().join("sums")).unwrap();
    let check = |key: &str, bytes: &[u8]| {
        let info = s.store.head_object("sums", key, At::Current).unwrap();
        common::assert_mount_written(&info, bytes);
        assert!(fs::read(s.path().join("sums").join(key)).unwrap() == bytes);
        info.etag
    };
    let small = common::noise(3000, 21);
    fs::write(s.path().join("sums/small"), &small).unwrap();
    check("small", &small);
    fs::write(s.path().join("sums/empty"), b"").unwrap();
    check("empty", b"");

    let p = s.path().join("sums/big");
    let mut data = common::noise(6 << 20, 22);
    fs::write(&p, &data).unwrap();
    let first = check("big", &data);

    // An edit in place.
    let f = rw(&p);
    f.write_all_at(b"edited", 3 << 20).unwrap();
    drop(f);
    data[3 << 20..(3 << 20) + 6].copy_from_slice(b"edited");
    let edited = check("big", &data);
    assert_ne!(edited, first);

    // A shrink, then an append.
    let f = rw(&p);
    f.set_len(5_000_001).unwrap();
    drop(f);
    data.truncate(5_000_001);
    let shrunk = check("big", &data);
    assert_ne!(shrunk, edited);
    let mut f = OpenOptions::new().append(true).open(&p).unwrap();
    f.write_all(b"appended").unwrap();
    drop(f);
    data.extend_from_slice(b"appended");
    check("big", &data);

    // Part of one file copied into another (copy_file_range).
    let src = File::open(&p).unwrap();
    let dst = File::create(s.path().join("sums/copy")).unwrap();
    let (mut off_in, mut off_out) = (1_000_000u64, 0u64);
    let len = 2_500_000usize;
    let mut left = len;
    while left > 0 {
        let n =
            rustix::fs::copy_file_range(&src, Some(&mut off_in), &dst, Some(&mut off_out), left)
                .unwrap();
        assert!(n > 0, "copy_file_range copied nothing");
        left -= n;
    }
    drop(dst);
    check("copy", &data[1_000_000..1_000_000 + len]);
}

#[test]
fn truncate_shrink_grow_append_and_fsync() {
    let s = mounted!();
    fs::create_dir(s.path().join("trunc")).unwrap();
    let p = s.path().join("trunc/f");
    fs::write(&p, b"0123456789").unwrap();
    // Shrink, then grow: zeros, not the old bytes.
    let f = rw(&p);
    f.set_len(4).unwrap();
    f.set_len(8).unwrap();
    assert_eq!(read_at(&f, 0, 100), b"0123\0\0\0\0");
    drop(f);
    assert_eq!(object(&s, "trunc", "f"), b"0123\0\0\0\0");
    // ftruncate on a handle that wrote nothing.
    fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(2)
        .unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"01");
    // O_APPEND adds at the end, whatever the position.
    let mut a = OpenOptions::new().append(true).open(&p).unwrap();
    a.write_all(b"ab").unwrap();
    a.seek(SeekFrom::Start(0)).unwrap();
    a.write_all(b"cd").unwrap();
    drop(a);
    assert_eq!(fs::read(&p).unwrap(), b"01abcd");
    // fsync: the object is in the store before close.
    let f = rw(&p);
    f.write_all_at(b"XY", 1).unwrap();
    f.sync_all().unwrap();
    assert_eq!(object(&s, "trunc", "f"), b"0XYbcd");
    f.write_all_at(b"Z", 10).unwrap();
    f.sync_data().unwrap();
    assert_eq!(object(&s, "trunc", "f"), b"0XYbcd\0\0\0\0Z");
    drop(f);
    assert_eq!(fs::read(&p).unwrap(), b"0XYbcd\0\0\0\0Z");
}

#[test]
fn fallocate_grows_punches_and_zeroes_like_a_local_file() {
    use rustix::fs::{FallocateFlags as F, fallocate};
    let s = mounted!();
    fs::create_dir(s.path().join("falloc")).unwrap();
    let p = s.path().join("falloc/f");
    // Under the target directory, not /tmp: a tmpfs cannot zero ranges.
    let local = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let l = local.path().join("f");
    let body = common::noise(6 << 20, 41);
    fs::write(&p, &body).unwrap();
    fs::write(&l, &body).unwrap();
    let before = s.store.stats().unwrap().stored_bytes;
    let (mf, lf) = (rw(&p), rw(&l));
    let steps = [
        // Room past the end, size kept.
        (F::KEEP_SIZE, 0, 16 << 20),
        // Room past the end, size grown: zeros.
        (F::empty(), 6 << 20, 1 << 20),
        // A hole in the middle of the old bytes.
        (F::PUNCH_HOLE | F::KEEP_SIZE, (1 << 20) + 5, 3 << 20),
        // Zeros over the end and past it.
        (F::ZERO_RANGE, (6 << 20) + 100, 2 << 20),
        // Zeros to the end and far past it, size kept.
        (F::ZERO_RANGE | F::KEEP_SIZE, 5 << 20, 10 << 20),
        // Inside the file: nothing changes.
        (F::empty(), 10, 100),
    ];
    for (i, (mode, offset, len)) in steps.into_iter().enumerate() {
        fallocate(&mf, mode, offset, len).unwrap_or_else(|e| panic!("step {i}: {e}"));
        fallocate(&lf, mode, offset, len).unwrap();
        let size = lf.metadata().unwrap().len();
        assert_eq!(mf.metadata().unwrap().len(), size, "step {i}");
        assert!(
            read_at(&mf, 0, size as usize + 10) == read_at(&lf, 0, size as usize + 10),
            "step {i}: content differs"
        );
    }
    // A write into a zeroed range lands; the rest stays zero.
    mf.write_all_at(b"inside", 2 << 20).unwrap();
    lf.write_all_at(b"inside", 2 << 20).unwrap();
    drop((mf, lf));
    let want = fs::read(&l).unwrap();
    assert_eq!(want.len(), (8 << 20) + 100);
    assert!(fs::read(&p).unwrap() == want);
    assert!(object(&s, "falloc", "f") == want);
    // Three long zeroed ranges cost one block of zeros and the chunks
    // around their edges, not their length.
    let grown = s.store.stats().unwrap().stored_bytes - before;
    assert!(grown < 2 << 20, "the edit stored {grown} bytes more");

    // Modes Linux has but a store of shared chunks cannot honour, room that
    // is not there, and a handle open for reading only: errors, no change.
    let f = rw(&p);
    let err = fallocate(&f, F::COLLAPSE_RANGE, 0, 1 << 20).unwrap_err();
    assert_eq!(err, rustix::io::Errno::OPNOTSUPP);
    let err = fallocate(&f, F::empty(), 0, 1 << 60).unwrap_err();
    assert_eq!(err, rustix::io::Errno::NOSPC);
    drop(f);
    let ro = File::open(&p).unwrap();
    let err = fallocate(&ro, F::empty(), 0, 16 << 20).unwrap_err();
    assert_eq!(err, rustix::io::Errno::BADF);
    drop(ro);
    assert_eq!(fs::metadata(&p).unwrap().len(), want.len() as u64);
    assert!(object(&s, "falloc", "f") == want);
}
