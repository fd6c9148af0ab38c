//! Bridges between hyper's asynchronous bodies and the store's blocking
//! readers, so that data streams both ways with bounded memory.
//!
//! Uploads: [`pump_body`] forwards the request body's frames into a bounded
//! channel, and [`BodyReader`] on the blocking side reads them as a
//! [`std::io::Read`]. Downloads: [`ReaderBody`] is an [`http_body::Body`]
//! fed by a blocking task that reads the store's object reader.

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

/// A response body streamed from a blocking reader.
pub struct ReaderBody {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    remaining: u64,
}

impl ReaderBody {
    /// Starts a blocking task that sends the pieces `next` yields (up to
    /// `len` bytes in all) as the body, each without a copy. A piece
    /// missing before `len` bytes, or an error, ends the body with an
    /// error.
    pub fn spawn_pieces(
        mut next: impl FnMut() -> io::Result<Option<Vec<u8>>> + Send + 'static,
        len: u64,
    ) -> ReaderBody {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::task::spawn_blocking(move || {
            let mut left = len;
            while left > 0 {
                let msg = match next() {
                    Ok(Some(piece)) if piece.len() as u64 <= left => {
                        left -= piece.len() as u64;
                        Ok(Bytes::from(piece))
                    }
                    Ok(_) => Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "object ended early",
                    )),
                    Err(e) => Err(e),
                };
                let failed = msg.is_err();
                if tx.blocking_send(msg).is_err() || failed {
                    return;
                }
            }
        });
        ReaderBody { rx, remaining: len }
    }
}

impl Body for ReaderBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(b))) => {
                self.remaining = self.remaining.saturating_sub(b.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(b))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "object reader stopped",
            )))),
            Poll::Pending => Poll::Pending,
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

        let mut pieces = data
            .chunks(100_000)
            .map(<[u8]>::to_vec)
            .collect::<Vec<_>>()
            .into_iter();
        let body = ReaderBody::spawn_pieces(move || Ok(pieces.next()), data.len() as u64);
        assert_eq!(body.size_hint().exact(), Some(data.len() as u64));
        let collected = body.collect().await.unwrap().to_bytes();
        assert_eq!(&collected[..], &data[..]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn short_reader_is_an_error_not_a_short_body() {
        let mut once = Some(vec![1u8; 10]);
        let body = ReaderBody::spawn_pieces(move || Ok(once.take()), 20);
        assert!(body.collect().await.is_err());
    }
}
