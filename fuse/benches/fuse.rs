//! Figures for the FUSE mount, each printed next to the native disk and to
//! bindfs (a passthrough FUSE filesystem over the same disk), measured in
//! one run on the same machine: sequential write with fsync, cold
//! sequential read, creation of many small files, `rsync -a` of a tree
//! (first run and no-op re-run), the time of single metadata calls
//! (chmod, utimens, rename, unlink, stat), `cp` of a large file, and the
//! rates of metadata calls over many files (create, stat, readdir, rename,
//! unlink, mkdir, rmdir: figure 7, issue 16's table), `tar -x` of a source
//! tree of 20,000 small files (figure 8), `git clone` of a repository
//! of 5,000 (figure 9), and random 4 KiB reads (1 and 4 threads) and
//! writes of the sequential file (figure 10).
//!
//! `cargo bench -p alexander-fuse --bench fuse` prints the table (progress
//! goes to stderr). Run without `--bench`, as `cargo test --all-targets`
//! does, it makes a smoke run with tiny sizes (and no cache dropping), so
//! the program cannot rot.
//!
//! The Alexander mount is in this process (`alexander_fuse::mount`, the
//! options and allocator settings `alexander serve --mount` uses) over a
//! store in the same directory as the native files, so all three sides
//! share one disk.
//!
//! Environment:
//!
//! - `ALEXANDER_BENCH_QUICK=1`: a 128 MiB file, 1,000 small files, a
//!   smaller tree, 2,000 files to untar and 1,000 to clone.
//! - `ALEXANDER_BENCH_FUSE_GIB`: size of the sequential file (default 1).
//! - `ALEXANDER_BENCH_FILES`: small files (default 10,000).
//! - `ALEXANDER_BENCH_ROUNDS`: rounds of the sequential write (default 3;
//!   1 when quick) and of the metadata rates (default 3, quick too). The sides take turns, each round starting with the
//!   next one; before every write the machine syncs and waits until its
//!   dirty pages have drained. The table shows each side's median, a note
//!   every round.
//! - `ALEXANDER_BENCH_ONLY=1,2`: only these figures (to profile one;
//!   `ALEXANDER_BENCH_ONLY=7` for the metadata rates alone).
//! - `ALEXANDER_BENCH_SIDES=alexander`: only these sides (of `alexander`,
//!   `native`, `bindfs`).
//! - `ALEXANDER_BENCH_COLD=0`: read warm instead of dropping the page
//!   cache of the whole machine (which needs root).
//! - `ALEXANDER_BENCH_DIR`: where everything goes (default: cargo's temp
//!   dir inside the target dir, on the project's disk). Everything is
//!   removed at the end.
//!
//! MB are 10^6 bytes; MiB and GiB are powers of two.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alexander_fuse::{MountHandle, MountOptions, mount};
use alexander_store::{Config, Store};

#[path = "../../store/benches/common/mod.rs"]
mod common;
/// The allocator settings of `alexander serve`, so that the mount in this
/// process allocates as the server's does.
#[path = "../../src/memory.rs"]
#[allow(dead_code, unused_imports)]
mod memory;
use common::{drop_caches, env_f64, filesystem_of, loadavg, mbps, size};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
/// Size of each write and read of the sequential figures.
const BLOCK: usize = MIB;
/// Size of each small file.
const SMALL: usize = 4 * KIB;
/// Size of the files of figure 3's second row: past what the metadata
/// database keeps, so each has a chunk in a pack.
const MEDIUM: usize = 64 * KIB;
const BUCKET: &str = "bench";

type Res<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Full,
    Quick,
    Smoke,
}

struct Settings {
    mode: Mode,
    /// Size of the sequential file.
    seq: u64,
    /// Small files created.
    files: usize,
    /// Directories and files per directory of the rsync tree.
    tree: (usize, usize),
    /// Files of the source tree `tar -x` unpacks (figure 8) and of the
    /// repository `git clone` checks out (figure 9).
    tar_files: usize,
    git_files: usize,
    cold: bool,
    base: PathBuf,
    /// Figures to measure (all if empty).
    only: Vec<u32>,
    /// Sides to measure (all if empty).
    sides: Vec<String>,
    /// Rounds of the sequential write figure.
    rounds: usize,
    /// Rounds of the metadata rates (figure 7).
    meta_rounds: usize,
}

impl Settings {
    fn wants(&self, figure: u32) -> bool {
        self.only.is_empty() || self.only.contains(&figure)
    }

    fn wants_side(&self, side: Side) -> bool {
        self.sides.is_empty()
            || self
                .sides
                .iter()
                .any(|s| s == name(side).to_lowercase().as_str())
    }
}

