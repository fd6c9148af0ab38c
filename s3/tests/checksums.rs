//! Checksums end to end, through aws-sdk-s3 (which computes, sends and
//! validates them itself) and through raw signed requests for the wrong
//! values it will not send: single PUTs with every algorithm, multipart
//! uploads with composite and full-object checksums, the checks of parts
//! and of the completion, and what a refusal leaves stored (nothing).

use crate::common;

use alexander_s3::S3Config;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, ChecksumMode, ChecksumType, CompletedMultipartUpload, CompletedPart,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::*;
use sha2::Digest as _;

/// Parts this small are allowed here, so that every algorithm's upload
/// stays quick; the part-size rule has tests of its own.
const PART: usize = 64 * 1024;

fn server() -> TestServer {
    let mut config = S3Config::default();
    config.limits.min_part_size = PART as u64;
    TestServer::start_with(config)
}

/// The raw digest of `data`, computed here with crates the server does
/// not use for the purpose where possible.
fn raw_digest(algorithm: &ChecksumAlgorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        ChecksumAlgorithm::Crc32 => crc32fast::hash(data).to_be_bytes().to_vec(),
        ChecksumAlgorithm::Crc32C => crc32c::crc32c(data).to_be_bytes().to_vec(),
        ChecksumAlgorithm::Crc64Nvme => {
            let mut d = crc64fast_nvme::Digest::new();
            d.write(data);
            d.sum64().to_be_bytes().to_vec()
        }
        ChecksumAlgorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
        ChecksumAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
        other => panic!("no such algorithm here: {other:?}"),
    }
}

fn digest_b64(algorithm: &ChecksumAlgorithm, data: &[u8]) -> String {
    BASE64.encode(raw_digest(algorithm, data))
}

fn composite(algorithm: &ChecksumAlgorithm, parts: &[Vec<u8>]) -> String {
    let raw: Vec<u8> = parts
        .iter()
        .flat_map(|p| raw_digest(algorithm, p))
        .collect();
    format!("{}-{}", digest_b64(algorithm, &raw), parts.len())
}

/// The checksum of `algorithm` among an output's fields.
macro_rules! sum_of {
    ($out:expr, $algorithm:expr) => {
        match $algorithm {
            ChecksumAlgorithm::Crc32 => $out.checksum_crc32(),
            ChecksumAlgorithm::Crc32C => $out.checksum_crc32_c(),
            ChecksumAlgorithm::Crc64Nvme => $out.checksum_crc64_nvme(),
            ChecksumAlgorithm::Sha1 => $out.checksum_sha1(),
            ChecksumAlgorithm::Sha256 => $out.checksum_sha256(),
            other => panic!("no such algorithm here: {other:?}"),
        }
        .map(str::to_owned)
    };
}

fn completed_part(n: i32, etag: &str, algorithm: &ChecksumAlgorithm, sum: &str) -> CompletedPart {
    let b = CompletedPart::builder().part_number(n).e_tag(etag);
    let b = match algorithm {
        ChecksumAlgorithm::Crc32 => b.checksum_crc32(sum),
        ChecksumAlgorithm::Crc32C => b.checksum_crc32_c(sum),
        ChecksumAlgorithm::Crc64Nvme => b.checksum_crc64_nvme(sum),
        ChecksumAlgorithm::Sha1 => b.checksum_sha1(sum),
        ChecksumAlgorithm::Sha256 => b.checksum_sha256(sum),
        other => panic!("no such algorithm here: {other:?}"),
    };
    b.build()
}

fn completion(parts: Vec<CompletedPart>) -> CompletedMultipartUpload {
    CompletedMultipartUpload::builder()
        .set_parts(Some(parts))
        .build()
}

