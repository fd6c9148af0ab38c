//! Conditional writes as S3 answers them: `If-None-Match: *` and
//! `If-Match` (an ETag or `*`) on PutObject and CompleteMultipartUpload,
//! with `412 PreconditionFailed`, `404 NoSuchKey` and `409
//! ConditionalRequestConflict`; writes racing from threads, of which
//! exactly one wins; and a repeated CompleteMultipartUpload answering what
//! the first one did.

use crate::common;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use common::*;

/// One racing request (its data or index) and how it ended: done, or the
/// status and S3 error code it failed with.
type Outcome<T> = (T, Result<(), (u16, String)>);

/// An upload: its data, id and parts.
type Upload = (Vec<u8>, String, Vec<(i32, String)>);

fn completed(parts: &[(i32, String)]) -> CompletedMultipartUpload {
    CompletedMultipartUpload::builder()
        .set_parts(Some(
            parts
                .iter()
                .map(|(n, e)| CompletedPart::builder().part_number(*n).e_tag(e).build())
                .collect(),
        ))
        .build()
}

/// An upload of `k` with one part holding `d`; returns its id and parts.
async fn upload_of(s3: &Client, b: &str, k: &str, d: &[u8]) -> (String, Vec<(i32, String)>) {
    let id = s3
        .create_multipart_upload()
        .bucket(b)
        .key(k)
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let etag = s3
        .upload_part()
        .bucket(b)
        .key(k)
        .upload_id(&id)
        .part_number(1)
        .body(body(d))
        .send()
        .await
        .unwrap()
        .e_tag
        .unwrap();
    (id, vec![(1, etag)])
}

/// Whether the upload is still there (ListParts answers).
async fn upload_exists(s3: &Client, b: &str, k: &str, id: &str) -> bool {
    match s3.list_parts().bucket(b).key(k).upload_id(id).send().await {
        Ok(_) => true,
        Err(e) => {
            assert_eq!(s3_code(&e), "NoSuchUpload");
            false
        }
    }
}

async fn put(s3: &Client, b: &str, k: &str, d: &[u8]) -> String {
    s3.put_object()
        .bucket(b)
        .key(k)
        .body(body(d))
        .send()
        .await
        .unwrap()
        .e_tag
        .unwrap()
}

#[test]
fn put_conditions_s3_answers() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "cput");
    rt().block_on(async {
        let etag = put(&s3, &b, "k", b"one").await;

        // If-None-Match takes only `*` on a write: an ETag is 501
        // NotImplemented, and nothing is written.
        for value in [etag.as_str(), "\"0123\""] {
            let err = s3
                .put_object()
                .bucket(&b)
                .key("k")
                .if_none_match(value)
                .body(body(b"two"))
                .send()
                .await
                .unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (501, "NotImplemented"),
                "{value}"
            );
        }
        let err = s3
            .put_object()
            .bucket(&b)
            .key("fresh")
            .if_none_match(&etag)
            .body(body(b"two"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 501);
        assert_eq!(get_bytes(&s3, &b, "k").await, b"one");
        assert!(
            s3.head_object()
                .bucket(&b)
                .key("fresh")
                .send()
                .await
                .is_err()
        );

        // If-Match: * holds for any object, and fails on no object with 404.
        s3.put_object()
            .bucket(&b)
            .key("k")
            .if_match("*")
            .body(body(b"two"))
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&s3, &b, "k").await, b"two");
        let err = s3
            .put_object()
            .bucket(&b)
            .key("absent")
            .if_match("*")
            .body(body(b"x"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (404, "NoSuchKey")
        );
        assert!(
            s3.head_object()
                .bucket(&b)
                .key("absent")
                .send()
                .await
                .is_err()
        );

        // A deleted key has no object to match, versioned or not.
        s3.delete_object().bucket(&b).key("k").send().await.unwrap();
        let err = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .if_match("*")
            .body(body(b"x"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchKey");
        s3.put_object()
            .bucket(&b)
            .key("k")
            .if_none_match("*")
            .body(body(b"three"))
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&s3, &b, "k").await, b"three");

        // The 412 names the header that failed.
        let (status, text) = raw_put(&server, &b, "k", &[("if-none-match", "*")]).await;
        assert_eq!(status, 412);
        assert!(text.contains("<Code>PreconditionFailed</Code>"), "{text}");
        assert!(
            text.contains("<Condition>If-None-Match</Condition>"),
            "{text}"
        );
        let (status, text) = raw_put(&server, &b, "k", &[("if-match", "\"0123\"")]).await;
        assert_eq!(status, 412);
        assert!(text.contains("<Condition>If-Match</Condition>"), "{text}");
        // Both headers at once: not something S3 takes either.
        let (status, text) = raw_put(
            &server,
            &b,
            "k",
            &[("if-match", "*"), ("if-none-match", "*")],
        )
        .await;
        assert_eq!(status, 501, "{text}");
        assert_eq!(get_bytes(&s3, &b, "k").await, b"three");
    });
}