impl Settings {
    fn from_env() -> Settings {
        let bench = std::env::args().any(|a| a == "--bench");
        let quick = std::env::var("ALEXANDER_BENCH_QUICK").is_ok_and(|v| v != "0");
        let mode = match (bench, quick) {
            (false, _) => Mode::Smoke,
            (true, true) => Mode::Quick,
            (true, false) => Mode::Full,
        };
        let (seq, files, tree, tar_files, git_files) = match mode {
            Mode::Full => (1u64 << 30, 10_000, (40, 50), 20_000, 5_000),
            Mode::Quick => (128 << 20, 1_000, (10, 30), 2_000, 1_000),
            Mode::Smoke => (8 << 20, 50, (2, 5), 40, 20),
        };
        let seq =
            env_f64("ALEXANDER_BENCH_FUSE_GIB").map_or(seq, |g| (g * (1u64 << 30) as f64) as u64);
        let files = env_f64("ALEXANDER_BENCH_FILES").map_or(files, |n| n as usize);
        let cold =
            mode != Mode::Smoke && std::env::var("ALEXANDER_BENCH_COLD").map_or(true, |v| v != "0");
        let base = std::env::var_os("ALEXANDER_BENCH_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")), PathBuf::from);
        let list = |k: &str| -> Vec<String> {
            std::env::var(k)
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Settings {
            only: list("ALEXANDER_BENCH_ONLY")
                .iter()
                .map(|n| n.parse().expect("ALEXANDER_BENCH_ONLY: figure numbers"))
                .collect(),
            sides: list("ALEXANDER_BENCH_SIDES"),
            rounds: env_f64("ALEXANDER_BENCH_ROUNDS")
                .map_or(if mode == Mode::Full { 3 } else { 1 }, |n| n as usize)
                .max(1),
            meta_rounds: env_f64("ALEXANDER_BENCH_ROUNDS")
                .map_or(if mode == Mode::Smoke { 1 } else { 3 }, |n| n as usize)
                .max(1),
            mode,
            seq: seq.max(BLOCK as u64),
            files: files.max(1),
            tree,
            tar_files,
            git_files,
            cold,
            base,
        }
    }

    fn print_header(&self, dir: &Path, bindfs: &Option<String>) {
        let cpu = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_owned())
            })
            .unwrap_or_else(|| "?".into());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        println!("Alexander FUSE mount figures ({:?} run)", self.mode);
        println!("  machine  {cores} cores, {cpu}");
        println!("  disk     {} ({})", dir.display(), filesystem_of(dir));
        println!(
            "  sizes    sequential file {} in {} KiB writes, {} files of {} KiB, rsync tree {} x {} files",
            size(self.seq),
            BLOCK / KIB,
            self.files,
            SMALL / KIB,
            self.tree.0,
            self.tree.1
        );
        println!(
            "  sides    Alexander = in-process mount (MountOptions::default(): 4 threads, {} s TTL, {} s for missing names) over a store in {};",
            alexander_fuse::DEFAULT_TTL.as_secs(),
            alexander_fuse::DEFAULT_NEGATIVE_TTL.as_secs(),
            dir.display()
        );
        println!("           native = a directory there; bindfs = bindfs of a directory there");
        match bindfs {
            Some(v) => println!("           ({v})"),
            None => println!(
                "           bindfs is not installed: its column is skipped (apt-get install bindfs)"
            ),
        }
        if self.cold {
            println!(
                "  cold     before each cold read: sync, echo 3 > /proc/sys/vm/drop_caches; the \
                 Alexander and bindfs mounts are unmounted and mounted again first (Alexander \
                 with a freshly opened store: no cached reader, metadata or chunk)"
            );
        } else {
            println!(
                "  cold     not dropped (ALEXANDER_BENCH_COLD=0 or smoke run): reads are warm"
            );
        }
        println!(
            "  MB = 10^6 bytes; \"vs\" = Alexander / other for rates, other / Alexander for \
             times: higher is better for Alexander"
        );
        println!();
    }
}

/// Bytes that neither repeat nor dedup: a pool of random bytes with the
/// block number stamped every 4 KiB, so every chunk the store cuts is new.
struct Data {
    pool: Vec<u8>,
}

impl Data {
    fn new() -> Data {
        let mut pool = vec![0u8; 8 * MIB];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for w in pool.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w.copy_from_slice(&x.to_le_bytes());
        }
        Data { pool }
    }

    /// Block `n` (of `len` bytes) of stream `stream`.
    fn block(&self, stream: u64, n: u64, buf: &mut [u8]) {
        let start = (n as usize * buf.len()) % (self.pool.len() - buf.len() + 1);
        buf.copy_from_slice(&self.pool[start..start + buf.len()]);
        for (i, page) in buf.chunks_mut(4 * KIB).enumerate() {
            let stamp = (stream << 48) ^ (n << 16) ^ i as u64;
            let k = page.len().min(8);
            page[..k].copy_from_slice(&stamp.to_le_bytes()[..k]);
        }
    }
}

/// A cheap checksum of what a reader returns, to check the read is right.
fn checksum(sum: &mut u64, data: &[u8]) {
    for w in data.chunks(8) {
        let mut b = [0u8; 8];
        b[..w.len()].copy_from_slice(w);
        *sum = sum.rotate_left(5) ^ u64::from_le_bytes(b);
    }
}

/// The Alexander mount, over a store that can be closed and opened again
/// (for cold reads).
struct Alexander {
    store_dir: PathBuf,
    mnt: PathBuf,
    handle: Option<MountHandle>,
}

impl Alexander {
    fn new(dir: &Path) -> Res<Alexander> {
        let mut a = Alexander {
            store_dir: dir.join("alexander-store"),
            mnt: dir.join("alexander-mnt"),
            handle: None,
        };
        fs::create_dir_all(&a.mnt)?;
        a.mount()?;
        fs::create_dir(a.mnt.join(BUCKET))?;
        Ok(a)
    }

    fn mount(&mut self) -> Res<()> {
        let store = Store::open(&self.store_dir, Config::default())?;
        self.handle = Some(mount(store, &self.mnt, MountOptions::default())?);
        Ok(())
    }

    /// Unmounts (which drops the mount's store handle, the only one) and
    /// mounts a freshly opened store.
    fn remount(&mut self) -> Res<()> {
        self.unmount()?;
        self.mount()
    }

    fn unmount(&mut self) -> Res<()> {
        if let Some(h) = self.handle.take() {
            h.unmount()?;
        }
        Ok(())
    }

    fn root(&self) -> PathBuf {
        self.mnt.join(BUCKET)
    }
}

/// A bindfs mount of a native directory; unmounted on drop.
struct Bindfs {
    src: PathBuf,
    mnt: PathBuf,
    mounted: bool,
}

