//! Figures for the store, each printed next to a baseline measured in the
//! same run on the same disk: ingest, dedup re-ingest, reads, small durable
//! puts, listing, peak memory of an ingest, and space used by versions.
//!
//! `cargo bench -p alexander-store --bench store` prints the table (progress
//! goes to stderr). Run without `--bench`, as `cargo test --all-targets`
//! does, it makes a smoke run with tiny sizes, so the program cannot rot.
//!
//! Environment:
//!
//! - `ALEXANDER_BENCH_QUICK=1`: a 64 MiB big object, 10,000 keys, 2 s
//!   loops (the dedup file stays 100 MiB: its goal depends on the size).
//! - `ALEXANDER_BENCH_GIB` / `ALEXANDER_BENCH_MIB`: size of the big object
//!   (default 1 GiB).
//! - `ALEXANDER_BENCH_KEYS`: keys in the listing bucket (default 100,000).
//! - `ALEXANDER_BENCH_DEDUP_MIB`: size of the file the dedup figures edit
//!   (default 100 MiB).
//! - `ALEXANDER_BENCH_SECS`: length of each timed loop (default 5; the
//!   small puts run three rounds of it for each side and thread count).
//! - `ALEXANDER_BENCH_COLD=0`: skip cold reads (they drop the page cache of
//!   the whole machine, which needs root).
//! - `ALEXANDER_BENCH_DIR`: where the stores and files go (default: cargo's
//!   temp dir inside the target dir, on the project's disk). Everything is
//!   removed at the end.
//!
//! MB are 10^6 bytes; MiB and GiB are powers of two.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use alexander_store::{At, ChunkerConfig, Config, ListQuery, PutOptions, Store, Versioning};
use md5::Md5;
use sha2::{Digest, Sha256};

mod common;
use common::{Table, drop_caches, env_f64, filesystem_of, goal, loadavg, mbps, size};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
/// Block size of the data generator and of the hash throughput figures.
const BLOCK: usize = 64 * KIB;
/// Environment variable that turns the binary into a child measuring one
/// ingest; its value says which.
const CHILD: &str = "ALEXANDER_BENCH_CHILD";
const BUCKET: &str = "bench";

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    if let Ok(kind) = std::env::var(CHILD) {
        return child(&kind);
    }
    let settings = Settings::from_env();
    let base = settings.base.clone();
    fs::create_dir_all(&base)?;
    let tmp = tempfile::Builder::new()
        .prefix("alexander-bench-")
        .tempdir_in(&base)?;
    let mut table = Table::new("Alexander", "baseline");
    let load_start = loadavg();
    settings.print_header(tmp.path());
    run(&settings, tmp.path(), &mut table)?;
    table.note(format!(
        "   load average (1, 5, 15 min) at the start: {load_start}; at the end: {}",
        loadavg()
    ));
    table.print();
    drop(tmp);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Full,
    Quick,
    Smoke,
}

