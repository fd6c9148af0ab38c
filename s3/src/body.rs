//! Download bodies that read the store only as fast as the client takes
//! the bytes, with no thread per download.
//!
//! [`ReaderBody`] is an [`http_body::Body`] of the pieces read from the
//! store's object reader ([`Pieces`]), a batch of [`BATCH`] bytes at a
//! time. Each batch is read by a short blocking job that gets the reader,
//! reads the batch and hands both back; the next job starts when the body
//! takes a batch, so at most one batch is read ahead of what the
//! connection is writing. No job ever waits for the client: one that never
//! reads its reply holds a couple of batches of memory and no thread.
//! Disk reads at once are bounded by [`READS`]; a body waiting for a
//! permit waits asynchronously. Uploads are the other way round and live
//! in `ops::upload`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// Bytes of a download read by one blocking job: one job, and one wake of
/// the connection's task, per batch rather than per chunk (chunks are
/// 64 KiB on average), and the batch's pieces ready together for hyper to
/// write with one `writev`. A body of up to one batch needs one job in all.
///
/// Small on purpose: measured on 64 MiB GETs, batches of 1 MiB cost more
/// CPU per byte than 256 KiB (the more bytes in flight between the thread
/// that reads them and the one that sends them, the fewer are still in
/// cache when they are copied to the socket, and the fewer freed buffers
/// the next chunk's allocation can reuse warm).
pub const BATCH: usize = 256 << 10;

/// Disk reads of downloads at once, across the process: each is one
/// batch, a short job, so this bounds the blocking threads downloads can
/// take (tokio's pool has 512) and leaves the rest to metadata and
/// uploads. 64 is a choice, not a measurement (the 2-core machine this was
/// written on cannot tell 16 from 64): enough reads in flight to keep a
/// disk's queue full, few enough that a flood of downloads cannot take the
/// pool.
pub static READS: Semaphore = Semaphore::const_new(64);

/// Where a download's pieces come from: an object reader behind a closure.
pub type Source = Box<dyn FnMut(usize) -> io::Result<Option<Vec<u8>>> + Send>;

/// Pieces of a download, taken from a blocking reader batch by batch.
pub struct Pieces<F> {
    next: F,
    left: u64,
}

impl<F> Pieces<F>
where
    F: FnMut(usize) -> io::Result<Option<Vec<u8>>>,
{
    /// `len` bytes from `next`, which is asked for at most as many bytes
    /// as are still due and returns each piece as the buffer it was read
    /// into (a whole chunk, verified), so that it goes out without a copy.
    pub fn new(len: u64, next: F) -> Pieces<F> {
        Pieces { next, left: len }
    }

    /// Bytes not yet taken.
    pub fn left(&self) -> u64 {
        self.left
    }

    /// The next batch: pieces adding up to at least [`BATCH`] bytes, or to
    /// all the bytes still due. A reader that ends early is an error, never
    /// a short body.
    pub fn batch(&mut self) -> io::Result<Vec<Bytes>> {
        let mut batch = Vec::new();
        let mut gathered = 0;
        while self.left > 0 && gathered < BATCH {
            let max = usize::try_from(self.left).unwrap_or(usize::MAX);
            match (self.next)(max)? {
                Some(piece) if !piece.is_empty() && piece.len() as u64 <= self.left => {
                    self.left -= piece.len() as u64;
                    gathered += piece.len();
                    batch.push(Bytes::from(piece));
                }
                _ => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "object ended early",
                    ));
                }
            }
        }
        Ok(batch)
    }
}

/// A batch being read, and the pieces' source handed back with it.
type Fetch = JoinHandle<io::Result<(Pieces<Source>, Vec<Bytes>)>>;

/// A response body of pieces read from the store batch by batch, each
/// batch by a short blocking job started when the one before it is taken.
pub struct ReaderBody {
    /// Pieces ready to go, in order.
    ready: std::vec::IntoIter<Bytes>,
    /// The next batch, being read; `None` once everything is in hand.
    next: Option<Fetch>,
    /// Bytes not sent yet.
    remaining: u64,
}

impl ReaderBody {
    /// A body of `len` bytes that starts with `first`; the rest, if any,
    /// comes from `pieces`, whose next batch is read ahead at once. Call
    /// within a tokio runtime.
    pub fn new(first: Vec<Bytes>, pieces: Pieces<Source>, len: u64) -> ReaderBody {
        let next = (pieces.left() > 0).then(|| fetch(pieces));
        ReaderBody {
            ready: first.into_iter(),
            next,
            remaining: len,
        }
    }
}

/// Starts reading the next batch of `pieces`: at once if a read permit is
/// free (the common case costs one blocking job), else from a task that
/// waits for one.
fn fetch(pieces: Pieces<Source>) -> Fetch {
    match READS.try_acquire() {
        Ok(permit) => tokio::task::spawn_blocking(move || read_batch(pieces, permit)),
        Err(_) => tokio::spawn(async move {
            let permit = READS
                .acquire()
                .await
                .map_err(|_| io::Error::other("read permits closed"))?;
            tokio::task::spawn_blocking(move || read_batch(pieces, permit))
                .await
                .map_err(|e| io::Error::other(format!("object read failed: {e}")))?
        }),
    }
}

/// Reads one batch under a read permit (a blocking job).
fn read_batch(
    mut pieces: Pieces<Source>,
    permit: tokio::sync::SemaphorePermit<'static>,
) -> io::Result<(Pieces<Source>, Vec<Bytes>)> {
    let batch = pieces.batch();
    drop(permit);
    Ok((pieces, batch?))
}

