//! Who may do what to a bucket and its objects: the one copy of the rule
//! that the S3 endpoint and the FUSE mount both apply, so that what is
//! private over S3 is private in the mount too.
//!
//! A bucket belongs to the user named by its [`OWNER_SETTING`] (root when
//! it has none: buckets made through the command line or by root), and so
//! does every object in it (no other object owner is recorded). Root may do
//! everything; the owner may do everything to its bucket and read every
//! object in it; anyone else, anonymous callers included, gets what the
//! bucket's canned ACL ([`ACL_SETTING`], `private` when absent) grants all
//! users, and reads an object only when that object's own ACL grants it,
//! as in S3, where a bucket's READ is ListBucket and never reads an object:
//!
//! | bucket ACL          | list (ListObjects*, ListObjectVersions, ListMultipartUploads, HeadBucket; readdir, lookup, stat) | write (put, delete) | read objects (get, head, copy from) | owner (settings, snapshots, delete the bucket) |
//! |---------------------|------|-----|------------------------|----|
//! | `private`           | no   | no  | by the object's ACL    | no |
//! | `public-read`       | yes  | no  | by the object's ACL    | no |
//! | `public-read-write` | yes  | yes | by the object's ACL    | no |
//!
//! An object version's canned ACL ([`ObjectAcl`], kept in its
//! `ObjectMeta::extra` under [`OBJECT_ACL`], `private` when absent) grants
//! READ, beyond the owner's full control:
//!
//! | object ACL           | READ to                                      |
//! |----------------------|----------------------------------------------|
//! | `private`            | nobody                                       |
//! | `public-read`        | everyone, anonymous callers included         |
//! | `public-read-write`  | the same (WRITE on an object means nothing)  |
//! | `authenticated-read` | every user (a signed caller, a mount's user) |
//!
//! A value either rule does not know grants nothing (it fails closed).

use std::collections::BTreeMap;

use crate::ObjectMeta;

/// The bucket setting naming the user that owns a bucket.
pub const OWNER_SETTING: &str = "owner";
/// The bucket setting holding its canned ACL.
pub const ACL_SETTING: &str = "acl";
/// The user that may do everything, and owns buckets that name no owner.
pub const ROOT_USER: &str = "root";
/// The `ObjectMeta::extra` entry holding an object version's canned ACL.
pub const OBJECT_ACL: &str = "acl";

/// What a caller may do to a bucket, from least to most. Reading objects
/// is not among them: the bucket grants it only with [`Access::Owner`],
/// else each object's ACL does ([`may_read_object`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// List the keys and what a listing shows of them (size, ETag, time).
    List,
    /// Write and delete objects.
    Write,
    /// Change the bucket itself (its settings, its snapshots, its
    /// deletion) and read every object in it: only its owner (and root).
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
        Access::List => acl == "public-read" || acl == "public-read-write",
        Access::Write => acl == "public-read-write",
        Access::Owner => false,
    }
}

/// The most a caller may do to a bucket: `None` when it may not even list
/// it.
pub fn granted(settings: &BTreeMap<String, String>, user: Option<&str>) -> Option<Access> {
    [Access::Owner, Access::Write, Access::List]
        .into_iter()
        .find(|&a| allows(settings, user, a))
}

/// Whether `user` (`None`: an anonymous caller) may read the object
/// version whose metadata is `meta`, in a bucket with these settings: its
/// owner (and root) may, anyone else when the version's ACL grants it.
pub fn may_read_object(
    settings: &BTreeMap<String, String>,
    user: Option<&str>,
    meta: &ObjectMeta,
) -> bool {
    allows(settings, user, Access::Owner) || ObjectAcl::of(meta).grants_read(user)
}

/// An object version's canned ACL (see the module header for what each
/// grants).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ObjectAcl {
    #[default]
    Private,
    PublicRead,
    PublicReadWrite,
    AuthenticatedRead,
}

impl ObjectAcl {
    /// The canned ACL of this name, `None` for a name this rule does not
    /// know.
    pub fn from_name(name: &str) -> Option<ObjectAcl> {
        match name {
            "private" => Some(ObjectAcl::Private),
            "public-read" => Some(ObjectAcl::PublicRead),
            "public-read-write" => Some(ObjectAcl::PublicReadWrite),
            "authenticated-read" => Some(ObjectAcl::AuthenticatedRead),
            _ => None,
        }
    }

