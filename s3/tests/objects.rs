//! Object operations through aws-sdk-s3 with its default settings (which
//! upload with `STREAMING-UNSIGNED-PAYLOAD-TRAILER` and a CRC checksum):
//! put and get, ranges, conditional reads and writes, metadata, copies,
//! versions and delete markers, DeleteObjects, checksums, snapshot reads
//! and presigned URLs fetched with a plain HTTP client.

use crate::common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alexander_store::{PutOptions, Versioning};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::DateTime;
use aws_sdk_s3::types::{ChecksumMode, Delete, MetadataDirective, ObjectIdentifier};
use base64::Engine as _;
use common::*;

#[test]
fn put_and_get_small_and_large() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "putget");
    rt().block_on(async {
        for (key, len, seed) in [
            ("empty", 0usize, 1u64),
            ("small.txt", 1000, 2),
            ("dir/large.bin", 20 << 20, 3),
            ("unicode ä ☃/x+y=z&?.bin", 33, 4),
        ] {
            let d = data(len, seed);
            let put = s3
                .put_object()
                .bucket(&b)
                .key(key)
                .body(body(&d))
                .send()
                .await
                .unwrap();
            let etag = format!("\"{}\"", md5_hex(&d));
            assert_eq!(put.e_tag(), Some(etag.as_str()), "{key}");
            // Unversioned bucket: no version id.
            assert_eq!(put.version_id(), None);
            let got = s3.get_object().bucket(&b).key(key).send().await.unwrap();
            assert_eq!(got.content_length(), Some(len as i64));
            assert_eq!(got.e_tag(), Some(etag.as_str()));
            assert_eq!(got.accept_ranges(), Some("bytes"));
            // The SDK sends a Content-Type of its own.
            assert_eq!(got.content_type(), Some("application/octet-stream"));
            assert!(got.last_modified().is_some());
            let bytes = got.body.collect().await.unwrap().into_bytes();
            assert!(bytes[..] == d[..], "{key}: bytes differ");

            let head = s3.head_object().bucket(&b).key(key).send().await.unwrap();
            assert_eq!(head.content_length(), Some(len as i64));
            assert_eq!(head.e_tag(), Some(etag.as_str()));
        }
        let err = s3
            .get_object()
            .bucket(&b)
            .key("missing")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (404, "NoSuchKey")
        );
        let err = s3
            .head_object()
            .bucket(&b)
            .key("missing")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 404);
        let err = s3
            .get_object()
            .bucket("no-such-bucket-x")
            .key("k")
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchBucket");
    });
}

#[test]
fn ranges() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "ranges");
    let d = data(100_000, 7);
    rt().block_on(async {
        s3.put_object()
            .bucket(&b)
            .key("k")
            .body(body(&d))
            .send()
            .await
            .unwrap();
        let size = d.len();
        let cases: [(&str, usize, usize); 6] = [
            ("bytes=0-0", 0, 1),
            ("bytes=0-99", 0, 100),
            ("bytes=5000-70000", 5000, 70001),
            ("bytes=-10", size - 10, size),
            ("bytes=99990-", 99990, size),
            // An end past the object is clamped.
            ("bytes=99000-200000", 99000, size),
        ];
        for (range, start, end) in cases {
            let out = s3
                .get_object()
                .bucket(&b)
                .key("k")
                .range(range)
                .send()
                .await
                .unwrap();
            assert_eq!(out.content_length(), Some((end - start) as i64), "{range}");
            let want = format!("bytes {start}-{}/{size}", end - 1);
            assert_eq!(out.content_range(), Some(want.as_str()), "{range}");
            let bytes = out.body.collect().await.unwrap().into_bytes();
            assert!(bytes[..] == d[start..end], "{range}");
        }
        // A suffix longer than the object is the whole object.
        let out = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .range("bytes=-200000")
            .send()
            .await
            .unwrap();
        assert_eq!(out.content_length(), Some(size as i64));
        // Several ranges, or a malformed one, are ignored as S3 does: 200, whole.
        for range in ["bytes=0-1,5-6", "bytes=9-5", "lines=1-2", "bytes=x-"] {
            let out = s3
                .get_object()
                .bucket(&b)
                .key("k")
                .range(range)
                .send()
                .await
                .unwrap();
            assert_eq!(out.content_range(), None, "{range}");
            assert_eq!(out.content_length(), Some(size as i64), "{range}");
        }
        // Beyond the end: 416 InvalidRange.
        for range in ["bytes=100000-", "bytes=200000-300000", "bytes=-0"] {
            let err = s3
                .get_object()
                .bucket(&b)
                .key("k")
                .range(range)
                .send()
                .await
                .unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (416, "InvalidRange"),
                "{range}"
            );
            let raw = err.raw_response().unwrap();
            assert_eq!(raw.headers().get("content-range"), Some("bytes */100000"));
        }
        // HEAD with a range answers like GET without the body.
        let head = s3
            .head_object()
            .bucket(&b)
            .key("k")
            .range("bytes=10-19")
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_length(), Some(10));
        assert_eq!(head.content_range(), Some("bytes 10-19/100000"));
    });
}

