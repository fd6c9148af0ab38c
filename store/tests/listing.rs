//! Listing-order property tests: random key sets drawn from an alphabet
//! that stresses byte order ('/', '.', '-', ASCII letters, two- and
//! four-byte UTF-8), listed through the store with random prefix,
//! delimiter, start marker and page size, and compared, page after page,
//! with a reference computed from plain sorted sets. Covers object
//! listings (the current view and a snapshot's), version listings and
//! multipart upload listings.

mod model_common;

use std::collections::BTreeMap;

use alexander_store::{ListQuery, ObjectMeta, PutOptions, Store, VersionQuery, Versioning};
use model_common::{
    Item, cases, list_objects_all, list_uploads_all, list_versions_all, reference_listing,
    test_config,
};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

/// Keys here are S3's, not paths ("a//b" is one), so every bucket takes
/// any key (see `Store::set_path_rule`).
const ALPHABET: [char; 7] = ['/', '.', '-', 'a', 'b', 'é', '\u{10000}'];

const DELIMITERS: [Option<&str>; 7] = [
    None,
    Some(""),
    Some("/"),
    Some("é"),
    Some("/a"),
    Some("\u{10000}"),
    Some("a."),
];

fn word(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET.to_vec()), len)
        .prop_map(|cs| cs.into_iter().collect())
}

/// A string chosen relative to the key set once it is known: random, or a
/// key, a key cut short (on a char boundary), or a key with a char added.
#[derive(Clone, Debug)]
enum Pick {
    None,
    Random(String),
    Key(usize),
    KeyCut(usize, usize),
    KeyPlus(usize, char),
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        2 => Just(Pick::None),
        2 => word(0..4).prop_map(Pick::Random),
        2 => any::<usize>().prop_map(Pick::Key),
        3 => (any::<usize>(), any::<usize>()).prop_map(|(k, c)| Pick::KeyCut(k, c)),
        1 => (any::<usize>(), prop::sample::select(ALPHABET.to_vec()))
            .prop_map(|(k, c)| Pick::KeyPlus(k, c)),
    ]
}

impl Pick {
    fn resolve(&self, keys: &[String]) -> Option<String> {
        let key = |i: usize| (!keys.is_empty()).then(|| keys[i % keys.len()].clone());
        match self {
            Pick::None => None,
            Pick::Random(s) => Some(s.clone()),
            Pick::Key(i) => key(*i),
            Pick::KeyCut(i, c) => key(*i).map(|k| {
                let chars: Vec<char> = k.chars().collect();
                chars[..c % (chars.len() + 1)].iter().collect()
            }),
            Pick::KeyPlus(i, c) => key(*i).map(|mut k| {
                k.push(*c);
                k
            }),
        }
    }
}

/// A version as a listing shows it: id, is-latest, is-a-delete-marker.
type Version = (String, bool, bool);

#[derive(Clone, Debug)]
struct Query {
    prefix: Pick,
    delimiter: Option<&'static str>,
    start: Pick,
    max_keys: usize,
}

fn query() -> impl Strategy<Value = Query> {
    (
        pick(),
        prop::sample::select(DELIMITERS.to_vec()),
        pick(),
        1..5usize,
    )
        .prop_map(|(prefix, delimiter, start, max_keys)| Query {
            prefix,
            delimiter,
            start,
            max_keys,
        })
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), test_config()).unwrap();
    (dir, store)
}

fn put(store: &Store, bucket: &str, key: &str, len: usize) -> String {
    let data = vec![b'x'; len];
    store
        .put_object(bucket, key, &data[..], PutOptions::default())
        .unwrap()
        .version_id
}

