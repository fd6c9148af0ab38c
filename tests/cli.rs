//! The `alexander` binary's commands, run as a user runs them: the real
//! executable against a store in a temporary directory.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use alexander_store::{Config, PutOptions, Store, Versioning};
use tempfile::TempDir;

/// A temporary directory holding a store (in `data/`) and input files.
struct Env {
    dir: TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn data(&self) -> PathBuf {
        self.path("data")
    }

    /// The binary, run in the temp dir with no ALEXANDER_* settings from
    /// the caller's environment, and no standard input.
    fn bare(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_alexander"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("ALEXANDER_") {
                cmd.env_remove(name);
            }
        }
        cmd.env_remove("RUST_LOG")
            .current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// The binary pointed at this store with `--data`.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare(&["--data", self.data().to_str().unwrap()]);
        cmd.args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run alexander")
    }

    /// Runs a command that must succeed; returns its standard output.
    fn ok_bytes(&self, args: &[&str]) -> Vec<u8> {
        let out = self.run(args);
        assert_ok(&out, args);
        out.stdout
    }

    fn ok(&self, args: &[&str]) -> String {
        String::from_utf8(self.ok_bytes(args)).expect("UTF-8 output")
    }

    /// Runs a command that must fail with status 1; returns its standard
    /// error.
    fn fails(&self, args: &[&str]) -> String {
        failed(self.run(args), args)
    }

    /// Runs a command with `input` on standard input.
    fn with_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn alexander");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input).expect("write stdin");
        drop(stdin);
        child.wait_with_output().expect("wait for alexander")
    }

    fn put_stdin(&self, bucket: &str, key: &str, data: &[u8]) -> String {
        let args = ["put", bucket, key];
        let out = self.with_stdin(&args, data);
        assert_ok(&out, &args);
        String::from_utf8(out.stdout).unwrap()
    }

    fn write_file(&self, name: &str, data: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, data).expect("write input file");
        path
    }
}

fn assert_ok(out: &Output, args: &[&str]) {
    assert!(
        out.status.success(),
        "alexander {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn failed(out: Output, args: &[&str]) -> String {
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "alexander {args:?} should fail with status 1; stderr: {stderr}"
    );
    // Progress lines (gc, compact, fsck) may come before the error.
    assert!(
        stderr.starts_with("alexander: ")
            || stderr
                .lines()
                .find(|l| !["fsck: ", "gc: ", "compact: ", "scrub: "]
                    .iter()
                    .any(|p| l.starts_with(p)))
                .is_some_and(|l| l.starts_with("alexander: ")),
        "error should start with the program name: {stderr:?}"
    );
    stderr
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

/// The value of `label:` in a `label: value` report.
fn field<'a>(report: &'a str, label: &str) -> &'a str {
    report
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{label}:")))
        .unwrap_or_else(|| panic!("no {label:?} in report:\n{report}"))
        .trim()
}

fn number(report: &str, label: &str) -> u64 {
    let value = field(report, label);
    value
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{label} is not a number: {value:?}"))
}

/// The last column of each line of a listing: keys, or `PRE prefix`.
fn names(listing: &str) -> Vec<String> {
    listing
        .lines()
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            match fields.as_slice() {
                ["PRE", p] => format!("PRE {p}"),
                _ => fields.last().unwrap().to_string(),
            }
        })
        .collect()
}

/// `(version id, size or "deleted", latest)` of each line of `ls --versions`.
fn versions(listing: &str) -> Vec<(String, String, bool)> {
    listing
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[2].to_owned(),
                f[1].to_owned(),
                f.len() == 5 && f[3] == "latest",
            )
        })
        .collect()
}

