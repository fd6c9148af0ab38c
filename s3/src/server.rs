//! The HTTP server: the accept loop with graceful shutdown, and the
//! pipeline every request goes through — route, authenticate, dispatch to
//! the operation, and turn any error into S3's XML error document. Every
//! response carries `x-amz-request-id`.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use alexander_store::Store;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::combinators::{BoxBody, UnsyncBoxBody};
use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::auth::sigv4;
use crate::conn::{Activity, DeadlineIo, Holding, StallBody};
use crate::error::{S3Error, S3ErrorCode};
use crate::iam::{Iam, Principal};
use crate::limit::{Limiter, Permit, RateLimit, Subject};
use crate::ops::{self, Ctx};
use crate::router;

/// A request body, whatever the transport gave.
pub type RequestBody = UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// A response body: bytes in memory or a stream from the store.
pub type ResponseBody = BoxBody<Bytes, io::Error>;

/// A body of bytes in memory.
pub fn full(bytes: impl Into<Bytes>) -> ResponseBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// An empty body.
pub fn empty() -> ResponseBody {
    Empty::new().map_err(|never| match never {}).boxed()
}

/// Protocol limits; every one can be changed in the server's config.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Bytes of request line and headers.
    pub max_header_bytes: usize,
    /// Bytes of user metadata (names and values of `x-amz-meta-*`).
    pub max_user_metadata: usize,
    /// Bytes of an XML request body.
    pub max_xml_bytes: usize,
    /// Parts of a multipart upload.
    pub max_parts: u32,
    /// Smallest part but the last.
    pub min_part_size: u64,
    /// Largest part.
    pub max_part_size: u64,
    /// Largest object in a single PUT.
    pub max_put_size: u64,
    /// Keys in one DeleteObjects request.
    pub max_delete_keys: usize,
    /// How long a client may take to send a whole request head, counted
    /// from the connection's start or the end of its previous response
    /// (hyper's header timer, which therefore also bounds an idle
    /// keep-alive connection). None: no limit.
    pub header_timeout: Option<Duration>,
    /// How long a keep-alive connection may sit with no request. None: no
    /// limit.
    pub idle_timeout: Option<Duration>,
    /// How long a request body may go without a byte arriving, and a
    /// response without the client taking a byte, before the request is
    /// aborted. None: no limit.
    pub stall_timeout: Option<Duration>,
    /// Connections open at once; past it new ones wait in the listen
    /// backlog, not accepted, so that a flood of them cannot exhaust file
    /// descriptors or memory.
    pub max_connections: usize,
    /// Requests per second and in flight per client.
    pub rate: RateLimit,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 64 * 1024,
            max_user_metadata: 2 * 1024,
            max_xml_bytes: 1024 * 1024,
            max_parts: 10_000,
            min_part_size: 5 * 1024 * 1024,
            max_part_size: 5 * 1024 * 1024 * 1024,
            max_put_size: 5 * 1024 * 1024 * 1024,
            max_delete_keys: 1000,
            header_timeout: Some(Duration::from_secs(30)),
            idle_timeout: Some(Duration::from_secs(60)),
            stall_timeout: Some(Duration::from_secs(60)),
            max_connections: 4096,
            rate: RateLimit::default(),
        }
    }
}

/// How the endpoint presents itself.
#[derive(Clone, Debug)]
pub struct S3Config {
    /// The region clients sign for.
    pub region: String,
    /// Domain for virtual-host-style addressing (`bucket.<domain>`); none:
    /// path style only.
    pub vhost_domain: Option<String>,
    pub limits: Limits,
}

impl Default for S3Config {
    fn default() -> Self {
        S3Config {
            region: "us-east-1".to_owned(),
            vhost_domain: None,
            limits: Limits::default(),
        }
    }
}

/// The S3 service over one store. Cheap to clone.
#[derive(Clone)]
pub struct S3Service {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub store: Store,
    pub iam: Iam,
    pub config: S3Config,
    /// Told of every bucket and key a successful request changed.
    pub on_change: Option<ChangeHook>,
    /// Requests per client.
    pub limiter: Arc<Limiter>,
}

