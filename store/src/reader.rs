//! Reading an object's data as a stream.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::ingest::PinGuard;
use crate::manifest::{ChunkRef, Manifest};
use crate::meta::keys;
use crate::names::ChunkId;
use crate::objects::{At, ByteRange, ObjectInfo, resolve};
use crate::packs::keeps_reserve;
use crate::records::{ChunkRecord, VersionRecord};
use crate::{Inner, Store};

/// A version's data (or a range of it) as a [`Read`]. Holds one chunk in
/// memory at a time; every chunk is verified against its checksum before
/// any of its bytes are returned. The chunks ahead, up to 4 MiB
/// (`READ_AHEAD`) but never past the range, are announced to the pack
/// storage so the disk reads them while earlier ones are consumed.
pub struct ObjectReader {
    store: Store,
    info: ObjectInfo,
    /// Shared with the readers [`another`](Self::another) made.
    manifest: Arc<Manifest>,
    /// The chunks of the range, kept from GC for as long as the reader
    /// lives: a GET slower than the grace period, or a file the mount holds
    /// open, reads what it opened although a DELETE came in between.
    /// Shared with the [`PinnedVersion`] the reader comes from, if any.
    _pins: Arc<PinGuard>,
    pos: u64,
    start: u64,
    end: u64,
    /// The chunk last read, with its index in the manifest.
    chunk: Option<(usize, Vec<u8>)>,
    /// Chunks below this index have been announced for reading ahead.
    announced: usize,
    /// The chunk read last, and how many chunks in a row before it were
    /// each the one after the previous: reading ahead is for sequential
    /// readers, not for random reads at scattered offsets.
    last: Option<usize>,
    streak: u32,
}

/// A version whose chunks are kept from GC for as long as this lives,
/// whatever happens to its key: the mount keeps an unlinked file readable
/// through its open descriptors with one. Nothing of it is stored, so a
/// crash leaves nothing behind; once it is dropped, chunks no version
/// references are freed by the next GC.
pub struct PinnedVersion {
    store: Store,
    info: ObjectInfo,
    manifest: Arc<Manifest>,
    pins: Arc<PinGuard>,
}

impl PinnedVersion {
    /// The version kept.
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// A reader over the whole version.
    pub fn reader(&self) -> ObjectReader {
        // The pins are shared, so that the reader may outlive this.
        ObjectReader::new(
            self.store.clone(),
            self.info.clone(),
            self.manifest.clone(),
            (0, self.info.size),
            self.pins.clone(),
        )
    }
}

/// How many times a read resolves a key again when the version it found
/// went before its chunks were pinned, before it resolves under the commit
/// lock.
const PIN_TRIES: usize = 4;

impl Store {
    /// Pins the chunks of a version, which must be live (so that its
    /// references hold them while the pins are taken).
    pub fn pin_version(&self, bucket: &str, key: &str, at: At<'_>) -> Result<PinnedVersion> {
        let (rec, _, pins) = self.resolve_pinned(bucket, key, at, None)?;
        Ok(PinnedVersion {
            store: self.clone(),
            info: ObjectInfo::of(key, &rec),
            manifest: Arc::new(rec.manifest),
            pins: Arc::new(pins),
        })
    }

    /// Resolves a version and pins the chunks of `range` in it (all of
    /// them without one): the version, the range resolved against its
    /// size, and the pins.
    ///
    /// A version's references hold its chunks while its record exists (the
    /// commit that removes the record drops them), so a version still there
    /// once its chunks are pinned had them held throughout; one that went in
    /// between may have lost them to GC, and the key is resolved again.
    /// That happens only when a delete lands within the microseconds
    /// between the two reads; should it happen again and again, the last
    /// try resolves under the commit lock, which no delete can pass.
    pub(crate) fn resolve_pinned(
        &self,
        bucket: &str,
        key: &str,
        at: At<'_>,
        range: Option<ByteRange>,
    ) -> Result<(VersionRecord, (u64, u64), PinGuard)> {
        for attempt in 1..=PIN_TRIES {
            let _commits = (attempt == PIN_TRIES).then(|| self.inner.meta.begin());
            let rec = resolve(self, bucket, key, at)?;
            let (start, end) = match range {
                Some(r) => r.resolve(rec.size)?,
                None => (0, rec.size),
            };
            let mut pins = PinGuard::chunks_only(self);
            pins.pin_chunks(chunks_within(&rec.manifest, start, end));
            if attempt == PIN_TRIES
                || self
                    .inner
                    .meta
                    .get(&keys::version(bucket, key, rec.seq))?
                    .is_some()
            {
                return Ok((rec, (start, end), pins));
            }
        }
        unreachable!("the last try returns")
    }
}

