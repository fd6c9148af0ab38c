//! Space: freeing chunks nothing references, compacting packs, and the
//! figures and checks an operator needs (stats, fsck).

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::ingest::PinGuard;
use crate::manifest::Manifest;
use crate::meta::keys;
use crate::names::ChunkId;
use crate::packs::{HEADER_LEN, Location};
use crate::records::{ChunkRecord, PackRecord, PartRecord, VersionRecord, decode};
use crate::refs::{load_counters, pack_entry};
use crate::{Store, now_ns};

/// What a GC pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    pub chunks_freed: u64,
    pub bytes_freed: u64,
    /// Chunks without references kept for now: still within their grace
    /// period, or pinned by a writer in flight.
    pub chunks_kept: u64,
}

/// What a compaction pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactReport {
    pub packs_rewritten: u64,
    pub packs_removed: u64,
    pub chunks_moved: u64,
    pub bytes_reclaimed: u64,
}

/// Figures about the store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub buckets: u64,
    /// Versions (and delete markers) kept, hidden ones included.
    pub versions: u64,
    /// Bytes of every kept version and part, as written.
    pub logical_bytes: u64,
    /// Bytes of distinct live chunks.
    pub stored_bytes: u64,
    /// `logical_bytes / stored_bytes` (1 when nothing is stored).
    pub dedup_ratio: f64,
    pub chunks: u64,
    pub packs: u64,
    /// Bytes the pack files take on disk, live or dead: the holes GC
    /// punched over freed chunks are not counted, as `du` counts them.
    pub pack_bytes: u64,
    /// Fraction of pack bytes that live chunks occupy.
    pub live_fraction: f64,
    /// Bytes the metadata engine uses.
    pub meta_bytes: u64,
    /// Chunks a scrub found damaged and no write has healed yet.
    pub damaged_chunks: u64,
}

/// What a consistency check found. Empty lists mean a sound store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FsckReport {
    pub versions: u64,
    pub parts: u64,
    pub chunks: u64,
    /// References to chunks the index does not hold.
    pub dangling: Vec<ChunkId>,
    /// Chunks whose reference count differs from the references found:
    /// (chunk, counted, recorded).
    pub refcount_mismatches: Vec<(ChunkId, u64, u64)>,
    /// Chunks whose bytes did not verify (only with `verify_data`).
    pub corrupt: Vec<ChunkId>,
    /// Chunks a scrub recorded damaged, not healed since (checked always:
    /// the record is metadata).
    pub damaged: Vec<ChunkId>,
    /// Records that did not decode.
    pub bad_records: u64,
}

/// How far a long pass (gc, compact, fsck) has come, for a progress
/// display. A pass reports at its start, after each committed step and at
/// its end; the callback answers whether to go on, and a pass told to stop
/// stops at the next step boundary (every step before it is committed, so
/// stopping loses nothing) and returns what it did so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Another pass of the same kind runs: this one waits for it.
    Waiting { task: &'static str },
    /// `done` of `total` units (`None`: not known in advance).
    Step {
        task: &'static str,
        unit: &'static str,
        done: u64,
        total: Option<u64>,
    },
}

/// Queue entries a GC step takes, each step one committed batch.
const GC_BATCH: usize = 1024;

/// What a GC queue key says: when the chunk was queued (ns since the
/// epoch) and which chunk.
fn queued(qkey: &[u8]) -> (i64, ChunkId) {
    let body = &qkey[keys::GC_QUEUE.len()..];
    let at = u64::from_be_bytes(body[..8].try_into().expect("8 bytes")) as i64;
    (at, ChunkId(body[8..40].try_into().expect("32 bytes")))
}

/// Eight bytes of a chunk id, to count a chunk queued twice once without
/// keeping whole ids (the chance that two of a million ids share them is
/// below one in ten million, and only a count would be off).
fn id_prefix(id: &ChunkId) -> u64 {
    u64::from_le_bytes(id.0[..8].try_into().expect("8 bytes"))
}

/// Takes `lock`, telling `progress` first when another pass holds it.
/// `None` when the callback said to stop while waiting.
fn one_at_a_time<'a>(
    lock: &'a parking_lot::Mutex<()>,
    task: &'static str,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Option<parking_lot::MutexGuard<'a, ()>> {
    if let Some(guard) = lock.try_lock() {
        return Some(guard);
    }
    if !progress(Progress::Waiting { task }) {
        return None;
    }
    Some(lock.lock())
}

/// Chunks between two reports of fsck.
const FSCK_STEP: u64 = 256;

