//! Listings through aws-sdk-s3: ListObjects (v1) and ListObjectsV2 with
//! prefix, delimiter and paging (markers, continuation tokens through the
//! SDK's paginator), `encoding-type=url`, ListObjectVersions paging, and
//! the snapshot namespace under `.snapshots/`.

use crate::common;

use alexander_s3::ops::owner_id;
use alexander_store::{PutOptions, Versioning};
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::EncodingType;
use common::*;

fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> String {
    err.code().unwrap_or("<none>").to_owned()
}

fn put(server: &TestServer, bucket: &str, key: &str, body: &[u8]) {
    server
        .store
        .put_object(bucket, key, body, PutOptions::default())
        .unwrap();
}

/// A bucket holding `keys` (each key's bytes are the key itself).
fn bucket_with(server: &TestServer, s3: &Client, prefix: &str, keys: &[&str]) -> String {
    let b = bucket_name(prefix);
    rt().block_on(async { s3.create_bucket().bucket(&b).send().await.unwrap() });
    for k in keys {
        put(server, &b, k, k.as_bytes());
    }
    b
}

const TREE: [&str; 8] = ["a/1", "a/2", "a/b/3", "a/b/4", "b", "c/5", "d", "e/f/g"];

#[test]
fn prefix_and_delimiter() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_with(&server, &s3, "tree", &TREE);
    rt().block_on(async {
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .delimiter("/")
            .send()
            .await
            .unwrap();
        let keys: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        let cps: Vec<_> = out
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            .collect();
        assert_eq!(keys, ["b", "d"]);
        assert_eq!(cps, ["a/", "c/", "e/"]);
        assert_eq!(out.key_count(), Some(5));
        assert_eq!(out.is_truncated(), Some(false));
        assert_eq!(out.delimiter(), Some("/"));
        let first = &out.contents()[0];
        assert_eq!(first.size(), Some(1));
        assert_eq!(
            first.e_tag(),
            Some(format!("\"{:x}\"", md5_of(b"b")).as_str())
        );
        assert!(first.last_modified().is_some());
        assert_eq!(first.storage_class().map(|c| c.as_str()), Some("STANDARD"));
        // No owner unless asked for.
        assert!(first.owner().is_none());

        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix("a/")
            .delimiter("/")
            .fetch_owner(true)
            .send()
            .await
            .unwrap();
        let keys: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        let cps: Vec<_> = out
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            .collect();
        assert_eq!(keys, ["a/1", "a/2"]);
        assert_eq!(cps, ["a/b/"]);
        assert_eq!(out.prefix(), Some("a/"));
        let owner = out.contents()[0].owner().unwrap();
        assert_eq!(owner.id(), Some(owner_id("root").as_str()));

        // No delimiter: everything under the prefix.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix("a")
            .send()
            .await
            .unwrap();
        let keys: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(keys, ["a/1", "a/2", "a/b/3", "a/b/4"]);

        // v1 lists the same, with owners.
        let out = s3
            .list_objects()
            .bucket(&b)
            .delimiter("/")
            .send()
            .await
            .unwrap();
        let keys: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(keys, ["b", "d"]);
        assert_eq!(out.common_prefixes().len(), 3);
        assert!(out.contents()[0].owner().is_some());
        assert_eq!(out.marker().unwrap_or(""), "");

        // Nothing under an unknown prefix; a missing bucket is an error.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix("zzz")
            .send()
            .await
            .unwrap();
        assert!(out.contents().is_empty());
        assert_eq!(out.key_count(), Some(0));
        let err = s3
            .list_objects_v2()
            .bucket(bucket_name("none"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchBucket");
    });
}

fn md5_of(data: &[u8]) -> u128 {
    use md5::{Digest, Md5};
    u128::from_be_bytes(Md5::digest(data).into())
}

/// Every key (and common prefix) of a v1 listing, page by page, following
/// NextMarker (with a delimiter) or the last key (without one), as clients
/// do.
async fn v1_all(s3: &Client, b: &str, delimiter: Option<&str>, page: i32) -> (Vec<String>, usize) {
    let mut marker: Option<String> = None;
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let out = s3
            .list_objects()
            .bucket(b)
            .set_delimiter(delimiter.map(str::to_owned))
            .set_marker(marker.clone())
            .max_keys(page)
            .send()
            .await
            .unwrap();
        pages += 1;
        assert_eq!(out.marker().unwrap_or(""), marker.as_deref().unwrap_or(""));
        let mut items: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        items.extend(
            out.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned)),
        );
        items.sort();
        assert!(items.len() <= page as usize);
        all.extend(items.iter().cloned());
        if !out.is_truncated().unwrap_or(false) {
            assert_eq!(out.next_marker(), None);
            return (all, pages);
        }
        if delimiter.is_some() {
            // NextMarker is given with a delimiter, and is the last entry.
            assert_eq!(out.next_marker(), items.last().map(String::as_str));
            marker = out.next_marker().map(str::to_owned);
        } else {
            // ... and only then, as S3 does.
            assert_eq!(out.next_marker(), None);
            marker = items.last().cloned();
        }
    }
}

