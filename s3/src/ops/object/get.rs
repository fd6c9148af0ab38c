//! GetObject and HeadObject.
//!
//! The version is opened in the request's task: that reads only metadata,
//! as `check_access` does, so a HEAD, a 304, an error or an empty body
//! costs no trip to the blocking pool (on a 2-core box such a round trip
//! costs more than the rest of a small request). The body's first batch is
//! read by a blocking job before the response goes (so an error there, a
//! corrupt chunk say, is answered as an error, not as a body cut short);
//! the rest is read batch by batch as the connection takes it, by short
//! jobs that never wait for the client ([`crate::body`]). A body of up to
//! one batch needs one job in all.
//!
//! One reader pins the version: the preconditions, the range and the bytes
//! all concern the same one.

use std::io::{Seek, SeekFrom};

use alexander_store::{ByteRange, ObjectInfo, ObjectReader};
use http::{Response, StatusCode};
use http_body_util::BodyExt;

use super::conditions::{self, Preconditions, Verdict};
use super::range;
use super::{R, ReadTarget, precondition_failed, set_version_header, stored_checksums};
use crate::body::{Pieces, READS, ReaderBody, Source};
use crate::error::S3Error;
use crate::iam::Principal;
use crate::ops::{
    Ctx, blocking, check_object_read, empty_response, header, meta_headers, set_header,
};
use crate::router::Endpoint;
use crate::s3_error;
use crate::xml::{http_date, quote_etag};

/// What a read asks for besides the object itself: everything the answer
/// depends on.
struct Ask {
    part_number: Option<u32>,
    range: Option<ByteRange>,
    pre: Preconditions,
}

/// The answer to a read, decided from the version's info.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// 304: a precondition says the client's copy is current.
    NotModified,
    /// Bytes `start..end` of the version, with `status` (206 for a part or
    /// a range that is not empty, else 200).
    Bytes {
        start: u64,
        end: u64,
        status: StatusCode,
        /// A part or a range was asked for: whole-object checksums do not
        /// apply.
        partial: bool,
    },
}