impl Bindfs {
    /// `bindfs --version`, if it is installed.
    fn version() -> Option<String> {
        let out = Command::new("bindfs").arg("--version").output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    fn new(dir: &Path) -> Res<Bindfs> {
        let mut b = Bindfs {
            src: dir.join("bindfs-src"),
            mnt: dir.join("bindfs-mnt"),
            mounted: false,
        };
        fs::create_dir_all(&b.src)?;
        fs::create_dir_all(&b.mnt)?;
        b.mount()?;
        Ok(b)
    }

    fn mount(&mut self) -> Res<()> {
        let st = Command::new("bindfs")
            .arg(&self.src)
            .arg(&self.mnt)
            .status()?;
        if !st.success() {
            return Err(format!("bindfs failed: {st}").into());
        }
        self.mounted = true;
        Ok(())
    }

    fn unmount(&mut self) -> Res<()> {
        if !self.mounted {
            return Ok(());
        }
        for (prog, args) in [("fusermount", ["-u"]), ("umount", ["-l"])] {
            if Command::new(prog)
                .args(args)
                .arg(&self.mnt)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
            {
                self.mounted = false;
                return Ok(());
            }
        }
        Err(format!("cannot unmount {}", self.mnt.display()).into())
    }

    fn remount(&mut self) -> Res<()> {
        self.unmount()?;
        self.mount()
    }
}

impl Drop for Bindfs {
    fn drop(&mut self) {
        let _ = self.unmount();
    }
}

/// The three sides, in the order they are measured.
struct Sides {
    native: PathBuf,
    bindfs: Option<Bindfs>,
    alexander: Alexander,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Alexander,
    Native,
    Bindfs,
}

impl Sides {
    fn root(&self, side: Side) -> Option<PathBuf> {
        match side {
            Side::Alexander => Some(self.alexander.root()),
            Side::Native => Some(self.native.clone()),
            Side::Bindfs => self.bindfs.as_ref().map(|b| b.mnt.clone()),
        }
    }

    fn each(&self, s: &Settings) -> Vec<(Side, PathBuf)> {
        [Side::Native, Side::Bindfs, Side::Alexander]
            .into_iter()
            .filter(|side| s.wants_side(*side))
            .filter_map(|side| self.root(side).map(|r| (side, r)))
            .collect()
    }

    /// Makes the next read of each side cold: remounts the FUSE sides and
    /// drops the page cache. False if the cache could not be dropped.
    fn cool(&mut self) -> Res<bool> {
        self.alexander.remount()?;
        if let Some(b) = &mut self.bindfs {
            b.remount()?;
        }
        Ok(drop_caches())
    }
}

/// One figure on each side; `None` where a side was skipped.
struct Figure {
    what: String,
    unit: &'static str,
    /// Whether a larger value is better (a rate) or a smaller one (a time).
    higher_is_better: bool,
    alexander: Option<f64>,
    native: Option<f64>,
    bindfs: Option<f64>,
    note: String,
}

impl Figure {
    fn new(what: impl Into<String>, unit: &'static str, higher_is_better: bool) -> Figure {
        Figure {
            what: what.into(),
            unit,
            higher_is_better,
            alexander: None,
            native: None,
            bindfs: None,
            note: String::new(),
        }
    }

    fn set(&mut self, side: Side, v: f64) {
        match side {
            Side::Alexander => self.alexander = Some(v),
            Side::Native => self.native = Some(v),
            Side::Bindfs => self.bindfs = Some(v),
        }
    }

    /// Alexander against `other`, higher is better for Alexander.
    fn vs(&self, other: Option<f64>) -> Option<f64> {
        let (a, o) = (self.alexander?, other?);
        Some(if self.higher_is_better { a / o } else { o / a })
    }
}

#[derive(Default)]
struct Table {
    rows: Vec<Figure>,
    notes: Vec<String>,
}

impl Table {
    fn print(&self) {
        let head = [
            "figure",
            "Alexander",
            "native",
            "bindfs",
            "vs native",
            "vs bindfs",
            "note",
        ]
        .map(str::to_owned);
        let fmt = |v: Option<f64>, unit: &str| match v {
            Some(v) if v >= 100.0 => format!("{v:.0} {unit}"),
            Some(v) if v >= 10.0 => format!("{v:.1} {unit}"),
            Some(v) => format!("{v:.2} {unit}"),
            None => "-".into(),
        };
        let ratio = |v: Option<f64>| v.map_or_else(|| "-".into(), |r| format!("{r:.2}"));
        let rows: Vec<[String; 7]> = self
            .rows
            .iter()
            .map(|f| {
                [
                    f.what.clone(),
                    fmt(f.alexander, f.unit),
                    fmt(f.native, f.unit),
                    fmt(f.bindfs, f.unit),
                    ratio(f.vs(f.native)),
                    ratio(f.vs(f.bindfs)),
                    f.note.clone(),
                ]
            })
            .collect();
        let mut w = head.clone().map(|h| h.chars().count());
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |r: &[String; 7]| {
            println!(
                "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {:>w4$}  {:>w5$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3],
                w4 = w[4],
                w5 = w[5],
            );
        };
        println!();
        line(&head);
        println!("{}", "-".repeat(w.iter().sum::<usize>() + 12));
        for r in &rows {
            line(r);
        }
        if !self.notes.is_empty() {
            println!();
            for n in &self.notes {
                println!("{n}");
            }
        }
    }
}

fn main() -> Res<()> {
    memory::tune();
    let settings = Settings::from_env();
    if let Some(why) = fuse_unavailable() {
        if settings.mode == Mode::Smoke {
            eprintln!("skipping the FUSE bench's smoke run: {why}");
            return Ok(());
        }
        return Err(format!("the FUSE bench cannot run: {why}").into());
    }
    fs::create_dir_all(&settings.base)?;
    let tmp = tempfile::Builder::new()
        .prefix("alexander-fuse-bench-")
        .tempdir_in(&settings.base)?;
    let bindfs_version = Bindfs::version();
    settings.print_header(tmp.path(), &bindfs_version);
    let native = tmp.path().join("native");
    fs::create_dir(&native)?;
    let mut sides = Sides {
        native,
        bindfs: match &bindfs_version {
            Some(_) => Some(Bindfs::new(tmp.path())?),
            None => None,
        },
        alexander: Alexander::new(tmp.path())?,
    };
    let mut table = Table::default();
    let load_start = loadavg();
    let result = run(&settings, tmp.path(), &mut sides, &mut table);
    table.notes.push(format!(
        "load average (1, 5, 15 min) at the start: {load_start}; at the end: {}",
        loadavg()
    ));
    table.print();
    // Unmount before the files go.
    sides.alexander.unmount()?;
    drop(sides);
    drop(tmp);
    result
}

fn fuse_unavailable() -> Option<String> {
    if !Path::new("/dev/fuse").exists() {
        return Some("/dev/fuse does not exist".into());
    }
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("fusermount3").exists()))
        .unwrap_or(false);
    if !found {
        return Some("fusermount3 is not installed (apt-get install fuse3)".into());
    }
    None
}