#[test]
fn conditional_get_and_put() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "cond");
    rt().block_on(async {
        let d = data(500, 1);
        let put = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .body(body(&d))
            .send()
            .await
            .unwrap();
        let etag = put.e_tag().unwrap().to_owned();
        let head = s3.head_object().bucket(&b).key("k").send().await.unwrap();
        let modified = head.last_modified().unwrap().secs();
        let before = DateTime::from_secs(modified - 3600);
        let after = DateTime::from_secs(modified + 3600);

        // If-Match.
        let ok = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .if_match(&etag)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.e_tag(), Some(etag.as_str()));
        let err = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .if_match("\"nope\"")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (412, "PreconditionFailed")
        );
        // If-None-Match: 304 with ETag and Last-Modified.
        let err = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .if_none_match(&etag)
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 304);
        let raw = err.raw_response().unwrap();
        assert_eq!(raw.headers().get("etag"), Some(etag.as_str()));
        assert!(raw.headers().get("last-modified").is_some());
        s3.get_object()
            .bucket(&b)
            .key("k")
            .if_none_match("\"other\"")
            .send()
            .await
            .unwrap();
        // Dates.
        let err = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .if_modified_since(after)
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 304);
        s3.get_object()
            .bucket(&b)
            .key("k")
            .if_modified_since(before)
            .send()
            .await
            .unwrap();
        let err = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .if_unmodified_since(before)
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 412);
        s3.get_object()
            .bucket(&b)
            .key("k")
            .if_unmodified_since(after)
            .send()
            .await
            .unwrap();
        // RFC 7232 order: If-Match holds, so If-Unmodified-Since is not looked at.
        s3.get_object()
            .bucket(&b)
            .key("k")
            .if_match(&etag)
            .if_unmodified_since(before)
            .send()
            .await
            .unwrap();
        // If-None-Match does not match, so If-Modified-Since is not looked at.
        s3.get_object()
            .bucket(&b)
            .key("k")
            .if_none_match("\"other\"")
            .if_modified_since(after)
            .send()
            .await
            .unwrap();
        // HEAD too.
        let err = s3
            .head_object()
            .bucket(&b)
            .key("k")
            .if_match("\"nope\"")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 412);

        // Conditional PUT: If-None-Match: * refuses to overwrite.
        let err = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .if_none_match("*")
            .body(body(b"other"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (412, "PreconditionFailed")
        );
        assert_eq!(get_bytes(&s3, &b, "k").await, d);
        s3.put_object()
            .bucket(&b)
            .key("new")
            .if_none_match("*")
            .body(body(b"n"))
            .send()
            .await
            .unwrap();
        // If-Match: only over the named version.
        let err = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .if_match("\"0123\"")
            .body(body(b"other"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 412);
        let err = s3
            .put_object()
            .bucket(&b)
            .key("absent")
            .if_match(&etag)
            .body(body(b"other"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchKey");
        let put = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .if_match(&etag)
            .body(body(b"v2"))
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&s3, &b, "k").await, b"v2");
        assert_ne!(put.e_tag(), Some(etag.as_str()));
    });
}

#[test]
fn concurrent_create_only_puts_have_one_winner() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "race");
    rt().block_on(async {
        let tasks: Vec<_> = (0..8u64)
            .map(|i| {
                let (s3, b) = (s3.clone(), b.clone());
                tokio::spawn(async move {
                    let d = data(200_000, i);
                    let r = s3
                        .put_object()
                        .bucket(&b)
                        .key("once")
                        .if_none_match("*")
                        .body(body(&d))
                        .send()
                        .await;
                    (d, r.map_err(|e| http_status(&e)))
                })
            })
            .collect();
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                (d, Ok(_)) => winners.push(d),
                // 409 when the condition held as the request began and a
                // winner committed while its body was sent.
                (_, Err(status)) => assert!(matches!(status, 409 | 412), "{status}"),
            }
        }
        assert_eq!(winners.len(), 1);
        assert_eq!(get_bytes(&s3, &b, "once").await, winners[0]);
    });
}