/// Uploads `parts` with `algorithm`; returns (number, etag, checksum) of
/// each as the server answered, checked against the local digest.
async fn upload_parts(
    s3: &Client,
    b: &str,
    k: &str,
    id: &str,
    algorithm: &ChecksumAlgorithm,
    parts: &[Vec<u8>],
) -> Vec<(i32, String, String)> {
    let mut done = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let out = s3
            .upload_part()
            .bucket(b)
            .key(k)
            .upload_id(id)
            .part_number(i as i32 + 1)
            .checksum_algorithm(algorithm.clone())
            .body(body(p))
            .send()
            .await
            .unwrap();
        let sum = sum_of!(out, algorithm).expect("the part's checksum is echoed");
        assert_eq!(sum, digest_b64(algorithm, p), "{algorithm:?}");
        done.push((i as i32 + 1, out.e_tag.unwrap(), sum));
    }
    done
}

const ALL: [ChecksumAlgorithm; 5] = [
    ChecksumAlgorithm::Crc32,
    ChecksumAlgorithm::Crc32C,
    ChecksumAlgorithm::Crc64Nvme,
    ChecksumAlgorithm::Sha1,
    ChecksumAlgorithm::Sha256,
];

#[test]
fn single_puts_with_every_algorithm() {
    let server = server();
    let s3 = server.client();
    let b = new_bucket(&server, "sums");
    rt().block_on(async {
        let d = data(150_000, 41);
        for algorithm in ALL {
            let key = format!("k-{}", algorithm.as_str());
            // As a trailer, computed by the SDK.
            let put = s3
                .put_object()
                .bucket(&b)
                .key(&key)
                .checksum_algorithm(algorithm.clone())
                .body(body(&d))
                .send()
                .await
                .unwrap();
            let expected = digest_b64(&algorithm, &d);
            assert_eq!(sum_of!(put, &algorithm), Some(expected.clone()));
            assert_eq!(put.checksum_type(), Some(&ChecksumType::FullObject));
            let head = s3
                .head_object()
                .bucket(&b)
                .key(&key)
                .checksum_mode(ChecksumMode::Enabled)
                .send()
                .await
                .unwrap();
            assert_eq!(sum_of!(head, &algorithm), Some(expected.clone()));
            assert_eq!(head.checksum_type(), Some(&ChecksumType::FullObject));
            // The SDK validates the body against it.
            let got = s3
                .get_object()
                .bucket(&b)
                .key(&key)
                .checksum_mode(ChecksumMode::Enabled)
                .send()
                .await
                .unwrap();
            assert_eq!(sum_of!(got, &algorithm), Some(expected.clone()));
            assert!(got.body.collect().await.unwrap().into_bytes()[..] == d[..]);

            // A wrong value, given in the header: BadDigest, nothing stored.
            let wrong = digest_b64(&algorithm, b"other bytes");
            let bad_key = format!("bad-{}", algorithm.as_str());
            let req = s3.put_object().bucket(&b).key(&bad_key).body(body(&d));
            let req = match algorithm {
                ChecksumAlgorithm::Crc32 => req.checksum_crc32(&wrong),
                ChecksumAlgorithm::Crc32C => req.checksum_crc32_c(&wrong),
                ChecksumAlgorithm::Crc64Nvme => req.checksum_crc64_nvme(&wrong),
                ChecksumAlgorithm::Sha1 => req.checksum_sha1(&wrong),
                _ => req.checksum_sha256(&wrong),
            };
            let err = req.send().await.unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (400, "BadDigest"),
                "{algorithm:?}"
            );
            let err = s3
                .head_object()
                .bucket(&b)
                .key(&bad_key)
                .send()
                .await
                .unwrap_err();
            assert_eq!(http_status(&err), 404);
        }
    });
}

