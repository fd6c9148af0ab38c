//! Settings: the TOML config file, overridden by `ALEXANDER_*` environment
//! variables, overridden by flags. clap already merges each flag with its
//! variable; this module lays the result over the file and the defaults.
//!
//! Secrets are never settings: the master key comes from a file or from
//! `ALEXANDER_MASTER_KEY` (see `master_key.rs`), the root credentials from
//! `ALEXANDER_ROOT_ACCESS_KEY` and `ALEXANDER_ROOT_SECRET_KEY` (see
//! [`root_credentials`]); neither has a flag or a key in the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alexander_s3::{Limits, RateLimit, S3Config};
use alexander_store::{ChunkerConfig, Config as StoreConfig};
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

use crate::cli::{GlobalArgs, ServeArgs, Switch, parse_size};

/// Where the store lives when nothing says otherwise.
pub const DEFAULT_DATA_DIR: &str = "./data";
/// Where `serve` listens when nothing says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9000";
/// How long `serve` waits for requests in flight when told to stop.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(30);
/// How often `serve` runs the lifecycle pass.
pub const DEFAULT_LIFECYCLE_INTERVAL: Duration = Duration::from_secs(3600);
/// How old an incomplete multipart upload no lifecycle rule governs may
/// grow before the lifecycle pass aborts it.
pub const DEFAULT_ABANDON_AFTER: Duration = Duration::from_secs(7 * 86_400);
/// The variables naming the root user's access key and its secret.
pub const ROOT_ACCESS_KEY_ENV: &str = "ALEXANDER_ROOT_ACCESS_KEY";
pub const ROOT_SECRET_KEY_ENV: &str = "ALEXANDER_ROOT_SECRET_KEY";

/// The config file, as written. Every key is optional; an unknown key is
/// an error, so that a misspelt one is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    master_key_file: Option<PathBuf>,
    #[serde(default)]
    s3: S3Section,
    #[serde(default)]
    chunking: ChunkingSection,
    #[serde(default)]
    gc: GcSection,
    #[serde(default)]
    compact: CompactSection,
    /// `[[snapshots]]`: snapshot schedules of buckets that have none of
    /// their own.
    #[serde(default)]
    snapshots: Vec<SnapshotSection>,
    #[serde(default)]
    mount: MountSection,
    #[serde(default)]
    scrub: ScrubSection,
    #[serde(default)]
    lifecycle: LifecycleSection,
    #[serde(default)]
    multipart: MultipartSection,
    #[serde(default)]
    store: StoreSection,
}

/// `[store]`: how the store uses its disk.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreSection {
    /// Room kept free on the data directory's filesystem (see
    /// `alexander_store::Config::reserved_bytes`).
    reserved_bytes: Option<Size>,
    /// Memory the metadata database caches (see
    /// `alexander_store::Config::meta_cache_bytes`).
    metadata_cache_bytes: Option<Size>,
}

/// `[scrub]`: how `serve` scrubs the store in the background.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScrubSection {
    interval: Option<DurationValue>,
    max_bytes_per_sec: Option<Size>,
}

/// How often `serve` starts a background scrub when nothing says.
pub const DEFAULT_SCRUB_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How fast a background scrub reads when nothing says.
pub const DEFAULT_SCRUB_RATE: u64 = 32 << 20;

/// The background scrub `serve` runs: every `interval` (never when
/// `None`), reading at most `max_bytes_per_sec` (0: no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScrubSettings {
    pub interval: Option<Duration>,
    pub max_bytes_per_sec: u64,
}

impl ScrubSettings {
    fn resolve(file: &ScrubSection) -> ScrubSettings {
        ScrubSettings {
            interval: match file.interval {
                None => Some(DEFAULT_SCRUB_INTERVAL),
                Some(DurationValue(d)) if d.is_zero() => None,
                Some(DurationValue(d)) => Some(d),
            },
            max_bytes_per_sec: file.max_bytes_per_sec.map_or(DEFAULT_SCRUB_RATE, |s| s.0),
        }
    }
}

