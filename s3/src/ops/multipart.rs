//! Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
//! CompleteMultipartUpload, AbortMultipartUpload, ListParts and
//! ListMultipartUploads.
//!
//! Parts are verified like a PutObject body (signatures, `Content-MD5`,
//! `x-amz-checksum-*`) and stored deduplicated; completing an upload
//! concatenates the parts' manifests, so no byte is copied. UploadPartCopy
//! reads the source range through the store and stores it as a part; its
//! chunks are found already stored, so it costs metadata only.
//!
//! Checksums: CreateMultipartUpload's `x-amz-checksum-algorithm` and
//! `x-amz-checksum-type` are kept with the upload (in its metadata, under
//! `upload-checksum-*`, dropped at completion). Each part then carries a
//! checksum of that algorithm, verified on upload (a full-object upload's
//! part without one gets one computed; a composite upload's is refused).
//! Completion needs every part's checksum, checks them, and gives the
//! object its composite (`base64-N`) or full-object checksum, the latter
//! combined from the parts' CRCs without reading the data. The object
//! keeps it as any checksum: `checksum-<algorithm>` in its metadata.
//!
//! Differences from S3:
//! - An upload created without an algorithm gets no object checksum (S3
//!   adds a CRC64NVME one), unless the completion sends a full-object CRC
//!   that its parts' checksums can make.
//! - Conditional completion (`If-None-Match: *`, `If-Match`) is checked
//!   by the store in the completing commit. A key written after the upload
//!   began answers `409 ConditionalRequestConflict` and drops the upload
//!   (S3's client starts over); otherwise a failed condition is `412` (or
//!   `404 NoSuchKey` for `If-Match` on no object) and keeps the upload.
//! - Completing an upload again (a lost answer's retry) answers what the
//!   first completion did, for an hour after it.
//! - The initiator of an upload is not recorded; ListParts and
//!   ListMultipartUploads name the bucket's owner as both owner and
//!   initiator.

use std::io::{Read, Seek, SeekFrom};

use alexander_store::BucketInfo;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{Response, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::bucket::{bucket_owner, owner_of};
use super::list::url_encode;
use super::object::{
    COPY_SOURCE, PART_CHECKSUMS, check_key, checksum_key, completion_condition_failure,
    copy_source, parse_copy_range, part_checksums_entry, precondition_for_copy, refuse_unsupported,
    set_version_header, stored_checksums, write_condition,
};
use super::object_acl;
use super::upload::store_upload;
use super::{
    Access, Ctx, blocking, check_access, check_writable, empty_response, header, meta_from_headers,
    read_document, set_header, upload_body, xml_response,
};
use crate::checksum::{self, ChecksumAlgorithm, ChecksumType, Checksummer};
use crate::error::S3Error;
use crate::router::{CopySource, Endpoint};
use crate::s3_error;
use crate::server::{RequestBody, ResponseBody};
use crate::xml::{
    CommonPrefix, CompleteMultipartUpload, CompleteMultipartUploadResult, CopyPartResult,
    InitiateMultipartUploadResult, ListMultipartUploadsResult, ListPartsResult, MultipartUpload,
    Owner, PartEntry, Timestamp, from_xml, quote_etag, to_xml,
};

type R = Result<Response<ResponseBody>, S3Error>;

/// Most entries one ListParts or ListMultipartUploads page holds, as in S3.
const MAX_PAGE: u32 = 1000;

/// Bytes kept as they are in the key of a `Location` URL: unreserved
/// characters, and `/`.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

pub(super) fn path_encode(text: &str) -> String {
    utf8_percent_encode(text, KEEP).to_string()
}

/// The bucket's owner, shown as owner and initiator of its uploads.
fn upload_owner(info: &BucketInfo) -> Owner {
    owner_of(bucket_owner(info))
}

fn check_part_number(part_number: u32, max_parts: u32) -> Result<(), S3Error> {
    if (1..=max_parts).contains(&part_number) {
        Ok(())
    } else {
        Err(s3_error!(
            InvalidArgument,
            "Part number must be an integer between 1 and {max_parts}, inclusive"
        )
        .with_field("ArgumentName", "partNumber")
        .with_field("ArgumentValue", part_number.to_string()))
    }
}

pub async fn create_multipart_upload(ctx: Ctx, bucket: String, key: String) -> R {
    check_key(&key)?;
    let binfo = check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let headers = &ctx.parts.headers;
    refuse_unsupported(headers)?;
    let checksum = upload_checksum(headers)?;
    let mut meta = meta_from_headers(
        headers,
        ctx.svc.inner.config.limits.max_user_metadata,
        &ctx.principal,
    )?;
    if let Some(c) = &checksum {
        c.keep(&mut meta.extra);
    }
    // The completed object gets the ACL the upload was started with.
    object_acl::for_new_version(headers, &binfo)?.store_in(&mut meta);
    let store = ctx.store().clone();
    let (b, k) = (bucket.clone(), key.clone());
    let upload_id = blocking(move || Ok(store.create_multipart(&b, &k, meta)?)).await?;
    let doc = InitiateMultipartUploadResult {
        bucket,
        key,
        upload_id,
        ..Default::default()
    };
    let mut resp = xml_response(StatusCode::OK, to_xml(&doc));
    if let Some(c) = &checksum {
        let h = resp.headers_mut();
        set_header(h, "x-amz-checksum-algorithm", c.algorithm.as_str());
        set_header(h, "x-amz-checksum-type", c.kind.as_str());
    }
    Ok(resp)
}

/// The checksum an upload was created with: its parts carry checksums of
/// this algorithm, and the object gets one of this type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct UploadChecksum {
    algorithm: ChecksumAlgorithm,
    kind: ChecksumType,
}

