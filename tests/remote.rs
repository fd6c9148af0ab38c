//! Every command with a server holding the store: the command runs in the
//! server through its admin socket, and must give what it gives offline,
//! byte for byte, exit status included. Also: data streamed through the
//! socket in bounded memory, a client killed mid-`put`, `--json`, progress
//! lines, and servers of another protocol version.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::Duration;

use md5::{Digest, Md5};
use tempfile::TempDir;

use crate::serve::{Server, alexander, noise, start, wait_until};

/// gc frees what nothing references at once, offline and in the server.
const GRACE: (&str, &str) = ("ALEXANDER_GC_GRACE_PERIOD_SECS", "0");

/// A command of the comparison, with what it reads on standard input.
struct Step {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
}

fn step(args: &[&str]) -> Step {
    Step {
        args: args.iter().map(|a| a.to_string()).collect(),
        stdin: None,
    }
}

fn step_in(args: &[&str], stdin: &[u8]) -> Step {
    Step {
        stdin: Some(stdin.to_vec()),
        ..step(args)
    }
}

fn run_step(data: &Path, s: &Step) -> Output {
    let mut cmd = alexander(data);
    cmd.env(GRACE.0, GRACE.1)
        .args(&s.args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if s.stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("run alexander");
    if let Some(input) = &s.stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.clone();
        thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().unwrap()
}

/// Masks what differs between two stores given the same commands at other
/// times: times (to the second) and version ids (commit sequence numbers,
/// which count the server's own commits too).
fn masked(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let time = b.len() >= i + 20
            && b[i..i + 20].iter().enumerate().all(|(j, c)| match j {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                19 => *c == b'Z',
                _ => c.is_ascii_digit(),
            });
        if time {
            out.push_str("<time>");
            i += 20;
            continue;
        }
        let hex_run = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            .count();
        let starts_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if hex_run == 16 && starts_word {
            out.push_str("<id>");
            i += 16;
            continue;
        }
        let n = hex_run.max(1);
        out.push_str(&String::from_utf8_lossy(&b[i..i + n]));
        i += n;
    }
    // The metadata engine's size depends on its history, not the command.
    out.lines()
        .filter(|l| !l.starts_with("metadata bytes:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Starts and stops a server on `data`, so the store has what a server
/// makes (the root user, the master key) before the offline run.
fn make_store(data: &Path) {
    let server = start(data, &[], &[]);
    assert!(server.stop().success());
}

fn serve(data: &Path) -> Server {
    start(data, &[], &[GRACE])
}

#[test]
fn every_command_gives_the_same_output_and_status_with_a_server_as_without() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("a.txt");
    std::fs::write(&file, b"hello, alexander\n").unwrap();
    let file = file.to_str().unwrap();
    let big = noise(300 << 10, 7);
    let steps = vec![
        step(&["bucket", "create", "photos"]),
        step(&["bucket", "create", "photos"]),
        step(&["bucket", "create", "Bad_Name"]),
        step(&["bucket", "list"]),
        step(&["bucket", "list", "--json"]),
        step(&["bucket", "versioning", "photos"]),
        step(&["bucket", "keys", "photos"]),
        step(&["put", "photos", "a.txt", file]),
        step_in(&["put", "photos", "dir/b.bin"], &big),
        step_in(
            &["put", "photos", "dir/c.bin", "-", "--content-type", "x/y"],
            b"c",
        ),
        step(&["put", "nosuch", "k", file]),
        step(&["put", "photos", "k", "/nonexistent/file"]),
        step(&["get", "photos", "a.txt"]),
        step(&["get", "photos", "dir/b.bin", "--range", "100-199"]),
        step(&["get", "photos", "missing"]),
        step(&["ls", "photos"]),
        step(&["ls", "photos", "--delimiter", "/"]),
        step(&["ls", "photos", "--json"]),
        step(&["ls", "nosuch"]),
        step(&["snapshot", "create", "photos", "s1"]),
        step(&["snapshot", "list", "photos"]),
        step(&["snapshot", "list", "photos", "--json"]),
        step(&["bucket", "versioning", "photos", "enabled"]),
        step_in(&["put", "photos", "a.txt"], b"second"),
        step(&["ls", "photos", "--versions"]),
        step(&["ls", "photos", "--versions", "--json"]),
        step(&["get", "photos", "a.txt", "--snapshot", "s1"]),
        step(&["mv", "photos", "a.txt", "c.txt"]),
        step(&["mv", "photos", "missing", "d"]),
        step(&["rm", "photos", "c.txt"]),
        step(&["rm", "photos", "missing"]),
        step(&["snapshot", "delete", "photos", "s1"]),
        step(&["rm", "photos", "dir/b.bin"]),
        step(&["bucket", "versioning", "photos", "suspended"]),
        step(&["stats"]),
        step(&["gc", "--dry-run"]),
        step(&["gc"]),
        step(&["gc", "--json"]),
        step(&["scrub"]),
        step(&["scrub", "--json"]),
        step(&["lifecycle", "run", "--dry-run"]),
        step(&["lifecycle", "run", "photos"]),
        step(&["bucket", "create", "sched-bkt"]),
        step(&[
            "snapshot",
            "schedule",
            "set",
            "sched-bkt",
            "--every",
            "1h",
            "--keep-daily",
            "3",
        ]),
        step(&["snapshot", "schedule", "set", "sched-bkt", "--every", "1h"]),
        step(&["snapshot", "schedule", "show", "sched-bkt"]),
        step(&["snapshot", "schedule", "remove", "sched-bkt"]),
        step(&["snapshot", "schedule", "remove", "sched-bkt"]),
        step(&["compact"]),
        step(&["compact", "--json"]),
        step(&["fsck"]),
        step(&["fsck", "--verify-data", "--json"]),
        step(&["user", "add", "alice"]),
        step(&["user", "add", "alice"]),
        step(&["user", "list"]),
        step(&["user", "list", "--json"]),
        step(&["key", "list", "nobody"]),
        step(&["bucket", "delete", "photos"]),
        step(&["bucket", "delete", "nosuch"]),
    ];

    let offline = dir.path().join("offline");
    make_store(&offline);
    let expected: Vec<Output> = steps.iter().map(|s| run_step(&offline, s)).collect();

    let served = dir.path().join("served");
    let server = serve(&served);
    for (s, want) in steps.iter().zip(&expected) {
        let got = run_step(&served, s);
        let what = s.args.join(" ");
        assert_eq!(got.status.code(), want.status.code(), "status of {what}");
        // Byte for byte where nothing depends on time or history.
        let (got_out, want_out) = (
            masked(&String::from_utf8_lossy(&got.stdout)),
            masked(&String::from_utf8_lossy(&want.stdout)),
        );
        assert_eq!(got_out, want_out, "output of {what}");
        assert_eq!(
            String::from_utf8_lossy(&got.stderr),
            String::from_utf8_lossy(&want.stderr),
            "standard error of {what}"
        );
    }
    // A few that must have failed, and how.
    let err = |i: usize| String::from_utf8_lossy(&expected[i].stderr).into_owned();
    assert_eq!(expected[1].status.code(), Some(1));
    assert!(err(10).contains("no such bucket \"nosuch\""), "{}", err(10));
    assert!(
        err(11).contains("cannot open /nonexistent/file"),
        "{}",
        err(11)
    );
    assert_eq!(expected[12].stdout, b"hello, alexander\n");
    assert_eq!(expected[13].stdout, &big[100..200]);
    // Progress lines, on standard error since it is not a terminal.
    let gc = String::from_utf8_lossy(&expected[36].stderr).into_owned();
    assert!(
        gc.lines()
            .any(|l| l.starts_with("gc: ") && l.ends_with(" queued chunks")),
        "{gc}"
    );
    // The server ran them: its log names each.
    assert!(
        server.stderr().contains("admin: bucket list"),
        "{}",
        server.stderr()
    );
    assert!(server.stop().success());
}

#[test]
fn json_output_parses_and_says_what_the_text_says() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data);
    let ok = |args: &[&str], stdin: Option<&[u8]>| -> String {
        let out = run_step(
            &data,
            &Step {
                args: args.iter().map(|a| a.to_string()).collect(),
                stdin: stdin.map(<[u8]>::to_vec),
            },
        );
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    ok(&["bucket", "create", "docs"], None);
    ok(&["put", "docs", "x/1"], Some(b"one"));
    ok(&["put", "docs", "y"], Some(b"three"));
    let text = ok(&["ls", "docs", "--delimiter", "/"], None);
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["ls", "docs", "--delimiter", "/", "--json"], None)).unwrap();
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), text.lines().count(), "{text}\n{json}");
    assert_eq!(entries[0]["prefix"], "x/");
    assert_eq!(entries[1]["key"], "y");
    assert_eq!(entries[1]["size"], 5);
    assert_eq!(
        text.lines().nth(1).unwrap(),
        format!("{}  {:>12}  y", entries[1]["modified"].as_str().unwrap(), 5)
    );

    let buckets: serde_json::Value =
        serde_json::from_str(&ok(&["bucket", "list", "--json"], None)).unwrap();
    assert_eq!(buckets["buckets"][0]["name"], "docs");
    assert_eq!(buckets["buckets"][0]["versioning"], "unversioned");

    for (cmd, fields) in [
        ("stats", &["buckets", "versions", "chunks", "packs"][..]),
        ("gc", &["chunks freed", "bytes freed", "chunks kept"][..]),
        (
            "compact",
            &["packs rewritten", "packs removed", "chunks moved"][..],
        ),
    ] {
        let text = ok(&[cmd], None);
        let json: serde_json::Value = serde_json::from_str(&ok(&[cmd, "--json"], None)).unwrap();
        for f in fields {
            let shown = text
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{f}:")))
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
            assert_eq!(json[f.replace(' ', "_")].to_string(), shown, "{cmd} {f}");
        }
    }
    let fsck: serde_json::Value = serde_json::from_str(&ok(&["fsck", "--json"], None)).unwrap();
    assert_eq!(fsck["consistent"], true);
    assert_eq!(fsck["versions"], 2);
    assert!(
        fsck["corrupt"].is_null(),
        "not checked without --verify-data"
    );

    ok(&["user", "add", "bob"], None);
    let users: serde_json::Value =
        serde_json::from_str(&ok(&["user", "list", "--json"], None)).unwrap();
    let names: Vec<_> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["bob", "root"]);
    ok(&["key", "create", "bob"], None);
    let keys: serde_json::Value =
        serde_json::from_str(&ok(&["key", "list", "bob", "--json"], None)).unwrap();
    assert_eq!(keys["keys"][0]["user"], "bob");
    assert_eq!(keys["keys"][0]["state"], "enabled");
    assert!(server.stop().success());
}

