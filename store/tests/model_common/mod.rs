//! Helpers shared by the model tests (`model.rs`, `listing.rs`): the store
//! configuration they open, deterministic bodies, the reference listing
//! order computed from plain sorted sets, and drivers that page through the
//! store's listings while checking each page's shape.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use alexander_store::{
    ChunkerConfig, Config, ListQuery, ObjectInfo, Store, UploadInfo, VersionEntry, VersionQuery,
};

/// A store configuration that makes small bodies span several chunks and
/// packs, keeps the smallest chunks in the metadata database and the rest
/// in packs, changes most reference counts through jobs, frees
/// unreferenced chunks at once and compacts eagerly.
pub fn test_config() -> Config {
    Config {
        chunker: ChunkerConfig {
            min: 64,
            avg: 256,
            max: 1024,
        },
        pack_size: 16 << 10,
        gc_grace: Duration::ZERO,
        compact_below: 0.9,
        meta_cache_bytes: 4 << 20,
        // Most commits here reference a few dozen chunks: a small budget
        // sends many of them through reference-count jobs.
        inline_refs: 16,
        reserved_bytes: 0,
        // Between the chunker's minimum and average: stream tails and
        // some whole chunks go to the metadata database.
        meta_chunk_max: 128,
    }
}

/// `len` deterministic pseudo-random bytes for `seed`. Bodies with the same
/// seed share their beginnings, so their first chunks deduplicate.
pub fn body(seed: u8, len: usize) -> Vec<u8> {
    let mut x: u64 =
        0x9E37_79B9_7F4A_7C15 ^ (u64::from(seed) + 1).wrapping_mul(0xA24B_AED4_963E_E407);
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        // xorshift64*
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        for b in v.to_le_bytes() {
            if out.len() < len {
                out.push(b);
            }
        }
    }
    out
}

/// The common prefix `key` rolls up into under S3's rule: the key up to and
/// including the first occurrence of the delimiter after the prefix.
pub fn rollup<'k>(key: &'k str, prefix: &str, delimiter: Option<&str>) -> Option<&'k str> {
    let d = delimiter.filter(|d| !d.is_empty())?;
    let pos = key[prefix.len()..].find(d)?;
    Some(&key[..prefix.len() + pos + d.len()])
}

/// One entry of a listing: an object (or version) or a common prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item<T> {
    Entry(T),
    Prefix(String),
}

/// The reference listing of `entries` (any order; each with its key),
/// computed the obvious way: keys in byte order, those under `prefix`,
/// rolled up at the delimiter, and only what sorts after `start_after` (a
/// common prefix counts by its own name). Entries of one key keep their
/// relative order.
pub fn reference_listing<T: Clone>(
    entries: &[(String, T)],
    prefix: &str,
    delimiter: Option<&str>,
    start_after: Option<&str>,
) -> Vec<Item<(String, T)>> {
    let mut sorted: Vec<&(String, T)> = entries.iter().collect();
    // Stable: versions of one key stay newest first.
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out: Vec<Item<(String, T)>> = Vec::new();
    for (key, value) in sorted {
        if !key.starts_with(prefix) {
            continue;
        }
        match rollup(key, prefix, delimiter) {
            Some(cp) => {
                if start_after.is_some_and(|sa| cp <= sa) {
                    continue;
                }
                if !matches!(out.last(), Some(Item::Prefix(p)) if p == cp) {
                    out.push(Item::Prefix(cp.to_owned()));
                }
            }
            None => {
                if start_after.is_some_and(|sa| key.as_str() <= sa) {
                    continue;
                }
                out.push(Item::Entry((key.clone(), value.clone())));
            }
        }
    }
    out
}

/// Guard against listings that never end.
const MAX_PAGES: usize = 10_000;

/// Merges one page's entries and common prefixes into listing order.
/// Entries are sorted by key (several may share one), prefixes strictly;
/// a key never equals a prefix in one listing.
fn merge_page<T>(
    entries: Vec<T>,
    prefixes: Vec<String>,
    key_of: impl Fn(&T) -> &str,
) -> Vec<Item<T>> {
    let mut out = Vec::with_capacity(entries.len() + prefixes.len());
    let mut ps = prefixes.into_iter().peekable();
    for e in entries {
        while let Some(p) = ps.next_if(|p| p.as_str() < key_of(&e)) {
            out.push(Item::Prefix(p));
        }
        out.push(Item::Entry(e));
    }
    out.extend(ps.map(Item::Prefix));
    out
}

fn item_name<'a, T>(item: &'a Item<T>, key_of: impl Fn(&T) -> &str + 'a) -> &'a str {
    match item {
        Item::Entry(e) => key_of(e),
        Item::Prefix(p) => p,
    }
}

