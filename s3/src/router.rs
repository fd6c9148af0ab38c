//! The router: method + URI (+ Host) → [`Endpoint`], an enum whose variants
//! are named after the S3 operations they stand for.
//!
//! Both addressing styles are understood:
//!
//! - path style, `http://host/bucket/key`, always;
//! - virtual-host style, `http://bucket.<domain>/key`, when a domain is
//!   configured. A request to the domain itself (or to any other host) is
//!   path style.
//!
//! Bucket and key are percent-decoded from the raw path and kept byte for
//! byte: S3 keys are opaque strings, so `//`, a leading `/`, a trailing `/`
//! and `..` segments are all part of the key and nothing is normalised.
//! A malformed escape, an encoded NUL or bytes that are not UTF-8 are
//! refused with `InvalidArgument` (S3 answers `InvalidURI`, which this crate
//! does not model).
//!
//! Query strings are decoded the same way, and `+` is taken literally, not
//! as a space: every AWS SDK encodes a space as `%20` and a plus as `%2B`
//! (SigV4's canonical query requires it), so a literal `+` only comes from a
//! hand-written URL, where reading it as itself is the least surprising
//! answer. (The `x-amz-tagging` header, which is form-encoded, is decoded
//! elsewhere.)
//!
//! A sub-resource this server does not implement (`?policy`, `?website`,
//! `?object-lock`, …) is answered `NotImplemented` rather than being
//! mistaken for a plain GET or PUT, and so is any unknown query parameter
//! given without a value, which is how S3 spells a sub-resource. A method
//! that an implemented resource does not accept is `MethodNotAllowed`.
//!
//! [`route`] sees only method, URI and Host, so a copy (`x-amz-copy-source`)
//! comes back as `PutObject` or `UploadPart`; [`route_request`] also reads
//! the headers and returns `CopyObject` / `UploadPartCopy` with the parsed
//! [`CopySource`]. The server calls [`route_request`].

use http::{HeaderMap, Method, Uri};

use crate::error::S3Error;
use crate::s3_error;

mod endpoint;
mod query;

pub use endpoint::{CopySource, Endpoint, MAX_PART_NUMBER, ResponseOverrides};
pub use query::{Query, percent_decode, query_param};

/// Sub-resources of S3 operations this server does not implement. A request
/// naming one is answered `NotImplemented` whatever its method.
const UNIMPLEMENTED_SUBRESOURCES: &[&str] = &[
    "abac",
    "accelerate",
    "analytics",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "logging",
    "metadataConfiguration",
    "metadataTable",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "renameObject",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "session",
    "torrent",
    "website",
];

/// Query parameters the router knows (as sub-resource or argument), besides
/// `response-*` and the presigned-URL `X-Amz-*` family.
const KNOWN_PARAMS: &[&str] = &[
    // Sub-resources this server implements.
    "acl",
    "attributes",
    "cors",
    "delete",
    "lifecycle",
    "location",
    "tagging",
    "uploadId",
    "uploads",
    "versioning",
    "versions",
    // Arguments.
    "bucket-region",
    "continuation-token",
    "delimiter",
    "encoding-type",
    "fetch-owner",
    "key-marker",
    "list-type",
    "marker",
    "max-buckets",
    "max-keys",
    "max-parts",
    "max-uploads",
    "part-number-marker",
    "partNumber",
    "prefix",
    "start-after",
    "upload-id-marker",
    "version-id-marker",
    "versionId",
    // The operation name that newer SDKs append (`?x-id=GetObject`).
    "x-id",
    // SigV2 presigned URLs; the authenticator refuses them with a clear
    // error, so the router must not.
    "AWSAccessKeyId",
    "Expires",
    "Signature",
];

fn is_known_param(name: &str) -> bool {
    KNOWN_PARAMS.contains(&name)
        || name.starts_with("response-")
        || name
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("x-amz-"))
}