/// The peak resident memory of a process, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib << 10
}

#[test]
fn a_large_put_and_get_stream_through_the_socket_in_bounded_memory() {
    // Large against every buffer on the way (frames of 256 KiB, chunks of
    // at most 256 KiB), small enough for a debug build to store quickly.
    const SIZE: usize = 64 << 20;
    const STEP: usize = 1 << 20;
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data);
    let out = run_step(&data, &step(&["bucket", "create", "big"]));
    assert!(out.status.success());
    let before = peak_rss(server.child.id());

    // Put from a generated stream, never held whole.
    let mut put = alexander(&data)
        .args(["put", "big", "blob"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = put.stdin.take().unwrap();
    let writer = thread::spawn(move || {
        let mut md5 = Md5::new();
        for i in 0..SIZE / STEP {
            let block = noise(STEP, i as u64 + 1);
            md5.update(&block);
            pipe.write_all(&block).unwrap();
        }
        hex(&md5.finalize())
    });
    let put = put.wait_with_output().unwrap();
    let sent = writer.join().unwrap();
    assert!(
        put.status.success(),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    let line = String::from_utf8(put.stdout).unwrap();
    assert!(
        line.starts_with(&format!("stored big/blob: {SIZE} bytes")),
        "{line}"
    );
    assert!(
        line.trim_end().ends_with(&format!("etag {sent}")),
        "{line} vs {sent}"
    );

    // Get it back, hashing as it comes.
    let mut get = alexander(&data)
        .args(["get", "big", "blob"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = get.stdout.take().unwrap();
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; STEP];
    let mut total = 0;
    loop {
        let n = stdout.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n;
        md5.update(&buf[..n]);
    }
    assert!(get.wait().unwrap().success());
    assert_eq!(total, SIZE);
    assert_eq!(hex(&md5.finalize()), sent);

    let growth = peak_rss(server.child.id()).saturating_sub(before);
    assert!(
        growth < 24 << 20,
        "the server's peak memory grew by {} MiB for a {} MiB object",
        growth >> 20,
        SIZE >> 20
    );
    assert!(server.stop().success());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_client_killed_mid_put_leaves_no_object() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data);
    assert!(
        run_step(&data, &step(&["bucket", "create", "cut"]))
            .status
            .success()
    );
    let mut put = alexander(&data)
        .args(["put", "cut", "half"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut pipe = put.stdin.take().unwrap();
    // Enough to be well inside the put (the server has read some of it),
    // and the pipe kept open, so the client is killed mid-stream.
    pipe.write_all(&noise(4 << 20, 3)).unwrap();
    put.kill().unwrap();
    put.wait().unwrap();
    drop(pipe);
    wait_until(
        "the server sees the put end early",
        Duration::from_secs(30),
        || server.stderr().contains("admin: put: "),
    );
    let log = server.stderr();
    assert!(log.contains("before the end of its input"), "{log}");
    let ls = run_step(&data, &step(&["ls", "cut"]));
    assert!(ls.status.success());
    assert_eq!(
        String::from_utf8_lossy(&ls.stdout),
        "",
        "no object, not even a truncated one"
    );
    let fsck = run_step(&data, &step(&["fsck"]));
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stdout)
    );
    assert!(server.stop().success());
}

/// A fake server on `data`'s socket that answers every hello with `answer`.
fn fake_server(data: &Path, answer: &'static str) -> PathBuf {
    std::fs::create_dir_all(data).unwrap();
    std::fs::create_dir_all(data.join("meta")).unwrap();
    let path = data.join("admin.sock");
    let listener = UnixListener::bind(&path).unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut line = String::new();
            let _ = BufReader::new(&stream).read_line(&mut line);
            let _ = (&stream).write_all(answer.as_bytes());
        }
    });
    path
}

