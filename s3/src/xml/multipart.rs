//! Multipart upload documents: CreateMultipartUpload's reply, the
//! CompleteMultipartUpload body and reply, ListParts and
//! ListMultipartUploads.

use serde::{Deserialize, Serialize};

use super::{CommonPrefix, Owner, Timestamp, Xmlns, etag};

/// CreateMultipartUpload's reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "InitiateMultipartUploadResult")]
pub struct InitiateMultipartUploadResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "UploadId")]
    pub upload_id: String,
}

/// CompleteMultipartUpload's body: the parts, in the order the client
/// wants them (the handler checks that it ascends).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename = "CompleteMultipartUpload")]
pub struct CompleteMultipartUpload {
    #[serde(rename = "Part", default)]
    pub parts: Vec<CompletedPart>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct CompletedPart {
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    /// Unquoted (clients send it with or without quotes).
    #[serde(rename = "ETag", with = "etag")]
    pub etag: String,
    #[serde(rename = "ChecksumCRC32", default)]
    pub checksum_crc32: Option<String>,
    #[serde(rename = "ChecksumCRC32C", default)]
    pub checksum_crc32c: Option<String>,
    #[serde(rename = "ChecksumCRC64NVME", default)]
    pub checksum_crc64nvme: Option<String>,
    #[serde(rename = "ChecksumSHA1", default)]
    pub checksum_sha1: Option<String>,
    #[serde(rename = "ChecksumSHA256", default)]
    pub checksum_sha256: Option<String>,
}

/// CompleteMultipartUpload's reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "CompleteMultipartUploadResult")]
pub struct CompleteMultipartUploadResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    /// The object's URL.
    #[serde(rename = "Location")]
    pub location: String,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    /// The composite ETag, `md5-of-md5s-N`.
    #[serde(rename = "ETag", with = "etag")]
    pub etag: String,
    #[serde(rename = "ChecksumCRC32", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32: Option<String>,
    #[serde(rename = "ChecksumCRC32C", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32c: Option<String>,
    #[serde(rename = "ChecksumCRC64NVME", skip_serializing_if = "Option::is_none")]
    pub checksum_crc64nvme: Option<String>,
    #[serde(rename = "ChecksumSHA1", skip_serializing_if = "Option::is_none")]
    pub checksum_sha1: Option<String>,
    #[serde(rename = "ChecksumSHA256", skip_serializing_if = "Option::is_none")]
    pub checksum_sha256: Option<String>,
    /// `COMPOSITE` or `FULL_OBJECT`, when a checksum is given.
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
}

/// ListParts' reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "ListPartsResult")]
pub struct ListPartsResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "UploadId")]
    pub upload_id: String,
    #[serde(rename = "PartNumberMarker")]
    pub part_number_marker: u32,
    #[serde(
        rename = "NextPartNumberMarker",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_part_number_marker: Option<u32>,
    #[serde(rename = "MaxParts")]
    pub max_parts: u32,
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    #[serde(rename = "Part")]
    pub parts: Vec<PartEntry>,
    #[serde(rename = "Initiator")]
    pub initiator: Owner,
    #[serde(rename = "Owner")]
    pub owner: Owner,
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
}

/// One uploaded part in ListParts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PartEntry {
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    #[serde(rename = "LastModified")]
    pub last_modified: Timestamp,
    #[serde(rename = "ETag", with = "etag")]
    pub etag: String,
    #[serde(rename = "Size")]
    pub size: u64,
    #[serde(rename = "ChecksumCRC32", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32: Option<String>,
    #[serde(rename = "ChecksumCRC32C", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32c: Option<String>,
    #[serde(rename = "ChecksumCRC64NVME", skip_serializing_if = "Option::is_none")]
    pub checksum_crc64nvme: Option<String>,
    #[serde(rename = "ChecksumSHA1", skip_serializing_if = "Option::is_none")]
    pub checksum_sha1: Option<String>,
    #[serde(rename = "ChecksumSHA256", skip_serializing_if = "Option::is_none")]
    pub checksum_sha256: Option<String>,
}

/// ListMultipartUploads' reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "ListMultipartUploadsResult")]
pub struct ListMultipartUploadsResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "KeyMarker")]
    pub key_marker: String,
    #[serde(rename = "UploadIdMarker")]
    pub upload_id_marker: String,
    #[serde(rename = "NextKeyMarker", skip_serializing_if = "Option::is_none")]
    pub next_key_marker: Option<String>,
    #[serde(rename = "NextUploadIdMarker", skip_serializing_if = "Option::is_none")]
    pub next_upload_id_marker: Option<String>,
    #[serde(rename = "Prefix")]
    pub prefix: String,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(rename = "MaxUploads")]
    pub max_uploads: u32,
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    #[serde(rename = "Upload")]
    pub uploads: Vec<MultipartUpload>,
    #[serde(rename = "CommonPrefixes")]
    pub common_prefixes: Vec<CommonPrefix>,
}

