//! A real mount over a temporary store, unmounted on drop (after
//! mountpoint-s3's `MountedSession`), and the programs some tests drive
//! through it (rsync, restic), found on `PATH` and run with a time limit.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use alexander_fuse::{MountHandle, MountOptions, mount};
use alexander_store::{Config, Store};
use tempfile::TempDir;

pub struct MountedSession {
    pub store: Store,
    handle: Option<MountHandle>,
    /// What it was mounted with (for [`MountedSession::remount`]).
    options: MountOptions,
    mountpoint: PathBuf,
    _store_dir: TempDir,
    _mount_dir: TempDir,
}

impl MountedSession {
    /// Mounts a fresh store, or returns `None` (after saying why) where FUSE
    /// is unavailable; under `CI` that is a failure instead.
    pub fn new() -> Option<MountedSession> {
        MountedSession::with_config(Config::default())
    }

    /// [`MountedSession::new`] over a store opened with `config` (small
    /// chunks, say, so that small files span many).
    pub fn with_config(config: Config) -> Option<MountedSession> {
        let options = MountOptions {
            ttl: Duration::from_millis(0),
            ..MountOptions::default()
        };
        MountedSession::with(config, options, |_| {})
    }

    /// A mount with `options`, over a store opened with `config` and handed
    /// to `prepare` before mounting (to create the bucket a one-bucket
    /// mount needs, say).
    pub fn with(
        config: Config,
        options: MountOptions,
        prepare: impl FnOnce(&Store),
    ) -> Option<MountedSession> {
        MountedSession::with_in(&std::env::temp_dir(), config, options, prepare)
    }

    /// [`MountedSession::with`], mounted in a new directory under `parent`
    /// (`/tmp`, for a test whose other local users must reach the mount
    /// whatever `TMPDIR` says).
    pub fn with_in(
        parent: &Path,
        config: Config,
        options: MountOptions,
        prepare: impl FnOnce(&Store),
    ) -> Option<MountedSession> {
        if let Some(why) = fuse_unavailable() {
            if std::env::var_os("CI").is_some() {
                panic!("FUSE tests cannot run under CI: {why}");
            }
            eprintln!("skipping FUSE test: {why}");
            return None;
        }
        let store_dir = TempDir::new().unwrap();
        let mount_dir = TempDir::new_in(parent).unwrap();
        let store = Store::open(store_dir.path(), config).unwrap();
        prepare(&store);
        let handle = mount(store.clone(), mount_dir.path(), options.clone()).expect("mount");
        Some(MountedSession {
            store,
            handle: Some(handle),
            options,
            mountpoint: mount_dir.path().to_owned(),
            _store_dir: store_dir,
            _mount_dir: mount_dir,
        })
    }

    pub fn path(&self) -> &Path {
        &self.mountpoint
    }

    /// Tells the mount that `bucket/key` changed in the store behind its
    /// back, as the S3 endpoint does.
    pub fn invalidate_key(&self, bucket: &str, key: &str) {
        self.handle
            .as_ref()
            .expect("mounted")
            .invalidate_key(bucket, key);
    }

    /// Unmounts and mounts the same store at the same place again: what the
    /// mount shows afterwards comes from the store alone.
    pub fn remount(&mut self) {
        if let Some(h) = self.handle.take() {
            h.unmount().expect("unmount");
        }
        let handle = mount(self.store.clone(), &self.mountpoint, self.options.clone());
        self.handle = Some(handle.expect("mount"));
    }
}

impl Drop for MountedSession {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.unmount().expect("unmount");
        }
    }
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

/// Skips the test (returns) when FUSE is unavailable outside CI.
#[macro_export]
macro_rules! mounted {
    () => {
        match common::MountedSession::new() {
            Some(s) => s,
            None => return,
        }
    };
}

