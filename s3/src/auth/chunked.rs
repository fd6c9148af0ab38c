//! `aws-chunked` request bodies, decoded without I/O.
//!
//! The body arrives in whatever pieces the connection delivers;
//! [`ChunkedDecoder::feed`] takes each piece, appends the decoded payload to
//! an output buffer and keeps only the unfinished header or trailer line
//! (at most [`MAX_LINE`] bytes) between calls, so the split of the input
//! never changes the result. [`ChunkedDecoder::finish`] is called at the end
//! of the body and returns the trailing headers.
//!
//! Three framings exist, chosen by `x-amz-content-sha256`:
//! - `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: `hex-size;chunk-signature=SIG`
//!   CRLF, data, CRLF, …, then `0;chunk-signature=SIG` CRLF CRLF. Each
//!   signature chains from the previous one, starting at the request's
//!   signature, and is checked in constant time.
//! - `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: the same, with
//!   `name:value` trailer lines after the final chunk, the last of them
//!   `x-amz-trailer-signature:SIG`, then an empty line.
//! - `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: `hex-size` CRLF, data, CRLF, …,
//!   `0` CRLF, trailer lines, empty line. Chunk extensions are ignored here.
//!
//! Errors: a body that ends early is `IncompleteBody`; malformed framing
//! (bad size, missing CRLF, a line over [`MAX_LINE`], bytes after the end,
//! an unexpected trailer) is `InvalidRequest`; a wrong chunk or trailer
//! signature is `SignatureDoesNotMatch`. One leniency: a body that stops
//! right after the final chunk or after a complete trailer line, without the
//! closing empty line, is accepted, since nothing is missing from it.
//!
//! A chunk's data is passed on as it arrives and its signature is checked
//! when the chunk ends, so output is unverified until `feed` has returned
//! `Ok` for the bytes that close it, and the whole body is only verified
//! when `finish` succeeds: the caller must not commit anything before. The
//! caller also checks `x-amz-decoded-content-length` against
//! [`ChunkedDecoder::decoded_len`] and verifies any checksum trailer.

use std::fmt::Write as _;

use bytes::BufMut;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::sigv4::{Payload, StreamingContext};
use crate::error::{S3Error, S3ErrorCode};

/// The longest chunk header or trailer line, CR included.
pub const MAX_LINE: usize = 4096;
/// The most trailing headers accepted.
pub const MAX_TRAILERS: usize = 16;

/// Trailing headers, names lowercased, values trimmed, in the order sent.
/// `x-amz-trailer-signature` is checked and left out.
pub type Trailers = Vec<(String, String)>;

/// A sans-IO decoder for one `aws-chunked` body.
pub struct ChunkedDecoder {
    /// The signature chain; `None` for the unsigned framing.
    chain: Option<Chain>,
    state: State,
    /// The current header or trailer line, without its LF.
    line: Vec<u8>,
    /// SHA-256 of the current chunk's data (signed framings only).
    chunk_hash: Sha256,
    decoded: u64,
    trailers: Trailers,
    /// SHA-256 of the trailer lines as `name:value\n` (signed trailers).
    trailer_hash: Sha256,
    trailer_signature: Option<[u8; 32]>,
}

struct Chain {
    context: StreamingContext,
    /// The previous signature (hex), the next link's input.
    previous: String,
    /// Whether signed trailers follow the final chunk.
    trailer: bool,
}

enum State {
    /// Reading a `hex-size[;…]` line.
    Header,
    /// Passing data through.
    Data {
        remaining: u64,
        signature: Option<[u8; 32]>,
    },
    /// Expecting the CRLF after a chunk's data; `cr` once CR was seen.
    DataEnd {
        cr: bool,
        signature: Option<[u8; 32]>,
    },
    /// Reading trailer lines after the final chunk.
    Trailers,
    /// The closing empty line was read.
    Done,
    /// An error was returned; the body is rejected, and every later call
    /// returns the same error, so whoever reads again (a retrying reader,
    /// `finish`) reports the cause, not its echo.
    Failed { code: S3ErrorCode, message: String },
}

