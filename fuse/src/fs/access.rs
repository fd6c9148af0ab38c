//! The mount acts as one S3 user ([`FsConfig::user`], root by default) and
//! applies S3's access rule to it, the store's [`alexander_store::access`],
//! evaluated at every request so that an ACL or owner changed over S3
//! holds without a remount:
//!
//! - a bucket the user may not list is not there: it is not listed at the
//!   root, and every name in it is `ENOENT`;
//! - in a bucket it may list, it sees every name and its attributes
//!   (`readdir`, `lookup`, `stat`: what ListObjects shows), but it reads a
//!   file (`open` for reading, a `user.` attribute's value) only when the
//!   file's own ACL grants the user read (`public-read`,
//!   `public-read-write`, `authenticated-read`: the mount's user is
//!   authenticated), else `EACCES`, as GetObject answers 403. The bucket's
//!   owner (and root) reads every file;
//! - a bucket it may list but not write is read-only: every change is
//!   `EACCES` (not `EROFS`: the filesystem is writable, this user may not
//!   write here, and `EACCES` is what tools report as "Permission denied"),
//!   and the modes shown carry no write bit;
//! - changing the bucket itself (chmod/chown/utimens of its directory, a
//!   snapshot's `mkdir` or `rmdir` under `.snapshots`, `rmdir` of the
//!   bucket) needs ownership, as over S3;
//! - `mkdir` at the root creates a bucket the user owns.
//!
//! Every lookup, open, listing and change asks the store for the bucket's
//! settings, so revoking access (over S3) refuses the next of them at once;
//! only a `stat` of the bucket's directory the kernel answers from its
//! attribute cache can lag, for the cache time (`--mount-cache-secs`). A
//! file already open stays open when access is withdrawn, as on a local
//! filesystem after a chmod. A mount acting as root skips all of this: the
//! checks cost it nothing.
//!
//! The modes shown say the same: a file the user may not read shows no
//! read bit. With `allow_other`, the kernel checks the modes the mount
//! shows (`default_permissions`) for every local user; the group and other
//! bits shown then grant no more than S3 grants anonymous callers: none in
//! a private bucket; in a `public-read` one at most `r-x` on a directory
//! and, on a file, `r` only when its own ACL lets anonymous callers read it
//! (`public-read`, `public-read-write`). A `public-read-write` bucket is a
//! directory every local user shares, and shows what is stored: its files
//! are written through the mount with no ACL, and masking their `r` would
//! keep local users from reading each other's files whatever their modes
//! say (a mount acting as another user still checks the file's ACL at
//! `open`). The root directory shows no `r` to them (anonymous callers
//! cannot list buckets), only `x` to reach a bucket by name. The owner
//! bits stay but for what the user may not do: only the bucket's writers
//! set the uid a file shows. Without `allow_other` only the mounting user
//! enters the mount, and a mount acting as root masks nothing, so `rsync
//! -a` reads back the modes it set.

use super::*;
use alexander_store::ObjectMeta;
use alexander_store::access::{self, Access, ROOT_USER};

impl Fs {
    /// Whether the mount acts as root, who may do everything: the checks
    /// then cost nothing.
    fn as_root(&self) -> bool {
        self.config.user == ROOT_USER
    }

    /// The most the mount's user may do to `bucket`; `NotFound` when it may
    /// not even list it, or the bucket does not exist.
    fn granted(&self, bucket: &str) -> Result<Access> {
        let info = self.store.head_bucket(bucket).map_err(|e| match e {
            StoreError::NoSuchBucket(_) => FsError::NotFound,
            e => e.into(),
        })?;
        access::granted(&info.settings, Some(&self.config.user)).ok_or(FsError::NotFound)
    }

    /// Refuses what the mount's user may not do to `bucket` (`""`, the
    /// root of a mount of every bucket, is everyone's): `ENOENT` when it may
    /// not list the bucket, `EACCES` when it may list but not `need`.
    pub(super) fn check(&self, bucket: &str, need: Access) -> Result<()> {
        if bucket.is_empty() || self.as_root() {
            return Ok(());
        }
        if self.granted(bucket)? >= need {
            Ok(())
        } else if need == Access::Owner {
            Err(FsError::AccessDenied("only the bucket's owner may"))
        } else {
            Err(FsError::AccessDenied(
                "the bucket is read-only to this user",
            ))
        }
    }

    /// Whether the mount's user may list `bucket` (the buckets listed at the
    /// root).
    pub(super) fn may_list(&self, b: &BucketInfo) -> bool {
        self.as_root() || access::allows(&b.settings, Some(&self.config.user), Access::List)
    }

    /// Refuses to read a file of `bucket` whose metadata is `meta` unless
    /// the mount's user owns the bucket or the file's ACL grants it read:
    /// `EACCES`, as GetObject answers 403. The caller has checked that the
    /// user may list the bucket.
    pub(super) fn check_object_read(&self, bucket: &str, meta: &ObjectMeta) -> Result<()> {
        if self.as_root() {
            return Ok(());
        }
        let info = self.store.head_bucket(bucket)?;
        if access::may_read_object(&info.settings, Some(&self.config.user), meta) {
            Ok(())
        } else {
            Err(FsError::AccessDenied(
                "the file's ACL does not let this user read it",
            ))
        }
    }

    /// The settings of a bucket the mount creates: owned by its user.
    pub(super) fn new_bucket_owner(&self) -> (String, String) {
        (access::OWNER_SETTING.to_owned(), self.config.user.clone())
    }

    /// `attr` as shown to the kernel: with the write bits removed where the
    /// mount's user may not write, and with `allow_other`, the group and
    /// other bits no wider than the bucket's ACL grants anonymous callers
    /// (see the module header). What is stored does not change.
    pub fn shown(&self, mut attr: Attr) -> Attr {
        if self.as_root() && !self.config.allow_other {
            return attr;
        }
        let Some(node) = self.inodes.lock().get(attr.ino) else {
            return attr;
        };
        if node.is_root() {
            if self.config.allow_other {
                attr.perm &= !0o044;
            }
            return attr;
        }
        let Ok(info) = self.store.head_bucket(&node.bucket) else {
            return attr;
        };
        let user = Some(self.config.user.as_str());
        // Whether a reader's read bits follow the file's ACL: a regular
        // file's (a pipe, a socket or a device is never read through the
        // mount; a directory is listed, which the bucket grants).
        let file = attr.kind == Kind::File && attr.special.is_none();
        if !self.as_root() {
            if !access::allows(&info.settings, user, Access::Write) {
                attr.perm &= !0o222;
            }
            if file
                && !access::allows(&info.settings, user, Access::Owner)
                && !attr.acl.grants_read(user)
            {
                attr.perm &= !0o444;
            }
        }
        if self.config.allow_other {
            let others = match access::granted(&info.settings, None) {
                None => 0,
                Some(Access::List) if attr.kind == Kind::Dir => 0o055,
                Some(Access::List) if !file || attr.acl.grants_read(None) => 0o044,
                Some(Access::List) => 0,
                // A bucket every local user may write is a shared
                // directory: its files show what is stored (see the module
                // header).
                Some(_) => 0o077,
            };
            attr.perm &= !0o077 | others;
        }
        attr
    }
}
