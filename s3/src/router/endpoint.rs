//! The [`Endpoint`] enum: one variant per S3 operation, named exactly
//! after it, with the bucket, key and parsed query arguments it needs.

use super::query::{Query, percent_decode};
use crate::error::S3Error;
use crate::s3_error;

/// The highest part number S3 accepts.
pub const MAX_PART_NUMBER: u32 = 10_000;

/// An S3 request, named after the operation, with the bucket, key and the
/// query parameters that operation reads.
///
/// List parameters are passed through as sent, except that an absent
/// `prefix` is the empty string and an empty `delimiter` or marker is
/// `None` (S3 treats both the same). Defaults and caps (`max-keys` ≤ 1000)
/// are the handler's, so that they stay configurable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    // Service.
    ListBuckets {
        prefix: String,
        max_buckets: Option<u32>,
        continuation_token: Option<String>,
        bucket_region: Option<String>,
    },

    // Buckets.
    CreateBucket {
        bucket: String,
    },
    DeleteBucket {
        bucket: String,
    },
    HeadBucket {
        bucket: String,
    },
    GetBucketLocation {
        bucket: String,
    },
    GetBucketVersioning {
        bucket: String,
    },
    PutBucketVersioning {
        bucket: String,
    },
    ListObjects {
        bucket: String,
        prefix: String,
        delimiter: Option<String>,
        marker: Option<String>,
        max_keys: Option<u32>,
        /// `encoding-type=url`: keys in the reply are URL-encoded.
        url_encoding: bool,
    },
    ListObjectsV2 {
        bucket: String,
        prefix: String,
        delimiter: Option<String>,
        /// Passed through even when empty: S3 refuses an empty token.
        continuation_token: Option<String>,
        start_after: Option<String>,
        max_keys: Option<u32>,
        fetch_owner: bool,
        url_encoding: bool,
    },
    ListObjectVersions {
        bucket: String,
        prefix: String,
        delimiter: Option<String>,
        key_marker: Option<String>,
        version_id_marker: Option<String>,
        max_keys: Option<u32>,
        url_encoding: bool,
    },
    ListMultipartUploads {
        bucket: String,
        prefix: String,
        delimiter: Option<String>,
        key_marker: Option<String>,
        upload_id_marker: Option<String>,
        max_uploads: Option<u32>,
        url_encoding: bool,
    },
    DeleteObjects {
        bucket: String,
    },
    GetBucketTagging {
        bucket: String,
    },
    PutBucketTagging {
        bucket: String,
    },
    DeleteBucketTagging {
        bucket: String,
    },
    GetBucketAcl {
        bucket: String,
    },
    PutBucketAcl {
        bucket: String,
    },
    GetBucketLifecycleConfiguration {
        bucket: String,
    },
    PutBucketLifecycleConfiguration {
        bucket: String,
    },
    DeleteBucketLifecycle {
        bucket: String,
    },
    GetBucketCors {
        bucket: String,
    },
    PutBucketCors {
        bucket: String,
    },
    DeleteBucketCors {
        bucket: String,
    },

    // Objects.
    /// A browser upload: `POST /bucket` with a multipart/form-data body.
    PostObject {
        bucket: String,
    },
    PutObject {
        bucket: String,
        key: String,
    },
    CopyObject {
        bucket: String,
        key: String,
        source: CopySource,
    },
    GetObject {
        bucket: String,
        key: String,
        version_id: Option<String>,
        part_number: Option<u32>,
        overrides: ResponseOverrides,
    },
    HeadObject {
        bucket: String,
        key: String,
        version_id: Option<String>,
        part_number: Option<u32>,
        overrides: ResponseOverrides,
    },
    DeleteObject {
        bucket: String,
        key: String,
        version_id: Option<String>,
    },
    CreateMultipartUpload {
        bucket: String,
        key: String,
    },
    UploadPart {
        bucket: String,
        key: String,
        part_number: u32,
        upload_id: String,
    },
    UploadPartCopy {
        bucket: String,
        key: String,
        part_number: u32,
        upload_id: String,
        source: CopySource,
    },
    CompleteMultipartUpload {
        bucket: String,
        key: String,
        upload_id: String,
    },
    AbortMultipartUpload {
        bucket: String,
        key: String,
        upload_id: String,
    },
    ListParts {
        bucket: String,
        key: String,
        upload_id: String,
        max_parts: Option<u32>,
        part_number_marker: Option<u32>,
    },
    GetObjectTagging {
        bucket: String,
        key: String,
        version_id: Option<String>,
    },
    PutObjectTagging {
        bucket: String,
        key: String,
        version_id: Option<String>,
    },
    DeleteObjectTagging {
        bucket: String,
        key: String,
        version_id: Option<String>,
    },
    GetObjectAcl {
        bucket: String,
        key: String,
        version_id: Option<String>,
    },
    /// `GET /bucket/key?attributes`: what `x-amz-object-attributes` names.
    GetObjectAttributes {
        bucket: String,
        key: String,
        version_id: Option<String>,
    },
    PutObjectAcl {
        bucket: String,
        key: String,
        version_id: Option<String>,
    },

    /// A CORS preflight (`OPTIONS`) on any path; the bucket's CORS rules
    /// decide the answer.
    Options {
        bucket: Option<String>,
        key: Option<String>,
    },
}

