//! `Range`, `x-amz-copy-source-range`, the conditional headers and the
//! date formats they carry, from hostile text.
//!
//! - A `Range` the parser accepts resolves, against any object size, to a
//!   non-empty range inside the object or to `InvalidRange`: never a byte
//!   past the end.
//! - A copy-source range is `first <= last`.
//! - Preconditions read from arbitrary headers evaluate without panicking,
//!   for GET and for a copy source, whatever the object's ETag and time.
//! - HTTP and ISO 8601 dates that parse survive a round trip through the
//!   forms the server writes (to the second, and to the millisecond).
//!
//! Input: an object size (u64 LE), a modification time (i64 LE), then
//! lines: the first is the `Range` value, the rest `name:value` headers.

#![no_main]

use alexander_s3::ops::object::conditions::{COPY_SOURCE, GET, Preconditions, etag_list_matches};
use alexander_s3::ops::object::range::{parse_copy_range, parse_range};
use alexander_s3::xml::{http_date, iso8601, parse_http_date, parse_iso8601};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alexander_fuzz::CappedAlloc = alexander_fuzz::CappedAlloc;

const NS: i64 = 1_000_000_000;

fuzz_target!(|input: &[u8]| {
    if input.len() < 16 {
        return;
    }
    let size = u64::from_le_bytes(input[..8].try_into().unwrap());
    let modified_ns = i64::from_le_bytes(input[8..16].try_into().unwrap());
    let text = String::from_utf8_lossy(&input[16..]);
    let mut lines = text.split('\n');
    let range = lines.next().unwrap_or("");

    for size in [size, size % 4096] {
        if let Some(r) = parse_range(range)
            && let Ok((start, end)) = r.resolve(size)
        {
            assert!(
                start < end && end <= size,
                "{r:?} of {size} bytes gave {start}..{end}"
            );
        }
    }
    if let Ok((first, last)) = parse_copy_range(range) {
        assert!(first <= last);
    }

    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
        for date in [name, value] {
            check_dates(date);
        }
    }
    let etag = std::str::from_utf8(&input[..16]).unwrap_or("d41d8cd98f00b204e9800998ecf8427e");
    let get = Preconditions::from_headers(&headers, &GET);
    let _ = get.evaluate(&GET, etag, modified_ns);
    let copy = Preconditions::from_headers(&headers, &COPY_SOURCE);
    let _ = copy.evaluate_copy(etag, modified_ns);
    // `*` matches any ETag, and a list always matches its own entries.
    assert!(etag_list_matches("*", etag));
    check_dates(range);
});

fn check_dates(text: &str) {
    if let Some(ns) = parse_http_date(text)
        && ns >= 0
    {
        assert_eq!(ns % NS, 0, "HTTP dates have whole seconds");
        assert_eq!(parse_http_date(&http_date(ns)), Some(ns), "{text:?}");
    }
    // Within two seconds of the earliest i64 time (in 1677) the written
    // form's whole seconds do not fit; nothing stores such a date.
    if let Some(ns) = parse_iso8601(text)
        && ns > i64::MIN + 2 * NS
    {
        let written = iso8601(ns);
        let ms = ns - ns.rem_euclid(1_000_000);
        assert_eq!(
            parse_iso8601(&written),
            Some(ms),
            "{text:?} was written {written:?}"
        );
    }
}