fn run(s: &Settings, dir: &Path, sides: &mut Sides, t: &mut Table) -> Res<()> {
    let data = Data::new();

    // 1: sequential write with fsync (also the file figures 2 and 10
    // read).
    if s.wants(1) || s.wants(2) || s.wants(10) {
        seq_figure(s, sides, t, &data)?;
    }
    if s.wants(2) {
        read_figure(s, sides, t, &data)?;
    }
    if s.wants(3) {
        small_figure(s, sides, t, &data)?;
    }
    if s.wants(4) {
        rsync_figure(s, dir, sides, t, &data)?;
    }
    if s.wants(5) {
        metadata_figure(s, sides, t)?;
    }
    if s.wants(6) {
        copy_figure(s, sides, t, &data)?;
    }
    if s.wants(7) {
        rates_figure(s, sides, t)?;
    }
    if s.wants(8) {
        tar_figure(s, dir, sides, t, &data)?;
    }
    if s.wants(9) {
        git_figure(s, dir, sides, t, &data)?;
    }
    if s.wants(10) {
        random_figure(s, sides, t)?;
    }
    Ok(())
}

/// 10: random 4 KiB reads of the sequential file with 1 and 4 threads
/// (cold, as figure 2), then random 4 KiB writes into it and an fsync:
/// issue 16's random rows, as fio's `--rw=randread`/`randwrite
/// --bs=4k --ioengine=psync` make them.
fn random_figure(s: &Settings, sides: &mut Sides, t: &mut Table) -> Res<()> {
    use std::os::unix::fs::FileExt;
    const IO: usize = 4 * KIB;
    let calls = match s.mode {
        Mode::Smoke => 64,
        Mode::Quick => 4_000,
        Mode::Full => 20_000,
    };
    let blocks = (s.seq / IO as u64).max(1);
    // Offsets from a fixed xorshift sequence: every side reads the same.
    let offsets = |seed: u64, n: usize| {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % blocks) * IO as u64
            })
            .collect::<Vec<u64>>()
    };
    let mut rows = Vec::new();
    for jobs in [1usize, 4] {
        let mut f = Figure::new(
            format!("10 random 4 KiB read, {jobs} job(s), {calls} calls"),
            "IOPS",
            true,
        );
        for (side, root) in sides.each(s) {
            eprintln!("10: random reads, {jobs} job(s), {}", name(side));
            if s.cold {
                sides.cool()?;
            }
            let path = root.join("seq");
            let start = Instant::now();
            std::thread::scope(|scope| -> Res<()> {
                let workers: Vec<_> = (0..jobs)
                    .map(|j| {
                        let path = &path;
                        let mine = offsets(0x9e37_79b9 + j as u64, calls / jobs);
                        scope.spawn(move || -> io::Result<()> {
                            let file = File::open(path)?;
                            let mut buf = vec![0u8; IO];
                            for off in mine {
                                file.read_exact_at(&mut buf, off)?;
                            }
                            Ok(())
                        })
                    })
                    .collect();
                for w in workers {
                    w.join().expect("a reader thread")?;
                }
                Ok(())
            })?;
            f.set(side, calls as f64 / start.elapsed().as_secs_f64());
        }
        rows.push(f);
    }
    let mut w = Figure::new(
        format!("10 random 4 KiB write + fsync, {calls} calls"),
        "IOPS",
        true,
    );
    for (side, root) in sides.each(s) {
        eprintln!("10: random writes, {}", name(side));
        let file = fs::OpenOptions::new().write(true).open(root.join("seq"))?;
        let block = vec![0x5au8; IO];
        let start = Instant::now();
        for off in offsets(0x51ed_270b, calls) {
            file.write_all_at(&block, off)?;
        }
        file.sync_all()?;
        drop(file);
        w.set(side, calls as f64 / start.elapsed().as_secs_f64());
    }
    rows.push(w);
    t.rows.extend(rows);
    Ok(())
}

/// Whether `program --version` runs.
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `cmd`, failing with its standard error if it fails; its time.
fn timed(mut cmd: Command, what: &str) -> Res<Duration> {
    let start = Instant::now();
    let out = cmd.stdout(Stdio::null()).output()?;
    let d = start.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(d)
}

/// Writes a tree shaped like a source tree: `files` files of 1-16 KiB,
/// a hundred to a directory, two levels deep. Its bytes.
fn make_source_tree(root: &Path, files: usize, data: &Data) -> Res<u64> {
    let mut buf = vec![0u8; 16 * KIB];
    let mut total = 0u64;
    for i in 0..files {
        let dir = root.join(format!("m{:02}/d{:03}", i / 10_000, i / 100 % 100));
        if i % 100 == 0 {
            fs::create_dir_all(&dir)?;
        }
        // Sizes spread over 1-16 KiB, most small, as source files are.
        let len = 1 + (i * 7919 % (16 * KIB)) * (i % 3 + 1) / 3;
        data.block(4, i as u64, &mut buf[..len]);
        fs::write(dir.join(format!("f{i:05}.c")), &buf[..len])?;
        total += len as u64;
    }
    Ok(total)
}

