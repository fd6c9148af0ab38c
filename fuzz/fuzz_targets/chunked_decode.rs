//! The `aws-chunked` decoder on hostile bodies, in its three framings
//! (signed, signed with trailers, unsigned with trailers). The body is
//! decoded three ways: in one piece, cut at positions taken from the input,
//! and one byte at a time. The outcome must not depend on the cuts: the
//! same payload, trailers and decoded length, or the same error code.
//!
//! Input: a framing byte, a count byte `n` (taken modulo 9), `n` cut
//! positions (u16, little-endian), then the body. Seeds are bodies made by
//! `chunked::encode` with the fixed streaming context.

#![no_main]

use alexander_fuzz::{split_at_cuts, streaming_context};
use alexander_s3::auth::{ChunkedDecoder, Payload, Trailers};
use alexander_s3::error::S3ErrorCode;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alexander_fuzz::CappedAlloc = alexander_fuzz::CappedAlloc;

type Outcome = Result<(Vec<u8>, Trailers, u64), S3ErrorCode>;

fn decode<'a>(payload: &Payload, pieces: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut decoder = ChunkedDecoder::new(payload).expect("a chunked payload");
    let mut out = Vec::new();
    for piece in pieces {
        decoder.feed(piece, &mut out).map_err(|e| e.code)?;
        assert_eq!(decoder.decoded_len(), out.len() as u64);
    }
    let len = decoder.decoded_len();
    let trailers = decoder.finish().map_err(|e| e.code)?;
    Ok((out, trailers, len))
}

fuzz_target!(|input: &[u8]| {
    let Some((&framing, rest)) = input.split_first() else {
        return;
    };
    let Some((&count, rest)) = rest.split_first() else {
        return;
    };
    let count = usize::from(count % 9);
    if rest.len() < 2 * count {
        return;
    }
    let (cuts, body) = rest.split_at(2 * count);
    let cuts: Vec<u16> = cuts
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let payload = match framing % 3 {
        0 => Payload::StreamingSigned(streaming_context()),
        1 => Payload::StreamingSignedTrailer(streaming_context()),
        _ => Payload::StreamingUnsignedTrailer,
    };

    let whole = decode(&payload, [body]);
    let cut = decode(&payload, split_at_cuts(body, &cuts));
    assert_eq!(whole, cut, "the outcome depends on where the body was cut");
    let bytewise = decode(&payload, body.chunks(1));
    assert_eq!(whole, bytewise, "the outcome differs when fed byte by byte");
    if let Ok((out, trailers, _)) = &whole {
        assert!(out.len() <= body.len());
        assert!(trailers.len() <= alexander_s3::auth::chunked::MAX_TRAILERS);
    }
});
