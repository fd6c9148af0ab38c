//! Alexander's storage engine: buckets of versioned objects whose data is
//! cut into content-defined chunks, each distinct chunk stored once in
//! append-only pack files, with all metadata in redb.
//!
//! [`Store`] is the whole interface. It is synchronous, thread-safe and cheap
//! to clone; data goes in from a [`std::io::Read`] and comes out as one, so
//! no call buffers a whole object. A call that changes anything returns only
//! once the change is durable (concurrent writers share their flushes),
//! except through a [`Store::lazy`] handle, whose changes are durable at the
//! next flush.
//!
//! The S3 endpoint and the FUSE mount are two views over one `Store`.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod access;
mod buckets;
pub mod chunker;
pub mod crc;
mod durability;
mod edit;
mod error;
mod ingest;
mod links;
mod list;
pub mod manifest;
pub mod md5x2;
mod meta;
mod multipart;
mod names;
mod objects;
mod pace;
pub mod packs;
mod push;
mod reader;
pub mod records;
mod refs;
mod scrub;
mod snapshots;
mod space;
mod system;
pub mod time;
mod unsynced;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

pub use buckets::BucketInfo;
pub use chunker::ChunkerConfig;
pub use edit::{AppendCopy, EditRequest, Overlay};
pub use error::{Error, Result};
pub use links::Links;
pub use list::{ListPage, ListQuery, VersionEntry, VersionPage, VersionQuery};
pub use multipart::{PartInfo, PartsPage, UploadInfo, UploadsPage};
pub use names::{
    ANY_KEYS, ChunkId, KEY_RULE_SETTING, KEY_TOO_LONG, MAX_COMPONENT_LEN, MAX_KEY_LEN,
    SNAPSHOT_PREFIX, check_path_key, keeps_path_rule, validate_bucket_name, validate_key,
    validate_snapshot_name,
};
pub use objects::{
    At, ByteRange, CopyMetadata, CopySource, DeleteIf, DeleteResult, ObjectInfo, PutOptions,
    RenameOptions, WriteCondition,
};
pub use pace::{BUSY_SHARE, Pace};
pub use push::{Cut, Digests, IngestWriter, Md5Stage, Staged};
pub use reader::{ObjectReader, PinnedVersion};
pub use records::{ObjectMeta, PosixAttrs, Versioning};
pub use scrub::{ChunkUser, DamagedChunk, ScrubProgress, ScrubReport};
pub use snapshots::SnapshotInfo;
pub use space::{CompactReport, FsckReport, GcReport, Progress, Stats};
pub use unsynced::Recovered;

use meta::Meta;
use packs::{ChunkBackend, LocalPacks};

/// How a store is laid out and tuned.
#[derive(Clone, Debug)]
pub struct Config {
    pub chunker: ChunkerConfig,
    /// A pack is sealed once it would grow past this many bytes.
    pub pack_size: u64,
    /// How long a chunk nothing references is kept before GC frees it: a
    /// margin, since readers and writers pin what they use.
    pub gc_grace: Duration,
    /// Compaction rewrites sealed packs whose live fraction is below this.
    pub compact_below: f64,
    /// Memory the metadata database may use for its page cache.
    pub meta_cache_bytes: u64,
    /// Chunk reference changes one commit applies inline; a larger manifest
    /// has its references changed in bounded steps after the commit, so
    /// memory stays bounded whatever the object size.
    pub inline_refs: usize,
    /// Room kept free on the filesystem of the data directory: a chunk
    /// append that would leave less fails with `ENOSPC` first, so that the
    /// metadata database (which cannot recover from a full disk without a
    /// restart) always has room to commit, and a full disk costs the write
    /// that filled it, not the server.
    pub reserved_bytes: u64,
    /// New chunks of at most this many bytes (small files, and the tails
    /// of larger ones) are kept in the metadata database instead of a
    /// pack, so committing them costs no pack `fdatasync`; 0 keeps every
    /// chunk in packs.
    pub meta_chunk_max: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            chunker: ChunkerConfig::default(),
            pack_size: 128 << 20,
            gc_grace: Duration::from_secs(60),
            compact_below: 0.5,
            meta_cache_bytes: 64 << 20,
            inline_refs: 512,
            reserved_bytes: 64 << 20,
            meta_chunk_max: 4096,
        }
    }
}

