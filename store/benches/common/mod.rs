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

/// The table of figures the store and S3 benches print: each figure next
/// to its baseline, with their ratio and what the baseline is (or the
/// goal), then numbered notes. Rows and notes are printed by figure
/// number, in the order they were added within a figure.
pub struct Table {
    /// Headers of the figure's and the baseline's columns.
    sides: [&'static str; 2],
    rows: Vec<[String; 5]>,
    notes: Vec<String>,
}

impl Table {
    pub fn new(ours: &'static str, baseline: &'static str) -> Table {
        Table {
            sides: [ours, baseline],
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn row(
        &mut self,
        what: impl Into<String>,
        ours: String,
        base: String,
        ratio: f64,
        note: &str,
    ) {
        self.rows.push([
            what.into(),
            ours,
            base,
            format!("{ratio:.2}"),
            note.to_owned(),
        ]);
    }

    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    pub fn print(&self) {
        let head = [
            "figure",
            self.sides[0],
            self.sides[1],
            "ratio",
            "baseline is / goal",
        ];
        let mut w = head.map(str::len);
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |r: &[String; 5]| {
            println!(
                "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3]
            );
        };
        println!();
        line(&head.map(str::to_owned));
        println!("{}", "-".repeat(w.iter().sum::<usize>() + 8));
        let mut rows: Vec<&[String; 5]> = self.rows.iter().collect();
        rows.sort_by_key(|r| figure_number(&r[0]));
        for r in rows {
            line(r);
        }
        if !self.notes.is_empty() {
            println!();
            let mut notes: Vec<&String> = self.notes.iter().collect();
            notes.sort_by_key(|n| figure_number(n));
            for n in notes {
                println!("{n}");
            }
        }
    }
}

/// The number a row or note starts with (`"3 read, cold"` is figure 3).
fn figure_number(text: &str) -> Option<u32> {
    text.split(' ').next().and_then(|n| n.parse().ok())
}

/// A goal's text with whether this run met it.
pub fn goal(ok: bool, text: &str) -> String {
    format!("{text} [{}]", if ok { "met" } else { "MISSED" })
}