/// A raw PUT whose trailing checksum is well formed and wrong is
/// `BadDigest`, and stores nothing.
#[test]
fn a_wrong_trailer_is_bad_digest() {
    let server = server();
    let s3 = server.client();
    let b = new_bucket(&server, "trail");
    rt().block_on(async {
        let raw = data(100_000, 43);
        let wrong = digest_b64(&ChecksumAlgorithm::Sha256, b"not the body");
        let encoded = alexander_s3::auth::chunked::encode(
            &raw,
            65536,
            None,
            &[("x-amz-checksum-sha256", &wrong)],
        );
        let len = raw.len().to_string();
        let resp = signed_request(
            &server,
            "PUT",
            &format!("/{b}/k"),
            "",
            &[
                ("content-encoding", "aws-chunked"),
                ("x-amz-decoded-content-length", &len),
                ("x-amz-trailer", "x-amz-checksum-sha256"),
            ],
            encoded,
            alexander_s3::auth::sigv4::STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), 400);
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("<Code>BadDigest</Code>")
        );
        let err = s3
            .head_object()
            .bucket(&b)
            .key("k")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 404);
    });
}

#[test]
fn composite_multipart_checksums() {
    let server = server();
    let s3 = server.client();
    let b = new_bucket(&server, "comp");
    let parts = vec![data(PART, 51), data(PART + 3, 52), data(1000, 53)];
    rt().block_on(async {
        for algorithm in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32C,
            ChecksumAlgorithm::Sha1,
            ChecksumAlgorithm::Sha256,
        ] {
            let key = format!("k-{}", algorithm.as_str());
            let created = s3
                .create_multipart_upload()
                .bucket(&b)
                .key(&key)
                .checksum_algorithm(algorithm.clone())
                .send()
                .await
                .unwrap();
            // COMPOSITE is the default for these.
            assert_eq!(created.checksum_algorithm(), Some(&algorithm));
            assert_eq!(created.checksum_type(), Some(&ChecksumType::Composite));
            let id = created.upload_id().unwrap().to_owned();
            let done = upload_parts(&s3, &b, &key, &id, &algorithm, &parts).await;

            let listed = s3
                .list_parts()
                .bucket(&b)
                .key(&key)
                .upload_id(&id)
                .send()
                .await
                .unwrap();
            assert_eq!(listed.checksum_algorithm(), Some(&algorithm));
            assert_eq!(listed.checksum_type(), Some(&ChecksumType::Composite));
            let sums: Vec<_> = listed
                .parts()
                .iter()
                .map(|p| sum_of!(p, &algorithm).unwrap())
                .collect();
            let sent: Vec<_> = done.iter().map(|(_, _, s)| s.clone()).collect();
            assert_eq!(sums, sent);

            let out = s3
                .complete_multipart_upload()
                .bucket(&b)
                .key(&key)
                .upload_id(&id)
                .multipart_upload(completion(
                    done.iter()
                        .map(|(n, e, s)| completed_part(*n, e, &algorithm, s))
                        .collect(),
                ))
                .send()
                .await
                .unwrap();
            let expected = composite(&algorithm, &parts);
            assert_eq!(sum_of!(out, &algorithm), Some(expected.clone()));
            assert_eq!(out.checksum_type(), Some(&ChecksumType::Composite));
            let head = s3
                .head_object()
                .bucket(&b)
                .key(&key)
                .checksum_mode(ChecksumMode::Enabled)
                .send()
                .await
                .unwrap();
            assert_eq!(sum_of!(head, &algorithm), Some(expected));
            assert_eq!(head.checksum_type(), Some(&ChecksumType::Composite));
            assert_eq!(get_bytes(&s3, &b, &key).await, parts.concat());
        }
    });
}

