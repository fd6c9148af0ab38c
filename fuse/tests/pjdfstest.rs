//! pjdfstest, the POSIX filesystem conformance suite, against a real mount.
//!
//! The suite runs as root in a bucket of a root mount with `allow_other`,
//! switching to the users `nobody` and `tests` for its permission cases
//! (`pjdfstest/pjdfstest.toml`). Every result must be what
//! `pjdfstest/expected.txt` says: a case passes unless listed there as a
//! failure or a skip, with its reason. A new failure fails this test, and so
//! does a listed case that now passes, so the list stays true.

use crate::common::{self, MountedSession};

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use alexander_fuse::MountOptions;
use alexander_store::Config;
use alexander_store::access::ACL_SETTING;

/// How one case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail,
    Skip,
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pjdfstest")
}

/// The expected outcome of every listed case (unlisted ones pass).
fn expected() -> BTreeMap<String, Outcome> {
    let path = suite_dir().join("expected.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut reason = false;
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            reason = false;
            continue;
        }
        if line.starts_with("## ") {
            reason = true;
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let at = format!("{}:{}", path.display(), n + 1);
        assert!(reason, "{at}: an entry without a `## ` reason above it");
        let outcome = match line.split_once(' ') {
            Some(("fail", name)) => (name, Outcome::Fail),
            Some(("skip", name)) => (name, Outcome::Skip),
            _ => panic!("{at}: not `fail NAME` or `skip NAME`: {line}"),
        };
        let previous = out.insert(outcome.0.trim().to_owned(), outcome.1);
        assert!(previous.is_none(), "{at}: listed twice");
    }
    out
}

/// Every case's outcome in the runner's report: a line per case, the name
/// first and `ok`, `FAILED` or `skipped` last, detail lines indented.
fn outcomes(report: &str) -> BTreeMap<String, Outcome> {
    report
        .lines()
        .filter(|l| !l.starts_with([' ', '\t']))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?;
            let outcome = match words.next_back()? {
                "ok" => Outcome::Pass,
                "FAILED" => Outcome::Fail,
                "skipped" => Outcome::Skip,
                _ => return None,
            };
            name.contains("::").then(|| (name.to_owned(), outcome))
        })
        .collect()
}

/// Whether the local user `name` exists; under CI its absence fails the
/// test (`.ci/run` creates `tests`).
fn user_exists(name: &str) -> bool {
    let found = Command::new("id")
        .arg(name)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let why = format!("the user {name} does not exist (.ci/run creates it)");
        assert!(!common::in_ci(), "pjdfstest needs it under CI: {why}");
        eprintln!("skipping pjdfstest: {why}");
    }
    found
}

#[test]
fn pjdfstest_results_are_the_expected_ones() {
    let pjdfstest = tool!("pjdfstest", &["--version"]);
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        assert!(!common::in_ci(), "pjdfstest runs as root under CI");
        eprintln!("skipping pjdfstest: it needs root to switch users");
        return;
    }
    if !user_exists("nobody") || !user_exists("tests") {
        return;
    }
    let options = MountOptions {
        ttl: Duration::ZERO,
        allow_other: true,
        ..MountOptions::default()
    };
    // A bucket every local user may write to: with `allow_other` the mount
    // grants users other than its own no more than the bucket's ACL grants
    // anonymous S3 callers, and the suite's cases run as nobody and tests.
    let Some(session) =
        MountedSession::with_in(Path::new("/tmp"), Config::default(), options, |store| {
            let mut settings = BTreeMap::new();
            settings.insert(ACL_SETTING.to_owned(), "public-read-write".to_owned());
            store.create_bucket_with("pjdfstest", settings).unwrap();
        })
    else {
        return;
    };
    let dir = session.path().join("pjdfstest");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    // Another filesystem, for the cross-device rename and link cases.
    let other = tempfile::TempDir::new_in("/tmp").unwrap();

    let out = common::run_timed(
        Command::new(pjdfstest)
            .arg("-c")
            .arg(suite_dir().join("pjdfstest.toml"))
            .arg("-p")
            .arg(&dir)
            .arg("-s")
            .arg(other.path()),
        Duration::from_secs(600),
    );
    let report = String::from_utf8_lossy(&out.stdout);
    let got = outcomes(&report);
    assert!(
        got.len() > 300,
        "pjdfstest reported {} cases ({})\n--- stdout\n{report}\n--- stderr\n{}",
        got.len(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    let expected = expected();
    let mut wrong = Vec::new();
    for (name, outcome) in &got {
        let want = expected.get(name).copied().unwrap_or(Outcome::Pass);
        if *outcome != want {
            wrong.push(format!("{name}: {outcome:?}, expected {want:?}"));
        }
    }
    for name in expected.keys().filter(|n| !got.contains_key(*n)) {
        wrong.push(format!("{name}: listed in expected.txt but not run"));
    }
    let count = |o| got.values().filter(|v| **v == o).count();
    eprintln!(
        "pjdfstest: {} passed, {} failed, {} skipped",
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::Skip)
    );
    assert!(
        wrong.is_empty(),
        "pjdfstest results differ from tests/pjdfstest/expected.txt:\n{}\n--- report\n{report}",
        wrong.join("\n")
    );
}

#[test]
fn the_report_parser_reads_each_outcome() {
    let report = "chmod::a::regular                 ok\n\
                  chmod::b                          FAILED\n\
                  \tTimestamps did not change as expected\n\
                  Backtrace:\n\
                  link::c                           skipped\n\
                  \tNo secondary file-system has been configured.\n\
                  Summary: 1 failed, 1 skipped, 1 passed, 0 expected failures, 3 total\n";
    let got = outcomes(report);
    assert_eq!(got.len(), 3);
    assert_eq!(got["chmod::a::regular"], Outcome::Pass);
    assert_eq!(got["chmod::b"], Outcome::Fail);
    assert_eq!(got["link::c"], Outcome::Skip);
}
