//! Objects written as the mount writes them (`Store::put_file`, edits),
//! read over S3 with aws-sdk-s3, which validates response checksums by
//! default: their ETag is `md5(chunk ids)-N`, not an MD5 of the bytes,
//! and GET and HEAD serve their full-object CRC64NVME, on whole reads
//! only. Conditional requests take the new ETag; CopyObject and
//! UploadPartCopy from them work; and bytes damaged in a way the store's
//! own CRC-32C cannot see make the SDK's read fail.

use crate::common;

use alexander_store::{At, EditRequest, ObjectMeta, Overlay, PutOptions};
use aws_sdk_s3::config::ResponseChecksumValidation;
use aws_sdk_s3::types::{
    ChecksumMode, ChecksumType, CompletedMultipartUpload, CompletedPart, ObjectAttributes,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::*;

const MIB: usize = 1 << 20;

/// The CRC64NVME of `bytes` as S3 writes it.
fn crc64nvme(bytes: &[u8]) -> String {
    let mut d = crc64fast_nvme::Digest::new();
    d.write(bytes);
    BASE64.encode(d.sum64().to_be_bytes())
}

#[test]
fn mount_written_objects_over_s3() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "mounted");
    let store = &server.store;
    let mut bytes = data(6 * MIB, 31);
    let put = store
        .put_file(&b, "file", &bytes[..], PutOptions::default())
        .unwrap();
    // An edit in place, as the mount's close commits it.
    let mut read_at = |off: u64, buf: &mut [u8]| {
        buf.fill(b'x');
        assert_eq!(off, 2 * MIB as u64);
        Ok(())
    };
    let info = store
        .write_edit(
            EditRequest {
                bucket: &b,
                key: "file",
                base: Some(At::Current),
                size: bytes.len() as u64,
                meta: ObjectMeta::default(),
                condition: None,
            },
            Overlay {
                dirty: &[(2 * MIB as u64, 2 * MIB as u64 + 100)],
                zeros: &[],
                read_at: &mut read_at,
            },
        )
        .unwrap();
    bytes[2 * MIB..2 * MIB + 100].fill(b'x');
    assert_ne!(info.etag, put.etag);
    let etag = format!("\"{}\"", info.etag);
    let (hash, n) = info.etag.split_once('-').unwrap();
    assert!(hash.len() == 32 && n.parse::<u32>().unwrap() > 1, "{etag}");
    assert_ne!(hash, md5_hex(&bytes));
    let crc = crc64nvme(&bytes);

    rt().block_on(async {
        // GET and HEAD with checksums: the CRC64NVME of the bytes, as a
        // full-object checksum, which the SDK checks against the body.
        let got = s3
            .get_object()
            .bucket(&b)
            .key("file")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(got.e_tag(), Some(etag.as_str()));
        assert_eq!(got.checksum_crc64_nvme(), Some(crc.as_str()));
        assert_eq!(got.checksum_type(), Some(&ChecksumType::FullObject));
        let read = got.body.collect().await.unwrap().into_bytes();
        assert!(read[..] == bytes[..], "bytes differ");
        let head = s3
            .head_object()
            .bucket(&b)
            .key("file")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(head.e_tag(), Some(etag.as_str()));
        assert_eq!(head.checksum_crc64_nvme(), Some(crc.as_str()));
        assert_eq!(head.checksum_type(), Some(&ChecksumType::FullObject));

        // GetObjectAttributes: the ETag unquoted, the checksum, no parts.
        let attrs = s3
            .get_object_attributes()
            .bucket(&b)
            .key("file")
            .object_attributes(ObjectAttributes::Etag)
            .object_attributes(ObjectAttributes::Checksum)
            .object_attributes(ObjectAttributes::ObjectParts)
            .send()
            .await
            .unwrap();
        assert_eq!(attrs.e_tag(), Some(info.etag.as_str()));
        let sum = attrs.checksum().expect("a checksum");
        assert_eq!(sum.checksum_crc64_nvme(), Some(crc.as_str()));
        assert_eq!(sum.checksum_type(), Some(&ChecksumType::FullObject));
        assert!(attrs.object_parts().is_none(), "{attrs:?}");

        // A range: no full-object checksum, which it could not match.
        let part = s3
            .get_object()
            .bucket(&b)
            .key("file")
            .range("bytes=100-199")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(part.checksum_crc64_nvme(), None);
        assert_eq!(part.checksum_type(), None);
        let read = part.body.collect().await.unwrap().into_bytes();
        assert!(read[..] == bytes[100..200]);

        // Conditions with the new ETag.
        let got = s3
            .get_object()
            .bucket(&b)
            .key("file")
            .if_match(&etag)
            .send()
            .await
            .unwrap();
        assert_eq!(got.content_length(), Some(bytes.len() as i64));
        let err = s3
            .get_object()
            .bucket(&b)
            .key("file")
            .if_match(format!("\"{}\"", md5_hex(&bytes)))
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 412);
        let err = s3
            .head_object()
            .bucket(&b)
            .key("file")
            .if_none_match(&etag)
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 304);

        // CopyObject keeps the ETag and the checksum.
        let copied = s3
            .copy_object()
            .bucket(&b)
            .key("copy")
            .copy_source(format!("{b}/file"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            copied.copy_object_result().unwrap().e_tag(),
            Some(etag.as_str())
        );
        let head = s3
            .head_object()
            .bucket(&b)
            .key("copy")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(head.checksum_crc64_nvme(), Some(crc.as_str()));

        // UploadPartCopy reads it into parts with MD5 ETags of their own.
        let id = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("parts")
            .send()
            .await
            .unwrap()
            .upload_id()
            .unwrap()
            .to_owned();
        let mut parts = Vec::new();
        for (i, (first, last)) in [(0, 5 * MIB - 1), (5 * MIB, bytes.len() - 1)]
            .into_iter()
            .enumerate()
        {
            let out = s3
                .upload_part_copy()
                .bucket(&b)
                .key("parts")
                .upload_id(&id)
                .part_number(i as i32 + 1)
                .copy_source(format!("{b}/file"))
                .copy_source_range(format!("bytes={first}-{last}"))
                .send()
                .await
                .unwrap();
            let part_etag = out.copy_part_result().unwrap().e_tag().unwrap().to_owned();
            assert_eq!(part_etag, format!("\"{}\"", md5_hex(&bytes[first..=last])));
            parts.push(
                CompletedPart::builder()
                    .part_number(i as i32 + 1)
                    .e_tag(part_etag)
                    .build(),
            );
        }
        s3.complete_multipart_upload()
            .bucket(&b)
            .key("parts")
            .upload_id(&id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert!(get_bytes(&s3, &b, "parts").await == bytes);

        // An S3 PUT keeps the MD5 of its bytes for its ETag.
        let put = s3
            .put_object()
            .bucket(&b)
            .key("put")
            .body(body(&bytes))
            .send()
            .await
            .unwrap();
        assert_eq!(
            put.e_tag(),
            Some(format!("\"{}\"", md5_hex(&bytes)).as_str())
        );
    });

    // Damage the file's first chunk where only its CRC64NVME can tell:
    // the SDK's read fails instead of returning the wrong bytes.
    let other = data(3 * MIB, 32);
    store
        .put_file(&b, "damaged", &other[..], PutOptions::default())
        .unwrap();
    store.flush().unwrap();
    assert!(damage_unseen(
        &server.dir.path().join("packs"),
        &other[..64]
    ));
    rt().block_on(async {
        // The SDK's default asks for the checksum and checks it.
        let got = s3
            .get_object()
            .bucket(&b)
            .key("damaged")
            .send()
            .await
            .unwrap();
        let err = got.body.collect().await.unwrap_err();
        assert!(format!("{err:?}").contains("ChecksumMismatch"), "{err:?}");
        // Without the checksum the damage would pass: the store serves
        // what its own check lets through.
        let unchecked = server.client_with(|c| {
            c.response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        });
        assert!(get_bytes(&unchecked, &b, "damaged").await != other);
    });
}