fn malformed(detail: &str) -> S3Error {
    S3Error::new(
        S3ErrorCode::InvalidRequest,
        format!("Invalid aws-chunked encoding: {detail}"),
    )
}

fn signature_mismatch(what: &str) -> S3Error {
    S3Error::new(
        S3ErrorCode::SignatureDoesNotMatch,
        format!("The {what} signature we calculated does not match the signature you provided."),
    )
}

/// 64 lowercase hex digits.
fn parse_signature(s: &[u8]) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

impl ChunkedDecoder {
    /// A decoder for the request's payload mode; `None` when the body is not
    /// `aws-chunked`.
    pub fn new(payload: &Payload) -> Option<ChunkedDecoder> {
        let chain = match payload {
            Payload::StreamingSigned(c) => Some(Chain {
                context: c.clone(),
                previous: c.seed_signature.clone(),
                trailer: false,
            }),
            Payload::StreamingSignedTrailer(c) => Some(Chain {
                context: c.clone(),
                previous: c.seed_signature.clone(),
                trailer: true,
            }),
            Payload::StreamingUnsignedTrailer => None,
            Payload::Unsigned | Payload::Sha256(_) => return None,
        };
        Some(ChunkedDecoder {
            chain,
            state: State::Header,
            line: Vec::new(),
            chunk_hash: Sha256::new(),
            decoded: 0,
            trailers: Vec::new(),
            trailer_hash: Sha256::new(),
            trailer_signature: None,
        })
    }

    /// Payload bytes decoded so far.
    pub fn decoded_len(&self) -> u64 {
        self.decoded
    }

    /// Decodes the next piece of the body, appending payload bytes to `out`.
    pub fn feed<B: BufMut>(&mut self, input: &[u8], out: &mut B) -> Result<(), S3Error> {
        let result = self.feed_inner(input, out);
        if let Err(e) = &result
            && !matches!(self.state, State::Failed { .. })
        {
            self.state = State::Failed {
                code: e.code,
                message: e.message.clone(),
            };
        }
        result
    }

    fn feed_inner<B: BufMut>(&mut self, mut input: &[u8], out: &mut B) -> Result<(), S3Error> {
        while !input.is_empty() {
            match &mut self.state {
                State::Header | State::Trailers => {
                    let (taken, complete) = match input.iter().position(|&b| b == b'\n') {
                        Some(i) => (i, true),
                        None => (input.len(), false),
                    };
                    if self.line.len() + taken > MAX_LINE {
                        return Err(malformed("a chunk header or trailer line is too long"));
                    }
                    self.line.extend_from_slice(&input[..taken]);
                    input = &input[taken + usize::from(complete)..];
                    if complete {
                        let mut line = std::mem::take(&mut self.line);
                        if line.pop() != Some(b'\r') {
                            return Err(malformed("a line does not end with CRLF"));
                        }
                        let result = if matches!(self.state, State::Header) {
                            self.chunk_header(&line)
                        } else {
                            self.trailer_line(&line)
                        };
                        line.clear();
                        self.line = line;
                        result?;
                    }
                }
                State::Data {
                    remaining,
                    signature,
                } => {
                    let n = usize::try_from(*remaining).map_or(input.len(), |r| r.min(input.len()));
                    let (data, rest) = input.split_at(n);
                    out.put_slice(data);
                    if self.chain.is_some() {
                        self.chunk_hash.update(data);
                    }
                    self.decoded += n as u64;
                    *remaining -= n as u64;
                    input = rest;
                    if *remaining == 0 {
                        self.state = State::DataEnd {
                            cr: false,
                            signature: *signature,
                        };
                    }
                }
                State::DataEnd { cr, signature } => {
                    let byte = input[0];
                    input = &input[1..];
                    match (*cr, byte) {
                        (false, b'\r') => *cr = true,
                        (true, b'\n') => {
                            let signature = *signature;
                            self.state = State::Header;
                            if let Some(expected) = signature {
                                let hash: [u8; 32] = self.chunk_hash.finalize_reset().into();
                                self.check_chunk(&expected, &hash)?;
                            }
                        }
                        _ => return Err(malformed("chunk data is not followed by CRLF")),
                    }
                }
                State::Done => return Err(malformed("data follows the end of the body")),
                State::Failed { code, message } => {
                    return Err(S3Error::new(*code, message.clone()));
                }
            }
        }
        Ok(())
    }

