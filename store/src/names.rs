//! Identifiers and the rules names must follow: bucket names (S3's rules),
//! object keys, snapshot names and chunk ids.
//!
//! Keys have two rules. Every key follows S3's own (1 to 1,024 bytes of
//! UTF-8, no NUL). A bucket that keeps the path rule (every bucket, unless
//! an administrator turns it off; see [`KEY_RULE_SETTING`]) also takes only
//! keys the mount can show as a path: [`check_path_key`] here for the key's
//! shape, and the store's commit for a key that would be both a file and a
//! directory.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest key S3 accepts, in bytes.
pub const MAX_KEY_LEN: usize = 1024;

/// The reason [`Error::InvalidKey`] gives for a key over [`MAX_KEY_LEN`]
/// (the mount answers it with `ENAMETOOLONG`).
pub const KEY_TOO_LONG: &str = "a key may be at most 1024 bytes long";

/// The key prefix under which a bucket's snapshots are read; keys there are
/// reserved and cannot be written.
pub const SNAPSHOT_PREFIX: &str = ".snapshots/";

/// Longest name of one path component, in bytes: the mount's `NAME_MAX`.
pub const MAX_COMPONENT_LEN: usize = 255;

/// The bucket setting that turns the path rule off: with the value
/// [`ANY_KEYS`], the bucket takes any key S3 takes, and the mount does not
/// show it. Without the setting the rule holds.
pub const KEY_RULE_SETTING: &str = "key-rule";

/// The value of [`KEY_RULE_SETTING`] that turns the path rule off.
pub const ANY_KEYS: &str = "any";

/// The history folder the mount keeps in every directory.
const VERSIONS_NAME: &str = ".versions";
/// The snapshot folder the mount keeps at each bucket's root.
const SNAPSHOTS_NAME: &str = ".snapshots";

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
            reason: KEY_TOO_LONG,
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

