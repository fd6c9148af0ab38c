//! Objects and their versions: put, get, head, delete, copy and rename,
//! under S3's rules for each versioning state.
//!
//! Every change to a key is a commit stamped with the bucket's next
//! sequence number. A version S3 no longer shows (superseded in an
//! unversioned bucket, deleted there, or deleted by id) is marked hidden at
//! the sequence of the commit that hid it. The current view of a key is its
//! newest version not hidden; a snapshot's view is its newest version that
//! existed and was not yet hidden at the snapshot's sequence. A hidden
//! version is kept only while some snapshot's view of its key is that
//! version; otherwise its record goes at once and its chunks lose a
//! reference.

use std::collections::BTreeMap;
use std::io::Read;

use crate::buckets::load;
use crate::error::{Error, Result};
use crate::ingest::{EtagKind, Ingested, NewChunk, PinGuard, chunk_ids_etag};
use crate::links;
use crate::manifest::Manifest;
use crate::meta::{Txn, keys};
use crate::names::{check_path_key, keeps_path_rule, validate_key, validate_writable_key};
use crate::reader::ObjectReader;
use crate::records::{
    BucketRecord, CurrentRecord, ObjectMeta, VersionKind, VersionRecord, Versioning, decode,
    view_at,
};
use crate::refs::{change_refs, load_counters};
use crate::{Store, now_ns, version_id};

/// Which state of a key to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At<'a> {
    /// The current object.
    Current,
    /// A version by its id (`null` included).
    Version(&'a str),
    /// The key as a named snapshot of its bucket saw it.
    Snapshot(&'a str),
}

/// A byte range of an object, as HTTP `Range` expresses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ByteRange {
    /// From `start` to the end.
    From(u64),
    /// From `start` to `end`, both included.
    Inclusive(u64, u64),
    /// The last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// Resolves the range against an object of `size` bytes, as S3 does: a
    /// start at or past the end is `InvalidRange`, an end past it is
    /// clamped. Returns `start..end` (end exclusive).
    pub fn resolve(self, size: u64) -> Result<(u64, u64)> {
        let bad = Err(Error::InvalidRange { size });
        match self {
            ByteRange::From(start) if start < size => Ok((start, size)),
            ByteRange::Inclusive(start, end) if start <= end && start < size => {
                Ok((start, end.saturating_add(1).min(size)))
            }
            ByteRange::Suffix(n) if n > 0 && size > 0 => Ok((size - n.min(size), size)),
            _ => bad,
        }
    }
}

/// Preconditions on a write, checked atomically with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteCondition {
    /// The key must have no current object (`If-None-Match: *`).
    IfNoneMatch,
    /// The current object's ETag must be this one (`If-Match`).
    IfMatch(String),
}

/// Options of a put.
#[derive(Clone, Debug, Default)]
pub struct PutOptions {
    pub meta: ObjectMeta,
    pub condition: Option<WriteCondition>,
}

/// The version a copy reads.
#[derive(Clone, Copy, Debug)]
pub struct CopySource<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub at: At<'a>,
}

/// Metadata of a copy.
#[derive(Clone, Debug)]
pub enum CopyMetadata {
    /// The source's metadata.
    Copy,
    /// New metadata.
    Replace(ObjectMeta),
}

/// What a delete did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteResult {
    /// The version created (a delete marker) or removed, if any.
    pub version_id: Option<String>,
    /// A delete marker was created, or removed by id.
    pub delete_marker: bool,
}

/// What a conditional delete ([`Store::delete_object_if`]) requires of
/// the key's visible versions, each named by the sequence of the commit
/// that created it ([`ObjectInfo::seq`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteIf {
    /// The current version is this object (not a delete marker).
    Current(u64),
    /// This delete marker is the key's only version.
    OnlyMarker(u64),
    /// This version is there and is not the newest.
    Noncurrent(u64),
}

impl DeleteIf {
    /// Whether the key's records (newest first) are as expected.
    fn holds(self, records: &[VersionRecord]) -> bool {
        let mut visible = records.iter().filter(|r| r.visible());
        let newest = visible.next();
        match self {
            DeleteIf::Current(seq) => {
                newest.is_some_and(|r| r.seq == seq && r.kind == VersionKind::Object)
            }
            DeleteIf::OnlyMarker(seq) => {
                newest.is_some_and(|r| r.seq == seq && r.kind == VersionKind::DeleteMarker)
                    && visible.next().is_none()
            }
            DeleteIf::Noncurrent(seq) => visible.any(|r| r.seq == seq),
        }
    }
}

/// Everything about one version of an object but its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub version_id: String,
    pub size: u64,
    pub etag: String,
    /// ns since the Unix epoch.
    pub modified_ns: i64,
    pub meta: ObjectMeta,
    /// Sequence of the commit that created it.
    pub seq: u64,
    /// Sizes of the parts it was uploaded in; empty for a single put, and
    /// in listings of the current view (read it with a head).
    pub part_sizes: Vec<u64>,
}

impl ObjectInfo {
    pub(crate) fn of_current(key: &str, rec: CurrentRecord) -> ObjectInfo {
        ObjectInfo {
            key: key.to_owned(),
            version_id: version_id(rec.seq, rec.null_id),
            size: rec.size,
            etag: rec.etag,
            modified_ns: rec.modified_ns,
            meta: rec.meta,
            seq: rec.seq,
            part_sizes: Vec::new(),
        }
    }

    pub(crate) fn of(key: &str, rec: &VersionRecord) -> ObjectInfo {
        ObjectInfo {
            key: key.to_owned(),
            version_id: version_id(rec.seq, rec.null_id),
            size: rec.size,
            etag: rec.etag.clone(),
            modified_ns: rec.modified_ns,
            meta: rec.meta.clone(),
            seq: rec.seq,
            part_sizes: rec.part_sizes.clone(),
        }
    }
}

