//! The metadata engine, behind a narrow interface.
//!
//! Everything the store knows besides chunk bytes lives in one table of a
//! redb database (`meta/alexander.redb`), with typed key prefixes (see
//! `keys`). Writes go through a [`Txn`]: it holds the store's single
//! commit lock and buffers its writes (reads through it see them). A commit
//! hands its writes to the *overlay*, an ordered map in memory that every
//! read consults before the database; the overlay goes to the database as
//! one write transaction when it grows past a bound, at every
//! [`Meta::sync`] and [`Meta::hand_over`], and when the store closes. So a
//! stream of small commits (a mount's creates, renames and unlinks) costs a
//! map insert each, not a database commit; and a crash loses a suffix of
//! the commits not yet synced, never part of one, since the overlay holds
//! whole commits and goes to the database whole.
//!
//! A hand-over is durable (redb's commit with `fsync`) when a sync asks for
//! it or when the last durable one is older than [`DURABLE_EVERY`];
//! otherwise it stays in redb's memory, which a crash loses whole. Reads
//! go to a snapshot of the database taken after each hand-over, so a read
//! opens no transaction of its own. Only this module names the engine
//! (see `docs/decisions.md#metadata-engine` for why redb and not sled);
//! a store made by an older release in sled is copied into redb once, at
//! open ([`migrate_from_sled`]).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard, RwLock};
use redb::ReadableDatabase;
use serde::{Serialize, de::DeserializeOwned};

use crate::durability::GroupSync;
use crate::error::{Error, Result};
use crate::pace::Activity;
use crate::records::{decode, encode};

/// Writes committed and not yet in the database (`None` deletes the key).
type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// One key of the overlay and what it says of it.
type Write = (Vec<u8>, Option<Vec<u8>>);

/// The one table: keys and values are bytes.
const TABLE: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("meta");

/// The database's file, in the metadata directory.
const FILE: &str = "alexander.redb";

/// The database as of the last hand-over, which reads use.
type Snapshot = Arc<redb::ReadOnlyTable<&'static [u8], &'static [u8]>>;

/// One stored entry, read in place until it is copied out.
type StoredEntry = (
    redb::OwnedAccessGuard<&'static [u8]>,
    redb::OwnedAccessGuard<&'static [u8]>,
);

/// The database's entries in a range, as redb gives them.
type Stored = Box<dyn Iterator<Item = Result<StoredEntry>> + Send>;

/// The overlay hands itself over once it holds this many keys...
/// (and not many more: a scan steps over every key the overlay deletes in
/// its range and the database still holds, as in a directory whose files
/// are being unlinked)
const OVERLAY_MAX_KEYS: usize = 1024;
/// ...or this many bytes of keys and values.
const OVERLAY_MAX_BYTES: usize = 8 << 20;

/// A hand-over made this long after the last durable one is durable too:
/// so commits a mount's settle hands over (closes without `fsync`) reach
/// the disk within about this long, as they did with sled's own flush.
const DURABLE_EVERY: Duration = Duration::from_millis(500);

/// A scan that has returned this many stored entries takes a newer
/// snapshot if there is one, so that a long scan does not keep the
/// database from reusing the pages later commits freed.
const SNAPSHOT_REFRESH_ENTRIES: usize = 4096;

/// Commits not yet in the database, which reads see before its contents.
struct Overlay {
    /// Commits since the last hand-over; newer than `handed`.
    front: Writes,
    /// Bytes of keys and values in `front`.
    front_bytes: usize,
    /// The writes being applied to the database now, readable until the
    /// snapshot has them.
    handed: Option<Arc<Writes>>,
    /// Hand-overs finished: the snapshot changes only at these.
    generation: u64,
    /// The database as of the last hand-over.
    snapshot: Snapshot,
}

/// Entries a scan takes from the overlay at a time: a scan its caller
/// stops after a few entries (is a directory empty?) must not copy every
/// entry of a busy directory the overlay holds.
const OVERLAY_PAGE: usize = 64;
/// A scan's first page of the overlay: most scans want one entry (is there
/// a key under this prefix?), so pages start small and double up to
/// [`OVERLAY_PAGE`].
const OVERLAY_FIRST_PAGE: usize = 2;

impl Overlay {
    /// What the overlay says of `key`: `Some(None)` if it deletes it.
    fn get(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        if let Some(v) = self.front.get(key) {
            return Some(v.clone());
        }
        self.handed.as_ref()?.get(key).cloned()
    }

    /// Up to `limit` of its entries from `start` on that begin with
    /// `prefix`, the newest of each key, and whether there may be more.
    fn range(&self, prefix: &[u8], start: &[u8], limit: usize) -> (Vec<Write>, bool) {
        let within = |w: &Writes| {
            w.range::<[u8], _>((Bound::Included(start), Bound::Unbounded))
                .take_while(|(k, _)| k.starts_with(prefix))
                .take(limit)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>()
        };
        let front = within(&self.front);
        let Some(handed) = &self.handed else {
            let more = front.len() == limit;
            return (front, more);
        };
        let older = within(handed);
        let full = front.len() == limit || older.len() == limit;
        let mut merged: Writes = older.into_iter().collect();
        merged.extend(front);
        // Past the `limit`th key either map may hold keys the other did
        // not give: those wait for the next page. The two maps' entries
        // together may be more than a page though neither filled one.
        let more = full || merged.len() > limit;
        (merged.into_iter().take(limit).collect(), more)
    }
}

/// Whether and when the database was last made durable.
struct Durable {
    /// The last durable commit.
    at: Instant,
    /// Commits made since that are not durable.
    pending: bool,
}

/// The ordered key-value store holding all metadata.
pub struct Meta {
    db: redb::Database,
    /// The database's file.
    file: PathBuf,
    /// Reference-count changes one transaction may apply inline.
    inline_refs: usize,
    commit: Mutex<()>,
    overlay: RwLock<Overlay>,
    /// Held while the overlay goes to the database: one hand-over at a
    /// time, so that they reach it in the order of their commits.
    handing_over: Mutex<Durable>,
    group: GroupSync,
    /// Commits (and, noted by the reader, chunk reads) made for the
    /// foreground, which a paced upkeep yields to.
    pub(crate) activity: Activity,
}

