//! Who may do what to a bucket: the one copy of the rule that the S3
//! endpoint and the FUSE mount both apply, so that a bucket private over S3
//! is private in the mount too.
//!
//! A bucket belongs to the user named by its [`OWNER_SETTING`] (root when
//! it has none: buckets made through the command line or by root). Root may
//! do everything; the owner may do everything to its bucket; anyone else,
//! anonymous callers included, gets what the bucket's canned ACL
//! ([`ACL_SETTING`], `private` when absent) grants all users:
//!
//! | ACL                 | read (get, list) | write (put, delete) | owner (settings, snapshots, delete the bucket) |
//! |---------------------|------------------|---------------------|------------------------------------------------|
//! | `private`           | no               | no                  | no                                             |
//! | `public-read`       | yes              | no                  | no                                             |
//! | `public-read-write` | yes              | yes                 | no                                             |
//!
//! An ACL value this rule does not know grants nothing (it fails closed).

use std::collections::BTreeMap;

/// The bucket setting naming the user that owns a bucket.
pub const OWNER_SETTING: &str = "owner";
/// The bucket setting holding its canned ACL.
pub const ACL_SETTING: &str = "acl";
/// The user that may do everything, and owns buckets that name no owner.
pub const ROOT_USER: &str = "root";

/// What a caller may do to a bucket, from least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Read objects and list them.
    Read,
    /// Write and delete objects.
    Write,
    /// Change the bucket itself (its settings, its snapshots, its
    /// deletion): only its owner (and root).
    Owner,
}

/// The user owning a bucket with these settings: its owner setting, or
/// root when none is set.
pub fn bucket_owner(settings: &BTreeMap<String, String>) -> &str {
    settings
        .get(OWNER_SETTING)
        .map_or(ROOT_USER, String::as_str)
}

/// The canned ACL of a bucket with these settings (`private` when none was
/// set).
pub fn bucket_acl(settings: &BTreeMap<String, String>) -> &str {
    settings.get(ACL_SETTING).map_or("private", String::as_str)
}

/// Whether `user` (`None`: an anonymous caller) may have `access` to a
/// bucket with these settings.
pub fn allows(settings: &BTreeMap<String, String>, user: Option<&str>, access: Access) -> bool {
    if user == Some(ROOT_USER) || user.is_some() && user == Some(bucket_owner(settings)) {
        return true;
    }
    let acl = bucket_acl(settings);
    match access {
        Access::Read => acl == "public-read" || acl == "public-read-write",
        Access::Write => acl == "public-read-write",
        Access::Owner => false,
    }
}

/// The most a caller may do to a bucket: `None` when it may not even read
/// it.
pub fn granted(settings: &BTreeMap<String, String>, user: Option<&str>) -> Option<Access> {
    [Access::Owner, Access::Write, Access::Read]
        .into_iter()
        .find(|&a| allows(settings, user, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(owner: Option<&str>, acl: Option<&str>) -> BTreeMap<String, String> {
        let mut s = BTreeMap::new();
        if let Some(o) = owner {
            s.insert(OWNER_SETTING.to_owned(), o.to_owned());
        }
        if let Some(a) = acl {
            s.insert(ACL_SETTING.to_owned(), a.to_owned());
        }
        s
    }

    #[test]
    fn the_bucket_access_rule() {
        use Access::{Owner, Read, Write};
        // (owner, acl, caller, access, allowed)
        type Row<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Access,
            bool,
        );
        let table: &[Row<'_>] = &[
            // Root does everything, owner set or not.
            (Some("bob"), None, Some("root"), Owner, true),
            (None, None, Some("root"), Owner, true),
            // The owner does everything to its bucket, whatever the ACL.
            (Some("bob"), None, Some("bob"), Owner, true),
            (Some("bob"), Some("private"), Some("bob"), Write, true),
            // No owner setting: root's bucket, closed to users.
            (None, None, Some("bob"), Read, false),
            // Private: nothing for anyone else.
            (Some("bob"), None, Some("alice"), Read, false),
            (Some("bob"), Some("private"), Some("alice"), Read, false),
            (Some("bob"), None, None, Read, false),
            // public-read: read only, for users and anonymous callers.
            (Some("bob"), Some("public-read"), Some("alice"), Read, true),
            (
                Some("bob"),
                Some("public-read"),
                Some("alice"),
                Write,
                false,
            ),
            (Some("bob"), Some("public-read"), None, Read, true),
            (Some("bob"), Some("public-read"), None, Write, false),
            // public-read-write: read and write, never the bucket itself.
            (
                Some("bob"),
                Some("public-read-write"),
                Some("alice"),
                Write,
                true,
            ),
            (Some("bob"), Some("public-read-write"), None, Write, true),
            (
                Some("bob"),
                Some("public-read-write"),
                Some("alice"),
                Owner,
                false,
            ),
            (Some("bob"), Some("public-read-write"), None, Owner, false),
            // An ACL the rule does not know grants nothing.
            (
                Some("bob"),
                Some("authenticated-read"),
                Some("alice"),
                Read,
                false,
            ),
            (Some("bob"), Some("garbage"), None, Read, false),
            // An anonymous caller is never the owner, even of a bucket
            // whose owner setting is empty.
            (Some(""), None, None, Read, false),
        ];
        for &(owner, acl, user, access, want) in table {
            assert_eq!(
                allows(&settings(owner, acl), user, access),
                want,
                "owner {owner:?}, acl {acl:?}, caller {user:?}, {access:?}"
            );
        }
    }

    #[test]
    fn the_most_granted() {
        let bob = Some("bob");
        assert_eq!(granted(&settings(bob, None), bob), Some(Access::Owner));
        assert_eq!(granted(&settings(bob, None), Some("alice")), None);
        let public_read = settings(bob, Some("public-read"));
        assert_eq!(granted(&public_read, Some("alice")), Some(Access::Read));
        assert_eq!(granted(&public_read, None), Some(Access::Read));
        let public_rw = settings(bob, Some("public-read-write"));
        assert_eq!(granted(&public_rw, None), Some(Access::Write));
        assert_eq!(granted(&public_rw, Some("root")), Some(Access::Owner));
    }
}