/// 8: `tar -x` of a source tree of many small files (the tarball on the
/// native disk, in the page cache). Issue 16's goal: at most 3 times
/// native.
fn tar_figure(s: &Settings, dir: &Path, sides: &Sides, t: &mut Table, data: &Data) -> Res<()> {
    if !installed("tar") {
        t.notes.push("8: tar is not installed: skipped".into());
        return Ok(());
    }
    let src = dir.join("source-tree");
    let bytes = make_source_tree(&src, s.tar_files, data)?;
    let tarball = dir.join("source-tree.tar");
    let mut c = Command::new("tar");
    c.arg("-cf").arg(&tarball).arg("-C").arg(&src).arg(".");
    timed(c, "tar -c")?;
    // Warm the tarball, so that no side pays for reading it from disk.
    seq_read(&tarball)?;
    let mut f = Figure::new(
        format!("8 tar -x, {} files {}", s.tar_files, size(bytes)),
        "s",
        false,
    );
    for (side, root) in sides.each(s) {
        eprintln!("8: tar -x, {}", name(side));
        let dest = root.join("untarred");
        fs::create_dir(&dest)?;
        let mut x = Command::new("tar");
        x.arg("-xf").arg(&tarball).arg("-C").arg(&dest);
        f.set(side, timed(x, "tar -x")?.as_secs_f64());
    }
    f.note = "goal: at most 3 times native".into();
    t.rows.push(f);
    Ok(())
}

/// 9: `git clone` (through git's pack protocol, as from a server) of a
/// local repository of one commit of a source tree: the checkout writes
/// every file. Issue 16's goal: at most 3 times native.
fn git_figure(s: &Settings, dir: &Path, sides: &Sides, t: &mut Table, data: &Data) -> Res<()> {
    if !installed("git") {
        t.notes.push("9: git is not installed: skipped".into());
        return Ok(());
    }
    let repo = dir.join("repo");
    let bytes = make_source_tree(&repo, s.git_files, data)?;
    let git = |args: &[&str]| {
        let mut c = Command::new("git");
        c.arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=bench", "-c", "user.email=bench@localhost"])
            .args(args);
        c
    };
    timed(git(&["init", "-q"]), "git init")?;
    timed(git(&["add", "-A"]), "git add")?;
    timed(git(&["commit", "-q", "-m", "tree"]), "git commit")?;
    let mut f = Figure::new(
        format!("9 git clone, {} files {}", s.git_files, size(bytes)),
        "s",
        false,
    );
    for (side, root) in sides.each(s) {
        eprintln!("9: git clone, {}", name(side));
        let mut c = Command::new("git");
        c.args(["clone", "-q", "--no-local"])
            .arg(&repo)
            .arg(root.join("clone"));
        f.set(side, timed(c, "git clone")?.as_secs_f64());
    }
    f.note = "goal: at most 3 times native".into();
    t.rows.push(f);
    Ok(())
}

/// 6: `cp` of the sequential file to a new name on the same side, and an
/// fsync of the copy: coreutils asks `copy_file_range`, which Alexander
/// answers with a copy of the object that shares its chunks.
fn copy_figure(s: &Settings, sides: &Sides, t: &mut Table, data: &Data) -> Res<()> {
    let mut f = Figure::new(
        format!("6 cp {} + fsync of the copy", size(s.seq)),
        "s",
        false,
    );
    for (side, root) in sides.each(s) {
        let (src, copy) = (root.join("seq"), root.join("seq-copy"));
        if fs::metadata(&src).ok().map(|m| m.len()) != Some(s.seq) {
            eprintln!("6: writing the file to copy, {}", name(side));
            seq_write(&src, s.seq, data, 1)?;
        }
        settle();
        eprintln!("6: cp, {}", name(side));
        let start = Instant::now();
        let status = Command::new("cp").arg(&src).arg(&copy).status()?;
        if !status.success() {
            return Err(format!("{}: cp failed ({status})", name(side)).into());
        }
        File::open(&copy)?.sync_all()?;
        f.set(side, start.elapsed().as_secs_f64());
        let (_, sum) = seq_read(&copy)?;
        if sum != expected_sum(s.seq, data) {
            return Err(format!("{}: the copy reads back wrong", name(side)).into());
        }
        fs::remove_file(&copy)?;
    }
    f.note = "Alexander: a new version sharing the source's chunks".into();
    t.rows.push(f);
    Ok(())
}

