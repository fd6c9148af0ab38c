//! The write path for data: a stream is cut into chunks, each chunk is
//! hashed, chunks the store already holds are referenced rather than
//! written, and new ones are appended to the active pack. Nothing here
//! touches the metadata: the caller commits the resulting manifest with
//! [`add_refs`], which inserts index entries for the new chunks in the same
//! batch that first references them.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;

use md5::{Digest, Md5};

use crate::error::{Error, Result};
use crate::manifest::{ChunkRef, Manifest};
use crate::meta::{Txn, keys};
use crate::names::ChunkId;
use crate::packs::Location;
use crate::records::{ChunkRecord, Counters, PackRecord};
use crate::{Inner, Store, now_ns};

/// A stream that has been chunked and stored, not yet committed.
pub(crate) struct Ingested {
    pub manifest: Manifest,
    pub md5: [u8; 16],
    /// Chunks this ingest appended to packs, with their MD5s.
    pub new_chunks: HashMap<ChunkId, (Location, [u8; 16])>,
    pub pins: PinGuard,
}

impl Ingested {
    pub fn size(&self) -> u64 {
        self.manifest.size()
    }
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

    /// Pins a chunk. Call before looking the chunk up in the index.
    pub fn pin(&mut self, id: ChunkId) {
        *self.inner.pins.chunks.lock().entry(id).or_insert(0) += 1;
        self.chunks.push(id);
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
    /// Chunks and stores a stream; new chunks are durable on return.
    ///
    /// Two stages run side by side: this thread cuts, hashes and stores
    /// chunks, while a helper computes the MD5 of the whole stream (the S3
    /// ETag), which is inherently sequential and the slowest hash here. A
    /// bounded channel between them keeps memory bounded.
    pub(crate) fn ingest(&self, source: impl Read) -> Result<Ingested> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Arc<Vec<u8>>>(MD5_QUEUE);
        std::thread::scope(|scope| {
            let md5 = scope.spawn(move || {
                let mut whole = Md5::new();
                for data in rx {
                    whole.update(&data[..]);
                }
                <[u8; 16]>::from(whole.finalize())
            });
            let stored = self.store_chunks(source, tx);
            let md5 = md5.join().expect("the MD5 stage does not panic");
            stored.map(|(manifest, new_chunks, pins)| Ingested {
                manifest,
                md5,
                new_chunks,
                pins,
            })
        })
    }

    #[allow(clippy::type_complexity)]
    fn store_chunks(
        &self,
        source: impl Read,
        md5: SyncSender<Arc<Vec<u8>>>,
    ) -> Result<(Manifest, HashMap<ChunkId, (Location, [u8; 16])>, PinGuard)> {
        let inner = &self.inner;
        let mut pins = PinGuard::new(self);
        let mut chunks = Vec::new();
        let mut new_chunks: HashMap<ChunkId, (Location, [u8; 16])> = HashMap::new();
        for data in inner.config.chunker.chunks(source) {
            let data = Arc::new(data?);
            md5.send(data.clone())
                .map_err(|_| Error::Io(std::io::Error::other("the MD5 stage stopped")))?;
            let id = ChunkId::of(&data);
            let len = data.len() as u32;
            chunks.push(ChunkRef { id, len });
            if new_chunks.contains_key(&id) {
                continue;
            }
            pins.pin(id);
            if inner.meta.get(&keys::chunk(&id))?.is_some() {
                continue;
            }
            let digest: [u8; 16] = Md5::digest(&data[..]).into();
            let loc = inner.packs.append(&id, &data)?;
            new_chunks.insert(id, (loc, digest));
        }
        drop(md5);
        if !new_chunks.is_empty() {
            inner.packs.sync()?;
        }
        Ok((Manifest::new(chunks), new_chunks, pins))
    }
}

/// Chunks queued for the MD5 stage: at most this many times the largest
/// chunk size in flight.
const MD5_QUEUE: usize = 16;

pub(crate) fn load_counters(txn: &Txn<'_>) -> Result<Counters> {
    Ok(txn.get_rec(keys::COUNTERS)?.unwrap_or_default())
}

/// Adds one reference from `manifest` to each of its chunks (a chunk listed
/// twice gets two). Chunks not yet indexed must be in `new_chunks`.
pub(crate) fn add_refs(
    txn: &mut Txn<'_>,
    manifest: &Manifest,
    new_chunks: &HashMap<ChunkId, (Location, [u8; 16])>,
) -> Result<()> {
    let mut counts: HashMap<ChunkId, (u64, u32)> = HashMap::new();
    for c in manifest.chunks() {
        counts.entry(c.id).or_insert((0, c.len)).0 += 1;
    }
    let mut counters = load_counters(txn)?;
    let mut packs: HashMap<u64, PackRecord> = HashMap::new();
    for (id, (n, len)) in counts {
        let key = keys::chunk(&id);
        let rec = match txn.get_rec::<ChunkRecord>(&key)? {
            Some(mut rec) => {
                rec.refs += n;
                rec
            }
            None => {
                let (loc, md5) = new_chunks.get(&id).ok_or(Error::MissingChunk(id))?;
                txn.put(keys::pack_member(loc.pack, &id), Vec::new());
                let p = pack_entry(txn, &mut packs, loc.pack)?;
                p.live_bytes += u64::from(len);
                p.live_chunks += 1;
                counters.stored_bytes += u64::from(len);
                counters.chunks += 1;
                ChunkRecord {
                    pack: loc.pack,
                    offset: loc.offset,
                    len,
                    refs: n,
                    md5: *md5,
                }
            }
        };
        txn.put_rec(key, &rec);
    }
    for (pack, rec) in packs {
        txn.put_rec(keys::pack(pack), &rec);
    }
    txn.put_rec(keys::COUNTERS.to_vec(), &counters);
    Ok(())
}

/// Drops one reference from `manifest` to each of its chunks; chunks left
/// without any go on the GC queue.
pub(crate) fn drop_refs(txn: &mut Txn<'_>, manifest: &Manifest) -> Result<()> {
    let mut counts: HashMap<ChunkId, u64> = HashMap::new();
    for c in manifest.chunks() {
        *counts.entry(c.id).or_insert(0) += 1;
    }
    let now = now_ns();
    for (id, n) in counts {
        let key = keys::chunk(&id);
        let mut rec: ChunkRecord = txn.get_rec(&key)?.ok_or(Error::MissingChunk(id))?;
        rec.refs = rec.refs.saturating_sub(n);
        if rec.refs == 0 {
            txn.put(keys::gc(now, &id), Vec::new());
        }
        txn.put_rec(key, &rec);
    }
    Ok(())
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
