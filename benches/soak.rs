//! A memory soak: `alexander serve` (the real binary, in a child process)
//! under a mixed S3 load for half an hour, with its resident memory read
//! from /proc every ten seconds.
//!
//! `cargo bench --bench soak` prints, for each minute mark, the server's
//! resident set (`VmRSS`) and what its own `/metrics` says
//! (`alexander_process_resident_bytes`), the operations made, and at the
//! end the ratio of the last resident set to the one after five minutes
//! (the goal: within 20%). Run without `--bench`, as `cargo test
//! --all-targets` does, it makes a smoke run of a few seconds so that the
//! program cannot rot.
//!
//! The load: `ALEXANDER_SOAK_CLIENTS` clients (default 16), each on its own
//! connection pool of `aws-sdk-s3`, each in a loop over 256 keys of its
//! own: PUT of 0 B to 1 MiB (sizes spread evenly over the powers of two;
//! bytes no chunk of the store has), GET, LIST of its prefix, DELETE, and
//! now and then a multipart upload of two parts (5 MiB and up to 64 KiB,
//! cut from a 16 MiB pool, so mostly stored already, as re-uploads are). The bucket is not versioned, so the
//! store's size levels off, and the server's background GC and compaction
//! (every minute here) give back what deletes and overwrites free.
//!
//! Environment:
//!
//! - `ALEXANDER_SOAK_MINUTES`: length of the run (default 30).
//! - `ALEXANDER_SOAK_CLIENTS`: concurrent clients (default 16).
//! - `ALEXANDER_SOAK_GRACE_SECS`: GC's grace period (default: the
//!   server's, 60 s; with 3600, as it was before readers pinned their
//!   chunks, nothing the load frees is given back within the run and the
//!   store grows all along).
//! - `ALEXANDER_SOAK_TOML`: more of the server's configuration file, such
//!   as `[store] metadata_cache_bytes = "256MiB"` (on two lines).
//! - `ALEXANDER_SOAK_WRAP`: a command the server runs under, given the
//!   server's path and arguments (a script that execs another build, to
//!   compare two in the same conditions). The figures are then the
//!   wrapper's process's, not the server's, unless it execs the server.
//!   `heaptrack -o /tmp/alexander` shows where the memory goes.
//! - `ALEXANDER_BENCH_DIR`: where the store goes (default: cargo's temp
//!   dir inside the target dir). It is removed at the end.
//!
//! Anything else in the environment reaches the server, so
//! `MALLOC_ARENA_MAX=2 cargo bench --bench soak` tries a glibc setting.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use rand::{Rng, SeedableRng};

