//! CopyObject: a new version that shares the source's chunks, with the
//! source's metadata or new metadata.
//!
//! The source is read once, under its preconditions
//! (`x-amz-copy-source-if-*`), and the copy names that exact version, so a
//! source replaced meanwhile in a versioned bucket cannot slip in. (In an
//! unversioned bucket every version is `null`; a replacement in the
//! instant between the check and the copy is copied instead.) A copy keeps
//! the source's stored checksums whatever the metadata directive, since the
//! bytes are the same.

use alexander_store::{At, CopyMetadata, CopySource as StoreCopySource, Versioning};
use http::{HeaderMap, StatusCode};

use super::super::object_acl::{self, ObjectAcl};
use super::super::{
    Access, Ctx, ReadVia, blocking, check_access, check_object_read, check_writable, config,
    header, meta_from_headers, xml_response,
};
use super::{
    COPY_SOURCE, Preconditions, R, ReadTarget, check_key, checksum_key, precondition_for_copy,
    refuse_unsupported, set_version_header, stored_checksums, write_condition,
    write_condition_failure,
};
use crate::checksum::ChecksumAlgorithm;
use crate::error::S3Error;
use crate::router::CopySource;
use crate::s3_error;
use crate::xml::{CopyObjectResult, Timestamp, to_xml};

/// `x-amz-metadata-directive` and `x-amz-tagging-directive`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Directive {
    Copy,
    Replace,
}

fn directive(headers: &HeaderMap, name: &str) -> Result<Directive, S3Error> {
    match header(headers, name).map(str::trim) {
        None => Ok(Directive::Copy),
        Some(v) if v.eq_ignore_ascii_case("COPY") => Ok(Directive::Copy),
        Some(v) if v.eq_ignore_ascii_case("REPLACE") => Ok(Directive::Replace),
        Some(v) => Err(s3_error!(InvalidArgument, "Unknown {name}.")
            .with_field("ArgumentName", name)
            .with_field("ArgumentValue", v)),
    }
}

/// Checks a copy source: it parses, the principal may read its bucket or
/// (checked once the version is opened, with the returned [`ReadVia`]) the
/// object itself. Returns what to read and the source bucket's versioning
/// state.
pub(in crate::ops) fn copy_source(
    ctx: &Ctx,
    source: CopySource,
) -> Result<(String, ReadTarget, Versioning, ReadVia), S3Error> {
    let target = ReadTarget::new(source.key, source.version_id)?;
    let (info, via) = check_object_read(ctx, &source.bucket)?;
    Ok((source.bucket, target, info.versioning, via))
}