    /// The canned ACL's name.
    pub fn name(self) -> &'static str {
        match self {
            ObjectAcl::Private => "private",
            ObjectAcl::PublicRead => "public-read",
            ObjectAcl::PublicReadWrite => "public-read-write",
            ObjectAcl::AuthenticatedRead => "authenticated-read",
        }
    }

    /// The ACL a version's metadata holds. A value this rule does not know
    /// grants nothing (`private`): it fails closed.
    pub fn of(meta: &ObjectMeta) -> ObjectAcl {
        meta.extra
            .get(OBJECT_ACL)
            .and_then(|v| ObjectAcl::from_name(v))
            .unwrap_or_default()
    }

    /// Records the ACL in a version's metadata (`private` as no entry).
    pub fn store_in(self, meta: &mut ObjectMeta) {
        match self {
            ObjectAcl::Private => meta.extra.remove(OBJECT_ACL),
            other => meta
                .extra
                .insert(OBJECT_ACL.to_owned(), other.name().to_owned()),
        };
    }

    /// Whether the ACL lets `user` (`None`: an anonymous caller) read the
    /// version, besides its owner, who always may.
    pub fn grants_read(self, user: Option<&str>) -> bool {
        match self {
            ObjectAcl::Private => false,
            ObjectAcl::PublicRead | ObjectAcl::PublicReadWrite => true,
            ObjectAcl::AuthenticatedRead => user.is_some(),
        }
    }
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
        use Access::{List, Owner, Write};
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
            (None, None, Some("bob"), List, false),
            // Private: nothing for anyone else.
            (Some("bob"), None, Some("alice"), List, false),
            (Some("bob"), Some("private"), Some("alice"), List, false),
            (Some("bob"), None, None, List, false),
            // public-read: list only, for users and anonymous callers.
            (Some("bob"), Some("public-read"), Some("alice"), List, true),
            (
                Some("bob"),
                Some("public-read"),
                Some("alice"),
                Write,
                false,
            ),
            (Some("bob"), Some("public-read"), None, List, true),
            (Some("bob"), Some("public-read"), None, Write, false),
            // public-read-write: list and write, never the bucket itself.
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
                List,
                false,
            ),
            (Some("bob"), Some("garbage"), None, List, false),
            // An anonymous caller is never the owner, even of a bucket
            // whose owner setting is empty.
            (Some(""), None, None, List, false),
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
        assert_eq!(granted(&public_read, Some("alice")), Some(Access::List));
        assert_eq!(granted(&public_read, None), Some(Access::List));
        let public_rw = settings(bob, Some("public-read-write"));
        assert_eq!(granted(&public_rw, None), Some(Access::Write));
        assert_eq!(granted(&public_rw, Some("root")), Some(Access::Owner));
    }

    fn meta_with_acl(acl: Option<&str>) -> ObjectMeta {
        let mut meta = ObjectMeta::default();
        if let Some(a) = acl {
            meta.extra.insert(OBJECT_ACL.to_owned(), a.to_owned());
        }
        meta
    }

    #[test]
    fn reading_objects_takes_the_objects_acl() {
        let bob = Some("bob");
        // (bucket acl, object acl, caller, may read)
        type Row<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, bool);
        let table: &[Row<'_>] = &[
            // The owner and root read every object, whatever its ACL.
            (None, None, Some("bob"), true),
            (None, None, Some("root"), true),
            (None, Some("garbage"), Some("bob"), true),
            // A public bucket lists, it does not read: a private object in
            // it is closed to others, anonymous callers included.
            (Some("public-read"), None, Some("alice"), false),
            (Some("public-read"), None, None, false),
            (Some("public-read-write"), None, None, false),
            (Some("public-read"), Some("private"), Some("alice"), false),
            // The object's ACL opens it, in any bucket.
            (Some("public-read"), Some("public-read"), None, true),
            (None, Some("public-read"), None, true),
            (None, Some("public-read-write"), Some("alice"), true),
            (
                Some("public-read-write"),
                Some("public-read-write"),
                None,
                true,
            ),
            // authenticated-read: any user, no anonymous caller.
            (
                Some("public-read"),
                Some("authenticated-read"),
                Some("alice"),
                true,
            ),
            (Some("public-read"), Some("authenticated-read"), None, false),
            // What the rule does not know grants nothing.
            (Some("public-read"), Some("everyone"), None, false),
        ];
        for &(bucket_acl, object_acl, user, want) in table {
            assert_eq!(
                may_read_object(&settings(bob, bucket_acl), user, &meta_with_acl(object_acl)),
                want,
                "bucket {bucket_acl:?}, object {object_acl:?}, caller {user:?}"
            );
        }
    }

    #[test]
    fn object_acls_round_trip_through_metadata() {
        use ObjectAcl::*;
        for acl in [Private, PublicRead, PublicReadWrite, AuthenticatedRead] {
            let mut meta = ObjectMeta::default();
            acl.store_in(&mut meta);
            assert_eq!(ObjectAcl::of(&meta), acl);
            assert_eq!(ObjectAcl::from_name(acl.name()), Some(acl));
            assert_eq!(meta.extra.contains_key(OBJECT_ACL), acl != Private);
        }
        assert_eq!(ObjectAcl::of(&meta_with_acl(Some("everyone"))), Private);
        assert_eq!(ObjectAcl::from_name("bucket-owner-read"), None);
    }
}