/// Checks that `key` can be a path in the mount: split at `/` (a single
/// trailing `/` marks a directory), every component must be a name a
/// directory can hold, which leaves out empty components (a leading `/`,
/// `//`), `.` and `..`, names over 255 bytes, and the names the mount
/// reserves for its history folders (`.versions` in any directory,
/// `.snapshots` at the bucket's root). S3's own rules (length, NUL) are
/// [`validate_key`]'s.
///
/// Whether the key would also be a file and a directory at once depends
/// on the other keys, so the store checks that when it commits.
pub fn check_path_key(key: &str) -> Result<()> {
    validate_key(key)?;
    let refuse = |reason: String| {
        Err(Error::KeyNotPath {
            key: key.to_owned(),
            reason,
        })
    };
    let path = key.strip_suffix('/').unwrap_or(key);
    for (i, part) in path.split('/').enumerate() {
        match part {
            "" if i == 0 => {
                return refuse("it begins with \"/\", an empty path component".to_owned());
            }
            "" => return refuse("it holds \"//\", an empty path component".to_owned()),
            "." | ".." => return refuse(format!("it holds a {part:?} path component")),
            VERSIONS_NAME => {
                return refuse(format!(
                    "the component {VERSIONS_NAME:?} is reserved for the mount's version folders"
                ));
            }
            SNAPSHOTS_NAME if i == 0 => {
                return refuse(format!(
                    "the component {SNAPSHOTS_NAME:?} is reserved for snapshot views"
                ));
            }
            _ if part.len() > MAX_COMPONENT_LEN => {
                let start: String = part.chars().take(16).collect();
                return refuse(format!(
                    "the component {start:?}\u{2026} is {} bytes long, more than {MAX_COMPONENT_LEN}",
                    part.len()
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether a bucket's settings keep the path rule (the default).
pub fn keeps_path_rule(settings: &std::collections::BTreeMap<String, String>) -> bool {
    settings.get(KEY_RULE_SETTING).map(String::as_str) != Some(ANY_KEYS)
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
    fn keys_that_cannot_be_paths_are_refused_naming_the_component() {
        let long = "x".repeat(256);
        for (key, names) in [
            ("/lead", "begins with \"/\""),
            ("/", "begins with \"/\""),
            ("a//b", "\"//\""),
            ("a//", "\"//\""),
            ("a/", ""),
            (".", "\".\""),
            ("..", "\"..\""),
            ("a/../b", "\"..\""),
            ("a/./", "\".\""),
            ("./a", "\".\""),
            (".versions", ".versions"),
            ("a/.versions/b", ".versions"),
            ("a/.versions/", ".versions"),
            (".snapshots/x", ".snapshots"),
            (".snapshots/", ".snapshots"),
            (&format!("a/{long}/b"), "256 bytes"),
            ("a\0b", "NUL"),
        ] {
            let refused = check_path_key(key).err();
            if names.is_empty() {
                assert!(refused.is_none(), "{key:?}: {refused:?}");
                continue;
            }
            let message = refused
                .unwrap_or_else(|| panic!("{key:?} accepted"))
                .to_string();
            assert!(message.contains(names), "{key:?}: {message}");
        }
    }

    #[test]
    fn keys_the_mount_makes_are_accepted() {
        let longest = "y".repeat(MAX_COMPONENT_LEN);
        for key in [
            "a",
            "d/",
            "a/b/c",
            "a/b/c/",
            ".bashrc",
            "dir/.profile",
            "..foo",
            "...",
            "a/.../b",
            "name with spaces",
            "100%/%2F",
            "ünïcødé/日本語/🦀",
            "x/.snapshots/y",
            ".versionsx/.snapshotsx",
            "a/.versions.old",
            longest.as_str(),
        ] {
            assert!(check_path_key(key).is_ok(), "{key:?}");
        }
    }

    #[test]
    fn the_rule_is_on_unless_a_bucket_turns_it_off() {
        let mut settings = std::collections::BTreeMap::new();
        assert!(keeps_path_rule(&settings));
        settings.insert(KEY_RULE_SETTING.to_owned(), ANY_KEYS.to_owned());
        assert!(!keeps_path_rule(&settings));
        settings.insert(KEY_RULE_SETTING.to_owned(), "something else".to_owned());
        assert!(keeps_path_rule(&settings));
    }

    mod path_keys {
        use super::super::*;
        use proptest::prelude::*;

        /// A name the mount lets `create` or `mkdir` make: 1 to 255 bytes
        /// without `/` or NUL, not `.`, `..`, nor a history folder's name
        /// (`.snapshots` is left out everywhere; the mount allows it below
        /// the root, which the table test covers).
        fn name() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => "[^/\u{0}]{1,12}",
                2 => "\\.{1,4}[a-z]{0,3}",
                1 => "[a-z]{250,255}",
            ]
            .prop_filter("a name the mount refuses or keeps for itself", |n| {
                n.len() <= MAX_COMPONENT_LEN
                    && !matches!(n.as_str(), "." | ".." | VERSIONS_NAME | SNAPSHOTS_NAME)
            })
        }

        /// Something that can never be one component of a path.
        fn bad_name() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(String::new()),
                Just(".".to_owned()),
                Just("..".to_owned()),
                Just(VERSIONS_NAME.to_owned()),
                "[a-z]{256,300}",
            ]
        }

        fn key_of(parts: &[String], marker: bool) -> String {
            let mut key = parts.join("/");
            if marker {
                key.push('/');
            }
            key
        }

        proptest! {
            #[test]
            fn paths_the_mount_can_make_are_accepted(
                parts in prop::collection::vec(name(), 1..4),
                marker in any::<bool>(),
            ) {
                let key = key_of(&parts, marker);
                prop_assume!(key.len() <= MAX_KEY_LEN);
                prop_assert!(check_path_key(&key).is_ok(), "{:?}", key);
            }

            #[test]
            fn a_bad_component_anywhere_is_refused(
                parts in prop::collection::vec(name(), 0..3),
                bad in bad_name(),
                at in any::<prop::sample::Index>(),
                marker in any::<bool>(),
            ) {
                let at = at.index(parts.len() + 1);
                let mut parts = parts;
                parts.insert(at, bad.clone());
                // An empty last component is what a directory marker's
                // trailing slash leaves: a second slash makes it a bad one.
                let marker = marker || bad.is_empty() && at + 1 == parts.len();
                let key = key_of(&parts, marker);
                let refused = check_path_key(&key);
                prop_assert!(refused.is_err(), "{:?} accepted", key);
                if key.len() <= MAX_KEY_LEN {
                    let is_path_error = matches!(refused, Err(Error::KeyNotPath { .. }));
                    prop_assert!(is_path_error, "{:?}: {:?}", key, refused);
                }
            }

            #[test]
            fn snapshots_is_refused_only_at_the_root(
                parts in prop::collection::vec(name(), 1..3),
            ) {
                let mut at_root = vec![SNAPSHOTS_NAME.to_owned()];
                at_root.extend(parts.iter().cloned());
                prop_assert!(check_path_key(&key_of(&at_root, false)).is_err());
                let mut below = parts;
                below.push(SNAPSHOTS_NAME.to_owned());
                let key = key_of(&below, false);
                prop_assume!(key.len() <= MAX_KEY_LEN);
                prop_assert!(check_path_key(&key).is_ok(), "{:?}", key);
            }
        }
    }

    #[test]
    fn snapshot_names() {
        assert!(validate_snapshot_name("2026-11-27T10:00:00Z").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", &"x".repeat(256)] {
            assert!(validate_snapshot_name(bad).is_err(), "{bad}");
        }
    }
}