/// `[compact]`: the server's background compaction.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompactSection {
    interval: Option<DurationValue>,
}

/// One `[[snapshots]]` entry: a bucket's snapshot schedule.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotSection {
    bucket: String,
    every: DurationValue,
    #[serde(default)]
    keep_last: u32,
    #[serde(default)]
    keep_hourly: u32,
    #[serde(default)]
    keep_daily: u32,
    #[serde(default)]
    keep_weekly: u32,
    #[serde(default)]
    keep_monthly: u32,
}

/// A duration in the config file: seconds (`3600`) or with a unit
/// (`"1h"`, `"30s"`, `"7d"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SizeValue")]
struct DurationValue(Duration);

impl TryFrom<SizeValue> for DurationValue {
    type Error = String;

    fn try_from(v: SizeValue) -> Result<DurationValue, String> {
        match v {
            SizeValue::Bytes(n) => Ok(DurationValue(Duration::from_secs(n))),
            SizeValue::Text(s) => crate::schedule::parse_duration(&s).map(DurationValue),
        }
    }
}

/// `[lifecycle]`: the lifecycle pass `serve` runs.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LifecycleSection {
    interval: Option<DurationValue>,
}

/// `[multipart]`: incomplete uploads.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MultipartSection {
    abandon_after: Option<DurationValue>,
}

/// `[mount]`: how `serve --mount` presents the store.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MountSection {
    /// The S3 user the mount acts as.
    user: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChunkingSection {
    min_kib: Option<u32>,
    avg_kib: Option<u32>,
    max_kib: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GcSection {
    grace_period_secs: Option<u64>,
    /// How often the server runs GC; 0 turns it off.
    interval: Option<DurationValue>,
}

/// `[s3]`: how `serve` presents the store.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Section {
    listen: Option<String>,
    region: Option<String>,
    vhost_domain: Option<String>,
    drain_timeout_secs: Option<u64>,
    metrics_token: Option<String>,
    access_log: Option<bool>,
    #[serde(default)]
    limits: LimitsSection,
}

/// `[s3.limits]`. Sizes may be written as a number of bytes or as a string
/// with a unit (`"5MiB"`), as on the command line.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    max_header_bytes: Option<Size>,
    max_user_metadata_bytes: Option<Size>,
    max_xml_bytes: Option<Size>,
    max_parts: Option<u32>,
    min_part_size: Option<Size>,
    max_part_size: Option<Size>,
    max_put_size: Option<Size>,
    max_delete_keys: Option<u32>,
    header_timeout_secs: Option<u64>,
    idle_timeout_secs: Option<u64>,
    stall_timeout_secs: Option<u64>,
    max_connections: Option<u32>,
    requests_per_sec: Option<u32>,
    request_burst: Option<u32>,
    max_concurrent_requests: Option<u32>,
}

/// A size in the config file: `65536` or `"64KiB"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SizeValue")]
struct Size(u64);

#[derive(Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Bytes(u64),
    Text(String),
}

impl TryFrom<SizeValue> for Size {
    type Error = String;

    fn try_from(v: SizeValue) -> Result<Size, String> {
        match v {
            SizeValue::Bytes(n) => Ok(Size(n)),
            SizeValue::Text(s) => parse_size(&s).map(Size),
        }
    }
}

impl FileConfig {
    fn read(path: &Path) -> Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let mut config: FileConfig = toml::from_str(&text)
            .with_context(|| format!("invalid config file {}", path.display()))?;
        // A relative path names a place beside the file, wherever the
        // command runs from.
        let base = path.parent().unwrap_or(Path::new(""));
        for p in [&mut config.data_dir, &mut config.master_key_file]
            .into_iter()
            .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }
}

/// Everything a command needs to open the store, and what the file says
/// about serving it.
#[derive(Debug)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub store: StoreConfig,
    /// The master key file named by flag, variable or config; `None`: the
    /// key comes from `ALEXANDER_MASTER_KEY` or `DATA/master.key`.
    pub master_key_file: Option<PathBuf>,
    /// `[s3]` of the config file, for `serve`.
    s3: S3Section,
    /// `[mount]` of the config file, for `serve`.
    mount: MountSection,
    /// The server's background maintenance.
    pub maintenance: MaintenanceSettings,
    /// The background scrub `serve` runs (`[scrub]` of the config file).
    pub scrub: ScrubSettings,
}

