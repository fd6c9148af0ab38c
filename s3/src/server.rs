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
use crate::metrics::{self, S3Metrics};
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
    /// Requests, bytes and connections, counted whether or not anyone
    /// scrapes them.
    pub metrics: S3Metrics,
    /// What `GET /metrics` answers; none: the path is an S3 request.
    pub metrics_endpoint: Option<MetricsEndpoint>,
    /// What `/readyz` checks beyond the store.
    pub ready_check: Option<ReadyCheck>,
    /// One `info` line per request under [`ACCESS_LOG`].
    pub access_log: bool,
}

/// The target of the access log's lines.
pub const ACCESS_LOG: &str = "alexander::access";

/// How long `/readyz` waits for its checks before it answers 503.
pub const READY_DEADLINE: Duration = Duration::from_secs(2);

/// A readiness check beyond the store's own (the mount is alive): `Err`
/// holds a one-line reason. It runs on a blocking thread, and may block;
/// past [`READY_DEADLINE`] the server stops waiting for it.
pub type ReadyCheck = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// `GET /metrics`: the exposition, rendered on a blocking thread for each
/// scrape, and the bearer token a scrape must carry, if one is set.
#[derive(Clone)]
pub struct MetricsEndpoint {
    pub render: Arc<dyn Fn() -> String + Send + Sync>,
    pub token: Option<String>,
}

