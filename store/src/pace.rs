//! Pacing of the upkeep (GC and compaction) against the foreground.
//!
//! A pass works in committed steps and reports each; [`Pace::step`],
//! called at each report, rests before the next. Two shares bound the
//! pass: while the store has nothing else to do it takes at most `share`
//! of the wall-clock time; while the foreground is busy (a commit or a
//! chunk read not made by the upkeep within the last [`QUIET`]) it takes
//! at most [`BUSY_SHARE`]. A put that lands during a step waits for the
//! step's flushes on the same disk, so under a steady load the upkeep
//! steps aside and still goes on; between bursts it catches up. A load
//! that never pauses and frees data faster than the busy share can collect
//! would leave GC behind for ever, and the garbage (and the metadata
//! holding it) would grow without bound: so a pass still running after its
//! interval ([`Pace::catching_up_after`]) doubles its busy share for each
//! interval it overruns, up to `share`, and the next pass starts where this
//! one ended, one doubling lower for each pass that ends within its
//! interval ([`Pace::behind`], [`Pace::level_after`]).
//!
//! The foreground is seen through [`Activity`], a counter every
//! foreground commit and chunk read bumps: one relaxed atomic add, nothing
//! measurable on those paths.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::Store;

/// The share of wall-clock time a pass takes while the foreground works.
/// `store/benches/upkeep.rs` measures what it leaves a steady stream of
/// small durable puts (docs/decisions.md#upkeep).
pub const BUSY_SHARE: f64 = 0.02;

/// How long the foreground must have done nothing for the pass to count
/// the store as idle.
pub const QUIET: Duration = Duration::from_millis(20);

/// The longest rest after one step, so that a pass told to stop sees it
/// soon. A step longer than a fiftieth of it (40 ms) rests less than the
/// busy share would want.
const MAX_REST: Duration = Duration::from_secs(2);

/// Counts the foreground's operations.
#[derive(Debug, Default)]
pub(crate) struct Activity(AtomicU64);

