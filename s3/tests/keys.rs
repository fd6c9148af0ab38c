//! Keys the mount cannot show, over S3: a bucket keeps the path rule by
//! default and refuses them at every write with `400 InvalidArgument`,
//! storing nothing; keys the mount can make are accepted; a bucket that
//! takes any key accepts them all. Legacy keys stay readable and
//! deletable.

use crate::common;

use alexander_store::{KEY_RULE_SETTING, PutOptions};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use common::*;

/// Keys a bucket keeping the path rule refuses, one per reason.
fn refused() -> Vec<String> {
    vec![
        "a//b".into(),
        "/lead".into(),
        "a/../b".into(),
        "../up".into(),
        "./here".into(),
        "x/./".into(),
        "dir//".into(),
        "d/.versions/x".into(),
        ".versions".into(),
        format!("a/{}/b", "n".repeat(256)),
    ]
}

/// Keys the mount can make, which the rule must accept.
const ACCEPTED: [&str; 12] = [
    "plain",
    "dir/",
    "dir/file.txt",
    ".bashrc",
    "home/.profile",
    "..foo",
    "...",
    "with spaces/and %25 percent",
    "ünïcødé/日本語/🦀.txt",
    "deep/er/.snapshots/ok",
    "a/.versions.bak",
    "empty-dir/",
];

async fn put(
    s3: &aws_sdk_s3::Client,
    b: &str,
    key: &str,
) -> Result<(), aws_sdk_s3::error::SdkError<aws_sdk_s3::operation::put_object::PutObjectError>> {
    s3.put_object()
        .bucket(b)
        .key(key)
        .body(body(key.as_bytes()))
        .send()
        .await
        .map(drop)
}

async fn list(s3: &aws_sdk_s3::Client, b: &str) -> Vec<String> {
    let out = s3.list_objects_v2().bucket(b).send().await.unwrap();
    out.contents()
        .iter()
        .map(|o| o.key().unwrap().to_owned())
        .collect()
}

#[test]
fn keys_that_cannot_be_paths_are_refused_over_s3() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "keys");
    rt().block_on(async {
        for key in refused() {
            let e = put(&s3, &b, &key).await.unwrap_err();
            assert_eq!(http_status(&e), 400, "{key:?}");
            assert_eq!(s3_code(&e), "InvalidArgument", "{key:?}");
            let message = aws_sdk_s3::error::ProvideErrorMetadata::message(&e)
                .unwrap_or_default()
                .to_owned();
            assert!(message.contains("cannot be a path"), "{key:?}: {message}");
        }
        assert!(list(&s3, &b).await.is_empty(), "nothing stored");
        for key in ACCEPTED {
            put(&s3, &b, key)
                .await
                .unwrap_or_else(|e| panic!("{key:?}: {e:?}"));
            assert_eq!(get_bytes(&s3, &b, key).await, key.as_bytes());
        }
        let mut want: Vec<String> = ACCEPTED.iter().map(|k| k.to_string()).collect();
        want.sort();
        assert_eq!(list(&s3, &b).await, want);
    });
}

#[test]
fn a_file_and_a_directory_of_one_name_conflict_over_s3() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "clash");
    rt().block_on(async {
        put(&s3, &b, "a").await.unwrap();
        for key in ["a/b", "a/", "a/b/c"] {
            let e = put(&s3, &b, key).await.unwrap_err();
            assert_eq!(http_status(&e), 400, "{key:?}");
            assert_eq!(s3_code(&e), "InvalidArgument", "{key:?}");
        }
        put(&s3, &b, "d/e").await.unwrap();
        let e = put(&s3, &b, "d").await.unwrap_err();
        assert_eq!(
            (http_status(&e), s3_code(&e).as_str()),
            (400, "InvalidArgument")
        );
        assert_eq!(list(&s3, &b).await, ["a", "d/e"]);
        assert_eq!(get_bytes(&s3, &b, "a").await, b"a");

        // CopyObject checks its destination.
        for dst in ["a/copy", "c//opy", "d"] {
            let e = s3
                .copy_object()
                .bucket(&b)
                .key(dst)
                .copy_source(format!("{b}/d/e"))
                .send()
                .await
                .unwrap_err();
            assert_eq!(http_status(&e), 400, "{dst:?}");
            assert_eq!(s3_code(&e), "InvalidArgument", "{dst:?}");
        }
        assert_eq!(list(&s3, &b).await, ["a", "d/e"]);
    });
}