/// A PUT of a small body with `headers`, signed by hand: the status and
/// the body of the answer.
async fn raw_put(server: &TestServer, b: &str, k: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let path = format!("/{b}/{k}");
    let payload = b"raw".to_vec();
    let resp = signed_request(
        server,
        "PUT",
        &path,
        "",
        headers,
        payload,
        "UNSIGNED-PAYLOAD",
    )
    .send()
    .await
    .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

#[test]
fn complete_conditions() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "ccmp");
    rt().block_on(async {
        // If-None-Match: * on a free key completes.
        let (id, parts) = upload_of(&s3, &b, "new", b"first").await;
        s3.complete_multipart_upload()
            .bucket(&b)
            .key("new")
            .upload_id(&id)
            .if_none_match("*")
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&s3, &b, "new").await, b"first");

        // An object there before the upload began: 412, and the upload is
        // kept for a retry.
        let etag = put(&s3, &b, "k", b"old").await;
        let (id, parts) = upload_of(&s3, &b, "k", b"new").await;
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .if_none_match("*")
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (412, "PreconditionFailed")
        );
        assert_eq!(get_bytes(&s3, &b, "k").await, b"old");
        assert!(upload_exists(&s3, &b, "k", &id).await);
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .if_match("\"0123\"")
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 412);
        assert!(upload_exists(&s3, &b, "k", &id).await);
        // If-None-Match with an ETag: 501, as on a PUT.
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .if_none_match(&etag)
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 501);
        assert!(upload_exists(&s3, &b, "k", &id).await);
        // The retry with the right ETag completes.
        s3.complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .if_match(&etag)
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&s3, &b, "k").await, b"new");

        // If-Match: * needs an object; on no object, 404 and the upload kept.
        let (id, parts) = upload_of(&s3, &b, "none", b"x").await;
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("none")
            .upload_id(&id)
            .if_match("*")
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (404, "NoSuchKey")
        );
        assert!(upload_exists(&s3, &b, "none", &id).await);
        s3.put_object()
            .bucket(&b)
            .key("none")
            .body(body(b"now"))
            .send()
            .await
            .unwrap();
        // Written after the upload began: a conflict, 409.
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("none")
            .upload_id(&id)
            .if_none_match("*")
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (409, "ConditionalRequestConflict")
        );
        // S3 drops such an upload: its client starts over.
        assert!(!upload_exists(&s3, &b, "none", &id).await);
        assert_eq!(get_bytes(&s3, &b, "none").await, b"now");

        // If-Match against an object written during the upload: 409 too.
        let (id, parts) = upload_of(&s3, &b, "k", b"third").await;
        let current = put(&s3, &b, "k", b"meanwhile").await;
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .if_match(&etag)
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 409);
        assert_eq!(get_bytes(&s3, &b, "k").await, b"meanwhile");
        // ... unless it names the object now there: then it completes.
        let (id, parts) = upload_of(&s3, &b, "k", b"fourth").await;
        s3.complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .if_match(&current)
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&s3, &b, "k").await, b"fourth");
    });
}

