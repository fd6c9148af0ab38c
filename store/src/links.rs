//! Hard links: several keys of a bucket that are one file.
//!
//! S3 has no hard links, so each name of a linked file is an object of its
//! own, with versions of its own that share the file's chunks. What makes
//! them one file is a group record (`keys::link_group`) listing the names
//! with the sequence of the version each had when the group last changed,
//! and a record per name (`keys::link`) naming its group.
//!
//! A name belongs to its group while both hold: its `link` record names the
//! group, and its current version is the one the group recorded. So a
//! change made to one name from outside the group (an S3 PUT, COPY, upload
//! or DELETE, which knows nothing of links) takes that name out of it by
//! itself, and no path of the store can leave a stale member behind that
//! would later be written as if it were still linked.
//!
//! Changes through a handle made by [`Store::following_links`] (the
//! mount's) keep the group whole: a new version of one name is committed
//! to every name in the same transaction, a change of attributes is made
//! to every name, a rename moves the name within its group, and a removal
//! stamps the change time of the names left. Those records are rewritten
//! on each such change; a group left with fewer than two names is removed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::meta::{Txn, keys};
use crate::objects::{
    NewVersion, ObjectInfo, commit_version, refresh_current, take_seq, versions_of,
};
use crate::records::{BucketRecord, CurrentRecord, ObjectMeta, VersionKind, VersionRecord, decode};
use crate::refs::change_refs;
use crate::{Store, buckets::load, names::validate_writable_key};

/// The names of a group, each with the sequence of the version it had when
/// the group was last written.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct LinkGroup {
    pub names: BTreeMap<String, u64>,
}

/// The names a linked file has now, in key order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Links {
    /// The group's id: the same for every name of the file for as long as
    /// it has more than one, never reused within the bucket.
    pub group: u64,
    pub names: Vec<String>,
}

/// A key's group as read before a change to the key.
pub(crate) struct Linked {
    group: u64,
    /// The group's other names that still belong to it.
    others: Vec<String>,
}

/// A point read of the metadata: a transaction's or the database's.
type Get<'a> = &'a dyn Fn(&[u8]) -> Result<Option<Vec<u8>>>;

/// Reads a key's group through `get` (a transaction's or the database's):
/// its id and the names that belong to it, `key` among them; `None` when
/// `key` belongs to no group.
fn read(get: Get<'_>, bucket: &str, key: &str) -> Result<Option<(u64, Vec<String>)>> {
    let Some(raw) = get(&keys::link(bucket, key))? else {
        return Ok(None);
    };
    let group: u64 = decode(&raw)?;
    let Some(raw) = get(&keys::link_group(bucket, group))? else {
        return Ok(None);
    };
    let rec: LinkGroup = decode(&raw)?;
    let mut names = Vec::with_capacity(rec.names.len());
    for (name, &seq) in &rec.names {
        let in_group = match get(&keys::link(bucket, name))? {
            Some(raw) => decode::<u64>(&raw)? == group,
            None => false,
        };
        let current = match get(&keys::current(bucket, name))? {
            Some(raw) => Some(decode::<CurrentRecord>(&raw)?.seq),
            None => None,
        };
        if in_group && current == Some(seq) {
            names.push(name.clone());
        }
    }
    if !names.iter().any(|n| n == key) {
        return Ok(None);
    }
    Ok(Some((group, names)))
}

/// A key's group before a change to the key, as the transaction sees it.
pub(crate) fn before(txn: &Txn<'_>, bucket: &str, key: &str) -> Result<Option<Linked>> {
    Ok(
        read(&|k| txn.get(k), bucket, key)?.map(|(group, names)| Linked {
            group,
            others: names.into_iter().filter(|n| n != key).collect(),
        }),
    )
}

/// Writes a group with `names` (each with its current version's
/// sequence): every name's record points at it. A group of fewer than
/// two names is removed, with its last name's record.
fn save(txn: &mut Txn<'_>, bucket: &str, group: u64, names: BTreeMap<String, u64>) {
    if names.len() < 2 {
        for name in names.keys() {
            txn.delete(keys::link(bucket, name));
        }
        txn.delete(keys::link_group(bucket, group));
        return;
    }
    for name in names.keys() {
        txn.put_rec(keys::link(bucket, name), &group);
    }
    txn.put_rec(keys::link_group(bucket, group), &LinkGroup { names });
}

