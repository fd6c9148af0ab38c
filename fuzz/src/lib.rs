//! What Alexander's fuzz targets share: the fixed credentials and clock the
//! SigV4 targets verify against, the text form of a request head that the
//! request targets read (and the seed generator writes), and the cutting of
//! an input into pieces for the decoders that must not care how their
//! input was split; and [`CappedAlloc`], the allocator every target runs
//! with, which turns an allocation no input of fuzzing size can justify
//! into a crash.
//!
//! The targets live in `fuzz_targets/`, one file each; `src/bin/seeds.rs`
//! writes their seed corpora from real requests, bodies and records.

use std::alloc::{GlobalAlloc, Layout, System};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alexander_s3::auth::SecretKey;
use alexander_s3::auth::sigv4::{SigningKey, StreamingContext};
use http::request::Parts;
use http::{HeaderName, HeaderValue, Method, Request, Uri};

/// The one access key the SigV4 targets know.
pub const ACCESS_KEY: &str = "AKIAFUZZEXAMPLE";
/// Its secret.
pub const SECRET: &str = "fuzz/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// The server's region.
pub const REGION: &str = "us-east-1";
/// The server's clock in every SigV4 target, `20130524T000000Z`: seeds are
/// signed at this time, so that a mutated seed gets past the clock-skew
/// check and reaches the signature.
pub const NOW_SECS: u64 = 1_369_353_600;
/// The date part of [`NOW_SECS`], for credential scopes.
pub const DATE: &str = "20130524";
/// The seed signature of the chunked bodies the decoder targets check.
pub const SEED_SIGNATURE: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

/// The server's fixed clock.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

/// The key lookup of the SigV4 targets: [`ACCESS_KEY`] and nothing else.
pub fn lookup(access_key: &str) -> Option<SecretKey> {
    (access_key == ACCESS_KEY).then(|| SecretKey::new(SECRET))
}

/// The streaming context a request signed with [`ACCESS_KEY`] at [`now`]
/// hands to the `aws-chunked` decoder.
pub fn streaming_context() -> StreamingContext {
    StreamingContext {
        seed_signature: SEED_SIGNATURE.to_owned(),
        signing_key: SigningKey::derive(&SecretKey::new(SECRET), DATE, REGION, "s3"),
        scope: format!("{DATE}/{REGION}/s3/aws4_request"),
        amz_date: format!("{DATE}T000000Z"),
    }
}

/// Reads a request head in the targets' text form: `METHOD URI` on the
/// first line, then `name:value` lines, up to an empty line or the end.
/// `None` when the method or URI is not one hyper would accept; a header
/// line hyper would refuse is skipped, so that the rest of the input still
/// counts.
pub fn parse_request(input: &[u8]) -> Option<Parts> {
    let mut lines = input.split(|&b| b == b'\n');
    let first = lines.next()?;
    let space = first.iter().position(|&b| b == b' ')?;
    let method = Method::from_bytes(&first[..space]).ok()?;
    let uri = Uri::try_from(&first[space + 1..]).ok()?;
    let mut request = Request::builder().method(method).uri(uri).body(()).ok()?;
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(&line[colon + 1..]),
        ) else {
            continue;
        };
        request.headers_mut().append(name, value);
    }
    Some(request.into_parts().0)
}

/// Writes a request head in the form [`parse_request`] reads.
pub fn render_request(method: &str, uri: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("{method} {uri}\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}:{value}\n").as_bytes());
    }
    out
}

/// Cuts `data` into pieces at the positions `cuts` names (each taken modulo
/// the length; repeats and order do not matter), as a connection might
/// deliver it.
pub fn split_at_cuts<'a>(data: &'a [u8], cuts: &[u16]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts
        .iter()
        .map(|&c| usize::from(c) % (data.len() + 1))
        .collect();
    at.push(0);
    at.push(data.len());
    at.sort_unstable();
    at.dedup();
    at.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

/// The largest single allocation a target may make. Inputs are a few KiB;
/// anything near this size was sized from a length field in the input, not
/// from the input itself: the "allocates without bound" bug that a length
/// read off disk or off the wire can cause. (libFuzzer's own malloc limit
/// needs a sanitizer's allocator hooks; the targets run without one.)
pub const MAX_ALLOCATION: usize = 64 << 20;

/// The system allocator, aborting (which libFuzzer reports as a crash and
/// saves the input for) on a request over [`MAX_ALLOCATION`]. Each target
/// installs it with `#[global_allocator]`.
pub struct CappedAlloc;

fn too_large(layout: Layout) -> ! {
    // Formatting here may allocate, but only a little: well under the cap.
    eprintln!(
        "allocation of {} bytes exceeds the fuzzing cap of {MAX_ALLOCATION}",
        layout.size()
    );
    std::process::abort()
}

// SAFETY: every call is passed unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the only addition is an abort before a call.
unsafe impl GlobalAlloc for CappedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            too_large(layout);
        }
        // SAFETY: the caller's layout is passed through as it came.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            too_large(layout);
        }
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOCATION {
            too_large(layout);
        }
        // SAFETY: `ptr` came from `System` with `layout`; the caller
        // guarantees `new_size` is valid for it.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
