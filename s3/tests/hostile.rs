//! Bad and hostile requests, sent raw (reqwest, and a bare TCP socket where
//! reqwest would clean the request up), signed with the crate's own SigV4
//! signer where a signature is needed. Each case checks the status and S3
//! error code, and after each one the server must still serve and a canary
//! object must read back byte for byte.

use crate::common;

use std::time::{Duration, SystemTime};

use alexander_s3::auth::SecretKey;
use alexander_s3::auth::chunked;
use alexander_s3::auth::sigv4::{
    self, PresignRequest, STREAMING_PAYLOAD, STREAMING_UNSIGNED_PAYLOAD_TRAILER, SignRequest,
    SigningKey, StreamingContext, UNSIGNED_PAYLOAD,
};
use alexander_store::{At, PutOptions};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::*;
use md5::Digest as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CANARY: &str = "canary.bin";

/// How a request is authenticated.
#[derive(Clone)]
enum Auth {
    /// Signed with the Authorization header.
    Header {
        secret: &'static str,
        access_key: &'static str,
        region: &'static str,
        /// Seconds added to the clock.
        skew: i64,
        /// `x-amz-content-sha256`; `None`: the body's hash.
        payload: Option<String>,
    },
    /// A presigned query.
    Presigned {
        /// Seconds added to the clock.
        skew: i64,
        expires: u64,
        tamper: bool,
    },
    /// No signature.
    Anonymous,
}

fn signed() -> Auth {
    Auth::Header {
        secret: SECRET_KEY,
        access_key: ACCESS_KEY,
        region: REGION,
        skew: 0,
        payload: None,
    }
}

fn signed_with(payload: &str) -> Auth {
    Auth::Header {
        secret: SECRET_KEY,
        access_key: ACCESS_KEY,
        region: REGION,
        skew: 0,
        payload: Some(payload.to_owned()),
    }
}

/// A raw request.
#[derive(Clone)]
struct Req {
    method: &'static str,
    /// Percent-encoded, as sent.
    path: String,
    /// As sent, without `?`.
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    auth: Auth,
}

impl Req {
    fn new(method: &'static str, path: impl Into<String>) -> Req {
        Req {
            method,
            path: path.into(),
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            auth: signed(),
        }
    }

    fn query(mut self, q: &str) -> Req {
        self.query = q.to_owned();
        self
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Req {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = body.into();
        self
    }

    fn auth(mut self, auth: Auth) -> Req {
        self.auth = auth;
        self
    }
}

/// What came back.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Reply {
    fn code(&self) -> Option<String> {
        let start = self.body.find("<Code>")? + "<Code>".len();
        let end = self.body[start..].find("</Code>")? + start;
        Some(self.body[start..end].to_owned())
    }
}

fn now(skew: i64) -> SystemTime {
    let now = SystemTime::now();
    if skew >= 0 {
        now + Duration::from_secs(skew as u64)
    } else {
        now - Duration::from_secs((-skew) as u64)
    }
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(data))
}

/// The signed headers and the seed signature of a request.
fn sign(server: &TestServer, req: &Req) -> (Vec<(String, String)>, String) {
    let host = server.addr.to_string();
    let Auth::Header {
        secret,
        access_key,
        region,
        skew,
        payload,
    } = &req.auth
    else {
        return (Vec::new(), String::new());
    };
    let mut to_sign: Vec<(&str, &str)> = vec![("host", &host)];
    for (n, v) in &req.headers {
        to_sign.push((n, v));
    }
    let hash = payload.clone().unwrap_or_else(|| sha256_hex(&req.body));
    let secret = SecretKey::new(*secret);
    let out = sigv4::sign_request(&SignRequest {
        method: req.method,
        path: &req.path,
        query: &req.query,
        headers: &to_sign,
        payload_hash: &hash,
        access_key,
        secret: &secret,
        region,
        time: req
            .headers
            .iter()
            .find(|(n, _)| n == "x-amz-date")
            .and_then(|(_, v)| sigv4::parse_amz_date(v))
            .unwrap_or_else(|| now(*skew)),
    });
    let headers = out
        .headers
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect();
    (headers, out.signature)
}

