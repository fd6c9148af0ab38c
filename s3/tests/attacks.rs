//! The attack table: requests that once made the endpoint act on what the
//! signer never signed, each with the refusal it gets now and a check that
//! stored data did not change; then the same headers, signed (or hoisted
//! into a presigned query), working.
//!
//! The rule under test (issue 13): every `x-amz-*` header a signed or
//! presigned request carries is in `SignedHeaders`, or the request is
//! refused with `403 AccessDenied` naming it in `<HeadersNotSigned>`; an
//! unsigned `Content-Type` is not stored; an unsigned `Content-MD5` can
//! only cause a refusal.

use crate::common;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::{BucketCannedAcl, Permission};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::*;
use md5::Digest as _;

const SECRET: &str = "secret.bin";
const TARGET: &str = "target.bin";
const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";

/// How a row's request is authenticated.
#[derive(Clone, Copy, Debug)]
enum Signer {
    /// `Authorization` header, body hashed into `x-amz-content-sha256`.
    Header,
    /// A presigned URL (`UNSIGNED-PAYLOAD`).
    Presigned,
}

/// One request: what the signer signed, and what was added to it.
struct Row {
    name: &'static str,
    signer: Signer,
    method: &'static str,
    path: String,
    /// The operation's query as sent (for a presigned URL, hoisted
    /// `x-amz-*` parameters too); signed either way.
    query: String,
    signed: Vec<(&'static str, String)>,
    unsigned: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Row {
    fn new(name: &'static str, signer: Signer, method: &'static str, path: String) -> Row {
        Row {
            name,
            signer,
            method,
            path,
            query: String::new(),
            signed: Vec::new(),
            unsigned: Vec::new(),
            body: Vec::new(),
        }
    }

    fn query(mut self, q: &str) -> Row {
        self.query = q.to_owned();
        self
    }

    fn signed(mut self, name: &'static str, value: impl Into<String>) -> Row {
        self.signed.push((name, value.into()));
        self
    }

    fn unsigned(mut self, name: &'static str, value: impl Into<String>) -> Row {
        self.unsigned.push((name, value.into()));
        self
    }

    fn body(mut self, body: &[u8]) -> Row {
        self.body = body.to_vec();
        self
    }
}

/// Status and body of the reply.
async fn send(server: &TestServer, row: &Row) -> (u16, String) {
    let signed: Vec<(&str, &str)> = row.signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let unsigned: Vec<(&str, &str)> = row.unsigned.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let builder = match row.signer {
        Signer::Header => signed_request_plus(
            server,
            row.method,
            &row.path,
            &row.query,
            &signed,
            &unsigned,
            row.body.clone(),
            &sha256_hex(&row.body),
        ),
        Signer::Presigned => {
            let url = presigned_url(server, row.method, &row.path, &row.query, &signed);
            let mut b = reqwest::Client::new()
                .request(
                    reqwest::Method::from_bytes(row.method.as_bytes()).unwrap(),
                    url,
                )
                .body(row.body.clone());
            for (n, v) in signed.iter().chain(unsigned.iter()) {
                b = b.header(*n, *v);
            }
            b
        }
    };
    let resp = builder.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(data))
}

fn sha256_b64(data: &[u8]) -> String {
    BASE64.encode(<sha2::Sha256 as sha2::Digest>::digest(data))
}

fn md5_b64(data: &[u8]) -> String {
    BASE64.encode(md5::Md5::digest(data))
}

/// What an object is: bytes, Content-Type, user metadata, tags.
#[derive(Debug, PartialEq)]
struct Object {
    bytes: Vec<u8>,
    content_type: Option<String>,
    metadata: HashMap<String, String>,
    tags: Vec<(String, String)>,
}

async fn object(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Option<Object> {
    let got = match s3.get_object().bucket(bucket).key(key).send().await {
        Ok(got) => got,
        Err(e) if http_status(&e) == 404 => return None,
        Err(e) => panic!("GET {key}: {e:?}"),
    };
    let content_type = got.content_type().map(str::to_owned);
    let metadata = got.metadata().cloned().unwrap_or_default();
    let bytes = got.body.collect().await.unwrap().into_bytes().to_vec();
    let tagging = s3
        .get_object_tagging()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let tags = tagging
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    Some(Object {
        bytes,
        content_type,
        metadata,
        tags,
    })
}

/// Everything the attacks could change: the bucket's keys and ACL, the
/// target object, the buckets that exist.
#[derive(Debug, PartialEq)]
struct State {
    keys: Vec<String>,
    everyone: Vec<String>,
    target: Option<Object>,
    buckets: Vec<String>,
    parts: usize,
}

async fn state(s3: &aws_sdk_s3::Client, bucket: &str, upload_id: &str) -> State {
    let listed = s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    let keys = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    State {
        keys,
        everyone: everyone_grants(s3, bucket).await,
        target: object(s3, bucket, TARGET).await,
        buckets: s3
            .list_buckets()
            .send()
            .await
            .unwrap()
            .buckets()
            .iter()
            .filter_map(|b| b.name().map(str::to_owned))
            .collect(),
        parts: s3
            .list_parts()
            .bucket(bucket)
            .key("mp.bin")
            .upload_id(upload_id)
            .send()
            .await
            .unwrap()
            .parts()
            .len(),
    }
}

/// What the bucket's ACL grants everyone.
async fn everyone_grants(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<String> {
    let acl = s3.get_bucket_acl().bucket(bucket).send().await.unwrap();
    acl.grants()
        .iter()
        .filter(|g| g.grantee().and_then(|g| g.uri()) == Some(ALL_USERS))
        .filter_map(|g| g.permission().map(|p| p.as_str().to_owned()))
        .collect()
}

#[test]
fn unsigned_headers_are_refused_and_change_nothing() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "attack");
    let secret = data(20_000, 7);
    let target = b"the target, as first written".to_vec();
    let evil = b"what the attacker wants stored".to_vec();
    let obj = |key: &str| format!("/{b}/{key}");
    let fresh = bucket_name("attack-new");
    rt().block_on(async {
        s3.put_object()
            .bucket(&b)
            .key(SECRET)
            .body(body(&secret))
            .send()
            .await
            .unwrap();
        s3.put_object()
            .bucket(&b)
            .key(TARGET)
            .body(body(&target))
            .content_type("text/plain")
            .metadata("keep", "yes")
            .tagging("t=1")
            .send()
            .await
            .unwrap();
        let upload = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("mp.bin")
            .send()
            .await
            .unwrap();
        let upload_id = upload.upload_id().unwrap().to_owned();
        let secret_etag = format!("\"{}\"", md5_hex(&secret));

        // (row, the header it must name)
        let refused = vec![
            (
                Row::new(
                    "presigned PUT + copy-source",
                    Signer::Presigned,
                    "PUT",
                    obj("leak.bin"),
                )
                .unsigned("x-amz-copy-source", format!("/{b}/{SECRET}")),
                "x-amz-copy-source",
            ),
            (
                Row::new(
                    "presigned UploadPart + copy-source",
                    Signer::Presigned,
                    "PUT",
                    obj("mp.bin"),
                )
                .query(&format!("partNumber=1&uploadId={upload_id}"))
                .unsigned("x-amz-copy-source", format!("/{b}/{SECRET}")),
                "x-amz-copy-source",
            ),
            (
                Row::new("header PUT + meta", Signer::Header, "PUT", obj(TARGET))
                    .body(&evil)
                    .unsigned("x-amz-meta-x", "injected"),
                "x-amz-meta-x",
            ),
            (
                Row::new(
                    "presigned PUT + meta",
                    Signer::Presigned,
                    "PUT",
                    obj(TARGET),
                )
                .body(&evil)
                .unsigned("x-amz-meta-x", "injected"),
                "x-amz-meta-x",
            ),
            (
                Row::new(
                    "CreateBucket + acl",
                    Signer::Header,
                    "PUT",
                    format!("/{fresh}"),
                )
                .unsigned("x-amz-acl", "public-read-write"),
                "x-amz-acl",
            ),
            (
                Row::new("PutBucketAcl + acl", Signer::Header, "PUT", format!("/{b}"))
                    .query("acl")
                    .unsigned("x-amz-acl", "public-read"),
                "x-amz-acl",
            ),
            (
                Row::new("header PUT + tagging", Signer::Header, "PUT", obj(TARGET))
                    .body(&evil)
                    .unsigned("x-amz-tagging", "evil=1"),
                "x-amz-tagging",
            ),
            (
                Row::new("header PUT + checksum", Signer::Header, "PUT", obj(TARGET))
                    .body(&evil)
                    .unsigned("x-amz-checksum-sha256", sha256_b64(&evil)),
                "x-amz-checksum-sha256",
            ),
            (
                Row::new(
                    "copy + copy-source-if-match",
                    Signer::Header,
                    "PUT",
                    obj("copy.bin"),
                )
                .signed("x-amz-copy-source", format!("/{b}/{SECRET}"))
                .unsigned("x-amz-copy-source-if-match", secret_etag.clone()),
                "x-amz-copy-source-if-match",
            ),
            (
                Row::new(
                    "copy + metadata-directive",
                    Signer::Header,
                    "PUT",
                    obj(TARGET),
                )
                .signed("x-amz-copy-source", format!("/{b}/{TARGET}"))
                .unsigned("x-amz-metadata-directive", "REPLACE")
                .unsigned("x-amz-meta-x", "injected"),
                "x-amz-metadata-directive, x-amz-meta-x",
            ),
            (
                Row::new(
                    "header DELETE + bypass",
                    Signer::Header,
                    "DELETE",
                    obj(TARGET),
                )
                .unsigned("x-amz-bypass-governance-retention", "true"),
                "x-amz-bypass-governance-retention",
            ),
        ];
        let before = state(&s3, &b, &upload_id).await;
        assert_eq!(before.everyone, Vec::<String>::new());
        for (row, names) in &refused {
            let (status, text) = send(&server, row).await;
            assert_eq!(status, 403, "{}: {text}", row.name);
            assert_eq!(element(&text, "Code"), Some("AccessDenied"), "{}", row.name);
            assert_eq!(
                element(&text, "Message"),
                Some("There were headers present in the request which were not signed"),
                "{}",
                row.name
            );
            assert_eq!(
                element(&text, "HeadersNotSigned"),
                Some(*names),
                "{}",
                row.name
            );
            assert_eq!(state(&s3, &b, &upload_id).await, before, "{}", row.name);
        }

        // Other refusals that leave everything as it was.
        let other = vec![
            (
                // The presigned URL signed x-amz-meta-x=a; a header says b.
                Row::new(
                    "hoisted and header disagree",
                    Signer::Presigned,
                    "PUT",
                    obj(TARGET),
                )
                .query("x-amz-meta-x=a")
                .signed("x-amz-meta-x", "b")
                .body(&evil),
                400,
                "InvalidArgument",
            ),
            (
                // An unsigned Content-MD5 is still checked.
                Row::new(
                    "unsigned wrong Content-MD5",
                    Signer::Presigned,
                    "PUT",
                    obj(TARGET),
                )
                .unsigned("content-md5", md5_b64(b"something else"))
                .body(&evil),
                400,
                "BadDigest",
            ),
            (
                // A hoisted x-amz-acl is the header, refused as one.
                Row::new("hoisted object acl", Signer::Presigned, "PUT", obj(TARGET))
                    .query("x-amz-acl=everyone")
                    .body(&evil),
                400,
                "InvalidArgument",
            ),
        ];
        for (row, status, code) in &other {
            let (got, text) = send(&server, row).await;
            assert_eq!(got, *status, "{}: {text}", row.name);
            assert_eq!(element(&text, "Code"), Some(*code), "{}", row.name);
            assert_eq!(state(&s3, &b, &upload_id).await, before, "{}", row.name);
        }

        // An unsigned Content-Type is not stored, signed or presigned: the
        // object gets the default, so a presigned upload URL cannot be
        // used to plant text/html.
        for signer in [Signer::Presigned, Signer::Header] {
            let row = Row::new("unsigned content-type", signer, "PUT", obj("page.bin"))
                .unsigned("content-type", "text/html")
                .body(&evil);
            let (status, text) = send(&server, &row).await;
            assert_eq!(status, 200, "{signer:?}: {text}");
            let got = object(&s3, &b, "page.bin").await.unwrap();
            assert_eq!(got.bytes, evil);
            assert_eq!(
                got.content_type.as_deref(),
                Some("binary/octet-stream"),
                "{signer:?}"
            );
        }
        // An unsigned but right Content-MD5 stores the body, nothing more.
        let row = Row::new(
            "unsigned right Content-MD5",
            Signer::Presigned,
            "PUT",
            obj("md5.bin"),
        )
        .unsigned("content-md5", md5_b64(&evil))
        .body(&evil);
        assert_eq!(send(&server, &row).await.0, 200);
        let head = s3
            .head_object()
            .bucket(&b)
            .key("md5.bin")
            .send()
            .await
            .unwrap();
        assert_eq!(
            head.e_tag(),
            Some(format!("\"{}\"", md5_hex(&evil)).as_str())
        );
        assert!(head.metadata().is_none_or(HashMap::is_empty));
    });
}

#[test]
fn signed_and_hoisted_headers_are_applied() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "signed");
    let secret = data(20_000, 8);
    let payload = b"signed payload".to_vec();
    let obj = |key: &str| format!("/{b}/{key}");
    rt().block_on(async {
        s3.put_object()
            .bucket(&b)
            .key(SECRET)
            .body(body(&secret))
            .send()
            .await
            .unwrap();
        let secret_etag = format!("\"{}\"", md5_hex(&secret));

        // Everything the attacks added, signed this time.
        let row = Row::new(
            "header PUT, all signed",
            Signer::Header,
            "PUT",
            obj("all.bin"),
        )
        .signed("content-type", "text/html")
        .signed("x-amz-meta-x", "signed")
        .signed("x-amz-tagging", "k=v")
        .signed("x-amz-checksum-sha256", sha256_b64(&payload))
        .body(&payload);
        let (status, text) = send(&server, &row).await;
        assert_eq!(status, 200, "{text}");
        let got = object(&s3, &b, "all.bin").await.unwrap();
        assert_eq!(got.bytes, payload);
        assert_eq!(got.content_type.as_deref(), Some("text/html"));
        assert_eq!(got.metadata.get("x").map(String::as_str), Some("signed"));
        assert_eq!(got.tags, [("k".to_owned(), "v".to_owned())]);

        let row = Row::new(
            "copy, condition signed",
            Signer::Header,
            "PUT",
            obj("copy.bin"),
        )
        .signed("x-amz-copy-source", format!("/{b}/{SECRET}"))
        .signed("x-amz-copy-source-if-match", secret_etag.clone());
        let (status, text) = send(&server, &row).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(get_bytes(&s3, &b, "copy.bin").await, secret);

        // A presigned URL whose signer put the headers in the query, as
        // the JS v3 presigner does: they are applied as headers.
        let row = Row::new(
            "presigned, hoisted",
            Signer::Presigned,
            "PUT",
            obj("hoisted.bin"),
        )
        .query("x-amz-meta-color=blue&x-amz-tagging=a%3Db&x-amz-acl=private")
        .signed("content-type", "image/png")
        .body(&payload);
        let (status, text) = send(&server, &row).await;
        assert_eq!(status, 200, "{text}");
        let got = object(&s3, &b, "hoisted.bin").await.unwrap();
        assert_eq!(got.bytes, payload);
        assert_eq!(got.content_type.as_deref(), Some("image/png"));
        assert_eq!(got.metadata.get("color").map(String::as_str), Some("blue"));
        assert_eq!(got.tags, [("a".to_owned(), "b".to_owned())]);
        // A hoisted canned ACL is the object's.
        let row = Row::new(
            "presigned, hoisted acl",
            Signer::Presigned,
            "PUT",
            obj("shared.bin"),
        )
        .query("x-amz-acl=public-read")
        .body(&payload);
        let (status, text) = send(&server, &row).await;
        assert_eq!(status, 200, "{text}");
        let acl = s3
            .get_object_acl()
            .bucket(&b)
            .key("shared.bin")
            .send()
            .await
            .unwrap();
        assert!(acl.grants().iter().any(|g| {
            g.grantee().and_then(|g| g.uri()) == Some(ALL_USERS)
                && g.permission() == Some(&Permission::Read)
        }));

        // A hoisted copy source is routed as a copy: the signer asked for it.
        let row = Row::new("presigned copy", Signer::Presigned, "PUT", obj("pcopy.bin"))
            .query(&format!("x-amz-copy-source=%2F{b}%2F{SECRET}"));
        let (status, text) = send(&server, &row).await;
        assert_eq!(status, 200, "{text}");
        assert!(text.contains("<CopyObjectResult"), "{text}");
        assert_eq!(get_bytes(&s3, &b, "pcopy.bin").await, secret);

        // A hoisted canned ACL on a new bucket.
        let fresh = bucket_name("hoisted-acl");
        let row = Row::new(
            "presigned CreateBucket",
            Signer::Presigned,
            "PUT",
            format!("/{fresh}"),
        )
        .query("x-amz-acl=public-read");
        let (status, text) = send(&server, &row).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(everyone_grants(&s3, &fresh).await, ["READ"]);
        // And the same ACL signed as a header on an existing one.
        let row = Row::new(
            "PutBucketAcl signed",
            Signer::Header,
            "PUT",
            format!("/{fresh}"),
        )
        .query("acl")
        .signed("x-amz-acl", "private");
        assert_eq!(send(&server, &row).await.0, 200);
        assert_eq!(everyone_grants(&s3, &fresh).await, Vec::<String>::new());

        // The SDK's own presigner signs metadata and Content-Type; a client
        // sending what it was given succeeds.
        let cfg = PresigningConfig::expires_in(Duration::from_secs(300)).unwrap();
        let req = s3
            .put_object()
            .bucket(&b)
            .key("sdk.bin")
            .content_type("text/csv")
            .metadata("origin", "sdk")
            .acl(aws_sdk_s3::types::ObjectCannedAcl::Private)
            .presigned(cfg)
            .await
            .unwrap();
        let mut put = reqwest::Client::new().put(req.uri()).body(payload.clone());
        for (name, value) in req.headers() {
            put = put.header(name, value);
        }
        let resp = put.send().await.unwrap();
        assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
        let got = object(&s3, &b, "sdk.bin").await.unwrap();
        assert_eq!(got.bytes, payload);
        assert_eq!(got.content_type.as_deref(), Some("text/csv"));
        assert_eq!(got.metadata.get("origin").map(String::as_str), Some("sdk"));

        // The SDK (which signs every header it sends) still sets a bucket
        // ACL by header.
        s3.put_bucket_acl()
            .bucket(&fresh)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
        let acl = s3.get_bucket_acl().bucket(&fresh).send().await.unwrap();
        assert!(acl.grants().iter().any(|g| {
            g.grantee().and_then(|g| g.uri()) == Some(ALL_USERS)
                && g.permission() == Some(&Permission::Read)
        }));
    });
}
