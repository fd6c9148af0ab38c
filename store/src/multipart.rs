//! Multipart uploads. Parts are stored (chunked and deduplicated) as they
//! arrive; completing an upload concatenates the parts' manifests, so the
//! object references the parts' chunks and no byte is copied.

use std::collections::BTreeMap;
use std::io::Read;

use md5::{Digest, Md5};
use rand::RngCore;

use crate::buckets::load;
use crate::error::{Error, Result};
use crate::ingest::EtagKind;
use crate::manifest::Manifest;
use crate::meta::{Txn, keys};
use crate::names::validate_writable_key;
use crate::objects::{
    NewVersion, ObjectInfo, WriteCondition, check_path, commit_version, condition_holds,
    etag_matches,
};
use crate::records::{
    CompletedUploadRecord, CurrentRecord, ObjectMeta, PartRecord, UploadRecord, VersionKind, decode,
};
use crate::refs::{change_refs, load_counters};
use crate::{Store, now_ns};

/// Most parts an upload may have, as in S3.
pub const MAX_PARTS: u32 = 10_000;

/// How long a completed upload is remembered, so that completing it again
/// answers the same (S3 is idempotent here, and SDKs retry a completion
/// whose answer they lost). An hour covers any client's retries.
pub const COMPLETED_MEMORY_NS: i64 = 3600 * 1_000_000_000;

/// Most remembered completions one completion forgets; with it, what is
/// kept is bounded by the completions of the last hour.
const FORGET_PER_COMPLETION: usize = 16;

/// A stored part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartInfo {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
    pub modified_ns: i64,
    /// What the protocol layer kept with the part (its checksum).
    pub extra: BTreeMap<String, String>,
}

/// A page of parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartsPage {
    pub parts: Vec<PartInfo>,
    pub is_truncated: bool,
    pub next_part_number_marker: Option<u32>,
}

/// An upload in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadInfo {
    pub key: String,
    pub upload_id: String,
    pub created_ns: i64,
    pub meta: ObjectMeta,
}

/// A page of uploads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadsPage {
    pub uploads: Vec<UploadInfo>,
    pub common_prefixes: Vec<String>,
    pub is_truncated: bool,
    pub next_key_marker: Option<String>,
    pub next_upload_id_marker: Option<String>,
}

fn part_info(number: u32, rec: &PartRecord) -> PartInfo {
    PartInfo {
        part_number: number,
        etag: hex::encode(rec.md5),
        size: rec.size,
        modified_ns: rec.modified_ns,
        extra: rec.extra.clone(),
    }
}

fn load_upload(txn: &Txn<'_>, bucket: &str, key: &str, upload_id: &str) -> Result<UploadRecord> {
    load(txn, bucket)?;
    txn.get_rec(&keys::upload(bucket, key, upload_id))?
        .ok_or_else(|| Error::NoSuchUpload(upload_id.to_owned()))
}

/// Checks a completion's condition against the key's current object, in
/// the completing transaction (see [`Store::complete_multipart_if`]).
fn check_completion(
    txn: &Txn<'_>,
    bucket: &str,
    key: &str,
    condition: Option<&WriteCondition>,
    upload_created_ns: i64,
) -> Result<()> {
    let Some(condition) = condition else {
        return Ok(());
    };
    let current: Option<CurrentRecord> = txn.get_rec(&keys::current(bucket, key))?;
    if condition_holds(condition, current.as_ref()) {
        return Ok(());
    }
    match current {
        None => Err(Error::NoSuchKey {
            key: key.to_owned(),
            delete_marker: None,
        }),
        Some(cur) if cur.modified_ns >= upload_created_ns => Err(Error::ConditionalConflict),
        Some(_) => Err(Error::PreconditionFailed),
    }
}

fn valid_upload_id(upload_id: &str) -> Result<()> {
    if upload_id.len() == 32 && upload_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::NoSuchUpload(upload_id.to_owned()))
    }
}

/// Removes every part of an upload, and the upload. The references of
/// the parts in `kept` pass to the object they were completed into; the
/// others are dropped.
fn drop_upload(
    txn: &mut Txn<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    kept: &[u32],
) -> Result<()> {
    let prefix = keys::parts_of(upload_id);
    let mut freed = 0;
    for (k, v) in txn.scan(&prefix)? {
        let part: PartRecord = decode(&v)?;
        let number = u32::from_be_bytes(
            k[prefix.len()..]
                .try_into()
                .map_err(|_| Error::BadRecord("malformed part key".into()))?,
        );
        if !kept.contains(&number) {
            change_refs(txn, &part.manifest, -1)?;
        }
        freed += part.size;
        txn.delete(k);
    }
    let mut counters = load_counters(txn)?;
    counters.logical_bytes = counters.logical_bytes.saturating_sub(freed);
    txn.put_rec(keys::COUNTERS.to_vec(), &counters);
    txn.delete(keys::upload(bucket, key, upload_id));
    Ok(())
}