#[test]
fn metadata_and_posix_attributes_round_trip() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "meta");
    rt().block_on(async {
        s3.put_object()
            .bucket(&b)
            .key("f")
            .content_type("text/plain")
            .cache_control("max-age=60")
            .content_disposition("attachment; filename=\"f.txt\"")
            .content_language("en")
            .metadata("color", "blue")
            .metadata("mode", "33188")
            .metadata("uid", "1000")
            .metadata("gid", "100")
            .metadata("mtime", "1700000000.5")
            .body(body(b"hello"))
            .send()
            .await
            .unwrap();
        let head = s3.head_object().bucket(&b).key("f").send().await.unwrap();
        assert_eq!(head.content_type(), Some("text/plain"));
        assert_eq!(head.cache_control(), Some("max-age=60"));
        assert_eq!(
            head.content_disposition(),
            Some("attachment; filename=\"f.txt\"")
        );
        assert_eq!(head.content_language(), Some("en"));
        let m = head.metadata().unwrap();
        assert_eq!(m.get("color").map(String::as_str), Some("blue"));
        assert_eq!(m.get("mode").map(String::as_str), Some("33188"));
        assert_eq!(m.get("uid").map(String::as_str), Some("1000"));
        assert_eq!(m.get("gid").map(String::as_str), Some("100"));
        assert_eq!(
            m.get("mtime").map(String::as_str),
            Some("1700000000.500000000")
        );
        // The store holds them as POSIX attributes, for the mount.
        let info = server
            .store
            .head_object(&b, "f", alexander_store::At::Current)
            .unwrap();
        assert_eq!(info.meta.attrs.mode, Some(0o100644));
        assert_eq!(info.meta.attrs.uid, Some(1000));
        assert_eq!(info.meta.attrs.mtime_ns, Some(1_700_000_000_500_000_000));

        // Overrides of the response headers.
        let out = s3
            .get_object()
            .bucket(&b)
            .key("f")
            .response_content_type("application/x-test")
            .response_content_disposition("inline")
            .response_cache_control("no-cache")
            .send()
            .await
            .unwrap();
        assert_eq!(out.content_type(), Some("application/x-test"));
        assert_eq!(out.content_disposition(), Some("inline"));
        assert_eq!(out.cache_control(), Some("no-cache"));

        // Metadata over 2 KiB is refused.
        let err = s3
            .put_object()
            .bucket(&b)
            .key("big-meta")
            .metadata("x", "y".repeat(2100))
            .body(body(b"x"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "MetadataTooLarge");
        // Writes under .snapshots/ are refused.
        let err = s3
            .put_object()
            .bucket(&b)
            .key(".snapshots/s/x")
            .body(body(b"x"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (403, "AccessDenied")
        );
    });
}

#[test]
fn copies() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "copy");
    let b2 = new_bucket(&server, "copy2");
    server
        .store
        .set_versioning(&b, Versioning::Enabled)
        .unwrap();
    rt().block_on(async {
        let v1 = data(70_000, 1);
        let put1 = s3
            .put_object()
            .bucket(&b)
            .key("src")
            .content_type("text/x-one")
            .metadata("k", "one")
            .body(body(&v1))
            .send()
            .await
            .unwrap();
        let id1 = put1.version_id().unwrap().to_owned();
        let etag1 = put1.e_tag().unwrap().to_owned();

        // COPY (the default) keeps the metadata, across buckets.
        let out = s3
            .copy_object()
            .bucket(&b2)
            .key("dst")
            .copy_source(format!("{b}/src"))
            .metadata("ignored", "yes")
            .send()
            .await
            .unwrap();
        let result = out.copy_object_result().unwrap();
        assert_eq!(result.e_tag(), Some(etag1.as_str()));
        assert!(result.last_modified().is_some());
        assert_eq!(out.copy_source_version_id(), Some(id1.as_str()));
        assert_eq!(out.version_id(), None);
        let head = s3
            .head_object()
            .bucket(&b2)
            .key("dst")
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_type(), Some("text/x-one"));
        assert_eq!(
            head.metadata().unwrap().get("k").map(String::as_str),
            Some("one")
        );
        assert!(head.metadata().unwrap().get("ignored").is_none());
        assert_eq!(get_bytes(&s3, &b2, "dst").await, v1);

        // REPLACE takes the metadata from the request.
        s3.copy_object()
            .bucket(&b2)
            .key("dst2")
            .copy_source(format!("{b}/src"))
            .metadata_directive(MetadataDirective::Replace)
            .content_type("text/x-two")
            .metadata("k", "two")
            .send()
            .await
            .unwrap();
        let head = s3
            .head_object()
            .bucket(&b2)
            .key("dst2")
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_type(), Some("text/x-two"));
        assert_eq!(
            head.metadata().unwrap().get("k").map(String::as_str),
            Some("two")
        );

        // Onto itself: only with a change.
        let err = s3
            .copy_object()
            .bucket(&b)
            .key("src")
            .copy_source(format!("{b}/src"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (400, "InvalidRequest")
        );
        let out = s3
            .copy_object()
            .bucket(&b)
            .key("src")
            .copy_source(format!("{b}/src"))
            .metadata_directive(MetadataDirective::Replace)
            .metadata("k", "changed")
            .send()
            .await
            .unwrap();
        let id_changed = out.version_id().unwrap().to_owned();
        assert_ne!(id_changed, id1);
        let head = s3.head_object().bucket(&b).key("src").send().await.unwrap();
        assert_eq!(
            head.metadata().unwrap().get("k").map(String::as_str),
            Some("changed")
        );
        assert_eq!(head.e_tag(), Some(etag1.as_str()));

        // Copy of an older version.
        let v2 = data(1000, 2);
        s3.put_object()
            .bucket(&b)
            .key("src")
            .body(body(&v2))
            .send()
            .await
            .unwrap();
        let out = s3
            .copy_object()
            .bucket(&b2)
            .key("old")
            .copy_source(format!("{b}/src?versionId={id1}"))
            .send()
            .await
            .unwrap();
        assert_eq!(out.copy_source_version_id(), Some(id1.as_str()));
        assert_eq!(get_bytes(&s3, &b2, "old").await, v1);
        // Restoring an old version onto the same key needs no change.
        s3.copy_object()
            .bucket(&b)
            .key("src")
            .copy_source(format!("{b}/src?versionId={id1}"))
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&s3, &b, "src").await, v1);

        // Copy-source conditions.
        let fails = [
            s3.copy_object()
                .bucket(&b2)
                .key("c")
                .copy_source(format!("{b}/src"))
                .copy_source_if_match("\"nope\""),
            s3.copy_object()
                .bucket(&b2)
                .key("c")
                .copy_source(format!("{b}/src"))
                .copy_source_if_none_match(&etag1),
            s3.copy_object()
                .bucket(&b2)
                .key("c")
                .copy_source(format!("{b}/src"))
                .copy_source_if_modified_since(DateTime::from_secs(now_secs() + 3600)),
            s3.copy_object()
                .bucket(&b2)
                .key("c")
                .copy_source(format!("{b}/src"))
                .copy_source_if_unmodified_since(DateTime::from_secs(now_secs() - 3600)),
        ];
        for f in fails {
            let err = f.send().await.unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (412, "PreconditionFailed")
            );
        }
        let err = s3
            .head_object()
            .bucket(&b2)
            .key("c")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 404, "a failed copy wrote nothing");
        s3.copy_object()
            .bucket(&b2)
            .key("c")
            .copy_source(format!("{b}/src"))
            .copy_source_if_match(&etag1)
            .copy_source_if_unmodified_since(DateTime::from_secs(now_secs() - 3600))
            .send()
            .await
            .unwrap();

        // Tags travel with COPY, and are replaced with the tagging directive.
        s3.put_object()
            .bucket(&b)
            .key("tagged")
            .tagging("a=1&b=2")
            .body(body(b"t"))
            .send()
            .await
            .unwrap();
        s3.copy_object()
            .bucket(&b2)
            .key("t1")
            .copy_source(format!("{b}/tagged"))
            .tagging("ignored=1")
            .send()
            .await
            .unwrap();
        let tags = s3
            .get_object_tagging()
            .bucket(&b2)
            .key("t1")
            .send()
            .await
            .unwrap();
        let mut got: Vec<_> = tags
            .tag_set()
            .iter()
            .map(|t| (t.key(), t.value()))
            .collect();
        got.sort();
        assert_eq!(got, vec![("a", "1"), ("b", "2")]);
        s3.copy_object()
            .bucket(&b2)
            .key("t2")
            .copy_source(format!("{b}/tagged"))
            .tagging_directive(aws_sdk_s3::types::TaggingDirective::Replace)
            .tagging("c=3")
            .send()
            .await
            .unwrap();
        let tags = s3
            .get_object_tagging()
            .bucket(&b2)
            .key("t2")
            .send()
            .await
            .unwrap();
        let got: Vec<_> = tags
            .tag_set()
            .iter()
            .map(|t| (t.key(), t.value()))
            .collect();
        assert_eq!(got, vec![("c", "3")]);

        // Missing source; bad version id.
        let err = s3
            .copy_object()
            .bucket(&b2)
            .key("x")
            .copy_source(format!("{b}/nope"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchKey");
        let err = s3
            .copy_object()
            .bucket(&b2)
            .key("x")
            .copy_source(format!("{b}/src?versionId=bogus"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "InvalidArgument");
    });
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn versions_and_delete_markers() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "versions");
    server
        .store
        .set_versioning(&b, Versioning::Enabled)
        .unwrap();
    rt().block_on(async {
        let v1 = data(100, 1);
        let v2 = data(200, 2);
        let id1 = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .body(body(&v1))
            .send()
            .await
            .unwrap()
            .version_id
            .unwrap();
        let id2 = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .body(body(&v2))
            .send()
            .await
            .unwrap()
            .version_id
            .unwrap();
        assert_ne!(id1, id2);
        let out = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .version_id(&id1)
            .send()
            .await
            .unwrap();
        assert_eq!(out.version_id(), Some(id1.as_str()));
        assert_eq!(out.body.collect().await.unwrap().into_bytes().to_vec(), v1);
        let head = s3.head_object().bucket(&b).key("k").send().await.unwrap();
        assert_eq!(head.version_id(), Some(id2.as_str()));

        // A delete makes a marker; the key is gone, its versions stay.
        let del = s3.delete_object().bucket(&b).key("k").send().await.unwrap();
        assert_eq!(del.delete_marker(), Some(true));
        let marker = del.version_id().unwrap().to_owned();
        let err = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchKey");
        let raw = err.raw_response().unwrap();
        assert_eq!(raw.headers().get("x-amz-delete-marker"), Some("true"));
        assert_eq!(raw.headers().get("x-amz-version-id"), Some(marker.as_str()));
        // Reading the marker by id: 405.
        let err = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .version_id(&marker)
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 405);
        assert_eq!(get_version(&s3, &b, "k", &id2).await, v2);

        // Deleting the marker by id brings the key back.
        let del = s3
            .delete_object()
            .bucket(&b)
            .key("k")
            .version_id(&marker)
            .send()
            .await
            .unwrap();
        assert_eq!(del.delete_marker(), Some(true));
        assert_eq!(del.version_id(), Some(marker.as_str()));
        assert_eq!(get_bytes(&s3, &b, "k").await, v2);

        // Deleting a version for good.
        s3.delete_object()
            .bucket(&b)
            .key("k")
            .version_id(&id2)
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&s3, &b, "k").await, v1);
        let err = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .version_id(&id2)
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchVersion");
        // A well-formed id of no version: 204, as S3. A malformed one: 400.
        s3.delete_object()
            .bucket(&b)
            .key("k")
            .version_id("00000000000fffff")
            .send()
            .await
            .unwrap();
        let err = s3
            .delete_object()
            .bucket(&b)
            .key("k")
            .version_id("garbage")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (400, "InvalidArgument")
        );
        let err = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .version_id("garbage")
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "InvalidArgument");
        // Deleting a key that never existed: 204.
        s3.delete_object()
            .bucket(&b)
            .key("never")
            .send()
            .await
            .unwrap();
    });
}