/// A version about to be committed.
pub(crate) struct NewVersion {
    pub kind: VersionKind,
    pub meta: ObjectMeta,
    pub manifest: Manifest,
    pub etag: String,
    pub part_sizes: Vec<u64>,
}

/// Parses a version id into what it names: `None` for `null`.
pub(crate) fn parse_version_id(key: &str, id: &str) -> Result<Option<u64>> {
    if id == "null" {
        return Ok(None);
    }
    if id.len() == 16
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && let Ok(seq) = u64::from_str_radix(id, 16)
    {
        return Ok(Some(seq));
    }
    Err(Error::NoSuchVersion {
        key: key.to_owned(),
        version_id: id.to_owned(),
    })
}

/// All records of a key, newest first, as the transaction sees them.
pub(crate) fn versions_of(txn: &Txn<'_>, bucket: &str, key: &str) -> Result<Vec<VersionRecord>> {
    txn.scan(&keys::versions_of(bucket, key))?
        .into_iter()
        .map(|(_, v)| decode(&v))
        .collect()
}

/// Sequences of the bucket's snapshots.
pub(crate) fn snapshot_seqs(txn: &Txn<'_>, bucket: &str) -> Result<Vec<u64>> {
    txn.scan(&keys::snapshots_prefix(bucket))?
        .into_iter()
        .map(|(_, v)| decode::<crate::records::SnapshotRecord>(&v).map(|s| s.seq))
        .collect()
}

/// Whether some snapshot's view of a key is its record `seq`. `records`
/// are the key's records, newest first.
pub(crate) fn seen(records: &[VersionRecord], snapshots: &[u64], seq: u64) -> bool {
    snapshots
        .iter()
        .any(|&s| view_at(records, s).is_some_and(|r| r.seq == seq))
}

/// Removes a record for good: its key entries, its references, its bytes
/// from the counters.
pub(crate) fn purge(txn: &mut Txn<'_>, bucket: &str, key: &str, rec: &VersionRecord) -> Result<()> {
    txn.delete(keys::version(bucket, key, rec.seq));
    txn.delete(keys::hidden(bucket, key, rec.seq));
    change_refs(txn, &rec.manifest, -1)?;
    let mut counters = load_counters(txn)?;
    counters.logical_bytes = counters.logical_bytes.saturating_sub(rec.size);
    counters.versions = counters.versions.saturating_sub(1);
    txn.put_rec(keys::COUNTERS.to_vec(), &counters);
    Ok(())
}

/// Takes a record out of S3's sight as of commit `at`: kept hidden if a
/// snapshot sees it, purged otherwise. Returns whether it was kept.
fn retire(
    txn: &mut Txn<'_>,
    bucket: &str,
    key: &str,
    mut rec: VersionRecord,
    at: u64,
) -> Result<bool> {
    rec.hidden_at = Some(at);
    let mut records = versions_of(txn, bucket, key)?;
    for r in records.iter_mut().filter(|r| r.seq == rec.seq) {
        *r = rec.clone();
    }
    let snapshots = snapshot_seqs(txn, bucket)?;
    if seen(&records, &snapshots, rec.seq) {
        txn.put_rec(keys::version(bucket, key, rec.seq), &rec);
        txn.put(keys::hidden(bucket, key, rec.seq), Vec::new());
        Ok(true)
    } else {
        purge(txn, bucket, key, &rec)?;
        Ok(false)
    }
}

/// Points the current view of a key at its newest visible version, or
/// removes it when that is a delete marker or there is none.
pub(crate) fn refresh_current(txn: &mut Txn<'_>, bucket: &str, key: &str) -> Result<()> {
    let newest = versions_of(txn, bucket, key)?
        .into_iter()
        .find(VersionRecord::visible);
    match newest {
        Some(r) if r.kind == VersionKind::Object => txn.put_rec(
            keys::current(bucket, key),
            &CurrentRecord {
                seq: r.seq,
                null_id: r.null_id,
                modified_ns: r.modified_ns,
                size: r.size,
                etag: r.etag,
                meta: r.meta,
            },
        ),
        _ => txn.delete(keys::current(bucket, key)),
    }
    Ok(())
}

pub(crate) fn take_seq(rec: &mut BucketRecord) -> u64 {
    let seq = rec.next_seq;
    rec.next_seq += 1;
    seq
}

/// Refuses, in a bucket that keeps the path rule, an object at `key` that
/// the mount could not show: a key that is not a path, or one that would
/// make a name both a file and a directory (an object above it, or keys
/// under it). Only current objects count: a delete marker or a hidden
/// version is no file. Run inside the commit, under its lock, so two
/// writers cannot each pass and together conflict. Costs a point lookup
/// per `/` in the key and one seek.
pub(crate) fn check_path(
    txn: &Txn<'_>,
    bucket_rec: &BucketRecord,
    bucket: &str,
    key: &str,
) -> Result<()> {
    if !keeps_path_rule(&bucket_rec.settings) {
        return Ok(());
    }
    check_path_key(key)?;
    for (i, _) in key.match_indices('/') {
        let above = &key[..i];
        if txn.get(&keys::current(bucket, above))?.is_some() {
            return Err(Error::KeyConflict {
                key: key.to_owned(),
                existing: above.to_owned(),
                ancestor: true,
            });
        }
    }
    if !key.ends_with('/') {
        let mut under = keys::current(bucket, key);
        under.push(b'/');
        if let Some(k) = txn.first(&under)? {
            let prefix = keys::current_prefix(bucket);
            return Err(Error::KeyConflict {
                key: key.to_owned(),
                existing: String::from_utf8_lossy(&k[prefix.len()..]).into_owned(),
                ancestor: false,
            });
        }
    }
    Ok(())
}

