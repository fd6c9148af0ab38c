//! Behaviour of the store's public API, case by case: S3's versioning
//! rules, snapshots, multipart, copy and rename, space reclamation, and
//! every kind of bad input leaving stored data unchanged.

mod raw_meta;
use raw_meta::open_meta;

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

use alexander_store::{
    At, ByteRange, ChunkerConfig, Config, CopyMetadata, CopySource, Error, ListQuery, ObjectMeta,
    Progress, PutOptions, Store, VersionQuery, Versioning, WriteCondition,
};
use md5::{Digest, Md5};
use rand::{RngCore, SeedableRng, rngs::StdRng};

fn config() -> Config {
    Config {
        chunker: ChunkerConfig {
            min: 1024,
            avg: 4096,
            max: 16384,
        },
        pack_size: 1 << 20,
        gc_grace: Duration::ZERO,
        // Small, so that most manifests here take their references through
        // jobs rather than inline.
        inline_refs: 4,
        reserved_bytes: 0,
        ..Config::default()
    }
}

fn open() -> (tempfile::TempDir, Store) {
    open_with(config())
}

fn open_with(config: Config) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), config).unwrap();
    (dir, store)
}

fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0; len];
    StdRng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

fn put(store: &Store, bucket: &str, key: &str, body: &[u8]) -> alexander_store::ObjectInfo {
    store
        .put_object(bucket, key, body, PutOptions::default())
        .unwrap()
}

fn get(store: &Store, bucket: &str, key: &str, at: At<'_>) -> alexander_store::Result<Vec<u8>> {
    let mut r = store.get_object(bucket, key, at, None)?;
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    Ok(out)
}

fn keys(store: &Store, bucket: &str) -> Vec<String> {
    let q = ListQuery {
        max_keys: 1000,
        ..ListQuery::default()
    };
    store
        .list_objects(bucket, &q)
        .unwrap()
        .objects
        .into_iter()
        .map(|o| o.key)
        .collect()
}

#[test]
fn put_get_head_with_metadata_and_md5_etag() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    let body = data(100_000, 1);
    let mut meta = ObjectMeta {
        content_type: Some("text/plain".into()),
        ..ObjectMeta::default()
    };
    meta.user.insert("color".into(), "blue".into());
    meta.attrs.mode = Some(0o100640);
    meta.attrs.mtime_ns = Some(1_700_000_000_123_456_789);
    meta.attrs.xattrs.insert(b"user.x".to_vec(), b"y".to_vec());
    let info = s
        .put_object(
            "bk1",
            "dir/file.txt",
            &body[..],
            PutOptions {
                meta: meta.clone(),
                condition: None,
            },
        )
        .unwrap();
    assert_eq!(info.etag, hex::encode(Md5::digest(&body)));
    assert_eq!(info.size, body.len() as u64);
    assert_eq!(info.version_id, "null");
    let head = s.head_object("bk1", "dir/file.txt", At::Current).unwrap();
    assert_eq!(head.meta, meta);
    assert_eq!(get(&s, "bk1", "dir/file.txt", At::Current).unwrap(), body);
    // Ranges, including ones that cross chunk boundaries.
    for (range, expect) in [
        (ByteRange::Inclusive(10, 19), &body[10..20]),
        (ByteRange::From(99_990), &body[99_990..]),
        (ByteRange::Suffix(5000), &body[95_000..]),
        (ByteRange::Inclusive(3000, 70_000), &body[3000..70_001]),
    ] {
        let mut r = s
            .get_object("bk1", "dir/file.txt", At::Current, Some(range))
            .unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, expect, "{range:?}");
    }
    // An empty object.
    let e = put(&s, "bk1", "empty", b"");
    assert_eq!(e.etag, "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(get(&s, "bk1", "empty", At::Current).unwrap(), b"");
}

#[test]
fn metadata_changes_in_place() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    s.set_versioning("bk1", Versioning::Enabled).unwrap();
    let v1 = put(&s, "bk1", "k", b"one");
    put(&s, "bk1", "k", b"two");
    let info = s
        .update_object_meta("bk1", "k", At::Version(&v1.version_id), |m| {
            m.extra.insert("tagging".into(), "a=b".into());
        })
        .unwrap();
    assert_eq!(info.version_id, v1.version_id);
    let head = s
        .head_object("bk1", "k", At::Version(&v1.version_id))
        .unwrap();
    assert_eq!(head.meta.extra["tagging"], "a=b");
    assert!(
        s.head_object("bk1", "k", At::Current)
            .unwrap()
            .meta
            .extra
            .is_empty()
    );
    s.update_object_meta("bk1", "k", At::Current, |m| {
        m.extra.insert("tagging".into(), "c=d".into());
    })
    .unwrap();
    let page = s
        .list_objects(
            "bk1",
            &ListQuery {
                max_keys: 10,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page.objects[0].meta.extra["tagging"], "c=d");
    assert_eq!(s.stats().unwrap().versions, 2, "no new version");
    assert!(matches!(
        s.update_object_meta("bk1", "nope", At::Current, |_| {}),
        Err(Error::NoSuchKey { .. })
    ));
}

#[test]
fn unversioned_overwrite_and_delete() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "k", b"one");
    put(&s, "bk1", "k", b"two");
    assert_eq!(get(&s, "bk1", "k", At::Current).unwrap(), b"two");
    let page = s
        .list_versions(
            "bk1",
            &VersionQuery {
                max_keys: 100,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page.versions.len(), 1);
    assert_eq!(page.versions[0].info.version_id, "null");
    let del = s.delete_object("bk1", "k", None).unwrap();
    assert!(!del.delete_marker);
    assert!(matches!(
        get(&s, "bk1", "k", At::Current),
        Err(Error::NoSuchKey {
            delete_marker: None,
            ..
        })
    ));
    // Deleting what is not there succeeds, as in S3.
    s.delete_object("bk1", "k", None).unwrap();
    assert_eq!(s.stats().unwrap().versions, 0);
}

#[test]
fn versioning_enabled_rules() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "k", b"before");
    s.set_versioning("bk1", Versioning::Enabled).unwrap();
    let v1 = put(&s, "bk1", "k", b"v1");
    let v2 = put(&s, "bk1", "k", b"v2");
    assert_ne!(v1.version_id, v2.version_id);
    assert_ne!(v1.version_id, "null");
    assert_eq!(get(&s, "bk1", "k", At::Version("null")).unwrap(), b"before");
    assert_eq!(
        get(&s, "bk1", "k", At::Version(&v1.version_id)).unwrap(),
        b"v1"
    );
    let dm = s.delete_object("bk1", "k", None).unwrap();
    assert!(dm.delete_marker);
    let dm_id = dm.version_id.unwrap();
    match get(&s, "bk1", "k", At::Current) {
        Err(Error::NoSuchKey {
            delete_marker: Some(id),
            ..
        }) => assert_eq!(id, dm_id),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        get(&s, "bk1", "k", At::Version(&dm_id)),
        Err(Error::VersionIsDeleteMarker { .. })
    ));
    let page = s
        .list_versions(
            "bk1",
            &VersionQuery {
                max_keys: 100,
                ..Default::default()
            },
        )
        .unwrap();
    let listed: Vec<_> = page
        .versions
        .iter()
        .map(|v| (v.info.version_id.clone(), v.is_latest, v.delete_marker))
        .collect();
    assert_eq!(
        listed,
        vec![
            (dm_id.clone(), true, true),
            (v2.version_id.clone(), false, false),
            (v1.version_id.clone(), false, false),
            ("null".into(), false, false),
        ]
    );
    // Removing the delete marker brings v2 back.
    s.delete_object("bk1", "k", Some(&dm_id)).unwrap();
    assert_eq!(get(&s, "bk1", "k", At::Current).unwrap(), b"v2");
    // Removing the latest version by id makes the previous one current.
    s.delete_object("bk1", "k", Some(&v2.version_id)).unwrap();
    assert_eq!(get(&s, "bk1", "k", At::Current).unwrap(), b"v1");
    assert!(matches!(
        get(&s, "bk1", "k", At::Version(&v2.version_id)),
        Err(Error::NoSuchVersion { .. })
    ));
    // Versioning can be suspended, never undone.
    assert!(matches!(
        s.set_versioning("bk1", Versioning::Unversioned),
        Err(Error::InvalidVersioningTransition)
    ));
}

