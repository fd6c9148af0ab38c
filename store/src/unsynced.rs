//! Chunks committed before their pack data is known durable.
//!
//! A durable commit syncs the packs before it returns, and before its
//! chunks are even indexed. A lazy commit (the mount's close, see
//! [`Store::lazy`]) does not wait for that `fdatasync`: it indexes its new
//! pack chunks at once, each with a marker `w/<chunk id>` in the same
//! metadata batch, and queues the ids. [`Store::settle`] (the mount calls
//! it a few times a second; every durable commit and [`Store::flush`] do
//! too) syncs the packs and then deletes the markers of every chunk queued
//! before the sync began.
//!
//! The metadata database may reach the disk before the pack data does (it
//! writes its log at every commit), so after a power loss a marked chunk's
//! bytes may be missing or torn. Opening the store reads every marked
//! chunk and checks it (header, length, CRC-32C). A chunk that fails was
//! never durable, and neither was anything that names it: each version and
//! multipart part whose manifest names it is dropped, as if its commit had
//! not happened (the key's previous version, if one is kept, is current
//! again), and the chunk's index record goes, so that no later write can
//! share its missing bytes. What a durable commit acknowledged is never
//! among them: its own sync covered every chunk it names. After a crash of
//! the process alone (SIGKILL), the bytes are in the kernel's page cache
//! and every marked chunk checks out.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::meta::keys;
use crate::names::ChunkId;
use crate::objects::refresh_current;
use crate::records::{ChunkRecord, PackRecord, PartRecord, VersionRecord, decode};
use crate::refs::{load_counters, pack_entry};
use crate::{Store, now_ns};

/// Lazy commits' chunks waiting for a pack sync.
#[derive(Default)]
pub(crate) struct Queue {
    /// Marked chunks no sync has begun to cover yet.
    ids: Vec<ChunkId>,
    /// Lazy index commits so far, and how many of them the last successful
    /// settle covered: a durable commit that names no new chunk of its own
    /// syncs the packs only if some lazy commit is not covered yet, so
    /// that an S3 delete does not wait on the mount's streaming writes.
    marked: u64,
    settled: u64,
}

/// What [`Store::open`] found of the lazy commits a crash interrupted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Marked chunks read back and found whole.
    pub chunks_checked: u64,
    /// Marked chunks whose bytes never reached the disk.
    pub chunks_lost: u64,
    /// Versions and parts dropped because they named a lost chunk.
    pub versions_dropped: u64,
    pub parts_dropped: u64,
}

impl Store {
    /// Makes the pack data of lazy commits durable and forgets their
    /// markers, so that a crash leaves nothing to check, and hands the
    /// commits kept in memory to the metadata database. Cheap when there
    /// is nothing to do.
    pub fn settle(&self) -> Result<()> {
        let (covered, generation) = {
            let mut q = self.inner.unsynced.lock();
            (std::mem::take(&mut q.ids), q.marked)
        };
        if let Err(e) = self.inner.packs.sync() {
            // Not known durable: the markers stay for the next try.
            self.inner.unsynced.lock().ids.extend(covered);
            return Err(e);
        }
        {
            let mut q = self.inner.unsynced.lock();
            q.settled = q.settled.max(generation);
        }
        if !covered.is_empty() {
            // Not flushed: should the deletions be lost in a crash, the next
            // open checks these chunks again and finds them whole.
            let mut txn = self.inner.meta.begin();
            for id in &covered {
                txn.delete(keys::unsynced(id));
            }
            txn.commit()?;
        }
        // The lazy commits gathered in memory go to the metadata database,
        // which makes them durable by its own flush within half a second.
        self.inner.meta.hand_over()
    }

    /// Queues the markers a lazy commit just wrote.
    pub(crate) fn marked(&self, ids: Vec<ChunkId>) {
        if !ids.is_empty() {
            let mut q = self.inner.unsynced.lock();
            q.ids.extend(ids);
            q.marked += 1;
        }
    }

    /// Whether some lazy commit's chunks may not be durable yet.
    pub(crate) fn needs_settle(&self) -> bool {
        let q = self.inner.unsynced.lock();
        q.marked > q.settled
    }

