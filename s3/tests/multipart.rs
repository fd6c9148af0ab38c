//! Multipart uploads through aws-sdk-s3 with its default settings: parts
//! and their composite ETag, UploadPartCopy with a range, part reads by
//! number, ListParts and ListMultipartUploads with their paging, abort, and
//! the errors of CompleteMultipartUpload.

use crate::common;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use common::*;

const MIB: usize = 1 << 20;

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

async fn create(s3: &Client, b: &str, k: &str) -> String {
    s3.create_multipart_upload()
        .bucket(b)
        .key(k)
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap()
}

async fn upload(s3: &Client, b: &str, k: &str, id: &str, n: i32, d: &[u8]) -> String {
    s3.upload_part()
        .bucket(b)
        .key(k)
        .upload_id(id)
        .part_number(n)
        .body(body(d))
        .send()
        .await
        .unwrap()
        .e_tag
        .unwrap()
}

#[test]
fn three_parts_and_a_small_last_one() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "mpu");
    let parts: Vec<Vec<u8>> = (0..3)
        .map(|i| data(5 * MIB, 10 + i))
        .chain([data(1234, 20)])
        .collect();
    rt().block_on(async {
        let out = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("big")
            .content_type("application/x-big")
            .metadata("mode", "33152")
            .send()
            .await
            .unwrap();
        assert_eq!(out.bucket(), Some(b.as_str()));
        assert_eq!(out.key(), Some("big"));
        let id = out.upload_id().unwrap().to_owned();
        let mut done = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            let etag = upload(&s3, &b, "big", &id, i as i32 + 1, p).await;
            assert_eq!(etag, format!("\"{}\"", md5_hex(p)));
            done.push((i as i32 + 1, etag));
        }
        let out = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("big")
            .upload_id(&id)
            .multipart_upload(completed(&done))
            .send()
            .await
            .unwrap();
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let want = format!("\"{}\"", multipart_etag(&refs));
        assert_eq!(out.e_tag(), Some(want.as_str()));
        assert!(want.ends_with("-4\""));
        assert_eq!(out.bucket(), Some(b.as_str()));
        assert_eq!(out.key(), Some("big"));
        assert!(out.location().unwrap().ends_with(&format!("/{b}/big")));

        let whole: Vec<u8> = parts.concat();
        let got = s3.get_object().bucket(&b).key("big").send().await.unwrap();
        assert_eq!(got.e_tag(), Some(want.as_str()));
        assert_eq!(got.content_type(), Some("application/x-big"));
        assert_eq!(
            got.metadata().unwrap().get("mode").map(String::as_str),
            Some("33152")
        );
        assert_eq!(got.parts_count(), None, "no parts count without partNumber");
        assert!(got.body.collect().await.unwrap().into_bytes()[..] == whole[..]);

        // Reads by part number: 206, the part's bytes, the part count.
        for (n, p) in parts.iter().enumerate() {
            let n = n as i32 + 1;
            let out = s3
                .get_object()
                .bucket(&b)
                .key("big")
                .part_number(n)
                .send()
                .await
                .unwrap();
            assert_eq!(out.parts_count(), Some(4));
            assert_eq!(out.content_length(), Some(p.len() as i64));
            let start = (n as usize - 1) * 5 * MIB;
            let want = format!("bytes {start}-{}/{}", start + p.len() - 1, whole.len());
            assert_eq!(out.content_range(), Some(want.as_str()));
            assert!(out.body.collect().await.unwrap().into_bytes()[..] == p[..]);
        }
        let head = s3
            .head_object()
            .bucket(&b)
            .key("big")
            .part_number(2)
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_length(), Some(5 * MIB as i64));
        assert_eq!(head.parts_count(), Some(4));
        let err = s3
            .get_object()
            .bucket(&b)
            .key("big")
            .part_number(5)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (416, "InvalidPartNumber")
        );

        // A single-part object has one part: the whole object, as a 206.
        s3.put_object()
            .bucket(&b)
            .key("one")
            .body(body(b"0123456789"))
            .send()
            .await
            .unwrap();
        let out = s3
            .get_object()
            .bucket(&b)
            .key("one")
            .part_number(1)
            .send()
            .await
            .unwrap();
        assert_eq!(out.content_range(), Some("bytes 0-9/10"));
        assert_eq!(out.parts_count(), None);
        let err = s3
            .get_object()
            .bucket(&b)
            .key("one")
            .part_number(2)
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "InvalidPartNumber");
        // The upload is gone.
        let err = s3
            .list_parts()
            .bucket(&b)
            .key("big")
            .upload_id(&id)
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchUpload");
    });
}

