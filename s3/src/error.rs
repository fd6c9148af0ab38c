//! S3 errors: a code that knows its HTTP status, a message, and the XML
//! document S3 clients expect.
//!
//! Handlers return [`S3Error`]; the server turns it into a response with
//! [`S3Error::to_xml`]. The cause of an internal error is logged, never sent
//! to the client.

use std::fmt;

use alexander_store::Error as StoreError;
use http::StatusCode;

/// S3's error codes, each with its HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum S3ErrorCode {
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    BadDigest,
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    /// A conditional write lost to a write that came in while it ran.
    ConditionalRequestConflict,
    EntityTooLarge,
    EntityTooSmall,
    ExpiredToken,
    IllegalLocationConstraintException,
    IllegalVersioningConfigurationException,
    IncompleteBody,
    InternalError,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidBucketName,
    InvalidDigest,
    InvalidObjectState,
    InvalidPart,
    InvalidPartNumber,
    InvalidPartOrder,
    InvalidPolicyDocument,
    InvalidRange,
    InvalidRequest,
    InvalidStorageClass,
    InvalidTag,
    KeyTooLongError,
    IncorrectNumberOfFilesInPostRequest,
    MalformedACLError,
    MalformedPOSTRequest,
    MalformedXML,
    MaxPostPreDataLengthExceededError,
    MaxMessageLengthExceeded,
    MetadataTooLarge,
    MethodNotAllowed,
    MissingContentLength,
    MissingRequestBodyError,
    MissingSecurityHeader,
    NoSuchBucket,
    NoSuchCORSConfiguration,
    NoSuchKey,
    NoSuchLifecycleConfiguration,
    NoSuchTagSet,
    NoSuchUpload,
    NoSuchVersion,
    NotImplemented,
    PreconditionFailed,
    RequestHeaderSectionTooLarge,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    SlowDown,
    /// The disk under the store is full (MinIO's `XMinioStorageFull`; S3
    /// itself never runs out). 507, which SDKs do not retry.
    StorageFull,
    TooManyParts,
    UnexpectedContent,
    XAmzContentSHA256Mismatch,
    NotModified,
}