/// A handle on an open store. Clones share it.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
    /// Commits through this handle return once visible, without waiting
    /// for the metadata flush (see [`Store::lazy`]).
    lazy: bool,
    /// Commits through this handle keep hard links whole (see
    /// [`Store::following_links`]).
    links: bool,
}

struct Inner {
    dir: PathBuf,
    config: Config,
    meta: Meta,
    packs: Box<dyn ChunkBackend>,
    pins: Pins,
    /// Only one compaction runs at a time.
    compacting: Mutex<()>,
    /// Only one GC pass runs at a time: two would count the same queue
    /// entries and wait on each other's batches for nothing.
    collecting: Mutex<()>,
    /// Only one runner of reference-count jobs at a time.
    jobs: Mutex<()>,
    /// Chunks lazy commits indexed before a pack sync covered them
    /// (`unsynced.rs`).
    unsynced: Mutex<unsynced::Queue>,
    /// What opening the store found of lazy commits a crash interrupted.
    recovered: Mutex<Recovered>,
    /// Whether any chunk may be recorded damaged (`scrub.rs`). While none
    /// is, a chunk read skips the look-up of its damage record; set before
    /// a scrub commits one, cleared by a scrub that leaves none.
    damage: std::sync::atomic::AtomicBool,
    /// Only one scrub at a time.
    scrubbing: Mutex<()>,
}

/// Chunks and packs that writers in flight depend on, which GC and
/// compaction must leave alone.
#[derive(Default)]
struct Pins {
    chunks: Mutex<HashMap<ChunkId, u32>>,
    /// For each writer in flight, the lowest pack it may have appended to.
    packs: Mutex<HashMap<u64, u64>>,
    next_token: Mutex<u64>,
}

/// The layout of a store's metadata records and pack records together,
/// kept under `meta::keys::FORMAT`. 2: pack records carry a CRC-32C.
/// 3: small chunks may live in the metadata database (`keys::chunk_data`).
/// A format-2 store is read as it is and marked 3 when opened, since 3
/// only adds a place for chunks; a release that reads only 2 then refuses
/// it rather than miss those chunks. 4: metadata records may be in record
/// format 2 (access and change times); format-2 and -3 stores are read as
/// they are and marked 4 when opened, so a release that cannot read those
/// records refuses the store at open rather than fail on a record later.
/// 5: chunk records may be in record format 3 (an optional MD5 and a
/// CRC64NVME); older stores are read as they are and marked 5 when opened,
/// for the same reason.
const STORE_FORMAT: u8 = 5;

/// Formats this version opens, upgrading them to [`STORE_FORMAT`].
const UPGRADABLE_FORMATS: &[u8] = &[2, 3, 4];