#[test]
fn full_object_multipart_checksums() {
    let server = server();
    let s3 = server.client();
    let b = new_bucket(&server, "full");
    let parts = vec![data(PART + 7, 61), data(PART, 62), data(555, 63)];
    let whole = parts.concat();
    rt().block_on(async {
        for (algorithm, asked) in [
            (ChecksumAlgorithm::Crc32, Some(ChecksumType::FullObject)),
            (ChecksumAlgorithm::Crc32C, Some(ChecksumType::FullObject)),
            // FULL_OBJECT is CRC64NVME's default (and only) type.
            (ChecksumAlgorithm::Crc64Nvme, None),
        ] {
            let key = format!("k-{}", algorithm.as_str());
            let created = s3
                .create_multipart_upload()
                .bucket(&b)
                .key(&key)
                .checksum_algorithm(algorithm.clone())
                .set_checksum_type(asked)
                .send()
                .await
                .unwrap();
            assert_eq!(created.checksum_algorithm(), Some(&algorithm));
            assert_eq!(created.checksum_type(), Some(&ChecksumType::FullObject));
            let id = created.upload_id().unwrap().to_owned();
            let done = upload_parts(&s3, &b, &key, &id, &algorithm, &parts).await;
            let listed: Vec<_> = done
                .iter()
                .map(|(n, e, s)| completed_part(*n, e, &algorithm, s))
                .collect();
            let expected = digest_b64(&algorithm, &whole);

            // The client's full-object checksum is checked: a wrong one is
            // BadDigest and the upload stays as it was.
            let wrong = digest_b64(&algorithm, b"something else");
            let req = s3
                .complete_multipart_upload()
                .bucket(&b)
                .key(&key)
                .upload_id(&id)
                .checksum_type(ChecksumType::FullObject)
                .multipart_upload(completion(listed.clone()));
            let with = |req: aws_sdk_s3::operation::complete_multipart_upload::builders::CompleteMultipartUploadFluentBuilder,
                        v: &str| match algorithm {
                ChecksumAlgorithm::Crc32 => req.checksum_crc32(v),
                ChecksumAlgorithm::Crc32C => req.checksum_crc32_c(v),
                _ => req.checksum_crc64_nvme(v),
            };
            let err = with(req.clone(), &wrong).send().await.unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (400, "BadDigest"),
                "{algorithm:?}"
            );
            let err = s3.head_object().bucket(&b).key(&key).send().await.unwrap_err();
            assert_eq!(http_status(&err), 404);

            let out = with(req, &expected).send().await.unwrap();
            assert_eq!(sum_of!(out, &algorithm), Some(expected.clone()));
            assert_eq!(out.checksum_type(), Some(&ChecksumType::FullObject));
            // The SDK checks the whole body against the full-object CRC.
            let got = s3
                .get_object()
                .bucket(&b)
                .key(&key)
                .checksum_mode(ChecksumMode::Enabled)
                .send()
                .await
                .unwrap();
            assert_eq!(sum_of!(got, &algorithm), Some(expected));
            assert_eq!(got.checksum_type(), Some(&ChecksumType::FullObject));
            assert!(got.body.collect().await.unwrap().into_bytes()[..] == whole[..]);
        }

        // A part that comes without a checksum in a full-object upload
        // gets one computed.
        let plain = server.client_with(|c| {
            c.request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        });
        let id = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("computed")
            .checksum_algorithm(ChecksumAlgorithm::Crc32C)
            .checksum_type(ChecksumType::FullObject)
            .send()
            .await
            .unwrap()
            .upload_id
            .unwrap();
        let out = plain
            .upload_part()
            .bucket(&b)
            .key("computed")
            .upload_id(&id)
            .part_number(1)
            .body(body(&parts[2]))
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.checksum_crc32_c(),
            Some(digest_b64(&ChecksumAlgorithm::Crc32C, &parts[2]).as_str())
        );
    });
}