impl Meta {
    /// Opens the metadata in the directory `dir`, creating it if needed,
    /// and copying a sled database an older release left there into redb.
    pub fn open(dir: &Path, cache_bytes: u64, inline_refs: usize) -> Result<Meta> {
        std::fs::create_dir_all(dir)?;
        let file = dir.join(FILE);
        if !file.exists() && is_sled(dir) {
            migrate_from_sled(dir, &file, cache_bytes)?;
        }
        let db = open_db(&file, cache_bytes)?;
        {
            // The table exists from the start, so a snapshot always has it.
            let txn = db.begin_write()?;
            txn.open_table(TABLE)?;
            txn.commit()?;
        }
        let snapshot = snapshot(&db)?;
        Ok(Meta {
            db,
            file,
            inline_refs,
            commit: Mutex::new(()),
            overlay: RwLock::new(Overlay {
                front: Writes::new(),
                front_bytes: 0,
                handed: None,
                generation: 0,
                snapshot,
            }),
            handing_over: Mutex::new(Durable {
                at: Instant::now(),
                pending: false,
            }),
            group: GroupSync::default(),
            activity: Activity::default(),
        })
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let snapshot = {
            let o = self.overlay.read();
            if let Some(v) = o.get(key) {
                return Ok(v);
            }
            // Not in the overlay: what it held a moment ago is in this
            // snapshot (the overlay lets go of a hand-over only as it
            // replaces the snapshot).
            o.snapshot.clone()
        };
        read_get(&snapshot, key)
    }

