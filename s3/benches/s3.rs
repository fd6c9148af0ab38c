//! Figures for the S3 endpoint, each printed next to the store's own figure
//! for the same operation measured in the same run (`Store::put_object` and
//! `Store::get_object` called directly on the same store): PUT and GET of
//! 1 MiB and 64 MiB objects at concurrency 1 and 8, 4 KiB PUTs at
//! concurrency 8, and one large PUT streamed to a server in a child process
//! whose peak memory is read from /proc.
//!
//! `cargo bench -p alexander-s3 --bench s3` prints the table (progress goes
//! to stderr). Run without `--bench`, as `cargo test --all-targets` does, it
//! makes a smoke run with tiny sizes, so the program cannot rot.
//!
//! The endpoint runs in this process on a loopback port (as `alexander
//! serve` does: a multi-threaded tokio runtime with a worker per core), over
//! a store on the project's disk. The client is hyper's HTTP/1.1 connection
//! API, one connection per worker, signing each request with SigV4 and
//! `UNSIGNED-PAYLOAD` (the least a client can make the server do); a few
//! rows repeat a figure with `aws-sdk-s3` and its default settings
//! (`aws-chunked` bodies with a CRC32 trailer).
//!
//! To tell where the time goes, the program first measures the endpoint's
//! hyper settings with nothing behind them (bytes from memory, through a
//! blocking thread, and copied as the endpoint copies them) and the pieces
//! of a request's fixed cost one by one; after the table, a note for each
//! figure gives the CPU time per MiB (or per operation) of both sides, the
//! client's part, page faults and context switches, all read from /proc.
//!
//! Environment:
//!
//! - `ALEXANDER_BENCH_QUICK=1`: one round per figure, shorter loops, fewer
//!   64 MiB objects, a 1 GiB large upload.
//! - `ALEXANDER_BENCH_S3_BIG_GIB`: size of the large upload (default 5).
//! - `ALEXANDER_BENCH_SECS`: length of each timed loop (default 5).
//! - `ALEXANDER_BENCH_ROUNDS`: rounds per figure; the endpoint and the store
//!   run by turns and each figure is the median of its rounds (default 3).
//! - `ALEXANDER_BENCH_S3_SDK=0`: skip the `aws-sdk-s3` rows.
//! - `ALEXANDER_BENCH_S3_ONLY=2,4`: run only the figures with these numbers
//!   (0 stands for the context lines before the table), to iterate on one
//!   path without the rest of the run.
//! - `ALEXANDER_BENCH_DIR`: where the stores go (default: cargo's temp dir
//!   inside the target dir, on the project's disk). Everything is removed
//!   at the end.
//!
//! MB are 10^6 bytes; MiB and GiB are powers of two.

use std::convert::Infallible;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use alexander_s3::auth::SecretKey;
use alexander_s3::auth::sigv4::{SignRequest, sign_request};
use alexander_s3::iam::{Iam, MasterKey, ROOT};
use alexander_s3::{S3Config, S3Service};
use alexander_store::{At, Config, PutOptions, Store};
use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use md5::{Digest, Md5};

#[path = "../../store/benches/common/mod.rs"]
mod common;
use common::{Table, env_f64, filesystem_of, goal, loadavg, mbps, size};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
/// Block size of the data generator on the store's side.
const BLOCK: usize = 64 * KIB;
/// Size of the body frames the client sends.
const FRAME: usize = 256 * KIB;
/// Buffer the store's side reads objects with: the piece size the server
/// reads them with too.
const READ_BUF: usize = 256 * KIB;
/// Environment variable that turns the binary into a child process; its
/// value says which kind.
const CHILD: &str = "ALEXANDER_BENCH_S3_CHILD";
const BUCKET: &str = "bench";
const ACCESS_KEY: &str = "BENCHROOTKEY";
const SECRET_KEY: &str = "bench-root-secret-key-0123456789";
const REGION: &str = "us-east-1";
/// The seed of the large upload.
const BIG_SEED: u64 = 0xB16_B0D1;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, BoxError>;

fn main() -> Res<()> {
    if let Ok(kind) = std::env::var(CHILD) {
        return child(&kind);
    }
    let settings = Settings::from_env();
    fs::create_dir_all(&settings.base)?;
    let tmp = tempfile::Builder::new()
        .prefix("alexander-bench-s3-")
        .tempdir_in(&settings.base)?;
    let mut table = Table::new("over HTTP", "store");
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
    /// The "1 MiB" objects.
    small: u64,
    /// The "64 MiB" objects.
    large: u64,
    /// The small PUTs.
    tiny: u64,
    /// The single large upload.
    big: u64,
    /// Length of each timed loop.
    secs: Duration,
    rounds: usize,
    /// Large objects put per round at concurrency 1, and by each worker at
    /// concurrency 8.
    large_count: (u64, u64),
    sdk: bool,
    /// The figures to run (`ALEXANDER_BENCH_S3_ONLY`); `None`: all.
    only: Option<Vec<u32>>,
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
        let (small, large, big, secs, rounds, large_count) = match mode {
            Mode::Full => (MIB as u64, 64 << 20, 5u64 << 30, 5.0, 3, (4, 2)),
            Mode::Quick => (MIB as u64, 64 << 20, 1 << 30, 2.0, 1, (2, 1)),
            Mode::Smoke => (64 << 10, 1 << 20, 8 << 20, 0.05, 1, (1, 1)),
        };
        let big =
            env_f64("ALEXANDER_BENCH_S3_BIG_GIB").map_or(big, |g| (g * (1u64 << 30) as f64) as u64);
        let secs = env_f64("ALEXANDER_BENCH_SECS").unwrap_or(secs);
        let rounds = env_f64("ALEXANDER_BENCH_ROUNDS").map_or(rounds, |r| r as usize);
        let sdk = std::env::var("ALEXANDER_BENCH_S3_SDK").map_or(true, |v| v != "0");
        let only = std::env::var("ALEXANDER_BENCH_S3_ONLY").ok().map(|v| {
            v.split(',')
                .map(|n| {
                    n.trim().parse().unwrap_or_else(|_| {
                        panic!("ALEXANDER_BENCH_S3_ONLY={v:?} is not a list of figure numbers")
                    })
                })
                .collect()
        });
        let base = std::env::var_os("ALEXANDER_BENCH_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")), PathBuf::from);
        Settings {
            mode,
            small,
            large,
            tiny: 4 * KIB as u64,
            big: big.max(1),
            secs: Duration::from_secs_f64(secs),
            rounds: rounds.max(1),
            large_count,
            sdk,
            only,
            base,
        }
    }

    /// Whether figure `num` (0: the context lines) is to be run.
    fn wants(&self, num: u32) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&num))
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
        println!("Alexander S3 endpoint figures ({:?} run)", self.mode);
        println!("  machine  {cores} cores, {cpu}");
        println!("  disk     {} ({})", dir.display(), filesystem_of(dir));
        println!(
            "  sizes    {} and {} objects, {} small PUTs, large upload {}; loops {:.2} s, \
             {} round{} per figure",
            size(self.small),
            size(self.large),
            size(self.tiny),
            size(self.big),
            self.secs.as_secs_f64(),
            self.rounds,
            if self.rounds > 1 { "s" } else { "" }
        );
        println!(
            "  client   hyper 1 HTTP/1.1, one keep-alive connection per worker, SigV4 with \
             UNSIGNED-PAYLOAD; endpoint and store in this process, loopback"
        );
        println!(
            "  MB = 10^6 bytes; ratio = over HTTP / the store called directly (higher is better \
             unless noted)"
        );
        println!();
    }
}

