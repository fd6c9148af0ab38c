//! What the server's upkeep costs the foreground: the latency of small
//! durable puts with nothing else running, while GC and compaction run at
//! full speed, paced at fixed shares, and paced as `serve` paces them
//! ([`alexander_store::Pace::yielding`]: a fifth of the time while the
//! store is idle, [`alexander_store::BUSY_SHARE`] while its foreground
//! works, as it does all along here), each as p50 and p99 and as a ratio
//! to idle.
//! Idle runs for 10 s (as many puts as a pass sees) on a store set up as
//! the pass's is, and the paced pass is compared with the idle run of its
//! own round: on a virtual disk two idle runs differ by a third, so one
//! round proves little, and the median of the rounds is the figure.
//!
//! `cargo bench -p alexander-store --bench upkeep` prints the table. Run
//! without `--bench` (as `cargo test --all-targets` does) it makes a smoke
//! run with tiny sizes, so the program cannot rot.
//!
//! Environment: `ALEXANDER_BENCH_GARBAGE_MIB` (default 1024), the bytes
//! written and deleted (beside a fifth as much that stays) before the
//! pass, so that GC has garbage to free and compaction live chunks to
//! move; `ALEXANDER_BENCH_ROUNDS` (default 3); `ALEXANDER_BENCH_SHARE`,
//! the share of the first round's last fixed-share run (default 0.2); and
//! `ALEXANDER_BENCH_DIR`, where the stores go (default: cargo's temp dir in
//! the target dir).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use alexander_store::{Config, Pace, PutOptions, Store};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The share of wall-clock time `serve` lets GC and compaction take while
/// the store is idle.
const SERVE_SHARE: f64 = 0.2;

/// The share of the first round's last fixed-share run:
/// `ALEXANDER_BENCH_SHARE`, else [`SERVE_SHARE`].
fn fixed_share() -> f64 {
    std::env::var("ALEXANDER_BENCH_SHARE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SERVE_SHARE)
}

/// What runs beside the foreground puts.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Background {
    /// Nothing.
    None,
    /// One GC and compaction pass paced at a fixed share.
    Fixed(f64),
    /// The pass paced as `serve` paces it: [`SERVE_SHARE`], and
    /// [`alexander_store::BUSY_SHARE`] while the foreground works.
    Serve,
}