/// Commits a new version (object or delete marker) of `key`, applying the
/// bucket's versioning rules to the null version it may replace. The caller
/// has taken the references the new version's manifest holds. A new object
/// must pass the bucket's path rule ([`check_path`]); every write of an
/// object comes through here, so none can skip it.
pub(crate) fn commit_version(
    txn: &mut Txn<'_>,
    bucket_rec: &mut BucketRecord,
    bucket: &str,
    key: &str,
    new: NewVersion,
) -> Result<VersionRecord> {
    if new.kind == VersionKind::Object {
        check_path(txn, bucket_rec, bucket, key)?;
    }
    let seq = take_seq(bucket_rec);
    let null_id = bucket_rec.versioning != Versioning::Enabled;
    if null_id {
        let old_null = versions_of(txn, bucket, key)?
            .into_iter()
            .find(|r| r.visible() && r.null_id);
        if let Some(old) = old_null {
            retire(txn, bucket, key, old, seq)?;
        }
    }
    let rec = VersionRecord {
        seq,
        null_id,
        hidden_at: None,
        kind: new.kind,
        modified_ns: now_ns(),
        size: new.manifest.size(),
        etag: new.etag,
        meta: new.meta,
        manifest: new.manifest,
        part_sizes: new.part_sizes,
    };
    txn.put_rec(keys::version(bucket, key, seq), &rec);
    if rec.kind == VersionKind::Object {
        let mut counters = load_counters(txn)?;
        counters.logical_bytes += rec.size;
        counters.versions += 1;
        txn.put_rec(keys::COUNTERS.to_vec(), &counters);
    } else {
        let mut counters = load_counters(txn)?;
        counters.versions += 1;
        txn.put_rec(keys::COUNTERS.to_vec(), &counters);
    }
    refresh_current(txn, bucket, key)?;
    Ok(rec)
}

/// Deletes the current object of `key` under the bucket's versioning rules.
fn delete_current(
    txn: &mut Txn<'_>,
    bucket_rec: &mut BucketRecord,
    bucket: &str,
    key: &str,
) -> Result<DeleteResult> {
    match bucket_rec.versioning {
        Versioning::Unversioned => {
            let current = versions_of(txn, bucket, key)?
                .into_iter()
                .find(VersionRecord::visible);
            if let Some(cur) = current {
                let seq = take_seq(bucket_rec);
                retire(txn, bucket, key, cur, seq)?;
                refresh_current(txn, bucket, key)?;
            }
            Ok(DeleteResult {
                version_id: None,
                delete_marker: false,
            })
        }
        Versioning::Enabled | Versioning::Suspended => {
            let rec = commit_version(
                txn,
                bucket_rec,
                bucket,
                key,
                NewVersion {
                    kind: VersionKind::DeleteMarker,
                    meta: ObjectMeta::default(),
                    manifest: Manifest::default(),
                    etag: String::new(),
                    part_sizes: Vec::new(),
                },
            )?;
            Ok(DeleteResult {
                version_id: Some(version_id(rec.seq, rec.null_id)),
                delete_marker: true,
            })
        }
    }
}

/// Finds a visible version by id among a key's records.
fn find_version(records: Vec<VersionRecord>, key: &str, id: &str) -> Result<VersionRecord> {
    let want = parse_version_id(key, id)?;
    for r in records {
        let hit = match want {
            None => r.null_id && r.visible(),
            Some(seq) => r.seq == seq && !r.null_id && r.visible(),
        };
        if hit {
            return Ok(r);
        }
    }
    Err(Error::NoSuchVersion {
        key: key.to_owned(),
        version_id: id.to_owned(),
    })
}

/// Deletes one version by id.
fn delete_version(
    txn: &mut Txn<'_>,
    bucket_rec: &mut BucketRecord,
    bucket: &str,
    key: &str,
    id: &str,
) -> Result<DeleteResult> {
    let rec = find_version(versions_of(txn, bucket, key)?, key, id)?;
    let result = DeleteResult {
        version_id: Some(id.to_owned()),
        delete_marker: rec.kind == VersionKind::DeleteMarker,
    };
    let seq = take_seq(bucket_rec);
    retire(txn, bucket, key, rec, seq)?;
    refresh_current(txn, bucket, key)?;
    Ok(result)
}

/// Reads the record `at` names, for a reader. Delete markers are errors.
pub(crate) fn resolve(store: &Store, bucket: &str, key: &str, at: At<'_>) -> Result<VersionRecord> {
    validate_key(key)?;
    let meta = &store.inner.meta;
    if meta.get(&keys::bucket(bucket))?.is_none() {
        return Err(Error::NoSuchBucket(bucket.to_owned()));
    }
    let no_key = |delete_marker| Error::NoSuchKey {
        key: key.to_owned(),
        delete_marker,
    };
    match at {
        At::Current => {
            // The current view points at the version; a concurrent change
            // may remove it between the two reads, then the scan decides.
            if let Some(cur) = meta.get_rec::<CurrentRecord>(&keys::current(bucket, key))?
                && let Some(rec) = meta.get_rec(&keys::version(bucket, key, cur.seq))?
            {
                return Ok(rec);
            }
            let records: Vec<VersionRecord> = meta
                .scan(&keys::versions_of(bucket, key))
                .map(|e| e.and_then(|(_, v)| decode(&v)))
                .collect::<Result<_>>()?;
            match records.into_iter().find(VersionRecord::visible) {
                Some(r) if r.kind == VersionKind::Object => Ok(r),
                Some(r) => Err(no_key(Some(version_id(r.seq, r.null_id)))),
                None => Err(no_key(None)),
            }
        }
        At::Version(id) => {
            let records = meta
                .scan(&keys::versions_of(bucket, key))
                .map(|e| e.and_then(|(_, v)| decode(&v)))
                .collect::<Result<Vec<VersionRecord>>>()?;
            let rec = find_version(records, key, id)?;
            if rec.kind != VersionKind::Object {
                return Err(Error::VersionIsDeleteMarker {
                    key: key.to_owned(),
                    version_id: id.to_owned(),
                });
            }
            Ok(rec)
        }
        At::Snapshot(name) => {
            let snap: crate::records::SnapshotRecord = meta
                .get_rec(&keys::snapshot(bucket, name))?
                .ok_or_else(|| Error::NoSuchSnapshot(name.to_owned()))?;
            let records: Vec<VersionRecord> = meta
                .scan(&keys::versions_of(bucket, key))
                .map(|e| e.and_then(|(_, v)| decode(&v)))
                .collect::<Result<_>>()?;
            match view_at(&records, snap.seq) {
                Some(r) if r.kind == VersionKind::Object => Ok(r.clone()),
                _ => Err(no_key(None)),
            }
        }
    }
}