/// Seeded xoshiro256** bytes, as in the store's bench: several GB/s, and
/// the same bytes for the same seed however they are cut (pieces are
/// multiples of 8 bytes but the last).
#[derive(Clone)]
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

    fn bytes(seed: u64, len: usize) -> Bytes {
        let mut v = BytesMut::zeroed(len);
        Rng::new(seed).fill(&mut v);
        v.freeze()
    }
}

/// A fresh seed for every object put, so that no PUT dedups against
/// another.
fn next_seed() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// `len` seeded bytes generated as they are read: the store's side.
struct Seeded {
    rng: Rng,
    left: u64,
    block: Vec<u8>,
    pos: usize,
}

impl Seeded {
    fn new(seed: u64, len: u64) -> Seeded {
        Seeded {
            rng: Rng::new(seed),
            left: len,
            block: vec![0; BLOCK],
            pos: BLOCK,
        }
    }
}

impl Read for Seeded {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || out.is_empty() {
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

/// The same bytes as [`Seeded`] as a request body, generated one frame at a
/// time as hyper asks for them: the client's side.
struct GenBody {
    rng: Rng,
    left: u64,
}

impl GenBody {
    fn new(seed: u64, len: u64) -> GenBody {
        GenBody {
            rng: Rng::new(seed),
            left: len,
        }
    }

    fn empty() -> GenBody {
        GenBody::new(0, 0)
    }
}

impl Body for GenBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = usize::try_from(self.left).unwrap_or(usize::MAX).min(FRAME);
        let mut buf = BytesMut::zeroed(n);
        self.rng.fill(&mut buf);
        self.left -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(buf.freeze()))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

/// Reads `src` to the end into a reused buffer; returns the bytes read.
fn drain(mut src: impl Read, mut sink: impl FnMut(&[u8])) -> io::Result<u64> {
    let mut buf = vec![0u8; READ_BUF];
    let mut total = 0;
    loop {
        match src.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                sink(&buf[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A field of /proc/<pid>/status, in kB.
fn status_kb(pid: &str, field: &str) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn mib_of_kb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// The store the endpoint serves: the real defaults, but chunks freed at
/// once, so that the bench can give back the space of what it deleted.
fn open_store(dir: &Path) -> Res<Store> {
    let store = Store::open(
        dir,
        Config {
            gc_grace: Duration::ZERO,
            ..Config::default()
        },
    )?;
    store.create_bucket(BUCKET)?;
    Ok(store)
}

fn service(store: &Store, max_put: u64) -> Res<(S3Service, Iam)> {
    let iam = Iam::new(store.clone(), &MasterKey::generate());
    iam.ensure_root()?;
    iam.import_key(ROOT, ACCESS_KEY, SECRET_KEY)?;
    let mut config = S3Config::default();
    config.limits.max_put_size = config.limits.max_put_size.max(max_put);
    Ok((S3Service::new(store.clone(), iam.clone(), config), iam))
}

/// The runtime `alexander serve` builds.
fn server_runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("alexander")
        .build()
}

/// The endpoint on a loopback port, on threads of this process.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Res<()>>>,
}

/// What a [`Server`] serves.
enum Serves {
    S3(S3Service),
    /// The server's hyper settings with nothing behind them (see
    /// [`null_serve`]).
    Null {
        hop: Hop,
        data: Bytes,
    },
}

/// How the null server moves the bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Hop {
    /// In the connection's task: GET slices of a buffer, PUT frames dropped.
    None,
    /// Through a blocking thread and a channel of 8, the bytes untouched.
    Pass,
    /// As the endpoint does (`s3/src/body.rs`): GET pieces of 256 KiB
    /// allocated zeroed and copied on a blocking thread; PUT frames sent
    /// to a blocking thread that copies them out.
    Copy,
}

impl Server {
    fn start(serves: Serves) -> Res<Server> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || -> Res<()> {
            let rt = server_runtime()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                addr_tx.send(listener.local_addr()?)?;
                let stopped = async {
                    let _ = stopped.await;
                };
                match serves {
                    Serves::S3(service) => {
                        let drain = Duration::from_secs(10);
                        alexander_s3::serve(listener, service, stopped, drain).await?;
                    }
                    Serves::Null { hop, data } => null_serve(listener, hop, data, stopped).await,
                }
                Ok(())
            })
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10))?;
        Ok(Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    fn stop(mut self) -> Res<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err("the server thread panicked".into()),
            None => Ok(()),
        }
    }
}

/// A response body for the null server.
enum NullBody {
    /// Slices of a buffer in memory, no copy.
    Mem {
        data: Bytes,
        pos: usize,
    },
    /// Pieces made by a blocking thread.
    Chan {
        rx: tokio::sync::mpsc::Receiver<Bytes>,
        left: u64,
    },
    Empty,
}

impl Body for NullBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut *self {
            NullBody::Mem { data, pos } => {
                if *pos == data.len() {
                    return Poll::Ready(None);
                }
                let end = data.len().min(*pos + READ_BUF);
                let piece = data.slice(*pos..end);
                *pos = end;
                Poll::Ready(Some(Ok(Frame::data(piece))))
            }
            NullBody::Chan { rx, left } => {
                if *left == 0 {
                    return Poll::Ready(None);
                }
                match rx.poll_recv(cx) {
                    Poll::Ready(Some(b)) => {
                        *left = left.saturating_sub(b.len() as u64);
                        Poll::Ready(Some(Ok(Frame::data(b))))
                    }
                    Poll::Ready(None) => Poll::Ready(None),
                    Poll::Pending => Poll::Pending,
                }
            }
            NullBody::Empty => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            NullBody::Mem { data, pos } => *pos == data.len(),
            NullBody::Chan { left, .. } => *left == 0,
            NullBody::Empty => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            NullBody::Mem { data, pos } => SizeHint::with_exact((data.len() - pos) as u64),
            NullBody::Chan { left, .. } => SizeHint::with_exact(*left),
            NullBody::Empty => SizeHint::with_exact(0),
        }
    }
}

