//! GetObjectAttributes through aws-sdk-s3 (single-part, multipart with and
//! without part checksums, versioned, delete markers) and raw requests for
//! its header errors; and the edges of reading one part with `partNumber`
//! (GET and HEAD) as S3 answers them.

use crate::common;

use alexander_s3::{Limits, S3Config};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::types::{
    BucketVersioningStatus, ChecksumAlgorithm, ChecksumType, CompletedMultipartUpload,
    CompletedPart, ObjectAttributes, VersioningConfiguration,
};
use common::*;

/// Request headers of one raw case.
type Headers<'a> = &'a [(&'a str, &'a str)];

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// A server that takes parts of any size, so that multipart tests stay
/// small.
fn small_parts_server() -> TestServer {
    TestServer::start_with(S3Config {
        limits: Limits {
            min_part_size: 1,
            ..Limits::default()
        },
        ..S3Config::default()
    })
}

const ALL: [ObjectAttributes; 5] = [
    ObjectAttributes::Etag,
    ObjectAttributes::Checksum,
    ObjectAttributes::ObjectParts,
    ObjectAttributes::StorageClass,
    ObjectAttributes::ObjectSize,
];

/// Uploads `parts` as one multipart object; with `algorithm`, every part
/// carries that checksum. Returns each part's checksum (CRC32) as sent back.
async fn multipart(
    s3: &Client,
    b: &str,
    k: &str,
    parts: &[&[u8]],
    algorithm: Option<ChecksumAlgorithm>,
) -> Vec<Option<String>> {
    let id = s3
        .create_multipart_upload()
        .bucket(b)
        .key(k)
        .set_checksum_algorithm(algorithm.clone())
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let mut done = Vec::new();
    let mut sums = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let n = i as i32 + 1;
        let out = s3
            .upload_part()
            .bucket(b)
            .key(k)
            .upload_id(&id)
            .part_number(n)
            .set_checksum_algorithm(algorithm.clone())
            .body(body(p))
            .send()
            .await
            .unwrap();
        sums.push(out.checksum_crc32().map(str::to_owned));
        done.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .set_checksum_crc32(out.checksum_crc32().map(str::to_owned))
                .build(),
        );
    }
    s3.complete_multipart_upload()
        .bucket(b)
        .key(k)
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(done))
                .build(),
        )
        .send()
        .await
        .unwrap();
    sums
}

#[test]
fn attributes_of_a_single_part_object() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "attrs");
    rt().block_on(async {
        let put = s3
            .put_object()
            .bucket(&b)
            .key("one")
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .body(body(b"0123456789"))
            .send()
            .await
            .unwrap();
        let out = s3
            .get_object_attributes()
            .bucket(&b)
            .key("one")
            .set_object_attributes(Some(ALL.to_vec()))
            .send()
            .await
            .unwrap();
        // Without quotes, unlike the ETag header.
        assert_eq!(out.e_tag(), Some(md5_hex(b"0123456789").as_str()));
        assert_eq!(out.object_size(), Some(10));
        assert_eq!(out.storage_class().map(|c| c.as_str()), Some("STANDARD"));
        let sum = out.checksum().expect("checksum");
        assert_eq!(sum.checksum_sha256(), put.checksum_sha256());
        assert!(sum.checksum_sha256().is_some());
        assert_eq!(sum.checksum_type(), Some(&ChecksumType::FullObject));
        assert!(out.object_parts().is_none(), "not a multipart object");
        assert!(out.last_modified().is_some());
        assert_eq!(out.version_id(), None, "unversioned bucket");
        assert_eq!(out.delete_marker(), None);

        // Only what is asked for.
        let out = s3
            .get_object_attributes()
            .bucket(&b)
            .key("one")
            .object_attributes(ObjectAttributes::ObjectSize)
            .send()
            .await
            .unwrap();
        assert_eq!(out.object_size(), Some(10));
        assert!(out.e_tag().is_none() && out.checksum().is_none());
        assert!(out.storage_class().is_none());

        let err = s3
            .get_object_attributes()
            .bucket(&b)
            .key("none")
            .object_attributes(ObjectAttributes::Etag)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (404, "NoSuchKey")
        );
    });
}

