//! Open files: create and open, reads, writes (streaming from offset 0,
//! else through the inode's overlay) and the commits of flush, fsync and
//! release.

use super::*;
use crate::error::ToErrno;

impl Fs {
    /// Creates and opens a new file; returns its attributes and handle.
    pub fn create(
        &self,
        parent: u64,
        name: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
        pid: u32,
    ) -> Result<(Attr, u64)> {
        let (p, path) = self.new_entry(parent, name)?;
        let mut meta = self.new_meta(S_IFREG | (mode & 0o7777), uid, gid);
        self.inherit(&p, &mut meta)?;
        let created_ns = meta.attrs.mtime_ns.unwrap_or_else(now_ns);
        let ino = self
            .inodes
            .lock()
            .intern(&p.bucket, &path, Kind::File, true);
        let fh = self.new_fh();
        let handle = Arc::new(FileHandle {
            ino,
            opener: pid,
            bucket: p.bucket.clone(),
            key: path,
            at: ReadAt::Current,
            write: true,
            meta: Arc::new(Mutex::new(PendingMeta {
                meta,
                mtime_set: false,
                last_write_ns: created_ns,
            })),
            state: Mutex::new(WriteState::Pending),
            reader: Mutex::new(Readers::default()),
        });
        let attr = self.pending_attr(ino, &handle, 0);
        self.files.write().insert(fh, handle);
        self.touch_dir(&p.bucket, &p.path, created_ns);
        Ok((attr, fh))
    }

    pub fn open(&self, ino: u64, mode: OpenMode) -> Result<u64> {
        let node = self.node(ino)?;
        self.check(&node.bucket, Access::List)?;
        if mode.write || mode.truncate {
            self.check(&node.bucket, Access::Write)?;
        }
        if node.kind == Kind::Dir {
            return Err(FsError::IsDir);
        }
        if mode.write {
            self.writable()?;
            if !node.is_live() {
                return Err(FsError::ReadOnly);
            }
        }
        if !node.is_live() {
            return self.open_history(ino, node);
        }
        let (info, pending) = match self
            .store
            .head_object(&node.bucket, &node.path, At::Current)
        {
            Ok(i) => (Some(i), None),
            Err(e) if not_found(&e) => match self.pending_handle(&node.bucket, &node.path) {
                Some(p) => (None, Some(p)),
                // A new file written out of order: its overlay holds it.
                None if self.overlay_of(ino).is_some() => (None, None),
                None => return Err(FsError::NotFound),
            },
            Err(e) => return Err(e.into()),
        };
        let mut meta = match (&info, &pending) {
            (Some(i), _) => i.meta.clone(),
            (None, Some((h, _))) => h.meta.lock().finish(),
            (None, None) => self
                .overlay_of(ino)
                .map(|o| o.lock().meta.lock().finish())
                .unwrap_or_default(),
        };
        if !mode.write_only {
            self.check_object_read(&node.bucket, &meta)?;
        }
        // `O_TRUNC` by a caller other than root is a truncation like any
        // other: set-ID bits go (the kernel leaves that to us:
        // `HANDLE_KILLPRIV_V2`), with the commit of the emptied file.
        if mode.write
            && mode.truncate
            && mode.caller.uid != 0
            && let Some(m) = meta.attrs.mode
            && m & (libc::S_ISUID | libc::S_ISGID) != 0
        {
            let gid = meta.attrs.gid.unwrap_or(self.config.gid);
            meta.attrs.mode = Some(drop_set_id(m, &mode.caller, gid));
        }
        // Held until the new handle is in place, so that no other handle
        // starts a stream beside its pending truncation.
        let mut transition = None;
        let state = if mode.write && mode.truncate {
            match self.overlay_of(ino) {
                // The inode is being edited: the truncation is part of it.
                Some(_) => {
                    self.with_overlay(ino, None, |o| o.set_size(0))?;
                    WriteState::Clean
                }
                // `O_TRUNC` comes with the open (`FUSE_ATOMIC_O_TRUNC`): what
                // the file's other handles have not committed is cut off
                // with the rest, and their next writes start from empty.
                None => {
                    transition = Some(self.transition.lock());
                    for other in self.handles_of(ino) {
                        let mut st = other.state.lock();
                        match std::mem::replace(&mut *st, WriteState::Clean) {
                            WriteState::Streaming(u) => u.abort(),
                            WriteState::Failed(errno) => *st = WriteState::Failed(errno),
                            WriteState::Clean | WriteState::Pending => {}
                        }
                        other.reader.lock().forget();
                    }
                    WriteState::Pending
                }
            }
        } else {
            WriteState::Clean
        };
        let fh = self.new_fh();
        self.files.write().insert(
            fh,
            Arc::new(FileHandle {
                ino,
                opener: mode.caller.pid,
                bucket: node.bucket,
                key: node.path,
                at: ReadAt::Current,
                write: mode.write,
                meta: Arc::new(Mutex::new(PendingMeta {
                    meta,
                    mtime_set: false,
                    last_write_ns: now_ns(),
                })),
                state: Mutex::new(state),
                reader: Mutex::new(Readers::default()),
            }),
        );
        drop(transition);
        Ok(fh)
    }

