//! Listing replies: ListObjects (v1) and ListObjectsV2, which share the
//! `ListBucketResult` document, and ListObjectVersions.

use serde::Serialize;

use super::{Owner, Timestamp, Xmlns, etag};

/// The reply of ListObjects (v1) and ListObjectsV2. Fields of the other
/// version stay `None`: v1 sets `marker` (always, possibly empty) and
/// `next_marker`; v2 sets `key_count` and the continuation fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "ListBucketResult")]
pub struct ListBucketResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Prefix")]
    pub prefix: String,
    #[serde(rename = "Marker", skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    #[serde(rename = "NextMarker", skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    #[serde(rename = "ContinuationToken", skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    #[serde(
        rename = "NextContinuationToken",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_continuation_token: Option<String>,
    #[serde(rename = "StartAfter", skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    #[serde(rename = "KeyCount", skip_serializing_if = "Option::is_none")]
    pub key_count: Option<u64>,
    #[serde(rename = "MaxKeys")]
    pub max_keys: u32,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    /// `url` when the request asked for it; keys, prefixes, markers and the
    /// delimiter are then URL-encoded by the handler.
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    #[serde(rename = "Contents")]
    pub contents: Vec<ListEntry>,
    #[serde(rename = "CommonPrefixes")]
    pub common_prefixes: Vec<CommonPrefix>,
}

/// One object in a listing (`<Contents>`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ListEntry {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "LastModified")]
    pub last_modified: Timestamp,
    #[serde(rename = "ETag", with = "etag")]
    pub etag: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    #[serde(rename = "Size")]
    pub size: u64,
    /// Present in v1 always and in v2 with `fetch-owner=true`.
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
}

/// A key prefix rolled up at the delimiter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommonPrefix {
    #[serde(rename = "Prefix")]
    pub prefix: String,
}

/// ListObjectVersions' reply. Versions and delete markers are one list in
/// key order, newest first within a key, written as sibling `<Version>` and
/// `<DeleteMarker>` elements in that order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename = "ListVersionsResult")]
pub struct ListVersionsResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Prefix")]
    pub prefix: String,
    #[serde(rename = "KeyMarker")]
    pub key_marker: String,
    #[serde(rename = "VersionIdMarker")]
    pub version_id_marker: String,
    #[serde(rename = "NextKeyMarker", skip_serializing_if = "Option::is_none")]
    pub next_key_marker: Option<String>,
    #[serde(
        rename = "NextVersionIdMarker",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_version_id_marker: Option<String>,
    #[serde(rename = "MaxKeys")]
    pub max_keys: u32,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    #[serde(rename = "$value")]
    pub entries: Vec<VersionEntry>,
    #[serde(rename = "CommonPrefixes")]
    pub common_prefixes: Vec<CommonPrefix>,
}