#[test]
fn versioning_suspended_rules() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    s.set_versioning("bk1", Versioning::Enabled).unwrap();
    let v1 = put(&s, "bk1", "k", b"v1");
    s.set_versioning("bk1", Versioning::Suspended).unwrap();
    let n1 = put(&s, "bk1", "k", b"n1");
    assert_eq!(n1.version_id, "null");
    let n2 = put(&s, "bk1", "k", b"n2");
    assert_eq!(n2.version_id, "null");
    let page = s
        .list_versions(
            "bk1",
            &VersionQuery {
                max_keys: 100,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page.versions.len(), 2, "the null version was replaced");
    let dm = s.delete_object("bk1", "k", None).unwrap();
    assert_eq!(dm.version_id.as_deref(), Some("null"));
    assert!(dm.delete_marker);
    assert_eq!(
        get(&s, "bk1", "k", At::Version(&v1.version_id)).unwrap(),
        b"v1"
    );
    let page = s
        .list_versions(
            "bk1",
            &VersionQuery {
                max_keys: 100,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page.versions.len(), 2);
    assert!(page.versions[0].delete_marker && page.versions[0].is_latest);
}

#[test]
fn snapshots_see_the_past_forever() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "a", b"a1");
    put(&s, "bk1", "dir/x", b"x1");
    let snap = s.create_snapshot("bk1", "s1").unwrap();
    put(&s, "bk1", "a", b"a2");
    s.delete_object("bk1", "dir/x", None).unwrap();
    put(&s, "bk1", "new", b"n");
    assert_eq!(get(&s, "bk1", "a", At::Snapshot("s1")).unwrap(), b"a1");
    assert_eq!(get(&s, "bk1", "dir/x", At::Snapshot("s1")).unwrap(), b"x1");
    assert!(matches!(
        get(&s, "bk1", "new", At::Snapshot("s1")),
        Err(Error::NoSuchKey { .. })
    ));
    let listed = s
        .list_objects(
            "bk1",
            &ListQuery {
                max_keys: 10,
                snapshot: Some("s1".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let names: Vec<_> = listed.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(names, ["a", "dir/x"]);
    assert_eq!(keys(&s, "bk1"), ["a", "new"]);
    // A snapshot after the delete does not see the kept version.
    s.create_snapshot("bk1", "s2").unwrap();
    assert!(matches!(
        get(&s, "bk1", "dir/x", At::Snapshot("s2")),
        Err(Error::NoSuchKey { .. })
    ));
    assert_eq!(get(&s, "bk1", "a", At::Snapshot("s2")).unwrap(), b"a2");
    // Listing versions never shows what only snapshots keep.
    let page = s
        .list_versions(
            "bk1",
            &VersionQuery {
                max_keys: 100,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page.versions.len(), 2);
    let infos = s.list_snapshots("bk1").unwrap();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[0].seq, snap.seq);
    // Deleting the snapshot frees what only it kept.
    let before = s.stats().unwrap();
    s.delete_snapshot("bk1", "s1").unwrap();
    let after = s.stats().unwrap();
    assert_eq!(after.versions, before.versions - 2);
    assert!(s.fsck(true).unwrap().is_clean());
    assert!(matches!(
        s.delete_snapshot("bk1", "s1"),
        Err(Error::NoSuchSnapshot(_))
    ));
    assert!(matches!(
        s.create_snapshot("bk1", "s2"),
        Err(Error::SnapshotAlreadyExists(_))
    ));
}

#[test]
fn snapshot_survives_delete_by_version_id() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    s.set_versioning("bk1", Versioning::Enabled).unwrap();
    let v1 = put(&s, "bk1", "k", b"v1");
    let v2 = put(&s, "bk1", "k", b"v2");
    s.create_snapshot("bk1", "s").unwrap();
    s.delete_object("bk1", "k", Some(&v2.version_id)).unwrap();
    assert_eq!(get(&s, "bk1", "k", At::Current).unwrap(), b"v1");
    assert_eq!(get(&s, "bk1", "k", At::Snapshot("s")).unwrap(), b"v2");
    // A snapshot taken now sees the current view, not the hidden version.
    s.create_snapshot("bk1", "later").unwrap();
    assert_eq!(get(&s, "bk1", "k", At::Snapshot("later")).unwrap(), b"v1");
    s.delete_object("bk1", "k", Some(&v1.version_id)).unwrap();
    assert_eq!(get(&s, "bk1", "k", At::Snapshot("later")).unwrap(), b"v1");
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn snapshot_creation_is_constant_time_in_objects() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    for i in 0..2000 {
        put(&s, "bk1", &format!("k{i:05}"), b"x");
    }
    let meta_before = s.stats().unwrap().versions;
    s.create_snapshot("bk1", "s").unwrap();
    // One record, no per-object work: nothing else changes.
    assert_eq!(s.stats().unwrap().versions, meta_before);
    assert_eq!(get(&s, "bk1", "k01999", At::Snapshot("s")).unwrap(), b"x");
}

#[test]
fn copy_shares_chunks() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    s.create_bucket("bk2").unwrap();
    let body = data(200_000, 2);
    let src = put(&s, "bk1", "src", &body);
    let stored = s.stats().unwrap().stored_bytes;
    let mut meta = ObjectMeta::default();
    meta.user.insert("new".into(), "meta".into());
    let copy = s
        .copy_object(
            CopySource {
                bucket: "bk1",
                key: "src",
                at: At::Current,
            },
            "bk2",
            "dst",
            CopyMetadata::Replace(meta.clone()),
            None,
        )
        .unwrap();
    assert_eq!(copy.etag, src.etag);
    assert_eq!(copy.meta, meta);
    assert_eq!(s.stats().unwrap().stored_bytes, stored, "no data copied");
    assert_eq!(get(&s, "bk2", "dst", At::Current).unwrap(), body);
    // Deleting the source leaves the copy whole.
    s.delete_object("bk1", "src", None).unwrap();
    s.gc().unwrap();
    assert_eq!(get(&s, "bk2", "dst", At::Current).unwrap(), body);
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn conditional_writes() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    let cond = |c| PutOptions {
        meta: ObjectMeta::default(),
        condition: Some(c),
    };
    let first = s
        .put_object("bk1", "k", &b"1"[..], cond(WriteCondition::IfNoneMatch))
        .unwrap();
    assert!(matches!(
        s.put_object("bk1", "k", &b"2"[..], cond(WriteCondition::IfNoneMatch)),
        Err(Error::PreconditionFailed)
    ));
    assert!(matches!(
        s.put_object(
            "bk1",
            "k",
            &b"2"[..],
            cond(WriteCondition::IfMatch("nope".into()))
        ),
        Err(Error::PreconditionFailed)
    ));
    s.put_object(
        "bk1",
        "k",
        &b"3"[..],
        cond(WriteCondition::IfMatch(format!("\"{}\"", first.etag))),
    )
    .unwrap();
    assert_eq!(get(&s, "bk1", "k", At::Current).unwrap(), b"3");
    assert!(s.fsck(false).unwrap().is_clean());
}