/// The address a request came from, put in its extensions by [`serve`]:
/// the rate limit's client for requests no verified key signed.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// Called with the bucket and key (empty when a request changed several
/// keys, or the bucket itself) after a request that changed them succeeded:
/// the other view of the store (the mount) drops what it caches of them.
/// It runs on a blocking thread, before the response is sent, and may wait.
pub type ChangeHook = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// A request id: 16 hex digits, unique enough to find a request in logs.
fn request_id() -> String {
    format!("{:016X}", rand::random::<u64>())
}

impl S3Service {
    pub fn new(store: Store, iam: Iam, config: S3Config) -> S3Service {
        S3Service {
            inner: Arc::new(Inner {
                store,
                iam,
                limiter: Arc::new(Limiter::new(config.limits.rate)),
                config,
                on_change: None,
            }),
        }
    }

    /// The same service, telling `hook` of every change it makes.
    pub fn with_change_hook(
        store: Store,
        iam: Iam,
        config: S3Config,
        hook: ChangeHook,
    ) -> S3Service {
        S3Service {
            inner: Arc::new(Inner {
                store,
                iam,
                limiter: Arc::new(Limiter::new(config.limits.rate)),
                config,
                on_change: Some(hook),
            }),
        }
    }

    pub fn config(&self) -> &S3Config {
        &self.inner.config
    }

    /// Requests refused with `SlowDown` since the start.
    pub fn slowdowns(&self) -> u64 {
        self.inner.limiter.refused()
    }

