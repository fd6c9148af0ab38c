//! GetObjectAttributes: a version's ETag, checksum, parts, storage class
//! and size, whichever `x-amz-object-attributes` names, in one XML reply.
//!
//! As S3 answers it:
//! - the header is required: missing or empty is `InvalidRequest`, a name
//!   other than `ETag`, `Checksum`, `ObjectParts`, `StorageClass` and
//!   `ObjectSize` is `InvalidArgument`;
//! - the ETag comes without quotes; `Last-Modified` and (on a versioned
//!   bucket) `x-amz-version-id` come as headers;
//! - a key whose newest version is a delete marker is `404 NoSuchKey` with
//!   `x-amz-delete-marker: true`, a version id naming a delete marker is
//!   `405 MethodNotAllowed` (the store's errors, shared with GetObject);
//! - reading them is reading the object: its owner, or a caller its ACL
//!   grants read ([`crate::ops::ReadVia`], as GetObject);
//! - `ObjectParts` is given for a multipart object only. Without part
//!   checksums it holds only `PartsCount`, as S3's general-purpose buckets
//!   answer; with them, a page of `<Part>`s (number, size, checksum) chosen
//!   by `x-amz-part-number-marker` and `x-amz-max-parts` (at most 1,000).
//!
//! The checksums read here are the only ones the store keeps: the object's
//! (`checksum-<algorithm>` in the version's metadata, written by PutObject
//! and CompleteMultipartUpload) and its parts', which CompleteMultipartUpload
//! keeps under [`PART_CHECKSUMS`] when every part had one.

use alexander_store::{ObjectInfo, ObjectMeta};
use http::{HeaderMap, StatusCode};

use super::{R, ReadTarget, checksum_key, set_version_header, stored_checksums};
use crate::checksum::ChecksumAlgorithm;
use crate::error::S3Error;
use crate::ops::{Ctx, check_object_read, set_header, xml_response};
use crate::s3_error;
use crate::xml::{
    GetObjectAttributesResponse, ObjectChecksum, ObjectPart, ObjectParts, http_date, to_xml,
};

/// The metadata key under which a multipart object keeps its parts'
/// checksums: the algorithm's name, then each part's value in part order,
/// separated by spaces (base64 has none).
pub(in crate::ops) const PART_CHECKSUMS: &str = "checksum-parts";

/// The most parts one reply lists, as in ListParts.
const MAX_PARTS: u32 = 1000;

/// The attributes a request asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Wanted {
    etag: bool,
    checksum: bool,
    object_parts: bool,
    storage_class: bool,
    object_size: bool,
}

impl Wanted {
    /// Reads `x-amz-object-attributes`: names separated by commas, in one
    /// header or several.
    fn from_headers(headers: &HeaderMap) -> Result<Wanted, S3Error> {
        let mut wanted = Wanted::default();
        let mut any = false;
        for value in headers.get_all("x-amz-object-attributes") {
            let text = value.to_str().map_err(|_| invalid_attribute())?;
            if text.trim().is_empty() {
                continue;
            }
            for name in text.split(',').map(str::trim) {
                let flag = match name {
                    "ETag" => &mut wanted.etag,
                    "Checksum" => &mut wanted.checksum,
                    "ObjectParts" => &mut wanted.object_parts,
                    "StorageClass" => &mut wanted.storage_class,
                    "ObjectSize" => &mut wanted.object_size,
                    _ => return Err(invalid_attribute()),
                };
                *flag = true;
                any = true;
            }
        }
        if !any {
            return Err(s3_error!(
                InvalidRequest,
                "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty"
            ));
        }
        Ok(wanted)
    }
}

fn invalid_attribute() -> S3Error {
    s3_error!(InvalidArgument, "Invalid attribute name specified.")
        .with_field("ArgumentName", "x-amz-object-attributes")
}

/// A non-negative integer header (`x-amz-max-parts`,
/// `x-amz-part-number-marker`), at most 2,147,483,647 as S3 takes it.
fn count_header(headers: &HeaderMap, name: &'static str) -> Result<Option<u32>, S3Error> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    match text.parse::<u32>() {
        Ok(n) if n <= i32::MAX as u32 && !text.starts_with('+') => Ok(Some(n)),
        _ => {
            let argument = name.trim_start_matches("x-amz-");
            Err(s3_error!(
                InvalidArgument,
                "Argument {argument} must be an integer between 0 and 2147483647"
            )
            .with_field("ArgumentName", name)
            .with_field("ArgumentValue", text))
        }
    }
}

/// The object's checksum as `<Checksum>`: its stored value(s) and their
/// type (a value with a `-N` suffix is S3's composite of N parts).
fn object_checksum(meta: &ObjectMeta) -> Option<ObjectChecksum> {
    let mut doc = ObjectChecksum::default();
    let mut any = false;
    for (algorithm, value) in stored_checksums(meta) {
        *checksum_field(
            algorithm,
            [
                &mut doc.checksum_crc32,
                &mut doc.checksum_crc32c,
                &mut doc.checksum_crc64nvme,
                &mut doc.checksum_sha1,
                &mut doc.checksum_sha256,
            ],
        ) = Some(value.to_owned());
        let kind = if value.contains('-') {
            "COMPOSITE"
        } else {
            "FULL_OBJECT"
        };
        doc.checksum_type = Some(kind.to_owned());
        any = true;
    }
    any.then_some(doc)
}

