//! Rewriting parts of an object without reading or writing the rest.
//!
//! A file edited in place (the mount's out-of-order writes, a truncate, an
//! append) becomes a new version built from its base version's manifest:
//! every chunk untouched by the edit is referenced as it is; each run of
//! chunks the edit touches — or the tail it grows — is re-chunked from the
//! base's bytes merged with the new ones. So an edit of 1 MiB in a 10 GiB
//! file reads and writes a few chunks around that 1 MiB, never the 10 GiB.
//!
//! The new version is a file written through the mount, as a whole write
//! is: its ETag is `hex(md5(chunk ids))-N`, from the ids alone, and its
//! full-object CRC64NVME is combined from the CRCs its chunks' records
//! keep, so no edit re-reads the file to hash it and none computes an MD5.

use std::collections::HashMap;
use std::io::{self, Read};

use crate::Store;
use crate::crc::{CRC64NVME, set_checksum};
use crate::error::{Error, Result};
use crate::ingest::{EtagKind, PinGuard, chunk_ids_etag};
use crate::manifest::{ChunkRef, Manifest};
use crate::meta::keys;
use crate::names::ChunkId;
use crate::objects::{At, CopyMetadata, CopySource, ObjectInfo, WriteCondition};
use crate::records::{ChunkRecord, ObjectMeta};

/// The new bytes of an edit: `dirty` ranges (sorted, not overlapping,
/// `start..end`) whose content `read_at` gives.
pub struct Overlay<'a> {
    pub dirty: &'a [(u64, u64)],
    /// Parts of the dirty ranges known to read as zeros (punched holes, a
    /// shrink followed by a grow): sorted, not overlapping. A long run of
    /// them costs one block of zeros, not its length in chunking.
    pub zeros: &'a [(u64, u64)],
    /// Fills `buf` with the new bytes at `offset`, which lies in a dirty
    /// range, as is all of `buf`.
    pub read_at: &'a mut dyn FnMut(u64, &mut [u8]) -> io::Result<()>,
}

/// What an edit is applied to and what it makes.
pub struct EditRequest<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    /// The version the edit starts from; `None` for a new, empty file.
    pub base: Option<At<'a>>,
    /// The size of the new version.
    pub size: u64,
    pub meta: ObjectMeta,
    pub condition: Option<WriteCondition>,
}

/// A copy of part of one object appended to another (or to nothing):
/// see [`Store::append_copy`].
pub struct AppendCopy<'a> {
    pub src: CopySource<'a>,
    /// Where in the source the bytes start.
    pub from: u64,
    pub len: u64,
    pub bucket: &'a str,
    pub key: &'a str,
    /// The version the bytes are appended to; `None` for an empty one.
    pub base: Option<At<'a>>,
    pub meta: ObjectMeta,
    pub condition: Option<WriteCondition>,
}

/// The block a hole is made of: chunked once per edit, then repeated.
const ZERO_BLOCK: u64 = 1 << 20;

/// A part of an edited span: bytes to chunk (`start..end`), or whole
/// blocks of zeros.
#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Bytes(u64, u64),
    ZeroBlocks(u64),
}

/// Splits the span `start..end` of a file whose base is `base_size` long
/// into bytes to chunk and holes: runs that read as zeros, either past the
/// base's end where no dirty range touches or inside `zeros`. A hole
/// shorter than two blocks is chunked as bytes; a longer one ends in as many
/// whole blocks as fit, and its first bytes (less than a block) are chunked
/// with what comes before them.
fn segments(
    start: u64,
    end: u64,
    base_size: u64,
    dirty: &[(u64, u64)],
    zeros: &[(u64, u64)],
) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut cursor = start;
    for (hole_start, hole_end) in zero_runs(start, end, base_size, dirty, zeros) {
        if hole_end - hole_start >= 2 * ZERO_BLOCK {
            let blocks = (hole_end - hole_start) / ZERO_BLOCK;
            let blocks_start = hole_end - blocks * ZERO_BLOCK;
            if cursor < blocks_start {
                out.push(Segment::Bytes(cursor, blocks_start));
            }
            out.push(Segment::ZeroBlocks(blocks));
            cursor = hole_end;
        }
    }
    if cursor < end {
        out.push(Segment::Bytes(cursor, end));
    }
    out
}