/// The endpoint's hyper settings (HTTP/1.1, keep-alive, `TCP_NODELAY`,
/// `max_buf_size` 64 KiB) with no S3 and no store behind them: GET answers
/// `data`, PUT reads the body and drops it, and answers the number of body
/// frames it saw in the ETag; [`Hop`] says how the bytes travel.
async fn null_serve(
    listener: tokio::net::TcpListener,
    hop: Hop,
    data: Bytes,
    stopped: impl std::future::Future<Output = ()>,
) {
    use hyper::body::Incoming;
    tokio::pin!(stopped);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
            () = &mut stopped => return,
        };
        let _ = stream.set_nodelay(true);
        let data = data.clone();
        let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
            let data = data.clone();
            async move {
                if req.method() == http::Method::PUT {
                    let frames = null_put(req.into_body(), hop).await;
                    return http::Response::builder()
                        .header("etag", frames.to_string())
                        .body(NullBody::Empty);
                }
                let body = if hop == Hop::None {
                    NullBody::Mem { data, pos: 0 }
                } else {
                    let (tx, rx) = tokio::sync::mpsc::channel(8);
                    let left = data.len() as u64;
                    tokio::task::spawn_blocking(move || {
                        let mut pos = 0;
                        while pos < data.len() {
                            let n = READ_BUF.min(data.len() - pos);
                            let piece = if hop == Hop::Copy {
                                let mut buf = vec![0u8; n];
                                buf.copy_from_slice(&data[pos..pos + n]);
                                Bytes::from(buf)
                            } else {
                                data.slice(pos..pos + n)
                            };
                            pos += n;
                            if tx.blocking_send(piece).is_err() {
                                return;
                            }
                        }
                    });
                    NullBody::Chan { rx, left }
                };
                http::Response::builder().body(body)
            }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .max_buf_size(64 * KIB)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
}

/// Reads a PUT body for the null server; returns the frames it came in.
async fn null_put(mut body: hyper::body::Incoming, hop: Hop) -> u64 {
    let mut frames = 0;
    if hop == Hop::None {
        while let Some(Ok(f)) = body.frame().await {
            if f.is_data() {
                frames += 1;
            }
        }
        return frames;
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let reader = tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; READ_BUF];
        while let Some(b) = rx.blocking_recv() {
            if hop == Hop::Pass {
                std::hint::black_box(&b);
                continue;
            }
            let mut b = &b[..];
            while !b.is_empty() {
                let n = b.len().min(buf.len());
                buf[..n].copy_from_slice(&b[..n]);
                std::hint::black_box(&buf);
                b = &b[n..];
            }
        }
    });
    while let Some(Ok(f)) = body.frame().await {
        if let Ok(d) = f.into_data() {
            frames += 1;
            if tx.send(d).await.is_err() {
                break;
            }
        }
    }
    drop(tx);
    let _ = reader.await;
    frames
}

/// Where to send requests and how to sign them.
struct Client {
    addr: SocketAddr,
    host: String,
    secret: SecretKey,
}

/// One keep-alive connection.
struct Conn {
    send: SendRequest<GenBody>,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            host: addr.to_string(),
            secret: SecretKey::new(SECRET_KEY),
        }
    }

    async fn connect(&self) -> Res<Conn> {
        let tcp = tokio::net::TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                eprintln!("client connection: {e}");
            }
        });
        Ok(Conn { send })
    }

    /// A request for `key` in the bench bucket, signed.
    fn request(&self, method: &str, key: &str, body: GenBody) -> Res<http::Request<GenBody>> {
        let path = format!("/{BUCKET}/{key}");
        let signed = sign_request(&SignRequest {
            method,
            path: &path,
            query: "",
            headers: &[("host", &self.host)],
            payload_hash: "UNSIGNED-PAYLOAD",
            access_key: ACCESS_KEY,
            secret: &self.secret,
            region: REGION,
            time: SystemTime::now(),
        });
        let mut req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host);
        if method == "PUT" {
            req = req.header("content-length", body.left);
        }
        for (name, value) in signed.headers {
            req = req.header(name, value);
        }
        Ok(req.body(body)?)
    }
}

impl Conn {
    /// PUTs `len` bytes of seed `seed`; returns the ETag.
    async fn put(&mut self, client: &Client, key: &str, seed: u64, len: u64) -> Res<String> {
        let req = client.request("PUT", key, GenBody::new(seed, len))?;
        self.send.ready().await?;
        let resp = self.send.send_request(req).await?;
        let status = resp.status();
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim_matches('"')
            .to_owned();
        let body = resp.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            return Err(format!("PUT {key}: {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        Ok(etag)
    }

    /// GETs `key`, handing each piece of the body to `sink` as it comes;
    /// returns its length.
    async fn get(&mut self, client: &Client, key: &str, mut sink: impl FnMut(&[u8])) -> Res<u64> {
        let req = client.request("GET", key, GenBody::empty())?;
        self.send.ready().await?;
        let resp = self.send.send_request(req).await?;
        let status = resp.status();
        let mut body = resp.into_body();
        if !status.is_success() {
            let text = body.collect().await?.to_bytes();
            return Err(format!("GET {key}: {status}: {}", String::from_utf8_lossy(&text)).into());
        }
        let mut n = 0u64;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                n += data.len() as u64;
                sink(&data);
            }
        }
        Ok(n)
    }
}

fn sdk_client(addr: SocketAddr) -> aws_sdk_s3::Client {
    use aws_sdk_s3::config::{Credentials, Region};
    let creds = Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "bench");
    let config = aws_sdk_s3::Config::builder()
        .behavior_version_latest()
        .region(Region::new(REGION))
        .endpoint_url(format!("http://{addr}"))
        .credentials_provider(creds)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// How long a load runs.
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// At least one operation per worker, then until the time is up.
    For(Duration),
    /// This many operations per worker.
    Count(u64),
}

