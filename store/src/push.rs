//! Push-style ingest: the caller hands the bytes of a stream over as they
//! arrive, instead of the store pulling them through [`std::io::Read`].
//!
//! The pull ingest ([`Store::ingest`]) blocks its thread on its source for
//! as long as the source takes; fed from a network client, a slow uploader
//! then holds a thread for the whole upload. Here nothing waits: the
//! caller gathers bytes however it likes (an async task, say) and calls
//! [`IngestWriter::write`] with each batch, a short blocking call that cuts
//! the complete chunks it can, hashes and stores them, and keeps the
//! unfinished tail (fewer than `max` bytes) for the next write.
//!
//! The cut points are the streaming chunker's for the same bytes, however
//! the stream is split into writes: a cut is taken only where at least
//! `max` bytes from the chunk's start are in hand, which is all FastCDC
//! ever looks at, and the tail is cut at [`IngestWriter::finish`] as the
//! streaming chunker cuts its last buffer.
//!
//! The MD5s (of the whole stream, the S3 ETag, and of each new chunk) and
//! each new chunk's CRC64NVME are left to an [`Md5Stage`] that the caller runs
//! where it likes, typically in its own blocking job alongside the next
//! write: each write's [`Cut`] goes to [`Md5Stage::hash`], and the
//! [`Digests`] it returns go back to the writer, which indexes new chunks
//! once their sums are known. So an upload keeps the two stages side by
//! side as the pull ingest does, with no thread of its own.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use fastcdc::v2020::{FastCDC, Normalization};

use crate::Store;
use crate::error::{Error, Result};
use crate::ingest::{
    ChunkSums, EtagKind, INDEX_BATCH, Ingested, NewChunk, PinGuard, Place, Sums, store_new,
};
use crate::manifest::{ChunkRef, Manifest};
use crate::names::ChunkId;

/// Chunks cut by the writes since the last [`IngestWriter::cut`], in
/// stream order, each with whether it is new to the store (its own MD5 is
/// then wanted): the input of [`Md5Stage::hash`].
#[derive(Default)]
pub struct Cut(Vec<(Arc<Vec<u8>>, bool)>);