impl S3ErrorCode {
    /// The code as S3 spells it in `<Code>`.
    pub fn as_str(self) -> &'static str {
        use S3ErrorCode::*;
        match self {
            AccessDenied => "AccessDenied",
            AuthorizationHeaderMalformed => "AuthorizationHeaderMalformed",
            AuthorizationQueryParametersError => "AuthorizationQueryParametersError",
            BadDigest => "BadDigest",
            BucketAlreadyExists => "BucketAlreadyExists",
            BucketAlreadyOwnedByYou => "BucketAlreadyOwnedByYou",
            BucketNotEmpty => "BucketNotEmpty",
            ConditionalRequestConflict => "ConditionalRequestConflict",
            EntityTooLarge => "EntityTooLarge",
            EntityTooSmall => "EntityTooSmall",
            ExpiredToken => "ExpiredToken",
            IllegalLocationConstraintException => "IllegalLocationConstraintException",
            IllegalVersioningConfigurationException => "IllegalVersioningConfigurationException",
            IncompleteBody => "IncompleteBody",
            InternalError => "InternalError",
            InvalidAccessKeyId => "InvalidAccessKeyId",
            InvalidArgument => "InvalidArgument",
            InvalidBucketName => "InvalidBucketName",
            InvalidDigest => "InvalidDigest",
            InvalidObjectState => "InvalidObjectState",
            InvalidPart => "InvalidPart",
            InvalidPartNumber => "InvalidPartNumber",
            InvalidPartOrder => "InvalidPartOrder",
            InvalidPolicyDocument => "InvalidPolicyDocument",
            InvalidRange => "InvalidRange",
            InvalidRequest => "InvalidRequest",
            InvalidStorageClass => "InvalidStorageClass",
            InvalidTag => "InvalidTag",
            KeyTooLongError => "KeyTooLongError",
            MalformedACLError => "MalformedACLError",
            IncorrectNumberOfFilesInPostRequest => "IncorrectNumberOfFilesInPostRequest",
            MalformedPOSTRequest => "MalformedPOSTRequest",
            MalformedXML => "MalformedXML",
            MaxPostPreDataLengthExceededError => "MaxPostPreDataLengthExceededError",
            MaxMessageLengthExceeded => "MaxMessageLengthExceeded",
            MetadataTooLarge => "MetadataTooLarge",
            MethodNotAllowed => "MethodNotAllowed",
            MissingContentLength => "MissingContentLength",
            MissingRequestBodyError => "MissingRequestBodyError",
            MissingSecurityHeader => "MissingSecurityHeader",
            NoSuchBucket => "NoSuchBucket",
            NoSuchCORSConfiguration => "NoSuchCORSConfiguration",
            NoSuchKey => "NoSuchKey",
            NoSuchLifecycleConfiguration => "NoSuchLifecycleConfiguration",
            NoSuchTagSet => "NoSuchTagSet",
            NoSuchUpload => "NoSuchUpload",
            NoSuchVersion => "NoSuchVersion",
            NotImplemented => "NotImplemented",
            PreconditionFailed => "PreconditionFailed",
            RequestHeaderSectionTooLarge => "RequestHeaderSectionTooLarge",
            RequestTimeTooSkewed => "RequestTimeTooSkewed",
            SignatureDoesNotMatch => "SignatureDoesNotMatch",
            SlowDown => "SlowDown",
            StorageFull => "XAlexanderStorageFull",
            TooManyParts => "TooManyParts",
            UnexpectedContent => "UnexpectedContent",
            XAmzContentSHA256Mismatch => "XAmzContentSHA256Mismatch",
            NotModified => "NotModified",
        }
    }

    /// The HTTP status S3 answers this code with.
    pub fn status(self) -> StatusCode {
        use S3ErrorCode::*;
        match self {
            AccessDenied
            | InvalidAccessKeyId
            | SignatureDoesNotMatch
            | RequestTimeTooSkewed
            | InvalidObjectState => StatusCode::FORBIDDEN,
            ExpiredToken
            | AuthorizationHeaderMalformed
            | AuthorizationQueryParametersError
            | BadDigest
            | EntityTooLarge
            | EntityTooSmall
            | IllegalLocationConstraintException
            | IllegalVersioningConfigurationException
            | IncompleteBody
            | InvalidArgument
            | InvalidBucketName
            | InvalidDigest
            | InvalidPart
            | InvalidPartOrder
            | InvalidPolicyDocument
            | InvalidRequest
            | InvalidStorageClass
            | InvalidTag
            | KeyTooLongError
            | IncorrectNumberOfFilesInPostRequest
            | MalformedACLError
            | MalformedPOSTRequest
            | MalformedXML
            | MaxPostPreDataLengthExceededError
            | MaxMessageLengthExceeded
            | MetadataTooLarge
            | MissingRequestBodyError
            | MissingSecurityHeader
            | RequestHeaderSectionTooLarge
            | TooManyParts
            | UnexpectedContent
            | XAmzContentSHA256Mismatch => StatusCode::BAD_REQUEST,
            BucketAlreadyExists
            | BucketAlreadyOwnedByYou
            | BucketNotEmpty
            | ConditionalRequestConflict => StatusCode::CONFLICT,
            MissingContentLength => StatusCode::LENGTH_REQUIRED,
            NoSuchBucket
            | NoSuchCORSConfiguration
            | NoSuchKey
            | NoSuchLifecycleConfiguration
            | NoSuchTagSet
            | NoSuchUpload
            | NoSuchVersion => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            InvalidRange | InvalidPartNumber => StatusCode::RANGE_NOT_SATISFIABLE,
            NotImplemented => StatusCode::NOT_IMPLEMENTED,
            SlowDown => StatusCode::SERVICE_UNAVAILABLE,
            StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            NotModified => StatusCode::NOT_MODIFIED,
        }
    }
}