#[test]
fn multipart_upload() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    let id = s
        .create_multipart("bk1", "big", ObjectMeta::default())
        .unwrap();
    let parts: Vec<Vec<u8>> = (0..3)
        .map(|i| data(50_000 + i * 1000, 10 + i as u64))
        .collect();
    let mut etags = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        // Upload each part twice: the second replaces the first.
        s.put_part("bk1", "big", &id, i as u32 + 1, &data(10, 99)[..])
            .unwrap();
        let info = s.put_part("bk1", "big", &id, i as u32 + 1, &p[..]).unwrap();
        assert_eq!(info.etag, hex::encode(Md5::digest(p)));
        etags.push((i as u32 + 1, info.etag));
    }
    let listed = s.list_parts("bk1", "big", &id, 0, 2).unwrap();
    assert_eq!(listed.parts.len(), 2);
    assert!(listed.is_truncated);
    let uploads = s.list_uploads("bk1", "", None, None, None, 10).unwrap();
    assert_eq!(uploads.uploads.len(), 1);
    assert!(matches!(
        s.complete_multipart("bk1", "big", &id, &[etags[1].clone(), etags[0].clone()], 0),
        Err(Error::InvalidPartOrder)
    ));
    assert!(matches!(
        s.complete_multipart("bk1", "big", &id, &[(1, "bad".into())], 0),
        Err(Error::InvalidPart { part_number: 1 })
    ));
    assert!(matches!(
        s.complete_multipart("bk1", "big", &id, &etags, 1 << 20),
        Err(Error::EntityTooSmall { part_number: 1 })
    ));
    let stored = s.stats().unwrap().stored_bytes;
    let info = s.complete_multipart("bk1", "big", &id, &etags, 0).unwrap();
    let mut md5s = Md5::new();
    for p in &parts {
        md5s.update(Md5::digest(p));
    }
    assert_eq!(info.etag, format!("{}-3", hex::encode(md5s.finalize())));
    assert_eq!(info.part_sizes, [50_000, 51_000, 52_000]);
    assert_eq!(get(&s, "bk1", "big", At::Current).unwrap(), parts.concat());
    s.gc().unwrap();
    assert!(
        s.stats().unwrap().stored_bytes <= stored,
        "no concatenation copy"
    );
    assert!(matches!(
        s.put_part("bk1", "big", &id, 1, &b"x"[..]),
        Err(Error::NoSuchUpload(_))
    ));
    // Abort drops everything.
    let id2 = s
        .create_multipart("bk1", "other", ObjectMeta::default())
        .unwrap();
    s.put_part("bk1", "other", &id2, 1, &data(30_000, 5)[..])
        .unwrap();
    s.abort_multipart("bk1", "other", &id2).unwrap();
    assert!(matches!(
        s.abort_multipart("bk1", "other", &id2),
        Err(Error::NoSuchUpload(_))
    ));
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn rename_key_and_prefix() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "a/1", b"1");
    put(&s, "bk1", "a/sub/2", b"2");
    put(&s, "bk1", "a/", b"");
    put(&s, "bk1", "ab", b"not under a/");
    put(&s, "bk1", "x", b"x");
    s.rename_object("bk1", "x", "y", false).unwrap();
    assert_eq!(get(&s, "bk1", "y", At::Current).unwrap(), b"x");
    put(&s, "bk1", "z", b"z");
    assert!(matches!(
        s.rename_object("bk1", "y", "z", true),
        Err(Error::AlreadyExists(_))
    ));
    assert_eq!(s.rename_prefix("bk1", "a/", "c/", false).unwrap(), 3);
    assert_eq!(keys(&s, "bk1"), ["ab", "c/", "c/1", "c/sub/2", "y", "z"]);
    assert!(matches!(
        s.rename_prefix("bk1", "c/", "c/sub/", false),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        s.rename_object("bk1", "missing", "q", false),
        Err(Error::NoSuchKey { .. })
    ));
    // Moving a directory up into its parent, where a moved name is also
    // the old name of another moved key.
    put(&s, "bk1", "x/x/1", b"a");
    put(&s, "bk1", "x/x/x/1", b"b");
    assert_eq!(s.rename_prefix("bk1", "x/x/", "x/", false).unwrap(), 2);
    assert_eq!(get(&s, "bk1", "x/1", At::Current).unwrap(), b"a");
    assert_eq!(get(&s, "bk1", "x/x/1", At::Current).unwrap(), b"b");
    assert!(matches!(
        get(&s, "bk1", "x/x/x/1", At::Current),
        Err(Error::NoSuchKey { .. })
    ));
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn gc_and_compaction_reclaim_space() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    for i in 0..20 {
        put(&s, "bk1", &format!("k{i}"), &data(200_000, i));
    }
    let full = s.stats().unwrap();
    assert_eq!(full.chunks as usize, s.fsck(false).unwrap().chunks as usize);
    for i in 0..18 {
        s.delete_object("bk1", &format!("k{i}"), None).unwrap();
    }
    let gc = s.gc().unwrap();
    assert!(gc.chunks_freed > 0);
    let after_gc = s.stats().unwrap();
    assert!(after_gc.stored_bytes < full.stored_bytes / 5);
    assert!(after_gc.live_fraction < 0.5);
    let report = s.compact().unwrap();
    assert!(report.packs_removed > 0, "{report:?}");
    let compacted = s.stats().unwrap();
    assert!(compacted.pack_bytes < full.pack_bytes / 3, "{compacted:?}");
    assert!(compacted.live_fraction > 0.5, "{compacted:?}");
    for i in 18..20 {
        assert_eq!(
            get(&s, "bk1", &format!("k{i}"), At::Current).unwrap(),
            data(200_000, i)
        );
    }
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn gc_reports_progress_stops_at_a_step_when_told_and_runs_one_at_a_time() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    for i in 0..30 {
        put(&s, "bk1", &format!("k{i}"), &data(200_000, i));
    }
    for i in 0..29 {
        s.delete_object("bk1", &format!("k{i}"), None).unwrap();
    }
    // Told to stop after its first step, gc stops there: what it freed is
    // committed and the store is sound.
    let mut steps = Vec::new();
    let first = s
        .gc_with(&mut |p| {
            steps.push(p);
            steps.len() < 2
        })
        .unwrap();
    let Progress::Step {
        task: "gc",
        done: 0,
        total: Some(total),
        ..
    } = steps[0]
    else {
        panic!("{steps:?}")
    };
    assert!(total > 1024, "{total} queued: one step would free them all");
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert!(
        matches!(steps[1], Progress::Step { done: 1024, .. }),
        "{steps:?}"
    );
    assert!(first.chunks_freed > 0 && first.chunks_freed <= 1024);
    assert!(s.fsck(false).unwrap().is_clean());
    // The rest goes with the next pass.
    let rest = s.gc().unwrap();
    assert!(rest.chunks_freed > 0);
    assert_eq!(s.gc().unwrap().chunks_freed, 0);
    assert_eq!(
        get(&s, "bk1", "k29", At::Current).unwrap(),
        data(200_000, 29)
    );

    // A second pass started while one runs waits for it, and says so.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let mut second = None;
        s.gc_with(&mut |_| {
            if second.is_none() {
                let (s, tx) = (s.clone(), tx.clone());
                second = Some(scope.spawn(move || {
                    s.gc_with(&mut |p| {
                        let _ = tx.send(p);
                        true
                    })
                }));
                // The first thing the second pass reports is that it waits.
                let p = rx.recv_timeout(Duration::from_secs(30)).unwrap();
                assert_eq!(p, Progress::Waiting { task: "gc" });
            }
            true
        })
        .unwrap();
        second.unwrap().join().unwrap().unwrap();
    });

    // fsck reports through the chunk index, ending at its count.
    let mut last = None;
    let report = s
        .fsck_with(true, &mut |p| {
            last = Some(p);
            true
        })
        .unwrap();
    assert!(
        matches!(
            last,
            Some(Progress::Step { task: "fsck", done, total: Some(t), .. }) if done == report.chunks && t == done
        ),
        "{last:?}"
    );
}

/// Yields `data`, then fails: a client gone in the middle of an upload.
struct FailsAfter {
    data: std::io::Cursor<Vec<u8>>,
}

impl Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.data.read(buf)? {
            0 => Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the client went away",
            )),
            n => Ok(n),
        }
    }
}

