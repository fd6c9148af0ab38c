//! The background scrub `serve` runs: every `[scrub] interval`, a
//! pass at `[scrub] max_bytes_per_sec` on a thread of its own (the store is
//! synchronous), stopped between two chunks when the server stops.
//!
//! When the last whole pass ended is kept in the store's system area, so a
//! restart neither starts a pass at once nor puts the next one off by a
//! whole interval. A pass that is stopped does not count: the next start
//! runs it again from the beginning.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alexander_store::Store;

use crate::config::ScrubSettings;

/// System-area namespace and key of the time the last whole pass ended.
const NAMESPACE: &str = "scrub";
const LAST: &[u8] = b"last-ns";

/// How often the waiting thread looks at the clock and the stop flag.
const TICK: Duration = Duration::from_millis(200);

/// A running schedule; [`BackgroundScrub::stop`] ends it.
pub struct BackgroundScrub {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl BackgroundScrub {
    /// Starts the schedule, unless `settings` turn it off.
    pub fn start(
        store: &Store,
        settings: ScrubSettings,
        metrics: crate::metrics::Metrics,
    ) -> Option<BackgroundScrub> {
        let interval = settings.interval?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let store = store.clone();
        let thread = std::thread::Builder::new()
            .name("scrub".into())
            .spawn(move || {
                run(
                    &store,
                    interval,
                    settings.max_bytes_per_sec,
                    &flag,
                    &metrics,
                )
            })
            .ok()?;
        Some(BackgroundScrub { stop, thread })
    }

    /// Stops a pass in progress (between two chunks) and waits for the
    /// thread.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        if self.thread.join().is_err() {
            tracing::error!("the background scrub panicked");
        }
    }
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// When the last whole pass ended; a store never scrubbed counts from now,
/// so that a new server does not begin by reading all its data.
fn last_pass(store: &Store) -> u64 {
    match store.system_get(NAMESPACE, LAST) {
        Ok(Some(v)) if v.len() == 8 => u64::from_be_bytes(v.try_into().expect("8 bytes")),
        _ => {
            let now = now_ns();
            let _ = store.system_put(NAMESPACE, LAST, Some(&now.to_be_bytes()));
            now
        }
    }
}

fn run(
    store: &Store,
    interval: Duration,
    rate: u64,
    stop: &AtomicBool,
    metrics: &crate::metrics::Metrics,
) {
    let interval_ns = interval.as_nanos().min(u128::from(u64::MAX)) as u64;
    let mut last = last_pass(store);
    while !stop.load(Ordering::Relaxed) {
        if now_ns() < last.saturating_add(interval_ns) {
            std::thread::sleep(TICK);
            continue;
        }
        tracing::info!("background scrub started");
        match store.scrub(rate, None, stop) {
            Ok(r) if r.stopped => {
                tracing::info!(chunks = r.chunks_checked, "background scrub stopped")
            }
            Ok(r) => {
                last = now_ns();
                if let Err(e) = store.system_put(NAMESPACE, LAST, Some(&last.to_be_bytes())) {
                    tracing::warn!("cannot record the end of the scrub: {e}");
                }
                metrics.task_succeeded("scrub");
                if r.is_clean() {
                    tracing::info!(
                        chunks = r.chunks_checked,
                        bytes = r.bytes_checked,
                        "background scrub done: every chunk verifies"
                    );
                } else {
                    for d in &r.damaged {
                        tracing::error!(chunk = %d.id, detail = %d.detail, users = d.users.len(), "scrub found a damaged chunk");
                    }
                    tracing::error!(
                        chunks = r.chunks_checked,
                        damaged = r.damaged.len(),
                        "background scrub found damaged chunks (`alexander scrub` lists them \
                         with the objects that use them)"
                    );
                }
            }
            Err(e) => {
                // Tried again after a whole interval, not in a tight loop.
                tracing::error!("background scrub failed: {e}");
                last = now_ns();
            }
        }
    }
}