#[test]
fn put_from_file_and_stdin_then_get_back_exactly() {
    let env = Env::new();
    assert_eq!(
        env.ok(&["bucket", "create", "media"]),
        "created bucket media\n"
    );

    let data = noise(4 << 20, 1);
    let file = env.write_file("input.bin", &data);
    let out = env.ok(&["put", "media", "from-file.bin", file.to_str().unwrap()]);
    assert!(
        out.starts_with("stored media/from-file.bin: 4194304 bytes, version null, etag "),
        "{out}"
    );
    env.put_stdin("media", "from-stdin.bin", &data);
    let other = noise(3 << 20, 2);
    let out = env.with_stdin(&["put", "media", "dash.bin", "-"], &other);
    assert_ok(&out, &["put", "-"]);

    assert!(env.ok_bytes(&["get", "media", "from-file.bin"]) == data);
    assert!(env.ok_bytes(&["get", "media", "from-stdin.bin"]) == data);
    assert!(env.ok_bytes(&["get", "media", "dash.bin"]) == other);

    // Ranges: inclusive START-END, START- to the end, -N for the last N.
    let range = env.ok_bytes(&["get", "media", "from-file.bin", "--range", "1000-1999"]);
    assert!(range == data[1000..2000]);
    let across = env.ok_bytes(&["get", "media", "dash.bin", "--range", "65000-300000"]);
    assert!(across == other[65000..300001]);
    let tail = env.ok_bytes(&["get", "media", "from-file.bin", "--range", "4194000-"]);
    assert!(tail == data[4194000..]);
    let suffix = env.ok_bytes(&["get", "media", "from-file.bin", "--range", "-10"]);
    assert!(suffix == data[data.len() - 10..]);

    // The same bytes twice are stored once.
    let stats = env.ok(&["stats"]);
    assert_eq!(number(&stats, "buckets"), 1);
    assert_eq!(number(&stats, "versions"), 3);
    assert_eq!(number(&stats, "logical bytes"), (8 << 20) + (3 << 20));
    assert_eq!(number(&stats, "stored bytes"), (4 << 20) + (3 << 20));
    assert_eq!(field(&stats, "dedup ratio"), "1.57");
    assert!(number(&stats, "chunks") > 50, "{stats}");
    assert!(number(&stats, "packs") >= 1, "{stats}");
    let live: f64 = field(&stats, "live fraction").parse().unwrap();
    assert!(live > 0.99, "{stats}");
}

#[test]
fn content_type_and_empty_objects() {
    let env = Env::new();
    env.ok(&["bucket", "create", "docs"]);
    let out = env.with_stdin(
        &["put", "docs", "empty", "--content-type", "text/plain"],
        b"",
    );
    assert_ok(&out, &["put"]);
    assert!(env.ok_bytes(&["get", "docs", "empty"]).is_empty());
    // Nothing to range over in an empty object.
    let err = env.fails(&["get", "docs", "empty", "--range", "0-0"]);
    assert!(err.contains("range not satisfiable"), "{err}");
}

#[test]
fn ls_with_prefix_and_delimiter() {
    let env = Env::new();
    env.ok(&["bucket", "create", "tree"]);
    for key in ["a/1", "a/2", "a/b/3", "b", "c/4"] {
        env.put_stdin("tree", key, key.as_bytes());
    }
    let all = env.ok(&["ls", "tree"]);
    assert_eq!(names(&all), ["a/1", "a/2", "a/b/3", "b", "c/4"]);
    // Each line: time, size, key.
    let first: Vec<&str> = all.lines().next().unwrap().split_whitespace().collect();
    assert!(first[0].ends_with('Z') && first[0].contains('T'), "{all}");
    assert_eq!(first[1], "3");

    let top = env.ok(&["ls", "tree", "--delimiter", "/"]);
    assert_eq!(names(&top), ["PRE a/", "b", "PRE c/"]);
    let a = env.ok(&["ls", "tree", "--prefix", "a/", "--delimiter", "/"]);
    assert_eq!(names(&a), ["a/1", "a/2", "PRE a/b/"]);
    let none = env.ok(&["ls", "tree", "--prefix", "zzz"]);
    assert_eq!(none, "");
}