    pub fn get_rec<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        self.get(key)?.map(|v| decode(&v)).transpose()
    }

    /// Entries with keys from `start` (inclusive) while they begin with
    /// `prefix`, in key order.
    pub fn scan_from<'a>(
        &'a self,
        prefix: &'a [u8],
        start: &[u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + use<'a> {
        let start = if start < prefix { prefix } else { start };
        // The snapshot and the hand-over count are read together, and each
        // page of the overlay read checks the count again: should a
        // hand-over have moved entries to the database meanwhile, the scan
        // takes the newer snapshot (`Merged::turn_page`), so that no entry
        // is missed.
        let (snapshot, generation) = {
            let o = self.overlay.read();
            (o.snapshot.clone(), o.generation)
        };
        let mut scan = Merged {
            meta: self,
            prefix,
            start: start.to_vec(),
            stored: stored_from(&snapshot, prefix, Bound::Included(start.to_vec())).peekable(),
            stored_read: 0,
            pending: std::collections::VecDeque::new(),
            next_page: Some(start.to_vec()),
            page: OVERLAY_FIRST_PAGE,
            generation,
            last: None,
        };
        scan.turn_page();
        scan
    }

    /// Entries whose keys begin with `prefix`.
    pub fn scan<'a>(
        &'a self,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + 'a {
        self.scan_from(prefix, prefix)
    }

    /// Starts a transaction; only one runs at a time.
    pub fn begin(&self) -> Txn<'_> {
        Txn {
            meta: self,
            _lock: self.commit.lock(),
            writes: BTreeMap::new(),
            inline_refs: 0,
            upkeep: false,
        }
    }

    /// Starts a transaction of the upkeep (GC, compaction), which the
    /// foreground's [`Activity`] does not count.
    pub fn begin_upkeep(&self) -> Txn<'_> {
        Txn {
            upkeep: true,
            ..self.begin()
        }
    }

    /// Returns once every committed transaction is on disk. Concurrent
    /// callers share one flush.
    pub fn sync(&self) -> Result<()> {
        self.group.sync(|| self.hand_over_durably(true))
    }

    /// Moves what the overlay holds to the database, as one write
    /// transaction, durable if the last durable one is older than
    /// [`DURABLE_EVERY`].
    pub fn hand_over(&self) -> Result<()> {
        self.hand_over_durably(false)
    }

    fn hand_over_durably(&self, durable: bool) -> Result<()> {
        let last = self.handing_over.lock();
        let durable = durable || last.at.elapsed() >= DURABLE_EVERY;
        self.hand_over_with(last, durable)
    }

    /// The hand-over a commit asks for when it fills the overlay: never
    /// durable, and none at all while another one runs (the overlay then
    /// grows past its bound until a later commit finds the way free). A
    /// writer storing a long stream commits a batch of chunk records
    /// every few megabytes; a flush of the database, or a wait for one
    /// that a settle or a sync has started, would stall it for as long as
    /// the disk takes. What such a hand-over leaves undurable is made
    /// durable by the next sync or by the next hand-over of a settle
    /// ([`DURABLE_EVERY`]), which is what a commit promises.
    fn hand_over_full(&self) -> Result<()> {
        match self.handing_over.try_lock() {
            Some(last) => self.hand_over_with(last, false),
            None => Ok(()),
        }
    }

    fn hand_over_with(&self, mut last: MutexGuard<'_, Durable>, durable: bool) -> Result<()> {
        let writes = {
            let mut o = self.overlay.write();
            if o.front.is_empty() {
                None
            } else {
                let writes = Arc::new(std::mem::take(&mut o.front));
                o.front_bytes = 0;
                o.handed = Some(writes.clone());
                Some(writes)
            }
        };
        let Some(writes) = writes else {
            if durable && last.pending {
                // Earlier hand-overs are in redb's memory only: an empty
                // durable commit writes them.
                self.commit_writes(&Writes::new(), true)?;
                *last = Durable {
                    at: Instant::now(),
                    pending: false,
                };
            }
            return Ok(());
        };
        let applied = self
            .commit_writes(&writes, durable)
            .and_then(|()| snapshot(&self.db));
        let mut o = self.overlay.write();
        let handed = o.handed.take().expect("set above");
        match applied {
            Ok(snapshot) => {
                o.snapshot = snapshot;
                o.generation += 1;
                if durable {
                    last.at = Instant::now();
                }
                last.pending = !durable;
                Ok(())
            }
            Err(e) => {
                // Not in the database: back into the overlay, under what
                // came since.
                let since = std::mem::take(&mut o.front);
                let mut back = Arc::unwrap_or_clone(handed);
                back.extend(since);
                o.front_bytes = back
                    .iter()
                    .map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len))
                    .sum();
                o.front = back;
                Err(e)
            }
        }
    }

    /// Applies `writes` in one write transaction.
    fn commit_writes(&self, writes: &Writes, durable: bool) -> Result<()> {
        let mut txn = self.db.begin_write()?;
        if !durable {
            txn.set_durability(redb::Durability::None)?;
        }
        {
            let mut table = txn.open_table(TABLE)?;
            for (k, v) in writes.iter() {
                match v {
                    Some(v) => table.insert(k.as_slice(), v.as_slice()),
                    None => table.remove(k.as_slice()).map(|_| None),
                }?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Bytes the engine uses on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        use std::os::unix::fs::MetadataExt;
        Ok(std::fs::metadata(&self.file)?.blocks() * 512)
    }

    /// Entries the snapshot holds (what the overlay holds not counted),
    /// for tests.
    #[cfg(test)]
    fn stored_len(&self) -> u64 {
        use redb::ReadableTableMetadata;
        self.overlay.read().snapshot.len().unwrap()
    }
}

/// Opens (or creates) the database file; a store closed a moment ago in
/// this process may hold its lock for a few milliseconds yet, so a lock
/// held elsewhere is tried again for a second before it is reported.
fn open_db(file: &Path, cache_bytes: u64) -> Result<redb::Database> {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let mut builder = redb::Builder::new();
        builder.set_cache_size(usize::try_from(cache_bytes).unwrap_or(usize::MAX));
        match builder.create(file) {
            Ok(db) => return Ok(db),
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                if Instant::now() >= deadline {
                    return Err(Error::InUse);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The database as of now, for reads.
fn snapshot(db: &redb::Database) -> Result<Snapshot> {
    let txn = db.begin_read()?;
    let table = txn.open_table(TABLE)?;
    Ok(Arc::new(table))
}

fn read_get(snapshot: &Snapshot, key: &[u8]) -> Result<Option<Vec<u8>>> {
    use redb::ReadableTable;
    Ok(snapshot.get(key)?.map(|v| v.value().to_vec()))
}

/// The snapshot's entries from `from` on that begin with `prefix`.
fn stored_from(snapshot: &Snapshot, prefix: &[u8], from: Bound<Vec<u8>>) -> Stored {
    let range = snapshot.range_owned((from.as_ref().map(Vec::as_slice), Bound::<&[u8]>::Unbounded));
    let range = match range {
        Ok(r) => r,
        Err(e) => return Box::new(std::iter::once(Err(e.into()))),
    };
    let prefix = prefix.to_vec();
    Box::new(
        range
            .map(|r| r.map_err(Error::from))
            .take_while(move |r: &Result<StoredEntry>| {
                r.as_ref()
                    .map_or(true, |(k, _)| k.value().starts_with(&prefix))
            }),
    )
}

/// Whether `dir` holds a sled database (as releases before redb made).
fn is_sled(dir: &Path) -> bool {
    dir.join("conf").is_file() && dir.join("db").is_file()
}

/// Copies every entry of the sled database in `dir` into a new redb
/// database at `file`, then removes sled's files. The copy is made under
/// another name and renamed into place only once durable, so a crash
/// during it leaves the sled database to be copied again at the next open.
fn migrate_from_sled(dir: &Path, file: &Path, cache_bytes: u64) -> Result<()> {
    let sled_err = |e: sled::Error| {
        Error::Io(std::io::Error::other(format!(
            "reading the sled metadata database to move it to redb: {e}"
        )))
    };
    let partial = file.with_extension("redb.partial");
    let _ = std::fs::remove_file(&partial);
    let old = sled::Config::new().path(dir).open().map_err(sled_err)?;
    let entries = old.len();
    tracing::info!(entries, dir = %dir.display(), "moving the metadata from sled to redb");
    {
        // One write transaction: redb spills what its cache cannot hold to
        // the file as it goes, and the copy is whole or absent.
        let db = open_db(&partial, cache_bytes)?;
        let txn = db.begin_write()?;
        {
            let mut table = txn.open_table(TABLE)?;
            for entry in old.iter() {
                let (k, v) = entry.map_err(sled_err)?;
                table.insert(k.as_ref(), v.as_ref())?;
            }
        }
        txn.commit()?;
    }
    drop(old);
    std::fs::rename(&partial, file)?;
    std::fs::File::open(dir)?.sync_all()?;
    // The redb database is in place: sled's files go.
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path == file {
            continue;
        }
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    tracing::info!(entries, "metadata moved to redb");
    Ok(())
}

/// A set of metadata changes applied atomically.
pub struct Txn<'a> {
    meta: &'a Meta,
    _lock: MutexGuard<'a, ()>,
    /// `None` deletes the key.
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Reference-count changes applied inline so far.
    inline_refs: usize,
    /// Made by the upkeep, not for the foreground.
    upkeep: bool,
}

impl Txn<'_> {
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.writes.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.meta.get(key),
        }
    }

    pub fn get_rec<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        self.get(key)?.map(|v| decode(&v)).transpose()
    }

    /// Takes `n` from the transaction's budget of inline reference-count
    /// changes; false (taking nothing) when it would run over.
    pub fn take_budget(&mut self, n: usize) -> bool {
        if self.inline_refs + n > self.meta.inline_refs {
            return false;
        }
        self.inline_refs += n;
        true
    }

    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert(key, Some(value));
    }

    pub fn put_rec<T: Serialize>(&mut self, key: Vec<u8>, value: &T) {
        self.put(key, encode(value));
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }

    /// Entries whose keys begin with `prefix`, as this transaction would
    /// leave them, in key order.
    pub fn scan(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut merged = BTreeMap::new();
        for entry in self.meta.scan(prefix) {
            let (k, v) = entry?;
            merged.insert(k, Some(v));
        }
        for (k, v) in self
            .writes
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
        {
            merged.insert(k.clone(), v.clone());
        }
        Ok(merged
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect())
    }

    /// Whether any key begins with `prefix`, as this transaction would
    /// leave them. Stops at the first one found.
    pub fn any(&self, prefix: &[u8]) -> Result<bool> {
        let mut buffered = self
            .writes
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix));
        if buffered.any(|(_, v)| v.is_some()) {
            return Ok(true);
        }
        for entry in self.meta.scan(prefix) {
            let (k, _) = entry?;
            if !matches!(self.writes.get(&k), Some(None)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The first key that begins with `prefix`, as this transaction would
    /// leave them: a seek, not a scan, unless the transaction itself
    /// deleted the keys it meets first.
    pub fn first(&self, prefix: &[u8]) -> Result<Option<Vec<u8>>> {
        let buffered = self
            .writes
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .find(|(_, v)| v.is_some())
            .map(|(k, _)| k.clone());
        let mut stored = None;
        for entry in self.meta.scan(prefix) {
            let (k, _) = entry?;
            if buffered.as_ref().is_some_and(|b| *b < k) {
                break;
            }
            if !matches!(self.writes.get(&k), Some(None)) {
                stored = Some(k);
                break;
            }
        }
        Ok(match (buffered, stored) {
            (Some(b), Some(s)) => Some(b.min(s)),
            (b, s) => b.or(s),
        })
    }

    /// Applies every change at once. Durable after [`Meta::sync`].
    pub fn commit(self) -> Result<()> {
        let Txn {
            meta,
            _lock,
            writes,
            upkeep,
            ..
        } = self;
        if writes.is_empty() {
            return Ok(());
        }
        let full = {
            let mut o = meta.overlay.write();
            for (k, v) in writes {
                o.front_bytes += k.len() + v.as_ref().map_or(0, Vec::len);
                o.front.insert(k, v);
            }
            o.front.len() >= OVERLAY_MAX_KEYS || o.front_bytes >= OVERLAY_MAX_BYTES
        };
        meta.group.wrote();
        if !upkeep {
            meta.activity.note();
        }
        // The next commit may begin while this one hands the overlay over.
        drop(_lock);
        if full {
            meta.hand_over_full()?;
        }
        Ok(())
    }
}

impl Drop for Meta {
    fn drop(&mut self) {
        if let Err(e) = self.hand_over_durably(true) {
            tracing::error!(error = %e, "could not store the last metadata changes");
        }
    }
}

/// The database's entries merged with the overlay's, in key order; the
/// overlay's win, and its deletions hide the database's. The overlay is
/// read a page at a time.
struct Merged<'a> {
    meta: &'a Meta,
    prefix: &'a [u8],
    start: Vec<u8>,
    /// The snapshot's entries, copied out only when returned.
    stored: std::iter::Peekable<Stored>,
    /// Entries taken from `stored` since it was made.
    stored_read: usize,
    /// The overlay's entries read and not yet merged.
    pending: std::collections::VecDeque<Write>,
    /// Where the overlay's next page starts; `None` once it has no more.
    next_page: Option<Vec<u8>>,
    /// The size of the overlay's next page.
    page: usize,
    /// The overlay's hand-over count when `stored`'s snapshot was taken.
    generation: u64,
    /// The last key returned.
    last: Option<Vec<u8>>,
}