#[test]
fn v1_paging() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_with(&server, &s3, "v1", &TREE);
    rt().block_on(async {
        let (all, pages) = v1_all(&s3, &b, None, 3).await;
        assert_eq!(all, TREE);
        assert_eq!(pages, 3);
        let (all, pages) = v1_all(&s3, &b, Some("/"), 2).await;
        assert_eq!(all, ["a/", "b", "c/", "d", "e/"]);
        assert_eq!(pages, 3);
        // A marker in the middle of a rolled-up prefix skips the rest of it.
        let out = s3
            .list_objects()
            .bucket(&b)
            .delimiter("/")
            .marker("a/1")
            .send()
            .await
            .unwrap();
        let cps: Vec<_> = out
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            .collect();
        assert_eq!(cps, ["c/", "e/"]);
        let out = s3
            .list_objects()
            .bucket(&b)
            .max_keys(0)
            .send()
            .await
            .unwrap();
        assert!(out.contents().is_empty());
        assert_eq!(out.is_truncated(), Some(false));
    });
}

#[test]
fn v2_paging_with_the_sdk_paginator() {
    let server = TestServer::start();
    let s3 = server.client();
    let keys: Vec<String> = (0..25).map(|i| format!("k/{i:03}")).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let b = bucket_with(&server, &s3, "v2", &refs);
    let b2 = bucket_with(&server, &s3, "v2cp", &TREE);
    rt().block_on(async {
        let pages: Vec<_> = s3
            .list_objects_v2()
            .bucket(&b)
            .max_keys(7)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
        assert_eq!(pages.len(), 4);
        let mut seen = Vec::new();
        for (i, page) in pages.into_iter().enumerate() {
            let page = page.unwrap();
            assert_eq!(page.max_keys(), Some(7));
            assert_eq!(page.key_count(), Some(if i < 3 { 7 } else { 4 }));
            assert_eq!(page.is_truncated(), Some(i < 3));
            assert_eq!(page.next_continuation_token().is_some(), i < 3);
            assert_eq!(page.continuation_token().is_some(), i > 0);
            seen.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        assert_eq!(seen, keys);

        // With a delimiter, common prefixes count towards pages too.
        let pages: Vec<_> = s3
            .list_objects_v2()
            .bucket(&b2)
            .delimiter("/")
            .max_keys(2)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
        let mut entries = Vec::new();
        for page in pages {
            let page = page.unwrap();
            entries.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            entries.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_owned)),
            );
        }
        entries.sort();
        assert_eq!(entries, ["a/", "b", "c/", "d", "e/"]);

        // start-after, echoed.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .start_after("k/020")
            .send()
            .await
            .unwrap();
        let got: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(got, ["k/021", "k/022", "k/023", "k/024"]);
        assert_eq!(out.start_after(), Some("k/020"));

        // max-keys beyond 1000 is capped; 0 is an empty, complete page.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .max_keys(5000)
            .send()
            .await
            .unwrap();
        assert_eq!(out.max_keys(), Some(1000));
        assert_eq!(out.key_count(), Some(25));
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .max_keys(0)
            .send()
            .await
            .unwrap();
        assert_eq!(out.key_count(), Some(0));
        assert_eq!(out.is_truncated(), Some(false));
        assert!(out.next_continuation_token().is_none());

        // An empty token is no token, echoed back empty, as S3 does.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .continuation_token("")
            .max_keys(3)
            .send()
            .await
            .unwrap();
        let got: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(got, ["k/000", "k/001", "k/002"]);
        assert_eq!(out.continuation_token(), Some(""));

        // Tokens are ours: anything else is refused.
        for bad in ["not a token!", "%%%"] {
            let err = s3
                .list_objects_v2()
                .bucket(&b)
                .continuation_token(bad)
                .send()
                .await
                .unwrap_err();
            assert_eq!(code(&err), "InvalidArgument", "{bad}");
        }
    });
}