fn seq_figure(s: &Settings, sides: &Sides, t: &mut Table, data: &Data) -> Res<()> {
    let mut f = Figure::new(
        format!("1 sequential write {} + fsync", size(s.seq)),
        "MB/s",
        true,
    );
    // Figure 2 alone needs only the file: one round.
    let rounds = if s.wants(1) { s.rounds } else { 1 };
    let order = sides.each(s);
    let mut samples: Vec<(Side, Vec<f64>)> =
        order.iter().map(|(side, _)| (*side, vec![])).collect();
    let mut undrained = 0;
    for round in 0..rounds {
        // Each round starts with a different side, so that none always
        // follows the same neighbour's writeback.
        for i in 0..order.len() {
            let (side, root) = &order[(round + i) % order.len()];
            let path = root.join("seq");
            if path.exists() {
                fs::remove_file(&path)?;
            }
            if !settle() {
                undrained += 1;
            }
            eprintln!("1: sequential write, {}, round {}", name(*side), round + 1);
            // New bytes every round (Alexander would otherwise find the
            // last round's chunks still stored and write nothing); the
            // last round writes stream 1, which figure 2 reads back.
            let stream = (rounds - round) as u64;
            let d = seq_write(&path, s.seq, data, stream)?;
            let v = mbps(s.seq, d);
            samples
                .iter_mut()
                .find(|(s, _)| s == side)
                .expect("every side has samples")
                .1
                .push(v);
        }
    }
    for (side, v) in &samples {
        f.set(*side, median(v));
    }
    let ok = f.vs(f.native).is_some_and(|r| r >= 0.85);
    f.note = format!(
        "median of {rounds} round(s); goal >= 0.85 of native [{}]",
        if ok { "met" } else { "MISSED" }
    );
    if s.wants(1) {
        if rounds > 1 {
            let rounds: Vec<String> = samples
                .iter()
                .map(|(side, v)| {
                    let v: Vec<String> = v.iter().map(|x| format!("{x:.0}")).collect();
                    format!("{} {}", name(*side), v.join(", "))
                })
                .collect();
            t.notes
                .push(format!("1: every round, MB/s: {}", rounds.join("; ")));
        }
        if undrained > 0 {
            t.notes.push(format!(
                "1: {undrained} write(s) started before the page cache's dirty data had drained"
            ));
        }
        t.rows.push(f);
    }
    Ok(())
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Syncs every filesystem and waits (30 s at most) until the kernel holds
/// less than 16 MiB of dirty or in-flight pages, so that a timed write
/// does not pay for the writeback of what came before it. False if the
/// wait ran out.
fn settle() -> bool {
    let _ = Command::new("sync").status();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pending = fs::read_to_string("/proc/meminfo").map_or(0, |m| {
            m.lines()
                .filter(|l| l.starts_with("Dirty:") || l.starts_with("Writeback:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>()
        });
        if pending < 16 * 1024 {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// 2: sequential read, cold.
fn read_figure(s: &Settings, sides: &mut Sides, t: &mut Table, data: &Data) -> Res<()> {
    let mut f = Figure::new(
        format!(
            "2 sequential read {}, {}",
            size(s.seq),
            if s.cold { "cold" } else { "warm" }
        ),
        "MB/s",
        true,
    );
    let mut dropped = s.cold;
    for (side, root) in sides.each(s) {
        eprintln!("2: sequential read, {}", name(side));
        if s.cold {
            dropped &= sides.cool()?;
        }
        let (d, sum) = seq_read(&root.join("seq"))?;
        if sum != expected_sum(s.seq, data) {
            return Err(format!("{}: the sequential file reads back wrong", name(side)).into());
        }
        f.set(side, mbps(s.seq, d));
    }
    if s.cold && !dropped {
        f.note = "page cache NOT dropped (not root?): warm".into();
    }
    t.rows.push(f);
    Ok(())
}

/// 3: small files.
fn small_figure(s: &Settings, sides: &Sides, t: &mut Table, data: &Data) -> Res<()> {
    let mut f = Figure::new(
        format!("3 create+write+close {} x {} KiB", s.files, SMALL / KIB),
        "files/s",
        true,
    );
    let medium = (s.files / 5).max(1);
    let mut g = Figure::new(
        format!("3 create+write+close {} x {} KiB", medium, MEDIUM / KIB),
        "files/s",
        true,
    );
    for (side, root) in sides.each(s) {
        eprintln!("3: {} small files, {}", s.files, name(side));
        let d = small_files(&root.join("small"), s.files, SMALL, data)?;
        f.set(side, s.files as f64 / d.as_secs_f64());
        eprintln!("3: {medium} files of {} KiB, {}", MEDIUM / KIB, name(side));
        let d = small_files(&root.join("medium"), medium, MEDIUM, data)?;
        g.set(side, medium as f64 / d.as_secs_f64());
    }
    f.note =
        "no fsync asked; a file of at most 4 KiB is kept in Alexander's metadata database".into();
    g.note = "no fsync asked; each file has a chunk in a pack, which the mount syncs every 200 ms, not at each close".into();
    t.rows.push(f);
    t.rows.push(g);
    Ok(())
}

/// 4: rsync -a of a tree, then again (nothing to do).
fn rsync_figure(s: &Settings, dir: &Path, sides: &Sides, t: &mut Table, data: &Data) -> Res<()> {
    if !installed("rsync") {
        t.notes
            .push("4: rsync is not installed (apt-get install rsync): skipped".into());
        return Ok(());
    }
    let src = dir.join("tree-src");
    let bytes = make_tree(&src, s.tree, data)?;
    // Warm the source, so that no side pays for reading it from disk.
    seq_read_tree(&src)?;
    let mut first = Figure::new(
        format!(
            "4 rsync -a, {} files {} (first run)",
            s.tree.0 * s.tree.1,
            size(bytes)
        ),
        "s",
        false,
    );
    let mut again = Figure::new("4 rsync -a again (no-op)", "s", false);
    let mut moved = Vec::new();
    for (side, root) in sides.each(s) {
        eprintln!("4: rsync, {}", name(side));
        let dest = root.join("tree");
        let (d, _) = rsync_run(&src, &dest)?;
        first.set(side, d.as_secs_f64());
        let (d, n) = rsync_run(&src, &dest)?;
        again.set(side, d.as_secs_f64());
        if n != 0 {
            moved.push(format!("{}: {n}", name(side)));
        }
    }
    first.note = "source tree on the native disk, in the page cache".into();
    again.note = if moved.is_empty() {
        "no file transferred again on any side".into()
    } else {
        format!("files transferred again: {}", moved.join(", "))
    };
    t.rows.push(first);
    t.rows.push(again);
    Ok(())
}

fn name(side: Side) -> &'static str {
    match side {
        Side::Alexander => "Alexander",
        Side::Native => "native",
        Side::Bindfs => "bindfs",
    }
}

/// Writes `len` bytes of `stream` in `BLOCK` writes, fsyncs and closes;
/// the time of it all.
fn seq_write(path: &Path, len: u64, data: &Data, stream: u64) -> Res<Duration> {
    let mut buf = vec![0u8; BLOCK];
    let start = Instant::now();
    let mut f = File::create(path)?;
    let mut n = 0;
    let mut done = 0;
    while done < len {
        let k = (len - done).min(BLOCK as u64) as usize;
        data.block(stream, n, &mut buf[..k]);
        f.write_all(&buf[..k])?;
        done += k as u64;
        n += 1;
    }
    f.sync_all()?;
    drop(f);
    Ok(start.elapsed())
}

/// The checksum of what `seq_write` wrote.
fn expected_sum(len: u64, data: &Data) -> u64 {
    let mut buf = vec![0u8; BLOCK];
    let mut sum = 0;
    let (mut n, mut done) = (0, 0);
    while done < len {
        let k = (len - done).min(BLOCK as u64) as usize;
        data.block(1, n, &mut buf[..k]);
        checksum(&mut sum, &buf[..k]);
        done += k as u64;
        n += 1;
    }
    sum
}

/// Reads a file to its end in `BLOCK` reads; the time and a checksum.
fn seq_read(path: &Path) -> Res<(Duration, u64)> {
    let mut buf = vec![0u8; BLOCK];
    let mut sum = 0;
    let start = Instant::now();
    let mut f = File::open(path)?;
    let mut pending = Vec::new();
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        // Checksum whole blocks, as they were written.
        pending.extend_from_slice(&buf[..n]);
        if pending.len() >= BLOCK {
            checksum(&mut sum, &pending[..BLOCK]);
            pending.drain(..BLOCK);
        }
    }
    checksum(&mut sum, &pending);
    Ok((start.elapsed(), sum))
}

/// 5: single metadata calls on existing files, in microseconds each: what
/// rsync does per file besides copying bytes (`chmod`, set times, rename
/// its temporary file into place), and `unlink` and `stat`.
fn metadata_figure(s: &Settings, sides: &Sides, t: &mut Table) -> Res<()> {
    let n = (s.files / 5).max(1);
    let calls: [(&str, &str); 5] = [
        ("chmod", "chmod of a closed file"),
        ("utimens", "set atime and mtime to the nanosecond"),
        (
            "rename",
            "rename to a name not taken, in the same directory",
        ),
        ("unlink", "unlink of a closed file"),
        (
            "stat",
            "stat of a file not looked up for longer than the mount's attribute cache time, so every call reaches the filesystem",
        ),
    ];
    let mut figures: Vec<Figure> = calls
        .iter()
        .map(|(call, note)| {
            let mut f = Figure::new(format!("5 {call}, {n} files"), "us", false);
            f.note = (*note).into();
            f
        })
        .collect();
    for (side, root) in sides.each(s) {
        eprintln!("5: metadata calls on {n} files, {}", name(side));
        let dir = root.join("meta");
        fs::create_dir(&dir)?;
        let path = |prefix: &str, i: usize| dir.join(format!("{prefix}{i:06}"));
        for i in 0..n {
            fs::write(path("a", i), b"x")?;
        }
        let each = |f: &mut dyn FnMut(usize) -> io::Result<()>| -> Res<f64> {
            let start = Instant::now();
            for i in 0..n {
                f(i)?;
            }
            Ok(start.elapsed().as_secs_f64() * 1e6 / n as f64)
        };
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |i: usize| fs::Permissions::from_mode(if i.is_multiple_of(2) { 0o600 } else { 0o640 });
        let when = rustix::fs::Timespec {
            tv_sec: 1_600_000_000,
            tv_nsec: 123_456_789,
        };
        let times = rustix::fs::Timestamps {
            last_access: when,
            last_modification: when,
        };
        let results = [
            each(&mut |i| fs::set_permissions(path("a", i), mode(i)))?,
            each(&mut |i| {
                rustix::fs::utimensat(
                    rustix::fs::CWD,
                    path("a", i),
                    &times,
                    rustix::fs::AtFlags::empty(),
                )
                .map_err(io::Error::from)
            })?,
            each(&mut |i| fs::rename(path("a", i), path("b", i)))?,
            // Half the files go, the other half are looked at after the
            // attribute cache has expired.
            each(&mut |i| {
                if i.is_multiple_of(2) {
                    fs::remove_file(path("b", i))
                } else {
                    Ok(())
                }
            })? * 2.0,
            {
                std::thread::sleep(alexander_fuse::DEFAULT_TTL + Duration::from_millis(100));
                each(&mut |i| {
                    if !i.is_multiple_of(2) {
                        fs::metadata(path("b", i)).map(drop)
                    } else {
                        Ok(())
                    }
                })? * 2.0
            },
        ];
        for (f, us) in figures.iter_mut().zip(results) {
            f.set(side, us);
        }
    }
    t.rows.extend(figures);
    Ok(())
}

/// Creates `n` files of `len` bytes each in a new directory `dir`.
fn small_files(dir: &Path, n: usize, len: usize, data: &Data) -> Res<Duration> {
    // Each size its own stream, so the two rows share no bytes.
    let stream = if len == SMALL { 2 } else { 0x10 };
    let mut buf = vec![0u8; len];
    fs::create_dir(dir)?;
    let start = Instant::now();
    for i in 0..n {
        data.block(stream, i as u64, &mut buf);
        let mut f = File::create(dir.join(format!("f{i:06}")))?;
        f.write_all(&buf)?;
    }
    Ok(start.elapsed())
}

/// A tree of `dirs` directories of `per_dir` files each: mostly small
/// files, some of a few hundred KiB, a few of several MiB. Returns its
/// size.
fn make_tree(root: &Path, (dirs, per_dir): (usize, usize), data: &Data) -> Res<u64> {
    let mut total = 0u64;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut buf = vec![0u8; 8 * MIB];
    let mut id = 0;
    for d in 0..dirs {
        let dir = root.join(format!("d{d:03}"));
        fs::create_dir_all(&dir)?;
        for i in 0..per_dir {
            let len = match rnd(100) {
                0..=79 => 1 + rnd(32 * KIB as u64),
                80..=97 => 64 * KIB as u64 + rnd(960 * KIB as u64),
                _ => 2 * MIB as u64 + rnd(6 * MIB as u64),
            } as usize;
            data.block(3, id, &mut buf[..len]);
            id += 1;
            fs::write(dir.join(format!("f{i:04}")), &buf[..len])?;
            total += len as u64;
        }
    }
    Ok(total)
}

fn seq_read_tree(root: &Path) -> Res<()> {
    for e in fs::read_dir(root)? {
        let p = e?.path();
        if p.is_dir() {
            seq_read_tree(&p)?;
        } else {
            seq_read(&p)?;
        }
    }
    Ok(())
}

/// `rsync -a src/ dest/`: the time and the number of files it transferred.
fn rsync_run(src: &Path, dest: &Path) -> Res<(Duration, u64)> {
    let start = Instant::now();
    let out = Command::new("rsync")
        .arg("-a")
        .arg("--stats")
        .arg(format!("{}/", src.display()))
        .arg(format!("{}/", dest.display()))
        .output()?;
    let d = start.elapsed();
    if !out.status.success() {
        return Err(format!(
            "rsync to {} failed ({}): {}",
            dest.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let stats = String::from_utf8_lossy(&out.stdout);
    let moved = stats
        .lines()
        .find_map(|l| l.strip_prefix("Number of regular files transferred: "))
        .and_then(|n| n.trim().replace(',', "").parse().ok())
        .unwrap_or(0);
    Ok((d, moved))
}

/// The calls of figure 7, in the order each round makes them.
const RATES: [(&str, &str, &str); 7] = [
    (
        "create",
        "files/s",
        "open(O_CREAT|O_WRONLY) + close of a new, empty file",
    ),
    ("stat", "calls/s", "stat of each file just created"),
    (
        "readdir",
        "entries/s",
        "the directory of all the files listed (names and types), 3 times",
    ),
    (
        "rename",
        "calls/s",
        "rename to a new name in the same directory",
    ),
    ("unlink", "calls/s", "unlink of a closed file"),
    (
        "mkdir",
        "calls/s",
        "mkdir of a new directory (a tenth as many as files)",
    ),
    ("rmdir", "calls/s", "rmdir of an empty directory"),
];

/// 7: rates of metadata calls over `s.files` files, in rounds, each round
/// starting with the next side; the median of each side, the range in the
/// note. Goal (issue 16): each call >= 3x bindfs, readdir >= 1x.
fn rates_figure(s: &Settings, sides: &Sides, t: &mut Table) -> Res<()> {
    let n = s.files;
    let dirs = (n / 10).max(1);
    let order = sides.each(s);
    // samples[call][side] = one rate a round.
    let mut samples: Vec<Vec<Vec<f64>>> = vec![vec![vec![]; order.len()]; RATES.len()];
    for round in 0..s.meta_rounds {
        for i in 0..order.len() {
            let k = (round + i) % order.len();
            let (side, root) = &order[k];
            eprintln!("7: metadata rates, {}, round {}", name(*side), round + 1);
            let rates = metadata_rates(&root.join(format!("rates{round}")), n, dirs)?;
            for (c, r) in rates.into_iter().enumerate() {
                samples[c][k].push(r);
            }
        }
    }
    for (c, (call, unit, what)) in RATES.iter().enumerate() {
        let count = if matches!(*call, "mkdir" | "rmdir") {
            dirs
        } else {
            n
        };
        let mut f = Figure::new(format!("7 {call}, {count}"), unit, true);
        let mut ranges = Vec::new();
        for (k, (side, _)) in order.iter().enumerate() {
            let v = &samples[c][k];
            f.set(*side, median(v));
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(0.0, f64::max);
            ranges.push(format!("{} {}-{}", short(*side), rate(lo), rate(hi)));
        }
        let goal = if *call == "readdir" { 1.0 } else { 3.0 };
        let met = match f.vs(f.bindfs) {
            Some(r) if r >= goal => " [met]",
            Some(_) => " [MISSED]",
            None => "",
        };
        f.note = format!(
            "{what}; goal >= {goal}x bindfs{met}; range of {} round(s): {}",
            s.meta_rounds,
            ranges.join(", ")
        );
        t.rows.push(f);
    }
    Ok(())
}

fn short(side: Side) -> &'static str {
    match side {
        Side::Alexander => "A",
        Side::Native => "n",
        Side::Bindfs => "b",
    }
}

/// A rate for a note: 2.9k, 370k, 1.4M.
fn rate(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e4 => format!("{:.0}k", v / 1e3),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v => format!("{v:.0}"),
    }
}

/// One round of figure 7 in a new directory `dir`: the rate of each call
/// of [`RATES`], in its order. Leaves `dir` empty.
fn metadata_rates(dir: &Path, n: usize, dirs: usize) -> Res<Vec<f64>> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::create_dir(dir)?;
    let path = |prefix: &str, i: usize| dir.join(format!("{prefix}{i:06}"));
    let rate = |count: usize, f: &mut dyn FnMut(usize) -> io::Result<()>| -> Res<f64> {
        let start = Instant::now();
        for i in 0..count {
            f(i)?;
        }
        Ok(count as f64 / start.elapsed().as_secs_f64())
    };
    let create = rate(n, &mut |i| {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(path("a", i))
            .map(drop)
    })?;
    let stat = rate(n, &mut |i| fs::metadata(path("a", i)).map(drop))?;
    let passes = 3;
    let mut seen = 0;
    let readdir = rate(passes, &mut |_| {
        for e in fs::read_dir(dir)? {
            e?.file_type()?;
            seen += 1;
        }
        Ok(())
    })? * n as f64;
    if seen != passes * n {
        return Err(format!(
            "{}: listed {seen} entries, not {}",
            dir.display(),
            passes * n
        )
        .into());
    }
    let rename = rate(n, &mut |i| fs::rename(path("a", i), path("b", i)))?;
    let unlink = rate(n, &mut |i| fs::remove_file(path("b", i)))?;
    let mkdir = rate(dirs, &mut |i| fs::create_dir(path("d", i)))?;
    let rmdir = rate(dirs, &mut |i| fs::remove_dir(path("d", i)))?;
    fs::remove_dir(dir)?;
    Ok(vec![create, stat, readdir, rename, unlink, mkdir, rmdir])
}