impl Plan {
    fn more(self, start: Instant, done: u64) -> bool {
        match self {
            Plan::For(d) => done == 0 || start.elapsed() < d,
            Plan::Count(n) => done < n,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Put,
    Get,
}

/// Who does the operations.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Via {
    /// Our hyper client.
    Http,
    /// `aws-sdk-s3` with its defaults.
    Sdk,
    /// `Store::put_object` / `get_object` on threads, no HTTP.
    Store,
}

/// One timed load: `conc` workers doing `op` on objects of `size` bytes.
struct Load {
    op: Op,
    size: u64,
    conc: usize,
    plan: Plan,
    /// PUT keys are `{tag}/w{worker}/{i}`.
    tag: String,
    /// GET keys, read round-robin.
    fixtures: Vec<String>,
}

impl Load {
    fn put_key(&self, worker: usize, i: u64) -> String {
        format!("{}/w{worker}/{i}", self.tag)
    }

    fn get_key(&self, worker: usize, i: u64) -> &str {
        let n = self.fixtures.len();
        &self.fixtures[(worker + i as usize * self.conc) % n]
    }
}

/// What a load did.
struct Outcome {
    /// Operations done by each worker.
    ops: Vec<u64>,
    /// From the start to the end of the slowest worker.
    elapsed: Duration,
    /// CPU time the process used over the load, and the part of it the
    /// client's threads used.
    cpu: Cpu,
}

/// CPU time, from /proc: the whole process (threads that ended included),
/// and the threads of the bench's client runtime; and the process's minor
/// page faults (fresh memory touched).
#[derive(Clone, Copy, Default, Debug)]
struct Cpu {
    total: Duration,
    client: Duration,
    faults: u64,
    /// Context switches of the threads alive at both ends (those of a
    /// load on the store directly are gone by then: HTTP side only).
    switches: u64,
}

/// Name of the client runtime's threads, by which their CPU time is told
/// apart from the server's.
const CLIENT_THREAD: &str = "bench-client";

impl Cpu {
    fn now() -> Cpu {
        // utime and stime, the 14th and 15th fields, in clock ticks
        // (USER_HZ, 100 on Linux); the name before them may hold spaces.
        // minflt is the 10th field.
        fn ticks(stat: &str) -> Option<(&str, u64, u64)> {
            let open = stat.find('(')?;
            let close = stat.rfind(')')?;
            let f: Vec<&str> = stat[close + 1..].split_whitespace().collect();
            let field = |i: usize| f.get(i - 3)?.parse::<u64>().ok();
            Some((&stat[open + 1..close], field(14)? + field(15)?, field(10)?))
        }
        let d = |t: u64| Duration::from_millis(t * 10);
        let (total, faults) = fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| ticks(&s).map(|(_, t, f)| (t, f)))
            .unwrap_or((0, 0));
        let mut client = 0;
        let mut switches = 0;
        for e in fs::read_dir("/proc/self/task")
            .into_iter()
            .flatten()
            .flatten()
        {
            for line in fs::read_to_string(e.path().join("status"))
                .unwrap_or_default()
                .lines()
            {
                if line.contains("ctxt_switches:") {
                    switches += line
                        .split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0);
                }
            }
            if let Ok(s) = fs::read_to_string(e.path().join("stat"))
                && let Some((name, t, _)) = ticks(&s)
                && name.starts_with(CLIENT_THREAD)
            {
                client += t;
            }
        }
        Cpu {
            total: d(total),
            client: d(client),
            faults,
            switches,
        }
    }

    fn since(self, start: Cpu) -> Cpu {
        Cpu {
            total: self.total.saturating_sub(start.total),
            client: self.client.saturating_sub(start.client),
            faults: self.faults.saturating_sub(start.faults),
            switches: self.switches.saturating_sub(start.switches),
        }
    }

    fn server(self) -> Duration {
        self.total.saturating_sub(self.client)
    }
}

impl Outcome {
    fn total(&self) -> u64 {
        self.ops.iter().sum()
    }

    fn ops_per_sec(&self) -> f64 {
        self.total() as f64 / self.elapsed.as_secs_f64()
    }

    fn mbps(&self, size: u64) -> f64 {
        mbps(self.total() * size, self.elapsed)
    }
}

fn outcome(results: Vec<(u64, Duration)>, cpu: Cpu) -> Outcome {
    Outcome {
        ops: results.iter().map(|r| r.0).collect(),
        elapsed: results.iter().map(|r| r.1).max().unwrap_or_default(),
        cpu,
    }
}

/// The load on the store directly, one thread per worker.
fn store_load(store: &Store, load: &Load) -> Res<Outcome> {
    let barrier = Barrier::new(load.conc);
    let cpu = Cpu::now();
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = (0..load.conc)
            .map(|w| {
                let barrier = &barrier;
                s.spawn(move || -> Res<(u64, Duration)> {
                    barrier.wait();
                    let start = Instant::now();
                    let mut i = 0;
                    while load.plan.more(start, i) {
                        match load.op {
                            Op::Put => {
                                let src = Seeded::new(next_seed(), load.size);
                                let key = load.put_key(w, i);
                                store.put_object(BUCKET, &key, src, PutOptions::default())?;
                            }
                            Op::Get => {
                                let key = load.get_key(w, i);
                                let r = store.get_object(BUCKET, key, At::Current, None)?;
                                let n = drain(r, |b| {
                                    std::hint::black_box(b);
                                })?;
                                check_len(key, n, load.size)?;
                            }
                        }
                        i += 1;
                    }
                    Ok((i, start.elapsed()))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a store worker panicked")?)
            .collect::<Res<Vec<_>>>()
    })?;
    Ok(outcome(results, Cpu::now().since(cpu)))
}

fn check_len(key: &str, got: u64, want: u64) -> Res<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{key}: read {got} bytes, expected {want}").into())
    }
}

