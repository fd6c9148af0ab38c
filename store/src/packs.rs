//! Chunk storage: the boundary between the engine and the bytes on disk,
//! and its local implementation in append-only pack files.
//!
//! [`ChunkBackend`] is all the engine knows of chunk storage, so encryption
//! (a wrapper that seals data before `append` and opens it after `read`) and
//! a remote backend (packs as objects in another S3 cluster) are one new
//! module each.
//!
//! A pack is a file `packs/<16 hex digits>.pack` of records:
//!
//! ```text
//! magic "ALXC" | format u8 | flags u8 | reserved u16 | data length u32 LE
//!   | CRC-32C of data u32 LE | chunk id [32] | data
//! ```
//!
//! Packs are only appended to. A process that dies mid-append leaves a torn
//! tail that no index entry points at; it is dead space, reclaimed when the
//! pack is compacted.
//!
//! Every read checks the header against the index (magic, format, length,
//! chunk id) and the data against the record's CRC-32C, so damage is
//! reported as [`Error::Corrupt`], never returned. CRC-32C runs at memory
//! speed in hardware; re-hashing with SHA-256 on every read cost most of a
//! read's CPU. The full check of data against its chunk id is `fsck
//! --verify-data`'s, which reads every chunk for that purpose.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::durability::GroupSync;
use crate::error::{Error, Result};
use crate::names::ChunkId;

const MAGIC: &[u8; 4] = b"ALXC";
const RECORD_FORMAT: u8 = 2;
/// Bytes in front of a chunk's data in a pack.
pub const HEADER_LEN: u64 = 48;
/// Records up to this length are read without first checking that the pack
/// is long enough: far above the chunker's largest chunk, and small enough
/// that a damaged length costs no more memory than this.
const UNCHECKED_LEN: u32 = 16 << 20;

/// Where a chunk's record lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub pack: u64,
    pub offset: u64,
    /// Length of the chunk's data (not counting the header).
    pub len: u32,
}

/// What the engine needs from chunk storage.
pub trait ChunkBackend: Send + Sync + 'static {
    /// Appends a chunk. It is durable only after a later [`sync`](Self::sync).
    fn append(&self, id: &ChunkId, data: &[u8]) -> Result<Location>;
    /// Returns once every append that returned before this call is durable.
    fn sync(&self) -> Result<()>;
    /// Reads a chunk and verifies it against the checksum it was stored
    /// with and its index entry. (Whether the bytes hash to `id` is the
    /// caller's check, made by `fsck --verify-data`.)
    fn read(&self, id: &ChunkId, loc: &Location) -> Result<Vec<u8>>;
    /// Hints that these chunks will be read soon, so the backend can start
    /// fetching them. Best effort: never fails, may do nothing.
    fn prefetch(&self, locs: &[Location]) {
        let _ = locs;
    }
    /// Every pack with its size in bytes.
    fn packs(&self) -> Result<Vec<(u64, u64)>>;
    /// Bytes the pack files take where they are kept: without the holes
    /// [`Packs::release`] made, where it makes them.
    fn disk_bytes(&self) -> Result<u64> {
        Ok(self.packs()?.iter().map(|(_, len)| len).sum())
    }
    /// Stops appending to the current pack, so that it can be compacted;
    /// the next append opens a new one. Returns the pack it sealed, if any.
    fn seal(&self) -> Option<u64>;
    /// The lowest pack id an append starting now can go to: the active
    /// pack, or the next one if none is open. Packs below every in-flight
    /// writer's floor receive no more appends.
    fn floor(&self) -> u64;
    /// Deletes a pack that nothing references any more.
    fn remove(&self, pack: u64) -> Result<()>;
    /// Gives back the disk space of chunks nothing references any more
    /// (their index records are gone, durably), where the backend can do so
    /// without rewriting live data. Best effort: compaction reclaims what
    /// this does not.
    fn release(&self, freed: &[Location]) -> Result<()> {
        let _ = freed;
        Ok(())
    }
}

struct Active {
    id: u64,
    file: Arc<File>,
    len: u64,
    /// Bytes of the pack whose writeback has been started.
    started: u64,
}

/// Appended bytes after which their writeback is started (see
/// [`start_writeback`]).
const WRITEBACK_STEP: u64 = 32 << 20;

