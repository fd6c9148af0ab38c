//! A sequential write streaming into the store.
//!
//! The bytes of a handle that writes from offset 0 onwards go through a
//! bounded channel to a dedicated thread running `Store::put_file_then`,
//! which chunks and stores them as they come: they reach the disk once, and
//! memory stays bounded by the channel (a few write requests). Closing the
//! channel commits the object; an abort message makes the put fail, so
//! nothing is committed.
//!
//! The thread starts only once the file outgrows [`SMALL`]: until then its
//! bytes are kept in the handle and a close stores them on the closing
//! thread. A small file (most files of a source tree or a mail folder)
//! then costs no thread start and no hand-offs between threads.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use alexander_store::{ObjectInfo, ObjectMeta, PutOptions, Store};
use parking_lot::Mutex;

use crate::error::{FsError, Result};

/// Write requests in flight between a handle and its upload thread.
const QUEUE: usize = 8;

/// Bytes a file may reach before its upload thread starts.
pub const SMALL: usize = 128 << 10;

enum Msg {
    Data(Vec<u8>),
    Abort,
}

/// The metadata a commit stores, shared with `setattr` so that a `chmod` or
/// `utimens` made while the file is being written is not lost.
#[derive(Clone, Debug, Default)]
pub struct PendingMeta {
    pub meta: ObjectMeta,
    /// The mtime was set explicitly since the last write; otherwise the
    /// commit stamps the time of the last write.
    pub mtime_set: bool,
    /// Time of the last write, ns since the epoch.
    pub last_write_ns: i64,
}

impl PendingMeta {
    /// The metadata to commit: a write changed the file's status too, so
    /// its change time is the later of the last write and the last
    /// attribute change.
    pub fn finish(&self) -> ObjectMeta {
        let mut meta = self.meta.clone();
        if !self.mtime_set {
            meta.attrs.mtime_ns = Some(self.last_write_ns);
        }
        let ctime = meta.attrs.ctime_ns.unwrap_or(i64::MIN);
        meta.attrs.ctime_ns = Some(ctime.max(self.last_write_ns));
        meta
    }
}

