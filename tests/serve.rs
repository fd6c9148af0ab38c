//! `alexander serve` as an operator runs it: the real binary on a free
//! loopback port (`--listen 127.0.0.1:0`, the address read back from its
//! "listening on" line) over a store in a temporary directory, reached
//! with SigV4-signed requests, the admin commands and signals.
//!
//! Every wait is bounded: a server that does not come up, answer or stop
//! in time fails the test, and a server still running when its test ends
//! is killed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use alexander_s3::auth::SecretKey;
use alexander_s3::auth::sigv4::{EMPTY_SHA256, SignRequest, UNSIGNED_PAYLOAD, sign_request};
use tempfile::TempDir;

/// How long a server may take to come up, and to stop.
const START: Duration = Duration::from_secs(60);
const STOP: Duration = Duration::from_secs(30);

/// The binary with no ALEXANDER_* settings or RUST_LOG from the caller's
/// environment, no standard input, pointed at `data`.
pub(crate) fn alexander(data: &Path) -> Command {
    alexander_at(Path::new(env!("CARGO_BIN_EXE_alexander")), data)
}

/// [`alexander`] with the binary at `bin`.
fn alexander_at(bin: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(bin);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ALEXANDER_") {
            cmd.env_remove(name);
        }
    }
    cmd.env_remove("RUST_LOG")
        .arg("--data")
        .arg(data)
        .stdin(Stdio::null());
    cmd
}

/// Runs an admin or store command; returns its output.
pub(crate) fn run(data: &Path, args: &[&str]) -> Output {
    alexander(data).args(args).output().expect("run alexander")
}

/// Runs a command that must succeed; returns its standard output.
pub(crate) fn ok(data: &Path, args: &[&str]) -> String {
    let out = run(data, args);
    assert!(
        out.status.success(),
        "alexander {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must fail with status 1; returns its standard error.
fn fails(data: &Path, args: &[&str]) -> String {
    let out = run(data, args);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "alexander {args:?}: {stderr}");
    stderr
}

/// The value of `label:` in a `label: value` report.
fn field(report: &str, label: &str) -> String {
    report
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{label}:")))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{report}"))
        .trim()
        .to_owned()
}

/// A running `alexander serve`. Dropping it kills the process if it is
/// still running.
pub(crate) struct Server {
    pub(crate) child: Child,
    /// `127.0.0.1:PORT`.
    pub(crate) addr: String,
    /// Standard output up to and including "listening on …".
    banner: String,
    stderr: Arc<Mutex<String>>,
    /// Where it mounts (`--mount`): a server killed by a failing test
    /// leaves its mount behind, which the drop clears.
    mount: Option<PathBuf>,
}

/// Starts `serve --listen 127.0.0.1:0` with extra arguments and variables
/// and waits until it says it listens and answers /health.
pub(crate) fn start(data: &Path, args: &[&str], vars: &[(&str, &str)]) -> Server {
    start_command(alexander(data), args, vars)
}

/// [`start`] with a command already prepared (another binary path, or
/// another user).
fn start_command(mut cmd: Command, args: &[&str], vars: &[(&str, &str)]) -> Server {
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn alexander serve");
    let stderr = Arc::new(Mutex::new(String::new()));
    {
        let mut pipe = child.stderr.take().unwrap();
        let stderr = Arc::clone(&stderr);
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                stderr
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
    }
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (addr, banner) = match crate::support::listening_address(&lines, START) {
        Ok(found) => found,
        Err((e, banner)) => {
            let _ = child.kill();
            let status = child.wait().unwrap();
            thread::sleep(Duration::from_millis(100));
            panic!(
                "server did not say it listens ({e:?}, {status}); stdout:\n{banner}\nstderr:\n{}",
                stderr.lock().unwrap()
            );
        }
    };
    let mount = args
        .iter()
        .position(|a| *a == "--mount")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let server = Server {
        child,
        addr,
        banner,
        stderr,
        mount,
    };
    server.wait_healthy();
    server
}

/// Runs `serve` expecting it to fail at once; returns its standard error.
fn start_fails(data: &Path, args: &[&str], vars: &[(&str, &str)]) -> String {
    let mut cmd = alexander(data);
    cmd.arg("serve");
    if !args.contains(&"--listen") {
        cmd.args(["--listen", "127.0.0.1:0"]);
    }
    let mut child = cmd
        .args(args)
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_exit(&mut child, START);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "serve should fail: {stderr}");
    // Log lines may come before the error.
    assert!(
        stderr.lines().any(|l| l.starts_with("alexander: ")),
        "{stderr}"
    );
    stderr
}

/// Polls `done` until it holds; fails the test after `timeout`.
pub(crate) fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        thread::sleep(Duration::from_millis(20));
    }
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

impl Server {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn wait_healthy(&self) {
        let client = http();
        let deadline = Instant::now() + START;
        loop {
            match client.get(self.url("/health")).send() {
                Ok(r) if r.status() == 200 => return,
                _ if Instant::now() > deadline => panic!("/health never answered 200"),
                _ => thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name}");
    }

    /// Sends SIGTERM and waits for the exit status.
    pub(crate) fn stop(mut self) -> ExitStatus {
        self.signal("TERM");
        wait_exit(&mut self.child, STOP)
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Standard error once it holds `text`, or as it is after 5 s. The
    /// server writes its log before it says it listens, but the thread that
    /// collects the pipe may not have caught up yet.
    pub(crate) fn stderr_with(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let stderr = self.stderr();
            if stderr.contains(text) || Instant::now() >= deadline {
                return stderr;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL, and the exit reaped: its mount, if any, is left behind.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Asserts that this start found a killed server's mount and cleared it.
    fn assert_cleared_stale_mount(&self) {
        let stderr = self.stderr_with("clearing a stale mount");
        assert!(stderr.contains("clearing a stale mount"), "{stderr}");
    }

    /// Stops with SIGTERM; asserts a clean exit and that `mnt` is no longer
    /// a mount.
    fn stop_unmounted(self, mnt: &Path) {
        let status = self.stop();
        assert!(status.success(), "{status}");
        assert_eq!(mount_line(mnt), None);
    }

    /// A request signed with `key` for region us-east-1.
    pub(crate) fn s3(
        &self,
        key: (&str, &str),
        method: &str,
        path: &str,
        body: &[u8],
    ) -> (u16, String) {
        self.s3_in("us-east-1", key, method, path, &[], body)
    }

    /// A request with `headers` (signed) besides `host`.
    pub(crate) fn s3_in(
        &self,
        region: &str,
        (access_key, secret): (&str, &str),
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let secret = SecretKey::new(secret);
        let mut all = vec![("host", self.addr.as_str())];
        all.extend_from_slice(headers);
        let signed = sign_request(&SignRequest {
            method,
            path,
            query: "",
            headers: &all,
            payload_hash: if body.is_empty() {
                EMPTY_SHA256
            } else {
                UNSIGNED_PAYLOAD
            },
            access_key,
            secret: &secret,
            region,
            time: SystemTime::now(),
        });
        let mut req = http().request(method.parse().unwrap(), self.url(path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        for (name, value) in &signed.headers {
            req = req.header(*name, value);
        }
        let resp = req.body(body.to_vec()).send().expect("send request");
        let status = resp.status().as_u16();
        (status, resp.text().unwrap())
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

pub(crate) fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The root credentials a first start printed.
fn root_key(banner: &str) -> (String, String) {
    (field(banner, "access key"), field(banner, "secret key"))
}

/// Asserts that no file under `dir` holds `secret`.
fn assert_not_stored(dir: &Path, secret: &str) {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let ty = entry.file_type().unwrap();
            if ty.is_dir() {
                stack.push(entry.path());
            } else if ty.is_file() {
                files += 1;
                let bytes = std::fs::read(entry.path()).unwrap();
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{} holds a secret in clear",
                    entry.path().display()
                );
            }
        }
    }
    assert!(files > 0, "nothing stored under {}", dir.display());
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn socket(data: &Path) -> PathBuf {
    data.join("admin.sock")
}

#[test]
fn first_start_prints_root_credentials_once_and_they_keep_working() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");

    let server = start(&data, &[], &[]);
    let (id, secret) = root_key(&server.banner);
    assert!(
        server.banner.contains("shown only this once"),
        "{}",
        server.banner
    );
    assert!(
        server
            .banner
            .contains(&format!("endpoint:     http://{}", server.addr))
    );
    assert!(server.banner.contains("region:       us-east-1"));
    let stderr = server.stderr_with("listening");
    assert!(stderr.contains("listening"), "{stderr}");
    let root = (id.as_str(), secret.as_str());
    assert_eq!(server.s3(root, "PUT", "/first", b"").0, 200);
    let (status, body) = server.s3(root, "GET", "/", b"");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Name>first</Name>"), "{body}");

    let key_file = data.join("master.key");
    assert_eq!(std::fs::metadata(&key_file).unwrap().len(), 32);
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(mode(&socket(&data)), 0o600);
    assert_eq!(mode(&data), 0o700);
    assert!(
        !server.stderr().contains(&secret),
        "the secret reached the log"
    );

    let status = server.stop();
    assert!(status.success(), "{status}");
    assert!(!socket(&data).exists(), "the admin socket is removed");
    assert_not_stored(&data, &secret);

    // Later starts do not print a secret, and the same key still works.
    let server = start(&data, &[], &[]);
    assert!(!server.banner.contains("secret key:"), "{}", server.banner);
    assert!(!server.banner.contains(&secret));
    assert!(server.banner.contains("credentials:"), "{}", server.banner);
    assert!(server.banner.contains("master.key"), "{}", server.banner);
    let (status, body) = server.s3(root, "GET", "/", b"");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Name>first</Name>"), "{body}");
    // A wrong secret is refused.
    let (status, body) = server.s3((&id, "not-the-secret"), "GET", "/", b"");
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
    assert!(server.stop().success());
    ok(&data, &["fsck"]);
}

#[test]
fn root_credentials_from_the_environment() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    const ID: &str = "SCRIPTEDROOTKEY";
    const SECRET: &str = "scripted-root-secret-0123456789";

    // Both or neither.
    let err = start_fails(&data, &[], &[("ALEXANDER_ROOT_ACCESS_KEY", ID)]);
    assert!(err.contains("ALEXANDER_ROOT_SECRET_KEY is not"), "{err}");
    let err = start_fails(&data, &[], &[("ALEXANDER_ROOT_SECRET_KEY", SECRET)]);
    assert!(err.contains("set both or neither"), "{err}");
    assert!(
        !data.exists(),
        "nothing is made before the settings are checked"
    );

    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", ID),
        ("ALEXANDER_ROOT_SECRET_KEY", SECRET),
    ];
    let server = start(&data, &[], &vars);
    assert!(
        server.banner.contains(&format!("access key:   {ID}")),
        "{}",
        server.banner
    );
    assert!(!server.banner.contains("secret key:"), "{}", server.banner);
    assert!(!server.banner.contains(SECRET));
    assert_eq!(server.s3((ID, SECRET), "PUT", "/scripted", b"").0, 200);
    assert!(server.stop().success());
    assert_not_stored(&data, SECRET);

    // The imported key lasts without the variables.
    let server = start(&data, &[], &[]);
    assert_eq!(server.s3((ID, SECRET), "GET", "/", b"").0, 200);
    assert!(server.stop().success());
}

/// The variables naming a root key.
fn root_vars<'a>(id: &'a str, secret: &'a str) -> [(&'a str, &'a str); 2] {
    [
        ("ALEXANDER_ROOT_ACCESS_KEY", id),
        ("ALEXANDER_ROOT_SECRET_KEY", secret),
    ]
}

#[test]
fn another_secret_for_the_imported_root_key_is_refused_at_start() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    const ID: &str = "ROTATEDROOTKEY";
    const SECRET: &str = "the-first-root-secret";
    let server = start(&data, &[], &root_vars(ID, SECRET));
    assert_eq!(server.s3((ID, SECRET), "PUT", "/kept", b"").0, 200);
    assert!(server.stop().success());

