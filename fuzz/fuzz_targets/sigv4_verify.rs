//! SigV4 verification of an arbitrary request head: the `Authorization`
//! header and the presigned query are parsed, the canonical request (URI,
//! query and header canonicalisation) is built and the signature checked,
//! all from hostile input. Whatever the input, `verify_request` returns
//! an answer and never panics; a request it accepts names the one known
//! access key.
//!
//! Input: a request head in the text form of `alexander_fuzz::parse_request`
//! (`METHOD URI`, then `name:value` lines). The seeds are requests signed
//! for the fixed clock, so mutations reach the signature check.

#![no_main]

use alexander_fuzz::{ACCESS_KEY, REGION, lookup, now, parse_request};
use alexander_s3::auth::verify_request;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alexander_fuzz::CappedAlloc = alexander_fuzz::CappedAlloc;

fuzz_target!(|input: &[u8]| {
    let Some(parts) = parse_request(input) else {
        return;
    };
    if let Ok(Some(auth)) = verify_request(&parts, REGION, now(), &lookup) {
        assert_eq!(auth.access_key, ACCESS_KEY);
    }
});
