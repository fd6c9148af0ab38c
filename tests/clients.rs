//! Real third-party S3 clients against the real binary: boto3, aws-cli
//! (v1), rclone and s3cmd, each driven the way its users drive it.
//!
//! Every test starts `alexander serve` on a free loopback port over a
//! store in a temporary directory, with root credentials from
//! `ALEXANDER_ROOT_ACCESS_KEY`/`ALEXANDER_ROOT_SECRET_KEY`, points one
//! client at it (path-style, region us-east-1, configuration only in
//! temporary files and the child's environment, never in `~`) and runs:
//! create a bucket; put a small object and a 50 MiB one that the client
//! uploads as multipart; list with a prefix and a delimiter; a ranged get;
//! copy; versions; delete. Every download is compared with what was
//! written, by SHA-256 for the large ones.
//!
//! The clients are found through `ALEXANDER_TEST_PYTHON` (a Python with
//! boto3), `ALEXANDER_TEST_AWS`, `ALEXANDER_TEST_RCLONE` and
//! `ALEXANDER_TEST_S3CMD`, else in the venv that `.ci/run` makes at
//! `target/ci-venv`, else on `PATH`. A client that is not there skips its
//! test with a message, and fails it when `CI` is set: `.ci/run` installs
//! them all. `ALEXANDER_TEST_CLIENT_DEBUG=1` makes each client log its
//! requests and responses.
//!
//! Every wait is bounded: the server's start and stop, and every client
//! command, which is killed and fails the test when it overruns.

use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use alexander_s3::auth::SecretKey;
use alexander_s3::auth::sigv4::{EMPTY_SHA256, SignRequest, sign_request};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// How long the server may take to come up, and to stop.
const START: Duration = Duration::from_secs(60);
const STOP: Duration = Duration::from_secs(30);
/// How long one client command may run: a 50 MiB transfer over loopback
/// takes seconds, so this only catches a hang.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(300);

const ACCESS_KEY: &str = "CLIENTSE2EROOT";
const SECRET_KEY: &str = "clients-e2e-root-secret-0123456789";
const REGION: &str = "us-east-1";

const MIB: usize = 1 << 20;
/// The large object: past every client's multipart threshold (8 MiB for
/// boto3 and aws-cli, 15 MiB for s3cmd, and the 8 MiB cutoff given to
/// rclone).
const BIG: usize = 50 * MIB;

// ---------------------------------------------------------------------------
// The server

/// A running `alexander serve`. Dropping it kills the process if it is
/// still running.
struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
    /// The server's standard error: its log, with one line per request.
    log: PathBuf,
    /// Where it mounts the store, if it does: a server killed by a failing
    /// test leaves its mount behind, which the drop clears.
    mount: Option<PathBuf>,
}

impl Server {
    /// Starts `serve --listen 127.0.0.1:0` over `dir/data` and waits until
    /// it says it listens and answers /health.
    fn start(dir: &Path) -> Server {
        Server::start_with(dir, None)
    }

