//! pjdfstest, the POSIX filesystem conformance suite, against a real mount.
//!
//! The suite runs as root in a bucket of a root mount with `allow_other`,
//! switching to the users `nobody` and `tests` for its permission cases
//! (`pjdfstest/pjdfstest.toml`). Every result must be what
//! `pjdfstest/expected.txt` says: a case passes unless listed there as a
//! failure or a skip, with its reason. A new failure fails this test, and so
//! does a listed case that now passes, so the list stays true.

use crate::common;

#[path = "pjdfstest/check.rs"]
mod check;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use alexander_store::Config;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pjdfstest")
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
    // A bucket every local user may write to: with `allow_other` the mount
    // grants users other than its own no more than the bucket's ACL grants
    // anonymous S3 callers, and the suite's cases run as nobody and tests.
    let Some(session) = common::shared_mount(Config::default()) else {
        return;
    };
    let dir = session.path().join("shared");
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
    match check::compare(&suite_dir(), &report) {
        Ok(summary) => eprintln!("{summary}"),
        Err(wrong) => panic!(
            "pjdfstest results differ from fuse/tests/pjdfstest/expected.txt:\n{wrong}\n--- report\n{report}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}
