//! The read-only history folders.
//!
//! - `.snapshots/` at each bucket root: one folder a snapshot, each the
//!   bucket's tree as the snapshot saw it. `mkdir .snapshots/NAME` takes a
//!   snapshot and `rmdir` deletes one.
//! - `.versions/` in every live directory: one folder a file that has (or
//!   had) versions there, deleted files included, so a deleted file can be
//!   found again. In it, one entry a version, newest last in name order,
//!   named by its commit time in UTC to the nanosecond
//!   (`2026-11-27T23:45:12.123456789Z`), reading exactly what
//!   `GetObject?versionId=` returns and carrying the version id in the
//!   xattr `user.alexander.version-id`. Delete markers are left out (they
//!   have no data).
//!
//! Neither folder shows in `readdir` (so `find`, `du` and backups of the
//! mount do not walk history), but both are reachable by name. Everything in
//! them refuses writes with `EROFS`, except the snapshot `mkdir`/`rmdir`.

use alexander_store::{
    At, Error as StoreError, ListQuery, ObjectInfo, VersionEntry, VersionQuery, time::UtcTime,
};

use super::{DIR_PAGE, DirEntry, DirState, Fs, kind_of, listable, not_found};
use crate::error::{FsError, Result};
use crate::fs::Attr;
use crate::inode::{Kind, Node, View, dir_prefix, join};

/// The snapshots folder at a bucket root.
pub const SNAPSHOTS: &str = ".snapshots";
/// The versions folder in every directory.
pub const VERSIONS: &str = ".versions";
/// The xattr naming a version entry's S3 version id.
pub const VERSION_ID_XATTR: &str = "user.alexander.version-id";

/// Which version of a key a handle or a node reads ([`At`], owned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadAt {
    Current,
    Version(String),
    Snapshot(String),
}

impl ReadAt {
    pub fn at(&self) -> At<'_> {
        match self {
            ReadAt::Current => At::Current,
            ReadAt::Version(id) => At::Version(id),
            ReadAt::Snapshot(name) => At::Snapshot(name),
        }
    }

    /// What a file node of `view` reads; `None` for views that hold folders
    /// only.
    pub fn of(view: &View) -> Option<ReadAt> {
        match view {
            View::Live => Some(ReadAt::Current),
            View::Snapshot(name) => Some(ReadAt::Snapshot(name.clone())),
            View::Version(id) => Some(ReadAt::Version(id.clone())),
            View::Snapshots | View::Versions | View::VersionsOf => None,
        }
    }
}

/// Whether `name` in the live directory `dir` is a history folder (and so
/// can be neither created nor removed there).
pub fn is_history_name(dir: &Node, name: &str) -> bool {
    !dir.is_root() && (name == VERSIONS || dir.path.is_empty() && name == SNAPSHOTS)
}

/// The entry name of a version committed at `modified_ns`. `previous` is the
/// name of the entry listed just before (the next newer version of the same
/// key): two versions committed in the same nanosecond get `~2`, `~3`... so
/// that names stay unique.
fn version_name(modified_ns: i64, previous: Option<&str>) -> String {
    let base = UtcTime::from_ns(modified_ns).rfc3339_nanos();
    let Some(prev) = previous else {
        return base;
    };
    let (prev_base, n) = match prev.split_once('~') {
        Some((b, n)) => (b, n.parse::<u32>().unwrap_or(1)),
        None => (prev, 1),
    };
    if prev_base == base {
        format!("{base}~{}", n + 1)
    } else {
        base
    }
}

impl Fs {
    /// Looks up a history folder `name` of the live directory `dir`.
    pub(super) fn history_folder(&self, dir: &Node, name: &str) -> Result<Attr> {
        let view = if name == SNAPSHOTS {
            View::Snapshots
        } else {
            View::Versions
        };
        let node = Node {
            bucket: dir.bucket.clone(),
            path: dir.path.clone(),
            kind: Kind::Dir,
            view,
        };
        let mut attr = self.history_attr(0, &node)?;
        attr.ino =
            self.inodes
                .lock()
                .intern_in(&node.view, &node.bucket, &node.path, Kind::Dir, true);
        Ok(attr)
    }

    /// Looks `name` up in the history directory `p`.
    pub(super) fn history_lookup(&self, p: &Node, name: &str) -> Result<Attr> {
        let (view, path) = match &p.view {
            View::Live => unreachable!("live lookups are the core's"),
            View::Snapshots => (View::Snapshot(name.to_owned()), String::new()),
            View::Snapshot(s) => (View::Snapshot(s.clone()), join(&p.path, name)),
            View::Versions => (View::VersionsOf, join(&p.path, name)),
            View::VersionsOf => {
                let id = self.version_named(&p.bucket, &p.path, name)?;
                (View::Version(id), p.path.clone())
            }
            View::Version(_) => return Err(FsError::NotDir),
        };
        let node = Node {
            bucket: p.bucket.clone(),
            path,
            kind: Kind::Dir,
            view,
        };
        let mut attr = self.history_attr(0, &node)?;
        attr.ino =
            self.inodes
                .lock()
                .intern_in(&node.view, &node.bucket, &node.path, attr.kind, true);
        Ok(attr)
    }

