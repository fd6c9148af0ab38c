//! Listings in S3 byte order: the objects of a bucket (now or as a snapshot
//! saw it) and the versions of its keys, with prefix, delimiter, start
//! marker and page size.
//!
//! Both are range scans. A delimiter listing rolls keys that share a
//! common prefix into one entry and seeks past them (to the prefix followed
//! by 0xFF, a byte UTF-8 keys never hold), so a directory of a million
//! files under one prefix costs one step, not a million.

use crate::Store;
use crate::error::{Error, Result};
use crate::meta::keys;
use crate::names::validate_key;
use crate::objects::{ObjectInfo, parse_version_id};
use crate::records::{CurrentRecord, SnapshotRecord, VersionKind, VersionRecord, decode, view_at};

/// A listing request.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub prefix: String,
    /// Rolls keys up at the first occurrence after the prefix.
    pub delimiter: Option<String>,
    /// Start after this key (also a continuation token's content).
    pub start_after: Option<String>,
    /// Keys plus common prefixes per page.
    pub max_keys: usize,
    /// List the bucket as this snapshot saw it.
    pub snapshot: Option<String>,
}

/// A page of a listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListPage {
    pub objects: Vec<ObjectInfo>,
    pub common_prefixes: Vec<String>,
    pub is_truncated: bool,
    /// The last key or common prefix returned: where the next page starts.
    pub next_marker: Option<String>,
}

/// A version listing request.
#[derive(Clone, Debug, Default)]
pub struct VersionQuery {
    pub prefix: String,
    pub delimiter: Option<String>,
    pub key_marker: Option<String>,
    pub version_id_marker: Option<String>,
    pub max_keys: usize,
}

/// One entry of a version listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionEntry {
    pub info: ObjectInfo,
    pub is_latest: bool,
    pub delete_marker: bool,
}

/// A page of a version listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionPage {
    pub versions: Vec<VersionEntry>,
    pub common_prefixes: Vec<String>,
    pub is_truncated: bool,
    pub next_key_marker: Option<String>,
    pub next_version_id_marker: Option<String>,
}

enum Item<T> {
    Entry(String, T),
    Prefix(String),
}

/// The common prefix `key` rolls up into, if any.
fn rollup<'k>(key: &'k str, prefix: &str, delimiter: Option<&str>) -> Option<&'k str> {
    let d = delimiter.filter(|d| !d.is_empty())?;
    let pos = key[prefix.len()..].find(d)?;
    Some(&key[..prefix.len() + pos + d.len()])
}

fn after(key: &[u8]) -> Vec<u8> {
    let mut k = key.to_vec();
    k.push(0);
    k
}

fn past_prefix(cp: &str) -> Vec<u8> {
    let mut k = cp.as_bytes().to_vec();
    k.push(0xFF);
    k
}

/// A range scan over metadata entries.
type Scan<'a> = dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + 'a;

/// A current-view entry from its key (after the bucket prefix) and record.
fn current_entry(key: &[u8], value: &[u8]) -> Result<(String, ObjectInfo)> {
    let key =
        String::from_utf8(key.to_vec()).map_err(|_| Error::BadRecord("key is not UTF-8".into()))?;
    let rec: CurrentRecord = decode(value)?;
    let info = ObjectInfo::of_current(&key, rec);
    Ok((key, info))
}

