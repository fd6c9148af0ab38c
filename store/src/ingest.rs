//! The write path for data: a stream is cut into chunks, each chunk is
//! hashed, chunks the store already holds are referenced rather than
//! written, and new ones are appended to the active pack and indexed (in
//! bounded batches, each after the pack data it names is synced) with no
//! references yet. A new chunk of at most `Config::meta_chunk_max` bytes
//! goes into the metadata database instead, in the transaction that
//! indexes it, so a small object needs no pack sync at all; when the last
//! batch holds only such chunks it is left to the commit's transaction,
//! so a small object is one metadata batch. The caller then commits the
//! manifest, which takes the references (see `refs`).

use std::collections::{HashSet, VecDeque};
use std::io::Read;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};

use crate::crc::{CRC64NVME, crc64nvme};
use crate::error::{Error, Result};
use crate::manifest::{ChunkRef, Manifest};
use crate::md5x2::{Md5, update_both};
use crate::meta::keys;
use crate::names::ChunkId;
use crate::packs::Location;
use crate::refs::index_chunks;
use crate::{Inner, Store};

/// What a stream's ingest hashes besides SHA-256, which decides the ETag
/// of the version it becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EtagKind {
    /// S3's: the MD5 of the stream, and of each new chunk in the same
    /// pass (`md5x2`).
    Md5,
    /// The mount's: no MD5 at all. The ETag is made from the chunk ids
    /// ([`chunk_ids_etag`]), and the stream gets a full-object CRC64NVME
    /// instead, combined from its chunks' CRCs.
    ChunkIds,
}

/// What an ingest computed of a new chunk besides its id.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChunkSums {
    /// Only through [`EtagKind::Md5`].
    pub md5: Option<[u8; 16]>,
    pub crc64nvme: u64,
}

/// A stream that has been chunked and stored, not yet committed.
pub(crate) struct Ingested {
    pub manifest: Manifest,
    /// The stream's MD5, through [`EtagKind::Md5`] only.
    pub md5: Option<[u8; 16]>,
    /// The stream's CRC64NVME, through [`EtagKind::ChunkIds`] only.
    pub crc64nvme: Option<u64>,
    /// New chunks not indexed yet: small ones for the metadata database,
    /// and through a lazy handle the last batch of pack chunks too. The
    /// commit indexes them in its own transaction (with
    /// [`Store::index_in`] before it takes references), so an object costs
    /// one metadata batch, not two; a commit that fails indexes them
    /// anyway ([`Store::index`]), so that GC can free what it appended.
    pub unindexed: Vec<NewChunk>,
    /// Keeps the chunks safe from GC until the manifest's references are
    /// taken.
    pub pins: PinGuard,
}

impl Ingested {
    pub fn size(&self) -> u64 {
        self.manifest.size()
    }

    /// The stream's MD5, from an ingest through [`EtagKind::Md5`].
    pub fn md5(&self) -> [u8; 16] {
        self.md5.expect("an S3 ingest computes the stream's MD5")
    }
}

/// The ETag of a version written through the mount:
/// `hex(md5(chunk ids))-N`, from the SHA-256 ids the ingest computed
/// anyway, so no byte is read for it; the MD5 of nothing for an empty
/// version. Like a multipart ETag it is no MD5 of the bytes, and the `-N`
/// tells S3 clients so.
pub(crate) fn chunk_ids_etag(manifest: &Manifest) -> String {
    use md5::Digest;
    let chunks = manifest.chunks();
    if chunks.is_empty() {
        return hex::encode(md5::Md5::digest(b""));
    }
    let mut ids = md5::Md5::new();
    for c in chunks {
        ids.update(c.id.0);
    }
    format!("{}-{}", hex::encode(ids.finalize()), chunks.len())
}

/// Keeps chunks and packs a writer depends on safe from GC and compaction
/// until the writer has committed (or given up).
pub(crate) struct PinGuard {
    inner: std::sync::Arc<Inner>,
    token: u64,
    chunks: Vec<ChunkId>,
}

