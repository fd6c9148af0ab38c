//! Object operations: PutObject, GetObject and HeadObject, DeleteObject,
//! DeleteObjects and CopyObject.
//!
//! Choices where S3 leaves room or this server differs:
//! - A checksum the client sends in a header is stored with the object in
//!   the same commit. One sent as an `aws-chunked` trailer (what current SDKs
//!   do) is only known once the body has been read, so it is added to the
//!   new version's metadata right after the commit, in a second
//!   transaction; if another writer replaced that version in between (same
//!   `null` id), the change is put back.
//! - Conditional writes (`If-None-Match: *`, `If-Match: "etag"` or `*`)
//!   are checked before the body is read, so a doomed upload fails
//!   without sending its bytes to the store (`412`, or `404 NoSuchKey` for
//!   `If-Match` on no object), and again by the store in the commit
//!   itself: a condition that held at first and fails there lost a race
//!   to another write, which S3 answers `409 ConditionalRequestConflict`.
//!   `If-None-Match` with an entity tag is `501 NotImplemented`, as in S3.
//! - Request headers asking for what the server does not have
//!   (server-side encryption, object lock) are answered `NotImplemented`
//!   rather than ignored. Object ACLs (`x-amz-acl`, `x-amz-grant-*`) are
//!   [`super::object_acl`]'s.
//! - Keys under `.snapshots/NAME/` read the bucket as snapshot NAME saw it;
//!   writes there are `AccessDenied`.

mod attributes;
#[doc(hidden)] // public for the fuzz targets (fuzz/)
pub mod conditions;
mod copy;
mod get;
#[doc(hidden)] // public for the fuzz targets (fuzz/)
pub mod range;

use alexander_store::{
    At, DeleteResult, Error as StoreError, MAX_KEY_LEN, ObjectInfo, ObjectMeta, PutOptions, Store,
    Versioning, WriteCondition,
};
use http::{HeaderMap, Response, StatusCode};

use super::object_acl;
use super::upload::store_upload;
use super::{
    Access, Ctx, blocking, check_access, check_writable, empty_response, header, meta_from_headers,
    read_small_body, set_header, snapshot_key, upload_body, xml_response,
};
use crate::checksum::{self, ChecksumAlgorithm, DeclaredChecksum};
use crate::error::S3Error;
use crate::s3_error;
use crate::server::RequestBody;
use crate::server::ResponseBody;
use crate::xml::{Delete, DeleteError, DeletedObject, from_xml, quote_etag, to_xml};
pub use attributes::get_object_attributes;
pub(super) use attributes::{PART_CHECKSUMS, part_checksums_entry};
pub(super) use conditions::{COPY_SOURCE, Preconditions};
pub use copy::copy_object;
pub(super) use copy::copy_source;
pub use get::get_object;
pub(super) use range::parse_copy_range;

type R = Result<Response<ResponseBody>, S3Error>;

/// Refuses a key over 1,024 bytes before anything else is done.
pub(super) fn check_key(key: &str) -> Result<(), S3Error> {
    if key.len() > MAX_KEY_LEN {
        return Err(s3_error!(KeyTooLongError, "Your key is too long")
            .with_field("Size", key.len().to_string())
            .with_field("MaxSizeAllowed", MAX_KEY_LEN.to_string()));
    }
    Ok(())
}