async fn get_version(s3: &aws_sdk_s3::Client, b: &str, k: &str, id: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(b)
        .key(k)
        .version_id(id)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

#[test]
fn delete_objects_verbose_and_quiet() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "delmany");
    let v = new_bucket(&server, "delmanyv");
    server
        .store
        .set_versioning(&v, Versioning::Enabled)
        .unwrap();
    rt().block_on(async {
        for k in ["a", "b", "c", "d"] {
            s3.put_object()
                .bucket(&b)
                .key(k)
                .body(body(k.as_bytes()))
                .send()
                .await
                .unwrap();
        }
        let ids = |keys: &[&str]| {
            keys.iter()
                .map(|k| ObjectIdentifier::builder().key(*k).build().unwrap())
                .collect::<Vec<_>>()
        };
        let mut objects = ids(&["a", "b", "missing"]);
        objects.push(
            ObjectIdentifier::builder()
                .key(".snapshots/s/x")
                .build()
                .unwrap(),
        );
        objects.push(
            ObjectIdentifier::builder()
                .key("c")
                .version_id("bad-id")
                .build()
                .unwrap(),
        );
        let out = s3
            .delete_objects()
            .bucket(&b)
            .delete(
                Delete::builder()
                    .set_objects(Some(objects))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let mut deleted: Vec<_> = out.deleted().iter().filter_map(|d| d.key()).collect();
        deleted.sort();
        assert_eq!(deleted, vec!["a", "b", "missing"]);
        let mut errors: Vec<_> = out
            .errors()
            .iter()
            .map(|e| (e.key().unwrap(), e.code().unwrap()))
            .collect();
        errors.sort();
        assert_eq!(
            errors,
            vec![(".snapshots/s/x", "AccessDenied"), ("c", "InvalidArgument")]
        );
        let err = s3
            .head_object()
            .bucket(&b)
            .key("a")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 404);

        // Quiet: only errors are listed.
        let out = s3
            .delete_objects()
            .bucket(&b)
            .delete(
                Delete::builder()
                    .set_objects(Some(ids(&["c", "d"])))
                    .quiet(true)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert!(out.deleted().is_empty());
        assert!(out.errors().is_empty());
        s3.head_object()
            .bucket(&b)
            .key("c")
            .send()
            .await
            .unwrap_err();

        // Conditions on a key are not silently ignored.
        s3.put_object()
            .bucket(&b)
            .key("e")
            .body(body(b"e"))
            .send()
            .await
            .unwrap();
        let out = s3
            .delete_objects()
            .bucket(&b)
            .delete(
                Delete::builder()
                    .objects(
                        ObjectIdentifier::builder()
                            .key("e")
                            .e_tag("\"abc\"")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(out.errors()[0].code(), Some("NotImplemented"));
        s3.head_object().bucket(&b).key("e").send().await.unwrap();

        // Versioned: markers, and deletes by id.
        let id = s3
            .put_object()
            .bucket(&v)
            .key("k")
            .body(body(b"1"))
            .send()
            .await
            .unwrap()
            .version_id
            .unwrap();
        let out = s3
            .delete_objects()
            .bucket(&v)
            .delete(
                Delete::builder()
                    .objects(ObjectIdentifier::builder().key("k").build().unwrap())
                    .objects(
                        ObjectIdentifier::builder()
                            .key("k")
                            .version_id(&id)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let d = out.deleted();
        assert_eq!(d.len(), 2, "{d:?}");
        let marker = d.iter().find(|d| d.version_id().is_none()).unwrap();
        assert_eq!(marker.delete_marker(), Some(true));
        assert!(marker.delete_marker_version_id().is_some());
        let by_id = d
            .iter()
            .find(|d| d.version_id() == Some(id.as_str()))
            .unwrap();
        assert_eq!(by_id.delete_marker(), None);
        let err = s3
            .get_object()
            .bucket(&v)
            .key("k")
            .version_id(&id)
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchVersion");
    });
}

#[test]
fn checksum_mode_returns_the_stored_checksum() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "sums");
    rt().block_on(async {
        let d = data(300_000, 9);
        let put = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .body(body(&d))
            .send()
            .await
            .unwrap();
        // The SDK sent a CRC32 by default (as a trailer); it is echoed.
        let crc =
            base64::engine::general_purpose::STANDARD.encode(crc32fast::hash(&d).to_be_bytes());
        assert_eq!(put.checksum_crc32(), Some(crc.as_str()));
        let out = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(out.checksum_crc32(), Some(crc.as_str()));
        // The SDK validates the body against it.
        assert_eq!(out.body.collect().await.unwrap().into_bytes().to_vec(), d);
        let head = s3
            .head_object()
            .bucket(&b)
            .key("k")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(head.checksum_crc32(), Some(crc.as_str()));
        // On a range none is sent. (The SDK asks for checksums on every GET
        // by default, so the mode is on without asking.)
        let out = s3.get_object().bucket(&b).key("k").send().await.unwrap();
        assert_eq!(out.checksum_crc32(), Some(crc.as_str()));
        let out = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .range("bytes=0-9")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(out.checksum_crc32(), None);

        // A streaming body (a file) goes as `aws-chunked` with the CRC32 in
        // a trailer: verified, stored, echoed.
        let big = data(3 << 20, 10);
        let path = server.dir.path().join("upload.bin");
        std::fs::write(&path, &big).unwrap();
        let stream = aws_sdk_s3::primitives::ByteStream::from_path(&path)
            .await
            .unwrap();
        let put = s3
            .put_object()
            .bucket(&b)
            .key("streamed")
            .body(stream)
            .send()
            .await
            .unwrap();
        let crc =
            base64::engine::general_purpose::STANDARD.encode(crc32fast::hash(&big).to_be_bytes());
        assert_eq!(put.checksum_crc32(), Some(crc.as_str()));
        let out = s3
            .get_object()
            .bucket(&b)
            .key("streamed")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(out.checksum_crc32(), Some(crc.as_str()));
        assert!(out.body.collect().await.unwrap().into_bytes()[..] == big[..]);
        let info = server
            .store
            .head_object(&b, "streamed", alexander_store::At::Current)
            .unwrap();
        assert_eq!(info.meta.extra.get("checksum-crc32"), Some(&crc));

        // The framing current SDKs use over HTTPS: unsigned `aws-chunked`
        // with the checksum in a trailer.
        let raw = data(200_000, 11);
        let crc =
            base64::engine::general_purpose::STANDARD.encode(crc32fast::hash(&raw).to_be_bytes());
        let encoded = alexander_s3::auth::chunked::encode(
            &raw,
            65536,
            None,
            &[("x-amz-checksum-crc32", &crc)],
        );
        let len = raw.len().to_string();
        let resp = signed_request(
            &server,
            "PUT",
            &format!("/{b}/trailer"),
            "",
            &[
                ("content-encoding", "aws-chunked"),
                ("x-amz-decoded-content-length", &len),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
            ],
            encoded,
            alexander_s3::auth::sigv4::STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-amz-checksum-crc32"], crc.as_str());
        assert_eq!(
            resp.headers()["etag"],
            format!("\"{}\"", md5_hex(&raw)).as_str()
        );
        let out = s3
            .get_object()
            .bucket(&b)
            .key("trailer")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(out.checksum_crc32(), Some(crc.as_str()));
        assert!(out.body.collect().await.unwrap().into_bytes()[..] == raw[..]);

        // A SHA-256 given in a header is stored too.
        let sha = base64::engine::general_purpose::STANDARD
            .encode(<sha2::Sha256 as sha2::Digest>::digest(&d));
        s3.put_object()
            .bucket(&b)
            .key("s")
            .checksum_sha256(&sha)
            .body(body(&d))
            .send()
            .await
            .unwrap();
        let head = s3
            .head_object()
            .bucket(&b)
            .key("s")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(head.checksum_sha256(), Some(sha.as_str()));
        // A copy keeps it.
        s3.copy_object()
            .bucket(&b)
            .key("s2")
            .copy_source(format!("{b}/s"))
            .send()
            .await
            .unwrap();
        let head = s3
            .head_object()
            .bucket(&b)
            .key("s2")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(head.checksum_sha256(), Some(sha.as_str()));
    });
}

#[test]
fn snapshot_reads() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "snaps");
    rt().block_on(async {
        let old = data(5000, 1);
        s3.put_object()
            .bucket(&b)
            .key("dir/k")
            .body(body(&old))
            .send()
            .await
            .unwrap();
        s3.put_object()
            .bucket(&b)
            .key("gone")
            .body(body(b"gone"))
            .send()
            .await
            .unwrap();
        server.store.create_snapshot(&b, "snap1").unwrap();
        let new = data(6000, 2);
        s3.put_object()
            .bucket(&b)
            .key("dir/k")
            .body(body(&new))
            .send()
            .await
            .unwrap();
        s3.delete_object()
            .bucket(&b)
            .key("gone")
            .send()
            .await
            .unwrap();
        s3.put_object()
            .bucket(&b)
            .key("later")
            .body(body(b"later"))
            .send()
            .await
            .unwrap();

        assert_eq!(get_bytes(&s3, &b, "dir/k").await, new);
        assert_eq!(get_bytes(&s3, &b, ".snapshots/snap1/dir/k").await, old);
        assert_eq!(get_bytes(&s3, &b, ".snapshots/snap1/gone").await, b"gone");
        let out = s3
            .get_object()
            .bucket(&b)
            .key(".snapshots/snap1/dir/k")
            .range("bytes=10-19")
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.body.collect().await.unwrap().into_bytes().to_vec(),
            old[10..20]
        );
        let head = s3
            .head_object()
            .bucket(&b)
            .key(".snapshots/snap1/dir/k")
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_length(), Some(5000));
        let err = s3
            .get_object()
            .bucket(&b)
            .key(".snapshots/snap1/later")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 404);
        let err = s3
            .get_object()
            .bucket(&b)
            .key(".snapshots/nosnap/dir/k")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 404);
        // Read-only.
        for key in [".snapshots/snap1/dir/k", ".snapshots/snap1/new"] {
            let err = s3
                .put_object()
                .bucket(&b)
                .key(key)
                .body(body(b"x"))
                .send()
                .await
                .unwrap_err();
            assert_eq!(s3_code(&err), "AccessDenied");
            let err = s3
                .delete_object()
                .bucket(&b)
                .key(key)
                .send()
                .await
                .unwrap_err();
            assert_eq!(s3_code(&err), "AccessDenied");
        }
        // A copy out of a snapshot restores the old state.
        s3.copy_object()
            .bucket(&b)
            .key("dir/k")
            .copy_source(format!("{b}/.snapshots/snap1/dir/k"))
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&s3, &b, "dir/k").await, old);
        assert_eq!(get_bytes(&s3, &b, ".snapshots/snap1/dir/k").await, old);
    });
}