#[test]
fn a_failed_stream_leaves_nothing_gc_cannot_free() {
    // Every chunk in packs (none in the metadata database), so that all the
    // stream's bytes but the chunker's unfinished last chunk were stored.
    let (_d, s) = open_with(Config {
        meta_chunk_max: 0,
        ..config()
    });
    s.create_bucket("bk1").unwrap();
    // About 370 chunks of 1-16 KiB; those of the batch being filled were
    // appended but not yet indexed when the stream fails.
    let len = 1_900_000;
    let err = s
        .put_object(
            "bk1",
            "k",
            FailsAfter {
                data: std::io::Cursor::new(data(len, 77)),
            },
            PutOptions::default(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("went away"), "{err}");
    assert!(get(&s, "bk1", "k", At::Current).is_err());
    // Every chunk it appended is known to GC and freed: all of `len` but
    // the chunker's last, unfinished chunk. Without the salvage, GC would
    // free only the batches indexed before the failure: none here.
    let gc = s.gc().unwrap();
    assert!(
        gc.bytes_freed >= (len as u64) * 9 / 10,
        "{gc:?}: a failed stream of {len} bytes left chunks only compaction can reclaim"
    );
    assert_eq!(s.stats().unwrap().chunks, 0);
    assert!(s.fsck(true).unwrap().is_clean());
}

/// A lazy handle leaves its last batch of pack chunks for the commit to
/// index; a commit that is refused indexes them anyway, so GC frees them.
#[test]
fn a_refused_lazy_commit_leaves_nothing_gc_cannot_free() {
    let (_d, s) = open_with(Config {
        meta_chunk_max: 0,
        ..config()
    });
    s.create_bucket("bk1").unwrap();
    let lazy = s.lazy();
    let len = 1_900_000;
    let err = lazy
        .put_object_then(
            "bk1",
            "k",
            &data(len, 78)[..],
            PutOptions::default(),
            |_, _| Err(Error::InvalidArgument("refused at the end".into())),
        )
        .unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");
    // And one whose condition fails at the commit itself.
    put(&s, "bk1", "taken", b"here first");
    let err = lazy
        .put_object(
            "bk1",
            "taken",
            &data(len, 79)[..],
            PutOptions {
                condition: Some(WriteCondition::IfNoneMatch),
                ..PutOptions::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::PreconditionFailed), "{err}");
    s.delete_object("bk1", "taken", None).unwrap();
    let gc = s.gc().unwrap();
    assert!(gc.bytes_freed >= 2 * (len as u64) * 9 / 10, "{gc:?}");
    assert_eq!(s.stats().unwrap().chunks, 0);
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn a_gc_pass_ends_although_writers_keep_queueing_chunks() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "k", &data(50_000, 1));
    s.delete_object("bk1", "k", None).unwrap();
    // Every step, a writer queues new chunks behind the pass; it must not
    // chase them (the callback stops it after 100 steps if it does).
    let mut steps = 0u64;
    let report = s
        .gc_with(&mut |p| {
            if let Progress::Step { .. } = p {
                steps += 1;
                put(
                    &s,
                    "bk1",
                    &format!("new{steps}"),
                    &data(50_000, 100 + steps),
                );
            }
            steps < 100
        })
        .unwrap();
    assert!(steps <= 2, "the pass went on for {steps} steps");
    assert!(report.chunks_freed > 0);
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn gc_waits_for_the_grace_period() {
    let (_d, s) = open_with(Config {
        gc_grace: Duration::from_secs(3600),
        ..config()
    });
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "k", &data(50_000, 1));
    s.delete_object("bk1", "k", None).unwrap();
    let r = s.gc().unwrap();
    assert_eq!(r.chunks_freed, 0);
    assert!(r.chunks_kept > 0);
    // A chunk revived within the grace period is not freed either.
    put(&s, "bk1", "k2", &data(50_000, 1));
    assert_eq!(get(&s, "bk1", "k2", At::Current).unwrap(), data(50_000, 1));
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn dedup_across_keys_versions_and_buckets() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    s.create_bucket("bk2").unwrap();
    s.set_versioning("bk1", Versioning::Enabled).unwrap();
    let body = data(500_000, 3);
    put(&s, "bk1", "k", &body);
    let once = s.stats().unwrap().stored_bytes;
    put(&s, "bk1", "k", &body);
    put(&s, "bk1", "other", &body);
    put(&s, "bk2", "k", &body);
    let st = s.stats().unwrap();
    assert_eq!(st.stored_bytes, once);
    assert_eq!(st.logical_bytes, 4 * body.len() as u64);
    assert!((st.dedup_ratio - 4.0).abs() < 1e-9);
}

/// The one pack file of a store that has written only one.
fn only_pack(store_dir: &std::path::Path) -> std::path::PathBuf {
    let mut packs: Vec<_> = std::fs::read_dir(store_dir.join("packs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(packs.len(), 1, "{packs:?}");
    packs.pop().unwrap()
}

#[test]
fn corrupt_chunk_is_an_error_not_wrong_bytes() {
    let (dir, s) = open();
    s.create_bucket("bk1").unwrap();
    let body = data(100_000, 4);
    put(&s, "bk1", "k", &body);
    drop(s);
    // Flip one byte in the middle of the only pack.
    let pack = only_pack(dir.path());
    let mut bytes = std::fs::read(&pack).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xFF;
    std::fs::write(&pack, &bytes).unwrap();
    let s = Store::open(dir.path(), config()).unwrap();
    let mut r = s.get_object("bk1", "k", At::Current, None).unwrap();
    let mut out = Vec::new();
    let err = r.read_to_end(&mut out).unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
    assert!(out.len() < body.len());
    assert_eq!(
        out[..],
        body[..out.len()],
        "bytes before the damage are right"
    );
    assert_eq!(s.fsck(true).unwrap().corrupt.len(), 1);
}

#[test]
fn fsck_verify_data_hashes_what_the_checksum_passes() {
    let (dir, s) = open();
    s.create_bucket("bk1").unwrap();
    let body = data(20_000, 5);
    put(&s, "bk1", "k", &body);
    drop(s);
    // Damage the first record's data and write a checksum that matches the
    // damage: the cheap check on reads passes, the full one must not.
    let pack = only_pack(dir.path());
    let mut bytes = std::fs::read(&pack).unwrap();
    let len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    bytes[48 + len / 2] ^= 0xFF;
    let crc = crc32c::crc32c(&bytes[48..48 + len]);
    bytes[12..16].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&pack, &bytes).unwrap();
    let s = Store::open(dir.path(), config()).unwrap();
    assert!(s.fsck(false).unwrap().is_clean());
    assert_eq!(s.fsck(true).unwrap().corrupt.len(), 1);
}

/// A store made by a release that kept its metadata in sled opens with
/// everything in it: the metadata is moved to redb at the first open.
#[test]
fn a_store_with_its_metadata_in_sled_opens_with_everything_in_it() {
    let (dir, s) = open();
    s.create_bucket("bk1").unwrap();
    let large = data(300_000, 7);
    put(&s, "bk1", "large", &large);
    put(&s, "bk1", "small", b"kept with the metadata");
    s.create_snapshot("bk1", "before").unwrap();
    put(&s, "bk1", "small", b"changed after the snapshot");
    drop(s);
    // Rewrite the metadata as sled, as the earlier release left it.
    let entries: Vec<_> = open_meta(dir.path())
        .scan_prefix(b"")
        .map(|e| e.unwrap())
        .collect();
    assert!(entries.len() > 10);
    let meta_dir = dir.path().join("meta");
    std::fs::remove_file(meta_dir.join("alexander.redb")).unwrap();
    {
        let db = sled::open(&meta_dir).unwrap();
        for (k, v) in &entries {
            db.insert(k.as_slice(), v.as_slice()).unwrap();
        }
    }
    let s = Store::open(dir.path(), config()).unwrap();
    assert_eq!(get(&s, "bk1", "large", At::Current).unwrap(), large);
    assert_eq!(
        get(&s, "bk1", "small", At::Current).unwrap(),
        b"changed after the snapshot"
    );
    assert_eq!(
        get(&s, "bk1", "small", At::Snapshot("before")).unwrap(),
        b"kept with the metadata"
    );
    assert!(s.fsck(true).unwrap().is_clean());
    drop(s);
    let moved: Vec<_> = open_meta(dir.path())
        .scan_prefix(b"")
        .map(|e| e.unwrap())
        .collect();
    assert!(moved.len() >= entries.len(), "nothing lost in the move");
    assert!(!meta_dir.join("db").exists(), "sled's files are gone");
}

#[test]
fn small_objects_live_in_the_metadata_database_and_are_freed_from_it() {
    let (dir, s) = open();
    s.create_bucket("bk1").unwrap();
    // Below the chunker's minimum here: one chunk.
    let small = data(1000, 7);
    put(&s, "bk1", "a", &small);
    // The same bytes again, under another key: stored once.
    put(&s, "bk1", "b", &small);
    put(&s, "bk1", "empty", b"");
    // Nothing went to a pack.
    assert_eq!(
        std::fs::read_dir(dir.path().join("packs")).unwrap().count(),
        0
    );
    let st = s.stats().unwrap();
    assert_eq!((st.chunks, st.stored_bytes, st.pack_bytes), (1, 1000, 0));
    assert_eq!(get(&s, "bk1", "a", At::Current).unwrap(), small);
    let mut r = s
        .get_object(
            "bk1",
            "b",
            At::Current,
            Some(ByteRange::Inclusive(100, 199)),
        )
        .unwrap();
    let mut part = Vec::new();
    r.read_to_end(&mut part).unwrap();
    drop(r);
    assert_eq!(part, &small[100..200]);
    assert!(s.fsck(true).unwrap().is_clean());
    // A larger object's small tail chunk goes the same way; its other
    // chunks go to a pack.
    let big = data(100_000, 8);
    put(&s, "bk1", "big", &big);
    assert_eq!(get(&s, "bk1", "big", At::Current).unwrap(), big);
    drop(s);
    let s = Store::open(dir.path(), config()).unwrap();
    assert_eq!(get(&s, "bk1", "a", At::Current).unwrap(), small);
    for k in ["a", "b", "big"] {
        s.delete_object("bk1", k, None).unwrap();
    }
    s.gc().unwrap();
    let st = s.stats().unwrap();
    assert_eq!((st.chunks, st.stored_bytes), (0, 0));
    assert!(s.fsck(true).unwrap().is_clean());
    drop(s);
    // Freed means gone from the metadata database too.
    let db = open_meta(dir.path());
    assert_eq!(db.scan_prefix(b"d/").count(), 0);
}

#[test]
fn a_damaged_small_chunk_is_an_error_not_wrong_bytes() {
    let (dir, s) = open();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "k", b"small and kept with the metadata");
    drop(s);
    {
        let db = open_meta(dir.path());
        let (key, mut value) = db.scan_prefix(b"d/").next().unwrap().unwrap();
        value[3] ^= 0x20;
        db.insert(key, value).unwrap();
    }
    let s = Store::open(dir.path(), config()).unwrap();
    let mut r = s.get_object("bk1", "k", At::Current, None).unwrap();
    let mut out = Vec::new();
    let err = r.read_to_end(&mut out).unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
    assert!(out.is_empty(), "no damaged byte is returned");
    assert_eq!(s.fsck(true).unwrap().corrupt.len(), 1);
}

