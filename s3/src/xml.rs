//! S3's XML: serde structs for response documents and request bodies,
//! written and read with quick-xml.
//!
//! - Responses are built as structs and turned into text with [`to_xml`],
//!   which adds the XML declaration; every response root carries
//!   `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"` through an [`Xmlns`]
//!   field.
//! - Request bodies are read with [`from_xml`], which first refuses oversized
//!   bodies, bytes that are not UTF-8, any DOCTYPE and any entity reference
//!   other than XML's five and character references, so quick-xml never sees
//!   (let alone expands) a custom entity. Namespaces and prefixes on elements
//!   are ignored, elements may come in any order, and lists that clients may
//!   interleave with other elements (`Delete`, `CORSRule`, a lifecycle
//!   `And`) are read through an intermediate list of elements.
//! - ETags are held unquoted in these structs; they are written quoted
//!   (`"\"abc\""`) and read with or without quotes.
//! - Timestamps are [`Timestamp`]s (nanoseconds since the Unix epoch),
//!   written as `2009-10-12T17:50:30.000Z`.
//!
//! Validation that S3 performs on request bodies (tag limits, lifecycle and
//! CORS rules, the number of keys in a `Delete`) lives next to each type, as
//! `validate` methods returning the error S3 would.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::S3Error;
use crate::s3_error;

mod acl;
mod bucket;
mod cors;
mod lifecycle;
mod list;
mod multipart;
mod object;
mod tagging;
mod time;

pub use acl::*;
pub use bucket::*;
pub use cors::*;
pub use lifecycle::*;
pub use list::*;
pub use multipart::*;
pub use object::*;
pub use tagging::*;
pub use time::*;

/// The namespace of S3's documents.
pub const S3_XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
/// The XML Schema instance namespace, bound to `xsi` in ACL grantees.
pub const XSI_XMLNS: &str = "http://www.w3.org/2001/XMLSchema-instance";

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// How deep a request body may nest. S3's deepest request document
/// (a lifecycle `And` tag: `LifecycleConfiguration/Rule/Filter/And/Tag/Key`)
/// is six levels.
const MAX_DEPTH: usize = 32;

/// The `xmlns` attribute of a response root: put it in a field renamed
/// `@xmlns`. Always S3's namespace; ignored when reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Xmlns;

impl Serialize for Xmlns {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(S3_XMLNS)
    }
}

/// A point in time, in nanoseconds since the Unix epoch, written in S3's
/// ISO 8601 form (`2009-10-12T17:50:30.000Z`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iso8601(self.0))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        parse_iso8601(text.trim())
            .map(Timestamp)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid date {text:?}")))
    }
}

/// Puts an ETag in quotes, as S3 writes it in XML and headers (an already
/// quoted ETag is left alone).
pub fn quote_etag(etag: &str) -> String {
    if etag.len() >= 2 && etag.starts_with('"') && etag.ends_with('"') {
        etag.to_owned()
    } else {
        format!("\"{etag}\"")
    }
}

/// Takes an ETag out of its quotes, if it has them (clients send part ETags
/// both ways).
pub fn unquote_etag(etag: &str) -> &str {
    let etag = etag.trim();
    etag.strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or(etag)
}

/// serde helpers for an ETag field: quoted out, unquoted in.
pub(crate) mod etag {
    use super::*;

    pub fn serialize<S: Serializer>(etag: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&quote_etag(etag))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(unquote_etag(&String::deserialize(d)?).to_owned())
    }

    /// Reads an optional ETag (`deserialize_with = "etag::opt"`).
    pub fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(|e| unquote_etag(&e).to_owned()))
    }
}