fn check_condition(
    txn: &Txn<'_>,
    bucket: &str,
    key: &str,
    cond: &Option<WriteCondition>,
) -> Result<()> {
    let Some(cond) = cond else { return Ok(()) };
    let current: Option<CurrentRecord> = txn.get_rec(&keys::current(bucket, key))?;
    if condition_holds(cond, current.as_ref()) {
        Ok(())
    } else {
        Err(Error::PreconditionFailed)
    }
}

/// Whether a write condition holds for the key's current object.
pub(crate) fn condition_holds(cond: &WriteCondition, current: Option<&CurrentRecord>) -> bool {
    match (cond, current) {
        (WriteCondition::IfNoneMatch, cur) => cur.is_none(),
        (WriteCondition::IfMatch(etag), Some(cur)) => etag_matches(etag, &cur.etag),
        (WriteCondition::IfMatch(_), None) => false,
    }
}

/// Compares ETags as HTTP does, ignoring quotes; `*` matches any.
pub fn etag_matches(wanted: &str, actual: &str) -> bool {
    let w = wanted.trim().trim_matches('"');
    w == "*" || w == actual.trim_matches('"')
}

impl Store {
    /// Stores an object from a stream. Returns once it is durable.
    pub fn put_object(
        &self,
        bucket: &str,
        key: &str,
        source: impl Read,
        opts: PutOptions,
    ) -> Result<ObjectInfo> {
        self.put_object_then(bucket, key, source, opts, |_, _| Ok(()))
    }

    /// Stores an object from a stream, then — once the whole stream is
    /// stored and before the commit — hands the source back with the
    /// metadata, so that what only the end of the stream tells (a trailing
    /// checksum) goes into the same commit. An error from `finish` commits
    /// nothing.
    pub fn put_object_then<R: Read>(
        &self,
        bucket: &str,
        key: &str,
        source: R,
        opts: PutOptions,
        finish: impl FnOnce(&mut R, &mut ObjectMeta) -> Result<()>,
    ) -> Result<ObjectInfo> {
        self.put_with(bucket, key, source, opts, EtagKind::Md5, finish)
    }

    /// Stores a file written through the mount, as
    /// [`put_object_then`](Store::put_object_then) stores an object, but
    /// computing no MD5: its ETag is `hex(md5(chunk ids))-N`, made from the
    /// SHA-256 ids alone, and its metadata gets the full-object CRC64NVME of
    /// its bytes under [`crc::CRC64NVME_KEY`](crate::crc::CRC64NVME_KEY)
    /// (replacing any checksum `opts.meta` carried over from other bytes).
    pub fn put_file_then<R: Read>(
        &self,
        bucket: &str,
        key: &str,
        source: R,
        opts: PutOptions,
        finish: impl FnOnce(&mut R, &mut ObjectMeta) -> Result<()>,
    ) -> Result<ObjectInfo> {
        self.put_with(bucket, key, source, opts, EtagKind::ChunkIds, finish)
    }

    /// [`put_file_then`](Store::put_file_then) with nothing to add at the
    /// end.
    pub fn put_file(
        &self,
        bucket: &str,
        key: &str,
        source: impl Read,
        opts: PutOptions,
    ) -> Result<ObjectInfo> {
        self.put_file_then(bucket, key, source, opts, |_, _| Ok(()))
    }

    fn put_with<R: Read>(
        &self,
        bucket: &str,
        key: &str,
        mut source: R,
        opts: PutOptions,
        kind: EtagKind,
        finish: impl FnOnce(&mut R, &mut ObjectMeta) -> Result<()>,
    ) -> Result<ObjectInfo> {
        validate_writable_key(key)?;
        // Refuse a key that cannot be a path before reading the data; the
        // commit checks again, with the keys around it.
        if keeps_path_rule(&self.head_bucket(bucket)?.settings) {
            check_path_key(key)?;
        }
        let data = self.ingest(&mut source, kind)?;
        let mut meta = opts.meta;
        if let Err(e) = finish(&mut source, &mut meta) {
            self.index_leftovers(data.unindexed);
            return Err(e);
        }
        let etag = match kind {
            EtagKind::Md5 => hex::encode(data.md5()),
            EtagKind::ChunkIds => {
                // After `finish`, which may replace the metadata whole.
                crate::crc::set_checksum(&mut meta, data.crc64nvme);
                chunk_ids_etag(&data.manifest)
            }
        };
        self.commit_ingested(bucket, key, data, etag, meta, opts.condition)
    }