#[test]
fn ls_reads_every_page() {
    let env = Env::new();
    // Fill the store in-process: a thousand puts through the binary would
    // be slow, and only the listing is under test.
    {
        let store = Store::open(env.data(), Config::default()).unwrap();
        store.create_bucket("many").unwrap();
        store.set_versioning("many", Versioning::Enabled).unwrap();
        for i in 0..1100 {
            let key = format!("dir{}/key{i:05}", i % 3);
            store
                .put_object("many", &key, &b"x"[..], PutOptions::default())
                .unwrap();
            if i % 2 == 0 {
                store
                    .put_object("many", &key, &b"yy"[..], PutOptions::default())
                    .unwrap();
            }
        }
    }
    let listing = env.ok(&["ls", "many"]);
    let keys = names(&listing);
    assert_eq!(keys.len(), 1100);
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted, "keys are listed once each, in order");

    let all_versions = env.ok(&["ls", "many", "--versions"]);
    assert_eq!(all_versions.lines().count(), 1650);
    let latest = versions(&all_versions).iter().filter(|v| v.2).count();
    assert_eq!(latest, 1100);

    let dirs = env.ok(&["ls", "many", "--versions", "--delimiter", "/"]);
    assert_eq!(names(&dirs), ["PRE dir0/", "PRE dir1/", "PRE dir2/"]);
}

#[test]
fn versioning_rm_and_version_listing() {
    let env = Env::new();
    env.ok(&["bucket", "create", "vers"]);
    assert_eq!(env.ok(&["bucket", "versioning", "vers"]), "unversioned\n");
    env.ok(&["bucket", "versioning", "vers", "enabled"]);
    assert_eq!(env.ok(&["bucket", "versioning", "vers"]), "enabled\n");
    let list = env.ok(&["bucket", "list"]);
    assert!(list.trim_end().ends_with("enabled      vers"), "{list}");

    env.put_stdin("vers", "note", b"first");
    env.put_stdin("vers", "note", b"second");
    let listed = versions(&env.ok(&["ls", "vers", "--versions"]));
    assert_eq!(listed.len(), 2);
    let (v2, v1) = (listed[0].0.clone(), listed[1].0.clone());
    assert!(listed[0].2 && !listed[1].2, "{listed:?}");
    assert_eq!(
        env.ok_bytes(&["get", "vers", "note", "--version", &v1]),
        b"first"
    );

    // rm leaves a delete marker; the versions stay.
    let out = env.ok(&["rm", "vers", "note"]);
    assert!(
        out.starts_with("deleted vers/note: delete marker "),
        "{out}"
    );
    let err = env.fails(&["get", "vers", "note"]);
    assert_eq!(err, "alexander: no such key \"note\"\n");
    assert_eq!(names(&env.ok(&["ls", "vers"])).len(), 0);
    let listed = versions(&env.ok(&["ls", "vers", "--versions"]));
    assert_eq!(listed.len(), 3);
    let marker = listed[0].0.clone();
    assert_eq!(listed[0].1, "deleted");
    assert!(listed[0].2);
    // rm of a key with no current object is an error, not a second marker.
    let err = env.fails(&["rm", "vers", "note"]);
    assert!(err.contains("no such key"), "{err}");

    // Removing the marker by id brings the newest version back.
    let out = env.ok(&["rm", "vers", "note", "--version", &marker]);
    assert_eq!(
        out,
        format!("deleted delete marker {marker} of vers/note\n")
    );
    assert_eq!(env.ok_bytes(&["get", "vers", "note"]), b"second");
    // Removing a version by id deletes it for good.
    env.ok(&["rm", "vers", "note", "--version", &v2]);
    assert_eq!(env.ok_bytes(&["get", "vers", "note"]), b"first");
    let err = env.fails(&["get", "vers", "note", "--version", &v2]);
    assert!(err.contains("no such version"), "{err}");

    // Versioning can be suspended, never undone.
    env.ok(&["bucket", "versioning", "vers", "suspended"]);
    assert_eq!(env.ok(&["bucket", "versioning", "vers"]), "suspended\n");
    let out = env.run(&["bucket", "versioning", "vers", "unversioned"]);
    assert_eq!(out.status.code(), Some(2), "not a value the command takes");
}

