//! Router tables: every operation in both addressing styles, the errors,
//! and a property test that any key survives SDK-style encoding.

use http::{HeaderMap, HeaderValue, Method, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;

use super::*;
use crate::error::S3ErrorCode;

const DOMAIN: &str = "s3.example.com";

fn b() -> String {
    "bucket".to_owned()
}

fn k() -> String {
    "dir/key.txt".to_owned()
}

fn s(v: &str) -> String {
    v.to_owned()
}

/// Every bucket and object operation, as (method, what follows the bucket
/// in a path-style URI, expected endpoint). The object is `dir/key.txt`.
fn bucket_cases() -> Vec<(Method, &'static str, Endpoint)> {
    use Endpoint::*;
    let g = Method::GET;
    let p = Method::PUT;
    let d = Method::DELETE;
    let h = Method::HEAD;
    let post = Method::POST;
    vec![
        (p.clone(), "", CreateBucket { bucket: b() }),
        (p.clone(), "/", CreateBucket { bucket: b() }),
        (d.clone(), "", DeleteBucket { bucket: b() }),
        (h.clone(), "", HeadBucket { bucket: b() }),
        (g.clone(), "?location", GetBucketLocation { bucket: b() }),
        (
            g.clone(),
            "?versioning",
            GetBucketVersioning { bucket: b() },
        ),
        (
            p.clone(),
            "?versioning",
            PutBucketVersioning { bucket: b() },
        ),
        (
            g.clone(),
            "",
            ListObjects {
                bucket: b(),
                prefix: s(""),
                delimiter: None,
                marker: None,
                max_keys: None,
                url_encoding: false,
            },
        ),
        (
            g.clone(),
            "?prefix=a%2Fb%20c&delimiter=%2F&marker=m&max-keys=10&encoding-type=url",
            ListObjects {
                bucket: b(),
                prefix: s("a/b c"),
                delimiter: Some(s("/")),
                marker: Some(s("m")),
                max_keys: Some(10),
                url_encoding: true,
            },
        ),
        (
            g.clone(),
            "?list-type=2",
            ListObjectsV2 {
                bucket: b(),
                prefix: s(""),
                delimiter: None,
                continuation_token: None,
                start_after: None,
                max_keys: None,
                fetch_owner: false,
                url_encoding: false,
            },
        ),
        (
            g.clone(),
            "?list-type=2&prefix=p&delimiter=&continuation-token=tok%3D&start-after=s&max-keys=0&fetch-owner=true&x-id=ListObjectsV2",
            ListObjectsV2 {
                bucket: b(),
                prefix: s("p"),
                delimiter: None,
                continuation_token: Some(s("tok=")),
                start_after: Some(s("s")),
                max_keys: Some(0),
                fetch_owner: true,
                url_encoding: false,
            },
        ),
        (
            g.clone(),
            "?versions&key-marker=k&version-id-marker=v&max-keys=99999999999",
            ListObjectVersions {
                bucket: b(),
                prefix: s(""),
                delimiter: None,
                key_marker: Some(s("k")),
                version_id_marker: Some(s("v")),
                max_keys: Some(u32::MAX),
                url_encoding: false,
            },
        ),
        (
            g.clone(),
            "?uploads&prefix=x&key-marker=k&upload-id-marker=u&max-uploads=5",
            ListMultipartUploads {
                bucket: b(),
                prefix: s("x"),
                delimiter: None,
                key_marker: Some(s("k")),
                upload_id_marker: Some(s("u")),
                max_uploads: Some(5),
                url_encoding: false,
            },
        ),
        (post.clone(), "?delete", DeleteObjects { bucket: b() }),
        (post.clone(), "", PostObject { bucket: b() }),
        (post.clone(), "?delete=", DeleteObjects { bucket: b() }),
        (g.clone(), "?tagging", GetBucketTagging { bucket: b() }),
        (p.clone(), "?tagging", PutBucketTagging { bucket: b() }),
        (d.clone(), "?tagging", DeleteBucketTagging { bucket: b() }),
        (g.clone(), "?acl", GetBucketAcl { bucket: b() }),
        (p.clone(), "?acl", PutBucketAcl { bucket: b() }),
        (
            g.clone(),
            "?lifecycle",
            GetBucketLifecycleConfiguration { bucket: b() },
        ),
        (
            p.clone(),
            "?lifecycle",
            PutBucketLifecycleConfiguration { bucket: b() },
        ),
        (
            d.clone(),
            "?lifecycle",
            DeleteBucketLifecycle { bucket: b() },
        ),
        (g.clone(), "?cors", GetBucketCors { bucket: b() }),
        (p.clone(), "?cors", PutBucketCors { bucket: b() }),
        (d.clone(), "?cors", DeleteBucketCors { bucket: b() }),
        (
            p.clone(),
            "/dir/key.txt",
            PutObject {
                bucket: b(),
                key: k(),
            },
        ),
        (
            p.clone(),
            "/dir/key.txt?x-id=PutObject",
            PutObject {
                bucket: b(),
                key: k(),
            },
        ),
        (
            g.clone(),
            "/dir/key.txt",
            GetObject {
                bucket: b(),
                key: k(),
                version_id: None,
                part_number: None,
                overrides: ResponseOverrides::default(),
            },
        ),
        (
            g.clone(),
            "/dir/key.txt?versionId=v1&partNumber=2&response-content-type=text%2Fplain&response-expires=x",
            GetObject {
                bucket: b(),
                key: k(),
                version_id: Some(s("v1")),
                part_number: Some(2),
                overrides: ResponseOverrides {
                    content_type: Some(s("text/plain")),
                    expires: Some(s("x")),
                    ..Default::default()
                },
            },
        ),
        (
            h.clone(),
            "/dir/key.txt?versionId=v1",
            HeadObject {
                bucket: b(),
                key: k(),
                version_id: Some(s("v1")),
                part_number: None,
                overrides: ResponseOverrides::default(),
            },
        ),
        (
            d.clone(),
            "/dir/key.txt",
            DeleteObject {
                bucket: b(),
                key: k(),
                version_id: None,
            },
        ),
        (
            d.clone(),
            "/dir/key.txt?versionId=null",
            DeleteObject {
                bucket: b(),
                key: k(),
                version_id: Some(s("null")),
            },
        ),
        (
            post.clone(),
            "/dir/key.txt?uploads",
            CreateMultipartUpload {
                bucket: b(),
                key: k(),
            },
        ),
        (
            p.clone(),
            "/dir/key.txt?partNumber=3&uploadId=up%2B1",
            UploadPart {
                bucket: b(),
                key: k(),
                part_number: 3,
                upload_id: s("up+1"),
            },
        ),
        (
            post.clone(),
            "/dir/key.txt?uploadId=u",
            CompleteMultipartUpload {
                bucket: b(),
                key: k(),
                upload_id: s("u"),
            },
        ),
        (
            d.clone(),
            "/dir/key.txt?uploadId=u",
            AbortMultipartUpload {
                bucket: b(),
                key: k(),
                upload_id: s("u"),
            },
        ),
        (
            g.clone(),
            "/dir/key.txt?uploadId=u&max-parts=7&part-number-marker=2",
            ListParts {
                bucket: b(),
                key: k(),
                upload_id: s("u"),
                max_parts: Some(7),
                part_number_marker: Some(2),
            },
        ),
        (
            g.clone(),
            "/dir/key.txt?tagging",
            GetObjectTagging {
                bucket: b(),
                key: k(),
                version_id: None,
            },
        ),
        (
            p.clone(),
            "/dir/key.txt?tagging&versionId=v",
            PutObjectTagging {
                bucket: b(),
                key: k(),
                version_id: Some(s("v")),
            },
        ),
        (
            d.clone(),
            "/dir/key.txt?tagging",
            DeleteObjectTagging {
                bucket: b(),
                key: k(),
                version_id: None,
            },
        ),
        (
            g.clone(),
            "/dir/key.txt?acl",
            GetObjectAcl {
                bucket: b(),
                key: k(),
                version_id: None,
            },
        ),
        (
            g.clone(),
            "/dir/key.txt?attributes",
            GetObjectAttributes {
                bucket: b(),
                key: k(),
                version_id: None,
            },
        ),
        (
            g.clone(),
            "/dir/key.txt?attributes&versionId=v",
            GetObjectAttributes {
                bucket: b(),
                key: k(),
                version_id: Some(s("v")),
            },
        ),
        (
            p.clone(),
            "/dir/key.txt?acl&versionId=v",
            PutObjectAcl {
                bucket: b(),
                key: k(),
                version_id: Some(s("v")),
            },
        ),
        (
            Method::OPTIONS,
            "/dir/key.txt",
            Options {
                bucket: Some(b()),
                key: Some(k()),
            },
        ),
        (
            Method::OPTIONS,
            "?policy",
            Options {
                bucket: Some(b()),
                key: None,
            },
        ),
    ]
}

/// The virtual-host form of a path-style suffix: the path is what follows
/// the bucket.
fn vhost_path(rest: &str) -> String {
    if rest.starts_with('/') {
        rest.to_owned()
    } else {
        format!("/{rest}")
    }
}

fn route_str(
    method: &Method,
    uri: &str,
    host: Option<&str>,
    domain: Option<&str>,
) -> Result<Endpoint, S3Error> {
    let uri: Uri = uri.parse().unwrap_or_else(|e| panic!("{uri}: {e}"));
    route(method, &uri, host, domain)
}

#[test]
fn every_operation_path_style() {
    for (method, rest, expected) in bucket_cases() {
        let uri = format!("/bucket{rest}");
        for (host, domain) in [
            (None, None),
            (Some("localhost:9000"), None),
            (Some("localhost:9000"), Some(DOMAIN)),
            // The domain itself is path style.
            (Some("s3.example.com:9000"), Some(DOMAIN)),
            (Some("S3.Example.COM"), Some(DOMAIN)),
        ] {
            let got = route_str(&method, &uri, host, domain)
                .unwrap_or_else(|e| panic!("{method} {uri} (host {host:?}): {e}"));
            assert_eq!(got, expected, "{method} {uri} (host {host:?})");
            assert_eq!(got.bucket(), Some("bucket"));
        }
    }
}

#[test]
fn every_operation_virtual_host_style() {
    for (method, rest, expected) in bucket_cases() {
        let uri = vhost_path(rest);
        for host in [
            "bucket.s3.example.com",
            "bucket.s3.example.com:9000",
            "bucket.S3.EXAMPLE.com.",
        ] {
            let got = route_str(&method, &uri, Some(host), Some(DOMAIN))
                .unwrap_or_else(|e| panic!("{method} {uri} (host {host}): {e}"));
            assert_eq!(got, expected, "{method} {uri} (host {host})");
        }
    }
}

#[test]
fn dotted_bucket_in_virtual_host() {
    let got = route_str(
        &Method::PUT,
        "/k",
        Some("my.dotted.bucket.s3.example.com"),
        Some("s3.example.com:9000"),
    )
    .unwrap();
    assert_eq!(
        got,
        Endpoint::PutObject {
            bucket: s("my.dotted.bucket"),
            key: s("k")
        }
    );
}

#[test]
fn service_level() {
    let list = |prefix: &str| Endpoint::ListBuckets {
        prefix: prefix.to_owned(),
        max_buckets: None,
        continuation_token: None,
        bucket_region: None,
    };
    assert_eq!(route_str(&Method::GET, "/", None, None).unwrap(), list(""));
    assert_eq!(
        route_str(
            &Method::GET,
            "/?x-id=ListBuckets",
            Some(DOMAIN),
            Some(DOMAIN)
        )
        .unwrap(),
        list("")
    );
    assert_eq!(
        route_str(
            &Method::GET,
            "/?prefix=a&max-buckets=3&continuation-token=t&bucket-region=eu",
            Some("localhost"),
            Some(DOMAIN)
        )
        .unwrap(),
        Endpoint::ListBuckets {
            prefix: s("a"),
            max_buckets: Some(3),
            continuation_token: Some(s("t")),
            bucket_region: Some(s("eu")),
        }
    );
    assert_eq!(
        route_str(&Method::OPTIONS, "*", None, None).unwrap(),
        Endpoint::Options {
            bucket: None,
            key: None
        }
    );
    assert_eq!(
        route_str(&Method::OPTIONS, "/", None, None).unwrap(),
        Endpoint::Options {
            bucket: None,
            key: None
        }
    );
    for m in [Method::PUT, Method::POST, Method::DELETE, Method::HEAD] {
        assert_eq!(
            route_str(&m, "/", None, None).unwrap_err().code,
            S3ErrorCode::MethodNotAllowed
        );
    }
    // Without a configured domain, a bucket-looking host is just a host.
    assert_eq!(
        route_str(&Method::GET, "/", Some("bucket.s3.example.com"), None).unwrap(),
        list("")
    );
}

/// Keys are opaque: nothing is normalised.
#[test]
fn keys_keep_every_byte() {
    let cases = [
        ("/bucket/a//b", "a//b"),
        ("/bucket//lead", "/lead"),
        ("/bucket//", "/"),
        ("/bucket/dir/", "dir/"),
        ("/bucket/../../etc/passwd", "../../etc/passwd"),
        ("/bucket/a/./b/../c", "a/./b/../c"),
        ("/bucket/%2E%2E", ".."),
        ("/bucket/a%2Fb", "a/b"),
        ("/bucket/a+b", "a+b"),
        ("/bucket/a%2Bb%20c", "a+b c"),
        ("/bucket/%E2%9C%93%20ok", "✓ ok"),
        ("/bucket/100%25", "100%"),
        ("/bucket/q%3Fx%23y", "q?x#y"),
    ];
    for (uri, key) in cases {
        let got = route_str(&Method::GET, uri, None, None).unwrap();
        assert_eq!(got.key(), Some(key), "{uri}");
        // The same key addressed virtual-host style.
        let vpath = uri.strip_prefix("/bucket").unwrap();
        let got = route_str(
            &Method::GET,
            vpath,
            Some("bucket.s3.example.com"),
            Some(DOMAIN),
        )
        .unwrap();
        assert_eq!(got.key(), Some(key), "vhost {vpath}");
    }
}

#[test]
fn errors() {
    use S3ErrorCode::*;
    let g = Method::GET;
    let p = Method::PUT;
    let post = Method::POST;
    let d = Method::DELETE;
    let h = Method::HEAD;
    let cases: Vec<(Method, &str, S3ErrorCode)> = vec![
        // Unimplemented sub-resources, on every level and method.
        (g.clone(), "/bucket?policy", NotImplemented),
        (p.clone(), "/bucket?policy", NotImplemented),
        (d.clone(), "/bucket?policy=", NotImplemented),
        (g.clone(), "/bucket?replication", NotImplemented),
        (p.clone(), "/bucket?website", NotImplemented),
        (g.clone(), "/bucket?encryption", NotImplemented),
        (p.clone(), "/bucket?object-lock", NotImplemented),
        (g.clone(), "/bucket/k?retention", NotImplemented),
        (p.clone(), "/bucket/k?legal-hold", NotImplemented),
        (g.clone(), "/bucket?notification", NotImplemented),
        (g.clone(), "/bucket?logging", NotImplemented),
        (g.clone(), "/bucket?requestPayment", NotImplemented),
        (g.clone(), "/bucket?accelerate", NotImplemented),
        (g.clone(), "/bucket?analytics&id=x", NotImplemented),
        (g.clone(), "/bucket?inventory", NotImplemented),
        (g.clone(), "/bucket?metrics", NotImplemented),
        (g.clone(), "/bucket?ownershipControls", NotImplemented),
        (g.clone(), "/bucket?publicAccessBlock", NotImplemented),
        (g.clone(), "/bucket?intelligent-tiering", NotImplemented),
        (g.clone(), "/bucket/k?torrent", NotImplemented),
        (
            post.clone(),
            "/bucket/k?select&select-type=2",
            NotImplemented,
        ),
        (post.clone(), "/bucket/k?restore", NotImplemented),
        // GetObjectAttributes is GET on an object only.
        (h.clone(), "/bucket/k?attributes", MethodNotAllowed),
        (p.clone(), "/bucket/k?attributes", MethodNotAllowed),
        (g.clone(), "/bucket?attributes", MethodNotAllowed),
        (g.clone(), "/?policy", NotImplemented),
        // An unknown sub-resource is not silently a GetObject.
        (g.clone(), "/bucket/k?someNewThing", NotImplemented),
        (d.clone(), "/bucket/k?acl", MethodNotAllowed),
        // Wrong method for the resource.
        (Method::PATCH, "/bucket/k", MethodNotAllowed),
        (post.clone(), "/bucket/k", MethodNotAllowed),
        (post.clone(), "/bucket?tagging", MethodNotAllowed),
        (d.clone(), "/bucket?acl", MethodNotAllowed),
        (p.clone(), "/bucket?location", MethodNotAllowed),
        (d.clone(), "/bucket?versioning", MethodNotAllowed),
        (g.clone(), "/bucket?delete", MethodNotAllowed),
        (post.clone(), "/bucket?uploads", MethodNotAllowed),
        (g.clone(), "/bucket/k?uploads", MethodNotAllowed),
        (h.clone(), "/bucket/k?uploadId=u", MethodNotAllowed),
        (post.clone(), "/bucket/k?tagging", MethodNotAllowed),
        (g.clone(), "/bucket/k?versioning", MethodNotAllowed),
        (g.clone(), "/bucket/k?lifecycle", MethodNotAllowed),
        (post.clone(), "/bucket/k?delete", MethodNotAllowed),
        // Object sub-resources without a key never reach bucket operations.
        (d.clone(), "/bucket?uploadId=u", MethodNotAllowed),
        (d.clone(), "/bucket?versionId=v", MethodNotAllowed),
        (
            p.clone(),
            "/bucket?partNumber=1&uploadId=u",
            MethodNotAllowed,
        ),
        // Bad arguments.
        (p.clone(), "/bucket/k?uploadId=u", InvalidArgument),
        (
            p.clone(),
            "/bucket/k?uploadId=u&partNumber=0",
            InvalidArgument,
        ),
        (
            p.clone(),
            "/bucket/k?uploadId=u&partNumber=10001",
            InvalidArgument,
        ),
        (
            p.clone(),
            "/bucket/k?uploadId=u&partNumber=x",
            InvalidArgument,
        ),
        (p.clone(), "/bucket/k?partNumber=1", InvalidArgument),
        (g.clone(), "/bucket/k?partNumber=-1", InvalidArgument),
        (g.clone(), "/bucket/k?versionId=", InvalidArgument),
        (g.clone(), "/bucket?max-keys=-1", InvalidArgument),
        (g.clone(), "/bucket?max-keys=ten", InvalidArgument),
        (g.clone(), "/bucket?list-type=2&max-keys=", InvalidArgument),
        (g.clone(), "/bucket?list-type=3", InvalidArgument),
        (g.clone(), "/bucket?encoding-type=base64", InvalidArgument),
        (
            g.clone(),
            "/bucket?list-type=2&fetch-owner=yes",
            InvalidArgument,
        ),
        (
            g.clone(),
            "/bucket?uploads&max-uploads=1.5",
            InvalidArgument,
        ),
        // Undecodable paths and queries.
        (g.clone(), "/bucket/a%00b", InvalidArgument),
        (g.clone(), "/bucket/a%FFb", InvalidArgument),
        (g.clone(), "/bucket/a%C3", InvalidArgument),
        (g.clone(), "/bucket/a%zz", InvalidArgument),
        (g.clone(), "/bucket/a%4", InvalidArgument),
        (g.clone(), "/bucket?prefix=%00", InvalidArgument),
        (g.clone(), "/bucket?prefix=%FE", InvalidArgument),
        (g.clone(), "/bucket%00/k", InvalidArgument),
        (g.clone(), "//k", InvalidBucketName),
    ];
    for (method, uri, code) in cases {
        match route_str(&method, uri, None, None) {
            Ok(ep) => panic!("{method} {uri}: expected {code}, routed to {ep:?}"),
            Err(e) => assert_eq!(e.code, code, "{method} {uri}: {e}"),
        }
    }
}

#[test]
fn presigned_and_sdk_params_are_ignored() {
    let uri = "/bucket/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20260101%2Fus-east-1%2Fs3%2Faws4_request\
               &X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc\
               &x-amz-checksum-mode=&x-id=GetObject";
    let got = route_str(&Method::GET, uri, None, None).unwrap();
    assert_eq!(got.name(), "GetObject");
    assert_eq!(got.key(), Some("k"));
}

#[test]
fn copy_source_from_headers() {
    let uri: Uri = "/bucket/dst".parse().unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("localhost:9000"));
    headers.insert(
        "x-amz-copy-source",
        HeaderValue::from_static("/src-bucket/a%20b/c%3Fd?versionId=v%2B1"),
    );
    assert_eq!(
        route_request(&Method::PUT, &uri, &headers, Some(DOMAIN)).unwrap(),
        Endpoint::CopyObject {
            bucket: s("bucket"),
            key: s("dst"),
            source: CopySource {
                bucket: s("src-bucket"),
                key: s("a b/c?d"),
                version_id: Some(s("v+1")),
            },
        }
    );
    let uri: Uri = "/dst?partNumber=2&uploadId=u".parse().unwrap();
    headers.insert("host", HeaderValue::from_static("bucket.s3.example.com"));
    headers.insert("x-amz-copy-source", HeaderValue::from_static("src/k"));
    let got = route_request(&Method::PUT, &uri, &headers, Some(DOMAIN)).unwrap();
    assert_eq!(got.name(), "UploadPartCopy");
    assert_eq!(
        got,
        Endpoint::UploadPartCopy {
            bucket: s("bucket"),
            key: s("dst"),
            part_number: 2,
            upload_id: s("u"),
            source: CopySource {
                bucket: s("src"),
                key: s("k"),
                version_id: None,
            },
        }
    );
    // The header means nothing to other operations.
    let uri: Uri = "/dst".parse().unwrap();
    assert_eq!(
        route_request(&Method::GET, &uri, &headers, Some(DOMAIN))
            .unwrap()
            .name(),
        "GetObject"
    );
    // HTTP/2-style: no Host header, authority in the URI.
    let uri: Uri = "http://bucket.s3.example.com/k".parse().unwrap();
    assert_eq!(
        route_request(&Method::PUT, &uri, &HeaderMap::new(), Some(DOMAIN)).unwrap(),
        Endpoint::PutObject {
            bucket: s("bucket"),
            key: s("k")
        }
    );
}

