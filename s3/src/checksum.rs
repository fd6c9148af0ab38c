//! Upload checksums: `x-amz-checksum-*` and `Content-MD5`.
//!
//! A request declares at most one checksum, either as a header
//! (`x-amz-checksum-crc32: BASE64`) or as a trailer announced by
//! `x-amz-trailer: x-amz-checksum-crc32` and sent after an `aws-chunked`
//! body; [`declared_checksum`] reads which. A [`Checksummer`] runs over the
//! body as it streams and gives the value as S3 writes it: the base64 of
//! the big-endian digest. [`verify_checksum`] compares the two (`BadDigest`
//! on a mismatch). `Content-MD5` has its own pair of helpers.

use alexander_store::crc;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::HeaderMap;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::{S3Error, S3ErrorCode};

/// The checksum algorithms S3 accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl ChecksumAlgorithm {
    pub const ALL: [ChecksumAlgorithm; 5] = [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
    ];

    /// The name used in `x-amz-sdk-checksum-algorithm` and in XML
    /// (`CRC32`, `CRC32C`, `CRC64NVME`, `SHA1`, `SHA256`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "CRC32",
            ChecksumAlgorithm::Crc32c => "CRC32C",
            ChecksumAlgorithm::Crc64Nvme => "CRC64NVME",
            ChecksumAlgorithm::Sha1 => "SHA1",
            ChecksumAlgorithm::Sha256 => "SHA256",
        }
    }

    /// The header (or trailer) that carries the value.
    pub fn header_name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// Parses an algorithm name, in any case.
    pub fn from_name(name: &str) -> Option<ChecksumAlgorithm> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Parses `x-amz-checksum-<algorithm>`, in any case.
    pub fn from_header_name(name: &str) -> Option<ChecksumAlgorithm> {
        Self::ALL
            .into_iter()
            .find(|a| a.header_name().eq_ignore_ascii_case(name.trim()))
    }

    /// Length of the digest in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Crc64Nvme => 8,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
        }
    }

    /// Decodes a base64 value of this algorithm; `InvalidRequest` unless it
    /// is valid base64 of the right length.
    pub fn decode(self, value: &str) -> Result<Vec<u8>, S3Error> {
        match BASE64.decode(value.trim()) {
            Ok(bytes) if bytes.len() == self.digest_len() => Ok(bytes),
            _ => Err(S3Error::new(
                S3ErrorCode::InvalidRequest,
                format!("Value for {} header is invalid.", self.header_name()),
            )),
        }
    }
}

/// How a multipart object's checksum is made from its parts'
/// (`x-amz-checksum-type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChecksumType {
    /// The algorithm over the concatenated part checksums, suffixed `-N`.
    Composite,
    /// The checksum of the whole object, combined from the parts' CRCs.
    FullObject,
}

impl ChecksumType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChecksumType::Composite => "COMPOSITE",
            ChecksumType::FullObject => "FULL_OBJECT",
        }
    }

    /// Parses a type name, in any case.
    pub fn from_name(name: &str) -> Option<ChecksumType> {
        [ChecksumType::Composite, ChecksumType::FullObject]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// The type an upload gets when it names only an algorithm: CRC64NVME
    /// is only ever a full-object checksum, the others are composite.
    pub fn default_for(algorithm: ChecksumAlgorithm) -> ChecksumType {
        match algorithm {
            ChecksumAlgorithm::Crc64Nvme => ChecksumType::FullObject,
            _ => ChecksumType::Composite,
        }
    }

    /// Whether S3 allows this type with `algorithm`: a full-object checksum
    /// needs a CRC (its parts' values can be combined), and CRC64NVME has
    /// no composite form.
    pub fn allows(self, algorithm: ChecksumAlgorithm) -> bool {
        match self {
            ChecksumType::Composite => algorithm != ChecksumAlgorithm::Crc64Nvme,
            ChecksumType::FullObject => matches!(
                algorithm,
                ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c | ChecksumAlgorithm::Crc64Nvme
            ),
        }
    }
}