    /// At open, before anything else: checks every marked chunk and drops
    /// what names one that was lost (see the module's documentation).
    pub(crate) fn recover_unsynced(&self) -> Result<Recovered> {
        let inner = &self.inner;
        let mut report = Recovered::default();
        let marked: Vec<ChunkId> = inner
            .meta
            .scan(keys::UNSYNCED)
            .map(|e| {
                e.and_then(|(k, _)| {
                    k[keys::UNSYNCED.len()..]
                        .try_into()
                        .map(ChunkId)
                        .map_err(|_| Error::BadRecord("malformed unsynced marker".into()))
                })
            })
            .collect::<Result<_>>()?;
        if marked.is_empty() {
            return Ok(report);
        }
        let mut lost: HashSet<ChunkId> = HashSet::new();
        for id in &marked {
            let Some(rec) = inner.meta.get_rec::<ChunkRecord>(&keys::chunk(id))? else {
                continue;
            };
            match inner.read_located(id, &rec) {
                Ok(_) => report.chunks_checked += 1,
                Err(Error::Corrupt { .. }) => {
                    lost.insert(*id);
                }
                Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                    lost.insert(*id);
                }
                Err(e) => return Err(e),
            }
        }
        report.chunks_lost = lost.len() as u64;
        if lost.is_empty() {
            tracing::info!(
                chunks = report.chunks_checked,
                "checked the chunks written just before the store was last stopped \
                 without a flush: all whole"
            );
        } else {
            self.drop_lost(&lost, &mut report)?;
            tracing::warn!(
                chunks = report.chunks_lost,
                versions = report.versions_dropped,
                parts = report.parts_dropped,
                "data closed shortly before the crash never reached the disk; \
                 the versions and parts that named it were dropped"
            );
        }
        let mut txn = inner.meta.begin();
        for id in &marked {
            txn.delete(keys::unsynced(id));
        }
        txn.commit()?;
        inner.meta.sync()?;
        Ok(report)
    }

    /// Drops every version and part naming a chunk of `lost`, then the
    /// chunks' index records, in one commit. A whole scan of the records,
    /// which only a power loss within moments of a write can call for. The
    /// reference counts change inline, never through jobs: a job left to
    /// run later would find the lost chunks' records gone.
    fn drop_lost(&self, lost: &HashSet<ChunkId>, report: &mut Recovered) -> Result<()> {
        let inner = &self.inner;
        let names = |m: &Manifest| m.chunks().iter().any(|c| lost.contains(&c.id));
        let mut versions: Vec<(String, String, VersionRecord)> = Vec::new();
        for entry in inner.meta.scan(b"v/") {
            let (k, v) = entry?;
            let rec: VersionRecord = decode(&v)?;
            if !names(&rec.manifest) {
                continue;
            }
            let malformed = || Error::BadRecord("malformed version key".into());
            let rest = &k[2..];
            let nul = rest.iter().position(|&b| b == 0).ok_or_else(malformed)?;
            let bucket = std::str::from_utf8(&rest[..nul]).map_err(|_| malformed())?;
            let (key, _) = keys::split_version(&rest[nul + 1..]).ok_or_else(malformed)?;
            versions.push((bucket.to_owned(), key.to_owned(), rec));
        }
        let mut parts: Vec<(Vec<u8>, PartRecord)> = Vec::new();
        for entry in inner.meta.scan(keys::PARTS) {
            let (k, v) = entry?;
            let rec: PartRecord = decode(&v)?;
            if names(&rec.manifest) {
                parts.push((k, rec));
            }
        }
        let mut txn = inner.meta.begin();
        let mut counters = load_counters(&txn)?;
        let mut drops: HashMap<ChunkId, u64> = HashMap::new();
        let mut drop_refs = |m: &Manifest| {
            for c in m.chunks().iter().filter(|c| !lost.contains(&c.id)) {
                *drops.entry(c.id).or_insert(0) += 1;
            }
        };
        for (bucket, key, rec) in &versions {
            txn.delete(keys::version(bucket, key, rec.seq));
            txn.delete(keys::hidden(bucket, key, rec.seq));
            drop_refs(&rec.manifest);
            counters.logical_bytes = counters.logical_bytes.saturating_sub(rec.size);
            counters.versions = counters.versions.saturating_sub(1);
        }
        for (k, rec) in &parts {
            txn.delete(k.clone());
            drop_refs(&rec.manifest);
            counters.logical_bytes = counters.logical_bytes.saturating_sub(rec.size);
        }
        let now = now_ns();
        for (id, n) in drops {
            let key = keys::chunk(&id);
            let mut rec: ChunkRecord = txn.get_rec(&key)?.ok_or(Error::MissingChunk(id))?;
            rec.refs = rec.refs.saturating_sub(n);
            if rec.refs == 0 {
                txn.put(keys::gc(now, &id), Vec::new());
            }
            txn.put_rec(key, &rec);
        }
        let mut packs: HashMap<u64, PackRecord> = HashMap::new();
        for id in lost {
            let key = keys::chunk(id);
            let Some(rec) = txn.get_rec::<ChunkRecord>(&key)? else {
                continue;
            };
            txn.delete(key);
            txn.delete(keys::damaged(id));
            if let Some(loc) = rec.location() {
                txn.delete(keys::pack_member(loc.pack, id));
                let p = pack_entry(&txn, &mut packs, loc.pack)?;
                p.live_bytes = p.live_bytes.saturating_sub(u64::from(loc.len));
                p.live_chunks = p.live_chunks.saturating_sub(1);
            }
            counters.stored_bytes = counters.stored_bytes.saturating_sub(u64::from(rec.len));
            counters.chunks = counters.chunks.saturating_sub(1);
        }
        for (pack, rec) in packs {
            txn.put_rec(keys::pack(pack), &rec);
        }
        txn.put_rec(keys::COUNTERS.to_vec(), &counters);
        // The keys' current views, once their dropped versions are gone.
        for (bucket, key, _) in &versions {
            refresh_current(&mut txn, bucket, key)?;
        }
        txn.commit()?;
        report.versions_dropped = versions.len() as u64;
        report.parts_dropped = parts.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngCore, SeedableRng, rngs::StdRng};

    use crate::{At, Config, CopyMetadata, CopySource, PutOptions, Store};

    fn bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        StdRng::seed_from_u64(seed).fill_bytes(&mut out);
        out
    }

    #[test]
    fn durable_commits_settle_only_when_a_lazy_one_is_pending() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Config::default()).unwrap();
        store.create_bucket("bkt").unwrap();
        let lazy = store.lazy();
        assert!(!store.needs_settle(), "nothing written");
        lazy.put_object("bkt", "lazy", &bytes(1, 300_000)[..], PutOptions::default())
            .unwrap();
        assert!(store.needs_settle(), "a lazy commit's chunks wait");
        assert!(!store.inner.unsynced.lock().ids.is_empty());
        // A durable copy names the lazy chunks: it settles them first.
        store
            .copy_object(
                CopySource {
                    bucket: "bkt",
                    key: "lazy",
                    at: At::Current,
                },
                "bkt",
                "copy",
                CopyMetadata::Copy,
                None,
            )
            .unwrap();
        assert!(!store.needs_settle());
        assert!(store.inner.unsynced.lock().ids.is_empty());
        let marked = store.inner.meta.scan(crate::meta::keys::UNSYNCED).count();
        assert_eq!(marked, 0, "the settle deleted the markers");
        // A lazy commit of known chunks or of small ones marks nothing.
        lazy.put_object(
            "bkt",
            "again",
            &bytes(1, 300_000)[..],
            PutOptions::default(),
        )
        .unwrap();
        lazy.put_object("bkt", "small", &b"tiny"[..], PutOptions::default())
            .unwrap();
        assert!(!store.needs_settle());
        // A durable write of its own syncs its chunks whatever is pending.
        lazy.put_object(
            "bkt",
            "lazy2",
            &bytes(2, 300_000)[..],
            PutOptions::default(),
        )
        .unwrap();
        store
            .put_object(
                "bkt",
                "durable",
                &bytes(3, 300_000)[..],
                PutOptions::default(),
            )
            .unwrap();
        assert!(!store.needs_settle());
    }
}