#[test]
fn copy_source_parsing() {
    // Raw UTF-8, as some clients send it.
    assert_eq!(CopySource::parse("b/ключ".as_bytes()).unwrap().key, "ключ");
    assert_eq!(CopySource::parse(b"b//k").unwrap().key, "/k");
    for bad in [
        &b""[..],
        b"/",
        b"bucket",
        b"bucket/",
        b"/k",
        b"b/k?versionId=",
        b"b/k?other=1",
        b"b/%00",
        b"b/%ff",
    ] {
        let err = CopySource::parse(bad).unwrap_err();
        assert_eq!(
            err.code,
            S3ErrorCode::InvalidArgument,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn query_helpers() {
    let uri: Uri = "/b?a=1&a=2&plus=x+y&sp=x%20y&flag&empty=".parse().unwrap();
    assert_eq!(query_param(&uri, "a").unwrap().as_deref(), Some("1"));
    assert_eq!(query_param(&uri, "plus").unwrap().as_deref(), Some("x+y"));
    assert_eq!(query_param(&uri, "sp").unwrap().as_deref(), Some("x y"));
    assert_eq!(query_param(&uri, "flag").unwrap().as_deref(), Some(""));
    assert_eq!(query_param(&uri, "missing").unwrap(), None);
    let q = Query::parse(uri.query()).unwrap();
    assert!(q.has("empty"));
    assert_eq!(q.iter().count(), 6);
    let bad: Uri = "/b?a=%".parse().unwrap();
    assert!(query_param(&bad, "a").is_err());
}

#[test]
fn names_are_operation_names() {
    for (method, rest, ep) in bucket_cases() {
        let name = ep.name();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "{method} {rest}: {name}"
        );
        // The variant's Debug spelling starts with its name.
        assert!(format!("{ep:?}").starts_with(name), "{name}");
    }
}

/// What AWS SDKs leave unencoded in an S3 path: unreserved characters and
/// `/`.
const SDK_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');
/// In a query value `/` is encoded too.
const SDK_QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

proptest! {
    #[test]
    fn any_key_round_trips(key in "[\\PC/%?#+ ~.]{1,40}") {
        let enc = utf8_percent_encode(&key, SDK_PATH).to_string();

        let uri = format!("/bucket/{enc}");
        let got = route_str(&Method::GET, &uri, Some("localhost:9000"), Some(DOMAIN)).unwrap();
        prop_assert_eq!(got.key(), Some(key.as_str()));

        let uri = format!("/{enc}");
        let got = route_str(&Method::PUT, &uri, Some("bucket.s3.example.com:9000"), Some(DOMAIN)).unwrap();
        prop_assert_eq!(got.bucket(), Some("bucket"));
        prop_assert_eq!(got.key(), Some(key.as_str()));

        let uri = format!("/bucket?list-type=2&prefix={}", utf8_percent_encode(&key, SDK_QUERY));
        let got = route_str(&Method::GET, &uri, None, None).unwrap();
        match got {
            Endpoint::ListObjectsV2 { prefix, .. } => prop_assert_eq!(prefix, key.clone()),
            other => prop_assert!(false, "routed to {:?}", other),
        }

        let header = format!("/src/{}?versionId=v", utf8_percent_encode(&key, SDK_QUERY));
        let source = CopySource::parse(header.as_bytes()).unwrap();
        prop_assert_eq!(source.key, key);
    }
}