/// The `response-*` query parameters of GetObject and HeadObject, which
/// override headers of the reply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseOverrides {
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub content_type: Option<String>,
    pub expires: Option<String>,
}

impl ResponseOverrides {
    pub(super) fn from_query(q: &Query) -> ResponseOverrides {
        let get = |name| q.get(name).map(str::to_owned);
        ResponseOverrides {
            cache_control: get("response-cache-control"),
            content_disposition: get("response-content-disposition"),
            content_encoding: get("response-content-encoding"),
            content_language: get("response-content-language"),
            content_type: get("response-content-type"),
            expires: get("response-expires"),
        }
    }

    /// Whether any override was given (S3 refuses them on anonymous
    /// requests).
    pub fn is_empty(&self) -> bool {
        *self == ResponseOverrides::default()
    }

    /// The overrides as (header name, value) pairs.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("cache-control", &self.cache_control),
            ("content-disposition", &self.content_disposition),
            ("content-encoding", &self.content_encoding),
            ("content-language", &self.content_language),
            ("content-type", &self.content_type),
            ("expires", &self.expires),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
    }
}

/// The object named by `x-amz-copy-source`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopySource {
    pub bucket: String,
    pub key: String,
    pub version_id: Option<String>,
}

impl CopySource {
    /// Parses `[/]bucket/key[?versionId=id]`, where bucket and key are
    /// percent-encoded (raw UTF-8 bytes, which some clients send, are
    /// accepted too). An unencoded `?` starts the query, as in S3.
    pub fn parse(value: &[u8]) -> Result<CopySource, S3Error> {
        let bad = || {
            s3_error!(
                InvalidArgument,
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"
            )
            .with_field("ArgumentName", "x-amz-copy-source")
        };
        let value = value.strip_prefix(b"/").unwrap_or(value);
        let (path, query) = match value.iter().position(|&b| b == b'?') {
            Some(i) => (&value[..i], Some(&value[i + 1..])),
            None => (value, None),
        };
        let slash = path.iter().position(|&b| b == b'/').ok_or_else(bad)?;
        let bucket = percent_decode(&path[..slash])?;
        let key = percent_decode(&path[slash + 1..])?;
        if bucket.is_empty() || key.is_empty() {
            return Err(bad());
        }
        let mut version_id = None;
        if let Some(query) = query {
            let query = std::str::from_utf8(query).map_err(|_| bad())?;
            for (name, value) in Query::parse(Some(query))?.iter() {
                match name {
                    "versionId" if !value.is_empty() => version_id = Some(value.to_owned()),
                    "versionId" => {
                        return Err(s3_error!(
                            InvalidArgument,
                            "Version id cannot be the empty string"
                        ));
                    }
                    _ => return Err(bad()),
                }
            }
        }
        Ok(CopySource {
            bucket,
            key,
            version_id,
        })
    }
}