#[test]
fn url_encoding() {
    let server = TestServer::start();
    let s3 = server.client();
    let keys = ["100%.csv", "a b.txt", "a+b.txt", "dir one/x", "é/y", "한글"];
    let b = bucket_with(&server, &s3, "enc", &keys);
    rt().block_on(async {
        // Without encoding-type the keys come back as they are.
        let out = s3.list_objects_v2().bucket(&b).send().await.unwrap();
        let raw: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(raw, keys);
        assert_eq!(out.encoding_type(), None);

        // With it, every byte but `A-Za-z0-9-_.*/` percent-encoded: a
        // space is `%20` (never `+`), a plus `%2B`.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .encoding_type(EncodingType::Url)
            .send()
            .await
            .unwrap();
        assert_eq!(out.encoding_type(), Some(&EncodingType::Url));
        let enc: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(
            enc,
            [
                "100%25.csv",
                "a%20b.txt",
                "a%2Bb.txt",
                "dir%20one/x",
                "%C3%A9/y",
                "%ED%95%9C%EA%B8%80"
            ]
        );

        // Common prefixes, the prefix, the delimiter and start-after too.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .delimiter("/")
            .start_after("a+b.txt")
            .encoding_type(EncodingType::Url)
            .send()
            .await
            .unwrap();
        let cps: Vec<_> = out
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            .collect();
        assert_eq!(cps, ["dir%20one/", "%C3%A9/"]);
        assert_eq!(out.start_after(), Some("a%2Bb.txt"));
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix("dir one/")
            .delimiter(" ")
            .encoding_type(EncodingType::Url)
            .send()
            .await
            .unwrap();
        assert_eq!(out.prefix(), Some("dir%20one/"));
        assert_eq!(out.delimiter(), Some("%20"));
        assert_eq!(out.contents()[0].key(), Some("dir%20one/x"));

        // v1: markers as well.
        let out = s3
            .list_objects()
            .bucket(&b)
            .delimiter("/")
            .marker("a b.txt")
            .max_keys(2)
            .encoding_type(EncodingType::Url)
            .send()
            .await
            .unwrap();
        assert_eq!(out.marker(), Some("a%20b.txt"));
        let got: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(got, ["a%2Bb.txt"]);
        assert_eq!(out.next_marker(), Some("dir%20one/"));

        // Versions: keys and markers.
        let out = s3
            .list_object_versions()
            .bucket(&b)
            .key_marker("a b.txt")
            .max_keys(1)
            .encoding_type(EncodingType::Url)
            .send()
            .await
            .unwrap();
        assert_eq!(out.key_marker(), Some("a%20b.txt"));
        assert_eq!(out.versions()[0].key(), Some("a%2Bb.txt"));
        assert_eq!(out.next_key_marker(), Some("a%2Bb.txt"));
    });
}

