//! Errors of the filesystem core and the errno each one becomes.
//!
//! As in mountpoint-s3's `fs/error.rs`, every error knows its errno through
//! [`ToErrno`], implemented with exhaustive matches, so that a new store
//! error cannot silently turn into a wrong errno. Errors that mean "the store
//! is broken" (I/O, a corrupt chunk) become `EIO` and are logged at `error`;
//! the caller's mistakes are logged at `debug`.

use alexander_store::Error as StoreError;

/// Result alias of the filesystem core.
pub type Result<T, E = FsError> = std::result::Result<T, E>;

/// Everything a filesystem operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("no such file or directory")]
    NotFound,
    #[error("file exists")]
    Exists,
    #[error("directory not empty")]
    NotEmpty,
    #[error("not a directory")]
    NotDir,
    #[error("is a directory")]
    IsDir,
    #[error("name too long")]
    NameTooLong,
    /// Store keys are UTF-8; a name that is not cannot be stored.
    #[error("name is not valid UTF-8")]
    IllegalName,
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// Renames across buckets: each bucket is its own namespace.
    #[error("cross-bucket rename")]
    CrossDevice,
    /// Not done yet (or not doable) on this filesystem; the message says
    /// which case.
    #[error("operation not supported: {0}")]
    NotSupported(&'static str),
    /// A write through this handle failed before (with this errno): the
    /// handle takes no more, and says why again.
    #[error("an earlier write through this handle failed (errno {0})")]
    EarlierWrite(i32),
    #[error("operation not permitted: {0}")]
    NotPermitted(&'static str),
    #[error("read-only file system")]
    ReadOnly,
    /// The mount's S3 user may see the bucket but not do this to it: only
    /// read is granted (a write), or it is not the owner (the bucket's own
    /// settings, its snapshots, its deletion).
    #[error("permission denied: {0}")]
    AccessDenied(&'static str),
    #[error("no such open handle")]
    BadHandle,
    #[error("no such extended attribute")]
    NoAttr,
    /// An extended attribute's name is too long.
    #[error("extended attribute name too long")]
    AttrRange,
    #[error("extended attribute value too large")]
    AttrTooBig,
    /// No room: for a file's extended attributes, or for the bytes a
    /// `fallocate` asks for.
    #[error("no space left on device")]
    NoSpace,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An error's errno, the value a FUSE reply carries.
pub trait ToErrno {
    fn to_errno(&self) -> i32;
}

impl ToErrno for FsError {
    fn to_errno(&self) -> i32 {
        match self {
            FsError::NotFound => libc::ENOENT,
            FsError::Exists => libc::EEXIST,
            FsError::NotEmpty => libc::ENOTEMPTY,
            FsError::NotDir => libc::ENOTDIR,
            FsError::IsDir => libc::EISDIR,
            FsError::NameTooLong => libc::ENAMETOOLONG,
            FsError::IllegalName => libc::EILSEQ,
            FsError::Invalid(_) => libc::EINVAL,
            FsError::CrossDevice => libc::EXDEV,
            FsError::NotSupported(_) => libc::EOPNOTSUPP,
            FsError::NotPermitted(_) => libc::EPERM,
            FsError::EarlierWrite(errno) => *errno,
            FsError::ReadOnly => libc::EROFS,
            FsError::AccessDenied(_) => libc::EACCES,
            FsError::BadHandle => libc::EBADF,
            FsError::NoAttr => libc::ENODATA,
            FsError::AttrRange => libc::ERANGE,
            FsError::AttrTooBig => libc::E2BIG,
            FsError::NoSpace => libc::ENOSPC,
            FsError::Store(e) => e.to_errno(),
        }
    }
}

impl ToErrno for StoreError {
    fn to_errno(&self) -> i32 {
        match self {
            StoreError::InvalidBucketName { .. } => libc::EINVAL,
            // A rename of a directory that would take an entry's key past
            // S3's length: the name is too long where it would go.
            StoreError::InvalidKey { reason } if *reason == alexander_store::KEY_TOO_LONG => {
                libc::ENAMETOOLONG
            }
            StoreError::InvalidKey { .. } => libc::EINVAL,
            StoreError::InvalidArgument(_) => libc::EINVAL,
            StoreError::KeyNotPath { .. } => libc::EINVAL,
            // Found only when a change over S3 raced the mount's own check:
            // the name above is a file, or the name is a directory.
            StoreError::KeyConflict { ancestor, .. } => {
                if *ancestor {
                    libc::ENOTDIR
                } else {
                    libc::EISDIR
                }
            }
            StoreError::NoSuchBucket(_) => libc::ENOENT,
            StoreError::BucketAlreadyExists(_) => libc::EEXIST,
            StoreError::BucketNotEmpty(_) => libc::ENOTEMPTY,
            StoreError::NoSuchKey { .. } => libc::ENOENT,
            StoreError::NoSuchVersion { .. } => libc::ENOENT,
            StoreError::VersionIsDeleteMarker { .. } => libc::ENOENT,
            // A read past the end is answered with no bytes before it gets
            // here; should it still arrive, it is the caller's bad offset.
            StoreError::InvalidRange { .. } => libc::EINVAL,
            StoreError::NoSuchUpload(_) => libc::ENOENT,
            StoreError::InvalidPart { .. } => libc::EINVAL,
            StoreError::InvalidPartOrder => libc::EINVAL,
            StoreError::EntityTooSmall { .. } => libc::EINVAL,
            // A condition the mount set (create without replace) failed.
            StoreError::PreconditionFailed => libc::EEXIST,
            // The mount sets no condition that can race so; should one,
            // the name changed under it.
            StoreError::ConditionalConflict => libc::EEXIST,
            StoreError::AlreadyExists(_) => libc::EEXIST,
            StoreError::NoSuchSnapshot(_) => libc::ENOENT,
            StoreError::SnapshotAlreadyExists(_) => libc::EEXIST,
            StoreError::InvalidSnapshotName(_) => libc::EINVAL,
            StoreError::InvalidVersioningTransition => libc::EINVAL,
            StoreError::Corrupt { .. } => libc::EIO,
            StoreError::BadRecord(_) => libc::EIO,
            StoreError::MissingChunk(_) => libc::EIO,
            StoreError::Io(e) => e.raw_os_error().unwrap_or(libc::EIO),
            StoreError::Db(_) | StoreError::InUse => libc::EIO,
        }
    }
}

impl FsError {
    /// Whether the error points at a fault of the store (worth an operator's
    /// attention) rather than at the request.
    pub fn is_fault(&self) -> bool {
        matches!(self, FsError::Store(e) if !e.is_client_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_linux_errnos() {
        let cases: Vec<(FsError, i32)> = vec![
            (
                StoreError::NoSuchKey {
                    key: "k".into(),
                    delete_marker: None,
                }
                .into(),
                libc::ENOENT,
            ),
            (
                StoreError::BucketNotEmpty("b".into()).into(),
                libc::ENOTEMPTY,
            ),
            (StoreError::AlreadyExists("k".into()).into(), libc::EEXIST),
            (
                StoreError::BucketAlreadyExists("b".into()).into(),
                libc::EEXIST,
            ),
            (StoreError::InvalidKey { reason: "x" }.into(), libc::EINVAL),
            (
                StoreError::InvalidKey {
                    reason: alexander_store::KEY_TOO_LONG,
                }
                .into(),
                libc::ENAMETOOLONG,
            ),
            (
                StoreError::KeyNotPath {
                    key: "a//b".into(),
                    reason: "x".into(),
                }
                .into(),
                libc::EINVAL,
            ),
            (
                StoreError::KeyConflict {
                    key: "a/b".into(),
                    existing: "a".into(),
                    ancestor: true,
                }
                .into(),
                libc::ENOTDIR,
            ),
            (
                StoreError::KeyConflict {
                    key: "a".into(),
                    existing: "a/b".into(),
                    ancestor: false,
                }
                .into(),
                libc::EISDIR,
            ),
            (
                StoreError::Io(std::io::Error::from_raw_os_error(libc::ENOSPC)).into(),
                libc::ENOSPC,
            ),
            (FsError::NameTooLong, libc::ENAMETOOLONG),
            (FsError::IllegalName, libc::EILSEQ),
            (FsError::CrossDevice, libc::EXDEV),
            (FsError::NoAttr, libc::ENODATA),
            (FsError::AttrTooBig, libc::E2BIG),
        ];
        for (err, errno) in cases {
            assert_eq!(err.to_errno(), errno, "{err}");
        }
        assert!(FsError::from(StoreError::BadRecord("x".into())).is_fault());
        assert!(!FsError::NotFound.is_fault());
    }
}