/// Chunks compaction moves in one step: at most 4 MiB of copies at the
/// average chunk size, so that a foreground write waits little for a step
/// (`store/benches/upkeep.rs`).
const MOVE_BATCH: usize = 64;

impl FsckReport {
    pub fn is_clean(&self) -> bool {
        self.dangling.is_empty()
            && self.refcount_mismatches.is_empty()
            && self.corrupt.is_empty()
            && self.damaged.is_empty()
            && self.bad_records == 0
    }
}

impl Store {
    /// Frees chunks whose last reference went more than the grace period
    /// ago and that no writer in flight depends on.
    pub fn gc(&self) -> Result<GcReport> {
        self.gc_with(&mut |_| true)
    }

    /// [`Store::gc`], reporting its progress (a step is a batch of queued
    /// chunks, committed on its own). A second pass waits for the one
    /// running.
    pub fn gc_with(&self, progress: &mut dyn FnMut(Progress) -> bool) -> Result<GcReport> {
        let Some(_one) = one_at_a_time(&self.inner.collecting, "gc", progress) else {
            return Ok(GcReport::default());
        };
        // Counts must be complete before any is trusted to be zero.
        self.run_jobs()?;
        let grace = i64::try_from(self.inner.config.gc_grace.as_nanos()).unwrap_or(i64::MAX);
        let started = now_ns();
        let cutoff = started.saturating_sub(grace);
        let mut report = GcReport::default();
        // The queue is read a batch at a time from where the last batch
        // ended, never whole: under a steady load it holds every chunk of
        // the grace period, millions of entries an hour, and a pass must
        // not hold memory in proportion. Its keys sort by time, so the pass
        // stops at the entries queued since it started (all within their
        // grace): a load that queues faster than a paced pass works would
        // otherwise keep it going forever.
        let before_start = |qkey: &[u8]| queued(qkey).0 < started;
        let total = self
            .inner
            .meta
            .scan(keys::GC_QUEUE)
            .take_while(|e| e.as_ref().map_or(true, |(k, _)| before_start(k)))
            .count() as u64;
        let step = |done| Progress::Step {
            task: "gc",
            unit: "queued chunks",
            done,
            total: Some(total),
        };
        let mut go_on = progress(step(0));
        let mut done = 0;
        let mut from = keys::GC_QUEUE.to_vec();
        // The chunks kept so far, so that one queued twice counts once.
        let mut kept = std::collections::HashSet::new();
        while go_on {
            let batch: Vec<Vec<u8>> = self
                .inner
                .meta
                .scan_from(keys::GC_QUEUE, &from)
                .map(|e| e.map(|(k, _)| k))
                .take_while(|k| k.as_ref().map_or(true, |k| before_start(k)))
                .take(GC_BATCH)
                .collect::<Result<_>>()?;
            let Some(last) = batch.last() else {
                break;
            };
            from = last.clone();
            from.push(0);
            // Holding the pin table across the commit makes "not pinned,
            // so free it" atomic against a writer pinning it. The commit
            // lock comes first, as everywhere (a copy or a rename pins
            // inside its transaction, a reader's last try too): the other
            // order could deadlock against them.
            let mut txn = self.inner.meta.begin_upkeep();
            let pins = self.inner.pins.chunks.lock();
            let mut counters = load_counters(&txn)?;
            let mut packs: HashMap<u64, PackRecord> = HashMap::new();
            let mut freed: Vec<Location> = Vec::new();
            for qkey in &batch {
                let (freed_ns, id) = queued(qkey);
                let ckey = keys::chunk(&id);
                let Some(rec) = txn.get_rec::<ChunkRecord>(&ckey)? else {
                    txn.delete(qkey.clone());
                    continue;
                };
                if rec.refs > 0 {
                    // Referenced again (or since its indexing): not garbage.
                    // Should it lose its references, it is queued anew.
                    txn.delete(qkey.clone());
                    continue;
                }
                if freed_ns > cutoff || pins.contains_key(&id) {
                    // A chunk can be queued more than once (at its indexing
                    // and when it lost its last reference): count it once.
                    if kept.insert(id_prefix(&id)) {
                        report.chunks_kept += 1;
                    }
                    continue;
                }
                txn.delete(qkey.clone());
                txn.delete(ckey);
                // Damaged or not, it is gone: nothing is left to heal.
                txn.delete(keys::damaged(&id));
                match rec.location() {
                    None => txn.delete(keys::chunk_data(&id)),
                    Some(loc) => {
                        txn.delete(keys::pack_member(loc.pack, &id));
                        let p = pack_entry(&txn, &mut packs, loc.pack)?;
                        p.live_bytes = p.live_bytes.saturating_sub(u64::from(loc.len));
                        p.live_chunks = p.live_chunks.saturating_sub(1);
                        freed.push(loc);
                    }
                }
                counters.stored_bytes = counters.stored_bytes.saturating_sub(u64::from(rec.len));
                counters.chunks = counters.chunks.saturating_sub(1);
                report.chunks_freed += 1;
                report.bytes_freed += u64::from(rec.len);
            }
            for (pack, rec) in packs {
                txn.put_rec(keys::pack(pack), &rec);
            }
            txn.put_rec(keys::COUNTERS.to_vec(), &counters);
            txn.commit()?;
            drop(pins);
            // Flushed here, inside the step, rather than by the next
            // foreground commit: a durable commit writes everything dirty, so a
            // put landing after the batch would otherwise pay for it
            // (`store/benches/upkeep.rs`: p50 1.06-1.41 times idle beside a
            // paced GC without this, 0.95-1.02 with it).
            self.inner.meta.sync()?;
            // Only now that no durable record names them may their bytes go.
            if let Err(e) = self.inner.packs.release(&freed) {
                tracing::warn!(error = %e, "could not give back the space of freed chunks; compaction will");
            }
            done += batch.len() as u64;
            go_on = progress(step(done));
        }
        Ok(report)
    }