impl Activity {
    pub(crate) fn note(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Paces a pass that reports its steps (`gc_with`, `compact_with`).
pub struct Pace {
    share: f64,
    /// The store whose foreground the pace yields to; `None` paces by
    /// `share` alone.
    store: Option<Store>,
    /// How long the foreground must be still to count as idle.
    quiet: Duration,
    last: Instant,
    /// When the pass began, and after how long it counts as behind.
    began: Instant,
    catch_up: Option<Duration>,
    /// Doublings of the busy share the pass starts with.
    level: u32,
}

/// The most doublings of the busy share (0.02 × 2^4 = 0.32, so the idle
/// share bounds it).
const MAX_LEVEL: u32 = 4;

impl Pace {
    /// Works at most `share` (0.01 to 1) of the wall-clock time, whatever
    /// else the store does. `share` 1 does not pace.
    pub fn new(share: f64) -> Pace {
        Pace {
            share: share.clamp(0.01, 1.0),
            store: None,
            quiet: QUIET,
            last: Instant::now(),
            began: Instant::now(),
            catch_up: None,
            level: 0,
        }
    }

    /// Doubles the busy share for each `interval` the pass has run (the
    /// interval of the task: a pass that outlasts it is falling behind
    /// what the load frees), up to the idle share.
    pub fn catching_up_after(mut self, interval: Duration) -> Pace {
        self.catch_up = Some(interval).filter(|i| !i.is_zero());
        self
    }

    /// Starts `level` doublings up: where the last pass of the task left
    /// its busy share ([`Pace::level_after`]).
    pub fn behind(mut self, level: u32) -> Pace {
        self.level = level.min(MAX_LEVEL);
        self
    }

    /// The level the next pass of the task starts at, once this one has
    /// ended: this pass's, raised by the intervals it overran, or one
    /// lower if it ended within its interval.
    pub fn level_after(&self) -> u32 {
        match self.overruns() {
            0 => self.level.saturating_sub(1),
            n => (self.level + n).min(MAX_LEVEL),
        }
    }

    /// Whole intervals the pass has run.
    fn overruns(&self) -> u32 {
        self.catch_up.map_or(0, |i| {
            (self.began.elapsed().as_secs_f64() / i.as_secs_f64()).min(f64::from(MAX_LEVEL)) as u32
        })
    }

    /// The share the pass may take while the foreground works.
    fn busy_share(&self) -> f64 {
        let doublings = (self.level + self.overruns()).min(MAX_LEVEL);
        (BUSY_SHARE * f64::from(1u32 << doublings)).min(self.share)
    }

    /// Works at most `share` of the wall-clock time while `store` is idle
    /// and at most [`BUSY_SHARE`] (or `share`, if lower) while its
    /// foreground works.
    pub fn yielding(store: &Store, share: f64) -> Pace {
        Pace {
            store: Some(store.clone()),
            ..Pace::new(share)
        }
    }

    /// Called at each progress report: rests as the shares say.
    pub fn step(&mut self) {
        let worked = self.last.elapsed();
        let rest = |share: f64| {
            if share >= 1.0 {
                Duration::ZERO
            } else {
                worked.mul_f64((1.0 - share) / share).min(MAX_REST)
            }
        };
        let began = Instant::now();
        std::thread::sleep(rest(self.share));
        if let Some(store) = &self.store {
            // Then, for as long as the foreground keeps working, up to the
            // busy share's rest in all.
            let until = began + rest(self.busy_share());
            let activity = &store.inner.meta.activity;
            loop {
                let now = Instant::now();
                if now >= until {
                    break;
                }
                let seen = activity.count();
                std::thread::sleep(self.quiet.min(until - now));
                if activity.count() == seen {
                    break;
                }
            }
        }
        self.last = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn foreground_commits_and_reads_count_and_the_upkeep_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::Config {
            gc_grace: Duration::ZERO,
            ..crate::Config::default()
        };
        let store = Store::open(dir.path(), config).unwrap();
        store.create_bucket("bkt").unwrap();
        let count = || store.inner.meta.activity.count();
        let before = count();
        let big = vec![5u8; 1 << 20];
        store
            .put_object("bkt", "k", &big[..], crate::PutOptions::default())
            .unwrap();
        assert!(count() > before, "a put counts");
        let before = count();
        let mut r = store
            .get_object("bkt", "k", crate::At::Current, None)
            .unwrap();
        while r.next_piece(1 << 20).unwrap().is_some() {}
        drop(r);
        assert!(count() > before, "a read counts");
        store.delete_object("bkt", "k", None).unwrap();
        let before = count();
        let gc = store.gc().unwrap();
        assert!(gc.chunks_freed > 0);
        let compacted = store.compact().unwrap();
        assert!(compacted.packs_removed > 0);
        assert_eq!(count(), before, "the upkeep does not count");
    }

    #[test]
    fn an_idle_store_is_paced_by_its_share_and_a_busy_one_by_the_busy_share() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), crate::Config::default()).unwrap();
        // Long enough that no scheduling gap of a loaded machine looks idle,
        // and short beside the busy rest (49 steps, 1.96 s), so that a pace
        // that stopped yielding after one quiet check would fail below.
        let quiet = Duration::from_millis(250);
        let step = Duration::from_millis(40);
        let paced = |pace: &mut Pace| {
            pace.last = Instant::now() - step;
            let t = Instant::now();
            pace.step();
            t.elapsed()
        };
        // Idle: the rest is the pass's share's (a 40 ms step at 0.5: 40 ms)
        // and one quiet period to see that nothing happens, far below the
        // busy rest.
        let mut pace = Pace {
            quiet,
            ..Pace::yielding(&store, 0.5)
        };
        let rest = paced(&mut pace);
        assert!(rest >= step, "{rest:?}");
        let wanted = step.mul_f64((1.0 - BUSY_SHARE) / BUSY_SHARE);
        assert!(wanted <= MAX_REST);
        assert!(rest < wanted / 2, "{rest:?}");
        // Busy: the foreground works all along, so the step rests as the
        // busy share says, 49 times the step.
        let stop = AtomicBool::new(false);
        let rest = std::thread::scope(|scope| {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    store.inner.meta.activity.note();
                    std::thread::sleep(Duration::from_millis(1));
                }
            });
            let rest = paced(&mut pace);
            stop.store(true, Ordering::Relaxed);
            rest
        });
        assert!(rest >= wanted, "{rest:?} < {wanted:?}");
        // A pace that yields to nothing rests by its share alone, busy or not.
        let mut fixed = Pace::new(0.5);
        let rest = paced(&mut fixed);
        assert!(rest >= step && rest < wanted / 2, "{rest:?}");
    }

    #[test]
    fn a_pass_that_outlasts_its_interval_takes_more_of_a_busy_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), crate::Config::default()).unwrap();
        let interval = Duration::from_secs(60);
        let at = |elapsed: Duration| {
            let mut pace = Pace::yielding(&store, 0.2).catching_up_after(interval);
            pace.began = Instant::now() - elapsed;
            pace.busy_share()
        };
        assert_eq!(at(Duration::ZERO), BUSY_SHARE);
        assert_eq!(at(interval / 2), BUSY_SHARE, "within its interval");
        assert_eq!(at(interval + interval / 2), BUSY_SHARE * 2.0);
        assert_eq!(at(interval * 2), BUSY_SHARE * 4.0);
        assert_eq!(at(interval * 4), 0.2, "never past the idle share");
        assert_eq!(at(interval * 1000), 0.2);
        // Without an interval the busy share stays.
        let mut plain = Pace::yielding(&store, 0.2);
        plain.began = Instant::now() - interval * 10;
        assert_eq!(plain.busy_share(), BUSY_SHARE);

        // The next pass starts where this one ended, and comes down one
        // doubling for each pass within its interval.
        let mut late = Pace::yielding(&store, 0.2).catching_up_after(interval);
        late.began = Instant::now() - interval * 2 - interval / 2;
        assert_eq!(late.level_after(), 2);
        let next = Pace::yielding(&store, 0.2)
            .catching_up_after(interval)
            .behind(late.level_after());
        assert_eq!(next.busy_share(), BUSY_SHARE * 4.0);
        assert_eq!(next.level_after(), 1, "ended within its interval");
        let calm = Pace::yielding(&store, 0.2)
            .catching_up_after(interval)
            .behind(0);
        assert_eq!(calm.level_after(), 0);
    }
}
