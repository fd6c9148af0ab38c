//! An edit in place: the new bytes of a file written out of order (or
//! truncated, or appended to) on top of the version it started from.
//!
//! The new bytes live in an unlinked, sparse temporary file at their own
//! offsets; memory holds only the sorted, merged list of dirty ranges, so
//! an edit of any file size stays small in memory. Reads merge the dirty
//! bytes over the base version; a commit hands both to
//! `Store::write_edit`, which re-chunks only the chunks the edit touches.
//!
//! The content at `pos < size` is: the temporary file's byte where `pos`
//! is dirty, else the base's byte where `pos < base_size`, else zero. A
//! shrink followed by a grow must not bring the base's old bytes back, so
//! growing marks the part of the new range that lies within the base dirty
//! (the temporary file holds zeros there: it was cut at the shrink).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use alexander_store::{
    At, EditRequest, ObjectInfo, ObjectMeta, ObjectReader, Overlay, PinnedVersion, Store,
    WriteCondition,
};
use parking_lot::Mutex;
use rustix::fs::FallocateFlags;

use crate::error::{FsError, Result};
use crate::upload::PendingMeta;

/// The version an edit starts from.
#[derive(Clone, Debug)]
pub struct Base {
    pub version_id: String,
    pub etag: String,
    pub size: u64,
}

/// One inode's uncommitted edit, shared by the inode's handles.
pub struct EditOverlay {
    pub bucket: String,
    pub key: String,
    /// `None` for a file that starts empty (new, or truncated at open).
    base: Option<Base>,
    /// Size of the file with the edit applied.
    pub size: u64,
    /// Sorted, disjoint, non-adjacent `start..end` ranges of new bytes.
    dirty: Vec<(u64, u64)>,
    /// The parts of `dirty` known to read as zeros (punched or zeroed by
    /// `fallocate`, or bared by a shrink and a grow), in the same form; the
    /// store turns long runs of them into repeated blocks of zeros.
    zeros: Vec<(u64, u64)>,
    file: File,
    /// The metadata the commit stores (shared with a handle, so `setattr`
    /// changes reach it).
    pub meta: Arc<Mutex<PendingMeta>>,
    /// A reader of the base kept between reads.
    base_reader: Option<ObjectReader>,
    /// Committed (or dropped) and out of the inode's map: a handle that
    /// finds it so looks the inode's overlay up again.
    pub retired: bool,
    /// The inode was unlinked or replaced: its writes are kept for its
    /// handles to read and never committed.
    pub orphan: bool,
    /// An orphan's base, kept from GC while the overlay lives: its key no
    /// longer names it.
    pinned: Option<PinnedVersion>,
}

/// Fills `buf` from `file` at `offset`; zeros past its end (a hole cut by
/// a shrink).
fn read_file_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf[got..].fill(0);
    Ok(())
}

/// Adds `start..end` to sorted, disjoint, non-adjacent `ranges`, merging
/// neighbours.
fn add_range(ranges: &mut Vec<(u64, u64)>, start: u64, end: u64) {
    if start >= end {
        return;
    }
    // Ranges overlapping or touching `start..end`.
    let first = ranges.partition_point(|r| r.1 < start);
    let last = ranges.partition_point(|r| r.0 <= end);
    let (mut s, mut e) = (start, end);
    if first < last {
        s = s.min(ranges[first].0);
        e = e.max(ranges[last - 1].1);
    }
    ranges.splice(first..last, [(s, e)]);
}

/// Takes `start..end` out of sorted, disjoint `ranges`, cutting those it
/// overlaps.
fn remove_range(ranges: &mut Vec<(u64, u64)>, start: u64, end: u64) {
    if start >= end {
        return;
    }
    let first = ranges.partition_point(|r| r.1 <= start);
    let last = ranges.partition_point(|r| r.0 < end);
    if first >= last {
        return;
    }
    let mut kept = Vec::with_capacity(2);
    if ranges[first].0 < start {
        kept.push((ranges[first].0, start));
    }
    if ranges[last - 1].1 > end {
        kept.push((end, ranges[last - 1].1));
    }
    ranges.splice(first..last, kept);
}

/// Makes `start..end` of `file` read as zeros: a hole punched where the
/// filesystem can, zeros written where it cannot. Bytes past the file's
/// end read as zeros already.
fn punch(file: &File, start: u64, end: u64) -> io::Result<()> {
    let end = end.min(file.metadata()?.len());
    if start >= end {
        return Ok(());
    }
    let flags = FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE;
    if rustix::fs::fallocate(file, flags, start, end - start).is_ok() {
        return Ok(());
    }
    let zeros = vec![0u8; (end - start).min(1 << 20) as usize];
    let mut pos = start;
    while pos < end {
        let n = (end - pos).min(zeros.len() as u64) as usize;
        file.write_all_at(&zeros[..n], pos)?;
        pos += n as u64;
    }
    Ok(())
}