fn config(default_cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default_cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Compares an object listing with its reference: keys, sizes and common
/// prefixes, in order.
fn check_objects(
    store: &Store,
    bucket: &str,
    snapshot: Option<&str>,
    expected: &BTreeMap<String, u64>,
    keys: &[String],
    q: &Query,
) {
    let prefix = q.prefix.resolve(keys).unwrap_or_default();
    let start_after = q.start.resolve(keys);
    let query = ListQuery {
        prefix: prefix.clone(),
        delimiter: q.delimiter.map(str::to_owned),
        start_after: start_after.clone(),
        max_keys: q.max_keys,
        snapshot: snapshot.map(str::to_owned),
    };
    let got: Vec<Item<(String, u64)>> = list_objects_all(store, bucket, &query)
        .unwrap()
        .into_iter()
        .map(|i| match i {
            Item::Entry(o) => {
                assert_eq!(o.version_id, "null");
                Item::Entry((o.key, o.size))
            }
            Item::Prefix(p) => Item::Prefix(p),
        })
        .collect();
    let entries: Vec<(String, u64)> = expected.iter().map(|(k, s)| (k.clone(), *s)).collect();
    let want = reference_listing(&entries, &prefix, q.delimiter, start_after.as_deref());
    assert_eq!(got, want, "{query:?}");
}

proptest! {
    #![proptest_config(config(64))]

    /// The current view and a snapshot's view list exactly the sorted key
    /// set, rolled up and paged.
    #[test]
    fn list_objects_in_byte_order(
        before in prop::collection::btree_set(word(1..6), 0..24),
        removed in any::<u64>(),
        after in prop::collection::btree_set(word(1..6), 0..8),
        queries in prop::collection::vec(query(), 1..10),
    ) {
        let (_dir, store) = open();
        store.create_bucket("lst").unwrap();
        store.set_path_rule("lst", false).unwrap();
        let mut snap_view = BTreeMap::new();
        for (i, k) in before.iter().enumerate() {
            put(&store, "lst", k, i % 7);
            snap_view.insert(k.clone(), (i % 7) as u64);
        }
        store.create_snapshot("lst", "snap").unwrap();
        let mut current = snap_view.clone();
        for (i, k) in before.iter().enumerate() {
            if removed >> (i % 64) & 1 == 1 {
                store.delete_object("lst", k, None).unwrap();
                current.remove(k);
            }
        }
        for k in &after {
            put(&store, "lst", k, 9);
            current.insert(k.clone(), 9);
        }
        let all_keys: Vec<String> = before.union(&after).cloned().collect();
        for q in &queries {
            check_objects(&store, "lst", None, &current, &all_keys, q);
            check_objects(&store, "lst", Some("snap"), &snap_view, &all_keys, q);
        }
    }

    /// Version listings: keys in byte order, each key's versions newest
    /// first, delete markers included, versions only a snapshot keeps
    /// excluded (and never rolled into a common prefix).
    #[test]
    fn list_versions_in_byte_order(
        plans in prop::collection::btree_map(
            word(1..5),
            (any::<bool>(), prop::collection::vec(any::<bool>(), 0..4), any::<bool>()),
            0..16,
        ),
        queries in prop::collection::vec(query(), 1..8),
    ) {
        let (_dir, store) = open();
        store.create_bucket("ver").unwrap();
        store.set_path_rule("ver", false).unwrap();
        // key -> (version id, is delete marker), newest first.
        let mut versions: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
        for (key, (null_first, _, _)) in &plans {
            if *null_first {
                let id = put(&store, "ver", key, 1);
                versions.entry(key.clone()).or_default().insert(0, (id, false));
            }
        }
        store.set_versioning("ver", Versioning::Enabled).unwrap();
        for (key, (_, steps, _)) in &plans {
            for &is_put in steps {
                let entry = if is_put {
                    (put(&store, "ver", key, 2), false)
                } else {
                    let r = store.delete_object("ver", key, None).unwrap();
                    assert!(r.delete_marker);
                    (r.version_id.unwrap(), true)
                };
                versions.entry(key.clone()).or_default().insert(0, entry);
            }
        }
        // Keys whose versions are all deleted by id while a snapshot sees
        // them: their records stay, hidden.
        store.create_snapshot("ver", "keep").unwrap();
        for (key, (_, _, vanish)) in &plans {
            if *vanish && let Some(vs) = versions.remove(key) {
                for (id, _) in vs {
                    store.delete_object("ver", key, Some(&id)).unwrap();
                }
            }
        }
        let all_keys: Vec<String> = plans.keys().cloned().collect();
        let entries: Vec<(String, Version)> = versions
            .iter()
            .flat_map(|(k, vs)| {
                vs.iter()
                    .enumerate()
                    .map(move |(i, (id, dm))| (k.clone(), (id.clone(), i == 0, *dm)))
            })
            .collect();
        for q in &queries {
            let prefix = q.prefix.resolve(&all_keys).unwrap_or_default();
            let key_marker = q.start.resolve(&all_keys).filter(|k| !k.is_empty());
            let query = VersionQuery {
                prefix: prefix.clone(),
                delimiter: q.delimiter.map(str::to_owned),
                key_marker: key_marker.clone(),
                version_id_marker: None,
                max_keys: q.max_keys,
            };
            let got: Vec<Item<(String, Version)>> =
                list_versions_all(&store, "ver", &query)
                    .unwrap()
                    .into_iter()
                    .map(|i| match i {
                        Item::Entry(v) => Item::Entry((
                            v.info.key,
                            (v.info.version_id, v.is_latest, v.delete_marker),
                        )),
                        Item::Prefix(p) => Item::Prefix(p),
                    })
                    .collect();
            let want = reference_listing(&entries, &prefix, q.delimiter, key_marker.as_deref());
            prop_assert_eq!(got, want, "{:?}", query);
        }
    }

    /// Multipart upload listings: by key, then upload id.
    #[test]
    fn list_uploads_in_order(
        uploads in prop::collection::btree_map(word(1..5), 1..4usize, 0..14),
        queries in prop::collection::vec(query(), 1..8),
    ) {
        let (_dir, store) = open();
        store.create_bucket("upl").unwrap();
        store.set_path_rule("upl", false).unwrap();
        let mut entries: Vec<(String, String)> = Vec::new();
        for (key, n) in &uploads {
            let mut ids: Vec<String> = (0..*n)
                .map(|_| store.create_multipart("upl", key, ObjectMeta::default()).unwrap())
                .collect();
            ids.sort();
            entries.extend(ids.into_iter().map(|id| (key.clone(), id)));
        }
        let all_keys: Vec<String> = uploads.keys().cloned().collect();
        for q in &queries {
            let prefix = q.prefix.resolve(&all_keys).unwrap_or_default();
            let key_marker = q.start.resolve(&all_keys);
            let got: Vec<Item<(String, String)>> = list_uploads_all(
                &store,
                "upl",
                &prefix,
                q.delimiter,
                key_marker.as_deref(),
                q.max_keys,
            )
            .unwrap()
            .into_iter()
            .map(|i| match i {
                Item::Entry(u) => Item::Entry((u.key, u.upload_id)),
                Item::Prefix(p) => Item::Prefix(p),
            })
            .collect();
            let want =
                reference_listing(&entries, &prefix, q.delimiter, key_marker.as_deref());
            prop_assert_eq!(got, want, "prefix {:?} delimiter {:?} marker {:?} max {}",
                prefix, q.delimiter, key_marker, q.max_keys);
        }
    }
}

/// A snapshot listing moves past each key: the cursor after a key, `key
/// NUL`, is where that key's own version records start in the version
/// keyspace, so a naive scan from it finds the same key again.
#[test]
fn snapshot_listing_moves_past_each_key() {
    let (_dir, store) = open();
    store.create_bucket("lst").unwrap();
    store.set_path_rule("lst", false).unwrap();
    for k in ["a", "b", "c"] {
        put(&store, "lst", k, 1);
    }
    store.create_snapshot("lst", "snap").unwrap();
    let q = ListQuery {
        max_keys: 10,
        snapshot: Some("snap".into()),
        ..ListQuery::default()
    };
    let page = store.list_objects("lst", &q).unwrap();
    let keys: Vec<&str> = page.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert!(!page.is_truncated);
    let q = ListQuery {
        start_after: Some("a".into()),
        ..q
    };
    let page = store.list_objects("lst", &q).unwrap();
    let keys: Vec<&str> = page.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["b", "c"]);
}