/// The client's own request id (`X-Request-ID`), kept when it is printable
/// ASCII of at most this many bytes: it is echoed back and logged.
const MAX_CLIENT_REQUEST_ID: usize = 200;

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
                metrics: S3Metrics::default(),
                metrics_endpoint: None,
                ready_check: None,
                access_log: true,
            }),
        }
    }

    /// The service's inner state, to finish setting it up; only before the
    /// service is cloned (it is cloned once serving starts).
    fn setup(&mut self) -> &mut Inner {
        Arc::get_mut(&mut self.inner).expect("a service is set up before it serves")
    }

    /// The same service answering `GET /metrics` (without a query) with
    /// `endpoint`'s exposition, instead of taking it for a bucket.
    pub fn with_metrics_endpoint(mut self, endpoint: MetricsEndpoint) -> S3Service {
        self.setup().metrics_endpoint = Some(endpoint);
        self
    }

    /// The same service asking `check` too before `/readyz` says ready.
    pub fn with_ready_check(mut self, check: ReadyCheck) -> S3Service {
        self.setup().ready_check = Some(check);
        self
    }

    /// The same service with its access log on or off (on by default).
    pub fn with_access_log(mut self, on: bool) -> S3Service {
        self.setup().access_log = on;
        self
    }

    /// The endpoint's metrics, to register where they are exposed.
    pub fn metrics(&self) -> &S3Metrics {
        &self.inner.metrics
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
                metrics: S3Metrics::default(),
                metrics_endpoint: None,
                ready_check: None,
                access_log: true,
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
        let started = Instant::now();
        let id = request_id();
        let (parts, body) = req.into_parts();
        let client_id = client_request_id(&parts.headers);
        // An error may be answered before the body is read; the connection
        // cannot then carry another request, and the client must know.
        let has_body = parts.headers.contains_key(http::header::TRANSFER_ENCODING)
            || parts
                .headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim() != "0");
        let received = self.inner.metrics.clone();
        let body: RequestBody = body
            .map_frame(move |frame| {
                if let Some(data) = frame.data_ref() {
                    received.received(data.len() as u64);
                }
                frame
            })
            .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.to_string().into() })
            .boxed_unsync();
        let method = parts.method.clone();
        let path = parts.uri.path().to_owned();
        let mut seen = Seen {
            op: metrics::UNROUTED,
            bucket: None,
            key: None,
            access_key: None,
            // The names are copied for the log line only when it is written.
            log: self.inner.access_log
                && tracing::enabled!(target: ACCESS_LOG, tracing::Level::INFO),
        };
        let mut resp = match self.pipeline(parts, body, &id, &mut seen).await {
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
        if let Some(v) = &client_id {
            headers.insert("x-request-id", v.clone());
        }
        headers.insert("server", HeaderValue::from_static("Alexander"));
        if has_body && failed {
            headers.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        let finish = Finish {
            metrics: self.inner.metrics.clone(),
            started,
            status: resp.status().as_u16(),
            sent: 0,
            log: seen.log.then(|| AccessLine {
                id,
                client_id: client_id.map(|v| v.to_str().unwrap_or("-").to_owned()),
                method,
                bucket: seen.bucket,
                key: seen.key,
                access_key: seen.access_key,
            }),
            op: seen.op,
        };
        // The request is counted (and logged) once its response body has
        // been handed to the connection whole: before the client can see
        // the response end, so a scrape that follows a response counts it.
        if resp.body().is_end_stream() {
            finish.done();
            return resp;
        }
        let expected = resp.body().size_hint().exact();
        resp.map(|inner| {
            Observed {
                inner,
                expected,
                finish: Some(finish),
            }
            .boxed()
        })
    }

    async fn pipeline(
        &self,
        parts: http::request::Parts,
        body: RequestBody,
        id: &str,
        seen: &mut Seen,
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
        // The service's own paths, unsigned and without a query (a bucket
        // of the same name is still listed with one, as every SDK does).
        if parts.method == Method::GET && parts.uri.query().is_none() {
            match parts.uri.path() {
                "/health" | "/healthz" => {
                    seen.op = metrics::HEALTH;
                    return Ok(text(StatusCode::OK, "OK\n".into()));
                }
                "/readyz" => {
                    seen.op = metrics::READY;
                    return Ok(match self.readiness().await {
                        Ok(()) => text(StatusCode::OK, "OK\n".into()),
                        Err(reason) => {
                            tracing::warn!(%reason, "not ready");
                            text(
                                StatusCode::SERVICE_UNAVAILABLE,
                                format!("not ready: {reason}\n"),
                            )
                        }
                    });
                }
                "/metrics" if self.inner.metrics_endpoint.is_some() => {
                    seen.op = metrics::METRICS;
                    return self.scrape(&parts.headers).await;
                }
                _ => {}
            }
        }
        let endpoint = router::route_request(
            &parts.method,
            &parts.uri,
            &parts.headers,
            self.inner.config.vhost_domain.as_deref(),
        )?;
        seen.op = endpoint.name();
        if seen.log {
            seen.bucket = endpoint.bucket().map(str::to_owned);
            seen.key = endpoint.key().map(str::to_owned);
        }
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
            if seen.log {
                seen.access_key.clone_from(&key);
            }
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
            seen.op = endpoint.name();
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

    /// Whether the server can serve: the store commits a write and reads it
    /// back, its disk has more room than the store keeps in reserve, and
    /// the check the server was given (the mount) passes; all within
    /// [`READY_DEADLINE`]. `Err` says why not, in one line.
    async fn readiness(&self) -> Result<(), String> {
        let svc = self.clone();
        let checks = tokio::task::spawn_blocking(move || svc.ready_checks());
        match tokio::time::timeout(READY_DEADLINE, checks).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(format!("the readiness check failed: {e}")),
            Err(_) => Err(format!(
                "the store (or the mount) did not answer within {} s",
                READY_DEADLINE.as_secs()
            )),
        }
    }

    fn ready_checks(&self) -> Result<(), String> {
        let store = &self.inner.store;
        store
            .probe()
            .map_err(|e| format!("the store cannot write and read back: {e}"))?;
        let free = store
            .free_bytes()
            .map_err(|e| format!("cannot read the data directory's free space: {e}"))?;
        let reserve = store.config().reserved_bytes;
        if free <= reserve {
            return Err(format!(
                "{free} bytes free on the data directory's filesystem, \
                 not more than the store's reserve of {reserve} bytes"
            ));
        }
        match &self.inner.ready_check {
            Some(check) => check(),
            None => Ok(()),
        }
    }

    /// `GET /metrics`: the exposition, if the request carries the token
    /// (when one is set).
    async fn scrape(&self, headers: &http::HeaderMap) -> Result<Response<ResponseBody>, S3Error> {
        let Some(endpoint) = self.inner.metrics_endpoint.clone() else {
            return Err(S3Error::internal("no metrics endpoint"));
        };
        if let Some(token) = &endpoint.token {
            use subtle::ConstantTimeEq;
            let given = headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
                .unwrap_or_default();
            if !bool::from(given.ct_eq(token.as_bytes())) {
                let mut resp = text(
                    StatusCode::UNAUTHORIZED,
                    "metrics need the token: Authorization: Bearer TOKEN\n".into(),
                );
                resp.headers_mut()
                    .insert("www-authenticate", HeaderValue::from_static("Bearer"));
                return Ok(resp);
            }
        }
        let exposition = tokio::task::spawn_blocking(move || (endpoint.render)())
            .await
            .map_err(|e| S3Error::internal(format!("rendering the metrics failed: {e}")))?;
        let mut resp = Response::new(full(exposition));
        resp.headers_mut().insert(
            "content-type",
            HeaderValue::from_static(prometheus_client::encoding::prometheus_text::CONTENT_TYPE),
        );
        Ok(resp)
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

/// A plain-text response.
fn text(status: StatusCode, body: String) -> Response<ResponseBody> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/plain"));
    resp
}

/// The client's `X-Request-ID`, if it is one to echo and log: printable
/// ASCII (no control characters, which a log line must not carry), at most
/// [`MAX_CLIENT_REQUEST_ID`] bytes.
fn client_request_id(headers: &http::HeaderMap) -> Option<HeaderValue> {
    let v = headers.get("x-request-id")?;
    let b = v.as_bytes();
    (!b.is_empty()
        && b.len() <= MAX_CLIENT_REQUEST_ID
        && b.iter().all(|c| (0x20..0x7f).contains(c)))
    .then(|| v.clone())
}

/// What the pipeline learnt of a request, for its metrics and its access
/// log line: the names are filled in only when `log` is set.
pub(crate) struct Seen {
    op: &'static str,
    bucket: Option<String>,
    key: Option<String>,
    access_key: Option<String>,
    log: bool,
}

/// The access log's view of a request.
struct AccessLine {
    id: String,
    client_id: Option<String>,
    method: Method,
    bucket: Option<String>,
    key: Option<String>,
    access_key: Option<String>,
}

/// What is counted and logged once a response is out.
struct Finish {
    metrics: S3Metrics,
    op: &'static str,
    status: u16,
    started: Instant,
    /// Bytes of the body handed to the connection.
    sent: u64,
    log: Option<AccessLine>,
}

impl Finish {
    fn done(self) {
        let took = self.started.elapsed();
        self.metrics.request(self.op, self.status, took);
        if let Some(l) = self.log {
            let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
            tracing::info!(
                target: ACCESS_LOG,
                method = %l.method,
                bucket = %dash(&l.bucket),
                key = %dash(&l.key),
                status = self.status,
                bytes = self.sent,
                ms = took.as_secs_f64() * 1e3,
                request_id = %l.id,
                client_request_id = %dash(&l.client_id),
                access_key = %dash(&l.access_key),
                op = self.op,
                "request"
            );
        }
    }
}

/// A response body that counts the bytes it hands out and finishes the
/// request ([`Finish::done`]) at its end: its last frame, the length it
/// announced, or its drop (the client went away).
struct Observed {
    inner: ResponseBody,
    expected: Option<u64>,
    finish: Option<Finish>,
}

impl Body for Observed {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            std::task::Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some(f)) = (frame.data_ref(), this.finish.as_mut()) {
                    f.sent += data.len() as u64;
                    f.metrics.sent(data.len() as u64);
                }
                let sent = this.finish.as_ref().map_or(0, |f| f.sent);
                if (this.inner.is_end_stream() || this.expected.is_some_and(|n| sent >= n))
                    && let Some(f) = this.finish.take()
                {
                    f.done();
                }
            }
            std::task::Poll::Ready(_) => {
                if let Some(f) = this.finish.take() {
                    f.done();
                }
            }
            std::task::Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Observed {
    fn drop(&mut self) {
        if let Some(f) = self.finish.take() {
            f.done();
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
                let open = service.inner.metrics.connection();
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, "connection ended: {e}");
                    }
                    drop(open);
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
