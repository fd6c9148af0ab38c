//! The mount's metrics: operations answered and their latency, by FUSE
//! operation. The crate counts them; whoever serves `/metrics` registers
//! them with [`FuseMetrics::register`]. A callback touches only atomics:
//! an operation's series are found through [`Slots`] after its first use.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use alexander_metrics::{Histogram, Slots};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Op {
    op: &'static str,
}

/// Slots for operations: the adapter answers about 40.
const OP_SLOTS: usize = 128;

/// The mount's metrics. Clones share them.
#[derive(Clone)]
pub struct FuseMetrics(Arc<Inner>);

struct Inner {
    ops: Family<Op, Counter>,
    durations: Family<Op, Histogram>,
    series: Slots<&'static str, (Counter, Histogram)>,
}

impl Default for FuseMetrics {
    fn default() -> Self {
        FuseMetrics(Arc::new(Inner {
            ops: Family::default(),
            durations: Family::default(),
            series: Slots::new(OP_SLOTS),
        }))
    }
}

impl std::fmt::Debug for FuseMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FuseMetrics")
    }
}

impl FuseMetrics {
    /// Registers the metrics (as `alexander_fuse_*`) in `registry`.
    pub fn register(&self, registry: &mut Registry) {
        let r = registry.sub_registry_with_prefix("alexander_fuse");
        r.register(
            "ops",
            "FUSE operations answered, by operation",
            self.0.ops.clone(),
        );
        r.register(
            "op_duration_seconds",
            "Time to answer a FUSE operation, by operation",
            self.0.durations.clone(),
        );
    }

    /// Counts an operation `op` now (so that it is counted before the
    /// kernel has its answer) and times it until the guard is dropped.
    pub fn start(&self, op: &'static str) -> OpTimer<'_> {
        let m = &*self.0;
        let found = m.series.get(op, || {
            (
                m.ops.get_or_create_owned(&Op { op }),
                m.durations.get_or_create_owned(&Op { op }),
            )
        });
        let duration = match found {
            Some((count, duration)) => {
                count.inc();
                Cow::Borrowed(duration)
            }
            // A full table (never with the adapter's operations): the
            // families' own, locked, lookup.
            None => {
                m.ops.get_or_create(&Op { op }).inc();
                Cow::Owned(m.durations.get_or_create_owned(&Op { op }))
            }
        };
        OpTimer {
            duration,
            started: Instant::now(),
        }
    }
}

/// An operation being answered; see [`FuseMetrics::start`].
pub struct OpTimer<'a> {
    duration: Cow<'a, Histogram>,
    started: Instant,
}

impl Drop for OpTimer<'_> {
    fn drop(&mut self) {
        self.duration.observe(self.started.elapsed());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::prometheus_text::encode;

    #[test]
    fn ops_are_counted_and_timed() {
        let m = FuseMetrics::default();
        let mut registry = Registry::default();
        m.register(&mut registry);
        drop(m.start("lookup"));
        let open = m.start("lookup");
        let mut out = String::new();
        encode(&mut out, &registry).unwrap();
        // Counted at the start, timed at the end.
        assert!(
            out.contains("alexander_fuse_ops_total{op=\"lookup\"} 2\n"),
            "{out}"
        );
        assert!(
            out.contains("alexander_fuse_op_duration_seconds_count{op=\"lookup\"} 1\n"),
            "{out}"
        );
        drop(open);
    }
}