/// Strips a port (`host:9000`, `[::1]:9000`) and a trailing dot.
fn host_name(host: &str) -> &str {
    let name = if host.starts_with('[') {
        match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    name.strip_suffix('.').unwrap_or(name)
}

/// The bucket named by a virtual-host-style Host, if it is one.
fn vhost_bucket<'a>(host: &'a str, domain: &str) -> Option<&'a str> {
    let host = host_name(host);
    let domain = host_name(domain);
    if domain.is_empty() || host.len() <= domain.len() + 1 {
        return None;
    }
    let (bucket, rest) = host.split_at(host.len() - domain.len() - 1);
    let rest = rest.strip_prefix('.')?;
    rest.eq_ignore_ascii_case(domain).then_some(bucket)
}

/// Where a request points: the service, a bucket, or an object.
enum Target {
    Service,
    Bucket(String),
    Object(String, String),
}

fn target(uri: &Uri, host: Option<&str>, vhost_domain: Option<&str>) -> Result<Target, S3Error> {
    let path = uri.path().as_bytes();
    let path = path.strip_prefix(b"/").unwrap_or(path);
    if let Some(bucket) = host
        .zip(vhost_domain)
        .and_then(|(host, domain)| vhost_bucket(host, domain))
    {
        let bucket = percent_decode(bucket.as_bytes())?;
        let key = percent_decode(path)?;
        return Ok(if key.is_empty() {
            Target::Bucket(bucket)
        } else {
            Target::Object(bucket, key)
        });
    }
    if path.is_empty() {
        return Ok(Target::Service);
    }
    let (bucket, key) = match path.iter().position(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (path, &b""[..]),
    };
    let bucket = percent_decode(bucket)?;
    if bucket.is_empty() {
        return Err(s3_error!(
            InvalidBucketName,
            "The specified bucket is not valid."
        ));
    }
    let key = percent_decode(key)?;
    Ok(if key.is_empty() {
        Target::Bucket(bucket)
    } else {
        Target::Object(bucket, key)
    })
}

fn method_not_allowed() -> S3Error {
    s3_error!(
        MethodNotAllowed,
        "The specified method is not allowed against this resource."
    )
}

fn not_implemented(what: &str) -> S3Error {
    s3_error!(
        NotImplemented,
        "A header or query you provided implies functionality that is not implemented: {what}"
    )
}

/// Routes a request from its method, URI and Host header.
///
/// `host` is the `Host` header (or the URI's authority); `vhost_domain` the
/// configured domain for virtual-host-style requests (`None`: path style
/// only). A copy is returned as `PutObject` / `UploadPart`; see
/// [`route_request`].
pub fn route(
    method: &Method,
    uri: &Uri,
    host: Option<&str>,
    vhost_domain: Option<&str>,
) -> Result<Endpoint, S3Error> {
    let query = Query::parse(uri.query())?;

    // A CORS preflight may name any resource, implemented or not.
    if *method == Method::OPTIONS {
        if uri.path() == "*" {
            return Ok(Endpoint::Options {
                bucket: None,
                key: None,
            });
        }
        return Ok(match target(uri, host, vhost_domain)? {
            Target::Service => Endpoint::Options {
                bucket: None,
                key: None,
            },
            Target::Bucket(bucket) => Endpoint::Options {
                bucket: Some(bucket),
                key: None,
            },
            Target::Object(bucket, key) => Endpoint::Options {
                bucket: Some(bucket),
                key: Some(key),
            },
        });
    }

    for (name, value) in query.iter() {
        if UNIMPLEMENTED_SUBRESOURCES.contains(&name) {
            return Err(not_implemented(&format!("?{name}")));
        }
        if value.is_empty() && !is_known_param(name) {
            return Err(not_implemented(&format!("?{name}")));
        }
    }

    match target(uri, host, vhost_domain)? {
        Target::Service => route_service(method, &query),
        Target::Bucket(bucket) => route_bucket(method, &query, bucket),
        Target::Object(bucket, key) => route_object(method, &query, bucket, key),
    }
}