const ACCESS_KEY: &str = "SOAKBENCHACCESSKEY";
const SECRET_KEY: &str = "soak-bench-secret-key";
const BUCKET: &str = "soak";
const KEYS_PER_CLIENT: u32 = 256;
/// Random bytes the uploads are cut from, at random offsets.
const POOL: usize = 16 << 20;
const SAMPLE_EVERY: Duration = Duration::from_secs(10);

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let minutes: f64 = env_or("ALEXANDER_SOAK_MINUTES", if bench { 30.0 } else { 0.1 });
    let clients: usize = env_or("ALEXANDER_SOAK_CLIENTS", if bench { 16 } else { 4 });
    let length = Duration::from_secs_f64(minutes * 60.0);

    let base = std::env::var_os("ALEXANDER_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    std::fs::create_dir_all(&base).expect("bench dir");
    let dir = tempfile::tempdir_in(&base).expect("temp dir");
    let config = dir.path().join("alexander.toml");
    // Upkeep every minute rather than every hour, so that the run sees many
    // passes of each.
    let grace = match std::env::var("ALEXANDER_SOAK_GRACE_SECS") {
        Ok(secs) => format!("grace_period_secs = {secs}\n"),
        Err(_) => String::new(),
    };
    std::fs::write(
        &config,
        format!(
            "[gc]\ninterval = \"1m\"\n{grace}[compact]\ninterval = \"1m\"\n\
             [lifecycle]\ninterval = \"1m\"\n{}",
            std::env::var("ALEXANDER_SOAK_TOML").unwrap_or_default()
        ),
    )
    .expect("config");
    let mut server = Server::start(&dir.path().join("data"), &config);
    eprintln!(
        "soak: {clients} clients for {minutes} min against {} (pid {})",
        server.addr,
        server.child.id()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let counts = Arc::new(Counts::default());
    let samples = runtime.block_on(run(&server, clients, length, &counts));
    let metrics_rss = runtime.block_on(scrape(&server.addr)).resident;
    server.stop();

    report(&samples, &counts, metrics_rss, minutes);
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// One reading of the server's memory.
struct Sample {
    at: Duration,
    rss: u64,
    /// What `/metrics` said at the same moment.
    reported: Option<u64>,
    /// The metadata database's size on disk, from `/metrics`.
    meta: Option<u64>,
    /// The heap the server's allocator has handed out, from `/metrics`.
    heap: Option<u64>,
}

#[derive(Default)]
struct Counts {
    put: AtomicU64,
    get: AtomicU64,
    miss: AtomicU64,
    list: AtomicU64,
    delete: AtomicU64,
    multipart: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    errors: AtomicU64,
}

async fn run(
    server: &Server,
    clients: usize,
    length: Duration,
    counts: &Arc<Counts>,
) -> Vec<Sample> {
    let client = s3_client(&server.addr);
    client
        .create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .expect("create bucket");
    let mut pool = vec![0u8; POOL];
    rand::rngs::StdRng::seed_from_u64(7).fill(&mut pool[..]);
    let pool = bytes::Bytes::from(pool);

    let start = Instant::now();
    let deadline = start + length;
    let mut workers = Vec::new();
    for n in 0..clients {
        // A client each: its own connections, as separate programs have.
        let client = s3_client(&server.addr);
        let pool = pool.clone();
        let counts = Arc::clone(counts);
        workers.push(tokio::spawn(async move {
            worker(n, client, pool, deadline, &counts).await
        }));
    }

    let pid = server.child.id();
    let mut samples = Vec::new();
    // A line a minute, even when a sample comes late (a slow scrape under
    // load would otherwise skip the minute's line).
    let mut printed = None;
    loop {
        let scraped = scrape(&server.addr).await;
        samples.push(Sample {
            at: start.elapsed(),
            rss: resident(pid),
            reported: scraped.resident,
            meta: scraped.meta,
            heap: scraped.heap,
        });
        let at = samples.last().unwrap().at;
        if printed != Some(at.as_secs() / 60) {
            printed = Some(at.as_secs() / 60);
            eprintln!(
                "soak: {:>5.1} min  rss {:>6.1} MiB  heap {:>6.1} MiB  metadata {:>7.1} MiB  ops {}",
                at.as_secs_f64() / 60.0,
                mib(resident(pid)),
                scraped.heap.map_or(f64::NAN, mib),
                scraped.meta.map_or(f64::NAN, mib),
                counts.total()
            );
        }
        if Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(SAMPLE_EVERY.min(deadline.saturating_duration_since(Instant::now())))
            .await;
    }
    for w in workers {
        w.await.expect("worker");
    }
    let scraped = scrape(&server.addr).await;
    samples.push(Sample {
        at: start.elapsed(),
        rss: resident(pid),
        reported: scraped.resident,
        meta: scraped.meta,
        heap: scraped.heap,
    });
    samples
}

async fn worker(
    n: usize,
    client: aws_sdk_s3::Client,
    pool: bytes::Bytes,
    deadline: Instant,
    counts: &Counts,
) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
    let prefix = format!("c{n:02}/");
    while Instant::now() < deadline {
        let key = format!("{prefix}k{:03}", rng.gen_range(0..KEYS_PER_CLIENT));
        let roll = rng.gen_range(0..100);
        let result = match roll {
            0..35 => {
                // 0 B, then 1 B to 1 MiB spread evenly over the powers of two.
                let size = match rng.gen_range(0..21) {
                    0 => 0,
                    bits => rng.gen_range(1usize << (bits - 1)..=1 << (bits - 1).min(20)),
                };
                let body = unique(&pool, &mut rng, size);
                counts.put.fetch_add(1, Ordering::Relaxed);
                counts.bytes_in.fetch_add(size as u64, Ordering::Relaxed);
                client
                    .put_object()
                    .bucket(BUCKET)
                    .key(&key)
                    .body(ByteStream::from(body))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("put: {}", aws_sdk_s3::error::DisplayErrorContext(e)))
            }
            35..70 => match client.get_object().bucket(BUCKET).key(&key).send().await {
                Ok(out) => {
                    counts.get.fetch_add(1, Ordering::Relaxed);
                    match out.body.collect().await {
                        Ok(b) => {
                            counts
                                .bytes_out
                                .fetch_add(b.into_bytes().len() as u64, Ordering::Relaxed);
                            Ok(())
                        }
                        Err(e) => Err(format!("get body: {e}")),
                    }
                }
                Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                    counts.miss.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                Err(e) => Err(format!(
                    "get: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                )),
            },
            70..80 => {
                counts.list.fetch_add(1, Ordering::Relaxed);
                client
                    .list_objects_v2()
                    .bucket(BUCKET)
                    .prefix(&prefix)
                    .max_keys(100)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("list: {}", aws_sdk_s3::error::DisplayErrorContext(e)))
            }
            80..97 => {
                counts.delete.fetch_add(1, Ordering::Relaxed);
                client
                    .delete_object()
                    .bucket(BUCKET)
                    .key(&key)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("delete: {}", aws_sdk_s3::error::DisplayErrorContext(e)))
            }
            _ => {
                counts.multipart.fetch_add(1, Ordering::Relaxed);
                let tail = rng.gen_range(0..=64 << 10);
                let parts = [
                    slice(&pool, &mut rng, 5 << 20),
                    slice(&pool, &mut rng, tail),
                ];
                counts
                    .bytes_in
                    .fetch_add((5 << 20) + tail as u64, Ordering::Relaxed);
                multipart(&client, &key, parts).await
            }
        };
        if let Err(e) = result {
            let seen = counts.errors.fetch_add(1, Ordering::Relaxed);
            if seen < 10 {
                eprintln!("soak: client {n}: {e}");
            }
        }
    }
}