#[test]
fn presigned_urls() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "presign");
    let d = data(10_000, 5);
    server
        .store
        .put_object(&b, "k", &d[..], PutOptions::default())
        .unwrap();
    rt().block_on(async {
        let http = reqwest::Client::new();
        let cfg = PresigningConfig::expires_in(Duration::from_secs(300)).unwrap();
        let req = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .presigned(cfg.clone())
            .await
            .unwrap();
        let resp = http.get(req.uri()).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.bytes().await.unwrap().to_vec(), d);

        // Tampered signature.
        let uri = req.uri().to_owned();
        let pos = uri.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
        let mut tampered = uri.clone().into_bytes();
        tampered[pos] = if tampered[pos] == b'0' { b'1' } else { b'0' };
        let resp = http
            .get(String::from_utf8(tampered).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("<Code>SignatureDoesNotMatch</Code>")
        );
        // Another key with the same signature.
        let resp = http
            .get(uri.replacen("/k?", "/other?", 1))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);

        // Expired.
        let short = PresigningConfig::expires_in(Duration::from_secs(1)).unwrap();
        let req = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .presigned(short)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let resp = http.get(req.uri()).send().await.unwrap();
        assert_eq!(resp.status(), 403);
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("<Code>AccessDenied</Code>")
        );

        // PUT.
        let up = data(3000, 6);
        let req = s3
            .put_object()
            .bucket(&b)
            .key("up")
            .presigned(cfg.clone())
            .await
            .unwrap();
        let mut put = http.put(req.uri()).body(up.clone());
        for (name, value) in req.headers() {
            put = put.header(name, value);
        }
        let resp = put.send().await.unwrap();
        assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
        assert_eq!(get_bytes(&s3, &b, "up").await, up);

        // HEAD and DELETE.
        let req = s3
            .head_object()
            .bucket(&b)
            .key("up")
            .presigned(cfg.clone())
            .await
            .unwrap();
        let resp = http.head(req.uri()).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-length"], "3000");
        let req = s3
            .delete_object()
            .bucket(&b)
            .key("up")
            .presigned(cfg)
            .await
            .unwrap();
        let resp = http.delete(req.uri()).send().await.unwrap();
        assert_eq!(resp.status(), 204);
        let err = s3
            .head_object()
            .bucket(&b)
            .key("up")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 404);
    });
}