/// The CRC an algorithm is, for combining (the arithmetic is the store's,
/// which combines chunk CRCs the same way); `None` for the SHAs.
fn crc_of(algorithm: ChecksumAlgorithm) -> Option<crc::Crc> {
    match algorithm {
        ChecksumAlgorithm::Crc32 => Some(crc::CRC32),
        ChecksumAlgorithm::Crc32c => Some(crc::CRC32C),
        ChecksumAlgorithm::Crc64Nvme => Some(crc::CRC64NVME),
        ChecksumAlgorithm::Sha1 | ChecksumAlgorithm::Sha256 => None,
    }
}

fn crc_value(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |v, b| (v << 8) | u64::from(*b))
}

/// The full-object CRC of parts given as (raw big-endian CRC, length), in
/// order: `None` for an algorithm that is not a CRC or a value of the wrong
/// length.
pub fn combine_crcs(algorithm: ChecksumAlgorithm, parts: &[(Vec<u8>, u64)]) -> Option<Vec<u8>> {
    let crc = crc_of(algorithm)?;
    let mut whole = crc_value(&Checksummer::new(algorithm).finish_bytes());
    for (value, len) in parts {
        if value.len() != algorithm.digest_len() {
            return None;
        }
        whole = crc.combine(whole, crc_value(value), *len);
    }
    let bytes = whole.to_be_bytes();
    Some(bytes[8 - algorithm.digest_len()..].to_vec())
}

/// S3's composite checksum: the algorithm over the concatenated raw part
/// checksums, in base64, suffixed with `-` and the part count.
pub fn composite_checksum(algorithm: ChecksumAlgorithm, parts: &[Vec<u8>]) -> String {
    let mut whole = Checksummer::new(algorithm);
    for p in parts {
        whole.update(p);
    }
    format!("{}-{}", whole.finish(), parts.len())
}

/// Whether a stored object checksum is composite: a composite value ends
/// in `-N`, and base64 has no `-`.
pub fn is_composite(value: &str) -> bool {
    value.contains('-')
}

/// A checksum computed as the body streams.
pub struct Checksummer {
    state: State,
}

enum State {
    Crc32(crc32fast::Hasher),
    Crc32c(u32),
    Crc64Nvme(crc64fast_nvme::Digest),
    Sha1(Sha1),
    Sha256(Sha256),
}

impl Checksummer {
    pub fn new(algorithm: ChecksumAlgorithm) -> Checksummer {
        let state = match algorithm {
            ChecksumAlgorithm::Crc32 => State::Crc32(crc32fast::Hasher::new()),
            ChecksumAlgorithm::Crc32c => State::Crc32c(0),
            ChecksumAlgorithm::Crc64Nvme => State::Crc64Nvme(crc64fast_nvme::Digest::new()),
            ChecksumAlgorithm::Sha1 => State::Sha1(Sha1::new()),
            ChecksumAlgorithm::Sha256 => State::Sha256(Sha256::new()),
        };
        Checksummer { state }
    }

    pub fn algorithm(&self) -> ChecksumAlgorithm {
        match self.state {
            State::Crc32(_) => ChecksumAlgorithm::Crc32,
            State::Crc32c(_) => ChecksumAlgorithm::Crc32c,
            State::Crc64Nvme(_) => ChecksumAlgorithm::Crc64Nvme,
            State::Sha1(_) => ChecksumAlgorithm::Sha1,
            State::Sha256(_) => ChecksumAlgorithm::Sha256,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::Crc32(h) => h.update(data),
            State::Crc32c(crc) => *crc = crc32c::crc32c_append(*crc, data),
            State::Crc64Nvme(h) => h.write(data),
            State::Sha1(h) => h.update(data),
            State::Sha256(h) => h.update(data),
        }
    }