    /// Commits a stream stored by a push ingest ([`Store::ingest_push`])
    /// as the new version of a key, its ETag the stream's MD5. Returns
    /// once it is durable. On an error nothing is committed and the
    /// stream's new chunks are left for GC.
    pub fn put_staged(
        &self,
        bucket: &str,
        key: &str,
        staged: crate::push::Staged,
        opts: PutOptions,
    ) -> Result<ObjectInfo> {
        let data = staged.0;
        if let Err(e) = validate_writable_key(key).and_then(|()| self.head_bucket(bucket).map(drop))
        {
            self.index_leftovers(data.unindexed);
            return Err(e);
        }
        let etag = hex::encode(data.md5());
        self.commit_ingested(bucket, key, data, etag, opts.meta, opts.condition)
    }

    /// Commits stored data as the new version of a key.
    pub(crate) fn commit_ingested(
        &self,
        bucket: &str,
        key: &str,
        data: Ingested,
        etag: String,
        meta: ObjectMeta,
        condition: Option<WriteCondition>,
    ) -> Result<ObjectInfo> {
        let committed = self.commit_manifest(
            bucket,
            key,
            data.manifest,
            &data.unindexed,
            etag,
            meta,
            condition,
        );
        if committed.is_err() {
            self.index_leftovers(data.unindexed);
        }
        drop(data.pins);
        committed
    }

