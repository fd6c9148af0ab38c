//! A sequential write streaming into the store.
//!
//! The bytes of a handle that writes from offset 0 onwards go through a
//! bounded channel to a dedicated thread running `Store::put_object_then`,
//! which chunks and stores them as they come: they reach the disk once, and
//! memory stays bounded by the channel (a few write requests). Closing the
//! channel commits the object; an abort message makes the put fail, so
//! nothing is committed.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use alexander_store::{ObjectInfo, ObjectMeta, PutOptions, Store};
use parking_lot::Mutex;

use crate::error::{FsError, Result};

/// Write requests in flight between a handle and its upload thread.
const QUEUE: usize = 8;

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
    /// The metadata to commit.
    pub fn finish(&self) -> ObjectMeta {
        let mut meta = self.meta.clone();
        if !self.mtime_set {
            meta.attrs.mtime_ns = Some(self.last_write_ns);
        }
        meta
    }
}

/// Feeds the store from the channel.
struct ChannelReader {
    rx: Receiver<Msg>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            match self.rx.recv() {
                Ok(Msg::Data(d)) => {
                    self.buf = d;
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
    tx: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<alexander_store::Result<ObjectInfo>>>,
    /// Bytes the file holds so far: the offset the next sequential write
    /// must start at.
    pub size: u64,
}

impl Upload {
    /// Starts writing `bucket/key` from its first byte.
    pub fn start(
        store: &Store,
        bucket: &str,
        key: &str,
        meta: Arc<Mutex<PendingMeta>>,
    ) -> Result<Upload> {
        let (tx, rx) = sync_channel(QUEUE);
        let reader = ChannelReader {
            rx,
            buf: Vec::new(),
            pos: 0,
        };
        let (store, bucket, key) = (store.clone(), bucket.to_owned(), key.to_owned());
        let thread = std::thread::Builder::new()
            .name("fuse-upload".into())
            .spawn(move || {
                store.put_object_then(&bucket, &key, reader, PutOptions::default(), |_, m| {
                    *m = meta.lock().finish();
                    Ok(())
                })
            })
            .map_err(alexander_store::Error::Io)?;
        Ok(Upload {
            tx: Some(tx),
            thread: Some(thread),
            size: 0,
        })
    }

    /// Appends `data`; blocks while the queue is full.
    pub fn write(&mut self, data: &[u8]) -> Result<()> {
        let sent = match &self.tx {
            Some(tx) => tx.send(Msg::Data(data.to_vec())).is_ok(),
            None => false,
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

    /// Ends the stream and commits; returns once the object is durable.
    pub fn commit(mut self) -> Result<ObjectInfo> {
        self.tx = None;
        self.join()
    }

    /// Drops what was written: nothing is committed.
    pub fn abort(mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Msg::Abort);
        }
        let _ = self.join();
    }

    fn join(&mut self) -> Result<ObjectInfo> {
        self.tx = None;
        match self.thread.take() {
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
        if self.thread.is_some() {
            if let Some(tx) = self.tx.take() {
                let _ = tx.send(Msg::Abort);
            }
            let _ = self.join();
        }
    }
}