/// Decides the answer: preconditions first, then the part or the range.
fn decide(info: &ObjectInfo, ask: &Ask) -> Result<Answer, S3Error> {
    match ask
        .pre
        .evaluate(&conditions::GET, &info.etag, info.modified_ns)
    {
        Verdict::Proceed => {}
        Verdict::Failed(h) => return Err(precondition_failed(h)),
        Verdict::NotModified(_) => return Ok(Answer::NotModified),
    }
    let size = info.size;
    let (start, end, partial) = if let Some(n) = ask.part_number {
        let single = [size];
        let parts: &[u64] = if info.part_sizes.is_empty() {
            &single
        } else {
            &info.part_sizes
        };
        let index = n as usize - 1;
        if index >= parts.len() {
            return Err(s3_error!(
                InvalidPartNumber,
                "The requested partnumber is not satisfiable"
            )
            .with_field("PartNumberRequested", n.to_string())
            .with_field("ActualPartCount", parts.len().to_string()));
        }
        let start: u64 = parts[..index].iter().sum();
        (start, (start + parts[index]).min(size), true)
    } else if let Some(r) = ask.range {
        let (s, e) = r.resolve(size)?;
        (s, e, true)
    } else {
        (0, size, false)
    };
    let status = if partial && end > start {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    Ok(Answer::Bytes {
        start,
        end,
        status,
        partial,
    })
}

/// Reads bytes `start..end` of an opened version: the first batch in a
/// blocking job before the answer (so that an error there is answered as
/// an error), the rest as the body is polled ([`ReaderBody`]).
async fn read_body(mut reader: ObjectReader, start: u64, end: u64) -> Result<ReaderBody, S3Error> {
    let len = end - start;
    let permit = READS
        .acquire()
        .await
        .map_err(|_| S3Error::internal("read permits closed"))?;
    let (pieces, first) = blocking(move || {
        reader
            .seek(SeekFrom::Start(start))
            .map_err(|e| S3Error::internal(format!("seek in object: {e}")))?;
        let key = reader.info().key.clone();
        let next: Source = Box::new(move |max| reader.next_piece(max));
        let mut pieces = Pieces::new(len, next);
        let first = pieces
            .batch()
            .map_err(|e| S3Error::internal(format!("reading {key}: {e}")))?;
        drop(permit);
        Ok((pieces, first))
    })
    .await?;
    Ok(ReaderBody::new(first, pieces, len))
}

pub async fn get_object(ctx: Ctx, e: Endpoint) -> R {
    let (head, bucket, key, version_id, part_number, overrides) = match e {
        Endpoint::GetObject {
            bucket,
            key,
            version_id,
            part_number,
            overrides,
        } => (false, bucket, key, version_id, part_number, overrides),
        Endpoint::HeadObject {
            bucket,
            key,
            version_id,
            part_number,
            overrides,
        } => (true, bucket, key, version_id, part_number, overrides),
        other => {
            return Err(S3Error::internal(format!(
                "get_object called for {}",
                other.name()
            )));
        }
    };
    let (binfo, via) = check_object_read(&ctx, &bucket)?;
    let target = ReadTarget::new(key, version_id)?;
    let headers = &ctx.parts.headers;
    let range = match (part_number, header(headers, "range")) {
        (Some(_), Some(_)) => {
            return Err(s3_error!(
                InvalidRequest,
                "Cannot specify both Range header and partNumber query parameter"
            ));
        }
        (None, Some(r)) => range::parse_range(r),
        _ => None,
    };
    let ask = Ask {
        part_number,
        range,
        pre: Preconditions::from_headers(headers, &conditions::GET),
    };
    let checksum_mode = header(headers, "x-amz-checksum-mode")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("ENABLED"));

    // Opening reads only metadata, as `check_access` does, so it is done
    // here: a HEAD, a 304, an error or an empty body costs no trip to the
    // blocking pool, which is most of a small request's cost.
    let opened = ctx
        .store()
        .get_object(&bucket, &target.key, target.at(), None)
        .map_err(S3Error::from);
    let reader = via.check(&ctx.principal, opened, |r| &r.info().meta)?;
    // After the access check: an anonymous caller who may not read the
    // object learns no more than that.
    if !overrides.is_empty() && ctx.principal == Principal::Anonymous {
        return Err(s3_error!(
            InvalidRequest,
            "Request specific response headers cannot be used for anonymous GET requests."
        ));
    }
    let info = reader.info().clone();
    let (start, end, status, partial) = match decide(&info, &ask)? {
        Answer::NotModified => {
            let mut resp = empty_response(StatusCode::NOT_MODIFIED);
            let h = resp.headers_mut();
            set_header(h, "etag", &quote_etag(&info.etag));
            set_header(h, "last-modified", &http_date(info.modified_ns));
            set_version_header(h, "x-amz-version-id", binfo.versioning, &info.version_id);
            return Ok(resp);
        }
        Answer::Bytes {
            start,
            end,
            status,
            partial,
        } => (start, end, status, partial),
    };
    let body = if head || start == end {
        None
    } else {
        Some(read_body(reader, start, end).await?)
    };
    let mut resp = match body {
        Some(body) => {
            let mut r = Response::new(body.boxed());
            *r.status_mut() = status;
            r
        }
        None => empty_response(status),
    };
    let h = resp.headers_mut();
    meta_headers(h, &info.meta, info.modified_ns);
    set_header(h, "content-length", &(end - start).to_string());
    set_header(h, "etag", &quote_etag(&info.etag));
    set_header(h, "last-modified", &http_date(info.modified_ns));
    set_header(h, "accept-ranges", "bytes");
    if status == StatusCode::PARTIAL_CONTENT {
        set_header(
            h,
            "content-range",
            &format!("bytes {start}-{}/{}", end - 1, info.size),
        );
    }
    if part_number.is_some() && !info.part_sizes.is_empty() {
        set_header(
            h,
            "x-amz-mp-parts-count",
            &info.part_sizes.len().to_string(),
        );
    }
    set_version_header(h, "x-amz-version-id", binfo.versioning, &info.version_id);
    if checksum_mode && !partial {
        for (algorithm, value) in stored_checksums(&info.meta) {
            set_header(h, algorithm.header_name(), value);
            // A multipart object's checksum is a checksum of its parts'
            // checksums, marked with the part count as S3 marks it.
            let kind = if value.contains('-') {
                "COMPOSITE"
            } else {
                "FULL_OBJECT"
            };
            set_header(h, "x-amz-checksum-type", kind);
        }
    }
    for (name, value) in overrides.headers() {
        set_header(h, name, value);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(size: u64, part_sizes: Vec<u64>) -> ObjectInfo {
        ObjectInfo {
            key: "k".into(),
            version_id: "null".into(),
            size,
            etag: "e".into(),
            modified_ns: 0,
            meta: Default::default(),
            seq: 1,
            part_sizes,
        }
    }

    fn ask(part_number: Option<u32>, range: Option<ByteRange>) -> Ask {
        Ask {
            part_number,
            range,
            pre: Preconditions::default(),
        }
    }

    fn bytes(start: u64, end: u64, status: StatusCode, partial: bool) -> Answer {
        Answer::Bytes {
            start,
            end,
            status,
            partial,
        }
    }

    #[test]
    fn answers() {
        let whole = info(100, Vec::new());
        let ok = StatusCode::OK;
        let partial = StatusCode::PARTIAL_CONTENT;
        assert_eq!(
            decide(&whole, &ask(None, None)).unwrap(),
            bytes(0, 100, ok, false)
        );
        assert_eq!(
            decide(&whole, &ask(None, Some(ByteRange::Suffix(10)))).unwrap(),
            bytes(90, 100, partial, true)
        );
        assert!(decide(&whole, &ask(None, Some(ByteRange::From(100)))).is_err());
        // A single-part object is its own part 1.
        assert_eq!(
            decide(&whole, &ask(Some(1), None)).unwrap(),
            bytes(0, 100, partial, true)
        );
        assert!(decide(&whole, &ask(Some(2), None)).is_err());
        let multi = info(25, vec![10, 10, 5]);
        assert_eq!(
            decide(&multi, &ask(Some(3), None)).unwrap(),
            bytes(20, 25, partial, true)
        );
        // Part 1 of the empty object: 200, not 206.
        let empty = info(0, Vec::new());
        assert_eq!(
            decide(&empty, &ask(Some(1), None)).unwrap(),
            bytes(0, 0, ok, true)
        );
    }
}