async fn multipart(
    client: &aws_sdk_s3::Client,
    key: &str,
    parts: [bytes::Bytes; 2],
) -> Result<(), String> {
    let upload = client
        .create_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .map_err(|e| {
            format!(
                "create upload: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            )
        })?;
    let id = upload.upload_id().unwrap_or_default().to_owned();
    let mut done = Vec::new();
    for (i, body) in parts.into_iter().enumerate() {
        let number = i as i32 + 1;
        let part = client
            .upload_part()
            .bucket(BUCKET)
            .key(key)
            .upload_id(&id)
            .part_number(number)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| format!("upload part: {}", aws_sdk_s3::error::DisplayErrorContext(e)))?;
        done.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(part.e_tag().map(str::to_owned))
                .build(),
        );
    }
    client
        .complete_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(done))
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "complete upload: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            )
        })
}

/// `size` bytes of the pool with eight random bytes in every 4 KiB, so
/// that no chunk of it is stored already.
fn unique(pool: &bytes::Bytes, rng: &mut impl Rng, size: usize) -> bytes::Bytes {
    let mut body = slice(pool, rng, size).to_vec();
    for at in (0..size.saturating_sub(8)).step_by(4096) {
        body[at..at + 8].copy_from_slice(&rng.r#gen::<u64>().to_le_bytes());
    }
    body.into()
}

/// `size` bytes of the pool from a random offset.
fn slice(pool: &bytes::Bytes, rng: &mut impl Rng, size: usize) -> bytes::Bytes {
    let at = rng.gen_range(0..=pool.len() - size);
    pool.slice(at..at + size)
}

impl Counts {
    fn total(&self) -> u64 {
        [
            &self.put,
            &self.get,
            &self.miss,
            &self.list,
            &self.delete,
            &self.multipart,
        ]
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
    }
}

fn s3_client(addr: &str) -> aws_sdk_s3::Client {
    let credentials = aws_credential_types::Credentials::from_keys(ACCESS_KEY, SECRET_KEY, None);
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(format!("http://{addr}"))
        .credentials_provider(credentials)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// What the server's `/metrics` says of its memory and its metadata.
#[derive(Default)]
struct Scraped {
    resident: Option<u64>,
    heap: Option<u64>,
    meta: Option<u64>,
}

/// The server's own figures for its resident memory and the size of its
/// metadata database, from `/metrics`.
async fn scrape(addr: &str) -> Scraped {
    let addr = addr.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).ok()?;
        use std::io::Write;
        write!(
            stream,
            "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut text = String::new();
        stream.read_to_string(&mut text).ok()?;
        let figure = |name: &str| {
            text.lines().find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .map(|v| v as u64)
            })
        };
        Some(Scraped {
            resident: figure("alexander_process_resident_bytes "),
            heap: figure("alexander_process_heap_bytes "),
            meta: figure("alexander_store_metadata_bytes "),
        })
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default()
}