#[test]
fn upload_checksum_refusals() {
    let server = server();
    let s3 = server.client();
    let b = new_bucket(&server, "refuse");
    let p = data(PART, 71);
    rt().block_on(async {
        // Types an algorithm does not have, and a type without algorithm.
        for (algorithm, kind) in [
            (Some(ChecksumAlgorithm::Sha1), ChecksumType::FullObject),
            (Some(ChecksumAlgorithm::Sha256), ChecksumType::FullObject),
            (Some(ChecksumAlgorithm::Crc64Nvme), ChecksumType::Composite),
            (None, ChecksumType::Composite),
        ] {
            let err = s3
                .create_multipart_upload()
                .bucket(&b)
                .key("k")
                .set_checksum_algorithm(algorithm.clone())
                .checksum_type(kind.clone())
                .send()
                .await
                .unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (400, "InvalidRequest"),
                "{algorithm:?} {kind:?}"
            );
        }
        let uploads = s3.list_multipart_uploads().bucket(&b).send().await.unwrap();
        assert!(uploads.uploads().is_empty());

        let id = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("k")
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .send()
            .await
            .unwrap()
            .upload_id
            .unwrap();
        // A part with a checksum of another algorithm, or with none.
        let err = s3
            .upload_part()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .part_number(1)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(body(&p))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (400, "InvalidRequest")
        );
        let plain = server.client_with(|c| {
            c.request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        });
        let err = plain
            .upload_part()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .part_number(1)
            .body(body(&p))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (400, "InvalidRequest")
        );
        // A wrong SHA-256 in the header: BadDigest, and no part stored.
        let err = s3
            .upload_part()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .part_number(1)
            .checksum_sha256(digest_b64(&ChecksumAlgorithm::Sha256, b"x"))
            .body(body(&p))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (400, "BadDigest")
        );
        let listed = s3
            .list_parts()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .send()
            .await
            .unwrap();
        assert!(listed.parts().is_empty());

        let sha = ChecksumAlgorithm::Sha256;
        let done = upload_parts(&s3, &b, "k", &id, &sha, std::slice::from_ref(&p)).await;
        let (n, etag, sum) = done[0].clone();
        let complete = |parts: Vec<CompletedPart>| {
            s3.complete_multipart_upload()
                .bucket(&b)
                .key("k")
                .upload_id(&id)
                .multipart_upload(completion(parts))
        };
        let refusals = [
            // Without the part's checksum.
            (
                complete(vec![
                    CompletedPart::builder().part_number(n).e_tag(&etag).build(),
                ]),
                "InvalidRequest",
            ),
            // With a wrong one.
            (
                complete(vec![completed_part(
                    n,
                    &etag,
                    &sha,
                    &digest_b64(&sha, b"y"),
                )]),
                "InvalidPart",
            ),
            // With one of another algorithm, which the part has not.
            (
                complete(vec![completed_part(
                    n,
                    &etag,
                    &ChecksumAlgorithm::Sha1,
                    &digest_b64(&ChecksumAlgorithm::Sha1, &p),
                )]),
                "BadDigest",
            ),
            // Asking for another checksum type than the upload's.
            (
                complete(vec![completed_part(n, &etag, &sha, &sum)])
                    .checksum_type(ChecksumType::FullObject),
                "InvalidRequest",
            ),
            // A composite checksum that is not the parts'.
            (
                complete(vec![completed_part(n, &etag, &sha, &sum)])
                    .checksum_sha256(format!("{}-1", digest_b64(&sha, b"z"))),
                "BadDigest",
            ),
        ];
        for (i, (req, code)) in refusals.into_iter().enumerate() {
            let err = req.send().await.unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (400, code),
                "refusal {i}"
            );
            // Nothing was completed.
            let err = s3
                .head_object()
                .bucket(&b)
                .key("k")
                .send()
                .await
                .unwrap_err();
            assert_eq!(http_status(&err), 404);
        }
        let out = complete(vec![completed_part(n, &etag, &sha, &sum)])
            .checksum_sha256(composite(&sha, std::slice::from_ref(&p)))
            .send()
            .await
            .unwrap();
        assert_eq!(out.checksum_sha256(), Some(composite(&sha, &[p]).as_str()));
    });
}

