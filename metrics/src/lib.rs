//! What the S3 endpoint and the mount share to count their requests without
//! a lock: a latency [`Histogram`] made of atomics, and [`Slots`], a fixed
//! table that hands out one series per label value after its first use.
//!
//! prometheus-client's own histogram takes a mutex per observation, and its
//! `Family` takes a read lock (a write lock the first time) to find the
//! series of a label set. Both are fine at scrape time and too much on
//! every request of a server that answers a small GET in tens of
//! microseconds on several cores at once: the series here are found once
//! and then only their atomics are touched. The families stay the
//! registry's, so the exposition is prometheus-client's.

#![deny(clippy::undocumented_unsafe_blocks)]

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

/// Upper bounds, in seconds, of the latency buckets: from half a
/// millisecond (a small object from the metadata database) to a minute (a
/// large upload), about 2.5x apart.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];

/// A histogram of durations whose observation is three relaxed atomic
/// adds. Clones share the counts.
#[derive(Clone, Debug)]
pub struct Histogram(Arc<HistogramInner>);

#[derive(Debug)]
struct HistogramInner {
    /// Upper bounds in seconds, as exposed.
    bounds: &'static [f64],
    /// The same bounds in nanoseconds, to compare with without floats.
    bounds_ns: Box<[u64]>,
    /// Observations per bucket (not cumulative); the last is `+Inf`.
    counts: Box<[AtomicU64]>,
    /// Sum of the observations in nanoseconds (a u64 holds 584 years).
    sum_ns: AtomicU64,
}

impl Histogram {
    /// A histogram with `bounds` (seconds, ascending) and a `+Inf` bucket.
    pub fn new(bounds: &'static [f64]) -> Histogram {
        Histogram(Arc::new(HistogramInner {
            bounds,
            bounds_ns: bounds.iter().map(|b| (b * 1e9) as u64).collect(),
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_ns: AtomicU64::new(0),
        }))
    }

    /// Counts one duration.
    pub fn observe(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let inner = &*self.0;
        let i = inner.bounds_ns.partition_point(|b| *b < ns);
        inner.counts[i].fetch_add(1, Ordering::Relaxed);
        inner.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.0
            .counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new(LATENCY_BUCKETS)
    }
}

impl TypedMetric for Histogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Histogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let inner = &*self.0;
        let buckets: Vec<(f64, u64)> = inner
            .bounds
            .iter()
            .copied()
            .chain([f64::INFINITY])
            .zip(inner.counts.iter().map(|c| c.load(Ordering::Relaxed)))
            .collect();
        // The count is the buckets' total rather than a counter of its own,
        // so that `_count` always equals the `+Inf` bucket, as Prometheus
        // expects, even while observations land during the scrape.
        let count = buckets.iter().map(|(_, n)| n).sum();
        let sum = inner.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// A fixed table of values keyed by a small label value (an operation's
/// name, a status code): the first use of a key makes its value (usually
/// clones of a `Family`'s series, so the registry exposes them), every
/// later use finds it with a hash and a load, never a lock. Open
/// addressing over `OnceLock`s; when the table is full, [`Slots::get`]
/// says so and the caller falls back to the family itself.
pub struct Slots<K, V> {
    slots: Box<[OnceLock<(K, V)>]>,
}

impl<K: Copy + Eq + Hash, V> Slots<K, V> {
    /// A table of `n` slots. Keep it well above the number of keys expected:
    /// a probe walks past the slots of other keys.
    pub fn new(n: usize) -> Slots<K, V> {
        Slots {
            slots: (0..n.max(1)).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The value of `key`, made by `make` on its first use; `None` if the
    /// table is full of other keys.
    pub fn get(&self, key: K, make: impl FnOnce() -> V) -> Option<&V> {
        let n = self.slots.len();
        let mut hasher = Fnv(0xcbf2_9ce4_8422_2325);
        key.hash(&mut hasher);
        let start = (hasher.finish() % n as u64) as usize;
        let mut make = Some(make);
        for i in 0..n {
            let slot = &self.slots[(start + i) % n];
            // Either the slot already holds a key (ours or another), or it
            // takes ours now; `make` runs at most once, in the slot that
            // then holds our key.
            let (k, v) = slot.get_or_init(|| (key, (make.take().expect("made once"))()));
            if *k == key {
                return Some(v);
            }
        }
        None
    }
}

/// FNV-1a: the keys are a few bytes, and SipHash's protection against
/// chosen keys buys nothing for names the code itself gives.
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::prometheus_text::encode;
    use prometheus_client::registry::Registry;

    #[test]
    fn histogram_buckets_are_cumulative_and_count_matches() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(100));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(100));
        assert_eq!(h.count(), 4);
        let mut r = Registry::default();
        r.register("t", "test", h.clone());
        let mut out = String::new();
        encode(&mut out, &r).unwrap();
        assert!(out.contains("# TYPE t histogram"), "{out}");
        assert!(out.contains("t_bucket{le=\"0.0005\"} 1\n"), "{out}");
        assert!(out.contains("t_bucket{le=\"0.0025\"} 1\n"), "{out}");
        assert!(out.contains("t_bucket{le=\"0.005\"} 3\n"), "{out}");
        assert!(out.contains("t_bucket{le=\"60\"} 3\n"), "{out}");
        assert!(out.contains("t_bucket{le=\"+Inf\"} 4\n"), "{out}");
        assert!(out.contains("t_count 4\n"), "{out}");
        assert!(out.contains("t_sum 100.0061\n"), "{out}");
    }

    #[test]
    fn a_bound_itself_falls_in_its_bucket() {
        let h = Histogram::new(&[0.001]);
        h.observe(Duration::from_millis(1));
        assert_eq!(h.0.counts[0].load(Ordering::Relaxed), 1);
    }

    #[test]
    fn slots_make_each_value_once_and_report_a_full_table() {
        let s: Slots<&str, String> = Slots::new(2);
        let mut made = 0;
        assert_eq!(
            s.get("a", || {
                made += 1;
                "A".into()
            }),
            Some(&"A".to_owned())
        );
        assert_eq!(s.get("a", || unreachable!()), Some(&"A".to_owned()));
        assert_eq!(s.get("b", || "B".into()), Some(&"B".to_owned()));
        assert_eq!(s.get("c", || "C".into()), None);
        assert_eq!(made, 1);
    }
}