/// The chunks of a manifest that hold bytes of `start..end`.
fn chunks_within(manifest: &Manifest, start: u64, end: u64) -> &[ChunkRef] {
    if start >= end {
        return &[];
    }
    let first = manifest.chunk_at(start).expect("start is below the end");
    let last = manifest
        .chunk_at(end - 1)
        .expect("end is within the object");
    &manifest.chunks()[first..=last]
}

/// How far ahead of the chunk being read the reader announces chunks.
const READ_AHEAD: u64 = 4 << 20;

impl ObjectReader {
    /// A reader over `start..end` of a version, whose chunks in that range
    /// `pins` holds.
    pub(crate) fn new(
        store: Store,
        info: ObjectInfo,
        manifest: Arc<Manifest>,
        (start, end): (u64, u64),
        pins: Arc<PinGuard>,
    ) -> ObjectReader {
        ObjectReader {
            store,
            info,
            manifest,
            _pins: pins,
            pos: start,
            start,
            end,
            chunk: None,
            announced: 0,
            last: None,
            streak: 0,
        }
    }

    /// The version being read.
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// A second reader over the same version and range, at its start, with
    /// nothing read yet; it shares this one's manifest and pins, so it
    /// costs no lookup. Several readers serve concurrent reads of one
    /// file (the kernel's read-ahead sends a few at once) side by side.
    pub fn another(&self) -> ObjectReader {
        ObjectReader::new(
            self.store.clone(),
            self.info.clone(),
            self.manifest.clone(),
            (self.start, self.end),
            self._pins.clone(),
        )
    }

    /// Where the next read starts, relative to the start of the range.
    pub fn position(&self) -> u64 {
        self.pos - self.start
    }

    /// The range being read: `start..end`.
    pub fn range(&self) -> (u64, u64) {
        (self.start, self.end)
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> u64 {
        self.end - self.pos
    }

    /// The next piece of the data: at most `max` bytes, never crossing a
    /// chunk, so that a whole chunk comes out as the buffer it was read
    /// into, without a copy. `None` at the end of the range.
    pub fn next_piece(&mut self, max: usize) -> io::Result<Option<Vec<u8>>> {
        if self.pos >= self.end || max == 0 {
            return Ok(None);
        }
        let index = self
            .manifest
            .chunk_at(self.pos)
            .expect("pos is below the end, which is within the object");
        let within = (self.pos - self.manifest.chunk_start(index)) as usize;
        let chunk_len = self.manifest.chunks()[index].len as usize;
        let n = (chunk_len - within)
            .min((self.end - self.pos) as usize)
            .min(max);
        let cached = self.chunk.as_ref().is_some_and(|(i, _)| *i == index);
        let piece = if within == 0 && n == chunk_len && !cached {
            self.read_ahead(index);
            self.store.read_chunk(&self.manifest.chunks()[index].id)?
        } else {
            self.fill(index)?;
            let data = &self.chunk.as_ref().expect("filled above").1;
            data[within..within + n].to_vec()
        };
        self.pos += n as u64;
        Ok(Some(piece))
    }

    fn fill(&mut self, index: usize) -> Result<()> {
        if self.chunk.as_ref().is_some_and(|(i, _)| *i == index) {
            return Ok(());
        }
        self.read_ahead(index);
        let id = self.manifest.chunks()[index].id;
        let data = self.store.read_chunk(&id)?;
        self.chunk = Some((index, data));
        Ok(())
    }

    /// Announces the chunks after `index` up to [`READ_AHEAD`] bytes past
    /// its start (within the range), once less than half of that is
    /// announced: a few calls per window, not one per chunk. Only when the
    /// reading is sequential: from the start of the range, or over three
    /// chunks in a row.
    fn read_ahead(&mut self, index: usize) {
        let first = self.last.is_none();
        match self.last {
            Some(last) if last == index => return,
            Some(last) if last + 1 == index => self.streak += 1,
            _ => {
                // A jump: what was announced around the old place is moot.
                self.streak = 0;
                self.announced = 0;
            }
        }
        self.last = Some(index);
        let at_start = first && self.manifest.chunk_at(self.start) == Some(index);
        if !at_start && self.streak < 2 {
            return;
        }
        let start = self.manifest.chunk_start(index);
        let limit = (start + READ_AHEAD).min(self.end);
        let from = self.announced.max(index + 1);
        let count = self.manifest.chunks().len();
        if from >= count || self.manifest.chunk_start(from) >= limit {
            return;
        }
        if from > index + 1 && self.manifest.chunk_start(from) - start >= READ_AHEAD / 2 {
            return;
        }
        let mut to = from;
        while to < count && self.manifest.chunk_start(to) < limit {
            to += 1;
        }
        self.store
            .prefetch_chunks(&self.manifest.chunks()[from..to]);
        self.announced = to;
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let bytes = self.take(buf.len())?;
        buf[..bytes.len()].copy_from_slice(bytes);
        Ok(bytes.len())
    }
}

impl ObjectReader {
    /// Appends at most `max` of the next bytes to `out`, as
    /// [`Read::read`] would copy them into a buffer but without one to
    /// zero first; the bytes appended, 0 at the end of the range.
    pub fn append_to(&mut self, out: &mut Vec<u8>, max: usize) -> io::Result<usize> {
        let bytes = self.take(max)?;
        out.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    /// At most `max` of the next bytes, from the chunk they are in (read
    /// and verified first if it is not the one held); empty at the end of
    /// the range.
    fn take(&mut self, max: usize) -> io::Result<&[u8]> {
        if self.pos >= self.end || max == 0 {
            return Ok(&[]);
        }
        let index = self
            .manifest
            .chunk_at(self.pos)
            .expect("pos is below the end, which is within the object");
        self.fill(index)?;
        let within = (self.pos - self.manifest.chunk_start(index)) as usize;
        let data = &self.chunk.as_ref().expect("filled above").1;
        let n = (data.len() - within)
            .min((self.end - self.pos) as usize)
            .min(max);
        self.pos += n as u64;
        Ok(&data[within..within + n])
    }
}

impl Seek for ObjectReader {
    /// Seeks within the range being read; offsets are relative to its start.
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let len = self.end - self.start;
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => (self.pos - self.start).checked_add_signed(d),
            SeekFrom::End(d) => len.checked_add_signed(d),
        };
        match target {
            Some(t) => {
                self.pos = self.start + t.min(len);
                Ok(t.min(len))
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before start",
            )),
        }
    }
}