/// `VmRSS` of a process, in bytes.
fn resident(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn report(samples: &[Sample], counts: &Counts, metrics_rss: Option<u64>, minutes: f64) {
    println!("\nServer memory under a mixed S3 load ({minutes} min)\n");
    println!("| minute | VmRSS MiB | /metrics MiB | heap MiB | metadata MiB |");
    println!("|---|---|---|---|---|");
    let mut next_mark = 0u64;
    for s in samples {
        let minute = s.at.as_secs() / 60;
        if minute >= next_mark || std::ptr::eq(s, samples.last().unwrap()) {
            let figure = |b: Option<u64>| b.map_or("-".to_owned(), |b| format!("{:.1}", mib(b)));
            println!(
                "| {:.1} | {:.1} | {} | {} | {} |",
                s.at.as_secs_f64() / 60.0,
                mib(s.rss),
                figure(s.reported),
                figure(s.heap),
                figure(s.meta)
            );
            next_mark = minute + if minute < 5 { 1 } else { 5 };
        }
    }
    let peak = samples.iter().map(|s| s.rss).max().unwrap_or(0);
    println!(
        "\noperations: {} PUT, {} GET ({} missing keys), {} LIST, {} DELETE, {} multipart; \
         {:.0} MiB up, {:.0} MiB down; {} errors",
        counts.put.load(Ordering::Relaxed),
        counts.get.load(Ordering::Relaxed),
        counts.miss.load(Ordering::Relaxed),
        counts.list.load(Ordering::Relaxed),
        counts.delete.load(Ordering::Relaxed),
        counts.multipart.load(Ordering::Relaxed),
        mib(counts.bytes_in.load(Ordering::Relaxed)),
        mib(counts.bytes_out.load(Ordering::Relaxed)),
        counts.errors.load(Ordering::Relaxed),
    );
    println!("peak VmRSS: {:.1} MiB", mib(peak));
    if let Some(m) = metrics_rss {
        println!("last /metrics figure: {:.1} MiB", mib(m));
    }
    let five = samples.iter().find(|s| s.at >= Duration::from_secs(300));
    let last = samples.last().expect("samples");
    match five {
        Some(five) if five.rss > 0 => println!(
            "end / 5 min: {:.1} / {:.1} MiB = {:.2} (goal: at most 1.20)",
            mib(last.rss),
            mib(five.rss),
            last.rss as f64 / five.rss as f64
        ),
        _ => println!("(the run is shorter than 5 minutes: no end / 5 min ratio)"),
    }
    assert_eq!(
        counts.errors.load(Ordering::Relaxed),
        0,
        "requests failed during the soak"
    );
}

/// The server in a child process.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(data: &Path, config: &Path) -> Server {
        let bin = env!("CARGO_BIN_EXE_alexander");
        let mut cmd = match std::env::var("ALEXANDER_SOAK_WRAP") {
            Ok(wrap) => {
                let mut words = wrap.split_whitespace();
                let mut cmd = Command::new(words.next().expect("ALEXANDER_SOAK_WRAP is empty"));
                cmd.args(words).arg(bin);
                cmd
            }
            Err(_) => Command::new(bin),
        };
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("ALEXANDER_") {
                cmd.env_remove(name);
            }
        }
        let mut child = cmd
            .arg("--data")
            .arg(data)
            .arg("--config")
            .arg(config)
            .args(["serve", "--listen", "127.0.0.1:0", "--access-log", "off"])
            .env("ALEXANDER_ROOT_ACCESS_KEY", ACCESS_KEY)
            .env("ALEXANDER_ROOT_SECRET_KEY", SECRET_KEY)
            // Refused GETs of missing keys are logged at `info`.
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn alexander serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(addr) = line.strip_prefix("listening on http://") {
                        break addr.to_owned();
                    }
                }
                _ => panic!("the server ended before it listened"),
            }
        };
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr }
    }

    fn stop(&mut self) {
        // SIGTERM: the server drains and flushes.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}