    /// `hex-size;chunk-signature=SIG` (signed) or `hex-size[;ext]`.
    fn chunk_header(&mut self, line: &[u8]) -> Result<(), S3Error> {
        let (size, extension) = match line.iter().position(|&b| b == b';') {
            Some(i) => (&line[..i], Some(&line[i + 1..])),
            None => (line, None),
        };
        if size.is_empty() || size.len() > 16 || !size.iter().all(u8::is_ascii_hexdigit) {
            return Err(malformed("bad chunk size"));
        }
        let size = size.iter().fold(0u64, |n, &d| {
            (n << 4) | u64::from((d as char).to_digit(16).unwrap_or(0))
        });
        let signature = match &self.chain {
            Some(_) => {
                let sig = extension
                    .and_then(|e| e.strip_prefix(b"chunk-signature="))
                    .and_then(parse_signature)
                    .ok_or_else(|| malformed("a chunk lacks a valid chunk-signature"))?;
                Some(sig)
            }
            None => None,
        };
        if size == 0 {
            if let Some(expected) = signature {
                let hash: [u8; 32] = Sha256::digest(b"").into();
                self.check_chunk(&expected, &hash)?;
            }
            self.state = State::Trailers;
        } else {
            self.chunk_hash = Sha256::new();
            self.state = State::Data {
                remaining: size,
                signature,
            };
        }
        Ok(())
    }

    fn check_chunk(&mut self, expected: &[u8; 32], data_hash: &[u8; 32]) -> Result<(), S3Error> {
        let chain = self.chain.as_mut().expect("signed framing");
        let computed = chain.context.chunk_signature(&chain.previous, data_hash);
        if !bool::from(computed.ct_eq(expected)) {
            return Err(signature_mismatch("chunk"));
        }
        chain.previous = hex::encode(expected);
        Ok(())
    }

    /// A `name:value` trailer line, or the empty line that ends the body.
    fn trailer_line(&mut self, line: &[u8]) -> Result<(), S3Error> {
        if line.is_empty() {
            self.end_of_trailers()?;
            self.state = State::Done;
            return Ok(());
        }
        if self.trailer_signature.is_some() {
            return Err(malformed("a trailer follows x-amz-trailer-signature"));
        }
        let line = std::str::from_utf8(line).map_err(|_| malformed("a trailer is not UTF-8"))?;
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| malformed("a trailer lacks ':'"))?;
        // Only spaces and tabs are optional white space: a stray control
        // character (a damaged line end) makes the line malformed.
        let blank = |c: char| c == ' ' || c == '\t';
        let name = name.trim_matches(blank).to_ascii_lowercase();
        let value = value.trim_matches(blank);
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(malformed("bad trailer name"));
        }
        let signed_trailers = self.chain.as_ref().map(|c| c.trailer);
        if name == "x-amz-trailer-signature" {
            if signed_trailers != Some(true) {
                return Err(malformed("unexpected x-amz-trailer-signature"));
            }
            let sig = parse_signature(value.as_bytes())
                .ok_or_else(|| malformed("bad x-amz-trailer-signature"))?;
            self.trailer_signature = Some(sig);
            return Ok(());
        }
        if signed_trailers == Some(false) {
            return Err(malformed(
                "trailers need STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            ));
        }
        if self.trailers.len() >= MAX_TRAILERS {
            return Err(malformed("too many trailers"));
        }
        if signed_trailers == Some(true) {
            self.trailer_hash.update(name.as_bytes());
            self.trailer_hash.update(b":");
            self.trailer_hash.update(value.as_bytes());
            self.trailer_hash.update(b"\n");
        }
        self.trailers.push((name, value.to_owned()));
        Ok(())
    }

    /// Checks the trailer signature, required when trailers were signed.
    fn end_of_trailers(&mut self) -> Result<(), S3Error> {
        let Some(chain) = self.chain.as_ref().filter(|c| c.trailer) else {
            return Ok(());
        };
        match self.trailer_signature {
            Some(expected) => {
                let hash: [u8; 32] = self.trailer_hash.finalize_reset().into();
                let computed = chain.context.trailer_signature(&chain.previous, &hash);
                if !bool::from(computed.ct_eq(&expected)) {
                    return Err(signature_mismatch("trailer"));
                }
                Ok(())
            }
            None if self.trailers.is_empty() => Ok(()),
            None => Err(malformed("signed trailers lack x-amz-trailer-signature")),
        }
    }

    /// Ends the body: `IncompleteBody` unless it was complete, else the
    /// trailing headers.
    pub fn finish(mut self) -> Result<Trailers, S3Error> {
        match self.state {
            State::Done => Ok(self.trailers),
            State::Trailers if self.line.is_empty() => {
                self.end_of_trailers()?;
                Ok(self.trailers)
            }
            State::Failed { code, message } => Err(S3Error::new(code, message)),
            _ => Err(S3Error::new(
                S3ErrorCode::IncompleteBody,
                "The request body terminated unexpectedly",
            )),
        }
    }
}