#[test]
fn upload_part_copy_with_a_range() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "mpcopy");
    let src = data(12 * MIB, 1);
    rt().block_on(async {
        s3.put_object()
            .bucket(&b)
            .key("src")
            .body(body(&src))
            .send()
            .await
            .unwrap();
        let id = create(&s3, &b, "dst").await;
        let ranges = [
            (0usize, 5 * MIB - 1),
            (5 * MIB, 10 * MIB - 1),
            (11 * MIB, 12 * MIB - 1),
        ];
        let mut done = Vec::new();
        for (i, (first, last)) in ranges.iter().enumerate() {
            let out = s3
                .upload_part_copy()
                .bucket(&b)
                .key("dst")
                .upload_id(&id)
                .part_number(i as i32 + 1)
                .copy_source(format!("{b}/src"))
                .copy_source_range(format!("bytes={first}-{last}"))
                .send()
                .await
                .unwrap();
            let r = out.copy_part_result().unwrap();
            let etag = r.e_tag().unwrap().to_owned();
            assert_eq!(etag, format!("\"{}\"", md5_hex(&src[*first..=*last])));
            assert!(r.last_modified().is_some());
            done.push((i as i32 + 1, etag));
        }
        // A range past the source's end: InvalidRange, as S3 answers.
        for range in ["bytes=0-12582912", "bytes=12582912-12582913"] {
            let err = s3
                .upload_part_copy()
                .bucket(&b)
                .key("dst")
                .upload_id(&id)
                .part_number(9)
                .copy_source(format!("{b}/src"))
                .copy_source_range(range)
                .send()
                .await
                .unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (416, "InvalidRange"),
                "{range}"
            );
        }
        // Malformed ones.
        for range in ["bytes=5-", "bytes=9-1"] {
            let err = s3
                .upload_part_copy()
                .bucket(&b)
                .key("dst")
                .upload_id(&id)
                .part_number(9)
                .copy_source(format!("{b}/src"))
                .copy_source_range(range)
                .send()
                .await
                .unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (400, "InvalidArgument"),
                "{range}"
            );
        }
        // Source conditions.
        let err = s3
            .upload_part_copy()
            .bucket(&b)
            .key("dst")
            .upload_id(&id)
            .part_number(9)
            .copy_source(format!("{b}/src"))
            .copy_source_if_match("\"nope\"")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 412);
        s3.complete_multipart_upload()
            .bucket(&b)
            .key("dst")
            .upload_id(&id)
            .multipart_upload(completed(&done))
            .send()
            .await
            .unwrap();
        let want: Vec<u8> = ranges
            .iter()
            .flat_map(|(f, l)| src[*f..=*l].to_vec())
            .collect();
        assert!(get_bytes(&s3, &b, "dst").await == want);

        // A whole-object part copy, without a range.
        let id = create(&s3, &b, "dst2").await;
        s3.upload_part_copy()
            .bucket(&b)
            .key("dst2")
            .upload_id(&id)
            .part_number(1)
            .copy_source(format!("{b}/src"))
            .send()
            .await
            .unwrap();
        let parts = s3
            .list_parts()
            .bucket(&b)
            .key("dst2")
            .upload_id(&id)
            .send()
            .await
            .unwrap();
        assert_eq!(parts.parts()[0].size(), Some(src.len() as i64));
    });
}