#[test]
fn versions_paging() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("vers");
    rt().block_on(async { s3.create_bucket().bucket(&b).send().await.unwrap() });
    server
        .store
        .set_versioning(&b, Versioning::Enabled)
        .unwrap();
    for i in 0..3 {
        put(&server, &b, "k", format!("v{i}").as_bytes());
    }
    server.store.delete_object(&b, "k", None).unwrap();
    put(&server, &b, "m", b"only");
    put(&server, &b, "p/q", b"nested");
    // What the store holds, in S3's order: (key, version id, latest, marker).
    let expected: Vec<(String, String, bool, bool)> = server
        .store
        .list_versions(
            &b,
            &alexander_store::VersionQuery {
                max_keys: 1000,
                ..Default::default()
            },
        )
        .unwrap()
        .versions
        .into_iter()
        .map(|v| (v.info.key, v.info.version_id, v.is_latest, v.delete_marker))
        .collect();
    assert_eq!(expected.len(), 6);
    assert!(
        expected[0].3 && expected[0].2,
        "newest of k is its delete marker"
    );

    rt().block_on(async {
        let mut seen = Vec::new();
        let (mut key_marker, mut version_marker): (Option<String>, Option<String>) = (None, None);
        let mut pages = 0;
        loop {
            let out = s3
                .list_object_versions()
                .bucket(&b)
                .set_key_marker(key_marker.clone())
                .set_version_id_marker(version_marker.clone())
                .max_keys(2)
                .send()
                .await
                .unwrap();
            pages += 1;
            assert_eq!(
                out.key_marker().unwrap_or(""),
                key_marker.as_deref().unwrap_or("")
            );
            // The SDK splits versions from delete markers; merge them back
            // by the store's order.
            let mut page: Vec<(String, String, bool, bool)> = out
                .versions()
                .iter()
                .map(|v| {
                    assert_eq!(
                        v.owner().and_then(|o| o.id()),
                        Some(owner_id("root").as_str())
                    );
                    (
                        v.key().unwrap().to_owned(),
                        v.version_id().unwrap().to_owned(),
                        v.is_latest().unwrap(),
                        false,
                    )
                })
                .chain(out.delete_markers().iter().map(|d| {
                    (
                        d.key().unwrap().to_owned(),
                        d.version_id().unwrap().to_owned(),
                        d.is_latest().unwrap(),
                        true,
                    )
                }))
                .collect();
            assert!(page.len() <= 2);
            page.sort_by_key(|e| {
                expected
                    .iter()
                    .position(|x| x == e)
                    .expect("listed entry exists")
            });
            seen.extend(page.iter().cloned());
            if !out.is_truncated().unwrap() {
                assert_eq!(out.next_key_marker(), None);
                break;
            }
            let last = page.last().unwrap();
            assert_eq!(out.next_key_marker(), Some(last.0.as_str()));
            assert_eq!(out.next_version_id_marker(), Some(last.1.as_str()));
            key_marker = out.next_key_marker().map(str::to_owned);
            version_marker = out.next_version_id_marker().map(str::to_owned);
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, expected);

        // With a delimiter, `p/` is one common prefix.
        let out = s3
            .list_object_versions()
            .bucket(&b)
            .delimiter("/")
            .send()
            .await
            .unwrap();
        let cps: Vec<_> = out
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            .collect();
        assert_eq!(cps, ["p/"]);
        assert_eq!(out.versions().len() + out.delete_markers().len(), 5);

        // A key marker alone skips every version of that key.
        let out = s3
            .list_object_versions()
            .bucket(&b)
            .key_marker("k")
            .send()
            .await
            .unwrap();
        let keys: Vec<_> = out.versions().iter().filter_map(|v| v.key()).collect();
        assert_eq!(keys, ["m", "p/q"]);
        assert!(out.delete_markers().is_empty());

        // `null` as version-id marker: after the key's null version, or,
        // when it has none (every version here has an id), past the key.
        let out = s3
            .list_object_versions()
            .bucket(&b)
            .key_marker("k")
            .version_id_marker("null")
            .send()
            .await
            .unwrap();
        let keys: Vec<_> = out.versions().iter().filter_map(|v| v.key()).collect();
        assert_eq!(keys, ["m", "p/q"]);
        assert_eq!(out.version_id_marker(), Some("null"));

        // A version-id marker needs a key marker, and must be an id.
        let err = s3
            .list_object_versions()
            .bucket(&b)
            .version_id_marker("null")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidArgument");
        let err = s3
            .list_object_versions()
            .bucket(&b)
            .key_marker("k")
            .version_id_marker("bogus")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidArgument");
    });
}

