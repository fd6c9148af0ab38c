//! The metadata engine, behind a narrow interface.
//!
//! Everything the store knows besides chunk bytes lives in one sled tree
//! with typed key prefixes (see `keys`). Writes go through a [`Txn`]: it
//! holds the store's single commit lock and buffers its writes (reads
//! through it see them). A commit hands its writes to the *overlay*, an
//! ordered map in memory that every read consults before sled; the
//! overlay goes to sled as one atomic batch when it grows past a bound, at
//! every [`Meta::sync`] and [`Meta::hand_over`], and when the store
//! closes. So a stream of small commits (a mount's creates, renames and
//! unlinks) costs a map insert each, not a sled batch, which rolls sled's
//! log buffer twice and wakes its writer thread; and a crash loses a
//! suffix of the commits not yet synced, never part of one, since the
//! overlay holds whole commits and goes to sled whole. Only this module
//! names sled, so the engine could be replaced by another ordered
//! key-value store without touching the rest.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;

use parking_lot::{Mutex, MutexGuard, RwLock};
use serde::{Serialize, de::DeserializeOwned};

use crate::durability::GroupSync;
use crate::error::Result;
use crate::pace::Activity;
use crate::records::{decode, encode};

/// Writes committed and not yet in sled (`None` deletes the key).
type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// One key of the overlay and what it says of it.
type Write = (Vec<u8>, Option<Vec<u8>>);

/// Sled's entries in a range, as sled gives them.
type Stored<'a> = Box<dyn Iterator<Item = Result<(sled::IVec, sled::IVec)>> + 'a>;

/// The overlay hands itself over to sled once it holds this many keys...
/// (and not many more: a scan steps over every key the overlay deletes in
/// its range and sled still holds, as in a directory whose files are
/// being unlinked)
const OVERLAY_MAX_KEYS: usize = 1024;
/// ...or this many bytes of keys and values.
const OVERLAY_MAX_BYTES: usize = 8 << 20;

/// Commits not yet in sled, which reads see before sled's contents.
#[derive(Default)]
struct Overlay {
    /// Commits since the last hand-over; newer than `handed`.
    front: Writes,
    /// Bytes of keys and values in `front`.
    front_bytes: usize,
    /// The writes being applied to sled now, readable until sled has them.
    handed: Option<std::sync::Arc<Writes>>,
    /// Hand-overs finished: sled changes only at these.
    generation: u64,
}

/// Entries a scan takes from the overlay at a time: a scan its caller
/// stops after a few entries (is a directory empty?) must not copy every
/// entry of a busy directory the overlay holds.
const OVERLAY_PAGE: usize = 64;

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
        let more = front.len() == limit || older.len() == limit;
        let mut merged: Writes = older.into_iter().collect();
        merged.extend(front);
        // Past the `limit`th key either map may hold keys the other did
        // not give: those wait for the next page.
        (merged.into_iter().take(limit).collect(), more)
    }
}

/// The ordered key-value store holding all metadata.
pub struct Meta {
    db: sled::Db,
    /// Reference-count changes one transaction may apply inline.
    inline_refs: usize,
    commit: Mutex<()>,
    overlay: RwLock<Overlay>,
    /// Held while the overlay goes to sled: one hand-over at a time, so
    /// that they reach sled in the order of their commits.
    handing_over: Mutex<()>,
    group: GroupSync,
    /// Commits (and, noted by the reader, chunk reads) made for the
    /// foreground, which a paced upkeep yields to.
    pub(crate) activity: Activity,
}

impl Meta {
    pub fn open(path: &Path, cache_bytes: u64, inline_refs: usize) -> Result<Meta> {
        let config = sled::Config::new().path(path).cache_capacity(cache_bytes);
        // A store closed a moment ago in this process may still be held by
        // sled's background I/O for a few milliseconds: wait a little for
        // its lock before reporting the store as in use.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        let db = loop {
            match config.open() {
                Ok(db) => break db,
                Err(sled::Error::Io(e))
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.to_string().contains("could not acquire lock") =>
                {
                    if std::time::Instant::now() >= deadline {
                        return Err(sled::Error::Io(e).into());
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(e.into()),
            }
        };
        Ok(Meta {
            db,
            inline_refs,
            commit: Mutex::new(()),
            overlay: RwLock::new(Overlay::default()),
            handing_over: Mutex::new(()),
            group: GroupSync::default(),
            activity: Activity::default(),
        })
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(v) = self.overlay.read().get(key) {
            return Ok(v);
        }
        // Not in the overlay a moment ago: what it held then is in sled
        // (a hand-over leaves it readable until sled has it).
        Ok(self.db.get(key)?.map(|v| v.to_vec()))
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
        // Sled's iterator is made after the hand-over count is read, and
        // each page of the overlay read checks the count again: should a
        // hand-over have moved entries to sled meanwhile, the iterator is
        // made again (`Merged::turn_page`), so that no entry is missed.
        let generation = self.overlay.read().generation;
        let mut scan = Merged {
            meta: self,
            prefix,
            start: start.to_vec(),
            stored: self
                .stored_from(prefix, Bound::Included(start.to_vec()))
                .peekable(),
            pending: std::collections::VecDeque::new(),
            next_page: Some(start.to_vec()),
            generation,
            last: None,
        };
        scan.turn_page();
        scan
    }

    /// Sled's entries from `from` on that begin with `prefix`.
    fn stored_from<'a>(&'a self, prefix: &'a [u8], from: Bound<Vec<u8>>) -> Stored<'a> {
        Box::new(
            self.db
                .range::<Vec<u8>, _>((from, Bound::Unbounded))
                .map(|r| r.map_err(Into::into))
                .take_while(move |r| r.as_ref().map_or(true, |(k, _)| k.starts_with(prefix))),
        )
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
        self.group.sync(|| {
            self.hand_over()?;
            self.db.flush()?;
            Ok(())
        })
    }

    /// Moves what the overlay holds to sled, as one batch: sled then makes
    /// it durable by its own flush (every half second) if nothing syncs
    /// first.
    pub fn hand_over(&self) -> Result<()> {
        let _one = self.handing_over.lock();
        let writes = {
            let mut o = self.overlay.write();
            if o.front.is_empty() {
                return Ok(());
            }
            let writes = std::sync::Arc::new(std::mem::take(&mut o.front));
            o.front_bytes = 0;
            o.handed = Some(writes.clone());
            writes
        };
        let mut batch = sled::Batch::default();
        for (k, v) in writes.iter() {
            match v {
                Some(v) => batch.insert(k.as_slice(), v.as_slice()),
                None => batch.remove(k.as_slice()),
            }
        }
        let applied = self.db.apply_batch(batch);
        let mut o = self.overlay.write();
        let handed = o.handed.take().expect("set above");
        o.generation += 1;
        if let Err(e) = applied {
            // Not in sled: back into the overlay, under what came since.
            let since = std::mem::take(&mut o.front);
            let mut back = std::sync::Arc::unwrap_or_clone(handed);
            back.extend(since);
            o.front_bytes = back
                .iter()
                .map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len))
                .sum();
            o.front = back;
            return Err(e.into());
        }
        Ok(())
    }

    /// Bytes the engine uses on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }
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
            meta.hand_over()?;
        }
        Ok(())
    }
}

