//! Smaller S3 behaviours clients depend on: the version and delete-marker
//! headers of an unversioned bucket, tags from `x-amz-tagging` (sorted,
//! empty values), `Content-Encoding` kept as sent, and ListBuckets paging.

use crate::common;

use aws_sdk_s3::types::BucketVersioningStatus;
use common::*;

/// A request signed by hand (no body hash): its status and headers.
async fn raw(
    server: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, reqwest::header::HeaderMap) {
    let resp = signed_request(
        server,
        method,
        path,
        "",
        headers,
        body.to_vec(),
        "UNSIGNED-PAYLOAD",
    )
    .send()
    .await
    .unwrap();
    (resp.status().as_u16(), resp.headers().clone())
}

#[test]
fn version_headers_follow_the_buckets_versioning() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "vh");
    rt().block_on(async {
        // Unversioned: no x-amz-version-id on PUT, no x-amz-delete-marker
        // (nor version id) on DELETE, whether the key existed or not.
        let (status, h) = raw(&server, "PUT", &format!("/{b}/k"), &[], b"x").await;
        assert_eq!(status, 200);
        assert!(h.get("x-amz-version-id").is_none(), "{h:?}");
        for _ in 0..2 {
            let (status, h) = raw(&server, "DELETE", &format!("/{b}/k"), &[], b"").await;
            assert_eq!(status, 204);
            assert!(h.get("x-amz-delete-marker").is_none(), "{h:?}");
            assert!(h.get("x-amz-version-id").is_none(), "{h:?}");
        }

        // Versioned: PUT names its version; DELETE makes a marker and says so.
        s3.put_bucket_versioning()
            .bucket(&b)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let (_, h) = raw(&server, "PUT", &format!("/{b}/k"), &[], b"x").await;
        let version = h["x-amz-version-id"].to_str().unwrap().to_owned();
        assert_ne!(version, "null");
        let (status, h) = raw(&server, "DELETE", &format!("/{b}/k"), &[], b"").await;
        assert_eq!(status, 204);
        assert_eq!(h["x-amz-delete-marker"], "true");
        let marker = h["x-amz-version-id"].to_str().unwrap().to_owned();
        // Deleting a version that is not a marker: its id, no marker header.
        let path = format!("/{b}/k?versionId={version}");
        let resp = signed_request(
            &server,
            "DELETE",
            &format!("/{b}/k"),
            &format!("versionId={version}"),
            &[],
            Vec::new(),
            "UNSIGNED-PAYLOAD",
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), 204, "{path}");
        assert_eq!(resp.headers()["x-amz-version-id"], version.as_str());
        assert!(resp.headers().get("x-amz-delete-marker").is_none());
        // Deleting the marker itself: the marker header, true.
        let resp = signed_request(
            &server,
            "DELETE",
            &format!("/{b}/k"),
            &format!("versionId={marker}"),
            &[],
            Vec::new(),
            "UNSIGNED-PAYLOAD",
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), 204);
        assert_eq!(resp.headers()["x-amz-delete-marker"], "true");
    });
}

#[test]
fn tagging_header_sorted_with_empty_values() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "tags");
    rt().block_on(async {
        s3.put_object()
            .bucket(&b)
            .key("k")
            .tagging("zeta=1&alpha=&mid%20dle=a+b&empty")
            .body(body(b"x"))
            .send()
            .await
            .unwrap();
        let tags = s3
            .get_object_tagging()
            .bucket(&b)
            .key("k")
            .send()
            .await
            .unwrap();
        let got: Vec<(&str, &str)> = tags
            .tag_set()
            .iter()
            .map(|t| (t.key(), t.value()))
            .collect();
        assert_eq!(
            got,
            [
                ("alpha", ""),
                ("empty", ""),
                ("mid dle", "a b"),
                ("zeta", "1")
            ]
        );
        let get = s3.get_object().bucket(&b).key("k").send().await.unwrap();
        assert_eq!(get.tag_count(), Some(4));
        // The same set in another order is the same set.
        s3.put_object()
            .bucket(&b)
            .key("k2")
            .tagging("empty=&zeta=1&mid%20dle=a%20b&alpha")
            .body(body(b"x"))
            .send()
            .await
            .unwrap();
        let again = s3
            .get_object_tagging()
            .bucket(&b)
            .key("k2")
            .send()
            .await
            .unwrap();
        assert_eq!(again.tag_set(), tags.tag_set());
    });
}

#[test]
fn content_encoding_is_returned_as_sent() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "ce");
    rt().block_on(async {
        for (i, sent) in ["gzip", "gzip, br", "x-Custom;v=2", "identity"]
            .into_iter()
            .enumerate()
        {
            let key = format!("k{i}");
            s3.put_object()
                .bucket(&b)
                .key(&key)
                .content_encoding(sent)
                .body(body(b"bytes"))
                .send()
                .await
                .unwrap();
            let head = s3.head_object().bucket(&b).key(&key).send().await.unwrap();
            assert_eq!(head.content_encoding(), Some(sent));
            let get = s3.get_object().bucket(&b).key(&key).send().await.unwrap();
            assert_eq!(get.content_encoding(), Some(sent));
        }
        // aws-chunked is the request's framing: dropped, the rest kept.
        let (status, _) = raw(
            &server,
            "PUT",
            &format!("/{b}/framed"),
            &[("content-encoding", "aws-chunked, gzip")],
            b"bytes",
        )
        .await;
        assert_eq!(status, 200);
        let head = s3
            .head_object()
            .bucket(&b)
            .key("framed")
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_encoding(), Some("gzip"));
    });
}

#[test]
fn list_buckets_pages_by_max_buckets_and_prefix() {
    let server = TestServer::start();
    let s3 = server.client();
    let mut names: Vec<String> = (0..5)
        .map(|i| format!("lb{i}-{}", bucket_name("p")))
        .collect();
    names.push(bucket_name("other"));
    for n in &names {
        server.store.create_bucket(n).unwrap();
    }
    names.sort();
    rt().block_on(async {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let out = s3
                .list_buckets()
                .max_buckets(2)
                .set_continuation_token(token.clone())
                .send()
                .await
                .unwrap();
            pages += 1;
            assert!(out.buckets().len() <= 2);
            seen.extend(
                out.buckets()
                    .iter()
                    .filter_map(|b| b.name().map(str::to_owned)),
            );
            token = out.continuation_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        assert_eq!(seen, names);
        assert_eq!(pages, 3);
        let out = s3.list_buckets().prefix("lb").send().await.unwrap();
        assert_eq!(out.buckets().len(), 5);
        assert_eq!(out.prefix(), Some("lb"));
        let err = s3
            .list_buckets()
            .continuation_token("not a token!")
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "InvalidArgument");
    });
}