impl Store {
    /// Lists a bucket's objects (or a snapshot's) in S3 byte order.
    pub fn list_objects(&self, bucket: &str, q: &ListQuery) -> Result<ListPage> {
        self.head_bucket(bucket)?;
        let snap_seq = match &q.snapshot {
            Some(name) => Some(
                self.inner
                    .meta
                    .get_rec::<SnapshotRecord>(&keys::snapshot(bucket, name))?
                    .ok_or_else(|| Error::NoSuchSnapshot(name.clone()))?
                    .seq,
            ),
            None => None,
        };
        let mut cursor = q.prefix.as_bytes().to_vec();
        if let Some(sa) = &q.start_after
            && sa.as_bytes() >= cursor.as_slice()
        {
            cursor = after(sa.as_bytes());
        }
        let mut items = Vec::new();
        let base = keys::current_prefix(bucket);
        // The current view is read with one range scan, restarted only to
        // skip past a common prefix.
        let mut scan: Option<Box<Scan<'_>>> = None;
        while items.len() <= q.max_keys {
            let next = match snap_seq {
                None => {
                    let it = scan.get_or_insert_with(|| {
                        let start = [base.as_slice(), &cursor].concat();
                        Box::new(self.inner.meta.scan_from(&base, &start))
                    });
                    match it.next().transpose()? {
                        Some((k, v)) => Some(current_entry(&k[base.len()..], &v)?),
                        None => None,
                    }
                }
                Some(seq) => self.next_in_snapshot(bucket, seq, &cursor)?,
            };
            let Some((key, info)) = next else { break };
            if !key.starts_with(&q.prefix) {
                break;
            }
            if let Some(cp) = rollup(&key, &q.prefix, q.delimiter.as_deref()) {
                cursor = past_prefix(cp);
                scan = None;
                if q.start_after.as_deref().is_some_and(|sa| cp <= sa) {
                    continue;
                }
                items.push(Item::Prefix(cp.to_owned()));
                continue;
            }
            cursor = after(key.as_bytes());
            items.push(Item::Entry(key, info));
        }
        let is_truncated = items.len() > q.max_keys;
        items.truncate(q.max_keys);
        let mut page = ListPage {
            is_truncated,
            ..ListPage::default()
        };
        for item in items {
            match item {
                Item::Entry(key, info) => {
                    page.next_marker = Some(key);
                    page.objects.push(info);
                }
                Item::Prefix(p) => {
                    page.next_marker = Some(p.clone());
                    page.common_prefixes.push(p);
                }
            }
        }
        if !page.is_truncated {
            page.next_marker = None;
        }
        Ok(page)
    }

    /// The first object at or after `from` that a snapshot at `seq` sees.
    fn next_in_snapshot(
        &self,
        bucket: &str,
        seq: u64,
        from: &[u8],
    ) -> Result<Option<(String, ObjectInfo)>> {
        let base = keys::versions_prefix(bucket);
        let mut cursor = from.to_vec();
        loop {
            let start = [base.as_slice(), &cursor].concat();
            let Some((k, _)) = self
                .inner
                .meta
                .scan_from(&base, &start)
                .next()
                .transpose()?
            else {
                return Ok(None);
            };
            let (key, _) = keys::split_version(&k[base.len()..])
                .ok_or_else(|| Error::BadRecord("malformed version key".into()))?;
            let key = key.to_owned();
            // `from` bounds keys, not records: the records of a key K sort
            // after K itself, so a bound just past K still finds them.
            if key.as_bytes() < from {
                cursor = key.into_bytes();
                cursor.push(1);
                continue;
            }
            let records = self.key_records(bucket, &key).collect::<Result<Vec<_>>>()?;
            if let Some(rec) = view_at(&records, seq)
                && rec.kind == VersionKind::Object
            {
                let info = ObjectInfo::of(&key, rec);
                return Ok(Some((key, info)));
            }
            cursor = key.into_bytes();
            cursor.push(1);
        }
    }