impl PinGuard {
    pub fn new(store: &Store) -> PinGuard {
        let inner = store.inner.clone();
        let token = {
            let mut next = inner.pins.next_token.lock();
            *next += 1;
            *next
        };
        // Every pack this writer appends to is at or above the active one.
        let floor = inner.packs.floor();
        inner.pins.packs.lock().insert(token, floor);
        PinGuard {
            inner,
            token,
            chunks: Vec::new(),
        }
    }

    /// A guard that pins chunks only, no packs: for a reader that keeps a
    /// version's chunks from GC for long (compaction moves chunks that are
    /// still indexed, so their packs need no pin).
    pub fn chunks_only(store: &Store) -> PinGuard {
        let inner = store.inner.clone();
        let token = {
            let mut next = inner.pins.next_token.lock();
            *next += 1;
            *next
        };
        PinGuard {
            inner,
            token,
            chunks: Vec::new(),
        }
    }

    /// Pins a chunk. Call before looking the chunk up in the index.
    pub fn pin(&mut self, id: ChunkId) {
        *self.inner.pins.chunks.lock().entry(id).or_insert(0) += 1;
        self.chunks.push(id);
    }

    /// Pins every chunk of a manifest whose references are about to be
    /// taken by a job.
    pub fn pin_manifest(&mut self, manifest: &Manifest) {
        self.pin_chunks(manifest.chunks());
    }

    /// Pins these chunks.
    pub fn pin_chunks(&mut self, chunks: &[crate::manifest::ChunkRef]) {
        let mut pins = self.inner.pins.chunks.lock();
        self.chunks.reserve(chunks.len());
        for c in chunks {
            *pins.entry(c.id).or_insert(0) += 1;
            self.chunks.push(c.id);
        }
    }
}

impl Drop for PinGuard {
    fn drop(&mut self) {
        let mut pins = self.inner.pins.chunks.lock();
        for id in &self.chunks {
            if let Some(n) = pins.get_mut(id) {
                *n -= 1;
                if *n == 0 {
                    pins.remove(id);
                }
            }
        }
        drop(pins);
        self.inner.pins.packs.lock().remove(&self.token);
    }
}