/// Feeds the store from the channel.
struct ChannelReader {
    rx: Receiver<Msg>,
    buf: Vec<u8>,
    pos: usize,
    /// Where emptied buffers go back to the writing side, to be filled
    /// again: a fresh buffer of a write's size would be a fresh mapping of
    /// memory, and faulting its pages in cost more than the copy into it.
    spare: SyncSender<Vec<u8>>,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            match self.rx.recv() {
                Ok(Msg::Data(d)) => {
                    let used = std::mem::replace(&mut self.buf, d);
                    // Dropped when the writing side holds enough spares
                    // or is gone.
                    let _ = self.spare.try_send(used);
                    self.pos = 0;
                }
                Ok(Msg::Abort) => return Err(io::Error::other("write aborted")),
                // Every sender is gone: the file is complete.
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// An object being written.
pub struct Upload {
    stage: Stage,
    /// Bytes the file holds so far: the offset the next sequential write
    /// must start at.
    pub size: u64,
}

enum Stage {
    /// At most [`SMALL`] bytes so far, all of them here.
    Buffered { buf: Vec<u8>, target: Target },
    /// The upload thread is storing the bytes.
    Streaming {
        tx: Option<SyncSender<Msg>>,
        /// Buffers the upload thread has emptied, to be filled again.
        spare: Receiver<Vec<u8>>,
        thread: Option<JoinHandle<alexander_store::Result<ObjectInfo>>>,
    },
    /// Committed, aborted or failed to start.
    Done,
}

/// Where the bytes go.
struct Target {
    store: Store,
    bucket: String,
    key: String,
    meta: Arc<Mutex<PendingMeta>>,
}

impl Target {
    /// Stores `source` and commits it with the handle's metadata as it
    /// stands once the last byte is in.
    fn put(self, source: impl Read) -> alexander_store::Result<ObjectInfo> {
        let Target {
            store,
            bucket,
            key,
            meta,
        } = self;
        store.put_file_then(&bucket, &key, source, PutOptions::default(), |_, m| {
            *m = meta.lock().finish();
            Ok(())
        })
    }
}

impl Upload {
    /// Starts writing `bucket/key` from its first byte.
    pub fn start(store: &Store, bucket: &str, key: &str, meta: Arc<Mutex<PendingMeta>>) -> Upload {
        Upload {
            stage: Stage::Buffered {
                buf: Vec::new(),
                target: Target {
                    store: store.clone(),
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                    meta,
                },
            },
            size: 0,
        }
    }

    /// Appends `data`; blocks while the queue is full.
    pub fn write(&mut self, data: &[u8]) -> Result<()> {
        if let Stage::Buffered { buf, .. } = &mut self.stage {
            if buf.len() + data.len() <= SMALL {
                buf.extend_from_slice(data);
                self.size += data.len() as u64;
                return Ok(());
            }
            self.spawn()?;
        }
        let sent = match &self.stage {
            Stage::Streaming {
                tx: Some(tx),
                spare,
                ..
            } => {
                let mut buf = spare.try_recv().unwrap_or_default();
                buf.clear();
                buf.extend_from_slice(data);
                tx.send(Msg::Data(buf)).is_ok()
            }
            _ => false,
        };
        if !sent {
            // The thread stopped early: its error tells why.
            return match self.join() {
                Err(e) => Err(e),
                Ok(_) => Err(FsError::BadHandle),
            };
        }
        self.size += data.len() as u64;
        Ok(())
    }

    /// Starts the upload thread and hands it what was buffered.
    fn spawn(&mut self) -> Result<()> {
        let Stage::Buffered { buf, target } = std::mem::replace(&mut self.stage, Stage::Done)
        else {
            unreachable!("spawned only from the buffered stage")
        };
        let (tx, rx) = sync_channel(QUEUE);
        let (spare_tx, spare) = sync_channel(QUEUE);
        let reader = ChannelReader {
            rx,
            buf,
            pos: 0,
            spare: spare_tx,
        };
        let thread = std::thread::Builder::new()
            .name("fuse-upload".into())
            .spawn(move || target.put(reader))
            .map_err(alexander_store::Error::Io)?;
        self.stage = Stage::Streaming {
            tx: Some(tx),
            spare,
            thread: Some(thread),
        };
        Ok(())
    }

    /// Ends the stream and commits; returns once the object is committed.
    pub fn commit(mut self) -> Result<ObjectInfo> {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Buffered { buf, target } => Ok(target.put(&buf[..])?),
            streaming => {
                self.stage = streaming;
                self.join()
            }
        }
    }

    /// Drops what was written: nothing is committed.
    pub fn abort(mut self) {
        if let Stage::Streaming { tx, .. } = &mut self.stage
            && let Some(tx) = tx.take()
        {
            let _ = tx.send(Msg::Abort);
        }
        let _ = self.join();
    }

    fn join(&mut self) -> Result<ObjectInfo> {
        let Stage::Streaming { tx, thread, .. } = &mut self.stage else {
            return Err(FsError::BadHandle);
        };
        *tx = None;
        match thread.take() {
            Some(t) => match t.join() {
                Ok(r) => Ok(r?),
                Err(_) => Err(FsError::Store(alexander_store::Error::Io(
                    io::Error::other("upload thread panicked"),
                ))),
            },
            None => Err(FsError::BadHandle),
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Stage::Streaming { tx, thread, .. } = &mut self.stage
            && thread.is_some()
        {
            if let Some(tx) = tx.take() {
                let _ = tx.send(Msg::Abort);
            }
            let _ = self.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alexander_store::{At, Config};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Config::default()).unwrap();
        store.create_bucket("files").unwrap();
        (dir, store)
    }

    fn read(store: &Store, key: &str) -> alexander_store::Result<Vec<u8>> {
        let mut out = Vec::new();
        store
            .get_object("files", key, At::Current, None)?
            .read_to_end(&mut out)
            .unwrap();
        Ok(out)
    }

    fn bytes(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn small_files_and_large_ones_commit_whole() {
        let (_dir, store) = store();
        // Below the threshold, exactly at it, and past it: the last one
        // starts its thread on the write that crosses the threshold, with
        // the buffered bytes first.
        for (key, len) in [
            ("empty", 0),
            ("small", 4096),
            ("edge", SMALL),
            ("large", SMALL * 3 + 17),
        ] {
            let meta = Arc::new(Mutex::new(PendingMeta::default()));
            let mut u = Upload::start(&store, "files", key, meta.clone());
            let data = bytes(len, len as u8);
            for piece in data.chunks(50_000) {
                u.write(piece).unwrap();
            }
            assert_eq!(u.size, len as u64);
            // A chmod made while the file is written is committed with it.
            meta.lock().meta.attrs.mode = Some(0o100600);
            let info = u.commit().unwrap();
            assert_eq!(info.size, len as u64, "{key}");
            assert_eq!(read(&store, key).unwrap(), data, "{key}");
            let head = store.head_object("files", key, At::Current).unwrap();
            assert_eq!(head.meta.attrs.mode, Some(0o100600), "{key}");
        }
    }

    #[test]
    fn an_aborted_or_dropped_upload_commits_nothing() {
        let (_dir, store) = store();
        for (key, len) in [("small", 1000), ("large", SMALL + 1)] {
            let meta = Arc::new(Mutex::new(PendingMeta::default()));
            let mut u = Upload::start(&store, "files", key, meta.clone());
            u.write(&bytes(len, 1)).unwrap();
            u.abort();
            let mut u = Upload::start(&store, "files", key, meta);
            u.write(&bytes(len, 2)).unwrap();
            drop(u);
            assert!(read(&store, key).is_err(), "{key} was committed");
        }
    }
}
