//! Tests through a real FUSE mount of a temporary store.
//!
//! One test binary with a module per area, rather than a binary per file,
//! so the tests are linked once.

#[macro_use]
mod common;

mod access;
mod apps;
mod commit;
mod edit;
mod errno;
mod history;
mod keys;
mod limits;
mod links;
mod mount;
mod owners;
mod pjdfstest;
mod times;
mod tools;
mod unlinked;