async fn send(server: &TestServer, req: &Req) -> Reply {
    let mut query = req.query.clone();
    let mut extra = Vec::new();
    match &req.auth {
        Auth::Header { .. } => extra = sign(server, req).0,
        Auth::Presigned {
            skew,
            expires,
            tamper,
        } => {
            let host = server.addr.to_string();
            let secret = SecretKey::new(SECRET_KEY);
            let mut q = sigv4::presign(&PresignRequest {
                method: req.method,
                path: &req.path,
                query: &req.query,
                headers: &[("host", &host)],
                access_key: ACCESS_KEY,
                secret: &secret,
                region: REGION,
                time: now(*skew),
                expires: *expires,
            });
            if *tamper {
                let last = q.pop().unwrap();
                q.push(if last == '0' { '1' } else { '0' });
            }
            query = q;
        }
        Auth::Anonymous => {}
    }
    let url = if query.is_empty() {
        format!("{}{}", server.endpoint(), req.path)
    } else {
        format!("{}{}?{query}", server.endpoint(), req.path)
    };
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap();
    let mut builder = reqwest::Client::new()
        .request(method, url)
        .body(req.body.clone());
    for (n, v) in req.headers.iter().chain(extra.iter()) {
        builder = builder.header(n.as_str(), v.as_str());
    }
    let resp = builder.send().await.unwrap();
    Reply {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap_or_default(),
    }
}

/// Sends bytes over a bare socket and returns the status line's code (0 if
/// the server closed without answering) and the whole reply.
async fn send_raw(
    server: &TestServer,
    head: &str,
    body: &[u8],
    close_after: bool,
) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    if close_after {
        s.shutdown().await.unwrap();
    }
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// A PUT of the canary with a signed `aws-chunked` body; `corrupt` edits
/// the encoded body.
fn streaming_put(
    server: &TestServer,
    bucket: &str,
    data: &[u8],
    corrupt: impl Fn(&mut Vec<u8>),
) -> Req {
    let amz_date = sigv4::format_amz_date(now(0));
    let mut req = Req::new("PUT", format!("/{bucket}/{CANARY}"))
        .header("content-encoding", "aws-chunked")
        .header("x-amz-decoded-content-length", data.len().to_string())
        .header("x-amz-date", amz_date.clone())
        .auth(signed_with(STREAMING_PAYLOAD));
    // The request is signed again, identically, when it is sent.
    let (_, seed) = sign(server, &req);
    let date = &amz_date[..8];
    let context = StreamingContext {
        seed_signature: seed,
        signing_key: SigningKey::derive(&SecretKey::new(SECRET_KEY), date, REGION, "s3"),
        scope: format!("{date}/{REGION}/s3/aws4_request"),
        amz_date: amz_date.clone(),
    };
    let mut encoded = chunked::encode(data, 256, Some(&context), &[]);
    corrupt(&mut encoded);
    req.body = encoded;
    req
}

/// Where `needle` first occurs in `hay` at or after `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

struct Case {
    name: &'static str,
    req: Req,
    status: u16,
    code: Option<&'static str>,
}

fn case(name: &'static str, req: Req, status: u16, code: &'static str) -> Case {
    Case {
        name,
        req,
        status,
        code: Some(code),
    }
}

fn delete_xml(keys: &[&str]) -> String {
    let mut x = String::from("<Delete>");
    for k in keys {
        x.push_str(&format!("<Object><Key>{k}</Key></Object>"));
    }
    x.push_str("</Delete>");
    x
}

fn md5_b64(data: &[u8]) -> String {
    BASE64.encode(md5::Md5::digest(data))
}

