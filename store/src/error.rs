//! Errors of the store.
//!
//! Variants split into two families, as mountpoint-s3 splits client errors
//! from service errors: the caller's mistakes (a bad name, a missing key, a
//! failed precondition), which leave stored data untouched and map onto an S3
//! error code or an errno, and faults of the store itself (I/O, the metadata
//! engine, a chunk that does not verify). [`Error::is_client_error`] tells
//! them apart.

use std::io;

use crate::ChunkId;

/// Result alias used throughout the store.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid bucket name {name:?}: {reason}")]
    InvalidBucketName { name: String, reason: &'static str },
    #[error("invalid key: {reason}")]
    InvalidKey { reason: &'static str },
    /// A key the mount could not show as a path, refused by a bucket that
    /// keeps the path rule; `reason` names the offending component.
    #[error("key {key:?} cannot be a path: {reason}")]
    KeyNotPath { key: String, reason: String },
    /// A key that would make one name both a file and a directory, refused
    /// by a bucket that keeps the path rule. `existing` is the current key
    /// in the way: an object above `key` (`ancestor`), or a key under
    /// `key/`.
    #[error("{}", conflict_message(key, existing, *ancestor))]
    KeyConflict {
        key: String,
        existing: String,
        ancestor: bool,
    },
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("no such bucket {0:?}")]
    NoSuchBucket(String),
    #[error("bucket {0:?} already exists")]
    BucketAlreadyExists(String),
    #[error("bucket {0:?} is not empty")]
    BucketNotEmpty(String),
    /// The key has no current object. `delete_marker` is the version id of a
    /// delete marker when one is what the key's newest version is.
    #[error("no such key {key:?}")]
    NoSuchKey {
        key: String,
        delete_marker: Option<String>,
    },
    #[error("no such version {version_id:?} of key {key:?}")]
    NoSuchVersion { key: String, version_id: String },
    /// A specific version was asked for, and it is a delete marker: S3
    /// answers `405 MethodNotAllowed` here.
    #[error("version {version_id:?} of {key:?} is a delete marker")]
    VersionIsDeleteMarker { key: String, version_id: String },
    /// The requested range starts beyond the object's end.
    #[error("range not satisfiable for an object of {size} bytes")]
    InvalidRange { size: u64 },
    #[error("no such upload {0:?}")]
    NoSuchUpload(String),
    #[error("part {part_number} is missing or its ETag does not match")]
    InvalidPart { part_number: u32 },
    #[error("parts must be listed in ascending order")]
    InvalidPartOrder,
    #[error("part {part_number} is smaller than the minimum part size")]
    EntityTooSmall { part_number: u32 },
    #[error("precondition failed")]
    PreconditionFailed,
    /// A conditional write whose condition held when it began, and no
    /// longer did when it committed: another write to the key came in
    /// between (S3's `409 ConditionalRequestConflict`).
    #[error("a write to the key came in while the conditional write ran")]
    ConditionalConflict,
    /// The target of a no-replace rename already exists.
    #[error("{0:?} already exists")]
    AlreadyExists(String),
    #[error("no such snapshot {0:?}")]
    NoSuchSnapshot(String),
    #[error("snapshot {0:?} already exists")]
    SnapshotAlreadyExists(String),
    #[error("invalid snapshot name {0:?}")]
    InvalidSnapshotName(String),
    /// The bucket is versioned; it can be suspended but never unversioned.
    #[error("a versioned bucket can only be suspended, not unversioned")]
    InvalidVersioningTransition,

    /// A chunk's bytes do not match its id, or its record is damaged.
    #[error("chunk {chunk} is corrupt: {detail}")]
    Corrupt { chunk: ChunkId, detail: String },
    /// A metadata record that does not decode.
    #[error("metadata record is damaged: {0}")]
    BadRecord(String),
    /// A reference to a chunk the index does not hold.
    #[error("chunk {0} is missing from the index")]
    MissingChunk(ChunkId),
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    #[error("metadata engine error: {0}")]
    Db(#[from] redb::Error),
    /// Another process has the store open.
    #[error("the store is in use by another process (only one can open it at a time)")]
    InUse,
}

/// redb's errors of each kind of call are the metadata engine's errors.
macro_rules! engine_errors {
    ($($kind:ty),*) => {$(
        impl From<$kind> for Error {
            fn from(e: $kind) -> Error {
                Error::Db(e.into())
            }
        }
    )*};
}

engine_errors!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

fn conflict_message(key: &str, existing: &str, ancestor: bool) -> String {
    if ancestor {
        format!(
            "key {key:?} cannot be written: {existing:?} is an object, so it cannot also be a directory"
        )
    } else {
        format!(
            "key {key:?} cannot be written: keys under \"{key}/\" exist (such as {existing:?}), so it cannot also be an object"
        )
    }
}

impl Error {
    /// True for errors caused by the request rather than by the store: they
    /// changed nothing and need no operator.
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            Error::Corrupt { .. }
                | Error::BadRecord(_)
                | Error::MissingChunk(_)
                | Error::Io(_)
                | Error::Db(_)
                | Error::InUse
        )
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        match e {
            Error::Io(e) => e,
            other => io::Error::other(other),
        }
    }
}
