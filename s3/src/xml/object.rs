//! Object documents: the DeleteObjects body and reply, and the replies of
//! CopyObject, UploadPartCopy and GetObjectAttributes.

use serde::{Deserialize, Serialize};

use super::{Timestamp, Xmlns, etag};
use crate::error::S3Error;

/// The most keys one DeleteObjects may name.
pub const MAX_DELETE_OBJECTS: usize = 1000;

/// DeleteObjects' body.
///
/// Read through a list of elements so that `<Quiet>` may come anywhere
/// among the `<Object>`s.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename = "Delete", from = "DeleteXml")]
pub struct Delete {
    /// Quiet mode: the reply lists only the errors.
    pub quiet: bool,
    pub objects: Vec<ObjectIdentifier>,
}

#[derive(Deserialize)]
struct DeleteXml {
    #[serde(rename = "$value", default)]
    items: Vec<DeleteItem>,
}

#[derive(Deserialize)]
enum DeleteItem {
    Object(ObjectIdentifier),
    Quiet(bool),
}

impl From<DeleteXml> for Delete {
    fn from(xml: DeleteXml) -> Delete {
        let mut delete = Delete::default();
        for item in xml.items {
            match item {
                DeleteItem::Object(o) => delete.objects.push(o),
                DeleteItem::Quiet(q) => delete.quiet = q,
            }
        }
        delete
    }
}

impl Delete {
    /// S3's rule: 1 to `max` (normally [`MAX_DELETE_OBJECTS`]) objects,
    /// else `MalformedXML`.
    pub fn validate(&self, max: usize) -> Result<(), S3Error> {
        if self.objects.is_empty() || self.objects.len() > max {
            return Err(super::malformed());
        }
        Ok(())
    }
}

/// One key (and version) to delete. `ETag`, `LastModifiedTime` and `Size`
/// are conditions newer SDKs can send; a handler that does not check them
/// must refuse them rather than ignore them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ObjectIdentifier {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "VersionId", default)]
    pub version_id: Option<String>,
    #[serde(rename = "ETag", default, deserialize_with = "etag::opt")]
    pub etag: Option<String>,
    #[serde(rename = "LastModifiedTime", default)]
    pub last_modified_time: Option<Timestamp>,
    #[serde(rename = "Size", default)]
    pub size: Option<u64>,
}

/// DeleteObjects' reply: `Deleted` entries first, then `Error`s.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "DeleteResult")]
pub struct DeleteResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "Deleted")]
    pub deleted: Vec<DeletedObject>,
    #[serde(rename = "Error")]
    pub errors: Vec<DeleteError>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeletedObject {
    #[serde(rename = "Key")]
    pub key: String,
    /// The version deleted, when the request named one.
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Set when a delete marker was created or deleted.
    #[serde(rename = "DeleteMarker", skip_serializing_if = "Option::is_none")]
    pub delete_marker: Option<bool>,
    #[serde(
        rename = "DeleteMarkerVersionId",
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_marker_version_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeleteError {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(rename = "Code")]
    pub code: String,
    #[serde(rename = "Message")]
    pub message: String,
}

impl DeleteError {
    /// The entry for a key that could not be deleted.
    pub fn new(key: String, version_id: Option<String>, err: &S3Error) -> DeleteError {
        DeleteError {
            key,
            version_id,
            code: err.code.as_str().to_owned(),
            message: err.message.clone(),
        }
    }
}

/// CopyObject's reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "CopyObjectResult")]
pub struct CopyObjectResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "ETag", with = "etag")]
    pub etag: String,
    #[serde(rename = "LastModified")]
    pub last_modified: Timestamp,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
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

/// UploadPartCopy's reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "CopyPartResult")]
pub struct CopyPartResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "ETag", with = "etag")]
    pub etag: String,
    #[serde(rename = "LastModified")]
    pub last_modified: Timestamp,
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

