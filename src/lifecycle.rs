//! `alexander lifecycle run`: one lifecycle pass over the store (the
//! engine is `alexander_s3::lifecycle`), printed one line per action as it
//! is made, then a summary; or, with `--json`, the whole report as one
//! JSON document.

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use alexander_s3::lifecycle::{Action, Counts, LifecycleReport, PassOptions, run_pass_with};
use alexander_store::Store;
use anyhow::{Result, bail};

use crate::cli::{LifecycleCommand, LifecycleRunArgs};

pub fn command(
    store: &Store,
    cmd: LifecycleCommand,
    abandon_after: Duration,
    out: &mut dyn Write,
) -> Result<()> {
    match cmd {
        LifecycleCommand::Run(args) => run(store, args, abandon_after, out),
    }
}

fn run(
    store: &Store,
    args: LifecycleRunArgs,
    abandon_after: Duration,
    out: &mut dyn Write,
) -> Result<()> {
    let opts = PassOptions {
        bucket: args.bucket,
        now: args.at.unwrap_or_else(SystemTime::now),
        abandon_after,
        dry_run: args.dry_run,
        keep_actions: args.json,
    };
    let report = if args.json {
        let report = run_pass_with(store, &opts, &mut |_| {})?;
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        report
    } else {
        // Lines go out as the actions are made; the first failed write
        // (a closed pipe) is kept and reported once the pass is over.
        let mut written: io::Result<()> = Ok(());
        let report = run_pass_with(store, &opts, &mut |a| {
            if written.is_ok() {
                written = writeln!(out, "{}", line(a, opts.dry_run));
            }
        })?;
        written?;
        summary(&report, out)?;
        report
    };
    let failures = report.totals().failures;
    if failures > 0 {
        out.flush()?;
        let plural = if failures == 1 { "" } else { "s" };
        bail!("the lifecycle pass had {failures} failure{plural} (see above)");
    }
    Ok(())
}

/// One action: `BUCKET/KEY: what[, version V][, upload U][ (rule R)]`.
fn line(a: &Action, dry_run: bool) -> String {
    let mut s = format!("{}/{}: ", a.bucket, a.key);
    if dry_run {
        s.push_str("due: ");
    }
    s.push_str(a.kind.describe());
    if let Some(v) = &a.version_id {
        s.push_str(&format!(", version {v}"));
    }
    if let Some(u) = &a.upload_id {
        s.push_str(&format!(", upload {u}"));
    }
    if let Some(r) = &a.rule {
        s.push_str(&format!(" (rule {r})"));
    }
    if let Some(e) = &a.error {
        s.push_str(&format!(": FAILED: {e}"));
    }
    s
}

fn summary(report: &LifecycleReport, out: &mut dyn Write) -> Result<()> {
    for b in &report.buckets {
        if let Some(e) = &b.error {
            writeln!(out, "{}: cannot apply its rules: {e}", b.bucket)?;
        }
    }
    let c = report.totals();
    let prefix = if report.dry_run {
        "dry run, nothing changed; due as of"
    } else {
        "lifecycle pass as of"
    };
    writeln!(out, "{prefix} {}: {}", report.at, counts(&c))?;
    Ok(())
}

fn counts(c: &Counts) -> String {
    format!(
        "{} objects expired ({} by delete marker), {} delete markers removed, \
         {} noncurrent versions removed, {} uploads aborted, {} failures",
        c.objects_expired,
        c.delete_markers_added,
        c.delete_markers_removed,
        c.noncurrent_versions_removed,
        c.uploads_aborted,
        c.failures
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use alexander_s3::lifecycle::ActionKind;

    #[test]
    fn lines() {
        let mut a = Action {
            bucket: "b".into(),
            kind: ActionKind::NoncurrentRemoved,
            key: "k/1".into(),
            version_id: Some("00000000000000a1".into()),
            upload_id: None,
            rule: Some("old".into()),
            error: None,
        };
        assert_eq!(
            line(&a, false),
            "b/k/1: removed noncurrent version, version 00000000000000a1 (rule old)"
        );
        a.error = Some("disk on fire".into());
        assert_eq!(
            line(&a, true),
            "b/k/1: due: removed noncurrent version, version 00000000000000a1 (rule old): FAILED: disk on fire"
        );
    }
}