#[test]
fn small_chunks_respect_the_reserved_room_too() {
    // More room than any disk has: every new chunk is refused, whether it
    // would go to a pack or to the metadata database.
    let (_d, s) = open_with(Config {
        reserved_bytes: u64::MAX / 2,
        ..config()
    });
    s.create_bucket("bk1").unwrap();
    for body in [data(100, 1), data(100_000, 2)] {
        let err = s
            .put_object("bk1", "k", &body[..], PutOptions::default())
            .unwrap_err();
        assert!(
            matches!(&err, Error::Io(e) if e.raw_os_error() == Some(28)),
            "ENOSPC expected: {err}"
        );
    }
    assert!(keys(&s, "bk1").is_empty());
    assert_eq!(s.stats().unwrap().chunks, 0);
    // An empty object has no chunk and needs no room.
    put(&s, "bk1", "empty", b"");
}

#[test]
fn a_store_of_another_format_is_refused_and_left_alone() {
    let (dir, s) = open();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "k", b"kept");
    drop(s);
    // A store written by an earlier development build (format 1): the
    // format key says so. Rewrite it through sled directly.
    {
        let db = open_meta(dir.path());
        let old = db.insert(b"m/format", vec![1u8]).unwrap();
        assert_eq!(
            old.as_deref(),
            Some(&[5u8][..]),
            "the store keeps its format"
        );
    }
    let err = match Store::open(dir.path(), config()) {
        Ok(_) => panic!("opened a store of format 1"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("format 1"), "{err}");
    assert!(err.contains("reads format 5"), "{err}");
    // The refusal wrote nothing: with its format back, the store opens
    // and holds what it held.
    {
        let db = open_meta(dir.path());
        let old = db.insert(b"m/format", vec![5u8]).unwrap();
        assert_eq!(
            old.as_deref(),
            Some(&[1u8][..]),
            "the refused open kept the format"
        );
    }
    let s = Store::open(dir.path(), config()).unwrap();
    assert_eq!(get(&s, "bk1", "k", At::Current).unwrap(), b"kept");
}

/// Rewrites every chunk record of a closed store as record format 2 wrote
/// it: an MD5 always, no CRC.
fn chunk_records_to_format_2(dir: &std::path::Path) {
    use alexander_store::records::{ChunkRecord, decode};
    let db = open_meta(dir);
    let mut n = 0;
    for entry in db.scan_prefix(b"k/") {
        let (k, v) = entry.unwrap();
        let rec: ChunkRecord = decode(&v).unwrap();
        let mut old = vec![2u8];
        let fields = (rec.pack, rec.offset, rec.len, rec.refs, [7u8; 16]);
        bincode::serialize_into(&mut old, &fields).unwrap();
        db.insert(k, old).unwrap();
        n += 1;
    }
    assert!(n > 0, "no chunk record");
}

#[test]
fn format_2_to_4_stores_open_and_are_marked_format_5() {
    // Format 2 kept every chunk in packs; format 3 adds chunks kept in the
    // metadata database; format 4 adds records with access and change
    // times; format 5 chunk records with an optional MD5 and a CRC64NVME.
    // Each later one only adds, so the earlier ones open as they are.
    for old in [2u8, 3, 4] {
        let dir = tempfile::tempdir().unwrap();
        let packed = Config {
            meta_chunk_max: 0,
            ..config()
        };
        let s = Store::open(dir.path(), packed).unwrap();
        s.create_bucket("bk1").unwrap();
        put(&s, "bk1", "k", b"from an older format");
        drop(s);
        chunk_records_to_format_2(dir.path());
        {
            let db = open_meta(dir.path());
            db.insert(b"m/format", vec![old]).unwrap();
        }
        let s = Store::open(dir.path(), config()).unwrap();
        assert_eq!(
            get(&s, "bk1", "k", At::Current).unwrap(),
            b"from an older format"
        );
        put(&s, "bk1", "k2", b"format 5");
        // The old chunk, with no CRC in its record, met again by a file
        // the mount writes whole: the write hashes every byte it is given,
        // known chunks too, so the file still gets its checksum.
        let info = s
            .put_file(
                "bk1",
                "f",
                &b"from an older format"[..],
                PutOptions::default(),
            )
            .unwrap();
        assert!(info.etag.ends_with("-1"), "{}", info.etag);
        assert!(info.meta.extra.contains_key("checksum-crc64nvme"));
        assert!(s.fsck(true).unwrap().is_clean());
        drop(s);
        let db = open_meta(dir.path());
        assert_eq!(
            db.get(b"m/format").unwrap().as_deref(),
            Some(&[5u8][..]),
            "format {old}"
        );
    }
}

#[test]
fn data_survives_reopen() {
    let (dir, s) = open();
    s.create_bucket("bk1").unwrap();
    s.set_versioning("bk1", Versioning::Enabled).unwrap();
    let v = put(&s, "bk1", "k", b"persist");
    s.create_snapshot("bk1", "snap").unwrap();
    let stats = s.stats().unwrap();
    drop(s);
    let s = Store::open(dir.path(), config()).unwrap();
    assert_eq!(
        get(&s, "bk1", "k", At::Version(&v.version_id)).unwrap(),
        b"persist"
    );
    assert_eq!(
        get(&s, "bk1", "k", At::Snapshot("snap")).unwrap(),
        b"persist"
    );
    assert_eq!(
        s.head_bucket("bk1").unwrap().versioning,
        Versioning::Enabled
    );
    let again = s.stats().unwrap();
    assert_eq!(
        (again.versions, again.stored_bytes),
        (stats.versions, stats.stored_bytes)
    );
    // New writes get new, distinct version ids.
    let v2 = put(&s, "bk1", "k", b"after");
    assert_ne!(v2.version_id, v.version_id);
}