/// Serializes a response document, with the XML declaration.
///
/// Line ends other than `\n` in a value (CR, and NEL and LINE SEPARATOR,
/// which quick-xml also folds) are written as character references: raw,
/// a reader would take them for `\n`, and a stored configuration (lifecycle
/// and CORS are kept as this text and read again at each use) would change
/// a rule's prefix silently. The serializer itself writes no such character,
/// so every one in the text comes from a value.
pub fn try_to_xml<T: Serialize>(root: &T) -> Result<String, S3Error> {
    let mut out = String::from(XML_DECLARATION);
    root.serialize(quick_xml::se::Serializer::new(&mut out))
        .map_err(S3Error::internal)?;
    if out.contains(FOLDED_LINE_ENDS) {
        out = out
            .replace('\r', "&#13;")
            .replace('\u{85}', "&#133;")
            .replace('\u{2028}', "&#8232;");
    }
    Ok(out)
}

/// Characters an XML reader turns into `\n` when they stand raw in text.
const FOLDED_LINE_ENDS: [char; 3] = ['\r', '\u{85}', '\u{2028}'];

/// Serializes a response document, with the XML declaration.
///
/// # Panics
///
/// Only on a programming error: a type quick-xml cannot write as XML. Every
/// response type in this module is written by a test; use [`try_to_xml`]
/// for anything else.
pub fn to_xml<T: Serialize>(root: &T) -> String {
    match try_to_xml(root) {
        Ok(xml) => xml,
        Err(e) => panic!("response type cannot be written as XML: {e}"),
    }
}

fn malformed() -> S3Error {
    s3_error!(
        MalformedXML,
        "The XML you provided was not well-formed or did not validate against our published schema"
    )
}

/// Reads a request body of at most `limit` bytes into `T`.
///
/// Refused, before quick-xml deserializes anything: a body over `limit`
/// (`MaxMessageLengthExceeded`), an empty one (`MissingRequestBodyError`),
/// bytes that are not UTF-8, a DOCTYPE, an entity reference other than the
/// five predefined ones and character references, nesting deeper than 32,
/// and anything but exactly one root element (all `MalformedXML`). A body
/// that does not match `T` is `MalformedXML` too.
pub fn from_xml<T: DeserializeOwned>(body: &[u8], limit: usize) -> Result<T, S3Error> {
    if body.len() > limit {
        return Err(s3_error!(
            MaxMessageLengthExceeded,
            "Your request was too big."
        ));
    }
    let text = std::str::from_utf8(body).map_err(|_| malformed())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(s3_error!(MissingRequestBodyError, "Request Body is empty"));
    }
    check_xml(text)?;
    quick_xml::de::from_str(text).map_err(|e| {
        tracing::debug!("malformed XML body: {e}");
        malformed()
    })
}

/// Scans the raw events of `text` and refuses what the deserializer must
/// never see: DTDs, custom entities, runaway nesting, stray text.
fn check_xml(text: &str) -> Result<(), S3Error> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            tracing::debug!("malformed XML body: {e}");
            malformed()
        })?;
        match event {
            Event::DocType(_) => {
                return Err(s3_error!(
                    MalformedXML,
                    "DOCTYPE and entity declarations are not allowed"
                ));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                if depth == 0 {
                    roots += 1;
                }
                if depth >= MAX_DEPTH {
                    return Err(malformed());
                }
                for attr in e.attributes() {
                    let attr = attr.map_err(|_| malformed())?;
                    attr.unescape_value().map_err(|_| malformed())?;
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => depth = depth.checked_sub(1).ok_or_else(malformed)?,
            Event::Text(t) if depth == 0 && !t.iter().all(u8::is_ascii_whitespace) => {
                return Err(malformed());
            }
            Event::CData(_) if depth == 0 => return Err(malformed()),
            Event::GeneralRef(r) => {
                let allowed = if r.is_char_ref() {
                    matches!(r.resolve_char_ref(), Ok(Some(_)))
                } else {
                    matches!(&*r, b"lt" | b"gt" | b"amp" | b"apos" | b"quot")
                };
                if !allowed || depth == 0 {
                    return Err(s3_error!(
                        MalformedXML,
                        "Entity references other than the predefined ones are not allowed"
                    ));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if roots != 1 || depth != 0 {
        return Err(malformed());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
