//! Query strings and percent-decoding, strict as S3 is: a malformed escape,
//! an encoded NUL or bytes that are not UTF-8 are `InvalidArgument`, and `+`
//! is a plus sign.

use http::Uri;

use super::MAX_PART_NUMBER;
use crate::error::S3Error;
use crate::s3_error;

/// A decoded query string: (name, value) pairs in order. A name without
/// `=` has the empty value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes a raw query string (without the `?`). `+` stays `+`; a bad
    /// escape, an encoded NUL or non-UTF-8 bytes are `InvalidArgument`.
    pub fn parse(raw: Option<&str>) -> Result<Query, S3Error> {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((
                percent_decode(name.as_bytes())?,
                percent_decode(value.as_bytes())?,
            ));
        }
        Ok(Query { pairs })
    }

    /// The first value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// A value, with the empty string read as absent.
    pub(super) fn non_empty(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    pub(super) fn owned(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    /// A non-negative integer argument (`max-keys`, …); larger than
    /// `u32::MAX` saturates.
    pub(super) fn count(&self, name: &str) -> Result<Option<u32>, S3Error> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(s3_error!(
                InvalidArgument,
                "Provided {name} not an integer or within integer range"
            )
            .with_field("ArgumentName", name)
            .with_field("ArgumentValue", v));
        }
        Ok(Some(v.parse::<u32>().unwrap_or(u32::MAX)))
    }

    pub(super) fn part_number(&self) -> Result<Option<u32>, S3Error> {
        let Some(v) = self.get("partNumber") else {
            return Ok(None);
        };
        match v.parse::<u32>() {
            Ok(n) if (1..=MAX_PART_NUMBER).contains(&n) => Ok(Some(n)),
            _ => Err(s3_error!(
                InvalidArgument,
                "Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"
            )
            .with_field("ArgumentName", "partNumber")
            .with_field("ArgumentValue", v)),
        }
    }

    pub(super) fn version_id(&self) -> Result<Option<String>, S3Error> {
        match self.get("versionId") {
            Some("") => Err(
                s3_error!(InvalidArgument, "Version id cannot be the empty string")
                    .with_field("ArgumentName", "versionId"),
            ),
            v => Ok(v.map(str::to_owned)),
        }
    }

    pub(super) fn url_encoding(&self) -> Result<bool, S3Error> {
        match self.get("encoding-type") {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("url") => Ok(true),
            Some(v) => Err(s3_error!(
                InvalidArgument,
                "Invalid Encoding Method specified in Request"
            )
            .with_field("ArgumentName", "encoding-type")
            .with_field("ArgumentValue", v)),
        }
    }

    pub(super) fn fetch_owner(&self) -> Result<bool, S3Error> {
        match self.get("fetch-owner") {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(s3_error!(InvalidArgument, "Invalid fetch-owner value")
                .with_field("ArgumentName", "fetch-owner")
                .with_field("ArgumentValue", v)),
        }
    }
}

/// The decoded value of query parameter `name` in `uri`, if present.
pub fn query_param(uri: &Uri, name: &str) -> Result<Option<String>, S3Error> {
    Ok(Query::parse(uri.query())?.owned(name))
}

/// Strictly percent-decodes `raw` into UTF-8: every `%` must start a
/// two-digit hex escape, and the result must be valid UTF-8 without NUL.
pub fn percent_decode(raw: &[u8]) -> Result<String, S3Error> {
    let invalid =
        |what: &str| s3_error!(InvalidArgument, "Couldn't parse the specified URI: {what}");
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'%' {
            let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
            match (hex(raw.get(i + 1)), hex(raw.get(i + 2))) {
                (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                _ => return Err(invalid("malformed percent-encoding")),
            }
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    if out.contains(&0) {
        return Err(invalid("NUL is not allowed"));
    }
    String::from_utf8(out).map_err(|_| invalid("not valid UTF-8"))
}
