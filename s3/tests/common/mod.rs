//! Test harness: an S3 endpoint on a free loopback port over a temporary
//! store, and an `aws-sdk-s3` client for it with the SDK's default settings
//! (streaming unsigned-trailer uploads and checksums included).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use alexander_s3::iam::{Iam, MasterKey, ROOT};
use alexander_s3::{S3Config, S3Service};
use alexander_store::{Config, Store};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Credentials, Region};

mod damage;
pub use damage::damage_unseen;

pub const ACCESS_KEY: &str = "ROOTTESTKEY";
pub const SECRET_KEY: &str = "root-test-secret-key-0123456789";
pub const REGION: &str = "us-east-1";

/// A running endpoint. Dropping it stops the server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub store: Store,
    pub iam: Iam,
    /// The service the server runs, for its counters.
    pub service: S3Service,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(S3Config::default())
    }

    pub fn start_with(config: S3Config) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            dir.path(),
            Config {
                gc_grace: Duration::ZERO,
                ..Config::default()
            },
        )
        .unwrap();
        let iam = Iam::new(store.clone(), &MasterKey::generate());
        iam.ensure_root().unwrap();
        iam.import_key(ROOT, ACCESS_KEY, SECRET_KEY).unwrap();
        let service = S3Service::new(store.clone(), iam.clone(), config);
        let served = service.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                alexander_s3::serve(
                    listener,
                    service,
                    async {
                        let _ = stopped.await;
                    },
                    Duration::from_secs(5),
                )
                .await
                .unwrap();
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        TestServer {
            addr,
            store,
            iam,
            service: served,
            dir,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client signing as root.
    pub fn client(&self) -> Client {
        self.client_as(ACCESS_KEY, SECRET_KEY)
    }

    /// A client signing with the given key.
    pub fn client_as(&self, access_key: &str, secret: &str) -> Client {
        self.configured(access_key, secret, |c| c)
    }

    /// A client signing as root, with settings of its own.
    pub fn client_with(
        &self,
        f: impl FnOnce(aws_sdk_s3::config::Builder) -> aws_sdk_s3::config::Builder,
    ) -> Client {
        self.configured(ACCESS_KEY, SECRET_KEY, f)
    }

    fn configured(
        &self,
        access_key: &str,
        secret: &str,
        f: impl FnOnce(aws_sdk_s3::config::Builder) -> aws_sdk_s3::config::Builder,
    ) -> Client {
        let creds = Credentials::new(access_key, secret, None, None, "test");
        let config = aws_sdk_s3::Config::builder()
            .behavior_version_latest()
            .region(Region::new(REGION))
            .endpoint_url(self.endpoint())
            .credentials_provider(creds)
            .force_path_style(true);
        Client::from_conf(f(config).build())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A bucket name unique to one test.
pub fn bucket_name(prefix: &str) -> String {
    format!("{prefix}-{:08x}", rand::random::<u32>())
}

/// Seeded bytes.
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    use rand::{RngCore, SeedableRng};
    let mut v = vec![0u8; len];
    rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

/// A tokio runtime for a test body.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

// Helpers for the object and multipart tests.

/// The S3 error code of a failed SDK call (`<none>` when there is none).
pub fn s3_code<E, R>(err: &aws_sdk_s3::error::SdkError<E, R>) -> String
where
    E: aws_sdk_s3::error::ProvideErrorMetadata,
{
    use aws_sdk_s3::error::ProvideErrorMetadata;
    err.code().unwrap_or("<none>").to_owned()
}

/// The HTTP status of a failed SDK call (0 when no response came).
pub fn http_status<E>(
    err: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> u16 {
    err.raw_response().map_or(0, |r| r.status().as_u16())
}

/// A new bucket, created in the store directly (so that object tests do not
/// depend on CreateBucket).
pub fn new_bucket(server: &TestServer, prefix: &str) -> String {
    let name = bucket_name(prefix);
    server.store.create_bucket(&name).unwrap();
    name
}

/// Hex MD5.
pub fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(data))
}

/// The ETag S3 gives an object uploaded in these parts: `md5(md5s)-N`.
pub fn multipart_etag(parts: &[&[u8]]) -> String {
    use md5::Digest;
    let mut all = md5::Md5::new();
    for p in parts {
        all.update(md5::Md5::digest(p));
    }
    format!("{}-{}", hex::encode(all.finalize()), parts.len())
}

/// A body for the SDK.
pub fn body(data: &[u8]) -> aws_sdk_s3::primitives::ByteStream {
    aws_sdk_s3::primitives::ByteStream::from(data.to_vec())
}

/// Reads an object whole through the SDK.
pub async fn get_bytes(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

/// A raw request signed as root with the Authorization header, for what the
/// SDK would not send. `path` and `query` are as sent (percent-encoded);
/// `payload_hash` is `x-amz-content-sha256`.
pub fn signed_request(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    payload_hash: &str,
) -> reqwest::RequestBuilder {
    signed_request_plus(
        server,
        method,
        path,
        query,
        headers,
        &[],
        body,
        payload_hash,
    )
}

/// As [`signed_request`], and also sends `unsigned`, headers the signature
/// does not cover: what a third party adds to a request someone signed.
#[allow(clippy::too_many_arguments)]
pub fn signed_request_plus(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    unsigned: &[(&str, &str)],
    body: Vec<u8>,
    payload_hash: &str,
) -> reqwest::RequestBuilder {
    let signed = sign_as_root(server, method, path, query, headers, payload_hash);
    let url = if query.is_empty() {
        format!("{}{path}", server.endpoint())
    } else {
        format!("{}{path}?{query}", server.endpoint())
    };
    let mut req = reqwest::Client::new()
        .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
        .body(body);
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    for (n, v) in signed.headers {
        req = req.header(n, v);
    }
    for (n, v) in unsigned {
        req = req.header(*n, *v);
    }
    req
}

/// A URL presigned as root for five minutes: `path` and `query` as sent
/// (the query may carry `x-amz-*` parameters in place of headers), with
/// `headers` (besides `host`) signed; the caller must send those.
pub fn presigned_url(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
) -> String {
    use alexander_s3::auth::SecretKey;
    use alexander_s3::auth::sigv4::{PresignRequest, presign};
    let host = server.addr.to_string();
    let mut to_sign = vec![("host", host.as_str())];
    to_sign.extend_from_slice(headers);
    let secret = SecretKey::new(SECRET_KEY);
    let query = presign(&PresignRequest {
        method,
        path,
        query,
        headers: &to_sign,
        access_key: ACCESS_KEY,
        secret: &secret,
        region: REGION,
        time: std::time::SystemTime::now(),
        expires: 300,
    });
    format!("{}{path}?{query}", server.endpoint())
}

/// The headers that sign a request as root with the Authorization header:
/// `host` and `headers` are signed (the caller sends `headers`; `host` is
/// the server's address).
fn sign_as_root(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    payload_hash: &str,
) -> alexander_s3::auth::sigv4::SignedRequest {
    use alexander_s3::auth::SecretKey;
    use alexander_s3::auth::sigv4::{SignRequest, sign_request};
    let host = server.addr.to_string();
    let mut to_sign = vec![("host", host.as_str())];
    to_sign.extend_from_slice(headers);
    sign_request(&SignRequest {
        method,
        path,
        query,
        headers: &to_sign,
        payload_hash,
        access_key: ACCESS_KEY,
        secret: &SecretKey::new(SECRET_KEY),
        region: REGION,
        time: std::time::SystemTime::now(),
    })
}

/// A request head signed as root with the Authorization header, as raw
/// text (ending in the blank line), for requests sent over a bare socket.
pub fn signed_head(
    server: &TestServer,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    payload_hash: &str,
) -> String {
    let signed = sign_as_root(server, method, path, "", extra, payload_hash);
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {}\r\n", server.addr);
    for (n, v) in extra
        .iter()
        .copied()
        .chain(signed.headers.iter().map(|(n, v)| (*n, v.as_str())))
    {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}