#[test]
fn racing_conditional_puts_from_threads_have_one_winner() {
    let server = TestServer::start();
    let b = new_bucket(&server, "tput");
    let first = rt().block_on(put(&server.client(), &b, "cas", b"v0"));
    let endpoint = server.endpoint();
    // Create-only and compare-and-swap, each from eight threads at once.
    for (key, condition) in [("once", "*"), ("cas", first.as_str())] {
        let start = std::sync::Barrier::new(8);
        let outcomes: Vec<Outcome<Vec<u8>>> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..8u64)
                .map(|i| {
                    let (b, start, endpoint) = (&b, &start, &endpoint);
                    s.spawn(move || {
                        let s3 = client_for(endpoint);
                        let d = data(300_000, i);
                        start.wait();
                        let put = s3.put_object().bucket(b).key(key).body(body(&d));
                        let put = if condition == "*" {
                            put.if_none_match("*")
                        } else {
                            put.if_match(condition)
                        };
                        let r = rt().block_on(put.send());
                        (d, r.map(drop).map_err(|e| (http_status(&e), s3_code(&e))))
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let mut winners = Vec::new();
        for (d, r) in outcomes {
            match r {
                Ok(()) => winners.push(d),
                Err((409, code)) => assert_eq!(code, "ConditionalRequestConflict"),
                Err((412, code)) => assert_eq!(code, "PreconditionFailed"),
                Err(other) => panic!("{key}: {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "{key}");
        let s3 = server.client();
        assert_eq!(rt().block_on(get_bytes(&s3, &b, key)), winners[0]);
    }
}

#[test]
fn racing_conditional_completes_from_threads_have_one_winner() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "tcmp");
    let endpoint = server.endpoint();
    let first = rt().block_on(put(&s3, &b, "cas", b"v0"));
    for (key, condition) in [("once", "*"), ("cas", first.as_str())] {
        // Eight uploads of one key, each completed from a thread of its own.
        let uploads: Vec<Upload> = (0..8u64)
            .map(|i| {
                let d = data(10_000, i);
                let (id, parts) = rt().block_on(upload_of(&s3, &b, key, &d));
                (d, id, parts)
            })
            .collect();
        let start = std::sync::Barrier::new(uploads.len());
        let outcomes: Vec<Outcome<usize>> = std::thread::scope(|s| {
            let threads: Vec<_> = uploads
                .iter()
                .enumerate()
                .map(|(i, (_, id, parts))| {
                    let (b, start, endpoint) = (&b, &start, &endpoint);
                    s.spawn(move || {
                        let s3 = client_for(endpoint);
                        let req = s3
                            .complete_multipart_upload()
                            .bucket(b)
                            .key(key)
                            .upload_id(id)
                            .multipart_upload(completed(parts));
                        let req = if condition == "*" {
                            req.if_none_match("*")
                        } else {
                            req.if_match(condition)
                        };
                        start.wait();
                        let r = rt().block_on(req.send());
                        (i, r.map(drop).map_err(|e| (http_status(&e), s3_code(&e))))
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let mut winners = Vec::new();
        for (i, r) in outcomes {
            match r {
                Ok(()) => winners.push(i),
                // The winner wrote the key after every other upload began.
                Err((409, code)) => assert_eq!(code, "ConditionalRequestConflict"),
                Err(other) => panic!("{key}: {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "{key}");
        assert_eq!(
            rt().block_on(get_bytes(&s3, &b, key)),
            uploads[winners[0]].0
        );
        // The losers' uploads are gone, the winner's completed.
        let left = rt().block_on(async {
            s3.list_multipart_uploads()
                .bucket(&b)
                .send()
                .await
                .unwrap()
                .uploads()
                .len()
        });
        assert_eq!(left, 0, "{key}");
    }
}

/// A client of its own, for a thread of its own.
fn client_for(endpoint: &str) -> Client {
    let creds = aws_sdk_s3::config::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test");
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .credentials_provider(creds)
        .region(aws_sdk_s3::config::Region::new(REGION))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    Client::from_conf(conf)
}

#[test]
fn repeated_complete_answers_the_same() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "again");
    server
        .store
        .set_versioning(&b, alexander_store::Versioning::Enabled)
        .unwrap();
    rt().block_on(async {
        let (id, parts) = upload_of(&s3, &b, "k", b"data").await;
        let complete = || {
            s3.complete_multipart_upload()
                .bucket(&b)
                .key("k")
                .upload_id(&id)
                .multipart_upload(completed(&parts))
        };
        let one = complete().send().await.unwrap();
        // An SDK retrying a completion whose answer it lost: the same
        // answer, even with a condition that no longer holds, and no new
        // version.
        let two = complete().send().await.unwrap();
        let three = complete().if_none_match("*").send().await.unwrap();
        for again in [&two, &three] {
            assert_eq!(again.e_tag(), one.e_tag());
            assert_eq!(again.version_id(), one.version_id());
            assert_eq!(again.location(), one.location());
            assert_eq!(again.key(), Some("k"));
            assert_eq!(again.bucket(), Some(b.as_str()));
        }
        assert!(one.version_id().is_some());
        let versions = s3.list_object_versions().bucket(&b).send().await.unwrap();
        assert_eq!(versions.versions().len(), 1);
        // Only for the key it completed, and an unknown id is still unknown.
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("other")
            .upload_id(&id)
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchUpload");
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id("0123456789abcdef0123456789abcdef")
            .multipart_upload(completed(&parts))
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchUpload");
    });
}