/// Whether a version id could name a version: `null`, or the 16 hex digits
/// the store gives out.
fn well_formed_version_id(id: &str) -> bool {
    id == "null" || (id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Refuses a version id that cannot name any version, as S3 does.
pub(super) fn check_version_id(id: &str) -> Result<(), S3Error> {
    if well_formed_version_id(id) {
        Ok(())
    } else {
        Err(s3_error!(InvalidArgument, "Invalid version id specified")
            .with_field("ArgumentName", "versionId")
            .with_field("ArgumentValue", id))
    }
}

/// What a read names: a key, at a version or as a snapshot saw it.
pub(super) struct ReadTarget {
    pub key: String,
    snapshot: Option<String>,
    version_id: Option<String>,
}

impl ReadTarget {
    /// Splits `.snapshots/NAME/rest` into snapshot NAME and key `rest`.
    pub(super) fn new(key: String, version_id: Option<String>) -> Result<ReadTarget, S3Error> {
        if let Some(v) = &version_id {
            check_version_id(v)?;
        }
        if let Some((name, rest)) = snapshot_key(&key) {
            if version_id.is_some() {
                return Err(s3_error!(
                    InvalidRequest,
                    "A version id cannot be combined with a .snapshots/ key"
                ));
            }
            return Ok(ReadTarget {
                key: rest.to_owned(),
                snapshot: Some(name.to_owned()),
                version_id: None,
            });
        }
        Ok(ReadTarget {
            key,
            snapshot: None,
            version_id,
        })
    }

    pub(super) fn at(&self) -> At<'_> {
        match (&self.snapshot, &self.version_id) {
            (Some(s), _) => At::Snapshot(s),
            (None, Some(v)) => At::Version(v),
            (None, None) => At::Current,
        }
    }

    fn is_current(&self) -> bool {
        self.snapshot.is_none() && self.version_id.is_none()
    }
}

/// Refuses request headers that ask for features this server does not
/// have, so that a client is not told it got them.
pub(super) fn refuse_unsupported(headers: &HeaderMap) -> Result<(), S3Error> {
    let not_implemented = |what: &str| {
        s3_error!(
            NotImplemented,
            "A header you provided implies functionality that is not implemented: {what}"
        )
    };
    for name in headers.keys() {
        let n = name.as_str();
        if n.starts_with("x-amz-server-side-encryption")
            || n.starts_with("x-amz-copy-source-server-side-encryption")
            || n.starts_with("x-amz-object-lock-")
        {
            return Err(not_implemented(n));
        }
    }
    Ok(())
}

/// The precondition of a write (`If-None-Match: *` or `If-Match`).
pub(super) fn write_condition(headers: &HeaderMap) -> Result<Option<WriteCondition>, S3Error> {
    match (
        header(headers, "if-none-match"),
        header(headers, "if-match"),
    ) {
        (None, None) => Ok(None),
        (Some(v), None) if v.trim() == "*" => Ok(Some(WriteCondition::IfNoneMatch)),
        // S3 answers an entity tag here (it takes only `*` on a write) with
        // 501 NotImplemented.
        (Some(_), None) => Err(s3_error!(
            NotImplemented,
            "A header you provided implies functionality that is not implemented"
        )
        .with_field("Header", "If-None-Match")),
        (None, Some(v)) => Ok(Some(WriteCondition::IfMatch(v.trim().to_owned()))),
        (Some(_), Some(_)) => Err(s3_error!(
            NotImplemented,
            "A header you provided implies functionality that is not implemented"
        )
        .with_field("Header", "If-Match, If-None-Match")),
    }
}

fn precondition_failed(condition: &str) -> S3Error {
    s3_error!(
        PreconditionFailed,
        "At least one of the pre-conditions you specified did not hold"
    )
    .with_field("Condition", condition_name(condition))
}

/// Checks a copy source's preconditions: any failure is 412.
pub(super) fn precondition_for_copy(pre: &Preconditions, info: &ObjectInfo) -> Result<(), S3Error> {
    pre.evaluate_copy(&info.etag, info.modified_ns)
        .map_err(precondition_failed)
}

/// A precondition header as S3 names it in `<Condition>`.
fn condition_name(header: &str) -> String {
    fn base(h: &str) -> &str {
        match h {
            "if-match" => "If-Match",
            "if-none-match" => "If-None-Match",
            "if-modified-since" => "If-Modified-Since",
            "if-unmodified-since" => "If-Unmodified-Since",
            other => other,
        }
    }
    match header.strip_prefix("x-amz-copy-source-") {
        Some(rest) => format!("x-amz-copy-source-{}", base(rest)),
        None => base(header).to_owned(),
    }
}

/// Checks a write's precondition against the current object before the
/// body is read. The store checks it again, atomically, when it commits.
async fn precheck(
    store: &Store,
    bucket: &str,
    key: &str,
    cond: &WriteCondition,
) -> Result<(), S3Error> {
    let (s, b, k) = (store.clone(), bucket.to_owned(), key.to_owned());
    let current = blocking(move || match s.head_object(&b, &k, At::Current) {
        Ok(info) => Ok(Some(info)),
        Err(StoreError::NoSuchKey { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    })
    .await?;
    match (cond, current) {
        (WriteCondition::IfNoneMatch, Some(_)) => Err(precondition_failed("if-none-match")),
        (WriteCondition::IfMatch(_), None) => Err(no_such_key(key)),
        (WriteCondition::IfMatch(etag), Some(info))
            if !conditions::etag_list_matches(etag, &info.etag) =>
        {
            Err(precondition_failed("if-match"))
        }
        _ => Ok(()),
    }
}

fn no_such_key(key: &str) -> S3Error {
    s3_error!(NoSuchKey, "The specified key does not exist.").with_field("Key", key)
}

/// Turns the store's `PreconditionFailed` into S3's answer: `If-Match` on
/// a key without a current object is `NoSuchKey`.
async fn write_condition_failure(
    store: &Store,
    bucket: &str,
    key: &str,
    cond: &Option<WriteCondition>,
    err: S3Error,
) -> S3Error {
    // Only the store's verdict on the write itself is rewritten; a failed
    // copy-source precondition already names its header.
    if err.code != crate::error::S3ErrorCode::PreconditionFailed
        || err.fields.iter().any(|(name, _)| *name == "Condition")
    {
        return err;
    }
    match cond {
        Some(WriteCondition::IfMatch(_)) => {
            let (s, b, k) = (store.clone(), bucket.to_owned(), key.to_owned());
            let exists = blocking(move || Ok(s.head_object(&b, &k, At::Current).is_ok())).await;
            if matches!(exists, Ok(false)) {
                no_such_key(key)
            } else {
                precondition_failed("if-match")
            }
        }
        Some(WriteCondition::IfNoneMatch) => precondition_failed("if-none-match"),
        None => err,
    }
}

/// Turns a failed condition at a PutObject's commit into S3's answer.
/// The condition held when the request began ([`precheck`]), so another
/// write came in while the body was sent: S3 answers such a race `409
/// ConditionalRequestConflict` (its client retries).
fn raced_write_condition(err: S3Error) -> S3Error {
    if err.code != crate::error::S3ErrorCode::PreconditionFailed
        || err.fields.iter().any(|(name, _)| *name == "Condition")
    {
        return err;
    }
    S3Error::from(StoreError::ConditionalConflict)
}

/// Turns a failed condition of a CompleteMultipartUpload into S3's answer:
/// the store tells `NoSuchKey`, `ConditionalRequestConflict` and
/// `PreconditionFailed` apart; the last names the header.
pub(super) fn completion_condition_failure(cond: Option<&WriteCondition>, err: S3Error) -> S3Error {
    if err.code != crate::error::S3ErrorCode::PreconditionFailed
        || err.fields.iter().any(|(name, _)| *name == "Condition")
    {
        return err;
    }
    match cond {
        Some(WriteCondition::IfMatch(_)) => precondition_failed("if-match"),
        Some(WriteCondition::IfNoneMatch) => precondition_failed("if-none-match"),
        None => err,
    }
}

/// The metadata key a verified checksum is kept under (`checksum-crc32`, …).
pub(super) fn checksum_key(algorithm: ChecksumAlgorithm) -> &'static str {
    algorithm.header_name().trim_start_matches("x-amz-")
}

/// The checksums stored with an object.
pub(super) fn stored_checksums(
    meta: &ObjectMeta,
) -> impl Iterator<Item = (ChecksumAlgorithm, &str)> {
    ChecksumAlgorithm::ALL
        .into_iter()
        .filter_map(|a| meta.extra.get(checksum_key(a)).map(|v| (a, v.as_str())))
}

/// Sets `x-amz-version-id` as S3 does: on versioned (or suspended) buckets,
/// and for any version that has a real id.
pub(super) fn set_version_header(
    headers: &mut HeaderMap,
    name: &'static str,
    versioning: Versioning,
    id: &str,
) {
    if id != "null" || versioning != Versioning::Unversioned {
        set_header(headers, name, id);
    }
}

pub async fn put_object(ctx: Ctx, bucket: String, key: String, body: RequestBody) -> R {
    check_key(&key)?;
    let binfo = check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let headers = &ctx.parts.headers;
    refuse_unsupported(headers)?;
    let condition = write_condition(headers)?;
    let limits = &ctx.svc.inner.config.limits;
    let mut meta = meta_from_headers(headers, limits.max_user_metadata, &ctx.principal)?;
    object_acl::for_new_version(headers, &binfo)?.store_in(&mut meta);
    let declared = checksum::declared_checksum(headers)?;
    if let Some(DeclaredChecksum::Header { algorithm, value }) = &declared {
        // The store commits only if the body matches it.
        meta.extra
            .insert(checksum_key(*algorithm).to_owned(), value.clone());
    }
    if let Some(cond) = &condition {
        precheck(ctx.store(), &bucket, &key, cond).await?;
    }
    let upload = upload_body(&ctx, body, limits.max_put_size)?;
    let (b, k, c) = (bucket.clone(), key.clone(), condition.clone());
    let put = store_upload(
        ctx.store().clone(),
        upload,
        move |store, staged, outcome| {
            let mut meta = meta;
            // A checksum sent as a trailer is known only now, and is
            // committed with the object.
            if let Some((algorithm, value)) = &outcome.checksum {
                meta.extra
                    .insert(checksum_key(*algorithm).to_owned(), value.clone());
            }
            store.put_staged(&b, &k, staged, PutOptions { meta, condition: c })
        },
    )
    .await;
    let (info, outcome) = put.map_err(raced_write_condition)?;
    let mut resp = empty_response(StatusCode::OK);
    let h = resp.headers_mut();
    set_header(h, "etag", &quote_etag(&info.etag));
    set_version_header(h, "x-amz-version-id", binfo.versioning, &info.version_id);
    if let Some((algorithm, value)) = &outcome.checksum {
        set_header(h, algorithm.header_name(), value);
        set_header(h, "x-amz-checksum-type", "FULL_OBJECT");
    }
    Ok(resp)
}

pub async fn delete_object(ctx: Ctx, bucket: String, key: String, version_id: Option<String>) -> R {
    let binfo = check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    check_key(&key)?;
    let headers = &ctx.parts.headers;
    for name in [
        "if-match",
        "x-amz-if-match-last-modified-time",
        "x-amz-if-match-size",
    ] {
        if headers.contains_key(name) {
            return Err(s3_error!(
                NotImplemented,
                "A header you provided implies functionality that is not implemented: conditional delete ({name})"
            ));
        }
    }
    if let Some(v) = &version_id {
        check_version_id(v)?;
    }
    let store = ctx.store().clone();
    let result =
        blocking(
            move || match store.delete_object(&bucket, &key, version_id.as_deref()) {
                Ok(r) => Ok(r),
                // S3 answers a well-formed id of no version as if it was deleted.
                Err(StoreError::NoSuchVersion { version_id, .. }) => Ok(DeleteResult {
                    version_id: Some(version_id),
                    delete_marker: false,
                }),
                Err(e) => Err(e.into()),
            },
        )
        .await?;
    let mut resp = empty_response(StatusCode::NO_CONTENT);
    let h = resp.headers_mut();
    if result.delete_marker {
        set_header(h, "x-amz-delete-marker", "true");
    }
    if let Some(id) = &result.version_id {
        set_version_header(h, "x-amz-version-id", binfo.versioning, id);
    }
    Ok(resp)
}

pub async fn delete_objects(ctx: Ctx, bucket: String, body: RequestBody) -> R {
    check_access(&ctx, &bucket, Access::Write)?;
    let headers = &ctx.parts.headers;
    if !headers.contains_key("content-md5") && checksum::declared_checksum(headers)?.is_none() {
        return Err(s3_error!(
            InvalidRequest,
            "Missing required header for this request: Content-MD5 OR x-amz-checksum-*"
        ));
    }
    let limits = &ctx.svc.inner.config.limits;
    let bytes = read_small_body(&ctx, body, limits.max_xml_bytes).await?;
    let doc: Delete = from_xml(&bytes, limits.max_xml_bytes)?;
    doc.validate(limits.max_delete_keys)?;

    let mut result = crate::xml::DeleteResult::default();
    let mut targets = Vec::with_capacity(doc.objects.len());
    for obj in doc.objects {
        let checked =
            if obj.etag.is_some() || obj.last_modified_time.is_some() || obj.size.is_some() {
                Err(s3_error!(
                    NotImplemented,
                    "Conditional deletes (ETag, LastModifiedTime, Size) are not implemented"
                ))
            } else {
                check_writable(&obj.key)
                    .and_then(|()| check_key(&obj.key))
                    .and_then(|()| obj.version_id.as_deref().map_or(Ok(()), check_version_id))
            };
        match checked {
            Ok(()) => targets.push((obj.key, obj.version_id)),
            Err(e) => result
                .errors
                .push(DeleteError::new(obj.key, obj.version_id, &e)),
        }
    }
    let outcomes = if targets.is_empty() {
        Vec::new()
    } else {
        let store = ctx.store().clone();
        let t = targets.clone();
        blocking(move || Ok(store.delete_objects(&bucket, &t)?)).await?
    };
    for ((key, version_id), outcome) in targets.into_iter().zip(outcomes) {
        match outcome {
            Ok(d) => result.deleted.push(DeletedObject {
                key,
                version_id,
                delete_marker: d.delete_marker.then_some(true),
                delete_marker_version_id: if d.delete_marker { d.version_id } else { None },
            }),
            Err(StoreError::NoSuchVersion { .. }) => result.deleted.push(DeletedObject {
                key,
                version_id,
                ..DeletedObject::default()
            }),
            Err(e) => {
                let e = S3Error::from(e);
                result.errors.push(DeleteError::new(key, version_id, &e));
            }
        }
    }
    if doc.quiet {
        result.deleted.clear();
    }
    Ok(xml_response(StatusCode::OK, to_xml(&result)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store writes the CRC64NVME of a mount-written file, and drops
    /// checksums carried over from other bytes, by these names.
    #[test]
    fn checksum_keys_are_the_stores() {
        use alexander_store::crc::{CHECKSUM_PREFIX, CRC64NVME_KEY};
        assert_eq!(checksum_key(ChecksumAlgorithm::Crc64Nvme), CRC64NVME_KEY);
        for a in ChecksumAlgorithm::ALL {
            assert!(checksum_key(a).starts_with(CHECKSUM_PREFIX), "{a:?}");
        }
        assert!(attributes::PART_CHECKSUMS.starts_with(CHECKSUM_PREFIX));
    }

    #[test]
    fn version_ids() {
        assert!(well_formed_version_id("null"));
        assert!(well_formed_version_id("00000000000000a1"));
        assert!(!well_formed_version_id(""));
        assert!(!well_formed_version_id("0000000000000a1"));
        assert!(!well_formed_version_id("zzzzzzzzzzzzzzzz"));
        assert!(!well_formed_version_id("NULL"));
    }

    #[test]
    fn read_targets() {
        let t = ReadTarget::new(".snapshots/s1/a/b".into(), None).unwrap();
        assert_eq!((t.key.as_str(), t.at()), ("a/b", At::Snapshot("s1")));
        let t = ReadTarget::new("a".into(), Some("null".into())).unwrap();
        assert_eq!(t.at(), At::Version("null"));
        assert!(ReadTarget::new(".snapshots/s1/a".into(), Some("null".into())).is_err());
        assert!(ReadTarget::new("a".into(), Some("bad".into())).is_err());
        assert!(ReadTarget::new("a".into(), None).unwrap().is_current());
    }

    #[test]
    fn condition_names() {
        assert_eq!(condition_name("if-match"), "If-Match");
        assert_eq!(
            condition_name("x-amz-copy-source-if-unmodified-since"),
            "x-amz-copy-source-If-Unmodified-Since"
        );
    }

    #[test]
    fn write_conditions() {
        let mut h = HeaderMap::new();
        assert_eq!(write_condition(&h).unwrap(), None);
        h.insert("if-none-match", "*".parse().unwrap());
        assert_eq!(
            write_condition(&h).unwrap(),
            Some(WriteCondition::IfNoneMatch)
        );
        h.insert("if-none-match", "\"abc\"".parse().unwrap());
        assert!(write_condition(&h).is_err());
        h.remove("if-none-match");
        h.insert("if-match", "\"abc\"".parse().unwrap());
        assert_eq!(
            write_condition(&h).unwrap(),
            Some(WriteCondition::IfMatch("\"abc\"".into()))
        );
    }

    #[test]
    fn unsupported_headers() {
        let mut h = HeaderMap::new();
        h.insert("x-amz-acl", "public-read".parse().unwrap());
        assert!(refuse_unsupported(&h).is_ok(), "ACLs are object_acl's");
        let mut h = HeaderMap::new();
        h.insert("x-amz-server-side-encryption", "AES256".parse().unwrap());
        assert!(refuse_unsupported(&h).is_err());
    }
}