    /// Attributes of a history node (the inode number is `ino`).
    pub(super) fn history_attr(&self, ino: u64, node: &Node) -> Result<Attr> {
        let bucket = &node.bucket;
        let mut attr = match &node.view {
            View::Live => unreachable!("live attributes are the core's"),
            View::Snapshots => {
                let b = self.store.head_bucket(bucket)?;
                let newest = self
                    .store
                    .list_snapshots(bucket)?
                    .iter()
                    .map(|s| s.created_ns)
                    .max();
                self.dir_attr(0, None, newest.unwrap_or(b.created_ns))
            }
            View::Snapshot(name) if node.path.is_empty() => {
                let snap = self
                    .store
                    .list_snapshots(bucket)?
                    .into_iter()
                    .find(|s| s.name == *name)
                    .ok_or(FsError::NotFound)?;
                self.dir_attr(0, None, snap.created_ns)
            }
            View::Snapshot(name) => self.resolve_in_snapshot(bucket, name, &node.path)?,
            View::Versions => self.dir_attr(0, None, self.started_ns),
            View::VersionsOf => {
                let newest = self.versions_of(bucket, &node.path, 1)?;
                let v = newest.first().ok_or(FsError::NotFound)?;
                self.dir_attr(0, None, v.info.modified_ns)
            }
            View::Version(id) => {
                let info = self
                    .store
                    .head_object(bucket, &node.path, At::Version(id))
                    .map_err(|e| match e {
                        // A delete marker has no entry.
                        StoreError::VersionIsDeleteMarker { .. } => FsError::NotFound,
                        e => e.into(),
                    })?;
                self.file_attr(0, &info)
            }
        };
        attr.ino = ino;
        Ok(attr)
    }

    /// What `path` is in snapshot `snap` of `bucket`.
    fn resolve_in_snapshot(&self, bucket: &str, snap: &str, path: &str) -> Result<Attr> {
        let at = At::Snapshot(snap);
        match self.store.head_object(bucket, path, at) {
            Ok(info) => return Ok(self.file_attr(0, &info)),
            Err(e) if not_found(&e) => {}
            Err(e) => return Err(e.into()),
        }
        let prefix = dir_prefix(path);
        let marker = match self.store.head_object(bucket, &prefix, at) {
            Ok(info) => Some(info),
            Err(e) if not_found(&e) => None,
            Err(e) => return Err(e.into()),
        };
        if marker.is_none() {
            let page = self.store.list_objects(
                bucket,
                &ListQuery {
                    prefix: prefix.clone(),
                    max_keys: 1,
                    snapshot: Some(snap.to_owned()),
                    ..ListQuery::default()
                },
            )?;
            if page.objects.is_empty() {
                return Err(FsError::NotFound);
            }
        }
        Ok(self.dir_attr(0, marker.as_ref(), self.started_ns))
    }

    /// Up to `max` versions of exactly `key` (not of keys it prefixes),
    /// newest first, delete markers left out.
    fn versions_of(&self, bucket: &str, key: &str, max: usize) -> Result<Vec<VersionEntry>> {
        let mut out = Vec::new();
        let mut markers: (Option<String>, Option<String>) = (None, None);
        loop {
            let page = self.store.list_versions(
                bucket,
                &VersionQuery {
                    prefix: key.to_owned(),
                    delimiter: None,
                    key_marker: markers.0.take(),
                    version_id_marker: markers.1.take(),
                    max_keys: DIR_PAGE,
                },
            )?;
            for v in page.versions {
                if v.info.key != key {
                    // Keys sort after their own versions: `key` is done.
                    return Ok(out);
                }
                if !v.delete_marker {
                    out.push(v);
                    if out.len() == max {
                        return Ok(out);
                    }
                }
            }
            if !page.is_truncated {
                return Ok(out);
            }
            markers = (page.next_key_marker, page.next_version_id_marker);
        }
    }

    /// The version id of the entry `name` of the versions folder of `key`.
    fn version_named(&self, bucket: &str, key: &str, name: &str) -> Result<String> {
        let mut previous: Option<String> = None;
        for v in self.versions_of(bucket, key, usize::MAX)? {
            let n = version_name(v.info.modified_ns, previous.as_deref());
            if n == name {
                return Ok(v.info.version_id);
            }
            previous = Some(n);
        }
        Err(FsError::NotFound)
    }