/// The upload metadata keys the checksum is kept under until completion
/// (they are not carried to the object).
const UPLOAD_ALGORITHM: &str = "upload-checksum-algorithm";
const UPLOAD_TYPE: &str = "upload-checksum-type";

impl UploadChecksum {
    fn keep(&self, extra: &mut std::collections::BTreeMap<String, String>) {
        extra.insert(
            UPLOAD_ALGORITHM.to_owned(),
            self.algorithm.as_str().to_owned(),
        );
        extra.insert(UPLOAD_TYPE.to_owned(), self.kind.as_str().to_owned());
    }

    /// Reads what [`UploadChecksum::keep`] kept.
    fn kept(extra: &std::collections::BTreeMap<String, String>) -> Option<Self> {
        let algorithm = ChecksumAlgorithm::from_name(extra.get(UPLOAD_ALGORITHM)?)?;
        let kind = extra
            .get(UPLOAD_TYPE)
            .and_then(|k| ChecksumType::from_name(k))
            .unwrap_or(ChecksumType::default_for(algorithm));
        Some(UploadChecksum { algorithm, kind })
    }

    /// Reads and removes what [`UploadChecksum::keep`] kept: the
    /// completed object does not carry it.
    fn take(extra: &mut std::collections::BTreeMap<String, String>) -> Option<Self> {
        let kept = Self::kept(extra);
        extra.remove(UPLOAD_ALGORITHM);
        extra.remove(UPLOAD_TYPE);
        kept
    }
}

/// `x-amz-checksum-type`, if the request has one.
fn checksum_type_header(headers: &http::HeaderMap) -> Result<Option<ChecksumType>, S3Error> {
    header(headers, "x-amz-checksum-type")
        .map(|v| {
            ChecksumType::from_name(v).ok_or_else(|| {
                s3_error!(
                    InvalidRequest,
                    "Value for x-amz-checksum-type header is invalid."
                )
            })
        })
        .transpose()
}