/// How often `serve` maintains the store by itself. `None` turns a task
/// off.
#[derive(Clone, Debug)]
pub struct MaintenanceSettings {
    pub gc_interval: Option<Duration>,
    pub compact_interval: Option<Duration>,
    /// How often `serve` applies the buckets' lifecycle rules
    /// (`[lifecycle] interval`).
    pub lifecycle_interval: Option<Duration>,
    /// Incomplete multipart uploads no lifecycle rule governs are aborted
    /// once this old (`[multipart] abandon_after`).
    pub abandon_after: Duration,
    /// Snapshot schedules from the config file, by bucket.
    pub snapshot_schedules: std::collections::BTreeMap<String, crate::schedule::Schedule>,
}

/// How often the server runs GC and compaction unless told otherwise.
pub const DEFAULT_GC_INTERVAL: Duration = Duration::from_secs(3600);
pub const DEFAULT_COMPACT_INTERVAL: Duration = Duration::from_secs(3600);

impl MaintenanceSettings {
    fn resolve(
        gc: &GcSection,
        compact: &CompactSection,
        lifecycle: &LifecycleSection,
        multipart: &MultipartSection,
        snapshots: &[SnapshotSection],
    ) -> Result<MaintenanceSettings> {
        let interval = |v: Option<DurationValue>, default: Duration| match v {
            Some(DurationValue(d)) if d.is_zero() => None,
            Some(DurationValue(d)) => Some(d),
            None => Some(default),
        };
        let mut snapshot_schedules = std::collections::BTreeMap::new();
        for s in snapshots {
            let schedule = crate::schedule::Schedule {
                every_secs: s.every.0.as_secs(),
                keep_last: s.keep_last,
                keep_hourly: s.keep_hourly,
                keep_daily: s.keep_daily,
                keep_weekly: s.keep_weekly,
                keep_monthly: s.keep_monthly,
            };
            schedule
                .validate()
                .with_context(|| format!("[[snapshots]] of bucket {}", s.bucket))?;
            if snapshot_schedules
                .insert(s.bucket.clone(), schedule)
                .is_some()
            {
                bail!("[[snapshots]] names bucket {} twice", s.bucket);
            }
        }
        Ok(MaintenanceSettings {
            gc_interval: interval(gc.interval, DEFAULT_GC_INTERVAL),
            compact_interval: interval(compact.interval, DEFAULT_COMPACT_INTERVAL),
            lifecycle_interval: interval(lifecycle.interval, DEFAULT_LIFECYCLE_INTERVAL),
            abandon_after: multipart
                .abandon_after
                .map_or(DEFAULT_ABANDON_AFTER, |d| d.0),
            snapshot_schedules,
        })
    }
}

impl Settings {
    /// Resolves the settings from the flags (with their environment
    /// variables already applied by clap), the config file and defaults.
    pub fn resolve(args: &GlobalArgs) -> Result<Settings> {
        let file = match &args.config {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        let data_dir = args
            .data
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));

        let defaults = StoreConfig::default();
        let t = &args.tuning;
        let kib =
            |name: &str, flag: Option<u32>, file: Option<u32>, default: u32| match flag.or(file) {
                Some(k) => k
                    .checked_mul(1024)
                    .ok_or_else(|| anyhow!("chunking.{name} = {k} KiB is too large")),
                None => Ok(default),
            };
        let chunker = ChunkerConfig {
            min: kib(
                "min_kib",
                t.chunking_min_kib,
                file.chunking.min_kib,
                defaults.chunker.min,
            )?,
            avg: kib(
                "avg_kib",
                t.chunking_avg_kib,
                file.chunking.avg_kib,
                defaults.chunker.avg,
            )?,
            max: kib(
                "max_kib",
                t.chunking_max_kib,
                file.chunking.max_kib,
                defaults.chunker.max,
            )?,
        };
        chunker.validate().with_context(|| {
            format!(
                "invalid chunk sizes (min {} KiB, avg {} KiB, max {} KiB)",
                chunker.min / 1024,
                chunker.avg / 1024,
                chunker.max / 1024
            )
        })?;
        let gc_grace = t
            .gc_grace_period_secs
            .or(file.gc.grace_period_secs)
            .map_or(defaults.gc_grace, Duration::from_secs);

