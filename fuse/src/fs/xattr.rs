//! Extended attributes, kept with the version in `attrs.xattrs`.
//!
//! Only the `user.` namespace is stored, as on a filesystem mounted without
//! ACLs or security labels: reading any other name answers `ENODATA` at once
//! (the kernel asks for `security.capability` before writes, and that must
//! cost no store lookup), setting one answers `EOPNOTSUPP`. Limits are
//! Linux's: names up to 255 bytes (`ERANGE`), values up to 64 KiB (`E2BIG`),
//! and, as on ext4 with one block for them, all of a file's attributes
//! together up to 64 KiB (`ENOSPC`).
//!
//! A version entry under `.versions/` also shows
//! [`VERSION_ID_XATTR`](super::VERSION_ID_XATTR), its S3 version id.

use alexander_store::access::Access;
use alexander_store::{At, ObjectMeta};

use super::Fs;
use super::history::VERSION_ID_XATTR;
use crate::error::{FsError, Result};
use crate::inode::{Kind, Node, View};

/// Longest attribute name (`XATTR_NAME_MAX`).
const NAME_MAX: usize = 255;
/// Largest attribute value (`XATTR_SIZE_MAX`).
const VALUE_MAX: usize = 64 * 1024;
/// Largest sum of names and values of one file's attributes.
const TOTAL_MAX: usize = 64 * 1024;
/// The one namespace stored.
const USER: &[u8] = b"user.";

/// How `setxattr` treats an existing attribute (`XATTR_CREATE`,
/// `XATTR_REPLACE`, or neither).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SetMode {
    #[default]
    Either,
    Create,
    Replace,
}

impl SetMode {
    /// The mode of `setxattr(2)`'s flags; unknown flags are `EINVAL`.
    pub fn from_flags(flags: i32) -> Result<SetMode> {
        match flags {
            0 => Ok(SetMode::Either),
            libc::XATTR_CREATE => Ok(SetMode::Create),
            libc::XATTR_REPLACE => Ok(SetMode::Replace),
            _ => Err(FsError::Invalid(format!("setxattr flags {flags:#x}"))),
        }
    }
}

fn check_name(name: &[u8]) -> Result<()> {
    if name.len() > NAME_MAX {
        return Err(FsError::AttrRange);
    }
    if name.is_empty() {
        return Err(FsError::Invalid("empty xattr name".into()));
    }
    Ok(())
}

impl Fs {
    /// The metadata whose xattrs `node` shows: a write handle's pending
    /// metadata while the file is uncommitted, else the version's. `None`
    /// for the mount root and bucket roots, which have no object.
    fn xattr_source(&self, node: &Node) -> Result<Option<ObjectMeta>> {
        if node.path.is_empty() && matches!(node.view, View::Live | View::Snapshot(_)) {
            return Ok(None);
        }
        match &node.view {
            View::Live => {}
            View::Snapshot(_) | View::Version(_) => {
                let mut meta = self.history_info(node)?.meta;
                if let View::Version(id) = &node.view {
                    meta.attrs
                        .xattrs
                        .insert(VERSION_ID_XATTR.as_bytes().to_vec(), id.as_bytes().to_vec());
                }
                return Ok(Some(meta));
            }
            View::Snapshots | View::Versions | View::VersionsOf => return Ok(None),
        }
        let key = node.key();
        if let Some((h, _)) = self.pending_handle(&node.bucket, &key) {
            return Ok(Some(h.meta.lock().finish()));
        }
        match self.store.head_object(&node.bucket, &key, At::Current) {
            Ok(info) => Ok(Some(info.meta)),
            // A directory without a marker has no attributes yet.
            Err(e) if super::not_found(&e) => {
                self.resolve(&node.bucket, &node.path)?;
                Ok(Some(ObjectMeta::default()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The value of attribute `name` of `ino`.
    pub fn getxattr(&self, ino: u64, name: &[u8]) -> Result<Vec<u8>> {
        check_name(name)?;
        let node = self.node(ino)?;
        self.check(&node.bucket, Access::List)?;
        if !name.starts_with(USER) {
            return Err(FsError::NoAttr);
        }
        let meta = self.xattr_source(&node)?.ok_or(FsError::NoAttr)?;
        // A value is the object's metadata, which only reading it shows
        // (HeadObject over S3); as on Linux, where a `user.` value needs
        // read permission on the file, its names do not.
        if node.kind != Kind::Dir {
            self.check_object_read(&node.bucket, &meta)?;
        }
        meta.attrs.xattrs.get(name).cloned().ok_or(FsError::NoAttr)
    }

    /// The names of `ino`'s attributes, each followed by a NUL, as
    /// `listxattr(2)` returns them.
    pub fn listxattr(&self, ino: u64) -> Result<Vec<u8>> {
        let node = self.node(ino)?;
        self.check(&node.bucket, Access::List)?;
        let mut out = Vec::new();
        if let Some(meta) = self.xattr_source(&node)? {
            for name in meta.attrs.xattrs.keys() {
                out.extend_from_slice(name);
                out.push(0);
            }
        }
        Ok(out)
    }

    /// Sets attribute `name` of `ino` to `value`.
    pub fn setxattr(&self, ino: u64, name: &[u8], value: &[u8], mode: SetMode) -> Result<()> {
        self.writable()?;
        check_name(name)?;
        let node = self.live_node(ino)?;
        self.check(&node.bucket, Access::Write)?;
        if !name.starts_with(USER) {
            return Err(FsError::NotSupported("only user.* extended attributes"));
        }
        if value.len() > VALUE_MAX {
            return Err(FsError::AttrTooBig);
        }
        let meta = self
            .xattr_source(&node)?
            .ok_or(FsError::NotSupported("extended attributes of a bucket"))?;
        let xattrs = &meta.attrs.xattrs;
        let exists = xattrs.contains_key(name);
        match mode {
            SetMode::Create if exists => return Err(FsError::Exists),
            SetMode::Replace if !exists => return Err(FsError::NoAttr),
            _ => {}
        }
        let total: usize = xattrs
            .iter()
            .filter(|(k, _)| k.as_slice() != name)
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
            + name.len()
            + value.len();
        if total > TOTAL_MAX {
            return Err(FsError::NoSpace);
        }
        self.change_meta(ino, &node, false, |m: &mut ObjectMeta| {
            m.attrs.xattrs.insert(name.to_vec(), value.to_vec());
        })?;
        self.inval_inode(ino);
        Ok(())
    }

    /// Removes attribute `name` of `ino`.
    pub fn removexattr(&self, ino: u64, name: &[u8]) -> Result<()> {
        self.writable()?;
        check_name(name)?;
        let node = self.live_node(ino)?;
        self.check(&node.bucket, Access::Write)?;
        if !name.starts_with(USER) {
            return Err(FsError::NoAttr);
        }
        let meta = self.xattr_source(&node)?.ok_or(FsError::NoAttr)?;
        if !meta.attrs.xattrs.contains_key(name) {
            return Err(FsError::NoAttr);
        }
        self.change_meta(ino, &node, false, |m: &mut ObjectMeta| {
            m.attrs.xattrs.remove(name);
        })?;
        self.inval_inode(ino);
        Ok(())
    }
}
