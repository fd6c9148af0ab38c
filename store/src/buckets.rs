//! Buckets: create, delete, list, head, versioning state and settings.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::meta::{Txn, keys};
use crate::names::{
    ANY_KEYS, KEY_RULE_SETTING, check_path_key, keeps_path_rule, validate_bucket_name,
};
use crate::records::{BucketRecord, Versioning, decode};
use crate::{Store, now_ns};

/// What a bucket listing or head returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketInfo {
    pub name: String,
    pub created_ns: i64,
    pub versioning: Versioning,
    pub settings: BTreeMap<String, String>,
}

impl BucketInfo {
    /// Whether the bucket takes only keys the mount can show as paths (the
    /// default); a bucket that takes any key is left out of the mount.
    pub fn keeps_path_rule(&self) -> bool {
        keeps_path_rule(&self.settings)
    }
}

/// How many offending keys a refusal to turn the path rule on names.
const OFFENDERS_SHOWN: usize = 5;

fn info(name: String, rec: BucketRecord) -> BucketInfo {
    BucketInfo {
        name,
        created_ns: rec.created_ns,
        versioning: rec.versioning,
        settings: rec.settings,
    }
}

/// Reads a bucket inside a transaction, or fails with `NoSuchBucket`.
pub(crate) fn load(txn: &Txn<'_>, bucket: &str) -> Result<BucketRecord> {
    txn.get_rec(&keys::bucket(bucket))?
        .ok_or_else(|| Error::NoSuchBucket(bucket.to_owned()))
}

impl Store {
    /// Creates a bucket. Its name must follow S3's rules.
    pub fn create_bucket(&self, bucket: &str) -> Result<BucketInfo> {
        self.create_bucket_with(bucket, BTreeMap::new())
    }

    /// Creates a bucket with its settings (owner, ACL…) in one commit, so
    /// that it is never seen without them.
    pub fn create_bucket_with(
        &self,
        bucket: &str,
        settings: BTreeMap<String, String>,
    ) -> Result<BucketInfo> {
        validate_bucket_name(bucket)?;
        let mut txn = self.inner.meta.begin();
        let key = keys::bucket(bucket);
        if txn.get(&key)?.is_some() {
            return Err(Error::BucketAlreadyExists(bucket.to_owned()));
        }
        let rec = BucketRecord {
            created_ns: now_ns(),
            versioning: Versioning::Unversioned,
            next_seq: 1,
            settings,
        };
        txn.put_rec(key, &rec);
        txn.commit()?;
        self.inner.meta.sync()?;
        Ok(info(bucket.to_owned(), rec))
    }

    /// Deletes a bucket that holds nothing: no object, no version (hidden
    /// ones kept for snapshots included) and no multipart upload. Its
    /// snapshots go with it.
    pub fn delete_bucket(&self, bucket: &str) -> Result<()> {
        let mut txn = self.inner.meta.begin();
        load(&txn, bucket)?;
        if txn.any(&keys::versions_prefix(bucket))? || txn.any(&keys::uploads_prefix(bucket))? {
            return Err(Error::BucketNotEmpty(bucket.to_owned()));
        }
        for (k, _) in txn.scan(&keys::snapshots_prefix(bucket))? {
            txn.delete(k);
        }
        crate::links::drop_bucket(&mut txn, bucket)?;
        txn.delete(keys::bucket(bucket));
        txn.commit()?;
        self.inner.meta.sync()
    }

    /// Every bucket, in name order.
    pub fn list_buckets(&self) -> Result<Vec<BucketInfo>> {
        let mut out = Vec::new();
        for entry in self.inner.meta.scan(keys::BUCKETS) {
            let (k, v) = entry?;
            let name = String::from_utf8_lossy(&k[keys::BUCKETS.len()..]).into_owned();
            out.push(info(name, decode(&v)?));
        }
        Ok(out)
    }

    /// One bucket, or `NoSuchBucket`.
    pub fn head_bucket(&self, bucket: &str) -> Result<BucketInfo> {
        let rec: BucketRecord = self
            .inner
            .meta
            .get_rec(&keys::bucket(bucket))?
            .ok_or_else(|| Error::NoSuchBucket(bucket.to_owned()))?;
        Ok(info(bucket.to_owned(), rec))
    }