impl Store {
    /// Chunks and stores a stream. Through a durable handle its new pack
    /// chunks are synced and indexed on return, but for a last batch of
    /// small chunks, which the commit indexes; through a lazy handle the
    /// last batch is left to the commit whatever it holds (see
    /// [`Ingested::unindexed`]).
    ///
    /// A stream of more than one chunk runs in three stages side by side,
    /// joined by bounded channels so memory stays bounded: this thread
    /// reads the source, cuts chunks and hashes them with SHA-256; a
    /// storing thread finds which chunks are new and appends and indexes
    /// them; a helper computes each new chunk's CRC64NVME and, by `kind`,
    /// either the MD5 of the whole stream (the S3 ETag) and of each new
    /// chunk, in one interleaved pass (`md5x2`), or the CRC64NVME of the
    /// whole stream and no MD5 (the mount's). Cutting and SHA-256 cost
    /// about as much as finding, appending and indexing (the kernel's
    /// share of an append included), so on two cores neither waits long
    /// for the other; MD5 is inherently sequential and the slowest hash
    /// here, so it has a thread of its own. A stream of one chunk (every
    /// small object) is done on this thread alone: starting threads would
    /// cost more than it saves.
    pub(crate) fn ingest(&self, source: impl Read, kind: EtagKind) -> Result<Ingested> {
        let mut cut = self.inner.config.chunker.chunks(source);
        let first = cut.next();
        // After an error the source is not read again: its first error is
        // the one to report.
        let second = match &first {
            Some(Ok(_)) => cut.next(),
            _ => None,
        };
        if second.is_none() {
            let mut stages = Stages::Inline {
                sums: Sums::new(kind),
                digests: VecDeque::new(),
            };
            let stored = self.store_chunks(first.into_iter().map(hashed), &mut stages);
            let (md5, crc64nvme) = stages.finish().expect("the inline stages keep the sums");
            return stored.map(|(manifest, pins, unindexed)| Ingested {
                manifest,
                md5,
                crc64nvme,
                unindexed,
                pins,
            });
        }
        let cut = first.into_iter().chain(second).chain(cut);
        let (hashed_tx, hashed_rx) = sync_channel::<std::io::Result<Hashed>>(CUT_QUEUE);
        let (chunk_tx, chunk_rx) = sync_channel::<(Arc<Vec<u8>>, bool)>(HASH_QUEUE);
        // Unbounded, but never holds more than the digests of one batch.
        let (digest_tx, digest_rx) = channel::<ChunkSums>();
        std::thread::scope(|scope| {
            let hasher = scope.spawn(move || {
                let mut sums = Sums::new(kind);
                for (data, new) in chunk_rx {
                    if let Some(own) = sums.chunk(&data, new) {
                        // Refused only once the storing side has failed;
                        // the whole stream's sums are still finished for
                        // the join.
                        let _ = digest_tx.send(own);
                    }
                }
                sums.finish()
            });
            let storer = scope.spawn(move || {
                let mut stages = Stages::Thread {
                    chunks: chunk_tx,
                    digests: digest_rx,
                };
                let stored = self.store_chunks(hashed_rx.into_iter(), &mut stages);
                // Closes the channel, so the helper finishes even after an
                // error.
                stages.finish();
                stored
            });
            for chunk in cut.map(hashed) {
                let failed = chunk.is_err();
                // Refused once the storing side has failed: its error is
                // the one to report, and the source is read no further.
                if hashed_tx.send(chunk).is_err() || failed {
                    break;
                }
            }
            drop(hashed_tx);
            let stored = storer.join().expect("the storing stage does not panic");
            let (md5, crc64nvme) = hasher.join().expect("the hashing stage does not panic");
            stored.map(|(manifest, pins, unindexed)| Ingested {
                manifest,
                md5,
                crc64nvme,
                unindexed,
                pins,
            })
        })
    }

    fn store_chunks(
        &self,
        cut: impl Iterator<Item = std::io::Result<Hashed>>,
        stages: &mut Stages,
    ) -> Result<(Manifest, PinGuard, Vec<NewChunk>)> {
        let inner = &self.inner;
        let mut pins = PinGuard::new(self);
        let mut chunks = Vec::new();
        // New chunks appended but not yet indexed; their sums come from
        // the stages in the same order.
        let mut unindexed: Vec<(ChunkId, Place)> = Vec::new();
        let mut seen: HashSet<ChunkId> = HashSet::new();
        let cut_and_store = || -> Result<()> {
            for chunk in cut {
                let (id, data) = chunk?;
                let len = data.len() as u32;
                chunks.push(ChunkRef { id, len });
                let (new, heals) = to_store(inner, id, &mut seen, &mut pins)?;
                stages.chunk(&data, new)?;
                if !new {
                    continue;
                }
                let place = store_new(inner, &id, data, heals)?;
                unindexed.push((id, place));
                if unindexed.len() >= INDEX_BATCH {
                    self.index(self.digests(&mut unindexed, stages)?)?;
                }
            }
            Ok(())
        };
        if let Err(e) = cut_and_store() {
            self.salvage(&mut unindexed, stages);
            return Err(e);
        }
        let last = self.digests(&mut unindexed, stages)?;
        // The last batch goes into the commit's own transaction when no
        // sync has to come between: small chunks (their bytes are in the
        // batch), and anything a lazy handle wrote (its pack chunks get
        // their markers there). One metadata batch then, not two.
        if self.lazy
            || last
                .iter()
                .all(|(_, place, _)| matches!(place, Place::Meta(_)))
        {
            return Ok((Manifest::new(chunks), pins, last));
        }
        self.index(last)?;
        Ok((Manifest::new(chunks), pins, Vec::new()))
    }