impl Merged<'_> {
    /// Reads the overlay's next page. If a hand-over finished since the
    /// scan's snapshot was taken, entries the overlay held then may have
    /// moved to the database behind the scan's position: it goes on in the
    /// newer snapshot, from where this page starts.
    fn turn_page(&mut self) {
        let Some(from) = self.next_page.take() else {
            return;
        };
        let (page, more, generation, snapshot) = {
            let o = self.meta.overlay.read();
            let (page, more) = o.range(self.prefix, &from, self.page);
            (page, more, o.generation, o.snapshot.clone())
        };
        self.page = (self.page * 2).min(OVERLAY_PAGE);
        if generation != self.generation {
            // Every key before `from` is settled: the overlay's pages up to
            // it have been merged, and a stored key there that was not
            // returned was deleted by one of them (a deletion that may not
            // have reached the new snapshot yet). So the new snapshot is
            // read from `from`, not from the last key returned.
            self.resume_at(snapshot, generation, Bound::Included(from.clone()));
        }
        if more {
            let mut next = page.last().expect("a full page").0.clone();
            next.push(0);
            self.next_page = Some(next);
        }
        self.pending.extend(page);
    }

    /// Goes on in `snapshot`, taken at hand-over `generation`, after the
    /// last key returned.
    fn resume_in(&mut self, snapshot: Snapshot, generation: u64) {
        let resume = match &self.last {
            Some(k) => Bound::Excluded(k.clone()),
            None => Bound::Included(self.start.clone()),
        };
        self.resume_at(snapshot, generation, resume);
    }

    /// Goes on in `snapshot`, taken at hand-over `generation`, from
    /// `resume`.
    fn resume_at(&mut self, snapshot: Snapshot, generation: u64, resume: Bound<Vec<u8>>) {
        self.generation = generation;
        self.stored = stored_from(&snapshot, self.prefix, resume).peekable();
        self.stored_read = 0;
    }

    /// After many entries from one snapshot, goes on in a newer one if
    /// there is one.
    fn refresh(&mut self) {
        if self.stored_read < SNAPSHOT_REFRESH_ENTRIES {
            return;
        }
        let (generation, snapshot) = {
            let o = self.meta.overlay.read();
            (o.generation, o.snapshot.clone())
        };
        if generation == self.generation {
            self.stored_read = 0;
            return;
        }
        // The overlay's pages read so far were read at or before
        // `generation`; the pages still to come are read after it, and
        // `turn_page` moves on again should another hand-over come first.
        self.resume_in(snapshot, generation);
    }
}