    /// The digest, big-endian for the CRCs.
    pub fn finish_bytes(self) -> Vec<u8> {
        match self.state {
            State::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
            State::Crc32c(crc) => crc.to_be_bytes().to_vec(),
            State::Crc64Nvme(h) => h.sum64().to_be_bytes().to_vec(),
            State::Sha1(h) => h.finalize().to_vec(),
            State::Sha256(h) => h.finalize().to_vec(),
        }
    }

    /// The value as S3 sends it: base64 of the digest.
    pub fn finish(self) -> String {
        BASE64.encode(self.finish_bytes())
    }
}

/// The checksum a request declares for its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeclaredChecksum {
    /// Given in a header; the value is valid base64 of the right length.
    Header {
        algorithm: ChecksumAlgorithm,
        value: String,
    },
    /// Announced by `x-amz-trailer`; the value comes after the body.
    Trailer { algorithm: ChecksumAlgorithm },
}

impl DeclaredChecksum {
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        match self {
            DeclaredChecksum::Header { algorithm, .. }
            | DeclaredChecksum::Trailer { algorithm } => *algorithm,
        }
    }
}

/// Reads the checksum declared by `x-amz-checksum-*`, `x-amz-trailer` and
/// `x-amz-sdk-checksum-algorithm`. Errors (`InvalidRequest`): more than one
/// checksum, an invalid value, an unsupported trailer, or an SDK algorithm
/// that disagrees with the checksum sent or comes without one.
pub fn declared_checksum(headers: &HeaderMap) -> Result<Option<DeclaredChecksum>, S3Error> {
    declared(headers, true)
}

/// The checksum of the body a request announces as a trailer, for a
/// request whose `x-amz-checksum-*` headers describe something else (the
/// object, on CompleteMultipartUpload).
pub fn declared_trailer(headers: &HeaderMap) -> Result<Option<DeclaredChecksum>, S3Error> {
    declared(headers, false)
}

fn declared(headers: &HeaderMap, read_headers: bool) -> Result<Option<DeclaredChecksum>, S3Error> {
    let invalid = |msg: &str| S3Error::new(S3ErrorCode::InvalidRequest, msg);
    let mut declared = None;
    let header_algorithms = if read_headers {
        &ChecksumAlgorithm::ALL[..]
    } else {
        &[]
    };
    for &algorithm in header_algorithms {
        for value in headers.get_all(algorithm.header_name()) {
            if declared.is_some() {
                return Err(invalid(
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
                ));
            }
            let value = value
                .to_str()
                .map_err(|_| algorithm.decode("").unwrap_err())?;
            algorithm.decode(value)?;
            declared = Some(DeclaredChecksum::Header {
                algorithm,
                value: value.trim().to_owned(),
            });
        }
    }
    for value in headers.get_all("x-amz-trailer") {
        let unsupported =
            || invalid("The value specified in the x-amz-trailer header is not supported");
        let value = value.to_str().map_err(|_| unsupported())?;
        for name in value.split(',').filter(|n| !n.trim().is_empty()) {
            let algorithm = ChecksumAlgorithm::from_header_name(name).ok_or_else(unsupported)?;
            if declared.is_some() {
                return Err(invalid(
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
                ));
            }
            declared = Some(DeclaredChecksum::Trailer { algorithm });
        }
    }
    if let Some(sdk) = headers.get("x-amz-sdk-checksum-algorithm") {
        let sdk = sdk.to_str().ok().and_then(ChecksumAlgorithm::from_name);
        match (&declared, sdk) {
            (_, None) => {
                return Err(invalid(
                    "Value for x-amz-sdk-checksum-algorithm header is invalid.",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "x-amz-sdk-checksum-algorithm specified, but no corresponding \
                     x-amz-checksum-* or x-amz-trailer headers were found.",
                ));
            }
            (Some(d), Some(a)) if d.algorithm() != a => {
                return Err(invalid(
                    "Value for x-amz-sdk-checksum-algorithm header is invalid.",
                ));
            }
            _ => {}
        }
    }
    Ok(declared)
}