    // The environment cannot re-key a stored key: the start fails and says
    // how to rotate instead, and nothing changed.
    let err = start_fails(&data, &[], &root_vars(ID, "a-rotated-root-secret"));
    assert!(
        err.contains(&format!(
            "the secret given for access key {ID} is not the one stored for it"
        )) && err.contains("give a new access key id"),
        "{err}"
    );
    assert!(!err.contains("a-rotated-root-secret") && !err.contains(SECRET));
    let server = start(&data, &[], &root_vars(ID, SECRET));
    assert_eq!(server.s3((ID, SECRET), "GET", "/", b"").0, 200);
    let (status, body) = server.s3((ID, "a-rotated-root-secret"), "GET", "/", b"");
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
    assert!(server.stop().success());
}

#[test]
fn an_imported_root_key_stays_disabled_or_removed_across_restarts() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    const ID: &str = "REVOKEDROOTKEY";
    const SECRET: &str = "revoked-root-secret-0123";
    let vars = root_vars(ID, SECRET);
    let root = (ID, SECRET);
    let server = start(&data, &[], &vars);
    assert_eq!(server.s3(root, "PUT", "/revoked", b"").0, 200);
    // An administrator disables it (through the socket).
    ok(&data, &["key", "disable", ID]);
    assert!(server.stop().success());

    // Disabled stays disabled: said on the banner and in a warning that
    // names the command that enables it.
    let server = start(&data, &[], &vars);
    assert!(
        server.banner.contains(&format!(
            "access key:   {ID} (root, from ALEXANDER_ROOT_ACCESS_KEY; disabled, stays disabled)"
        )),
        "{}",
        server.banner
    );
    let warning = format!("`alexander key enable {ID}` enables it");
    let stderr = server.stderr_with(&warning);
    assert!(
        stderr.contains("WARN") && stderr.contains("stays disabled") && stderr.contains(&warning),
        "{stderr}"
    );
    let (status, body) = server.s3(root, "GET", "/", b"");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<Code>InvalidAccessKeyId</Code>"), "{body}");
    let keys = ok(&data, &["key", "list", "root"]);
    assert!(
        keys.lines()
            .any(|l| l.contains(ID) && l.contains("disabled")),
        "{keys}"
    );
    // The command in the warning works, at once.
    assert_eq!(
        ok(&data, &["key", "enable", ID]),
        format!("enabled access key {ID}\n")
    );
    assert_eq!(server.s3(root, "GET", "/", b"").0, 200);

    // Removed stays removed, and root gets no new random key either.
    assert_eq!(
        ok(&data, &["key", "remove", ID]),
        format!("removed access key {ID}\n")
    );
    assert!(server.stop().success());
    for _ in 0..2 {
        let server = start(&data, &[], &vars);
        assert!(
            server.banner.contains(&format!(
                "access key:   {ID} (root, from ALEXANDER_ROOT_ACCESS_KEY; removed, stays removed)"
            )),
            "{}",
            server.banner
        );
        assert!(!server.banner.contains("secret key:"), "{}", server.banner);
        let warning = format!("`alexander key enable {ID}` lets the next start import it again");
        let stderr = server.stderr_with(&warning);
        assert!(
            stderr.contains("stays removed") && stderr.contains(&warning),
            "{stderr}"
        );
        let (status, body) = server.s3(root, "GET", "/", b"");
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("<Code>InvalidAccessKeyId</Code>"), "{body}");
        assert_eq!(ok(&data, &["key", "list", "root"]), "");
        assert!(server.stop().success());
    }

    // The deliberate way back, offline: the next start imports it again.
    let back = ok(&data, &["key", "enable", ID]);
    assert!(
        back.starts_with(&format!("root access key {ID} was removed;"))
            && back.contains("imports it again"),
        "{back}"
    );
    let server = start(&data, &[], &vars);
    assert!(
        server.banner.contains(&format!(
            "access key:   {ID} (root, from ALEXANDER_ROOT_ACCESS_KEY)\n"
        )),
        "{}",
        server.banner
    );
    let (status, body) = server.s3(root, "GET", "/", b"");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Name>revoked</Name>"), "{body}");
    assert!(server.stop().success());
    // An id never seen is unknown, not "removed".
    let err = fails(&data, &["key", "enable", "NEVERSEENKEY"]);
    assert!(err.contains("no such access key"), "{err}");
}

/// The value after `expires` on a `key list` line.
fn listed_expiry(keys: &str, id: &str) -> String {
    let line = keys
        .lines()
        .find(|l| l.contains(id))
        .unwrap_or_else(|| panic!("{id} not in:\n{keys}"));
    line.split_once("  expires ")
        .unwrap_or_else(|| panic!("no expiry in {line:?}"))
        .1
        .to_owned()
}

#[test]
fn expiring_keys_work_until_their_expiry_and_are_refused_after() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = start(&data, &[], &[]);
    let root_key = root_key(&server.banner);
    let root = (root_key.0.as_str(), root_key.1.as_str());
    ok(&data, &["user", "add", "gina"]);

    // A key expiring in an hour works now, and says when it expires.
    let created = ok(&data, &["key", "create", "gina", "--expires", "1h"]);
    let (hour_id, hour_secret) = (field(&created, "access key"), field(&created, "secret key"));
    let expires = field(&created, "expires");
    assert_eq!(
        listed_expiry(&ok(&data, &["key", "list", "gina"]), &hour_id),
        expires
    );
    let hour = (hour_id.as_str(), hour_secret.as_str());
    let (status, body) = server.s3(hour, "PUT", "/ginas", b"");
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.s3(hour, "GET", "/ginas", b"").0, 200);
    // An RFC 3339 time works as well.
    let created = ok(
        &data,
        &["key", "create", "gina", "--expires", "2199-01-01T00:00:00Z"],
    );
    assert_eq!(field(&created, "expires"), "2199-01-01T00:00:00Z");
    let (id, secret) = (field(&created, "access key"), field(&created, "secret key"));
    assert_eq!(server.s3((&id, &secret), "GET", "/ginas", b"").0, 200);

    // A key expiring in a second is refused once the second has passed,
    // as a disabled key is.
    let created = ok(&data, &["key", "create", "gina", "--expires", "1s"]);
    let (short_id, short_secret) = (field(&created, "access key"), field(&created, "secret key"));
    thread::sleep(Duration::from_millis(1_100));
    let short = (short_id.as_str(), short_secret.as_str());
    let (status, body) = server.s3(short, "GET", "/ginas", b"");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<Code>InvalidAccessKeyId</Code>"), "{body}");
    assert!(
        body.contains(&format!("<AWSAccessKeyId>{short_id}</AWSAccessKeyId>")),
        "{body}"
    );
    let (status, body) = server.s3(short, "PUT", "/ginas/x", b"data");
    assert_eq!(status, 403, "{body}");
    let keys = ok(&data, &["key", "list", "gina"]);
    assert!(
        keys.lines()
            .any(|l| l.contains(&short_id) && l.contains("  expired  ")),
        "{keys}"
    );
    assert!(
        keys.lines()
            .any(|l| l.contains(&hour_id) && l.contains("  enabled  ")),
        "{keys}"
    );
    // Nothing was written with it; the hour key still reads.
    let (status, body) = server.s3(root, "GET", "/ginas", b"");
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("<Key>x</Key>"), "{body}");

    // Past times and bad forms are refused before anything is made.
    let err = fails(
        &data,
        &["key", "create", "gina", "--expires", "2001-01-01T00:00:00Z"],
    );
    assert!(err.contains("has already passed"), "{err}");
    for bad in ["5w", "0d", "soon", "30"] {
        let out = run(&data, &["key", "create", "gina", "--expires", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
    assert_eq!(ok(&data, &["key", "list", "gina"]).lines().count(), 3);
    assert!(server.stop().success());

    // Offline, the same: the expiry is kept in the store.
    let keys = ok(&data, &["key", "list", "gina"]);
    assert_eq!(listed_expiry(&keys, &hour_id), expires);
    let created = ok(&data, &["key", "create", "gina", "--expires", "30d"]);
    assert!(!field(&created, "expires").is_empty());
}

#[test]
fn user_disable_refuses_every_key_through_the_socket_and_offline() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = start(&data, &[], &[]);
    ok(&data, &["user", "add", "hank"]);
    let key = |data: &Path| {
        let created = ok(data, &["key", "create", "hank"]);
        (field(&created, "access key"), field(&created, "secret key"))
    };
    let (a_id, a_secret) = key(&data);
    let a = (a_id.as_str(), a_secret.as_str());
    assert_eq!(server.s3(a, "PUT", "/hanks", b"").0, 200);
    let refused = |server: &Server, k: (&str, &str)| {
        let (status, body) = server.s3(k, "GET", "/hanks", b"");
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("<Code>InvalidAccessKeyId</Code>"), "{body}");
    };

    let disabled_msg = "disabled user hank: requests signed with its access keys are refused \
                        until `alexander user enable hank`\n";
    assert_eq!(ok(&data, &["user", "disable", "hank"]), disabled_msg);
    refused(&server, a);
    // A key made while the user is disabled is refused too.
    let (b_id, b_secret) = key(&data);
    let b = (b_id.as_str(), b_secret.as_str());
    refused(&server, b);
    let users = ok(&data, &["user", "list"]);
    assert!(
        users.lines().any(|l| l.ends_with("  disabled  hank")),
        "{users}"
    );
    let keys = ok(&data, &["key", "list", "hank"]);
    assert_eq!(
        keys.lines()
            .filter(|l| l.contains("  user-disabled  "))
            .count(),
        2,
        "{keys}"
    );
    assert_eq!(
        ok(&data, &["user", "enable", "hank"]),
        "enabled user hank\n"
    );
    assert_eq!(server.s3(a, "GET", "/hanks", b"").0, 200);
    assert_eq!(server.s3(b, "GET", "/hanks", b"").0, 200);
    let users = ok(&data, &["user", "list"]);
    assert!(
        users.lines().any(|l| l.ends_with("  enabled   hank")),
        "{users}"
    );
    // Errors through the socket.
    let socket_err = fails(&data, &["user", "disable", "nobody"]);
    assert!(
        socket_err.contains("no such user \"nobody\""),
        "{socket_err}"
    );

    // Disabled through the socket, it stays disabled across a restart.
    ok(&data, &["user", "disable", "hank"]);
    assert!(server.stop().success());
    let server = start(&data, &[], &[]);
    refused(&server, a);
    assert!(server.stop().success());

    // Offline: the same output and exit status as through the socket.
    assert_eq!(
        ok(&data, &["user", "enable", "hank"]),
        "enabled user hank\n"
    );
    assert_eq!(ok(&data, &["user", "disable", "hank"]), disabled_msg);
    assert_eq!(fails(&data, &["user", "disable", "nobody"]), socket_err);
    let server = start(&data, &[], &[]);
    refused(&server, a);
    refused(&server, b);
    assert!(server.stop().success());
    ok(&data, &["user", "enable", "hank"]);
    let server = start(&data, &[], &[]);
    assert_eq!(server.s3(a, "GET", "/hanks", b"").0, 200);
    assert!(server.stop().success());
}