/// CreateMultipartUpload's `x-amz-checksum-algorithm` and
/// `x-amz-checksum-type`, checked as S3 checks them.
fn upload_checksum(headers: &http::HeaderMap) -> Result<Option<UploadChecksum>, S3Error> {
    let kind = checksum_type_header(headers)?;
    let Some(name) = header(headers, "x-amz-checksum-algorithm") else {
        if kind.is_some() {
            return Err(s3_error!(
                InvalidRequest,
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."
            ));
        }
        return Ok(None);
    };
    let algorithm = ChecksumAlgorithm::from_name(name).ok_or_else(|| {
        s3_error!(
            InvalidRequest,
            "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
        )
    })?;
    let kind = kind.unwrap_or(ChecksumType::default_for(algorithm));
    if !kind.allows(algorithm) {
        return Err(s3_error!(
            InvalidRequest,
            "The {} checksum type cannot be used with the {} checksum algorithm.",
            kind.as_str(),
            algorithm.as_str().to_lowercase()
        ));
    }
    Ok(Some(UploadChecksum { algorithm, kind }))
}

/// `InvalidRequest` for a part whose checksum is not of the upload's
/// algorithm (`null`: it has none).
fn checksum_mismatch(expected: ChecksumAlgorithm, actual: Option<ChecksumAlgorithm>) -> S3Error {
    s3_error!(
        InvalidRequest,
        "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
        expected.as_str().to_lowercase(),
        actual.map_or("null".to_owned(), |a| a.as_str().to_lowercase())
    )
}

pub async fn upload_part(
    ctx: Ctx,
    bucket: String,
    key: String,
    part_number: u32,
    upload_id: String,
    body: RequestBody,
) -> R {
    check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let limits = &ctx.svc.inner.config.limits;
    check_part_number(part_number, limits.max_parts)?;
    let store = ctx.store().clone();
    // Refused before the body is read, not after: a metadata read, done
    // here as `check_access` does.
    let upload_meta = store.upload_meta(&bucket, &key, &upload_id)?;
    store.check_part(&bucket, &key, &upload_id, part_number)?;
    let mut upload = upload_body(&ctx, body, limits.max_part_size)?;
    if let Some(c) = UploadChecksum::kept(&upload_meta.extra) {
        // A part carries a checksum of the upload's algorithm. Without
        // one, S3 computes it for a full-object upload (the object's CRC
        // is made from the parts'), and refuses the part of a composite
        // one.
        let declared = checksum::declared_checksum(&ctx.parts.headers)?.map(|d| d.algorithm());
        match declared {
            Some(a) if a != c.algorithm => return Err(checksum_mismatch(c.algorithm, Some(a))),
            Some(_) => {}
            None if c.kind == ChecksumType::FullObject => upload.compute_checksum(c.algorithm),
            None => return Err(checksum_mismatch(c.algorithm, None)),
        }
    }
    let (part, outcome) = store_upload(store, upload, move |store, staged, outcome| {
        let mut extra = std::collections::BTreeMap::new();
        if let Some((algorithm, value)) = &outcome.checksum {
            extra.insert(checksum_key(*algorithm).to_owned(), value.clone());
        }
        store.put_part_staged(&bucket, &key, &upload_id, part_number, staged, extra)
    })
    .await?;
    let mut resp = empty_response(StatusCode::OK);
    let h = resp.headers_mut();
    set_header(h, "etag", &quote_etag(&part.etag));
    if let Some((algorithm, value)) = &outcome.checksum {
        set_header(h, algorithm.header_name(), value);
    }
    Ok(resp)
}