/// Routes a whole request head: Host from the `Host` header (or the URI's
/// authority, for HTTP/2 and absolute-form requests), and
/// `x-amz-copy-source` turning `PutObject` into `CopyObject` and
/// `UploadPart` into `UploadPartCopy`.
pub fn route_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    vhost_domain: Option<&str>,
) -> Result<Endpoint, S3Error> {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    let endpoint = route(method, uri, host, vhost_domain)?;
    let Some(source) = headers.get("x-amz-copy-source") else {
        return Ok(endpoint);
    };
    Ok(match endpoint {
        Endpoint::PutObject { bucket, key } => Endpoint::CopyObject {
            bucket,
            key,
            source: CopySource::parse(source.as_bytes())?,
        },
        Endpoint::UploadPart {
            bucket,
            key,
            part_number,
            upload_id,
        } => Endpoint::UploadPartCopy {
            bucket,
            key,
            part_number,
            upload_id,
            source: CopySource::parse(source.as_bytes())?,
        },
        other => other,
    })
}

fn route_service(method: &Method, query: &Query) -> Result<Endpoint, S3Error> {
    if *method != Method::GET {
        return Err(method_not_allowed());
    }
    Ok(Endpoint::ListBuckets {
        prefix: query.owned("prefix").unwrap_or_default(),
        max_buckets: query.count("max-buckets")?,
        continuation_token: query.owned("continuation-token"),
        bucket_region: query.non_empty("bucket-region"),
    })
}

/// Sub-resources that only make sense on an object.
const OBJECT_ONLY: &[&str] = &["attributes", "uploadId", "partNumber", "versionId"];
/// Sub-resources that only make sense on a bucket.
const BUCKET_ONLY: &[&str] = &[
    "cors",
    "delete",
    "lifecycle",
    "location",
    "versioning",
    "versions",
];