/// The field of an algorithm among the five (in [`ChecksumAlgorithm::ALL`]'s
/// order).
fn checksum_field(
    algorithm: ChecksumAlgorithm,
    fields: [&mut Option<String>; 5],
) -> &mut Option<String> {
    let index = ChecksumAlgorithm::ALL
        .iter()
        .position(|a| *a == algorithm)
        .unwrap_or(0);
    fields.into_iter().nth(index).expect("five fields")
}

/// The value to keep under [`PART_CHECKSUMS`] when completing an upload:
/// `Some` when every part has a checksum of the first part's algorithm.
pub(in crate::ops) fn part_checksums_entry(parts: &[alexander_store::PartInfo]) -> Option<String> {
    let algorithm = ChecksumAlgorithm::ALL.into_iter().find(|a| {
        parts
            .first()
            .is_some_and(|p| p.extra.contains_key(checksum_key(*a)))
    })?;
    let mut entry = algorithm.as_str().to_owned();
    for p in parts {
        entry.push(' ');
        entry.push_str(p.extra.get(checksum_key(algorithm))?);
    }
    Some(entry)
}

/// The parts' checksums kept with a multipart object, if there is one per
/// part.
fn part_checksums(info: &ObjectInfo) -> Option<(ChecksumAlgorithm, Vec<&str>)> {
    let entry = info.meta.extra.get(PART_CHECKSUMS)?;
    let mut words = entry.split(' ');
    let algorithm = ChecksumAlgorithm::from_name(words.next()?)?;
    let values: Vec<&str> = words.collect();
    (values.len() == info.part_sizes.len()).then_some((algorithm, values))
}

/// `<ObjectParts>` of a multipart object: the count, and a page of parts
/// when their checksums are known.
fn object_parts(info: &ObjectInfo, marker: u32, max: u32) -> Option<ObjectParts> {
    if info.part_sizes.is_empty() {
        return None;
    }
    let count = info.part_sizes.len() as u32;
    let Some((algorithm, sums)) = part_checksums(info) else {
        return Some(ObjectParts {
            parts_count: count,
            ..Default::default()
        });
    };
    let max = max.min(MAX_PARTS);
    let mut parts = Vec::new();
    for (i, (size, sum)) in info.part_sizes.iter().zip(sums).enumerate() {
        let number = i as u32 + 1;
        if number <= marker {
            continue;
        }
        if parts.len() as u32 == max {
            break;
        }
        let mut part = ObjectPart {
            part_number: number,
            size: *size,
            ..Default::default()
        };
        *checksum_field(
            algorithm,
            [
                &mut part.checksum_crc32,
                &mut part.checksum_crc32c,
                &mut part.checksum_crc64nvme,
                &mut part.checksum_sha1,
                &mut part.checksum_sha256,
            ],
        ) = Some(sum.to_owned());
        parts.push(part);
    }
    let last = parts.last().map_or(marker, |p| p.part_number);
    Some(ObjectParts {
        parts_count: count,
        part_number_marker: Some(marker),
        next_part_number_marker: Some(last),
        max_parts: Some(max),
        is_truncated: Some(last < count),
        parts,
    })
}

/// Builds the reply document from the version's info.
fn reply(info: &ObjectInfo, wanted: Wanted, marker: u32, max: u32) -> GetObjectAttributesResponse {
    GetObjectAttributesResponse {
        etag: wanted.etag.then(|| info.etag.clone()),
        checksum: if wanted.checksum {
            object_checksum(&info.meta)
        } else {
            None
        },
        object_parts: if wanted.object_parts {
            object_parts(info, marker, max)
        } else {
            None
        },
        storage_class: wanted.storage_class.then(|| "STANDARD".to_owned()),
        object_size: wanted.object_size.then_some(info.size),
        ..Default::default()
    }
}