        let maintenance = MaintenanceSettings::resolve(
            &file.gc,
            &file.compact,
            &file.lifecycle,
            &file.multipart,
            &file.snapshots,
        )?;
        Ok(Settings {
            maintenance,
            data_dir,
            store: StoreConfig {
                chunker,
                gc_grace,
                reserved_bytes: file
                    .store
                    .reserved_bytes
                    .map_or(defaults.reserved_bytes, |s| s.0),
                meta_cache_bytes: file
                    .store
                    .metadata_cache_bytes
                    .map_or(defaults.meta_cache_bytes, |s| s.0),
                ..defaults
            },
            master_key_file: args.master_key_file.clone().or(file.master_key_file),
            scrub: ScrubSettings::resolve(&file.scrub),
            s3: file.s3,
            mount: file.mount,
        })
    }
}

/// What `serve` needs beyond the store.
#[derive(Debug)]
pub struct ServeSettings {
    /// `HOST:PORT` to bind.
    pub listen: String,
    pub s3: S3Config,
    /// How long requests in flight may take to finish at shutdown.
    pub drain: Duration,
    /// The S3 user the mount acts as (root unless set).
    pub mount_user: String,
    /// The bearer token `/metrics` asks for; none: open.
    pub metrics_token: Option<String>,
    /// Whether each request gets an access log line.
    pub access_log: bool,
}

impl ServeSettings {
    pub fn resolve(settings: &Settings, args: &ServeArgs) -> Result<ServeSettings> {
        let file = &settings.s3;
        let listen = args
            .listen
            .clone()
            .or_else(|| file.listen.clone())
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let defaults = S3Config::default();
        let region = args
            .region
            .clone()
            .or_else(|| file.region.clone())
            .unwrap_or(defaults.region);
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            bail!("invalid region {region:?}: letters, digits, - and _ only");
        }
        let vhost_domain = args
            .vhost_domain
            .clone()
            .or_else(|| file.vhost_domain.clone())
            .map(|d| d.trim_matches('.').to_ascii_lowercase())
            .filter(|d| !d.is_empty());
        let drain = args
            .drain_timeout_secs
            .or(file.drain_timeout_secs)
            .map_or(DEFAULT_DRAIN, Duration::from_secs);
        Ok(ServeSettings {
            listen,
            s3: S3Config {
                region,
                vhost_domain,
                limits: limits(args, &file.limits)?,
            },
            drain,
            mount_user: args
                .mount_user
                .clone()
                .or_else(|| settings.mount.user.clone())
                .unwrap_or_else(|| alexander_s3::iam::ROOT.to_owned()),
            metrics_token: args
                .metrics_token
                .clone()
                .or_else(|| file.metrics_token.clone())
                .filter(|t| !t.is_empty()),
            access_log: match args.access_log {
                Some(s) => s == Switch::On,
                None => file.access_log.unwrap_or(true),
            },
        })
    }
}