/// Whether this run is CI's, where a test that cannot run fails.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The program `name` from `PATH` if it answers `probe` (a version
/// query); otherwise says why and returns `None`, or fails under CI
/// (`.ci/run` installs every program the tests drive).
pub fn require_tool(name: &str, probe: &[&str]) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("{name} is not on PATH (.ci/run installs it)"))
        .and_then(|program| {
            let out = Command::new(&program)
                .args(probe)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("{} cannot start: {e}", program.display()))?;
            if !out.status.success() {
                return Err(format!(
                    "{} {probe:?} failed ({}): {}",
                    program.display(),
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            let version = String::from_utf8_lossy(&out.stdout);
            eprintln!(
                "{name}: {} ({})",
                program.display(),
                version.lines().next().unwrap_or("").trim()
            );
            Ok(program)
        });
    match found {
        Ok(p) => Some(p),
        Err(why) if in_ci() => panic!("{name} is required under CI: {why}"),
        Err(why) => {
            eprintln!("skipping the {name} test: {why}");
            None
        }
    }
}

/// The path of a program the test drives; skips the test (returns) when it
/// is missing outside CI, fails it under CI.
#[macro_export]
macro_rules! tool {
    ($name:expr, $probe:expr) => {
        match common::require_tool($name, $probe) {
            Some(p) => p,
            None => return,
        }
    };
}

/// Runs `cmd` with no standard input and its output captured; kills it and
/// fails the test after `timeout`, and fails the test if it exits
/// unsuccessfully (printing its output either way).
pub fn run_ok(cmd: &mut Command, timeout: Duration) -> Output {
    let what = format!("{cmd:?}");
    let out = run_timed(cmd, timeout);
    assert!(
        out.status.success(),
        "{what} failed ({})\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cmd` with no standard input and its output captured, and returns
/// its output whatever its exit status; kills it and fails the test after
/// `timeout`.
pub fn run_timed(cmd: &mut Command, timeout: Duration) -> Output {
    let what = format!("{cmd:?}");
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} ran over {timeout:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    eprintln!("{what}: {status} in {:.1?}", started.elapsed());
    out
}

/// `len` bytes that do not repeat (xorshift), so misplaced data cannot go
/// unnoticed and chunks do not dedup.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The uid and gid of `nobody` (Debian's `nobody` and `nogroup`).
pub const NOBODY: u32 = 65534;

/// Whether this test can act as another local user: it runs as root and
/// has `setpriv` and Debian's `/usr/bin/python3` (one under root's home is
/// not another user's to run). Says why not, or fails under CI.
pub fn can_switch_users() -> bool {
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    });
    let why = if !root {
        "switching users needs root"
    } else if !Path::new("/usr/bin/setpriv").exists() {
        "/usr/bin/setpriv (util-linux) is missing"
    } else if !Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3 is missing (.ci/run installs it)"
    } else {
        return true;
    };
    assert!(!in_ci(), "under CI this test must run: {why}");
    eprintln!("skipping: {why}");
    false
}

/// A root mount with `allow_other` over a bucket `shared` (mode 0777) that
/// every local user may write to: other users get no more than the ACL
/// grants anonymous S3 callers, so it is `public-read-write`.
pub fn shared_mount(config: Config) -> Option<MountedSession> {
    let options = MountOptions {
        ttl: Duration::ZERO,
        allow_other: true,
        ..MountOptions::default()
    };
    let s = MountedSession::with_in(Path::new("/tmp"), config, options, |store| {
        let mut settings = std::collections::BTreeMap::new();
        settings.insert(
            alexander_store::access::ACL_SETTING.to_owned(),
            "public-read-write".to_owned(),
        );
        store.create_bucket_with("shared", settings).unwrap();
    })?;
    let dir = s.path().join("shared");
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    Some(s)
}

/// Runs `program args` as nobody (group nogroup, no other groups); its
/// stderr if it fails.
pub fn as_nobody<S: AsRef<std::ffi::OsStr>>(program: &str, args: &[S]) -> Result<(), String> {
    let out = Command::new("/usr/bin/setpriv")
        .args([
            format!("--reuid={NOBODY}"),
            format!("--regid={NOBODY}"),
            "--clear-groups".into(),
            program.into(),
        ])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run setpriv");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Runs a Python `script` as nobody with `args` (`sys.argv[1:]`).
pub fn python_as_nobody(script: &str, args: &[&Path]) -> Result<(), String> {
    let mut all: Vec<std::ffi::OsString> = vec!["-c".into(), script.into()];
    all.extend(args.iter().map(|p| p.as_os_str().to_owned()));
    as_nobody("/usr/bin/python3", &all)
}

/// Asserts that `info` is a version the mount wrote of `bytes`: an ETag
/// of the chunk-id form, `<32 hex digits>-N`, which is not the MD5 of
/// the bytes (the MD5 of nothing for an empty file), and the full-object
/// CRC64NVME of the bytes (computed here by crc64fast-nvme, as S3 clients
/// compute it) under the name S3 GET and HEAD serve it from.
pub fn assert_mount_written(info: &alexander_store::ObjectInfo, bytes: &[u8]) {
    use base64::Engine as _;
    use md5::Digest as _;
    let etag = &info.etag;
    if bytes.is_empty() {
        assert_eq!(etag, "d41d8cd98f00b204e9800998ecf8427e");
    } else {
        let (hash, n) = etag.split_once('-').expect("a -N ETag");
        assert!(
            hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{etag}"
        );
        assert!(n.parse::<u32>().is_ok_and(|n| n >= 1), "{etag}");
        assert_ne!(hash, hex::encode(md5::Md5::digest(bytes)), "{etag}");
    }
    let mut crc = crc64fast_nvme::Digest::new();
    crc.write(bytes);
    let want = base64::engine::general_purpose::STANDARD.encode(crc.sum64().to_be_bytes());
    assert_eq!(
        info.meta
            .extra
            .get(alexander_store::crc::CRC64NVME_KEY)
            .map(String::as_str),
        Some(want.as_str()),
        "CRC64NVME of {} bytes",
        bytes.len()
    );
}