#[test]
fn master_key_from_the_environment_or_a_file_and_a_wrong_one_is_refused() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    let err = start_fails(&data, &[], &[("ALEXANDER_MASTER_KEY", "abc")]);
    assert!(
        err.contains("ALEXANDER_MASTER_KEY is not 64 hex digits"),
        "{err}"
    );

    let server = start(&data, &[], &[("ALEXANDER_MASTER_KEY", key)]);
    let (id, secret) = root_key(&server.banner);
    assert!(server.stop().success());
    assert!(!data.join("master.key").exists(), "no key file is made");

    // Without the key the store is not served, and no new key is made.
    let err = start_fails(&data, &[], &[]);
    assert!(err.contains("has a master key"), "{err}");
    assert!(!data.join("master.key").exists());
    let wrong = "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let err = start_fails(&data, &[], &[("ALEXANDER_MASTER_KEY", wrong)]);
    assert!(err.contains("is not the key of the store"), "{err}");

    // The same key from a file, as hex.
    let file = dir.path().join("key.hex");
    std::fs::write(&file, format!("{key}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let file = file.to_str().unwrap();
    let err = start_fails(
        &data,
        &["--master-key-file", file],
        &[("ALEXANDER_MASTER_KEY", key)],
    );
    assert!(err.contains("use one"), "{err}");
    let server = start(&data, &["--master-key-file", file], &[]);
    assert_eq!(server.s3((&id, &secret), "GET", "/", b"").0, 200);
    assert!(server.stop().success());
    assert_not_stored(&data, &secret);
}

#[test]
fn users_and_keys_over_the_admin_socket_while_serving() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = start(&data, &[], &[]);

    // The server holds the store; these can only have gone through its socket.
    assert_eq!(ok(&data, &["user", "add", "alice"]), "created user alice\n");
    let err = fails(&data, &["user", "add", "alice"]);
    assert!(err.contains("already exists"), "{err}");
    let created = ok(&data, &["key", "create", "alice"]);
    let id = field(&created, "access key");
    let secret = field(&created, "secret key");
    assert_eq!(field(&created, "user"), "alice");
    let alice = (id.as_str(), secret.as_str());

    let (status, body) = server.s3(alice, "PUT", "/alices", b"");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.s3(alice, "GET", "/", b"");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Name>alices</Name>"), "{body}");

    let users = ok(&data, &["user", "list"]);
    assert!(users.lines().any(|l| l.ends_with("  alice")), "{users}");
    assert!(users.lines().any(|l| l.ends_with("  root")), "{users}");
    let keys = ok(&data, &["key", "list", "alice"]);
    assert_eq!(keys.lines().count(), 1, "{keys}");
    assert!(keys.contains(&id) && keys.contains("enabled"), "{keys}");
    assert_eq!(ok(&data, &["key", "list"]).lines().count(), 2);

    // A disabled key is refused as unknown; enabled again, it works.
    assert_eq!(
        ok(&data, &["key", "disable", &id]),
        format!("disabled access key {id}\n")
    );
    assert!(ok(&data, &["key", "list", "alice"]).contains("disabled"));
    let (status, body) = server.s3(alice, "GET", "/", b"");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<Code>InvalidAccessKeyId</Code>"), "{body}");
    ok(&data, &["key", "enable", &id]);
    assert_eq!(server.s3(alice, "GET", "/", b"").0, 200);

    // Errors come back as errors.
    let err = fails(&data, &["key", "create", "nobody"]);
    assert!(err.contains("no such user \"nobody\""), "{err}");
    let err = fails(&data, &["user", "remove", "alice"]);
    assert!(err.contains("still owns buckets: alices"), "{err}");
    let err = fails(&data, &["key", "remove", "AKNOSUCHKEY"]);
    assert!(err.contains("no such access key"), "{err}");

    // The store commands run in the server too (tests/remote.rs has more).
    let buckets = ok(&data, &["bucket", "list"]);
    assert!(buckets.ends_with("  alices\n"), "{buckets}");
    let err = start_fails(&data, &[], &[]);
    assert!(err.contains("already running"), "{err}");
    assert!(
        socket(&data).exists(),
        "a refused second server leaves the socket alone"
    );

    // A raw client speaks the documented protocol.
    let mut raw = std::os::unix::net::UnixStream::connect(socket(&data)).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    raw.write_all(b"{\"cmd\": \"user-list\"}\n{\"cmd\": \"key-enable\", \"id\": \"nope\"}\n")
        .unwrap();
    let mut reader = BufReader::new(raw.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("{\"ok\":{\"users\":["), "{line}");
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "{\"error\":\"no such access key \\\"nope\\\"\"}\n");
    raw.write_all(b"rm -rf /\n").unwrap();
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("{\"error\":\"not a request"), "{line}");
    line.clear();
    assert_eq!(
        reader.read_line(&mut line).unwrap(),
        0,
        "closed after garbage"
    );

    assert!(
        !server.stderr().contains(&secret),
        "the secret reached the log"
    );
    assert!(server.stop().success());
    assert_not_stored(&data, &secret);

    // With no server the same commands open the store directly.
    let keys = ok(&data, &["key", "list", "alice"]);
    assert!(keys.contains(&id), "{keys}");
    assert_eq!(
        ok(&data, &["key", "remove", &id]),
        format!("removed access key {id}\n")
    );
    assert_eq!(ok(&data, &["key", "list", "alice"]), "");
    let server = start(&data, &[], &[]);
    let (status, body) = server.s3(alice, "GET", "/", b"");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<Code>InvalidAccessKeyId</Code>"), "{body}");
    assert!(server.stop().success());
}

/// Reads one HTTP/1.1 response with a Content-Length body from a raw
/// connection: status and body.
fn read_response(stream: &mut BufReader<TcpStream>) -> (u16, String) {
    let mut status_line = String::new();
    stream.read_line(&mut status_line).unwrap();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let mut length = 0;
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = start(&data, &["--drain-timeout-secs", "20"], &[]);
    let (id, secret) = root_key(&server.banner);

    // One keep-alive connection: a first request proves the server has
    // accepted it; the second is sent half, the server is told to stop,
    // then the rest follows.
    let stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    write!(
        writer,
        "GET /health HTTP/1.1\r\nhost: {}\r\n\r\n",
        server.addr
    )
    .unwrap();
    assert_eq!(read_response(&mut reader).0, 200);

    let body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                <LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>";
    let length = body.len().to_string();
    let secret_key = SecretKey::new(secret.as_str());
    let signed = sign_request(&SignRequest {
        method: "PUT",
        path: "/inflight",
        query: "",
        headers: &[("host", &server.addr), ("content-length", &length)],
        payload_hash: UNSIGNED_PAYLOAD,
        access_key: &id,
        secret: &secret_key,
        region: "us-east-1",
        time: SystemTime::now(),
    });
    // `Expect: 100-continue`: the server's "100 Continue" says it has
    // parsed the head and its handler is reading the body, so the request
    // is in flight when the signal comes.
    let mut head = format!(
        "PUT /inflight HTTP/1.1\r\nhost: {}\r\ncontent-length: {length}\r\n\
         expect: 100-continue\r\n",
        server.addr
    );
    for (name, value) in &signed.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes()).unwrap();
    writer.write_all(&body.as_bytes()[..40]).unwrap();
    writer.flush().unwrap();
    let mut interim = String::new();
    reader.read_line(&mut interim).unwrap();
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim:?}");
    reader.read_line(&mut interim).unwrap();

    server.signal("TERM");
    // Stopping: new connections are refused, the admin socket is gone...
    wait_until("the listener closes", STOP, || {
        TcpStream::connect(&server.addr).is_err()
    });
    wait_until("the admin socket goes", STOP, || !socket(&data).exists());
    // ...and the request in flight completes.
    writer.write_all(&body.as_bytes()[40..]).unwrap();
    let (status, reply) = read_response(&mut reader);
    assert_eq!(status, 200, "{reply}");

    let mut server = server;
    let status = wait_exit(&mut server.child, STOP);
    assert!(status.success(), "{status}: {}", server.stderr());
    let stderr = server.stderr_with("SIGTERM: stopping");
    assert!(stderr.contains("SIGTERM: stopping"), "{stderr}");
    assert!(ok(&data, &["bucket", "list"]).contains("inflight"));
    assert!(ok(&data, &["fsck"]).contains("the store is consistent"));
}