/// The protocol limits: flag (or variable), else file, else the S3 crate's
/// defaults; checked for sense.
fn limits(args: &ServeArgs, file: &LimitsSection) -> Result<Limits> {
    let d = Limits::default();
    let a = &args.limits;
    let size = |flag: Option<u64>, file: Option<Size>, default: u64| {
        flag.or(file.map(|s| s.0)).unwrap_or(default)
    };
    // Seconds, where 0 turns the timeout off.
    let secs = |v: Option<u64>, default: Option<Duration>| match v {
        Some(0) => None,
        Some(n) => Some(Duration::from_secs(n)),
        None => default,
    };
    let usize_of = |name: &str, v: u64| {
        usize::try_from(v).map_err(|_| anyhow!("s3.limits.{name} = {v} is too large"))
    };
    let limits = Limits {
        max_header_bytes: usize_of(
            "max_header_bytes",
            size(
                a.max_header_bytes,
                file.max_header_bytes,
                d.max_header_bytes as u64,
            ),
        )?,
        max_user_metadata: usize_of(
            "max_user_metadata_bytes",
            size(
                a.max_user_metadata_bytes,
                file.max_user_metadata_bytes,
                d.max_user_metadata as u64,
            ),
        )?,
        max_xml_bytes: usize_of(
            "max_xml_bytes",
            size(a.max_xml_bytes, file.max_xml_bytes, d.max_xml_bytes as u64),
        )?,
        max_parts: a.max_parts.or(file.max_parts).unwrap_or(d.max_parts),
        min_part_size: size(a.min_part_size, file.min_part_size, d.min_part_size),
        max_part_size: size(a.max_part_size, file.max_part_size, d.max_part_size),
        max_put_size: size(a.max_put_size, file.max_put_size, d.max_put_size),
        max_delete_keys: a
            .max_delete_keys
            .or(file.max_delete_keys)
            .map_or(d.max_delete_keys, |n| n as usize),
        header_timeout: secs(
            a.header_timeout_secs.or(file.header_timeout_secs),
            d.header_timeout,
        ),
        idle_timeout: secs(
            a.idle_timeout_secs.or(file.idle_timeout_secs),
            d.idle_timeout,
        ),
        stall_timeout: secs(
            a.stall_timeout_secs.or(file.stall_timeout_secs),
            d.stall_timeout,
        ),
        max_connections: a
            .max_connections
            .or(file.max_connections)
            .map_or(d.max_connections, |n| n as usize),
        rate: RateLimit {
            requests_per_sec: a
                .requests_per_sec
                .or(file.requests_per_sec)
                .unwrap_or(d.rate.requests_per_sec),
            burst: a
                .request_burst
                .or(file.request_burst)
                .unwrap_or(d.rate.burst),
            max_concurrent: a
                .max_concurrent_requests
                .or(file.max_concurrent_requests)
                .unwrap_or(d.rate.max_concurrent),
        },
    };
    if limits.max_connections == 0 {
        bail!("s3.limits.max_connections must not be 0");
    }
    if limits.max_header_bytes < 1024 {
        bail!(
            "s3.limits.max_header_bytes = {} is too small (at least 1KiB)",
            limits.max_header_bytes
        );
    }
    if !(1..=10_000).contains(&limits.max_parts) {
        bail!(
            "s3.limits.max_parts = {} is out of range (1 to 10000, as S3's part numbers)",
            limits.max_parts
        );
    }
    if limits.max_part_size == 0 || limits.min_part_size > limits.max_part_size {
        bail!(
            "s3.limits: min_part_size ({}) must not exceed max_part_size ({}), which must not be 0",
            limits.min_part_size,
            limits.max_part_size
        );
    }
    for (name, v) in [
        ("max_xml_bytes", limits.max_xml_bytes as u64),
        ("max_put_size", limits.max_put_size),
        ("max_delete_keys", limits.max_delete_keys as u64),
    ] {
        if v == 0 {
            bail!("s3.limits.{name} must not be 0");
        }
    }
    Ok(limits)
}

