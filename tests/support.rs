//! Helpers shared by the end-to-end modules.

use std::path::Path;
use std::process::Command;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Reads `alexander serve`'s standard output, a line at a time, until it
/// says where it listens, for `within` at most: the address (`host:port`)
/// and everything printed until then, or why no address came and what
/// was printed.
pub fn listening_address(
    lines: &Receiver<String>,
    within: Duration,
) -> Result<(String, String), (RecvTimeoutError, String)> {
    let deadline = Instant::now() + within;
    let mut banner = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                banner.push_str(&line);
                banner.push('\n');
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    return Ok((addr.to_owned(), banner));
                }
            }
            Err(e) => return Err((e, banner)),
        }
    }
}

/// Clears the mount a killed server left at `mnt` (lazily, so that a
/// process still inside it does not stop the clearing): best effort, for a
/// test harness's drop.
pub fn clear_dead_mount(mnt: &Path) {
    let cleared = Command::new("fusermount3")
        .args(["-u", "-z"])
        .arg(mnt)
        .output()
        .is_ok_and(|o| o.status.success());
    if !cleared {
        let _ = Command::new("umount").arg("-l").arg(mnt).output();
    }
}
