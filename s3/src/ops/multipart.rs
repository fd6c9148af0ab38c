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
//! Differences from S3:
//! - Part checksums are verified on upload and kept with the part; ListParts
//!   shows them and CompleteMultipartUpload compares the ones it is sent.
//!   When every part listed has a checksum of one algorithm, the object gets
//!   S3's composite checksum: that algorithm over the concatenated part
//!   checksums, suffixed `-N`. A full-object CRC of a multipart upload
//!   (`x-amz-checksum-type: FULL_OBJECT`) is not computed; such an object
//!   carries no object-level checksum.
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
use http::{Response, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::bucket::{bucket_owner, owner_of};
use super::list::url_encode;
use super::object::{
    COPY_SOURCE, check_key, checksum_key, completion_condition_failure, copy_source,
    parse_copy_range, precondition_for_copy, refuse_unsupported, set_version_header,
    write_condition,
};
use super::upload::store_upload;
use super::{
    Access, Ctx, blocking, check_access, check_writable, empty_response, header, meta_from_headers,
    read_small_body, set_header, upload_body, xml_response,
};
use crate::checksum::{ChecksumAlgorithm, Checksummer};
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

fn path_encode(text: &str) -> String {
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
    check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let headers = &ctx.parts.headers;
    refuse_unsupported(headers)?;
    if let Some(v) = header(headers, "x-amz-checksum-algorithm")
        && ChecksumAlgorithm::from_name(v).is_none()
    {
        return Err(s3_error!(
            InvalidRequest,
            "Checksum algorithm provided is unsupported."
        ));
    }
    let meta = meta_from_headers(
        headers,
        ctx.svc.inner.config.limits.max_user_metadata,
        &ctx.principal,
    )?;
    let store = ctx.store().clone();
    let (b, k) = (bucket.clone(), key.clone());
    let upload_id = blocking(move || Ok(store.create_multipart(&b, &k, meta)?)).await?;
    let doc = InitiateMultipartUploadResult {
        bucket,
        key,
        upload_id,
        ..Default::default()
    };
    Ok(xml_response(StatusCode::OK, to_xml(&doc)))
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
    store.check_part(&bucket, &key, &upload_id, part_number)?;
    let upload = upload_body(&ctx, body, limits.max_part_size)?;
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
    let (src_bucket, src, src_versioning) = copy_source(&ctx, source)?;
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
    let (src_info, part) = blocking(move || {
        // One reader pins the source version for the checks and the bytes.
        let mut reader = store.get_object(&src_bucket, &src.key, src.at(), None)?;
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
        let part = store.put_part(
            &bucket,
            &key,
            &upload_id,
            part_number,
            reader.take(end - start),
        )?;
        Ok((info, part))
    })
    .await?;
    let doc = CopyPartResult {
        etag: part.etag,
        last_modified: Timestamp(part.modified_ns),
        ..Default::default()
    };
    let mut resp = xml_response(StatusCode::OK, to_xml(&doc));
    set_version_header(
        resp.headers_mut(),
        "x-amz-copy-source-version-id",
        src_versioning,
        &src_info.version_id,
    );
    Ok(resp)
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
    let bytes = read_small_body(&ctx, body, limits.max_xml_bytes).await?;
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
    let sent: Vec<Vec<(ChecksumAlgorithm, String)>> = doc
        .parts
        .iter()
        .map(|p| {
            [
                (ChecksumAlgorithm::Crc32, &p.checksum_crc32),
                (ChecksumAlgorithm::Crc32c, &p.checksum_crc32c),
                (ChecksumAlgorithm::Crc64Nvme, &p.checksum_crc64nvme),
                (ChecksumAlgorithm::Sha1, &p.checksum_sha1),
                (ChecksumAlgorithm::Sha256, &p.checksum_sha256),
            ]
            .into_iter()
            .filter_map(|(a, v)| v.clone().map(|v| (a, v)))
            .collect()
        })
        .collect();
    let parts: Vec<(u32, String)> = doc
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.etag))
        .collect();
    let min_part_size = limits.min_part_size;
    let store = ctx.store().clone();
    let (b, k) = (bucket.clone(), key.clone());
    let bad_checksum = std::sync::Arc::new(std::sync::Mutex::new(None));
    let flag = bad_checksum.clone();
    let cond = condition.clone();
    let completed = blocking(move || {
        Ok(store.complete_multipart_if(
            &b,
            &k,
            &upload_id,
            &parts,
            min_part_size,
            cond.as_ref(),
            |infos, meta| {
                for (info, sent) in infos.iter().zip(&sent) {
                    for (algorithm, value) in sent {
                        if info.extra.get(checksum_key(*algorithm)) != Some(value) {
                            *flag.lock().expect("not poisoned") = Some(info.part_number);
                            return Err(alexander_store::Error::InvalidPart {
                                part_number: info.part_number,
                            });
                        }
                    }
                }
                if let Some((key, value)) = composite_checksum(infos) {
                    meta.extra.insert(key, value);
                }
                Ok(())
            },
        )?)
    })
    .await;
    let info = match completed {
        Ok(info) => info,
        Err(e) => {
            if let Some(n) = *bad_checksum.lock().expect("not poisoned") {
                return Err(s3_error!(
                    InvalidPart,
                    "The checksum given for part {n} does not match the part's checksum."
                ));
            }
            return Err(completion_condition_failure(condition.as_ref(), e));
        }
    };
    let host = header(headers, "host").unwrap_or("localhost");
    let doc = CompleteMultipartUploadResult {
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
    let binfo = check_access(&ctx, &bucket, Access::Read)?;
    let max = max_parts.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let marker = part_number_marker.unwrap_or(0);
    let store = ctx.store().clone();
    let (b, k, u) = (bucket.clone(), key.clone(), upload_id.clone());
    let page = blocking(move || Ok(store.list_parts(&b, &k, &u, marker, max as usize)?)).await?;
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
    let binfo = check_access(&ctx, &bucket, Access::Read)?;
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
            .map(|u| MultipartUpload {
                key: enc(u.key),
                upload_id: u.upload_id,
                initiator: owner.clone(),
                owner: owner.clone(),
                storage_class: "STANDARD".to_owned(),
                initiated: Timestamp(u.created_ns),
                ..Default::default()
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

/// S3's composite checksum of a multipart object: when every part has a
/// checksum of one algorithm, that algorithm over the concatenation of the
/// parts' raw checksums, in base64, suffixed with `-` and the part count.
/// Returns the metadata key and value to store.
fn composite_checksum(parts: &[alexander_store::PartInfo]) -> Option<(String, String)> {
    let algorithm = ChecksumAlgorithm::ALL.into_iter().find(|a| {
        parts
            .first()
            .is_some_and(|p| p.extra.contains_key(checksum_key(*a)))
    })?;
    let mut whole = Checksummer::new(algorithm);
    for p in parts {
        let value = p.extra.get(checksum_key(algorithm))?;
        whole.update(&algorithm.decode(value).ok()?);
    }
    Some((
        checksum_key(algorithm).to_owned(),
        format!("{}-{}", whole.finish(), parts.len()),
    ))
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