    /// After a stream failed: indexes the chunks it appended to packs but
    /// had not indexed yet, with no references, so that GC frees them like
    /// any chunk whose writer gave up. Left out, they would be dead bytes
    /// only compaction could reclaim (up to a batch, 16 MiB with the
    /// default chunk sizes, per failed stream). Best effort: the stream's
    /// own error is the one to report, and if the packs cannot be synced
    /// (a full disk) nothing is indexed, as always.
    fn salvage(&self, unindexed: &mut Vec<(ChunkId, Place)>, stages: &mut Stages) {
        if !unindexed
            .iter()
            .any(|(_, place)| matches!(place, Place::Pack(_)))
        {
            return;
        }
        // Every chunk queued here was sent to the hashing stage, which runs
        // to the end of its queue whatever happened on this side.
        let Ok(mut batch) = self.digests(unindexed, stages) else {
            return;
        };
        batch.retain(|(_, place, _)| matches!(place, Place::Pack(_)));
        if let Err(e) = self.index(batch) {
            tracing::debug!("chunks of a failed stream left to compaction: {e}");
        }
    }

    /// After a commit that would have indexed `chunks` failed (or was
    /// refused): indexes the pack chunks among them with no references, so
    /// that GC frees them, as [`Store::salvage`] does for a failed stream.
    /// Small chunks go with the commit: their bytes were only in memory.
    /// Best effort: the commit's error is the one to report.
    pub(crate) fn index_leftovers(&self, mut chunks: Vec<NewChunk>) {
        chunks.retain(|(_, place, _)| matches!(place, Place::Pack(_)));
        if let Err(e) = self.index(chunks) {
            tracing::debug!("chunks of a failed commit left to compaction: {e}");
        }
    }

    /// Pairs new chunks with their sums, in order.
    fn digests(
        &self,
        chunks: &mut Vec<(ChunkId, Place)>,
        stages: &mut Stages,
    ) -> Result<Vec<NewChunk>> {
        let mut batch = Vec::with_capacity(chunks.len());
        for (id, place) in chunks.drain(..) {
            batch.push((id, place, stages.digest()?));
        }
        Ok(batch)
    }

    /// Indexes new chunks in a transaction of their own.
    ///
    /// Through a durable handle the packs are synced first, so no record
    /// names bytes that are not on disk. Through a lazy one they are not:
    /// each chunk indexed in a pack gets a marker in the same commit, and
    /// [`Store::settle`] syncs and forgets them (see `unsynced.rs`).
    pub(crate) fn index(&self, batch: Vec<NewChunk>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        if !self.lazy && batch.iter().any(|(_, p, _)| matches!(p, Place::Pack(_))) {
            self.settle()?;
        }
        let mut txn = self.inner.meta.begin();
        self.index_in(&mut txn, &batch)?;
        txn.commit()?;
        Ok(())
    }

    /// Indexes new chunks in `txn`. Through a lazy handle, pack chunks not
    /// synced yet get their markers; a durable handle's pack chunks come
    /// here only from [`Store::index`], after their sync.
    pub(crate) fn index_in(
        &self,
        txn: &mut crate::meta::Txn<'_>,
        batch: &[NewChunk],
    ) -> Result<()> {
        let in_packs = index_chunks(txn, batch)?;
        if self.lazy && !in_packs.is_empty() {
            for id in &in_packs {
                txn.put(keys::unsynced(id), Vec::new());
            }
            // Queued before the commit makes the chunks visible, so that a
            // durable commit sharing one of them knows to settle first.
            self.marked(in_packs);
        }
        Ok(())
    }
}

/// Keeps a new chunk's bytes: small ones for the metadata database, the
/// others appended to a pack. The bytes that heal a damaged chunk are
/// synced at once, whatever the handle: its index record will name them
/// without an unsynced marker's check being the only guard, and a crash
/// must not turn a heal into the loss of every object that uses it.
pub(crate) fn store_new(
    inner: &Inner,
    id: &ChunkId,
    data: Arc<Vec<u8>>,
    heals: bool,
) -> Result<Place> {
    let len = data.len() as u32;
    if len <= inner.config.meta_chunk_max {
        inner.check_meta_room(u64::from(len))?;
        return Ok(Place::Meta(data));
    }
    let loc = inner.packs.append(id, &data)?;
    if heals {
        inner.packs.sync()?;
    }
    Ok(Place::Pack(loc))
}