#[test]
fn concurrent_writers() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..40 {
                    let body = data(4096, t * 1000 + i);
                    s.put_object(
                        "bk1",
                        &format!("t{t}/{i}"),
                        &body[..],
                        PutOptions::default(),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(keys(&s, "bk1").len(), 320);
    for t in 0..8 {
        assert_eq!(
            get(&s, "bk1", &format!("t{t}/7"), At::Current).unwrap(),
            data(4096, t * 1000 + 7)
        );
    }
    assert!(s.fsck(true).unwrap().is_clean());
}

/// Every kind of bad input: a typed error, and nothing stored changes.
#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    s.set_versioning("bk1", Versioning::Enabled).unwrap();
    let v = put(&s, "bk1", "k", b"keep me");
    let before_stats = s.stats().unwrap();
    let snapshot = |s: &Store| {
        let versions = s
            .list_versions(
                "bk1",
                &VersionQuery {
                    max_keys: 1000,
                    ..Default::default()
                },
            )
            .unwrap();
        let buckets: Vec<_> = s
            .list_buckets()
            .unwrap()
            .into_iter()
            .map(|b| b.name)
            .collect();
        (versions, buckets)
    };
    let before = snapshot(&s);
    let long_key = "k".repeat(1025);
    let cases: Vec<(&str, Error)> = vec![
        ("bad bucket name", s.create_bucket("Bad_Name").unwrap_err()),
        ("short bucket name", s.create_bucket("ab").unwrap_err()),
        ("existing bucket", s.create_bucket("bk1").unwrap_err()),
        ("non-empty bucket", s.delete_bucket("bk1").unwrap_err()),
        ("missing bucket", s.delete_bucket("nope").unwrap_err()),
        (
            "put to missing bucket",
            s.put_object("nope", "k", &b"x"[..], PutOptions::default())
                .unwrap_err(),
        ),
        (
            "long key",
            s.put_object("bk1", &long_key, &b"x"[..], PutOptions::default())
                .unwrap_err(),
        ),
        (
            "NUL in key",
            s.put_object("bk1", "a\0b", &b"x"[..], PutOptions::default())
                .unwrap_err(),
        ),
        (
            "empty key",
            s.put_object("bk1", "", &b"x"[..], PutOptions::default())
                .unwrap_err(),
        ),
        (
            "reserved key",
            s.put_object("bk1", ".snapshots/x/y", &b"x"[..], PutOptions::default())
                .unwrap_err(),
        ),
        (
            "range past end",
            s.get_object("bk1", "k", At::Current, Some(ByteRange::From(7)))
                .err()
                .unwrap(),
        ),
        (
            "bad version id",
            s.get_object("bk1", "k", At::Version("zzz"), None)
                .err()
                .unwrap(),
        ),
        (
            "unknown version id",
            s.get_object("bk1", "k", At::Version("00000000000000ff"), None)
                .err()
                .unwrap(),
        ),
        (
            "delete unknown version",
            s.delete_object("bk1", "k", Some("00000000000000ff"))
                .unwrap_err(),
        ),
        (
            "unknown snapshot",
            s.get_object("bk1", "k", At::Snapshot("nope"), None)
                .err()
                .unwrap(),
        ),
        (
            "bad snapshot name",
            s.create_snapshot("bk1", "a/b").unwrap_err(),
        ),
        (
            "unknown upload",
            s.put_part("bk1", "k", "0123456789abcdef0123456789abcdef", 1, &b"x"[..])
                .unwrap_err(),
        ),
        (
            "malformed upload id",
            s.abort_multipart("bk1", "k", "../../etc").unwrap_err(),
        ),
        ("part number 0", {
            let id = s
                .create_multipart("bk1", "mp", ObjectMeta::default())
                .unwrap();
            let e = s.put_part("bk1", "mp", &id, 0, &b"x"[..]).unwrap_err();
            s.abort_multipart("bk1", "mp", &id).unwrap();
            e
        }),
        (
            "complete unknown upload",
            s.complete_multipart(
                "bk1",
                "k",
                "0123456789abcdef0123456789abcdef",
                &[(1, "x".into())],
                0,
            )
            .unwrap_err(),
        ),
        (
            "rename missing",
            s.rename_object("bk1", "missing", "x", false).unwrap_err(),
        ),
        (
            "copy missing",
            s.copy_object(
                CopySource {
                    bucket: "bk1",
                    key: "missing",
                    at: At::Current,
                },
                "bk1",
                "x",
                CopyMetadata::Copy,
                None,
            )
            .unwrap_err(),
        ),
        (
            "unversion",
            s.set_versioning("bk1", Versioning::Unversioned)
                .unwrap_err(),
        ),
        (
            "bad chunker config",
            Store::open(
                tempfile::tempdir().unwrap().path(),
                Config {
                    chunker: ChunkerConfig {
                        min: 1,
                        avg: 2,
                        max: 3,
                    },
                    ..config()
                },
            )
            .err()
            .unwrap(),
        ),
    ];
    let mut seen = BTreeMap::new();
    for (what, err) in &cases {
        assert!(err.is_client_error(), "{what}: {err}");
        seen.insert(*what, err.to_string());
    }
    assert!(matches!(cases[0].1, Error::InvalidBucketName { .. }));
    assert!(matches!(cases[2].1, Error::BucketAlreadyExists(_)));
    assert!(matches!(cases[3].1, Error::BucketNotEmpty(_)));
    assert!(matches!(cases[4].1, Error::NoSuchBucket(_)));
    assert!(matches!(cases[6].1, Error::InvalidKey { .. }));
    assert!(matches!(cases[7].1, Error::InvalidKey { .. }));
    assert!(matches!(cases[10].1, Error::InvalidRange { size: 7 }));
    assert!(matches!(cases[11].1, Error::NoSuchVersion { .. }));
    assert!(matches!(cases[12].1, Error::NoSuchVersion { .. }));
    assert!(matches!(cases[14].1, Error::NoSuchSnapshot(_)));
    assert!(matches!(cases[16].1, Error::NoSuchUpload(_)));
    assert!(matches!(cases[17].1, Error::NoSuchUpload(_)));
    assert!(matches!(cases[18].1, Error::InvalidArgument(_)));
    assert!(matches!(cases[22].1, Error::InvalidVersioningTransition));
    assert_eq!(snapshot(&s), before);
    assert_eq!(
        get(&s, "bk1", "k", At::Version(&v.version_id)).unwrap(),
        b"keep me"
    );
    let after_stats = s.stats().unwrap();
    assert_eq!(after_stats.stored_bytes, before_stats.stored_bytes);
    assert_eq!(after_stats.versions, before_stats.versions);
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn delete_bucket_only_when_empty_including_history() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "k", b"x");
    s.create_snapshot("bk1", "s").unwrap();
    s.delete_object("bk1", "k", None).unwrap();
    // The snapshot still holds k.
    assert!(matches!(
        s.delete_bucket("bk1"),
        Err(Error::BucketNotEmpty(_))
    ));
    s.delete_snapshot("bk1", "s").unwrap();
    let id = s
        .create_multipart("bk1", "mp", ObjectMeta::default())
        .unwrap();
    assert!(matches!(
        s.delete_bucket("bk1"),
        Err(Error::BucketNotEmpty(_))
    ));
    s.abort_multipart("bk1", "mp", &id).unwrap();
    s.delete_bucket("bk1").unwrap();
    assert!(s.list_buckets().unwrap().is_empty());
    assert!(matches!(s.head_bucket("bk1"), Err(Error::NoSuchBucket(_))));
}

/// Every version of `bucket` as (key, is a delete marker), oldest last.
fn history(store: &Store, bucket: &str) -> Vec<(String, bool)> {
    let q = alexander_store::VersionQuery {
        max_keys: 1000,
        ..Default::default()
    };
    store
        .list_versions(bucket, &q)
        .unwrap()
        .versions
        .into_iter()
        .map(|v| (v.info.key, v.delete_marker))
        .collect()
}