    pub(super) fn handle(&self, fh: u64) -> Result<Arc<FileHandle>> {
        self.files
            .read()
            .get(&fh)
            .cloned()
            .ok_or(FsError::BadHandle)
    }

    /// Reads up to `size` bytes at `offset`: the inode's overlay merged
    /// over its base when it is being edited, the committed object else.
    pub fn read(&self, fh: u64, offset: u64, size: u32) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.read_into(fh, offset, size, &mut buf)?;
        Ok(buf)
    }

    /// [`read`](Self::read) into `buf`, which is cleared first. A buffer
    /// kept from one read to the next (the mount keeps one a thread) has
    /// its memory mapped already: a fresh one of a read's size would be a
    /// fresh mapping whose pages fault in as the bytes are copied, which
    /// cost more than the copy.
    pub fn read_into(&self, fh: u64, offset: u64, size: u32, buf: &mut Vec<u8>) -> Result<()> {
        buf.clear();
        let h = self.handle(fh)?;
        // Bytes still streaming into the store (through this handle or
        // another), or a pending truncation, cannot be read back: commit
        // them first, as a local file shows what was written. Later writes
        // go to an overlay.
        for w in self.handles_of(h.ino) {
            if matches!(
                *w.state.lock(),
                WriteState::Streaming(_) | WriteState::Pending
            ) {
                match self.commit_state(&w) {
                    Ok(()) | Err(FsError::NotSupported(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if let Some(o) = self.overlay_of(h.ino) {
            let mut g = o.lock();
            if !g.retired {
                *buf = g.read(&self.store, offset, size as usize)?;
                return Ok(());
            }
        }
        let (r, epoch) = h.reader.lock().take(offset);
        let mut r = match r {
            Some(r) => r,
            None => match self.store.get_object(&h.bucket, &h.key, h.at.at(), None) {
                Ok(r) => r,
                Err(e) if not_found(&e) && self.pending_handle(&h.bucket, &h.key).is_some() => {
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            },
        };
        let total = r.info().size;
        if offset < total {
            r.seek(SeekFrom::Start(offset)).map_err(StoreError::Io)?;
            let want = (size as u64).min(total - offset) as usize;
            while buf.len() < want {
                if r.append_to(buf, want - buf.len()).map_err(StoreError::Io)? == 0 {
                    break;
                }
            }
        }
        h.reader.lock().give_back(r, epoch);
        Ok(())
    }

    /// Writes `data` at `offset`. A handle writing from 0 onwards streams
    /// into the store; any other write (out of order, appending to an
    /// existing file, or on an inode already being edited) goes to the
    /// inode's overlay, committed as an edit on close or fsync.
    pub fn write(&self, fh: u64, offset: u64, data: &[u8]) -> Result<u32> {
        let h = self.handle(fh)?;
        if !h.write {
            return Err(FsError::BadHandle);
        }
        if self.overlay_of(h.ino).is_none() && self.try_stream(&h, offset, data)? {
            return Ok(data.len() as u32);
        }
        self.with_overlay(h.ino, Some(&h), |o| {
            o.write(offset, data)?;
            let mut pm = o.meta.lock();
            pm.last_write_ns = now_ns();
            pm.mtime_set = false;
            Ok(())
        })?;
        Ok(data.len() as u32)
    }

    /// Writes `data` into the handle's stream if it continues it (or can
    /// start one); `false` if the write needs the overlay.
    pub(super) fn try_stream(&self, h: &FileHandle, offset: u64, data: &[u8]) -> Result<bool> {
        {
            let mut st = h.state.lock();
            match &mut *st {
                WriteState::Streaming(u) if u.size == offset => {
                    return self.stream(h, &mut st, data).map(|()| true);
                }
                WriteState::Failed(errno) => return Err(FsError::EarlierWrite(*errno)),
                WriteState::Streaming(_) => return Ok(false),
                WriteState::Pending | WriteState::Clean if offset == 0 => {}
                _ => return Ok(false),
            }
        }
        // Starting a stream: not while an overlay is being set up, nor
        // while another handle holds uncommitted bytes of the inode (its
        // stream or pending truncation would race this one).
        let _t = self.transition.lock();
        if self.overlay_of(h.ino).is_some()
            || self.inodes.lock().find(&h.bucket, &h.key) != Some(h.ino)
            || self
                .handles_of(h.ino)
                .iter()
                .any(|o| !std::ptr::eq(&**o, h) && o.pending_size().is_some())
        {
            return Ok(false);
        }
        let mut st = h.state.lock();
        let empty = match &*st {
            WriteState::Pending => true,
            WriteState::Clean => match self.store.head_object(&h.bucket, &h.key, At::Current) {
                Ok(i) => i.size == 0,
                Err(e) if not_found(&e) => true,
                Err(e) => return Err(e.into()),
            },
            _ => false,
        };
        if !empty || offset != 0 {
            return Ok(false);
        }
        *st = WriteState::Streaming(Upload::start(
            &self.store,
            &h.bucket,
            &h.key,
            h.meta.clone(),
        ));
        self.stream(h, &mut st, data)?;
        Ok(true)
    }

    pub(super) fn stream(&self, h: &FileHandle, st: &mut WriteState, data: &[u8]) -> Result<()> {
        let WriteState::Streaming(u) = st else {
            unreachable!("called while streaming")
        };
        if let Err(e) = u.write(data) {
            *st = WriteState::Failed(e.to_errno());
            return Err(e);
        }
        let mut pm = h.meta.lock();
        pm.last_write_ns = now_ns();
        pm.mtime_set = false;
        Ok(())
    }

    /// Commits the handle's own streaming write or pending truncation.
    pub(super) fn commit_state(&self, h: &FileHandle) -> Result<()> {
        let mut st = h.state.lock();
        // A file created or truncated and not written since is stored with
        // the attributes its last reply gave the kernel (`pending_attr`):
        // the kernel's cache of it stays true.
        let known = matches!(*st, WriteState::Pending);
        let result = match std::mem::replace(&mut *st, WriteState::Clean) {
            WriteState::Clean => return Ok(()),
            WriteState::Failed(errno) => {
                *st = WriteState::Failed(errno);
                return Err(FsError::EarlierWrite(errno));
            }
            WriteState::Pending => {
                let meta = h.meta.lock().finish();
                self.put_empty(&h.bucket, &h.key, meta, None)
            }
            WriteState::Streaming(u) => u.commit(),
        };
        match result {
            Ok(_) => {
                drop(st);
                h.meta.lock().mtime_set = false;
                if known {
                    self.forget_readers(h.ino);
                } else {
                    self.committed(h.ino);
                }
                Ok(())
            }
            Err(e) => {
                *st = WriteState::Failed(e.to_errno());
                Err(e)
            }
        }
    }

    /// Commits what the handle and its inode's overlay hold (flush on
    /// close, release, fsync); durable on return.
    pub(super) fn commit(&self, h: &FileHandle) -> Result<()> {
        self.commit_state(h)?;
        self.commit_overlay(h.ino)
    }

    /// `close(2)` of a descriptor of the handle. The kernel sends one for
    /// every descriptor closed, including those a forked child closes on
    /// `exec` (`O_CLOEXEC`) while its parent is still writing: committing
    /// then would publish a partial file and turn the rest of a streaming
    /// write into edits. So only a close by the process that opened the
    /// handle commits; anything else waits for that process's close, an
    /// `fsync`, or the release of the last descriptor.
    pub fn flush(&self, fh: u64, pid: u32) -> Result<()> {
        let h = self.handle(fh)?;
        if h.opener != 0 && pid != 0 && pid != h.opener && process_of(pid) != process_of(h.opener) {
            return Ok(());
        }
        let r = self.commit(&h);
        if r.is_err()
            && !self
                .handles_of(h.ino)
                .iter()
                .any(|o| o.write && !std::ptr::eq(&**o, &*h))
        {
            // The file's only writer closed and its changes could not be
            // committed (`ENOSPC`): the close reports it, and they are
            // dropped now rather than at the release, which the kernel
            // sends later; an open in between would see them.
            self.drop_overlay(h.ino);
            self.committed(h.ino);
        }
        r
    }

    /// A write by an unprivileged process clears the set-user-ID bit and,
    /// if the file is group-executable or the writer is not in its group,
    /// the set-group-ID bit, as on a local filesystem (the kernel leaves
    /// that to us: `HANDLE_KILLPRIV_V2`).
    pub fn kill_suid(&self, fh: u64, caller: &Caller) -> Result<()> {
        let h = self.handle(fh)?;
        let mut pm = h.meta.lock();
        let gid = pm.meta.attrs.gid.unwrap_or(self.config.gid);
        if let Some(mode) = pm.meta.attrs.mode
            && mode & (libc::S_ISUID | libc::S_ISGID) != 0
        {
            pm.meta.attrs.mode = Some(drop_set_id(mode, caller, gid));
        }
        Ok(())
    }

    /// Commits and returns once the data is durable (a commit is durable on
    /// return).
    pub fn fsync(&self, fh: u64) -> Result<()> {
        let h = self.handle(fh)?;
        self.commit(&h)?;
        self.store.flush()?;
        Ok(())
    }

    /// `fallocate(2)` through a write handle. The store shares chunks and
    /// never overwrites in place, so no space can be set aside for later
    /// writes: allocating checks that the filesystem has room for the bytes
    /// the call adds past the end (`ENOSPC` if not) and, without
    /// `FALLOC_FL_KEEP_SIZE`, grows the file with zeros. `PUNCH_HOLE` (with
    /// `KEEP_SIZE`, as Linux requires) and `ZERO_RANGE` make a range read
    /// as zeros, which a long range stores as one repeated block of zeros.
    /// Like writes, the change is committed on close or fsync. Other modes
    /// (collapse, insert, unshare) are `EOPNOTSUPP`.
    pub fn fallocate(&self, fh: u64, offset: u64, length: u64, mode: i32) -> Result<()> {
        const KEEP_SIZE: i32 = libc::FALLOC_FL_KEEP_SIZE;
        const PUNCH_HOLE: i32 = libc::FALLOC_FL_PUNCH_HOLE;
        const ZERO_RANGE: i32 = libc::FALLOC_FL_ZERO_RANGE;
        self.writable()?;
        let h = self.handle(fh)?;
        if !h.write {
            return Err(FsError::BadHandle);
        }
        let keep_size = mode & KEEP_SIZE != 0;
        let zeroing = mode & (PUNCH_HOLE | ZERO_RANGE) != 0;
        if mode & !(KEEP_SIZE | PUNCH_HOLE | ZERO_RANGE) != 0
            || mode & PUNCH_HOLE != 0 && (!keep_size || mode & ZERO_RANGE != 0)
        {
            return Err(FsError::NotSupported(
                "fallocate: only allocation, KEEP_SIZE, PUNCH_HOLE and ZERO_RANGE",
            ));
        }
        if length == 0 {
            return Err(FsError::Invalid("fallocate of no bytes".into()));
        }
        let end = offset
            .checked_add(length)
            .ok_or_else(|| FsError::Invalid("fallocate past the largest offset".into()))?;
        let size = self.open_size(&h)?;
        if !zeroing && end > size {
            let (_, free) = self.disk_room()?;
            if end - size > free {
                return Err(FsError::NoSpace);
            }
        }
        let grows = !keep_size && end > size;
        let zeroes = zeroing && offset < size;
        if !grows && !zeroes {
            // No bytes change, but the call modified the file all the same,
            // as Linux's own filesystems stamp it: the times of what the
            // handles will commit, and of the committed version in place
            // (lazily: a program preallocating often must not pay a sync
            // each time).
            let now = now_ns();
            for w in self.handles_of(h.ino) {
                if w.write {
                    let mut pm = w.meta.lock();
                    pm.last_write_ns = pm.last_write_ns.max(now);
                    pm.mtime_set = false;
                }
            }
            let named = self.inodes.lock().find(&h.bucket, &h.key) == Some(h.ino);
            if named {
                let stamp = |m: &mut ObjectMeta| {
                    m.attrs.mtime_ns = Some(now);
                    m.attrs.ctime_ns = Some(now);
                };
                match self
                    .store
                    .lazy()
                    .update_object_meta(&h.bucket, &h.key, At::Current, stamp)
                {
                    Ok(_) => self.committed(h.ino),
                    // Not committed yet: the handles' commit stamps it.
                    Err(e) if not_found(&e) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            return Ok(());
        }
        self.with_overlay(h.ino, Some(&h), |o| {
            if zeroing {
                o.zero(offset, end)?;
            }
            if !keep_size && end > o.size {
                o.set_size(end)?;
            }
            let mut pm = o.meta.lock();
            pm.last_write_ns = now_ns();
            pm.mtime_set = false;
            Ok(())
        })
    }

    /// `copy_file_range(2)` from `fh_in` to `fh_out`; returns the bytes
    /// copied. Bytes appended to the end of a file with nothing
    /// uncommitted (what `cp` asks, into a new or truncated file, in one
    /// call or several: the kernel passes at most 2 GiB a call) are copied
    /// by reference and committed at once: a new version made of the
    /// destination's chunks and the source's, reading only the one or two
    /// chunks the range cuts (`Store::append_copy`). A whole file copied
    /// in one call is S3's CopyObject, with the source's ETag. A file
    /// copied out of `.snapshots/` or `.versions/` is no different. Any
    /// other copy is `EOPNOTSUPP`, on which the kernel and `cp` copy
    /// through reads and writes.
    pub fn copy_file_range(
        &self,
        fh_in: u64,
        off_in: u64,
        fh_out: u64,
        off_out: u64,
        len: u64,
    ) -> Result<u64> {
        let (src, dst) = (self.handle(fh_in)?, self.handle(fh_out)?);
        if !dst.write {
            return Err(FsError::BadHandle);
        }
        self.writable()?;
        let unsupported = FsError::NotSupported("copy_file_range but to the end of a file");
        // Nothing starts a stream or an overlay meanwhile.
        let _t = self.transition.lock();
        // Bytes some handle of `ino` holds uncommitted (a pending
        // truncation holds none).
        let uncommitted = |ino: u64| {
            self.overlay_of(ino).is_some()
                || self
                    .handles_of(ino)
                    .iter()
                    .any(|h| h.pending_size().is_some_and(|s| s > 0))
        };
        if uncommitted(src.ino) {
            return Err(unsupported);
        }
        let source = match self.store.head_object(&src.bucket, &src.key, src.at.at()) {
            Ok(i) => i,
            Err(e) if not_found(&e) => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        if off_in >= source.size {
            return Ok(0);
        }
        let orphan = self.inodes.lock().find(&dst.bucket, &dst.key) != Some(dst.ino);
        if src.ino == dst.ino || orphan || uncommitted(dst.ino) {
            return Err(unsupported);
        }
        let mut st = dst.state.lock();
        // What the bytes are appended to: nothing (a file created or
        // truncated at open, or empty), or the committed version.
        let (base, condition) = match &*st {
            WriteState::Pending if off_out == 0 => (None, None),
            WriteState::Clean => match self.store.head_object(&dst.bucket, &dst.key, At::Current) {
                Ok(i) if i.size == off_out => {
                    (Some(At::Current), Some(WriteCondition::IfMatch(i.etag)))
                }
                Err(e) if not_found(&e) && off_out == 0 => (None, None),
                Err(e) if !not_found(&e) => return Err(e.into()),
                _ => return Err(unsupported),
            },
            _ => return Err(unsupported),
        };
        // A FUSE reply counts the bytes in 32 bits.
        let n = len
            .min(source.size - off_in)
            .min(u64::from(u32::MAX) & !0xfff);
        let meta = {
            let mut pm = dst.meta.lock();
            pm.last_write_ns = now_ns();
            pm.mtime_set = false;
            pm.finish()
        };
        // The handle's own view: a snapshot's record can be hidden, and a
        // `null` version id would name the current one instead.
        self.store.append_copy(AppendCopy {
            src: CopySource {
                bucket: &src.bucket,
                key: &src.key,
                at: src.at.at(),
            },
            from: off_in,
            len: n,
            bucket: &dst.bucket,
            key: &dst.key,
            base,
            meta,
            condition,
        })?;
        *st = WriteState::Clean;
        drop(st);
        // Other handles' pending truncations were of the empty file.
        for h in self.handles_of(dst.ino) {
            let mut st = h.state.lock();
            if matches!(*st, WriteState::Pending) {
                *st = WriteState::Clean;
            }
        }
        self.committed(dst.ino);
        Ok(n)
    }

    /// The size of the file open through `h`, with what its handles and
    /// overlay have not committed yet.
    fn open_size(&self, h: &FileHandle) -> Result<u64> {
        if let Some(o) = self.overlay_of(h.ino) {
            let g = o.lock();
            if !g.retired {
                return Ok(g.size);
            }
        }
        // The largest, as `pending_handle` takes it.
        if let Some(size) = self
            .handles_of(h.ino)
            .iter()
            .filter_map(|w| w.pending_size())
            .max()
        {
            return Ok(size);
        }
        match self.store.head_object(&h.bucket, &h.key, At::Current) {
            Ok(i) => Ok(i.size),
            Err(e) if not_found(&e) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes every change made through the mount durable, directory times
    /// included (`fsyncdir`, and `syncfs`-like callers).
    pub fn sync_all(&self) -> Result<()> {
        self.flush_dir_times()?;
        self.store.flush()?;
        Ok(())
    }

    pub fn release(&self, fh: u64) -> Result<()> {
        let h = self.files.write().remove(&fh).ok_or(FsError::BadHandle)?;
        let r = self.commit(&h);
        if self.handles_of(h.ino).is_empty() {
            // The last handle: whatever could not be committed is dropped.
            self.drop_overlay(h.ino);
        }
        match r {
            // Already reported by the write that failed, and again by the
            // flush of this close.
            Err(FsError::EarlierWrite(_)) => Ok(()),
            r => r,
        }
    }
}
