//! Reading pjdfstest's report and comparing it with `expected.txt`: shared
//! by the root mount's run (`fuse/tests/pjdfstest.rs`) and the run through
//! a mount made by a user other than root (`tests/serve.rs`).

use std::collections::BTreeMap;
use std::path::Path;

/// How one case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
}

/// The expected outcome of every case `expected.txt` (in `dir`) lists;
/// unlisted cases pass.
pub fn expected(dir: &Path) -> BTreeMap<String, Outcome> {
    let path = dir.join("expected.txt");
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
        let (name, outcome) = match line.split_once(' ') {
            Some(("fail", name)) => (name, Outcome::Fail),
            Some(("skip", name)) => (name, Outcome::Skip),
            _ => panic!("{at}: not `fail NAME` or `skip NAME`: {line}"),
        };
        let previous = out.insert(name.trim().to_owned(), outcome);
        assert!(previous.is_none(), "{at}: listed twice");
    }
    out
}

/// Every case's outcome in the runner's report: a line per case, the name
/// first and `ok`, `FAILED` or `skipped` last, detail lines indented.
pub fn outcomes(report: &str) -> BTreeMap<String, Outcome> {
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

/// Compares a report with `expected.txt` in `dir`: a summary line, or every
/// difference (a case that ends otherwise than listed, or a listed case
/// that did not run).
pub fn compare(dir: &Path, report: &str) -> Result<String, String> {
    let got = outcomes(report);
    if got.len() < 300 {
        return Err(format!("the report names only {} cases", got.len()));
    }
    let expected = expected(dir);
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
    if !wrong.is_empty() {
        return Err(wrong.join("\n"));
    }
    let count = |o| got.values().filter(|v| **v == o).count();
    Ok(format!(
        "pjdfstest: {} passed, {} failed, {} skipped, as expected",
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::Skip)
    ))
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