    /// Answers one request. Never fails: errors become S3 error documents.
    pub async fn handle<B>(&self, req: Request<B>) -> Response<ResponseBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: std::fmt::Display,
    {
        let id = request_id();
        let (parts, body) = req.into_parts();
        // An error may be answered before the body is read; the connection
        // cannot then carry another request, and the client must know.
        let has_body = parts.headers.contains_key(http::header::TRANSFER_ENCODING)
            || parts
                .headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim() != "0");
        let body: RequestBody = body
            .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.to_string().into() })
            .boxed_unsync();
        let method = parts.method.clone();
        let path = parts.uri.path().to_owned();
        let started = std::time::Instant::now();
        let mut resp = match self.pipeline(parts, body, &id).await {
            Ok(resp) => resp,
            Err(e) => {
                if e.code.status().is_client_error() {
                    // A refusal: say why, next to the id the client was
                    // given. The canonical request and string to sign stay
                    // in the reply: they are long and carry header values.
                    let fields: Vec<String> = e
                        .fields
                        .iter()
                        .filter(|(n, _)| {
                            !matches!(
                                *n,
                                "CanonicalRequest" | "StringToSign" | "SignatureProvided"
                            )
                        })
                        .map(|(n, v)| format!("{n}={v}"))
                        .collect();
                    tracing::info!(
                        request_id = %id,
                        %method,
                        path = %path,
                        code = e.code.as_str(),
                        reason = %e.message,
                        fields = %fields.join("; "),
                        "request refused"
                    );
                }
                error_response(&e, &id, &path, method == Method::HEAD)
            }
        };
        let failed = !resp.status().is_success();
        let headers = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&id) {
            headers.insert("x-amz-request-id", v.clone());
            headers.insert("x-amz-id-2", v);
        }
        headers.insert("server", HeaderValue::from_static("Alexander"));
        if has_body && failed {
            headers.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        tracing::debug!(
            request_id = %id,
            %method,
            path = %path,
            status = resp.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "request"
        );
        resp
    }

    async fn pipeline(
        &self,
        parts: http::request::Parts,
        body: RequestBody,
        id: &str,
    ) -> Result<Response<ResponseBody>, S3Error> {
        let limit = self.inner.config.limits.max_header_bytes;
        let header_bytes: usize = parts.uri.to_string().len()
            + parts
                .headers
                .iter()
                .map(|(n, v)| n.as_str().len() + v.len() + 4)
                .sum::<usize>();
        if header_bytes > limit {
            return Err(S3Error::new(
                crate::error::S3ErrorCode::RequestHeaderSectionTooLarge,
                format!(
                    "Your request header section exceeds the maximum allowed size of {limit} bytes."
                ),
            ));
        }
        if parts.method == Method::GET
            && parts.uri.query().is_none()
            && matches!(parts.uri.path(), "/health" | "/healthz" | "/readyz")
        {
            let mut resp = Response::new(full("OK\n"));
            resp.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/plain"));
            return Ok(resp);
        }
        let endpoint = router::route_request(
            &parts.method,
            &parts.uri,
            &parts.headers,
            self.inner.config.vhost_domain.as_deref(),
        )?;
        // A cross-origin request on a bucket gets the Access-Control-*
        // headers the bucket's CORS rules grant, whether it succeeds or not.
        let cors = match endpoint.bucket() {
            Some(bucket)
                if !matches!(endpoint, router::Endpoint::Options { .. })
                    && parts.headers.contains_key(http::header::ORIGIN) =>
            {
                ops::config::cors_response_headers(
                    &self.inner.store,
                    bucket,
                    &parts.method,
                    &parts.headers,
                )
            }
            _ => Vec::new(),
        };
        // What a successful change touched, for the change hook.
        let changed = match (&self.inner.on_change, endpoint.bucket()) {
            (Some(_), Some(bucket))
                if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) =>
            {
                Some((bucket.to_owned(), endpoint.key().unwrap_or("").to_owned()))
            }
            _ => None,
        };
        let addr = parts.extensions.get::<ClientAddr>().map(|a| a.0.ip());
        let by_addr = || Subject::addr(addr.unwrap_or(std::net::Ipv6Addr::UNSPECIFIED.into()));
        let result = async {
            let mut parts = parts;
            let (principal, payload, key, hoisted) = match self.authenticate(&mut parts) {
                Ok(found) => found,
                Err(e) => {
                    // Failed signatures count against the address, so that
                    // guessing keys costs the guesser its rate.
                    self.admit(by_addr(), id)?;
                    return Err(e);
                }
            };
            let subject = key.map_or_else(by_addr, Subject::Key);
            let permit = self.admit(subject, id)?;
            // Query parameters a presigned URL signed in place of headers
            // may make a PUT a copy: route again with them.
            let endpoint = if hoisted {
                router::route_request(
                    &parts.method,
                    &parts.uri,
                    &parts.headers,
                    self.inner.config.vhost_domain.as_deref(),
                )?
            } else {
                endpoint
            };
            let ctx = Ctx {
                svc: self.clone(),
                parts,
                principal,
                payload,
            };
            let resp = ops::dispatch(ctx, endpoint, body).await?;
            Ok(match permit {
                // The request holds its share until its body is sent.
                Some(permit) => resp.map(|b| Holding::new(b, permit).boxed()),
                None => resp,
            })
        }
        .await;
        if let (Some(hook), Some((bucket, key)), Ok(resp)) =
            (&self.inner.on_change, changed, &result)
            && resp.status().is_success()
        {
            // The hook may wait (briefly) for the mount's kernel cache to
            // drop the key, so that the change is seen there once the
            // client has its answer; that wait is not a worker's.
            let hook = hook.clone();
            let _ = tokio::task::spawn_blocking(move || hook(&bucket, &key)).await;
        }
        match result {
            Ok(mut resp) => {
                for (name, value) in cors {
                    ops::set_header(resp.headers_mut(), name, &value);
                }
                Ok(resp)
            }
            Err(mut e) => {
                e.headers.extend(cors);
                Err(e)
            }
        }
    }

    /// Admits a request of `subject` under the rate limit, or refuses it
    /// with `SlowDown`.
    fn admit(&self, subject: Subject, id: &str) -> Result<Option<Permit>, S3Error> {
        self.inner
            .limiter
            .admit(subject.clone(), Instant::now())
            .map_err(|refusal| {
                tracing::info!(
                    request_id = %id,
                    client = ?subject,
                    reason = refusal.reason(),
                    "refused: SlowDown"
                );
                S3Error::new(S3ErrorCode::SlowDown, "Please reduce your request rate.")
                    .with_header("retry-after", refusal.retry_after_secs().to_string())
            })
    }

    /// Who sent the request, how its body is protected, and the access key
    /// when a signature was verified. A signed request's head is then made
    /// to say only what was signed (see [`sigv4::Auth::apply`]); the flag
    /// says whether headers were added.
    fn authenticate(
        &self,
        parts: &mut http::request::Parts,
    ) -> Result<(Principal, sigv4::Payload, Option<String>, bool), S3Error> {
        let found = std::cell::RefCell::new(None);
        let lookup = |access_key: &str| match self.inner.iam.lookup(access_key) {
            Ok(Some((secret, principal))) => {
                *found.borrow_mut() = Some(principal);
                Some(secret)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!("looking up access key {access_key}: {e}");
                None
            }
        };
        match sigv4::verify_request(parts, &self.inner.config.region, SystemTime::now(), &lookup)? {
            Some(auth) => {
                let principal = found
                    .into_inner()
                    .ok_or_else(|| S3Error::internal("authenticated without a principal"))?;
                let hoisted = auth.apply(parts)?;
                Ok((principal, auth.payload, Some(auth.access_key), hoisted))
            }
            None => Ok((
                Principal::Anonymous,
                sigv4::anonymous_payload(&parts.headers)?,
                None,
                false,
            )),
        }
    }
}