/// The current version record of a key.
fn current_record(txn: &Txn<'_>, bucket: &str, key: &str) -> Result<Option<VersionRecord>> {
    Ok(versions_of(txn, bucket, key)?
        .into_iter()
        .find(|r| r.visible() && r.kind == VersionKind::Object))
}

/// The sequences of the current versions of `names`.
fn current_seqs(txn: &Txn<'_>, bucket: &str, names: &[String]) -> Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for name in names {
        if let Some(cur) = txn.get_rec::<CurrentRecord>(&keys::current(bucket, name))? {
            out.insert(name.clone(), cur.seq);
        }
    }
    Ok(out)
}

/// `key` just got version `rec` through a handle that follows links: every
/// other name of its group gets the same data and metadata as a version of
/// its own, in the same transaction.
pub(crate) fn follow(
    txn: &mut Txn<'_>,
    brec: &mut BucketRecord,
    bucket: &str,
    key: &str,
    linked: Linked,
    rec: &VersionRecord,
) -> Result<()> {
    let mut names = BTreeMap::new();
    names.insert(key.to_owned(), rec.seq);
    for name in linked.others {
        change_refs(txn, &rec.manifest, 1)?;
        let r = commit_version(
            txn,
            brec,
            bucket,
            &name,
            NewVersion {
                kind: VersionKind::Object,
                meta: rec.meta.clone(),
                manifest: rec.manifest.clone(),
                etag: rec.etag.clone(),
                part_sizes: rec.part_sizes.clone(),
            },
        )?;
        names.insert(name, r.seq);
    }
    save(txn, bucket, linked.group, names);
    Ok(())
}

/// `key`'s current version got metadata `meta` in place: every other name
/// of its group gets it too.
pub(crate) fn follow_meta(
    txn: &mut Txn<'_>,
    bucket: &str,
    linked: &Linked,
    meta: &ObjectMeta,
) -> Result<()> {
    change_current(txn, bucket, &linked.others, |m| *m = meta.clone())
}

/// Applies `change` to the metadata of the current version of each of
/// `names`, in place.
fn change_current(
    txn: &mut Txn<'_>,
    bucket: &str,
    names: &[String],
    change: impl Fn(&mut ObjectMeta),
) -> Result<()> {
    for name in names {
        if let Some(mut r) = current_record(txn, bucket, name)? {
            change(&mut r.meta);
            txn.put_rec(keys::version(bucket, name, r.seq), &r);
            refresh_current(txn, bucket, name)?;
        }
    }
    Ok(())
}

/// `from` was renamed to `to`, whose new version is `seq`: `to` takes its
/// place in the group.
pub(crate) fn moved(
    txn: &mut Txn<'_>,
    bucket: &str,
    from: &str,
    to: &str,
    seq: u64,
    linked: Linked,
) -> Result<()> {
    let moves = BTreeMap::from([(from.to_owned(), to.to_owned())]);
    let new_seqs = BTreeMap::from([(to.to_owned(), seq)]);
    moved_within(txn, bucket, from, to, linked, &moves, &new_seqs)
}

/// [`moved`] for a rename of a whole prefix: `moves` maps every old key to
/// its new one, `new_seqs` every new key to its new version; the group's
/// other names may have moved too.
pub(crate) fn moved_within(
    txn: &mut Txn<'_>,
    bucket: &str,
    from: &str,
    to: &str,
    linked: Linked,
    moves: &BTreeMap<String, String>,
    new_seqs: &BTreeMap<String, u64>,
) -> Result<()> {
    let mut names = BTreeMap::new();
    for other in linked.others {
        if let Some(dst) = moves.get(&other) {
            if let Some(&seq) = new_seqs.get(dst) {
                names.insert(dst.clone(), seq);
            }
        } else if !moves.values().any(|d| *d == other)
            && let Some(cur) = txn.get_rec::<CurrentRecord>(&keys::current(bucket, &other))?
        {
            names.insert(other, cur.seq);
        }
    }
    if let Some(&seq) = new_seqs.get(to) {
        names.insert(to.to_owned(), seq);
    }
    txn.delete(keys::link(bucket, from));
    save(txn, bucket, linked.group, names);
    Ok(())
}

