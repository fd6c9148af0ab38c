//! Directory link counts: 2 (its name and its `.`) plus one per
//! subdirectory (each one's `..`), as on Linux's own filesystems, so that a
//! directory moved to another parent changes both parents' counts.
//!
//! A count is a delimiter listing of the directory (subdirectories are its
//! common prefixes; the listing seeks past each), taken the first time the
//! directory's attributes are asked for and kept: the mount's own mkdir,
//! rmdir and renames adjust it, and a change over S3 drops the counts of
//! the key's ancestors (`invalidate_key`).

use std::collections::HashMap;

use alexander_store::ListQuery;

use super::{Fs, Result};
use crate::inode::{dir_prefix, parent_of};

/// Subdirectory counts: (bucket, directory path, `""` for the bucket's
/// root) → how many subdirectories it has.
#[derive(Default)]
pub(super) struct SubdirCounts {
    counts: HashMap<(String, String), u32>,
}

impl SubdirCounts {
    /// Forgets the counts of directory `path` and of everything under it.
    fn forget_below(&mut self, bucket: &str, path: &str) {
        let below = dir_prefix(path);
        self.counts
            .retain(|(b, d), _| !(b == bucket && (d == path || d.starts_with(&below))));
    }
}

/// Listing entries asked of the store per page when counting.
const COUNT_PAGE: usize = 1000;

impl Fs {
    /// The link count of directory `dir` in `bucket`.
    pub(super) fn dir_nlink(&self, bucket: &str, dir: &str) -> Result<u32> {
        let key = (bucket.to_owned(), dir.to_owned());
        if let Some(n) = self.subdirs.lock().counts.get(&key) {
            return Ok(2 + n);
        }
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            dir_prefix(dir)
        };
        let mut n = 0u32;
        let mut marker = None;
        loop {
            let page = self.store.list_objects(
                bucket,
                &ListQuery {
                    prefix: prefix.clone(),
                    delimiter: Some("/".into()),
                    start_after: marker.take(),
                    max_keys: COUNT_PAGE,
                    ..ListQuery::default()
                },
            )?;
            n = n.saturating_add(page.common_prefixes.len() as u32);
            if !page.is_truncated {
                break;
            }
            marker = page.next_marker;
        }
        self.subdirs.lock().counts.insert(key, n);
        Ok(2 + n)
    }

    /// Directory `path` was made (`delta` 1) or removed (−1): its parent's
    /// count follows, if kept; a removed directory's own counts, and those
    /// below it, go.
    pub(super) fn subdir_changed(&self, bucket: &str, path: &str, delta: i32) {
        let mut g = self.subdirs.lock();
        let parent = (bucket.to_owned(), parent_of(path).to_owned());
        if let Some(n) = g.counts.get_mut(&parent) {
            *n = n.saturating_add_signed(delta);
        }
        if delta < 0 {
            g.forget_below(bucket, path);
        }
    }

    /// A directory moved from `from` to `to`, over an empty one there if
    /// `replaced` (the new parent then has as many as before): what was
    /// counted under either name is counted again when asked.
    pub(super) fn subdirs_moved(&self, bucket: &str, from: &str, to: &str, replaced: bool) {
        self.subdir_changed(bucket, from, -1);
        if replaced {
            self.subdirs.lock().forget_below(bucket, to);
        } else {
            self.subdir_changed(bucket, to, 1);
        }
    }

    /// A key of `bucket` changed outside the mount (`""`: several): the
    /// counts of its ancestors may be wrong.
    pub(super) fn forget_subdirs(&self, bucket: &str, key: &str) {
        let mut g = self.subdirs.lock();
        if key.is_empty() {
            g.counts.retain(|(b, _), _| b != bucket);
            return;
        }
        let mut dir = parent_of(key.trim_end_matches('/'));
        loop {
            g.counts.remove(&(bucket.to_owned(), dir.to_owned()));
            if dir.is_empty() {
                break;
            }
            dir = parent_of(dir);
        }
    }
}
