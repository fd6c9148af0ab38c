//! The `Range` header of GetObject, read as S3 reads it.
//!
//! S3 serves one byte range: `bytes=first-last`, `bytes=first-` (to the
//! end) or `bytes=-n` (the last n bytes). Everything else is ignored and the
//! whole object is sent with `200`, as RFC 7233 tells a server to do with a
//! header it cannot use: a list of several ranges, another unit, a range
//! whose last byte comes before its first, or text that is not a range at
//! all. Whether a well-formed range fits the object is decided later, against
//! its size ([`ByteRange::resolve`]): one that starts past the end is `416`.
//!
//! `x-amz-copy-source-range` of UploadPartCopy is stricter (only
//! `bytes=first-last`, and a bad one is an error); see [`parse_copy_range`].

use alexander_store::ByteRange;

use crate::error::S3Error;
use crate::s3_error;

/// A decimal byte position. Numbers too large for `u64` saturate: a start
/// that large is past any object's end, an end that large is clamped to it.
fn position(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// Parses a `Range` header: `Some` for one well-formed byte range, `None`
/// when S3 would ignore the header and send the whole object.
pub fn parse_range(value: &str) -> Option<ByteRange> {
    let (unit, spec) = value.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let spec = spec.trim();
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), last.is_empty()) {
        (true, true) => None,
        (true, false) => Some(ByteRange::Suffix(position(last)?)),
        (false, true) => Some(ByteRange::From(position(first)?)),
        (false, false) => {
            let (first, last) = (position(first)?, position(last)?);
            (first <= last).then_some(ByteRange::Inclusive(first, last))
        }
    }
}

/// Parses `x-amz-copy-source-range: bytes=first-last` into `(first, last)`,
/// both included. S3 accepts no other form here.
pub fn parse_copy_range(value: &str) -> Result<(u64, u64), S3Error> {
    let bad = || {
        s3_error!(
            InvalidArgument,
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"
        )
        .with_field("ArgumentName", "x-amz-copy-source-range")
        .with_field("ArgumentValue", value)
    };
    let spec = value.trim().strip_prefix("bytes=").ok_or_else(bad)?;
    let (first, last) = spec.split_once('-').ok_or_else(bad)?;
    match (position(first), position(last)) {
        (Some(first), Some(last)) if first <= last => Ok((first, last)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms_s3_serves() {
        assert_eq!(parse_range("bytes=0-9"), Some(ByteRange::Inclusive(0, 9)));
        assert_eq!(parse_range("bytes=5-"), Some(ByteRange::From(5)));
        assert_eq!(parse_range("bytes=-5"), Some(ByteRange::Suffix(5)));
        assert_eq!(parse_range("bytes=-0"), Some(ByteRange::Suffix(0)));
        assert_eq!(parse_range("bytes=7-7"), Some(ByteRange::Inclusive(7, 7)));
        assert_eq!(
            parse_range(" Bytes = 1 - 2 "),
            Some(ByteRange::Inclusive(1, 2))
        );
        assert_eq!(
            parse_range("bytes=0-99999999999999999999999"),
            Some(ByteRange::Inclusive(0, u64::MAX))
        );
        assert_eq!(
            parse_range("bytes=99999999999999999999999-"),
            Some(ByteRange::From(u64::MAX))
        );
    }

    #[test]
    fn forms_s3_ignores() {
        for v in [
            "",
            "bytes",
            "bytes=",
            "bytes=-",
            "bytes=0-1,3-4",
            "bytes=0-1,",
            "bytes=5-2",
            "bytes=a-b",
            "bytes=1-2-3",
            "bytes=+1-2",
            "bytes=0x10-",
            "items=0-1",
            "0-1",
            "bytes=--1",
        ] {
            assert_eq!(parse_range(v), None, "{v:?}");
        }
    }

    #[test]
    fn copy_ranges() {
        assert_eq!(parse_copy_range("bytes=0-9").unwrap(), (0, 9));
        for v in [
            "bytes=5-",
            "bytes=-5",
            "bytes=9-0",
            "0-9",
            "bytes=0-1,2-3",
            "",
        ] {
            assert!(parse_copy_range(v).is_err(), "{v:?}");
        }
    }

    proptest! {
        #[test]
        fn inclusive_round_trips(a in any::<u64>(), len in any::<u64>()) {
            let b = a.saturating_add(len);
            prop_assert_eq!(parse_range(&format!("bytes={a}-{b}")), Some(ByteRange::Inclusive(a, b)));
            prop_assert_eq!(parse_copy_range(&format!("bytes={a}-{b}")).unwrap(), (a, b));
        }

        #[test]
        fn reversed_is_ignored(a in 1u64.., d in 1u64..) {
            let b = a.saturating_sub(d);
            prop_assume!(b < a);
            prop_assert_eq!(parse_range(&format!("bytes={a}-{b}")), None);
        }

        #[test]
        fn open_and_suffix(n in any::<u64>()) {
            prop_assert_eq!(parse_range(&format!("bytes={n}-")), Some(ByteRange::From(n)));
            prop_assert_eq!(parse_range(&format!("bytes=-{n}")), Some(ByteRange::Suffix(n)));
        }

        #[test]
        fn several_ranges_are_ignored(a in 0u64..1000, b in 1000u64..2000, c in 0u64..1000) {
            prop_assert_eq!(parse_range(&format!("bytes={a}-{b},{c}-")), None);
        }

        /// Whatever the text, parsing never panics, and a range it accepts
        /// resolves to bytes within the object or to `InvalidRange`.
        #[test]
        fn any_text_is_safe(text in "\\PC{0,40}", size in 0u64..10_000) {
            if let Some(Ok((start, end))) = parse_range(&text).map(|r| r.resolve(size)) {
                prop_assert!(start < end && end <= size);
            }
            let _ = parse_copy_range(&text);
        }

        #[test]
        fn range_like_text_is_safe(text in "(bytes|BYTES|x)?=? ?[0-9]{0,25} ?-? ?[0-9]{0,25}(,[0-9]-)?", size in 0u64..10_000) {
            if let Some(Ok((start, end))) = parse_range(&text).map(|r| r.resolve(size)) {
                prop_assert!(start < end && end <= size);
            }
        }
    }
}