    /// Sets the versioning state. A bucket that was ever versioned can be
    /// suspended but never return to unversioned, as in S3.
    pub fn set_versioning(&self, bucket: &str, state: Versioning) -> Result<()> {
        let mut txn = self.inner.meta.begin();
        let mut rec = load(&txn, bucket)?;
        if state == Versioning::Unversioned && rec.versioning != Versioning::Unversioned {
            return Err(Error::InvalidVersioningTransition);
        }
        rec.versioning = state;
        txn.put_rec(keys::bucket(bucket), &rec);
        txn.commit()?;
        self.inner.meta.sync()
    }

    /// Sets (or with `None` removes) a bucket setting kept for the layers
    /// above: owner, ACL, tags, CORS, lifecycle rules.
    pub fn set_bucket_setting(&self, bucket: &str, name: &str, value: Option<&str>) -> Result<()> {
        self.update_bucket_settings(bucket, |settings| {
            match value {
                Some(v) => settings.insert(name.to_owned(), v.to_owned()),
                None => settings.remove(name),
            };
        })
        .map(drop)
    }

    /// Turns the path rule on (`true`, the default) or off for a bucket.
    /// Off, the bucket takes any key S3 takes and the mount leaves it out.
    /// Turning it on is refused while the bucket holds current keys the
    /// rule would refuse; the error names the first few. The check and the
    /// change are one commit, so no write slips in between.
    pub fn set_path_rule(&self, bucket: &str, on: bool) -> Result<BucketInfo> {
        let mut txn = self.inner.meta.begin();
        let mut rec = load(&txn, bucket)?;
        if on && !keeps_path_rule(&rec.settings) {
            let offenders = self.path_offenders(bucket)?;
            if !offenders.is_empty() {
                let more = if offenders.len() > OFFENDERS_SHOWN {
                    ", and more"
                } else {
                    ""
                };
                let shown: Vec<&str> = offenders
                    .iter()
                    .take(OFFENDERS_SHOWN)
                    .map(String::as_str)
                    .collect();
                return Err(Error::InvalidArgument(format!(
                    "bucket {bucket} holds keys the mount cannot show (delete or rename them \
                     first): {}{more}",
                    shown.join("; ")
                )));
            }
        }
        if on {
            rec.settings.remove(KEY_RULE_SETTING);
        } else {
            rec.settings
                .insert(KEY_RULE_SETTING.to_owned(), ANY_KEYS.to_owned());
        }
        txn.put_rec(keys::bucket(bucket), &rec);
        txn.commit()?;
        self.inner.meta.sync()?;
        Ok(info(bucket.to_owned(), rec))
    }

    /// The bucket's current keys the path rule refuses, each with why, up
    /// to one more than [`OFFENDERS_SHOWN`]. The caller holds the commit
    /// lock, so the keys cannot change under the scan. A key that is both
    /// a file and a directory is found from below: its object stands above
    /// another current key.
    fn path_offenders(&self, bucket: &str) -> Result<Vec<String>> {
        let meta = &self.inner.meta;
        let prefix = keys::current_prefix(bucket);
        let mut found = Vec::new();
        for entry in meta.scan(&prefix) {
            let (k, _) = entry?;
            let key = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            if let Err(e) = check_path_key(&key) {
                found.push(e.to_string());
            } else {
                for (i, _) in key.match_indices('/') {
                    let above = &key[..i];
                    if meta.get(&keys::current(bucket, above))?.is_some() {
                        found.push(format!(
                            "{key:?} is under {above:?}, which is an object as well"
                        ));
                        break;
                    }
                }
            }
            if found.len() > OFFENDERS_SHOWN {
                break;
            }
        }
        Ok(found)
    }

    /// Changes several of a bucket's settings in one commit (the mount's
    /// `chmod` of a bucket's directory sets its mode and time together).
    /// Returns the bucket as changed.
    pub fn update_bucket_settings(
        &self,
        bucket: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Result<BucketInfo> {
        let mut txn = self.inner.meta.begin();
        let mut rec = load(&txn, bucket)?;
        change(&mut rec.settings);
        txn.put_rec(keys::bucket(bucket), &rec);
        txn.commit()?;
        if !self.lazy {
            self.inner.meta.sync()?;
        }
        Ok(info(bucket.to_owned(), rec))
    }
}