pub async fn upload_part_copy(
    ctx: Ctx,
    bucket: String,
    key: String,
    part_number: u32,
    upload_id: String,
    source: CopySource,
) -> R {
    check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let limits = &ctx.svc.inner.config.limits;
    check_part_number(part_number, limits.max_parts)?;
    let (src_bucket, src, src_versioning, via) = copy_source(&ctx, source)?;
    let principal = ctx.principal.clone();
    let headers = &ctx.parts.headers;
    refuse_unsupported(headers)?;
    let range_text = header(headers, "x-amz-copy-source-range")
        .unwrap_or_default()
        .to_owned();
    let range = header(headers, "x-amz-copy-source-range")
        .map(parse_copy_range)
        .transpose()?;
    let pre = super::object::Preconditions::from_headers(headers, &COPY_SOURCE);
    let max_part = limits.max_part_size;
    let store = ctx.store().clone();
    let upload_meta = store.upload_meta(&bucket, &key, &upload_id)?;
    let wanted = UploadChecksum::kept(&upload_meta.extra).map(|c| c.algorithm);
    let (src_info, (part, part_checksum)) = blocking(move || {
        // One reader pins the source version for the checks and the bytes.
        let opened = store
            .get_object(&src_bucket, &src.key, src.at(), None)
            .map_err(S3Error::from);
        let mut reader = via.check(&principal, opened, |r| &r.info().meta)?;
        let info = reader.info().clone();
        precondition_for_copy(&pre, &info)?;
        let (start, end) = match range {
            Some((first, last)) if last < info.size => (first, last + 1),
            // S3 answers a range outside the source `InvalidRange`.
            Some(_) => {
                return Err(s3_error!(
                    InvalidRange,
                    "Range specified is not valid for source object of size: {}",
                    info.size
                )
                .with_field("RangeRequested", range_text)
                .with_field("ActualObjectSize", info.size.to_string()));
            }
            None => (0, info.size),
        };
        if end - start > max_part {
            return Err(s3_error!(
                EntityTooLarge,
                "Your proposed upload exceeds the maximum allowed size"
            )
            .with_field("MaxSizeAllowed", max_part.to_string()));
        }
        reader
            .seek(SeekFrom::Start(start))
            .map_err(|e| S3Error::internal(format!("seek in object: {e}")))?;
        // In an upload with a checksum, the part gets its checksum of the
        // bytes copied.
        let source = ChecksumReader {
            inner: reader.take(end - start),
            sum: wanted.map(Checksummer::new),
        };
        let mut value = None;
        let part = store.put_part_then(
            &bucket,
            &key,
            &upload_id,
            part_number,
            source,
            |source, extra| {
                if let Some(sum) = source.sum.take() {
                    let algorithm = sum.algorithm();
                    let v = sum.finish();
                    extra.insert(checksum_key(algorithm).to_owned(), v.clone());
                    value = Some((algorithm, v));
                }
                Ok(())
            },
        )?;
        Ok((info, (part, value)))
    })
    .await?;
    let mut doc = CopyPartResult {
        etag: part.etag,
        last_modified: Timestamp(part.modified_ns),
        ..Default::default()
    };
    if let Some((algorithm, value)) = part_checksum {
        let v = Some(value);
        match algorithm {
            ChecksumAlgorithm::Crc32 => doc.checksum_crc32 = v,
            ChecksumAlgorithm::Crc32c => doc.checksum_crc32c = v,
            ChecksumAlgorithm::Crc64Nvme => doc.checksum_crc64nvme = v,
            ChecksumAlgorithm::Sha1 => doc.checksum_sha1 = v,
            ChecksumAlgorithm::Sha256 => doc.checksum_sha256 = v,
        }
    }
    let mut resp = xml_response(StatusCode::OK, to_xml(&doc));
    set_version_header(
        resp.headers_mut(),
        "x-amz-copy-source-version-id",
        src_versioning,
        &src_info.version_id,
    );
    Ok(resp)
}

/// A reader that computes a checksum of what is read through it.
struct ChecksumReader<R> {
    inner: R,
    sum: Option<Checksummer>,
}

impl<R: Read> Read for ChecksumReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(sum) = &mut self.sum {
            sum.update(&buf[..n]);
        }
        Ok(n)
    }
}