impl Store {
    /// Opens the store in `dir`, creating it if needed.
    pub fn open(dir: impl AsRef<Path>, config: Config) -> Result<Store> {
        config.chunker.validate()?;
        if !(0.0..=1.0).contains(&config.compact_below) {
            return Err(Error::InvalidArgument(
                "compact_below must lie between 0 and 1".into(),
            ));
        }
        let dir = dir.as_ref().to_owned();
        std::fs::create_dir_all(&dir)?;
        let meta = Meta::open(
            &dir.join("meta"),
            config.meta_cache_bytes,
            config.inline_refs,
        )?;
        {
            let mut txn = meta.begin();
            match txn.get(meta::keys::FORMAT)? {
                None => txn.put(meta::keys::FORMAT.to_vec(), vec![STORE_FORMAT]),
                Some(v) if v == [STORE_FORMAT] => {}
                Some(v) if v.len() == 1 && UPGRADABLE_FORMATS.contains(&v[0]) => {
                    txn.put(meta::keys::FORMAT.to_vec(), vec![STORE_FORMAT]);
                }
                Some(v) => {
                    return Err(Error::BadRecord(format!(
                        "store format {} is not supported by this version, which reads format {STORE_FORMAT}",
                        v.first().copied().unwrap_or(0),
                    )));
                }
            }
            txn.commit()?;
        }
        meta.sync()?;
        let damage = meta.scan(meta::keys::DAMAGED).next().is_some();
        let packs = LocalPacks::open(&dir.join("packs"), config.pack_size)?
            .with_reserve(config.reserved_bytes);
        let store = Store {
            inner: Arc::new(Inner {
                dir,
                config,
                meta,
                packs: Box::new(packs),
                pins: Pins::default(),
                compacting: Mutex::new(()),
                collecting: Mutex::new(()),
                jobs: Mutex::new(()),
                unsynced: Mutex::new(unsynced::Queue::default()),
                recovered: Mutex::new(Recovered::default()),
                damage: damage.into(),
                scrubbing: Mutex::new(()),
            }),
            lazy: false,
            links: false,
        };
        // Finish what a crash interrupted before serving anything: the
        // reference jobs first, while every chunk they name still has its
        // record, then the check of lazily committed chunks.
        store.run_jobs()?;
        let recovered = store.recover_unsynced()?;
        *store.inner.recovered.lock() = recovered;
        Ok(store)
    }

    /// The directory the store lives in.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The configuration the store was opened with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Commits a transaction, makes it durable, and runs the reference
    /// jobs it (or anyone) queued.
    pub(crate) fn finish(&self, txn: meta::Txn<'_>) -> Result<()> {
        txn.commit()?;
        self.durable()?;
        self.run_jobs()
    }

    /// Unless this handle is lazy, returns once what it committed is
    /// durable: the pack data of lazy commits first (a durable commit may
    /// name their chunks, as a copy does or a write that shares them),
    /// then the metadata. Should a crash come between the commit and this,
    /// the commit was not acknowledged, and opening the store drops it if
    /// it names chunks that never reached the disk.
    fn durable(&self) -> Result<()> {
        if self.lazy {
            return Ok(());
        }
        if self.needs_settle() {
            self.settle()?;
        }
        self.inner.meta.sync()
    }

    /// What opening the store found of lazy commits that a crash
    /// interrupted.
    pub fn recovered(&self) -> Recovered {
        self.inner.recovered.lock().clone()
    }

    /// A handle on the same store whose changes return once they are
    /// committed and visible, before they are durable, as a local
    /// filesystem's writes do before `fsync`: the mount's close. Neither
    /// the metadata flush nor the pack `fdatasync` is waited for; the
    /// change becomes durable at the next [`Store::flush`], at any other
    /// handle's durable commit, or once both [`Store::settle`] (for the
    /// pack data) and the metadata database's own flush (every half
    /// second) have run. A crash loses a lazy change whole or keeps it
    /// whole: opening the store checks the chunks lazy commits indexed and
    /// drops a change whose bytes never reached the disk (`unsynced.rs`).
    pub fn lazy(&self) -> Store {
        Store {
            inner: self.inner.clone(),
            lazy: true,
            links: self.links,
        }
    }

    /// A handle on the same store whose changes treat the names of a
    /// hard-linked file as one file (`links.rs`): a new version or new
    /// metadata of one name is given to all, and a removal stamps the
    /// others' change time. The mount's handle. Through any other handle
    /// (the S3 endpoint's), a change of one name takes it out of its group
    /// and leaves the others as they were, as separate objects behave.
    pub fn following_links(&self) -> Store {
        Store {
            inner: self.inner.clone(),
            lazy: self.lazy,
            links: true,
        }
    }

    /// Makes every change so far durable (every mutating call already does
    /// this for its own change).
    pub fn flush(&self) -> Result<()> {
        self.settle()?;
        self.inner.meta.sync()
    }
}

/// Now, in ns since the Unix epoch.
pub(crate) fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Formats a version id: `null`, or the commit sequence in hex.
pub(crate) fn version_id(seq: u64, null_id: bool) -> String {
    if null_id {
        "null".to_owned()
    } else {
        format!("{seq:016x}")
    }
}