    /// Commits a manifest whose chunks are stored (and pinned by the
    /// caller until this returns) as the new version of a key; `new_chunks`
    /// (small chunks not indexed yet) are indexed in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn commit_manifest(
        &self,
        bucket: &str,
        key: &str,
        manifest: Manifest,
        new_chunks: &[NewChunk],
        etag: String,
        meta: ObjectMeta,
        condition: Option<WriteCondition>,
    ) -> Result<ObjectInfo> {
        let mut txn = self.inner.meta.begin();
        let mut brec = load(&txn, bucket)?;
        check_condition(&txn, bucket, key, &condition)?;
        self.index_in(&mut txn, new_chunks)?;
        change_refs(&mut txn, &manifest, 1)?;
        let linked = links::before(&txn, bucket, key)?;
        let rec = commit_version(
            &mut txn,
            &mut brec,
            bucket,
            key,
            NewVersion {
                kind: VersionKind::Object,
                meta,
                manifest,
                etag,
                part_sizes: Vec::new(),
            },
        )?;
        if let Some(linked) = linked {
            if self.links {
                links::follow(&mut txn, &mut brec, bucket, key, linked, &rec)?;
            } else {
                links::left(&mut txn, bucket, key, linked, None)?;
            }
        }
        txn.put_rec(keys::bucket(bucket), &brec);
        self.finish(txn)?;
        Ok(ObjectInfo::of(key, &rec))
    }

    /// Everything about a version but its data.
    pub fn head_object(&self, bucket: &str, key: &str, at: At<'_>) -> Result<ObjectInfo> {
        Ok(ObjectInfo::of(key, &resolve(self, bucket, key, at)?))
    }

    /// The current object of a key as a listing shows it (without part
    /// sizes), or `None` if the key has none: one read of the current view,
    /// where [`Store::head_object`] also reads the version and tells a
    /// delete marker from nothing. For callers that ask often and need
    /// neither (the mount's lookups).
    pub fn current_object(&self, bucket: &str, key: &str) -> Result<Option<ObjectInfo>> {
        validate_key(key)?;
        let meta = &self.inner.meta;
        if let Some(rec) = meta.get_rec::<CurrentRecord>(&keys::current(bucket, key))? {
            return Ok(Some(ObjectInfo::of_current(key, rec)));
        }
        if meta.get(&keys::bucket(bucket))?.is_none() {
            return Err(Error::NoSuchBucket(bucket.to_owned()));
        }
        Ok(None)
    }

    /// The first key (in listing order) of the bucket's current objects
    /// that begins with `prefix`: one seek, for asking whether a prefix is
    /// a directory.
    pub fn first_key_with(&self, bucket: &str, prefix: &str) -> Result<Option<String>> {
        Ok(self.keys_with(bucket, prefix, 1)?.pop())
    }

    /// The first `max` keys (in listing order) of the bucket's current
    /// objects that begin with `prefix`: what a listing without delimiter
    /// returns, without its page's work (for asking whether a directory is
    /// empty but for its marker).
    pub fn keys_with(&self, bucket: &str, prefix: &str, max: usize) -> Result<Vec<String>> {
        let meta = &self.inner.meta;
        let start = keys::current(bucket, prefix);
        let base = keys::current_prefix(bucket);
        let mut found = Vec::new();
        for entry in meta.scan(&start).take(max) {
            let (k, _) = entry?;
            found.push(
                String::from_utf8(k[base.len()..].to_vec())
                    .map_err(|_| Error::BadRecord("a key that is not UTF-8".into()))?,
            );
        }
        if found.is_empty() && meta.get(&keys::bucket(bucket))?.is_none() {
            return Err(Error::NoSuchBucket(bucket.to_owned()));
        }
        Ok(found)
    }

    /// A reader over a version's data, or over a range of it.
    pub fn get_object(
        &self,
        bucket: &str,
        key: &str,
        at: At<'_>,
        range: Option<ByteRange>,
    ) -> Result<ObjectReader> {
        let (rec, range, pins) = self.resolve_pinned(bucket, key, at, range)?;
        Ok(ObjectReader::new(
            self.clone(),
            ObjectInfo::of(key, &rec),
            std::sync::Arc::new(rec.manifest),
            range,
            std::sync::Arc::new(pins),
        ))
    }

    /// Deletes the current object (by the versioning rules) or, with a
    /// version id, that version for good (kept hidden only while a snapshot
    /// sees it).
    pub fn delete_object(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
    ) -> Result<DeleteResult> {
        self.delete_checked(bucket, key, version, None)
    }

    /// [`Store::delete_object`], made only if the key's versions are still
    /// as `expect` says when the delete commits, else `PreconditionFailed`.
    /// For work that decided on a listing (lifecycle rules): a version
    /// written since then is never the one deleted.
    pub fn delete_object_if(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        expect: DeleteIf,
    ) -> Result<DeleteResult> {
        self.delete_checked(bucket, key, version, Some(expect))
    }

    fn delete_checked(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        expect: Option<DeleteIf>,
    ) -> Result<DeleteResult> {
        validate_writable_key(key)?;
        let mut txn = self.inner.meta.begin();
        let mut brec = load(&txn, bucket)?;
        if let Some(expect) = expect
            && !expect.holds(&versions_of(&txn, bucket, key)?)
        {
            return Err(Error::PreconditionFailed);
        }
        let linked = links::before(&txn, bucket, key)?;
        let result = match version {
            None => delete_current(&mut txn, &mut brec, bucket, key)?,
            Some(id) => delete_version(&mut txn, &mut brec, bucket, key, id)?,
        };
        self.leave_links(&mut txn, bucket, key, linked)?;
        txn.put_rec(keys::bucket(bucket), &brec);
        self.finish(txn)?;
        Ok(result)
    }

    /// After a delete of `key` (a member of a group before it, as
    /// `linked` says): if it is no longer one, the others stay linked
    /// without it, their change time now when this handle follows links.
    fn leave_links(
        &self,
        txn: &mut Txn<'_>,
        bucket: &str,
        key: &str,
        linked: Option<links::Linked>,
    ) -> Result<()> {
        let Some(linked) = linked else {
            return Ok(());
        };
        // A delete of an older version by id leaves the current one.
        if links::before(txn, bucket, key)?.is_some() {
            return Ok(());
        }
        links::left(txn, bucket, key, linked, self.links.then(now_ns))
    }

    /// Deletes many keys (or versions) in one commit; each gets its own
    /// result, in order.
    pub fn delete_objects(
        &self,
        bucket: &str,
        targets: &[(String, Option<String>)],
    ) -> Result<Vec<Result<DeleteResult>>> {
        let mut txn = self.inner.meta.begin();
        let mut brec = load(&txn, bucket)?;
        let mut results = Vec::with_capacity(targets.len());
        for (key, version) in targets {
            let r = validate_writable_key(key).and_then(|()| {
                let linked = links::before(&txn, bucket, key)?;
                let r = match version {
                    None => delete_current(&mut txn, &mut brec, bucket, key),
                    Some(id) => delete_version(&mut txn, &mut brec, bucket, key, id),
                }?;
                self.leave_links(&mut txn, bucket, key, linked)?;
                Ok(r)
            });
            results.push(r);
        }
        txn.put_rec(keys::bucket(bucket), &brec);
        self.finish(txn)?;
        Ok(results)
    }

    /// Copies a version to a new key (or onto itself to change metadata)
    /// without copying data: the new version references the same chunks.
    pub fn copy_object(
        &self,
        src: CopySource<'_>,
        dst_bucket: &str,
        dst_key: &str,
        metadata: CopyMetadata,
        condition: Option<WriteCondition>,
    ) -> Result<ObjectInfo> {
        validate_writable_key(dst_key)?;
        let mut txn = self.inner.meta.begin();
        // Read the source under the commit lock, so it cannot vanish between
        // the read and the new references.
        let src = resolve(self, src.bucket, src.key, src.at)?;
        let mut brec = load(&txn, dst_bucket)?;
        check_condition(&txn, dst_bucket, dst_key, &condition)?;
        let mut pins = PinGuard::new(self);
        pins.pin_manifest(&src.manifest);
        change_refs(&mut txn, &src.manifest, 1)?;
        let meta = match metadata {
            CopyMetadata::Copy => src.meta,
            CopyMetadata::Replace(m) => m,
        };
        let linked = links::before(&txn, dst_bucket, dst_key)?;
        let rec = commit_version(
            &mut txn,
            &mut brec,
            dst_bucket,
            dst_key,
            NewVersion {
                kind: VersionKind::Object,
                meta,
                manifest: src.manifest,
                etag: src.etag,
                part_sizes: src.part_sizes,
            },
        )?;
        if let Some(linked) = linked {
            links::left(&mut txn, dst_bucket, dst_key, linked, None)?;
        }
        txn.put_rec(keys::bucket(dst_bucket), &brec);
        self.finish(txn)?;
        drop(pins);
        Ok(ObjectInfo::of(dst_key, &rec))
    }

    /// Changes a version's metadata in place, without making a new version
    /// (S3's object tagging works so). A snapshot that sees the version sees
    /// the change too.
    pub fn update_object_meta(
        &self,
        bucket: &str,
        key: &str,
        at: At<'_>,
        change: impl FnOnce(&mut ObjectMeta),
    ) -> Result<ObjectInfo> {
        validate_writable_key(key)?;
        let mut txn = self.inner.meta.begin();
        load(&txn, bucket)?;
        let records = versions_of(&txn, bucket, key)?;
        let mut rec = match at {
            At::Current => match records.into_iter().find(VersionRecord::visible) {
                Some(r) if r.kind == VersionKind::Object => r,
                Some(r) => {
                    return Err(Error::NoSuchKey {
                        key: key.to_owned(),
                        delete_marker: Some(version_id(r.seq, r.null_id)),
                    });
                }
                None => {
                    return Err(Error::NoSuchKey {
                        key: key.to_owned(),
                        delete_marker: None,
                    });
                }
            },
            At::Version(id) => {
                let r = find_version(records, key, id)?;
                if r.kind != VersionKind::Object {
                    return Err(Error::VersionIsDeleteMarker {
                        key: key.to_owned(),
                        version_id: id.to_owned(),
                    });
                }
                r
            }
            At::Snapshot(_) => {
                return Err(Error::InvalidArgument("a snapshot is read-only".to_owned()));
            }
        };
        change(&mut rec.meta);
        txn.put_rec(keys::version(bucket, key, rec.seq), &rec);
        refresh_current(&mut txn, bucket, key)?;
        if self.links
            && matches!(at, At::Current)
            && let Some(linked) = links::before(&txn, bucket, key)?
        {
            links::follow_meta(&mut txn, bucket, &linked, &rec.meta)?;
        }
        self.finish(txn)?;
        Ok(ObjectInfo::of(key, &rec))
    }

    /// Renames one key atomically: the new key gets a version sharing the
    /// old one's data and metadata, the old key is deleted by the bucket's
    /// versioning rules. With `no_replace`, an existing target is an error.
    pub fn rename_object(
        &self,
        bucket: &str,
        from: &str,
        to: &str,
        no_replace: bool,
    ) -> Result<ObjectInfo> {
        let options = RenameOptions {
            no_replace,
            ..RenameOptions::default()
        };
        self.rename_object_with(bucket, from, to, options)
    }

    /// [`Store::rename_object`] with all its options.
    pub fn rename_object_with(
        &self,
        bucket: &str,
        from: &str,
        to: &str,
        options: RenameOptions,
    ) -> Result<ObjectInfo> {
        validate_writable_key(from)?;
        validate_writable_key(to)?;
        let mut txn = self.inner.meta.begin();
        let mut brec = load(&txn, bucket)?;
        let mut pins = PinGuard::new(self);
        let info = rename_one(&mut txn, &mut brec, &mut pins, bucket, from, to, options)?;
        txn.put_rec(keys::bucket(bucket), &brec);
        self.finish(txn)?;
        drop(pins);
        Ok(info)
    }

    /// Renames every key under `from` to the same key under `to`, all in
    /// one commit: a crash leaves either every old name or every new one.
    /// Returns how many keys moved.
    pub fn rename_prefix(
        &self,
        bucket: &str,
        from: &str,
        to: &str,
        no_replace: bool,
    ) -> Result<usize> {
        let options = RenameOptions {
            no_replace,
            ..RenameOptions::default()
        };
        self.rename_prefix_with(bucket, from, to, options)
    }

    /// [`Store::rename_prefix`] with all its options.
    pub fn rename_prefix_with(
        &self,
        bucket: &str,
        from: &str,
        to: &str,
        options: RenameOptions,
    ) -> Result<usize> {
        let no_replace = options.no_replace;
        if from.is_empty() || to.starts_with(from) {
            return Err(Error::InvalidArgument(format!(
                "cannot rename prefix {from:?} to {to:?}"
            )));
        }
        let mut txn = self.inner.meta.begin();
        let mut brec = load(&txn, bucket)?;
        let cprefix = keys::current_prefix(bucket);
        let mut scan_key = cprefix.clone();
        scan_key.extend_from_slice(from.as_bytes());
        let sources: Vec<String> = txn
            .scan(&scan_key)?
            .into_iter()
            .map(|(k, _)| String::from_utf8_lossy(&k[cprefix.len()..]).into_owned())
            .collect();
        let moves: BTreeMap<String, String> = sources
            .into_iter()
            .map(|k| {
                let dst = format!("{to}{}", &k[from.len()..]);
                (k, dst)
            })
            .collect();
        for dst in moves.values() {
            validate_writable_key(dst)?;
        }
        if no_replace {
            for dst in moves.values() {
                if !moves.contains_key(dst) && txn.get(&keys::current(bucket, dst))?.is_some() {
                    return Err(Error::AlreadyExists(dst.clone()));
                }
            }
        }
        // Read every source first: a destination may be another source.
        // Their chunks stay pinned until the new references are taken.
        let mut pins = PinGuard::new(self);
        let mut sources = Vec::with_capacity(moves.len());
        // Groups the names moved and the names replaced belong to.
        let mut linked = BTreeMap::new();
        for key in moves.keys().chain(moves.values()) {
            if !linked.contains_key(key)
                && let Some(l) = links::before(&txn, bucket, key)?
            {
                linked.insert(key.clone(), l);
            }
        }
        for src in moves.keys() {
            let rec = versions_of(&txn, bucket, src)?
                .into_iter()
                .find(VersionRecord::visible)
                .ok_or_else(|| Error::NoSuchKey {
                    key: src.clone(),
                    delete_marker: None,
                })?;
            pins.pin_manifest(&rec.manifest);
            sources.push(rec);
        }
        for (src, _) in moves
            .iter()
            .filter(|(s, _)| !moves.values().any(|d| d == *s))
        {
            vacate(
                &mut txn,
                &mut brec,
                bucket,
                src,
                options.forget_fresh_source,
            )?;
        }
        let mut new_seqs = BTreeMap::new();
        for ((src, dst), mut rec) in moves.iter().zip(sources) {
            change_refs(&mut txn, &rec.manifest, 1)?;
            if let Some(t) = options.ctime_ns
                && src == from
            {
                rec.meta.attrs.ctime_ns = Some(t);
            }
            let new = commit_version(
                &mut txn,
                &mut brec,
                bucket,
                dst,
                NewVersion {
                    kind: VersionKind::Object,
                    meta: rec.meta,
                    manifest: rec.manifest,
                    etag: rec.etag,
                    part_sizes: rec.part_sizes,
                },
            )?;
            new_seqs.insert(dst.clone(), new.seq);
        }
        // Groups follow their names: a name moved keeps its place under
        // its new key (with its new version), a name replaced (that was
        // not itself moved) leaves.
        for (dst, l) in moves
            .values()
            .filter_map(|d| linked.remove(d).map(|l| (d, l)))
        {
            if !moves.contains_key(dst) {
                links::left(&mut txn, bucket, dst, l, None)?;
            }
        }
        for (src, dst) in &moves {
            if let Some(l) = linked.remove(src) {
                links::moved_within(&mut txn, bucket, src, dst, l, &moves, &new_seqs)?;
            }
        }
        txn.put_rec(keys::bucket(bucket), &brec);
        self.finish(txn)?;
        drop(pins);
        Ok(moves.len())
    }
}