/// Compares a declared value (a header, or a trailer not yet validated)
/// with the computed one: `InvalidRequest` if the declared value is not a
/// valid checksum, `BadDigest` if they differ.
pub fn verify_checksum(
    algorithm: ChecksumAlgorithm,
    declared: &str,
    computed: &str,
) -> Result<(), S3Error> {
    let declared = algorithm.decode(declared)?;
    let computed = BASE64.decode(computed).ok();
    if computed.as_deref() == Some(declared.as_slice()) {
        Ok(())
    } else {
        Err(S3Error::new(
            S3ErrorCode::BadDigest,
            format!(
                "The {} you specified did not match the calculated checksum.",
                algorithm.as_str()
            ),
        ))
    }
}

/// Parses a `Content-MD5` header: base64 of 16 bytes, else `InvalidDigest`.
pub fn parse_content_md5(value: &[u8]) -> Result<[u8; 16], S3Error> {
    BASE64
        .decode(value.trim_ascii())
        .ok()
        .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
        .ok_or_else(|| {
            S3Error::new(
                S3ErrorCode::InvalidDigest,
                "The Content-MD5 you specified was invalid.",
            )
        })
}

/// `BadDigest` unless the body's MD5 is the one `Content-MD5` declared.
pub fn check_content_md5(declared: &[u8; 16], computed: &[u8; 16]) -> Result<(), S3Error> {
    if declared == computed {
        Ok(())
    } else {
        Err(S3Error::new(
            S3ErrorCode::BadDigest,
            "The Content-MD5 you specified did not match what we received.",
        )
        .with_field("ExpectedDigest", BASE64.encode(declared))
        .with_field("CalculatedDigest", BASE64.encode(computed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;

    fn digest(algorithm: ChecksumAlgorithm, data: &[u8]) -> Vec<u8> {
        let mut c = Checksummer::new(algorithm);
        c.update(data);
        assert_eq!(c.algorithm(), algorithm);
        c.finish_bytes()
    }

    #[test]
    fn check_values() {
        use ChecksumAlgorithm::*;
        // The catalogued check values of each CRC, over "123456789".
        let check = b"123456789";
        assert_eq!(digest(Crc32, check), 0xCBF4_3926u32.to_be_bytes());
        assert_eq!(digest(Crc32c, check), 0xE306_9283u32.to_be_bytes());
        assert_eq!(
            digest(Crc64Nvme, check),
            0xAE8B_1486_0A79_9888u64.to_be_bytes()
        );
        assert_eq!(
            hex::encode(digest(Sha1, b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex::encode(digest(Sha256, b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut c = Checksummer::new(Crc32);
        c.update(check);
        assert_eq!(c.finish(), "y/Q5Jg==");
        // Empty input.
        assert_eq!(digest(Crc32, b""), [0; 4]);
        assert_eq!(digest(Crc64Nvme, b""), [0; 8]);
        for a in ChecksumAlgorithm::ALL {
            assert_eq!(digest(a, b"x").len(), a.digest_len());
        }
    }

    #[test]
    fn the_trailer_example_checksum() {
        // The CRC32C trailer of the S3 documentation's signed-trailer
        // example (66560 bytes of 'a').
        let mut c = Checksummer::new(ChecksumAlgorithm::Crc32c);
        c.update(&[b'a'; 66560]);
        assert_eq!(c.finish(), "sOO8/Q==");
    }

    #[test]
    fn names() {
        for a in ChecksumAlgorithm::ALL {
            assert_eq!(ChecksumAlgorithm::from_name(a.as_str()), Some(a));
            assert_eq!(
                ChecksumAlgorithm::from_name(&a.as_str().to_lowercase()),
                Some(a)
            );
            assert_eq!(
                ChecksumAlgorithm::from_header_name(a.header_name()),
                Some(a)
            );
            assert_eq!(
                ChecksumAlgorithm::from_header_name(&a.header_name().to_uppercase()),
                Some(a)
            );
        }
        assert_eq!(ChecksumAlgorithm::from_name("MD5"), None);
        assert_eq!(
            ChecksumAlgorithm::from_header_name("x-amz-checksum-mode"),
            None
        );
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn declared_checksums() {
        use ChecksumAlgorithm::*;
        assert_eq!(declared_checksum(&headers(&[])).unwrap(), None);
        assert_eq!(
            declared_checksum(&headers(&[
                ("x-amz-checksum-crc32", "y/Q5Jg=="),
                ("x-amz-sdk-checksum-algorithm", "CRC32"),
                ("x-amz-checksum-mode", "ENABLED"),
            ]))
            .unwrap(),
            Some(DeclaredChecksum::Header {
                algorithm: Crc32,
                value: "y/Q5Jg==".into()
            })
        );
        assert_eq!(
            declared_checksum(&headers(&[
                ("x-amz-trailer", "x-amz-checksum-crc64nvme"),
                ("x-amz-sdk-checksum-algorithm", "crc64nvme"),
            ]))
            .unwrap(),
            Some(DeclaredChecksum::Trailer {
                algorithm: Crc64Nvme
            })
        );
        for bad in [
            vec![("x-amz-checksum-crc32", "y/Q5Jg==="), ("x", "y")],
            vec![("x-amz-checksum-crc32", "AAAAAAAA")],
            vec![("x-amz-checksum-sha256", "y/Q5Jg==")],
            vec![
                ("x-amz-checksum-crc32", "y/Q5Jg=="),
                ("x-amz-checksum-crc32c", "y/Q5Jg=="),
            ],
            vec![
                ("x-amz-checksum-crc32", "y/Q5Jg=="),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
            ],
            vec![("x-amz-trailer", "x-amz-checksum-md5")],
            vec![(
                "x-amz-trailer",
                "x-amz-checksum-crc32,x-amz-checksum-crc32c",
            )],
            vec![("x-amz-sdk-checksum-algorithm", "CRC32")],
            vec![
                ("x-amz-checksum-crc32", "y/Q5Jg=="),
                ("x-amz-sdk-checksum-algorithm", "SHA1"),
            ],
            vec![
                ("x-amz-checksum-crc32", "y/Q5Jg=="),
                ("x-amz-sdk-checksum-algorithm", "MD5"),
            ],
        ] {
            let err = declared_checksum(&headers(&bad)).unwrap_err();
            assert_eq!(err.code, S3ErrorCode::InvalidRequest, "{bad:?}");
        }
    }

    #[test]
    fn verifying() {
        use ChecksumAlgorithm::*;
        verify_checksum(Crc32, "y/Q5Jg==", "y/Q5Jg==").unwrap();
        let err = verify_checksum(Crc32, "AAAAAA==", "y/Q5Jg==").unwrap_err();
        assert_eq!(err.code, S3ErrorCode::BadDigest);
        assert_eq!(
            err.message,
            "The CRC32 you specified did not match the calculated checksum."
        );
        assert_eq!(
            verify_checksum(Crc32, "nope", "y/Q5Jg==").unwrap_err().code,
            S3ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn content_md5() {
        use md5::Digest as _;
        let md5: [u8; 16] = md5::Md5::digest(b"hello").into();
        let header = BASE64.encode(md5);
        assert_eq!(header, "XUFAKrxLKna5cZ2REBfFkg==");
        let declared = parse_content_md5(header.as_bytes()).unwrap();
        check_content_md5(&declared, &md5).unwrap();
        let other: [u8; 16] = md5::Md5::digest(b"hellO").into();
        assert_eq!(
            check_content_md5(&declared, &other).unwrap_err().code,
            S3ErrorCode::BadDigest
        );
        for bad in ["", "XUFAKrxLKna5cZ2REBfF", "not base64!", "AAAA"] {
            assert_eq!(
                parse_content_md5(bad.as_bytes()).unwrap_err().code,
                S3ErrorCode::InvalidDigest,
                "{bad}"
            );
        }
    }

    #[test]
    fn checksum_types() {
        use ChecksumAlgorithm::*;
        assert_eq!(
            ChecksumType::from_name("full_object"),
            Some(ChecksumType::FullObject)
        );
        assert_eq!(
            ChecksumType::from_name("Composite"),
            Some(ChecksumType::Composite)
        );
        assert_eq!(ChecksumType::from_name("FULL"), None);
        assert_eq!(
            ChecksumType::default_for(Crc64Nvme),
            ChecksumType::FullObject
        );
        assert_eq!(ChecksumType::default_for(Sha1), ChecksumType::Composite);
        for a in [Crc32, Crc32c, Crc64Nvme] {
            assert!(ChecksumType::FullObject.allows(a));
        }
        for a in [Sha1, Sha256] {
            assert!(!ChecksumType::FullObject.allows(a));
            assert!(ChecksumType::Composite.allows(a));
        }
        assert!(!ChecksumType::Composite.allows(Crc64Nvme));
        assert!(ChecksumType::Composite.allows(Crc32c));
    }

    #[test]
    fn combining_known_values() {
        use ChecksumAlgorithm::*;
        // "123456789" cut as "1234" + "56789" gives the check value.
        for (a, check) in [
            (Crc32, 0xCBF4_3926u64),
            (Crc32c, 0xE306_9283),
            (Crc64Nvme, 0xAE8B_1486_0A79_9888),
        ] {
            let parts = vec![(digest(a, b"1234"), 4), (digest(a, b"56789"), 5)];
            let whole = combine_crcs(a, &parts).unwrap();
            assert_eq!(crc_value(&whole), check, "{a:?}");
            // No parts: the CRC of nothing.
            assert_eq!(combine_crcs(a, &[]).unwrap(), digest(a, b""));
        }
        assert_eq!(combine_crcs(Sha256, &[(digest(Sha256, b"x"), 1)]), None);
        assert_eq!(combine_crcs(Crc32, &[(vec![0; 8], 1)]), None);
    }

    #[test]
    fn composite_values() {
        use ChecksumAlgorithm::*;
        let parts = [digest(Crc32, b"abc"), digest(Crc32, b"defg")];
        let concat = [parts[0].clone(), parts[1].clone()].concat();
        let expected = format!("{}-2", BASE64.encode(digest(Crc32, &concat)));
        assert_eq!(composite_checksum(Crc32, &parts), expected);
        assert!(is_composite(&expected));
        assert!(!is_composite("y/Q5Jg=="));
    }

    proptest! {
        #[test]
        fn splitting_does_not_change_the_checksum(
            data in proptest::collection::vec(any::<u8>(), 0..2000),
            cut in any::<prop::sample::Index>(),
        ) {
            let cut = cut.index(data.len() + 1);
            for a in ChecksumAlgorithm::ALL {
                let mut c = Checksummer::new(a);
                c.update(&data[..cut]);
                c.update(&data[cut..]);
                prop_assert_eq!(c.finish_bytes(), digest(a, &data));
            }
        }

        #[test]
        fn combining_part_crcs_is_the_crc_of_the_whole(
            parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3000), 0..6),
        ) {
            let whole: Vec<u8> = parts.concat();
            for a in [ChecksumAlgorithm::Crc32, ChecksumAlgorithm::Crc32c, ChecksumAlgorithm::Crc64Nvme] {
                let sums: Vec<(Vec<u8>, u64)> =
                    parts.iter().map(|p| (digest(a, p), p.len() as u64)).collect();
                prop_assert_eq!(combine_crcs(a, &sums), Some(digest(a, &whole)));
            }
        }
    }
}