    /// Produces the next page of a history directory's entries.
    pub(super) fn history_fill(&self, node: &Node, st: &mut DirState) -> Result<()> {
        match &node.view {
            View::Snapshots => {
                let snaps = self.store.list_snapshots(&node.bucket)?;
                let mut t = self.inodes.lock();
                for s in snaps {
                    let view = View::Snapshot(s.name.clone());
                    let ino = t.intern_in(&view, &node.bucket, "", Kind::Dir, false);
                    Self::push(
                        st,
                        DirEntry {
                            ino,
                            kind: Kind::Dir,
                            name: s.name,
                            attr: None,
                        },
                    );
                }
                st.done = true;
                Ok(())
            }
            View::Versions => self.fill_versions(node, st),
            View::VersionsOf => self.fill_versions_of(node, st),
            View::Live | View::Snapshot(_) | View::Version(_) => {
                unreachable!("not a history folder")
            }
        }
    }

    /// One folder a key with versions directly in the directory.
    fn fill_versions(&self, node: &Node, st: &mut DirState) -> Result<()> {
        let prefix = dir_prefix(&node.path);
        let page = self.store.list_versions(
            &node.bucket,
            &VersionQuery {
                prefix: prefix.clone(),
                delimiter: Some("/".into()),
                key_marker: st.marker.take(),
                version_id_marker: st.version_marker.take(),
                max_keys: DIR_PAGE,
            },
        )?;
        st.done = !page.is_truncated;
        st.marker = page.next_key_marker;
        st.version_marker = page.next_version_id_marker;
        let mut t = self.inodes.lock();
        for v in page.versions {
            let name = &v.info.key[prefix.len()..];
            // A directory's own marker, a delete marker, a name that cannot
            // be a path, or a key the previous page already gave.
            if v.delete_marker || !listable(name) || st.last_name.as_deref() == Some(name) {
                continue;
            }
            let ino = t.intern_in(
                &View::VersionsOf,
                &node.bucket,
                &v.info.key,
                Kind::Dir,
                false,
            );
            st.last_name = Some(name.to_owned());
            Self::push(
                st,
                DirEntry {
                    ino,
                    kind: Kind::Dir,
                    name: name.to_owned(),
                    attr: None,
                },
            );
        }
        Ok(())
    }

    /// One entry a version of the file, named by its commit time.
    fn fill_versions_of(&self, node: &Node, st: &mut DirState) -> Result<()> {
        let page = self.store.list_versions(
            &node.bucket,
            &VersionQuery {
                prefix: node.path.clone(),
                delimiter: None,
                key_marker: st.marker.take(),
                version_id_marker: st.version_marker.take(),
                max_keys: DIR_PAGE,
            },
        )?;
        st.done = !page.is_truncated;
        st.marker = page.next_key_marker;
        st.version_marker = page.next_version_id_marker;
        let mut t = self.inodes.lock();
        for v in page.versions {
            if v.info.key != node.path {
                st.done = true;
                break;
            }
            if v.delete_marker {
                continue;
            }
            let name = version_name(v.info.modified_ns, st.last_name.as_deref());
            let kind = kind_of(&v.info.meta);
            let view = View::Version(v.info.version_id.clone());
            let ino = t.intern_in(&view, &node.bucket, &node.path, kind, false);
            st.last_name = Some(name.clone());
            let attr = Some(self.file_attr(ino, &v.info));
            Self::push(
                st,
                DirEntry {
                    ino,
                    kind,
                    name,
                    attr,
                },
            );
        }
        Ok(())
    }

    /// `mkdir .snapshots/NAME`: takes a snapshot of the bucket.
    pub(super) fn take_snapshot(&self, p: &Node, name: &str) -> Result<Attr> {
        let snap = self.store.create_snapshot(&p.bucket, name)?;
        let view = View::Snapshot(snap.name);
        let mut attr = self.dir_attr(0, None, snap.created_ns);
        attr.ino = self
            .inodes
            .lock()
            .intern_in(&view, &p.bucket, "", Kind::Dir, true);
        Ok(attr)
    }

    /// `rmdir .snapshots/NAME`: deletes a snapshot.
    pub(super) fn drop_snapshot(&self, p: &Node, name: &str) -> Result<()> {
        self.store.delete_snapshot(&p.bucket, name)?;
        self.inodes
            .lock()
            .detach_in(&View::Snapshot(name.to_owned()), &p.bucket, "");
        Ok(())
    }

    /// The information of the version a history file node shows.
    pub(super) fn history_info(&self, node: &Node) -> Result<ObjectInfo> {
        let at = ReadAt::of(&node.view).ok_or(FsError::IsDir)?;
        Ok(self.store.head_object(&node.bucket, &node.path, at.at())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names_sort_and_stay_unique() {
        let t = 1_795_000_000 * 1_000_000_000 + 7;
        assert_eq!(version_name(t, None), "2026-11-18T11:06:40.000000007Z");
        let first = version_name(t, Some("2026-11-18T11:06:41.000000000Z"));
        assert_eq!(first, "2026-11-18T11:06:40.000000007Z");
        let second = version_name(t, Some(&first));
        assert_eq!(second, "2026-11-18T11:06:40.000000007Z~2");
        assert_eq!(
            version_name(t, Some(&second)),
            "2026-11-18T11:06:40.000000007Z~3"
        );
    }
}
