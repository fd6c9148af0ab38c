//! Programs that lean on POSIX harder than copy tools do, run in the
//! mount: sqlite3 in WAL mode (shared memory maps, fsync, a writer killed
//! in the middle of its transactions) and git (many small files, renames,
//! packing).

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `sqlite3 db sql` and returns its output, trimmed.
fn sqlite(program: &Path, db: &Path, sql: &str) -> String {
    let out = common::run_ok(
        Command::new(program).arg(db).arg(sql),
        Duration::from_secs(60),
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn sqlite_in_wal_mode_survives_its_writer_being_killed() {
    let program = tool!("sqlite3", &["--version"]);
    let s = mounted!();
    let dir = s.path().join("bk1");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("app.db");
    assert_eq!(
        sqlite(
            &program,
            &db,
            "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
        ),
        "wal"
    );

    // A writer committing one row per transaction, saying after each
    // which row is in: killed once 300 are acknowledged.
    let mut writer = Command::new(&program)
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = writer.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        for i in 0..100_000 {
            let line = format!(
                "INSERT INTO t(v) VALUES('row {i} {}'); SELECT 'ack', max(id) FROM t;\n",
                "x".repeat(i % 300)
            );
            if stdin.write_all(line.as_bytes()).is_err() {
                break;
            }
        }
    });
    let mut acked = 0u64;
    let started = Instant::now();
    let mut lines = BufReader::new(writer.stdout.take().unwrap()).lines();
    while acked < 300 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "sqlite3 acknowledged {acked} rows in 120 s"
        );
        let Some(Ok(line)) = lines.next() else {
            panic!("sqlite3 stopped after {acked} rows");
        };
        if let Some(n) = line.strip_prefix("ack|") {
            acked = n.parse().unwrap();
        }
    }
    writer.kill().unwrap();
    writer.wait().unwrap();
    // What it said after the kill was sent counts too.
    for line in lines.map_while(Result::ok) {
        if let Some(n) = line.strip_prefix("ack|") {
            acked = acked.max(n.parse().unwrap());
        }
    }
    feeder.join().unwrap();

    // Every acknowledged row is there, the rows are whole, the database
    // checks out, and it takes writes again.
    assert_eq!(sqlite(&program, &db, "PRAGMA integrity_check;"), "ok");
    let counts = sqlite(&program, &db, "SELECT count(*), max(id) FROM t;");
    let (count, max) = counts.split_once('|').unwrap();
    let (count, max): (u64, u64) = (count.parse().unwrap(), max.parse().unwrap());
    assert_eq!(count, max, "rows 1..{max} with none missing");
    assert!(count >= acked, "{count} rows, {acked} acknowledged");
    sqlite(
        &program,
        &db,
        "INSERT INTO t(v) VALUES('after'); PRAGMA wal_checkpoint(TRUNCATE);",
    );
    assert_eq!(
        sqlite(&program, &db, "SELECT count(*) FROM t;"),
        (count + 1).to_string()
    );
    assert_eq!(sqlite(&program, &db, "PRAGMA integrity_check;"), "ok");
}

#[test]
fn git_init_commit_gc_and_fsck() {
    let program = tool!("git", &["--version"]);
    let s = mounted!();
    let repo = s.path().join("bk1/repo");
    std::fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| {
        let out = common::run_ok(
            Command::new(&program)
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(["-c", "init.defaultBranch=main", "-c", "gc.auto=0"])
                .args(args)
                .current_dir(&repo),
            Duration::from_secs(120),
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["init", "-q"]);
    for round in 0..5 {
        for i in 0..40 {
            let p = repo.join(format!("src/m{}/f{i}.txt", i % 4));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, format!("round {round} file {i}\n").repeat(1 + i)).unwrap();
        }
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", &format!("round {round}")]);
    }
    git(&["mv", "src/m0", "src/moved"]);
    git(&["commit", "-q", "-m", "move"]);
    git(&["gc", "-q", "--aggressive"]);
    git(&["fsck", "--full", "--strict"]);
    assert_eq!(git(&["rev-list", "--count", "HEAD"]).trim(), "6");
    assert_eq!(git(&["status", "--porcelain"]), "");
    // A clone of it, in the mount too, checks out the same tree.
    common::run_ok(
        Command::new(&program)
            .args(["clone", "-q"])
            .arg(&repo)
            .arg(s.path().join("bk1/clone")),
        Duration::from_secs(120),
    );
    let a = std::fs::read(repo.join("src/moved/f8.txt")).unwrap();
    let b = std::fs::read(s.path().join("bk1/clone/src/moved/f8.txt")).unwrap();
    assert_eq!(a, b);
}