impl Endpoint {
    /// The S3 operation's name, for logs and metrics.
    pub fn name(&self) -> &'static str {
        use Endpoint::*;
        match self {
            ListBuckets { .. } => "ListBuckets",
            CreateBucket { .. } => "CreateBucket",
            DeleteBucket { .. } => "DeleteBucket",
            HeadBucket { .. } => "HeadBucket",
            GetBucketLocation { .. } => "GetBucketLocation",
            GetBucketVersioning { .. } => "GetBucketVersioning",
            PutBucketVersioning { .. } => "PutBucketVersioning",
            ListObjects { .. } => "ListObjects",
            ListObjectsV2 { .. } => "ListObjectsV2",
            ListObjectVersions { .. } => "ListObjectVersions",
            ListMultipartUploads { .. } => "ListMultipartUploads",
            DeleteObjects { .. } => "DeleteObjects",
            GetBucketTagging { .. } => "GetBucketTagging",
            PutBucketTagging { .. } => "PutBucketTagging",
            DeleteBucketTagging { .. } => "DeleteBucketTagging",
            GetBucketAcl { .. } => "GetBucketAcl",
            PutBucketAcl { .. } => "PutBucketAcl",
            GetBucketLifecycleConfiguration { .. } => "GetBucketLifecycleConfiguration",
            PutBucketLifecycleConfiguration { .. } => "PutBucketLifecycleConfiguration",
            DeleteBucketLifecycle { .. } => "DeleteBucketLifecycle",
            GetBucketCors { .. } => "GetBucketCors",
            PutBucketCors { .. } => "PutBucketCors",
            DeleteBucketCors { .. } => "DeleteBucketCors",
            PostObject { .. } => "PostObject",
            PutObject { .. } => "PutObject",
            CopyObject { .. } => "CopyObject",
            GetObject { .. } => "GetObject",
            HeadObject { .. } => "HeadObject",
            DeleteObject { .. } => "DeleteObject",
            CreateMultipartUpload { .. } => "CreateMultipartUpload",
            UploadPart { .. } => "UploadPart",
            UploadPartCopy { .. } => "UploadPartCopy",
            CompleteMultipartUpload { .. } => "CompleteMultipartUpload",
            AbortMultipartUpload { .. } => "AbortMultipartUpload",
            ListParts { .. } => "ListParts",
            GetObjectTagging { .. } => "GetObjectTagging",
            PutObjectTagging { .. } => "PutObjectTagging",
            DeleteObjectTagging { .. } => "DeleteObjectTagging",
            GetObjectAcl { .. } => "GetObjectAcl",
            GetObjectAttributes { .. } => "GetObjectAttributes",
            PutObjectAcl { .. } => "PutObjectAcl",
            Options { .. } => "Options",
        }
    }

    /// The bucket the request is about, if any.
    pub fn bucket(&self) -> Option<&str> {
        use Endpoint::*;
        match self {
            ListBuckets { .. } => None,
            Options { bucket, .. } => bucket.as_deref(),
            CreateBucket { bucket }
            | DeleteBucket { bucket }
            | HeadBucket { bucket }
            | GetBucketLocation { bucket }
            | GetBucketVersioning { bucket }
            | PutBucketVersioning { bucket }
            | ListObjects { bucket, .. }
            | ListObjectsV2 { bucket, .. }
            | ListObjectVersions { bucket, .. }
            | ListMultipartUploads { bucket, .. }
            | DeleteObjects { bucket }
            | GetBucketTagging { bucket }
            | PutBucketTagging { bucket }
            | DeleteBucketTagging { bucket }
            | GetBucketAcl { bucket }
            | PutBucketAcl { bucket }
            | GetBucketLifecycleConfiguration { bucket }
            | PutBucketLifecycleConfiguration { bucket }
            | DeleteBucketLifecycle { bucket }
            | GetBucketCors { bucket }
            | PutBucketCors { bucket }
            | DeleteBucketCors { bucket }
            | PostObject { bucket }
            | PutObject { bucket, .. }
            | CopyObject { bucket, .. }
            | GetObject { bucket, .. }
            | HeadObject { bucket, .. }
            | DeleteObject { bucket, .. }
            | CreateMultipartUpload { bucket, .. }
            | UploadPart { bucket, .. }
            | UploadPartCopy { bucket, .. }
            | CompleteMultipartUpload { bucket, .. }
            | AbortMultipartUpload { bucket, .. }
            | ListParts { bucket, .. }
            | GetObjectTagging { bucket, .. }
            | PutObjectTagging { bucket, .. }
            | DeleteObjectTagging { bucket, .. }
            | GetObjectAcl { bucket, .. }
            | GetObjectAttributes { bucket, .. } => Some(bucket),
            PutObjectAcl { bucket, .. } => Some(bucket),
        }
    }

    /// The object key the request is about, if any.
    pub fn key(&self) -> Option<&str> {
        use Endpoint::*;
        match self {
            Options { key, .. } => key.as_deref(),
            PutObject { key, .. }
            | CopyObject { key, .. }
            | GetObject { key, .. }
            | HeadObject { key, .. }
            | DeleteObject { key, .. }
            | CreateMultipartUpload { key, .. }
            | UploadPart { key, .. }
            | UploadPartCopy { key, .. }
            | CompleteMultipartUpload { key, .. }
            | AbortMultipartUpload { key, .. }
            | ListParts { key, .. }
            | GetObjectTagging { key, .. }
            | PutObjectTagging { key, .. }
            | DeleteObjectTagging { key, .. }
            | GetObjectAcl { key, .. }
            | GetObjectAttributes { key, .. } => Some(key),
            PutObjectAcl { key, .. } => Some(key),
            _ => None,
        }
    }
}