/// The maximal runs of `start..end` known to read as zeros, in order: the
/// gaps between dirty ranges past the base's end, and the `zeros` ranges.
fn zero_runs(
    start: u64,
    end: u64,
    base_size: u64,
    dirty: &[(u64, u64)],
    zeros: &[(u64, u64)],
) -> Vec<(u64, u64)> {
    let mut runs = Vec::new();
    let first = start.max(base_size);
    let mut gap_start = first;
    let bounds = dirty
        .iter()
        .filter(|(s, e)| *e > first && *s < end)
        .map(|&(s, e)| (s.max(first), e.min(end)))
        .chain(std::iter::once((end, end)));
    for (d_start, d_end) in bounds {
        if d_start > gap_start {
            runs.push((gap_start, d_start));
        }
        gap_start = gap_start.max(d_end);
    }
    runs.extend(
        zeros
            .iter()
            .map(|&(s, e)| (s.max(start), e.min(end)))
            .filter(|(s, e)| s < e),
    );
    runs.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(runs.len());
    for (s, e) in runs {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Bytes of an edited span, read in order: new bytes where dirty, the
/// base's bytes where not, zeros past the base's end.
struct SpanReader<'s, 'o> {
    store: &'s Store,
    base: &'s Manifest,
    overlay: &'s mut Overlay<'o>,
    pos: u64,
    end: u64,
    /// The base chunk last read, with its index.
    cached: Option<(usize, Vec<u8>)>,
}

impl Read for SpanReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.end || buf.is_empty() {
            return Ok(0);
        }
        let want = (buf.len() as u64).min(self.end - self.pos);
        // Inside a dirty range: up to its end.
        if let Some(&(_, d_end)) = self
            .overlay
            .dirty
            .iter()
            .find(|(s, e)| *s <= self.pos && self.pos < *e)
        {
            let n = want.min(d_end - self.pos) as usize;
            (self.overlay.read_at)(self.pos, &mut buf[..n])?;
            self.pos += n as u64;
            return Ok(n);
        }
        // Outside: up to the next dirty range.
        let next_dirty = self
            .overlay
            .dirty
            .iter()
            .map(|(s, _)| *s)
            .find(|s| *s > self.pos)
            .unwrap_or(u64::MAX);
        let limit = want.min(next_dirty - self.pos);
        if self.pos >= self.base.size() {
            let n = limit as usize;
            buf[..n].fill(0);
            self.pos += n as u64;
            return Ok(n);
        }
        let index = self.base.chunk_at(self.pos).expect("below the base's size");
        if self.cached.as_ref().is_none_or(|(i, _)| *i != index) {
            let id = self.base.chunks()[index].id;
            let data = self.store.read_chunk(&id).map_err(io::Error::from)?;
            self.cached = Some((index, data));
        }
        let data = &self.cached.as_ref().expect("filled above").1;
        let within = (self.pos - self.base.chunk_start(index)) as usize;
        let n = (limit as usize).min(data.len() - within);
        buf[..n].copy_from_slice(&data[within..within + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Store {
    /// Commits an edit of an object as a new version, re-chunking only the
    /// chunks the edit touches. Returns the new version.
    pub fn write_edit(&self, req: EditRequest<'_>, mut overlay: Overlay<'_>) -> Result<ObjectInfo> {
        crate::names::validate_writable_key(req.key)?;
        self.head_bucket(req.bucket)?;
        if overlay.dirty.windows(2).any(|w| w[0].1 > w[1].0)
            || overlay.dirty.iter().any(|(s, e)| s >= e || *e > req.size)
        {
            return Err(Error::InvalidArgument(
                "dirty ranges must be sorted, disjoint, non-empty and within the new size".into(),
            ));
        }
        let within_dirty = |&(s, e): &(u64, u64)| {
            s < e && overlay.dirty.iter().any(|(ds, de)| *ds <= s && e <= *de)
        };
        if overlay.zeros.windows(2).any(|w| w[0].1 > w[1].0)
            || !overlay.zeros.iter().all(within_dirty)
        {
            return Err(Error::InvalidArgument(
                "zero ranges must be sorted, disjoint, non-empty and inside dirty ranges".into(),
            ));
        }
        // Pin the base's chunks: the new version will reference them.
        let mut guards = vec![PinGuard::new(self)];
        let base = match req.base {
            Some(at) => {
                let (rec, _, pins) = self.resolve_pinned(req.bucket, req.key, at, None)?;
                guards.push(pins);
                rec.manifest
            }
            None => Manifest::default(),
        };

        // Base chunks kept whole: inside the new size and touching no dirty
        // range. Everything else is re-chunked, in maximal runs.
        let touched = |start: u64, end: u64| {
            end > req.size || overlay.dirty.iter().any(|(s, e)| *s < end && start < *e)
        };
        let mut chunks: Vec<ChunkRef> = Vec::new();
        let mut span_start: Option<u64> = None;
        let mut pos = 0u64;
        let mut spans: Vec<(usize, u64, u64)> = Vec::new();
        for (i, c) in base.chunks().iter().enumerate() {
            let (start, end) = (base.chunk_start(i), base.chunk_start(i) + u64::from(c.len));
            if start >= req.size {
                break;
            }
            if touched(start, end) {
                span_start.get_or_insert(start);
            } else {
                if let Some(s) = span_start.take() {
                    spans.push((chunks.len(), s, start));
                }
                chunks.push(*c);
            }
            pos = end.min(req.size);
        }
        // The last run of touched chunks, and whatever the edit adds past
        // the base's end, make one span up to the new size.
        let tail_start = span_start.unwrap_or(pos);
        if tail_start < req.size {
            spans.push((chunks.len(), tail_start, req.size));
        }
        // Re-chunk each span and splice it in at its place (later spans
        // first, so earlier insertion points stay valid). A long hole (zeros
        // past the base's end that no write touched, or a range the overlay
        // knows is zeros) is not chunked byte by byte: it is one block of
        // zeros, chunked once, repeated.
        let mut zero_block: Option<Vec<ChunkRef>> = None;
        let mut pieces = Vec::with_capacity(spans.len());
        for &(at, start, end) in &spans {
            let mut new = Vec::new();
            for segment in segments(start, end, base.size(), overlay.dirty, overlay.zeros) {
                match segment {
                    Segment::Bytes(from, to) => {
                        let reader = SpanReader {
                            store: self,
                            base: &base,
                            overlay: &mut overlay,
                            pos: from,
                            end: to,
                            cached: None,
                        };
                        new.extend_from_slice(&self.ingest_indexed(reader, &mut guards)?);
                    }
                    Segment::ZeroBlocks(n) => {
                        if zero_block.is_none() {
                            let zeros = io::repeat(0).take(ZERO_BLOCK);
                            zero_block = Some(self.ingest_indexed(zeros, &mut guards)?);
                        }
                        let block = zero_block.as_deref().expect("set above");
                        for _ in 0..n {
                            new.extend_from_slice(block);
                        }
                    }
                }
            }
            pieces.push((at, new));
        }
        for (at, new) in pieces.into_iter().rev() {
            chunks.splice(at..at, new);
        }
        let manifest = Manifest::new(chunks);
        debug_assert_eq!(manifest.size(), req.size);
        self.commit_composite(
            req.bucket,
            req.key,
            manifest,
            req.meta,
            req.condition,
            guards,
        )
    }

    /// Appends bytes `from..from + len` of a source version to a base (or
    /// to nothing) as a new version of `req.key`: the source's chunks that
    /// lie wholly in the range are referenced, and only the one or two it
    /// cuts are read and re-chunked, so a copy costs no more than two
    /// chunks whatever its length. The ETag and checksum are a mount
    /// write's (see the module's header), except for a whole object copied
    /// onto nothing, which is a plain [`copy_object`](Store::copy_object)
    /// with the source's ETag and checksums. This is
    /// `copy_file_range` in the mount; a copy in several steps (the kernel
    /// asks for at most 2 GiB at once) appends step by step.
    pub fn append_copy(&self, req: AppendCopy<'_>) -> Result<ObjectInfo> {
        crate::names::validate_writable_key(req.key)?;
        self.head_bucket(req.bucket)?;
        let (source, _, source_pins) =
            self.resolve_pinned(req.src.bucket, req.src.key, req.src.at, None)?;
        let end = req
            .from
            .checked_add(req.len)
            .filter(|end| *end <= source.manifest.size())
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "bytes {}..+{} of an object of {}",
                    req.from,
                    req.len,
                    source.manifest.size()
                ))
            })?;
        let mut guards = vec![PinGuard::new(self), source_pins];
        let base = match req.base {
            Some(at) => {
                let (rec, _, pins) = self.resolve_pinned(req.bucket, req.key, at, None)?;
                guards.push(pins);
                rec.manifest
            }
            None => Manifest::default(),
        };
        if base.size() == 0 && req.from == 0 && end == source.manifest.size() {
            // The bytes are the source's: so are their checksums, not what
            // the destination's metadata carried.
            let mut meta = req.meta;
            meta.extra
                .retain(|k, _| !k.starts_with(crate::crc::CHECKSUM_PREFIX));
            meta.extra.extend(
                source
                    .meta
                    .extra
                    .iter()
                    .filter(|(k, _)| k.starts_with(crate::crc::CHECKSUM_PREFIX))
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            // Resolved again under the commit lock, by the same view (a
            // version id would not do: `null` names the current version,
            // not a snapshot's hidden one).
            let info = self.copy_object(
                req.src,
                req.bucket,
                req.key,
                CopyMetadata::Replace(meta),
                req.condition,
            )?;
            return Ok(info);
        }
        let mut chunks = base.chunks().to_vec();
        let src = &source.manifest;
        for (i, c) in src.chunks().iter().enumerate() {
            let (start, stop) = (src.chunk_start(i), src.chunk_start(i) + u64::from(c.len));
            if stop <= req.from || start >= end {
                continue;
            }
            if req.from <= start && stop <= end {
                chunks.push(*c);
                continue;
            }
            // A chunk the range cuts: its part inside, re-chunked.
            let data = self.read_chunk(&c.id)?;
            let (a, b) = (req.from.max(start) - start, end.min(stop) - start);
            chunks.extend_from_slice(
                &self.ingest_indexed(&data[a as usize..b as usize], &mut guards)?,
            );
        }
        let manifest = Manifest::new(chunks);
        debug_assert_eq!(manifest.size(), base.size() + req.len);
        self.commit_composite(
            req.bucket,
            req.key,
            manifest,
            req.meta,
            req.condition,
            guards,
        )
    }

    /// Chunks and stores `source`, as the mount stores bytes (no MD5), and
    /// indexes its new chunks at once (the version's CRC is combined from
    /// every chunk's record); its pins join `guards`.
    fn ingest_indexed(
        &self,
        source: impl Read,
        guards: &mut Vec<PinGuard>,
    ) -> Result<Vec<ChunkRef>> {
        let mut stored = self.ingest(source, EtagKind::ChunkIds)?;
        self.index(std::mem::take(&mut stored.unindexed))?;
        guards.push(stored.pins);
        Ok(stored.manifest.chunks().to_vec())
    }

    /// Commits `manifest` as a new version written through the mount: the
    /// chunk-id ETag and the combined CRC64NVME; `guards` pin its chunks
    /// until the commit holds its references.
    fn commit_composite(
        &self,
        bucket: &str,
        key: &str,
        manifest: Manifest,
        mut meta: ObjectMeta,
        condition: Option<WriteCondition>,
        guards: Vec<PinGuard>,
    ) -> Result<ObjectInfo> {
        let etag = chunk_ids_etag(&manifest);
        set_checksum(&mut meta, self.combined_crc(&manifest)?);
        let info = self.commit_manifest(bucket, key, manifest, &[], etag, meta, condition)?;
        drop(guards);
        Ok(info)
    }

    /// The CRC64NVME of a manifest's bytes, combined from its chunks'
    /// records: no data is read. `None` if a chunk's record has no CRC (it
    /// was stored before records kept one).
    fn combined_crc(&self, manifest: &Manifest) -> Result<Option<u64>> {
        let mut whole = 0;
        // A hole repeats the same few chunks thousands of times: their
        // records are read once.
        let mut known: HashMap<ChunkId, u64> = HashMap::new();
        for c in manifest.chunks() {
            let crc = match known.get(&c.id) {
                Some(crc) => *crc,
                None => {
                    let rec: ChunkRecord = self
                        .inner
                        .meta
                        .get_rec(&keys::chunk(&c.id))?
                        .ok_or(Error::MissingChunk(c.id))?;
                    let Some(crc) = rec.crc64nvme else {
                        return Ok(None);
                    };
                    if known.len() < 64 {
                        known.insert(c.id, crc);
                    }
                    crc
                }
            };
            whole = CRC64NVME.combine(whole, crc, u64::from(c.len));
        }
        Ok(Some(whole))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crc::{CRC64NVME_KEY, crc64nvme, crc64nvme_value};
    use crate::objects::resolve;
    use crate::{Config, PutOptions};
    use proptest::prelude::*;

    const B: u64 = ZERO_BLOCK;

    /// An edit of a file whose chunks were stored before chunk records
    /// kept a CRC gets no checksum (nor keeps its base's); once every
    /// chunk it uses has a CRC, it gets one again.
    #[test]
    fn chunks_without_a_crc_leave_an_edit_without_a_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Config::default()).unwrap();
        store.create_bucket("bkt").unwrap();
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        store
            .put_file("bkt", "f", &data[..], PutOptions::default())
            .unwrap();
        // As a chunk record of format 2 is read: no CRC.
        let mut txn = store.inner.meta.begin();
        for (k, v) in txn.scan(keys::CHUNKS).unwrap() {
            let mut rec: ChunkRecord = crate::records::decode(&v).unwrap();
            rec.crc64nvme = None;
            txn.put_rec(k, &rec);
        }
        txn.commit().unwrap();
        let base = store.head_object("bkt", "f", At::Current).unwrap();
        assert!(base.meta.extra.contains_key(CRC64NVME_KEY));
        let edit = |size: u64| {
            let mut read_at = |_: u64, buf: &mut [u8]| {
                buf.fill(1);
                Ok(())
            };
            store
                .write_edit(
                    EditRequest {
                        bucket: "bkt",
                        key: "f",
                        base: Some(At::Current),
                        size,
                        meta: base.meta.clone(),
                        condition: None,
                    },
                    Overlay {
                        dirty: &[(10, 20)],
                        zeros: &[],
                        read_at: &mut read_at,
                    },
                )
                .unwrap()
        };
        let edited = edit(data.len() as u64);
        assert!(edited.etag.ends_with(&format!(
            "-{}",
            resolve(&store, "bkt", "f", At::Current).unwrap().manifest.chunks().len()
        )));
        assert!(!edited.meta.extra.contains_key(CRC64NVME_KEY), "{edited:?}");
        // Cut down to its first, re-chunked bytes: every chunk has a CRC.
        let short = edit(1000);
        let mut want = data[..1000].to_vec();
        want[10..20].fill(1);
        assert_eq!(
            short.meta.extra.get(CRC64NVME_KEY),
            Some(&crc64nvme_value(crc64nvme(&want)))
        );
        assert!(store.fsck(true).unwrap().is_clean());
    }

    #[test]
    fn a_long_hole_becomes_whole_blocks_at_its_end() {
        // Base of 100 bytes grown to 100 + 2.5 blocks, nothing written.
        let end = 100 + 5 * B / 2;
        assert_eq!(
            segments(0, end, 100, &[], &[]),
            [Segment::Bytes(0, end - 2 * B), Segment::ZeroBlocks(2)]
        );
        // A write far out splits the hole; the short hole after it is bytes.
        let dirty = [(10 * B, 10 * B + 5)];
        assert_eq!(
            segments(0, 11 * B, 0, &dirty, &[]),
            [Segment::ZeroBlocks(10), Segment::Bytes(10 * B, 11 * B)]
        );
        // Holes shorter than two blocks, and spans inside the base, are bytes.
        assert_eq!(
            segments(0, 2 * B - 1, 0, &[], &[]),
            [Segment::Bytes(0, 2 * B - 1)]
        );
        assert_eq!(
            segments(5, 9 * B, 9 * B, &[], &[]),
            [Segment::Bytes(5, 9 * B)]
        );
        assert_eq!(segments(0, 0, 0, &[], &[]), []);
    }

    #[test]
    fn a_punched_hole_inside_the_base_becomes_whole_blocks() {
        // A 10-block base with 3.5 blocks zeroed in its middle.
        let (s, e) = (2 * B + 7, 5 * B + B / 2 + 7);
        assert_eq!(
            segments(0, 10 * B, 10 * B, &[(s, e)], &[(s, e)]),
            [
                Segment::Bytes(0, e - 3 * B),
                Segment::ZeroBlocks(3),
                Segment::Bytes(e, 10 * B)
            ]
        );
        // A zeroed range that runs on into a hole past the base is one hole.
        assert_eq!(
            segments(0, 6 * B, 3 * B, &[(2 * B, 3 * B)], &[(2 * B, 3 * B)]),
            [Segment::Bytes(0, 2 * B), Segment::ZeroBlocks(4)]
        );
    }

    proptest! {
        /// Segments cover the span in order, and zero blocks lie only where
        /// the file reads as zeros: zeroed, or past the base and outside
        /// every write.
        #[test]
        fn segments_tile_the_span_and_blocks_sit_in_holes(
            start in 0u64..8 * B,
            len in 0u64..16 * B,
            base_size in 0u64..12 * B,
            cuts in proptest::collection::vec(0u64..24 * B, 0..8),
            trims in proptest::collection::vec((0u64..4, 0u64..4), 4),
        ) {
            let end = start + len;
            let mut cuts = cuts;
            cuts.sort_unstable();
            cuts.dedup();
            let dirty: Vec<(u64, u64)> = cuts
                .chunks_exact(2)
                .map(|p| (p[0], p[1]))
                .filter(|(s, e)| s < e && *e <= end)
                .collect();
            // Every other dirty range is partly zeroed.
            let zeros: Vec<(u64, u64)> = dirty
                .iter()
                .step_by(2)
                .zip(&trims)
                .map(|(&(s, e), &(a, b))| (s + (e - s) * a / 8, e - (e - s) * b / 8))
                .filter(|(s, e)| s < e)
                .collect();
            let in_any = |r: &[(u64, u64)], p: u64| r.iter().any(|(s, e)| *s <= p && p < *e);
            let mut pos = start;
            for seg in segments(start, end, base_size, &dirty, &zeros) {
                match seg {
                    Segment::Bytes(from, to) => {
                        prop_assert_eq!(from, pos);
                        prop_assert!(from < to);
                        pos = to;
                    }
                    Segment::ZeroBlocks(n) => {
                        prop_assert!(n >= 2);
                        let to = pos + n * B;
                        // Reads as zeros on every piece between two range
                        // ends: zeroed, or past the base and not written.
                        let mut points: Vec<u64> = dirty
                            .iter()
                            .chain(&zeros)
                            .flat_map(|&(s, e)| [s, e])
                            .chain([pos, base_size])
                            .filter(|p| (pos..to).contains(p))
                            .collect();
                        points.sort_unstable();
                        for p in points {
                            prop_assert!(
                                in_any(&zeros, p) || (p >= base_size && !in_any(&dirty, p)),
                                "{} in {:?}", p, seg
                            );
                        }
                        pos = to;
                    }
                }
            }
            prop_assert_eq!(pos, end);
        }
    }
}