impl fmt::Display for S3ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answered to an S3 client.
#[derive(Debug)]
pub struct S3Error {
    pub code: S3ErrorCode,
    pub message: String,
    /// The bucket or key the error is about, for `<Resource>`.
    pub resource: Option<String>,
    /// Extra response headers (`Content-Range` on `InvalidRange`,
    /// `x-amz-delete-marker` on a delete marker, …).
    pub headers: Vec<(&'static str, String)>,
    /// Extra XML elements (`<Key>`, `<BucketName>`, `<ServerTime>`, …).
    pub fields: Vec<(&'static str, String)>,
}

impl S3Error {
    pub fn new(code: S3ErrorCode, message: impl Into<String>) -> S3Error {
        S3Error {
            code,
            message: message.into(),
            resource: None,
            headers: Vec::new(),
            fields: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> S3Error {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_field(mut self, name: &'static str, value: impl Into<String>) -> S3Error {
        self.fields.push((name, value.into()));
        self
    }

    pub fn with_resource(mut self, resource: impl Into<String>) -> S3Error {
        self.resource = Some(resource.into());
        self
    }

    /// An internal error: the cause is logged here, with the caller's
    /// location, and not sent to the client.
    #[track_caller]
    pub fn internal(cause: impl fmt::Display) -> S3Error {
        let at = std::panic::Location::caller();
        tracing::error!(%at, "internal error: {cause}");
        S3Error::new(
            S3ErrorCode::InternalError,
            "We encountered an internal error. Please try again.",
        )
    }

    /// The XML error document.
    pub fn to_xml(&self, request_id: &str) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
        out.push_str(self.code.as_str());
        out.push_str("</Code><Message>");
        escape_into(&mut out, &self.message);
        out.push_str("</Message>");
        for (name, value) in &self.fields {
            out.push('<');
            out.push_str(name);
            out.push('>');
            escape_into(&mut out, value);
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        if let Some(r) = &self.resource {
            out.push_str("<Resource>");
            escape_into(&mut out, r);
            out.push_str("</Resource>");
        }
        out.push_str("<RequestId>");
        escape_into(&mut out, request_id);
        out.push_str("</RequestId></Error>");
        out
    }
}

impl fmt::Display for S3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for S3Error {}

/// Escapes text for an XML element.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// Builds an [`S3Error`] from a code and an optional message.
#[macro_export]
macro_rules! s3_error {
    ($code:ident) => {
        $crate::error::S3Error::new($crate::error::S3ErrorCode::$code, stringify!($code))
    };
    ($code:ident, $($arg:tt)+) => {
        $crate::error::S3Error::new($crate::error::S3ErrorCode::$code, format!($($arg)+))
    };
}

impl From<StoreError> for S3Error {
    #[track_caller]
    fn from(e: StoreError) -> S3Error {
        use S3ErrorCode as C;
        let msg = e.to_string();
        match e {
            StoreError::InvalidBucketName { name, .. } => {
                S3Error::new(C::InvalidBucketName, msg).with_field("BucketName", name)
            }
            StoreError::InvalidKey { reason } if reason.contains("1024") => {
                S3Error::new(C::KeyTooLongError, "Your key is too long")
            }
            StoreError::InvalidKey { .. } => S3Error::new(C::InvalidArgument, msg),
            StoreError::InvalidArgument(m) => S3Error::new(C::InvalidArgument, m),
            // The bucket keeps the path rule: the key could not be shown in
            // the mount, so it is refused rather than stored out of sight.
            StoreError::KeyNotPath { key, .. } | StoreError::KeyConflict { key, .. } => {
                S3Error::new(C::InvalidArgument, msg)
                    .with_field("ArgumentName", "key")
                    .with_field("ArgumentValue", key)
            }
            StoreError::NoSuchBucket(b) => S3Error::new(C::NoSuchBucket, "The specified bucket does not exist")
                .with_field("BucketName", b),
            StoreError::BucketAlreadyExists(b) => S3Error::new(
                C::BucketAlreadyOwnedByYou,
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .with_field("BucketName", b),
            StoreError::BucketNotEmpty(b) => {
                S3Error::new(C::BucketNotEmpty, "The bucket you tried to delete is not empty")
                    .with_field("BucketName", b)
            }
            StoreError::NoSuchKey { key, delete_marker } => {
                let mut err = S3Error::new(C::NoSuchKey, "The specified key does not exist.")
                    .with_field("Key", key);
                if let Some(id) = delete_marker {
                    err = err
                        .with_header("x-amz-delete-marker", "true")
                        .with_header("x-amz-version-id", id);
                }
                err
            }
            StoreError::NoSuchVersion { key, version_id } => {
                S3Error::new(C::NoSuchVersion, "The specified version does not exist.")
                    .with_field("Key", key)
                    .with_field("VersionId", version_id)
            }
            StoreError::VersionIsDeleteMarker { version_id, .. } => S3Error::new(
                C::MethodNotAllowed,
                "The specified method is not allowed against this resource.",
            )
            .with_header("x-amz-delete-marker", "true")
            .with_header("x-amz-version-id", version_id)
            .with_header("allow", "DELETE"),
            StoreError::InvalidRange { size } => {
                S3Error::new(C::InvalidRange, "The requested range is not satisfiable")
                    .with_header("content-range", format!("bytes */{size}"))
                    .with_field("ActualObjectSize", size.to_string())
            }
            StoreError::NoSuchUpload(id) => S3Error::new(
                C::NoSuchUpload,
                "The specified multipart upload does not exist.",
            )
            .with_field("UploadId", id),
            StoreError::InvalidPart { part_number } => S3Error::new(
                C::InvalidPart,
                format!("Part {part_number} could not be found or its ETag does not match."),
            ),
            StoreError::InvalidPartOrder => S3Error::new(
                C::InvalidPartOrder,
                "The list of parts was not in ascending order.",
            ),
            StoreError::EntityTooSmall { part_number } => S3Error::new(
                C::EntityTooSmall,
                format!("Part {part_number} is smaller than the minimum allowed size."),
            ),
            StoreError::PreconditionFailed => S3Error::new(
                C::PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold",
            ),
            StoreError::ConditionalConflict => S3Error::new(
                C::ConditionalRequestConflict,
                "A conflicting conditional operation is currently in progress against this resource. Please try again.",
            ),
            StoreError::AlreadyExists(k) => S3Error::new(C::PreconditionFailed, format!("{k} already exists")),
            StoreError::NoSuchSnapshot(name) => {
                S3Error::new(C::NoSuchKey, format!("no snapshot named {name:?}"))
            }
            StoreError::SnapshotAlreadyExists(name) => {
                S3Error::new(C::InvalidRequest, format!("snapshot {name:?} already exists"))
            }
            StoreError::InvalidSnapshotName(name) => {
                S3Error::new(C::InvalidArgument, format!("invalid snapshot name {name:?}"))
            }
            StoreError::InvalidVersioningTransition => S3Error::new(
                C::IllegalVersioningConfigurationException,
                "A versioned bucket can only be suspended.",
            ),
            StoreError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => S3Error::new(
                C::StorageFull,
                "Storage is full: the write was not stored. Free space (delete, then gc) and retry.",
            ),
            other @ (StoreError::Corrupt { .. }
            | StoreError::BadRecord(_)
            | StoreError::MissingChunk(_)
            | StoreError::Io(_)
            | StoreError::Db(_)
            | StoreError::InUse) => S3Error::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_document() {
        let e = s3_error!(NoSuchKey, "no <such> key").with_resource("/b/k&1");
        assert_eq!(
            e.to_xml("req1"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>\
             <Message>no &lt;such&gt; key</Message><Resource>/b/k&amp;1</Resource>\
             <RequestId>req1</RequestId></Error>"
        );
        assert_eq!(e.code.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn store_errors_map_to_s3_codes() {
        let range: S3Error = StoreError::InvalidRange { size: 10 }.into();
        assert_eq!(range.code, S3ErrorCode::InvalidRange);
        assert_eq!(range.code.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert!(
            range
                .headers
                .contains(&("content-range", "bytes */10".into()))
        );
        let io: S3Error = StoreError::Io(std::io::Error::other("secret path")).into();
        assert_eq!(io.code, S3ErrorCode::InternalError);
        let full: S3Error = StoreError::Io(std::io::Error::from_raw_os_error(28)).into();
        assert_eq!(full.code, S3ErrorCode::StorageFull);
        assert_eq!(full.code.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(!io.to_xml("r").contains("secret"));
    }
}
