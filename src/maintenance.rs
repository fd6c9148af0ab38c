//! The server's own upkeep: GC, compaction and the lifecycle pass on a
//! schedule, and the buckets' scheduled snapshots, on one background thread
//! of `serve`.
//!
//! One thread runs every task in turn, so no two of them ever run at once
//! and none competes with another for the disk. Each task is one store
//! call that works in bounded, committed steps, so stopping the server
//! waits at most for the step under way. A task that fails is logged and
//! tried again at its next time; the others go on.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use alexander_store::{Pace, Store};
use parking_lot::{Condvar, Mutex};

use crate::config::MaintenanceSettings;
use crate::schedule::{self, Schedule};

/// How often the snapshot schedules are looked at: the finest period a
/// schedule can have.
const SNAPSHOT_TICK: Duration = Duration::from_secs(1);

/// The share of wall-clock time GC and compaction may take while the
/// store is idle: after each step they rest four times as long as it
/// took. While the foreground works they take
/// [`alexander_store::BUSY_SHARE`] (`store/src/pace.rs`);
/// `store/benches/upkeep.rs` measures what that leaves it.
const BACKGROUND_SHARE: f64 = 0.2;

/// When each task last succeeded (ns since the epoch), for metrics and
/// status.
#[derive(Clone, Debug, Default)]
pub struct TaskTimes {
    pub last_success_ns: BTreeMap<&'static str, i64>,
}

/// The running upkeep; stopped (and waited for) on drop.
pub struct Maintenance {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
    /// Gives the allocator's free pages back on a thread of its own, since
    /// a GC pass may hold the upkeep's thread for minutes.
    memory: Option<JoinHandle<()>>,
    times: Arc<Mutex<TaskTimes>>,
}

impl Maintenance {
    /// Starts the upkeep of `store` as `settings` say.
    pub fn start(
        store: Store,
        settings: MaintenanceSettings,
        metrics: crate::metrics::Metrics,
        changed: Option<crate::admin::ChangeHook>,
    ) -> std::io::Result<Maintenance> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let times = Arc::new(Mutex::new(TaskTimes::default()));
        let thread = {
            let stop = stop.clone();
            let times = times.clone();
            std::thread::Builder::new()
                .name("maintenance".into())
                .spawn(move || run(&store, &settings, &stop, &times, &metrics, changed))?
        };
        let memory = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("memory".into())
                .spawn(move || {
                    loop {
                        let mut stopping = stop.0.lock();
                        if !*stopping {
                            stop.1
                                .wait_for(&mut stopping, crate::memory::GIVE_BACK_EVERY);
                        }
                        if *stopping {
                            return;
                        }
                        drop(stopping);
                        crate::memory::give_back();
                    }
                })?
        };
        Ok(Maintenance {
            stop,
            thread: Some(thread),
            memory: Some(memory),
            times,
        })
    }

    /// When each task last succeeded.
    #[allow(dead_code)]
    pub fn times(&self) -> TaskTimes {
        self.times.lock().clone()
    }

    /// Stops the upkeep after the step under way.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        *self.stop.0.lock() = true;
        self.stop.1.notify_all();
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("the maintenance thread panicked");
        }
        if let Some(t) = self.memory.take()
            && t.join().is_err()
        {
            tracing::error!("the memory thread panicked");
        }
    }
}

impl Drop for Maintenance {
    fn drop(&mut self) {
        self.halt();
    }
}

/// A task run every `every`, first one period after the start.
struct Periodic {
    every: Duration,
    next: Instant,
}

impl Periodic {
    fn new(every: Option<Duration>, now: Instant) -> Option<Periodic> {
        every.map(|every| Periodic {
            every,
            next: now + every,
        })
    }

    /// Whether it is due at `now`; if so, its next time is set.
    fn due(&mut self, now: Instant) -> bool {
        if now < self.next {
            return false;
        }
        self.next = now + self.every;
        true
    }
}

