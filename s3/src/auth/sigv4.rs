//! AWS Signature Version 4, checked by the server.
//!
//! [`verify_request`] authenticates a request signed either with an
//! `Authorization: AWS4-HMAC-SHA256 …` header or with a presigned query
//! (`X-Amz-Algorithm=AWS4-HMAC-SHA256&…`). It answers `Ok(None)` for an
//! anonymous request (neither is present): the server then decides by the
//! bucket's ACL. On success the [`Auth`] names the access key and how the
//! body is protected ([`Payload`], from `x-amz-content-sha256`); the body
//! itself is checked later, by [`ContentSha256`] or by the `aws-chunked`
//! decoder in [`super::chunked`].
//!
//! The canonical request follows the published algorithm with S3's rules:
//! the path is used as sent (S3 neither normalizes nor double-encodes it);
//! query names and values are percent-decoded, re-encoded with the unreserved
//! set `A-Z a-z 0-9 - _ . ~` and uppercase `%XX`, and sorted by name then
//! value; a parameter without `=` has an empty value; header values are
//! trimmed and inner whitespace runs collapsed to one space; several values
//! of one header are joined with `,`. If the path as sent does not verify,
//! the path re-encoded segment by segment (`/test$file` → `/test%24file`) is
//! tried once more: both spell the same key and the same segments, so this
//! only helps clients that send a reserved character unescaped.
//!
//! Choices where S3 leaves room:
//! - A presigned request dated more than 15 minutes in the future is refused
//!   with `AccessDenied` "Request is not valid yet", as AWS does; a header-
//!   signed request more than 15 minutes off either way gets
//!   `RequestTimeTooSkewed` with `<RequestTime>` and `<ServerTime>`.
//! - `host` must be signed, and so must every `x-amz-*` header the request
//!   carries, for header-signed and presigned requests alike: otherwise
//!   `AccessDenied`, "There were headers present in the request which were
//!   not signed", naming them in `<HeadersNotSigned>` (comma-separated, in
//!   the order sent), as AWS does. An unsigned `x-amz-copy-source` once
//!   turned a presigned PUT into a copy of the signer's private data. The
//!   one exception is `x-amz-content-sha256`: its value is the payload-hash
//!   line of the canonical request (for a presigned request too, when the
//!   query carries no `X-Amz-Content-Sha256`), so the signature covers it
//!   whether or not it is listed; a presigned request whose header and query
//!   disagree on it is refused.
//! - Other headers need not be signed, but an unsigned value never changes
//!   what is stored: [`Auth::apply`] drops an unsigned `Content-Type` (the
//!   object gets the default). An unsigned `Content-MD5` is still checked
//!   against the body, so it can only cause a refusal; `Range` only shapes
//!   a read.
//! - A presigned request's `x-amz-*` query parameters (other than its own
//!   `X-Amz-Algorithm`, `-Credential`, `-Date`, `-Expires`, `-SignedHeaders`,
//!   `-Signature`, `-Security-Token` and `-Content-Sha256`) are signed with
//!   the rest of the query; presigners (the JS v3 and Java SDKs) hoist
//!   headers such as `x-amz-acl` or `x-amz-meta-*` there. Once the
//!   signature verifies they act exactly as the header of the same name
//!   ([`Auth::apply`]); the same name as a header with another value is
//!   refused with `InvalidArgument`.
//! - Signatures are 64 lowercase hex digits and are compared in constant
//!   time.
//!
//! [`sign_request`] and [`presign`] are the client side of the same
//! algorithm, for tests and for the server's own test clients.

use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::secret::SecretKey;
use crate::error::{S3Error, S3ErrorCode};

type HmacSha256 = Hmac<Sha256>;

/// The only signing algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// `x-amz-content-sha256` for a body that is not hashed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// `x-amz-content-sha256` for an `aws-chunked` body with chained chunk
/// signatures.
pub const STREAMING_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
/// As [`STREAMING_PAYLOAD`], followed by signed trailing headers.
pub const STREAMING_PAYLOAD_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
/// An `aws-chunked` body without signatures, followed by trailing headers
/// (usually a checksum). Current AWS SDKs send this by default.
pub const STREAMING_UNSIGNED_PAYLOAD_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
/// Hex SHA-256 of the empty string.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// How far the request time may be from the server's clock.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);
/// The longest `X-Amz-Expires` accepted: seven days.
pub const MAX_PRESIGNED_EXPIRES: u64 = 7 * 24 * 3600;

const S3_SERVICE: &str = "s3";
const TERMINATOR: &str = "aws4_request";
const CONTENT_SHA256: &str = "x-amz-content-sha256";
const AMZ_DATE: &str = "x-amz-date";

/// Bytes that stay as they are in a canonical URI or query: `A-Z a-z 0-9 -
/// _ . ~`. Everything else becomes `%XX` with uppercase hex.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An authenticated request.
#[derive(Debug)]
pub struct Auth {
    /// The access key id the request was signed with.
    pub access_key: String,
    /// How the body is protected; the handler must check it.
    pub payload: Payload,
    /// Whether the signature came from a presigned query rather than the
    /// `Authorization` header.
    pub presigned: bool,
    /// The names in `SignedHeaders`: a header not among them is not covered
    /// by the signature, and [`Auth::apply`] keeps it from being stored.
    pub signed_headers: Vec<String>,
    /// The `x-amz-*` query parameters of a presigned request (lowercased
    /// names), which the signature covers; [`Auth::apply`] turns them into
    /// headers.
    pub hoisted: Vec<(HeaderName, HeaderValue)>,
}

impl Auth {
    /// Makes the request head say exactly what was signed, once the
    /// signature has verified: an unsigned `Content-Type` is dropped, and a
    /// presigned request's hoisted `x-amz-*` query parameters become the
    /// headers of the same name. Returns whether headers were added, so
    /// that the caller routes the request again (a hoisted
    /// `x-amz-copy-source` makes a PUT a copy).
    ///
    /// A hoisted parameter whose header is also present with a different
    /// value is refused with `InvalidArgument`: which of the two the signer
    /// meant cannot be told.
    pub fn apply(&self, parts: &mut Parts) -> Result<bool, S3Error> {
        let content_type = http::header::CONTENT_TYPE;
        if parts.headers.contains_key(&content_type)
            && !self
                .signed_headers
                .iter()
                .any(|n| n == content_type.as_str())
        {
            tracing::info!(
                access_key = %self.access_key,
                "ignoring an unsigned Content-Type; the object gets the default"
            );
            parts.headers.remove(&content_type);
        }
        for (name, value) in &self.hoisted {
            let mut present = parts.headers.get_all(name).iter().peekable();
            if present.peek().is_none() {
                parts.headers.insert(name.clone(), value.clone());
            } else if present.any(|v| v != value) {
                return Err(S3Error::new(
                    S3ErrorCode::InvalidArgument,
                    format!(
                        "The query parameter {name} and the header of the same name \
                         have different values."
                    ),
                )
                .with_field("ArgumentName", name.as_str().to_owned()));
            }
        }
        Ok(!self.hoisted.is_empty())
    }
}

/// What `x-amz-content-sha256` says about the body.
#[derive(Debug)]
pub enum Payload {
    /// `UNSIGNED-PAYLOAD` (or a presigned request without the header): the
    /// body is not covered by the signature.
    Unsigned,
    /// The SHA-256 the body must have; check it with
    /// [`Payload::content_sha256`], a mismatch is `XAmzContentSHA256Mismatch`.
    Sha256([u8; 32]),
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: an `aws-chunked` body whose
    /// chunk signatures chain from the request's signature.
    StreamingSigned(StreamingContext),
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: as `StreamingSigned`,
    /// with trailing headers signed by `x-amz-trailer-signature`.
    StreamingSignedTrailer(StreamingContext),
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: an unsigned `aws-chunked` body
    /// with trailing headers (a checksum to verify).
    StreamingUnsignedTrailer,
}

impl Payload {
    /// Whether the body is `aws-chunked` and must go through
    /// [`super::chunked::ChunkedDecoder`].
    pub fn is_chunked(&self) -> bool {
        matches!(
            self,
            Payload::StreamingSigned(_)
                | Payload::StreamingSignedTrailer(_)
                | Payload::StreamingUnsignedTrailer
        )
    }

    /// A hasher to run over the body when the request promised its SHA-256.
    pub fn content_sha256(&self) -> Option<ContentSha256> {
        match self {
            Payload::Sha256(expected) => Some(ContentSha256 {
                expected: *expected,
                hasher: Sha256::new(),
            }),
            _ => None,
        }
    }
}

/// What the `aws-chunked` decoder needs to check a chain of chunk
/// signatures.
#[derive(Clone, Debug)]
pub struct StreamingContext {
    /// The request's own signature (hex): the first link of the chain.
    pub seed_signature: String,
    /// The key derived for the request's scope.
    pub signing_key: SigningKey,
    /// `YYYYMMDD/region/s3/aws4_request`.
    pub scope: String,
    /// The request time, `YYYYMMDDTHHMMSSZ`.
    pub amz_date: String,
}

impl StreamingContext {
    /// The signature of one chunk, from the previous signature (hex) and the
    /// SHA-256 of the chunk's data.
    pub(crate) fn chunk_signature(&self, previous: &str, data_sha256: &[u8; 32]) -> [u8; 32] {
        let sts = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{previous}\n{EMPTY_SHA256}\n{}",
            self.amz_date,
            self.scope,
            hex::encode(data_sha256)
        );
        self.signing_key.sign(sts.as_bytes())
    }

    /// The signature of the trailing headers, from the final chunk's
    /// signature and the SHA-256 of the trailer lines (`name:value\n` each).
    pub(crate) fn trailer_signature(&self, previous: &str, trailer_sha256: &[u8; 32]) -> [u8; 32] {
        let sts = format!(
            "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{previous}\n{}",
            self.amz_date,
            self.scope,
            hex::encode(trailer_sha256)
        );
        self.signing_key.sign(sts.as_bytes())
    }
}

/// A SigV4 signing key (`kSigning`), zeroized on drop and hidden from
/// `Debug`.
#[derive(Clone)]
pub struct SigningKey(Zeroizing<[u8; 32]>);

impl SigningKey {
    /// Derives the key for `date` (`YYYYMMDD`), `region` and `service`.
    pub fn derive(secret: &SecretKey, date: &str, region: &str, service: &str) -> SigningKey {
        let mut k_secret = Zeroizing::new(String::with_capacity(4 + secret.expose_secret().len()));
        k_secret.push_str("AWS4");
        k_secret.push_str(secret.expose_secret());
        let k_date = Zeroizing::new(hmac(k_secret.as_bytes(), date.as_bytes()));
        let k_region = Zeroizing::new(hmac(&*k_date, region.as_bytes()));
        let k_service = Zeroizing::new(hmac(&*k_region, service.as_bytes()));
        SigningKey(Zeroizing::new(hmac(&*k_service, TERMINATOR.as_bytes())))
    }