/// A new chunk, where it is kept, and its sums.
pub(crate) type NewChunk = (ChunkId, Place, ChunkSums);

/// Where a new chunk is kept.
pub(crate) enum Place {
    /// Appended to a pack (durable once the packs are synced).
    Pack(Location),
    /// To be written into the metadata database with its index record.
    Meta(Arc<Vec<u8>>),
}

/// The hashes of a stream besides SHA-256, by its [`EtagKind`]: each new
/// chunk's CRC64NVME, and either the MD5s (the stream's, each new chunk's)
/// or the stream's CRC64NVME. Through [`EtagKind::ChunkIds`] no MD5 is
/// made at all.
pub(crate) struct Sums {
    /// The stream's MD5 so far, through [`EtagKind::Md5`] only.
    md5: Option<Md5>,
    /// The stream's CRC64NVME so far, through [`EtagKind::ChunkIds`]
    /// only.
    crc: Option<u64>,
}

impl Sums {
    pub(crate) fn new(kind: EtagKind) -> Sums {
        match kind {
            EtagKind::Md5 => Sums {
                md5: Some(Md5::new()),
                crc: None,
            },
            EtagKind::ChunkIds => Sums {
                md5: None,
                crc: Some(0),
            },
        }
    }

    /// Hashes the stream's next chunk; a new chunk's own sums are
    /// returned.
    pub(crate) fn chunk(&mut self, data: &[u8], new: bool) -> Option<ChunkSums> {
        if let Some(whole) = &mut self.md5 {
            if !new {
                whole.update(data);
                return None;
            }
            let mut own = Md5::new();
            update_both(whole, &mut own, data);
            return Some(ChunkSums {
                md5: Some(own.finalize()),
                crc64nvme: crc64nvme(data),
            });
        }
        let crc = crc64nvme(data);
        if let Some(whole) = &mut self.crc {
            *whole = CRC64NVME.combine(*whole, crc, data.len() as u64);
        }
        new.then_some(ChunkSums {
            md5: None,
            crc64nvme: crc,
        })
    }

    /// The stream's MD5 or CRC64NVME.
    pub(crate) fn finish(self) -> (Option<[u8; 16]>, Option<u64>) {
        (self.md5.map(Md5::finalize), self.crc)
    }
}

/// Where a stream's hashes besides SHA-256 are computed.
enum Stages {
    /// On the storing thread.
    Inline {
        sums: Sums,
        digests: VecDeque<ChunkSums>,
    },
    /// On a helper thread.
    Thread {
        /// Every chunk in stream order, and whether it is new (then its
        /// own sums are wanted too).
        chunks: SyncSender<(Arc<Vec<u8>>, bool)>,
        /// The new chunks' sums, in the order they were sent.
        digests: Receiver<ChunkSums>,
    },
}

impl Stages {
    /// Adds the stream's next chunk to the sums of the whole and, if it is
    /// new, computes its own; [`digest`](Self::digest) returns those.
    fn chunk(&mut self, data: &Arc<Vec<u8>>, new: bool) -> Result<()> {
        match self {
            Stages::Inline { sums, digests } => {
                if let Some(own) = sums.chunk(data, new) {
                    digests.push_back(own);
                }
            }
            Stages::Thread { chunks, .. } => {
                chunks.send((data.clone(), new)).map_err(|_| stopped())?
            }
        }
        Ok(())
    }

    /// The sums of the oldest new chunk not yet taken.
    fn digest(&mut self) -> Result<ChunkSums> {
        match self {
            Stages::Inline { digests, .. } => digests.pop_front().ok_or_else(stopped),
            Stages::Thread { digests, .. } => digests.recv().map_err(|_| stopped()),
        }
    }

