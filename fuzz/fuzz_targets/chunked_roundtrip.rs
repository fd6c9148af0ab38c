//! `chunked::encode` then `ChunkedDecoder`: any payload, in chunks of any
//! size, signed (with or without signed trailers) or unsigned with
//! trailers, decodes back to exactly the payload and trailers that were
//! encoded, however the encoded body is cut on its way in.

#![no_main]

use alexander_fuzz::{split_at_cuts, streaming_context};
use alexander_s3::auth::chunked::{self, MAX_TRAILERS};
use alexander_s3::auth::{ChunkedDecoder, Payload};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alexander_fuzz::CappedAlloc = alexander_fuzz::CappedAlloc;

#[derive(Arbitrary, Debug)]
struct Input {
    data: Vec<u8>,
    chunk_size: u16,
    framing: u8,
    trailers: Vec<(String, String)>,
    cuts: Vec<u16>,
}

/// A trailer as a client writes one: a lowercase token name, and a value of
/// visible ASCII and inner spaces (the decoder trims the ends).
fn sane_trailer(name: &str, value: &str) -> bool {
    !name.is_empty()
        && name != "x-amz-trailer-signature"
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        && value.trim() == value
        && name.len() + value.len() < 1000
}

fuzz_target!(|input: Input| {
    let context = streaming_context();
    let chunk_size = usize::from(input.chunk_size.max(1));
    let mut trailers: Vec<(&str, &str)> = input
        .trailers
        .iter()
        .filter(|(n, v)| sane_trailer(n, v))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .take(MAX_TRAILERS)
        .collect();
    let (payload, signing) = match input.framing % 3 {
        0 => {
            trailers.clear();
            (Payload::StreamingSigned(context.clone()), Some(&context))
        }
        1 => (
            Payload::StreamingSignedTrailer(context.clone()),
            Some(&context),
        ),
        _ => (Payload::StreamingUnsignedTrailer, None),
    };
    let body = chunked::encode(&input.data, chunk_size, signing, &trailers);

    let mut decoder = ChunkedDecoder::new(&payload).expect("a chunked payload");
    let mut out = Vec::new();
    for piece in split_at_cuts(&body, &input.cuts) {
        decoder
            .feed(piece, &mut out)
            .unwrap_or_else(|e| panic!("an encoded body does not decode: {e:?}"));
    }
    assert_eq!(decoder.decoded_len(), input.data.len() as u64);
    let decoded_trailers = decoder
        .finish()
        .unwrap_or_else(|e| panic!("an encoded body does not finish: {e:?}"));
    assert_eq!(out, input.data);
    let expected: Vec<(String, String)> = trailers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(decoded_trailers, expected);
});