    pub(crate) fn sign(&self, data: &[u8]) -> [u8; 32] {
        hmac(&*self.0, data)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Checks a body against the SHA-256 its request promised.
pub struct ContentSha256 {
    expected: [u8; 32],
    hasher: Sha256,
}

impl ContentSha256 {
    pub fn update(&mut self, data: &[u8]) {
        self.hasher.update(data);
    }

    /// `XAmzContentSHA256Mismatch` unless the body hashed to the promised
    /// value.
    pub fn finish(self) -> Result<(), S3Error> {
        let computed: [u8; 32] = self.hasher.finalize().into();
        if bool::from(computed.ct_eq(&self.expected)) {
            Ok(())
        } else {
            Err(S3Error::new(
                S3ErrorCode::XAmzContentSHA256Mismatch,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
            .with_field("ClientComputedContentSHA256", hex::encode(self.expected))
            .with_field("S3ComputedContentSHA256", hex::encode(computed)))
        }
    }
}

/// Authenticates an S3 request.
///
/// `region` is the server's region: the credential scope must name it.
/// `lookup` maps an access key id to its secret (`None`: the key is unknown
/// or disabled, answered `InvalidAccessKeyId`). `Ok(None)` means the request
/// is anonymous.
pub fn verify_request(
    parts: &Parts,
    region: &str,
    now: SystemTime,
    lookup: &dyn Fn(&str) -> Option<SecretKey>,
) -> Result<Option<Auth>, S3Error> {
    Verifier {
        service: S3_SERVICE,
        region,
        now,
        lookup,
        fallback_payload_hash: None,
    }
    .verify(parts)
}

/// The payload mode of an anonymous request: `x-amz-content-sha256` may
/// still promise a body hash or announce an unsigned `aws-chunked` body;
/// signed streaming needs a signature and is refused.
pub fn anonymous_payload(headers: &HeaderMap) -> Result<Payload, S3Error> {
    let Some(value) = headers.get(CONTENT_SHA256) else {
        return Ok(Payload::Unsigned);
    };
    match parse_payload_kind(value.as_bytes())? {
        PayloadKind::Unsigned => Ok(Payload::Unsigned),
        PayloadKind::Sha256(h) => Ok(Payload::Sha256(h)),
        PayloadKind::StreamingUnsignedTrailer => Ok(Payload::StreamingUnsignedTrailer),
        PayloadKind::StreamingSigned | PayloadKind::StreamingSignedTrailer => Err(S3Error::new(
            S3ErrorCode::AccessDenied,
            "A signed streaming payload needs a signed request.",
        )),
    }
}

/// What `x-amz-content-sha256` announced, before the signature is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PayloadKind {
    Unsigned,
    Sha256([u8; 32]),
    StreamingSigned,
    StreamingSignedTrailer,
    StreamingUnsignedTrailer,
}

fn parse_payload_kind(value: &[u8]) -> Result<PayloadKind, S3Error> {
    match value {
        b"UNSIGNED-PAYLOAD" => return Ok(PayloadKind::Unsigned),
        b"STREAMING-AWS4-HMAC-SHA256-PAYLOAD" => return Ok(PayloadKind::StreamingSigned),
        b"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" => {
            return Ok(PayloadKind::StreamingSignedTrailer);
        }
        b"STREAMING-UNSIGNED-PAYLOAD-TRAILER" => return Ok(PayloadKind::StreamingUnsignedTrailer),
        _ => {}
    }
    if value.starts_with(b"STREAMING-AWS4-ECDSA") {
        return Err(S3Error::new(
            S3ErrorCode::NotImplemented,
            "Signature Version 4A (ECDSA) is not supported.",
        ));
    }
    let mut digest = [0u8; 32];
    if value.len() == 64 && hex::decode_to_slice(value, &mut digest).is_ok() {
        return Ok(PayloadKind::Sha256(digest));
    }
    Err(S3Error::new(
        S3ErrorCode::InvalidArgument,
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, \
         STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER \
         or a valid sha256 value.",
    )
    .with_field("ArgumentName", CONTENT_SHA256)
    .with_field("ArgumentValue", String::from_utf8_lossy(value).into_owned()))
}

/// Which of the two signature carriers a request used; it picks the error
/// code for a malformed credential.
#[derive(Clone, Copy)]
enum Carrier {
    Header,
    Query,
}

impl Carrier {
    fn malformed(self, detail: impl fmt::Display) -> S3Error {
        match self {
            Carrier::Header => S3Error::new(
                S3ErrorCode::AuthorizationHeaderMalformed,
                format!("The authorization header is malformed; {detail}"),
            ),
            Carrier::Query => S3Error::new(
                S3ErrorCode::AuthorizationQueryParametersError,
                format!("Error parsing the X-Amz-Credential parameter; {detail}"),
            ),
        }
    }
}

/// `AK/YYYYMMDD/region/service/aws4_request`.
struct Credential<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

impl<'a> Credential<'a> {
    /// Parses from the right, so that an access key containing `/` would
    /// still parse; the other four parts never contain one.
    fn parse(s: &'a str, carrier: Carrier) -> Result<Credential<'a>, S3Error> {
        let bad = || {
            carrier.malformed(
                "the Credential is mal-formed; expecting \
                 \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
            )
        };
        let mut parts = s.rsplitn(5, '/');
        let terminator = parts.next().ok_or_else(bad)?;
        let service = parts.next().ok_or_else(bad)?;
        let region = parts.next().ok_or_else(bad)?;
        let date = parts.next().ok_or_else(bad)?;
        let access_key = parts.next().ok_or_else(bad)?;
        if access_key.is_empty()
            || region.is_empty()
            || date.len() != 8
            || !date.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        if terminator != TERMINATOR {
            return Err(carrier.malformed(format_args!(
                "incorrect terminal \"{terminator}\". This endpoint uses \"{TERMINATOR}\"."
            )));
        }
        Ok(Credential {
            access_key,
            date,
            region,
            service,
        })
    }

    fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{TERMINATOR}",
            self.date, self.region, self.service
        )
    }
}

/// The fields of `Authorization: AWS4-HMAC-SHA256 Credential=…,
/// SignedHeaders=…, Signature=…`.
struct AuthorizationHeader<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

impl<'a> AuthorizationHeader<'a> {
    fn parse(value: &'a str) -> Result<AuthorizationHeader<'a>, S3Error> {
        let malformed = |detail: &str| Carrier::Header.malformed(detail);
        let Some(rest) = value.strip_prefix(ALGORITHM) else {
            if value.starts_with("AWS ") {
                return Err(unsupported_mechanism());
            }
            return Err(malformed(
                "the authorization mechanism must be AWS4-HMAC-SHA256.",
            ));
        };
        if !rest.starts_with(' ') {
            return Err(malformed(
                "the authorization mechanism must be AWS4-HMAC-SHA256.",
            ));
        }
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for component in rest.split(',') {
            let component = component.trim_matches(' ');
            let Some((name, value)) = component.split_once('=') else {
                return Err(malformed(&format!(
                    "the authorization component \"{component}\" is malformed."
                )));
            };
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => {
                    return Err(malformed(&format!(
                        "the authorization component \"{component}\" is malformed."
                    )));
                }
            };
            if slot.replace(value).is_some() {
                return Err(malformed(&format!(
                    "the authorization component \"{name}\" appears twice."
                )));
            }
        }
        match (credential, signed_headers, signature) {
            (Some(credential), Some(signed_headers), Some(signature)) => Ok(AuthorizationHeader {
                credential,
                signed_headers,
                signature,
            }),
            _ => Err(malformed(
                "it must contain Credential, SignedHeaders and Signature.",
            )),
        }
    }
}

fn unsupported_mechanism() -> S3Error {
    S3Error::new(
        S3ErrorCode::InvalidRequest,
        "The authorization mechanism you have provided is not supported. \
         Please use AWS4-HMAC-SHA256.",
    )
}

/// `host;x-amz-date;…`: lowercase names, no duplicates, used in the order
/// given (clients sort them, as the algorithm says).
fn parse_signed_headers(s: &str, carrier: Carrier) -> Result<Vec<&str>, S3Error> {
    let bad = || match carrier {
        Carrier::Header => Carrier::Header.malformed("the SignedHeaders component is malformed."),
        Carrier::Query => S3Error::new(
            S3ErrorCode::AuthorizationQueryParametersError,
            "X-Amz-SignedHeaders is malformed.",
        ),
    };
    let mut names: Vec<&str> = Vec::new();
    for name in s.split(';') {
        let valid = !name.is_empty()
            && name.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
            });
        if !valid || names.contains(&name) {
            return Err(bad());
        }
        names.push(name);
    }
    if !names.contains(&"host") {
        return Err(headers_not_signed(&["host"]));
    }
    Ok(names)
}

/// `AccessDenied` for headers present but not signed, listed as AWS lists
/// them.
fn headers_not_signed(names: &[&str]) -> S3Error {
    S3Error::new(
        S3ErrorCode::AccessDenied,
        "There were headers present in the request which were not signed",
    )
    .with_field("HeadersNotSigned", names.join(", "))
}

/// Refuses a request carrying an `x-amz-*` header that `signed` does not
/// name, apart from `x-amz-content-sha256`, which the canonical request
/// covers anyway (its payload-hash line). Such a header would otherwise be
/// acted on although the signer never saw it.
fn check_amz_headers_signed(headers: &HeaderMap, signed: &[&str]) -> Result<(), S3Error> {
    let unsigned: Vec<&str> = headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|n| n.starts_with("x-amz-") && *n != CONTENT_SHA256 && !signed.contains(n))
        .collect();
    if unsigned.is_empty() {
        Ok(())
    } else {
        Err(headers_not_signed(&unsigned))
    }
}

/// 64 lowercase hex digits.
fn parse_signature(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

struct Verifier<'a> {
    service: &'a str,
    region: &'a str,
    now: SystemTime,
    lookup: &'a dyn Fn(&str) -> Option<SecretKey>,
    /// For AWS's generic test suite only, whose requests carry no
    /// `x-amz-content-sha256`: the payload hash to use instead.
    fallback_payload_hash: Option<&'a str>,
}

/// A canonical request ready to be signed, apart from its path.
struct Canonical<'a> {
    method: &'a str,
    query: String,
    headers: Vec<u8>,
    signed_headers: &'a str,
    payload_hash: &'a str,
}