    /// What [`Store::gc`] would free now, without freeing anything: the
    /// chunks its queue holds that nothing references, past their grace
    /// period and pinned by no writer (`chunks_freed`, `bytes_freed`), and
    /// those it would keep for now (`chunks_kept`).
    pub fn gc_preview(&self) -> Result<GcReport> {
        let Some(_one) = one_at_a_time(&self.inner.collecting, "gc", &mut |_| true) else {
            return Ok(GcReport::default());
        };
        // Counts must be complete before any is trusted to be zero.
        self.run_jobs()?;
        let grace = i64::try_from(self.inner.config.gc_grace.as_nanos()).unwrap_or(i64::MAX);
        let cutoff = now_ns().saturating_sub(grace);
        let mut report = GcReport::default();
        let mut seen = std::collections::HashSet::new();
        for entry in self.inner.meta.scan(keys::GC_QUEUE) {
            let (qkey, _) = entry?;
            let (freed_ns, id) = queued(&qkey);
            let Some(rec) = self.inner.meta.get_rec::<ChunkRecord>(&keys::chunk(&id))? else {
                continue;
            };
            // A chunk can be queued more than once: counted once.
            if rec.refs > 0 || !seen.insert(id_prefix(&id)) {
                continue;
            }
            if freed_ns > cutoff || self.inner.pins.chunks.lock().contains_key(&id) {
                report.chunks_kept += 1;
            } else {
                report.chunks_freed += 1;
                report.bytes_freed += u64::from(rec.len);
            }
        }
        Ok(report)
    }

    /// Rewrites sealed packs whose live fraction is below the configured
    /// threshold: their live chunks move to the active pack and the old
    /// files go. Packs no writer in flight may still append to are the only
    /// candidates.
    pub fn compact(&self) -> Result<CompactReport> {
        self.compact_with(&mut |_| true)
    }