/// GetObjectAttributes' reply: only the attributes asked for are present.
///
/// S3 writes the ETag here without quotes, unlike everywhere else.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "GetObjectAttributesResponse")]
pub struct GetObjectAttributesResponse {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "ETag", skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(rename = "Checksum", skip_serializing_if = "Option::is_none")]
    pub checksum: Option<ObjectChecksum>,
    #[serde(rename = "ObjectParts", skip_serializing_if = "Option::is_none")]
    pub object_parts: Option<ObjectParts>,
    #[serde(rename = "StorageClass", skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(rename = "ObjectSize", skip_serializing_if = "Option::is_none")]
    pub object_size: Option<u64>,
}

/// `<Checksum>` of GetObjectAttributes: the stored checksum, one field per
/// algorithm.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ObjectChecksum {
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
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
}

/// `<ObjectParts>` of GetObjectAttributes. Without part checksums S3 gives
/// only the count; with them, a page of parts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ObjectParts {
    #[serde(rename = "PartsCount")]
    pub parts_count: u32,
    #[serde(rename = "PartNumberMarker", skip_serializing_if = "Option::is_none")]
    pub part_number_marker: Option<u32>,
    #[serde(
        rename = "NextPartNumberMarker",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_part_number_marker: Option<u32>,
    #[serde(rename = "MaxParts", skip_serializing_if = "Option::is_none")]
    pub max_parts: Option<u32>,
    #[serde(rename = "IsTruncated", skip_serializing_if = "Option::is_none")]
    pub is_truncated: Option<bool>,
    #[serde(rename = "Part")]
    pub parts: Vec<ObjectPart>,
}

