//! HTTP preconditions on reads and copy sources (RFC 7232, as S3 applies
//! them).
//!
//! The order is RFC 7232's, section 6, which is also what S3 documents for
//! its pairs of headers:
//!
//! 1. `If-Match` fails → 412. When it is absent, `If-Unmodified-Since`
//!    fails → 412 (when `If-Match` is present and holds, the date is not
//!    looked at: S3 answers 200 for "If-Match true, If-Unmodified-Since
//!    false").
//! 2. `If-None-Match` matches → 304 on GET and HEAD. When it is absent,
//!    `If-Modified-Since` not later than the object → 304 (when
//!    `If-None-Match` is present and does not match, the date is not looked
//!    at).
//!
//! A copy source (`x-amz-copy-source-if-*`) follows the same order, except
//! that every failure is 412: a copy has no "not modified".
//!
//! Dates are compared at one-second resolution, the resolution of the
//! `Last-Modified` header a client compares against. A date that does not
//! parse is ignored, as RFC 7232 says. ETag lists (`"a", "b"`), `*` and weak
//! ETags (`W/"a"`) are understood.

use http::HeaderMap;

use crate::ops::header;
use crate::xml::parse_http_date;

/// The header names of one set of preconditions.
pub struct Names {
    pub if_match: &'static str,
    pub if_none_match: &'static str,
    pub if_modified_since: &'static str,
    pub if_unmodified_since: &'static str,
}

/// GetObject and HeadObject.
pub const GET: Names = Names {
    if_match: "if-match",
    if_none_match: "if-none-match",
    if_modified_since: "if-modified-since",
    if_unmodified_since: "if-unmodified-since",
};

/// The source of CopyObject and UploadPartCopy.
pub const COPY_SOURCE: Names = Names {
    if_match: "x-amz-copy-source-if-match",
    if_none_match: "x-amz-copy-source-if-none-match",
    if_modified_since: "x-amz-copy-source-if-modified-since",
    if_unmodified_since: "x-amz-copy-source-if-unmodified-since",
};

/// The preconditions a request carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preconditions {
    if_match: Option<String>,
    if_none_match: Option<String>,
    /// ns since the epoch.
    if_modified_since: Option<i64>,
    if_unmodified_since: Option<i64>,
}

/// What the preconditions say about an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Proceed,
    /// 304 on a read; the header that said so.
    NotModified(&'static str),
    /// 412; the header that failed.
    Failed(&'static str),
}

impl Preconditions {
    pub fn from_headers(headers: &HeaderMap, names: &Names) -> Preconditions {
        let date = |name| header(headers, name).and_then(parse_http_date);
        Preconditions {
            if_match: header(headers, names.if_match).map(str::to_owned),
            if_none_match: header(headers, names.if_none_match).map(str::to_owned),
            if_modified_since: date(names.if_modified_since),
            if_unmodified_since: date(names.if_unmodified_since),
        }
    }

    /// Evaluates the preconditions against an object's ETag (unquoted) and
    /// modification time (ns). `names` are the headers' names, for the
    /// verdict.
    pub fn evaluate(&self, names: &Names, etag: &str, modified_ns: i64) -> Verdict {
        const NS: i64 = 1_000_000_000;
        // Saturating: the time comes from a stored record, and a damaged
        // one near i64::MIN must not overflow (found by fuzz/range_conditions).
        let modified = modified_ns.div_euclid(NS).saturating_mul(NS);
        if let Some(list) = &self.if_match {
            if !etag_list_matches(list, etag) {
                return Verdict::Failed(names.if_match);
            }
        } else if let Some(t) = self.if_unmodified_since
            && modified > t
        {
            return Verdict::Failed(names.if_unmodified_since);
        }
        if let Some(list) = &self.if_none_match {
            if etag_list_matches(list, etag) {
                return Verdict::NotModified(names.if_none_match);
            }
        } else if let Some(t) = self.if_modified_since
            && modified <= t
        {
            return Verdict::NotModified(names.if_modified_since);
        }
        Verdict::Proceed
    }

    /// As [`Preconditions::evaluate`], for a copy source: "not modified" is
    /// a failure too.
    pub fn evaluate_copy(&self, etag: &str, modified_ns: i64) -> Result<(), &'static str> {
        match self.evaluate(&COPY_SOURCE, etag, modified_ns) {
            Verdict::Proceed => Ok(()),
            Verdict::NotModified(h) | Verdict::Failed(h) => Err(h),
        }
    }
}