pub async fn complete_multipart_upload(
    ctx: Ctx,
    bucket: String,
    key: String,
    upload_id: String,
    body: RequestBody,
) -> R {
    let binfo = check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let headers = &ctx.parts.headers;
    let condition = write_condition(headers)?;
    let limits = &ctx.svc.inner.config.limits;
    // The checksum headers of a completion describe the object, not this
    // document.
    let object_sum = object_checksum_header(headers)?;
    let asked_type = checksum_type_header(headers)?;
    let bytes = read_document(&ctx, body, limits.max_xml_bytes, false).await?;
    let doc: CompleteMultipartUpload = from_xml(&bytes, limits.max_xml_bytes)?;
    if doc.parts.is_empty() {
        return Err(s3_error!(
            MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema"
        ));
    }
    if let Some(p) = doc
        .parts
        .iter()
        .find(|p| !(1..=limits.max_parts).contains(&p.part_number))
    {
        return Err(s3_error!(
            InvalidPart,
            "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."
        )
        .with_field("PartNumber", p.part_number.to_string())
        .with_field("UploadId", upload_id));
    }
    if doc
        .parts
        .windows(2)
        .any(|w| w[0].part_number >= w[1].part_number)
    {
        return Err(s3_error!(
            InvalidPartOrder,
            "The list of parts was not in ascending order. The parts list must be specified in order by part number."
        )
        .with_field("UploadId", upload_id));
    }
    // Checksums the client sends per part must match the stored ones.
    let mut sent = Vec::with_capacity(doc.parts.len());
    for p in &doc.parts {
        let given: Vec<(ChecksumAlgorithm, String)> = [
            (ChecksumAlgorithm::Crc32, &p.checksum_crc32),
            (ChecksumAlgorithm::Crc32c, &p.checksum_crc32c),
            (ChecksumAlgorithm::Crc64Nvme, &p.checksum_crc64nvme),
            (ChecksumAlgorithm::Sha1, &p.checksum_sha1),
            (ChecksumAlgorithm::Sha256, &p.checksum_sha256),
        ]
        .into_iter()
        .filter_map(|(a, v)| v.clone().map(|v| (a, v.trim().to_owned())))
        .collect();
        if given.len() > 1 || given.iter().any(|(a, v)| a.decode(v).is_err()) {
            return Err(s3_error!(
                InvalidArgument,
                "Invalid Base64 or multiple checksums present in request"
            ));
        }
        sent.push(given.into_iter().next());
    }
    let parts: Vec<(u32, String)> = doc
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.etag))
        .collect();
    let min_part_size = limits.min_part_size;
    let store = ctx.store().clone();
    let (b, k, u) = (bucket.clone(), key.clone(), upload_id.clone());
    let cond = condition.clone();
    let info = blocking(move || {
        // A checksum refusal aborts the commit through the store's error,
        // then answers with its own.
        let mut refusal = None;
        let done = store.complete_multipart_if(
            &b,
            &k,
            &u,
            &parts,
            min_part_size,
            cond.as_ref(),
            |infos, meta| {
                let upload = UploadChecksum::take(&mut meta.extra);
                match object_checksum(upload, asked_type, object_sum, infos, &sent, &u) {
                    Ok(sum) => {
                        if let Some((algorithm, value)) = sum {
                            meta.extra.insert(checksum_key(algorithm).to_owned(), value);
                        }
                        // Kept for GetObjectAttributes' ObjectParts.
                        if let Some(entry) = part_checksums_entry(infos) {
                            meta.extra.insert(PART_CHECKSUMS.to_owned(), entry);
                        }
                        Ok(())
                    }
                    Err(e) => {
                        let part_number = infos.first().map_or(0, |p| p.part_number);
                        refusal = Some(e);
                        Err(alexander_store::Error::InvalidPart { part_number })
                    }
                }
            },
        );
        match refusal {
            Some(e) => Err(e),
            None => done.map_err(|e| completion_condition_failure(cond.as_ref(), e.into())),
        }
    })
    .await?;
    let host = header(headers, "host").unwrap_or("localhost");
    let mut doc = CompleteMultipartUploadResult {
        location: format!(
            "http://{host}/{}/{}",
            path_encode(&bucket),
            path_encode(&key)
        ),
        bucket,
        key,
        etag: info.etag.clone(),
        ..Default::default()
    };
    for (algorithm, value) in stored_checksums(&info.meta) {
        let v = Some(value.to_owned());
        match algorithm {
            ChecksumAlgorithm::Crc32 => doc.checksum_crc32 = v,
            ChecksumAlgorithm::Crc32c => doc.checksum_crc32c = v,
            ChecksumAlgorithm::Crc64Nvme => doc.checksum_crc64nvme = v,
            ChecksumAlgorithm::Sha1 => doc.checksum_sha1 = v,
            ChecksumAlgorithm::Sha256 => doc.checksum_sha256 = v,
        }
        let kind = if checksum::is_composite(value) {
            ChecksumType::Composite
        } else {
            ChecksumType::FullObject
        };
        doc.checksum_type = Some(kind.as_str().to_owned());
    }
    let mut resp = xml_response(StatusCode::OK, to_xml(&doc));
    set_version_header(
        resp.headers_mut(),
        "x-amz-version-id",
        binfo.versioning,
        &info.version_id,
    );
    Ok(resp)
}