pub async fn copy_object(ctx: Ctx, bucket: String, key: String, source: CopySource) -> R {
    check_key(&key)?;
    let dst = check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let (src_bucket, src, src_versioning, via) = copy_source(&ctx, source)?;
    let headers = &ctx.parts.headers;
    refuse_unsupported(headers)?;
    let acl = object_acl::for_new_version(headers, &dst)?;
    let principal = ctx.principal.clone();
    if headers.contains_key("x-amz-copy-source-range") {
        return Err(s3_error!(
            InvalidArgument,
            "x-amz-copy-source-range is only valid for UploadPartCopy"
        )
        .with_field("ArgumentName", "x-amz-copy-source-range"));
    }
    let meta_directive = directive(headers, "x-amz-metadata-directive")?;
    let tag_directive = directive(headers, "x-amz-tagging-directive")?;
    let changes = meta_directive == Directive::Replace
        || tag_directive == Directive::Replace
        || headers.contains_key("x-amz-storage-class");
    if src_bucket == bucket && src.key == key && src.is_current() && !changes {
        return Err(s3_error!(
            InvalidRequest,
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."
        ));
    }
    let limits = &ctx.svc.inner.config.limits;
    let new_meta = match meta_directive {
        Directive::Replace => Some(meta_from_headers(
            headers,
            limits.max_user_metadata,
            &ctx.principal,
        )?),
        Directive::Copy => None,
    };
    let new_tags = match tag_directive {
        Directive::Replace => match headers.get("x-amz-tagging") {
            Some(v) => {
                let tags = crate::xml::parse_tagging_header(v.as_bytes())?;
                crate::xml::validate_tags(&tags, 10)?;
                Some(Some(config::encode_tags(&tags)))
            }
            None => Some(None),
        },
        Directive::Copy => None,
    };
    let wanted_checksum = match header(headers, "x-amz-checksum-algorithm") {
        Some(v) => Some(ChecksumAlgorithm::from_name(v).ok_or_else(|| {
            s3_error!(
                InvalidRequest,
                "Checksum algorithm provided is unsupported."
            )
        })?),
        None => None,
    };
    let pre = Preconditions::from_headers(headers, &COPY_SOURCE);
    let condition = write_condition(headers)?;

    let store = ctx.store().clone();
    let (b, k, c) = (bucket.clone(), key.clone(), condition.clone());
    let copied = blocking(move || {
        let opened = store
            .head_object(&src_bucket, &src.key, src.at())
            .map_err(S3Error::from);
        let src_info = via.check(&principal, opened, |i| &i.meta)?;
        precondition_for_copy(&pre, &src_info)?;
        if let Some(a) = wanted_checksum
            && !src_info.meta.extra.contains_key(checksum_key(a))
        {
            return Err(s3_error!(
                NotImplemented,
                "A header you provided implies functionality that is not implemented: computing a new {} checksum in a copy",
                a.as_str()
            ));
        }
        // The copy gets the request's ACL, not the source's.
        let metadata = if new_meta.is_none()
            && new_tags.is_none()
            && ObjectAcl::of(&src_info.meta) == acl
        {
            CopyMetadata::Copy
        } else {
            let mut meta = new_meta.unwrap_or_else(|| src_info.meta.clone());
            // The data is the source's: so are its checksums.
            for (a, v) in stored_checksums(&src_info.meta) {
                meta.extra.insert(checksum_key(a).to_owned(), v.to_owned());
            }
            let tags = match new_tags {
                Some(t) => t,
                None => src_info.meta.extra.get(config::TAGGING).cloned(),
            };
            match tags {
                Some(t) => meta.extra.insert(config::TAGGING.to_owned(), t),
                None => meta.extra.remove(config::TAGGING),
            };
            acl.store_in(&mut meta);
            CopyMetadata::Replace(meta)
        };
        // Copy the version the preconditions were checked against.
        let at = match src.at() {
            At::Current => At::Version(&src_info.version_id),
            other => other,
        };
        let source = StoreCopySource {
            bucket: &src_bucket,
            key: &src.key,
            at,
        };
        let new = store.copy_object(source, &b, &k, metadata, c)?;
        Ok((src_info, new))
    })
    .await;
    let (src_info, new) = match copied {
        Ok(v) => v,
        Err(e) => {
            return Err(write_condition_failure(ctx.store(), &bucket, &key, &condition, e).await);
        }
    };

    let mut doc = CopyObjectResult {
        etag: new.etag.clone(),
        last_modified: Timestamp(new.modified_ns),
        ..CopyObjectResult::default()
    };
    for (algorithm, value) in stored_checksums(&new.meta) {
        let v = Some(value.to_owned());
        match algorithm {
            ChecksumAlgorithm::Crc32 => doc.checksum_crc32 = v,
            ChecksumAlgorithm::Crc32c => doc.checksum_crc32c = v,
            ChecksumAlgorithm::Crc64Nvme => doc.checksum_crc64nvme = v,
            ChecksumAlgorithm::Sha1 => doc.checksum_sha1 = v,
            ChecksumAlgorithm::Sha256 => doc.checksum_sha256 = v,
        }
        doc.checksum_type = Some("FULL_OBJECT".to_owned());
    }
    let mut resp = xml_response(StatusCode::OK, to_xml(&doc));
    let h = resp.headers_mut();
    set_version_header(
        h,
        "x-amz-copy-source-version-id",
        src_versioning,
        &src_info.version_id,
    );
    set_version_header(h, "x-amz-version-id", dst.versioning, &new.version_id);
    Ok(resp)
}