/// Deterministic pseudo-random bytes (xorshift64*), so that chunks differ.
pub(crate) fn noise(len: usize, seed: u64) -> Vec<u8> {
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

#[test]
fn sigterm_lets_a_large_upload_in_flight_finish() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = start(&data, &["--drain-timeout-secs", "120"], &[]);
    let (id, secret) = root_key(&server.banner);
    assert_eq!(server.s3((&id, &secret), "PUT", "/big", b"").0, 200);

    let object = noise(24 << 20, 11);
    let stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let length = object.len().to_string();
    let secret_key = SecretKey::new(secret.as_str());
    let signed = sign_request(&SignRequest {
        method: "PUT",
        path: "/big/object",
        query: "",
        headers: &[("host", &server.addr), ("content-length", &length)],
        payload_hash: UNSIGNED_PAYLOAD,
        access_key: &id,
        secret: &secret_key,
        region: "us-east-1",
        time: SystemTime::now(),
    });
    let mut head = format!(
        "PUT /big/object HTTP/1.1\r\nhost: {}\r\ncontent-length: {length}\r\n",
        server.addr
    );
    for (name, value) in &signed.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes()).unwrap();
    // More than the socket buffers hold: once this returns the server has
    // accepted the connection and is reading the body.
    let half = 16 << 20;
    writer.write_all(&object[..half]).unwrap();

    server.signal("TERM");
    wait_until("the listener closes", STOP, || {
        TcpStream::connect(&server.addr).is_err()
    });
    writer.write_all(&object[half..]).unwrap();
    let (status, reply) = read_response(&mut reader);
    assert_eq!(status, 200, "{reply}");

    let mut server = server;
    let status = wait_exit(&mut server.child, STOP);
    assert!(status.success(), "{status}: {}", server.stderr());
    assert!(!socket(&data).exists());
    let out = run(&data, &["get", "big", "object"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == object, "the upload was stored whole");
    assert!(ok(&data, &["fsck"]).contains("the store is consistent"));
}

#[test]
fn sigint_stops_and_a_killed_server_leaves_a_socket_that_is_replaced() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let mut server = start(&data, &[], &[]);
    server.signal("INT");
    assert!(wait_exit(&mut server.child, STOP).success());
    assert!(!socket(&data).exists());

    // SIGKILL leaves the socket behind; nothing answers on it.
    let mut server = start(&data, &[], &[]);
    server.signal("KILL");
    wait_exit(&mut server.child, STOP);
    assert!(socket(&data).exists());
    ok(&data, &["bucket", "create", "offline"]);
    assert!(ok(&data, &["user", "list"]).contains("root"));
    let server = start(&data, &[], &[]);
    let stderr = server.stderr_with("stale admin socket");
    assert!(stderr.contains("stale admin socket"), "{stderr}");
    assert!(server.stop().success());
    assert!(ok(&data, &["fsck"]).contains("the store is consistent"));
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = start_fails(&data, &["--listen", &addr], &[]);
    assert!(
        err.contains(&format!("cannot listen on {addr}")) && err.contains("in use"),
        "{err}"
    );
    assert!(!data.exists(), "nothing is made when the port is taken");
    let err = start_fails(&data, &["--listen", "not an address"], &[]);
    assert!(err.contains("cannot listen on not an address"), "{err}");
}

#[test]
fn settings_from_the_config_file_env_and_flags() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("alexander.toml");
    std::fs::write(
        &config,
        "[s3]\nregion = \"eu-west-1\"\nvhost_domain = \"s3.example.test\"\n\
         drain_timeout_secs = 5\n[s3.limits]\nmax_put_size = \"1MiB\"\nmax_parts = 100\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();

    let server = start(&data, &["--config", config], &[]);
    assert!(
        server.banner.contains("region:       eu-west-1"),
        "{}",
        server.banner
    );
    assert!(
        server.banner.contains("vhost domain: s3.example.test"),
        "{}",
        server.banner
    );
    let (id, secret) = root_key(&server.banner);
    let root = (id.as_str(), secret.as_str());
    assert_eq!(server.s3_in("eu-west-1", root, "GET", "/", &[], b"").0, 200);
    assert_ne!(server.s3_in("us-east-1", root, "GET", "/", &[], b"").0, 200);
    assert!(server.stop().success());

    // The environment beats the file, a flag beats the environment.
    let server = start(
        &data,
        &["--config", config],
        &[("ALEXANDER_REGION", "eu-central-1")],
    );
    assert!(server.banner.contains("region:       eu-central-1"));
    assert_eq!(
        server.s3_in("eu-central-1", root, "GET", "/", &[], b"").0,
        200
    );
    assert!(server.stop().success());
    let server = start(
        &data,
        &["--config", config, "--region", "ap-south-1"],
        &[("ALEXANDER_REGION", "eu-central-1")],
    );
    assert!(server.banner.contains("region:       ap-south-1"));
    assert!(server.stop().success());

    // Bad settings stop the server before it starts.
    let err = start_fails(
        &data,
        &["--min-part-size", "2GiB", "--max-part-size", "1GiB"],
        &[],
    );
    assert!(err.contains("min_part_size"), "{err}");
    let err = start_fails(&data, &["--max-parts", "20000"], &[]);
    assert!(err.contains("max_parts"), "{err}");
    let out = alexander(&data)
        .args(["serve", "--max-put-size", "5MB"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown unit"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[s3]\nport = 9000\n").unwrap();
    let err = start_fails(&data, &["--config", bad.to_str().unwrap()], &[]);
    assert!(err.contains("unknown field `port`"), "{err}");
}

#[test]
fn deadlines_and_rate_limits_from_the_config_file_and_flags() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("alexander.toml");
    std::fs::write(
        &config,
        "[s3.limits]\nheader_timeout_secs = 1\nrequests_per_sec = 1\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let server = start(&data, &["--config", config, "--request-burst", "2"], &[]);

    // A half-sent request head is closed once the header timeout passes.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nx-pad: ")
        .unwrap();
    let sent = Instant::now();
    let mut rest = Vec::new();
    match s.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            panic!("a half-sent head was kept open")
        }
        // A reset closes it too.
        Err(_) => {}
    }
    assert!(sent.elapsed() >= Duration::from_secs(1));

    // Anonymous requests from one address: the burst, then SlowDown.
    let client = http();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..4 {
        let r = client.get(server.url("/no-such-bucket")).send().unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 503 {
            retry_after = r.headers().get("retry-after").cloned();
            assert!(r.text().unwrap().contains("<Code>SlowDown</Code>"));
        }
    }
    assert!(!statuses[..2].contains(&503), "{statuses:?}");
    assert!(statuses[2..].contains(&503), "{statuses:?}");
    assert!(retry_after.is_some());
    // Each refusal is logged with its request id and reason.
    let log = server.stderr_with("refused: SlowDown");
    assert!(log.contains("refused: SlowDown"), "{log}");
    assert!(log.contains("request rate over the limit"), "{log}");
    assert!(log.contains("request_id"), "{log}");
    assert!(server.stop().success());

    let err = start_fails(&data, &["--max-connections", "0"], &[]);
    assert!(err.contains("max_connections"), "{err}");
}

/// Is FUSE usable here? Under CI it must be: a missing /dev/fuse or
/// fusermount3 fails the test instead of skipping it.
fn fuse_available() -> bool {
    let missing = if !Path::new("/dev/fuse").exists() {
        Some("/dev/fuse is missing")
    } else if Command::new("fusermount3").arg("-V").output().is_err() {
        Some("fusermount3 is not installed (apt-get install fuse3)")
    } else {
        None
    };
    match missing {
        None => true,
        Some(why) => cannot_run(why),
    }
}

/// A FUSE test that cannot run here: fails it under CI, where it must run;
/// elsewhere says why and returns `false` (skip).
fn cannot_run(why: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("FUSE test cannot run: {why}");
    }
    eprintln!("skipping FUSE test: {why}");
    false
}

/// A temporary directory and the `data` and `mnt` paths in it, for a test
/// of `serve --mount`; `None` where FUSE cannot run (outside CI; under CI
/// the test fails instead).
pub(crate) fn mount_dirs() -> Option<(TempDir, PathBuf, PathBuf)> {
    if !fuse_available() {
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (data, mnt) = (tmp.path().join("data"), tmp.path().join("mnt"));
    Some((tmp, data, mnt))
}

/// `serve --mount`: one process serves S3 and the mount over one store; a
/// file written in the mount is an object over S3 at once, an object put
/// over S3 is a file; SIGTERM unmounts.
#[test]
fn serve_with_a_mount_shares_one_store_between_both_views() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", "MOUNTTESTKEY"),
        ("ALEXANDER_ROOT_SECRET_KEY", "mount-test-secret-123"),
    ];
    // A long kernel cache: what the mount shows after an S3 change is fresh
    // only because the change dropped the cached entries.
    let server = start(
        &data,
        &["--mount", mnt.to_str().unwrap(), "--mount-cache-secs", "60"],
        &vars,
    );
    assert!(server.banner.contains("mount:"), "{}", server.banner);
    let key = ("MOUNTTESTKEY", "mount-test-secret-123");
    // A bucket made over S3 is a directory in the mount.
    assert_eq!(server.s3(key, "PUT", "/shared", b"").0, 200);
    assert!(mnt.join("shared").is_dir());
    // A file written in the mount is an object.
    let body = noise(3 << 20, 7);
    std::fs::write(mnt.join("shared/from-mount.bin"), &body).unwrap();
    assert!(signed_get_bytes(&server, key, "/shared/from-mount.bin") == body);
    // An object put over S3 is a file.
    assert_eq!(
        server
            .s3(key, "PUT", "/shared/dir/from-s3.txt", b"hello from S3")
            .0,
        200
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let text = loop {
        match std::fs::read(mnt.join("shared/dir/from-s3.txt")) {
            Ok(t) => break t,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("object put over S3 not visible in the mount: {e}"),
        }
    };
    assert_eq!(text, b"hello from S3");
    // Overwritten over S3 with a longer body: the mount shows the new bytes
    // at once (the kernel's cached size and pages were dropped), not after
    // its cache times out.
    for round in 0..5 {
        let body = format!(
            "a longer body from S3, round {round}, {}",
            "x".repeat(round * 100)
        );
        assert_eq!(
            server
                .s3(key, "PUT", "/shared/dir/from-s3.txt", body.as_bytes())
                .0,
            200
        );
        let seen = std::fs::read(mnt.join("shared/dir/from-s3.txt")).unwrap();
        assert_eq!(String::from_utf8_lossy(&seen), body);
    }
    // Shorter again: `stat` shows the new size at once, which only a
    // dropped attribute cache explains (reads past a cached size refresh it
    // anyway; a smaller size never would).
    for round in 0..3 {
        let body = "s".repeat(50 - round * 10);
        let path = "/shared/dir/from-s3.txt";
        assert_eq!(server.s3(key, "PUT", path, body.as_bytes()).0, 200);
        let size = std::fs::metadata(mnt.join("shared/dir/from-s3.txt"))
            .unwrap()
            .len();
        assert_eq!(size, body.len() as u64, "round {round}");
    }
    // Deleted over S3: gone from the mount at once.
    assert_eq!(
        server.s3(key, "DELETE", "/shared/dir/from-s3.txt", b"").0,
        204
    );
    assert!(!mnt.join("shared/dir/from-s3.txt").exists());
    let status = server.stop();
    assert!(status.success(), "{status}");
    // Unmounted: the mount point is an empty directory again.
    assert_eq!(std::fs::read_dir(&mnt).unwrap().count(), 0);
}

