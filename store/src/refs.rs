//! Chunk references, with memory bounded whatever an object's size.
//!
//! Every manifest holds one reference to each of its chunks. A commit that
//! adds or drops a manifest changes the counts of all its chunks; for a
//! large object that is tens of thousands of records, which the metadata database would
//! apply as one batch holding memory in proportion. So a commit changes
//! counts inline only up to a small budget; beyond it, it writes a *job*
//! — the manifest and the direction, in the same batch as the change that
//! calls for it — and the counts are then changed in bounded steps, each
//! step one batch that also records how far the job has got. A job left by
//! a crash is finished when the store next opens, before anything else.
//!
//! While a job is pending a count can be too high (a drop not yet applied:
//! harmless) or too low (an add not yet applied). The writer that queued an
//! add pins the manifest's chunks until its jobs have run, and GC never
//! frees a pinned chunk, so a count that is too low never frees live data.
//! New chunks are indexed before their first reference is committed, with
//! a count of zero and an entry on the GC queue: if the commit never comes,
//! GC frees them after the grace period.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{Error, Result};
use crate::ingest::{NewChunk, Place};
use crate::manifest::Manifest;
use crate::meta::{Txn, keys};
use crate::names::ChunkId;
use crate::now_ns;
use crate::records::{ChunkRecord, Counters, META_PACK, PackRecord};

/// Count changes per step of a job.
const JOB_STEP: usize = 512;

/// Pending count changes for the chunks of one manifest.
#[derive(Serialize, Deserialize)]
struct RefJob {
    /// +1 to add references, -1 to drop them.
    delta: i8,
    manifest: Manifest,
}

pub(crate) fn load_counters(txn: &Txn<'_>) -> Result<Counters> {
    Ok(txn.get_rec(keys::COUNTERS)?.unwrap_or_default())
}

pub(crate) fn pack_entry<'m>(
    txn: &Txn<'_>,
    packs: &'m mut HashMap<u64, PackRecord>,
    pack: u64,
) -> Result<&'m mut PackRecord> {
    if let std::collections::hash_map::Entry::Vacant(e) = packs.entry(pack) {
        e.insert(txn.get_rec(&keys::pack(pack))?.unwrap_or_default());
    }
    Ok(packs.get_mut(&pack).expect("inserted above"))
}

/// Adds (`delta` = 1) or drops (`delta` = -1) one reference from
/// `manifest` to each of its chunks: inline while the transaction's budget
/// lasts, else as a job run after the commit by [`Store::run_jobs`].
pub(crate) fn change_refs(txn: &mut Txn<'_>, manifest: &Manifest, delta: i8) -> Result<()> {
    let n = manifest.chunks().len();
    if n == 0 {
        return Ok(());
    }
    if txn.take_budget(n) {
        return apply(txn, manifest.chunks().iter().map(|c| c.id), delta);
    }
    let mut counters = load_counters(txn)?;
    let id = counters.next_job;
    counters.next_job += 1;
    txn.put_rec(keys::COUNTERS.to_vec(), &counters);
    txn.put_rec(
        keys::job(id),
        &RefJob {
            delta,
            manifest: manifest.clone(),
        },
    );
    txn.put_rec(keys::job_progress(id), &0u64);
    Ok(())
}

/// Applies count changes to chunks, in the transaction.
fn apply(txn: &mut Txn<'_>, ids: impl Iterator<Item = ChunkId>, delta: i8) -> Result<()> {
    let mut counts: HashMap<ChunkId, u64> = HashMap::new();
    for id in ids {
        *counts.entry(id).or_insert(0) += 1;
    }
    let now = now_ns();
    for (id, n) in counts {
        let key = keys::chunk(&id);
        let mut rec: ChunkRecord = txn.get_rec(&key)?.ok_or(Error::MissingChunk(id))?;
        if delta > 0 {
            rec.refs += n;
        } else {
            rec.refs = rec.refs.saturating_sub(n);
            if rec.refs == 0 {
                txn.put(keys::gc(now, &id), Vec::new());
            }
        }
        txn.put_rec(key, &rec);
    }
    Ok(())
}

