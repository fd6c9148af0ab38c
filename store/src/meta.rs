//! The metadata engine, behind a narrow interface.
//!
//! Everything the store knows besides chunk bytes lives in one sled tree
//! with typed key prefixes (see `keys`). Reads go straight to sled. Writes
//! go through a [`Txn`]: it holds the store's single commit lock, buffers
//! its writes (reads through it see them), and applies them as one atomic
//! sled batch. Only this module names sled, so the engine could be replaced
//! by another ordered key-value store without touching the rest.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;

use parking_lot::{Mutex, MutexGuard};
use serde::{Serialize, de::DeserializeOwned};

use crate::durability::GroupSync;
use crate::error::Result;
use crate::pace::Activity;
use crate::records::{decode, encode};

/// The ordered key-value store holding all metadata.
pub struct Meta {
    db: sled::Db,
    /// Reference-count changes one transaction may apply inline.
    inline_refs: usize,
    commit: Mutex<()>,
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
            group: GroupSync::default(),
            activity: Activity::default(),
        })
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
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
        self.db
            .range::<&[u8], _>((Bound::Included(start), Bound::Unbounded))
            .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(Into::into))
            .take_while(move |r| r.as_ref().map_or(true, |(k, _)| k.starts_with(prefix)))
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
            self.db.flush()?;
            Ok(())
        })
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
        if self.writes.is_empty() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for (k, v) in self.writes {
            match v {
                Some(v) => batch.insert(k, v),
                None => batch.remove(k),
            }
        }
        self.meta.db.apply_batch(batch)?;
        self.meta.group.wrote();
        if !self.upkeep {
            self.meta.activity.note();
        }
        Ok(())
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