struct Settings {
    mode: Mode,
    /// Size of the big object.
    data: u64,
    /// Keys in the listing bucket.
    keys: usize,
    /// Size of the file edited for the dedup figures.
    dedup: usize,
    /// Length of each timed loop.
    secs: Duration,
    cold: bool,
    base: PathBuf,
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
        let (data, keys, dedup, secs) = match mode {
            Mode::Full => (1u64 << 30, 100_000, 100 * MIB, 5.0),
            Mode::Quick => (64 << 20, 10_000, 100 * MIB, 2.0),
            Mode::Smoke => (4 << 20, 300, 4 * MIB, 0.1),
        };
        let data = env_f64("ALEXANDER_BENCH_MIB")
            .map(|m| (m * MIB as f64) as u64)
            .or_else(|| env_f64("ALEXANDER_BENCH_GIB").map(|g| (g * (1u64 << 30) as f64) as u64))
            .unwrap_or(data);
        let keys = env_f64("ALEXANDER_BENCH_KEYS").map_or(keys, |k| k as usize);
        let dedup =
            env_f64("ALEXANDER_BENCH_DEDUP_MIB").map_or(dedup, |m| (m * MIB as f64) as usize);
        let secs = env_f64("ALEXANDER_BENCH_SECS").unwrap_or(secs);
        let cold =
            mode != Mode::Smoke && std::env::var("ALEXANDER_BENCH_COLD").map_or(true, |v| v != "0");
        let base = std::env::var_os("ALEXANDER_BENCH_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")), PathBuf::from);
        Settings {
            mode,
            data,
            keys: keys.max(2),
            dedup: dedup.max(MIB),
            secs: Duration::from_secs_f64(secs),
            cold,
            base,
        }
    }

    fn print_header(&self, dir: &Path) {
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
        println!("Alexander store figures ({:?} run)", self.mode);
        println!("  machine  {cores} cores, {cpu}");
        println!("  disk     {} ({})", dir.display(), filesystem_of(dir));
        println!(
            "  sizes    big object {}, listing bucket {} keys, dedup file {}, loops {:.1} s",
            size(self.data),
            self.keys,
            size(self.dedup as u64),
            self.secs.as_secs_f64()
        );
        println!("  MB = 10^6 bytes; ratio = Alexander / baseline (higher is better unless noted)");
        println!();
    }
}

/// Seeded xoshiro256** bytes: fast enough (several GB/s) not to weigh on
/// the figures, and the same bytes for the same seed whatever the reads.
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    fn fill(&mut self, buf: &mut [u8]) {
        let mut words = buf.chunks_exact_mut(8);
        for w in &mut words {
            w.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        let rest = words.into_remainder();
        let n = rest.len();
        if n > 0 {
            rest.copy_from_slice(&self.next_u64().to_le_bytes()[..n]);
        }
    }

    fn bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        Rng::new(seed).fill(&mut v);
        v
    }
}

/// `len` seeded bytes generated as they are read, one block at a time.
struct Seeded {
    rng: Rng,
    left: u64,
    block: Vec<u8>,
    pos: usize,
    /// When the reader first reported the end, with the process's peak and
    /// current RSS in kB then: splits a put into its streaming part and
    /// what follows (final fsync, commit).
    ended: Option<(Instant, u64, u64)>,
}

impl Seeded {
    fn new(seed: u64, len: u64) -> Seeded {
        Seeded {
            rng: Rng::new(seed),
            left: len,
            block: vec![0; BLOCK],
            pos: BLOCK,
            ended: None,
        }
    }
}

impl Read for Seeded {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            if self.ended.is_none() {
                self.ended = Some((Instant::now(), status_kb("VmHWM:"), status_kb("VmRSS:")));
            }
            return Ok(0);
        }
        if out.is_empty() {
            return Ok(0);
        }
        if self.pos == self.block.len() {
            self.rng.fill(&mut self.block);
            self.pos = 0;
        }
        let n = out
            .len()
            .min(self.block.len() - self.pos)
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        out[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        self.left -= n as u64;
        Ok(n)
    }
}

/// The seed of the big object.
const BIG_SEED: u64 = 0xA1E7_A2DE;