fn main() -> Res<()> {
    let bench = std::env::args().any(|a| a == "--bench");
    let env_or = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (garbage_mib, rounds, idle_for) = if bench {
        (
            env_or("ALEXANDER_BENCH_GARBAGE_MIB", 1024),
            env_or("ALEXANDER_BENCH_ROUNDS", 3),
            Duration::from_secs(10),
        )
    } else {
        (4, 1, Duration::from_millis(200))
    };
    let base = std::env::var_os("ALEXANDER_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).to_owned());
    std::fs::create_dir_all(&base)?;
    println!(
        "Alexander upkeep figures: durable 4 KiB puts one at a time, on a store with \
         {garbage_mib} MiB deleted among data that stays: idle for {} s, or for as long as \
         one GC and compaction pass runs; {rounds} rounds, each paced pass against the idle \
         run just before it",
        idle_for.as_secs_f64()
    );
    println!(
        "{:<60} {:>10} {:>10} {:>9} {:>9}",
        "foreground puts", "p50", "p99", "p50/idle", "p99/idle"
    );
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let mut idle = None;
        let mut runs = vec![("idle".to_owned(), Background::None)];
        if round == 1 {
            runs.push((
                "beside the pass at full speed".into(),
                Background::Fixed(1.0),
            ));
            runs.push((
                "beside the pass paced at 0.5".into(),
                Background::Fixed(0.5),
            ));
            let share = fixed_share();
            runs.push((
                format!("beside the pass paced at {share}"),
                Background::Fixed(share),
            ));
        }
        runs.push((
            format!("beside the pass paced as serve paces it ({SERVE_SHARE}, yielding)"),
            Background::Serve,
        ));
        for (what, background) in runs {
            let dir = tempfile::Builder::new()
                .prefix("alexander-upkeep-")
                .tempdir_in(&base)?;
            let (p50, p99, took) = measure(dir.path(), garbage_mib, idle_for, background)?;
            let (i50, i99) = *idle.get_or_insert((p50, p99));
            let r50 = p50.as_secs_f64() / i50.as_secs_f64();
            let r99 = p99.as_secs_f64() / i99.as_secs_f64();
            if background == Background::Serve {
                ratios.push((r50, r99));
            }
            println!(
                "{:<60} {:>8.0}us {:>8.0}us {:>9.2} {:>9.2}{}",
                format!("round {round}: {what}"),
                p50.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6,
                r50,
                r99,
                if took > Duration::ZERO {
                    format!("  (the pass took {:.1} s)", took.as_secs_f64())
                } else {
                    String::new()
                }
            );
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "median over {rounds} rounds, paced as serve paces it: p50 {:.2} x idle, p99 {:.2} x idle",
        median(ratios.iter().map(|r| r.0).collect()),
        median(ratios.iter().map(|r| r.1).collect()),
    );
    Ok(())
}

/// p50 and p99 of durable puts made one after another: for `idle_for`
/// with nothing else running, or for as long as one GC and one
/// compaction pass run in another thread, paced as `background` says; and
/// how long that pass took.
fn measure(
    dir: &Path,
    garbage_mib: u64,
    idle_for: Duration,
    background: Background,
) -> Res<(Duration, Duration, Duration)> {
    let config = Config {
        gc_grace: Duration::ZERO,
        // Every pack with garbage in it is rewritten.
        compact_below: 0.99,
        ..Config::default()
    };
    let store = Store::open(dir, config)?;
    store.create_bucket("foreground")?;
    store.create_bucket("garbage")?;
    make_garbage(&store, garbage_mib)?;
    let done = AtomicBool::new(background == Background::None);
    let mut times = Vec::new();
    let took = std::thread::scope(|scope| -> Res<Duration> {
        let pace = match background {
            Background::None => None,
            Background::Fixed(share) => Some(Pace::new(share)),
            Background::Serve => Some(Pace::yielding(&store, SERVE_SHARE)),
        };
        let worker = pace.map(|mut pace| {
            let store = store.clone();
            let done = &done;
            scope.spawn(move || -> alexander_store::Result<Duration> {
                let started = Instant::now();
                store.gc_with(&mut |_| {
                    pace.step();
                    true
                })?;
                store.compact_with(&mut |_| {
                    pace.step();
                    true
                })?;
                done.store(true, Ordering::Relaxed);
                Ok(started.elapsed())
            })
        });
        let body = vec![7u8; 4096];
        let mut i = 0;
        // Idle: for `idle_for`; beside a pass: until it ends.
        let began = Instant::now();
        let idle = background == Background::None;
        while (idle && began.elapsed() < idle_for) || (!idle && !done.load(Ordering::Relaxed)) {
            let started = Instant::now();
            store.put_object(
                "foreground",
                &format!("k{i}"),
                &body[..],
                PutOptions::default(),
            )?;
            times.push(started.elapsed());
            i += 1;
        }
        Ok(match worker {
            Some(w) => w.join().expect("background thread")?,
            None => Duration::ZERO,
        })
    })?;
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    Ok((at(0.5), at(0.99), took))
}

/// Writes `mib` MiB of distinct data in 1 MiB objects, each followed by a
/// 256 KiB object that stays, and deletes the 1 MiB ones: GC has the
/// garbage to free, and compaction a fifth of every pack to move.
fn make_garbage(store: &Store, mib: u64) -> alexander_store::Result<()> {
    let mut block = vec![0u8; 1 << 20];
    for i in 0..mib {
        let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for chunk in block.chunks_mut(8) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            chunk.copy_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        let key = format!("g{i}");
        store.put_object("garbage", &key, &block[..], PutOptions::default())?;
        store.put_object(
            "garbage",
            &format!("live{i}"),
            &block[..256 << 10],
            PutOptions::default(),
        )?;
        store.delete_object("garbage", &key, None)?;
    }
    Ok(())
}