impl Iterator for Merged<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.merge();
        if let Some(Ok((k, _))) = &item {
            self.last = Some(k.clone());
        }
        self.refresh();
        item
    }
}

impl Merged<'_> {
    fn take_stored(&mut self) -> Option<Result<(Vec<u8>, Vec<u8>)>> {
        let entry = self.stored.next()?;
        self.stored_read += 1;
        Some(entry.map(|(k, v)| (k.value().to_vec(), v.value().to_vec())))
    }

    fn merge(&mut self) -> Option<Result<(Vec<u8>, Vec<u8>)>> {
        loop {
            if self.pending.is_empty() {
                self.turn_page();
            }
            let take_pending = match (self.stored.peek(), self.pending.front()) {
                (_, None) => return self.take_stored(),
                (None, Some(_)) => true,
                (Some(Err(_)), Some(_)) => return self.take_stored(),
                (Some(Ok((sk, _))), Some((pk, _))) => {
                    let sk = sk.value();
                    if sk == pk.as_slice() {
                        // The overlay's is newer.
                        self.stored.next();
                        self.stored_read += 1;
                        true
                    } else {
                        pk.as_slice() < sk
                    }
                }
            };
            if !take_pending {
                return self.take_stored();
            }
            let (k, v) = self.pending.pop_front().expect("peeked");
            if let Some(v) = v {
                return Some(Ok((k, v)));
            }
        }
    }
}

/// Key layout. Bucket names never contain NUL and keys never do either, so
/// NUL separates components and sorts before every byte a key can hold.
pub mod keys {
    use crate::names::ChunkId;