    /// [`Store::compact`], reporting its progress (a step is a pack looked
    /// at, rewritten or not). A second pass waits for the one running.
    pub fn compact_with(
        &self,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<CompactReport> {
        let Some(_one) = one_at_a_time(&self.inner.compacting, "compact", progress) else {
            return Ok(CompactReport::default());
        };
        let inner = &self.inner;
        let mut report = CompactReport::default();
        // Seal the active pack so that it can be compacted too; appends go
        // to a new one from here on.
        inner.packs.seal();
        // Packs at or above the lowest floor of any writer in flight (this
        // pass's own guard included) may still receive appends.
        let guard = PinGuard::new(self);
        let floor = inner
            .pins
            .packs
            .lock()
            .values()
            .copied()
            .min()
            .unwrap_or(u64::MAX);
        let packs = inner.packs.packs()?;
        let total = packs.len() as u64;
        let step = |done| Progress::Step {
            task: "compact",
            unit: "packs",
            done,
            total: Some(total),
        };
        let mut go_on = progress(step(0));
        for (done, (pack, size)) in (1..).zip(packs) {
            if !go_on {
                break;
            }
            go_on = progress(step(done));
            if pack >= floor {
                continue;
            }
            let rec: PackRecord = inner.meta.get_rec(&keys::pack(pack))?.unwrap_or_default();
            let live = rec.live_bytes + rec.live_chunks * HEADER_LEN;
            if size > 0 && live as f64 / size as f64 >= inner.config.compact_below {
                continue;
            }
            // Each batch of moves is a step of its own, so that a paced
            // pass rests between them and a stop is seen at once.
            let moved = self.move_live_chunks(pack, &mut || {
                go_on = go_on && progress(step(done));
                go_on
            })?;
            if moved > 0 {
                report.packs_rewritten += 1;
                report.chunks_moved += moved;
            }
            // Every member has moved (or been freed): the file can go once
            // the index no longer names it.
            if inner.meta.scan(&keys::pack_members(pack)).next().is_none() {
                let mut txn = inner.meta.begin_upkeep();
                txn.delete(keys::pack(pack));
                txn.commit()?;
                inner.meta.sync()?;
                inner.packs.remove(pack)?;
                report.packs_removed += 1;
                report.bytes_reclaimed += size.saturating_sub(live);
            }
        }
        drop(guard);
        Ok(report)
    }

    /// Moves the live chunks of `pack` to the active pack, a batch of
    /// [`MOVE_BATCH`] at a time (copied, synced, then indexed in one
    /// commit), asking `next` after each batch whether to go on.
    fn move_live_chunks(&self, pack: u64, next: &mut dyn FnMut() -> bool) -> Result<u64> {
        let inner = &self.inner;
        let prefix = keys::pack_members(pack);
        let members: Vec<ChunkId> = inner
            .meta
            .scan(&prefix)
            .map(|e| e.map(|(k, _)| ChunkId(k[prefix.len()..].try_into().expect("32 bytes"))))
            .collect::<Result<_>>()?;
        let mut moved = 0;
        for batch in members.chunks(MOVE_BATCH) {
            let mut pins = PinGuard::new(self);
            let mut copies: Vec<(ChunkId, Location)> = Vec::new();
            for id in batch {
                pins.pin(*id);
                let Some(rec) = inner.meta.get_rec::<ChunkRecord>(&keys::chunk(id))? else {
                    continue;
                };
                let Some(loc) = rec.location().filter(|l| l.pack == pack) else {
                    continue;
                };
                // A damaged chunk stays where it is, so that the pass goes
                // on (its read may fail) and no copy of bad bytes looks
                // new; healing it frees its place.
                if inner.is_damaged(id)? {
                    continue;
                }
                let data = inner.packs.read(id, &loc)?;
                copies.push((*id, inner.packs.append(id, &data)?));
            }
            inner.packs.sync()?;
            let mut txn = inner.meta.begin_upkeep();
            let mut packs: HashMap<u64, PackRecord> = HashMap::new();
            for (id, loc) in copies {
                let ckey = keys::chunk(&id);
                let Some(mut rec) = txn.get_rec::<ChunkRecord>(&ckey)? else {
                    continue;
                };
                if rec.pack != pack {
                    continue;
                }
                let len = u64::from(rec.len);
                let old = pack_entry(&txn, &mut packs, pack)?;
                old.live_bytes = old.live_bytes.saturating_sub(len);
                old.live_chunks = old.live_chunks.saturating_sub(1);
                let new = pack_entry(&txn, &mut packs, loc.pack)?;
                new.live_bytes += len;
                new.live_chunks += 1;
                txn.delete(keys::pack_member(pack, &id));
                txn.put(keys::pack_member(loc.pack, &id), Vec::new());
                rec.pack = loc.pack;
                rec.offset = loc.offset;
                txn.put_rec(ckey, &rec);
                moved += 1;
            }
            for (p, rec) in packs {
                txn.put_rec(keys::pack(p), &rec);
            }
            txn.commit()?;
            inner.meta.sync()?;
            if !next() {
                break;
            }
        }
        Ok(moved)
    }

    /// Bytes free for an unprivileged writer on the filesystem of the
    /// store's directory, to compare with [`crate::Config::reserved_bytes`]:
    /// below it, chunk appends fail with `ENOSPC`.
    pub fn free_bytes(&self) -> Result<u64> {
        let vfs = rustix::fs::statvfs(&self.inner.dir).map_err(std::io::Error::from)?;
        Ok(vfs.f_bavail.saturating_mul(vfs.f_frsize))
    }

    /// Figures about the whole store.
    pub fn stats(&self) -> Result<Stats> {
        let inner = &self.inner;
        let counters = {
            let txn = inner.meta.begin();
            load_counters(&txn)?
        };
        let packs = inner.packs.packs()?;
        let pack_bytes = inner.packs.disk_bytes()?;
        let mut live = 0u64;
        for entry in inner.meta.scan(b"q/") {
            let rec: PackRecord = decode(&entry?.1)?;
            live += rec.live_bytes + rec.live_chunks * HEADER_LEN;
        }
        Ok(Stats {
            buckets: inner.meta.scan(keys::BUCKETS).count() as u64,
            versions: counters.versions,
            logical_bytes: counters.logical_bytes,
            stored_bytes: counters.stored_bytes,
            dedup_ratio: if counters.stored_bytes == 0 {
                1.0
            } else {
                counters.logical_bytes as f64 / counters.stored_bytes as f64
            },
            chunks: counters.chunks,
            packs: packs.len() as u64,
            pack_bytes,
            live_fraction: if pack_bytes == 0 {
                1.0
            } else {
                live as f64 / pack_bytes as f64
            },
            meta_bytes: inner.meta.size_on_disk()?,
            damaged_chunks: self.damaged_chunks()?,
        })
    }

    /// Checks that every reference has its chunk and every chunk's count
    /// matches its references; with `verify_data`, also reads and verifies
    /// every chunk.
    pub fn fsck(&self, verify_data: bool) -> Result<FsckReport> {
        self.fsck_with(verify_data, &mut |_| true)
    }

    /// [`Store::fsck`], reporting its progress through the chunk index (a
    /// step is [`FSCK_STEP`] chunks). Told to stop, it returns the partial
    /// report: what it did not reach is unchecked, not sound.
    pub fn fsck_with(
        &self,
        verify_data: bool,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<FsckReport> {
        self.run_jobs()?;
        let inner = &self.inner;
        // Hold the commit lock so that references and counts agree.
        let txn = inner.meta.begin();
        let total = load_counters(&txn)?.chunks;
        let step = |done| Progress::Step {
            task: "fsck",
            unit: "chunks",
            done,
            total: Some(total.max(done)),
        };
        if !progress(step(0)) {
            return Ok(FsckReport::default());
        }
        let mut report = FsckReport::default();
        let mut counted: HashMap<ChunkId, u64> = HashMap::new();
        let mut count = |m: &Manifest| {
            for c in m.chunks() {
                *counted.entry(c.id).or_insert(0) += 1;
            }
        };
        for entry in inner.meta.scan(b"v/") {
            match decode::<VersionRecord>(&entry?.1) {
                Ok(rec) => {
                    report.versions += 1;
                    count(&rec.manifest);
                }
                Err(_) => report.bad_records += 1,
            }
        }
        for entry in inner.meta.scan(keys::PARTS) {
            match decode::<PartRecord>(&entry?.1) {
                Ok(rec) => {
                    report.parts += 1;
                    count(&rec.manifest);
                }
                Err(_) => report.bad_records += 1,
            }
        }
        for entry in inner.meta.scan(keys::CHUNKS) {
            let (k, v) = entry?;
            let id = ChunkId(
                k[keys::CHUNKS.len()..]
                    .try_into()
                    .map_err(|_| Error::BadRecord("malformed chunk key".into()))?,
            );
            let Ok(rec) = decode::<ChunkRecord>(&v) else {
                report.bad_records += 1;
                continue;
            };
            report.chunks += 1;
            if report.chunks.is_multiple_of(FSCK_STEP) && !progress(step(report.chunks)) {
                drop(txn);
                return Ok(report);
            }
            let refs = counted.remove(&id).unwrap_or(0);
            if refs != rec.refs {
                report.refcount_mismatches.push((id, refs, rec.refs));
            }
            // A chunk a scrub recorded damaged is listed as such, below.
            if verify_data && !inner.is_damaged(&id)? {
                // The read checks the record's CRC; the id is the hash of
                // the bytes, checked here in full.
                let verified = inner.read_located(&id, &rec);
                if !verified.is_ok_and(|data| ChunkId::of(&data) == id) {
                    report.corrupt.push(id);
                }
            }
        }
        report.dangling = counted.into_keys().collect();
        report.dangling.sort();
        for entry in inner.meta.scan(keys::DAMAGED) {
            let (k, _) = entry?;
            let id = k[keys::DAMAGED.len()..]
                .try_into()
                .map(ChunkId)
                .map_err(|_| Error::BadRecord("malformed damage key".into()))?;
            report.damaged.push(id);
        }
        drop(txn);
        progress(step(report.chunks));
        Ok(report)
    }
}