/// The load over HTTP, one task and one connection per worker.
fn http_load(
    rt: &tokio::runtime::Runtime,
    client: &Arc<Client>,
    sdk: Option<&aws_sdk_s3::Client>,
    load: &Arc<Load>,
) -> Res<Outcome> {
    rt.block_on(async {
        let barrier = Arc::new(tokio::sync::Barrier::new(load.conc));
        let mut tasks = Vec::new();
        let mut cpu = None;
        for w in 0..load.conc {
            // Connections are made before the clock starts.
            let mut conn = client.connect().await?;
            if w + 1 == load.conc {
                cpu = Some(Cpu::now());
            }
            let (client, sdk, barrier, load) =
                (client.clone(), sdk.cloned(), barrier.clone(), load.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let start = Instant::now();
                let mut i = 0;
                while load.plan.more(start, i) {
                    match (load.op, &sdk) {
                        (Op::Put, None) => {
                            let key = load.put_key(w, i);
                            conn.put(&client, &key, next_seed(), load.size).await?;
                        }
                        (Op::Get, None) => {
                            let key = load.get_key(w, i);
                            let n = conn
                                .get(&client, key, |b| {
                                    std::hint::black_box(b);
                                })
                                .await?;
                            check_len(key, n, load.size)?;
                        }
                        (Op::Put, Some(sdk)) => {
                            let data = Rng::bytes(next_seed(), load.size as usize);
                            sdk.put_object()
                                .bucket(BUCKET)
                                .key(load.put_key(w, i))
                                .body(data.into())
                                .send()
                                .await?;
                        }
                        (Op::Get, Some(sdk)) => {
                            let key = load.get_key(w, i);
                            let out = sdk.get_object().bucket(BUCKET).key(key).send().await?;
                            let mut body = out.body;
                            let mut n = 0u64;
                            while let Some(b) = body.try_next().await? {
                                n += b.len() as u64;
                            }
                            check_len(key, n, load.size)?;
                        }
                    }
                    i += 1;
                }
                Ok::<_, BoxError>((i, start.elapsed()))
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await??);
        }
        let cpu = Cpu::now().since(cpu.unwrap_or_default());
        Ok(outcome(results, cpu))
    })
}

/// The in-process endpoint and what drives it.
struct Bench<'a> {
    s: &'a Settings,
    store: Store,
    rt: tokio::runtime::Runtime,
    client: Arc<Client>,
    sdk: Option<aws_sdk_s3::Client>,
    loads: u64,
}

/// The medians of one figure, per side.
struct Medians {
    http: Outcome,
    sdk: Option<Outcome>,
    store: Outcome,
}

impl Bench<'_> {
    /// Runs the load over HTTP, with the SDK if asked, and on the store, by
    /// turns for the rounds; returns the median round of each side (by
    /// rate). PUT keys are deleted after each load and their space given
    /// back, outside the timed part.
    fn figure(
        &mut self,
        op: Op,
        size: u64,
        conc: usize,
        plan: Plan,
        with_sdk: bool,
    ) -> Res<Medians> {
        let fixtures = if op == Op::Get {
            self.fixtures(size)?
        } else {
            Vec::new()
        };
        let sides: &[Via] = if with_sdk && self.sdk.is_some() {
            &[Via::Http, Via::Sdk, Via::Store]
        } else {
            &[Via::Http, Via::Store]
        };
        let mut runs: Vec<Vec<Outcome>> = sides.iter().map(|_| Vec::new()).collect();
        for round in 0..self.s.rounds {
            for (k, via) in sides.iter().enumerate() {
                self.loads += 1;
                let load = Arc::new(Load {
                    op,
                    size,
                    conc,
                    plan,
                    tag: format!("load{}", self.loads),
                    fixtures: fixtures.clone(),
                });
                eprintln!(
                    "  {op:?} {} x{conc} {via:?}, round {}",
                    self::size(size),
                    round + 1
                );
                let out = match via {
                    Via::Http => http_load(&self.rt, &self.client, None, &load)?,
                    Via::Sdk => http_load(&self.rt, &self.client, self.sdk.as_ref(), &load)?,
                    Via::Store => store_load(&self.store, &load)?,
                };
                if op == Op::Put {
                    self.delete(&load, &out)?;
                }
                runs[k].push(out);
            }
        }
        let mut medians = runs.into_iter().map(|mut v| {
            v.sort_by(|a, b| a.ops_per_sec().total_cmp(&b.ops_per_sec()));
            v.swap_remove(v.len() / 2)
        });
        let http = medians.next().ok_or("no run")?;
        let sdk = if sides.len() == 3 {
            medians.next()
        } else {
            None
        };
        let store = medians.next().ok_or("no run")?;
        Ok(Medians { http, sdk, store })
    }

    /// Objects of `size` to read, put through the store once, then read
    /// once so that every side finds them in the page cache, whatever ran
    /// before.
    fn fixtures(&self, size: u64) -> Res<Vec<String>> {
        // Enough that the 1 MiB GETs do not read one object over and over;
        // the large ones are one per worker at concurrency 8.
        let n = if size >= self.s.large { 8 } else { 64 };
        let keys: Vec<String> = (0..n).map(|i| format!("fixture/{size}/{i}")).collect();
        for (i, key) in keys.iter().enumerate() {
            if self.store.head_object(BUCKET, key, At::Current).is_err() {
                let src = Seeded::new(0xF1_0000 + size + i as u64, size);
                self.store
                    .put_object(BUCKET, key, src, PutOptions::default())?;
            }
            let read = std::io::copy(
                &mut self.store.get_object(BUCKET, key, At::Current, None)?,
                &mut std::io::sink(),
            )?;
            assert_eq!(read, size);
        }
        Ok(keys)
    }

    /// Deletes what a PUT load wrote and gives its space back.
    fn delete(&self, load: &Load, out: &Outcome) -> Res<()> {
        for (w, &n) in out.ops.iter().enumerate() {
            for i in 0..n {
                self.store
                    .delete_object(BUCKET, &load.put_key(w, i), None)?;
            }
        }
        self.store.gc()?;
        self.store.compact()?;
        Ok(())
    }
}