#[test]
fn attributes_of_multipart_objects_page_their_parts() {
    let server = small_parts_server();
    let s3 = server.client();
    let b = new_bucket(&server, "attrs-mp");
    rt().block_on(async {
        let parts: [&[u8]; 3] = [b"aaaaa", b"bbbbbbb", b"cc"];
        let sums = multipart(&s3, &b, "sums", &parts, Some(ChecksumAlgorithm::Crc32)).await;
        let first = s3
            .get_object_attributes()
            .bucket(&b)
            .key("sums")
            .set_object_attributes(Some(ALL.to_vec()))
            .max_parts(2)
            .send()
            .await
            .unwrap();
        assert_eq!(first.e_tag(), Some(multipart_etag(&parts).as_str()));
        assert_eq!(first.object_size(), Some(14));
        let sum = first.checksum().expect("checksum");
        assert!(sum.checksum_crc32().unwrap().ends_with("-3"));
        assert_eq!(sum.checksum_type(), Some(&ChecksumType::Composite));
        let page = first.object_parts().expect("object parts");
        assert_eq!(page.total_parts_count(), Some(3));
        assert_eq!(page.max_parts(), Some(2));
        assert_eq!(page.is_truncated(), Some(true));
        assert_eq!(page.next_part_number_marker(), Some("2"));
        let got: Vec<(Option<i32>, Option<i64>, Option<String>)> = page
            .parts()
            .iter()
            .map(|p| {
                (
                    p.part_number(),
                    p.size(),
                    p.checksum_crc32().map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(1), Some(5), sums[0].clone()),
                (Some(2), Some(7), sums[1].clone()),
            ]
        );
        let rest = s3
            .get_object_attributes()
            .bucket(&b)
            .key("sums")
            .object_attributes(ObjectAttributes::ObjectParts)
            .max_parts(2)
            .part_number_marker("2")
            .send()
            .await
            .unwrap();
        let page = rest.object_parts().unwrap();
        assert_eq!(page.is_truncated(), Some(false));
        assert_eq!(page.part_number_marker(), Some("2"));
        assert_eq!(page.parts().len(), 1);
        assert_eq!(page.parts()[0].part_number(), Some(3));
        assert_eq!(page.parts()[0].size(), Some(2));
        assert_eq!(page.parts()[0].checksum_crc32(), sums[2].as_deref());

        // Parts without checksums: S3 gives only their count.
        let plain = server.client_with(|c| {
            c.request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        });
        let sums = multipart(&plain, &b, "plain", &parts, None).await;
        assert!(sums.iter().all(Option::is_none), "{sums:?}");
        let out = s3
            .get_object_attributes()
            .bucket(&b)
            .key("plain")
            .set_object_attributes(Some(ALL.to_vec()))
            .send()
            .await
            .unwrap();
        assert!(out.checksum().is_none());
        let page = out.object_parts().unwrap();
        assert_eq!(page.total_parts_count(), Some(3));
        assert!(page.parts().is_empty());
        assert_eq!(page.is_truncated(), None);
    });
}