/// Directory listings the kernel keeps (`FOPEN_CACHE_DIR`, with a long
/// cache time) follow changes it did not make: objects put and deleted
/// over S3, a bucket made over S3, objects put and removed by commands run
/// in the server.
#[test]
fn cached_listings_follow_changes_made_over_s3_and_by_commands() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", "LISTINGTESTKEY"),
        ("ALEXANDER_ROOT_SECRET_KEY", "listing-test-secret-1"),
    ];
    let server = start(
        &data,
        &["--mount", mnt.to_str().unwrap(), "--mount-cache-secs", "60"],
        &vars,
    );
    let key = ("LISTINGTESTKEY", "listing-test-secret-1");
    let names = |dir: &Path| -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(server.s3(key, "PUT", "/lists", b"").0, 200);
    let dir = mnt.join("lists");
    std::fs::create_dir(dir.join("d")).unwrap();
    std::fs::write(dir.join("d/a"), b"a").unwrap();
    // Listed twice: the second listing may come from the kernel's cache.
    assert_eq!(names(&dir.join("d")), ["a"]);
    assert_eq!(names(&dir.join("d")), ["a"]);
    assert_eq!(names(&mnt), ["lists"]);

    assert_eq!(server.s3(key, "PUT", "/lists/d/b", b"b").0, 200);
    assert_eq!(names(&dir.join("d")), ["a", "b"]);
    assert_eq!(server.s3(key, "PUT", "/lists/d/sub/c", b"c").0, 200);
    assert_eq!(names(&dir.join("d")), ["a", "b", "sub"]);
    assert_eq!(names(&dir.join("d/sub")), ["c"]);
    assert_eq!(server.s3(key, "DELETE", "/lists/d/a", b"").0, 204);
    assert_eq!(names(&dir.join("d")), ["b", "sub"]);
    assert_eq!(server.s3(key, "PUT", "/other", b"").0, 200);
    assert_eq!(names(&mnt), ["lists", "other"]);

    // Commands run in the server name no key to the mount.
    let file = data.parent().unwrap().join("put-me");
    std::fs::write(&file, b"from a command").unwrap();
    ok(&data, &["put", "lists", "d/e", file.to_str().unwrap()]);
    assert_eq!(names(&dir.join("d")), ["b", "e", "sub"]);
    assert_eq!(std::fs::read(dir.join("d/e")).unwrap(), b"from a command");
    ok(&data, &["rm", "lists", "d/b"]);
    assert_eq!(names(&dir.join("d")), ["e", "sub"]);
    ok(&data, &["bucket", "create", "third"]);
    assert_eq!(names(&mnt), ["lists", "other", "third"]);

    // The mount's own changes, between cached listings.
    std::fs::write(dir.join("d/f"), b"f").unwrap();
    std::fs::rename(dir.join("d/e"), dir.join("d/g")).unwrap();
    std::fs::remove_file(dir.join("d/sub/c")).unwrap();
    assert_eq!(names(&dir.join("d")), ["f", "g", "sub"]);
    let status = server.stop();
    assert!(status.success(), "{status}");
}

/// `serve --mount DIR --bucket NAME`: the mount's root is one bucket,
/// created if missing; owner options apply to objects written over S3.
#[test]
fn serve_can_mount_one_bucket() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", "BUCKETMOUNTKEY"),
        ("ALEXANDER_ROOT_SECRET_KEY", "bucket-mount-secret-1"),
    ];
    let args = [
        "--mount",
        mnt.to_str().unwrap(),
        "--bucket",
        "backups",
        "--mount-uid",
        "4321",
        "--mount-gid",
        "8765",
    ];
    let server = start(&data, &args, &vars);
    assert!(
        server.banner.contains("(bucket backups)"),
        "{}",
        server.banner
    );
    let key = ("BUCKETMOUNTKEY", "bucket-mount-secret-1");
    std::fs::write(mnt.join("from-mount.txt"), b"in the root").unwrap();
    assert_eq!(server.s3(key, "PUT", "/backups/from-s3.txt", b"s3").0, 200);
    let meta = std::fs::metadata(mnt.join("from-s3.txt")).unwrap();
    assert_eq!(
        (
            std::os::unix::fs::MetadataExt::uid(&meta),
            std::os::unix::fs::MetadataExt::gid(&meta)
        ),
        (4321, 8765)
    );
    let (status, body) = server.s3(key, "GET", "/backups/from-mount.txt", b"");
    assert_eq!(status, 200);
    assert_eq!(body, "in the root");
    let status = server.stop();
    assert!(status.success(), "{status}");
    // The bucket stays; a second start mounts it again.
    let server = start(&data, &args, &vars);
    assert_eq!(
        std::fs::read(mnt.join("from-mount.txt")).unwrap(),
        b"in the root"
    );
    assert!(server.stop().success());
}

/// `serve --mount-user NAME`: an unknown user is refused at start; the
/// mount of a known one shows the buckets it may list under S3's rules,
/// opens for reading only the files their own ACL lets it read, is
/// read-only where it may not write, and a bucket made at its root is its
/// own.
#[test]
fn the_mount_acts_as_the_mount_user() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", "MOUNTUSERKEY"),
        ("ALEXANDER_ROOT_SECRET_KEY", "mount-user-secret-12"),
    ];
    let key = ("MOUNTUSERKEY", "mount-user-secret-12");
    let args = ["--mount", mnt.to_str().unwrap(), "--mount-user", "alice"];
    let err = start_fails(&data, &args, &vars);
    assert!(err.contains("no such user \"alice\""), "{err}");
    ok(&data, &["user", "add", "alice"]);
    let server = start(&data, &args, &vars);
    let acl = [("x-amz-acl", "public-read")];
    assert_eq!(
        server
            .s3_in("us-east-1", key, "PUT", "/rootpub", &acl, b"")
            .0,
        200
    );
    assert_eq!(server.s3(key, "PUT", "/rootpriv", b"").0, 200);
    assert_eq!(server.s3(key, "PUT", "/rootpub/f.txt", b"listed").0, 200);
    let put = server.s3_in(
        "us-east-1",
        key,
        "PUT",
        "/rootpub/open.txt",
        &acl,
        b"readable",
    );
    assert_eq!(put.0, 200, "{}", put.1);
    assert_eq!(server.s3(key, "PUT", "/rootpriv/f.txt", b"hidden").0, 200);
    let names = || {
        let mut n: Vec<String> = std::fs::read_dir(&mnt)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(), ["rootpub"]);
    // A public-read bucket lists, it does not read: its private object is
    // there, and EACCES to open (before, the bucket's ACL read every
    // object); one whose own ACL is public-read reads.
    let mut listed: Vec<String> = std::fs::read_dir(mnt.join("rootpub"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    listed.sort();
    assert_eq!(listed, ["f.txt", "open.txt"]);
    assert_eq!(
        std::fs::metadata(mnt.join("rootpub/f.txt")).unwrap().len(),
        6
    );
    let err = std::fs::File::open(mnt.join("rootpub/f.txt")).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EACCES), "{err}");
    assert_eq!(
        std::fs::read(mnt.join("rootpub/open.txt")).unwrap(),
        b"readable"
    );
    let err = std::fs::write(mnt.join("rootpub/new.txt"), b"x").unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EACCES), "{err}");
    let err = std::fs::metadata(mnt.join("rootpriv/f.txt")).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOENT), "{err}");
    // A bucket made at the mount's root is alice's; root reaches it too.
    std::fs::create_dir(mnt.join("alices")).unwrap();
    std::fs::write(mnt.join("alices/mine.txt"), b"by alice").unwrap();
    assert_eq!(names(), ["alices", "rootpub"]);
    assert_eq!(
        signed_get_bytes(&server, key, "/alices/mine.txt"),
        b"by alice"
    );
    assert!(server.stop().success());
    // A user that owns buckets cannot be removed: alice owns hers.
    let err = fails(&data, &["user", "remove", "alice"]);
    assert!(err.contains("still owns buckets: alices"), "{err}");
}

/// `nobody` and `nogroup` on Debian.
const NOBODY: u32 = 65534;

/// The line of /proc/self/mountinfo for a mount at `at`, if any.
fn mount_line(at: &Path) -> Option<String> {
    let at = at.to_str().unwrap();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .find(|l| l.split(' ').nth(4) == Some(at))
        .map(str::to_owned)
}