fn route_bucket(method: &Method, query: &Query, bucket: String) -> Result<Endpoint, S3Error> {
    use Endpoint::*;
    if OBJECT_ONLY.iter().any(|p| query.has(p)) {
        // Never let `DELETE /bucket?uploadId=…` (a client that lost the
        // key) fall through to DeleteBucket.
        return Err(method_not_allowed());
    }
    let m = method.clone();
    let ep = if query.has("uploads") {
        match m {
            Method::GET => ListMultipartUploads {
                bucket,
                prefix: query.owned("prefix").unwrap_or_default(),
                delimiter: query.non_empty("delimiter"),
                key_marker: query.non_empty("key-marker"),
                upload_id_marker: query.non_empty("upload-id-marker"),
                max_uploads: query.count("max-uploads")?,
                url_encoding: query.url_encoding()?,
            },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("versions") {
        match m {
            Method::GET => ListObjectVersions {
                bucket,
                prefix: query.owned("prefix").unwrap_or_default(),
                delimiter: query.non_empty("delimiter"),
                key_marker: query.non_empty("key-marker"),
                version_id_marker: query.non_empty("version-id-marker"),
                max_keys: query.count("max-keys")?,
                url_encoding: query.url_encoding()?,
            },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("location") {
        match m {
            Method::GET => GetBucketLocation { bucket },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("versioning") {
        match m {
            Method::GET => GetBucketVersioning { bucket },
            Method::PUT => PutBucketVersioning { bucket },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("delete") {
        match m {
            Method::POST => DeleteObjects { bucket },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("tagging") {
        match m {
            Method::GET => GetBucketTagging { bucket },
            Method::PUT => PutBucketTagging { bucket },
            Method::DELETE => DeleteBucketTagging { bucket },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("acl") {
        match m {
            Method::GET => GetBucketAcl { bucket },
            Method::PUT => PutBucketAcl { bucket },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("lifecycle") {
        match m {
            Method::GET => GetBucketLifecycleConfiguration { bucket },
            Method::PUT => PutBucketLifecycleConfiguration { bucket },
            Method::DELETE => DeleteBucketLifecycle { bucket },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("cors") {
        match m {
            Method::GET => GetBucketCors { bucket },
            Method::PUT => PutBucketCors { bucket },
            Method::DELETE => DeleteBucketCors { bucket },
            _ => return Err(method_not_allowed()),
        }
    } else {
        match m {
            Method::GET => match query.get("list-type") {
                None => ListObjects {
                    bucket,
                    prefix: query.owned("prefix").unwrap_or_default(),
                    delimiter: query.non_empty("delimiter"),
                    marker: query.non_empty("marker"),
                    max_keys: query.count("max-keys")?,
                    url_encoding: query.url_encoding()?,
                },
                Some("2") => ListObjectsV2 {
                    bucket,
                    prefix: query.owned("prefix").unwrap_or_default(),
                    delimiter: query.non_empty("delimiter"),
                    continuation_token: query.owned("continuation-token"),
                    start_after: query.non_empty("start-after"),
                    max_keys: query.count("max-keys")?,
                    fetch_owner: query.fetch_owner()?,
                    url_encoding: query.url_encoding()?,
                },
                Some(v) => {
                    return Err(s3_error!(InvalidArgument, "Invalid list-type")
                        .with_field("ArgumentName", "list-type")
                        .with_field("ArgumentValue", v));
                }
            },
            Method::PUT => CreateBucket { bucket },
            Method::DELETE => DeleteBucket { bucket },
            Method::HEAD => HeadBucket { bucket },
            // Browser-form uploads.
            Method::POST => PostObject { bucket },
            _ => return Err(method_not_allowed()),
        }
    };
    Ok(ep)
}

fn route_object(
    method: &Method,
    query: &Query,
    bucket: String,
    key: String,
) -> Result<Endpoint, S3Error> {
    use Endpoint::*;
    if BUCKET_ONLY.iter().any(|p| query.has(p)) {
        return Err(method_not_allowed());
    }
    let m = method.clone();
    if query.has("partNumber") && !matches!(m, Method::GET | Method::HEAD) && !query.has("uploadId")
    {
        return Err(s3_error!(
            InvalidArgument,
            "partNumber is only valid with uploadId or on GET and HEAD"
        )
        .with_field("ArgumentName", "partNumber"));
    }
    let ep = if let Some(upload_id) = query.owned("uploadId") {
        match m {
            Method::PUT => {
                let Some(part_number) = query.part_number()? else {
                    return Err(
                        s3_error!(InvalidArgument, "UploadPart requires a partNumber")
                            .with_field("ArgumentName", "partNumber"),
                    );
                };
                UploadPart {
                    bucket,
                    key,
                    part_number,
                    upload_id,
                }
            }
            Method::POST => CompleteMultipartUpload {
                bucket,
                key,
                upload_id,
            },
            Method::DELETE => AbortMultipartUpload {
                bucket,
                key,
                upload_id,
            },
            Method::GET => ListParts {
                bucket,
                key,
                upload_id,
                max_parts: query.count("max-parts")?,
                part_number_marker: query.count("part-number-marker")?,
            },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("uploads") {
        match m {
            Method::POST => CreateMultipartUpload { bucket, key },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("tagging") {
        let version_id = query.version_id()?;
        match m {
            Method::GET => GetObjectTagging {
                bucket,
                key,
                version_id,
            },
            Method::PUT => PutObjectTagging {
                bucket,
                key,
                version_id,
            },
            Method::DELETE => DeleteObjectTagging {
                bucket,
                key,
                version_id,
            },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("attributes") {
        match m {
            Method::GET => GetObjectAttributes {
                bucket,
                key,
                version_id: query.version_id()?,
            },
            _ => return Err(method_not_allowed()),
        }
    } else if query.has("acl") {
        match m {
            Method::GET => GetObjectAcl {
                bucket,
                key,
                version_id: query.version_id()?,
            },
            Method::PUT => PutObjectAcl {
                bucket,
                key,
                version_id: query.version_id()?,
            },
            _ => return Err(method_not_allowed()),
        }
    } else {
        match m {
            Method::GET => GetObject {
                bucket,
                key,
                version_id: query.version_id()?,
                part_number: query.part_number()?,
                overrides: ResponseOverrides::from_query(query),
            },
            Method::HEAD => HeadObject {
                bucket,
                key,
                version_id: query.version_id()?,
                part_number: query.part_number()?,
                overrides: ResponseOverrides::from_query(query),
            },
            Method::PUT => PutObject { bucket, key },
            Method::DELETE => DeleteObject {
                bucket,
                key,
                version_id: query.version_id()?,
            },
            _ => return Err(method_not_allowed()),
        }
    };
    Ok(ep)
}

#[cfg(test)]
mod tests;