/// How a rename treats its names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenameOptions {
    /// An existing target is an error (`AlreadyExists`).
    pub no_replace: bool,
    /// In a versioned (or suspended) bucket, a source key whose only
    /// record is the version being moved, and that no snapshot sees, is
    /// removed outright rather than left with that version under a delete
    /// marker: the version moves, as if it had been written under the new
    /// name. The mount renames so, and rsync's temporary files leave no
    /// history behind; a key with history keeps it, delete marker and all.
    pub forget_fresh_source: bool,
    /// The moved entry's new change time (`attrs.ctime_ns`), as a local
    /// filesystem stamps a renamed inode: for [`Store::rename_prefix_with`],
    /// the directory marker that is the prefix itself, if there is one.
    pub ctime_ns: Option<i64>,
}

/// Takes a renamed key's version out of sight under its old name: by the
/// bucket's versioning rules, or (see [`RenameOptions`]) by removing a
/// fresh key outright.
fn vacate(
    txn: &mut Txn<'_>,
    brec: &mut BucketRecord,
    bucket: &str,
    key: &str,
    forget_fresh: bool,
) -> Result<()> {
    if forget_fresh && brec.versioning != Versioning::Unversioned {
        let records = versions_of(txn, bucket, key)?;
        if let [only] = records.as_slice()
            && only.visible()
            && only.kind == VersionKind::Object
            && !seen(&records, &snapshot_seqs(txn, bucket)?, only.seq)
        {
            purge(txn, bucket, key, only)?;
            return refresh_current(txn, bucket, key);
        }
    }
    delete_current(txn, brec, bucket, key).map(drop)
}