/// The part of the store that changes the stored data: re-uploading a
/// part replaces its checksum and ETag; a part copied into a checksum
/// upload gets its checksum computed.
#[test]
fn reuploaded_and_copied_parts() {
    let server = server();
    let s3 = server.client();
    let b = new_bucket(&server, "again");
    let crc = ChecksumAlgorithm::Crc32C;
    let (first, second, tail) = (data(PART, 81), data(PART, 82), data(3000, 83));
    rt().block_on(async {
        s3.put_object()
            .bucket(&b)
            .key("src")
            .body(body(&tail))
            .send()
            .await
            .unwrap();
        let id = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("k")
            .checksum_algorithm(crc.clone())
            .send()
            .await
            .unwrap()
            .upload_id
            .unwrap();
        let old = upload_parts(&s3, &b, "k", &id, &crc, std::slice::from_ref(&first)).await;
        let new = upload_parts(&s3, &b, "k", &id, &crc, std::slice::from_ref(&second)).await;
        assert_ne!(old[0].1, new[0].1);
        let listed = s3
            .list_parts()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.parts().len(), 1);
        let part = &listed.parts()[0];
        assert_eq!(part.e_tag(), Some(new[0].1.as_str()));
        assert_eq!(part.checksum_crc32_c(), Some(new[0].2.as_str()));

        let copied = s3
            .upload_part_copy()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .part_number(2)
            .copy_source(format!("{b}/src"))
            .send()
            .await
            .unwrap();
        let copy_sum = digest_b64(&crc, &tail);
        let result = copied.copy_part_result().unwrap();
        assert_eq!(result.checksum_crc32_c(), Some(copy_sum.as_str()));
        let copy_etag = result.e_tag().unwrap().to_owned();

        // The old part's values no longer complete it.
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .multipart_upload(completion(vec![
                completed_part(1, &new[0].1, &crc, &old[0].2),
                completed_part(2, &copy_etag, &crc, &copy_sum),
            ]))
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "InvalidPart");
        let out = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .multipart_upload(completion(vec![
                completed_part(1, &new[0].1, &crc, &new[0].2),
                completed_part(2, &copy_etag, &crc, &copy_sum),
            ]))
            .send()
            .await
            .unwrap();
        let expected = composite(&crc, &[second.clone(), tail.clone()]);
        assert_eq!(out.checksum_crc32_c(), Some(expected.as_str()));
        assert_eq!(get_bytes(&s3, &b, "k").await, [second, tail].concat());
    });
}

/// An upload created without an algorithm: the object gets no checksum,
/// unless the completion sends a full-object CRC its parts can make
/// (aws-sdk-s3 sends each part's CRC32 by default).
#[test]
fn an_upload_without_an_algorithm() {
    let server = server();
    let s3 = server.client();
    let b = new_bucket(&server, "none");
    let parts = vec![data(PART, 91), data(10, 92)];
    let crc = ChecksumAlgorithm::Crc32;
    rt().block_on(async {
        for (key, full) in [("plain", false), ("full", true)] {
            let created = s3
                .create_multipart_upload()
                .bucket(&b)
                .key(key)
                .send()
                .await
                .unwrap();
            assert_eq!(created.checksum_algorithm(), None);
            assert_eq!(created.checksum_type(), None);
            let id = created.upload_id().unwrap().to_owned();
            let done = upload_parts(&s3, &b, key, &id, &crc, &parts).await;
            let mut req = s3
                .complete_multipart_upload()
                .bucket(&b)
                .key(key)
                .upload_id(&id)
                .multipart_upload(completion(
                    done.iter()
                        .map(|(n, e, _)| CompletedPart::builder().part_number(*n).e_tag(e).build())
                        .collect(),
                ));
            if full {
                req = req.checksum_crc32(digest_b64(&crc, &parts.concat()));
            }
            let out = req.send().await.unwrap();
            let head = s3
                .head_object()
                .bucket(&b)
                .key(key)
                .checksum_mode(ChecksumMode::Enabled)
                .send()
                .await
                .unwrap();
            if full {
                let expected = digest_b64(&crc, &parts.concat());
                assert_eq!(out.checksum_crc32(), Some(expected.as_str()));
                assert_eq!(head.checksum_crc32(), Some(expected.as_str()));
                assert_eq!(head.checksum_type(), Some(&ChecksumType::FullObject));
            } else {
                assert_eq!(out.checksum_crc32(), None);
                assert_eq!(out.checksum_type(), None);
                assert_eq!(head.checksum_crc32(), None);
            }
        }
    });
}