#[test]
fn snapshot_keeps_what_was_overwritten() {
    let env = Env::new();
    env.ok(&["bucket", "create", "snaps"]);
    let before = noise(2 << 20, 3);
    env.put_stdin("snaps", "big.bin", &before);
    env.put_stdin("snaps", "gone.txt", b"soon deleted");
    assert_eq!(
        env.ok(&["snapshot", "create", "snaps", "monday"]),
        "created snapshot monday of bucket snaps\n"
    );

    let after = noise(2 << 20, 4);
    env.put_stdin("snaps", "big.bin", &after);
    env.ok(&["rm", "snaps", "gone.txt"]);
    assert!(env.ok_bytes(&["get", "snaps", "big.bin"]) == after);
    assert!(env.ok_bytes(&["get", "snaps", "big.bin", "--snapshot", "monday"]) == before);
    let range = env.ok_bytes(&[
        "get",
        "snaps",
        "big.bin",
        "--snapshot",
        "monday",
        "--range",
        "100-199",
    ]);
    assert!(range == before[100..200]);
    assert_eq!(
        env.ok_bytes(&["get", "snaps", "gone.txt", "--snapshot", "monday"]),
        b"soon deleted"
    );
    assert_eq!(names(&env.ok(&["ls", "snaps"])), ["big.bin"]);
    assert_eq!(
        names(&env.ok(&["ls", "snaps", "--snapshot", "monday"])),
        ["big.bin", "gone.txt"]
    );

    let list = env.ok(&["snapshot", "list", "snaps"]);
    assert_eq!(names(&list), ["monday"]);
    let err = env.fails(&["snapshot", "create", "snaps", "monday"]);
    assert!(err.contains("already exists"), "{err}");
    let err = env.fails(&["snapshot", "create", "snaps", "a/b"]);
    assert!(err.contains("invalid snapshot name"), "{err}");

    env.ok(&["snapshot", "delete", "snaps", "monday"]);
    assert_eq!(env.ok(&["snapshot", "list", "snaps"]), "");
    let err = env.fails(&["get", "snaps", "big.bin", "--snapshot", "monday"]);
    assert_eq!(err, "alexander: no such snapshot \"monday\"\n");
}

#[test]
fn mv_renames_within_a_bucket() {
    let env = Env::new();
    env.ok(&["bucket", "create", "moves"]);
    env.put_stdin("moves", "old", b"payload");
    env.put_stdin("moves", "taken", b"other");
    let out = env.ok(&["mv", "moves", "old", "new"]);
    assert_eq!(out, "moved moves/old to moves/new (version null)\n");
    assert_eq!(env.ok_bytes(&["get", "moves", "new"]), b"payload");
    let err = env.fails(&["get", "moves", "old"]);
    assert!(err.contains("no such key \"old\""), "{err}");

    let err = env.fails(&["mv", "--no-clobber", "moves", "new", "taken"]);
    assert_eq!(err, "alexander: \"taken\" already exists\n");
    assert_eq!(env.ok_bytes(&["get", "moves", "taken"]), b"other");
    env.ok(&["mv", "moves", "new", "taken"]);
    assert_eq!(env.ok_bytes(&["get", "moves", "taken"]), b"payload");
    let err = env.fails(&["mv", "moves", "missing", "x"]);
    assert!(err.contains("no such key \"missing\""), "{err}");
}

