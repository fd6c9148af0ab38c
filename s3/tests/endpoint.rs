//! End-to-end tests of the S3 endpoint: a real server on a free loopback
//! port, driven by aws-sdk-s3 and by hand-made requests.
//!
//! One test binary with a module per area, rather than a binary per file:
//! each binary links the whole SDK, and seven of them cost minutes of
//! linking and gigabytes of disk for nothing.

mod common;

mod attacks;
mod attributes;
mod buckets;
mod checksums;

mod conditional;
mod config;
mod gaps;
mod hostile;
mod keys;
mod listing;
mod mount_written;
mod multipart;
mod object_acl;
mod objects;
mod post;
mod slow;
mod smoke;
mod starve;