#[test]
fn a_rename_that_forgets_fresh_sources_leaves_no_history_under_the_old_name() {
    use alexander_store::RenameOptions;
    let (_d, store) = open();
    let forget = RenameOptions {
        forget_fresh_source: true,
        ..RenameOptions::default()
    };
    store.create_bucket("vers").unwrap();
    store.set_versioning("vers", Versioning::Enabled).unwrap();

    // A key written once and renamed: its version moves, nothing stays.
    put(&store, "vers", ".f.tmp1", &data(100_000, 1));
    store
        .rename_object_with("vers", ".f.tmp1", "f", forget)
        .unwrap();
    assert_eq!(history(&store, "vers"), [("f".to_owned(), false)]);
    assert_eq!(
        get(&store, "vers", "f", At::Current).unwrap(),
        data(100_000, 1)
    );
    // The next one replaces `f`, whose history stays.
    put(&store, "vers", ".f.tmp2", &data(100_000, 2));
    store
        .rename_object_with("vers", ".f.tmp2", "f", forget)
        .unwrap();
    assert_eq!(
        history(&store, "vers"),
        [("f".to_owned(), false), ("f".to_owned(), false)]
    );

    // A key with history keeps it, under a delete marker.
    put(&store, "vers", "old", b"one");
    put(&store, "vers", "old", b"two");
    store
        .rename_object_with("vers", "old", "new", forget)
        .unwrap();
    let old: Vec<bool> = history(&store, "vers")
        .into_iter()
        .filter(|(k, _)| k == "old")
        .map(|(_, marker)| marker)
        .collect();
    assert_eq!(old, [true, false, false], "a marker over both versions");

    // So does a key a snapshot sees: the snapshot still reads it.
    put(&store, "vers", "seen", b"as the snapshot saw it");
    store.create_snapshot("vers", "snap").unwrap();
    store
        .rename_object_with("vers", "seen", "moved", forget)
        .unwrap();
    assert_eq!(
        get(&store, "vers", "seen", At::Snapshot("snap")).unwrap(),
        b"as the snapshot saw it"
    );
    assert!(history(&store, "vers").contains(&("seen".to_owned(), true)));

    // A directory of fresh keys moves whole.
    put(&store, "vers", "d/a", b"a");
    put(&store, "vers", "d/b", b"b");
    store
        .rename_prefix_with("vers", "d/", "e/", forget)
        .unwrap();
    assert!(
        !history(&store, "vers")
            .iter()
            .any(|(k, _)| k.starts_with("d/"))
    );
    assert_eq!(get(&store, "vers", "e/b", At::Current).unwrap(), b"b");

    // Without the option a fresh key keeps its version under a marker.
    put(&store, "vers", "plain-rename", b"x");
    store
        .rename_object("vers", "plain-rename", "renamed", false)
        .unwrap();
    assert!(history(&store, "vers").contains(&("plain-rename".to_owned(), true)));

    // In a suspended bucket the fresh null version moves too.
    store.create_bucket("susp").unwrap();
    store.set_versioning("susp", Versioning::Enabled).unwrap();
    store.set_versioning("susp", Versioning::Suspended).unwrap();
    put(&store, "susp", "tmp", b"null version");
    store
        .rename_object_with("susp", "tmp", "kept", forget)
        .unwrap();
    assert_eq!(history(&store, "susp"), [("kept".to_owned(), false)]);

    let fsck = store.fsck(true).unwrap();
    assert!(fsck.is_clean(), "{fsck:?}");
    let stats = store.stats().unwrap();
    assert_eq!(
        stats.versions, fsck.versions,
        "the counters agree with the records"
    );
}

#[test]
fn a_pinned_version_stays_readable_after_its_key_goes_and_is_freed_after() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    put(&s, "bk1", "k", &data);
    let pinned = s.pin_version("bk1", "k", At::Current).unwrap();
    assert_eq!(pinned.info().size, data.len() as u64);
    s.delete_object("bk1", "k", None).unwrap();
    // Compaction moves what GC kept; the pinned data follows.
    let gc = s.gc().unwrap();
    assert_eq!(gc.chunks_freed, 0, "a pinned chunk is kept");
    assert!(gc.chunks_kept > 0);
    s.compact().unwrap();
    let mut back = Vec::new();
    pinned.reader().read_to_end(&mut back).unwrap();
    assert_eq!(back, data);
    assert!(s.fsck(true).unwrap().is_clean());

    // Let go, the chunks are garbage for the next GC.
    drop(pinned);
    let gc = s.gc().unwrap();
    assert!(gc.chunks_freed > 0);
    assert_eq!(s.stats().unwrap().chunks, 0);
}

#[test]
fn a_reader_opened_before_a_delete_reads_its_version_after_gc_and_compaction() {
    // No grace: only the reader's pins keep what it opened.
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    let big = data(200_000, 3);
    let small = data(900, 4);
    put(&s, "bk1", "big", &big);
    put(&s, "bk1", "small", &small);
    let mut big_reader = s.get_object("bk1", "big", At::Current, None).unwrap();
    let mut small_reader = s.get_object("bk1", "small", At::Current, None).unwrap();
    // Half read, the rest after the delete.
    let mut first = vec![0; 100_000];
    big_reader.read_exact(&mut first).unwrap();
    s.delete_object("bk1", "big", None).unwrap();
    s.delete_object("bk1", "small", None).unwrap();
    let gc = s.gc().unwrap();
    assert_eq!(gc.chunks_freed, 0, "every chunk is pinned by a reader");
    assert!(gc.chunks_kept > 0);
    s.compact().unwrap();
    big_reader.read_to_end(&mut first).unwrap();
    assert_eq!(first, big);
    let mut back = Vec::new();
    small_reader.read_to_end(&mut back).unwrap();
    assert_eq!(back, small);
    assert!(s.fsck(true).unwrap().is_clean());

    drop((big_reader, small_reader));
    let gc = s.gc().unwrap();
    assert!(gc.chunks_freed > 0);
    assert_eq!(s.stats().unwrap().chunks, 0, "let go, everything is freed");
}

#[test]
fn a_range_reader_pins_its_range_only() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    let body = data(400_000, 5);
    put(&s, "bk1", "k", &body);
    let chunks = s.stats().unwrap().chunks;
    assert!(chunks > 10, "{chunks} chunks");
    let mut r = s
        .get_object("bk1", "k", At::Current, Some(ByteRange::Suffix(1000)))
        .unwrap();
    s.delete_object("bk1", "k", None).unwrap();
    let gc = s.gc().unwrap();
    assert!(
        (1..=2).contains(&gc.chunks_kept),
        "the last 1000 bytes lie in one or two chunks: {gc:?}"
    );
    assert_eq!(gc.chunks_freed, chunks - gc.chunks_kept);
    let mut back = Vec::new();
    r.read_to_end(&mut back).unwrap();
    assert_eq!(back, body[body.len() - 1000..]);
}

/// GC holds the pin table across its commit; copies, renames and readers
/// pin inside a transaction. Both take the commit lock first: the other
/// order deadlocked a GC pass against a copy.
#[test]
fn gc_beside_copies_renames_and_reads_never_deadlocks() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    let body = data(50_000, 9);
    put(&s, "bk1", "src", &body);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let worker = {
        let s = s.clone();
        std::thread::spawn(move || {
            let stop = std::sync::atomic::AtomicBool::new(false);
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        s.gc().unwrap();
                    }
                });
                for i in 0..300 {
                    // Garbage, so that every GC pass has batches to commit.
                    put(&s, "bk1", "junk", &data(20_000, 100 + i));
                    s.delete_object("bk1", "junk", None).unwrap();
                    let src = CopySource {
                        bucket: "bk1",
                        key: "src",
                        at: At::Current,
                    };
                    s.copy_object(src, "bk1", "copy", CopyMetadata::Copy, None)
                        .unwrap();
                    s.rename_object("bk1", "copy", &format!("moved{}", i % 3), false)
                        .unwrap();
                    let mut back = Vec::new();
                    s.get_object("bk1", "src", At::Current, None)
                        .unwrap()
                        .read_to_end(&mut back)
                        .unwrap();
                    assert_eq!(back.len(), body.len());
                }
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
            });
            done_tx.send(()).unwrap();
        })
    };
    done_rx
        .recv_timeout(Duration::from_secs(120))
        .expect("GC and the copies deadlocked");
    worker.join().unwrap();
    assert!(s.fsck(true).unwrap().is_clean());
}

/// The names `key`'s file has, as the store tells them (empty when none
/// other than itself).
fn linked_names(s: &Store, key: &str) -> Vec<String> {
    s.links("bk1", key)
        .unwrap()
        .map(|l| l.names)
        .unwrap_or_default()
}

fn ctime(s: &Store, key: &str) -> Option<i64> {
    s.head_object("bk1", key, At::Current)
        .unwrap()
        .meta
        .attrs
        .ctime_ns
}