impl Store {
    /// Tells the pack storage that these chunks will be read soon.
    pub(crate) fn prefetch_chunks(&self, chunks: &[ChunkRef]) {
        let mut locs = Vec::with_capacity(chunks.len());
        for c in chunks {
            if let Ok(Some(rec)) = self.inner.meta.get_rec::<ChunkRecord>(&keys::chunk(&c.id)) {
                locs.extend(rec.location());
            }
        }
        self.inner.packs.prefetch(&locs);
    }

    /// Reads and verifies one chunk. If compaction moved it between the
    /// index read and the pack read, the read is retried at its new place.
    /// A chunk a scrub recorded damaged fails as a chunk whose bytes do not
    /// verify does, whatever its checksum says, until a write heals it.
    pub(crate) fn read_chunk(&self, id: &ChunkId) -> Result<Vec<u8>> {
        self.inner.meta.activity.note();
        if self.inner.is_damaged(id)? {
            return Err(Error::Corrupt {
                chunk: *id,
                detail: "a scrub found its bytes damaged; storing the same data again heals it"
                    .into(),
            });
        }
        let mut last = None;
        for _ in 0..3 {
            let rec: ChunkRecord = self
                .inner
                .meta
                .get_rec(&keys::chunk(id))?
                .ok_or(Error::MissingChunk(*id))?;
            match self.inner.read_located(id, &rec) {
                Err(Error::Io(e)) if e.kind() == io::ErrorKind::NotFound => last = Some(e),
                other => return other,
            }
        }
        Err(Error::Io(last.expect("the loop ran")))
    }
}

impl Inner {
    /// Reads a chunk from where its index record says it is, and verifies
    /// it: a pack record against its header and CRC-32C; a chunk kept in
    /// the metadata database (at most a few KiB) against its id in full.
    pub(crate) fn read_located(&self, id: &ChunkId, rec: &ChunkRecord) -> Result<Vec<u8>> {
        if let Some(loc) = rec.location() {
            return self.packs.read(id, &loc);
        }
        let data = self
            .meta
            .get(&keys::chunk_data(id))?
            .ok_or_else(|| Error::Corrupt {
                chunk: *id,
                detail: "its bytes are missing from the metadata database".into(),
            })?;
        if data.len() != rec.len as usize || ChunkId::of(&data) != *id {
            return Err(Error::Corrupt {
                chunk: *id,
                detail: "bytes in the metadata database do not match the chunk id".into(),
            });
        }
        Ok(data)
    }

    /// Refuses to put `len` more bytes into the metadata database if that
    /// would eat into the room kept free for it (`Config::reserved_bytes`),
    /// as pack appends are refused.
    pub(crate) fn check_meta_room(&self, len: u64) -> Result<()> {
        let reserve = self.config.reserved_bytes;
        if reserve == 0 {
            return Ok(());
        }
        let vfs = rustix::fs::statvfs(&self.dir).map_err(io::Error::from)?;
        keeps_reserve(&vfs, reserve, len)
    }
}
