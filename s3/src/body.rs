//! Bridges between hyper's asynchronous bodies and the store's blocking
//! readers, so that data streams both ways with bounded memory.
//!
//! Uploads: [`pump_body`] forwards the request body's frames into a bounded
//! channel, and [`BodyReader`] on the blocking side reads them as a
//! [`std::io::Read`]. Downloads: [`ReaderBody`] is an [`http_body::Body`]
//! of the pieces a blocking task reads from the store's object reader
//! ([`Pieces`]), handed over in batches of [`BATCH`] bytes: the first with the
//! response head, the rest (if any) through a bounded channel.

use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::sync::mpsc;

/// Frames in flight between the network and the store, per request.
const QUEUE: usize = 8;

/// Forwards a request body into a channel until it ends, fails, or the
/// reading side goes away.
pub async fn pump_body<B>(body: B, tx: mpsc::Sender<io::Result<Bytes>>)
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut body = body;
    loop {
        match body.frame().await {
            None => return,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data()
                    && !data.is_empty()
                    && tx.send(Ok(data)).await.is_err()
                {
                    return;
                }
            }
            Some(Err(e)) => {
                let _ = tx
                    .send(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("request body: {e}"),
                    )))
                    .await;
                return;
            }
        }
    }
}

/// The blocking end of [`pump_body`].
pub struct BodyReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
    done: bool,
}

impl BodyReader {
    /// A channel pair: give the sender to [`pump_body`].
    pub fn channel() -> (mpsc::Sender<io::Result<Bytes>>, BodyReader) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (
            tx,
            BodyReader {
                rx,
                current: Bytes::new(),
                done: false,
            },
        )
    }
}