/// Runs `sh -c script` as the mount's user, with `path` as `$1`; returns
/// its standard output, failing the test if the script fails.
fn sh_as(uid: Option<u32>, script: &str, path: &Path) -> String {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script).arg("sh").arg(path);
    if let Some(uid) = uid {
        cmd.uid(uid).gid(uid);
    }
    let out = cmd.output().expect("run sh");
    assert!(
        out.status.success(),
        "{script:?} on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `serve --mount` run by a user other than root: mount(2) is refused, so
/// the mount goes through fuse3's setuid `fusermount3`; it serves files,
/// is removed when the server stops, and a mount a killed server left is
/// cleared by the next start. Run as root, the test serves as `nobody`
/// (needing /dev/fuse mode 0666, Debian's default, which `.ci/run` sets in
/// containers that lack it); run as any other user, as that user.
#[test]
fn a_user_other_than_root_serves_a_mount() {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;
    if !fuse_available() {
        return;
    }
    let uid = std::fs::metadata("/proc/self").unwrap().uid();
    let user = (uid == 0).then_some(NOBODY);
    if user.is_some() {
        let mode = std::fs::metadata("/dev/fuse").unwrap().permissions().mode();
        if mode & 0o006 != 0o006 {
            cannot_run(&format!(
                "/dev/fuse has mode {:04o}, so no user but root can mount \
                 (Debian's default is 0666; .ci/run sets it)",
                mode & 0o7777
            ));
            return;
        }
    }
    // In /tmp whatever TMPDIR says: the user must reach it, and a TMPDIR
    // under root's home would be closed to it.
    let tmp = tempfile::tempdir_in("/tmp").unwrap();
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    // The user reaches the binary through a copy of its own: the build's
    // directory may be closed to it.
    let bin = tmp.path().join("alexander");
    std::fs::copy(env!("CARGO_BIN_EXE_alexander"), &bin).unwrap();
    if let Some(uid) = user {
        std::os::unix::fs::chown(tmp.path(), Some(uid), Some(uid)).unwrap();
        std::os::unix::fs::chown(&mnt, Some(uid), Some(uid)).unwrap();
    }
    let data = tmp.path().join("data");
    let command = || {
        let mut cmd = alexander_at(&bin, &data);
        if let Some(uid) = user {
            cmd.uid(uid).gid(uid);
        }
        cmd
    };
    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", "USERMOUNTKEY"),
        ("ALEXANDER_ROOT_SECRET_KEY", "user-mount-secret-12"),
    ];
    let key = ("USERMOUNTKEY", "user-mount-secret-12");
    let args = ["--mount", mnt.to_str().unwrap()];
    let mut server = start_command(command(), &args, &vars);
    let line = mount_line(&mnt).expect("the mount is in /proc/self/mountinfo");
    let owner = format!("user_id={}", user.unwrap_or(uid));
    assert!(
        line.contains("fuse.alexander") && line.contains(&owner),
        "{line}"
    );
    // Both views work for the user.
    assert_eq!(server.s3(key, "PUT", "/userbucket", b"").0, 200);
    let file = mnt.join("userbucket/note.txt");
    // `sync FILE` fsyncs it: a close alone is not durable (as on a local
    // filesystem), and the server is killed below.
    let script = r#"printf 'written by a user' > "$1" && sync "$1" && cat "$1""#;
    let read = sh_as(user, script, &file);
    assert_eq!(read, "written by a user");
    assert_eq!(
        signed_get_bytes(&server, key, "/userbucket/note.txt"),
        b"written by a user"
    );
    // Killed, the server leaves its mount behind; the next start clears it
    // and mounts again.
    server.kill();
    assert!(mount_line(&mnt).is_some(), "a killed server's mount stays");
    let server = start_command(command(), &args, &vars);
    server.assert_cleared_stale_mount();
    assert_eq!(sh_as(user, r#"cat "$1""#, &file), "written by a user");
    // Stopped, it unmounts (through fusermount3: umount(2) is root's).
    server.stop_unmounted(&mnt);
}

/// pjdfstest through a mount made by a user other than root: the server
/// runs as nobody with `--allow-other`; the suite runs as root (switching
/// to nobody and tests for its permission cases) in a public-read-write
/// bucket, and every case must end as `fuse/tests/pjdfstest/expected.txt`
/// says, as on a root mount. Needs pjdfstest and the user `tests`
/// (`.ci/run` installs both), /dev/fuse mode 0666 and `user_allow_other`
/// in /etc/fuse.conf (`.ci/run` sets both in containers that lack them).
#[test]
fn pjdfstest_through_a_mount_made_by_another_user() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !fuse_available() {
        return;
    }
    if std::fs::metadata("/proc/self").unwrap().uid() != 0 {
        cannot_run("serving as nobody and running pjdfstest need root");
        return;
    }
    let Some(pjdfstest) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("pjdfstest"))
            .find(|p| p.is_file())
    }) else {
        cannot_run("pjdfstest is not on PATH (.ci/run installs it)");
        return;
    };
    if !Command::new("id")
        .arg("tests")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        cannot_run("the user tests does not exist (.ci/run creates it)");
        return;
    }
    let mode = std::fs::metadata("/dev/fuse").unwrap().permissions().mode();
    if mode & 0o006 != 0o006 {
        cannot_run("/dev/fuse is closed to users other than root");
        return;
    }
    let conf = std::fs::read_to_string("/etc/fuse.conf").unwrap_or_default();
    if !conf.lines().any(|l| l.trim() == "user_allow_other") {
        cannot_run("/etc/fuse.conf lacks user_allow_other (.ci/run adds it)");
        return;
    }
    let tmp = tempfile::tempdir_in("/tmp").unwrap();
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let bin = tmp.path().join("alexander");
    std::fs::copy(env!("CARGO_BIN_EXE_alexander"), &bin).unwrap();
    std::os::unix::fs::chown(tmp.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    std::os::unix::fs::chown(&mnt, Some(NOBODY), Some(NOBODY)).unwrap();
    let data = tmp.path().join("data");
    let mut cmd = alexander_at(&bin, &data);
    std::os::unix::process::CommandExt::uid(&mut cmd, NOBODY);
    std::os::unix::process::CommandExt::gid(&mut cmd, NOBODY);
    let key = ("PJDUSERKEY", "pjdfstest-user-secret-1");
    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", key.0),
        ("ALEXANDER_ROOT_SECRET_KEY", key.1),
    ];
    let server = start_command(
        cmd,
        &["--mount", mnt.to_str().unwrap(), "--allow-other"],
        &vars,
    );
    let line = mount_line(&mnt).expect("the mount is in /proc/self/mountinfo");
    assert!(line.contains(&format!("user_id={NOBODY}")), "{line}");
    let (status, body) = server.s3_in(
        "us-east-1",
        key,
        "PUT",
        "/pjdfstest",
        &[("x-amz-acl", "public-read-write")],
        b"",
    );
    assert_eq!(status, 200, "{body}");
    let dir = mnt.join("pjdfstest");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let other = tempfile::tempdir_in("/tmp").unwrap();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuse/tests/pjdfstest");
    let out = Command::new(pjdfstest)
        .arg("-c")
        .arg(suite.join("pjdfstest.toml"))
        .arg("-p")
        .arg(&dir)
        .arg("-s")
        .arg(other.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    match crate::pjdfstest_check::compare(&suite, &report) {
        Ok(summary) => eprintln!("through nobody's mount: {summary}"),
        Err(wrong) => panic!(
            "pjdfstest through nobody's mount differs from expected.txt:\n{wrong}\n--- report\n{report}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
    server.stop_unmounted(&mnt);
}

/// A server killed while a process holds a file of the mount open after
/// unlinking it leaves nothing of that file: the orphan lived in the
/// server's memory only, so after the kill the name is gone, the store
/// checks out, and GC frees every chunk the file had.
#[test]
fn a_killed_server_leaves_nothing_of_an_unlinked_open_file() {
    use std::os::unix::fs::FileExt;
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let args = ["--mount", mnt.to_str().unwrap()];
    let mut server = start(&data, &args, &[]);
    std::fs::create_dir(mnt.join("orphans")).unwrap();
    let path = mnt.join("orphans/held");
    let data_bytes: Vec<u8> = (0..3u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap();
    file.write_all_at(&data_bytes, 0).unwrap();
    file.sync_all().unwrap();
    std::fs::remove_file(&path).unwrap();
    // The unlink made durable, as a careful program does (the mount's
    // commits are lazy: a kill may take the last moment's).
    std::fs::File::open(mnt.join("orphans"))
        .unwrap()
        .sync_all()
        .unwrap();
    file.write_all_at(b"still open", 0).unwrap();
    let mut back = [0; 10];
    file.read_exact_at(&mut back, 0).unwrap();
    assert_eq!(&back, b"still open");

    server.kill();
    drop(file);
    let report = ok(&data, &["--gc-grace-period-secs", "0", "gc"]);
    let figure = |report: &str, label: &str| -> u64 {
        let value = field(report, label);
        value.split_whitespace().next().unwrap().parse().unwrap()
    };
    assert!(figure(&report, "bytes freed") >= 1 << 20, "{report}");
    let stats = ok(&data, &["stats"]);
    assert_eq!(figure(&stats, "stored bytes"), 0, "{stats}");
    assert_eq!(figure(&stats, "versions"), 0, "{stats}");
    let fsck = ok(&data, &["fsck"]);
    assert!(fsck.ends_with("the store is consistent\n"), "{fsck}");
    assert_eq!(ok(&data, &["ls", "orphans"]), "");

    let server = start(&data, &args, &[]);
    server.assert_cleared_stale_mount();
    assert!(
        std::fs::read_dir(mnt.join("orphans"))
            .unwrap()
            .next()
            .is_none()
    );
    server.stop_unmounted(&mnt);
}

/// A server killed while the kernel still caches its mount's root (here
/// for a minute) is found dead all the same at the next start: a `stat`
/// would be answered from the cache, so the check opens the directory.
#[test]
fn a_dead_mount_is_cleared_while_its_root_is_cached() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let args = ["--mount", mnt.to_str().unwrap(), "--mount-cache-secs", "60"];
    let mut server = start(&data, &args, &[]);
    std::fs::create_dir(mnt.join("cachedroot")).unwrap();
    std::fs::metadata(&mnt).unwrap();
    server.kill();
    let server = start(&data, &args, &[]);
    server.assert_cleared_stale_mount();
    assert!(mnt.join("cachedroot").is_dir());
    server.stop_unmounted(&mnt);
}

/// `fusermount3 -u` from outside ends the mount cleanly: what was closed in
/// it is durable once the session ends (a SIGKILL right after loses
/// nothing), S3 keeps serving, and a server whose mount is gone still stops
/// without complaint.
#[test]
fn an_unmount_from_outside_ends_the_mount_cleanly() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", "OUTSIDEUMOUNTKEY"),
        ("ALEXANDER_ROOT_SECRET_KEY", "outside-umount-secret"),
    ];
    let key = ("OUTSIDEUMOUNTKEY", "outside-umount-secret");
    let args = ["--mount", mnt.to_str().unwrap()];
    let fusermount_u = |mnt: &Path| {
        let out = Command::new("fusermount3")
            .arg("-u")
            .arg(mnt)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "fusermount3 -u: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(mount_line(mnt), None);
    };

    let mut server = start(&data, &args, &vars);
    std::fs::create_dir(mnt.join("outside")).unwrap();
    // Closed, never fsynced.
    std::fs::write(mnt.join("outside/closed.txt"), b"closed, not fsynced").unwrap();
    fusermount_u(&mnt);
    wait_until("the server sees the mount end", STOP, || {
        server.stderr().contains("the mount has ended")
    });
    assert_eq!(
        signed_get_bytes(&server, key, "/outside/closed.txt"),
        b"closed, not fsynced"
    );
    server.kill();
    let out = run(&data, &["get", "outside", "closed.txt"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"closed, not fsynced");

    // Mounted again, unmounted from outside, then stopped: a clean exit.
    let server = start(&data, &args, &vars);
    assert_eq!(
        std::fs::read(mnt.join("outside/closed.txt")).unwrap(),
        b"closed, not fsynced"
    );
    fusermount_u(&mnt);
    wait_until("the server sees the mount end", STOP, || {
        server.stderr().contains("the mount has ended")
    });
    let stderr = {
        let mut server = server;
        server.signal("TERM");
        let status = wait_exit(&mut server.child, STOP);
        assert!(status.success(), "{status}: {}", server.stderr());
        server.stderr()
    };
    assert!(
        !stderr.contains("WARN") && !stderr.contains("ERROR"),
        "{stderr}"
    );
}

/// Renames and deletes cross both views: a rename in the mount moves the
/// object over S3; a copy and delete over S3 (S3's rename) moves the file in
/// the mount; deletes either way are seen at once by the other.
#[test]
fn renames_and_deletes_cross_both_views() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", "RENAMETESTKEY"),
        ("ALEXANDER_ROOT_SECRET_KEY", "rename-test-secret-12"),
    ];
    let mount = ["--mount", mnt.to_str().unwrap(), "--mount-cache-secs", "60"];
    let server = start(&data, &mount, &vars);
    let key = ("RENAMETESTKEY", "rename-test-secret-12");
    std::fs::create_dir(mnt.join("moves")).unwrap();
    std::fs::create_dir_all(mnt.join("moves/dir/sub")).unwrap();
    std::fs::write(mnt.join("moves/dir/sub/a.txt"), b"aaa").unwrap();
    std::fs::write(mnt.join("moves/f.txt"), b"file").unwrap();

    // Mount → S3: a file rename and a directory rename.
    std::fs::rename(mnt.join("moves/f.txt"), mnt.join("moves/g.txt")).unwrap();
    assert_eq!(server.s3(key, "GET", "/moves/f.txt", b"").0, 404);
    assert_eq!(
        server.s3(key, "GET", "/moves/g.txt", b""),
        (200, "file".into())
    );
    std::fs::rename(mnt.join("moves/dir"), mnt.join("moves/renamed")).unwrap();
    assert_eq!(server.s3(key, "GET", "/moves/dir/sub/a.txt", b"").0, 404);
    assert_eq!(
        server.s3(key, "GET", "/moves/renamed/sub/a.txt", b""),
        (200, "aaa".into())
    );

    // S3 → mount: copy then delete, seen at once despite a long kernel
    // cache (the old name was looked up, and so cached, first).
    assert!(mnt.join("moves/g.txt").exists());
    let (status, body) = server.s3_in(
        "us-east-1",
        key,
        "PUT",
        "/moves/h.txt",
        &[("x-amz-copy-source", "/moves/g.txt")],
        b"",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.s3(key, "DELETE", "/moves/g.txt", b"").0, 204);
    assert!(!mnt.join("moves/g.txt").exists());
    assert_eq!(std::fs::read(mnt.join("moves/h.txt")).unwrap(), b"file");

    // Deletes: over S3, seen in the mount; in the mount, seen over S3.
    assert!(mnt.join("moves/renamed/sub/a.txt").exists());
    assert_eq!(
        server.s3(key, "DELETE", "/moves/renamed/sub/a.txt", b"").0,
        204
    );
    assert!(!mnt.join("moves/renamed/sub/a.txt").exists());
    std::fs::remove_file(mnt.join("moves/h.txt")).unwrap();
    assert_eq!(server.s3(key, "GET", "/moves/h.txt", b"").0, 404);
    assert!(server.stop().success());
}