/// Reads `src` to the end into a reused buffer; returns the bytes read.
fn drain(mut src: impl Read) -> io::Result<u64> {
    let mut buf = vec![0u8; 256 * KIB];
    let mut total = 0;
    loop {
        match src.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => total += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Fills `buf` from `src` as far as it goes; returns the bytes read.
fn read_full(src: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match src.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A field of /proc/self/status, in kB.
fn status_kb(field: &str) -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Child process: one ingest of the big object, into a plain file
/// (`plain`) or the store (`store`), reporting its time and peak RSS.
fn child(kind: &str) -> Res<()> {
    let dir = PathBuf::from(std::env::var("ALEXANDER_BENCH_CHILD_DIR")?);
    let len: u64 = std::env::var("ALEXANDER_BENCH_CHILD_BYTES")?.parse()?;
    let (elapsed, start_hwm) = match kind {
        "plain" => {
            let start_hwm = status_kb("VmHWM:");
            let t = Instant::now();
            let mut f = File::create(dir.join("plain.bin"))?;
            let mut src = Seeded::new(BIG_SEED, len);
            let mut buf = vec![0u8; MIB];
            loop {
                let n = read_full(&mut src, &mut buf)?;
                if n == 0 {
                    break;
                }
                f.write_all(&buf[..n])?;
            }
            f.sync_all()?;
            (t.elapsed(), start_hwm)
        }
        "store" => {
            let store = Store::open(dir.join("big"), Config::default())?;
            store.create_bucket(BUCKET)?;
            let start_hwm = status_kb("VmHWM:");
            let t = Instant::now();
            let mut src = Seeded::new(BIG_SEED, len);
            let info = store.put_object(BUCKET, "big/one", &mut src, PutOptions::default())?;
            let elapsed = t.elapsed();
            assert_eq!(info.size, len);
            let (at, hwm, rss) = src.ended.ok_or("the store never read to the end")?;
            print!(
                "eof_secs={} eof_hwm_kb={hwm} eof_rss_kb={rss} ",
                (at - t).as_secs_f64()
            );
            (elapsed, start_hwm)
        }
        other => return Err(format!("unknown child kind {other:?}").into()),
    };
    println!(
        "secs={} hwm_kb={} rss_kb={} start_hwm_kb={}",
        elapsed.as_secs_f64(),
        status_kb("VmHWM:"),
        status_kb("VmRSS:"),
        start_hwm
    );
    Ok(())
}

struct ChildReport {
    elapsed: Duration,
    hwm_kb: u64,
    rss_kb: u64,
    start_hwm_kb: u64,
    /// Time, peak RSS and RSS when the store had read the whole stream.
    eof: Option<(Duration, u64, u64)>,
}

fn run_child(kind: &str, dir: &Path, len: u64) -> Res<ChildReport> {
    let out = Command::new(std::env::current_exe()?)
        .env(CHILD, kind)
        .env("ALEXANDER_BENCH_CHILD_DIR", dir)
        .env("ALEXANDER_BENCH_CHILD_BYTES", len.to_string())
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "{kind} child failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let text = String::from_utf8(out.stdout)?;
    let field = |name: &str| -> Res<f64> {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
            .ok_or_else(|| format!("{kind} child printed no {name}: {text:?}"))?
            .parse::<f64>()
            .map_err(Into::into)
    };
    let eof = match field("eof_secs") {
        Ok(secs) => Some((
            Duration::from_secs_f64(secs),
            field("eof_hwm_kb")? as u64,
            field("eof_rss_kb")? as u64,
        )),
        Err(_) => None,
    };
    Ok(ChildReport {
        elapsed: Duration::from_secs_f64(field("secs")?),
        hwm_kb: field("hwm_kb")? as u64,
        rss_kb: field("rss_kb")? as u64,
        start_hwm_kb: field("start_hwm_kb")? as u64,
        eof,
    })
}

/// Runs `op(thread, i)` on `threads` threads for `dur`; returns ops per
/// second over all threads.
fn ops_per_sec(threads: usize, dur: Duration, op: impl Fn(usize, u64) + Sync) -> f64 {
    let barrier = Barrier::new(threads);
    let results: Vec<(u64, Duration)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, op) = (&barrier, &op);
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let mut i = 0;
                    while start.elapsed() < dur {
                        op(t, i);
                        i += 1;
                    }
                    (i, start.elapsed())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker panicked"))
            .collect()
    });
    let ops: u64 = results.iter().map(|r| r.0).sum();
    let longest = results.iter().map(|r| r.1).max().unwrap_or_default();
    ops as f64 / longest.as_secs_f64()
}

/// Runs `a` and `b` by turns, `rounds` times each; returns their medians.
fn alternate(rounds: usize, a: impl Fn() -> f64, b: impl Fn() -> f64) -> (f64, f64) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        xs.push(a());
        ys.push(b());
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(xs), median(ys))
}