    /// Ends the stream: the sums of the whole when computed inline; for
    /// the thread, closing its channel lets it finish.
    #[allow(clippy::type_complexity)]
    fn finish(self) -> Option<(Option<[u8; 16]>, Option<u64>)> {
        match self {
            Stages::Inline { sums, .. } => Some(sums.finish()),
            Stages::Thread { .. } => None,
        }
    }
}

fn stopped() -> Error {
    Error::Io(std::io::Error::other("a hashing stage stopped"))
}

/// New chunks indexed per commit while a stream is stored.
pub(crate) const INDEX_BATCH: usize = 256;

/// Chunks queued for the hashing stage: at most this many times the
/// largest chunk size in flight.
const HASH_QUEUE: usize = 16;

/// Chunks cut and hashed, queued for the storing stage: 4 MiB on average
/// with the default chunk sizes, 16 MiB at most. Enough for the cutting
/// side to go on through the storing side's short stalls (a new pack's
/// directory sync, the metadata file growing), which a queue of a
/// sixteenth of this passed straight back to the writer.
const CUT_QUEUE: usize = 64;

/// A chunk with its id.
type Hashed = (ChunkId, Arc<Vec<u8>>);

/// Names a chunk just cut.
fn hashed(chunk: std::io::Result<Vec<u8>>) -> std::io::Result<Hashed> {
    let data = chunk?;
    Ok((ChunkId::of(&data), Arc::new(data)))
}