#[test]
fn list_parts_and_uploads() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "mplist");
    rt().block_on(async {
        let id = create(&s3, &b, "k").await;
        for n in 1..=5 {
            upload(&s3, &b, "k", &id, n, &data(100 + n as usize, n as u64)).await;
        }
        let page = s3
            .list_parts()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .max_parts(2)
            .send()
            .await
            .unwrap();
        let numbers: Vec<_> = page
            .parts()
            .iter()
            .filter_map(|p| p.part_number())
            .collect();
        assert_eq!(numbers, vec![1, 2]);
        assert_eq!(page.is_truncated(), Some(true));
        assert_eq!(page.next_part_number_marker(), Some("2"));
        assert_eq!(page.max_parts(), Some(2));
        assert!(page.owner().unwrap().id().is_some());
        assert!(page.initiator().unwrap().id().is_some());
        assert_eq!(page.parts()[0].size(), Some(101));
        let page = s3
            .list_parts()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .part_number_marker("2")
            .send()
            .await
            .unwrap();
        let numbers: Vec<_> = page
            .parts()
            .iter()
            .filter_map(|p| p.part_number())
            .collect();
        assert_eq!(numbers, vec![3, 4, 5]);
        assert_eq!(page.is_truncated(), Some(false));

        // Uploads: several per key, paged by key then upload id.
        let mut ids = [id.clone(), create(&s3, &b, "k").await];
        ids.sort();
        let other = create(&s3, &b, "dir/a").await;
        let _ = create(&s3, &b, "dir/b").await;
        let spaced = create(&s3, &b, "with space").await;
        let all = s3.list_multipart_uploads().bucket(&b).send().await.unwrap();
        let keys: Vec<_> = all.uploads().iter().filter_map(|u| u.key()).collect();
        assert_eq!(keys, vec!["dir/a", "dir/b", "k", "k", "with space"]);
        assert_eq!(all.is_truncated(), Some(false));
        let by_delim = s3
            .list_multipart_uploads()
            .bucket(&b)
            .delimiter("/")
            .send()
            .await
            .unwrap();
        let keys: Vec<_> = by_delim.uploads().iter().filter_map(|u| u.key()).collect();
        assert_eq!(keys, vec!["k", "k", "with space"]);
        let prefixes: Vec<_> = by_delim
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            .collect();
        assert_eq!(prefixes, vec!["dir/"]);
        let with_prefix = s3
            .list_multipart_uploads()
            .bucket(&b)
            .prefix("dir/")
            .send()
            .await
            .unwrap();
        assert_eq!(with_prefix.uploads().len(), 2);
        assert_eq!(with_prefix.uploads()[0].upload_id(), Some(other.as_str()));

        let page = s3
            .list_multipart_uploads()
            .bucket(&b)
            .max_uploads(3)
            .send()
            .await
            .unwrap();
        assert_eq!(page.uploads().len(), 3);
        assert_eq!(page.is_truncated(), Some(true));
        assert_eq!(page.next_key_marker(), Some("k"));
        assert_eq!(page.next_upload_id_marker(), Some(ids[0].as_str()));
        let page = s3
            .list_multipart_uploads()
            .bucket(&b)
            .key_marker("k")
            .upload_id_marker(&ids[0])
            .send()
            .await
            .unwrap();
        let got: Vec<_> = page
            .uploads()
            .iter()
            .map(|u| (u.key().unwrap(), u.upload_id().unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![("k", ids[1].as_str()), ("with space", spaced.as_str())]
        );

        let encoded = s3
            .list_multipart_uploads()
            .bucket(&b)
            .prefix("with ")
            .encoding_type(aws_sdk_s3::types::EncodingType::Url)
            .send()
            .await
            .unwrap();
        assert_eq!(encoded.uploads()[0].key(), Some("with%20space"));
        assert_eq!(encoded.prefix(), Some("with%20"));

        // Abort: 204, then the upload is gone.
        s3.abort_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .send()
            .await
            .unwrap();
        let err = s3
            .list_parts()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (404, "NoSuchUpload")
        );
        let err = s3
            .abort_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchUpload");
        let err = s3
            .upload_part()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .part_number(1)
            .body(body(b"x"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchUpload");
        let left = s3
            .list_multipart_uploads()
            .bucket(&b)
            .prefix("k")
            .send()
            .await
            .unwrap();
        assert_eq!(left.uploads().len(), 1);
    });
}

#[test]
fn complete_errors() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "mperr");
    rt().block_on(async {
        let id = create(&s3, &b, "k").await;
        let small = data(1000, 1);
        let big = data(5 * MIB, 2);
        let e1 = upload(&s3, &b, "k", &id, 1, &small).await;
        let e2 = upload(&s3, &b, "k", &id, 2, &big).await;
        let e3 = upload(&s3, &b, "k", &id, 3, &small).await;

        let complete = |parts: Vec<(i32, String)>| {
            s3.complete_multipart_upload()
                .bucket(&b)
                .key("k")
                .upload_id(&id)
                .multipart_upload(completed(&parts))
                .send()
        };
        // A part but the last under 5 MiB.
        let err = complete(vec![(1, e1.clone()), (2, e2.clone())])
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (400, "EntityTooSmall")
        );
        // Out of order, and repeated.
        let err = complete(vec![(2, e2.clone()), (1, e1.clone())])
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "InvalidPartOrder");
        let err = complete(vec![(2, e2.clone()), (2, e2.clone())])
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "InvalidPartOrder");
        // A wrong ETag, and a part never uploaded.
        let err = complete(vec![(2, e1.clone()), (3, e3.clone())])
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "InvalidPart");
        let err = complete(vec![(2, e2.clone()), (4, e3.clone())])
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "InvalidPart");
        // No parts at all.
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .multipart_upload(CompletedMultipartUpload::builder().build())
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "MalformedXML");
        // Nothing was committed by the failures.
        let err = s3
            .head_object()
            .bucket(&b)
            .key("k")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 404);
        // Parts 2 and 3 (a small last part is fine); part 1 is dropped.
        let out = complete(vec![(2, e2.clone()), (3, e3.clone())])
            .await
            .unwrap();
        let want = format!("\"{}\"", multipart_etag(&[&big, &small]));
        assert_eq!(out.e_tag(), Some(want.as_str()));
        let whole = [big.as_slice(), small.as_slice()].concat();
        assert!(get_bytes(&s3, &b, "k").await == whole);
        // Unknown upload ids.
        for bogus in ["0123456789abcdef0123456789abcdef", "not-an-id"] {
            let err = s3
                .complete_multipart_upload()
                .bucket(&b)
                .key("k")
                .upload_id(bogus)
                .multipart_upload(completed(&[(1, e1.clone())]))
                .send()
                .await
                .unwrap_err();
            assert_eq!(
                (http_status(&err), s3_code(&err).as_str()),
                (404, "NoSuchUpload")
            );
        }
        // Multipart writes under .snapshots/ are refused.
        let err = s3
            .create_multipart_upload()
            .bucket(&b)
            .key(".snapshots/s/k")
            .send()
            .await
            .unwrap_err();
        assert_eq!(s3_code(&err), "AccessDenied");
    });
}

