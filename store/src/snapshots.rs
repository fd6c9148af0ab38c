//! Snapshots: a name bound to a bucket's commit sequence. Taking one costs
//! one record whatever the bucket holds; its view of a key is the newest
//! version at or below that sequence. Versions only a snapshot still sees
//! are kept hidden, and go when their last snapshot does.

use crate::buckets::load;
use crate::error::{Error, Result};
use crate::meta::{Txn, keys};
use crate::names::validate_snapshot_name;
use crate::objects::{purge, seen, snapshot_seqs, versions_of};
use crate::records::{SnapshotRecord, decode};
use crate::{Store, now_ns};

/// A snapshot of a bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub name: String,
    /// It sees every commit up to this sequence.
    pub seq: u64,
    pub created_ns: i64,
}

impl Store {
    /// Takes a snapshot of a bucket as it is now.
    pub fn create_snapshot(&self, bucket: &str, name: &str) -> Result<SnapshotInfo> {
        validate_snapshot_name(name)?;
        let mut txn = self.inner.meta.begin();
        let brec = load(&txn, bucket)?;
        let key = keys::snapshot(bucket, name);
        if txn.get(&key)?.is_some() {
            return Err(Error::SnapshotAlreadyExists(name.to_owned()));
        }
        let rec = SnapshotRecord {
            seq: brec.next_seq - 1,
            created_ns: now_ns(),
        };
        txn.put_rec(key, &rec);
        txn.commit()?;
        // Durable whatever the handle, with the pack data of the lazy
        // commits it sees.
        self.settle()?;
        self.inner.meta.sync()?;
        Ok(SnapshotInfo {
            name: name.to_owned(),
            seq: rec.seq,
            created_ns: rec.created_ns,
        })
    }

    /// A bucket's snapshots, in name order.
    pub fn list_snapshots(&self, bucket: &str) -> Result<Vec<SnapshotInfo>> {
        self.head_bucket(bucket)?;
        let prefix = keys::snapshots_prefix(bucket);
        let mut out = Vec::new();
        for entry in self.inner.meta.scan(&prefix) {
            let (k, v) = entry?;
            let rec: SnapshotRecord = decode(&v)?;
            out.push(SnapshotInfo {
                name: String::from_utf8_lossy(&k[prefix.len()..]).into_owned(),
                seq: rec.seq,
                created_ns: rec.created_ns,
            });
        }
        Ok(out)
    }

    /// One snapshot, or `NoSuchSnapshot`.
    pub fn head_snapshot(&self, bucket: &str, name: &str) -> Result<SnapshotInfo> {
        self.head_bucket(bucket)?;
        let rec: SnapshotRecord = self
            .inner
            .meta
            .get_rec(&keys::snapshot(bucket, name))?
            .ok_or_else(|| Error::NoSuchSnapshot(name.to_owned()))?;
        Ok(SnapshotInfo {
            name: name.to_owned(),
            seq: rec.seq,
            created_ns: rec.created_ns,
        })
    }

    /// Deletes a snapshot, and with it the hidden versions no other snapshot
    /// sees.
    pub fn delete_snapshot(&self, bucket: &str, name: &str) -> Result<()> {
        let mut txn = self.inner.meta.begin();
        load(&txn, bucket)?;
        let key = keys::snapshot(bucket, name);
        if txn.get(&key)?.is_none() {
            return Err(Error::NoSuchSnapshot(name.to_owned()));
        }
        txn.delete(key);
        release_hidden(&mut txn, bucket)?;
        self.finish(txn)
    }
}

/// Purges the bucket's hidden records that no snapshot sees any more.
fn release_hidden(txn: &mut Txn<'_>, bucket: &str) -> Result<()> {
    let snapshots = snapshot_seqs(txn, bucket)?;
    let hprefix = keys::hidden_prefix(bucket);
    let mut keys_with_hidden: Vec<String> = Vec::new();
    for (k, _) in txn.scan(&hprefix)? {
        let (key, _) = keys::split_version(&k[hprefix.len()..])
            .ok_or_else(|| Error::BadRecord("malformed hidden key".into()))?;
        if keys_with_hidden.last().is_none_or(|last| last != key) {
            keys_with_hidden.push(key.to_owned());
        }
    }
    for key in keys_with_hidden {
        // Purging a record no snapshot sees changes no snapshot's view, so
        // every record can be judged against the same list.
        let records = versions_of(txn, bucket, &key)?;
        for r in records.iter().filter(|r| !r.visible()) {
            if !seen(&records, &snapshots, r.seq) {
                purge(txn, bucket, &key, r)?;
            }
        }
    }
    Ok(())
}