/// Whether an `If-Match` / `If-None-Match` list names an ETag: `*`, or
/// one of its comma-separated entity tags, quoted or not, weak or strong.
pub fn etag_list_matches(list: &str, etag: &str) -> bool {
    let etag = etag.trim_matches('"');
    list.split(',').map(str::trim).any(|tag| {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag == "*" || tag.trim_matches('"') == etag
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::http_date;
    use http::HeaderValue;

    const T: i64 = 1_700_000_000_000_000_000;
    const SEC: i64 = 1_000_000_000;

    fn pre(pairs: &[(&'static str, String)]) -> Preconditions {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.insert(*n, HeaderValue::from_str(v).unwrap());
        }
        Preconditions::from_headers(&h, &GET)
    }

    #[test]
    fn etag_lists() {
        assert!(etag_list_matches("\"abc\"", "abc"));
        assert!(etag_list_matches("abc", "\"abc\""));
        assert!(etag_list_matches("\"x\", \"abc\"", "abc"));
        assert!(etag_list_matches("W/\"abc\"", "abc"));
        assert!(etag_list_matches("*", "abc"));
        assert!(!etag_list_matches("\"abd\"", "abc"));
        assert!(!etag_list_matches("", "abc"));
    }

    #[test]
    fn rfc7232_order() {
        // Modified 0.5 s after T: Last-Modified shows T.
        let modified = T + SEC / 2;
        let at = |ns| http_date(ns);
        let cases: Vec<(Vec<(&'static str, String)>, Verdict)> = vec![
            (vec![], Verdict::Proceed),
            (vec![("if-match", "\"e\"".into())], Verdict::Proceed),
            (
                vec![("if-match", "\"f\"".into())],
                Verdict::Failed("if-match"),
            ),
            (vec![("if-unmodified-since", at(T))], Verdict::Proceed),
            (
                vec![("if-unmodified-since", at(T - SEC))],
                Verdict::Failed("if-unmodified-since"),
            ),
            // If-Match holds: the date is not looked at.
            (
                vec![
                    ("if-match", "e".into()),
                    ("if-unmodified-since", at(T - SEC)),
                ],
                Verdict::Proceed,
            ),
            (
                vec![("if-none-match", "\"e\"".into())],
                Verdict::NotModified("if-none-match"),
            ),
            (vec![("if-none-match", "\"f\"".into())], Verdict::Proceed),
            (
                vec![("if-modified-since", at(T))],
                Verdict::NotModified("if-modified-since"),
            ),
            (vec![("if-modified-since", at(T - SEC))], Verdict::Proceed),
            // If-None-Match does not match: the date is not looked at.
            (
                vec![("if-none-match", "f".into()), ("if-modified-since", at(T))],
                Verdict::Proceed,
            ),
            (
                vec![
                    ("if-none-match", "e".into()),
                    ("if-modified-since", at(T - SEC)),
                ],
                Verdict::NotModified("if-none-match"),
            ),
            // 412 wins over 304.
            (
                vec![("if-match", "f".into()), ("if-none-match", "e".into())],
                Verdict::Failed("if-match"),
            ),
            // Dates that do not parse are ignored.
            (
                vec![("if-modified-since", "yesterday".into())],
                Verdict::Proceed,
            ),
            (
                vec![("if-unmodified-since", "garbage".into())],
                Verdict::Proceed,
            ),
        ];
        for (headers, want) in cases {
            assert_eq!(
                pre(&headers).evaluate(&GET, "e", modified),
                want,
                "{headers:?}"
            );
        }
    }

    #[test]
    fn copy_source_not_modified_is_a_failure() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-amz-copy-source-if-none-match",
            HeaderValue::from_static("\"e\""),
        );
        let p = Preconditions::from_headers(&h, &COPY_SOURCE);
        assert_eq!(
            p.evaluate_copy("e", T),
            Err("x-amz-copy-source-if-none-match")
        );
        assert_eq!(p.evaluate_copy("other", T), Ok(()));
    }

    #[test]
    fn extreme_modification_times_do_not_overflow() {
        let p = pre(&[("if-modified-since", http_date(T))]);
        assert_eq!(
            p.evaluate(&GET, "e", i64::MIN),
            Verdict::NotModified("if-modified-since")
        );
        assert_eq!(p.evaluate(&GET, "e", i64::MAX), Verdict::Proceed);
        let p = pre(&[("if-unmodified-since", http_date(T))]);
        assert_eq!(p.evaluate(&GET, "e", i64::MIN), Verdict::Proceed);
        assert_eq!(
            p.evaluate(&GET, "e", i64::MAX),
            Verdict::Failed("if-unmodified-since")
        );
        let mut h = HeaderMap::new();
        h.insert(
            "x-amz-copy-source-if-unmodified-since",
            HeaderValue::from_str(&http_date(T)).unwrap(),
        );
        let p = Preconditions::from_headers(&h, &COPY_SOURCE);
        assert_eq!(p.evaluate_copy("e", i64::MIN), Ok(()));
        assert_eq!(
            p.evaluate_copy("e", i64::MAX),
            Err("x-amz-copy-source-if-unmodified-since")
        );
    }
}
