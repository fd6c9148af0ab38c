//! What every benchmark of the workspace prints around its figures: the
//! machine's load and disk, sizes and rates. Included by path from each
//! crate's bench (`#[path = ...] mod common;`), so the three agree.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

/// A positive number from the environment variable `name`, if set.
pub fn env_f64(name: &str) -> Option<f64> {
    let v = std::env::var(name).ok()?;
    match v.trim().parse::<f64>() {
        Ok(x) if x > 0.0 => Some(x),
        _ => panic!("{name}={v:?} is not a positive number"),
    }
}

/// The first three fields of /proc/loadavg: other work on the machine
/// skews every figure.
pub fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "?".into(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

/// The device and type of the filesystem holding `path`, from the mount
/// table (the longest mount point that is a prefix of it).
pub fn filesystem_of(path: &Path) -> String {
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mounts = fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mut best: Option<(usize, String)> = None;
    for line in mounts.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 3 || !path.starts_with(f[1]) {
            continue;
        }
        if best.as_ref().is_none_or(|(n, _)| f[1].len() >= *n) {
            let warn = if f[2] == "tmpfs" {
                " — tmpfs, not a disk!"
            } else {
                ""
            };
            best = Some((f[1].len(), format!("{} {} on {}{warn}", f[0], f[2], f[1])));
        }
    }
    best.map_or_else(|| "?".into(), |(_, s)| s)
}

pub fn size(bytes: u64) -> String {
    if bytes == 0 {
        "0 B".into()
    } else if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes >= 1 << 20 {
        format!("{:.0} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{:.0} KiB", bytes as f64 / KIB as f64)
    }
}

pub fn mbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

/// Drops the kernel's page cache; false if that is not allowed here.
pub fn drop_caches() -> bool {
    Command::new("sync").status().is_ok_and(|s| s.success())
        && fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}