impl Verifier<'_> {
    fn verify(&self, parts: &Parts) -> Result<Option<Auth>, S3Error> {
        let query = parts.uri.query().unwrap_or("");
        let presigned = query_has_param(query, "X-Amz-Algorithm");
        let mut authorization = parts.headers.get_all(http::header::AUTHORIZATION).iter();
        match (authorization.next(), presigned) {
            (Some(_), true) => Err(S3Error::new(
                S3ErrorCode::InvalidArgument,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
                 Signature query string parameter or the Authorization header should be specified",
            )
            .with_field("ArgumentName", "Authorization")),
            (Some(value), false) => {
                if authorization.next().is_some() {
                    return Err(Carrier::Header.malformed("it was sent more than once."));
                }
                self.verify_header(parts, value).map(Some)
            }
            (None, true) => self.verify_presigned(parts, query).map(Some),
            (None, false) => {
                if query_has_param(query, "AWSAccessKeyId") && query_has_param(query, "Signature") {
                    return Err(unsupported_mechanism());
                }
                Ok(None)
            }
        }
    }

    fn verify_header(&self, parts: &Parts, value: &HeaderValue) -> Result<Auth, S3Error> {
        let value = value
            .to_str()
            .map_err(|_| Carrier::Header.malformed("it is not ASCII."))?;
        let header = AuthorizationHeader::parse(value)?;
        let credential = Credential::parse(header.credential, Carrier::Header)?;
        self.check_scope(&credential, Carrier::Header)?;
        let signed_headers = parse_signed_headers(header.signed_headers, Carrier::Header)?;
        check_amz_headers_signed(&parts.headers, &signed_headers)?;
        let signature = parse_signature(header.signature)
            .ok_or_else(|| Carrier::Header.malformed("the Signature component is malformed."))?;

        let payload_hash = match (
            parts.headers.get(CONTENT_SHA256),
            self.fallback_payload_hash,
        ) {
            (Some(v), _) => v.to_str().map_err(|_| {
                S3Error::new(
                    S3ErrorCode::InvalidArgument,
                    "x-amz-content-sha256 is not ASCII",
                )
            })?,
            (None, Some(fallback)) => fallback,
            (None, None) => {
                return Err(S3Error::new(
                    S3ErrorCode::InvalidRequest,
                    "Missing required header for this request: x-amz-content-sha256",
                ));
            }
        };
        let kind = parse_payload_kind(payload_hash.as_bytes())?;

        let (amz_date, time) = request_date(&parts.headers)?;
        if amz_date[..8] != *credential.date {
            return Err(Carrier::Header
                .malformed("Invalid credential date. Date is not the same as X-Amz-Date."));
        }
        self.check_skew(time)?;

        let secret = self.secret(credential.access_key)?;
        let key = SigningKey::derive(&secret, credential.date, credential.region, self.service);
        let scope = credential.scope();
        let canonical = Canonical {
            method: parts.method.as_str(),
            query: canonical_query(parts.uri.query().unwrap_or(""), false),
            headers: canonical_headers(&parts.headers, parts.uri.authority(), &signed_headers)?,
            signed_headers: header.signed_headers,
            payload_hash,
        };
        check_signature(
            &canonical,
            parts.uri.path(),
            &amz_date,
            &scope,
            &key,
            &signature,
            credential.access_key,
        )?;
        Ok(Auth {
            access_key: credential.access_key.to_owned(),
            payload: make_payload(kind, header.signature, key, scope, amz_date),
            presigned: false,
            signed_headers: signed_headers.iter().map(|n| (*n).to_owned()).collect(),
            hoisted: Vec::new(),
        })
    }

    fn verify_presigned(&self, parts: &Parts, query: &str) -> Result<Auth, S3Error> {
        let params = PresignParams::parse(query)?;
        if params.algorithm != ALGORITHM {
            return Err(S3Error::new(
                S3ErrorCode::AuthorizationQueryParametersError,
                "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
            ));
        }
        let credential = Credential::parse(&params.credential, Carrier::Query)?;
        self.check_scope(&credential, Carrier::Query)?;
        let expires: u64 = match params.expires.parse::<u64>() {
            Ok(n) if (1..=MAX_PRESIGNED_EXPIRES).contains(&n) => n,
            Ok(0) => {
                return Err(S3Error::new(
                    S3ErrorCode::AuthorizationQueryParametersError,
                    "X-Amz-Expires must be non-negative and at least 1 second",
                ));
            }
            Ok(_) => {
                return Err(S3Error::new(
                    S3ErrorCode::AuthorizationQueryParametersError,
                    "X-Amz-Expires must be less than a week (in seconds) that is 604800",
                ));
            }
            Err(_) => {
                return Err(S3Error::new(
                    S3ErrorCode::AuthorizationQueryParametersError,
                    "X-Amz-Expires should be a number",
                ));
            }
        };
        let time = parse_amz_date(&params.date).ok_or_else(|| {
            S3Error::new(
                S3ErrorCode::AuthorizationQueryParametersError,
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
            )
        })?;
        if params.date[..8] != *credential.date {
            return Err(Carrier::Query
                .malformed("Invalid credential date. Date is not the same as X-Amz-Date."));
        }
        let signed_headers = parse_signed_headers(&params.signed_headers, Carrier::Query)?;
        check_amz_headers_signed(&parts.headers, &signed_headers)?;
        let hoisted = hoisted_parameters(query)?;
        let signature = parse_signature(&params.signature).ok_or_else(|| {
            S3Error::new(
                S3ErrorCode::AuthorizationQueryParametersError,
                "X-Amz-Signature is malformed.",
            )
        })?;

        if time > self.now + MAX_CLOCK_SKEW {
            return Err(
                S3Error::new(S3ErrorCode::AccessDenied, "Request is not valid yet")
                    .with_field("X-Amz-Date", params.date.clone())
                    .with_field("ServerTime", format_iso8601(self.now)),
            );
        }
        let deadline = time + Duration::from_secs(expires);
        if self.now > deadline {
            return Err(
                S3Error::new(S3ErrorCode::AccessDenied, "Request has expired")
                    .with_field("X-Amz-Expires", expires.to_string())
                    .with_field("Expires", format_iso8601(deadline))
                    .with_field("ServerTime", format_iso8601(self.now)),
            );
        }

        // A presigned URL covers no body unless it says otherwise: a hash
        // in the signed query first, then one in a header.
        let payload_hash = match (&params.content_sha256, parts.headers.get(CONTENT_SHA256)) {
            (Some(q), Some(h)) if q.as_bytes() != h.as_bytes() => {
                return Err(S3Error::new(
                    S3ErrorCode::InvalidArgument,
                    "The X-Amz-Content-Sha256 query parameter and the x-amz-content-sha256 \
                     header have different values.",
                )
                .with_field("ArgumentName", CONTENT_SHA256));
            }
            (Some(q), _) => q.as_str(),
            (None, Some(h)) => h.to_str().map_err(|_| {
                S3Error::new(
                    S3ErrorCode::InvalidArgument,
                    "x-amz-content-sha256 is not ASCII",
                )
            })?,
            (None, None) => UNSIGNED_PAYLOAD,
        };
        let kind = parse_payload_kind(payload_hash.as_bytes())?;

        let secret = self.secret(credential.access_key)?;
        let key = SigningKey::derive(&secret, credential.date, credential.region, self.service);
        let scope = credential.scope();
        let canonical = Canonical {
            method: parts.method.as_str(),
            query: canonical_query(query, true),
            headers: canonical_headers(&parts.headers, parts.uri.authority(), &signed_headers)?,
            signed_headers: &params.signed_headers,
            payload_hash,
        };
        check_signature(
            &canonical,
            parts.uri.path(),
            &params.date,
            &scope,
            &key,
            &signature,
            credential.access_key,
        )?;
        Ok(Auth {
            access_key: credential.access_key.to_owned(),
            payload: make_payload(kind, &params.signature, key, scope, params.date.clone()),
            presigned: true,
            signed_headers: signed_headers.iter().map(|n| (*n).to_owned()).collect(),
            hoisted,
        })
    }

    fn check_scope(&self, credential: &Credential<'_>, carrier: Carrier) -> Result<(), S3Error> {
        if credential.region != self.region {
            return Err(carrier
                .malformed(format_args!(
                    "the region '{}' is wrong; expecting '{}'",
                    credential.region, self.region
                ))
                .with_field("Region", self.region.to_owned()));
        }
        if credential.service != self.service {
            return Err(carrier.malformed(format_args!(
                "incorrect service \"{}\". This endpoint belongs to \"{}\".",
                credential.service, self.service
            )));
        }
        Ok(())
    }

    fn check_skew(&self, time: SystemTime) -> Result<(), S3Error> {
        let skew = match time.duration_since(self.now) {
            Ok(ahead) => ahead,
            Err(behind) => behind.duration(),
        };
        if skew > MAX_CLOCK_SKEW {
            return Err(S3Error::new(
                S3ErrorCode::RequestTimeTooSkewed,
                "The difference between the request time and the current time is too large.",
            )
            .with_field("RequestTime", format_iso8601(time))
            .with_field("ServerTime", format_iso8601(self.now))
            .with_field(
                "MaxAllowedSkewMilliseconds",
                MAX_CLOCK_SKEW.as_millis().to_string(),
            ));
        }
        Ok(())
    }

    fn secret(&self, access_key: &str) -> Result<SecretKey, S3Error> {
        (self.lookup)(access_key).ok_or_else(|| {
            S3Error::new(
                S3ErrorCode::InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records.",
            )
            .with_field("AWSAccessKeyId", access_key.to_owned())
        })
    }
}

fn make_payload(
    kind: PayloadKind,
    seed_signature: &str,
    signing_key: SigningKey,
    scope: String,
    amz_date: String,
) -> Payload {
    let context = || StreamingContext {
        seed_signature: seed_signature.to_owned(),
        signing_key,
        scope,
        amz_date,
    };
    match kind {
        PayloadKind::Unsigned => Payload::Unsigned,
        PayloadKind::Sha256(h) => Payload::Sha256(h),
        PayloadKind::StreamingSigned => Payload::StreamingSigned(context()),
        PayloadKind::StreamingSignedTrailer => Payload::StreamingSignedTrailer(context()),
        PayloadKind::StreamingUnsignedTrailer => Payload::StreamingUnsignedTrailer,
    }
}

/// The `X-Amz-*` parameters of a presigned query, decoded.
struct PresignParams {
    algorithm: String,
    credential: String,
    date: String,
    expires: String,
    signed_headers: String,
    signature: String,
    content_sha256: Option<String>,
}

impl PresignParams {
    fn parse(query: &str) -> Result<PresignParams, S3Error> {
        const NAMES: [&str; 7] = [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Signature",
            "X-Amz-Content-Sha256",
        ];
        let mut found: [Option<String>; 7] = Default::default();
        for (name, value) in query_pairs(query) {
            let Some(i) = NAMES.iter().position(|n| n.as_bytes() == name.as_slice()) else {
                continue;
            };
            let value = String::from_utf8(value).map_err(|_| {
                S3Error::new(
                    S3ErrorCode::AuthorizationQueryParametersError,
                    format!("{} is not valid UTF-8", NAMES[i]),
                )
            })?;
            if found[i].replace(value).is_some() {
                return Err(S3Error::new(
                    S3ErrorCode::AuthorizationQueryParametersError,
                    format!("{} appears more than once", NAMES[i]),
                ));
            }
        }
        let [alg, cred, date, expires, signed, sig, sha] = found;
        match (alg, cred, date, expires, signed, sig) {
            (
                Some(algorithm),
                Some(credential),
                Some(date),
                Some(expires),
                Some(signed_headers),
                Some(signature),
            ) => Ok(PresignParams {
                algorithm,
                credential,
                date,
                expires,
                signed_headers,
                signature,
                content_sha256: sha,
            }),
            _ => Err(S3Error::new(
                S3ErrorCode::AuthorizationQueryParametersError,
                "Query-string authentication version 4 requires the X-Amz-Algorithm, \
                 X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, \
                 and X-Amz-Expires parameters.",
            )),
        }
    }
}