impl EditOverlay {
    pub fn new(
        bucket: &str,
        key: &str,
        base: Option<Base>,
        meta: Arc<Mutex<PendingMeta>>,
    ) -> Result<EditOverlay> {
        let file = tempfile::tempfile().map_err(alexander_store::Error::Io)?;
        Ok(EditOverlay {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            size: base.as_ref().map_or(0, |b| b.size),
            base,
            dirty: Vec::new(),
            zeros: Vec::new(),
            file,
            meta,
            base_reader: None,
            retired: false,
            orphan: false,
            pinned: None,
        })
    }

    /// Makes this the overlay of an inode whose name is about to go: its
    /// base is pinned (read from the pin from now on) and nothing of it is
    /// ever committed. Call while the base is still live.
    pub fn orphan(&mut self, store: &Store) -> Result<()> {
        if let Some(b) = &self.base
            && self.pinned.is_none()
        {
            let pinned = store.pin_version(&self.bucket, &self.key, At::Version(&b.version_id))?;
            self.base_reader = Some(pinned.reader());
            self.pinned = Some(pinned);
        }
        self.orphan = true;
        Ok(())
    }

    fn base_size(&self) -> u64 {
        self.base.as_ref().map_or(0, |b| b.size)
    }

    /// The dirty ranges.
    #[cfg(test)]
    pub fn dirty(&self) -> &[(u64, u64)] {
        &self.dirty
    }

    /// The ranges known to read as zeros.
    #[cfg(test)]
    pub fn zeros(&self) -> &[(u64, u64)] {
        &self.zeros
    }

    /// Whether there is nothing to commit (an orphan's writes never are).
    pub fn is_clean(&self) -> bool {
        self.orphan || self.base.is_some() && self.dirty.is_empty() && self.size == self.base_size()
    }

    /// Adds `start..end` to the dirty ranges, merging neighbours.
    fn mark(&mut self, start: u64, end: u64) {
        add_range(&mut self.dirty, start, end);
    }

    /// Grows the file to `new_size` (no-op if not larger): the new part
    /// reads as zeros.
    fn grow(&mut self, new_size: u64) {
        if new_size <= self.size {
            return;
        }
        let base_size = self.base_size();
        if self.size < base_size {
            // The temporary file was cut at the shrink: zeros there.
            self.mark(self.size, new_size.min(base_size));
            add_range(&mut self.zeros, self.size, new_size.min(base_size));
        }
        self.size = new_size;
    }