/// One entry of ListObjectVersions; the variant names the element.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum VersionEntry {
    Version(ObjectVersion),
    DeleteMarker(DeleteMarkerEntry),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ObjectVersion {
    #[serde(rename = "Key")]
    pub key: String,
    /// `null` for a version written while the bucket was unversioned.
    #[serde(rename = "VersionId")]
    pub version_id: String,
    #[serde(rename = "IsLatest")]
    pub is_latest: bool,
    #[serde(rename = "LastModified")]
    pub last_modified: Timestamp,
    #[serde(rename = "ETag", with = "etag")]
    pub etag: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    #[serde(rename = "Size")]
    pub size: u64,
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeleteMarkerEntry {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "VersionId")]
    pub version_id: String,
    #[serde(rename = "IsLatest")]
    pub is_latest: bool,
    #[serde(rename = "LastModified")]
    pub last_modified: Timestamp,
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::to_xml;

    const T: Timestamp = Timestamp(1_255_369_830_000_000_000);

    fn owner() -> Option<Owner> {
        Some(Owner {
            id: "abc".into(),
            display_name: None,
        })
    }

    #[test]
    fn list_objects_v1() {
        let doc = ListBucketResult {
            name: "bucket".into(),
            prefix: "".into(),
            marker: Some("".into()),
            next_marker: Some("b/".into()),
            max_keys: 1000,
            delimiter: Some("/".into()),
            is_truncated: true,
            contents: vec![ListEntry {
                key: "a & b".into(),
                last_modified: T,
                etag: "9b2cf535f27731c974343645a3985328".into(),
                size: 434_234,
                owner: owner(),
                storage_class: "STANDARD".into(),
                ..Default::default()
            }],
            common_prefixes: vec![CommonPrefix {
                prefix: "b/".into(),
            }],
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Name>bucket</Name><Prefix/><Marker/><NextMarker>b/</NextMarker>\
             <MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>\
             <Contents><Key>a &amp; b</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
             <ETag>\"9b2cf535f27731c974343645a3985328\"</ETag><Size>434234</Size>\
             <Owner><ID>abc</ID></Owner><StorageClass>STANDARD</StorageClass></Contents>\
             <CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes>\
             </ListBucketResult>"
        );
    }

    #[test]
    fn list_objects_v2() {
        let doc = ListBucketResult {
            name: "bucket".into(),
            prefix: "photos/".into(),
            continuation_token: Some("tok".into()),
            next_continuation_token: Some("next".into()),
            start_after: Some("photos/a".into()),
            key_count: Some(2),
            max_keys: 2,
            is_truncated: true,
            encoding_type: Some("url".into()),
            contents: vec![
                ListEntry {
                    key: "photos/b%20c".into(),
                    last_modified: T,
                    etag: "e-2".into(),
                    size: 1,
                    storage_class: "STANDARD".into(),
                    checksum_algorithm: Some("CRC32".into()),
                    checksum_type: Some("FULL_OBJECT".into()),
                    ..Default::default()
                },
                ListEntry {
                    key: "photos/d".into(),
                    last_modified: T,
                    etag: "\"already-quoted\"".into(),
                    size: 0,
                    storage_class: "STANDARD".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Name>bucket</Name><Prefix>photos/</Prefix>\
             <ContinuationToken>tok</ContinuationToken><NextContinuationToken>next</NextContinuationToken>\
             <StartAfter>photos/a</StartAfter><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>\
             <IsTruncated>true</IsTruncated><EncodingType>url</EncodingType>\
             <Contents><Key>photos/b%20c</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
             <ETag>\"e-2\"</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm>\
             <ChecksumType>FULL_OBJECT</ChecksumType><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>\
             <Contents><Key>photos/d</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
             <ETag>\"already-quoted\"</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents>\
             </ListBucketResult>"
        );
        let empty = ListBucketResult {
            name: "b".into(),
            key_count: Some(0),
            max_keys: 1000,
            ..Default::default()
        };
        assert_eq!(
            to_xml(&empty),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Name>b</Name><Prefix/><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>\
             <IsTruncated>false</IsTruncated></ListBucketResult>"
        );
    }

    #[test]
    fn list_versions_keeps_order() {
        let version = |key: &str, id: &str, latest: bool| {
            VersionEntry::Version(ObjectVersion {
                key: key.into(),
                version_id: id.into(),
                is_latest: latest,
                last_modified: T,
                etag: "e".into(),
                size: 3,
                owner: owner(),
                storage_class: "STANDARD".into(),
                ..Default::default()
            })
        };
        let marker = |key: &str, id: &str, latest: bool| {
            VersionEntry::DeleteMarker(DeleteMarkerEntry {
                key: key.into(),
                version_id: id.into(),
                is_latest: latest,
                last_modified: T,
                owner: owner(),
            })
        };
        let doc = ListVersionsResult {
            name: "bucket".into(),
            max_keys: 1000,
            next_key_marker: Some("b".into()),
            next_version_id_marker: Some("v5".into()),
            is_truncated: true,
            entries: vec![
                marker("a", "v3", true),
                version("a", "v2", false),
                marker("a", "v1", false),
                version("b", "null", true),
            ],
            common_prefixes: vec![CommonPrefix {
                prefix: "d/".into(),
            }],
            ..Default::default()
        };
        let owner = "<Owner><ID>abc</ID></Owner>";
        let lm = "<LastModified>2009-10-12T17:50:30.000Z</LastModified>";
        assert_eq!(
            to_xml(&doc),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <ListVersionsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <Name>bucket</Name><Prefix/><KeyMarker/><VersionIdMarker/>\
                 <NextKeyMarker>b</NextKeyMarker><NextVersionIdMarker>v5</NextVersionIdMarker>\
                 <MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>\
                 <DeleteMarker><Key>a</Key><VersionId>v3</VersionId><IsLatest>true</IsLatest>{lm}{owner}</DeleteMarker>\
                 <Version><Key>a</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest>{lm}\
                 <ETag>\"e\"</ETag><Size>3</Size>{owner}<StorageClass>STANDARD</StorageClass></Version>\
                 <DeleteMarker><Key>a</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest>{lm}{owner}</DeleteMarker>\
                 <Version><Key>b</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>{lm}\
                 <ETag>\"e\"</ETag><Size>3</Size>{owner}<StorageClass>STANDARD</StorageClass></Version>\
                 <CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes>\
                 </ListVersionsResult>"
            )
        );
    }
}
