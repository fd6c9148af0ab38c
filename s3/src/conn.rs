//! Deadlines at the connection: what makes a client that stops reading or
//! writing lose its connection instead of holding it (and what it pins)
//! forever.
//!
//! hyper itself only times the request head (`header_read_timeout`); the
//! rest is here, and counts *progress*, not totals, so a slow but moving
//! transfer of any size is never cut:
//!
//! - [`DeadlineIo`] wraps the socket. A write that stays pending (the
//!   client does not read its response) longer than the stall timeout
//!   fails, and so does a read that stays pending while no request is in
//!   flight (an idle keep-alive connection) longer than the idle timeout.
//!   hyper ends the connection on either error, dropping the response.
//! - [`StallBody`] wraps a request body: once the handler asks for more of
//!   it, the client has the stall timeout to send some. On expiry the body
//!   yields an error, so the upload fails and nothing is committed.
//!
//! Reads while a request is in flight have no deadline at the socket:
//! hyper polls the socket then to notice a client that hangs up, and a
//! handler that takes its time (a large copy) is not the client's fault.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Sleep, sleep};

/// A timer armed while an operation makes no progress: `poll` says whether
/// the deadline has passed since the operation first stalled.
struct StallTimer {
    limit: Option<Duration>,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl StallTimer {
    fn new(limit: Option<Duration>) -> StallTimer {
        StallTimer { limit, sleep: None }
    }

    /// The operation moved: the next stall starts a fresh deadline.
    fn progress(&mut self) {
        self.sleep = None;
    }

    /// The operation is pending: arms the timer if it is not running, and
    /// says whether it has run out (registering the waker if not).
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(limit) = self.limit else {
            return false;
        };
        let sleep = self.sleep.get_or_insert_with(|| Box::pin(sleep(limit)));
        sleep.as_mut().poll(cx).is_ready()
    }
}

/// Requests in flight on one connection, so that the socket knows when it
/// is idle.
#[derive(Clone, Default)]
pub(crate) struct Activity(Arc<AtomicUsize>);

impl Activity {
    /// Marks a request as begun; it ends when the guard is dropped (with
    /// the response body, once hyper has taken all of it).
    pub fn begin(&self) -> Busy {
        self.0.fetch_add(1, Ordering::Relaxed);
        Busy(self.clone())
    }

    fn idle(&self) -> bool {
        self.0.load(Ordering::Relaxed) == 0
    }
}

/// A request in flight; see [`Activity::begin`].
pub(crate) struct Busy(Activity);

impl Drop for Busy {
    fn drop(&mut self) {
        (self.0).0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket whose reads and writes fail when they stall too long; see the
/// module header.
pub(crate) struct DeadlineIo<T> {
    inner: T,
    activity: Activity,
    read: StallTimer,
    write: StallTimer,
}

impl<T> DeadlineIo<T> {
    pub fn new(
        inner: T,
        activity: Activity,
        idle: Option<Duration>,
        stall: Option<Duration>,
    ) -> DeadlineIo<T> {
        DeadlineIo {
            inner,
            activity,
            read: StallTimer::new(idle),
            write: StallTimer::new(stall),
        }
    }

    fn write_pending<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        if self.write.expired(cx) {
            self.write.progress();
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing of the response for too long",
            )));
        }
        Poll::Pending
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for DeadlineIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.read.progress();
                Poll::Ready(r)
            }
            Poll::Pending if this.activity.idle() => {
                if this.read.expired(cx) {
                    this.read.progress();
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "idle connection timed out",
                    )));
                }
                Poll::Pending
            }
            Poll::Pending => {
                this.read.progress();
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for DeadlineIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                this.write.progress();
                Poll::Ready(r)
            }
            Poll::Pending => this.write_pending(cx),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(r) => {
                this.write.progress();
                Poll::Ready(r)
            }
            Poll::Pending => this.write_pending(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(r) => {
                this.write.progress();
                Poll::Ready(r)
            }
            Poll::Pending => this.write_pending(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Ready(r) => {
                this.write.progress();
                Poll::Ready(r)
            }
            Poll::Pending => this.write_pending(cx),
        }
    }
}

/// The error a stalled request body ends with.
#[derive(Debug)]
pub struct BodyStalled(Duration);

impl std::fmt::Display for BodyStalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the client sent nothing of the request body for {:?}",
            self.0
        )
    }
}

impl std::error::Error for BodyStalled {}

/// A request body that fails when the client stops sending it; see the
/// module header.
pub(crate) struct StallBody<B> {
    inner: B,
    timer: StallTimer,
    done: bool,
}

impl<B> StallBody<B> {
    pub fn new(inner: B, stall: Option<Duration>) -> StallBody<B> {
        StallBody {
            inner,
            timer: StallTimer::new(stall),
            done: false,
        }
    }
}

impl<B> Body for StallBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.timer.progress();
                Poll::Ready(frame.map(|r| r.map_err(|e| e.to_string().into())))
            }
            Poll::Pending => {
                if this.timer.expired(cx) {
                    this.done = true;
                    let limit = this.timer.limit.unwrap_or_default();
                    return Poll::Ready(Some(Err(Box::new(BodyStalled(limit)))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that holds `G` until hyper has taken all of it (or
/// dropped it): the request's share of a rate limit, the connection's
/// count of requests in flight.
pub(crate) struct Holding<B, G> {
    inner: B,
    _guard: G,
}

impl<B, G> Holding<B, G> {
    pub fn new(inner: B, guard: G) -> Holding<B, G> {
        Holding {
            inner,
            _guard: guard,
        }
    }
}

impl<B: Body + Unpin, G: Unpin> Body for Holding<B, G> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