    /// Lists versions and delete markers, keys in S3 byte order and each
    /// key's versions newest first.
    pub fn list_versions(&self, bucket: &str, q: &VersionQuery) -> Result<VersionPage> {
        self.head_bucket(bucket)?;
        let meta = &self.inner.meta;
        let base = keys::versions_prefix(bucket);
        let mut cursor = q.prefix.as_bytes().to_vec();
        if let Some(km) = &q.key_marker {
            validate_key(km)?;
            if km.as_bytes() >= cursor.as_slice() {
                let seq = match &q.version_id_marker {
                    Some(id) => match parse_version_id(km, id)? {
                        Some(seq) => Some(seq),
                        // `null` names the key's null version; when it has
                        // none (any more), the listing goes on past the
                        // key's versions, as after a key marker alone.
                        None => self.null_seq(bucket, km)?,
                    },
                    None => None,
                };
                cursor = match seq {
                    Some(seq) => {
                        let full = keys::version(bucket, km, seq);
                        after(&full[base.len()..])
                    }
                    None => {
                        let mut c = km.as_bytes().to_vec();
                        c.push(1);
                        c
                    }
                };
            }
        }
        let mut items: Vec<Item<VersionEntry>> = Vec::new();
        let mut latest: Option<(String, Option<u64>)> = None;
        'scan: while items.len() <= q.max_keys {
            let start = [base.as_slice(), &cursor].concat();
            for entry in meta.scan_from(&base, &start) {
                let (k, v) = entry?;
                let (key, seq) = keys::split_version(&k[base.len()..])
                    .ok_or_else(|| Error::BadRecord("malformed version key".into()))?;
                if !key.starts_with(&q.prefix) {
                    break 'scan;
                }
                // Hidden records (kept only for snapshots) are not S3's to
                // see, not even as a common prefix.
                let rec: VersionRecord = decode(&v)?;
                if !rec.visible() {
                    continue;
                }
                if let Some(cp) = rollup(key, &q.prefix, q.delimiter.as_deref()) {
                    let cp = cp.to_owned();
                    cursor = past_prefix(&cp);
                    if q.key_marker.as_deref().is_none_or(|km| cp.as_str() > km) {
                        items.push(Item::Prefix(cp));
                    }
                    continue 'scan;
                }
                if latest.as_ref().is_none_or(|(k, _)| k != key) {
                    latest = Some((key.to_owned(), self.newest_visible_seq(bucket, key)?));
                }
                let is_latest = latest.as_ref().is_some_and(|(_, s)| *s == Some(seq));
                items.push(Item::Entry(
                    key.to_owned(),
                    VersionEntry {
                        info: ObjectInfo::of(key, &rec),
                        is_latest,
                        delete_marker: rec.kind == VersionKind::DeleteMarker,
                    },
                ));
                if items.len() > q.max_keys {
                    break 'scan;
                }
            }
            break;
        }
        let is_truncated = items.len() > q.max_keys;
        items.truncate(q.max_keys);
        let mut page = VersionPage {
            is_truncated,
            ..VersionPage::default()
        };
        for item in items {
            match item {
                Item::Entry(key, e) => {
                    page.next_key_marker = Some(key);
                    page.next_version_id_marker = Some(e.info.version_id.clone());
                    page.versions.push(e);
                }
                Item::Prefix(p) => {
                    page.next_key_marker = Some(p.clone());
                    page.next_version_id_marker = None;
                    page.common_prefixes.push(p);
                }
            }
        }
        if !page.is_truncated {
            page.next_key_marker = None;
            page.next_version_id_marker = None;
        }
        Ok(page)
    }

    fn key_records(&self, bucket: &str, key: &str) -> impl Iterator<Item = Result<VersionRecord>> {
        let prefix = keys::versions_of(bucket, key);
        let recs: Vec<_> = self
            .inner
            .meta
            .scan(&prefix)
            .map(|e| e.and_then(|(_, v)| decode::<VersionRecord>(&v)))
            .collect();
        recs.into_iter()
    }

    fn newest_visible_seq(&self, bucket: &str, key: &str) -> Result<Option<u64>> {
        for r in self.key_records(bucket, key) {
            let r = r?;
            if r.visible() {
                return Ok(Some(r.seq));
            }
        }
        Ok(None)
    }

    fn null_seq(&self, bucket: &str, key: &str) -> Result<Option<u64>> {
        for r in self.key_records(bucket, key) {
            let r = r?;
            if r.visible() && r.null_id {
                return Ok(Some(r.seq));
            }
        }
        Ok(None)
    }
}
