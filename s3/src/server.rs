//! The HTTP server: the accept loop with graceful shutdown, and the
//! pipeline every request goes through — route, authenticate, dispatch to
//! the operation, and turn any error into S3's XML error document. Every
//! response carries `x-amz-request-id`.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use alexander_store::Store;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::combinators::{BoxBody, UnsyncBoxBody};
use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::auth::sigv4;
use crate::error::S3Error;
use crate::iam::{Iam, Principal};
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
}

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
                config,
                on_change: Some(hook),
            }),
        }
    }

    pub fn config(&self) -> &S3Config {
        &self.inner.config
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
        let mut resp = match self.pipeline(parts, body).await {
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
        let result = async {
            let mut parts = parts;
            let (principal, payload, hoisted) = self.authenticate(&mut parts)?;
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
            ops::dispatch(ctx, endpoint, body).await
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

    /// Who sent the request and how its body is protected. A signed
    /// request's head is then made to say only what was signed (see
    /// [`sigv4::Auth::apply`]); the flag says whether headers were added.
    fn authenticate(
        &self,
        parts: &mut http::request::Parts,
    ) -> Result<(Principal, sigv4::Payload, bool), S3Error> {
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
                Ok((principal, auth.payload, hoisted))
            }
            None => Ok((
                Principal::Anonymous,
                sigv4::anonymous_payload(&parts.headers)?,
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

/// Serves S3 on `listener` until `shutdown` completes, then stops accepting
/// and waits (up to `drain`) for requests in flight to finish.
pub async fn serve(
    listener: TcpListener,
    service: S3Service,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    // hyper's own limit on the header section is only a backstop: one over
    // the configured limit but within a few times it is read whole and
    // answered with S3's error document (see `pipeline`), beyond that
    // hyper answers 431 without buffering more.
    let max_header = service
        .inner
        .config
        .limits
        .max_header_bytes
        .saturating_mul(4)
        .max(8192);
    tokio::pin!(shutdown);
    loop {
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
                let conn = http1::Builder::new()
                    .max_header_size(max_header)
                    .max_buf_size(CONN_BUF)
                    .keep_alive(true)
                    .serve_connection(
                        TokioIo::new(stream),
                        hyper::service::service_fn(move |req| {
                            let svc = svc.clone();
                            async move { Ok::<_, Infallible>(svc.handle(req).await) }
                        }),
                    );
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, "connection ended: {e}");
                    }
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
