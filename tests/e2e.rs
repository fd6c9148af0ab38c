//! End-to-end tests of the `alexander` binary: its commands, `serve` with
//! the S3 endpoint and the mount, and third-party S3 clients against it.
//!
//! One test binary with a module per area, rather than a binary per file,
//! so the tests are linked once.

mod support;

/// pjdfstest's report compared with the mount's expected results (shared
/// with `fuse/tests/pjdfstest.rs`).
#[path = "../fuse/tests/pjdfstest/check.rs"]
mod pjdfstest_check;

/// Pack damage only an end-to-end checksum catches (shared with
/// `s3/tests/mount_written.rs`).
#[path = "../s3/tests/common/damage.rs"]
mod damage;

mod cli;
mod clients;
mod lifecycle;
mod metrics;
mod remote;
mod serve;