#[test]
fn a_hard_link_is_one_file_through_a_handle_that_follows_links() {
    let (_d, plain) = open();
    let s = plain.following_links();
    s.create_bucket("bk1").unwrap();
    let first = data(50_000, 1);
    put(&s, "bk1", "a", &first);
    assert!(s.links("bk1", "a").unwrap().is_none());
    s.link("bk1", "a", "d/b", 77).unwrap();
    let group = s.links("bk1", "a").unwrap().unwrap();
    assert_eq!(group.names, ["a", "d/b"]);
    assert_eq!(s.links("bk1", "d/b").unwrap().unwrap(), group);
    assert_eq!(get(&s, "bk1", "d/b", At::Current).unwrap(), first);
    assert_eq!((ctime(&s, "a"), ctime(&s, "d/b")), (Some(77), Some(77)));
    // A third name joins the same group, whichever name it is made from.
    s.link("bk1", "d/b", "c", 78).unwrap();
    assert_eq!(linked_names(&s, "a"), ["a", "c", "d/b"]);
    assert_eq!(s.links("bk1", "c").unwrap().unwrap().group, group.group);

    // A write of one name is a write of all.
    let second = data(60_000, 2);
    put(&s, "bk1", "c", &second);
    for k in ["a", "c", "d/b"] {
        assert_eq!(get(&s, "bk1", k, At::Current).unwrap(), second, "{k}");
    }
    assert_eq!(linked_names(&s, "a"), ["a", "c", "d/b"]);
    // So is a change of attributes.
    s.update_object_meta("bk1", "a", At::Current, |m| m.attrs.mode = Some(0o100600))
        .unwrap();
    for k in ["a", "c", "d/b"] {
        let info = s.head_object("bk1", k, At::Current).unwrap();
        assert_eq!(info.meta.attrs.mode, Some(0o100600), "{k}");
    }

    // Removing one name stamps the others' change time; two stay linked.
    s.delete_object("bk1", "c", None).unwrap();
    assert_eq!(linked_names(&s, "a"), ["a", "d/b"]);
    assert!(ctime(&s, "a").unwrap() > 78);
    assert!(s.links("bk1", "c").unwrap().is_none());
    // The last but one: the file is a plain object again.
    s.delete_object("bk1", "a", None).unwrap();
    assert!(s.links("bk1", "d/b").unwrap().is_none());
    assert_eq!(get(&s, "bk1", "d/b", At::Current).unwrap(), second);
    assert_eq!(keys(&s, "bk1"), ["d/b"]);
    s.gc().unwrap();
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn an_s3_write_or_delete_takes_one_name_out_of_its_file() {
    let (_d, s3) = open();
    let mount = s3.following_links();
    s3.create_bucket("bk1").unwrap();
    let first = data(20_000, 3);
    put(&mount, "bk1", "a", &first);
    mount.link("bk1", "a", "b", 1).unwrap();
    mount.link("bk1", "a", "c", 2).unwrap();
    // An S3 PUT of one name replaces that object only.
    let other = data(1_000, 4);
    put(&s3, "bk1", "b", &other);
    assert_eq!(get(&s3, "bk1", "a", At::Current).unwrap(), first);
    assert_eq!(linked_names(&s3, "a"), ["a", "c"]);
    assert!(s3.links("bk1", "b").unwrap().is_none());
    // ... and a later write through the mount reaches the names left.
    let second = data(30_000, 5);
    put(&mount, "bk1", "a", &second);
    assert_eq!(get(&s3, "bk1", "c", At::Current).unwrap(), second);
    assert_eq!(get(&s3, "bk1", "b", At::Current).unwrap(), other);
    // An S3 copy onto a name, and an S3 delete, do the same.
    mount.link("bk1", "a", "d", 3).unwrap();
    let src = CopySource {
        bucket: "bk1",
        key: "b",
        at: At::Current,
    };
    s3.copy_object(src, "bk1", "d", CopyMetadata::Copy, None)
        .unwrap();
    assert_eq!(linked_names(&s3, "a"), ["a", "c"]);
    s3.delete_object("bk1", "c", None).unwrap();
    assert!(s3.links("bk1", "a").unwrap().is_none());
    assert_eq!(get(&s3, "bk1", "a", At::Current).unwrap(), second);
    // Attributes changed over S3 stay with the name changed.
    mount.link("bk1", "a", "e", 4).unwrap();
    s3.update_object_meta("bk1", "e", At::Current, |m| {
        m.content_type = Some("text/plain".into())
    })
    .unwrap();
    let a = s3.head_object("bk1", "a", At::Current).unwrap();
    assert_eq!(a.meta.content_type, None);
    assert!(s3.fsck(true).unwrap().is_clean());
}

#[test]
fn links_follow_renames_and_leave_with_a_replaced_name() {
    let (_d, plain) = open();
    let s = plain.following_links();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "d/a", b"one");
    s.link("bk1", "d/a", "d/b", 1).unwrap();
    s.link("bk1", "d/a", "x", 1).unwrap();
    put(&s, "bk1", "y", b"other");
    s.link("bk1", "y", "z", 1).unwrap();
    // A name renamed keeps its place.
    s.rename_object("bk1", "x", "x2", false).unwrap();
    assert_eq!(linked_names(&s, "d/a"), ["d/a", "d/b", "x2"]);
    // A directory renamed: its linked names move together.
    s.rename_prefix("bk1", "d/", "e/", false).unwrap();
    assert_eq!(linked_names(&s, "x2"), ["e/a", "e/b", "x2"]);
    put(&s, "bk1", "x2", b"two");
    assert_eq!(get(&s, "bk1", "e/b", At::Current).unwrap(), b"two");
    // A rename over a linked name: that name is now the file moved, and
    // its old file keeps its other name.
    s.rename_object("bk1", "e/a", "z", false).unwrap();
    assert_eq!(linked_names(&s, "z"), ["e/b", "x2", "z"]);
    assert!(s.links("bk1", "y").unwrap().is_none());
    assert_eq!(get(&s, "bk1", "y", At::Current).unwrap(), b"other");
    // A rename between two names of one file leaves the file one name
    // fewer.
    s.rename_object("bk1", "x2", "z", false).unwrap();
    assert_eq!(linked_names(&s, "z"), ["e/b", "z"]);
    assert_eq!(keys(&s, "bk1"), ["e/b", "y", "z"]);
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn links_in_a_versioned_bucket_and_bad_links() {
    let (_d, plain) = open();
    let s = plain.following_links();
    s.create_bucket("bk1").unwrap();
    s.set_versioning("bk1", Versioning::Enabled).unwrap();
    put(&s, "bk1", "a", b"v1");
    s.link("bk1", "a", "b", 1).unwrap();
    put(&s, "bk1", "a", b"v2");
    assert_eq!(get(&s, "bk1", "b", At::Current).unwrap(), b"v2");
    // Deleting the current version of a name by id brings an older one
    // back: that name is no longer the file.
    let b_now = s.head_object("bk1", "b", At::Current).unwrap();
    s.delete_object("bk1", "b", Some(&b_now.version_id))
        .unwrap();
    assert_eq!(get(&s, "bk1", "b", At::Current).unwrap(), b"v1");
    assert!(s.links("bk1", "a").unwrap().is_none());
    // Bad input changes nothing.
    assert!(matches!(
        s.link("bk1", "a", "b", 1),
        Err(Error::AlreadyExists(_))
    ));
    assert!(matches!(
        s.link("bk1", "nope", "c", 1),
        Err(Error::NoSuchKey { .. })
    ));
    assert!(s.link("bk1", "a", "dir/", 1).is_err());
    assert!(s.link("nobucket", "a", "c", 1).is_err());
    assert_eq!(keys(&s, "bk1"), ["a", "b"]);
    // A deleted bucket leaves no link behind for a new bucket of its name.
    let (_d2, plain) = open();
    let s = plain.following_links();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "a", b"x");
    s.link("bk1", "a", "b", 1).unwrap();
    s.delete_object("bk1", "a", None).unwrap();
    s.delete_object("bk1", "b", None).unwrap();
    s.delete_bucket("bk1").unwrap();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "a", b"y");
    put(&s, "bk1", "b", b"z");
    assert!(s.links("bk1", "a").unwrap().is_none());
}

#[test]
fn a_gc_preview_reports_what_gc_frees_and_frees_nothing() {
    let (_d, s) = open();
    s.create_bucket("bk1").unwrap();
    put(&s, "bk1", "gone", &data(100_000, 9));
    put(&s, "bk1", "kept", &data(50_000, 10));
    s.delete_object("bk1", "gone", None).unwrap();
    let before = s.stats().unwrap();
    let preview = s.gc_preview().unwrap();
    assert!(preview.chunks_freed > 0);
    assert_eq!(preview.bytes_freed, 100_000);
    // Nothing changed.
    let after = s.stats().unwrap();
    assert_eq!(
        (after.chunks, after.stored_bytes, after.pack_bytes),
        (before.chunks, before.stored_bytes, before.pack_bytes)
    );
    assert_eq!(s.gc_preview().unwrap(), preview);
    // The pass frees exactly that.
    let done = s.gc().unwrap();
    assert_eq!(
        (done.chunks_freed, done.bytes_freed),
        (preview.chunks_freed, preview.bytes_freed)
    );
    assert_eq!(s.gc_preview().unwrap().chunks_freed, 0);
    assert_eq!(
        get(&s, "bk1", "kept", At::Current).unwrap(),
        data(50_000, 10)
    );
}