#[test]
fn anonymous_response_overrides_are_refused() {
    let server = TestServer::start();
    let b = new_bucket(&server, "anon");
    server
        .store
        .set_bucket_setting(&b, alexander_s3::ACL_SETTING, Some("public-read"))
        .unwrap();
    // A public-read bucket lets anonymous callers list, not read: the
    // object they GET needs a public-read ACL of its own.
    let mut meta = alexander_store::ObjectMeta::default();
    alexander_store::access::ObjectAcl::PublicRead.store_in(&mut meta);
    let public = PutOptions {
        meta,
        ..PutOptions::default()
    };
    server
        .store
        .put_object(&b, "k", &b"public"[..], public)
        .unwrap();
    server
        .store
        .put_object(&b, "private", &b"private"[..], PutOptions::default())
        .unwrap();
    rt().block_on(async {
        let http = reqwest::Client::new();
        let resp = http
            .get(format!("{}/{b}/k", server.endpoint()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.bytes().await.unwrap().to_vec(), b"public");
        let resp = http
            .get(format!(
                "{}/{b}/k?response-content-type=text/html",
                server.endpoint()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("<Code>InvalidRequest</Code>")
        );
        // Of an object they may not read, they learn only that: 403, not
        // the 400 the overrides would earn.
        let resp = http
            .get(format!(
                "{}/{b}/private?response-content-type=text/html",
                server.endpoint()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);
        // Anonymous writes to a public-read bucket are refused.
        let resp = http
            .put(format!("{}/{b}/k", server.endpoint()))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);
    });
    let mut kept = Vec::new();
    std::io::Read::read_to_end(
        &mut server
            .store
            .get_object(&b, "k", alexander_store::At::Current, None)
            .unwrap(),
        &mut kept,
    )
    .unwrap();
    assert_eq!(kept, b"public");
}