impl Cut {
    /// Bytes in these chunks.
    pub fn len(&self) -> usize {
        self.0.iter().map(|(d, _)| d.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The sums (MD5, CRC64NVME) of the new chunks of a [`Cut`], in order.
#[derive(Default)]
pub struct Digests(Vec<ChunkSums>);

/// The MD5 side of a push ingest: the MD5 of the whole stream, and the MD5
/// and CRC64NVME of each new chunk, the MD5s in one interleaved pass
/// (`md5x2`), as the pull ingest's helper thread computes them.
pub struct Md5Stage {
    sums: Sums,
}

impl Default for Md5Stage {
    fn default() -> Md5Stage {
        Md5Stage {
            sums: Sums::new(EtagKind::Md5),
        }
    }
}

impl Md5Stage {
    /// Hashes the chunks of a cut, which must come in stream order.
    pub fn hash(&mut self, cut: &Cut) -> Digests {
        Digests(
            cut.0
                .iter()
                .filter_map(|(data, new)| self.sums.chunk(data, *new))
                .collect(),
        )
    }
}

/// A stream chunked and stored by a push ingest, not committed yet: commit
/// it with [`Store::put_staged`] or [`Store::put_part_staged`].
pub struct Staged(pub(crate) Ingested);

impl Staged {
    /// The stream's length.
    pub fn size(&self) -> u64 {
        self.0.size()
    }

    /// The MD5 of the whole stream.
    pub fn md5(&self) -> [u8; 16] {
        self.0.md5()
    }
}

/// The storing side of a push ingest (see the module's header).
pub struct IngestWriter {
    store: Store,
    min: u32,
    avg: u32,
    max: u32,
    /// Bytes not cut yet: fewer than `max` between writes.
    tail: Vec<u8>,
    pins: PinGuard,
    chunks: Vec<ChunkRef>,
    /// Chunks this stream has met, so that a repeat is not stored twice.
    seen: HashSet<ChunkId>,
    /// Chunks cut since the last [`cut`](Self::cut).
    cut: Cut,
    /// New chunks stored, in order, their sums not known yet.
    waiting: VecDeque<(ChunkId, Place)>,
    /// New chunks with their sums, not indexed yet.
    ready: Vec<NewChunk>,
}

impl Store {
    /// Starts a push ingest: the writer that cuts and stores, and the MD5
    /// stage that goes with it.
    pub fn ingest_push(&self) -> (IngestWriter, Md5Stage) {
        let c = self.inner.config.chunker;
        let writer = IngestWriter {
            store: self.clone(),
            min: c.min,
            avg: c.avg,
            max: c.max,
            tail: Vec::new(),
            pins: PinGuard::new(self),
            chunks: Vec::new(),
            seen: HashSet::new(),
            cut: Cut::default(),
            waiting: VecDeque::new(),
            ready: Vec::new(),
        };
        (writer, Md5Stage::default())
    }
}

impl IngestWriter {
    /// Adds bytes to the stream: cuts every chunk that the bytes in hand
    /// decide, and stores the new ones. Blocking (it may write to a pack).
    pub fn write(&mut self, data: &[u8]) -> Result<()> {
        self.tail.extend_from_slice(data);
        let max = self.max as usize;
        if self.tail.len() < max {
            return Ok(());
        }
        let cut = self.cut_tail(false);
        self.store_all(cut)
    }

    /// Cuts chunks off the front of the tail: while at least `max` bytes
    /// are in hand (the cut is then the one the streaming chunker makes),
    /// or, at the end of the stream, until nothing is left.
    fn cut_tail(&mut self, end: bool) -> Vec<Vec<u8>> {
        let max = self.max as usize;
        let mut out = Vec::new();
        let mut start = 0;
        {
            let cdc = FastCDC::with_level(
                &self.tail,
                self.min,
                self.avg,
                self.max,
                Normalization::Level1,
            );
            let len = self.tail.len();
            while len - start >= max || (end && start < len) {
                let (_, next) = cdc.cut(start, len - start);
                out.push(self.tail[start..next].to_vec());
                start = next;
            }
        }
        self.tail.drain(..start);
        out
    }

    fn store_all(&mut self, chunks: Vec<Vec<u8>>) -> Result<()> {
        for data in chunks {
            self.store_chunk(Arc::new(data))?;
        }
        Ok(())
    }

    /// Stores one chunk unless the store, or this stream, already has it.
    fn store_chunk(&mut self, data: Arc<Vec<u8>>) -> Result<()> {
        let inner = &self.store.inner;
        let id = ChunkId::of(&data);
        let len = data.len() as u32;
        self.chunks.push(ChunkRef { id, len });
        let (new, heals) = crate::ingest::to_store(inner, id, &mut self.seen, &mut self.pins)?;
        self.cut.0.push((data.clone(), new));
        if !new {
            return Ok(());
        }
        let place = store_new(inner, &id, data, heals)?;
        self.waiting.push_back((id, place));
        Ok(())
    }

    /// Takes the chunks cut since the last call, for [`Md5Stage::hash`].
    pub fn cut(&mut self) -> Cut {
        std::mem::take(&mut self.cut)
    }

    /// Takes the sums of the new chunks of an earlier [`Cut`] (cuts go
    /// back in the order they were taken), and indexes new chunks once a
    /// batch of them is complete. Blocking (indexing syncs the packs).
    pub fn digested(&mut self, digests: Digests) -> Result<()> {
        self.pair(digests)?;
        if self.ready.len() >= INDEX_BATCH {
            let batch = std::mem::take(&mut self.ready);
            self.store.index(batch)?;
        }
        Ok(())
    }

    fn pair(&mut self, digests: Digests) -> Result<()> {
        for sums in digests.0 {
            let (id, place) = self.waiting.pop_front().ok_or_else(mismatch)?;
            self.ready.push((id, place, sums));
        }
        Ok(())
    }

    /// Ends the stream: cuts and stores the tail, hashes what `md5` has not
    /// seen yet (every earlier cut must have been hashed by it and its
    /// digests handed back), and returns the stored stream, ready to be
    /// committed. As with the pull ingest, through a durable handle the
    /// pack chunks are indexed here unless the last batch holds only small
    /// chunks, which the commit indexes.
    pub fn finish(mut self, mut md5: Md5Stage) -> Result<Staged> {
        let rest = self.cut_tail(true);
        self.store_all(rest)?;
        let cut = self.cut();
        let digests = md5.hash(&cut);
        self.pair(digests)?;
        if !self.waiting.is_empty() {
            return Err(mismatch());
        }
        let last = std::mem::take(&mut self.ready);
        let unindexed = if self.store.lazy
            || last
                .iter()
                .all(|(_, place, _)| matches!(place, Place::Meta(_)))
        {
            last
        } else {
            self.store.index(last)?;
            Vec::new()
        };
        let chunks = std::mem::take(&mut self.chunks);
        let (md5, crc64nvme) = md5.sums.finish();
        Ok(Staged(Ingested {
            manifest: Manifest::new(chunks),
            md5,
            crc64nvme,
            unindexed,
            pins: self.pins,
        }))
    }

    /// Gives the stream up: indexes, with no references, the chunks it
    /// appended to packs whose sums are known, so that GC frees them as it
    /// frees any chunk whose writer gave up (see `Store::salvage`). Hash
    /// the last [`Cut`] and hand its digests back first, or its new pack
    /// chunks are left to compaction. Best effort.
    pub fn abandon(mut self) {
        let mut batch = std::mem::take(&mut self.ready);
        batch.retain(|(_, place, _)| matches!(place, Place::Pack(_)));
        if let Err(e) = self.store.index(batch) {
            tracing::debug!("chunks of an abandoned stream left to compaction: {e}");
        }
    }
}

fn mismatch() -> Error {
    Error::Io(std::io::Error::other(
        "push ingest: digests do not match the chunks cut",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunker::ChunkerConfig;
    use proptest::prelude::*;
    use rand::{RngCore, SeedableRng, rngs::StdRng};

    fn seeded(len: usize, seed: u64) -> Vec<u8> {
        let mut data = vec![0u8; len];
        StdRng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), crate::Config::default()).unwrap();
        (dir, store)
    }

    /// Pushes `data` split at `splits` (offsets, any order), hashing each
    /// cut after the next write as an S3 upload does.
    fn push(store: &Store, data: &[u8], splits: &[usize]) -> Staged {
        let mut at: Vec<usize> = splits.iter().map(|s| s % (data.len() + 1)).collect();
        at.push(0);
        at.push(data.len());
        at.sort_unstable();
        let (mut w, mut md5) = store.ingest_push();
        let mut behind: Option<Cut> = None;
        for pair in at.windows(2) {
            w.write(&data[pair[0]..pair[1]]).unwrap();
            if let Some(cut) = behind.take() {
                w.digested(md5.hash(&cut)).unwrap();
            }
            behind = Some(w.cut());
        }
        if let Some(cut) = behind {
            w.digested(md5.hash(&cut)).unwrap();
        }
        w.finish(md5).unwrap()
    }

    fn md5_of(data: &[u8]) -> [u8; 16] {
        use md5::Digest;
        md5::Md5::digest(data).into()
    }

    fn pull(store: &Store, data: &[u8]) -> Ingested {
        store.ingest(data, EtagKind::Md5).unwrap()
    }

    fn lens(m: &Manifest) -> Vec<(ChunkId, u32)> {
        m.chunks().iter().map(|c| (c.id, c.len)).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// For any split of the input into writes, the push ingest cuts
        /// exactly the chunks the streaming chunker cuts, and computes the
        /// same MD5.
        #[test]
        fn cuts_equal_the_streaming_chunkers(
            len in 0usize..1_500_000,
            seed in any::<u64>(),
            splits in prop::collection::vec(any::<usize>(), 0..40),
        ) {
            let data = seeded(len, seed);
            let (_d1, a) = store();
            let (_d2, b) = store();
            let pushed = push(&a, &data, &splits);
            let pulled = pull(&b, &data);
            prop_assert_eq!(lens(&pushed.0.manifest), lens(&pulled.manifest));
            prop_assert_eq!(pushed.0.md5, pulled.md5);
            let expected = md5_of(&data);
            prop_assert_eq!(pushed.0.md5, Some(expected));
        }
    }

    /// Small chunk bounds and a stream of many tiny writes: boundaries still
    /// match, with many chunks per write.
    #[test]
    fn tiny_writes_and_small_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = crate::Config {
            chunker: ChunkerConfig {
                min: 64,
                avg: 256,
                max: 1024,
            },
            ..crate::Config::default()
        };
        let store = Store::open(dir.path(), cfg).unwrap();
        let data = seeded(300_000, 9);
        let splits: Vec<usize> = (0..data.len()).step_by(777).collect();
        let pushed = push(&store, &data, &splits);
        let pulled = pull(&store, &data);
        assert_eq!(lens(&pushed.0.manifest), lens(&pulled.manifest));
        assert!(pushed.0.manifest.chunks().len() > 200);
    }

    /// What a push ingest stores commits and reads back, and a second push
    /// of the same bytes stores nothing new.
    #[test]
    fn staged_commits_and_reads_back() {
        let (_d, store) = store();
        store.create_bucket("bkt").unwrap();
        let data = seeded(3 << 20, 5);
        let staged = push(&store, &data, &[100_000, 1 << 20, 2 << 20]);
        let info = store
            .put_staged("bkt", "k", staged, crate::PutOptions::default())
            .unwrap();
        assert_eq!(info.etag, hex::encode(md5_of(&data)));
        let mut got = Vec::new();
        std::io::Read::read_to_end(
            &mut store
                .get_object("bkt", "k", crate::At::Current, None)
                .unwrap(),
            &mut got,
        )
        .unwrap();
        assert_eq!(got, data);
        let (mut w, mut md5) = store.ingest_push();
        w.write(&data).unwrap();
        let cut = w.cut();
        let digests = md5.hash(&cut);
        assert!(digests.0.is_empty(), "every chunk is already stored");
        w.digested(digests).unwrap();
        let again = w.finish(md5).unwrap();
        assert_eq!(again.md5(), md5_of(&data));
    }
}