/// Whether a stream must store chunk `id`, met in it for the first time
/// unless `seen` holds it (then it is pinned against GC): `(new, heals)`,
/// where `new` says to store its bytes and `heals` that they replace a
/// copy recorded damaged, stored again as if new so that its indexing heals
/// it (`refs::index_chunks`).
pub(crate) fn to_store(
    inner: &crate::Inner,
    id: ChunkId,
    seen: &mut HashSet<ChunkId>,
    pins: &mut PinGuard,
) -> Result<(bool, bool)> {
    if !seen.insert(id) {
        return Ok((false, false));
    }
    pins.pin(id);
    match inner.meta.get(&keys::chunk(&id))? {
        None => Ok((true, false)),
        Some(_) => {
            let heals = inner.is_damaged(&id)?;
            Ok((heals, heals))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunker::ChunkerConfig;
    use crate::crc::{CRC64NVME_KEY, crc64nvme_value};
    use crate::records::ChunkRecord;
    use crate::{At, Config, PutOptions};
    use md5::Digest;
    use rand::{RngCore, SeedableRng, rngs::StdRng};

    fn seeded(len: usize, seed: u64) -> Vec<u8> {
        let mut data = vec![0u8; len];
        StdRng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    /// Small chunks, so that a few hundred KiB make many.
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config {
            chunker: ChunkerConfig {
                min: 1024,
                avg: 4096,
                max: 16384,
            },
            ..Config::default()
        };
        let store = Store::open(dir.path(), cfg).unwrap();
        store.create_bucket("bkt").unwrap();
        (dir, store)
    }

    fn record(store: &Store, id: &ChunkId) -> ChunkRecord {
        store.inner.meta.get_rec(&keys::chunk(id)).unwrap().unwrap()
    }

    /// The bytes of each chunk of a manifest, cut from the stream.
    fn pieces<'a>(manifest: &Manifest, data: &'a [u8]) -> Vec<(ChunkId, &'a [u8])> {
        let mut at = 0;
        manifest
            .chunks()
            .iter()
            .map(|c| {
                let piece = &data[at..at + c.len as usize];
                at += c.len as usize;
                (c.id, piece)
            })
            .collect()
    }

    /// A mount ingest computes no MD5, of the stream or of any chunk: the
    /// result has none and neither has any chunk record it made, while
    /// each record keeps its chunk's CRC64NVME and the stream's CRC is
    /// that of its bytes. An S3 ingest of other bytes computes both MD5s.
    #[test]
    fn a_mount_ingest_computes_no_md5() {
        let (_d, store) = store();
        // Many chunks (the helper thread) and one (inline).
        for (len, seed) in [(300_000, 1), (600, 2)] {
            let data = seeded(len, seed);
            let mut got = store.ingest(&data[..], EtagKind::ChunkIds).unwrap();
            store.index(std::mem::take(&mut got.unindexed)).unwrap();
            assert_eq!(got.md5, None);
            assert_eq!(got.crc64nvme, Some(crc64nvme(&data)));
            for (id, piece) in pieces(&got.manifest, &data) {
                let rec = record(&store, &id);
                assert_eq!(rec.md5, None, "{len}");
                assert_eq!(rec.crc64nvme, Some(crc64nvme(piece)), "{len}");
            }

            let data = seeded(len, seed + 100);
            let mut got = store.ingest(&data[..], EtagKind::Md5).unwrap();
            store.index(std::mem::take(&mut got.unindexed)).unwrap();
            assert_eq!(got.md5, Some(md5::Md5::digest(&data).into()));
            assert_eq!(got.crc64nvme, None);
            for (id, piece) in pieces(&got.manifest, &data) {
                let rec = record(&store, &id);
                assert_eq!(rec.md5, Some(md5::Md5::digest(piece).into()));
                assert_eq!(rec.crc64nvme, Some(crc64nvme(piece)));
            }
        }
    }

    /// A known chunk met again adds its CRC to the stream's without being
    /// stored: the stream's CRC still covers every byte.
    #[test]
    fn known_chunks_count_in_the_streams_crc() {
        let (_d, store) = store();
        let data = seeded(200_000, 3);
        store
            .put_object("bkt", "first", &data[..], PutOptions::default())
            .unwrap();
        let mut twice = data.clone();
        twice.extend_from_slice(&seeded(50_000, 4));
        twice.extend_from_slice(&data);
        let got = store.ingest(&twice[..], EtagKind::ChunkIds).unwrap();
        assert_eq!(got.crc64nvme, Some(crc64nvme(&twice)));
        assert!(got.unindexed.len() < got.manifest.chunks().len() / 2);
    }

    /// A file the mount writes: `hex(md5(chunk ids))-N` and the CRC64NVME
    /// of its bytes in its metadata, replacing a checksum its metadata
    /// carried; an S3 put of the same bytes: their MD5, and no checksum it
    /// was not given.
    #[test]
    fn put_file_has_a_chunk_id_etag_and_a_crc() {
        let (_d, store) = store();
        let data = seeded(250_000, 5);
        let mut opts = PutOptions::default();
        opts.meta
            .extra
            .insert("checksum-sha256".into(), "stale".into());
        let info = store.put_file("bkt", "f", &data[..], opts).unwrap();
        let rec = crate::objects::resolve(&store, "bkt", "f", At::Current).unwrap();
        let n = rec.manifest.chunks().len();
        assert!(n > 10, "{n} chunks");
        let ids: Vec<u8> = rec.manifest.chunks().iter().flat_map(|c| c.id.0).collect();
        let want = format!("{}-{n}", hex::encode(md5::Md5::digest(&ids)));
        assert_eq!(info.etag, want);
        assert_eq!(rec.etag, want);
        assert_eq!(
            info.meta.extra.get(CRC64NVME_KEY),
            Some(&crc64nvme_value(crc64nvme(&data)))
        );
        assert!(!info.meta.extra.contains_key("checksum-sha256"));

        let s3 = store
            .put_object("bkt", "g", &data[..], PutOptions::default())
            .unwrap();
        assert_eq!(s3.etag, hex::encode(md5::Md5::digest(&data)));
        assert!(s3.meta.extra.is_empty());

        // Empty: the MD5 of nothing, and the CRC of nothing.
        let empty = store
            .put_file("bkt", "e", &[][..], PutOptions::default())
            .unwrap();
        assert_eq!(empty.etag, "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            empty.meta.extra.get(CRC64NVME_KEY).map(String::as_str),
            Some("AAAAAAAAAAA=")
        );
        assert!(store.fsck(true).unwrap().is_clean());
    }
}
