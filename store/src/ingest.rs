//! The write path for data: a stream is cut into chunks, each chunk is
//! hashed, chunks the store already holds are referenced rather than
//! written, and new ones are appended to the active pack and indexed (in
//! bounded batches, each after the pack data it names is synced) with no
//! references yet. The caller then commits the manifest, which takes the
//! references (see `refs`).

use std::collections::HashSet;
use std::io::Read;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;

use md5::{Digest, Md5};

use crate::error::{Error, Result};
use crate::manifest::{ChunkRef, Manifest};
use crate::meta::keys;
use crate::names::ChunkId;
use crate::packs::Location;
use crate::refs::index_chunks;
use crate::{Inner, Store};

/// A stream that has been chunked and stored, not yet committed.
pub(crate) struct Ingested {
    pub manifest: Manifest,
    pub md5: [u8; 16],
    /// Keeps the chunks safe from GC until the manifest's references are
    /// taken.
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

    /// Pins every chunk of a manifest whose references are about to be
    /// taken by a job.
    pub fn pin_manifest(&mut self, manifest: &Manifest) {
        let mut pins = self.inner.pins.chunks.lock();
        for c in manifest.chunks() {
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
            stored.map(|(manifest, pins)| Ingested {
                manifest,
                md5,
                pins,
            })
        })
    }

    fn store_chunks(
        &self,
        source: impl Read,
        md5: SyncSender<Arc<Vec<u8>>>,
    ) -> Result<(Manifest, PinGuard)> {
        let inner = &self.inner;
        let mut pins = PinGuard::new(self);
        let mut chunks = Vec::new();
        // New chunks appended but not yet indexed.
        let mut unindexed: Vec<(ChunkId, Location, [u8; 16])> = Vec::new();
        let mut seen: HashSet<ChunkId> = HashSet::new();
        for data in inner.config.chunker.chunks(source) {
            let data = Arc::new(data?);
            md5.send(data.clone())
                .map_err(|_| Error::Io(std::io::Error::other("the MD5 stage stopped")))?;
            let id = ChunkId::of(&data);
            let len = data.len() as u32;
            chunks.push(ChunkRef { id, len });
            if !seen.insert(id) {
                continue;
            }
            pins.pin(id);
            if inner.meta.get(&keys::chunk(&id))?.is_some() {
                continue;
            }
            let digest: [u8; 16] = Md5::digest(&data[..]).into();
            let loc = inner.packs.append(&id, &data)?;
            unindexed.push((id, loc, digest));
            if unindexed.len() >= INDEX_BATCH {
                self.index(&mut unindexed)?;
            }
        }
        drop(md5);
        self.index(&mut unindexed)?;
        Ok((Manifest::new(chunks), pins))
    }

    /// Syncs the packs, then indexes the chunks appended to them.
    fn index(&self, chunks: &mut Vec<(ChunkId, Location, [u8; 16])>) -> Result<()> {
        if chunks.is_empty() {
            return Ok(());
        }
        self.inner.packs.sync()?;
        let mut txn = self.inner.meta.begin();
        index_chunks(&mut txn, chunks)?;
        txn.commit()?;
        chunks.clear();
        Ok(())
    }
}

/// New chunks indexed per commit while a stream is stored.
const INDEX_BATCH: usize = 256;

/// Chunks queued for the MD5 stage: at most this many times the largest
/// chunk size in flight.
const MD5_QUEUE: usize = 16;