/// `key` left its group (it was deleted, or replaced from outside the
/// group): the others stay linked, their change time `ctime_ns` if given.
pub(crate) fn left(
    txn: &mut Txn<'_>,
    bucket: &str,
    key: &str,
    linked: Linked,
    ctime_ns: Option<i64>,
) -> Result<()> {
    if let Some(t) = ctime_ns {
        change_current(txn, bucket, &linked.others, |m| m.attrs.ctime_ns = Some(t))?;
    }
    let names = current_seqs(txn, bucket, &linked.others)?;
    txn.delete(keys::link(bucket, key));
    save(txn, bucket, linked.group, names);
    Ok(())
}

/// Removes every link record of a bucket (it is being deleted).
pub(crate) fn drop_bucket(txn: &mut Txn<'_>, bucket: &str) -> Result<()> {
    for prefix in [keys::link_prefix(bucket), keys::link_groups_prefix(bucket)] {
        for (k, _) in txn.scan(&prefix)? {
            txn.delete(k);
        }
    }
    Ok(())
}

impl Store {
    /// Whether any name of `bucket` may have hard links: one seek, so that
    /// a listing of a bucket without any asks no name for its links.
    pub fn has_links(&self, bucket: &str) -> Result<bool> {
        let prefix = keys::link_prefix(bucket);
        Ok(self.inner.meta.scan(&prefix).next().transpose()?.is_some())
    }

    /// The names of the file `key` is, if it has more than one.
    pub fn links(&self, bucket: &str, key: &str) -> Result<Option<Links>> {
        let meta = &self.inner.meta;
        Ok(read(&|k| meta.get(k), bucket, key)?
            .filter(|(_, names)| names.len() > 1)
            .map(|(group, names)| Links { group, names }))
    }

    /// Makes `new` another name of the file `existing` is (a hard link):
    /// a new object sharing its data and metadata, whose later changes
    /// through a handle that follows links (the mount's) are made to every
    /// name. The file's change time becomes `ctime_ns`. `new` must not
    /// exist (`AlreadyExists`).
    pub fn link(
        &self,
        bucket: &str,
        existing: &str,
        new: &str,
        ctime_ns: i64,
    ) -> Result<ObjectInfo> {
        validate_writable_key(existing)?;
        validate_writable_key(new)?;
        if existing.ends_with('/') || new.ends_with('/') {
            return Err(Error::InvalidArgument(
                "a directory cannot be linked".to_owned(),
            ));
        }
        let mut txn = self.inner.meta.begin();
        let mut brec = load(&txn, bucket)?;
        if txn.get(&keys::current(bucket, new))?.is_some() {
            return Err(Error::AlreadyExists(new.to_owned()));
        }
        let Some(mut src) = current_record(&txn, bucket, existing)? else {
            return Err(Error::NoSuchKey {
                key: existing.to_owned(),
                delete_marker: None,
            });
        };
        let (group, others) = match before(&txn, bucket, existing)? {
            Some(l) => (l.group, l.others),
            None => (take_seq(&mut brec), Vec::new()),
        };
        // Every name's version shows the new change time.
        src.meta.attrs.ctime_ns = Some(ctime_ns);
        txn.put_rec(keys::version(bucket, existing, src.seq), &src);
        refresh_current(&mut txn, bucket, existing)?;
        let linked = Linked { group, others };
        follow_meta(&mut txn, bucket, &linked, &src.meta)?;
        let mut pins = crate::ingest::PinGuard::new(self);
        pins.pin_manifest(&src.manifest);
        change_refs(&mut txn, &src.manifest, 1)?;
        let rec = commit_version(
            &mut txn,
            &mut brec,
            bucket,
            new,
            NewVersion {
                kind: VersionKind::Object,
                meta: src.meta.clone(),
                manifest: src.manifest.clone(),
                etag: src.etag.clone(),
                part_sizes: src.part_sizes.clone(),
            },
        )?;
        let mut names = current_seqs(&txn, bucket, &linked.others)?;
        names.insert(existing.to_owned(), src.seq);
        names.insert(new.to_owned(), rec.seq);
        save(&mut txn, bucket, group, names);
        txn.put_rec(keys::bucket(bucket), &brec);
        self.finish(txn)?;
        drop(pins);
        Ok(ObjectInfo::of(new, &rec))
    }
}