/// A server killed (SIGKILL) while files are being written and edited
/// through its mount: after a restart every file keeps its last committed
/// version, byte for byte, over S3 and in the mount, and the store is
/// consistent.
#[test]
fn a_server_killed_mid_write_keeps_every_committed_file() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let vars = [
        ("ALEXANDER_ROOT_ACCESS_KEY", "KILLTESTKEY"),
        ("ALEXANDER_ROOT_SECRET_KEY", "kill-test-secret-1234"),
    ];
    let mount = ["--mount", mnt.to_str().unwrap()];
    let server = start(&data, &mount, &vars);
    let key = ("KILLTESTKEY", "kill-test-secret-1234");
    std::fs::create_dir(mnt.join("crash")).unwrap();
    let streamed = noise(3 << 20, 11);
    let edited = noise(2 << 20, 12);
    std::fs::write(mnt.join("crash/streamed.bin"), &streamed).unwrap();
    {
        let f = std::fs::File::create(mnt.join("crash/edited.bin")).unwrap();
        (&f).write_all(&edited).unwrap();
        f.sync_all().unwrap();
    }

    // Closed but not fsynced just before the kill: durable or not, it is
    // whole (its old or its new version), never torn.
    let lazy_old = noise(1 << 20, 15);
    let lazy_new = noise(1 << 20, 16);
    {
        let f = std::fs::File::create(mnt.join("crash/lazy.bin")).unwrap();
        (&f).write_all(&lazy_old).unwrap();
        f.sync_all().unwrap();
    }
    std::fs::write(mnt.join("crash/lazy.bin"), &lazy_new).unwrap();

    // In flight when the server dies: an overwrite streaming a new version
    // and an in-place edit, neither closed.
    let writer = {
        let path = mnt.join("crash/streamed.bin");
        thread::spawn(move || -> std::io::Result<u64> {
            let mut f = std::fs::File::create(&path)?;
            let piece = noise(1 << 20, 13);
            let mut written = 0u64;
            for _ in 0..2048 {
                f.write_all(&piece)?;
                written += piece.len() as u64;
            }
            Ok(written)
        })
    };
    let mut edit = std::fs::OpenOptions::new()
        .write(true)
        .open(mnt.join("crash/edited.bin"))
        .unwrap();
    std::io::Seek::seek(&mut edit, std::io::SeekFrom::Start(4096)).unwrap();
    edit.write_all(&noise(300_000, 14)).unwrap();
    // Let the overwrite get well under way (a child process started
    // meanwhile closes inherited descriptors, which must commit nothing),
    // then kill.
    thread::sleep(Duration::from_millis(800));
    let mut server = server;
    server.signal("KILL");
    wait_exit(&mut server.child, STOP);
    let result = writer.join().unwrap();
    assert!(
        result.is_err(),
        "the overwrite finished before the kill: {result:?}"
    );
    drop(edit);

    // Restarted (the dead mount is cleared first).
    let server = start(&data, &mount, &vars);
    for (name, want) in [("streamed.bin", &streamed), ("edited.bin", &edited)] {
        let got = std::fs::read(mnt.join("crash").join(name)).unwrap();
        assert!(
            got == *want,
            "{name} in the mount is not its last commit: {} bytes, {} expected",
            got.len(),
            want.len()
        );
        let (status, _) = server.s3(key, "HEAD", &format!("/crash/{name}"), b"");
        assert_eq!(status, 200);
    }
    let lazy = std::fs::read(mnt.join("crash/lazy.bin")).unwrap();
    assert!(lazy == lazy_old || lazy == lazy_new, "lazy.bin is torn");
    let got = signed_get_bytes(&server, key, "/crash/streamed.bin");
    assert!(
        got == streamed,
        "streamed.bin over S3 is not its last commit"
    );
    assert!(server.stop().success());
    let report = ok(&data, &["fsck", "--verify-data"]);
    assert!(report.contains("the store is consistent"), "{report}");
}

/// The mount's metadata changes gather in memory and reach the metadata
/// database together (a settle every 200 ms, an `fsync`, an `fsyncdir`):
/// a server killed (SIGKILL) right after a burst of renames and unlinks
/// keeps every change an `fsyncdir` covered, and of the rest each rename
/// is whole (the file under its old name or its new one, never both,
/// never neither) and each unlink too.
#[test]
fn a_server_killed_after_renames_and_unlinks_keeps_what_fsyncdir_covered() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let mount = ["--mount", mnt.to_str().unwrap()];
    let server = start(&data, &mount, &[]);
    let dir = mnt.join("meta");
    std::fs::create_dir(&dir).unwrap();
    let body = |i: usize| format!("file {i}\n").into_bytes();
    const N: usize = 300;
    for i in 0..N {
        std::fs::write(dir.join(format!("a{i}")), body(i)).unwrap();
    }
    let fsyncdir = || std::fs::File::open(&dir).unwrap().sync_all().unwrap();
    fsyncdir();
    // Durable: a third renamed, a third unlinked.
    for i in 0..N / 3 {
        std::fs::rename(dir.join(format!("a{i}")), dir.join(format!("b{i}"))).unwrap();
    }
    for i in N / 3..2 * N / 3 {
        std::fs::remove_file(dir.join(format!("a{i}"))).unwrap();
    }
    fsyncdir();
    // Not covered by any fsync: renamed again, unlinked, then the kill.
    // Half the renames have time to reach the disk by the mount's settle
    // and the database's own flush, the rest most likely not.
    for i in 0..N / 3 {
        if i == N / 6 {
            thread::sleep(Duration::from_millis(1500));
        }
        std::fs::rename(dir.join(format!("b{i}")), dir.join(format!("c{i}"))).unwrap();
    }
    for i in 2 * N / 3..N - 20 {
        std::fs::remove_file(dir.join(format!("a{i}"))).unwrap();
    }
    let mut server = server;
    server.signal("KILL");
    wait_exit(&mut server.child, STOP);

    let server = start(&data, &mount, &[]);
    let exists = |name: String| dir.join(name).exists();
    let mut lost = 0;
    for i in 0..N / 3 {
        let (b, c) = (exists(format!("b{i}")), exists(format!("c{i}")));
        assert!(b != c, "file {i} after its rename: b {b}, c {c}");
        assert!(!exists(format!("a{i}")), "a{i} was renamed durably");
        let name = if b { format!("b{i}") } else { format!("c{i}") };
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), body(i));
        lost += usize::from(b);
    }
    for i in N / 3..2 * N / 3 {
        assert!(!exists(format!("a{i}")), "a{i} was unlinked durably");
    }
    for i in 2 * N / 3..N {
        if exists(format!("a{i}")) {
            assert_eq!(std::fs::read(dir.join(format!("a{i}"))).unwrap(), body(i));
        } else {
            assert!(i < N - 20, "a{i} was never unlinked");
        }
    }
    eprintln!("renames the kill took back: {lost} of {}", N / 3);
    assert!(server.stop().success());
    let report = ok(&data, &["fsck", "--verify-data"]);
    assert!(report.contains("the store is consistent"), "{report}");
}