/// The presigned query's own parameters, lowercased: never taken as
/// headers.
const PRESIGN_PARAMS: [&str; 8] = [
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-signedheaders",
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// The `x-amz-*` parameters of a presigned query that stand for headers,
/// with lowercased names. A name given twice, or one that is not a valid
/// header name or value, is `InvalidArgument`.
fn hoisted_parameters(query: &str) -> Result<Vec<(HeaderName, HeaderValue)>, S3Error> {
    let mut out: Vec<(HeaderName, HeaderValue)> = Vec::new();
    for (name, value) in query_pairs(query) {
        let name = name.to_ascii_lowercase();
        if !name.starts_with(b"x-amz-") || PRESIGN_PARAMS.iter().any(|p| p.as_bytes() == name) {
            continue;
        }
        let invalid = |detail: &str| {
            S3Error::new(
                S3ErrorCode::InvalidArgument,
                format!(
                    "The query parameter {} {detail}.",
                    String::from_utf8_lossy(&name)
                ),
            )
            .with_field("ArgumentName", String::from_utf8_lossy(&name).into_owned())
        };
        let header = HeaderName::from_bytes(&name).map_err(|_| invalid("is not a header name"))?;
        let value = HeaderValue::from_bytes(&value)
            .map_err(|_| invalid("does not have a valid header value"))?;
        if out.iter().any(|(n, _)| *n == header) {
            return Err(invalid("appears more than once"));
        }
        out.push((header, value));
    }
    Ok(out)
}

/// The request time, from `x-amz-date` or else `Date`, as
/// `YYYYMMDDTHHMMSSZ` and as a time.
fn request_date(headers: &HeaderMap) -> Result<(String, SystemTime), S3Error> {
    let invalid = || {
        S3Error::new(
            S3ErrorCode::AccessDenied,
            "AWS authentication requires a valid Date or x-amz-date header",
        )
    };
    if let Some(v) = headers.get(AMZ_DATE) {
        let s = v.to_str().map_err(|_| invalid())?;
        let t = parse_amz_date(s).ok_or_else(invalid)?;
        return Ok((s.to_owned(), t));
    }
    let v = headers.get(http::header::DATE).ok_or_else(invalid)?;
    let t = httpdate::parse_http_date(v.to_str().map_err(|_| invalid())?).map_err(|_| invalid())?;
    Ok((format_amz_date(t), t))
}

/// Compares the signature for the path as sent, then (if different) for
/// the path re-encoded segment by segment.
fn check_signature(
    canonical: &Canonical<'_>,
    raw_path: &str,
    amz_date: &str,
    scope: &str,
    key: &SigningKey,
    provided: &[u8; 32],
    access_key: &str,
) -> Result<(), S3Error> {
    let raw_path = if raw_path.is_empty() { "/" } else { raw_path };
    let attempt = |path: &str| {
        let creq = canonical_request(canonical, path);
        let sts = string_to_sign(amz_date, scope, &creq);
        let ok = bool::from(key.sign(sts.as_bytes()).ct_eq(provided));
        (ok, creq, sts)
    };
    let (ok, creq, sts) = attempt(raw_path);
    if ok {
        return Ok(());
    }
    let reencoded = reencode_path(raw_path);
    if reencoded != raw_path && attempt(&reencoded).0 {
        return Ok(());
    }
    Err(S3Error::new(
        S3ErrorCode::SignatureDoesNotMatch,
        "The request signature we calculated does not match the signature you provided. \
         Check your key and signing method.",
    )
    .with_field("AWSAccessKeyId", access_key.to_owned())
    .with_field("StringToSign", sts)
    .with_field("SignatureProvided", hex::encode(provided))
    .with_field(
        "CanonicalRequest",
        String::from_utf8_lossy(&creq).into_owned(),
    ))
}

fn canonical_request(c: &Canonical<'_>, path: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + c.headers.len() + c.query.len());
    for part in [c.method, "\n", path, "\n", &c.query, "\n"] {
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(&c.headers);
    for part in ["\n", c.signed_headers, "\n", c.payload_hash] {
        out.extend_from_slice(part.as_bytes());
    }
    out
}

fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &[u8]) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request))
    )
}

/// `name:value\n` for each signed header, values trimmed, whitespace runs
/// collapsed, repeated headers joined with `,`. `host` falls back to the
/// URI's authority (an absolute-form request line).
fn canonical_headers(
    headers: &HeaderMap,
    authority: Option<&http::uri::Authority>,
    signed: &[&str],
) -> Result<Vec<u8>, S3Error> {
    let mut out = Vec::with_capacity(64 * signed.len());
    for name in signed {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let mut values = headers.get_all(*name).iter().peekable();
        if values.peek().is_none() {
            match authority {
                Some(a) if *name == "host" => out.extend_from_slice(a.as_str().as_bytes()),
                _ => {
                    return Err(S3Error::new(
                        S3ErrorCode::SignatureDoesNotMatch,
                        format!("The signed header '{name}' is missing from the request."),
                    ));
                }
            }
        }
        for (i, value) in values.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_normalized_value(&mut out, value.as_bytes());
        }
        out.push(b'\n');
    }
    Ok(out)
}

fn push_normalized_value(out: &mut Vec<u8>, value: &[u8]) {
    let words = value
        .split(|b| *b == b' ' || *b == b'\t')
        .filter(|w| !w.is_empty());
    for (i, word) in words.enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(word);
    }
}

/// Splits a raw query into percent-decoded `(name, value)` pairs; empty
/// pieces (`a&&b`) are skipped, `+` is a literal plus.
fn query_pairs(query: &str) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|piece| {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        (
            percent_decode_str(name).collect(),
            percent_decode_str(value).collect(),
        )
    })
}

fn query_has_param(query: &str, wanted: &str) -> bool {
    query_pairs(query).any(|(name, _)| name == wanted.as_bytes())
}

/// The canonical query string: pairs re-encoded, sorted by name then value,
/// joined with `&`. A presigned query leaves out `X-Amz-Signature`.
fn canonical_query(query: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .filter(|(name, _)| !(presigned && name == b"X-Amz-Signature"))
        .map(|(name, value)| (uri_encode(&name), uri_encode(&value)))
        .collect();
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + 16);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

fn uri_encode(bytes: &[u8]) -> String {
    percent_encode(bytes, UNRESERVED).to_string()
}

/// The path with each segment decoded and encoded again with the
/// unreserved set; `/` separators are kept, an encoded `%2F` stays encoded.
fn reencode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 16);
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let decoded: Vec<u8> = percent_decode_str(segment).collect();
        out.push_str(&uri_encode(&decoded));
    }
    out
}

/// What to sign, for [`sign_request`].
pub struct SignRequest<'a> {
    pub method: &'a str,
    /// The path exactly as it will be sent, already percent-encoded.
    pub path: &'a str,
    /// The query exactly as it will be sent, without `?`; may be empty.
    pub query: &'a str,
    /// The headers to sign, `host` among them. `x-amz-date` and
    /// `x-amz-content-sha256` are added when absent.
    pub headers: &'a [(&'a str, &'a str)],
    /// Hex SHA-256 of the body, or one of the `UNSIGNED-PAYLOAD` /
    /// `STREAMING-…` values.
    pub payload_hash: &'a str,
    pub access_key: &'a str,
    pub secret: &'a SecretKey,
    pub region: &'a str,
    pub time: SystemTime,
}

/// The result of [`sign_request`].
#[derive(Debug)]
pub struct SignedRequest {
    /// Headers to add to the request: `x-amz-date` and
    /// `x-amz-content-sha256` unless they were given, then `authorization`.
    pub headers: Vec<(&'static str, String)>,
    /// The signature (hex): the seed of an `aws-chunked` body.
    pub signature: String,
}

/// Signs a request for S3 with the `Authorization` header.
pub fn sign_request(req: &SignRequest<'_>) -> SignedRequest {
    sign_with_service(req, S3_SERVICE, true).0
}

/// Signs for any service; also returns the canonical request. AWS's generic
/// test suite signs for service `service` without `x-amz-content-sha256`.
fn sign_with_service(
    req: &SignRequest<'_>,
    service: &str,
    add_content_sha256: bool,
) -> (SignedRequest, String) {
    let amz_date = format_amz_date(req.time);
    let mut map = HeaderMap::new();
    for (name, value) in req.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a valid header name");
        let value = HeaderValue::from_str(value).expect("a valid header value");
        map.append(name, value);
    }
    let mut added: Vec<(&'static str, String)> = Vec::new();
    if !map.contains_key(AMZ_DATE) {
        added.push((AMZ_DATE, amz_date.clone()));
    }
    if add_content_sha256 && !map.contains_key(CONTENT_SHA256) {
        added.push((CONTENT_SHA256, req.payload_hash.to_owned()));
    }
    for (name, value) in &added {
        map.append(*name, HeaderValue::from_str(value).expect("ASCII"));
    }
    let mut names: Vec<&str> = map.keys().map(HeaderName::as_str).collect();
    names.sort_unstable();
    names.dedup();
    let signed_headers = names.join(";");
    let date = &amz_date[..8];
    let scope = format!("{date}/{}/{service}/{TERMINATOR}", req.region);
    let canonical = Canonical {
        method: req.method,
        query: canonical_query(req.query, false),
        headers: canonical_headers(&map, None, &names).expect("every signed header is present"),
        signed_headers: &signed_headers,
        payload_hash: req.payload_hash,
    };
    let path = if req.path.is_empty() { "/" } else { req.path };
    let creq = canonical_request(&canonical, path);
    let sts = string_to_sign(&amz_date, &scope, &creq);
    let key = SigningKey::derive(req.secret, date, req.region, service);
    let signature = hex::encode(key.sign(sts.as_bytes()));
    added.push((
        "authorization",
        format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            req.access_key
        ),
    ));
    (
        SignedRequest {
            headers: added,
            signature,
        },
        String::from_utf8(creq).expect("built from UTF-8"),
    )
}

/// What to presign, for [`presign`].
pub struct PresignRequest<'a> {
    pub method: &'a str,
    /// The path exactly as it will be sent, already percent-encoded.
    pub path: &'a str,
    /// Query parameters of the operation itself, as they will be sent
    /// (without `?`); may be empty.
    pub query: &'a str,
    /// The headers to sign, at least `host`.
    pub headers: &'a [(&'a str, &'a str)],
    pub access_key: &'a str,
    pub secret: &'a SecretKey,
    pub region: &'a str,
    pub time: SystemTime,
    /// Lifetime in seconds, 1..=604800.
    pub expires: u64,
}

/// Presigns a request: returns the whole query string to send (the
/// operation's parameters, then the `X-Amz-*` ones, `X-Amz-Signature`
/// last). The body is `UNSIGNED-PAYLOAD`.
pub fn presign(req: &PresignRequest<'_>) -> String {
    let amz_date = format_amz_date(req.time);
    let date = &amz_date[..8];
    let scope = format!("{date}/{}/{S3_SERVICE}/{TERMINATOR}", req.region);
    let mut map = HeaderMap::new();
    for (name, value) in req.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a valid header name");
        map.append(
            name,
            HeaderValue::from_str(value).expect("a valid header value"),
        );
    }
    let mut names: Vec<&str> = map.keys().map(HeaderName::as_str).collect();
    names.sort_unstable();
    names.dedup();
    let signed_headers = names.join(";");

    let mut query = String::from(req.query);
    for (name, value) in [
        ("X-Amz-Algorithm", ALGORITHM.to_owned()),
        ("X-Amz-Credential", format!("{}/{scope}", req.access_key)),
        ("X-Amz-Date", amz_date.clone()),
        ("X-Amz-Expires", req.expires.to_string()),
        ("X-Amz-SignedHeaders", signed_headers.clone()),
    ] {
        if !query.is_empty() {
            query.push('&');
        }
        let _ = write!(query, "{name}={}", uri_encode(value.as_bytes()));
    }
    let canonical = Canonical {
        method: req.method,
        query: canonical_query(&query, true),
        headers: canonical_headers(&map, None, &names).expect("every signed header is present"),
        signed_headers: &signed_headers,
        payload_hash: UNSIGNED_PAYLOAD,
    };
    let path = if req.path.is_empty() { "/" } else { req.path };
    let sts = string_to_sign(&amz_date, &scope, &canonical_request(&canonical, path));
    let key = SigningKey::derive(req.secret, date, req.region, S3_SERVICE);
    let _ = write!(
        query,
        "&X-Amz-Signature={}",
        hex::encode(key.sign(sts.as_bytes()))
    );
    query
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Count years from March, so that the leap day ends a year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01: the inverse of
/// [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = &b[range];
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if year < 1970 || !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    if day == 0 || civil_from_days(days) != (i64::from(year), month, day) {
        return None;
    }
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