/// One upload in progress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MultipartUpload {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "UploadId")]
    pub upload_id: String,
    #[serde(rename = "Initiator")]
    pub initiator: Owner,
    #[serde(rename = "Owner")]
    pub owner: Owner,
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
    #[serde(rename = "Initiated")]
    pub initiated: Timestamp,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;
    use crate::xml::{from_xml, to_xml};

    const T: Timestamp = Timestamp(1_255_369_830_000_000_000);

    fn root() -> Owner {
        Owner {
            id: "root".into(),
            display_name: Some("root".into()),
        }
    }

    #[test]
    fn initiate() {
        let doc = InitiateMultipartUploadResult {
            bucket: "b".into(),
            key: "k/ä".into(),
            upload_id: "VXBsb2FkIElE".into(),
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Bucket>b</Bucket><Key>k/ä</Key><UploadId>VXBsb2FkIElE</UploadId>\
             </InitiateMultipartUploadResult>"
        );
    }

    #[test]
    fn parse_complete() {
        // boto3: quoted ETags, checksums, namespace.
        let body = br#"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>"a54357aff0632cce46d942af68356b38"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32><PartNumber>1</PartNumber></Part><Part><ETag>"0c78aef83f66abc1fa1e8477f296d394"</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>"#;
        let c: CompleteMultipartUpload = from_xml(body, 1 << 20).unwrap();
        assert_eq!(
            c.parts,
            vec![
                CompletedPart {
                    part_number: 1,
                    etag: "a54357aff0632cce46d942af68356b38".into(),
                    checksum_crc32: Some("AAAAAA==".into()),
                    ..Default::default()
                },
                CompletedPart {
                    part_number: 2,
                    etag: "0c78aef83f66abc1fa1e8477f296d394".into(),
                    ..Default::default()
                },
            ]
        );
        // Unquoted, entity-quoted and pretty-printed.
        let body = b"<CompleteMultipartUpload>\n  <Part>\n    <PartNumber>3</PartNumber>\n    <ETag>&quot;abc&quot;</ETag>\n  </Part>\n  <Part><PartNumber>4</PartNumber><ETag>def</ETag></Part>\n</CompleteMultipartUpload>";
        let c: CompleteMultipartUpload = from_xml(body, 1 << 20).unwrap();
        let got: Vec<_> = c
            .parts
            .iter()
            .map(|p| (p.part_number, p.etag.as_str()))
            .collect();
        assert_eq!(got, vec![(3, "abc"), (4, "def")]);
        let c: CompleteMultipartUpload = from_xml(b"<CompleteMultipartUpload/>", 100).unwrap();
        assert!(c.parts.is_empty());
        for bad in [
            "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>",
            "<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>",
            "<CompleteMultipartUpload><Part><ETag>a</ETag></Part></CompleteMultipartUpload>",
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
        ] {
            assert_eq!(
                from_xml::<CompleteMultipartUpload>(bad.as_bytes(), 1024)
                    .unwrap_err()
                    .code,
                S3ErrorCode::MalformedXML,
                "{bad}"
            );
        }
    }

    #[test]
    fn complete_result() {
        let doc = CompleteMultipartUploadResult {
            location: "http://localhost:9000/b/k".into(),
            bucket: "b".into(),
            key: "k".into(),
            etag: "3858f62230ac3c915f300c664312c11f-9".into(),
            checksum_sha256: Some("x".into()),
            checksum_type: Some("COMPOSITE".into()),
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Location>http://localhost:9000/b/k</Location><Bucket>b</Bucket><Key>k</Key>\
             <ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>\
             <ChecksumSHA256>x</ChecksumSHA256><ChecksumType>COMPOSITE</ChecksumType>\
             </CompleteMultipartUploadResult>"
        );
    }

    #[test]
    fn list_parts() {
        let doc = ListPartsResult {
            bucket: "b".into(),
            key: "k".into(),
            upload_id: "u".into(),
            part_number_marker: 0,
            next_part_number_marker: Some(2),
            max_parts: 2,
            is_truncated: true,
            parts: vec![
                PartEntry {
                    part_number: 1,
                    last_modified: T,
                    etag: "e1".into(),
                    size: 5_242_880,
                    ..Default::default()
                },
                PartEntry {
                    part_number: 2,
                    last_modified: T,
                    etag: "e2".into(),
                    size: 1,
                    checksum_crc32c: Some("c".into()),
                    ..Default::default()
                },
            ],
            initiator: root(),
            owner: root(),
            storage_class: "STANDARD".into(),
            ..Default::default()
        };
        let lm = "<LastModified>2009-10-12T17:50:30.000Z</LastModified>";
        assert_eq!(
            to_xml(&doc),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId>\
                 <PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker>\
                 <MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>\
                 <Part><PartNumber>1</PartNumber>{lm}<ETag>\"e1\"</ETag><Size>5242880</Size></Part>\
                 <Part><PartNumber>2</PartNumber>{lm}<ETag>\"e2\"</ETag><Size>1</Size>\
                 <ChecksumCRC32C>c</ChecksumCRC32C></Part>\
                 <Initiator><ID>root</ID><DisplayName>root</DisplayName></Initiator>\
                 <Owner><ID>root</ID><DisplayName>root</DisplayName></Owner>\
                 <StorageClass>STANDARD</StorageClass></ListPartsResult>"
            )
        );
    }

    #[test]
    fn list_uploads() {
        let doc = ListMultipartUploadsResult {
            bucket: "b".into(),
            max_uploads: 1000,
            delimiter: Some("/".into()),
            uploads: vec![MultipartUpload {
                key: "k".into(),
                upload_id: "u".into(),
                initiator: root(),
                owner: root(),
                storage_class: "STANDARD".into(),
                initiated: T,
                ..Default::default()
            }],
            common_prefixes: vec![CommonPrefix {
                prefix: "d/".into(),
            }],
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Bucket>b</Bucket><KeyMarker/><UploadIdMarker/><Prefix/><Delimiter>/</Delimiter>\
             <MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>\
             <Upload><Key>k</Key><UploadId>u</UploadId>\
             <Initiator><ID>root</ID><DisplayName>root</DisplayName></Initiator>\
             <Owner><ID>root</ID><DisplayName>root</DisplayName></Owner>\
             <StorageClass>STANDARD</StorageClass><Initiated>2009-10-12T17:50:30.000Z</Initiated></Upload>\
             <CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes>\
             </ListMultipartUploadsResult>"
        );
    }
}