/// The body of a signed GET, as bytes.
fn signed_get_bytes(server: &Server, key: (&str, &str), path: &str) -> Vec<u8> {
    let secret = SecretKey::new(key.1);
    let signed = sign_request(&SignRequest {
        method: "GET",
        path,
        query: "",
        headers: &[("host", &server.addr)],
        payload_hash: EMPTY_SHA256,
        access_key: key.0,
        secret: &secret,
        region: "us-east-1",
        time: SystemTime::now(),
    });
    let mut req = http().get(server.url(path));
    for (name, value) in &signed.headers {
        req = req.header(*name, value);
    }
    let resp = req.send().unwrap();
    assert_eq!(resp.status(), 200);
    resp.bytes().unwrap().to_vec()
}

/// A number at the start of `field(report, label)`: "4194304 (4.0 MiB)".
fn number(report: &str, label: &str) -> u64 {
    let v = field(report, label);
    v.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn the_server_snapshots_on_schedule_and_prunes_by_retention() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["bucket", "create", "photos"]);
    ok(&data, &["bucket", "create", "other"]);
    ok(&data, &["bucket", "create", "none"]);
    ok(&data, &["snapshot", "create", "photos", "by-hand"]);
    let set = ok(
        &data,
        &[
            "snapshot",
            "schedule",
            "set",
            "photos",
            "--every",
            "1s",
            "--keep-last",
            "2",
        ],
    );
    assert_eq!(
        set.trim(),
        "snapshot schedule of bucket photos: every 1s, keep last 2"
    );
    // Refused: no retention rule (it would grow without bound), no period,
    // no such bucket, no schedule to remove.
    let err = fails(
        &data,
        &["snapshot", "schedule", "set", "photos", "--every", "1h"],
    );
    assert!(err.contains("retention rule"), "{err}");
    fails(
        &data,
        &[
            "snapshot",
            "schedule",
            "set",
            "photos",
            "--every",
            "0s",
            "--keep-last",
            "1",
        ],
    );
    fails(
        &data,
        &[
            "snapshot",
            "schedule",
            "set",
            "nobucket",
            "--every",
            "1h",
            "--keep-last",
            "1",
        ],
    );
    fails(&data, &["snapshot", "schedule", "remove", "other"]);
    // A schedule in the config file, for a bucket without its own.
    let config = dir.path().join("alexander.toml");
    std::fs::write(
        &config,
        "[[snapshots]]\nbucket = \"other\"\nevery = \"1d\"\nkeep_daily = 7\nkeep_monthly = 2\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let shown = ok(&data, &["--config", config, "snapshot", "schedule", "show"]);
    assert_eq!(
        shown,
        "other: every 1d, keep daily 7, monthly 2 (config file)\nphotos: every 1s, keep last 2\n"
    );
    assert_eq!(
        ok(&data, &["snapshot", "schedule", "show", "none"]),
        "none: no schedule\n"
    );

    let server = start(&data, &["--config", config], &[]);
    // Two taken and pruned at least: the period is a second.
    wait_until(
        "two automatic snapshots pruned",
        Duration::from_secs(30),
        || server.stderr().matches("scheduled snapshot pruned").count() >= 2,
    );
    assert!(server.stop().success());
    let list = ok(&data, &["snapshot", "list", "photos"]);
    let auto: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|n| n.starts_with("auto-"))
        .collect();
    assert_eq!(auto.len(), 2, "{list}");
    assert!(
        auto.iter()
            .all(|n| n.len() == "auto-20261207T063341Z".len())
    );
    assert!(
        list.contains("by-hand"),
        "a snapshot made by hand stays: {list}"
    );
    // The config file's bucket got its first snapshot at start (none was
    // there: one is due at once), the unscheduled bucket none.
    let other = ok(&data, &["snapshot", "list", "other"]);
    assert_eq!(other.lines().count(), 1, "{other}");
    assert_eq!(ok(&data, &["snapshot", "list", "none"]), "");
    // Removed: the server takes no more, and its snapshots stay.
    ok(&data, &["snapshot", "schedule", "remove", "photos"]);
    assert_eq!(
        ok(&data, &["snapshot", "schedule", "show", "photos"]),
        "photos: no schedule\n"
    );
}

#[test]
fn background_gc_and_compaction_give_space_back_while_writers_run() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["bucket", "create", "bkt"]);
    let config = dir.path().join("alexander.toml");
    std::fs::write(
        &config,
        "[gc]\ngrace_period_secs = 0\ninterval = \"1s\"\n[compact]\ninterval = \"1s\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let server = start(&data, &["--config", config], &[]);
    let key = root_key(&server.banner);
    let key = (key.0.as_str(), key.1.as_str());
    // Big objects written and deleted, small ones written and kept, while
    // GC and compaction run every second.
    let mut kept = Vec::new();
    for i in 0..40u64 {
        let big = noise(1 << 20, 1000 + i);
        assert_eq!(server.s3(key, "PUT", &format!("/bkt/big{i}"), &big).0, 200);
        let small = noise(10_000 + i as usize * 100, i);
        assert_eq!(
            server.s3(key, "PUT", &format!("/bkt/keep{i}"), &small).0,
            200
        );
        kept.push((format!("keep{i}"), small));
        assert_eq!(
            server.s3(key, "DELETE", &format!("/bkt/big{i}"), b"").0,
            204
        );
    }
    // The deleted bytes come back without a restart: the packs hold little
    // more than the 40 small objects (`stats` runs in the server).
    wait_until(
        "compaction reclaims the deleted bytes",
        Duration::from_secs(60),
        || number(&ok(&data, &["stats"]), "pack bytes") < 2 << 20,
    );
    assert!(server.stderr().contains("background compaction"));
    assert!(server.stderr().contains("background gc"));
    assert!(server.stop().success());
    for (k, body) in &kept {
        let out = alexander(&data).args(["get", "bkt", k]).output().unwrap();
        assert!(out.status.success());
        assert!(out.stdout == *body, "{k} changed");
    }
    let report = ok(&data, &["fsck", "--verify-data"]);
    assert!(report.contains("the store is consistent"), "{report}");
}

/// Runs `restic` with the repository `repo`; its output, failing the test
/// if it fails.
fn restic(restic: &Path, repo: &Path, args: &[&str], cwd: &Path) -> String {
    let out = Command::new(restic)
        .arg("--repo")
        .arg(repo)
        .args(args)
        .current_dir(cwd)
        .env("RESTIC_PASSWORD", "a test password")
        .env("RESTIC_CACHE_DIR", cwd.join("restic-cache"))
        .stdin(Stdio::null())
        .output()
        .expect("run restic");
    assert!(
        out.status.success(),
        "restic {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn restic_prune_in_the_mount_gives_the_space_back_without_a_restart() {
    let Some(program) = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("restic"))
        .find(|p| p.is_file())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "restic is not installed (.ci/run installs it)"
        );
        eprintln!("skipping: restic is not installed");
        return;
    };
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let mnt = dir.path().join("mnt");
    ok(&data, &["bucket", "create", "backups"]);
    let config = dir.path().join("alexander.toml");
    std::fs::write(
        &config,
        "[gc]\ngrace_period_secs = 0\ninterval = \"1s\"\n[compact]\ninterval = \"1s\"\n",
    )
    .unwrap();
    let server = start(
        &data,
        &[
            "--config",
            config.to_str().unwrap(),
            "--mount",
            mnt.to_str().unwrap(),
        ],
        &[],
    );
    let work = dir.path().join("work");
    let src = work.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let repo = mnt.join("backups/repo");
    restic(&program, &repo, &["init"], &work);
    // Two backups of different data, then all but the last forgotten and
    // pruned: the first backup's data is garbage in the repository, and
    // prune deletes or rewrites its pack files in the mount.
    for round in 0..2u64 {
        for f in 0..4u64 {
            std::fs::write(
                src.join(format!("file{f}")),
                noise(3 << 20, 100 * round + f),
            )
            .unwrap();
        }
        restic(&program, &repo, &["backup", "--host", "test", "src"], &work);
    }
    restic(
        &program,
        &repo,
        &["forget", "--keep-last", "1", "--prune"],
        &work,
    );
    // By the next compaction the packs hold little more than what is live,
    // with no restart (`stats` runs in the server). The repository's data
    // is random, so what its files hold (their logical bytes) is what is
    // live.
    let mut last;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        last = ok(&data, &["stats"]);
        let (packs, live) = (number(&last, "pack bytes"), number(&last, "logical bytes"));
        if packs * 10 <= live * 11 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the packs still hold much more than the live bytes:\n{last}"
        );
        thread::sleep(Duration::from_millis(200));
    }
    eprintln!("after prune and compaction:\n{last}");
    restic(&program, &repo, &["check", "--read-data"], &work);
    server.stop_unmounted(&mnt);
}