#[test]
fn snapshots_are_listed_under_their_prefix() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_with(&server, &s3, "snap", &["a/1", "a/2", "b"]);
    server.store.create_snapshot(&b, "s1").unwrap();
    put(&server, &b, "a/1", b"changed");
    server.store.delete_object(&b, "b", None).unwrap();
    put(&server, &b, "c", b"new");
    server.store.create_snapshot(&b, "s2").unwrap();
    server.store.create_snapshot(&b, "s2-old").unwrap();
    put(&server, &b, "d", b"after");

    let keys_of =
        |out: &aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output| -> Vec<String> {
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned))
                .collect()
        };
    let prefixes_of =
        |out: &aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output| -> Vec<String> {
            out.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned))
                .collect()
        };
    rt().block_on(async {
        // The bucket's own listing never shows them.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .delimiter("/")
            .send()
            .await
            .unwrap();
        assert_eq!(keys_of(&out), ["c", "d"]);
        assert_eq!(prefixes_of(&out), ["a/"]);
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix(".snap")
            .send()
            .await
            .unwrap();
        assert!(out.contents().is_empty() && out.common_prefixes().is_empty());

        // `.snapshots/` with `/`: one directory per snapshot, in key order
        // (`s2-old/` sorts before `s2/`).
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix(".snapshots/")
            .delimiter("/")
            .send()
            .await
            .unwrap();
        assert!(out.contents().is_empty());
        assert_eq!(
            prefixes_of(&out),
            [".snapshots/s1/", ".snapshots/s2-old/", ".snapshots/s2/"]
        );
        assert_eq!(out.key_count(), Some(3));
        // A partial name.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix(".snapshots/s2")
            .delimiter("/")
            .send()
            .await
            .unwrap();
        assert_eq!(prefixes_of(&out), [".snapshots/s2-old/", ".snapshots/s2/"]);

        // One snapshot's view, as it was.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix(".snapshots/s1/")
            .send()
            .await
            .unwrap();
        assert_eq!(
            keys_of(&out),
            [".snapshots/s1/a/1", ".snapshots/s1/a/2", ".snapshots/s1/b"]
        );
        assert_eq!(out.contents()[0].size(), Some(3));
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix(".snapshots/s1/")
            .delimiter("/")
            .send()
            .await
            .unwrap();
        assert_eq!(keys_of(&out), [".snapshots/s1/b"]);
        assert_eq!(prefixes_of(&out), [".snapshots/s1/a/"]);
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix(".snapshots/s2/a/")
            .send()
            .await
            .unwrap();
        assert_eq!(keys_of(&out), [".snapshots/s2/a/1", ".snapshots/s2/a/2"]);
        assert_eq!(out.contents()[0].size(), Some(7));
        // An unknown snapshot holds nothing.
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix(".snapshots/nope/")
            .send()
            .await
            .unwrap();
        assert_eq!(out.key_count(), Some(0));

        // Everything under `.snapshots/`, paged with tokens across snapshots.
        let pages: Vec<_> = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix(".snapshots/")
            .max_keys(2)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
        let mut all = Vec::new();
        for page in pages {
            all.extend(keys_of(&page.unwrap()));
        }
        let expected = [
            ".snapshots/s1/a/1",
            ".snapshots/s1/a/2",
            ".snapshots/s1/b",
            ".snapshots/s2-old/a/1",
            ".snapshots/s2-old/a/2",
            ".snapshots/s2-old/c",
            ".snapshots/s2/a/1",
            ".snapshots/s2/a/2",
            ".snapshots/s2/c",
        ];
        assert_eq!(all, expected);
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(all, sorted, "S3 order across snapshots");

        // v1 with markers inside and between snapshots.
        let out = s3
            .list_objects()
            .bucket(&b)
            .prefix(".snapshots/")
            .marker(".snapshots/s1/a/2")
            .max_keys(2)
            .send()
            .await
            .unwrap();
        let got: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(got, [".snapshots/s1/b", ".snapshots/s2-old/a/1"]);
        assert_eq!(out.is_truncated(), Some(true));
        let out = s3
            .list_objects()
            .bucket(&b)
            .prefix(".snapshots/")
            .delimiter("/")
            .marker(".snapshots/s1/")
            .send()
            .await
            .unwrap();
        let cps: Vec<_> = out
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            .collect();
        assert_eq!(cps, [".snapshots/s2-old/", ".snapshots/s2/"]);
        let out = s3
            .list_objects_v2()
            .bucket(&b)
            .prefix(".snapshots/")
            .start_after(".snapshots/s2-old/zzz")
            .send()
            .await
            .unwrap();
        assert_eq!(
            keys_of(&out),
            [".snapshots/s2/a/1", ".snapshots/s2/a/2", ".snapshots/s2/c"]
        );

        // What a snapshot listing shows can be read, and not written.
        let got = s3
            .get_object()
            .bucket(&b)
            .key(".snapshots/s1/a/1")
            .send()
            .await
            .unwrap();
        assert_eq!(&got.body.collect().await.unwrap().into_bytes()[..], b"a/1");
        let got = s3
            .get_object()
            .bucket(&b)
            .key(".snapshots/s2/a/1")
            .send()
            .await
            .unwrap();
        assert_eq!(
            &got.body.collect().await.unwrap().into_bytes()[..],
            b"changed"
        );
        let err = s3
            .put_object()
            .bucket(&b)
            .key(".snapshots/s1/new")
            .body(b"x".to_vec().into())
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");

        // Version listings do not descend into snapshots.
        let out = s3
            .list_object_versions()
            .bucket(&b)
            .prefix(".snapshots/")
            .send()
            .await
            .unwrap();
        assert!(out.versions().is_empty() && out.common_prefixes().is_empty());
    });
}