    fn join(tag: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut k = tag.to_vec();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                k.push(0);
            }
            k.extend_from_slice(p);
        }
        k
    }

    pub const BUCKETS: &[u8] = b"b/";
    pub fn bucket(b: &str) -> Vec<u8> {
        join(BUCKETS, &[b.as_bytes()])
    }

    /// Current view: bucket NUL key.
    pub fn current_prefix(b: &str) -> Vec<u8> {
        join(b"c/", &[b.as_bytes(), b""])
    }
    pub fn current(b: &str, key: &str) -> Vec<u8> {
        join(b"c/", &[b.as_bytes(), key.as_bytes()])
    }

    /// Versions: bucket NUL key NUL !seq, so a key's versions sort newest
    /// first.
    pub fn versions_prefix(b: &str) -> Vec<u8> {
        join(b"v/", &[b.as_bytes(), b""])
    }
    pub fn versions_of(b: &str, key: &str) -> Vec<u8> {
        join(b"v/", &[b.as_bytes(), key.as_bytes(), b""])
    }
    pub fn version(b: &str, key: &str, seq: u64) -> Vec<u8> {
        let mut k = versions_of(b, key);
        k.extend_from_slice(&(!seq).to_be_bytes());
        k
    }
    /// Splits the part of a version key after its bucket prefix into key and
    /// sequence.
    pub fn split_version(rest: &[u8]) -> Option<(&str, u64)> {
        if rest.len() < 9 || rest[rest.len() - 9] != 0 {
            return None;
        }
        let (key, tail) = rest.split_at(rest.len() - 9);
        let seq = !u64::from_be_bytes(tail[1..].try_into().ok()?);
        Some((std::str::from_utf8(key).ok()?, seq))
    }

    /// Hidden versions, same layout as versions.
    pub fn hidden_prefix(b: &str) -> Vec<u8> {
        join(b"h/", &[b.as_bytes(), b""])
    }
    pub fn hidden(b: &str, key: &str, seq: u64) -> Vec<u8> {
        let mut k = join(b"h/", &[b.as_bytes(), key.as_bytes(), b""]);
        k.extend_from_slice(&(!seq).to_be_bytes());
        k
    }

    /// Chunks indexed by a lazy commit whose pack data is not known
    /// durable yet (`unsynced.rs`).
    pub const UNSYNCED: &[u8] = b"w/";
    pub fn unsynced(id: &ChunkId) -> Vec<u8> {
        let mut k = UNSYNCED.to_vec();
        k.extend_from_slice(&id.0);
        k
    }

    pub const CHUNKS: &[u8] = b"k/";
    pub fn chunk(id: &ChunkId) -> Vec<u8> {
        let mut k = CHUNKS.to_vec();
        k.extend_from_slice(&id.0);
        k
    }

    /// The bytes of a chunk kept in the metadata database (see
    /// `records::META_PACK`).
    pub fn chunk_data(id: &ChunkId) -> Vec<u8> {
        let mut k = b"d/".to_vec();
        k.extend_from_slice(&id.0);
        k
    }

    pub fn pack_members(pack: u64) -> Vec<u8> {
        let mut k = b"p/".to_vec();
        k.extend_from_slice(&pack.to_be_bytes());
        k
    }
    pub fn pack_member(pack: u64, id: &ChunkId) -> Vec<u8> {
        let mut k = pack_members(pack);
        k.extend_from_slice(&id.0);
        k
    }

    pub fn pack(pack: u64) -> Vec<u8> {
        let mut k = b"q/".to_vec();
        k.extend_from_slice(&pack.to_be_bytes());
        k
    }

    /// Chunks a scrub found damaged (`scrub.rs`): never served, healed by
    /// the next write that brings the same bytes.
    pub const DAMAGED: &[u8] = b"y/";
    pub fn damaged(id: &ChunkId) -> Vec<u8> {
        let mut k = DAMAGED.to_vec();
        k.extend_from_slice(&id.0);
        k
    }

    pub const GC_QUEUE: &[u8] = b"g/";
    pub fn gc(freed_ns: i64, id: &ChunkId) -> Vec<u8> {
        let mut k = GC_QUEUE.to_vec();
        k.extend_from_slice(&(freed_ns.max(0) as u64).to_be_bytes());
        k.extend_from_slice(&id.0);
        k
    }

    pub fn snapshots_prefix(b: &str) -> Vec<u8> {
        join(b"s/", &[b.as_bytes(), b""])
    }
    pub fn snapshot(b: &str, name: &str) -> Vec<u8> {
        join(b"s/", &[b.as_bytes(), name.as_bytes()])
    }

    /// Hard links: the group of names a key belongs to, bucket NUL key.
    pub fn link_prefix(b: &str) -> Vec<u8> {
        join(b"l/", &[b.as_bytes(), b""])
    }
    pub fn link(b: &str, key: &str) -> Vec<u8> {
        join(b"l/", &[b.as_bytes(), key.as_bytes()])
    }

    /// Hard links: a group of names, bucket NUL group id.
    pub fn link_groups_prefix(b: &str) -> Vec<u8> {
        join(b"i/", &[b.as_bytes(), b""])
    }
    pub fn link_group(b: &str, group: u64) -> Vec<u8> {
        let mut k = link_groups_prefix(b);
        k.extend_from_slice(&group.to_be_bytes());
        k
    }

    pub fn uploads_prefix(b: &str) -> Vec<u8> {
        join(b"u/", &[b.as_bytes(), b""])
    }
    pub fn upload(b: &str, key: &str, upload_id: &str) -> Vec<u8> {
        join(b"u/", &[b.as_bytes(), key.as_bytes(), upload_id.as_bytes()])
    }

    pub const PARTS: &[u8] = b"r/";
    pub fn parts_of(upload_id: &str) -> Vec<u8> {
        join(PARTS, &[upload_id.as_bytes(), b""])
    }
    pub fn part(upload_id: &str, number: u32) -> Vec<u8> {
        let mut k = parts_of(upload_id);
        k.extend_from_slice(&number.to_be_bytes());
        k
    }

    /// Completed multipart uploads, by upload id.
    pub fn completed_upload(upload_id: &str) -> Vec<u8> {
        join(b"n/", &[upload_id.as_bytes()])
    }
    /// The same, by completion time (ns, big-endian) then id: what is old
    /// enough to forget is found first.
    pub const COMPLETED_BY_TIME: &[u8] = b"N/";
    pub fn completed_by_time(completed_ns: i64, upload_id: &str) -> Vec<u8> {
        let mut k = COMPLETED_BY_TIME.to_vec();
        k.extend_from_slice(&(completed_ns.max(0) as u64).to_be_bytes());
        k.extend_from_slice(upload_id.as_bytes());
        k
    }

    /// The system key-value area: namespace NUL key.
    pub fn system(ns: &str, key: &[u8]) -> Vec<u8> {
        join(b"x/", &[ns.as_bytes(), key])
    }

    /// Pending reference-count jobs, by id.
    pub const JOBS: &[u8] = b"j/";
    pub fn job(id: u64) -> Vec<u8> {
        let mut k = JOBS.to_vec();
        k.extend_from_slice(&id.to_be_bytes());
        k
    }
    pub fn job_progress(id: u64) -> Vec<u8> {
        let mut k = b"J/".to_vec();
        k.extend_from_slice(&id.to_be_bytes());
        k
    }

    pub const COUNTERS: &[u8] = b"m/counters";
    pub const FORMAT: &[u8] = b"m/format";

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn versions_sort_by_key_then_newest_first() {
            let mut ks = [
                version("b", "a", 1),
                version("b", "a", 2),
                version("b", "a/b", 1),
                version("b", "a.", 5),
                version("b", "ab", 0),
            ];
            ks.sort();
            let prefix = versions_prefix("b");
            let order: Vec<_> = ks
                .iter()
                .map(|k| split_version(&k[prefix.len()..]).unwrap())
                .collect();
            assert_eq!(
                order,
                vec![("a", 2), ("a", 1), ("a.", 5), ("a/b", 1), ("ab", 0)]
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Put(u8, u8),
        Delete(u8),
        /// Commits what the steps since the last commit wrote.
        Commit,
        HandOver,
        /// Closes and opens the database again (after a commit).
        Reopen,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..24, any::<u8>()).prop_map(|(k, v)| Op::Put(k, v)),
            2 => (0u8..24).prop_map(Op::Delete),
            3 => Just(Op::Commit),
            1 => Just(Op::HandOver),
            1 => Just(Op::Reopen),
        ]
    }

    /// Keys under two prefixes, so that scans have neighbours to stop at.
    fn key(k: u8) -> Vec<u8> {
        vec![b'p' + (k % 2), b'/', k]
    }

    fn check(meta: &Meta, model: &BTreeMap<Vec<u8>, Vec<u8>>) {
        for k in 0..24 {
            assert_eq!(meta.get(&key(k)).unwrap().as_ref(), model.get(&key(k)));
        }
        for prefix in [&b"p/"[..], b"q/", b""] {
            let scanned: Vec<_> = meta.scan(prefix).map(|e| e.unwrap()).collect();
            let expected: Vec<_> = model
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(scanned, expected, "scan of {prefix:?}");
        }
        // From the middle of a prefix.
        let from: Vec<_> = meta
            .scan_from(b"p/", &key(10))
            .map(|e| e.unwrap().0)
            .collect();
        let expected: Vec<_> = model
            .keys()
            .filter(|k| k.starts_with(b"p/") && **k >= key(10))
            .cloned()
            .collect();
        assert_eq!(from, expected);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Whether a commit's writes are in the overlay, handed over or in
        /// the database, and across a reopen, reads and scans show every committed
        /// write and nothing else.
        #[test]
        fn reads_see_commits_wherever_they_are(ops in prop::collection::vec(op(), 1..80)) {
            let dir = tempfile::tempdir().unwrap();
            let mut meta = Some(Meta::open(dir.path(), 1 << 20, 16).unwrap());
            let mut model = BTreeMap::new();
            let mut staged: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
            for op in ops {
                let m = meta.as_ref().unwrap();
                match op {
                    Op::Put(k, v) => staged.push((key(k), Some(vec![v; 1 + usize::from(v % 7)]))),
                    Op::Delete(k) => staged.push((key(k), None)),
                    Op::Commit => {
                        let mut txn = m.begin();
                        for (k, v) in staged.drain(..) {
                            match v {
                                Some(v) => {
                                    txn.put(k.clone(), v.clone());
                                    model.insert(k, v);
                                }
                                None => {
                                    txn.delete(k.clone());
                                    model.remove(&k);
                                }
                            }
                        }
                        txn.commit().unwrap();
                    }
                    Op::HandOver => m.hand_over().unwrap(),
                    Op::Reopen => {
                        staged.clear();
                        drop(meta.take());
                        meta = Some(Meta::open(dir.path(), 1 << 20, 16).unwrap());
                    }
                }
                check(meta.as_ref().unwrap(), &model);
            }
        }
    }

    /// A page of the overlay while a hand-over is under way takes from both
    /// of its maps: neither may fill a page while together they pass one
    /// (the first pages are small), and the scan must still see all.
    #[test]
    fn a_scan_sees_both_maps_of_the_overlay_whatever_the_page() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        let entry = |k: &str| (format!("d/{k}").into_bytes(), Some(k.as_bytes().to_vec()));
        let front: Writes = ["f1", "f2", "f3", "f4", "f5"]
            .map(entry)
            .into_iter()
            .collect();
        let handed: Writes = ["h1", "h2", "h3"].map(entry).into_iter().collect();
        {
            let mut o = meta.overlay.write();
            o.front = front;
            o.handed = Some(Arc::new(handed));
        }
        let keys: Vec<String> = meta
            .scan(b"d/")
            .map(|e| String::from_utf8(e.unwrap().1).unwrap())
            .collect();
        assert_eq!(keys, ["f1", "f2", "f3", "f4", "f5", "h1", "h2", "h3"]);
    }

    /// A page of the overlay that ends in a deletion of a stored key, and a
    /// hand-over before the next page: the scan goes on in the new snapshot
    /// past that page, so the deleted key (still in the database while its
    /// deletion waits in the overlay) does not come back.
    #[test]
    fn a_key_deleted_in_the_overlay_stays_deleted_across_a_hand_over() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        let mut txn = meta.begin();
        txn.put(b"d/x".to_vec(), b"stored".to_vec());
        txn.commit().unwrap();
        meta.sync().unwrap();
        {
            let mut o = meta.overlay.write();
            o.front = [
                (b"d/a".to_vec(), Some(b"a".to_vec())),
                (b"d/x".to_vec(), None),
                (b"d/y".to_vec(), Some(b"y".to_vec())),
                (b"d/z".to_vec(), Some(b"z".to_vec())),
            ]
            .into_iter()
            .collect();
        }
        let mut scan = meta.scan(b"d/");
        assert_eq!(scan.next().unwrap().unwrap().0, b"d/a");
        // A hand-over finished meanwhile (its snapshot still holds d/x).
        meta.overlay.write().generation += 1;
        let rest: Vec<Vec<u8>> = scan.map(|e| e.unwrap().0).collect();
        assert_eq!(rest, [b"d/y".to_vec(), b"d/z".to_vec()]);
    }

    #[test]
    fn a_full_overlay_goes_to_the_database_by_itself() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        for i in 0..OVERLAY_MAX_KEYS as u32 {
            let mut txn = meta.begin();
            txn.put(i.to_be_bytes().to_vec(), vec![1]);
            txn.commit().unwrap();
        }
        assert!(meta.overlay.read().front.is_empty(), "handed over");
        assert_eq!(meta.stored_len(), OVERLAY_MAX_KEYS as u64);
        let mut txn = meta.begin();
        txn.put(b"big".to_vec(), vec![0; OVERLAY_MAX_BYTES]);
        txn.commit().unwrap();
        assert!(meta.overlay.read().front.is_empty(), "handed over by size");
    }

    #[test]
    fn scans_during_hand_overs_miss_nothing_and_repeat_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let meta = std::sync::Arc::new(Meta::open(dir.path(), 1 << 20, 16).unwrap());
        let committed = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        // More than a scan reads from one snapshot (`SNAPSHOT_REFRESH_ENTRIES`).
        const N: u32 = 6000;
        let writer = {
            let (meta, committed) = (meta.clone(), committed.clone());
            std::thread::spawn(move || {
                for i in 0..N {
                    let mut txn = meta.begin();
                    txn.put(i.to_be_bytes().to_vec(), vec![1]);
                    txn.commit().unwrap();
                    committed.store(i + 1, std::sync::atomic::Ordering::SeqCst);
                    if i % 7 == 0 {
                        meta.hand_over().unwrap();
                    }
                }
            })
        };
        loop {
            let before = committed.load(std::sync::atomic::Ordering::SeqCst);
            let keys: Vec<u32> = meta
                .scan(b"")
                .map(|e| u32::from_be_bytes(e.unwrap().0.try_into().unwrap()))
                .collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "in order, once each");
            assert!(
                keys.len() as u32 >= before,
                "every key committed before the scan"
            );
            assert!(keys.iter().enumerate().all(|(i, k)| *k == i as u32));
            if before == N {
                break;
            }
        }
        writer.join().unwrap();
    }

    #[test]
    fn scans_page_through_a_large_overlay() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        let mut model = BTreeMap::new();
        let key = |i: u32| format!("d/{i:05}").into_bytes();
        // Even keys in the database, odd ones in the overlay, every fifth deleted
        // in the overlay (of both kinds), and a key outside the prefix.
        let mut txn = meta.begin();
        for i in (0..1000).step_by(2) {
            txn.put(key(i), vec![1]);
            model.insert(key(i), vec![1]);
        }
        txn.commit().unwrap();
        meta.hand_over().unwrap();
        let mut txn = meta.begin();
        for i in (1..1000).step_by(2) {
            txn.put(key(i), vec![2]);
            model.insert(key(i), vec![2]);
        }
        for i in (0..1000).step_by(5) {
            txn.delete(key(i));
            model.remove(&key(i));
        }
        txn.put(b"e/0".to_vec(), vec![3]);
        txn.commit().unwrap();
        assert!(meta.overlay.read().front.len() > 4 * OVERLAY_PAGE);
        let scanned: Vec<_> = meta.scan(b"d/").map(|e| e.unwrap()).collect();
        let expected: Vec<_> = model.clone().into_iter().collect();
        assert_eq!(scanned, expected);
        // From the middle, and stopped early.
        let from: Vec<_> = meta
            .scan_from(b"d/", &key(500))
            .take(3)
            .map(|e| e.unwrap().0)
            .collect();
        assert_eq!(from, [key(501), key(502), key(503)]);
    }

    /// Writes `entries` into a sled database at `dir`, as a release
    /// before redb left its metadata.
    fn make_sled(dir: &Path, entries: &[(Vec<u8>, Vec<u8>)]) {
        let db = sled::Config::new().path(dir).open().unwrap();
        for (k, v) in entries {
            db.insert(k.as_slice(), v.as_slice()).unwrap();
        }
        db.flush().unwrap();
    }

    #[test]
    fn a_sled_database_is_moved_to_redb_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let meta_dir = dir.path().join("meta");
        let entries: Vec<_> = (0..5000u32)
            .map(|i| {
                (
                    format!("k/{i:06}").into_bytes(),
                    vec![i as u8; (i % 300) as usize],
                )
            })
            .collect();
        make_sled(&meta_dir, &entries);
        // A copy a crash interrupted is made again.
        std::fs::write(meta_dir.join("alexander.redb.partial"), b"half a copy").unwrap();
        let meta = Meta::open(&meta_dir, 1 << 20, 16).unwrap();
        let scanned: Vec<_> = meta.scan(b"").map(|e| e.unwrap()).collect();
        assert_eq!(scanned, entries);
        assert_eq!(meta.get(b"k/000007").unwrap().unwrap(), vec![7u8; 7]);
        drop(meta);
        let left: Vec<_> = std::fs::read_dir(&meta_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, ["alexander.redb"], "sled's files are gone");
        // And the next open reads redb alone.
        let meta = Meta::open(&meta_dir, 1 << 20, 16).unwrap();
        assert_eq!(meta.scan(b"").count(), entries.len());
    }

    #[test]
    fn a_second_open_is_refused_as_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let _meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        assert!(matches!(
            Meta::open(dir.path(), 1 << 20, 16),
            Err(Error::InUse)
        ));
    }

    #[test]
    fn a_hand_over_after_a_quiet_spell_is_durable() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        let mut txn = meta.begin();
        txn.put(b"a".to_vec(), b"1".to_vec());
        txn.commit().unwrap();
        meta.handing_over.lock().at = Instant::now();
        meta.hand_over().unwrap();
        assert!(
            meta.handing_over.lock().pending,
            "just after a durable one: not durable"
        );
        meta.handing_over.lock().at = Instant::now() - DURABLE_EVERY;
        let mut txn = meta.begin();
        txn.put(b"b".to_vec(), b"2".to_vec());
        txn.commit().unwrap();
        meta.hand_over().unwrap();
        assert!(!meta.handing_over.lock().pending, "durable");
        // A sync with nothing to hand over still makes earlier ones durable.
        let mut txn = meta.begin();
        txn.put(b"c".to_vec(), b"3".to_vec());
        txn.commit().unwrap();
        meta.handing_over.lock().at = Instant::now();
        meta.hand_over().unwrap();
        assert!(meta.handing_over.lock().pending);
        meta.sync().unwrap();
        assert!(!meta.handing_over.lock().pending);
    }

    #[test]
    fn a_full_overlay_is_handed_over_undurably_and_never_waits() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        let fill = |from: usize| {
            let mut txn = meta.begin();
            for i in from..from + OVERLAY_MAX_KEYS {
                txn.put(format!("k{i:06}").into_bytes(), b"v".to_vec());
            }
            txn.commit().unwrap();
        };
        // Long after the last durable hand-over, a full overlay is handed
        // over all the same undurably: a sync or a settle's hand-over
        // makes it durable.
        meta.handing_over.lock().at = Instant::now() - DURABLE_EVERY;
        fill(0);
        assert!(meta.overlay.read().front.is_empty(), "handed over");
        assert!(meta.handing_over.lock().pending, "not durable");
        meta.hand_over().unwrap();
        assert!(!meta.handing_over.lock().pending, "made durable");
        // While another hand-over runs, a commit that fills the overlay
        // leaves it full rather than waiting; the next one hands it over.
        {
            let _running = meta.handing_over.lock();
            fill(OVERLAY_MAX_KEYS);
            assert_eq!(meta.overlay.read().front.len(), OVERLAY_MAX_KEYS);
        }
        fill(2 * OVERLAY_MAX_KEYS);
        assert!(meta.overlay.read().front.is_empty());
        for i in [0, OVERLAY_MAX_KEYS, 3 * OVERLAY_MAX_KEYS - 1] {
            assert_eq!(
                meta.get(format!("k{i:06}").as_bytes()).unwrap().unwrap(),
                b"v"
            );
        }
    }

    #[test]
    fn a_sync_hands_the_overlay_over() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        let mut txn = meta.begin();
        txn.put(b"k".to_vec(), b"v".to_vec());
        txn.commit().unwrap();
        assert!(
            read_get(&meta.overlay.read().snapshot, b"k")
                .unwrap()
                .is_none(),
            "in the overlay only"
        );
        meta.sync().unwrap();
        assert_eq!(
            read_get(&meta.overlay.read().snapshot, b"k")
                .unwrap()
                .unwrap(),
            b"v"[..]
        );
        assert!(meta.overlay.read().front.is_empty());
    }
}