#[test]
fn multipart_is_refused_early_and_checked_again_at_completion() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "mpu");
    rt().block_on(async {
        for key in ["x/../y", "/abs"] {
            let e = s3
                .create_multipart_upload()
                .bucket(&b)
                .key(key)
                .send()
                .await
                .unwrap_err();
            assert_eq!(http_status(&e), 400, "{key:?}");
            assert_eq!(s3_code(&e), "InvalidArgument", "{key:?}");
        }
        let up = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("obj")
            .send()
            .await
            .unwrap();
        let id = up.upload_id().unwrap();
        let part = s3
            .upload_part()
            .bucket(&b)
            .key("obj")
            .upload_id(id)
            .part_number(1)
            .body(body(b"one part"))
            .send()
            .await
            .unwrap();
        // Meanwhile "obj" became a directory.
        put(&s3, &b, "obj/inside").await.unwrap();
        let parts = CompletedMultipartUpload::builder()
            .parts(
                CompletedPart::builder()
                    .part_number(1)
                    .e_tag(part.e_tag().unwrap())
                    .build(),
            )
            .build();
        let complete = || {
            s3.complete_multipart_upload()
                .bucket(&b)
                .key("obj")
                .upload_id(id)
                .multipart_upload(parts.clone())
                .send()
        };
        let e = complete().await.unwrap_err();
        assert_eq!(http_status(&e), 400);
        assert_eq!(s3_code(&e), "InvalidArgument");
        assert_eq!(list(&s3, &b).await, ["obj/inside"]);
        // The upload is still there: with the directory gone it completes.
        s3.delete_object()
            .bucket(&b)
            .key("obj/inside")
            .send()
            .await
            .unwrap();
        complete().await.unwrap();
        assert_eq!(get_bytes(&s3, &b, "obj").await, b"one part");
    });
}

#[test]
fn a_bucket_that_takes_any_key() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "anykeys");
    server.store.set_path_rule(&b, false).unwrap();
    rt().block_on(async {
        for key in refused().iter().chain([&"f".to_owned(), &"f/g".to_owned()]) {
            put(&s3, &b, key)
                .await
                .unwrap_or_else(|e| panic!("{key:?}: {e:?}"));
            assert_eq!(get_bytes(&s3, &b, key).await, key.as_bytes());
        }
        let e = server.store.set_path_rule(&b, true).unwrap_err();
        assert!(e.to_string().contains("\"/lead\""), "{e}");
        // Delete everything over S3; then the rule can come back on.
        for key in list(&s3, &b).await {
            s3.delete_object()
                .bucket(&b)
                .key(&key)
                .send()
                .await
                .unwrap();
        }
        assert!(list(&s3, &b).await.is_empty());
        server.store.set_path_rule(&b, true).unwrap();
        let e = put(&s3, &b, "a//b").await.unwrap_err();
        assert_eq!(s3_code(&e), "InvalidArgument");
    });
}

#[test]
fn legacy_keys_stay_readable_and_deletable() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "legacy");
    // Keys stored before the rule existed: written with it off, then the
    // setting dropped, as a store from before has none.
    server.store.set_path_rule(&b, false).unwrap();
    for key in ["old//key", "/rooted", "x/../y"] {
        server
            .store
            .put_object(&b, key, key.as_bytes(), PutOptions::default())
            .unwrap();
    }
    server
        .store
        .set_bucket_setting(&b, KEY_RULE_SETTING, None)
        .unwrap();
    rt().block_on(async {
        assert_eq!(list(&s3, &b).await, ["/rooted", "old//key", "x/../y"]);
        for key in ["old//key", "/rooted", "x/../y"] {
            assert_eq!(get_bytes(&s3, &b, key).await, key.as_bytes());
            s3.head_object().bucket(&b).key(key).send().await.unwrap();
            let e = put(&s3, &b, key).await.unwrap_err();
            assert_eq!(s3_code(&e), "InvalidArgument");
            s3.delete_object().bucket(&b).key(key).send().await.unwrap();
        }
        assert!(list(&s3, &b).await.is_empty());
    });
}
