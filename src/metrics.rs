//! What `GET /metrics` shows: one prometheus-client `Registry` holding the
//! S3 endpoint's request metrics and the mount's operation metrics (each
//! crate owns and counts its own), the store's figures read at scrape time,
//! the process's resident memory, and the maintenance metrics that the
//! server's background tasks report through [`Metrics`].
//!
//! The exposition is the Prometheus text format (0.0.4), which every
//! Prometheus-compatible scraper reads.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::SystemTime;

use alexander_fuse::FuseMetrics;
use alexander_s3::S3Metrics;
use alexander_store::Store;
use parking_lot::Mutex;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The background tasks whose last success is exposed, each from the start.
pub const TASKS: &[&str] = &["gc", "compact", "scrub", "lifecycle", "snapshots"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabel {
    task: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BucketLabel {
    bucket: String,
}

/// A gauge of a fraction or a time.
type FloatGauge = Gauge<f64, AtomicU64>;

/// The server's metrics. Cheap to clone: a background task keeps a clone
/// and reports through it.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    store: Store,
    /// One scrape at a time: the store gauges are set, then encoded.
    scrape: Mutex<()>,
    gc_runs: Counter,
    gc_freed_bytes: Counter,
    scrub_damaged_chunks: Gauge,
    lifecycle_expired: Counter,
    task_last_success: Family<TaskLabel, FloatGauge>,
    logical_bytes: Gauge,
    stored_bytes: Gauge,
    chunks: Gauge,
    packs: Gauge,
    live_fraction: FloatGauge,
    metadata_bytes: Gauge,
    snapshots: Family<BucketLabel, Gauge>,
    resident_bytes: Gauge,
    heap_bytes: Gauge,
}

impl Metrics {
    /// The registry of everything above, over `store`.
    pub fn new(store: Store, s3: &S3Metrics, fuse: &FuseMetrics) -> Metrics {
        let mut registry = Registry::default();
        s3.register(&mut registry);
        fuse.register(&mut registry);
        let inner = Inner {
            registry: Registry::default(),
            store,
            scrape: Mutex::new(()),
            gc_runs: Counter::default(),
            gc_freed_bytes: Counter::default(),
            scrub_damaged_chunks: Gauge::default(),
            lifecycle_expired: Counter::default(),
            task_last_success: Family::default(),
            logical_bytes: Gauge::default(),
            stored_bytes: Gauge::default(),
            chunks: Gauge::default(),
            packs: Gauge::default(),
            live_fraction: FloatGauge::default(),
            metadata_bytes: Gauge::default(),
            snapshots: Family::default(),
            resident_bytes: Gauge::default(),
            heap_bytes: Gauge::default(),
        };
        let r = registry.sub_registry_with_prefix("alexander");
        r.register(
            "gc_runs",
            "Garbage collection passes completed",
            inner.gc_runs.clone(),
        );
        r.register(
            "gc_freed_bytes",
            "Bytes of chunks freed by garbage collection",
            inner.gc_freed_bytes.clone(),
        );
        r.register(
            "scrub_damaged_chunks",
            "Chunks the last scrub found damaged",
            inner.scrub_damaged_chunks.clone(),
        );
        r.register(
            "lifecycle_expired",
            "Objects expired by lifecycle rules",
            inner.lifecycle_expired.clone(),
        );
        r.register(
            "task_last_success_timestamp_seconds",
            "Unix time of the last success of each background task (0: none yet)",
            inner.task_last_success.clone(),
        );
        for task in TASKS {
            inner.task_last_success.get_or_create_owned(&TaskLabel {
                task: (*task).to_owned(),
            });
        }
        r.register(
            "store_logical_bytes",
            "Bytes of every kept object version and part, as written",
            inner.logical_bytes.clone(),
        );
        r.register(
            "store_stored_bytes",
            "Bytes of distinct live chunks",
            inner.stored_bytes.clone(),
        );
        r.register("store_chunks", "Distinct chunks", inner.chunks.clone());
        r.register("store_packs", "Pack files", inner.packs.clone());
        r.register(
            "store_live_fraction",
            "Fraction of pack bytes that live chunks occupy",
            inner.live_fraction.clone(),
        );
        r.register(
            "store_metadata_bytes",
            "Bytes the metadata database uses on disk",
            inner.metadata_bytes.clone(),
        );
        r.register(
            "snapshots",
            "Snapshots kept, by bucket",
            inner.snapshots.clone(),
        );
        r.register(
            "process_resident_bytes",
            "Resident memory of the server process",
            inner.resident_bytes.clone(),
        );
        r.register(
            "process_heap_bytes",
            "Memory the server's allocator has handed out and not had back \
             (the rest of the resident memory is the binary, stacks and the \
             allocator's free lists)",
            inner.heap_bytes.clone(),
        );
        Metrics(Arc::new(Inner { registry, ..inner }))
    }

    /// A garbage collection pass completed, freeing `freed_bytes`.
    pub fn gc_ran(&self, freed_bytes: u64) {
        self.0.gc_runs.inc();
        self.0.gc_freed_bytes.inc_by(freed_bytes);
    }

    /// `task` (one of [`TASKS`]) succeeded now.
    pub fn task_succeeded(&self, task: &str) {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        self.0
            .task_last_success
            .get_or_create(&TaskLabel {
                task: task.to_owned(),
            })
            .set(now);
    }

    /// Lifecycle rules expired `n` more objects.
    pub fn lifecycle_expired(&self, n: u64) {
        self.0.lifecycle_expired.inc_by(n);
    }

    /// The exposition: the store's figures and the resident memory read
    /// now, everything else as counted. Blocks on the store; call it from
    /// a blocking thread. A figure that cannot be read keeps its last
    /// value, and the failure is logged.
    pub fn render(&self) -> String {
        let m = &*self.0;
        let _one = m.scrape.lock();
        let gauge = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        match m.store.stats() {
            Ok(s) => {
                m.logical_bytes.set(gauge(s.logical_bytes));
                m.stored_bytes.set(gauge(s.stored_bytes));
                m.chunks.set(gauge(s.chunks));
                m.packs.set(gauge(s.packs));
                m.live_fraction.set(s.live_fraction);
                m.metadata_bytes.set(gauge(s.meta_bytes));
                // Damage recorded by any scrub, less what writes healed.
                m.scrub_damaged_chunks.set(gauge(s.damaged_chunks));
            }
            Err(e) => tracing::warn!(error = %e, "metrics: cannot read the store's figures"),
        }
        match snapshot_counts(&m.store) {
            Ok(counts) => {
                // Buckets gone since the last scrape leave the family.
                m.snapshots.clear();
                for (bucket, n) in counts {
                    m.snapshots.get_or_create(&BucketLabel { bucket }).set(n);
                }
            }
            Err(e) => tracing::warn!(error = %e, "metrics: cannot count snapshots"),
        }
        match resident_bytes() {
            Some(n) => {
                m.resident_bytes.set(gauge(n));
            }
            None => tracing::debug!("metrics: cannot read /proc/self/statm"),
        }
        if let Some(n) = crate::memory::heap_in_use() {
            m.heap_bytes.set(gauge(n));
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut out, &m.registry)
        {
            tracing::error!("metrics: encoding failed: {e}");
        }
        out
    }
}

/// Snapshots per bucket, for every bucket that has any.
fn snapshot_counts(store: &Store) -> alexander_store::Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for b in store.list_buckets()? {
        match store.list_snapshots(&b.name) {
            Ok(s) if !s.is_empty() => out.push((b.name, s.len() as i64)),
            Ok(_) => {}
            // Deleted between the two calls.
            Err(alexander_store::Error::NoSuchBucket(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The process's resident set in bytes: `/proc/self/statm`'s second field
/// is in pages.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_and_store_figures_are_exposed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), alexander_store::Config::default()).unwrap();
        store.create_bucket("bkt").unwrap();
        store
            .put_object("bkt", "k", &b"hello"[..], Default::default())
            .unwrap();
        store.create_snapshot("bkt", "s1").unwrap();
        let m = Metrics::new(
            store.clone(),
            &S3Metrics::default(),
            &FuseMetrics::default(),
        );
        let out = m.render();
        for line in [
            "alexander_gc_runs_total 0\n",
            "alexander_gc_freed_bytes_total 0\n",
            "alexander_scrub_damaged_chunks 0\n",
            "alexander_lifecycle_expired_total 0\n",
            "alexander_task_last_success_timestamp_seconds{task=\"compact\"} 0",
            "alexander_store_logical_bytes 5\n",
            "alexander_snapshots{bucket=\"bkt\"} 1\n",
            "# TYPE alexander_s3_connections gauge",
        ] {
            assert!(out.contains(line), "no {line:?} in\n{out}");
        }
        m.gc_ran(100);
        m.gc_ran(20);
        m.task_succeeded("gc");
        m.lifecycle_expired(3);
        let out = m.render();
        for line in [
            "alexander_gc_runs_total 2\n",
            "alexander_gc_freed_bytes_total 120\n",
            // The store's own count of recorded damage.
            "alexander_scrub_damaged_chunks 0\n",
            "alexander_lifecycle_expired_total 3\n",
        ] {
            assert!(out.contains(line), "no {line:?} in\n{out}");
        }
        assert!(
            !out.contains("alexander_task_last_success_timestamp_seconds{task=\"gc\"} 0\n"),
            "{out}"
        );
        let rss = out
            .lines()
            .find_map(|l| l.strip_prefix("alexander_process_resident_bytes "))
            .unwrap();
        assert!(rss.parse::<u64>().unwrap() > 0, "{out}");
    }
}
