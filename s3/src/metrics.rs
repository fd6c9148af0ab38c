//! The endpoint's request metrics: requests by operation and status, their
//! latency by operation, bytes in and out, and open connections.
//!
//! The crate owns them and counts them; whoever serves `/metrics` (the
//! binary) registers them in its `Registry` with [`S3Metrics::register`]
//! beside its own. A request touches only atomics: the series of an
//! operation, and of an (operation, status) pair, are found through
//! [`Slots`] after their first use (see `alexander-metrics`), never through
//! the family's lock.

use std::sync::Arc;
use std::time::Duration;

use alexander_metrics::{Histogram, Slots};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The operation of a request that never reached one: a path the router
/// refused.
pub const UNROUTED: &str = "Unknown";
/// The operations of the service's own paths.
pub const HEALTH: &str = "Health";
pub const READY: &str = "Ready";
pub const METRICS: &str = "Metrics";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpStatus {
    op: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Op {
    op: &'static str,
}

/// Slots for operations: about 40 S3 operations and the service's own
/// paths, with room to spare so that probes stay short.
const OP_SLOTS: usize = 128;
/// Slots for the statuses of one operation: an operation answers a handful
/// of statuses; a rarer one past these goes through the family.
const STATUS_SLOTS: usize = 16;

/// The series of one operation.
struct OpSeries {
    duration: Histogram,
    statuses: Slots<u16, Counter>,
}

/// The endpoint's metrics. Clones share them.
#[derive(Clone)]
pub struct S3Metrics(Arc<Inner>);

struct Inner {
    requests: Family<OpStatus, Counter>,
    durations: Family<Op, Histogram>,
    bytes_received: Counter,
    bytes_sent: Counter,
    connections: Gauge,
    ops: Slots<&'static str, OpSeries>,
}

impl Default for S3Metrics {
    fn default() -> Self {
        S3Metrics(Arc::new(Inner {
            requests: Family::default(),
            durations: Family::default(),
            bytes_received: Counter::default(),
            bytes_sent: Counter::default(),
            connections: Gauge::default(),
            ops: Slots::new(OP_SLOTS),
        }))
    }
}

impl S3Metrics {
    /// Registers the metrics (as `alexander_s3_*`) in `registry`.
    pub fn register(&self, registry: &mut Registry) {
        let r = registry.sub_registry_with_prefix("alexander_s3");
        let m = &*self.0;
        r.register(
            "requests",
            "S3 requests answered, by operation and HTTP status",
            m.requests.clone(),
        );
        r.register(
            "request_duration_seconds",
            "Time from a request's head to the last byte of its response handed to the \
             connection, by operation",
            m.durations.clone(),
        );
        r.register(
            "bytes_received",
            "Bytes of request bodies received",
            m.bytes_received.clone(),
        );
        r.register(
            "bytes_sent",
            "Bytes of response bodies sent",
            m.bytes_sent.clone(),
        );
        r.register(
            "connections",
            "Client connections open",
            m.connections.clone(),
        );
    }

    /// Counts a request of `op` answered with `status` that took `took`.
    pub(crate) fn request(&self, op: &'static str, status: u16, took: Duration) {
        let m = &*self.0;
        let series = m.ops.get(op, || OpSeries {
            duration: m.durations.get_or_create_owned(&Op { op }),
            statuses: Slots::new(STATUS_SLOTS),
        });
        match series {
            Some(s) => {
                s.duration.observe(took);
                match s.statuses.get(status, || {
                    m.requests.get_or_create_owned(&OpStatus { op, status })
                }) {
                    Some(c) => c.inc(),
                    None => m.requests.get_or_create(&OpStatus { op, status }).inc(),
                };
            }
            None => {
                m.durations.get_or_create(&Op { op }).observe(took);
                m.requests.get_or_create(&OpStatus { op, status }).inc();
            }
        }
    }

    pub(crate) fn received(&self, bytes: u64) {
        self.0.bytes_received.inc_by(bytes);
    }

    pub(crate) fn sent(&self, bytes: u64) {
        self.0.bytes_sent.inc_by(bytes);
    }

    /// A connection opened; it counts until the guard is dropped.
    pub(crate) fn connection(&self) -> ConnectionGuard {
        self.0.connections.inc();
        ConnectionGuard(self.0.connections.clone())
    }
}

/// An open connection; see [`S3Metrics::connection`].
pub(crate) struct ConnectionGuard(Gauge);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::prometheus_text::encode;

    #[test]
    fn requests_bytes_and_connections_are_exposed() {
        let m = S3Metrics::default();
        let mut registry = Registry::default();
        m.register(&mut registry);
        m.request("GetObject", 200, Duration::from_millis(2));
        m.request("GetObject", 200, Duration::from_millis(2));
        m.request("GetObject", 404, Duration::from_millis(1));
        m.request("PutObject", 200, Duration::from_millis(20));
        m.received(10);
        m.sent(7);
        let conn = m.connection();
        let mut out = String::new();
        encode(&mut out, &registry).unwrap();
        for line in [
            "alexander_s3_requests_total{op=\"GetObject\",status=\"200\"} 2\n",
            "alexander_s3_requests_total{op=\"GetObject\",status=\"404\"} 1\n",
            "alexander_s3_requests_total{op=\"PutObject\",status=\"200\"} 1\n",
            "alexander_s3_request_duration_seconds_count{op=\"GetObject\"} 3\n",
            "alexander_s3_bytes_received_total 10\n",
            "alexander_s3_bytes_sent_total 7\n",
            "alexander_s3_connections 1\n",
        ] {
            assert!(out.contains(line), "no {line:?} in\n{out}");
        }
        drop(conn);
        let mut out = String::new();
        encode(&mut out, &registry).unwrap();
        assert!(out.contains("alexander_s3_connections 0\n"), "{out}");
    }

    #[test]
    fn statuses_past_the_slots_still_count() {
        let m = S3Metrics::default();
        let mut registry = Registry::default();
        m.register(&mut registry);
        for status in 200..200 + STATUS_SLOTS as u16 + 4 {
            m.request("HeadObject", status, Duration::ZERO);
        }
        let mut out = String::new();
        encode(&mut out, &registry).unwrap();
        let n = out
            .lines()
            .filter(|l| l.starts_with("alexander_s3_requests_total{op=\"HeadObject\""))
            .count();
        assert_eq!(n, STATUS_SLOTS + 4, "{out}");
    }
}