pub async fn abort_multipart_upload(ctx: Ctx, bucket: String, key: String, upload_id: String) -> R {
    check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let store = ctx.store().clone();
    blocking(move || Ok(store.abort_multipart(&bucket, &key, &upload_id)?)).await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

pub async fn list_parts(ctx: Ctx, e: Endpoint) -> R {
    let Endpoint::ListParts {
        bucket,
        key,
        upload_id,
        max_parts,
        part_number_marker,
    } = e
    else {
        return Err(S3Error::internal(format!(
            "list_parts called for {}",
            e.name()
        )));
    };
    let binfo = check_access(&ctx, &bucket, Access::List)?;
    let max = max_parts.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let marker = part_number_marker.unwrap_or(0);
    let store = ctx.store().clone();
    let (b, k, u) = (bucket.clone(), key.clone(), upload_id.clone());
    let (page, upload_meta) = blocking(move || {
        let meta = store.upload_meta(&b, &k, &u)?;
        Ok((store.list_parts(&b, &k, &u, marker, max as usize)?, meta))
    })
    .await?;
    let upload_sum = UploadChecksum::kept(&upload_meta.extra);
    let owner = upload_owner(&binfo);
    let next = page
        .next_part_number_marker
        .or_else(|| page.parts.last().map(|p| p.part_number))
        .or(page.is_truncated.then_some(marker));
    let doc = ListPartsResult {
        bucket,
        key,
        upload_id,
        part_number_marker: marker,
        next_part_number_marker: next,
        max_parts: max,
        is_truncated: page.is_truncated,
        parts: page
            .parts
            .into_iter()
            .map(|p| {
                let sum = |a: ChecksumAlgorithm| p.extra.get(checksum_key(a)).cloned();
                PartEntry {
                    part_number: p.part_number,
                    last_modified: Timestamp(p.modified_ns),
                    etag: p.etag.clone(),
                    size: p.size,
                    checksum_crc32: sum(ChecksumAlgorithm::Crc32),
                    checksum_crc32c: sum(ChecksumAlgorithm::Crc32c),
                    checksum_crc64nvme: sum(ChecksumAlgorithm::Crc64Nvme),
                    checksum_sha1: sum(ChecksumAlgorithm::Sha1),
                    checksum_sha256: sum(ChecksumAlgorithm::Sha256),
                }
            })
            .collect(),
        initiator: owner.clone(),
        owner,
        storage_class: "STANDARD".to_owned(),
        checksum_algorithm: upload_sum.map(|c| c.algorithm.as_str().to_owned()),
        checksum_type: upload_sum.map(|c| c.kind.as_str().to_owned()),
        ..Default::default()
    };
    Ok(xml_response(StatusCode::OK, to_xml(&doc)))
}

pub async fn list_multipart_uploads(ctx: Ctx, e: Endpoint) -> R {
    let Endpoint::ListMultipartUploads {
        bucket,
        prefix,
        delimiter,
        key_marker,
        upload_id_marker,
        max_uploads,
        url_encoding,
    } = e
    else {
        return Err(S3Error::internal(format!(
            "list_multipart_uploads called for {}",
            e.name()
        )));
    };
    let binfo = check_access(&ctx, &bucket, Access::List)?;
    let max = max_uploads.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    // An upload id marker means nothing without a key marker (S3 ignores it).
    let upload_id_marker = upload_id_marker.filter(|_| key_marker.is_some());
    let page = if max == 0 {
        Default::default()
    } else {
        let store = ctx.store().clone();
        let (b, p, d, km, um) = (
            bucket.clone(),
            prefix.clone(),
            delimiter.clone(),
            key_marker.clone(),
            upload_id_marker.clone(),
        );
        blocking(move || {
            Ok(store.list_uploads(
                &b,
                &p,
                d.as_deref(),
                km.as_deref(),
                um.as_deref(),
                max as usize,
            )?)
        })
        .await?
    };
    let enc = |s: String| if url_encoding { url_encode(&s) } else { s };
    let owner = upload_owner(&binfo);
    let doc = ListMultipartUploadsResult {
        bucket,
        key_marker: enc(key_marker.unwrap_or_default()),
        upload_id_marker: upload_id_marker.unwrap_or_default(),
        next_key_marker: page.next_key_marker.map(enc),
        next_upload_id_marker: page.next_upload_id_marker,
        prefix: enc(prefix),
        delimiter: delimiter.map(enc),
        max_uploads: max,
        is_truncated: page.is_truncated,
        encoding_type: url_encoding.then(|| "url".to_owned()),
        uploads: page
            .uploads
            .into_iter()
            .map(|u| {
                let sum = UploadChecksum::kept(&u.meta.extra);
                MultipartUpload {
                    key: enc(u.key),
                    upload_id: u.upload_id,
                    initiator: owner.clone(),
                    owner: owner.clone(),
                    storage_class: "STANDARD".to_owned(),
                    initiated: Timestamp(u.created_ns),
                    checksum_algorithm: sum.map(|c| c.algorithm.as_str().to_owned()),
                    checksum_type: sum.map(|c| c.kind.as_str().to_owned()),
                }
            })
            .collect(),
        common_prefixes: page
            .common_prefixes
            .into_iter()
            .map(|p| CommonPrefix { prefix: enc(p) })
            .collect(),
        ..Default::default()
    };
    Ok(xml_response(StatusCode::OK, to_xml(&doc)))
}

/// The checksum headers of a CompleteMultipartUpload: at most one, the
/// object's checksum as the client computed it (a composite one with or
/// without its `-N`).
fn object_checksum_header(
    headers: &http::HeaderMap,
) -> Result<Option<(ChecksumAlgorithm, String)>, S3Error> {
    let mut found = None;
    for algorithm in ChecksumAlgorithm::ALL {
        for value in headers.get_all(algorithm.header_name()) {
            if found.is_some() {
                return Err(s3_error!(
                    InvalidRequest,
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
                ));
            }
            let invalid = || {
                s3_error!(
                    InvalidRequest,
                    "Value for {} header is invalid.",
                    algorithm.header_name()
                )
            };
            let value = value.to_str().map_err(|_| invalid())?.trim();
            let digest = value.split_once('-').map_or(value, |(d, n)| {
                if n.parse::<u32>().is_ok() { d } else { value }
            });
            algorithm.decode(digest).map_err(|_| invalid())?;
            found = Some((algorithm, value.to_owned()));
        }
    }
    Ok(found)
}

/// Checks the checksums a completion was sent against the parts' and the
/// upload's, and returns the object's checksum (algorithm, value as
/// stored) if it gets one.
///
/// - An upload created with an algorithm needs each part's checksum in
///   the request; a part's checksum that differs from the stored one is
///   `InvalidPart` (`BadDigest` if of another algorithm). The object gets
///   the composite checksum of the parts, or the CRC of the whole object
///   combined from theirs.
/// - An upload created without one gets no checksum, unless the client
///   sends a full-object CRC and every part has a CRC of that algorithm:
///   then it is computed, checked, and kept.
/// - A full-object checksum header that differs from the computed one is
///   `BadDigest`.
fn object_checksum(
    upload: Option<UploadChecksum>,
    asked_type: Option<ChecksumType>,
    header_sum: Option<(ChecksumAlgorithm, String)>,
    infos: &[alexander_store::PartInfo],
    sent: &[Option<(ChecksumAlgorithm, String)>],
    upload_id: &str,
) -> Result<Option<(ChecksumAlgorithm, String)>, S3Error> {
    if let Some(asked) = asked_type
        && upload.map(|c| c.kind) != Some(asked)
    {
        return Err(s3_error!(
            InvalidRequest,
            "The upload was created using the {} checksum mode. The complete request must use the same checksum mode.",
            upload.map_or("null", |c| c.kind.as_str())
        ));
    }
    let stored = |p: &alexander_store::PartInfo, a: ChecksumAlgorithm| {
        p.extra.get(checksum_key(a)).and_then(|v| a.decode(v).ok())
    };
    let invalid_part = |p: &alexander_store::PartInfo| {
        s3_error!(
            InvalidPart,
            "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."
        )
        .with_field("UploadId", upload_id)
        .with_field("PartNumber", p.part_number.to_string())
        .with_field("ETag", p.etag.clone())
    };
    for (p, given) in infos.iter().zip(sent) {
        match (upload, given) {
            (Some(c), None) => {
                return Err(s3_error!(
                    InvalidRequest,
                    "The upload was created using a {} checksum. The complete request must include the checksum for each part. It was missing for part {} in the request.",
                    c.algorithm.as_str().to_lowercase(),
                    p.part_number
                ));
            }
            (_, Some((a, v))) => {
                let matches = stored(p, *a).is_some_and(|s| a.decode(v).ok() == Some(s));
                if matches {
                    continue;
                }
                if upload.is_some_and(|c| c.algorithm != *a) {
                    return Err(s3_error!(
                        BadDigest,
                        "The {} you specified for part {} did not match what we received.",
                        a.as_str().to_lowercase(),
                        p.part_number
                    ));
                }
                return Err(invalid_part(p));
            }
            (None, None) => {}
        }
    }
    let (algorithm, kind) = match (upload, &header_sum) {
        (Some(c), Some((a, _))) if *a != c.algorithm => {
            return Err(checksum_mismatch(c.algorithm, Some(*a)));
        }
        (Some(c), _) => (c.algorithm, c.kind),
        (None, Some((a, _))) => (*a, ChecksumType::FullObject),
        (None, None) => return Ok(None),
    };
    let mut raw = Vec::with_capacity(infos.len());
    for p in infos {
        match stored(p, algorithm) {
            Some(v) => raw.push((v, p.size)),
            // An upload created without an algorithm whose parts cannot
            // make the checksum the client sent.
            None if upload.is_none() => return Err(checksum_mismatch(algorithm, None)),
            None => return Err(invalid_part(p)),
        }
    }
    let value = match kind {
        ChecksumType::Composite => {
            let sums: Vec<Vec<u8>> = raw.into_iter().map(|(v, _)| v).collect();
            checksum::composite_checksum(algorithm, &sums)
        }
        ChecksumType::FullObject => match checksum::combine_crcs(algorithm, &raw) {
            Some(v) => BASE64.encode(v),
            None => return Err(checksum_mismatch(algorithm, None)),
        },
    };
    if let Some((_, given)) = &header_sum {
        let same = match kind {
            ChecksumType::Composite => {
                given == &value || value.split_once('-').is_some_and(|(d, _)| d == given)
            }
            ChecksumType::FullObject => given == &value,
        };
        if !same {
            return Err(s3_error!(
                BadDigest,
                "The {} you specified did not match the calculated checksum.",
                algorithm.as_str()
            ));
        }
    }
    Ok(Some((algorithm, value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_paths_keep_slashes_and_unreserved() {
        assert_eq!(path_encode("a b/c+d~e_f.g-h"), "a%20b/c%2Bd~e_f.g-h");
        assert_eq!(path_encode("ä"), "%C3%A4");
    }

    #[test]
    fn part_numbers() {
        assert!(check_part_number(1, 10_000).is_ok());
        assert!(check_part_number(10_000, 10_000).is_ok());
        assert!(check_part_number(0, 10_000).is_err());
        assert!(check_part_number(11, 10).is_err());
    }
}
