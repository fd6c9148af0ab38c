//! Directory times. Creating, removing or renaming an entry changes its
//! directory's mtime and ctime, as on a local filesystem. Storing them with
//! every change would add a commit per entry, so a change only notes the
//! time here; the mount shows it at once and the settle thread stores what
//! accumulated (the directory's marker, or a bucket's settings) every
//! 200 ms, as does `fsyncdir` and unmounting. A directory that sees
//! thousands of changes a second is then written five times a second.

use std::collections::BTreeMap;

use alexander_store::{At, Error as StoreError, ObjectMeta, Store, WriteCondition};

use super::{BUCKET_CTIME, BUCKET_MTIME, Fs, FsError, Result, S_IFDIR, not_found};
use crate::inode::dir_prefix;

/// Directory times not yet stored: (bucket, directory path, `""` for the
/// bucket's root) → the time of the last change in it, ns since the epoch.
#[derive(Default)]
pub(super) struct DirTimes {
    pending: BTreeMap<(String, String), i64>,
}

impl Fs {
    /// Notes that an entry of directory `dir` in `bucket` changed at `t`.
    pub(super) fn touch_dir(&self, bucket: &str, dir: &str, t: i64) {
        let mut g = self.dir_times.lock();
        let slot = g
            .pending
            .entry((bucket.to_owned(), dir.to_owned()))
            .or_insert(t);
        *slot = (*slot).max(t);
    }

    /// The change time of `dir` not yet stored, if any.
    pub(super) fn pending_dir_time(&self, bucket: &str, dir: &str) -> Option<i64> {
        self.dir_times
            .lock()
            .pending
            .get(&(bucket.to_owned(), dir.to_owned()))
            .copied()
    }

    /// Forgets the pending times of `dir` and everything under it (removed,
    /// or its times set explicitly).
    pub(super) fn forget_dir_times(&self, bucket: &str, dir: &str) {
        let mut g = self.dir_times.lock();
        let below = dir_prefix(dir);
        g.pending.retain(|(b, d), _| {
            !(b == bucket && (d == dir || (!dir.is_empty() && d.starts_with(&below))))
        });
    }

    /// Forgets the pending time of `dir` alone (its times set explicitly).
    pub(super) fn forget_dir_time(&self, bucket: &str, dir: &str) {
        self.dir_times
            .lock()
            .pending
            .remove(&(bucket.to_owned(), dir.to_owned()));
    }

    /// Moves the pending times of directory `from` and everything under it
    /// to `to` (a directory renamed).
    pub(super) fn move_dir_times(&self, bucket: &str, from: &str, to: &str) {
        let mut g = self.dir_times.lock();
        let below = dir_prefix(from);
        let moved: Vec<((String, String), i64)> = g
            .pending
            .iter()
            .filter(|((b, d), _)| b == bucket && (d == from || d.starts_with(&below)))
            .map(|(k, t)| (k.clone(), *t))
            .collect();
        for ((b, d), t) in moved {
            g.pending.remove(&(b.clone(), d.clone()));
            let new = format!("{to}{}", &d[from.len()..]);
            g.pending.insert((b, new), t);
        }
    }

    /// Stores every pending directory time: in the directory's marker (made
    /// if the directory has none, as `chmod` makes one), or in a bucket's
    /// settings. Lazy commits: the next settle makes them durable.
    pub fn flush_dir_times(&self) -> Result<()> {
        // Held while storing, so that an rmdir or a rename (which take it
        // too) cannot remove a directory between the check that it exists
        // and the marker that would bring it back.
        let _flushing = self.dir_flush.lock();
        // Each time stays noted until it is stored, so that a `stat` made
        // meanwhile shows it (taken out first, it would show the stored,
        // older time for the moment of the store: rsync, seeing that,
        // left a directory's time unset).
        let pending: Vec<((String, String), i64)> = self
            .dir_times
            .lock()
            .pending
            .iter()
            .map(|(k, t)| (k.clone(), *t))
            .collect();
        let lazy = self.store.lazy();
        let mut first_error = None;
        let mut done = Vec::with_capacity(pending.len());
        for ((bucket, dir), t) in &pending {
            let (bucket, dir, t) = (bucket.as_str(), dir.as_str(), *t);
            let stored = if dir.is_empty() {
                lazy.update_bucket_settings(bucket, |s| {
                    s.insert(BUCKET_MTIME.to_owned(), t.to_string());
                    s.insert(BUCKET_CTIME.to_owned(), t.to_string());
                })
                .map(|_| ())
                .or_else(|e| match e {
                    // Deleted since: nothing to keep.
                    StoreError::NoSuchBucket(_) => Ok(()),
                    e => Err(FsError::from(e)),
                })
            } else {
                self.store_dir_time(&lazy, bucket, dir, t)
            };
            match stored {
                Ok(()) => done.push(((bucket.to_owned(), dir.to_owned()), t)),
                // Kept for the next round.
                Err(e) => {
                    tracing::warn!(bucket, dir, error = %e, "cannot store a directory's times");
                    first_error.get_or_insert(e);
                }
            }
        }
        // What was stored is done with, unless a later change noted a newer
        // time meanwhile.
        let mut g = self.dir_times.lock();
        for (key, t) in done {
            if g.pending.get(&key) == Some(&t) {
                g.pending.remove(&key);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Stores `t` as the times of `dir`'s marker, through `lazy`.
    fn store_dir_time(&self, lazy: &Store, bucket: &str, dir: &str, t: i64) -> Result<()> {
        let marker = dir_prefix(dir);
        let set = |meta: &mut ObjectMeta| {
            meta.attrs.mtime_ns = Some(t);
            meta.attrs.ctime_ns = Some(t);
        };
        match lazy.update_object_meta(bucket, &marker, At::Current, set) {
            Ok(_) => Ok(()),
            Err(StoreError::NoSuchBucket(_)) => Ok(()),
            Err(e) if not_found(&e) => {
                // A directory only its entries imply gets a marker; one that
                // is gone since needs none.
                if self.store.keys_with(bucket, &marker, 1)?.is_empty() {
                    return Ok(());
                }
                let mut meta = self.new_meta(S_IFDIR | 0o755, self.config.uid, self.config.gid);
                set(&mut meta);
                match lazy.put_object(
                    bucket,
                    &marker,
                    &[][..],
                    alexander_store::PutOptions {
                        meta,
                        condition: Some(WriteCondition::IfNoneMatch),
                    },
                ) {
                    Ok(_) | Err(StoreError::PreconditionFailed) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}