/// Mean time of `op` over repeats lasting about `dur` (at least 5).
fn mean_time(dur: Duration, mut op: impl FnMut()) -> Duration {
    op(); // warm-up
    let start = Instant::now();
    let mut n = 0u32;
    while n < 5 || start.elapsed() < dur {
        op();
        n += 1;
    }
    start.elapsed() / n
}

/// Throughput of `f` over 64 KiB blocks for about `dur`, in MB/s.
fn block_mbps(dur: Duration, mut f: impl FnMut(&[u8])) -> f64 {
    let block = Rng::bytes(1, BLOCK);
    let start = Instant::now();
    let mut n = 0u64;
    while n < 64 || start.elapsed() < dur {
        f(std::hint::black_box(&block));
        n += 1;
    }
    mbps(n * BLOCK as u64, start.elapsed())
}

fn run(s: &Settings, dir: &Path, t: &mut Table) -> Res<()> {
    // Context: what the CPU does per byte on the write path.
    eprintln!("context: generator, FastCDC, SHA-256, MD5");
    let ctx = s.secs.min(Duration::from_secs(1));
    let gen_mbps = {
        let len = s.data.min(256 << 20);
        let t0 = Instant::now();
        drain(Seeded::new(9, len))?;
        mbps(len, t0.elapsed())
    };
    let cdc_mbps = {
        let data = Rng::bytes(3, (s.data as usize).min(64 * MIB));
        let t0 = Instant::now();
        let mut n = 0usize;
        for c in ChunkerConfig::default().chunks(&data[..]) {
            n += c?.len();
        }
        assert_eq!(n, data.len());
        mbps(n as u64, t0.elapsed())
    };
    let sha_mbps = block_mbps(ctx, |b| {
        std::hint::black_box(Sha256::digest(b));
    });
    let md5_mbps = block_mbps(ctx, |b| {
        std::hint::black_box(Md5::digest(b));
    });
    // Both MD5s of a new chunk's bytes (the object's and the chunk's) in
    // one interleaved pass, as the store computes them.
    let md5x2_mbps = block_mbps(ctx, |b| {
        let mut whole = alexander_store::md5x2::Md5::new();
        let mut own = alexander_store::md5x2::Md5::new();
        alexander_store::md5x2::update_both(&mut whole, &mut own, b);
        std::hint::black_box((whole.finalize(), own.finalize()));
    });
    let serial = |rates: &[f64]| 1.0 / rates.iter().map(|r| 1.0 / r).sum::<f64>();
    let ingest_cpu = serial(&[cdc_mbps, sha_mbps, md5x2_mbps]);
    let dedup_cpu = serial(&[cdc_mbps, sha_mbps, md5_mbps]);
    // The store's write path without the store: the same stream through
    // the chunker and the same hashes, on one thread, no I/O.
    let pipeline = |chunk_md5: bool| -> Res<f64> {
        let len = s.data.min(256 << 20);
        let t0 = Instant::now();
        let mut whole = alexander_store::md5x2::Md5::new();
        for c in ChunkerConfig::default().chunks(Seeded::new(BIG_SEED, len)) {
            let c = c?;
            std::hint::black_box(Sha256::digest(&c));
            if chunk_md5 {
                let mut own = alexander_store::md5x2::Md5::new();
                alexander_store::md5x2::update_both(&mut whole, &mut own, &c);
                std::hint::black_box(own.finalize());
            } else {
                whole.update(&c);
            }
        }
        std::hint::black_box(whole.finalize());
        Ok(mbps(len, t0.elapsed()))
    };
    let pipe_new = pipeline(true)?;
    let pipe_known = pipeline(false)?;
    println!("context (one core, 64 KiB blocks)");
    println!("  seeded data generator  {gen_mbps:>7.0} MB/s");
    println!("  FastCDC chunking       {cdc_mbps:>7.0} MB/s");
    println!("  SHA-256                {sha_mbps:>7.0} MB/s");
    println!("  MD5                    {md5_mbps:>7.0} MB/s");
    println!("  MD5 x2, interleaved    {md5x2_mbps:>7.0} MB/s (two MD5s of the same bytes)");
    println!(
        "  write path without storage, one thread (generator + CDC + SHA-256 + MD5 of the object):"
    );
    println!(
        "    new data, + MD5 of each chunk   {pipe_new:>7.0} MB/s (sum of the parts above: {ingest_cpu:.0})"
    );
    println!(
        "    known data                      {pipe_known:>7.0} MB/s (sum of the parts above: {dedup_cpu:.0})"
    );

    // 1 and 6: ingest of unique data, each in a child that reports its RSS.
    eprintln!("1: ingest {} (plain file, then store)", size(s.data));
    let plain = run_child("plain", dir, s.data)?;
    let ingest = run_child("store", dir, s.data)?;
    let plain_mbps = mbps(s.data, plain.elapsed);
    let ingest_mbps = mbps(s.data, ingest.elapsed);
    t.row(
        format!("1 ingest {} unique, MB/s", size(s.data)),
        format!("{ingest_mbps:.0}"),
        format!("{plain_mbps:.0}"),
        ingest_mbps / plain_mbps,
        "write to a plain file + fsync",
    );

    // 2: the same bytes again under another key.
    eprintln!("2: re-ingest (dedup)");
    let store = Store::open(dir.join("big"), Config::default())?;
    // The baseline: MD5 of the same stream, just before and just after.
    let md5_stream = || -> Res<f64> {
        let t0 = Instant::now();
        let mut src = Seeded::new(BIG_SEED, s.data);
        let mut h = Md5::new();
        let mut buf = vec![0u8; 256 * KIB];
        loop {
            let n = read_full(&mut src, &mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        std::hint::black_box(h.finalize());
        Ok(mbps(s.data, t0.elapsed()))
    };
    let md5_before = md5_stream()?;
    let t0 = Instant::now();
    let mut src = Seeded::new(BIG_SEED, s.data);
    let two = store.put_object(BUCKET, "big/two", &mut src, PutOptions::default())?;
    let reingest = t0.elapsed();
    let reingest_eof = src.ended.map(|(at, _, _)| at - t0);
    let md5_mbps = md5_stream()?.max(md5_before);
    let one = store.head_object(BUCKET, "big/one", At::Current)?;
    assert_eq!(one.etag, two.etag, "same bytes, same ETag");
    let reingest_mbps = mbps(s.data, reingest);
    t.row(
        format!("2 re-ingest same {}, MB/s", size(s.data)),
        format!("{reingest_mbps:.0}"),
        format!("{md5_mbps:.0}"),
        reingest_mbps / md5_mbps,
        &goal(
            reingest_mbps >= 1000.0,
            "MD5 of the same stream; goal >= 1000 MB/s",
        ),
    );
    let split = |total: Duration, eof: Option<Duration>| match eof {
        Some(e) => format!(
            "{:.2} s reading, chunking, hashing{}, then {:.2} s to return (fsync, commit, flush)",
            e.as_secs_f64(),
            if total == reingest { "" } else { ", appending" },
            (total - e).as_secs_f64()
        ),
        None => "no split".into(),
    };
    t.note(format!(
        "1  split of the put: {}",
        split(ingest.elapsed, ingest.eof.map(|e| e.0))
    ));
    t.note(format!(
        "2  split of the put: {}; MD5 of the stream ran at {md5_before:.0} MB/s before it \
         and {:.0} after (the better is the baseline)",
        split(reingest, reingest_eof),
        md5_mbps
    ));

    // 3: reads, warm then cold.
    eprintln!("3: reads");
    let plain_path = dir.join("plain.bin");
    let read_plain = || -> Res<Duration> {
        let t0 = Instant::now();
        let n = drain(File::open(&plain_path)?)?;
        assert_eq!(n, s.data);
        Ok(t0.elapsed())
    };
    let read_store = |store: &Store| -> Res<Duration> {
        let t0 = Instant::now();
        let n = drain(store.get_object(BUCKET, "big/one", At::Current, None)?)?;
        assert_eq!(n, s.data);
        Ok(t0.elapsed())
    };
    read_plain()?;
    read_store(&store)?;
    let warm_plain = mbps(s.data, read_plain()?);
    let warm_store = mbps(s.data, read_store(&store)?);
    t.row(
        "3 read, warm page cache, MB/s",
        format!("{warm_store:.0}"),
        format!("{warm_plain:.0}"),
        warm_store / warm_plain,
        "read the plain file",
    );
    drop(store);
    let mut store_open = None;
    if s.cold && drop_caches() {
        let t0 = Instant::now();
        let store = Store::open(dir.join("big"), Config::default())?;
        store_open = Some(t0.elapsed());
        let cold_store = mbps(s.data, read_store(&store)?);
        drop(store);
        drop_caches();
        let cold_plain = mbps(s.data, read_plain()?);
        t.row(
            "3 read, cold (caches dropped), MB/s",
            format!("{cold_store:.0}"),
            format!("{cold_plain:.0}"),
            cold_store / cold_plain,
            "read the plain file",
        );
    } else {
        t.note("3  cold reads skipped (ALEXANDER_BENCH_COLD=0, smoke run, or no root)".into());
    }
    fs::remove_dir_all(dir.join("big"))?;
    fs::remove_file(&plain_path)?;

    // 6: peak RSS of the ingest above.
    let mib = |kb: u64| kb as f64 / 1024.0;
    t.row(
        format!("6 peak RSS of the {} ingest, MiB", size(s.data)),
        format!("{:.1}", mib(ingest.hwm_kb)),
        format!("{:.1}", mib(plain.hwm_kb)),
        ingest.hwm_kb as f64 / plain.hwm_kb as f64,
        "process writing the plain file (lower is better)",
    );
    t.note(format!(
        "6  VmHWM of a child process; before the put it was {:.1} MiB (store open), the plain writer's {:.1} MiB",
        mib(ingest.start_hwm_kb),
        mib(plain.start_hwm_kb)
    ));
    if let Some((_, hwm, rss)) = ingest.eof {
        t.note(format!(
            "6  when the store had read the whole stream (before the commit): peak {:.1} MiB, \
             RSS {:.1} MiB; after put_object returned: RSS {:.1} MiB",
            mib(hwm),
            mib(rss),
            mib(ingest.rss_kb)
        ));
    }
    if let Some(open) = store_open {
        t.note(format!(
            "3  reopening the store with cold caches took {:.0} ms (not in the read figure)",
            open.as_secs_f64() * 1e3
        ));
    }

    // 4: small durable puts.
    eprintln!("4: 4 KiB durable puts");
    let store = Store::open(dir.join("small"), Config::default())?;
    store.create_bucket(BUCKET)?;
    let files = dir.join("small-files");
    fs::create_dir(&files)?;
    let seed = |th: usize, i: u64| ((th as u64) << 40) ^ i ^ 0x5EED;
    let rounds = if s.mode == Mode::Smoke { 1 } else { 3 };
    for threads in [1, 8] {
        let ours = || {
            ops_per_sec(threads, s.secs, |th, i| {
                let data = Rng::bytes(seed(th, i) ^ ((threads as u64) << 56), 4 * KIB);
                store
                    .put_object(
                        BUCKET,
                        &format!("p{threads}/t{th}/{i:09}"),
                        &data[..],
                        PutOptions::default(),
                    )
                    .expect("put");
            })
        };
        let base = || {
            ops_per_sec(threads, s.secs, |th, i| {
                let data = Rng::bytes(seed(th, i), 4 * KIB);
                let mut f =
                    File::create(files.join(format!("p{threads}-t{th}-{i:09}"))).expect("create");
                f.write_all(&data).expect("write");
                f.sync_all().expect("fsync");
            })
        };
        let (ours, base) = alternate(rounds, ours, base);
        t.row(
            format!(
                "4 4 KiB durable puts, {threads} thread{}, /s",
                if threads > 1 { "s" } else { "" }
            ),
            format!("{ours:.0}"),
            format!("{base:.0}"),
            ours / base,
            "create + write + fsync a 4 KiB file",
        );
    }
    // Where the time goes: a put of no data writes no pack and waits only
    // for the metadata flush.
    let empty: Vec<String> = [1, 8]
        .iter()
        .map(|&threads| {
            let rate = ops_per_sec(threads, s.secs.min(Duration::from_secs(2)), |th, i| {
                store
                    .put_object(
                        BUCKET,
                        &format!("e{threads}/t{th}/{i:09}"),
                        io::empty(),
                        PutOptions::default(),
                    )
                    .expect("put");
            });
            format!(
                "{rate:.0}/s on {threads} thread{}",
                if threads > 1 { "s" } else { "" }
            )
        })
        .collect();
    t.note(format!(
        "4  medians of {rounds} alternating rounds of {:.1} s; for comparison, empty durable puts \
         (no pack write or pack fsync, only the metadata commit and flush): {}",
        s.secs.as_secs_f64(),
        empty.join(", ")
    ));
    drop(store);
    fs::remove_dir_all(dir.join("small"))?;
    fs::remove_dir_all(&files)?;

    // 5: one page of a listing from the middle of a big bucket.
    eprintln!("5: listing ({} keys)", s.keys);
    let store = Store::open(dir.join("list"), Config::default())?;
    store.create_bucket(BUCKET)?;
    let key = |i: usize| format!("data/{i:07}");
    let fill_threads = 8;
    let t0 = Instant::now();
    std::thread::scope(|sc| {
        for th in 0..fill_threads {
            let store = &store;
            sc.spawn(move || {
                for i in (th..s.keys).step_by(fill_threads) {
                    store
                        .put_object(BUCKET, &key(i), io::empty(), PutOptions::default())
                        .expect("put");
                }
            });
        }
    });
    let fill = t0.elapsed();
    let names = dir.join("list-files");
    fs::create_dir(&names)?;
    let t0 = Instant::now();
    for i in 0..s.keys {
        File::create(names.join(format!("f{i:07}")))?;
    }
    let fill_files = t0.elapsed();
    let page = 1000.min(s.keys - s.keys / 2 - 1);
    let query = ListQuery {
        prefix: "data/".into(),
        start_after: Some(key(s.keys / 2)),
        max_keys: 1000,
        ..ListQuery::default()
    };
    let list_secs = s.secs.min(Duration::from_secs(2));
    let ours = mean_time(list_secs, || {
        let p = store.list_objects(BUCKET, &query).expect("list");
        assert_eq!(p.objects.len(), page);
    });
    let readdir = |stat: bool| {
        mean_time(list_secs, || {
            let mut n = 0;
            for e in fs::read_dir(&names).expect("read_dir").take(page) {
                let e = e.expect("entry");
                std::hint::black_box(e.file_name());
                if stat {
                    std::hint::black_box(e.metadata().expect("stat"));
                }
                n += 1;
            }
            assert_eq!(n, page);
        })
    };
    let base = readdir(false);
    let base_stat = readdir(true);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let per_s = |d: Duration| page as f64 / d.as_secs_f64();
    t.row(
        format!("5 list {page} of {} keys, ms per page", s.keys),
        format!("{:.2}", ms(ours)),
        format!("{:.2}", ms(base)),
        ms(ours) / ms(base),
        "read_dir of a directory of as many empty files (lower is better)",
    );
    t.row(
        format!("5 list {page} of {} keys, keys/s", s.keys),
        format!("{:.0}", per_s(ours)),
        format!("{:.0}", per_s(base)),
        per_s(ours) / per_s(base),
        "read_dir, names only",
    );
    t.row(
        format!("5 list {page} of {} keys, keys/s", s.keys),
        format!("{:.0}", per_s(ours)),
        format!("{:.0}", per_s(base_stat)),
        per_s(ours) / per_s(base_stat),
        "read_dir + stat of each entry (like ls -l)",
    );
    t.note(format!(
        "5  filling the bucket took {:.1} s ({:.0} empty durable puts/s on {fill_threads} threads); \
         creating the files {:.1} s",
        fill.as_secs_f64(),
        s.keys as f64 / fill.as_secs_f64(),
        fill_files.as_secs_f64()
    ));
    drop(store);
    fs::remove_dir_all(dir.join("list"))?;
    fs::remove_dir_all(&names)?;

    // 7: space taken by edited versions, and by an insert at the start.
    eprintln!("7: dedup of versions ({})", size(s.dedup as u64));
    dedup_figures(s, dir, t)?;
    Ok(())
}

fn dedup_figures(s: &Settings, dir: &Path, t: &mut Table) -> Res<()> {
    let n = s.dedup;
    let region = MIB.min(n / 16);
    let store = Store::open(dir.join("dedup"), Config::default())?;
    store.create_bucket(BUCKET)?;
    store.set_versioning(BUCKET, Versioning::Enabled)?;
    let original = Rng::bytes(7, n);
    let put = |data: &[u8]| {
        store
            .put_object(BUCKET, "file", data, PutOptions::default())
            .map(drop)
    };
    put(&original)?;
    let first = store.stats()?.stored_bytes;
    // Each version edits one more region of the previous one, the regions
    // spread over the middle half of the file, off any power of two.
    let mut data = original.clone();
    let versions = 10;
    for v in 0..versions {
        let at = n / 4 + v * (n / 2) / versions + 12_345;
        Rng::new(1000 + v as u64).fill(&mut data[at..at + region]);
        put(&data)?;
    }
    let stats = store.stats()?;
    let ratio = stats.stored_bytes as f64 / n as f64;
    t.row(
        format!(
            "7 stored bytes, {} + {versions} versions with {} edited",
            size(n as u64),
            size(region as u64)
        ),
        format!("{:.1} MiB", stats.stored_bytes as f64 / MIB as f64),
        size(n as u64),
        ratio,
        &goal(ratio <= 1.3, "the file's size; goal <= 1.30"),
    );
    t.note(format!(
        "7  first version stored {:.1} MiB; each edit added {:.1} MiB on average; \
         logical {:.0} MiB, dedup ratio {:.1}",
        first as f64 / MIB as f64,
        (stats.stored_bytes - first) as f64 / versions as f64 / MIB as f64,
        stats.logical_bytes as f64 / MIB as f64,
        stats.dedup_ratio
    ));

    // One byte inserted at the start of the original.
    let mut inserted = Vec::with_capacity(n + 1);
    inserted.push(0xA5);
    inserted.extend_from_slice(&original);
    let cdc = ChunkerConfig::default();
    let ids = |d: &[u8]| -> Res<Vec<[u8; 32]>> {
        cdc.chunks(d)
            .map(|c| -> Res<[u8; 32]> { Ok(Sha256::digest(c?).into()) })
            .collect()
    };
    let before: HashSet<[u8; 32]> = ids(&original)?.into_iter().collect();
    let after = ids(&inserted)?;
    let new = after.iter().filter(|id| !before.contains(*id)).count();
    let stored_before = store.stats()?.stored_bytes;
    put(&inserted)?;
    let grew = store.stats()?.stored_bytes - stored_before;
    t.row(
        "7 1-byte insert at start: chunks not shared",
        format!("{new} of {}", after.len()),
        format!("{} chunks", before.len()),
        new as f64 / after.len() as f64,
        &goal(new <= 2, "chunks of the original; goal <= 2 new"),
    );
    t.row(
        "7 1-byte insert at start: stored bytes added",
        format!("{:.0} KiB", grew as f64 / KIB as f64),
        size(n as u64),
        grew as f64 / n as f64,
        "the file's size (lower is better)",
    );
    drop(store);
    fs::remove_dir_all(dir.join("dedup"))?;
    Ok(())
}