/// The root credentials for a scripted set-up, from
/// `ALEXANDER_ROOT_ACCESS_KEY` and `ALEXANDER_ROOT_SECRET_KEY`: both or
/// neither.
pub fn root_credentials() -> Result<Option<(String, zeroize::Zeroizing<String>)>> {
    let var = |name: &str| match std::env::var(name) {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(anyhow!("{name} is not valid UTF-8")),
    };
    match (var(ROOT_ACCESS_KEY_ENV)?, var(ROOT_SECRET_KEY_ENV)?) {
        (Some(id), Some(secret)) => Ok(Some((id, zeroize::Zeroizing::new(secret)))),
        (None, None) => Ok(None),
        (Some(_), None) => bail!(
            "{ROOT_ACCESS_KEY_ENV} is set but {ROOT_SECRET_KEY_ENV} is not: set both or neither"
        ),
        (None, Some(_)) => bail!(
            "{ROOT_SECRET_KEY_ENV} is set but {ROOT_ACCESS_KEY_ENV} is not: set both or neither"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/alexander.toml");
        let config = FileConfig::read(&path).unwrap();
        assert_eq!(config.data_dir, Some(PathBuf::from("/var/lib/alexander")));
        assert_eq!(config.chunking.avg_kib, Some(64));
        assert_eq!(config.gc.grace_period_secs, Some(60));
        assert_eq!(config.s3.listen.as_deref(), Some(DEFAULT_LISTEN));
        assert_eq!(config.s3.region.as_deref(), Some("us-east-1"));
        let l = &config.s3.limits;
        let d = Limits::default();
        assert_eq!(l.max_header_bytes, Some(Size(d.max_header_bytes as u64)));
        assert_eq!(
            l.max_user_metadata_bytes,
            Some(Size(d.max_user_metadata as u64))
        );
        assert_eq!(l.max_xml_bytes, Some(Size(d.max_xml_bytes as u64)));
        assert_eq!(l.max_parts, Some(d.max_parts));
        assert_eq!(l.min_part_size, Some(Size(d.min_part_size)));
        assert_eq!(l.max_part_size, Some(Size(d.max_part_size)));
        assert_eq!(l.max_put_size, Some(Size(d.max_put_size)));
        assert_eq!(l.max_delete_keys, Some(d.max_delete_keys as u32));
        let secs = |d: Option<Duration>| d.map(|d| d.as_secs());
        assert_eq!(l.header_timeout_secs, secs(d.header_timeout));
        assert_eq!(l.idle_timeout_secs, secs(d.idle_timeout));
        assert_eq!(l.stall_timeout_secs, secs(d.stall_timeout));
        assert_eq!(l.max_connections, Some(d.max_connections as u32));
        assert_eq!(l.requests_per_sec, Some(d.rate.requests_per_sec));
        assert_eq!(l.request_burst, Some(d.rate.burst));
        assert_eq!(l.max_concurrent_requests, Some(d.rate.max_concurrent));
        assert_eq!(config.mount.user, None);
        assert_eq!(
            ScrubSettings::resolve(&config.scrub),
            ScrubSettings {
                interval: Some(DEFAULT_SCRUB_INTERVAL),
                max_bytes_per_sec: DEFAULT_SCRUB_RATE,
            }
        );
        assert_eq!(
            config.lifecycle.interval,
            Some(DurationValue(DEFAULT_LIFECYCLE_INTERVAL))
        );
        assert_eq!(
            config.multipart.abandon_after,
            Some(DurationValue(DEFAULT_ABANDON_AFTER))
        );
        assert_eq!(config.s3.metrics_token, None);
        assert_eq!(config.s3.access_log, Some(true));
        assert_eq!(
            config.store.reserved_bytes,
            Some(Size(StoreConfig::default().reserved_bytes))
        );
    }

    #[test]
    fn the_background_scrub_is_weekly_unless_set() {
        let none = ScrubSettings::resolve(&ScrubSection::default());
        assert_eq!(none.interval, Some(DEFAULT_SCRUB_INTERVAL));
        assert_eq!(none.max_bytes_per_sec, DEFAULT_SCRUB_RATE);
        let c: FileConfig =
            toml::from_str("[scrub]\ninterval = 0\nmax_bytes_per_sec = \"1MiB\"\n").unwrap();
        let set = ScrubSettings::resolve(&c.scrub);
        assert_eq!(set.interval, None);
        assert_eq!(set.max_bytes_per_sec, 1 << 20);
        let c: FileConfig = toml::from_str("[scrub]\ninterval = \"2d\"\n").unwrap();
        let set = ScrubSettings::resolve(&c.scrub);
        assert_eq!(set.interval, Some(Duration::from_secs(2 * 86_400)));
        let err = toml::from_str::<FileConfig>("[scrub]\ninterval = \"5 parsecs\"\n").unwrap_err();
        assert!(err.to_string().contains("unit"), "{err}");
        let err = toml::from_str::<FileConfig>("[scrub]\ninterval_secs = 5\n").unwrap_err();
        assert!(err.to_string().contains("interval_secs"), "{err}");
    }

    #[test]
    fn lengths_of_time() {
        let c: FileConfig =
            toml::from_str("[lifecycle]\ninterval = \"30m\"\n[multipart]\nabandon_after = 86400\n")
                .unwrap();
        assert_eq!(
            c.lifecycle.interval,
            Some(DurationValue(Duration::from_secs(1800)))
        );
        assert_eq!(
            c.multipart.abandon_after,
            Some(DurationValue(Duration::from_secs(86_400)))
        );
        let parse = crate::schedule::parse_duration;
        assert_eq!(parse("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse(" 45 s "), Ok(Duration::from_secs(45)));
        for bad in ["", "d", "1y", "-1d", "1.5h"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let err = toml::from_str::<FileConfig>("[lifecycle]\ninterval = \"1 year\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown unit"), "{err}");
        let err = toml::from_str::<FileConfig>("[lifecycle]\nperiod = 5\n").unwrap_err();
        assert!(err.to_string().contains("period"), "{err}");
        // 0 turns the pass off, as for the other tasks.
        let c: FileConfig = toml::from_str("[lifecycle]\ninterval = 0\n").unwrap();
        let m = MaintenanceSettings::resolve(
            &c.gc,
            &c.compact,
            &c.lifecycle,
            &c.multipart,
            &c.snapshots,
        )
        .unwrap();
        assert_eq!(m.lifecycle_interval, None);
        assert_eq!(m.abandon_after, DEFAULT_ABANDON_AFTER);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = toml::from_str::<FileConfig>("[gc]\ngrace_period = 5\n").unwrap_err();
        assert!(err.to_string().contains("grace_period"), "{err}");
        let err = toml::from_str::<FileConfig>("[s3]\nport = 9000\n").unwrap_err();
        assert!(err.to_string().contains("port"), "{err}");
        let err = toml::from_str::<FileConfig>("[s3.limits]\nmax_keys = 5\n").unwrap_err();
        assert!(err.to_string().contains("max_keys"), "{err}");
        let err = toml::from_str::<FileConfig>("[store]\nreserve = 5\n").unwrap_err();
        assert!(err.to_string().contains("reserve"), "{err}");
        let c: FileConfig = toml::from_str(
            "[store]\nreserved_bytes = \"1GiB\"\n[s3]\nmetrics_token = \"t\"\naccess_log = false\n",
        )
        .unwrap();
        assert_eq!(c.store.reserved_bytes, Some(Size(1 << 30)));
        assert_eq!(c.s3.metrics_token.as_deref(), Some("t"));
        assert_eq!(c.s3.access_log, Some(false));
        let err = toml::from_str::<FileConfig>("[mount]\nusr = \"alice\"\n").unwrap_err();
        assert!(err.to_string().contains("usr"), "{err}");
        let c: FileConfig = toml::from_str("[mount]\nuser = \"alice\"\n").unwrap();
        assert_eq!(c.mount.user.as_deref(), Some("alice"));
    }

    #[test]
    fn sizes_are_numbers_or_text() {
        let c: FileConfig =
            toml::from_str("[s3.limits]\nmax_put_size = \"1GiB\"\nmin_part_size = 1048576\n")
                .unwrap();
        assert_eq!(c.s3.limits.max_put_size, Some(Size(1 << 30)));
        assert_eq!(c.s3.limits.min_part_size, Some(Size(1 << 20)));
        let err =
            toml::from_str::<FileConfig>("[s3.limits]\nmax_put_size = \"5MB\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown unit"), "{err}");
    }
}