impl BodyReader {
    /// The next piece of the body as it arrived, or `None` at its end.
    pub fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        if !self.current.is_empty() {
            return Ok(Some(std::mem::take(&mut self.current)));
        }
        if self.done {
            return Ok(None);
        }
        match self.rx.blocking_recv() {
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => Err(e),
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.current = b,
                Some(Err(e)) => return Err(e),
                None => self.done = true,
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

/// Bytes of a download gathered into one batch before the blocking side
/// hands them over: one channel message, and one wake of the connection's
/// task, per batch rather than per chunk (chunks are 64 KiB on average),
/// and the batch's pieces ready together for hyper to write with one
/// `writev`. A body of up to one batch goes out with no channel at all.
///
/// Small on purpose: measured on 64 MiB GETs, batches of 1 MiB cost more
/// CPU per byte than 256 KiB (the more bytes in flight between the thread
/// that reads them and the one that sends them, the fewer are still in
/// cache when they are copied to the socket, and the fewer freed buffers
/// the next chunk's allocation can reuse warm).
pub const BATCH: usize = 256 << 10;

/// Batches waiting in the channel, besides the one being gathered and the
/// one hyper is writing: one is enough for reading and sending to overlap,
/// and keeps a download's memory to about a MiB whatever its size.
const BATCHES: usize = 1;

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

/// A response body of pieces read on a blocking thread: the first batch
/// in hand, the rest (if any) coming through a channel.
pub struct ReaderBody {
    /// Pieces ready to go, in order.
    ready: std::vec::IntoIter<Bytes>,
    /// Where later batches come from; `None` once everything is in hand.
    rx: Option<mpsc::Receiver<io::Result<Vec<Bytes>>>>,
    remaining: u64,
}

/// The blocking end of a [`ReaderBody`] with more to come.
pub struct BatchSender {
    tx: mpsc::Sender<io::Result<Vec<Bytes>>>,
}

impl ReaderBody {
    /// A body of `len` bytes, all of them in `pieces`.
    pub fn full(pieces: Vec<Bytes>, len: u64) -> ReaderBody {
        ReaderBody {
            ready: pieces.into_iter(),
            rx: None,
            remaining: len,
        }
    }

    /// A body of `len` bytes that starts with `first`; the rest is to be
    /// sent with [`BatchSender::send_rest`].
    pub fn channel(first: Vec<Bytes>, len: u64) -> (BatchSender, ReaderBody) {
        let (tx, rx) = mpsc::channel(BATCHES);
        let body = ReaderBody {
            ready: first.into_iter(),
            rx: Some(rx),
            remaining: len,
        };
        (BatchSender { tx }, body)
    }
}

impl BatchSender {
    /// Sends the rest of the body, batch by batch, from a blocking thread
    /// (never from a task: it blocks while the channel is full). Stops at
    /// the first error, which ends the body with it, or when the body was
    /// dropped (the client went away).
    pub fn send_rest<F>(self, pieces: &mut Pieces<F>)
    where
        F: FnMut(usize) -> io::Result<Option<Vec<u8>>>,
    {
        while pieces.left() > 0 {
            let batch = pieces.batch();
            let failed = batch.is_err();
            if self.tx.blocking_send(batch).is_err() || failed {
                return;
            }
        }
    }
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
            let Some(rx) = this.rx.as_mut() else {
                return Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "object ended early",
                ))));
            };
            match rx.poll_recv(cx) {
                Poll::Ready(Some(Ok(batch))) => this.ready = batch.into_iter(),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "object reader stopped",
                    ))));
                }
                Poll::Pending => return Poll::Pending,
            }
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
    use http_body_util::Full;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn body_to_reader_and_back() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let (tx, mut reader) = BodyReader::channel();
        tokio::spawn(pump_body(Full::new(Bytes::from(data.clone())), tx));
        let read = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            reader.read_to_end(&mut out).unwrap();
            out
        })
        .await
        .unwrap();
        assert_eq!(read, data);

        let collected = read_through_body(&data, 100_000).await.unwrap();
        assert_eq!(&collected[..], &data[..]);
    }

    /// Streams `data` in pieces of `piece` bytes as a GET does: the first
    /// batch in hand, the rest sent from a blocking thread.
    async fn read_through_body(data: &[u8], piece: usize) -> io::Result<Bytes> {
        let len = data.len() as u64;
        let mut source = data
            .chunks(piece)
            .map(<[u8]>::to_vec)
            .collect::<Vec<_>>()
            .into_iter();
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::task::spawn_blocking(move || {
            let mut pieces = Pieces::new(len, move |max| {
                Ok(source.next().map(|mut p| {
                    p.truncate(max);
                    p
                }))
            });
            let first = match pieces.batch() {
                Ok(b) => b,
                Err(e) => return drop(tx.send(Err(e))),
            };
            if pieces.left() == 0 {
                let _ = tx.send(Ok(ReaderBody::full(first, len)));
            } else {
                let (sender, body) = ReaderBody::channel(first, len);
                if tx.send(Ok(body)).is_ok() {
                    sender.send_rest(&mut pieces);
                }
            }
        });
        let body = rx.await.unwrap()?;
        assert_eq!(body.size_hint().exact(), Some(len));
        Ok(body.collect().await?.to_bytes())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bodies_of_every_shape() {
        let data: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
        for len in [0, 1, BATCH - 1, BATCH, BATCH + 1, 3 * BATCH + 7, data.len()] {
            for piece in [1000, 65_536, 300_000] {
                let got = read_through_body(&data[..len], piece).await.unwrap();
                assert_eq!(&got[..], &data[..len], "len {len}, pieces of {piece}");
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn short_reader_is_an_error_not_a_short_body() {
        let mut once = Some(vec![1u8; 10]);
        let mut pieces = Pieces::new(20, move |_| Ok(once.take()));
        assert!(pieces.batch().is_err());
        // Ending early after the first batch ends the body with an error.
        let data = vec![7u8; BATCH + 10];
        let mut source = vec![data.clone()].into_iter();
        let mut pieces = Pieces::new(2 * BATCH as u64, move |_| Ok(source.next()));
        let first = pieces.batch().unwrap();
        let (sender, body) = ReaderBody::channel(first, 2 * BATCH as u64);
        tokio::task::spawn_blocking(move || sender.send_rest(&mut pieces));
        assert!(body.collect().await.is_err());
    }
}