pub async fn get_object_attributes(
    ctx: Ctx,
    bucket: String,
    key: String,
    version_id: Option<String>,
) -> R {
    let (binfo, via) = check_object_read(&ctx, &bucket)?;
    let headers = &ctx.parts.headers;
    let wanted = Wanted::from_headers(headers)?;
    let max = count_header(headers, "x-amz-max-parts")?.unwrap_or(MAX_PARTS);
    let marker = count_header(headers, "x-amz-part-number-marker")?.unwrap_or(0);
    let target = ReadTarget::new(key, version_id)?;
    // Metadata only, as GetObject's opening: no trip to the blocking pool.
    let opened = ctx
        .store()
        .head_object(&bucket, &target.key, target.at())
        .map_err(S3Error::from);
    let info = via.check(&ctx.principal, opened, |i| &i.meta)?;
    let mut resp = xml_response(StatusCode::OK, to_xml(&reply(&info, wanted, marker, max)));
    let h = resp.headers_mut();
    set_header(h, "last-modified", &http_date(info.modified_ns));
    set_version_header(h, "x-amz-version-id", binfo.versioning, &info.version_id);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, value.parse().unwrap());
        }
        h
    }

    fn info(part_sizes: Vec<u64>, extra: &[(&str, &str)]) -> ObjectInfo {
        let mut meta = ObjectMeta::default();
        for (k, v) in extra {
            meta.extra.insert((*k).to_owned(), (*v).to_owned());
        }
        ObjectInfo {
            key: "k".into(),
            version_id: "null".into(),
            size: part_sizes.iter().sum(),
            etag: "e-3".into(),
            modified_ns: 0,
            meta,
            seq: 1,
            part_sizes,
        }
    }

    #[test]
    fn attribute_names() {
        let w = Wanted::from_headers(&headers(&[("x-amz-object-attributes", "ETag, ObjectSize")]))
            .unwrap();
        assert!(w.etag && w.object_size && !w.checksum && !w.object_parts);
        let w = Wanted::from_headers(&headers(&[
            ("x-amz-object-attributes", "Checksum"),
            ("x-amz-object-attributes", "ObjectParts,StorageClass"),
        ]))
        .unwrap();
        assert!(w.checksum && w.object_parts && w.storage_class && !w.etag);
        for bad in ["Size", "etag", "ETag,,ObjectSize", "ETag,Nope"] {
            let err =
                Wanted::from_headers(&headers(&[("x-amz-object-attributes", bad)])).unwrap_err();
            assert_eq!(
                err.code,
                crate::error::S3ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
        for missing in [headers(&[]), headers(&[("x-amz-object-attributes", " ")])] {
            let err = Wanted::from_headers(&missing).unwrap_err();
            assert_eq!(err.code, crate::error::S3ErrorCode::InvalidRequest);
        }
    }

    #[test]
    fn paging_counts() {
        let h = headers(&[("x-amz-max-parts", "2"), ("x-amz-part-number-marker", "x")]);
        assert_eq!(count_header(&h, "x-amz-max-parts").unwrap(), Some(2));
        assert!(count_header(&h, "x-amz-part-number-marker").is_err());
        assert_eq!(count_header(&h, "x-amz-other").unwrap(), None);
        for bad in ["-1", "2147483648", "+1", ""] {
            let h = headers(&[("x-amz-max-parts", bad)]);
            assert!(count_header(&h, "x-amz-max-parts").is_err(), "{bad}");
        }
    }

    #[test]
    fn parts_without_checksums_are_only_counted() {
        assert_eq!(object_parts(&info(Vec::new(), &[]), 0, 1000), None);
        let parts = object_parts(&info(vec![5, 5, 1], &[]), 0, 1000).unwrap();
        assert_eq!(
            parts,
            ObjectParts {
                parts_count: 3,
                ..Default::default()
            }
        );
    }

    #[test]
    fn parts_with_checksums_page() {
        let i = info(
            vec![5, 5, 1],
            &[(PART_CHECKSUMS, "CRC32 AAAAAQ== AAAAAg== AAAAAw==")],
        );
        let page = object_parts(&i, 0, 2).unwrap();
        assert_eq!(page.parts_count, 3);
        assert_eq!(page.is_truncated, Some(true));
        assert_eq!(page.next_part_number_marker, Some(2));
        assert_eq!(page.parts.len(), 2);
        assert_eq!(page.parts[1].checksum_crc32.as_deref(), Some("AAAAAg=="));
        let page = object_parts(&i, 2, 2).unwrap();
        assert_eq!(page.is_truncated, Some(false));
        assert_eq!(page.parts.len(), 1);
        assert_eq!((page.parts[0].part_number, page.parts[0].size), (3, 1));
        let page = object_parts(&i, 3, 2).unwrap();
        assert!(page.parts.is_empty());
        assert_eq!(page.next_part_number_marker, Some(3));
        // A kept entry that does not fit the parts is not trusted.
        let odd = info(vec![5, 5], &[(PART_CHECKSUMS, "CRC32 AAAAAQ==")]);
        assert!(object_parts(&odd, 0, 10).unwrap().parts.is_empty());
    }

    #[test]
    fn object_checksum_types() {
        let whole = info(Vec::new(), &[("checksum-sha256", "abc=")]);
        let c = object_checksum(&whole.meta).unwrap();
        assert_eq!(c.checksum_sha256.as_deref(), Some("abc="));
        assert_eq!(c.checksum_type.as_deref(), Some("FULL_OBJECT"));
        let multi = info(vec![1, 1], &[("checksum-crc32c", "AAAAAA==-2")]);
        let c = object_checksum(&multi.meta).unwrap();
        assert_eq!(c.checksum_crc32c.as_deref(), Some("AAAAAA==-2"));
        assert_eq!(c.checksum_type.as_deref(), Some("COMPOSITE"));
        assert_eq!(object_checksum(&ObjectMeta::default()), None);
    }
}