    /// [`Server::start`], also mounting the store at `mount`.
    fn start_with(dir: &Path, mount: Option<&Path>) -> Server {
        let log = dir.join("server.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_alexander"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("ALEXANDER_") {
                cmd.env_remove(name);
            }
        }
        cmd.env("ALEXANDER_ROOT_ACCESS_KEY", ACCESS_KEY)
            .env("ALEXANDER_ROOT_SECRET_KEY", SECRET_KEY)
            // One line per request (method, path, status), and no colours.
            .env("RUST_LOG", "info,alexander_s3=debug")
            .env("NO_COLOR", "1")
            .arg("--data")
            .arg(dir.join("data"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(mount.iter().flat_map(|m| [Path::new("--mount"), m]))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(&log).expect("create the server log"));
        let mut child = cmd.spawn().expect("spawn alexander serve");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        // Reads standard output to its end, so the server never writes
        // into a closed pipe.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let addr = match crate::support::listening_address(&lines, START) {
            Ok((addr, _banner)) => addr,
            Err((e, banner)) => {
                let _ = child.kill();
                let status = child.wait().unwrap();
                panic!(
                    "server did not say it listens ({e:?}, {status}); stdout:\n{banner}\nlog:\n{}",
                    fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        let server = Server {
            child,
            addr,
            log,
            mount: mount.map(Path::to_owned),
        };
        server.wait_healthy();
        server
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn wait_healthy(&self) {
        let client = http();
        let deadline = Instant::now() + START;
        loop {
            match client.get(format!("{}/health", self.endpoint())).send() {
                Ok(r) if r.status() == 200 => return,
                _ if Instant::now() > deadline => panic!("/health never answered 200"),
                _ => thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// The last `n` lines of the server's log.
    fn log_tail(&self, n: usize) -> String {
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// A request signed for the root key with the project's own signer,
    /// to check what a client cannot show: `path` and `query` exactly as
    /// sent. Returns the status, the headers and the body.
    fn signed(
        &self,
        method: &str,
        path: &str,
        query: &str,
    ) -> (u16, Vec<(String, String)>, String) {
        let secret = SecretKey::new(SECRET_KEY);
        let signed = sign_request(&SignRequest {
            method,
            path,
            query,
            headers: &[("host", &self.addr)],
            payload_hash: EMPTY_SHA256,
            access_key: ACCESS_KEY,
            secret: &secret,
            region: REGION,
            time: SystemTime::now(),
        });
        let url = if query.is_empty() {
            format!("{}{path}", self.endpoint())
        } else {
            format!("{}{path}?{query}", self.endpoint())
        };
        let mut req = http().request(method.parse().unwrap(), url);
        for (name, value) in &signed.headers {
            req = req.header(*name, value);
        }
        let resp = req.send().expect("send a signed request");
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        (status, headers, resp.text().unwrap())
    }

    /// Asserts that `bucket/key` holds `size` bytes uploaded in parts: its
    /// ETag is S3's multipart form, `md5-of-part-md5s-N`.
    fn assert_multipart(&self, bucket: &str, key: &str, size: usize) {
        let (status, headers, _) = self.signed("HEAD", &format!("/{bucket}/{key}"), "");
        assert_eq!(status, 200, "HEAD {bucket}/{key}");
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let etag = header("etag");
        let parts = etag
            .trim_matches('"')
            .split_once('-')
            .and_then(|(_, n)| n.parse::<u32>().ok());
        assert!(
            parts.is_some_and(|n| n > 1),
            "{bucket}/{key} was not uploaded as multipart: ETag {etag}"
        );
        assert_eq!(header("content-length"), size.to_string(), "{bucket}/{key}");
    }

    /// The versions of `key` in `bucket` as ListObjectVersions reports
    /// them: (version id, is latest), newest first. Delete markers count.
    fn versions(&self, bucket: &str, key: &str) -> Vec<(String, bool)> {
        let prefix = key.replace('/', "%2F");
        let (status, _, body) = self.signed(
            "GET",
            &format!("/{bucket}"),
            &format!("prefix={prefix}&versions="),
        );
        assert_eq!(status, 200, "{body}");
        let mut out = Vec::new();
        // Each piece starts with one entry's fields.
        let entries = body.split("<Version>").skip(1);
        for entry in entries.chain(body.split("<DeleteMarker>").skip(1)) {
            let field = |name: &str| {
                entry
                    .split_once(&format!("<{name}>"))
                    .and_then(|(_, rest)| rest.split_once(&format!("</{name}>")))
                    .map(|(value, _)| value.to_owned())
                    .unwrap_or_default()
            };
            if field("Key") == key {
                out.push((field("VersionId"), field("IsLatest") == "true"));
            }
        }
        out
    }

    /// Sends SIGTERM and asserts that the server stops cleanly in time.
    fn stop(mut self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM");
        let status = wait_exit(&mut self.child, STOP);
        assert!(
            status.success(),
            "server exited with {status}:\n{}",
            self.log_tail(40)
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
            if let Some(mnt) = &self.mount {
                crate::support::clear_dead_mount(mnt);
            }
        }
    }
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Waits for a process to exit; kills it and fails if it takes too long.
fn wait_exit(child: &mut Child, timeout: Duration) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("alexander did not exit within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------
// The clients

/// Whether this run is CI's, where a test that cannot run fails.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Whether the clients should log every request and response.
fn client_debug() -> bool {
    std::env::var_os("ALEXANDER_TEST_CLIENT_DEBUG").is_some_and(|v| !v.is_empty())
}

/// Finds a client program: `$var` if set, else `name` in the venv that
/// `.ci/run` makes (when `in_venv`), else `name` on `PATH`.
fn locate(var: &str, name: &str, in_venv: bool) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{var}={} does not exist", path.display()))
        };
    }
    if in_venv {
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin");
        if venv.join(name).is_file() {
            return Ok(venv.join(name));
        }
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|path| is_executable(path))
        .ok_or_else(|| {
            format!(
                "no {name} on PATH{} and {var} is not set (.ci/run installs it)",
                if in_venv { " or in target/ci-venv" } else { "" }
            )
        })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The client's program if it is there and answers `probe`; otherwise
/// prints why and returns None, or fails under CI.
fn require(client: &str, found: Result<PathBuf, String>, probe: &[&str]) -> Option<PathBuf> {
    let found = found.and_then(|program| {
        let mut cmd = Command::new(&program);
        cmd.args(probe);
        clean_env(&mut cmd);
        match run_bounded(&mut cmd, Duration::from_secs(60)) {
            Ok(out) if out.status.success() => {
                let version = String::from_utf8_lossy(&out.stdout);
                eprintln!(
                    "{client}: {} ({})",
                    program.display(),
                    version.lines().next().unwrap_or("").trim()
                );
                Ok(program)
            }
            Ok(out) => Err(format!(
                "{} {probe:?} failed ({}): {}",
                program.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Err(format!("{} {probe:?}: {e}", program.display())),
        }
    });
    match found {
        Ok(program) => Some(program),
        Err(why) if in_ci() => panic!("{client} is required under CI: {why}"),
        Err(why) => {
            eprintln!("skipping the {client} test: {why}");
            None
        }
    }
}

/// Takes from a client's environment whatever could point it elsewhere
/// than the test's server and files: the caller's AWS, boto, rclone and
/// s3cmd settings (a CA bundle, a profile, an endpoint...), proxies and
/// Python path overrides.
fn clean_env(cmd: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let upper = name.to_string_lossy().to_ascii_uppercase();
        if ["AWS_", "BOTO_", "RCLONE_", "S3CMD"]
            .iter()
            .any(|p| upper.starts_with(p))
            || upper.ends_with("_PROXY")
            || upper == "PYTHONPATH"
            || upper == "PYTHONHOME"
        {
            cmd.env_remove(name);
        }
    }
}

/// Runs a command with no standard input, its output captured, killing it
/// after `timeout`.
fn run_bounded(cmd: &mut Command, timeout: Duration) -> Result<Output, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stdout = stdout.join().unwrap_or_default();
            let stderr = stderr.join().unwrap_or_default();
            return Err(format!(
                "killed after {timeout:?}\n--- stdout:\n{}\n--- stderr:\n{}",
                tail(&stdout),
                tail(&stderr)
            ));
        }
        thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// The end of a command's output, as text: enough to see what went wrong
/// without flooding the report with a downloaded object.
fn tail(bytes: &[u8]) -> String {
    const KEEP: usize = 16 * 1024;
    let start = bytes.len().saturating_sub(KEEP);
    let text = String::from_utf8_lossy(&bytes[start..]);
    if start > 0 {
        format!("[... {start} bytes before]\n{text}")
    } else {
        text.into_owned()
    }
}

/// One client, configured for one server: its program, the arguments that
/// go before every command's own, and its environment.
struct Client<'a> {
    name: &'static str,
    program: PathBuf,
    base: Vec<OsString>,
    envs: Vec<(&'static str, OsString)>,
    server: &'a Server,
}

/// A command line from a template: its words split at whitespace, each
/// `{}` in a word replaced by the next of `values`, whole (so a value may
/// hold spaces).
fn argv(template: &str, values: &[&str]) -> Vec<String> {
    let mut values = values.iter();
    let args = template
        .split_whitespace()
        .map(|word| {
            let mut arg = String::new();
            let mut pieces = word.split("{}");
            arg.push_str(pieces.next().unwrap_or(""));
            for piece in pieces {
                arg.push_str(values.next().expect("a value for each {}"));
                arg.push_str(piece);
            }
            arg
        })
        .collect();
    assert!(
        values.next().is_none(),
        "more values than {{}} in {template:?}"
    );
    args
}

impl Client<'_> {
    /// Runs `template` (see [`argv`]) with a deadline.
    fn run(&self, template: &str, values: &[&str]) -> (Vec<String>, Output) {
        let args = argv(template, values);
        let mut cmd = Command::new(&self.program);
        clean_env(&mut cmd);
        cmd.envs(self.envs.iter().map(|(k, v)| (k, v)))
            .args(&self.base)
            .args(&args);
        match run_bounded(&mut cmd, CLIENT_TIMEOUT) {
            Ok(out) => (args, out),
            Err(e) => panic!(
                "{} {args:?}: {e}\n--- server log:\n{}",
                self.name,
                self.server.log_tail(40)
            ),
        }
    }

    /// Runs a command that must succeed; returns its standard output.
    fn ok(&self, template: &str, values: &[&str]) -> Vec<u8> {
        let (args, out) = self.run(template, values);
        if !out.status.success() {
            panic!(
                "{} {args:?} failed ({})\n--- stdout:\n{}\n--- stderr:\n{}\n--- server log:\n{}",
                self.name,
                out.status,
                tail(&out.stdout),
                tail(&out.stderr),
                self.server.log_tail(40)
            );
        }
        out.stdout
    }

    fn ok_text(&self, template: &str, values: &[&str]) -> String {
        String::from_utf8(self.ok(template, values)).expect("text output")
    }

    fn ok_json(&self, template: &str, values: &[&str]) -> Value {
        let out = self.ok_text(template, values);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{template}: {e}: {out}"))
    }

    /// Runs a command that must fail; returns its standard error.
    fn fails(&self, template: &str, values: &[&str]) -> String {
        let (args, out) = self.run(template, values);
        assert!(
            !out.status.success(),
            "{} {args:?} should have failed:\n{}",
            self.name,
            tail(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

// ---------------------------------------------------------------------------
// The data

/// A temporary directory with the server and the objects to write.
struct Setup {
    /// Before `dir`, so that a failing test stops the server before its
    /// directory goes.
    server: Server,
    dir: TempDir,
    small: Vec<u8>,
    big: Vec<u8>,
}

impl Setup {
    fn new() -> Setup {
        let dir = TempDir::new().unwrap();
        let small = noise(3000, 1);
        let big = noise(BIG, 2);
        fs::write(dir.path().join("small.bin"), &small).unwrap();
        fs::write(dir.path().join("big.bin"), &big).unwrap();
        let server = Server::start(dir.path());
        Setup {
            server,
            dir,
            small,
            big,
        }
    }

    /// A path in the temporary directory, as the text a command line takes.
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }

    /// Writes `bytes` to a file in the temporary directory; returns its path.
    fn file(&self, name: &str, bytes: &[u8]) -> String {
        fs::write(self.path(name), bytes).unwrap();
        self.path(name)
    }
}

/// Deterministic pseudo-random bytes (xorshift64*), so that chunks differ.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Asserts that a downloaded file holds exactly `expected`, by SHA-256.
fn assert_file(path: &str, expected: &[u8], what: &str) {
    let got = fs::read(path).unwrap_or_else(|e| panic!("{what}: cannot read {path}: {e}"));
    assert_bytes(&got, expected, what);
}

fn assert_bytes(got: &[u8], expected: &[u8], what: &str) {
    assert!(
        got.len() == expected.len() && sha256(got) == sha256(expected),
        "{what}: got {} bytes with SHA-256 {}, expected {} bytes with SHA-256 {}",
        got.len(),
        sha256(got),
        expected.len(),
        sha256(expected)
    );
}

/// The lines of a listing, sorted: clients need not list in S3's order.
fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

/// The strings at `field` of each element of a JSON array (missing: none).
fn strings(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item[field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The first version of a small object written in the versions step, and
/// the second: different sizes, so that no client skips the overwrite as
/// unchanged.
const V1: &[u8] = b"first version\n";
const V2: &[u8] = b"second version, a little longer\n";

// ---------------------------------------------------------------------------
// The tests

#[test]
fn boto3() {
    let found = locate("ALEXANDER_TEST_PYTHON", "python", true)
        .or_else(|_| locate("ALEXANDER_TEST_PYTHON", "python3", false));
    let probe = ["-c", "import boto3; print('boto3', boto3.__version__)"];
    let Some(program) = require("boto3", found, &probe) else {
        return;
    };
    let t = Setup::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/boto3_e2e.py");
    let python = Client {
        name: "boto3",
        program,
        base: vec![script.into()],
        envs: vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            // No profile, region or credentials from files in `~`.
            ("AWS_CONFIG_FILE", t.file("aws-config", b"").into()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                t.file("aws-credentials", b"").into(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ],
        server: &t.server,
    };
    // The script checks every step itself (tests/clients/boto3_e2e.py).
    let work = t.path("");
    let out = python.ok_text("{} boto3-e2e {}", &[&t.server.endpoint(), &work]);
    assert!(out.contains("boto3: every step passed"), "{out}");
    t.server.stop();
}

#[test]
fn aws_cli() {
    let found = locate("ALEXANDER_TEST_AWS", "aws", true);
    let Some(program) = require("aws-cli", found, &["--version"]) else {
        return;
    };
    let t = Setup::new();
    let aws = aws_cli_client(program, &t.server, t.dir.path());
    let b = "aws-cli-e2e";
    let s3 = |path: &str| format!("s3://{b}/{path}");
    let (small, big) = (t.path("small.bin"), t.path("big.bin"));

    // Bucket.
    let out = aws.ok_text("s3 mb {}", &[&s3("")]);
    assert!(out.contains(&format!("make_bucket: {b}")), "{out}");
    assert!(aws.ok_text("s3 ls", &[]).contains(b));

    // A small object and a 50 MiB one, which `s3 cp` uploads in 8 MiB parts.
    aws.ok(
        "s3 cp --only-show-errors {} {}",
        &[&small, &s3("docs/small.txt")],
    );
    aws.ok(
        "s3 cp --only-show-errors {} {}",
        &[&big, &s3("docs/big.bin")],
    );
    t.server.assert_multipart(b, "docs/big.bin", BIG);
    for key in ["docs/sub/a.txt", "other/x.txt"] {
        let put = aws.ok_json(
            "s3api put-object --bucket {} --key {} --body {}",
            &[b, key, &small],
        );
        assert!(put["ETag"].is_string(), "{put}");
    }

    // Listings with a prefix and a delimiter.
    let list = aws.ok_json(
        "s3api list-objects-v2 --bucket {} --prefix docs/ --delimiter /",
        &[b],
    );
    let keys = strings(&list["Contents"], "Key");
    assert_eq!(keys, ["docs/big.bin", "docs/small.txt"], "{list}");
    let prefixes = strings(&list["CommonPrefixes"], "Prefix");
    assert_eq!(prefixes, ["docs/sub/"], "{list}");
    assert_eq!(list["Contents"][0]["Size"], BIG, "{list}");
    let ls = aws.ok_text("s3 ls {}", &[&s3("docs/")]);
    assert!(ls.contains("PRE sub/"), "{ls}");
    assert!(ls.contains(&format!("{BIG} big.bin")), "{ls}");
    assert!(ls.contains("3000 small.txt"), "{ls}");
    let ls = aws.ok_text("s3 ls {}", &[&s3("docs/sm")]);
    assert_eq!(ls.lines().count(), 1, "{ls}");
    assert!(ls.contains("small.txt"), "{ls}");
    let ls = aws.ok_text("s3 ls --recursive {}", &[&s3("")]);
    assert_eq!(ls.lines().count(), 4, "{ls}");

    // Ranged gets.
    let part = t.path("range.out");
    let get_range = "s3api get-object --bucket {} --key docs/big.bin --range {} {}";
    let got = aws.ok_json(get_range, &[b, "bytes=1000-1999", &part]);
    assert_eq!(
        got["ContentRange"],
        format!("bytes 1000-1999/{BIG}"),
        "{got}"
    );
    assert_file(&part, &t.big[1000..2000], "bytes 1000-1999");
    aws.ok(get_range, &[b, "bytes=-4096", &part]);
    assert_file(&part, &t.big[BIG - 4096..], "the last 4096 bytes");

    // Downloads: the big object in parallel ranged parts, the small one to
    // standard output.
    let download = t.path("big.download");
    aws.ok(
        "s3 cp --only-show-errors {} {}",
        &[&s3("docs/big.bin"), &download],
    );
    assert_file(&download, &t.big, "downloaded big object");
    let got = aws.ok("s3 cp --only-show-errors {} -", &[&s3("docs/small.txt")]);
    assert_bytes(&got, &t.small, "downloaded small object");

    // Copies: a big one (UploadPartCopy in parts), a small one (CopyObject).
    aws.ok(
        "s3 cp --only-show-errors {} {}",
        &[&s3("docs/big.bin"), &s3("copy/big.bin")],
    );
    t.server.assert_multipart(b, "copy/big.bin", BIG);
    aws.ok(
        "s3 cp --only-show-errors {} {}",
        &[&s3("copy/big.bin"), &download],
    );
    assert_file(&download, &t.big, "copy of the big object");
    aws.ok(
        "s3api copy-object --bucket {} --key copy/small.txt --copy-source {}/docs/small.txt",
        &[b, b],
    );
    let got = aws.ok("s3 cp --only-show-errors {} -", &[&s3("copy/small.txt")]);
    assert_bytes(&got, &t.small, "copy of the small object");

    // `s3 cp --acl public-read`, the common way to publish one file: anyone
    // may read it over plain HTTP, while the bucket and its other objects
    // stay private.
    aws.ok(
        "s3 cp --only-show-errors --acl public-read {} {}",
        &[&small, &s3("public/small.txt")],
    );
    let anonymous = |key: &str| {
        let url = format!("{}/{b}/{key}", t.server.endpoint());
        let resp = reqwest::blocking::get(url).unwrap();
        (resp.status().as_u16(), resp.bytes().unwrap().to_vec())
    };
    assert_eq!(anonymous("public/small.txt"), (200, t.small.clone()));
    assert_eq!(anonymous("docs/small.txt").0, 403);
    let acl = aws.ok_json(
        "s3api get-object-acl --bucket {} --key public/small.txt",
        &[b],
    );
    let grants = acl["Grants"].as_array().cloned().unwrap_or_default();
    assert!(
        grants.iter().any(|g| g["Grantee"]["URI"]
            == "http://acs.amazonaws.com/groups/global/AllUsers"
            && g["Permission"] == "READ"),
        "{acl}"
    );
    aws.ok(
        "s3api put-object-acl --bucket {} --key public/small.txt --acl private",
        &[b],
    );
    assert_eq!(anonymous("public/small.txt").0, 403);
    aws.ok("s3 rm --only-show-errors {}", &[&s3("public/small.txt")]);

    // Versions.
    aws.ok(
        "s3api put-bucket-versioning --bucket {} --versioning-configuration Status=Enabled",
        &[b],
    );
    let status = aws.ok_json("s3api get-bucket-versioning --bucket {}", &[b]);
    assert_eq!(status["Status"], "Enabled", "{status}");
    let put = |body: &str| {
        let put = "s3api put-object --bucket {} --key docs/notes.txt --body {}";
        let out = aws.ok_json(put, &[b, body]);
        out["VersionId"].as_str().expect("a version id").to_owned()
    };
    let id1 = put(&t.file("v1.txt", V1));
    let id2 = put(&t.file("v2.txt", V2));
    assert_ne!(id1, id2);
    let list_versions = "s3api list-object-versions --bucket {} --prefix docs/notes.txt";
    let versions = aws.ok_json(list_versions, &[b]);
    let ids = strings(&versions["Versions"], "VersionId");
    assert_eq!(ids, [id2.as_str(), id1.as_str()], "{versions}");
    assert_eq!(versions["Versions"][0]["IsLatest"], true, "{versions}");
    assert_eq!(versions["Versions"][1]["IsLatest"], false, "{versions}");
    let old = t.path("old.out");
    let get_version = "s3api get-object --bucket {} --key docs/notes.txt --version-id {} {}";
    let got = aws.ok_json(get_version, &[b, &id1, &old]);
    assert_eq!(got["VersionId"], id1.as_str(), "{got}");
    assert_file(&old, V1, "the old version");
    let got = aws.ok("s3 cp --only-show-errors {} -", &[&s3("docs/notes.txt")]);
    assert_bytes(&got, V2, "the latest version");

    // Deletes: a delete marker hides the key, its versions stay readable
    // until they are deleted by id.
    let out = aws.ok_text("s3 rm {}", &[&s3("docs/notes.txt")]);
    assert!(out.contains("delete: "), "{out}");
    let err = aws.fails("s3api head-object --bucket {} --key docs/notes.txt", &[b]);
    assert!(err.contains("404"), "{err}");
    let versions = aws.ok_json(list_versions, &[b]);
    assert_eq!(versions["DeleteMarkers"][0]["IsLatest"], true, "{versions}");
    aws.ok(get_version, &[b, &id2, &old]);
    assert_file(&old, V2, "a version behind a delete marker");
    aws.ok(
        "s3api delete-object --bucket {} --key docs/notes.txt --version-id {}",
        &[b, &id1],
    );
    let versions = aws.ok_json(list_versions, &[b]);
    let ids = strings(&versions["Versions"], "VersionId");
    assert_eq!(ids, [id2.as_str()], "{versions}");
    let out = aws.ok_text("s3 rm --recursive {}", &[&s3("")]);
    assert_eq!(out.matches("delete: ").count(), 6, "{out}");
    assert_eq!(aws.ok_text("s3 ls --recursive {}", &[&s3("")]), "");
    // Every version and delete marker at once (DeleteObjects), then the
    // bucket itself.
    let all = aws.ok_json("s3api list-object-versions --bucket {}", &[b]);
    let objects: Vec<Value> = ["Versions", "DeleteMarkers"]
        .iter()
        .flat_map(|kind| all[kind].as_array().cloned().unwrap_or_default())
        .map(|v| serde_json::json!({"Key": v["Key"], "VersionId": v["VersionId"]}))
        .collect();
    assert!(objects.len() >= 12, "{all}");
    let err = aws.fails("s3 rb {}", &[&s3("")]);
    assert!(err.contains("BucketNotEmpty"), "{err}");
    let delete = serde_json::json!({"Objects": objects, "Quiet": true}).to_string();
    let delete = t.file("delete.json", delete.as_bytes());
    let out = aws.ok_text(
        "s3api delete-objects --bucket {} --delete file://{}",
        &[b, &delete],
    );
    assert!(!out.contains("Errors"), "{out}");
    aws.ok("s3 rb {}", &[&s3("")]);
    assert!(!aws.ok_text("s3 ls", &[]).contains(b));
    t.server.stop();
}

#[test]
fn rclone() {
    let found = locate("ALEXANDER_TEST_RCLONE", "rclone", false);
    let Some(program) = require("rclone", found, &["version"]) else {
        return;
    };
    let t = Setup::new();
    let rclone = rclone_client(program, &t.server, t.dir.path());
    let b = "rclone-e2e";
    let remote = |path: &str| format!("alex:{b}/{path}");
    let lsf = |template: &str, path: &str| sorted_lines(&rclone.ok_text(template, &[path]));
    let (small, big) = (t.path("small.bin"), t.path("big.bin"));

    // Bucket.
    rclone.ok("mkdir {}", &[&remote("")]);
    let buckets = rclone.ok_text("lsd alex:", &[]);
    assert!(buckets.contains(b), "{buckets}");

    // A small object and a 50 MiB one, in 8 MiB parts (rclone's own cutoff
    // is 200 MiB).
    rclone.ok("copyto {} {}", &[&small, &remote("docs/small.txt")]);
    rclone.ok(
        "copyto --s3-upload-cutoff 8M --s3-chunk-size 8M {} {}",
        &[&big, &remote("docs/big.bin")],
    );
    t.server.assert_multipart(b, "docs/big.bin", BIG);
    for key in ["docs/sub/a.txt", "other/x.txt"] {
        rclone.ok("copyto {} {}", &[&small, &remote(key)]);
    }

    // Listings: a directory is a prefix-and-delimiter listing.
    assert_eq!(
        lsf("lsf {}", &remote("docs/")),
        ["big.bin", "small.txt", "sub/"]
    );
    assert_eq!(lsf("lsf {}", &remote("")), ["docs/", "other/"]);
    let list = rclone.ok_json("lsjson {}", &[&remote("docs/")]);
    let entry = |path: &str| {
        let items = list.as_array().expect("an array");
        items
            .iter()
            .find(|e| e["Path"] == path)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(entry("big.bin")["Size"], BIG, "{list}");
    assert_eq!(entry("small.txt")["Size"], 3000, "{list}");
    assert_eq!(entry("sub")["IsDir"], true, "{list}");
    assert_eq!(
        lsf("lsf -R --files-only {}", &remote("")),
        [
            "docs/big.bin",
            "docs/small.txt",
            "docs/sub/a.txt",
            "other/x.txt"
        ]
    );

    // Ranged gets.
    let got = rclone.ok(
        "cat --offset 1000 --count 1000 {}",
        &[&remote("docs/big.bin")],
    );
    assert_bytes(&got, &t.big[1000..2000], "bytes 1000-1999");
    let got = rclone.ok("cat --tail 4096 {}", &[&remote("docs/big.bin")]);
    assert_bytes(&got, &t.big[BIG - 4096..], "the last 4096 bytes");

    // Downloads.
    let download = t.path("big.download");
    rclone.ok("copyto {} {}", &[&remote("docs/big.bin"), &download]);
    assert_file(&download, &t.big, "downloaded big object");
    let got = rclone.ok("cat {}", &[&remote("docs/small.txt")]);
    assert_bytes(&got, &t.small, "downloaded small object");

    // Server-side copies: one CopyObject, and one in parts (UploadPartCopy)
    // with the copy cutoff lowered from rclone's 4.6 GiB.
    rclone.ok(
        "copyto {} {}",
        &[&remote("docs/big.bin"), &remote("copy/big.bin")],
    );
    rclone.ok(
        "copyto --s3-copy-cutoff 8M {} {}",
        &[&remote("docs/big.bin"), &remote("copy/parts.bin")],
    );
    t.server.assert_multipart(b, "copy/parts.bin", BIG);
    for key in ["copy/big.bin", "copy/parts.bin"] {
        rclone.ok("copyto {} {}", &[&remote(key), &download]);
        assert_file(&download, &t.big, key);
    }

    // Versions: with --s3-versions rclone shows an old version as
    // `NAME-vTIMESTAMP.EXT`. (Naming such a file as the source of `cat` or
    // `copyto` finds nothing in rclone 1.60, so it is read by filtering its
    // folder.)
    let out = rclone.ok_text("backend versioning {} Enabled", &[&remote("")]);
    assert_eq!(out.trim(), "Enabled");
    let out = rclone.ok_text("backend versioning {}", &[&remote("")]);
    assert_eq!(out.trim(), "Enabled");
    rclone.ok(
        "copyto {} {}",
        &[&t.file("v1.txt", V1), &remote("docs/notes.txt")],
    );
    rclone.ok(
        "copyto {} {}",
        &[&t.file("v2.txt", V2), &remote("docs/notes.txt")],
    );
    assert_eq!(t.server.versions(b, "docs/notes.txt").len(), 2);
    let listing = lsf("lsf --s3-versions --files-only {}", &remote("docs/"));
    let old: Vec<&String> = listing
        .iter()
        .filter(|l| l.starts_with("notes-v"))
        .collect();
    assert_eq!(old.len(), 1, "{listing:?}");
    assert!(listing.iter().any(|l| l == "notes.txt"), "{listing:?}");
    let got = rclone.ok(
        "cat --s3-versions --include {} {}",
        &[old[0], &remote("docs/")],
    );
    assert_bytes(&got, V1, "the old version");
    let got = rclone.ok("cat {}", &[&remote("docs/notes.txt")]);
    assert_bytes(&got, V2, "the latest version");

    // Deletes: the deleted file's versions stay, then go with
    // cleanup-hidden, and the empty bucket can be removed.
    rclone.ok("deletefile {}", &[&remote("docs/notes.txt")]);
    assert_eq!(
        lsf("lsf {}", &remote("docs/")),
        ["big.bin", "small.txt", "sub/"]
    );
    let listing = lsf("lsf --s3-versions --files-only {}", &remote("docs/"));
    let old = listing.iter().filter(|l| l.starts_with("notes-v")).count();
    assert_eq!(old, 2, "{listing:?}");
    rclone.ok("delete {}", &[&remote("")]);
    assert!(lsf("lsf -R {}", &remote("")).is_empty());
    rclone.ok("backend cleanup-hidden {}", &[&remote("")]);
    assert!(lsf("lsf -R --s3-versions {}", &remote("")).is_empty());
    rclone.ok("rmdir {}", &[&remote("")]);
    assert!(!rclone.ok_text("lsd alex:", &[]).contains(b));
    t.server.stop();
}

#[test]
fn s3cmd() {
    let Some(program) = find_s3cmd() else {
        return;
    };
    let t = Setup::new();
    let s3cmd = s3cmd_client(program, &t);
    let b = "s3cmd-e2e";
    let s3 = |path: &str| format!("s3://{b}/{path}");
    // `s3cmd ls` names each bucket without a trailing slash.
    let listed = |bucket: &str| {
        let out = s3cmd.ok_text("ls", &[]);
        out.lines()
            .any(|l| l.ends_with(&format!("  s3://{bucket}")))
    };
    let (small, big) = (t.path("small.bin"), t.path("big.bin"));

    // Bucket.
    let out = s3cmd.ok_text("mb {}", &[&s3("")]);
    assert!(out.contains("created"), "{out}");
    assert!(listed(b));

    // A small object and a 50 MiB one, which s3cmd uploads in 15 MiB parts.
    s3cmd.ok("put {} {}", &[&small, &s3("docs/small.txt")]);
    s3cmd.ok("put {} {}", &[&big, &s3("docs/big.bin")]);
    t.server.assert_multipart(b, "docs/big.bin", BIG);
    for key in ["docs/sub/a.txt", "other/x.txt"] {
        s3cmd.ok("put {} {}", &[&small, &s3(key)]);
    }

    // Listings with a prefix and a delimiter.
    let ls = s3cmd.ok_text("ls {}", &[&s3("docs/")]);
    let lines: Vec<&str> = ls.lines().collect();
    assert_eq!(lines.len(), 3, "{ls}");
    assert!(
        lines[0].contains("DIR") && lines[0].ends_with(&s3("docs/sub/")),
        "{ls}"
    );
    assert!(
        lines[1].ends_with(&format!("{BIG}  {}", s3("docs/big.bin"))),
        "{ls}"
    );
    assert!(
        lines[2].ends_with(&format!("3000  {}", s3("docs/small.txt"))),
        "{ls}"
    );
    let ls = s3cmd.ok_text("ls {}", &[&s3("docs/b")]);
    assert_eq!(ls.lines().count(), 1, "{ls}");
    assert!(ls.contains(&s3("docs/big.bin")), "{ls}");
    let ls = s3cmd.ok_text("ls {}", &[&s3("")]);
    assert!(
        ls.contains(&s3("docs/")) && ls.contains(&s3("other/")),
        "{ls}"
    );
    let ls = s3cmd.ok_text("ls --recursive {}", &[&s3("")]);
    assert_eq!(ls.lines().count(), 4, "{ls}");

    // A ranged get: s3cmd has no command for a byte range, but `get
    // --continue` fetches the rest of a partly downloaded file with
    // `Range: bytes=N-`. A server that ignored the range would send the
    // whole object again and the file would come out too long.
    let download = t.path("big.download");
    fs::write(&download, &t.big[..20 * MIB + 17]).unwrap();
    s3cmd.ok("get --continue {} {}", &[&s3("docs/big.bin"), &download]);
    assert_file(&download, &t.big, "the rest of a partial download");

    // Downloads.
    s3cmd.ok("get --force {} {}", &[&s3("docs/big.bin"), &download]);
    assert_file(&download, &t.big, "downloaded big object");
    let got = s3cmd.ok("get {} -", &[&s3("docs/small.txt")]);
    assert_bytes(&got, &t.small, "downloaded small object");

    // Copies (CopyObject; s3cmd then copies the source's ACL with PUT
    // ?acl), and a
    // move: a copy, then a delete. The move leaves the ACL alone with
    // --acl-private: see `s3cmd_move_with_its_acl` for why.
    s3cmd.ok("cp {} {}", &[&s3("docs/big.bin"), &s3("copy/big.bin")]);
    s3cmd.ok("cp {} {}", &[&s3("docs/small.txt"), &s3("copy/small.txt")]);
    s3cmd.ok(
        "mv --acl-private {} {}",
        &[&s3("copy/small.txt"), &s3("moved/small.txt")],
    );
    s3cmd.ok("get --force {} {}", &[&s3("copy/big.bin"), &download]);
    assert_file(&download, &t.big, "copy of the big object");
    let got = s3cmd.ok("get {} -", &[&s3("moved/small.txt")]);
    assert_bytes(&got, &t.small, "moved copy of the small object");
    let ls = s3cmd.ok_text("ls {}", &[&s3("copy/")]);
    assert!(!ls.contains("small.txt"), "{ls}");

    // Deletes, then the bucket with everything in it.
    s3cmd.ok("del {}", &[&s3("docs/small.txt")]);
    let ls = s3cmd.ok_text("ls {}", &[&s3("docs/")]);
    assert!(!ls.contains("small.txt") && ls.contains("big.bin"), "{ls}");
    let err = s3cmd.fails("rb {}", &[&s3("")]);
    assert!(err.contains("BucketNotEmpty"), "{err}");
    s3cmd.ok("rb --recursive {}", &[&s3("")]);
    assert!(!listed(b));

    // Versions, in a bucket of their own: s3cmd turns versioning on and
    // shows it, but cannot list versions, read an old one or delete one,
    // so the server's own listing checks that the overwrite and the delete
    // kept them.
    let b = "s3cmd-e2e-versions";
    let s3 = |path: &str| format!("s3://{b}/{path}");
    s3cmd.ok("mb {}", &[&s3("")]);
    s3cmd.ok("setversioning {} enable", &[&s3("")]);
    let info = s3cmd.ok_text("info {}", &[&s3("")]);
    assert!(info.contains("Versioning:Enabled"), "{info}");
    s3cmd.ok("put {} {}", &[&t.file("v1.txt", V1), &s3("notes.txt")]);
    s3cmd.ok("put {} {}", &[&t.file("v2.txt", V2), &s3("notes.txt")]);
    let got = s3cmd.ok("get {} -", &[&s3("notes.txt")]);
    assert_bytes(&got, V2, "the latest version");
    let versions = t.server.versions(b, "notes.txt");
    assert_eq!(versions.len(), 2, "{versions:?}");
    s3cmd.ok("del {}", &[&s3("notes.txt")]);
    assert_eq!(s3cmd.ok_text("ls {}", &[&s3("")]), "");
    let versions = t.server.versions(b, "notes.txt");
    assert_eq!(
        versions.len(),
        3,
        "two versions and a delete marker: {versions:?}"
    );
    // s3cmd asks with HEAD first, and a 404 there reads as "does not exist".
    let err = s3cmd.fails("get {} -", &[&s3("notes.txt")]);
    assert!(err.contains("does not exist"), "{err}");
    t.server.stop();
}

/// `s3cmd mv` as it runs by default: CopyObject, then the source's ACL
/// copied with `PUT ?acl` (a policy body), then DELETE of the source on the
/// same keep-alive connection.
/// (An error answered before the body arrived used to close the connection
/// without saying so; the server now sends `Connection: close`.)
#[test]
fn s3cmd_move_with_its_acl() {
    let Some(program) = find_s3cmd() else {
        return;
    };
    let t = Setup::new();
    let s3cmd = s3cmd_client(program, &t);
    s3cmd.ok("mb s3://s3cmd-move", &[]);
    s3cmd.ok("put {} s3://s3cmd-move/0.txt", &[&t.path("small.bin")]);
    // s3cmd sends the ACL's headers and body in two writes, so whether the
    // body is there when the server answers is a race: several moves lose
    // it at least once.
    for i in 0..6 {
        let (from, to) = (
            format!("s3://s3cmd-move/{i}.txt"),
            format!("s3://s3cmd-move/{}.txt", i + 1),
        );
        s3cmd.ok("mv {} {}", &[&from, &to]);
    }
    let got = s3cmd.ok("get s3://s3cmd-move/6.txt -", &[]);
    assert_bytes(&got, &t.small, "the object moved six times");
    assert_eq!(
        s3cmd
            .ok_text("ls --recursive s3://s3cmd-move", &[])
            .lines()
            .count(),
        1
    );
    t.server.stop();
}

fn find_s3cmd() -> Option<PathBuf> {
    let found = locate("ALEXANDER_TEST_S3CMD", "s3cmd", true);
    require("s3cmd", found, &["--version"])
}

/// s3cmd configured for the test's server by a config file of its own.
fn s3cmd_client(program: PathBuf, t: &Setup) -> Client<'_> {
    let config = format!(
        "[default]\naccess_key = {ACCESS_KEY}\nsecret_key = {SECRET_KEY}\n\
         host_base = {addr}\nhost_bucket = {addr}\nuse_https = False\n\
         bucket_location = {REGION}\nsignature_v2 = False\nprogress_meter = False\n\
         socket_timeout = 120\n",
        addr = t.server.addr
    );
    let mut base = argv("-c {}", &[&t.file("s3cfg", config.as_bytes())]);
    if client_debug() {
        base.push("--debug".into());
    }
    Client {
        name: "s3cmd",
        program,
        base: base.into_iter().map(OsString::from).collect(),
        envs: vec![],
        server: &t.server,
    }
}

/// aws-cli configured for `server` by files of its own in `dir`.
fn aws_cli_client<'a>(program: PathBuf, server: &'a Server, dir: &Path) -> Client<'a> {
    let config = "[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n";
    let credentials = format!(
        "[default]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
    );
    let mut base = argv(
        "--endpoint-url {} --cli-connect-timeout 10 --cli-read-timeout 120",
        &[&server.endpoint()],
    );
    if client_debug() {
        base.push("--debug".into());
    }
    Client {
        name: "aws-cli",
        program,
        base: base.into_iter().map(OsString::from).collect(),
        envs: vec![
            (
                "AWS_CONFIG_FILE",
                write(dir, "aws-config", config.as_bytes()).into(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                write(dir, "aws-credentials", credentials.as_bytes()).into(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ],
        server,
    }
}

/// rclone configured for `server` by a config file of its own in `dir`
/// (the remote `alex:`).
fn rclone_client<'a>(program: PathBuf, server: &'a Server, dir: &Path) -> Client<'a> {
    let config = format!(
        "[alex]\ntype = s3\nprovider = Other\naccess_key_id = {ACCESS_KEY}\n\
         secret_access_key = {SECRET_KEY}\nendpoint = {}\nregion = {REGION}\n\
         force_path_style = true\n",
        server.endpoint()
    );
    // --retries 1: a failure shows at once, not after rclone's retries.
    let mut base = argv(
        "--config {} --cache-dir {} --contimeout 10s --timeout 120s \
         --retries 1 --low-level-retries 1",
        &[
            &write(dir, "rclone.conf", config.as_bytes()),
            &path_text(&dir.join("rclone-cache")),
        ],
    );
    if client_debug() {
        base.extend(argv("-vv --dump headers", &[]));
    }
    Client {
        name: "rclone",
        program,
        base: base.into_iter().map(OsString::from).collect(),
        envs: vec![],
        server,
    }
}

// ---------------------------------------------------------------------------
// Files written through the mount

/// Files written through the mount (streamed, small, in a directory,
/// edited in place) read by the clients as any object. Their ETags are
/// `md5(chunk ids)-N`, no MD5 of the bytes, as a multipart upload's are;
/// their checksum is a full-object CRC64NVME. boto3 downloads them with
/// its default checksum validation, which checks that CRC, and fails on
/// bytes damaged where the store's own check cannot see; `aws s3 sync`
/// (sizes and times, never ETags) syncs them once and then has nothing to
/// do; `rclone check`, which can compare no MD5 with a `-N` ETag, matches
/// them by size as it matches multipart uploads, and `--download` by
/// content.
#[test]
fn mount_written_files() {
    let Some((tmp, data, mnt)) = crate::serve::mount_dirs() else {
        return;
    };
    let dir = tmp.path();
    let server = Server::start_with(dir, Some(&mnt));
    let b = "mounted";
    fs::create_dir(mnt.join(b)).unwrap();
    let expected = dir.join("expected");
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("big.bin", noise(20 * MIB, 11)),
        ("small.txt", noise(3000, 12)),
        ("dir/nested.bin", noise(MIB, 13)),
        ("edited.bin", noise(12 * MIB, 14)),
    ];
    for (key, bytes) in &files {
        for root in [mnt.join(b), expected.clone()] {
            let path = root.join(key);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, bytes).unwrap();
        }
    }
    // An edit in place: a new version, its ETag and CRC from the chunks.
    {
        use std::os::unix::fs::FileExt;
        let f = fs::OpenOptions::new()
            .write(true)
            .open(mnt.join(b).join("edited.bin"))
            .unwrap();
        f.write_all_at(b"edited in place", 5 * MIB as u64).unwrap();
    }
    files[3].1[5 * MIB..5 * MIB + 15].copy_from_slice(b"edited in place");
    fs::write(expected.join("edited.bin"), &files[3].1).unwrap();
    let keys: Vec<&str> = files.iter().map(|(k, _)| *k).collect();
    for (key, bytes) in &files {
        let (status, headers, _) = server.signed("HEAD", &format!("/{b}/{key}"), "");
        assert_eq!(status, 200, "HEAD {key}");
        let etag = headers
            .iter()
            .find(|(k, _)| k == "etag")
            .map(|(_, v)| v.trim_matches('"').to_owned())
            .unwrap_or_default();
        let (hash, n) = etag
            .split_once('-')
            .unwrap_or_else(|| panic!("{key}: {etag}"));
        assert!(n.parse::<u32>().is_ok(), "{key}: {etag}");
        assert_ne!(hash, hex::encode(md5::Md5::digest(bytes)), "{key}");
    }

    // boto3, with awscrt (botocore's `crt` extra): without it botocore
    // cannot compute CRC64NVME and would skip the check.
    let python = locate("ALEXANDER_TEST_PYTHON", "python", true)
        .or_else(|_| locate("ALEXANDER_TEST_PYTHON", "python3", false));
    let probe = [
        "-c",
        "import boto3, awscrt; print('boto3', boto3.__version__, 'awscrt', awscrt.__version__)",
    ];
    let boto3 = require("boto3 with awscrt", python, &probe).map(|program| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/boto3_e2e.py");
        Client {
            name: "boto3",
            program,
            base: vec![script.into()],
            envs: vec![
                ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
                ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
                ("AWS_CONFIG_FILE", write(dir, "aws-config", b"").into()),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    write(dir, "aws-credentials", b"").into(),
                ),
                ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ],
            server: &server,
        }
    });
    if let Some(python) = &boto3 {
        let mut template = "mount-read {} {} {}".to_owned();
        for _ in &keys {
            template.push_str(" {}");
        }
        let mut values = vec![server.endpoint(), b.to_owned(), path_text(&expected)];
        values.extend(keys.iter().map(|k| k.to_string()));
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let out = python.ok_text(&template, &values);
        assert!(
            out.contains("boto3: mount-written files read and verified"),
            "{out}"
        );
    }

    // aws s3 sync, both ways: the first download takes every file, and
    // then neither direction finds anything to copy.
    if let Some(program) = require(
        "aws-cli",
        locate("ALEXANDER_TEST_AWS", "aws", true),
        &["--version"],
    ) {
        let aws = aws_cli_client(program, &server, dir);
        let synced = path_text(&dir.join("synced"));
        let bucket = format!("s3://{b}/");
        let out = aws.ok_text("s3 sync {} {}", &[&bucket, &synced]);
        assert_eq!(out.matches("download: ").count(), files.len(), "{out}");
        for (key, bytes) in &files {
            assert_file(&format!("{synced}/{key}"), bytes, key);
        }
        let out = aws.ok_text("s3 sync {} {}", &[&bucket, &synced]);
        assert_eq!(out.trim(), "", "a second download sync copied something");
        let out = aws.ok_text("s3 sync {} {}", &[&synced, &bucket]);
        assert_eq!(
            out.trim(),
            "",
            "an upload sync of the same files copied something"
        );
    }

    // rclone check: matched by size (no MD5 to compare, as for multipart
    // uploads), and by content with --download, which also tells a
    // changed byte.
    if let Some(program) = require(
        "rclone",
        locate("ALEXANDER_TEST_RCLONE", "rclone", false),
        &["version"],
    ) {
        let rclone = rclone_client(program, &server, dir);
        let local = path_text(&expected);
        let remote = format!("alex:{b}");
        let n = files.len();
        let (_, out) = rclone.run("check {} {}", &[&local, &remote]);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{log}");
        assert!(log.contains("0 differences found"), "{log}");
        assert!(
            log.contains(&format!("{n} hashes could not be checked")),
            "{log}"
        );
        assert!(log.contains(&format!("{n} matching files")), "{log}");
        // The same for a multipart upload of the big file, for comparison
        // (without the MD5 rclone keeps in its own uploads' metadata,
        // which other clients do not).
        let multipart = format!("alex:{b}-mp");
        rclone.ok("mkdir {}", &[&multipart]);
        rclone.ok(
            "copyto --s3-disable-checksum --s3-upload-cutoff 8M --s3-chunk-size 8M {} {}",
            &[&format!("{local}/big.bin"), &format!("{multipart}/big.bin")],
        );
        server.assert_multipart(&format!("{b}-mp"), "big.bin", 20 * MIB);
        let (_, out) = rclone.run("check --include big.bin {} {}", &[&local, &multipart]);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{log}");
        assert!(log.contains("1 hashes could not be checked"), "{log}");
        let (_, out) = rclone.run("check --download {} {}", &[&local, &remote]);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{log}");
        assert!(log.contains("0 differences found"), "{log}");
        let mut changed = files[0].1.clone();
        changed[MIB] ^= 1;
        fs::write(expected.join("big.bin"), &changed).unwrap();
        let (_, out) = rclone.run("check --download {} {}", &[&local, &remote]);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{log}");
        assert!(log.contains("1 differences found"), "{log}");
    }

    // A mount-written file damaged where only its CRC64NVME can tell.
    let damaged = noise(2 * MIB, 15);
    fs::write(mnt.join(b).join("damaged.bin"), &damaged).unwrap();
    let (status, _, _) = server.signed("HEAD", &format!("/{b}/damaged.bin"), "");
    assert_eq!(status, 200);
    assert!(
        crate::damage::damage_unseen(&data.join("packs"), &damaged[..64]),
        "no pack record holds damaged.bin's first chunk"
    );
    if let Some(python) = &boto3 {
        let out = python.ok_text("mount-damaged {} {} damaged.bin", &[&server.endpoint(), b]);
        assert!(out.contains("boto3: the damaged read failed"), "{out}");
    }
    drop(boto3);
    server.stop();
}

/// Writes `bytes` to `dir/name`; returns the path as text.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    fs::write(dir.join(name), bytes).unwrap();
    path_text(&dir.join(name))
}

fn path_text(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}
