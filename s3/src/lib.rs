//! Alexander's S3 endpoint: an HTTP/1.1 server on hyper 1 that speaks the
//! S3 REST protocol (SigV4, S3 XML, S3 errors) over an
//! [`alexander_store::Store`].
//!
//! The protocol layer is ours: [`router`] turns a request into an
//! [`router::Endpoint`] named after the S3 operation, [`auth`] checks its
//! signature, and one module per operation family under `ops` runs it
//! against the store from tokio's blocking pool.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod auth;
mod body;
pub mod checksum;
mod conn;
pub mod error;
pub mod form;
pub mod iam;
pub mod lifecycle;
pub mod limit;
pub mod metrics;
pub mod ops;
pub mod router;
pub mod server;
pub mod xml;

pub use limit::RateLimit;
pub use metrics::S3Metrics;
pub use server::{
    ACCESS_LOG, ChangeHook, ClientAddr, Limits, MetricsEndpoint, READY_DEADLINE, ReadyCheck,
    S3Config, S3Service, serve,
};

/// The bucket settings naming a bucket's owner and holding its canned ACL:
/// the store keeps the access rule the mount shares
/// ([`alexander_store::access`]).
pub use alexander_store::access::{ACL_SETTING, OWNER_SETTING};
