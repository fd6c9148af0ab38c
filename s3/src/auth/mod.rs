//! Authentication of S3 requests.
//!
//! - [`sigv4`] checks a request's AWS Signature Version 4 (header or
//!   presigned query) and says how its body is protected;
//! - [`chunked`] decodes `aws-chunked` bodies and checks their chained chunk
//!   signatures and trailers;
//! - [`secret`] holds secret keys so that they never reach a log.
//!
//! The usual flow: [`verify_request`] on the request head; `None` means
//! anonymous (the bucket's ACL decides, see [`sigv4::anonymous_payload`]);
//! then, for the body, [`ChunkedDecoder::new`] when
//! [`Payload::is_chunked`], or [`Payload::content_sha256`] for a promised
//! hash.

pub mod chunked;
pub mod secret;
pub mod sigv4;

pub use chunked::{ChunkedDecoder, Trailers};
pub use secret::SecretKey;
pub use sigv4::{Auth, Payload, verify_request};