impl Body for ReaderBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        loop {
            if this.remaining == 0 {
                return Poll::Ready(None);
            }
            if let Some(piece) = this.ready.next() {
                // `Pieces` never yields more than is due; checked again
                // here because a wrong Content-Length would corrupt the
                // connection.
                if piece.len() as u64 > this.remaining {
                    return Poll::Ready(Some(Err(io::Error::other("object reader overran"))));
                }
                this.remaining -= piece.len() as u64;
                return Poll::Ready(Some(Ok(Frame::data(piece))));
            }
            let Some(next) = this.next.as_mut() else {
                return Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "object ended early",
                ))));
            };
            let fetched = ready!(Pin::new(next).poll(cx));
            this.next = None;
            let (pieces, batch) = match fetched {
                Ok(Ok(v)) => v,
                Ok(Err(e)) => return Poll::Ready(Some(Err(e))),
                Err(e) => {
                    return Poll::Ready(Some(Err(io::Error::other(format!(
                        "object read failed: {e}"
                    )))));
                }
            };
            // Read ahead: the next batch is read while this one is sent.
            if pieces.left() > 0 {
                this.next = Some(fetch(pieces));
            }
            this.ready = batch.into_iter();
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A source of `data` in pieces of `piece` bytes that counts the bytes
    /// taken from it.
    fn source(data: &[u8], piece: usize, taken: Arc<AtomicU64>) -> Source {
        let mut pieces = data
            .chunks(piece)
            .map(<[u8]>::to_vec)
            .collect::<Vec<_>>()
            .into_iter();
        Box::new(move |max| {
            Ok(pieces.next().map(|mut p| {
                p.truncate(max);
                taken.fetch_add(p.len() as u64, Ordering::SeqCst);
                p
            }))
        })
    }

    /// Opens a body as a GET does: the first batch read on a blocking
    /// thread, the rest read as the body is polled.
    async fn open(data: &[u8], piece: usize, taken: Arc<AtomicU64>) -> io::Result<ReaderBody> {
        let len = data.len() as u64;
        let src = source(data, piece, taken);
        let (pieces, first) = tokio::task::spawn_blocking(move || {
            let mut pieces = Pieces::new(len, src);
            let first = pieces.batch()?;
            Ok::<_, io::Error>((pieces, first))
        })
        .await
        .unwrap()?;
        Ok(ReaderBody::new(first, pieces, len))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bodies_of_every_shape() {
        let data: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
        for len in [0, 1, BATCH - 1, BATCH, BATCH + 1, 3 * BATCH + 7, data.len()] {
            for piece in [1000, 65_536, 300_000] {
                let body = open(&data[..len], piece, Arc::default()).await.unwrap();
                assert_eq!(body.size_hint().exact(), Some(len as u64));
                let got = body.collect().await.unwrap().to_bytes();
                assert_eq!(&got[..], &data[..len], "len {len}, pieces of {piece}");
            }
        }
    }

    /// A body that is not polled reads at most one batch beyond the one it
    /// holds, however long it is left: the store is read as fast as the
    /// client takes the bytes, not faster.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_only_as_it_is_polled() {
        let data: Vec<u8> = (0..(20 * BATCH) as u32).map(|i| (i % 241) as u8).collect();
        let taken = Arc::new(AtomicU64::new(0));
        let mut body = open(&data, 65_536, taken.clone()).await.unwrap();
        // Takes the first batch and one piece of the second.
        let mut got = Vec::new();
        while got.len() <= BATCH {
            let frame = body.frame().await.unwrap().unwrap();
            got.extend_from_slice(&frame.into_data().unwrap());
        }
        // Whatever time the read-ahead is given, it stops one batch ahead.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let limit = 3 * BATCH as u64;
        assert!(
            taken.load(Ordering::SeqCst) <= limit,
            "read {} bytes ahead of a client that took {}",
            taken.load(Ordering::SeqCst),
            got.len()
        );
        let rest = body.collect().await.unwrap().to_bytes();
        got.extend_from_slice(&rest);
        assert_eq!(got, data);
        assert_eq!(taken.load(Ordering::SeqCst), data.len() as u64);
    }

    /// Bodies wait for read permits without a thread: with every permit
    /// taken, a body still opens and is pending, and it completes once the
    /// permits come back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waits_for_a_read_permit_asynchronously() {
        let data: Vec<u8> = (0..(3 * BATCH) as u32).map(|i| (i % 239) as u8).collect();
        let taken = Arc::new(AtomicU64::new(0));
        let all = READS.acquire_many(64).await.unwrap();
        let body = open(&data, 65_536, taken.clone()).await.unwrap();
        let collect = tokio::spawn(async move { body.collect().await.map(|c| c.to_bytes()) });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        // Only the first batch (read before the body exists) was read.
        assert_eq!(taken.load(Ordering::SeqCst), BATCH as u64);
        assert!(!collect.is_finished());
        drop(all);
        assert_eq!(&collect.await.unwrap().unwrap()[..], &data[..]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn short_reader_is_an_error_not_a_short_body() {
        let mut once = Some(vec![1u8; 10]);
        let mut pieces = Pieces::new(20, move |_| Ok(once.take()));
        assert!(pieces.batch().is_err());
        // Ending early after the first batch ends the body with an error.
        let data = vec![7u8; BATCH + 10];
        let mut src = vec![data.clone()].into_iter();
        let next: Source = Box::new(move |_| Ok(src.next()));
        let mut pieces = Pieces::new(2 * BATCH as u64, next);
        let first = pieces.batch().unwrap();
        let body = ReaderBody::new(first, pieces, 2 * BATCH as u64);
        assert!(body.collect().await.is_err());
    }
}
