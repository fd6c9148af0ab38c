//! S3 operations, one module per family, and what they share: the request
//! context, access checks, the upload reader that verifies a body while the
//! store consumes it, and response helpers.

pub mod bucket;
pub mod config;
pub mod list;
pub mod multipart;
pub mod object;
pub mod object_acl;
pub mod post;
pub mod upload;

use std::collections::BTreeMap;

use alexander_store::{BucketInfo, ObjectMeta, Store};
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use md5::{Digest, Md5};

use crate::auth::{ChunkedDecoder, Payload};
use crate::checksum::{self, ChecksumAlgorithm, Checksummer, DeclaredChecksum};
use crate::error::{S3Error, S3ErrorCode};
use crate::iam::Principal;
use crate::router::Endpoint;
use crate::s3_error;
use crate::server::{RequestBody, ResponseBody, S3Service, empty, full};
use upload::{BodyHashes, Upload};

/// Everything a handler knows about its request besides the body.
pub struct Ctx {
    pub svc: S3Service,
    pub parts: Parts,
    pub principal: Principal,
    pub payload: Payload,
}

impl Ctx {
    pub fn store(&self) -> &Store {
        &self.svc.inner.store
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.parts.headers, name)
    }
}

/// A header as text, if present and valid.
pub fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Runs a store call on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, S3Error> + Send + 'static,
) -> Result<T, S3Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| S3Error::internal(format!("blocking task failed: {e}")))?
}

/// What a principal may do to a bucket (the store's rule, shared with the
/// mount).
pub use alexander_store::access::{Access, ObjectAcl};

/// Checks that the request's principal may act on a bucket; returns the
/// bucket. The rule is [`alexander_store::access::allows`], the one the
/// mount applies too.
pub fn check_access(ctx: &Ctx, bucket: &str, access: Access) -> Result<BucketInfo, S3Error> {
    let info = ctx.store().head_bucket(bucket)?;
    if alexander_store::access::allows(&info.settings, ctx.principal.name(), access) {
        Ok(info)
    } else {
        Err(s3_error!(AccessDenied, "Access Denied"))
    }
}

/// How a caller may read the objects of a bucket (the store's rule,
/// [`alexander_store::access`]: a bucket's ACL lets others list it, never
/// read its objects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadVia {
    /// The caller owns the bucket (or is root): it reads every object.
    Owner,
    /// The caller may list the bucket: it reads an object whose own ACL
    /// grants it read, and is told as is what listing would tell it (that
    /// a key or a version is not there: `NoSuchKey`, not `AccessDenied`,
    /// as S3 answers a caller with ListBucket).
    Listing,
    /// The caller may not list the bucket: it reads an object whose own
    /// ACL grants it read; whether any other object exists is not its to
    /// learn.
    ObjectAcl,
}

impl ReadVia {
    /// Checks one version the caller asked to read, given what opening it
    /// found (`meta` finds the version's metadata in it): for the owner,
    /// any answer stands; for anyone else, a version whose ACL does not
    /// grant the caller read is `AccessDenied`, and so is a failure to open
    /// one unless the caller may list the bucket.
    pub fn check<T>(
        self,
        principal: &Principal,
        opened: Result<T, S3Error>,
        meta: impl FnOnce(&T) -> &ObjectMeta,
    ) -> Result<T, S3Error> {
        let denied = || s3_error!(AccessDenied, "Access Denied");
        match (self, opened) {
            (ReadVia::Owner, opened) => opened,
            (_, Ok(v)) if ObjectAcl::of(meta(&v)).grants_read(principal.name()) => Ok(v),
            (_, Ok(_)) => Err(denied()),
            (ReadVia::Listing, Err(e)) => Err(e),
            (ReadVia::ObjectAcl, Err(_)) => Err(denied()),
        }
    }
}

/// How the request's principal may read the objects of a bucket: all of
/// them when it owns the bucket (or is root), else those whose own ACL lets
/// it, which only opening each can tell ([`ReadVia::check`]).
pub fn check_object_read(ctx: &Ctx, bucket: &str) -> Result<(BucketInfo, ReadVia), S3Error> {
    let info = ctx.store().head_bucket(bucket)?;
    let allows = |a| alexander_store::access::allows(&info.settings, ctx.principal.name(), a);
    let via = if allows(Access::Owner) {
        ReadVia::Owner
    } else if allows(Access::List) {
        ReadVia::Listing
    } else {
        ReadVia::ObjectAcl
    };
    Ok((info, via))
}