fn split_time(t: SystemTime) -> (i64, u32, u32, u64) {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let (y, m, d) = civil_from_days(days);
    (y, m, d, secs % 86_400)
}

/// Formats a time as `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(t: SystemTime) -> String {
    let (y, m, d, s) = split_time(t);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Formats a time as `YYYY-MM-DDTHH:MM:SSZ`, as S3 writes `<ServerTime>`.
fn format_iso8601(t: SystemTime) -> String {
    let (y, m, d, s) = split_time(t);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SUITE_KEY: &str = "AKIDEXAMPLE";
    const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const SUITE_DATE: &str = "20150830T123600Z";
    const DOC_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const DOC_DATE: &str = "20130524T000000Z";
    const DOC_HOST: &str = "examplebucket.s3.amazonaws.com";

    fn at(date: &str) -> SystemTime {
        parse_amz_date(date).unwrap()
    }

    fn lookup_for(key: &'static str, secret: &'static str) -> impl Fn(&str) -> Option<SecretKey> {
        move |k| (k == key).then(|| SecretKey::new(secret))
    }

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder().method(method).uri(uri);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn with_auth(mut p: Parts, authorization: &str) -> Parts {
        p.headers.append(
            "authorization",
            HeaderValue::from_str(authorization).unwrap(),
        );
        p
    }

    fn verify_suite(p: &Parts, body: &str) -> Result<Option<Auth>, S3Error> {
        let lookup = lookup_for(SUITE_KEY, SUITE_SECRET);
        let hash = hex::encode(Sha256::digest(body.as_bytes()));
        Verifier {
            service: "service",
            region: "us-east-1",
            now: at(SUITE_DATE),
            lookup: &lookup,
            fallback_payload_hash: Some(&hash),
        }
        .verify(p)
    }

    fn verify_doc(p: &Parts, now: &str) -> Result<Option<Auth>, S3Error> {
        verify_request(p, "us-east-1", at(now), &lookup_for(DOC_KEY, DOC_SECRET))
    }

    /// One vector of AWS's SigV4 test suite (service `service`, region
    /// `us-east-1`, 2015-08-30T12:36:00Z).
    struct SuiteVector {
        name: &'static str,
        method: &'static str,
        path: &'static str,
        query: &'static str,
        headers: &'static [(&'static str, &'static str)],
        body: &'static str,
        creq: &'static str,
        signed_headers: &'static str,
        signature: &'static str,
    }

    const HOST: (&str, &str) = ("Host", "example.amazonaws.com");
    const DATE: (&str, &str) = ("X-Amz-Date", "20150830T123600Z");

    fn suite() -> Vec<SuiteVector> {
        vec![
            SuiteVector {
                name: "get-vanilla",
                method: "GET",
                path: "/",
                query: "",
                headers: &[HOST, DATE],
                body: "",
                creq: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            },
            SuiteVector {
                name: "get-vanilla-empty-query-key",
                method: "GET",
                path: "/",
                query: "Param1=value1",
                headers: &[HOST, DATE],
                body: "",
                creq: "GET\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
            },
            SuiteVector {
                name: "get-vanilla-query-order-key",
                method: "GET",
                path: "/",
                query: "Param1=value2&Param1=Value1",
                headers: &[HOST, DATE],
                body: "",
                creq: "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
            },
            SuiteVector {
                name: "get-vanilla-query-order-key-case",
                method: "GET",
                path: "/",
                query: "Param2=value2&Param1=value1",
                headers: &[HOST, DATE],
                body: "",
                creq: "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            },
            SuiteVector {
                name: "get-vanilla-query-order-value",
                method: "GET",
                path: "/",
                query: "Param1=value2&Param1=value1",
                headers: &[HOST, DATE],
                body: "",
                creq: "GET\n/\nParam1=value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694",
            },
            SuiteVector {
                name: "get-vanilla-query-unreserved",
                method: "GET",
                path: "/",
                query: "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                headers: &[HOST, DATE],
                body: "",
                creq: "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
            },
            SuiteVector {
                // The request line carries `ሴ` raw; on the wire a client
                // sends it percent-encoded, which is what the URI holds.
                name: "get-vanilla-utf8-query",
                method: "GET",
                path: "/",
                query: "%E1%88%B4=bar",
                headers: &[HOST, DATE],
                body: "",
                creq: "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
            },
            SuiteVector {
                name: "get-unreserved",
                method: "GET",
                path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                query: "",
                headers: &[HOST, DATE],
                body: "",
                creq: "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
            },
            SuiteVector {
                name: "get-utf8",
                method: "GET",
                path: "/%E1%88%B4",
                query: "",
                headers: &[HOST, DATE],
                body: "",
                creq: "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
            },
            SuiteVector {
                name: "get-header-key-duplicate",
                method: "GET",
                path: "/",
                query: "",
                headers: &[
                    HOST,
                    ("My-Header1", "value2"),
                    ("My-Header1", "value2"),
                    ("My-Header1", "value1"),
                    DATE,
                ],
                body: "",
                creq: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n",
                signed_headers: "host;my-header1;x-amz-date",
                signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
            },
            SuiteVector {
                name: "get-header-value-order",
                method: "GET",
                path: "/",
                query: "",
                headers: &[
                    HOST,
                    ("My-Header1", "value4"),
                    ("My-Header1", "value1"),
                    ("My-Header1", "value3"),
                    ("My-Header1", "value2"),
                    DATE,
                ],
                body: "",
                creq: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n",
                signed_headers: "host;my-header1;x-amz-date",
                signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
            },
            SuiteVector {
                name: "get-header-value-trim",
                method: "GET",
                path: "/",
                query: "",
                headers: &[
                    HOST,
                    ("My-Header1", " value1"),
                    ("My-Header2", " \"a   b   c\""),
                    DATE,
                ],
                body: "",
                creq: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n",
                signed_headers: "host;my-header1;my-header2;x-amz-date",
                signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            },
            SuiteVector {
                name: "post-vanilla",
                method: "POST",
                path: "/",
                query: "",
                headers: &[HOST, DATE],
                body: "",
                creq: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            },
            SuiteVector {
                name: "post-vanilla-query",
                method: "POST",
                path: "/",
                query: "Param1=value1",
                headers: &[HOST, DATE],
                body: "",
                creq: "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
                signed_headers: "host;x-amz-date",
                signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
            },
            SuiteVector {
                name: "post-header-key-sort",
                method: "POST",
                path: "/",
                query: "",
                headers: &[HOST, ("My-Header1", "value1"), DATE],
                body: "",
                creq: "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n",
                signed_headers: "host;my-header1;x-amz-date",
                signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
            },
            SuiteVector {
                name: "post-header-value-case",
                method: "POST",
                path: "/",
                query: "",
                headers: &[HOST, ("My-Header1", "VALUE1"), DATE],
                body: "",
                creq: "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n",
                signed_headers: "host;my-header1;x-amz-date",
                signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
            },
            SuiteVector {
                name: "post-sts-header-before",
                method: "POST",
                path: "/",
                query: "",
                headers: &[
                    HOST,
                    DATE,
                    (
                        "X-Amz-Security-Token",
                        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
                    ),
                ],
                body: "",
                creq: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==\n\nhost;x-amz-date;x-amz-security-token\n",
                signed_headers: "host;x-amz-date;x-amz-security-token",
                signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
            },
            SuiteVector {
                // The suite's canonical request for this case also lists
                // content-length, but its `authz` and signature leave it
                // unsigned; the signature is what is checked here.
                name: "post-x-www-form-urlencoded",
                method: "POST",
                path: "/",
                query: "",
                headers: &[
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    HOST,
                    DATE,
                ],
                body: "Param1=value1",
                creq: "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n",
                signed_headers: "content-type;host;x-amz-date",
                signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            },
            SuiteVector {
                // As above: signed without content-length; the signature is
                // over `charset=utf8`.
                name: "post-x-www-form-urlencoded-parameters",
                method: "POST",
                path: "/",
                query: "",
                headers: &[
                    (
                        "Content-Type",
                        "application/x-www-form-urlencoded; charset=utf8",
                    ),
                    HOST,
                    DATE,
                ],
                body: "Param1=value1",
                creq: "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n",
                signed_headers: "content-type;host;x-amz-date",
                signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
            },
        ]
    }

    fn suite_uri(v: &SuiteVector) -> String {
        if v.query.is_empty() {
            v.path.to_owned()
        } else {
            format!("{}?{}", v.path, v.query)
        }
    }

    #[test]
    fn aws_test_suite_signs() {
        let secret = SecretKey::new(SUITE_SECRET);
        for v in suite() {
            let body_hash = hex::encode(Sha256::digest(v.body.as_bytes()));
            let (signed, creq) = sign_with_service(
                &SignRequest {
                    method: v.method,
                    path: v.path,
                    query: v.query,
                    headers: v.headers,
                    payload_hash: &body_hash,
                    access_key: SUITE_KEY,
                    secret: &secret,
                    region: "us-east-1",
                    time: at(SUITE_DATE),
                },
                "service",
                false,
            );
            let expected_creq = format!("{}{}", v.creq, body_hash);
            assert_eq!(creq, expected_creq, "{}: canonical request", v.name);
            if v.body.is_empty() {
                assert!(expected_creq.ends_with(EMPTY_SHA256));
            }
            let authorization = &signed.headers.last().unwrap().1;
            assert_eq!(
                *authorization,
                format!(
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                     SignedHeaders={}, Signature={}",
                    v.signed_headers, v.signature
                ),
                "{}",
                v.name
            );
        }
    }

    #[test]
    fn aws_test_suite_verifies() {
        for v in suite() {
            let authorization = format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders={}, Signature={}",
                v.signed_headers, v.signature
            );
            let p = with_auth(parts(v.method, &suite_uri(&v), v.headers), &authorization);
            let auth = verify_suite(&p, v.body)
                .unwrap_or_else(|e| panic!("{}: {e} {:?}", v.name, e.fields))
                .expect("signed");
            assert_eq!(auth.access_key, SUITE_KEY);

            // Any other signature fails.
            let mut wrong = v.signature.as_bytes().to_vec();
            wrong[10] = if wrong[10] == b'0' { b'1' } else { b'0' };
            let bad = authorization.replace(v.signature, std::str::from_utf8(&wrong).unwrap());
            let p = with_auth(parts(v.method, &suite_uri(&v), v.headers), &bad);
            let err = verify_suite(&p, v.body).unwrap_err();
            assert_eq!(err.code, S3ErrorCode::SignatureDoesNotMatch, "{}", v.name);
        }
    }

    #[test]
    fn a_path_sent_unencoded_verifies_as_its_encoding() {
        // get-utf8 with the request line as the suite writes it: `/ሴ` in
        // raw UTF-8, signed as `/%E1%88%B4`.
        let authorization = "AWS4-HMAC-SHA256 \
             Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85";
        let p = with_auth(parts("GET", "/\u{1234}", &[HOST, DATE]), authorization);
        assert_eq!(p.uri.path(), "/\u{1234}");
        verify_suite(&p, "").unwrap().unwrap();
        // get-vanilla-utf8-query likewise: `?ሴ=bar` raw.
        let authorization = "AWS4-HMAC-SHA256 \
             Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04";
        let p = with_auth(parts("GET", "/?\u{1234}=bar", &[HOST, DATE]), authorization);
        verify_suite(&p, "").unwrap().unwrap();
    }

    #[test]
    fn s3_doc_get_object_with_range() {
        let headers = [
            ("Host", DOC_HOST),
            ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", EMPTY_SHA256),
            ("x-amz-date", DOC_DATE),
        ];
        let secret = SecretKey::new(DOC_SECRET);
        let signed = sign_request(&SignRequest {
            method: "GET",
            path: "/test.txt",
            query: "",
            headers: &headers,
            payload_hash: EMPTY_SHA256,
            access_key: DOC_KEY,
            secret: &secret,
            region: "us-east-1",
            time: at(DOC_DATE),
        });
        let expected = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
        assert_eq!(signed.headers, vec![("authorization", expected.to_owned())]);

        let p = with_auth(parts("GET", "/test.txt", &headers), expected);
        let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
        assert_eq!(auth.access_key, DOC_KEY);
        assert!(!auth.presigned);
        assert!(matches!(auth.payload, Payload::Sha256(h) if hex::encode(h) == EMPTY_SHA256));
        // The body must hash to the promised value.
        let mut check = auth.payload.content_sha256().unwrap();
        check.update(b"");
        check.finish().unwrap();
        let mut check = auth.payload.content_sha256().unwrap();
        check.update(b"x");
        assert_eq!(
            check.finish().unwrap_err().code,
            S3ErrorCode::XAmzContentSHA256Mismatch
        );
    }

    #[test]
    fn s3_doc_put_object() {
        let body_hash = hex::encode(Sha256::digest(b"Welcome to Amazon S3."));
        assert_eq!(
            body_hash,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        );
        let headers = [
            ("Host", DOC_HOST),
            ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-date", DOC_DATE),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", body_hash.as_str()),
        ];
        let expected = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, \
             Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd";
        let secret = SecretKey::new(DOC_SECRET);
        let signed = sign_request(&SignRequest {
            method: "PUT",
            path: "/test%24file.text",
            query: "",
            headers: &headers,
            payload_hash: &body_hash,
            access_key: DOC_KEY,
            secret: &secret,
            region: "us-east-1",
            time: at(DOC_DATE),
        });
        assert_eq!(signed.headers, vec![("authorization", expected.to_owned())]);
        // Sent encoded, as SDKs do; and sent with `$` raw.
        for uri in ["/test%24file.text", "/test$file.text"] {
            let p = with_auth(parts("PUT", uri, &headers), expected);
            let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
            assert!(matches!(auth.payload, Payload::Sha256(_)));
        }
    }

    #[test]
    fn s3_doc_bucket_lifecycle_and_list_objects() {
        let headers = [
            ("Host", DOC_HOST),
            ("x-amz-date", DOC_DATE),
            ("x-amz-content-sha256", EMPTY_SHA256),
        ];
        for (uri, signature) in [
            (
                "/?lifecycle",
                "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
            ),
            (
                "/?max-keys=2&prefix=J",
                "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
            ),
        ] {
            let authorization = format!(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
                 SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature={signature}"
            );
            let p = with_auth(parts("GET", uri, &headers), &authorization);
            verify_doc(&p, DOC_DATE).unwrap().unwrap();
        }
    }

    #[test]
    fn s3_doc_presigned_get() {
        let secret = SecretKey::new(DOC_SECRET);
        let query = presign(&PresignRequest {
            method: "GET",
            path: "/test.txt",
            query: "",
            headers: &[("host", DOC_HOST)],
            access_key: DOC_KEY,
            secret: &secret,
            region: "us-east-1",
            time: at(DOC_DATE),
            expires: 86400,
        });
        assert_eq!(
            query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
        let uri = format!("/test.txt?{query}");
        let p = parts("GET", &uri, &[("Host", DOC_HOST)]);
        let auth = verify_doc(&p, "20130524T120000Z").unwrap().unwrap();
        assert!(auth.presigned);
        assert!(matches!(auth.payload, Payload::Unsigned));

        // One second after the deadline it has expired.
        let err = verify_doc(&p, "20130525T000001Z").unwrap_err();
        assert_eq!(err.code, S3ErrorCode::AccessDenied);
        assert_eq!(err.message, "Request has expired");
        assert!(
            err.fields
                .contains(&("Expires", "2013-05-25T00:00:00Z".into()))
        );
        // At the deadline it still works.
        verify_doc(&p, "20130525T000000Z").unwrap().unwrap();
        // Dated more than 15 minutes ahead of the server: not valid yet.
        let err = verify_doc(&p, "20130523T234459Z").unwrap_err();
        assert_eq!(err.code, S3ErrorCode::AccessDenied);
        assert_eq!(err.message, "Request is not valid yet");
        verify_doc(&p, "20130523T234500Z").unwrap().unwrap();
        // Tampering with the signature, the path or a parameter fails.
        for uri in [
            uri.replace("d404", "d405"),
            uri.replace("/test.txt", "/test.tx"),
            uri.replace("X-Amz-Expires=86400", "X-Amz-Expires=86401"),
            format!("{uri}&versionId=1"),
        ] {
            let p = parts("GET", &uri, &[("Host", DOC_HOST)]);
            assert_eq!(
                verify_doc(&p, DOC_DATE).unwrap_err().code,
                S3ErrorCode::SignatureDoesNotMatch,
                "{uri}"
            );
        }
        // So does another host.
        let p = parts("GET", &uri, &[("Host", "other.s3.amazonaws.com")]);
        assert_eq!(
            verify_doc(&p, DOC_DATE).unwrap_err().code,
            S3ErrorCode::SignatureDoesNotMatch
        );
    }

    #[test]
    fn presigned_parameter_errors() {
        let base = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
        let cases: &[(String, S3ErrorCode)] = &[
            (
                base.replace("Expires=86400", "Expires=604801"),
                S3ErrorCode::AuthorizationQueryParametersError,
            ),
            (
                base.replace("Expires=86400", "Expires=0"),
                S3ErrorCode::AuthorizationQueryParametersError,
            ),
            (
                base.replace("Expires=86400", "Expires=-1"),
                S3ErrorCode::AuthorizationQueryParametersError,
            ),
            (
                base.replace("&X-Amz-Date=20130524T000000Z", ""),
                S3ErrorCode::AuthorizationQueryParametersError,
            ),
            (
                base.replace("HMAC-SHA256", "HMAC-SHA1"),
                S3ErrorCode::AuthorizationQueryParametersError,
            ),
            (
                base.replace("us-east-1", "eu-west-1"),
                S3ErrorCode::AuthorizationQueryParametersError,
            ),
            (
                base.replace("20130524T000000Z", "20130524T000000"),
                S3ErrorCode::AuthorizationQueryParametersError,
            ),
            (
                base.replace("20130524T000000Z", "20130525T000000Z"),
                S3ErrorCode::AuthorizationQueryParametersError,
            ),
            (
                base.replace("AKIAIOSFODNN7EXAMPLE", "AKIAOTHER"),
                S3ErrorCode::InvalidAccessKeyId,
            ),
            (
                format!("{base}&X-Amz-Date=20130524T000000Z"),
                S3ErrorCode::AuthorizationQueryParametersError,
            ),
        ];
        for (query, code) in cases {
            let p = parts("GET", &format!("/test.txt?{query}"), &[("Host", DOC_HOST)]);
            let err = verify_doc(&p, DOC_DATE).unwrap_err();
            assert_eq!(err.code, *code, "{query}: {err}");
        }
        // Header and query together.
        let p = with_auth(
            parts("GET", &format!("/test.txt?{base}"), &[("Host", DOC_HOST)]),
            "AWS4-HMAC-SHA256 Credential=x",
        );
        assert_eq!(
            verify_doc(&p, DOC_DATE).unwrap_err().code,
            S3ErrorCode::InvalidArgument
        );
    }

    fn doc_get(extra: &[(&str, &str)], authorization: &str) -> Parts {
        let mut headers = vec![("Host", DOC_HOST)];
        headers.extend_from_slice(extra);
        with_auth(parts("GET", "/test.txt", &headers), authorization)
    }

    #[test]
    fn header_errors() {
        let good = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
        let all = [
            ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", EMPTY_SHA256),
            ("x-amz-date", DOC_DATE),
        ];
        use S3ErrorCode::*;
        let cases: Vec<(Parts, &str, S3ErrorCode)> = vec![
            (
                doc_get(&all, "AWS4-HMAC-SHA256"),
                DOC_DATE,
                AuthorizationHeaderMalformed,
            ),
            (
                doc_get(&all, &good.replace("Credential=", "Credentials=")),
                DOC_DATE,
                AuthorizationHeaderMalformed,
            ),
            (
                doc_get(
                    &all,
                    &good.replace(", Signature=", ", Signature=a, Signature="),
                ),
                DOC_DATE,
                AuthorizationHeaderMalformed,
            ),
            (
                doc_get(&all, &good.replace("aws4_request", "aws5_request")),
                DOC_DATE,
                AuthorizationHeaderMalformed,
            ),
            (
                doc_get(&all, &good.replace("/s3/", "/ec2/")),
                DOC_DATE,
                AuthorizationHeaderMalformed,
            ),
            (
                doc_get(&all, &good.replace("us-east-1", "eu-west-1")),
                DOC_DATE,
                AuthorizationHeaderMalformed,
            ),
            (
                doc_get(&all, &good.replace("20130524/", "20130523/")),
                DOC_DATE,
                AuthorizationHeaderMalformed,
            ),
            (
                doc_get(&all, &good.replace("db41", "DB41")),
                DOC_DATE,
                AuthorizationHeaderMalformed,
            ),
            (
                doc_get(&all, &good.replace("host;range", "range")),
                DOC_DATE,
                AccessDenied,
            ),
            (
                doc_get(&all, &good.replace("AKIAIOSFODNN7EXAMPLE", "AKIAOTHER")),
                DOC_DATE,
                InvalidAccessKeyId,
            ),
            (
                doc_get(&all, &good.replace("db41", "db42")),
                DOC_DATE,
                SignatureDoesNotMatch,
            ),
            (
                doc_get(
                    &all,
                    "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
                ),
                DOC_DATE,
                InvalidRequest,
            ),
            (
                doc_get(&all, "Bearer x"),
                DOC_DATE,
                AuthorizationHeaderMalformed,
            ),
            (
                doc_get(&[("Range", "bytes=0-9"), ("x-amz-date", DOC_DATE)], good),
                DOC_DATE,
                InvalidRequest,
            ),
            (
                doc_get(
                    &[
                        ("Range", "bytes=0-9"),
                        ("x-amz-content-sha256", "nope"),
                        ("x-amz-date", DOC_DATE),
                    ],
                    good,
                ),
                DOC_DATE,
                InvalidArgument,
            ),
            (
                doc_get(
                    &[
                        ("Range", "bytes=0-9"),
                        ("x-amz-content-sha256", EMPTY_SHA256),
                    ],
                    good,
                ),
                DOC_DATE,
                AccessDenied,
            ),
            (
                doc_get(
                    &[
                        ("Range", "bytes=0-9"),
                        ("x-amz-content-sha256", EMPTY_SHA256),
                        ("x-amz-date", "20130524T000000"),
                    ],
                    good,
                ),
                DOC_DATE,
                AccessDenied,
            ),
            // A signed header that is not there.
            (
                doc_get(
                    &[
                        ("x-amz-content-sha256", EMPTY_SHA256),
                        ("x-amz-date", DOC_DATE),
                    ],
                    good,
                ),
                DOC_DATE,
                SignatureDoesNotMatch,
            ),
            (
                doc_get(&all, good),
                "20130524T001501Z",
                RequestTimeTooSkewed,
            ),
            (
                doc_get(&all, good),
                "20130523T234459Z",
                RequestTimeTooSkewed,
            ),
        ];
        for (i, (p, now, code)) in cases.into_iter().enumerate() {
            let err = verify_doc(&p, now).unwrap_err();
            assert_eq!(err.code, code, "case {i}: {err}");
        }
        // Exactly 15 minutes off either way is accepted.
        verify_doc(&doc_get(&all, good), "20130524T001500Z")
            .unwrap()
            .unwrap();
        verify_doc(&doc_get(&all, good), "20130523T234500Z")
            .unwrap()
            .unwrap();
        let err = verify_doc(&doc_get(&all, good), "20130524T001501Z").unwrap_err();
        assert_eq!(
            err.fields,
            vec![
                ("RequestTime", "2013-05-24T00:00:00Z".to_owned()),
                ("ServerTime", "2013-05-24T00:15:01Z".to_owned()),
                ("MaxAllowedSkewMilliseconds", "900000".to_owned()),
            ]
        );
        let err = verify_doc(
            &doc_get(&all, &good.replace("us-east-1", "eu-west-1")),
            DOC_DATE,
        )
        .unwrap_err();
        assert!(err.fields.contains(&("Region", "us-east-1".to_owned())));
        // Two Authorization headers.
        let mut p = doc_get(&all, good);
        p.headers
            .append("authorization", HeaderValue::from_static("x"));
        assert_eq!(
            verify_doc(&p, DOC_DATE).unwrap_err().code,
            AuthorizationHeaderMalformed
        );
    }

    #[test]
    fn anonymous_requests() {
        let p = parts("GET", "/bucket/key?versionId=3", &[("Host", "h")]);
        assert!(verify_doc(&p, DOC_DATE).unwrap().is_none());
        let p = parts(
            "GET",
            "/bucket/key?AWSAccessKeyId=AK&Expires=1&Signature=x",
            &[("Host", "h")],
        );
        assert_eq!(
            verify_doc(&p, DOC_DATE).unwrap_err().code,
            S3ErrorCode::InvalidRequest
        );
        let mut h = HeaderMap::new();
        assert!(matches!(anonymous_payload(&h), Ok(Payload::Unsigned)));
        h.insert(
            CONTENT_SHA256,
            HeaderValue::from_static(STREAMING_UNSIGNED_PAYLOAD_TRAILER),
        );
        assert!(matches!(
            anonymous_payload(&h),
            Ok(Payload::StreamingUnsignedTrailer)
        ));
        h.insert(CONTENT_SHA256, HeaderValue::from_static(STREAMING_PAYLOAD));
        assert!(anonymous_payload(&h).is_err());
    }

    #[test]
    fn streaming_modes_carry_the_signing_context() {
        let secret = SecretKey::new(DOC_SECRET);
        for (mode, chunked) in [
            (UNSIGNED_PAYLOAD, false),
            (STREAMING_PAYLOAD, true),
            (STREAMING_PAYLOAD_TRAILER, true),
            (STREAMING_UNSIGNED_PAYLOAD_TRAILER, true),
        ] {
            let signed = sign_request(&SignRequest {
                method: "PUT",
                path: "/b/k",
                query: "",
                headers: &[("host", "h"), ("content-encoding", "aws-chunked")],
                payload_hash: mode,
                access_key: DOC_KEY,
                secret: &secret,
                region: "us-east-1",
                time: at(DOC_DATE),
            });
            let headers: Vec<(&str, &str)> = [("host", "h"), ("content-encoding", "aws-chunked")]
                .into_iter()
                .chain(signed.headers.iter().map(|(n, v)| (*n, v.as_str())))
                .collect();
            let p = parts("PUT", "/b/k", &headers);
            let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
            assert_eq!(auth.payload.is_chunked(), chunked, "{mode}");
            match auth.payload {
                Payload::StreamingSigned(c) | Payload::StreamingSignedTrailer(c) => {
                    assert_eq!(c.seed_signature, signed.signature);
                    assert_eq!(c.scope, "20130524/us-east-1/s3/aws4_request");
                    assert_eq!(c.amz_date, DOC_DATE);
                    assert_eq!(format!("{:?}", c.signing_key), "SigningKey(***)");
                }
                Payload::Unsigned => assert_eq!(mode, UNSIGNED_PAYLOAD),
                Payload::StreamingUnsignedTrailer => {
                    assert_eq!(mode, STREAMING_UNSIGNED_PAYLOAD_TRAILER);
                }
                Payload::Sha256(_) => panic!("{mode}"),
            }
        }
    }

    #[test]
    fn s3_doc_streaming_seed_signature() {
        // "Signature Calculations for the Authorization Header: Transferring
        // Payload in Multiple Chunks".
        let headers = [
            ("Host", "s3.amazonaws.com"),
            ("x-amz-date", DOC_DATE),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", STREAMING_PAYLOAD),
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"),
            ("Content-Length", "66824"),
        ];
        let authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,\
             Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
        let p = with_auth(
            parts("PUT", "/examplebucket/chunkObject.txt", &headers),
            authorization,
        );
        let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
        let Payload::StreamingSigned(c) = auth.payload else {
            panic!("not streaming")
        };
        assert_eq!(
            c.seed_signature,
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_amz_date("20130524T000000Z"),
            Some(UNIX_EPOCH + Duration::from_secs(1_369_353_600))
        );
        assert_eq!(
            parse_amz_date("20150830T123600Z"),
            Some(UNIX_EPOCH + Duration::from_secs(1_440_938_160))
        );
        assert_eq!(
            parse_amz_date("20240229T235959Z").map(format_amz_date),
            Some("20240229T235959Z".into())
        );
        for bad in [
            "20230229T000000Z",
            "20131324T000000Z",
            "20130500T000000Z",
            "20130524T240000Z",
            "20130524T000060Z",
            "2013-05-24T00:00:00Z",
            "20130524 000000Z",
            "+0130524T000000Z",
            "",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
        assert_eq!(
            format_iso8601(UNIX_EPOCH + Duration::from_secs(951_825_599)),
            "2000-02-29T11:59:59Z"
        );
        for days in [0i64, 59, 365, 10_956, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn canonical_query_rules() {
        assert_eq!(canonical_query("", false), "");
        assert_eq!(canonical_query("acl", false), "acl=");
        assert_eq!(canonical_query("b=2&a&&c=", false), "a=&b=2&c=");
        assert_eq!(canonical_query("k=a%20b+c*", false), "k=a%20b%2Bc%2A");
        assert_eq!(canonical_query("k=%7e%2f", false), "k=~%2F");
        assert_eq!(canonical_query("a=1&X-Amz-Signature=ff", true), "a=1");
        assert_eq!(
            canonical_query("prefix=J&max-keys=2", false),
            "max-keys=2&prefix=J"
        );
        assert_eq!(reencode_path("/b/test$file.text"), "/b/test%24file.text");
        assert_eq!(reencode_path("/b/a%2Fb/c%7e"), "/b/a%2Fb/c~");
    }

    fn segment() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-zA-Z0-9 ._~!$&'()*+,;=:@%é-]{1,12}").unwrap()
    }

    fn query_value() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-zA-Z0-9 ._~!$'()*+,;:@/?=&%é-]{0,10}").unwrap()
    }

    fn header_value() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[!-~]([ !-~]{0,15}[!-~])?").unwrap()
    }

    fn encode_query(pairs: &[(String, String)]) -> String {
        pairs
            .iter()
            .map(|(n, v)| format!("{}={}", uri_encode(n.as_bytes()), uri_encode(v.as_bytes())))
            .collect::<Vec<_>>()
            .join("&")
    }

    #[derive(Debug, Clone)]
    struct Case {
        path: String,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
    }

    fn case() -> impl Strategy<Value = Case> {
        (
            proptest::collection::vec(segment(), 1..4),
            proptest::collection::vec(("[a-zA-Z-]{1,8}", query_value()), 0..5),
            proptest::collection::vec(("x-amz-meta-[a-z]{1,6}", header_value()), 0..4),
        )
            .prop_map(|(segments, query, headers)| Case {
                path: format!(
                    "/{}",
                    segments
                        .iter()
                        .map(|s| uri_encode(s.as_bytes()))
                        .collect::<Vec<_>>()
                        .join("/")
                ),
                query,
                headers,
            })
    }

    fn sign_case(c: &Case, secret: &SecretKey) -> Parts {
        let query = encode_query(&c.query);
        let mut headers: Vec<(&str, &str)> = vec![("host", "bucket.example.com:9000")];
        headers.extend(c.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let signed = sign_request(&SignRequest {
            method: "PUT",
            path: &c.path,
            query: &query,
            headers: &headers,
            payload_hash: UNSIGNED_PAYLOAD,
            access_key: DOC_KEY,
            secret,
            region: "us-east-1",
            time: at(DOC_DATE),
        });
        let uri = if query.is_empty() {
            c.path.clone()
        } else {
            format!("{}?{query}", c.path)
        };
        let all: Vec<(&str, &str)> = headers
            .into_iter()
            .chain(signed.headers.iter().map(|(n, v)| (*n, v.as_str())))
            .collect();
        parts("PUT", &uri, &all)
    }

    proptest! {
        #[test]
        fn canonical_query_ignores_parameter_order(
            (pairs, shuffled) in proptest::collection::vec(("[a-zA-Z~%-]{0,6}", query_value()), 0..8)
                .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
        ) {
            prop_assert_eq!(
                canonical_query(&encode_query(&pairs), false),
                canonical_query(&encode_query(&shuffled), false)
            );
        }

        #[test]
        fn sign_then_verify_round_trips_and_tampering_fails(c in case(), which in 0usize..4, pick in any::<prop::sample::Index>()) {
            let secret = SecretKey::new(DOC_SECRET);
            let p = sign_case(&c, &secret);
            let auth = verify_doc(&p, DOC_DATE);
            prop_assert!(matches!(auth, Ok(Some(_))), "{:?}", auth.err());

            let mut t = c.clone();
            let tampered = match which {
                0 if !t.headers.is_empty() => {
                    let i = pick.index(t.headers.len());
                    t.headers[i].1.push('x');
                    // Sign the original, send the tampered header.
                    let mut p = sign_case(&c, &secret);
                    let name = HeaderName::from_bytes(t.headers[i].0.as_bytes()).unwrap();
                    p.headers.remove(&name);
                    for (n, v) in &t.headers {
                        if *n == t.headers[i].0 {
                            p.headers.append(HeaderName::from_bytes(n.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
                        }
                    }
                    p
                }
                1 if !t.query.is_empty() => {
                    let i = pick.index(t.query.len());
                    t.query[i].1.push('x');
                    resend(&sign_case(&c, &secret), &t.path, &encode_query(&t.query))
                }
                2 => {
                    t.path.push('x');
                    resend(&sign_case(&c, &secret), &t.path, &encode_query(&t.query))
                }
                _ => {
                    let mut p = sign_case(&c, &secret);
                    let auth = p.headers.get("authorization").unwrap().to_str().unwrap().to_owned();
                    let last = auth.chars().last().unwrap();
                    let flipped = format!("{}{}", &auth[..auth.len() - 1], if last == '0' { '1' } else { '0' });
                    p.headers.insert("authorization", HeaderValue::from_str(&flipped).unwrap());
                    p
                }
            };
            let err = verify_doc(&tampered, DOC_DATE).unwrap_err();
            prop_assert_eq!(err.code, S3ErrorCode::SignatureDoesNotMatch);
        }
    }

    /// A header-signed PUT of `/b/k` whose signature covers `signed`
    /// (and `host`, `x-amz-date`, `x-amz-content-sha256`), sent with
    /// `unsigned` added.
    fn header_signed_put(signed: &[(&str, &str)], unsigned: &[(&str, &str)]) -> Parts {
        let secret = SecretKey::new(DOC_SECRET);
        let mut headers = vec![("host", DOC_HOST)];
        headers.extend_from_slice(signed);
        let out = sign_request(&SignRequest {
            method: "PUT",
            path: "/b/k",
            query: "",
            headers: &headers,
            payload_hash: UNSIGNED_PAYLOAD,
            access_key: DOC_KEY,
            secret: &secret,
            region: "us-east-1",
            time: at(DOC_DATE),
        });
        let mut all = headers.clone();
        all.extend(out.headers.iter().map(|(n, v)| (*n, v.as_str())));
        all.extend_from_slice(unsigned);
        parts("PUT", "/b/k", &all)
    }

    /// A presigned PUT of `/b/k` with `query` (the operation's parameters,
    /// hoisted `x-amz-*` ones among them) and the signed headers `signed`,
    /// sent with `unsigned` added.
    fn presigned_put(query: &str, signed: &[(&str, &str)], unsigned: &[(&str, &str)]) -> Parts {
        let secret = SecretKey::new(DOC_SECRET);
        let mut headers = vec![("host", DOC_HOST)];
        headers.extend_from_slice(signed);
        let q = presign(&PresignRequest {
            method: "PUT",
            path: "/b/k",
            query,
            headers: &headers,
            access_key: DOC_KEY,
            secret: &secret,
            region: "us-east-1",
            time: at(DOC_DATE),
            expires: 3600,
        });
        let mut all = headers.clone();
        all.extend_from_slice(unsigned);
        parts("PUT", &format!("/b/k?{q}"), &all)
    }

    fn not_signed(err: &S3Error) -> Option<&str> {
        (err.code == S3ErrorCode::AccessDenied
            && err.message == "There were headers present in the request which were not signed")
            .then(|| {
                err.fields
                    .iter()
                    .find(|(n, _)| *n == "HeadersNotSigned")
                    .map(|(_, v)| v.as_str())
            })
            .flatten()
    }

    #[test]
    fn every_amz_header_must_be_signed() {
        // Header-signed: the signed ones pass, each unsigned one is named.
        let meta = ("x-amz-meta-a", "1");
        let ok = header_signed_put(&[meta], &[("user-agent", "u"), ("x-amzn-trace-id", "t")]);
        let auth = verify_doc(&ok, DOC_DATE).unwrap().unwrap();
        assert!(auth.signed_headers.iter().any(|n| n == "x-amz-meta-a"));
        assert!(auth.hoisted.is_empty());
        let p = header_signed_put(
            &[meta],
            &[
                ("x-amz-copy-source", "/other/secret"),
                ("x-amz-acl", "public-read"),
            ],
        );
        let err = verify_doc(&p, DOC_DATE).unwrap_err();
        assert_eq!(
            not_signed(&err),
            Some("x-amz-copy-source, x-amz-acl"),
            "{err:?}"
        );
        assert_eq!(err.code.status(), http::StatusCode::FORBIDDEN);

        // Presigned: the same rule.
        let ok = presigned_put("", &[meta], &[]);
        verify_doc(&ok, DOC_DATE).unwrap().unwrap();
        for extra in [
            ("x-amz-copy-source", "/other/secret"),
            ("x-amz-meta-b", "2"),
            ("x-amz-tagging", "a=b"),
            (
                "x-amz-checksum-sha256",
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            ),
            ("x-amz-date", DOC_DATE),
        ] {
            let p = presigned_put("", &[meta], &[extra]);
            let err = verify_doc(&p, DOC_DATE).unwrap_err();
            assert_eq!(not_signed(&err), Some(extra.0), "{extra:?}: {err:?}");
        }
    }

    #[test]
    fn content_sha256_is_bound_without_being_listed() {
        // A presigned request may carry x-amz-content-sha256 unlisted: it is
        // the payload-hash line, so the value the URL was signed with (here
        // UNSIGNED-PAYLOAD) passes and any other breaks the signature.
        let p = presigned_put("", &[], &[(CONTENT_SHA256, UNSIGNED_PAYLOAD)]);
        verify_doc(&p, DOC_DATE).unwrap().unwrap();
        let p = presigned_put(
            "",
            &[],
            &[(CONTENT_SHA256, STREAMING_UNSIGNED_PAYLOAD_TRAILER)],
        );
        assert_eq!(
            verify_doc(&p, DOC_DATE).unwrap_err().code,
            S3ErrorCode::SignatureDoesNotMatch
        );
        // Signed in the query, a different header is refused.
        let p = presigned_put(
            "X-Amz-Content-Sha256=UNSIGNED-PAYLOAD",
            &[],
            &[(CONTENT_SHA256, EMPTY_SHA256)],
        );
        let err = verify_doc(&p, DOC_DATE).unwrap_err();
        assert_eq!(err.code, S3ErrorCode::InvalidArgument, "{err:?}");
        let p = presigned_put(
            "X-Amz-Content-Sha256=UNSIGNED-PAYLOAD",
            &[],
            &[(CONTENT_SHA256, UNSIGNED_PAYLOAD)],
        );
        verify_doc(&p, DOC_DATE).unwrap().unwrap();
    }

    #[test]
    fn presigned_amz_parameters_act_as_headers() {
        let query = "x-amz-acl=public-read&x-amz-meta-color=blue&X-Amz-Tagging=a%3Db\
                     &x-amz-copy-source=%2Fsrc%2Fobj&x-id=PutObject";
        let mut p = presigned_put(query, &[], &[]);
        let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
        let names: Vec<&str> = auth.hoisted.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "x-amz-acl",
                "x-amz-meta-color",
                "x-amz-tagging",
                "x-amz-copy-source"
            ]
        );
        assert!(auth.apply(&mut p).unwrap());
        assert_eq!(p.headers["x-amz-acl"], "public-read");
        assert_eq!(p.headers["x-amz-meta-color"], "blue");
        assert_eq!(p.headers["x-amz-tagging"], "a=b");
        assert_eq!(p.headers["x-amz-copy-source"], "/src/obj");
        assert!(!p.headers.contains_key("x-id"));
        // The auth parameters themselves are never headers.
        assert!(!p.headers.contains_key("x-amz-signature"));
        assert!(!p.headers.contains_key("x-amz-date"));

        // A hoisted value cannot be changed after signing.
        let tampered = p.uri.to_string().replace("color=blue", "color=red");
        let p2 = parts("PUT", &tampered, &[("Host", DOC_HOST)]);
        assert_eq!(
            verify_doc(&p2, DOC_DATE).unwrap_err().code,
            S3ErrorCode::SignatureDoesNotMatch
        );

        // Header and parameter: the same value is fine, another is refused.
        let mut p = presigned_put("x-amz-acl=private", &[("x-amz-acl", "private")], &[]);
        let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
        auth.apply(&mut p).unwrap();
        assert_eq!(p.headers.get_all("x-amz-acl").iter().count(), 1);
        let mut p = presigned_put("x-amz-acl=private", &[("x-amz-acl", "public-read")], &[]);
        let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
        let err = auth.apply(&mut p).unwrap_err();
        assert_eq!(err.code, S3ErrorCode::InvalidArgument);
        assert_eq!(p.headers["x-amz-acl"], "public-read");

        // Twice in the query: which one was meant cannot be told.
        let p = presigned_put("x-amz-meta-a=1&x-amz-meta-a=2", &[], &[]);
        assert_eq!(
            verify_doc(&p, DOC_DATE).unwrap_err().code,
            S3ErrorCode::InvalidArgument
        );

        // Without any, nothing is added and the request is not routed again.
        let mut p = presigned_put("", &[], &[]);
        let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
        assert!(!auth.apply(&mut p).unwrap());
    }

    #[test]
    fn header_signed_query_parameters_are_not_hoisted() {
        // Only a presigned URL stands its x-amz-* parameters in for
        // headers; on a header-signed request they are just parameters.
        let secret = SecretKey::new(DOC_SECRET);
        let headers = [("host", DOC_HOST)];
        let out = sign_request(&SignRequest {
            method: "PUT",
            path: "/b/k",
            query: "x-amz-acl=public-read",
            headers: &headers,
            payload_hash: UNSIGNED_PAYLOAD,
            access_key: DOC_KEY,
            secret: &secret,
            region: "us-east-1",
            time: at(DOC_DATE),
        });
        let mut all = headers.to_vec();
        all.extend(out.headers.iter().map(|(n, v)| (*n, v.as_str())));
        let mut p = parts("PUT", "/b/k?x-amz-acl=public-read", &all);
        let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
        assert!(!auth.apply(&mut p).unwrap());
        assert!(!p.headers.contains_key("x-amz-acl"));
    }

    #[test]
    fn unsigned_content_type_is_dropped() {
        for presigned in [false, true] {
            let build = |signed: &[(&str, &str)], unsigned: &[(&str, &str)]| {
                if presigned {
                    presigned_put("", signed, unsigned)
                } else {
                    header_signed_put(signed, unsigned)
                }
            };
            let mut p = build(&[], &[("content-type", "text/html")]);
            let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
            auth.apply(&mut p).unwrap();
            assert!(!p.headers.contains_key("content-type"), "{presigned}");
            // Unsigned Content-MD5 and Range stay: they cannot change what
            // is stored (the MD5 is checked against the body).
            let mut p = build(
                &[("content-type", "image/png")],
                &[
                    ("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
                    ("range", "bytes=0-1"),
                ],
            );
            let auth = verify_doc(&p, DOC_DATE).unwrap().unwrap();
            auth.apply(&mut p).unwrap();
            assert_eq!(p.headers["content-type"], "image/png", "{presigned}");
            assert!(p.headers.contains_key("content-md5"));
            assert!(p.headers.contains_key("range"));
        }
    }

    proptest! {
        /// Whatever `x-amz-*` headers a request carries and whichever of
        /// them are signed, it verifies exactly when all are signed, and
        /// the refusal names exactly the unsigned ones, in the order sent.
        #[test]
        fn unsigned_amz_headers_are_named(
            headers in proptest::collection::btree_map("x-amz-(meta-[a-z]{1,4}|acl|tagging|copy-source)", header_value(), 0..6),
            signed_mask in any::<u8>(),
            presigned in any::<bool>(),
        ) {
            let all: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let (signed, unsigned): (Vec<_>, Vec<_>) = all
                .iter()
                .enumerate()
                .partition(|(i, _)| signed_mask & (1 << i) != 0);
            let signed: Vec<(&str, &str)> = signed.into_iter().map(|(_, h)| *h).collect();
            let unsigned: Vec<(&str, &str)> = unsigned.into_iter().map(|(_, h)| *h).collect();
            let p = if presigned {
                presigned_put("", &signed, &unsigned)
            } else {
                header_signed_put(&signed, &unsigned)
            };
            let result = verify_doc(&p, DOC_DATE);
            if unsigned.is_empty() {
                prop_assert!(matches!(result, Ok(Some(_))), "{:?}", result.err());
            } else {
                let err = result.unwrap_err();
                let expected: Vec<&str> = unsigned.iter().map(|(n, _)| *n).collect();
                let expected = expected.join(", ");
                prop_assert_eq!(not_signed(&err), Some(expected.as_str()));
            }
        }
    }

    /// The same request with another path and query.
    fn resend(p: &Parts, path: &str, query: &str) -> Parts {
        let uri = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        let mut b = http::Request::builder().method(p.method.clone()).uri(uri);
        for (n, v) in &p.headers {
            b = b.header(n, v);
        }
        b.body(()).unwrap().into_parts().0
    }
}