#[test]
fn attributes_of_versions_and_delete_markers() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "attrs-ver");
    rt().block_on(async {
        s3.put_bucket_versioning()
            .bucket(&b)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let v1 = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .body(body(b"first"))
            .send()
            .await
            .unwrap()
            .version_id
            .unwrap();
        let v2 = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .body(body(b"second!"))
            .send()
            .await
            .unwrap()
            .version_id
            .unwrap();
        let attrs = |version: Option<&str>| {
            s3.get_object_attributes()
                .bucket(&b)
                .key("k")
                .set_version_id(version.map(str::to_owned))
                .object_attributes(ObjectAttributes::ObjectSize)
                .object_attributes(ObjectAttributes::Etag)
                .send()
        };
        let current = attrs(None).await.unwrap();
        assert_eq!(current.version_id(), Some(v2.as_str()));
        assert_eq!(current.object_size(), Some(7));
        let old = attrs(Some(&v1)).await.unwrap();
        assert_eq!(old.version_id(), Some(v1.as_str()));
        assert_eq!(old.object_size(), Some(5));
        assert_eq!(old.e_tag(), Some(md5_hex(b"first").as_str()));

        let marker = s3
            .delete_object()
            .bucket(&b)
            .key("k")
            .send()
            .await
            .unwrap()
            .version_id
            .unwrap();
        // The newest version is a delete marker: 404, marked.
        let err = attrs(None).await.unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (404, "NoSuchKey")
        );
        let raw = err.raw_response().unwrap();
        assert_eq!(raw.headers().get("x-amz-delete-marker"), Some("true"));
        // Naming the marker itself: 405.
        let err = attrs(Some(&marker)).await.unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (405, "MethodNotAllowed")
        );
        // Older versions still answer.
        assert_eq!(attrs(Some(&v1)).await.unwrap().object_size(), Some(5));
        let err = attrs(Some("00000000000fffff")).await.unwrap_err();
        assert_eq!(s3_code(&err), "NoSuchVersion");
    });
}

#[test]
fn attributes_header_errors() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "attrs-err");
    rt().block_on(async {
        s3.put_object()
            .bucket(&b)
            .key("k")
            .body(body(b"x"))
            .send()
            .await
            .unwrap();
        let path = format!("/{b}/k");
        let cases: [(Headers, u16, &str); 6] = [
            (&[], 400, "InvalidRequest"),
            (&[("x-amz-object-attributes", "")], 400, "InvalidRequest"),
            (
                &[("x-amz-object-attributes", "Size")],
                400,
                "InvalidArgument",
            ),
            (
                &[("x-amz-object-attributes", "ETag,objectsize")],
                400,
                "InvalidArgument",
            ),
            (
                &[
                    ("x-amz-object-attributes", "ObjectParts"),
                    ("x-amz-max-parts", "-1"),
                ],
                400,
                "InvalidArgument",
            ),
            (
                &[
                    ("x-amz-object-attributes", "ObjectParts"),
                    ("x-amz-part-number-marker", "two"),
                ],
                400,
                "InvalidArgument",
            ),
        ];
        for (headers, status, code) in cases {
            let resp = signed_request(
                &server,
                "GET",
                &path,
                "attributes=",
                headers,
                Vec::new(),
                EMPTY_SHA256,
            )
            .send()
            .await
            .unwrap();
            assert_eq!(resp.status().as_u16(), status, "{headers:?}");
            let text = resp.text().await.unwrap();
            assert!(
                text.contains(&format!("<Code>{code}</Code>")),
                "{headers:?}: {text}"
            );
        }
        // Raw: the reply as S3 writes it.
        let resp = signed_request(
            &server,
            "GET",
            &path,
            "attributes=",
            &[("x-amz-object-attributes", "ETag,ObjectSize")],
            Vec::new(),
            EMPTY_SHA256,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.headers().contains_key("last-modified"));
        let text = resp.text().await.unwrap();
        assert!(
            text.contains(&format!(
                "<GetObjectAttributesResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <ETag>{}</ETag><ObjectSize>1</ObjectSize></GetObjectAttributesResponse>",
                md5_hex(b"x")
            )),
            "{text}"
        );
        // Only GET.
        let resp = signed_request(
            &server,
            "PUT",
            &path,
            "attributes=",
            &[("x-amz-object-attributes", "ETag")],
            Vec::new(),
            EMPTY_SHA256,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status().as_u16(), 405);
    });
}