fn rename_one(
    txn: &mut Txn<'_>,
    brec: &mut BucketRecord,
    pins: &mut PinGuard,
    bucket: &str,
    from: &str,
    to: &str,
    options: RenameOptions,
) -> Result<ObjectInfo> {
    let no_replace = options.no_replace;
    let src = match versions_of(txn, bucket, from)?
        .into_iter()
        .find(VersionRecord::visible)
    {
        Some(r) if r.kind == VersionKind::Object => r,
        newest => {
            return Err(Error::NoSuchKey {
                key: from.to_owned(),
                delete_marker: newest.map(|r| version_id(r.seq, r.null_id)),
            });
        }
    };
    if from == to {
        return Ok(ObjectInfo::of(to, &src));
    }
    if no_replace && txn.get(&keys::current(bucket, to))?.is_some() {
        return Err(Error::AlreadyExists(to.to_owned()));
    }
    pins.pin_manifest(&src.manifest);
    change_refs(txn, &src.manifest, 1)?;
    let linked_from = links::before(txn, bucket, from)?;
    let linked_to = links::before(txn, bucket, to)?;
    let rec = commit_version(
        txn,
        brec,
        bucket,
        to,
        NewVersion {
            kind: VersionKind::Object,
            meta: {
                let mut meta = src.meta;
                if let Some(t) = options.ctime_ns {
                    meta.attrs.ctime_ns = Some(t);
                }
                meta
            },
            manifest: src.manifest,
            etag: src.etag,
            part_sizes: src.part_sizes,
        },
    )?;
    // The name replaced leaves its file's group; the file renamed keeps its
    // own under the new name.
    if let Some(linked) = linked_to {
        links::left(txn, bucket, to, linked, options.ctime_ns)?;
    }
    if let Some(linked) = linked_from {
        links::moved(txn, bucket, from, to, rec.seq, linked)?;
    }
    vacate(txn, brec, bucket, from, options.forget_fresh_source)?;
    Ok(ObjectInfo::of(to, &rec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_like_s3() {
        assert_eq!(ByteRange::From(0).resolve(10).unwrap(), (0, 10));
        assert_eq!(ByteRange::Inclusive(2, 4).resolve(10).unwrap(), (2, 5));
        assert_eq!(ByteRange::Inclusive(2, 400).resolve(10).unwrap(), (2, 10));
        assert_eq!(ByteRange::Suffix(3).resolve(10).unwrap(), (7, 10));
        assert_eq!(ByteRange::Suffix(30).resolve(10).unwrap(), (0, 10));
        assert!(ByteRange::From(10).resolve(10).is_err());
        assert!(ByteRange::Inclusive(5, 4).resolve(10).is_err());
        assert!(ByteRange::Suffix(0).resolve(10).is_err());
        assert!(ByteRange::From(0).resolve(0).is_err());
        assert!(
            ByteRange::Inclusive(u64::MAX, u64::MAX)
                .resolve(10)
                .is_err()
        );
    }

    fn rec(seq: u64, hidden_at: Option<u64>) -> VersionRecord {
        VersionRecord {
            seq,
            null_id: true,
            hidden_at,
            kind: VersionKind::Object,
            modified_ns: 0,
            size: 0,
            etag: String::new(),
            meta: ObjectMeta::default(),
            manifest: Manifest::default(),
            part_sizes: Vec::new(),
        }
    }

    #[test]
    fn snapshot_visibility() {
        // v1 at 1 hidden by the put of v3 at 3; v3 hidden by a delete at 5.
        let records = [rec(3, Some(5)), rec(1, Some(3))];
        assert!(seen(&records, &[2], 1));
        assert!(!seen(&records, &[3], 1));
        assert!(seen(&records, &[4], 3));
        assert!(!seen(&records, &[5, 0], 3));
        assert!(!seen(&records, &[], 1));
        assert!(view_at(&records, 6).is_none());
        assert_eq!(view_at(&records, 4).map(|r| r.seq), Some(3));
    }
}