#[test]
fn a_server_of_another_protocol_version_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    // A server from before commands ran remotely knows only its requests.
    let old = dir.path().join("old");
    fake_server(
        &old,
        "{\"error\":\"not a request: unknown variant `hello`\"}\n",
    );
    let out = run_step(&old, &step(&["bucket", "list"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("speaks only the first version of the admin protocol"),
        "{err}"
    );
    assert!(err.contains("run the alexander the server runs"), "{err}");

    let newer = dir.path().join("newer");
    fake_server(&newer, "{\"ok\":{\"hello\":{\"version\":99}}}\n");
    let out = run_step(&newer, &step(&["user", "list"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("speaks version 99 of the admin protocol"),
        "{err}"
    );

    // A real server told of another version says which it speaks.
    let data = dir.path().join("data");
    let server = serve(&data);
    let mut raw = std::os::unix::net::UnixStream::connect(data.join("admin.sock")).unwrap();
    raw.write_all(b"{\"cmd\":\"hello\",\"version\":1}\n")
        .unwrap();
    let mut line = String::new();
    BufReader::new(&raw).read_line(&mut line).unwrap();
    assert!(line.contains("this server speaks version"), "{line}");
    drop(raw);
    assert!(server.stop().success());
}

#[test]
fn serve_is_not_sent_to_a_server() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data);
    let out = Command::new(env!("CARGO_BIN_EXE_alexander"))
        .args([
            "--data",
            data.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already running"));
    assert!(server.stop().success());
}