/// Indexes new chunks, with no references yet and a place on the GC
/// queue: chunks written to packs (and synced), and small chunks whose
/// bytes go into this transaction. A chunk another writer indexed
/// meanwhile keeps its entry; a copy of it in a pack is dead space there.
/// Returns the chunks it indexed in packs.
pub(crate) fn index_chunks(txn: &mut Txn<'_>, chunks: &[NewChunk]) -> Result<Vec<ChunkId>> {
    let mut counters = load_counters(txn)?;
    let mut in_packs = Vec::new();
    let mut packs: HashMap<u64, PackRecord> = HashMap::new();
    let now = now_ns();
    for (id, place, sums) in chunks {
        let key = keys::chunk(id);
        if let Some(mut old) = txn.get_rec::<ChunkRecord>(&key)? {
            // Indexed already: these bytes are dead, unless they heal it.
            if txn.get(&keys::damaged(id))?.is_some() {
                // The same bytes: the CRC is theirs whatever the record
                // had; an MD5 it had stays.
                old.crc64nvme = Some(sums.crc64nvme);
                old.md5 = old.md5.or(sums.md5);
                heal(txn, &mut packs, &mut in_packs, id, old, place)?;
            }
            continue;
        }
        let (pack, offset, len) = match place {
            Place::Pack(loc) => {
                txn.put(keys::pack_member(loc.pack, id), Vec::new());
                let p = pack_entry(txn, &mut packs, loc.pack)?;
                p.live_bytes += u64::from(loc.len);
                p.live_chunks += 1;
                in_packs.push(*id);
                (loc.pack, loc.offset, loc.len)
            }
            Place::Meta(data) => {
                txn.put(keys::chunk_data(id), data.to_vec());
                (META_PACK, 0, data.len() as u32)
            }
        };
        txn.put_rec(
            key,
            &ChunkRecord {
                pack,
                offset,
                len,
                refs: 0,
                md5: sums.md5,
                crc64nvme: Some(sums.crc64nvme),
            },
        );
        txn.put(keys::gc(now, id), Vec::new());
        counters.stored_bytes += u64::from(len);
        counters.chunks += 1;
    }
    for (pack, rec) in packs {
        txn.put_rec(keys::pack(pack), &rec);
    }
    txn.put_rec(keys::COUNTERS.to_vec(), &counters);
    Ok(in_packs)
}

/// Heals a chunk recorded damaged with a new copy of its bytes: its index
/// record names the new place (references, length and MD5 stay, and the
/// CRC is set), the damage
/// record goes, and the damaged bytes stop counting as live, so compaction
/// takes them as garbage. Counters do not change: one chunk, same length.
fn heal(
    txn: &mut Txn<'_>,
    packs: &mut HashMap<u64, PackRecord>,
    in_packs: &mut Vec<ChunkId>,
    id: &ChunkId,
    mut rec: ChunkRecord,
    place: &Place,
) -> Result<()> {
    match rec.location() {
        Some(old) => {
            txn.delete(keys::pack_member(old.pack, id));
            let p = pack_entry(txn, packs, old.pack)?;
            p.live_bytes = p.live_bytes.saturating_sub(u64::from(old.len));
            p.live_chunks = p.live_chunks.saturating_sub(1);
        }
        None => txn.delete(keys::chunk_data(id)),
    }
    match place {
        Place::Pack(loc) => {
            txn.put(keys::pack_member(loc.pack, id), Vec::new());
            let p = pack_entry(txn, packs, loc.pack)?;
            p.live_bytes += u64::from(loc.len);
            p.live_chunks += 1;
            // Synced before it was indexed (`ingest::store_new`), but
            // marked as any lazy pack chunk: the check at open is cheap.
            in_packs.push(*id);
            rec.pack = loc.pack;
            rec.offset = loc.offset;
        }
        Place::Meta(data) => {
            txn.put(keys::chunk_data(id), data.to_vec());
            rec.pack = META_PACK;
            rec.offset = 0;
        }
    }
    txn.put_rec(keys::chunk(id), &rec);
    txn.delete(keys::damaged(id));
    tracing::info!(chunk = %id, "a damaged chunk was healed by a write of the same bytes");
    Ok(())
}

impl Store {
    /// Runs every pending job to its end, one bounded step per commit.
    /// Returns once none is left, whoever queued them.
    pub(crate) fn run_jobs(&self) -> Result<()> {
        let _one = self.inner.jobs.lock();
        let meta = &self.inner.meta;
        loop {
            let Some((k, v)) = meta.scan(keys::JOBS).next().transpose()? else {
                return Ok(());
            };
            let id = u64::from_be_bytes(
                k[keys::JOBS.len()..]
                    .try_into()
                    .map_err(|_| Error::BadRecord("malformed job key".into()))?,
            );
            let job: RefJob = crate::records::decode(&v)?;
            let mut txn = meta.begin();
            let done: u64 = txn.get_rec(&keys::job_progress(id))?.unwrap_or(0);
            let chunks = job.manifest.chunks();
            let start = (done as usize).min(chunks.len());
            let end = (start + JOB_STEP).min(chunks.len());
            apply(&mut txn, chunks[start..end].iter().map(|c| c.id), job.delta)?;
            if end == chunks.len() {
                txn.delete(keys::job(id));
                txn.delete(keys::job_progress(id));
            } else {
                txn.put_rec(keys::job_progress(id), &(end as u64));
            }
            txn.commit()?;
        }
    }
}