#[test]
fn hostile_requests_are_refused_and_change_nothing() {
    let server = TestServer::start();
    let b = new_bucket(&server, "hostile");
    let canary = data(50_000, 42);
    server
        .store
        .put_object(&b, CANARY, &canary[..], PutOptions::default())
        .unwrap();
    let canary_etag = md5_hex(&canary);
    let obj = format!("/{b}/{CANARY}");
    let other = data(1000, 7);

    // An upload to aim part and completion attacks at.
    let upload_id = server
        .store
        .create_multipart(&b, "mp", Default::default())
        .unwrap();
    let p1 = server
        .store
        .put_part(&b, "mp", &upload_id, 1, &data(5 << 20, 1)[..])
        .unwrap();
    let p2 = server
        .store
        .put_part(&b, "mp", &upload_id, 2, &b"tail"[..])
        .unwrap();
    let mp = format!("/{b}/mp");
    let complete = |parts: &[(u32, &str)]| {
        let mut x = String::from("<CompleteMultipartUpload>");
        for (n, e) in parts {
            x.push_str(&format!(
                "<Part><PartNumber>{n}</PartNumber><ETag>\"{e}\"</ETag></Part>"
            ));
        }
        x.push_str("</CompleteMultipartUpload>");
        x
    };

    let entity_xml = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x \"canary.bin\">]>\
                      <Delete><Object><Key>&x;</Key></Object></Delete>";
    let billion_laughs = "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;\">]>\
                          <CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&b;</ETag></Part>\
                          </CompleteMultipartUpload>";
    let undeclared_entity = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&p1;</ETag></Part>\
         <Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>",
        p2.etag
    );
    let huge_xml = delete_xml(&vec!["k".repeat(1000).as_str(); 1100]);
    let many_keys = delete_xml(&(0..1001).map(|_| "k").collect::<Vec<_>>());
    let canary_delete = delete_xml(&[CANARY]);
    let long_key = "k".repeat(1025);
    let unsigned_chunked = chunked::encode(&other, 100, None, &[]);

    let cases = vec![
        // Authentication.
        case(
            "anonymous read of a private bucket",
            Req::new("GET", &obj).auth(Auth::Anonymous),
            403,
            "AccessDenied",
        ),
        case(
            "anonymous write",
            Req::new("PUT", &obj)
                .body(other.clone())
                .auth(Auth::Anonymous),
            403,
            "AccessDenied",
        ),
        case(
            "wrong secret",
            Req::new("PUT", &obj)
                .body(other.clone())
                .auth(Auth::Header {
                    secret: "not-the-secret-000000000000",
                    access_key: ACCESS_KEY,
                    region: REGION,
                    skew: 0,
                    payload: None,
                }),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "unknown access key",
            Req::new("GET", &obj).auth(Auth::Header {
                secret: SECRET_KEY,
                access_key: "NOSUCHKEY00000000000",
                region: REGION,
                skew: 0,
                payload: None,
            }),
            403,
            "InvalidAccessKeyId",
        ),
        case(
            "malformed Authorization",
            Req::new("GET", &obj)
                .header("authorization", "AWS4-HMAC-SHA256 Credential=garbage")
                .header("x-amz-date", sigv4::format_amz_date(now(0)))
                .header("x-amz-content-sha256", UNSIGNED_PAYLOAD)
                .auth(Auth::Anonymous),
            400,
            "AuthorizationHeaderMalformed",
        ),
        case(
            "wrong region in the scope",
            Req::new("DELETE", &obj).auth(Auth::Header {
                secret: SECRET_KEY,
                access_key: ACCESS_KEY,
                region: "eu-west-1",
                skew: 0,
                payload: None,
            }),
            400,
            "AuthorizationHeaderMalformed",
        ),
        case(
            "x-amz-date an hour behind",
            Req::new("DELETE", &obj).auth(Auth::Header {
                secret: SECRET_KEY,
                access_key: ACCESS_KEY,
                region: REGION,
                skew: -3600,
                payload: None,
            }),
            403,
            "RequestTimeTooSkewed",
        ),
        case(
            "x-amz-date an hour ahead",
            Req::new("PUT", &obj)
                .body(other.clone())
                .auth(Auth::Header {
                    secret: SECRET_KEY,
                    access_key: ACCESS_KEY,
                    region: REGION,
                    skew: 3600,
                    payload: None,
                }),
            403,
            "RequestTimeTooSkewed",
        ),
        case(
            "expired presigned URL",
            Req::new("DELETE", &obj).auth(Auth::Presigned {
                skew: -7200,
                expires: 60,
                tamper: false,
            }),
            403,
            "AccessDenied",
        ),
        case(
            "tampered presigned URL",
            Req::new("DELETE", &obj).auth(Auth::Presigned {
                skew: 0,
                expires: 60,
                tamper: true,
            }),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "presigned for more than seven days",
            Req::new("GET", &obj).auth(Auth::Presigned {
                skew: 0,
                expires: 604_801,
                tamper: false,
            }),
            400,
            "AuthorizationQueryParametersError",
        ),
        // Bodies.
        case(
            "broken chunk-signature chain",
            streaming_put(&server, &b, &other, |body| {
                // The second chunk's signature: flip one hex digit.
                let first = find(body, b"chunk-signature=", 0).unwrap();
                let second = find(body, b"chunk-signature=", first + 1).unwrap();
                let pos = second + "chunk-signature=".len();
                body[pos] = if body[pos] == b'a' { b'b' } else { b'a' };
            }),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "chunk data changed under a valid chain",
            streaming_put(&server, &b, &other, |body| {
                let pos = find(body, b"\r\n", 0).unwrap() + 2 + 10;
                body[pos] ^= 1;
            }),
            403,
            "SignatureDoesNotMatch",
        ),
        case(
            "final chunk missing",
            streaming_put(&server, &b, &other, |body| {
                let last = find(body, b"\r\n0;chunk-signature=", 0).unwrap() + 2;
                body.truncate(last);
            }),
            400,
            "IncompleteBody",
        ),
        case(
            "wrong x-amz-content-sha256",
            Req::new("PUT", &obj)
                .body(other.clone())
                .auth(signed_with(&sha256_hex(b"something else"))),
            400,
            "XAmzContentSHA256Mismatch",
        ),
        case(
            "Content-MD5 of other bytes",
            Req::new("PUT", &obj)
                .body(other.clone())
                .header("content-md5", md5_b64(b"x")),
            400,
            "BadDigest",
        ),
        case(
            "malformed Content-MD5",
            Req::new("PUT", &obj)
                .body(other.clone())
                .header("content-md5", "not base64!"),
            400,
            "InvalidDigest",
        ),
        case(
            "x-amz-checksum-crc32 of other bytes",
            Req::new("PUT", &obj).body(other.clone()).header(
                "x-amz-checksum-crc32",
                BASE64.encode(crc32fast::hash(b"x").to_be_bytes()),
            ),
            400,
            "BadDigest",
        ),
        case(
            "x-amz-checksum-crc32 that is not a checksum",
            Req::new("PUT", &obj)
                .body(other.clone())
                .header("x-amz-checksum-crc32", "AAAA"),
            400,
            "InvalidRequest",
        ),
        case(
            "two checksums",
            Req::new("PUT", &obj)
                .body(other.clone())
                .header(
                    "x-amz-checksum-crc32",
                    BASE64.encode(crc32fast::hash(&other).to_be_bytes()),
                )
                .header(
                    "x-amz-checksum-crc32c",
                    BASE64.encode(crc32c::crc32c(&other).to_be_bytes()),
                ),
            400,
            "InvalidRequest",
        ),
        case(
            "trailer announced on a plain body",
            Req::new("PUT", &obj)
                .body(other.clone())
                .header("x-amz-trailer", "x-amz-checksum-crc32"),
            400,
            "InvalidRequest",
        ),
        case(
            "decoded length longer than the body",
            Req::new("PUT", &obj)
                .header("content-encoding", "aws-chunked")
                .header(
                    "x-amz-decoded-content-length",
                    (other.len() + 500).to_string(),
                )
                .body(unsigned_chunked.clone())
                .auth(signed_with(STREAMING_UNSIGNED_PAYLOAD_TRAILER)),
            400,
            "IncompleteBody",
        ),
        case(
            "decoded length shorter than the body",
            Req::new("PUT", &obj)
                .header("content-encoding", "aws-chunked")
                .header("x-amz-decoded-content-length", "10")
                .body(unsigned_chunked.clone())
                .auth(signed_with(STREAMING_UNSIGNED_PAYLOAD_TRAILER)),
            400,
            "IncompleteBody",
        ),
        case(
            "chunked body without its decoded length",
            Req::new("PUT", &obj)
                .header("content-encoding", "aws-chunked")
                .body(unsigned_chunked.clone())
                .auth(signed_with(STREAMING_UNSIGNED_PAYLOAD_TRAILER)),
            411,
            "MissingContentLength",
        ),
        case(
            "garbage aws-chunked framing",
            Req::new("PUT", &obj)
                .header("content-encoding", "aws-chunked")
                .header("x-amz-decoded-content-length", "5")
                .body(b"zz\r\nhello\r\n0\r\n\r\n".to_vec())
                .auth(signed_with(STREAMING_UNSIGNED_PAYLOAD_TRAILER)),
            400,
            "InvalidRequest",
        ),
        // Keys, headers, metadata.
        case(
            "key with an encoded NUL",
            Req::new("PUT", format!("/{b}/a%00b")).body(other.clone()),
            400,
            "InvalidArgument",
        ),
        case(
            "key with a malformed escape",
            Req::new("GET", format!("/{b}/a%zzb")),
            400,
            "InvalidArgument",
        ),
        case(
            "key over 1024 bytes",
            Req::new("PUT", format!("/{b}/{long_key}")).body(other.clone()),
            400,
            "KeyTooLongError",
        ),
        case(
            "metadata over 2 KiB",
            Req::new("PUT", &obj)
                .body(other.clone())
                .header("x-amz-meta-big", "v".repeat(2100)),
            400,
            "MetadataTooLarge",
        ),
        case(
            "server-side encryption asked for",
            Req::new("PUT", &obj)
                .body(other.clone())
                .header("x-amz-server-side-encryption", "aws:kms"),
            501,
            "NotImplemented",
        ),
        case(
            "If-None-Match: * over an existing object",
            Req::new("PUT", &obj)
                .body(other.clone())
                .header("if-none-match", "*"),
            412,
            "PreconditionFailed",
        ),
        case(
            "If-Match of another ETag",
            Req::new("PUT", &obj)
                .body(other.clone())
                .header("if-match", "\"0123456789abcdef\""),
            412,
            "PreconditionFailed",
        ),
        case(
            "write under .snapshots/",
            Req::new("PUT", format!("/{b}/.snapshots/s1/x")).body(other.clone()),
            403,
            "AccessDenied",
        ),
        case(
            "delete under .snapshots/",
            Req::new("DELETE", format!("/{b}/.snapshots/s1/x")),
            403,
            "AccessDenied",
        ),
        // XML bodies.
        case(
            "DeleteObjects with DOCTYPE and entities",
            Req::new("POST", format!("/{b}"))
                .query("delete")
                .header("content-md5", md5_b64(entity_xml.as_bytes()))
                .body(entity_xml),
            400,
            "MalformedXML",
        ),
        case(
            "CompleteMultipartUpload with nested entities",
            Req::new("POST", &mp)
                .query(&format!("uploadId={upload_id}"))
                .body(billion_laughs),
            400,
            "MalformedXML",
        ),
        case(
            "CompleteMultipartUpload with an undeclared entity",
            Req::new("POST", &mp)
                .query(&format!("uploadId={upload_id}"))
                .body(undeclared_entity),
            400,
            "MalformedXML",
        ),
        case(
            "oversized XML",
            Req::new("POST", format!("/{b}"))
                .query("delete")
                .header("content-md5", md5_b64(huge_xml.as_bytes()))
                .body(huge_xml.clone()),
            400,
            "MaxMessageLengthExceeded",
        ),
        case(
            "DeleteObjects with 1001 keys",
            Req::new("POST", format!("/{b}"))
                .query("delete")
                .header("content-md5", md5_b64(many_keys.as_bytes()))
                .body(many_keys.clone()),
            400,
            "MalformedXML",
        ),
        case(
            "DeleteObjects without Content-MD5 or checksum",
            Req::new("POST", format!("/{b}"))
                .query("delete")
                .body(canary_delete.clone()),
            400,
            "InvalidRequest",
        ),
        case(
            "DeleteObjects with a wrong Content-MD5",
            Req::new("POST", format!("/{b}"))
                .query("delete")
                .header("content-md5", md5_b64(b"other"))
                .body(canary_delete.clone()),
            400,
            "BadDigest",
        ),
        case(
            "DeleteObjects that is not XML",
            Req::new("POST", format!("/{b}"))
                .query("delete")
                .header("content-md5", md5_b64(b"<Delete><Object>"))
                .body("<Delete><Object>"),
            400,
            "MalformedXML",
        ),
        // Reads.
        case(
            "range past the end",
            Req::new("GET", &obj).header("range", "bytes=50000-60000"),
            416,
            "InvalidRange",
        ),
        case(
            "range and partNumber",
            Req::new("GET", &obj)
                .query("partNumber=1")
                .header("range", "bytes=0-1"),
            400,
            "InvalidRequest",
        ),
        case(
            "part number past the parts",
            Req::new("GET", &obj).query("partNumber=2"),
            416,
            "InvalidPartNumber",
        ),
        case(
            "part number 0",
            Req::new("GET", &obj).query("partNumber=0"),
            400,
            "InvalidArgument",
        ),
        case(
            "unknown version id",
            Req::new("GET", &obj).query("versionId=00000000000fffff"),
            404,
            "NoSuchVersion",
        ),
        case(
            "malformed version id",
            Req::new("GET", &obj).query("versionId=..%2F..%2Fetc"),
            400,
            "InvalidArgument",
        ),
        case(
            "empty version id",
            Req::new("DELETE", &obj).query("versionId="),
            400,
            "InvalidArgument",
        ),
        case(
            "malformed version id on delete",
            Req::new("DELETE", &obj).query("versionId=zz"),
            400,
            "InvalidArgument",
        ),
        case(
            "If-Match that fails",
            Req::new("GET", &obj).header("if-match", "\"nope\""),
            412,
            "PreconditionFailed",
        ),
        case(
            "no such bucket",
            Req::new("GET", format!("/no-such-bucket-zz/{CANARY}")),
            404,
            "NoSuchBucket",
        ),
        case(
            "response override anonymously",
            Req::new("GET", &obj)
                .query("response-content-type=x")
                .auth(Auth::Anonymous),
            403,
            "AccessDenied",
        ),
        // Multipart.
        case(
            "unknown upload id",
            Req::new("PUT", &mp)
                .query("partNumber=1&uploadId=0123456789abcdef0123456789abcdef")
                .body(other.clone()),
            404,
            "NoSuchUpload",
        ),
        case(
            "upload id of another key",
            Req::new("PUT", &obj)
                .query(&format!("partNumber=1&uploadId={upload_id}"))
                .body(other.clone()),
            404,
            "NoSuchUpload",
        ),
        case(
            "part number over 10000",
            Req::new("PUT", &mp)
                .query(&format!("partNumber=10001&uploadId={upload_id}"))
                .body(other.clone()),
            400,
            "InvalidArgument",
        ),
        case(
            "part number not a number",
            Req::new("PUT", &mp)
                .query(&format!("partNumber=abc&uploadId={upload_id}"))
                .body(other.clone()),
            400,
            "InvalidArgument",
        ),
        case(
            "parts out of order",
            Req::new("POST", &mp)
                .query(&format!("uploadId={upload_id}"))
                .body(complete(&[(2, &p2.etag), (1, &p1.etag)])),
            400,
            "InvalidPartOrder",
        ),
        case(
            "part with a wrong ETag",
            Req::new("POST", &mp)
                .query(&format!("uploadId={upload_id}"))
                .body(complete(&[(1, &p2.etag), (2, &p2.etag)])),
            400,
            "InvalidPart",
        ),
        case(
            "completion of an unknown upload",
            Req::new("POST", &obj)
                .query("uploadId=0123456789abcdef0123456789abcdef")
                .body(complete(&[(1, &p1.etag)])),
            404,
            "NoSuchUpload",
        ),
        // Copies.
        case(
            "copy onto itself without a change",
            Req::new("PUT", &obj).header("x-amz-copy-source", format!("{b}/{CANARY}")),
            400,
            "InvalidRequest",
        ),
        case(
            "copy source without a key",
            Req::new("PUT", &obj).header("x-amz-copy-source", b.clone()),
            400,
            "InvalidArgument",
        ),
        case(
            "copy-source condition that fails",
            Req::new("PUT", &obj)
                .header("x-amz-copy-source", format!("{b}/{CANARY}"))
                .header("x-amz-metadata-directive", "REPLACE")
                .header("x-amz-copy-source-if-match", "\"nope\""),
            412,
            "PreconditionFailed",
        ),
        case(
            "unknown metadata directive",
            Req::new("PUT", &obj)
                .header("x-amz-copy-source", format!("{b}/{CANARY}"))
                .header("x-amz-metadata-directive", "MERGE"),
            400,
            "InvalidArgument",
        ),
        // Routing.
        case(
            "unsupported sub-resource",
            Req::new("GET", format!("/{b}")).query("policy"),
            501,
            "NotImplemented",
        ),
        case(
            "unsupported sub-resource on a key",
            Req::new("PUT", &obj).query("retention"),
            501,
            "NotImplemented",
        ),
        case(
            "wrong method",
            Req::new("PATCH", &obj),
            405,
            "MethodNotAllowed",
        ),
        case(
            "POST to a key",
            Req::new("POST", &obj).body(other.clone()),
            405,
            "MethodNotAllowed",
        ),
        case(
            "DELETE of a bucket by upload id",
            Req::new("DELETE", format!("/{b}")).query("uploadId=x"),
            405,
            "MethodNotAllowed",
        ),
    ];
    assert!(cases.len() >= 30);

    rt().block_on(async {
        let check_canary = |name: &str| {
            let info = server.store.head_object(&b, CANARY, At::Current).unwrap();
            assert_eq!(info.etag, canary_etag, "{name}: the canary changed");
        };
        let read_canary = || async {
            let reply = send(&server, &Req::new("GET", &obj)).await;
            assert_eq!(
                reply.status, 200,
                "the server no longer serves: {}",
                reply.body
            );
            assert_eq!(reply.headers["etag"], format!("\"{canary_etag}\"").as_str());
        };
        for c in &cases {
            let reply = send(&server, &c.req).await;
            assert_eq!(reply.status, c.status, "{}: {}", c.name, reply.body);
            if c.req.method != "HEAD" {
                assert_eq!(
                    reply.code().as_deref(),
                    c.code,
                    "{}: {}",
                    c.name,
                    reply.body
                );
                assert!(reply.headers.contains_key("x-amz-request-id"), "{}", c.name);
            }
            if c.code == Some("InvalidRange") {
                assert_eq!(reply.headers["content-range"], "bytes */50000");
            }
            check_canary(c.name);
            read_canary().await;
        }
        // The whole canary, byte for byte.
        let reply = reqwest::Client::new();
        let req = Req::new("GET", &obj);
        let (headers, _) = sign(&server, &req);
        let mut r = reply.get(format!("{}{obj}", server.endpoint()));
        for (n, v) in headers {
            r = r.header(n, v);
        }
        let bytes = r.send().await.unwrap().bytes().await.unwrap();
        assert!(bytes[..] == canary[..]);

        // A header section over the configured limit (64 KiB) but within
        // what hyper buffers (8 KiB more): S3's own error, with a request id.
        let reply = send(
            &server,
            &Req::new("GET", &obj).header("x-pad", "p".repeat(68 * 1024)),
        )
        .await;
        assert_eq!(reply.status, 400);
        assert!(
            reply.body.contains("RequestHeaderSectionTooLarge"),
            "{}",
            reply.body
        );
        read_canary().await;

        // An oversized header section: hyper answers 431 before routing.
        let reply = send(
            &server,
            &Req::new("GET", &obj).header("x-pad", "p".repeat(100 * 1024)),
        )
        .await;
        assert_eq!(reply.status, 431);
        read_canary().await;

        // `..` segments are part of the key, never a path to another key
        // (reqwest would normalise them, so this goes over a bare socket);
        // the bucket keeps the path rule, so such a key is refused.
        let path = format!("/{b}/x/../{CANARY}");
        let req = Req::new("PUT", path.clone()).body(other.clone());
        let (headers, _) = sign(&server, &req);
        let mut head = format!(
            "PUT {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\nconnection: close\r\n",
            server.addr,
            other.len()
        );
        for (n, v) in &headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let (status, text) = send_raw(&server, &head, &other, false).await;
        assert_eq!(status, 400, "{text}");
        assert!(text.contains("<Code>InvalidArgument</Code>"), "{text}");
        assert!(
            server
                .store
                .head_object(&b, &format!("x/../{CANARY}"), At::Current)
                .is_err()
        );
        check_canary("dot-dot key");

        // A body shorter than its Content-Length: the client gives up.
        let req = Req::new("PUT", obj.clone())
            .body(other.clone())
            .auth(signed_with(UNSIGNED_PAYLOAD));
        let (headers, _) = sign(&server, &req);
        let mut head = format!(
            "PUT {obj} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\nconnection: close\r\n",
            server.addr,
            other.len()
        );
        for (n, v) in &headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let (status, text) = send_raw(&server, &head, &other[..other.len() / 2], true).await;
        assert!(status == 0 || status == 400, "{text}");
        check_canary("short body");
        read_canary().await;

        // Garbage on the socket.
        let (status, _) = send_raw(&server, "\x16\x03\x01garbage\r\n\r\n", b"", true).await;
        assert!(status == 0 || status == 400);
        read_canary().await;
        // Nothing but the canary exists (the dot-dot key was refused).
        let query = alexander_store::ListQuery {
            max_keys: 1000,
            ..Default::default()
        };
        let page = server.store.list_objects(&b, &query).unwrap();
        let keys: Vec<_> = page.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, vec![CANARY]);
    });
}