/// One `<Part>` of `<ObjectParts>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ObjectPart {
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
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    #[serde(rename = "Size")]
    pub size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;
    use crate::s3_error;
    use crate::xml::{from_xml, to_xml};

    const T: Timestamp = Timestamp(1_255_369_830_000_000_000);

    fn obj(key: &str, version_id: Option<&str>) -> ObjectIdentifier {
        ObjectIdentifier {
            key: key.into(),
            version_id: version_id.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn parse_delete_as_sdks_send_it() {
        // boto3 (delete_objects): namespace, Objects then Quiet.
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key></Object><Object><Key>b/c &amp; d</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>"#;
        let d: Delete = from_xml(body, 1 << 20).unwrap();
        assert!(d.quiet);
        assert_eq!(d.objects, vec![obj("a", None), obj("b/c & d", Some("v1"))]);
        assert!(d.validate(MAX_DELETE_OBJECTS).is_ok());

        // Hand-written: pretty-printed, Quiet first, then between objects,
        // elements inside Object in any order, keys keep their spaces.
        let body = b"<Delete>\n  <Quiet>false</Quiet>\n  <Object>\n    <VersionId>v2</VersionId>\n    <Key> spaced key </Key>\n  </Object>\n  <Quiet>true</Quiet>\n  <Object><Key>x</Key><ETag>\"abc\"</ETag><Size>3</Size><LastModifiedTime>2009-10-12T17:50:30.000Z</LastModifiedTime></Object>\n</Delete>\n";
        let d: Delete = from_xml(body, 1 << 20).unwrap();
        assert!(d.quiet);
        assert_eq!(
            d.objects,
            vec![
                obj(" spaced key ", Some("v2")),
                ObjectIdentifier {
                    key: "x".into(),
                    etag: Some("abc".into()),
                    size: Some(3),
                    last_modified_time: Some(T),
                    ..Default::default()
                }
            ]
        );
        // A prefixed namespace.
        let body = br#"<s3:Delete xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:Object><s3:Key>k</s3:Key></s3:Object></s3:Delete>"#;
        let d: Delete = from_xml(body, 1 << 20).unwrap();
        assert_eq!(d.objects, vec![obj("k", None)]);
        assert!(!d.quiet);
    }

    #[test]
    fn delete_limits() {
        let d: Delete = from_xml(b"<Delete><Quiet>true</Quiet></Delete>", 1024).unwrap();
        assert_eq!(
            d.validate(MAX_DELETE_OBJECTS).unwrap_err().code,
            S3ErrorCode::MalformedXML
        );
        let body = format!(
            "<Delete>{}</Delete>",
            "<Object><Key>k</Key></Object>".repeat(1001)
        );
        let d: Delete = from_xml(body.as_bytes(), 1 << 20).unwrap();
        assert_eq!(d.objects.len(), 1001);
        assert!(d.validate(MAX_DELETE_OBJECTS).is_err());
        assert!(d.validate(2000).is_ok());
        for bad in [
            "<Delete><Object><VersionId>v</VersionId></Object></Delete>",
            "<Delete><Object><Key>k</Key></Object><Quiet>maybe</Quiet></Delete>",
            "<Delete><Bogus/></Delete>",
            "<Remove><Object><Key>k</Key></Object></Remove><Extra/>",
        ] {
            assert_eq!(
                from_xml::<Delete>(bad.as_bytes(), 1024).unwrap_err().code,
                S3ErrorCode::MalformedXML,
                "{bad}"
            );
        }
    }

    #[test]
    fn delete_result() {
        let doc = DeleteResult {
            deleted: vec![
                DeletedObject {
                    key: "a".into(),
                    ..Default::default()
                },
                DeletedObject {
                    key: "b".into(),
                    version_id: Some("v1".into()),
                    delete_marker: Some(true),
                    delete_marker_version_id: Some("v1".into()),
                },
            ],
            errors: vec![DeleteError::new(
                "c<".into(),
                None,
                &s3_error!(AccessDenied, "Access Denied"),
            )],
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Deleted><Key>a</Key></Deleted>\
             <Deleted><Key>b</Key><VersionId>v1</VersionId><DeleteMarker>true</DeleteMarker>\
             <DeleteMarkerVersionId>v1</DeleteMarkerVersionId></Deleted>\
             <Error><Key>c&lt;</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>\
             </DeleteResult>"
        );
        assert_eq!(
            to_xml(&DeleteResult::default()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"
        );
    }

    #[test]
    fn object_attributes() {
        let doc = GetObjectAttributesResponse {
            etag: Some("abc-3".into()),
            checksum: Some(ObjectChecksum {
                checksum_crc32: Some("AAAAAA==-3".into()),
                checksum_type: Some("COMPOSITE".into()),
                ..Default::default()
            }),
            object_parts: Some(ObjectParts {
                parts_count: 3,
                part_number_marker: Some(1),
                next_part_number_marker: Some(2),
                max_parts: Some(1),
                is_truncated: Some(true),
                parts: vec![ObjectPart {
                    checksum_crc32: Some("AAAAAQ==".into()),
                    part_number: 2,
                    size: 5,
                    ..Default::default()
                }],
            }),
            storage_class: Some("STANDARD".into()),
            object_size: Some(15),
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <GetObjectAttributesResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <ETag>abc-3</ETag>\
             <Checksum><ChecksumCRC32>AAAAAA==-3</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType></Checksum>\
             <ObjectParts><PartsCount>3</PartsCount><PartNumberMarker>1</PartNumberMarker>\
             <NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>1</MaxParts>\
             <IsTruncated>true</IsTruncated>\
             <Part><ChecksumCRC32>AAAAAQ==</ChecksumCRC32><PartNumber>2</PartNumber><Size>5</Size></Part>\
             </ObjectParts>\
             <StorageClass>STANDARD</StorageClass><ObjectSize>15</ObjectSize>\
             </GetObjectAttributesResponse>"
        );
        // Only what was asked for; a part count alone.
        let doc = GetObjectAttributesResponse {
            object_parts: Some(ObjectParts {
                parts_count: 2,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <GetObjectAttributesResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <ObjectParts><PartsCount>2</PartsCount></ObjectParts>\
             </GetObjectAttributesResponse>"
        );
    }

    #[test]
    fn copy_results() {
        let doc = CopyObjectResult {
            etag: "9b2cf535f27731c974343645a3985328".into(),
            last_modified: T,
            checksum_crc32: Some("AAAAAA==".into()),
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <CopyObjectResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <ETag>\"9b2cf535f27731c974343645a3985328\"</ETag>\
             <LastModified>2009-10-12T17:50:30.000Z</LastModified>\
             <ChecksumCRC32>AAAAAA==</ChecksumCRC32></CopyObjectResult>"
        );
        let doc = CopyPartResult {
            etag: "abc".into(),
            last_modified: T,
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <CopyPartResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <ETag>\"abc\"</ETag><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
             </CopyPartResult>"
        );
    }
}