fn run(s: &Settings, dir: &Path, t: &mut Table) -> Res<()> {
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(CLIENT_THREAD)
        .enable_all()
        .build()?;
    if s.wants(0) {
        context(s, &client_rt)?;
    }

    let store = open_store(&dir.join("store"))?;
    let (svc, iam) = service(&store, 0)?;
    let server = Server::start(Serves::S3(svc))?;
    if s.wants(0) {
        request_pieces(s, &store, &iam, &Client::new(server.addr))?;
    }
    let sdk = if s.sdk {
        let _in = client_rt.enter();
        Some(sdk_client(server.addr))
    } else {
        None
    };
    let mut b = Bench {
        s,
        store: store.clone(),
        rt: client_rt,
        client: Arc::new(Client::new(server.addr)),
        sdk,
        loads: 0,
    };
    let loops = Plan::For(s.secs);
    let (small, large, tiny) = (size(s.small), size(s.large), size(s.tiny));
    let base_of = |op: Op| match op {
        Op::Put => "store put_object, same data",
        Op::Get => "store get_object, read to the end",
    };
    let name_of = |op: Op| match op {
        Op::Put => "PUT",
        Op::Get => "GET",
    };

    // 1 and 2: 1 MiB objects; 3 and 4: 64 MiB objects.
    for (num, op, obj) in [
        (1, Op::Put, s.small),
        (2, Op::Get, s.small),
        (3, Op::Put, s.large),
        (4, Op::Get, s.large),
    ] {
        if !s.wants(num) {
            continue;
        }
        let is_large = obj == s.large;
        for conc in [1, 8] {
            let (name, base, label) = (name_of(op), base_of(op), size(obj));
            eprintln!("{num}: {name} {label} at concurrency {conc}");
            // The SDK repeats the small objects at x8 and the large at x1.
            let plan = match (is_large, conc) {
                (false, _) => loops,
                (true, 1) => Plan::Count(s.large_count.0),
                (true, _) => Plan::Count(s.large_count.1),
            };
            let m = b.figure(op, obj, conc, plan, is_large == (conc == 1))?;
            let (h, st) = (m.http.mbps(obj), m.store.mbps(obj));
            let what = format!("{name} {label} x{conc}");
            let note = if is_large {
                goal(h / st >= 0.8, &format!("{base}; goal >= 0.80"))
            } else {
                base.to_owned()
            };
            t.row(
                format!("{num} {what}, MB/s"),
                format!("{h:.0}"),
                format!("{st:.0}"),
                h / st,
                &note,
            );
            if !is_large {
                let (h, st) = (m.http.ops_per_sec(), m.store.ops_per_sec());
                t.row(
                    format!("{num} {what}, ops/s"),
                    format!("{h:.0}"),
                    format!("{st:.0}"),
                    h / st,
                    base,
                );
            }
            if let Some(sdk) = &m.sdk {
                let h = sdk.mbps(obj);
                t.row(
                    format!("{num} {what} aws-sdk-s3, MB/s"),
                    format!("{h:.0}"),
                    format!("{st:.0}"),
                    h / st,
                    &format!("{base} (SDK defaults)"),
                );
            }
            t.note(cpu_note(num, &what, &m, obj));
        }
    }

    // 2: the cost of a request, from a GET of an empty object.
    for conc in [1, 8] {
        if !s.wants(2) {
            break;
        }
        eprintln!("2: GET 0 B at concurrency {conc}");
        let m = b.figure(Op::Get, 0, conc, loops, false)?;
        let (h, st) = (m.http.ops_per_sec(), m.store.ops_per_sec());
        let what = format!("GET 0 B x{conc}");
        t.row(
            format!("2 {what}, ops/s"),
            format!("{h:.0}"),
            format!("{st:.0}"),
            h / st,
            "store get_object of the empty object",
        );
        t.note(cpu_note(2, &what, &m, 0));
    }

    // 5: small durable PUTs.
    if s.wants(5) {
        eprintln!("5: PUT {tiny} at concurrency 8");
        let m = b.figure(Op::Put, s.tiny, 8, loops, false)?;
        let (h, st) = (m.http.ops_per_sec(), m.store.ops_per_sec());
        let what = format!("PUT {tiny} x8");
        t.row(
            format!("5 {what}, ops/s"),
            format!("{h:.0}"),
            format!("{st:.0}"),
            h / st,
            "store put_object, same data",
        );
        t.note(cpu_note(5, &what, &m, s.tiny));
    }

    t.note(format!(
        "   each figure is the median of {} round{} run by turns (HTTP, {}store); {small} \
         loops of {:.2} s; {large} figures put or get {} objects at x1 and {} per worker at x8",
        s.rounds,
        if s.rounds > 1 { "s" } else { "" },
        if b.sdk.is_some() { "SDK, " } else { "" },
        s.secs.as_secs_f64(),
        s.large_count.0,
        s.large_count.1,
    ));
    if b.sdk.is_some() {
        t.note(
            "   aws-sdk-s3 rows: default settings (aws-chunked body with a CRC32 trailer the \
             server verifies; the objects read have no stored checksum, so GETs are not \
             checked); each PUT body is made in memory first"
                .into(),
        );
    }
    drop(b);
    server.stop()?;
    // Every handle on the store goes before its files: the last one
    // flushes it.
    drop(iam);
    drop(store);
    fs::remove_dir_all(dir.join("store"))?;

    // 6: one large upload to a server in a child process.
    if s.wants(6) {
        big_upload(s, dir, t)?;
    }
    Ok(())
}

/// Where the CPU went in a figure's median rounds.
fn cpu_note(num: u32, what: &str, m: &Medians, obj: u64) -> String {
    let per_mib = obj >= MIB as u64;
    let per = |c: Duration, o: &Outcome| {
        let units = if per_mib {
            o.total() as f64 * obj as f64 / MIB as f64
        } else {
            o.total() as f64 / 1e3
        };
        c.as_secs_f64() * 1e3 / units
    };
    let busy = |o: &Outcome| o.cpu.total.as_secs_f64() / o.elapsed.as_secs_f64();
    // Page faults and context switches per MiB, or per op.
    let count = |n: u64, o: &Outcome| {
        let units = if per_mib {
            o.total() as f64 * obj as f64 / MIB as f64
        } else {
            o.total() as f64
        };
        n as f64 / units.max(1e-9)
    };
    format!(
        "{num}  {what}: CPU {} over HTTP {:.2} (client {:.2}, server {:.2}), store {:.2}; \
         cores busy {:.2} and {:.2}; page faults {:.0} and {:.0}; context switches {:.1} over \
         HTTP",
        if per_mib { "ms per MiB:" } else { "us per op:" },
        per(m.http.cpu.total, &m.http),
        per(m.http.cpu.client, &m.http),
        per(m.http.cpu.server(), &m.http),
        per(m.store.cpu.total, &m.store),
        busy(&m.http),
        busy(&m.store),
        count(m.http.cpu.faults, &m.http),
        count(m.store.cpu.faults, &m.store),
        count(m.http.cpu.switches, &m.http),
    )
}