#[test]
fn part_reads_as_s3_answers_them() {
    let server = small_parts_server();
    let s3 = server.client();
    let b = new_bucket(&server, "partread");
    rt().block_on(async {
        // A single-part object is its own part 1: 206, whole, no count.
        s3.put_object()
            .bucket(&b)
            .key("one")
            .body(body(b"0123456789"))
            .send()
            .await
            .unwrap();
        let head = s3
            .head_object()
            .bucket(&b)
            .key("one")
            .part_number(1)
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_length(), Some(10));
        assert_eq!(head.parts_count(), None);
        let raw = signed_request(
            &server,
            "HEAD",
            &format!("/{b}/one"),
            "partNumber=1",
            &[],
            Vec::new(),
            EMPTY_SHA256,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(raw.status().as_u16(), 206);
        assert_eq!(raw.headers()["content-range"], "bytes 0-9/10");
        assert_eq!(raw.headers()["content-length"], "10");
        assert!(!raw.headers().contains_key("x-amz-mp-parts-count"));

        let parts: [&[u8]; 3] = [b"aaaaa", b"bbbbbbb", b"cc"];
        multipart(&s3, &b, "multi", &parts, None).await;
        // HEAD of a part: its length and place, and the part count.
        let head = s3
            .head_object()
            .bucket(&b)
            .key("multi")
            .part_number(2)
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_length(), Some(7));
        assert_eq!(head.parts_count(), Some(3));
        assert_eq!(head.content_range(), Some("bytes 5-11/14"));
        assert_eq!(
            head.e_tag(),
            Some(format!("\"{}\"", multipart_etag(&parts)).as_str())
        );
        let got = s3
            .get_object()
            .bucket(&b)
            .key("multi")
            .part_number(3)
            .send()
            .await
            .unwrap();
        assert_eq!(got.content_range(), Some("bytes 12-13/14"));
        assert_eq!(
            got.body.collect().await.unwrap().into_bytes().as_ref(),
            b"cc"
        );

        // Past the last part: 416 InvalidPartNumber, on GET and HEAD.
        let err = s3
            .get_object()
            .bucket(&b)
            .key("multi")
            .part_number(4)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (416, "InvalidPartNumber")
        );
        let err = s3
            .head_object()
            .bucket(&b)
            .key("multi")
            .part_number(4)
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 416);
        let err = s3
            .head_object()
            .bucket(&b)
            .key("one")
            .part_number(2)
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 416);

        // A part number together with a Range: 400 InvalidRequest.
        let err = s3
            .get_object()
            .bucket(&b)
            .key("multi")
            .part_number(1)
            .range("bytes=0-1")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (http_status(&err), s3_code(&err).as_str()),
            (400, "InvalidRequest")
        );
        let err = s3
            .head_object()
            .bucket(&b)
            .key("multi")
            .part_number(1)
            .range("bytes=0-1")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 400);

        // Outside 1..=10000: 400 InvalidArgument.
        for n in ["0", "10001", "x"] {
            let resp = signed_request(
                &server,
                "GET",
                &format!("/{b}/multi"),
                &format!("partNumber={n}"),
                &[],
                Vec::new(),
                EMPTY_SHA256,
            )
            .send()
            .await
            .unwrap();
            assert_eq!(resp.status().as_u16(), 400, "{n}");
            assert!(
                resp.text()
                    .await
                    .unwrap()
                    .contains("<Code>InvalidArgument</Code>")
            );
        }

        // The empty object's part 1 is empty: 200, nothing to range.
        s3.put_object()
            .bucket(&b)
            .key("empty")
            .body(body(b""))
            .send()
            .await
            .unwrap();
        let got = s3
            .get_object()
            .bucket(&b)
            .key("empty")
            .part_number(1)
            .send()
            .await
            .unwrap();
        assert_eq!(got.content_length(), Some(0));
        assert_eq!(got.content_range(), None);
    });
}