#[test]
fn versioned_multipart_and_part_replacement() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "mpver");
    server
        .store
        .set_versioning(&b, alexander_store::Versioning::Enabled)
        .unwrap();
    rt().block_on(async {
        let id = create(&s3, &b, "k").await;
        // Uploading a part number again replaces it.
        upload(&s3, &b, "k", &id, 1, b"first").await;
        let e1 = upload(&s3, &b, "k", &id, 1, b"second").await;
        let out = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .multipart_upload(completed(&[(1, e1)]))
            .send()
            .await
            .unwrap();
        let version = out.version_id().unwrap().to_owned();
        assert_eq!(get_bytes(&s3, &b, "k").await, b"second");
        let head = s3.head_object().bucket(&b).key("k").send().await.unwrap();
        assert_eq!(head.version_id(), Some(version.as_str()));
    });
}

/// Part checksums are kept and listed, a wrong one at completion is
/// `InvalidPart`, and the object gets S3's composite checksum.
#[test]
fn part_checksums_and_the_composite_checksum() {
    use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
    use base64::Engine;
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "sums");
    let parts = [data(5 * MIB, 31), data(777, 32)];
    rt().block_on(async {
        let id = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("k")
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .send()
            .await
            .unwrap()
            .upload_id
            .unwrap();
        let mut done = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            let out = s3
                .upload_part()
                .bucket(&b)
                .key("k")
                .upload_id(&id)
                .part_number(i as i32 + 1)
                .checksum_algorithm(ChecksumAlgorithm::Crc32)
                .body(body(p))
                .send()
                .await
                .unwrap();
            let crc = out.checksum_crc32.clone().unwrap();
            let expected =
                base64::engine::general_purpose::STANDARD.encode(crc32fast::hash(p).to_be_bytes());
            assert_eq!(crc, expected);
            done.push((i as i32 + 1, out.e_tag.unwrap(), crc));
        }
        let listed = s3
            .list_parts()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .send()
            .await
            .unwrap();
        let listed: Vec<_> = listed
            .parts()
            .iter()
            .map(|p| p.checksum_crc32().unwrap().to_owned())
            .collect();
        assert_eq!(listed, [done[0].2.clone(), done[1].2.clone()]);

        let with_sums = |wrong: bool| {
            CompletedMultipartUpload::builder()
                .set_parts(Some(
                    done.iter()
                        .map(|(n, e, c)| {
                            let c = if wrong && *n == 2 {
                                "AAAAAA==".to_owned()
                            } else {
                                c.clone()
                            };
                            CompletedPart::builder()
                                .part_number(*n)
                                .e_tag(e)
                                .checksum_crc32(c)
                                .build()
                        })
                        .collect(),
                ))
                .build()
        };
        let err = s3
            .complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .multipart_upload(with_sums(true))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.into_service_error().meta().code(), Some("InvalidPart"));
        s3.complete_multipart_upload()
            .bucket(&b)
            .key("k")
            .upload_id(&id)
            .multipart_upload(with_sums(false))
            .send()
            .await
            .unwrap();

        let mut raw = Vec::new();
        for p in &parts {
            raw.extend_from_slice(&crc32fast::hash(p).to_be_bytes());
        }
        let composite = format!(
            "{}-2",
            base64::engine::general_purpose::STANDARD.encode(crc32fast::hash(&raw).to_be_bytes())
        );
        let head = s3
            .head_object()
            .bucket(&b)
            .key("k")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(head.checksum_crc32(), Some(composite.as_str()));
        let got = s3
            .get_object()
            .bucket(&b)
            .key("k")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        let bytes = got.body.collect().await.unwrap().into_bytes();
        assert_eq!(bytes.len(), parts[0].len() + parts[1].len());
        assert!(bytes[..] == [&parts[0][..], &parts[1][..]].concat()[..]);
    });
}