/// Context: what loopback HTTP with the endpoint's hyper settings costs on
/// this machine with nothing behind it, with the same client.
fn context(s: &Settings, rt: &tokio::runtime::Runtime) -> Res<()> {
    eprintln!("context: hyper over loopback with nothing behind it");
    let len = s.large;
    let data = Rng::bytes(0xC0_FFEE, len as usize);
    let secs = s.secs.min(Duration::from_secs(2));
    println!(
        "context: the endpoint's hyper settings with no S3 and no store behind them, same \
         client, loopback, x1; CPU ms and minor page faults per MiB"
    );
    for (hop, label) in [
        (
            Hop::None,
            "in the connection's task (GET: slices of memory; PUT: dropped)",
        ),
        (
            Hop::Pass,
            "through a blocking thread and a channel of 8, bytes untouched",
        ),
        (
            Hop::Copy,
            "as the endpoint does: GET 256 KiB pieces allocated zeroed and copied, PUT copied out",
        ),
    ] {
        let server = Server::start(Serves::Null {
            hop,
            data: data.clone(),
        })?;
        let client = Arc::new(Client::new(server.addr));
        let mut cells = Vec::new();
        for op in [Op::Get, Op::Put] {
            let load = Arc::new(Load {
                op,
                size: len,
                conc: 1,
                plan: Plan::For(secs),
                tag: "null".into(),
                fixtures: vec!["null".into()],
            });
            let o = http_load(rt, &client, None, &load)?;
            let mib = (o.total() * len) as f64 / MIB as f64;
            let per = |c: Duration| c.as_secs_f64() * 1e3 / mib;
            cells.push(format!(
                "{} {:>5.0} MB/s (client {:.2}, server {:.2}; faults {:.0})",
                if op == Op::Get { "GET" } else { "PUT" },
                o.mbps(len),
                per(o.cpu.client),
                per(o.cpu.server()),
                o.cpu.faults as f64 / mib,
            ));
        }
        println!("  {} {label}:", size(len));
        println!("    {}", cells.join("; "));
        if hop == Hop::None {
            // The frames the server's hyper hands over for a PUT body.
            let frames: u64 = rt.block_on(async {
                let mut conn = client.connect().await?;
                let etag = conn.put(&client, "null", 1, len).await?;
                Ok::<_, BoxError>(etag.parse()?)
            })?;
            println!(
                "    a {} PUT body reached the server in {frames} frames, {:.1} KiB on average",
                size(len),
                len as f64 / frames.max(1) as f64 / KIB as f64
            );
            // Requests with no body: the cost of HTTP and signing alone.
            let mut rates = Vec::new();
            for conc in [1, 8] {
                let load = Arc::new(Load {
                    op: Op::Put,
                    size: 0,
                    conc,
                    plan: Plan::For(secs),
                    tag: "null".into(),
                    fixtures: Vec::new(),
                });
                let o = http_load(rt, &client, None, &load)?;
                rates.push(format!(
                    "{:.0}/s at x{conc} ({:.0} us CPU each, client and server)",
                    o.ops_per_sec(),
                    o.cpu.total.as_secs_f64() * 1e6 / o.total() as f64
                ));
            }
            println!("    signed requests with no body: {}", rates.join(", "));
        }
        server.stop()?;
    }
    println!();
    Ok(())
}

/// Context: the pieces of a request's fixed cost, each timed alone on one
/// thread.
fn request_pieces(s: &Settings, store: &Store, iam: &Iam, client: &Client) -> Res<()> {
    eprintln!("context: pieces of a request");
    let dur = s.secs.min(Duration::from_secs(1)) / 4;
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    store.put_object(BUCKET, "empty", io::empty(), PutOptions::default())?;
    let sign = mean_time(dur, || {
        std::hint::black_box(client.request("GET", "empty", GenBody::empty()).ok());
    });
    let (parts, _) = client
        .request("GET", "empty", GenBody::empty())?
        .into_parts();
    let lookup = |_: &str| Some(SecretKey::new(SECRET_KEY));
    let verify = mean_time(dur, || {
        let v = alexander_s3::auth::verify_request(&parts, REGION, SystemTime::now(), &lookup);
        assert!(
            matches!(v, Ok(Some(_))),
            "the bench's signature does not verify"
        );
    });
    let key = mean_time(dur, || {
        assert!(matches!(iam.lookup(ACCESS_KEY), Ok(Some(_))));
    });
    let bucket = mean_time(dur, || {
        store.head_bucket(BUCKET).expect("head_bucket");
    });
    let open = mean_time(dur, || {
        let r = store.get_object(BUCKET, "empty", At::Current, None);
        std::hint::black_box(r.expect("get_object"));
    });
    // A task handed to the blocking pool and awaited, from a runtime like
    // the server's: the endpoint does it once to open an object and once
    // to stream it.
    let rt = server_runtime()?;
    let hop = rt.block_on(async {
        tokio::spawn(async move {
            let mut n = 0u32;
            let t0 = Instant::now();
            while n < 100 || t0.elapsed() < dur {
                tokio::task::spawn_blocking(|| std::hint::black_box(1))
                    .await
                    .expect("blocking task");
                n += 1;
            }
            let busy = t0.elapsed() / n;
            // The same after a pause, as between requests: the pool's
            // thread has gone to sleep and must be woken.
            let mut idle = Duration::ZERO;
            for _ in 0..50 {
                tokio::time::sleep(Duration::from_millis(2)).await;
                let t0 = Instant::now();
                tokio::task::spawn_blocking(|| std::hint::black_box(1))
                    .await
                    .expect("blocking task");
                idle += t0.elapsed();
            }
            (busy, idle / 50)
        })
        .await
    })?;
    drop(rt);
    println!(
        "context: pieces of a request, each alone on one thread, us: sign {:.1}, verify the \
         signature {:.1}, look the key up {:.1}, head_bucket {:.1}, open an object {:.1}, \
         spawn_blocking round trip {:.1} back to back, {:.1} with the pool asleep",
        us(sign),
        us(verify),
        us(key),
        us(bucket),
        us(open),
        us(hop.0),
        us(hop.1)
    );
    println!();
    Ok(())
}

/// Mean time of `op` over repeats lasting about `dur` (at least 20).
fn mean_time(dur: Duration, mut op: impl FnMut()) -> Duration {
    op();
    let start = Instant::now();
    let mut n = 0u32;
    while n < 20 || start.elapsed() < dur {
        op();
        n += 1;
    }
    start.elapsed() / n
}