/// The response for an error.
pub fn error_response(
    e: &S3Error,
    request_id: &str,
    resource: &str,
    head: bool,
) -> Response<ResponseBody> {
    let status = e.code.status();
    let mut resp = if head || status == StatusCode::NOT_MODIFIED {
        Response::new(empty())
    } else {
        let mut err = e.to_xml(request_id);
        if e.resource.is_none() {
            // Put the request path in <Resource> as S3 does.
            let with = S3Error {
                code: e.code,
                message: e.message.clone(),
                resource: Some(resource.to_owned()),
                headers: Vec::new(),
                fields: e.fields.clone(),
            };
            err = with.to_xml(request_id);
        }
        let mut r = Response::new(full(err));
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static("application/xml"));
        r
    };
    *resp.status_mut() = status;
    for (name, value) in &e.headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            resp.headers_mut().insert(*name, v);
        }
    }
    resp
}

/// What hyper may hold per connection, each way: the response frames it
/// gathers into one `writev` (a GET hands it a batch of chunks at a time,
/// see [`crate::body::BATCH`]), and the read buffer a request body comes
/// through (so an upload's frames are up to this size; at most eight are
/// queued per upload). hyper's default, about 400 KiB, would do as well;
/// the point is not to tie it to the header limit, which is set apart
/// (`max_header_size`).
const CONN_BUF: usize = crate::body::BATCH;

/// How far past the configured header limit hyper's own limit sits: a head
/// a little over it is still read whole and answered with S3's error
/// document and a request id (see `pipeline`); past this hyper answers 431
/// and closes, having buffered no more. While a head is incomplete hyper
/// holds at most this much of it per connection.
const HEADER_SLACK: usize = 8 * 1024;

/// Serves S3 on `listener` until `shutdown` completes, then stops accepting
/// and waits (up to `drain`) for requests in flight to finish.
pub async fn serve(
    listener: TcpListener,
    service: S3Service,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    let limits = service.inner.config.limits.clone();
    let max_header = limits.max_header_bytes.saturating_add(HEADER_SLACK);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(max_header)
        .max_buf_size(CONN_BUF.max(max_header))
        .keep_alive(true);
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    tokio::pin!(shutdown);
    loop {
        // A connection slot first: without one the next connection stays
        // in the kernel's backlog, unaccepted.
        let slot = tokio::select! {
            slot = connections.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer): (_, SocketAddr) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off a
                        // little instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Without it small responses wait for a delayed ACK.
                let _ = stream.set_nodelay(true);
                let svc = service.clone();
                let activity = Activity::default();
                let io = DeadlineIo::new(
                    stream,
                    activity.clone(),
                    limits.idle_timeout,
                    limits.stall_timeout,
                );
                let stall = limits.stall_timeout;
                let conn = builder.serve_connection(
                    TokioIo::new(io),
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let svc = svc.clone();
                        let busy = activity.begin();
                        let mut req = req.map(|b| StallBody::new(b, stall));
                        req.extensions_mut().insert(ClientAddr(peer));
                        async move {
                            let resp = svc.handle(req).await;
                            // Busy until hyper has taken the whole body.
                            Ok::<_, Infallible>(resp.map(|b| Holding::new(b, busy).boxed()))
                        }
                    }),
                );
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, "connection ended: {e}");
                    }
                    drop(slot);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(drain) => {
            tracing::warn!("requests still running after {drain:?}; stopping anyway");
        }
    }
    Ok(())
}