/// Asks the kernel to start writing `len` bytes of `file` from `offset`
/// to the disk now, without waiting for them. Appends otherwise stay in
/// the page cache until a sync (or the kernel's dirty thresholds, which a
/// machine with much memory reaches late), and a stream's final sync then
/// waits for the disk to write all of it: the time to chunk and hash the
/// stream and the time to write it would add up instead of overlapping.
/// A hint: an error changes nothing but the timing.
#[allow(unsafe_code)] // one system call with no precondition on memory
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: `sync_file_range` reads no memory of ours; the descriptor is
    // open for as long as `file` is borrowed.
    let rc = unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE)
    };
    if rc != 0 {
        tracing::debug!(
            "starting a pack's writeback: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// Pack files in a local directory.
pub struct LocalPacks {
    dir: PathBuf,
    /// Size past which a pack is sealed and a new one started.
    target_size: u64,
    active: Mutex<Option<Active>>,
    next_id: Mutex<u64>,
    /// Sealed packs whose appends may not be on disk yet.
    unsynced: Mutex<Vec<Arc<File>>>,
    readers: RwLock<HashMap<u64, Arc<File>>>,
    group: GroupSync,
    /// Bytes an append must leave free on the filesystem.
    reserve: u64,
}

/// `ENOSPC` unless the filesystem `vfs` describes keeps `reserve` bytes
/// free after `len` more.
pub(crate) fn keeps_reserve(vfs: &rustix::fs::StatVfs, reserve: u64, len: u64) -> Result<()> {
    let free = vfs.f_bavail.saturating_mul(vfs.f_frsize);
    if free < reserve.saturating_add(len) {
        return Err(io::Error::from(rustix::io::Errno::NOSPC).into());
    }
    Ok(())
}

fn pack_name(id: u64) -> String {
    format!("{id:016x}.pack")
}

fn parse_pack_name(name: &str) -> Option<u64> {
    let hex = name.strip_suffix(".pack")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

impl LocalPacks {
    /// Opens (creating if needed) the pack directory. Appends always go to a
    /// new pack, never after a tail a crash may have torn.
    pub fn open(dir: &Path, target_size: u64) -> Result<LocalPacks> {
        fs::create_dir_all(dir)?;
        let mut next = 0;
        for entry in fs::read_dir(dir)? {
            if let Some(id) = entry?.file_name().to_str().and_then(parse_pack_name) {
                next = next.max(id + 1);
            }
        }
        Ok(LocalPacks {
            dir: dir.to_owned(),
            target_size: target_size.max(1),
            active: Mutex::new(None),
            next_id: Mutex::new(next),
            unsynced: Mutex::new(Vec::new()),
            readers: RwLock::new(HashMap::new()),
            group: GroupSync::default(),
            reserve: 0,
        })
    }

    /// Appends fail with `ENOSPC` rather than leave less than `bytes` free
    /// on the packs' filesystem.
    pub fn with_reserve(mut self, bytes: u64) -> LocalPacks {
        self.reserve = bytes;
        self
    }

    /// Refuses an append of `len` bytes to `file` that would eat into the
    /// reserve. One `fstatvfs` per chunk: cheap next to hashing it.
    fn check_room(&self, file: &File, len: u64) -> Result<()> {
        if self.reserve == 0 {
            return Ok(());
        }
        let vfs = rustix::fs::fstatvfs(file).map_err(io::Error::from)?;
        keeps_reserve(&vfs, self.reserve, len)
    }

    fn path(&self, id: u64) -> PathBuf {
        self.dir.join(pack_name(id))
    }

    fn start_pack(&self) -> Result<Active> {
        let id = {
            let mut next = self.next_id.lock();
            let id = *next;
            *next += 1;
            id
        };
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .read(true)
            .open(self.path(id))?;
        // The new name must survive a crash as well as its contents.
        File::open(&self.dir)?.sync_all()?;
        Ok(Active {
            id,
            file: Arc::new(file),
            len: 0,
            started: 0,
        })
    }

    fn reader(&self, pack: u64) -> Result<Arc<File>> {
        if let Some(f) = self.readers.read().get(&pack) {
            return Ok(f.clone());
        }
        let file = Arc::new(File::open(self.path(pack))?);
        self.readers.write().insert(pack, file.clone());
        Ok(file)
    }

    fn flush_all(&self) -> Result<()> {
        // Take the active pack first: a pack sealed after this point lands in
        // `unsynced`, which is drained next, so no pack slips through.
        let active = self.active.lock().as_ref().map(|a| a.file.clone());
        let sealed: Vec<_> = std::mem::take(&mut *self.unsynced.lock());
        for f in sealed.iter().chain(active.iter()) {
            f.sync_data()?;
        }
        Ok(())
    }
}

impl ChunkBackend for LocalPacks {
    fn append(&self, id: &ChunkId, data: &[u8]) -> Result<Location> {
        let len = u32::try_from(data.len())
            .map_err(|_| Error::InvalidArgument("chunk larger than 4 GiB".into()))?;
        let mut header = [0u8; HEADER_LEN as usize];
        header[..4].copy_from_slice(MAGIC);
        header[4] = RECORD_FORMAT;
        header[8..12].copy_from_slice(&len.to_le_bytes());
        header[12..16].copy_from_slice(&crc32c::crc32c(data).to_le_bytes());
        header[16..48].copy_from_slice(&id.0);

        let mut guard = self.active.lock();
        if guard
            .as_ref()
            .is_some_and(|a| a.len > 0 && a.len + HEADER_LEN + u64::from(len) > self.target_size)
        {
            let old = guard.take().expect("checked above");
            self.unsynced.lock().push(old.file);
        }
        if guard.is_none() {
            *guard = Some(self.start_pack()?);
        }
        let active = guard.as_mut().expect("set above");
        self.check_room(&active.file, HEADER_LEN + u64::from(len))?;
        let offset = active.len;
        let mut file: &File = &active.file;
        let written = file.write_all(&header).and_then(|()| file.write_all(data));
        if let Err(e) = written {
            // Part of a record may be on disk; never append after it.
            let old = guard.take().expect("set above");
            self.unsynced.lock().push(old.file);
            return Err(e.into());
        }
        active.len += HEADER_LEN + u64::from(len);
        let loc = Location {
            pack: active.id,
            offset,
            len,
        };
        let writeback = (active.len - active.started >= WRITEBACK_STEP).then(|| {
            let range = (
                active.file.clone(),
                active.started,
                active.len - active.started,
            );
            active.started = active.len;
            range
        });
        drop(guard);
        if let Some((file, offset, len)) = writeback {
            start_writeback(&file, offset, len);
        }
        self.group.wrote();
        Ok(loc)
    }

    fn sync(&self) -> Result<()> {
        self.group.sync(|| self.flush_all())
    }

    fn read(&self, id: &ChunkId, loc: &Location) -> Result<Vec<u8>> {
        let file = self.reader(loc.pack)?;
        let corrupt = |detail: &str| Error::Corrupt {
            chunk: *id,
            detail: format!("{detail} in pack {} at {}", loc.pack, loc.offset),
        };
        let short = |e: io::Error| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                Error::Corrupt {
                    chunk: *id,
                    detail: format!("pack {} ends before the record", loc.pack),
                }
            } else {
                e.into()
            }
        };
        // Header and data are read separately, so the data lands in its own
        // buffer and is handed out without another copy. The header is
        // checked first: the length comes from the index, read off disk, and
        // a damaged one must not size a buffer of gigabytes.
        let mut header = [0u8; HEADER_LEN as usize];
        file.read_exact_at(&mut header, loc.offset).map_err(short)?;
        if &header[..4] != MAGIC || header[4] != RECORD_FORMAT {
            return Err(corrupt("bad record header"));
        }
        if header[8..12] != loc.len.to_le_bytes() || header[16..48] != id.0 {
            return Err(corrupt("record does not match the index"));
        }
        // Index and header agree, but both can be damaged alike: a length
        // beyond any chunk the store writes is checked against the file.
        if loc.len > UNCHECKED_LEN {
            let end = loc.offset.saturating_add(HEADER_LEN + u64::from(loc.len));
            if file.metadata()?.len() < end {
                return Err(short(io::ErrorKind::UnexpectedEof.into()));
            }
        }
        let mut data = vec![0u8; loc.len as usize];
        file.read_exact_at(&mut data, loc.offset + HEADER_LEN)
            .map_err(short)?;
        if header[12..16] != crc32c::crc32c(&data).to_le_bytes() {
            return Err(corrupt("data does not match its checksum"));
        }
        Ok(data)
    }

    /// Asks the kernel to read the records into the page cache
    /// (`POSIX_FADV_WILLNEED`), one call per run of adjacent records, so
    /// the disk works ahead of a sequential reader instead of waiting for
    /// each chunk's read.
    fn prefetch(&self, locs: &[Location]) {
        let mut runs: Vec<(u64, u64, u64)> = Vec::new();
        for loc in locs {
            let (start, end) = (loc.offset, loc.offset + HEADER_LEN + u64::from(loc.len));
            match runs.last_mut() {
                Some((pack, _, run_end)) if *pack == loc.pack && *run_end == start => {
                    *run_end = end;
                }
                _ => runs.push((loc.pack, start, end)),
            }
        }
        for (pack, start, end) in runs {
            let Ok(file) = self.reader(pack) else {
                // Gone (compacted); the read itself will say what to do.
                continue;
            };
            let advice = rustix::fs::Advice::WillNeed;
            // A hint: whatever it answers, the read that follows decides.
            let _ = rustix::fs::fadvise(
                &*file,
                start,
                std::num::NonZeroU64::new(end - start),
                advice,
            );
        }
    }

    fn packs(&self) -> Result<Vec<(u64, u64)>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            if let Some(id) = entry.file_name().to_str().and_then(parse_pack_name) {
                out.push((id, entry.metadata()?.len()));
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    fn disk_bytes(&self) -> Result<u64> {
        use std::os::unix::fs::MetadataExt;
        let mut total = 0;
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            if entry
                .file_name()
                .to_str()
                .and_then(parse_pack_name)
                .is_some()
            {
                let m = entry.metadata()?;
                // Blocks count 512 bytes whatever the filesystem's block size;
                // a file's last block may pass its length.
                total += m.len().min(m.blocks() * 512);
            }
        }
        Ok(total)
    }

    fn seal(&self) -> Option<u64> {
        let old = self.active.lock().take()?;
        let id = old.id;
        self.unsynced.lock().push(old.file);
        Some(id)
    }

    fn floor(&self) -> u64 {
        let active = self.active.lock();
        match active.as_ref() {
            Some(a) => a.id,
            None => *self.next_id.lock(),
        }
    }

    /// Punches a hole over each freed record (`FALLOC_FL_PUNCH_HOLE`,
    /// keeping the file's size), so a full disk recovers room as soon as GC
    /// runs, before any compaction, which itself needs room to copy into.
    /// Bytes of neighbouring records are never touched: the kernel zeroes
    /// only the range given and deallocates only whole blocks inside it.
    fn release(&self, freed: &[Location]) -> Result<()> {
        let mut by_pack: HashMap<u64, Vec<&Location>> = HashMap::new();
        for loc in freed {
            by_pack.entry(loc.pack).or_default().push(loc);
        }
        for (pack, locs) in by_pack {
            let file = match OpenOptions::new().write(true).open(self.path(pack)) {
                Ok(f) => f,
                // Compacted away meanwhile.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            for loc in locs {
                let flags =
                    rustix::fs::FallocateFlags::PUNCH_HOLE | rustix::fs::FallocateFlags::KEEP_SIZE;
                let len = HEADER_LEN + u64::from(loc.len);
                match rustix::fs::fallocate(&file, flags, loc.offset, len) {
                    Ok(()) => {}
                    // The filesystem cannot punch holes: compaction will.
                    Err(rustix::io::Errno::OPNOTSUPP) => return Ok(()),
                    Err(e) => return Err(io::Error::from(e).into()),
                }
            }
        }
        Ok(())
    }

    fn remove(&self, pack: u64) -> Result<()> {
        self.readers.write().remove(&pack);
        match fs::remove_file(self.path(pack)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        File::open(&self.dir)?.sync_all()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_read_and_rotate() {
        let dir = tempfile::tempdir().unwrap();
        let packs = LocalPacks::open(dir.path(), 200).unwrap();
        let mut locs = Vec::new();
        for i in 0..10u8 {
            let data = vec![i; 100];
            let id = ChunkId::of(&data);
            locs.push((id, packs.append(&id, &data).unwrap(), data));
        }
        packs.sync().unwrap();
        for (id, loc, data) in &locs {
            assert_eq!(&packs.read(id, loc).unwrap(), data);
        }
        // 148-byte records in 200-byte packs: one record each.
        assert_eq!(packs.packs().unwrap().len(), 10);
        // A new instance appends to a fresh pack and still reads the old.
        drop(packs);
        let packs = LocalPacks::open(dir.path(), 200).unwrap();
        let data = b"later".to_vec();
        let id = ChunkId::of(&data);
        assert_eq!(packs.append(&id, &data).unwrap().pack, 10);
        assert_eq!(&packs.read(&locs[3].0, &locs[3].1).unwrap(), &locs[3].2);
    }

    #[test]
    fn released_records_give_back_their_blocks_and_spare_their_neighbours() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let packs = LocalPacks::open(dir.path(), 64 << 20).unwrap();
        let mut locs = Vec::new();
        for i in 0..3u8 {
            // Sizes that do not end on block boundaries.
            let data: Vec<u8> = (0..(1 << 20) + 333).map(|j| (j as u8) ^ i).collect();
            let id = ChunkId::of(&data);
            locs.push((id, packs.append(&id, &data).unwrap(), data));
        }
        packs.sync().unwrap();
        let path = dir.path().join(pack_name(locs[0].1.pack));
        let before = fs::metadata(&path).unwrap();
        packs.release(&[locs[1].1]).unwrap();
        let after = fs::metadata(&path).unwrap();
        assert_eq!(after.len(), before.len(), "the size stays");
        // tmpfs and every common disk filesystem can punch holes.
        assert!(
            after.blocks() < before.blocks(),
            "{} -> {} blocks",
            before.blocks(),
            after.blocks()
        );
        for i in [0, 2] {
            let (id, loc, data) = &locs[i];
            assert_eq!(&packs.read(id, loc).unwrap(), data);
        }
        // The released record reads as corrupt, never as other bytes.
        assert!(matches!(
            packs.read(&locs[1].0, &locs[1].1),
            Err(Error::Corrupt { .. })
        ));
    }

    #[test]
    fn prefetch_is_a_hint_that_never_fails() {
        let dir = tempfile::tempdir().unwrap();
        let packs = LocalPacks::open(dir.path(), 1 << 20).unwrap();
        let mut locs = Vec::new();
        for i in 0..4u8 {
            let data = vec![i; 5000];
            let id = ChunkId::of(&data);
            locs.push((id, packs.append(&id, &data).unwrap(), data));
        }
        packs.sync().unwrap();
        // Adjacent records, one run; a pack that is gone; an empty list.
        let mut hint: Vec<Location> = locs.iter().map(|l| l.1).collect();
        hint.push(Location {
            pack: 99,
            offset: 0,
            len: 10,
        });
        packs.prefetch(&hint);
        packs.prefetch(&[]);
        for (id, loc, data) in &locs {
            assert_eq!(&packs.read(id, loc).unwrap(), data);
        }
    }

    #[test]
    fn a_reserve_is_kept_free() {
        let dir = tempfile::tempdir().unwrap();
        let packs = LocalPacks::open(dir.path(), 1 << 20)
            .unwrap()
            .with_reserve(u64::MAX / 2);
        let data = vec![1u8; 100];
        let id = ChunkId::of(&data);
        let err = packs.append(&id, &data).unwrap_err();
        match err {
            Error::Io(e) => assert_eq!(e.kind(), io::ErrorKind::StorageFull),
            e => panic!("{e:?}"),
        }
        // Nothing half-written: without the reserve the next append works
        // and reads back.
        let packs = LocalPacks::open(dir.path(), 1 << 20).unwrap();
        let loc = packs.append(&id, &data).unwrap();
        assert_eq!(packs.read(&id, &loc).unwrap(), data);
    }

    #[test]
    fn corruption_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let packs = LocalPacks::open(dir.path(), 1 << 20).unwrap();
        let data = vec![7u8; 1000];
        let id = ChunkId::of(&data);
        let loc = packs.append(&id, &data).unwrap();
        packs.sync().unwrap();
        let path = dir.path().join(pack_name(loc.pack));
        let mut bytes = fs::read(&path).unwrap();
        bytes[HEADER_LEN as usize + 500] ^= 1;
        fs::write(&path, &bytes).unwrap();
        let packs = LocalPacks::open(dir.path(), 1 << 20).unwrap();
        assert!(matches!(packs.read(&id, &loc), Err(Error::Corrupt { .. })));
        // A wrong id or length is caught by the header check.
        let other = ChunkId::of(b"other");
        assert!(matches!(
            packs.read(&other, &loc),
            Err(Error::Corrupt { .. })
        ));
        // A length of gigabytes, in the index and the header alike, is
        // refused before a buffer that size is allocated.
        let mut huge = bytes[..HEADER_LEN as usize + 1000].to_vec();
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        fs::write(&path, &huge).unwrap();
        let packs = LocalPacks::open(dir.path(), 1 << 20).unwrap();
        let huge_loc = Location {
            len: u32::MAX,
            ..loc
        };
        assert!(matches!(
            packs.read(&id, &huge_loc),
            Err(Error::Corrupt { .. })
        ));
        // A truncated pack is corruption too, not an I/O panic.
        fs::write(&path, &bytes[..100]).unwrap();
        let packs = LocalPacks::open(dir.path(), 1 << 20).unwrap();
        assert!(matches!(packs.read(&id, &loc), Err(Error::Corrupt { .. })));
    }
}
