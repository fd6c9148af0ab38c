//! Sign, then verify: an arbitrary request (method, path, query, headers,
//! payload hash, signing time) signed by the crate's signer, with the
//! `Authorization` header or as a presigned query, must verify with the
//! same key, and must stop verifying when its signature is altered. This
//! checks that the signer and the verifier canonicalise alike, whatever
//! bytes the path, query and header values hold.

#![no_main]

use std::time::Duration;

use alexander_fuzz::{ACCESS_KEY, REGION, SECRET, lookup, now};
use alexander_s3::auth::sigv4::{
    EMPTY_SHA256, PresignRequest, STREAMING_PAYLOAD, STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    SignRequest, UNSIGNED_PAYLOAD, presign, sign_request,
};
use alexander_s3::auth::{Payload, SecretKey, verify_request};
use alexander_s3::error::S3ErrorCode;
use arbitrary::Arbitrary;
use http::{HeaderName, HeaderValue, Method, Request, Uri};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alexander_fuzz::CappedAlloc = alexander_fuzz::CappedAlloc;
use percent_encoding::percent_decode_str;

#[derive(Arbitrary, Debug)]
struct Input {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    /// Which payload hash to sign (header-signed requests).
    payload: u8,
    body_sha256: [u8; 32],
    presigned: bool,
    /// Seconds before the server's clock that the request was signed.
    age: u16,
    expires: u32,
    /// Which byte of the signature to alter, for the negative check.
    flip: u8,
}

/// Headers the signer sets itself, or that would make the request
/// something else (a second `Authorization`): the signer's callers never
/// pass them.
const RESERVED: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-content-sha256",
    "host",
];

fuzz_target!(|input: Input| {
    let Ok(method) = Method::from_bytes(input.method.as_bytes()) else {
        return;
    };
    // The URI as a client sends it; what it signs is what the server reads
    // back from it.
    let raw = if input.query.is_empty() {
        format!("/{}", input.path)
    } else {
        format!("/{}?{}", input.path, input.query)
    };
    let Ok(uri) = Uri::try_from(raw) else {
        return;
    };
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    // A query parameter named like a presigned one makes a different
    // request (refused as two auth mechanisms, or a malformed presign).
    if query.split('&').any(|p| {
        let name = p.split_once('=').map_or(p, |(n, _)| n);
        percent_decode_str(name)
            .collect::<Vec<u8>>()
            .starts_with(b"X-Amz-")
    }) {
        return;
    }
    let mut headers: Vec<(String, String)> = vec![("host".into(), "example.com".into())];
    for (name, value) in input.headers.iter().take(16) {
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            return;
        };
        if RESERVED.contains(&header.as_str()) || HeaderValue::from_str(value).is_err() {
            return;
        }
        headers.push((header.as_str().to_owned(), value.clone()));
    }
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let secret = SecretKey::new(SECRET);
    let age = u64::from(input.age) % 600;
    let time = now() - Duration::from_secs(age);
    let body_hash = hex(&input.body_sha256);

    let mut request = Request::builder()
        .method(method.clone())
        .uri(uri.clone())
        .body(())
        .unwrap();
    for (name, value) in &pairs {
        request.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let signature;
    if input.presigned {
        let expires = 600 + u64::from(input.expires) % (604_800 - 600);
        let full = presign(&PresignRequest {
            method: method.as_str(),
            path: &path,
            query: &query,
            headers: &pairs,
            access_key: ACCESS_KEY,
            secret: &secret,
            region: REGION,
            time,
            expires,
        });
        *request.uri_mut() = Uri::try_from(format!("{path}?{full}")).expect("presign's query");
        signature = full.rsplit_once("X-Amz-Signature=").unwrap().1.to_owned();
    } else {
        let payload_hash = match input.payload % 5 {
            0 => UNSIGNED_PAYLOAD,
            1 => EMPTY_SHA256,
            2 => STREAMING_PAYLOAD,
            3 => STREAMING_UNSIGNED_PAYLOAD_TRAILER,
            _ => &body_hash,
        };
        let signed = sign_request(&SignRequest {
            method: method.as_str(),
            path: &path,
            query: &query,
            headers: &pairs,
            payload_hash,
            access_key: ACCESS_KEY,
            secret: &secret,
            region: REGION,
            time,
        });
        for (name, value) in &signed.headers {
            request
                .headers_mut()
                .append(*name, HeaderValue::from_str(value).unwrap());
        }
        signature = signed.signature;
    }
    let (parts, ()) = request.into_parts();
    let auth = match verify_request(&parts, REGION, now(), &lookup) {
        Ok(Some(auth)) => auth,
        // A presigned query's `x-amz-*` parameters stand for headers: one
        // given twice, or one that cannot be a header, is refused by design
        // (`sigv4::Auth::apply`), however well it was signed.
        Err(e)
            if input.presigned
                && e.code == S3ErrorCode::InvalidArgument
                && e.fields.iter().any(|(n, _)| *n == "ArgumentName") =>
        {
            return;
        }
        other => panic!("a request signed by sign_request/presign does not verify: {other:?}"),
    };
    assert_eq!(auth.access_key, ACCESS_KEY);
    assert_eq!(auth.presigned, input.presigned);
    if !input.presigned && input.payload % 5 == 2 {
        assert!(matches!(auth.payload, Payload::StreamingSigned(_)));
    }

    // The same request with one hex digit of its signature changed.
    let at = usize::from(input.flip) % signature.len();
    let mut altered = signature.clone().into_bytes();
    altered[at] = if altered[at] == b'0' { b'1' } else { b'0' };
    let altered = String::from_utf8(altered).unwrap();
    let mut parts = parts;
    if input.presigned {
        let uri = parts.uri.to_string().replace(&signature, &altered);
        parts.uri = Uri::try_from(uri).unwrap();
    } else {
        let value = parts.headers["authorization"]
            .to_str()
            .unwrap()
            .replace(&signature, &altered);
        parts
            .headers
            .insert("authorization", HeaderValue::from_str(&value).unwrap());
    }
    assert!(
        verify_request(&parts, REGION, now(), &lookup).is_err(),
        "an altered signature verifies"
    );
});

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