/// Regression: a version listing with a delimiter showed a common prefix
/// for keys whose only records are hidden ones kept for a snapshot.
#[test]
fn version_listing_hides_prefixes_of_hidden_records() {
    let (_dir, store) = open();
    store.create_bucket("ver").unwrap();
    store.set_path_rule("ver", false).unwrap();
    put(&store, "ver", "dir/file", 3);
    store.create_snapshot("ver", "snap").unwrap();
    store.delete_object("ver", "dir/file", None).unwrap();
    let q = VersionQuery {
        delimiter: Some("/".into()),
        max_keys: 10,
        ..VersionQuery::default()
    };
    let page = store.list_versions("ver", &q).unwrap();
    assert!(page.versions.is_empty());
    assert!(page.common_prefixes.is_empty(), "{page:?}");
    // The snapshot still sees it.
    let q = ListQuery {
        max_keys: 10,
        snapshot: Some("snap".into()),
        ..ListQuery::default()
    };
    let page = store.list_objects("ver", &q).unwrap();
    assert_eq!(page.objects.len(), 1);
}

/// Regression: paging an upload listing by the `next_key_marker` of a page
/// that ended in a common prefix listed that prefix again.
#[test]
fn upload_listing_pages_past_common_prefixes() {
    let (_dir, store) = open();
    store.create_bucket("upl").unwrap();
    store.set_path_rule("upl", false).unwrap();
    for k in ["a/1", "a/2", "b"] {
        store
            .create_multipart("upl", k, ObjectMeta::default())
            .unwrap();
    }
    let page = store
        .list_uploads("upl", "", Some("/"), None, None, 1)
        .unwrap();
    assert_eq!(page.common_prefixes, ["a/"]);
    assert!(page.is_truncated);
    assert_eq!(page.next_key_marker.as_deref(), Some("a/"));
    let page = store
        .list_uploads("upl", "", Some("/"), Some("a/"), None, 1)
        .unwrap();
    assert!(page.common_prefixes.is_empty(), "{page:?}");
    let keys: Vec<&str> = page.uploads.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, ["b"]);
    assert!(!page.is_truncated);
}