/// Encodes `data` as an `aws-chunked` body in chunks of `chunk_size` bytes:
/// signed when `signing` is given (with signed trailers if there are any),
/// else in the unsigned-trailer framing. For tests and test clients.
pub fn encode(
    data: &[u8],
    chunk_size: usize,
    signing: Option<&StreamingContext>,
    trailers: &[(&str, &str)],
) -> Vec<u8> {
    assert!(chunk_size > 0, "chunks must not be empty");
    let mut out = Vec::with_capacity(data.len() + 128 * (data.len() / chunk_size + 2));
    let mut previous = signing.map(|c| c.seed_signature.clone());
    let mut header = |out: &mut Vec<u8>, chunk: &[u8]| {
        out.extend_from_slice(format!("{:x}", chunk.len()).as_bytes());
        if let (Some(context), Some(prev)) = (signing, previous.as_mut()) {
            let hash: [u8; 32] = Sha256::digest(chunk).into();
            *prev = hex::encode(context.chunk_signature(prev, &hash));
            out.extend_from_slice(b";chunk-signature=");
            out.extend_from_slice(prev.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    };
    for chunk in data.chunks(chunk_size) {
        header(&mut out, chunk);
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    header(&mut out, b"");
    let mut canonical = String::new();
    for (name, value) in trailers {
        let _ = writeln!(canonical, "{name}:{value}");
        out.extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
    }
    if let (Some(context), Some(prev), false) = (signing, &previous, trailers.is_empty()) {
        let hash: [u8; 32] = Sha256::digest(canonical.as_bytes()).into();
        let sig = hex::encode(context.trailer_signature(prev, &hash));
        out.extend_from_slice(format!("x-amz-trailer-signature:{sig}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::secret::SecretKey;
    use crate::auth::sigv4::SigningKey;
    use proptest::prelude::*;

    const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn context(seed: &str) -> StreamingContext {
        StreamingContext {
            seed_signature: seed.to_owned(),
            signing_key: SigningKey::derive(
                &SecretKey::new(DOC_SECRET),
                "20130524",
                "us-east-1",
                "s3",
            ),
            scope: "20130524/us-east-1/s3/aws4_request".to_owned(),
            amz_date: "20130524T000000Z".to_owned(),
        }
    }

    fn decode(payload: &Payload, body: &[u8]) -> Result<(Vec<u8>, Trailers), S3Error> {
        let mut d = ChunkedDecoder::new(payload).unwrap();
        let mut out = Vec::new();
        d.feed(body, &mut out)?;
        assert_eq!(d.decoded_len(), out.len() as u64);
        Ok((out, d.finish()?))
    }

    fn doc_chunked_body() -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(
            b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n",
        );
        body.extend_from_slice(&[b'a'; 65536]);
        body.extend_from_slice(
            b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n",
        );
        body.extend_from_slice(&[b'a'; 1024]);
        body.extend_from_slice(
            b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n",
        );
        body
    }

    /// "Signature Calculations for the Authorization Header: Transferring
    /// Payload in Multiple Chunks" in the S3 API reference.
    #[test]
    fn s3_doc_signed_chunks() {
        let ctx = context("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
        let body = doc_chunked_body();
        assert_eq!(body.len(), 66824, "Content-Length of the example");
        assert_eq!(encode(&[b'a'; 66560], 65536, Some(&ctx), &[]), body);

        let payload = Payload::StreamingSigned(ctx);
        let (out, trailers) = decode(&payload, &body).unwrap();
        assert_eq!(out, vec![b'a'; 66560]);
        assert!(trailers.is_empty());

        // Any changed byte in a chunk's data breaks its signature.
        let mut bad = body.clone();
        bad[100] = b'b';
        assert_eq!(
            decode(&payload, &bad).unwrap_err().code,
            S3ErrorCode::SignatureDoesNotMatch
        );
        // So does a reordered chain: the second chunk's signature first.
        let ctx = context("0000000000000000000000000000000000000000000000000000000000000000");
        assert_eq!(
            decode(&Payload::StreamingSigned(ctx), &body)
                .unwrap_err()
                .code,
            S3ErrorCode::SignatureDoesNotMatch
        );
    }

    /// Once a body is rejected, every later call gives the same error, so
    /// a reader that tries again reports the cause.
    #[test]
    fn a_rejection_is_sticky() {
        let ctx = context("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
        let mut bad = doc_chunked_body();
        bad[100] = b'b';
        let mut d = ChunkedDecoder::new(&Payload::StreamingSigned(ctx)).unwrap();
        let mut out = Vec::new();
        let (head, tail) = bad.split_at(66000);
        let first = d.feed(head, &mut out).unwrap_err();
        assert_eq!(first.code, S3ErrorCode::SignatureDoesNotMatch);
        let again = d.feed(tail, &mut out).unwrap_err();
        assert_eq!((again.code, &again.message), (first.code, &first.message));
        let end = d.finish().unwrap_err();
        assert_eq!((end.code, &end.message), (first.code, &first.message));
    }

    /// "Signature Calculation: Including Trailing Headers" in the S3 API
    /// reference: the same 66560 bytes with a CRC32C trailer.
    #[test]
    fn s3_doc_signed_chunks_with_trailer() {
        let ctx = context("106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e");
        let body = encode(
            &[b'a'; 66560],
            65536,
            Some(&ctx),
            &[("x-amz-checksum-crc32c", "sOO8/Q==")],
        );
        let text = String::from_utf8_lossy(&body);
        for sig in [
            "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n",
            "400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n",
            "\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n\
             x-amz-checksum-crc32c:sOO8/Q==\r\n\
             x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
        ] {
            assert!(text.contains(sig), "{sig}");
        }
        let payload = Payload::StreamingSignedTrailer(ctx);
        let (out, trailers) = decode(&payload, &body).unwrap();
        assert_eq!(out.len(), 66560);
        assert_eq!(
            trailers,
            vec![("x-amz-checksum-crc32c".to_owned(), "sOO8/Q==".to_owned())]
        );
        // A changed trailer value fails the trailer signature.
        let bad = text.replace("sOO8/Q==", "sOO8/Q=A").into_bytes();
        assert_eq!(
            decode(&payload, &bad).unwrap_err().code,
            S3ErrorCode::SignatureDoesNotMatch
        );
        // A missing trailer signature is refused.
        let cut = text.find("x-amz-trailer-signature").unwrap();
        let bad = format!("{}\r\n", &text[..cut]).into_bytes();
        assert_eq!(
            decode(&payload, &bad).unwrap_err().code,
            S3ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn unsigned_trailer_framing() {
        let body = b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32: DUoRhQ== \r\n\r\n";
        let (out, trailers) = decode(&Payload::StreamingUnsignedTrailer, body).unwrap();
        assert_eq!(out, b"hello world");
        assert_eq!(
            trailers,
            vec![("x-amz-checksum-crc32".to_owned(), "DUoRhQ==".to_owned())]
        );
        assert_eq!(
            encode(
                b"hello world",
                5,
                None,
                &[("x-amz-checksum-crc32", "DUoRhQ==")]
            ),
            b"5\r\nhello\r\n5\r\n worl\r\n1\r\nd\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
        );
        // Uppercase hex, chunk extensions, no trailers at all.
        let (out, trailers) = decode(
            &Payload::StreamingUnsignedTrailer,
            b"A;x=y\r\n0123456789\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(out, b"0123456789");
        assert!(trailers.is_empty());
        // Tolerated: no closing empty line.
        let (out, trailers) = decode(
            &Payload::StreamingUnsignedTrailer,
            b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n",
        )
        .unwrap();
        assert_eq!(out, b"abc");
        assert_eq!(trailers.len(), 1);
        assert!(ChunkedDecoder::new(&Payload::Unsigned).is_none());
    }

    #[test]
    fn framing_errors() {
        use S3ErrorCode::*;
        let signed = || {
            Payload::StreamingSigned(context(
                "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
            ))
        };
        let unsigned = || Payload::StreamingUnsignedTrailer;
        let long = format!("{}\r\n", "0".repeat(MAX_LINE + 1)).into_bytes();
        let cases: Vec<(Payload, Vec<u8>, S3ErrorCode)> = vec![
            (unsigned(), b"".to_vec(), IncompleteBody),
            (unsigned(), b"5\r\nhel".to_vec(), IncompleteBody),
            (unsigned(), b"5\r\nhello".to_vec(), IncompleteBody),
            (unsigned(), b"5\r\nhello\r\n".to_vec(), IncompleteBody),
            (
                unsigned(),
                b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AA".to_vec(),
                IncompleteBody,
            ),
            (
                unsigned(),
                b"zz\r\nhello\r\n0\r\n\r\n".to_vec(),
                InvalidRequest,
            ),
            (unsigned(), b"\r\n".to_vec(), InvalidRequest),
            (
                unsigned(),
                b"5\nhello\r\n0\r\n\r\n".to_vec(),
                InvalidRequest,
            ),
            (
                unsigned(),
                b"5\r\nhelloX\r\n0\r\n\r\n".to_vec(),
                InvalidRequest,
            ),
            (
                unsigned(),
                b"11111111111111111\r\n".to_vec(),
                InvalidRequest,
            ),
            (unsigned(), b"0\r\n\r\nextra".to_vec(), InvalidRequest),
            (
                unsigned(),
                b"0\r\nno-colon\r\n\r\n".to_vec(),
                InvalidRequest,
            ),
            (unsigned(), b"0\r\n:v\r\n\r\n".to_vec(), InvalidRequest),
            (
                unsigned(),
                format!("0\r\nx-amz-trailer-signature:{}\r\n\r\n", "0".repeat(64)).into_bytes(),
                InvalidRequest,
            ),
            (unsigned(), long.clone(), InvalidRequest),
            (signed(), long, InvalidRequest),
            (signed(), b"5\r\nhello\r\n".to_vec(), InvalidRequest),
            (
                signed(),
                b"5;chunk-signature=abc\r\nhello\r\n".to_vec(),
                InvalidRequest,
            ),
            (
                signed(),
                format!("0;chunk-signature={}\r\n\r\n", "0".repeat(64)).into_bytes(),
                SignatureDoesNotMatch,
            ),
            (
                signed(),
                format!("0;chunk-signature={}\r\n\r\n", "A".repeat(64)).into_bytes(),
                InvalidRequest,
            ),
        ];
        let trailers = (0..=MAX_TRAILERS)
            .map(|i| format!("x-amz-meta-{i}:v\r\n"))
            .collect::<String>();
        let too_many = format!("0\r\n{trailers}\r\n").into_bytes();
        for (i, (payload, body, code)) in cases
            .into_iter()
            .chain([(unsigned(), too_many, InvalidRequest)])
            .enumerate()
        {
            let err = decode(&payload, &body).unwrap_err();
            assert_eq!(err.code, code, "case {i}: {err}");
        }
        // Trailers are refused when the framing has none.
        let ctx = context("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
        let mut body = encode(b"abc", 2, Some(&ctx), &[]);
        body.truncate(body.len() - 2);
        body.extend_from_slice(b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n");
        assert_eq!(
            decode(&Payload::StreamingSigned(ctx), &body)
                .unwrap_err()
                .code,
            InvalidRequest
        );
        // After an error the decoder stays failed.
        let mut d = ChunkedDecoder::new(&unsigned()).unwrap();
        let mut out = Vec::new();
        assert!(d.feed(b"zz\r\n", &mut out).is_err());
        assert!(d.feed(b"0\r\n\r\n", &mut out).is_err());
        assert!(d.finish().is_err());
    }

    #[test]
    fn memory_stays_bounded() {
        // A 1 MiB chunk fed in pieces keeps nothing but the output.
        let data = vec![7u8; 1 << 20];
        let body = encode(&data, 1 << 20, None, &[]);
        let mut d = ChunkedDecoder::new(&Payload::StreamingUnsignedTrailer).unwrap();
        let mut out = bytes::BytesMut::new();
        for piece in body.chunks(1000) {
            d.feed(piece, &mut out).unwrap();
            assert!(d.line.capacity() <= MAX_LINE + 1000);
        }
        d.finish().unwrap();
        assert_eq!(&out[..], &data[..]);
    }

    fn trailer() -> impl Strategy<Value = (String, String)> {
        ("x-amz-[a-z0-9-]{1,10}", "[!-~]([ !-~]{0,20}[!-~])?")
            .prop_filter("reserved", |(n, _)| n != "x-amz-trailer-signature")
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_result(
            data in proptest::collection::vec(any::<u8>(), 0..3000),
            chunk_size in 1usize..700,
            mode in 0u8..3,
            trailers in proptest::collection::vec(trailer(), 0..4),
            cuts in proptest::collection::vec(1usize..400, 1..40),
            tamper in any::<prop::sample::Index>(),
        ) {
            let ctx = context("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
            let trailer_refs: Vec<(&str, &str)> =
                trailers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let (payload, body) = match mode {
                0 => (Payload::StreamingUnsignedTrailer, encode(&data, chunk_size, None, &trailer_refs)),
                1 => (Payload::StreamingSigned(ctx.clone()), encode(&data, chunk_size, Some(&ctx), &[])),
                _ => (
                    Payload::StreamingSignedTrailer(ctx.clone()),
                    encode(&data, chunk_size, Some(&ctx), &trailer_refs),
                ),
            };
            let expected_trailers = if mode == 1 { Vec::new() } else { trailers.clone() };

            let mut d = ChunkedDecoder::new(&payload).unwrap();
            let mut out = Vec::new();
            let mut rest = &body[..];
            for cut in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (piece, tail) = rest.split_at((*cut).min(rest.len()));
                d.feed(piece, &mut out).unwrap();
                rest = tail;
            }
            prop_assert_eq!(d.decoded_len(), data.len() as u64);
            prop_assert_eq!(d.finish().unwrap(), expected_trailers);
            prop_assert_eq!(&out, &data);

            // In a signed body, changing any byte is caught.
            if mode != 0 {
                let mut bad = body.clone();
                let i = tamper.index(bad.len());
                bad[i] ^= 0x01;
                prop_assert!(decode(&payload, &bad).is_err());
            }
        }
    }

    #[test]
    fn a_damaged_line_end_is_malformed() {
        let ctx = context("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
        let payload = Payload::StreamingSignedTrailer(ctx.clone());
        let body = encode(
            &[7u8; 300],
            136,
            Some(&ctx),
            &[("x-amz-checksum-crc32", "AAAAAA==")],
        );
        for i in 0..body.len() {
            let mut bad = body.clone();
            bad[i] ^= 1;
            assert!(
                decode(&payload, &bad).is_err(),
                "flip at {i} of {}",
                body.len()
            );
        }
    }
}