#[test]
fn gc_compact_and_fsck() {
    let env = Env::new();
    env.ok(&["bucket", "create", "space"]);
    env.put_stdin("space", "obj", &noise(2 << 20, 5));
    // Overwriting in an unversioned bucket drops every old chunk.
    env.put_stdin("space", "obj", &noise(2 << 20, 6));

    // Within the grace period nothing is freed.
    let report = env.ok(&["gc"]);
    assert_eq!(number(&report, "chunks freed"), 0);
    let kept = number(&report, "chunks kept");
    assert!(kept > 10, "{report}");

    let report = env.ok(&["--gc-grace-period-secs", "0", "gc"]);
    assert_eq!(number(&report, "chunks freed"), kept);
    assert!(number(&report, "bytes freed") >= 2 << 20, "{report}");
    assert_eq!(number(&report, "chunks kept"), 0);

    // The first object's pack holds nothing live any more.
    let report = env.ok(&["compact"]);
    assert!(number(&report, "packs removed") >= 1, "{report}");
    assert!(number(&report, "bytes reclaimed") >= 2 << 20, "{report}");
    number(&report, "packs rewritten");
    number(&report, "chunks moved");
    let stats = env.ok(&["stats"]);
    assert_eq!(number(&stats, "stored bytes"), 2 << 20);
    assert_eq!(field(&stats, "dedup ratio"), "1.00");

    let report = env.ok(&["fsck"]);
    assert!(report.ends_with("the store is consistent\n"), "{report}");
    assert_eq!(number(&report, "versions"), 1);
    assert_eq!(number(&report, "dangling references"), 0);
    let report = env.ok(&["fsck", "--verify-data"]);
    assert_eq!(number(&report, "corrupt chunks"), 0);

    // Damage every pack: fsck --verify-data must say so and fail, and so
    // must a read, rather than return wrong bytes.
    for entry in std::fs::read_dir(env.data().join("packs")).unwrap() {
        let path = entry.unwrap().path();
        corrupt_middle(&path);
    }
    let out = env.run(&["fsck"]);
    assert!(out.status.success(), "metadata alone is still sound");
    let out = env.run(&["fsck", "--verify-data"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = failed(out, &["fsck", "--verify-data"]);
    assert!(stdout.contains("is corrupt"), "{stdout}");
    assert!(number(&stdout, "corrupt chunks") >= 1, "{stdout}");
    assert!(err.contains("fsck found"), "{err}");
    let err = env.fails(&["get", "space", "obj"]);
    assert!(err.contains("corrupt"), "{err}");
}

#[test]
fn scrub_reports_damage_with_its_users_and_a_new_upload_heals_it() {
    let env = Env::new();
    env.ok(&["bucket", "create", "space"]);
    let big = noise(1 << 20, 21);
    env.put_stdin("space", "one", &big);
    env.put_stdin("space", "small", b"kept in the metadata database");

    let report = env.ok(&["scrub", "--max-bytes-per-sec", "1GiB"]);
    assert!(report.ends_with("every chunk verifies\n"), "{report}");
    let chunks = number(&report, "chunks checked");
    assert!(chunks > 2, "{report}");
    assert_eq!(number(&report, "damaged chunks"), 0);

    for entry in std::fs::read_dir(env.data().join("packs")).unwrap() {
        corrupt_middle(&entry.unwrap().path());
    }
    let out = env.run(&["scrub"]);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let err = failed(out, &["scrub"]);
    assert!(err.contains("scrub found"), "{err}");
    assert_eq!(number(&stdout, "chunks checked"), chunks);
    let damaged = number(&stdout, "damaged chunks");
    assert!(damaged >= 1, "{stdout}");
    assert!(
        stdout.contains("is damaged: data does not match its checksum"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  used by space/one version null\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("small"), "{stdout}");

    // The same report as JSON, and the same status.
    let out = env.run(&["scrub", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    failed(out, &["scrub", "--json"]);
    assert_eq!(json["chunks_checked"], chunks);
    let listed = json["damaged"].as_array().unwrap();
    assert_eq!(listed.len() as u64, damaged);
    assert_eq!(listed[0]["chunk"].as_str().unwrap().len(), 64);
    let user = &listed[0]["users"][0];
    assert_eq!(user["kind"], "version");
    assert_eq!(
        (&user["bucket"], &user["key"]),
        (&"space".into(), &"one".into())
    );
    assert_eq!(user["version_id"], "null");

    // Damaged data is never served; the rest is.
    let err = env.fails(&["get", "space", "one"]);
    assert!(err.contains("corrupt"), "{err}");
    assert_eq!(
        env.ok_bytes(&["get", "space", "small"]),
        b"kept in the metadata database"
    );
    assert_eq!(number(&env.ok(&["stats"]), "damaged chunks"), damaged);
    let out = env.run(&["fsck"]);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    failed(out, &["fsck"]);
    assert_eq!(number(&stdout, "damaged chunks (scrub)"), damaged);

    // The same data stored again, under another key, heals the object.
    env.put_stdin("space", "copy", &big);
    assert_eq!(env.ok_bytes(&["get", "space", "one"]), big);
    let report = env.ok(&["scrub"]);
    assert_eq!(number(&report, "damaged chunks"), 0);
    env.ok(&["fsck", "--verify-data"]);
    assert_eq!(number(&env.ok(&["stats"]), "damaged chunks"), 0);
}

fn corrupt_middle(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    if bytes.len() < 4096 {
        return;
    }
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0xFF;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn bad_input_fails_with_a_clear_message() {
    let env = Env::new();
    let err = env.fails(&["ls", "anything"]);
    assert!(err.starts_with("alexander: no store in "), "{err}");
    assert!(!env.data().exists(), "a read must not create a store");

    let err = env.fails(&["bucket", "create", "Not_Valid"]);
    assert_eq!(
        err,
        "alexander: invalid bucket name \"Not_Valid\": may hold only lowercase letters, \
         digits, dots and hyphens\n"
    );
    env.ok(&["bucket", "create", "real"]);
    let err = env.fails(&["bucket", "create", "real"]);
    assert_eq!(err, "alexander: bucket \"real\" already exists\n");

    for args in [
        &["get", "missing", "k"][..],
        &["put", "missing", "k", "-"],
        &["ls", "missing"],
        &["rm", "missing", "k"],
        &["bucket", "delete", "missing"],
        &["snapshot", "list", "missing"],
    ] {
        let err = env.fails(args);
        assert_eq!(err, "alexander: no such bucket \"missing\"\n", "{args:?}");
    }

    env.put_stdin("real", "k", b"0123456789");
    let err = env.fails(&["get", "real", "k", "--range", "10-20"]);
    assert_eq!(
        err,
        "alexander: range not satisfiable for an object of 10 bytes\n"
    );
    // A range that does not parse is a usage error: status 2, from clap.
    let out = env.run(&["get", "real", "k", "--range", "9-3"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--range") && err.contains("START 9 is past END 3"),
        "{err}"
    );

    let err = env.fails(&["bucket", "delete", "real"]);
    assert_eq!(err, "alexander: bucket \"real\" is not empty\n");
    let err = env.fails(&["put", "real", "k", "no-such-file"]);
    assert!(
        err.starts_with("alexander: cannot open no-such-file: "),
        "{err}"
    );
    let err = env.fails(&["put", "real", "k", env.dir.path().to_str().unwrap()]);
    assert!(err.contains("Is a directory"), "{err}");
    assert_eq!(err.matches("Is a directory").count(), 1, "{err}");
    let err = env.fails(&["put", "real", ".snapshots/x", "-"]);
    assert!(err.contains("reserved"), "{err}");
    let err = env.fails(&["get", "real", "k", "--version", "bogus"]);
    assert!(err.contains("no such version"), "{err}");

    // What was stored is untouched by all of the above.
    assert_eq!(env.ok_bytes(&["get", "real", "k"]), b"0123456789");
}

#[test]
fn config_file_env_and_flags_in_order() {
    let env = Env::new();
    std::fs::write(
        env.path("alexander.toml"),
        "data_dir = \"from-file\"\n[gc]\ngrace_period_secs = 0\n",
    )
    .unwrap();
    let config = env.path("alexander.toml");
    let config = config.to_str().unwrap();
    let sub = env.path("elsewhere");
    std::fs::create_dir(&sub).unwrap();

    // A relative data_dir is beside the file, wherever the command runs.
    let out = env
        .bare(&["--config", config, "bucket", "create", "conf"])
        .current_dir(&sub)
        .output()
        .unwrap();
    assert_ok(&out, &["--config"]);
    assert!(env.path("from-file/meta").is_dir());

    // The environment beats the file; a flag beats the environment.
    let out = env
        .bare(&["--config", config, "bucket", "create", "envb"])
        .env("ALEXANDER_DATA", env.path("from-env"))
        .output()
        .unwrap();
    assert_ok(&out, &["ALEXANDER_DATA"]);
    assert!(env.path("from-env/meta").is_dir());
    let flag = env.path("from-flag");
    let out = env
        .bare(&["--config", config, "--data", flag.to_str().unwrap()])
        .args(["bucket", "create", "flagb"])
        .env("ALEXANDER_DATA", env.path("from-env"))
        .output()
        .unwrap();
    assert_ok(&out, &["--data"]);
    assert!(flag.join("meta").is_dir());

    // The file's grace period of 0 applies; the environment overrides it.
    let put = |data: &[u8]| {
        let mut child = env
            .bare(&["--config", config, "put", "conf", "k"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(data).unwrap();
        assert!(child.wait().unwrap().success());
    };
    put(&noise(1 << 20, 7));
    put(&noise(1 << 20, 8));
    let out = env
        .bare(&["--config", config, "gc"])
        .env("ALEXANDER_GC_GRACE_PERIOD_SECS", "3600")
        .output()
        .unwrap();
    let report = String::from_utf8(out.stdout).unwrap();
    assert_eq!(number(&report, "chunks freed"), 0, "{report}");
    let out = env.bare(&["--config", config, "gc"]).output().unwrap();
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(number(&report, "chunks freed") > 0, "{report}");

    // Mistakes in the file are reported with where they are.
    std::fs::write(env.path("bad.toml"), "[gc]\ngrace_period = 5\n").unwrap();
    let out = env
        .bare(&["--config", "bad.toml", "stats"])
        .output()
        .unwrap();
    let err = failed(out, &["--config", "bad.toml"]);
    assert!(
        err.starts_with("alexander: invalid config file bad.toml: "),
        "{err}"
    );
    assert!(err.contains("unknown field `grace_period`"), "{err}");
    let out = env
        .bare(&["--config", "nope.toml", "stats"])
        .output()
        .unwrap();
    let err = failed(out, &["--config", "nope.toml"]);
    assert!(
        err.starts_with("alexander: cannot read config file nope.toml"),
        "{err}"
    );
    let out = env
        .bare(&["--config", config, "--chunking-avg-kib", "1", "stats"])
        .output()
        .unwrap();
    let err = failed(out, &["--chunking-avg-kib"]);
    assert!(err.contains("invalid chunk sizes"), "{err}");
}

#[test]
fn a_store_in_use_is_reported_as_such() {
    let env = Env::new();
    env.ok(&["bucket", "create", "busy"]);
    let held = Store::open(env.data(), Config::default()).unwrap();
    let err = env.fails(&["ls", "busy"]);
    assert!(err.contains("is in use by another process"), "{err}");
    drop(held);
    env.ok(&["ls", "busy"]);
}

#[test]
fn get_into_a_closed_pipe_is_not_an_error() {
    let env = Env::new();
    env.ok(&["bucket", "create", "pipe"]);
    env.put_stdin("pipe", "big", &noise(8 << 20, 9));
    let mut child = env
        .cmd(&["get", "pipe", "big"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut head = [0u8; 16];
    stdout.read_exact(&mut head).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn logs_go_to_stderr_as_json_when_asked() {
    let env = Env::new();
    env.ok(&["bucket", "create", "logs"]);
    let out = env
        .cmd(&["--log-format", "json", "bucket", "list"])
        .env("RUST_LOG", "alexander=debug")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.is_empty());
    for line in stderr.lines() {
        assert!(line.starts_with('{') && line.ends_with('}'), "{line}");
    }
    assert!(String::from_utf8(out.stdout).unwrap().ends_with("logs\n"));
}

#[test]
fn help_says_how_the_store_is_opened() {
    let env = Env::new();
    let help = String::from_utf8(env.bare(&["--help"]).output().unwrap().stdout).unwrap();
    assert!(help.contains("opens the store directly"), "{help}");
    assert!(help.contains("admin socket"), "{help}");
    for command in [
        "serve",
        "user",
        "key",
        "bucket",
        "put",
        "get",
        "ls",
        "rm",
        "mv",
        "snapshot",
        "stats",
        "gc",
        "compact",
        "fsck",
        "scrub",
        "lifecycle",
        "generate",
    ] {
        assert!(
            help.contains(&format!("  {command} ")),
            "{command} in {help}"
        );
    }
    // Shell completions, for the package to install.
    for shell in ["bash", "zsh", "fish"] {
        let out = env
            .bare(&["generate", "completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "completions for {shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains("alexander"), "{shell}: {script}");
        assert!(
            script.contains("lifecycle"),
            "{shell} completes subcommands"
        );
    }
    let man = String::from_utf8(env.bare(&["generate", "man"]).output().unwrap().stdout).unwrap();
    assert!(man.contains("\n.TH alexander 1 "), "{}", &man[..100]);
    assert_eq!(man.matches(".TH ").count(), 1);
    assert!(man.contains("alexander snapshot create BUCKET NAME"));
    assert!(man.contains("alexander serve [OPTIONS]"));
    assert!(man.contains("alexander key create [OPTIONS] USER"));
    assert!(man.contains("ALEXANDER_ROOT_SECRET_KEY"));
}

#[test]
fn users_and_keys_without_a_server_open_the_store() {
    let env = Env::new();
    let err = env.fails(&["user", "add", "alice"]);
    assert!(err.contains("no store in"), "{err}");
    env.ok(&["bucket", "create", "keys"]);

    assert_eq!(env.ok(&["user", "add", "alice"]), "created user alice\n");
    let key_file = env.data().join("master.key");
    let meta = std::fs::metadata(&key_file).expect("the master key is made on first use");
    assert_eq!(meta.len(), 32);
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o600
    );
    let err = env.fails(&["user", "add", "bad name"]);
    assert!(err.contains("invalid user name"), "{err}");

    let created = env.ok(&["key", "create", "alice"]);
    let id = field(&created, "access key");
    let secret = field(&created, "secret key");
    assert_eq!(id.len(), 20, "{created}");
    assert!(secret.len() >= 40, "{created}");
    assert!(created.contains("shown only this once"), "{created}");
    let listed = env.ok(&["key", "list", "alice"]);
    assert!(
        listed.contains(id) && listed.contains("enabled"),
        "{listed}"
    );
    assert!(!listed.contains(secret), "{listed}");
    env.ok(&["key", "disable", id]);
    assert!(env.ok(&["key", "list"]).contains("disabled"));
    env.ok(&["key", "enable", id]);
    let err = env.fails(&["key", "list", "nobody"]);
    assert!(err.contains("no such user"), "{err}");

    let users = env.ok(&["user", "list"]);
    assert_eq!(names(&users), ["alice"]);
    assert_eq!(env.ok(&["user", "remove", "alice"]), "removed user alice\n");
    assert_eq!(env.ok(&["key", "list"]), "", "its keys went with it");
    let err = env.fails(&["key", "remove", id]);
    assert!(err.contains("no such access key"), "{err}");

    // Another master key is refused rather than sealing with it.
    let out = env
        .cmd(&["user", "list"])
        .env("ALEXANDER_MASTER_KEY", "ab".repeat(32))
        .output()
        .unwrap();
    let err = failed(out, &["user", "list"]);
    assert!(err.contains("is not the key of the store"), "{err}");
}

#[test]
fn bucket_keys_rule_put_and_mv() {
    let env = Env::new();
    env.ok(&["bucket", "create", "paths"]);
    assert_eq!(env.ok(&["bucket", "keys", "paths"]), "posix\n");
    // put and mv keep the rule.
    let err = env.fails(&["put", "paths", "a//b", "/dev/null"]);
    assert!(err.contains("key \"a//b\" cannot be a path"), "{err}");
    env.put_stdin("paths", "f", b"file");
    let err = env.fails(&["mv", "paths", "f", "../f"]);
    assert!(err.contains("\"..\" path component"), "{err}");
    env.put_stdin("paths", "g", b"other");
    let err = env.fails(&["mv", "paths", "g", "f/g"]);
    assert!(err.contains("\"f\" is an object"), "{err}");
    assert_eq!(names(&env.ok(&["ls", "paths"])), ["f", "g"]);

    // Off, any key goes; on again is refused while one remains.
    assert_eq!(
        env.ok(&["bucket", "keys", "paths", "any"]),
        "keys of bucket paths: any (not shown in the mount)\n"
    );
    env.put_stdin("paths", "a//b", b"odd");
    let err = env.fails(&["bucket", "keys", "paths", "posix"]);
    assert!(err.contains("\"a//b\""), "{err}");
    assert!(env.ok(&["bucket", "keys", "paths"]).starts_with("any"));
    env.ok(&["rm", "paths", "a//b"]);
    assert_eq!(
        env.ok(&["bucket", "keys", "paths", "posix"]),
        "keys of bucket paths: posix\n"
    );
}