    /// Writes `data` at `offset`, growing the file (sparse) if needed.
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let end = offset
            .checked_add(data.len() as u64)
            .ok_or_else(|| FsError::Invalid("write past the largest offset".into()))?;
        self.file
            .write_all_at(data, offset)
            .map_err(alexander_store::Error::Io)?;
        self.grow(offset);
        self.mark(offset, end);
        remove_range(&mut self.zeros, offset, end);
        self.size = self.size.max(end);
        Ok(())
    }

    /// Makes `start..end` (within the size) read as zeros, as
    /// `fallocate(PUNCH_HOLE)` and `fallocate(ZERO_RANGE)` do; costs no
    /// room in the temporary file, and little in the store.
    pub fn zero(&mut self, start: u64, end: u64) -> Result<()> {
        let end = end.min(self.size);
        if start >= end {
            return Ok(());
        }
        punch(&self.file, start, end).map_err(alexander_store::Error::Io)?;
        self.mark(start, end);
        add_range(&mut self.zeros, start, end);
        Ok(())
    }

    /// Sets the size: a shrink drops what lies past it, a grow adds zeros.
    pub fn set_size(&mut self, size: u64) -> Result<()> {
        if size < self.size {
            remove_range(&mut self.dirty, size, u64::MAX);
            remove_range(&mut self.zeros, size, u64::MAX);
            self.file
                .set_len(size)
                .map_err(alexander_store::Error::Io)?;
            self.size = size;
        } else {
            self.grow(size);
        }
        Ok(())
    }

    /// Reads up to `len` bytes at `offset` of the edited file.
    pub fn read(&mut self, store: &Store, offset: u64, len: usize) -> Result<Vec<u8>> {
        if offset >= self.size {
            return Ok(Vec::new());
        }
        let end = offset.saturating_add(len as u64).min(self.size);
        let mut buf = vec![0u8; (end - offset) as usize];
        let mut pos = offset;
        while pos < end {
            let i = self.dirty.partition_point(|r| r.1 <= pos);
            let (seg_end, dirty) = match self.dirty.get(i) {
                Some(&(s, e)) if s <= pos => (e.min(end), true),
                Some(&(s, _)) => (s.min(end), false),
                None => (end, false),
            };
            let out = &mut buf[(pos - offset) as usize..(seg_end - offset) as usize];
            if dirty {
                read_file_at(&self.file, pos, out).map_err(alexander_store::Error::Io)?;
            } else if pos < self.base_size() {
                let n = (seg_end.min(self.base_size()) - pos) as usize;
                self.read_base(store, pos, &mut out[..n])?;
            }
            pos = seg_end;
        }
        Ok(buf)
    }

    fn read_base(&mut self, store: &Store, offset: u64, out: &mut [u8]) -> Result<()> {
        let base = self.base.as_ref().expect("read below the base's size");
        if self.base_reader.is_none()
            && let Some(p) = &self.pinned
        {
            self.base_reader = Some(p.reader());
        }
        if self.base_reader.is_none() {
            self.base_reader = Some(store.get_object(
                &self.bucket,
                &self.key,
                At::Version(&base.version_id),
                None,
            )?);
        }
        let r = self.base_reader.as_mut().expect("set above");
        r.seek(SeekFrom::Start(offset))
            .and_then(|_| r.read_exact(out))
            .map_err(alexander_store::Error::Io)?;
        Ok(())
    }

    /// Commits the edit as a new version (durable on return).
    pub fn commit(&mut self, store: &Store, meta: ObjectMeta) -> Result<ObjectInfo> {
        let file = &self.file;
        let mut read_at = |offset: u64, buf: &mut [u8]| read_file_at(file, offset, buf);
        let req = EditRequest {
            bucket: &self.bucket,
            key: &self.key,
            base: self.base.as_ref().map(|b| At::Version(&b.version_id)),
            size: self.size,
            meta,
            // An object replaced over S3 meanwhile is not silently merged.
            condition: self
                .base
                .as_ref()
                .map(|b| WriteCondition::IfMatch(b.etag.clone())),
        };
        Ok(store.write_edit(
            req,
            Overlay {
                dirty: &self.dirty,
                zeros: &self.zeros,
                read_at: &mut read_at,
            },
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlay(base_size: u64) -> EditOverlay {
        let base = (base_size > 0).then(|| Base {
            version_id: "v".into(),
            etag: "e".into(),
            size: base_size,
        });
        EditOverlay::new("b", "k", base, Arc::default()).unwrap()
    }

    #[test]
    fn ranges_merge() {
        let mut o = overlay(0);
        o.mark(10, 20);
        o.mark(30, 40);
        o.mark(20, 25);
        assert_eq!(o.dirty(), [(10, 25), (30, 40)]);
        o.mark(0, 5);
        o.mark(24, 31);
        assert_eq!(o.dirty(), [(0, 5), (10, 40)]);
        o.mark(1, 2);
        assert_eq!(o.dirty(), [(0, 5), (10, 40)]);
        o.mark(0, 100);
        assert_eq!(o.dirty(), [(0, 100)]);
    }

    #[test]
    fn shrink_then_grow_hides_the_base() {
        let mut o = overlay(100);
        o.set_size(10).unwrap();
        assert!(o.dirty().is_empty());
        o.set_size(150).unwrap();
        assert_eq!(o.dirty(), [(10, 100)]);
        o.write(200, b"x").unwrap();
        assert_eq!(o.size, 201);
        assert_eq!(o.dirty(), [(10, 100), (200, 201)]);
        o.set_size(50).unwrap();
        assert_eq!(o.dirty(), [(10, 50)]);
        assert_eq!(o.zeros(), [(10, 50)]);
    }

    #[test]
    fn ranges_come_out_whole_or_cut() {
        let mut r = vec![(10, 20), (30, 40), (50, 60)];
        remove_range(&mut r, 15, 35);
        assert_eq!(r, [(10, 15), (35, 40), (50, 60)]);
        remove_range(&mut r, 0, 12);
        assert_eq!(r, [(12, 15), (35, 40), (50, 60)]);
        remove_range(&mut r, 40, 50);
        assert_eq!(r, [(12, 15), (35, 40), (50, 60)]);
        remove_range(&mut r, 52, 55);
        assert_eq!(r, [(12, 15), (35, 40), (50, 52), (55, 60)]);
        remove_range(&mut r, 0, u64::MAX);
        assert!(r.is_empty());
    }

    #[test]
    fn zeroing_punches_and_writes_carve_it_back() {
        let mut o = overlay(100);
        o.write(0, &[7; 60]).unwrap();
        o.zero(10, 30).unwrap();
        o.zero(90, 500).unwrap();
        assert_eq!(o.size, 100);
        assert_eq!(o.dirty(), [(0, 60), (90, 100)]);
        assert_eq!(o.zeros(), [(10, 30), (90, 100)]);
        let mut buf = [1u8; 60];
        read_file_at(&o.file, 0, &mut buf).unwrap();
        assert!(buf[..10].iter().all(|&b| b == 7));
        assert!(buf[10..30].iter().all(|&b| b == 0));
        assert!(buf[30..].iter().all(|&b| b == 7));
        o.write(20, b"xy").unwrap();
        assert_eq!(o.zeros(), [(10, 20), (22, 30), (90, 100)]);
        o.set_size(25).unwrap();
        assert_eq!(o.zeros(), [(10, 20), (22, 25)]);
        assert_eq!(o.dirty(), [(0, 25)]);
    }
}