fn run(
    store: &Store,
    settings: &MaintenanceSettings,
    stop: &(Mutex<bool>, Condvar),
    times: &Mutex<TaskTimes>,
    metrics: &crate::metrics::Metrics,
    changed: Option<crate::admin::ChangeHook>,
) {
    let start = Instant::now();
    let mut gc = Periodic::new(settings.gc_interval, start);
    let mut compact = Periodic::new(settings.compact_interval, start);
    let mut lifecycle = Periodic::new(settings.lifecycle_interval, start);
    // How far behind GC and compaction were at the end of their last pass
    // (doublings of their busy share: `store::Pace::level_after`).
    let (mut gc_behind, mut compact_behind) = (0, 0);
    let succeeded = |task: &'static str| {
        times.lock().last_success_ns.insert(task, now_ns());
        metrics.task_succeeded(task);
    };
    loop {
        let now = Instant::now();
        if let Some(every) = gc.as_mut().and_then(|t| t.due(now).then_some(t.every)) {
            // A pass that outlasts its interval is falling behind what the
            // load frees: it takes more of a busy store (`store::pace`).
            let mut pace = Pace::yielding(store, BACKGROUND_SHARE)
                .catching_up_after(every)
                .behind(gc_behind);
            let gc_pass = store.gc_with(&mut |_| {
                pace.step();
                !stopped(stop)
            });
            gc_behind = pace.level_after();
            match gc_pass {
                Ok(r) => {
                    tracing::info!(
                        chunks = r.chunks_freed,
                        bytes = r.bytes_freed,
                        kept = r.chunks_kept,
                        "background gc"
                    );
                    metrics.gc_ran(r.bytes_freed);
                    succeeded("gc");
                }
                Err(e) => tracing::warn!("background gc failed: {e}"),
            }
        }
        if stopped(stop) {
            return;
        }
        if let Some(every) = compact
            .as_mut()
            .and_then(|t| t.due(Instant::now()).then_some(t.every))
        {
            let mut pace = Pace::yielding(store, BACKGROUND_SHARE)
                .catching_up_after(every)
                .behind(compact_behind);
            let compaction = store.compact_with(&mut |_| {
                pace.step();
                !stopped(stop)
            });
            compact_behind = pace.level_after();
            match compaction {
                Ok(r) => {
                    tracing::info!(
                        packs_rewritten = r.packs_rewritten,
                        packs_removed = r.packs_removed,
                        bytes = r.bytes_reclaimed,
                        "background compaction"
                    );
                    succeeded("compact");
                }
                Err(e) => tracing::warn!("background compaction failed: {e}"),
            }
        }
        if stopped(stop) {
            return;
        }
        if lifecycle.as_mut().is_some_and(|t| t.due(Instant::now())) {
            let now = std::time::SystemTime::now();
            match alexander_s3::lifecycle::scheduled_pass(store, now, settings.abandon_after) {
                Ok((report, expired)) => {
                    metrics.lifecycle_expired(expired);
                    let t = report.totals();
                    // The mount shows current objects and their versions.
                    if (expired > 0 || t.noncurrent_versions_removed > 0)
                        && let Some(changed) = &changed
                    {
                        changed();
                    }
                    tracing::info!(
                        expired,
                        noncurrent = t.noncurrent_versions_removed,
                        uploads_aborted = t.uploads_aborted,
                        failures = t.failures,
                        "background lifecycle pass"
                    );
                    if t.failures == 0 {
                        succeeded("lifecycle");
                    }
                }
                Err(e) => tracing::warn!("background lifecycle pass failed: {e}"),
            }
        }
        if stopped(stop) {
            return;
        }
        match snapshot_round(store, &settings.snapshot_schedules) {
            Ok(()) => succeeded("snapshots"),
            Err(e) => tracing::warn!("scheduled snapshots failed: {e:#}"),
        }
        // Sleep until the next tick, or until told to stop.
        let mut stopping = stop.0.lock();
        if !*stopping {
            stop.1.wait_for(&mut stopping, SNAPSHOT_TICK);
        }
        if *stopping {
            return;
        }
    }
}

/// Now, in ns since the Unix epoch.
fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn stopped(stop: &(Mutex<bool>, Condvar)) -> bool {
    *stop.0.lock()
}

/// Takes the snapshots that are due and prunes by retention, for every
/// bucket with a schedule: its own, else the config file's.
fn snapshot_round(store: &Store, from_config: &BTreeMap<String, Schedule>) -> anyhow::Result<()> {
    let now = now_ns();
    let mut first_error = None;
    for bucket in store.list_buckets()? {
        let schedule = match bucket.settings.get(schedule::SETTING) {
            Some(raw) => match schedule::parse(&bucket.name, raw) {
                Ok(s) => Some(s),
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            },
            None => from_config.get(&bucket.name).cloned(),
        };
        let Some(schedule) = schedule else {
            continue;
        };
        match schedule::run(store, &bucket.name, &schedule, now) {
            Ok(round) => {
                if let Some(name) = &round.taken {
                    tracing::info!(bucket = %bucket.name, snapshot = %name, "scheduled snapshot taken");
                }
                for name in &round.pruned {
                    tracing::info!(bucket = %bucket.name, snapshot = %name, "scheduled snapshot pruned");
                }
            }
            Err(e) => {
                first_error.get_or_insert(e.context(format!("bucket {}", bucket.name)));
            }
        }
    }
    match first_error {
        None => Ok(()),
        Some(e) => Err(e),
    }
}