/// The canonical user id S3 clients see for a user.
pub fn owner_id(name: &str) -> String {
    hex::encode(sha2::Sha256::digest(
        format!("alexander-user:{name}").as_bytes(),
    ))
}

/// An XML response.
pub fn xml_response(status: StatusCode, xml: String) -> Response<ResponseBody> {
    let mut resp = Response::new(full(Bytes::from(xml)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/xml"));
    resp
}

/// An empty response.
pub fn empty_response(status: StatusCode) -> Response<ResponseBody> {
    let mut resp = Response::new(empty());
    *resp.status_mut() = status;
    resp
}

/// Sets a header from text, skipping values that cannot be a header.
pub fn set_header(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

/// Runs the whole request through the operation it names.
pub async fn dispatch(
    ctx: Ctx,
    endpoint: Endpoint,
    body: RequestBody,
) -> Result<Response<ResponseBody>, S3Error> {
    use Endpoint as E;
    match endpoint {
        e @ E::ListBuckets { .. } => bucket::list_buckets(ctx, e).await,
        E::CreateBucket { bucket } => bucket::create_bucket(ctx, bucket, body).await,
        E::DeleteBucket { bucket } => bucket::delete_bucket(ctx, bucket).await,
        E::HeadBucket { bucket } => bucket::head_bucket(ctx, bucket).await,
        E::GetBucketLocation { bucket } => bucket::get_bucket_location(ctx, bucket).await,
        E::GetBucketVersioning { bucket } => bucket::get_bucket_versioning(ctx, bucket).await,
        E::PutBucketVersioning { bucket } => bucket::put_bucket_versioning(ctx, bucket, body).await,
        e @ (E::ListObjects { .. } | E::ListObjectsV2 { .. }) => list::list_objects(ctx, e).await,
        e @ E::ListObjectVersions { .. } => list::list_object_versions(ctx, e).await,
        e @ E::ListMultipartUploads { .. } => multipart::list_multipart_uploads(ctx, e).await,
        E::DeleteObjects { bucket } => object::delete_objects(ctx, bucket, body).await,
        E::GetBucketTagging { bucket } => config::get_bucket_tagging(ctx, bucket).await,
        E::PutBucketTagging { bucket } => config::put_bucket_tagging(ctx, bucket, body).await,
        E::DeleteBucketTagging { bucket } => {
            config::delete_bucket_setting(ctx, bucket, config::TAGGING).await
        }
        E::GetBucketAcl { bucket } => config::get_bucket_acl(ctx, bucket).await,
        E::PutBucketAcl { bucket } => config::put_bucket_acl(ctx, bucket, body).await,
        E::GetBucketLifecycleConfiguration { bucket } => {
            config::get_bucket_lifecycle(ctx, bucket).await
        }
        E::PutBucketLifecycleConfiguration { bucket } => {
            config::put_bucket_lifecycle(ctx, bucket, body).await
        }
        E::DeleteBucketLifecycle { bucket } => {
            config::delete_bucket_setting(ctx, bucket, config::LIFECYCLE).await
        }
        E::GetBucketCors { bucket } => config::get_bucket_cors(ctx, bucket).await,
        E::PutBucketCors { bucket } => config::put_bucket_cors(ctx, bucket, body).await,
        E::DeleteBucketCors { bucket } => {
            config::delete_bucket_setting(ctx, bucket, config::CORS).await
        }
        E::PutObject { bucket, key } => object::put_object(ctx, bucket, key, body).await,
        E::PostObject { bucket } => post::post_object(ctx, bucket, body).await,
        E::CopyObject {
            bucket,
            key,
            source,
        } => object::copy_object(ctx, bucket, key, source).await,
        e @ (E::GetObject { .. } | E::HeadObject { .. }) => object::get_object(ctx, e).await,
        E::DeleteObject {
            bucket,
            key,
            version_id,
        } => object::delete_object(ctx, bucket, key, version_id).await,
        E::CreateMultipartUpload { bucket, key } => {
            multipart::create_multipart_upload(ctx, bucket, key).await
        }
        E::UploadPart {
            bucket,
            key,
            part_number,
            upload_id,
        } => multipart::upload_part(ctx, bucket, key, part_number, upload_id, body).await,
        E::UploadPartCopy {
            bucket,
            key,
            part_number,
            upload_id,
            source,
        } => multipart::upload_part_copy(ctx, bucket, key, part_number, upload_id, source).await,
        E::CompleteMultipartUpload {
            bucket,
            key,
            upload_id,
        } => multipart::complete_multipart_upload(ctx, bucket, key, upload_id, body).await,
        E::AbortMultipartUpload {
            bucket,
            key,
            upload_id,
        } => multipart::abort_multipart_upload(ctx, bucket, key, upload_id).await,
        e @ E::ListParts { .. } => multipart::list_parts(ctx, e).await,
        E::GetObjectTagging {
            bucket,
            key,
            version_id,
        } => config::get_object_tagging(ctx, bucket, key, version_id).await,
        E::PutObjectTagging {
            bucket,
            key,
            version_id,
        } => config::put_object_tagging(ctx, bucket, key, version_id, body).await,
        E::DeleteObjectTagging {
            bucket,
            key,
            version_id,
        } => config::delete_object_tagging(ctx, bucket, key, version_id).await,
        E::GetObjectAcl {
            bucket,
            key,
            version_id,
        } => config::get_object_acl(ctx, bucket, key, version_id).await,
        E::GetObjectAttributes {
            bucket,
            key,
            version_id,
        } => object::get_object_attributes(ctx, bucket, key, version_id).await,
        E::PutObjectAcl {
            bucket,
            key,
            version_id,
        } => config::put_object_acl(ctx, bucket, key, version_id, body).await,
        E::Options { bucket, .. } => config::options(ctx, bucket).await,
    }
}

/// What an upload's body turned out to be, once read to the end.
#[derive(Clone, Debug, Default)]
pub struct BodyOutcome {
    /// The checksum the client declared and the server verified.
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

/// Prepares an [`Upload`] of a request body: parses what the headers
/// declare of it (the framing, the length, the hashes to check).
pub fn upload_body(ctx: &Ctx, body: RequestBody, max_len: u64) -> Result<Upload, S3Error> {
    prepare_upload(ctx, body, max_len, true)
}

/// [`upload_body`], where `header_checksums` says whether the
/// `x-amz-checksum-*` headers describe this body (on CompleteMultipartUpload
/// they describe the object; a trailer always describes the body).
fn prepare_upload(
    ctx: &Ctx,
    body: RequestBody,
    max_len: u64,
    header_checksums: bool,
) -> Result<Upload, S3Error> {
    let headers = &ctx.parts.headers;
    let chunked = ctx.payload.is_chunked();
    let decoder = ChunkedDecoder::new(&ctx.payload);
    let content_length = match header(headers, "content-length") {
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| s3_error!(InvalidArgument, "Content-Length is not a number"))?,
        ),
        None => None,
    };
    let expected_len = if chunked {
        match header(headers, "x-amz-decoded-content-length") {
            Some(v) => Some(v.parse::<u64>().map_err(|_| {
                s3_error!(
                    InvalidArgument,
                    "x-amz-decoded-content-length is not a number"
                )
            })?),
            None => {
                return Err(s3_error!(
                    MissingContentLength,
                    "You must provide the Content-Length HTTP header."
                ));
            }
        }
    } else {
        content_length
    };
    if let Some(len) = expected_len
        && len > max_len
    {
        return Err(s3_error!(
            EntityTooLarge,
            "Your proposed upload exceeds the maximum allowed size"
        ));
    }
    let md5 = match headers.get("content-md5") {
        Some(v) => Some((checksum::parse_content_md5(v.as_bytes())?, Md5::new())),
        None => None,
    };
    let declared = if header_checksums {
        checksum::declared_checksum(headers)?
    } else {
        checksum::declared_trailer(headers)?
    };
    if matches!(declared, Some(DeclaredChecksum::Trailer { .. })) && !chunked {
        return Err(s3_error!(
            InvalidRequest,
            "x-amz-trailer needs an aws-chunked body"
        ));
    }
    let checksum = declared.map(|d| {
        let h = Checksummer::new(d.algorithm());
        (d, h)
    });
    Ok(Upload {
        body,
        decoder,
        expected_len,
        max_len,
        seen: 0,
        ended: false,
        hashes: Some(BodyHashes {
            sha256: ctx.payload.content_sha256(),
            md5,
            checksum,
            computed: None,
        }),
    })
}

/// Reads a small request body (an XML document) whole, verified.
pub async fn read_small_body(
    ctx: &Ctx,
    body: RequestBody,
    limit: usize,
) -> Result<Vec<u8>, S3Error> {
    read_document(ctx, body, limit, true).await
}

/// [`read_small_body`], for a request whose `x-amz-checksum-*` headers
/// are not about its body when `header_checksums` is false.
pub async fn read_document(
    ctx: &Ctx,
    body: RequestBody,
    limit: usize,
    header_checksums: bool,
) -> Result<Vec<u8>, S3Error> {
    let too_big = |e: S3Error| {
        if e.code == S3ErrorCode::EntityTooLarge {
            s3_error!(MaxMessageLengthExceeded, "Your request was too big.")
        } else {
            e
        }
    };
    let upload = prepare_upload(ctx, body, limit as u64 + 1, header_checksums).map_err(too_big)?;
    let bytes = upload.read_all().await.map_err(too_big)?;
    if bytes.len() > limit {
        return Err(s3_error!(
            MaxMessageLengthExceeded,
            "Your request was too big."
        ));
    }
    Ok(bytes)
}

/// User metadata names that carry POSIX attributes, as s3fs and rclone
/// write them.
const POSIX_META: [&str; 4] = ["mode", "uid", "gid", "mtime"];

/// System headers kept with a version and returned on GET and HEAD.
pub const STORED_HEADERS: [&str; 5] = [
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
];

/// The object's `Content-Encoding` from the request's: exactly as sent,
/// but without `aws-chunked`, which is the request's framing, not the
/// object's (S3 drops it the same way). `None` when nothing is left.
fn object_content_encoding(sent: &str) -> Option<String> {
    let is_framing = |e: &str| e.trim().eq_ignore_ascii_case("aws-chunked");
    if !sent.split(',').any(is_framing) {
        return Some(sent.to_owned());
    }
    let kept: Vec<&str> = sent.split(',').filter(|e| !is_framing(e)).collect();
    let kept = kept.join(",");
    let kept = kept.trim();
    (!kept
        .trim_matches(|c: char| c == ',' || c.is_whitespace())
        .is_empty())
    .then(|| kept.to_owned())
}

/// Parses `x-amz-meta-mtime`: seconds since the epoch, with an optional
/// fraction (rclone writes nanoseconds after a dot).
pub fn parse_mtime(text: &str) -> Option<i64> {
    let (secs, frac) = text.split_once('.').unwrap_or((text, ""));
    let secs: i64 = secs.parse().ok()?;
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Formats an mtime for `x-amz-meta-mtime`.
pub fn format_mtime(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000);
    if nanos == 0 {
        secs.to_string()
    } else {
        format!("{secs}.{nanos:09}")
    }
}

/// The metadata of a new object from its request headers, written by
/// `writer` (see [`unprivileged_mode`]).
pub fn meta_from_headers(
    headers: &HeaderMap,
    max_user_meta: usize,
    writer: &Principal,
) -> Result<ObjectMeta, S3Error> {
    let mut meta = ObjectMeta {
        content_type: header(headers, "content-type").map(str::to_owned),
        ..ObjectMeta::default()
    };
    let mut user_bytes = 0;
    for (name, value) in headers {
        let Some(short) = name.as_str().strip_prefix("x-amz-meta-") else {
            continue;
        };
        let value = value
            .to_str()
            .map_err(|_| s3_error!(InvalidArgument, "metadata values must be ASCII text"))?;
        user_bytes += short.len() + value.len();
        let bad = || {
            s3_error!(
                InvalidArgument,
                "x-amz-meta-{short} is not valid: {value:?}"
            )
        };
        match short {
            "mode" => {
                let mode = parse_mode(value).ok_or_else(bad)?;
                meta.attrs.mode = Some(match writer {
                    Principal::Root => mode,
                    _ => unprivileged_mode(mode),
                });
            }
            "uid" => meta.attrs.uid = Some(value.trim().parse().map_err(|_| bad())?),
            "gid" => meta.attrs.gid = Some(value.trim().parse().map_err(|_| bad())?),
            "mtime" => meta.attrs.mtime_ns = Some(parse_mtime(value.trim()).ok_or_else(bad)?),
            _ => {
                meta.user.insert(short.to_owned(), value.to_owned());
            }
        }
    }
    if user_bytes > max_user_meta {
        return Err(s3_error!(
            MetadataTooLarge,
            "Your metadata headers exceed the maximum allowed metadata size"
        )
        .with_field("MaxSizeAllowed", max_user_meta.to_string()));
    }
    for name in STORED_HEADERS {
        if let Some(v) = header(headers, name) {
            let v = if name == "content-encoding" {
                match object_content_encoding(v) {
                    Some(v) => v,
                    None => continue,
                }
            } else {
                v.to_owned()
            };
            meta.extra.insert(name.to_owned(), v);
        }
    }
    if let Some(class) = header(headers, "x-amz-storage-class")
        && ![
            "STANDARD",
            "REDUCED_REDUNDANCY",
            "STANDARD_IA",
            "ONEZONE_IA",
            "INTELLIGENT_TIERING",
            "GLACIER_IR",
        ]
        .contains(&class)
    {
        return Err(s3_error!(
            InvalidStorageClass,
            "The storage class you specified is not valid"
        ));
    }
    if let Some(tagging) = headers.get("x-amz-tagging") {
        let tags = crate::xml::parse_tagging_header(tagging.as_bytes())?;
        crate::xml::validate_tags(&tags, 10)?;
        meta.extra
            .insert(config::TAGGING.to_owned(), config::encode_tags(&tags));
    }
    Ok(meta)
}

/// What is left of an `x-amz-meta-mode` written by a caller other than
/// root: no setuid or setgid bit, and a character or block device becomes a
/// regular file. The mount is `nosuid,nodev`, but these bits outlive it: a
/// tree restored from the bucket by root (rsync, a backup tool) would
/// otherwise carry a setuid program or a device node that an S3 user, not
/// the machine's administrator, chose. The sticky bit stays: it only
/// restricts who may delete in a directory. Named pipes and sockets stay:
/// the kernel serves them, and no data passes through them.
pub fn unprivileged_mode(mode: u32) -> u32 {
    let kept = mode & !(libc_mode::S_ISUID | libc_mode::S_ISGID);
    match kept & libc_mode::S_IFMT {
        libc_mode::S_IFCHR | libc_mode::S_IFBLK => (kept & !libc_mode::S_IFMT) | libc_mode::S_IFREG,
        _ => kept,
    }
}

/// The mode bits [`unprivileged_mode`] looks at (POSIX values, the same on
/// every Linux).
mod libc_mode {
    pub const S_IFMT: u32 = 0o170_000;
    pub const S_IFREG: u32 = 0o100_000;
    pub const S_IFCHR: u32 = 0o020_000;
    pub const S_IFBLK: u32 = 0o060_000;
    pub const S_ISUID: u32 = 0o4000;
    pub const S_ISGID: u32 = 0o2000;
}

/// Parses a mode: decimal (s3fs) or octal with a leading 0 / 0o.
fn parse_mode(text: &str) -> Option<u32> {
    let t = text.trim();
    if let Some(oct) = t.strip_prefix("0o") {
        return u32::from_str_radix(oct, 8).ok();
    }
    t.parse().ok()
}

/// Response headers for an object's metadata.
pub fn meta_headers(headers: &mut HeaderMap, meta: &ObjectMeta, modified_ns: i64) {
    set_header(
        headers,
        "content-type",
        meta.content_type
            .as_deref()
            .unwrap_or("binary/octet-stream"),
    );
    for (name, value) in &meta.user {
        if let Ok(n) = http::HeaderName::from_bytes(format!("x-amz-meta-{name}").as_bytes())
            && let Ok(v) = HeaderValue::from_str(value)
        {
            headers.insert(n, v);
        }
    }
    let a = &meta.attrs;
    let posix: BTreeMap<&str, Option<String>> = POSIX_META
        .iter()
        .map(|&n| {
            let v = match n {
                "mode" => a.mode.map(|m| m.to_string()),
                "uid" => a.uid.map(|u| u.to_string()),
                "gid" => a.gid.map(|g| g.to_string()),
                _ => Some(format_mtime(a.mtime_ns.unwrap_or(modified_ns)))
                    .filter(|_| a.mtime_ns.is_some()),
            };
            (n, v)
        })
        .collect();
    for (n, v) in posix {
        if let Some(v) = v
            && let Ok(name) = http::HeaderName::from_bytes(format!("x-amz-meta-{n}").as_bytes())
        {
            set_header_named(headers, name, &v);
        }
    }
    for name in STORED_HEADERS {
        if let Some(v) = meta.extra.get(name) {
            set_header(headers, name, v);
        }
    }
    if let Some(tags) = meta.extra.get(config::TAGGING) {
        let count = config::decode_tags(tags).len();
        if count > 0 {
            set_header(headers, "x-amz-tagging-count", &count.to_string());
        }
    }
}

fn set_header_named(headers: &mut HeaderMap, name: http::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

/// The key a snapshot read names: `.snapshots/NAME/rest` → (NAME, rest).
pub fn snapshot_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(alexander_store::SNAPSHOT_PREFIX)?;
    rest.split_once('/')
}

/// Refuses writes under the reserved snapshot prefix.
pub fn check_writable(key: &str) -> Result<(), S3Error> {
    if key.starts_with(alexander_store::SNAPSHOT_PREFIX) || key == ".snapshots" {
        return Err(s3_error!(
            AccessDenied,
            "Keys under .snapshots/ are read-only views of the bucket's snapshots"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_encoding_kept_as_sent() {
        let cases = [
            ("gzip", Some("gzip")),
            ("gzip, br", Some("gzip, br")),
            ("GZIP", Some("GZIP")),
            ("x-custom;q=1", Some("x-custom;q=1")),
            ("aws-chunked", None),
            ("aws-chunked,gzip", Some("gzip")),
            ("aws-chunked, gzip, br", Some("gzip, br")),
            ("gzip,aws-chunked", Some("gzip")),
            ("AWS-CHUNKED", None),
        ];
        for (sent, want) in cases {
            assert_eq!(object_content_encoding(sent).as_deref(), want, "{sent}");
        }
    }

    #[test]
    fn mtimes() {
        assert_eq!(parse_mtime("1700000000"), Some(1_700_000_000_000_000_000));
        assert_eq!(parse_mtime("1700000000.5"), Some(1_700_000_000_500_000_000));
        assert_eq!(
            parse_mtime("1700000000.123456789"),
            Some(1_700_000_000_123_456_789)
        );
        assert_eq!(parse_mtime("x"), None);
        assert_eq!(parse_mtime("1.1234567890"), None);
        assert_eq!(
            format_mtime(1_700_000_000_123_456_789),
            "1700000000.123456789"
        );
        assert_eq!(format_mtime(1_700_000_000_000_000_000), "1700000000");
        for ns in [0i64, 1, -1, 1_700_000_000_000_000_001] {
            assert_eq!(parse_mtime(&format_mtime(ns)), Some(ns), "{ns}");
        }
    }

    #[test]
    fn modes_written_by_users_lose_privileges() {
        // (mode written, kept for a user)
        let table = [
            (0o100_644, 0o100_644),
            (0o104_755, 0o100_755),
            (0o102_755, 0o100_755),
            (0o106_755, 0o100_755),
            (0o4755, 0o755),
            // Sticky stays (a directory like /tmp).
            (0o041_777, 0o041_777),
            // Devices become regular files.
            (0o020_644, 0o100_644),
            (0o060_600, 0o100_600),
            (0o024_644, 0o100_644),
            // Pipes, sockets, symlinks, directories keep their type.
            (0o010_644, 0o010_644),
            (0o140_755, 0o140_755),
            (0o120_777, 0o120_777),
            (0o040_755, 0o040_755),
        ];
        for (mode, want) in table {
            assert_eq!(unprivileged_mode(mode), want, "{mode:o}");
        }
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-meta-mode", HeaderValue::from_static("35309"));
        let user = Principal::User("alice".into());
        let meta = meta_from_headers(&headers, 2048, &user).unwrap();
        assert_eq!(meta.attrs.mode, Some(0o100_755), "35309 is 0o104755");
        let meta = meta_from_headers(&headers, 2048, &Principal::Root).unwrap();
        assert_eq!(meta.attrs.mode, Some(0o104_755));
    }

    #[test]
    fn snapshot_keys() {
        assert_eq!(snapshot_key(".snapshots/s1/a/b"), Some(("s1", "a/b")));
        assert_eq!(snapshot_key(".snapshots/s1"), None);
        assert_eq!(snapshot_key("a/.snapshots/s1/x"), None);
        assert!(check_writable(".snapshots/x").is_err());
        assert!(check_writable("x/.snapshots/y").is_ok());
    }
}