/// Pages through `list_objects` with `query` (its `start_after` is the
/// first page's), checking each page's shape: at most `max_keys` items, a
/// truncated page non-empty with `next_marker` naming its last item, the
/// last page untruncated without a marker. Returns every item in order.
pub fn list_objects_all(
    store: &Store,
    bucket: &str,
    query: &ListQuery,
) -> alexander_store::Result<Vec<Item<ObjectInfo>>> {
    let mut q = query.clone();
    let mut all = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = store.list_objects(bucket, &q)?;
        let items = merge_page(page.objects, page.common_prefixes, |o| o.key.as_str());
        assert!(
            items.len() <= q.max_keys,
            "page of {} items for max_keys {} ({q:?})",
            items.len(),
            q.max_keys
        );
        let last = items
            .last()
            .map(|i| item_name(i, |o| o.key.as_str()).to_owned());
        all.extend(items);
        if !page.is_truncated {
            assert_eq!(
                page.next_marker, None,
                "untruncated page with a marker ({q:?})"
            );
            return Ok(all);
        }
        assert!(last.is_some(), "truncated empty page ({q:?})");
        assert_eq!(
            page.next_marker, last,
            "next_marker is not the last item ({q:?})"
        );
        q.start_after = page.next_marker;
    }
    panic!("list_objects did not finish in {MAX_PAGES} pages ({query:?})");
}

/// Pages through `list_versions` like [`list_objects_all`], following
/// `next_key_marker` and `next_version_id_marker`.
pub fn list_versions_all(
    store: &Store,
    bucket: &str,
    query: &VersionQuery,
) -> alexander_store::Result<Vec<Item<VersionEntry>>> {
    let mut q = query.clone();
    let mut all = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = store.list_versions(bucket, &q)?;
        let items = merge_page(page.versions, page.common_prefixes, |v| v.info.key.as_str());
        assert!(
            items.len() <= q.max_keys,
            "page of {} items for max_keys {} ({q:?})",
            items.len(),
            q.max_keys
        );
        let (last_key, last_id) = match items.last() {
            Some(Item::Entry(v)) => (Some(v.info.key.clone()), Some(v.info.version_id.clone())),
            Some(Item::Prefix(p)) => (Some(p.clone()), None),
            None => (None, None),
        };
        all.extend(items);
        if !page.is_truncated {
            assert_eq!(page.next_key_marker, None, "untruncated page with a marker");
            assert_eq!(
                page.next_version_id_marker, None,
                "untruncated page with a marker"
            );
            return Ok(all);
        }
        assert!(last_key.is_some(), "truncated empty page ({q:?})");
        assert_eq!(page.next_key_marker, last_key, "next_key_marker ({q:?})");
        assert_eq!(
            page.next_version_id_marker, last_id,
            "next_version_id_marker ({q:?})"
        );
        q.key_marker = page.next_key_marker;
        q.version_id_marker = page.next_version_id_marker;
    }
    panic!("list_versions did not finish in {MAX_PAGES} pages ({query:?})");
}

/// Pages through `list_uploads` like [`list_objects_all`].
pub fn list_uploads_all(
    store: &Store,
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
    key_marker: Option<&str>,
    max_uploads: usize,
) -> alexander_store::Result<Vec<Item<UploadInfo>>> {
    let mut km = key_marker.map(str::to_owned);
    let mut um: Option<String> = None;
    let mut all = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = store.list_uploads(
            bucket,
            prefix,
            delimiter,
            km.as_deref(),
            um.as_deref(),
            max_uploads,
        )?;
        let items = merge_page(page.uploads, page.common_prefixes, |u| u.key.as_str());
        assert!(items.len() <= max_uploads, "page too long");
        let (last_key, last_id) = match items.last() {
            Some(Item::Entry(u)) => (Some(u.key.clone()), Some(u.upload_id.clone())),
            Some(Item::Prefix(p)) => (Some(p.clone()), None),
            None => (None, None),
        };
        all.extend(items);
        if !page.is_truncated {
            assert_eq!(page.next_key_marker, None, "untruncated page with a marker");
            assert_eq!(
                page.next_upload_id_marker, None,
                "untruncated page with a marker"
            );
            return Ok(all);
        }
        assert!(last_key.is_some(), "truncated empty page");
        assert_eq!(page.next_key_marker, last_key, "next_key_marker");
        assert_eq!(page.next_upload_id_marker, last_id, "next_upload_id_marker");
        km = page.next_key_marker;
        um = page.next_upload_id_marker;
    }
    panic!("list_uploads did not finish in {MAX_PAGES} pages");
}

/// Opens the store in `dir` again just after its last handle was dropped.
/// A handle dropped in another thread may hold the database's lock a
/// moment longer, so a lock conflict is retried for a while; any other
/// error is returned at once.
pub fn reopen(dir: &Path) -> alexander_store::Result<Store> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Store::open(dir, test_config()) {
            Err(e) if matches!(e, alexander_store::Error::InUse) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Number of proptest cases: `PROPTEST_CASES` if set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