/// Figure 6: the store's own put of the large object in a child process,
/// then the same bytes PUT over HTTP to a server in another child, whose
/// peak RSS is read from /proc; then a GET of it, hashed.
fn big_upload(s: &Settings, dir: &Path, t: &mut Table) -> Res<()> {
    let big = size(s.big);
    eprintln!("6: {big} through the store in a child process");
    let store_dir = dir.join("big-store");
    let out = Command::new(std::env::current_exe()?)
        .env(CHILD, "store")
        .env("ALEXANDER_BENCH_S3_CHILD_DIR", &store_dir)
        .env("ALEXANDER_BENCH_S3_CHILD_BYTES", s.big.to_string())
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("store child failed: {}", out.status).into());
    }
    let text = String::from_utf8(out.stdout)?;
    let field = |name: &str| -> Res<String> {
        Ok(text
            .split_whitespace()
            .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
            .ok_or_else(|| format!("store child printed no {name}: {text:?}"))?
            .to_owned())
    };
    let store_put = Duration::from_secs_f64(field("put_secs")?.parse()?);
    let store_get = Duration::from_secs_f64(field("get_secs")?.parse()?);
    let store_hwm: u64 = field("put_hwm_kb")?.parse()?;
    let store_start_hwm: u64 = field("start_hwm_kb")?.parse()?;
    let store_etag = field("etag")?;
    if field("md5")? != store_etag {
        return Err("the store read back other bytes than it stored".into());
    }
    fs::remove_dir_all(&store_dir)?;

    eprintln!("6: {big} over HTTP to a server in a child process");
    let server_dir = dir.join("big-server");
    let mut child = Command::new(std::env::current_exe()?)
        .env(CHILD, "server")
        .env("ALEXANDER_BENCH_S3_CHILD_DIR", &server_dir)
        .env("ALEXANDER_BENCH_S3_CHILD_BYTES", s.big.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let pid = child.id().to_string();
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("addr=")
        .ok_or_else(|| format!("server child said {line:?}"))?
        .parse()?;
    let hwm = || status_kb(&pid, "VmHWM:");
    let me = std::process::id().to_string();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client = Client::new(addr);
    let idle_hwm = hwm();
    let client_rss_before = status_kb(&me, "VmRSS:");
    let warm = s.large.min(s.big);
    let (put, get, etag, md5, warm_hwm, put_hwm) = rt.block_on(async {
        let mut conn = client.connect().await?;
        conn.put(&client, "warm", next_seed(), warm).await?;
        let warm_hwm = hwm();
        let t0 = Instant::now();
        let etag = conn.put(&client, "big", BIG_SEED, s.big).await?;
        let put = t0.elapsed();
        let put_hwm = hwm();
        let mut h = Md5::new();
        let t0 = Instant::now();
        let n = conn.get(&client, "big", |b| h.update(b)).await?;
        let get = t0.elapsed();
        check_len("big", n, s.big)?;
        Ok::<_, BoxError>((put, get, etag, hex::encode(h.finalize()), warm_hwm, put_hwm))
    })?;
    let get_hwm = hwm();
    let client_rss_after = status_kb(&me, "VmRSS:");
    drop(child.stdin.take());
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("server child failed: {status}").into());
    }
    fs::remove_dir_all(&server_dir)?;
    if etag != store_etag {
        return Err(format!(
            "the server's ETag {etag} is not the store's {store_etag} for the same bytes"
        )
        .into());
    }
    if md5 != etag {
        return Err(format!("MD5 of the GET {md5} is not the ETag {etag}").into());
    }

    let (h, st) = (mbps(s.big, put), mbps(s.big, store_put));
    t.row(
        format!("6 PUT {big} in one request, MB/s"),
        format!("{h:.0}"),
        format!("{st:.0}"),
        h / st,
        "store put_object of the same stream, in a child process",
    );
    let (h, st) = (mbps(s.big, get), mbps(s.big, store_get));
    t.row(
        format!("6 GET {big} + client MD5, MB/s"),
        format!("{h:.0}"),
        format!("{st:.0}"),
        h / st,
        "store get_object + MD5, in the same child",
    );
    t.row(
        format!("6 server peak RSS over the {big} PUT, MiB"),
        format!("{:.1}", mib_of_kb(put_hwm)),
        format!("{:.1}", mib_of_kb(store_hwm)),
        put_hwm as f64 / store_hwm as f64,
        "peak RSS of the store's own put (lower is better)",
    );
    t.note(format!(
        "6  server child VmHWM: {:.1} MiB idle, {:.1} MiB after a {} PUT, {:.1} MiB after the \
         {big} PUT, {:.1} MiB after its GET; the store child's was {:.1} MiB once open",
        mib_of_kb(idle_hwm),
        mib_of_kb(warm_hwm),
        size(warm),
        mib_of_kb(put_hwm),
        mib_of_kb(get_hwm),
        mib_of_kb(store_start_hwm),
    ));
    t.note(format!(
        "6  MD5 of the GET = the ETag of the PUT = the store's ETag for the same stream \
         ({etag}); this process's RSS went from {:.1} to {:.1} MiB over the PUT and GET",
        mib_of_kb(client_rss_before),
        mib_of_kb(client_rss_after),
    ));
    Ok(())
}

/// Child processes: `store` puts and reads back the large object through
/// the store; `server` serves S3 until its stdin closes.
fn child(kind: &str) -> Res<()> {
    let dir = PathBuf::from(std::env::var("ALEXANDER_BENCH_S3_CHILD_DIR")?);
    let len: u64 = std::env::var("ALEXANDER_BENCH_S3_CHILD_BYTES")?.parse()?;
    let me = "self";
    match kind {
        "store" => {
            let store = open_store(&dir)?;
            let start_hwm = status_kb(me, "VmHWM:");
            let t0 = Instant::now();
            let info = store.put_object(
                BUCKET,
                "big",
                Seeded::new(BIG_SEED, len),
                PutOptions::default(),
            )?;
            let put = t0.elapsed();
            let put_hwm = status_kb(me, "VmHWM:");
            let mut h = Md5::new();
            let t0 = Instant::now();
            let n = drain(store.get_object(BUCKET, "big", At::Current, None)?, |b| {
                h.update(b);
            })?;
            let get = t0.elapsed();
            check_len("big", n, len)?;
            println!(
                "put_secs={} get_secs={} put_hwm_kb={put_hwm} start_hwm_kb={start_hwm} etag={} md5={}",
                put.as_secs_f64(),
                get.as_secs_f64(),
                info.etag,
                hex::encode(h.finalize())
            );
            Ok(())
        }
        "server" => {
            let store = open_store(&dir)?;
            let (svc, _) = service(&store, len + MIB as u64)?;
            let rt = server_runtime()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                println!("addr={}", listener.local_addr()?);
                io::stdout().flush()?;
                let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                std::thread::spawn(move || {
                    let _ = io::copy(&mut io::stdin(), &mut io::sink());
                    let _ = tx.send(());
                });
                let stopped = async {
                    let _ = rx.await;
                };
                alexander_s3::serve(listener, svc, stopped, Duration::from_secs(10)).await?;
                Ok::<_, BoxError>(())
            })?;
            store.flush()?;
            Ok(())
        }
        other => Err(format!("unknown child kind {other:?}").into()),
    }
}