impl Store {
    /// Starts an upload; the metadata is the object's to be.
    pub fn create_multipart(&self, bucket: &str, key: &str, meta: ObjectMeta) -> Result<String> {
        validate_writable_key(key)?;
        let mut id = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut id);
        let upload_id = hex::encode(id);
        let mut txn = self.inner.meta.begin();
        let brec = load(&txn, bucket)?;
        // Refuse early what the completion would refuse as things stand;
        // the completion checks again, since keys may change meanwhile.
        check_path(&txn, &brec, bucket, key)?;
        txn.put_rec(
            keys::upload(bucket, key, &upload_id),
            &UploadRecord {
                created_ns: now_ns(),
                meta,
            },
        );
        txn.commit()?;
        self.inner.meta.sync()?;
        Ok(upload_id)
    }

    /// Stores a part from a stream, replacing a part of the same number.
    pub fn put_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        source: impl Read,
    ) -> Result<PartInfo> {
        self.put_part_then(bucket, key, upload_id, part_number, source, |_, _| Ok(()))
    }

    /// Stores a part from a stream; before the commit, hands the source back
    /// with the part's `extra` map, so that what the end of the stream tells
    /// (a trailing checksum) is committed with the part.
    pub fn put_part_then<R: Read>(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        mut source: R,
        finish: impl FnOnce(&mut R, &mut BTreeMap<String, String>) -> Result<()>,
    ) -> Result<PartInfo> {
        valid_upload_id(upload_id)?;
        if !(1..=MAX_PARTS).contains(&part_number) {
            return Err(Error::InvalidArgument(format!(
                "part numbers run from 1 to {MAX_PARTS}"
            )));
        }
        {
            let txn = self.inner.meta.begin();
            load_upload(&txn, bucket, key, upload_id)?;
        }
        let data = self.ingest(&mut source, EtagKind::Md5)?;
        let mut extra = BTreeMap::new();
        let stored = finish(&mut source, &mut extra)
            .and_then(|()| self.commit_part(bucket, key, upload_id, part_number, &data, extra));
        if stored.is_err() {
            self.index_leftovers(data.unindexed);
        }
        drop(data.pins);
        stored
    }

    /// Refuses early what [`Store::put_part_staged`] would refuse at the
    /// end: a bad part number, or an upload that does not exist.
    pub fn check_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
    ) -> Result<()> {
        valid_upload_id(upload_id)?;
        if !(1..=MAX_PARTS).contains(&part_number) {
            return Err(Error::InvalidArgument(format!(
                "part numbers run from 1 to {MAX_PARTS}"
            )));
        }
        let txn = self.inner.meta.begin();
        load_upload(&txn, bucket, key, upload_id)?;
        Ok(())
    }

    /// The metadata an upload was created with (what the protocol layer
    /// kept in its `extra` map, such as the upload's checksum algorithm).
    pub fn upload_meta(&self, bucket: &str, key: &str, upload_id: &str) -> Result<ObjectMeta> {
        valid_upload_id(upload_id)?;
        let txn = self.inner.meta.begin();
        Ok(load_upload(&txn, bucket, key, upload_id)?.meta)
    }

    /// Commits a part stored by a push ingest ([`Store::ingest_push`]),
    /// with its `extra` map, replacing a part of the same number. On an
    /// error nothing is committed and the part's new chunks are left for
    /// GC.
    pub fn put_part_staged(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        staged: crate::push::Staged,
        extra: BTreeMap<String, String>,
    ) -> Result<PartInfo> {
        let data = staged.0;
        let stored = self
            .check_part(bucket, key, upload_id, part_number)
            .and_then(|()| self.commit_part(bucket, key, upload_id, part_number, &data, extra));
        if stored.is_err() {
            self.index_leftovers(data.unindexed);
        }
        drop(data.pins);
        stored
    }

    /// Commits a stored part, replacing a part of the same number.
    fn commit_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        data: &crate::ingest::Ingested,
        extra: BTreeMap<String, String>,
    ) -> Result<PartInfo> {
        let mut txn = self.inner.meta.begin();
        // The upload may have been completed or aborted meanwhile.
        load_upload(&txn, bucket, key, upload_id)?;
        self.index_in(&mut txn, &data.unindexed)?;
        change_refs(&mut txn, &data.manifest, 1)?;
        let pkey = keys::part(upload_id, part_number);
        let old = txn.get_rec::<PartRecord>(&pkey)?;
        if let Some(old) = &old {
            change_refs(&mut txn, &old.manifest, -1)?;
        }
        let mut counters = load_counters(&txn)?;
        counters.logical_bytes = counters
            .logical_bytes
            .saturating_sub(old.map_or(0, |o| o.size));
        counters.logical_bytes += data.size();
        txn.put_rec(keys::COUNTERS.to_vec(), &counters);
        let rec = PartRecord {
            md5: data.md5(),
            size: data.size(),
            modified_ns: now_ns(),
            manifest: data.manifest.clone(),
            extra,
        };
        txn.put_rec(pkey, &rec);
        self.finish(txn)?;
        Ok(part_info(part_number, &rec))
    }

    /// Lists an upload's parts after `marker`.
    pub fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        marker: u32,
        max_parts: usize,
    ) -> Result<PartsPage> {
        valid_upload_id(upload_id)?;
        {
            let txn = self.inner.meta.begin();
            load_upload(&txn, bucket, key, upload_id)?;
        }
        let prefix = keys::parts_of(upload_id);
        let start = keys::part(upload_id, marker.saturating_add(1));
        let mut page = PartsPage::default();
        for entry in self.inner.meta.scan_from(&prefix, &start) {
            let (k, v) = entry?;
            let number = u32::from_be_bytes(
                k[prefix.len()..]
                    .try_into()
                    .map_err(|_| Error::BadRecord("malformed part key".into()))?,
            );
            if page.parts.len() == max_parts {
                page.is_truncated = true;
                break;
            }
            page.parts.push(part_info(number, &decode(&v)?));
        }
        if page.is_truncated {
            page.next_part_number_marker = page.parts.last().map(|p| p.part_number);
        }
        Ok(page)
    }

    /// Lists a bucket's uploads in progress, by key then upload id.
    pub fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        key_marker: Option<&str>,
        upload_id_marker: Option<&str>,
        max_uploads: usize,
    ) -> Result<UploadsPage> {
        self.head_bucket(bucket)?;
        let base = keys::uploads_prefix(bucket);
        let mut page = UploadsPage::default();
        let mut count = 0;
        // Seek to the marker's key: its uploads sort at or after it, every
        // key before it before, so paging through many uploads costs one
        // pass, not one per page.
        let start = [base.as_slice(), key_marker.unwrap_or("").as_bytes()].concat();
        for entry in self.inner.meta.scan_from(&base, &start) {
            let (k, v) = entry?;
            let rest = &k[base.len()..];
            let split = rest
                .iter()
                .rposition(|&b| b == 0)
                .ok_or_else(|| Error::BadRecord("malformed upload key".into()))?;
            let key = std::str::from_utf8(&rest[..split])
                .map_err(|_| Error::BadRecord("key is not UTF-8".into()))?;
            let upload_id = std::str::from_utf8(&rest[split + 1..])
                .map_err(|_| Error::BadRecord("upload id is not UTF-8".into()))?;
            if !key.starts_with(prefix) {
                continue;
            }
            if let Some(km) = key_marker {
                let past = match upload_id_marker {
                    Some(um) => (key, upload_id) > (km, um),
                    None => key > km,
                };
                if !past {
                    continue;
                }
            }
            if let Some(d) = delimiter.filter(|d| !d.is_empty())
                && let Some(pos) = key[prefix.len()..].find(d)
            {
                let cp = &key[..prefix.len() + pos + d.len()];
                // A prefix at or before the marker was listed already (it is
                // the marker when the last page ended in it).
                if key_marker.is_some_and(|km| cp <= km) {
                    continue;
                }
                if page.common_prefixes.last().map(String::as_str) != Some(cp) {
                    if count == max_uploads {
                        page.is_truncated = true;
                        break;
                    }
                    page.common_prefixes.push(cp.to_owned());
                    page.next_key_marker = Some(cp.to_owned());
                    page.next_upload_id_marker = None;
                    count += 1;
                }
                continue;
            }
            if count == max_uploads {
                page.is_truncated = true;
                break;
            }
            let rec: UploadRecord = decode(&v)?;
            page.next_key_marker = Some(key.to_owned());
            page.next_upload_id_marker = Some(upload_id.to_owned());
            page.uploads.push(UploadInfo {
                key: key.to_owned(),
                upload_id: upload_id.to_owned(),
                created_ns: rec.created_ns,
                meta: rec.meta,
            });
            count += 1;
        }
        if !page.is_truncated {
            page.next_key_marker = None;
            page.next_upload_id_marker = None;
        }
        Ok(page)
    }

    /// Completes an upload from the listed parts (number and ETag, in
    /// ascending order). Every part but the last must hold at least
    /// `min_part_size` bytes. Parts not listed are dropped.
    pub fn complete_multipart(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
        min_part_size: u64,
    ) -> Result<ObjectInfo> {
        self.complete_multipart_then(bucket, key, upload_id, parts, min_part_size, |_, _| Ok(()))
    }

    /// Completes an upload; before the commit, hands the listed parts and
    /// the object's metadata to `finish` (to derive a composite checksum,
    /// say). An error from `finish` commits nothing and keeps the upload.
    pub fn complete_multipart_then(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
        min_part_size: u64,
        finish: impl FnOnce(&[PartInfo], &mut ObjectMeta) -> Result<()>,
    ) -> Result<ObjectInfo> {
        self.complete_multipart_if(bucket, key, upload_id, parts, min_part_size, None, finish)
    }

    /// As [`Store::complete_multipart_then`], committing only if
    /// `condition` holds for the key's current object, checked in the
    /// commit itself. When it does not:
    /// - `If-Match` and no current object: `NoSuchKey`;
    /// - the current object was written after the upload began (a write
    ///   that raced the upload): `ConditionalConflict`, and the upload is
    ///   dropped, as S3 drops it (its client must start over);
    /// - otherwise `PreconditionFailed`, and the upload is kept for a retry.
    ///
    /// An upload completed in the last [`COMPLETED_MEMORY_NS`] and completed
    /// again (a client's retry) answers what its completion did, whatever
    /// the parts and condition.
    #[allow(clippy::too_many_arguments)]
    pub fn complete_multipart_if(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
        min_part_size: u64,
        condition: Option<&WriteCondition>,
        finish: impl FnOnce(&[PartInfo], &mut ObjectMeta) -> Result<()>,
    ) -> Result<ObjectInfo> {
        valid_upload_id(upload_id)?;
        if let Some(info) = self.completed_before(bucket, key, upload_id)? {
            return Ok(info);
        }
        if parts.is_empty() {
            return Err(Error::InvalidArgument(
                "an upload is completed with at least one part".into(),
            ));
        }
        if parts.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(Error::InvalidPartOrder);
        }
        let mut txn = self.inner.meta.begin();
        let upload = match load_upload(&txn, bucket, key, upload_id) {
            // Completed by a request that raced this one.
            Err(Error::NoSuchUpload(_)) => {
                drop(txn);
                return self
                    .completed_before(bucket, key, upload_id)?
                    .ok_or_else(|| Error::NoSuchUpload(upload_id.to_owned()));
            }
            other => other?,
        };
        let mut brec = load(&txn, bucket)?;
        if let Err(e) = check_completion(&txn, bucket, key, condition, upload.created_ns) {
            if matches!(e, Error::ConditionalConflict) {
                drop_upload(&mut txn, bucket, key, upload_id, &[])?;
                self.finish(txn)?;
            }
            return Err(e);
        }
        let mut records = Vec::with_capacity(parts.len());
        for (i, (number, etag)) in parts.iter().enumerate() {
            let rec: PartRecord =
                txn.get_rec(&keys::part(upload_id, *number))?
                    .ok_or(Error::InvalidPart {
                        part_number: *number,
                    })?;
            if !etag_matches(etag, &hex::encode(rec.md5)) || etag.trim().trim_matches('"') == "*" {
                return Err(Error::InvalidPart {
                    part_number: *number,
                });
            }
            if i + 1 < parts.len() && rec.size < min_part_size {
                return Err(Error::EntityTooSmall {
                    part_number: *number,
                });
            }
            records.push(rec);
        }
        let manifest = Manifest::concat(records.iter().map(|r| &r.manifest));
        let mut md5s = Md5::new();
        for r in &records {
            md5s.update(r.md5);
        }
        let etag = format!("{}-{}", hex::encode(md5s.finalize()), records.len());
        let infos: Vec<PartInfo> = parts
            .iter()
            .zip(&records)
            .map(|((n, _), r)| part_info(*n, r))
            .collect();
        let mut meta = upload.meta;
        finish(&infos, &mut meta)?;
        let kept: Vec<u32> = parts.iter().map(|(n, _)| *n).collect();
        drop_upload(&mut txn, bucket, key, upload_id, &kept)?;
        let linked = crate::links::before(&txn, bucket, key)?;
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
                part_sizes: records.iter().map(|r| r.size).collect(),
            },
        )?;
        // A name of a hard-linked file written over S3 leaves the file.
        if let Some(linked) = linked {
            crate::links::left(&mut txn, bucket, key, linked, None)?;
        }
        txn.put_rec(keys::bucket(bucket), &brec);
        self.remember_completed(&mut txn, (bucket, brec.created_ns), key, upload_id, &rec)?;
        self.finish(txn)?;
        Ok(ObjectInfo::of(key, &rec))
    }

    /// What an upload's completion answered, if it completed within the
    /// last [`COMPLETED_MEMORY_NS`] into this bucket and key.
    fn completed_before(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Option<ObjectInfo>> {
        let Some(rec) = self
            .inner
            .meta
            .get_rec::<CompletedUploadRecord>(&keys::completed_upload(upload_id))?
        else {
            return Ok(None);
        };
        let fresh = now_ns().saturating_sub(rec.completed_ns) < COMPLETED_MEMORY_NS;
        if rec.bucket != bucket || rec.key != key || !fresh {
            return Ok(None);
        }
        // The bucket may have been deleted (and made again) since: then
        // the completion is forgotten, and the request fails as it would.
        let same_bucket = match self.head_bucket(bucket) {
            Ok(info) => info.created_ns == rec.bucket_created_ns,
            Err(Error::NoSuchBucket(_)) => false,
            Err(e) => return Err(e),
        };
        if !same_bucket {
            return Ok(None);
        }
        Ok(Some(ObjectInfo {
            key: rec.key,
            version_id: crate::version_id(rec.seq, rec.null_id),
            size: rec.size,
            etag: rec.etag,
            modified_ns: rec.completed_ns,
            meta: rec.meta,
            seq: rec.seq,
            part_sizes: rec.part_sizes,
        }))
    }

    /// Records, in the completing transaction, what a completion answers,
    /// and forgets completions older than [`COMPLETED_MEMORY_NS`]: up to
    /// [`FORGET_PER_COMPLETION`] of them, more than the one it adds, so
    /// that expired ones never pile up and a completion's cost stays
    /// bounded.
    fn remember_completed(
        &self,
        txn: &mut Txn<'_>,
        (bucket, bucket_created_ns): (&str, i64),
        key: &str,
        upload_id: &str,
        version: &crate::records::VersionRecord,
    ) -> Result<()> {
        let now = version.modified_ns;
        let cutoff = now.saturating_sub(COMPLETED_MEMORY_NS).max(0) as u64;
        let old: Vec<Vec<u8>> = self
            .inner
            .meta
            .scan(keys::COMPLETED_BY_TIME)
            .take(FORGET_PER_COMPLETION)
            .map(|e| e.map(|(k, _)| k))
            .collect::<Result<_>>()?;
        let prefix = keys::COMPLETED_BY_TIME.len();
        for k in old {
            let Some(ns) = k
                .get(prefix..prefix + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_be_bytes)
            else {
                return Err(Error::BadRecord("malformed completed-upload key".into()));
            };
            if ns >= cutoff {
                break;
            }
            let id = String::from_utf8_lossy(&k[prefix + 8..]).into_owned();
            txn.delete(keys::completed_upload(&id));
            txn.delete(k);
        }
        txn.put_rec(
            keys::completed_upload(upload_id),
            &CompletedUploadRecord {
                bucket: bucket.to_owned(),
                bucket_created_ns,
                key: key.to_owned(),
                completed_ns: now,
                seq: version.seq,
                null_id: version.null_id,
                size: version.size,
                etag: version.etag.clone(),
                meta: version.meta.clone(),
                part_sizes: version.part_sizes.clone(),
            },
        );
        txn.put(keys::completed_by_time(now, upload_id), Vec::new());
        Ok(())
    }

    /// Abandons an upload and its parts.
    pub fn abort_multipart(&self, bucket: &str, key: &str, upload_id: &str) -> Result<()> {
        valid_upload_id(upload_id)?;
        let mut txn = self.inner.meta.begin();
        load_upload(&txn, bucket, key, upload_id)?;
        drop_upload(&mut txn, bucket, key, upload_id, &[])?;
        self.finish(txn)
    }
}