impl Drop for Meta {
    fn drop(&mut self) {
        // sled flushes what it holds as it closes.
        if let Err(e) = self.hand_over() {
            tracing::error!(error = %e, "could not store the last metadata changes");
        }
    }
}

/// Sled's entries merged with the overlay's, in key order; the overlay's
/// win, and its deletions hide sled's. The overlay is read a page at a
/// time.
struct Merged<'a> {
    meta: &'a Meta,
    prefix: &'a [u8],
    start: Vec<u8>,
    /// Sled's entries, copied out only when returned.
    stored: std::iter::Peekable<Stored<'a>>,
    /// The overlay's entries read and not yet merged.
    pending: std::collections::VecDeque<Write>,
    /// Where the overlay's next page starts; `None` once it has no more.
    next_page: Option<Vec<u8>>,
    /// The overlay's hand-over count when sled's iterator was made.
    generation: u64,
    /// The last key returned.
    last: Option<Vec<u8>>,
}

impl Merged<'_> {
    /// Reads the overlay's next page. If a hand-over finished since sled's
    /// iterator was made, entries the overlay held then may have moved to
    /// sled behind the iterator's position: it is made again, from the
    /// last key returned.
    fn turn_page(&mut self) {
        let Some(from) = self.next_page.take() else {
            return;
        };
        let (page, more, generation) = {
            let o = self.meta.overlay.read();
            let (page, more) = o.range(self.prefix, &from, OVERLAY_PAGE);
            (page, more, o.generation)
        };
        if generation != self.generation {
            self.generation = generation;
            let resume = match &self.last {
                Some(k) => Bound::Excluded(k.clone()),
                None => Bound::Included(self.start.clone()),
            };
            self.stored = self.meta.stored_from(self.prefix, resume).peekable();
        }
        if more {
            let mut next = page.last().expect("a full page").0.clone();
            next.push(0);
            self.next_page = Some(next);
        }
        self.pending.extend(page);
    }
}

impl Iterator for Merged<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.merge();
        if let Some(Ok((k, _))) = &item {
            self.last = Some(k.clone());
        }
        item
    }
}

impl Merged<'_> {
    fn merge(&mut self) -> Option<Result<(Vec<u8>, Vec<u8>)>> {
        let stored = |e: Result<(sled::IVec, sled::IVec)>| e.map(|(k, v)| (k.to_vec(), v.to_vec()));
        loop {
            if self.pending.is_empty() {
                self.turn_page();
            }
            let take_pending = match (self.stored.peek(), self.pending.front()) {
                (_, None) => return self.stored.next().map(stored),
                (None, Some(_)) => true,
                (Some(Err(_)), Some(_)) => return self.stored.next().map(stored),
                (Some(Ok((sk, _))), Some((pk, _))) => {
                    if sk.as_ref() == pk.as_slice() {
                        // The overlay's is newer.
                        self.stored.next();
                        true
                    } else {
                        pk.as_slice() < sk.as_ref()
                    }
                }
            };
            if !take_pending {
                return self.stored.next().map(stored);
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
        /// sled, and across a reopen, reads and scans show every committed
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

    #[test]
    fn a_full_overlay_goes_to_sled_by_itself() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        for i in 0..OVERLAY_MAX_KEYS as u32 {
            let mut txn = meta.begin();
            txn.put(i.to_be_bytes().to_vec(), vec![1]);
            txn.commit().unwrap();
        }
        assert!(meta.overlay.read().front.is_empty(), "handed over");
        assert_eq!(meta.db.len(), OVERLAY_MAX_KEYS);
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
        const N: u32 = 3000;
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
        // Even keys in sled, odd ones in the overlay, every fifth deleted
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

    #[test]
    fn a_sync_hands_the_overlay_over() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path(), 1 << 20, 16).unwrap();
        let mut txn = meta.begin();
        txn.put(b"k".to_vec(), b"v".to_vec());
        txn.commit().unwrap();
        assert!(meta.db.get(b"k").unwrap().is_none(), "in the overlay only");
        meta.sync().unwrap();
        assert_eq!(meta.db.get(b"k").unwrap().unwrap(), b"v"[..]);
        assert!(meta.overlay.read().front.is_empty());
    }
}
