//! Identifiers and the rules names must follow: bucket names (S3's rules),
//! object keys, snapshot names and chunk ids.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest key S3 accepts, in bytes.
pub const MAX_KEY_LEN: usize = 1024;

/// The key prefix under which a bucket's snapshots are read; keys there are
/// reserved and cannot be written.
pub const SNAPSHOT_PREFIX: &str = ".snapshots/";

/// A chunk's id: the SHA-256 of its bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChunkId(pub [u8; 32]);

impl ChunkId {
    /// Hashes `data` into its id.
    pub fn of(data: &[u8]) -> ChunkId {
        use sha2::Digest;
        ChunkId(sha2::Sha256::digest(data).into())
    }
}

impl fmt::Display for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChunkId({})", hex::encode(&self.0[..8]))
    }
}

/// Checks a bucket name against S3's rules for new buckets.
pub fn validate_bucket_name(name: &str) -> Result<()> {
    let bad = |reason| {
        Err(Error::InvalidBucketName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.len() < 3 || name.len() > 63 {
        return bad("must be 3 to 63 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return bad("may hold only lowercase letters, digits, dots and hyphens");
    }
    let first = name.as_bytes()[0];
    let last = name.as_bytes()[name.len() - 1];
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return bad("must begin and end with a letter or digit");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return bad("may not hold adjacent dots, or a dot next to a hyphen");
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return bad("may not be formatted as an IP address");
    }
    if name.starts_with("xn--") || name.starts_with("sthree-") {
        return bad("may not start with a reserved prefix");
    }
    if name.ends_with("-s3alias") || name.ends_with("--ol-s3") || name.ends_with(".mrap") {
        return bad("may not end with a reserved suffix");
    }
    Ok(())
}

/// Checks an object key: 1 to 1,024 bytes of UTF-8 without NUL.
pub fn validate_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::InvalidKey {
            reason: "a key may not be empty",
        });
    }
    if key.len() > MAX_KEY_LEN {
        return Err(Error::InvalidKey {
            reason: "a key may be at most 1024 bytes long",
        });
    }
    if key.as_bytes().contains(&0) {
        return Err(Error::InvalidKey {
            reason: "a key may not contain NUL",
        });
    }
    Ok(())
}

/// Checks a key that is about to be written: valid, and outside the reserved
/// snapshot prefix.
pub fn validate_writable_key(key: &str) -> Result<()> {
    validate_key(key)?;
    if key.starts_with(SNAPSHOT_PREFIX) || key == ".snapshots" {
        return Err(Error::InvalidKey {
            reason: "keys under .snapshots/ are reserved for snapshot views",
        });
    }
    Ok(())
}

/// Checks a snapshot name: 1 to 255 bytes of printable ASCII other than `/`,
/// and not `.` or `..`, so that it can be a directory name in the mount and a
/// key segment over S3.
pub fn validate_snapshot_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && name.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidSnapshotName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for good in ["abc", "my-bucket.data", "a1b2", "123", &"a".repeat(63)] {
            assert!(validate_bucket_name(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "Upper",
            "under_score",
            "-abc",
            "abc-",
            "a..b",
            "a.-b",
            "192.168.1.1",
            "xn--abc",
            "abc-s3alias",
            "sthree-x",
            "",
            "a b c",
        ] {
            assert!(validate_bucket_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys() {
        assert!(validate_key("a").is_ok());
        assert!(validate_key(&"k".repeat(1024)).is_ok());
        assert!(validate_key(&"k".repeat(1025)).is_err());
        assert!(validate_key("").is_err());
        assert!(validate_key("a\0b").is_err());
        assert!(validate_writable_key(".snapshots/x/y").is_err());
        assert!(validate_writable_key("x/.snapshots/y").is_ok());
    }

    #[test]
    fn snapshot_names() {
        assert!(validate_snapshot_name("2026-11-27T10:00:00Z").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", &"x".repeat(256)] {
            assert!(validate_snapshot_name(bad).is_err(), "{bad}");
        }
    }
}
