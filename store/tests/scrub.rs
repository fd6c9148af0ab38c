//! Scrub: chunks damaged on disk (in a pack, with and without a checksum
//! that still matches, and in the metadata database) are found, reported
//! with every object that uses them, never served, and healed by a later
//! write of the same bytes; the pass keeps to its rate and stops when told.

mod raw_meta;
use raw_meta::open_meta;

use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use alexander_store::{
    At, ChunkId, ChunkUser, ChunkerConfig, Config, ObjectMeta, PutOptions, ScrubProgress,
    ScrubReport, Store, Versioning,
};
use rand::{RngCore, SeedableRng, rngs::StdRng};

/// Bytes in front of a chunk's data in a pack record.
const HEADER: u64 = 48;

/// Chunks of at least 8 KiB, so that an object of 6,000 bytes is one chunk,
/// kept in a pack; one of at most 4 KiB is one chunk kept in the metadata
/// database. Compaction rewrites any pack with dead bytes in it.
fn config() -> Config {
    Config {
        chunker: ChunkerConfig {
            min: 8192,
            avg: 16384,
            max: 65536,
        },
        pack_size: 1 << 20,
        gc_grace: Duration::ZERO,
        compact_below: 0.99,
        reserved_bytes: 0,
        meta_chunk_max: 4096,
        ..Config::default()
    }
}

fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0; len];
    StdRng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

fn put(store: &Store, bucket: &str, key: &str, body: &[u8]) -> String {
    store
        .put_object(bucket, key, body, PutOptions::default())
        .unwrap()
        .version_id
}

fn get(store: &Store, bucket: &str, key: &str, at: At<'_>) -> std::io::Result<Vec<u8>> {
    let mut r = store.get_object(bucket, key, at, None).unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out)?;
    Ok(out)
}

fn scrub(store: &Store) -> ScrubReport {
    store.scrub(0, None, &AtomicBool::new(false)).unwrap()
}

/// The pack file and offset of a chunk's record, found by walking the
/// records of every pack (header: length at 8, chunk id at 16).
fn locate(dir: &Path, id: &ChunkId) -> (PathBuf, u64, usize) {
    for entry in std::fs::read_dir(dir.join("packs")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let mut at = 0usize;
        while at + HEADER as usize <= bytes.len() {
            let len = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
            if bytes[at + 16..at + 48] == id.0 {
                return (path, at as u64, len);
            }
            at += HEADER as usize + len;
        }
    }
    panic!("chunk {id} is in no pack");
}

/// Flips a byte in the middle of a pack chunk's data; with `fix_crc`, also
/// writes the checksum of the damaged data, so that only a hash of the
/// bytes can tell.
fn damage_pack_chunk(dir: &Path, id: &ChunkId, fix_crc: bool) {
    let (path, offset, len) = locate(dir, id);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut body = vec![0; len];
    file.read_exact_at(&mut body, offset + HEADER).unwrap();
    body[len / 2] ^= 0x5A;
    file.write_all_at(&body, offset + HEADER).unwrap();
    if fix_crc {
        let crc = crc32c::crc32c(&body).to_le_bytes();
        file.write_all_at(&crc, offset + 12).unwrap();
    }
    file.sync_all().unwrap();
}

/// A store with one chunk in a pack used by two versions of one key, a copy
/// under another key and a part of an upload in progress, beside objects
/// that do not use it.
struct Scene {
    dir: tempfile::TempDir,
    store: Store,
    victim: Vec<u8>,
    id: ChunkId,
    old_version: String,
    copy_version: String,
    upload: String,
}

fn scene() -> Scene {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), config()).unwrap();
    store.create_bucket("bk1").unwrap();
    store.create_bucket("bk2").unwrap();
    store.set_versioning("bk1", Versioning::Enabled).unwrap();
    let victim = data(6000, 1);
    let id = ChunkId::of(&victim);
    put(&store, "bk1", "other", &data(6000, 2));
    let old_version = put(&store, "bk1", "doc", &victim);
    put(&store, "bk1", "doc", &data(6000, 3));
    let copy_version = put(&store, "bk2", "copy", &victim);
    put(&store, "bk2", "big", &data(200_000, 4));
    put(&store, "bk2", "gone", &data(50_000, 5));
    let upload = store
        .create_multipart("bk2", "parted", ObjectMeta::default())
        .unwrap();
    store
        .put_part("bk2", "parted", &upload, 3, &victim[..])
        .unwrap();
    Scene {
        dir,
        store,
        victim,
        id,
        old_version,
        copy_version,
        upload,
    }
}

fn users(s: &Scene) -> Vec<ChunkUser> {
    vec![
        ChunkUser::Version {
            bucket: "bk1".into(),
            key: "doc".into(),
            version_id: s.old_version.clone(),
            hidden: false,
        },
        ChunkUser::Version {
            bucket: "bk2".into(),
            key: "copy".into(),
            version_id: s.copy_version.clone(),
            hidden: false,
        },
        ChunkUser::Part {
            bucket: "bk2".into(),
            key: "parted".into(),
            upload_id: s.upload.clone(),
            part_number: 3,
        },
    ]
}

/// Reads of what uses the damaged chunk fail, and nothing else does.
fn only_the_users_fail(s: &Scene) {
    let store = &s.store;
    let err = get(store, "bk1", "doc", At::Version(&s.old_version)).unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
    let err = get(store, "bk2", "copy", At::Current).unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
    assert_eq!(
        get(store, "bk1", "doc", At::Current).unwrap(),
        data(6000, 3)
    );
    assert_eq!(
        get(store, "bk1", "other", At::Current).unwrap(),
        data(6000, 2)
    );
    assert_eq!(
        get(store, "bk2", "big", At::Current).unwrap(),
        data(200_000, 4)
    );
}

/// Every user reads right again, scrub and fsck find nothing, and the
/// damaged bytes are garbage compaction reclaims.
fn healed(s: &Scene) {
    let store = &s.store;
    let old = At::Version(&s.old_version);
    assert_eq!(get(store, "bk1", "doc", old).unwrap(), s.victim);
    assert_eq!(get(store, "bk2", "copy", At::Current).unwrap(), s.victim);
    assert_eq!(store.damaged_chunks().unwrap(), 0);
    assert_eq!(store.stats().unwrap().damaged_chunks, 0);
    let report = scrub(store);
    assert!(report.is_clean(), "{report:?}");
    assert!(store.fsck(true).unwrap().is_clean());
}

/// The part that used the chunk completes into an object that reads right.
fn complete_the_upload(s: &Scene) {
    let store = &s.store;
    let etag = store
        .list_parts("bk2", "parted", &s.upload, 0, 10)
        .unwrap()
        .parts[0]
        .etag
        .clone();
    store
        .complete_multipart("bk2", "parted", &s.upload, &[(3, etag)], 0)
        .unwrap();
    assert_eq!(get(store, "bk2", "parted", At::Current).unwrap(), s.victim);
}

fn scrub_finds_only_the_damaged_chunk(s: &Scene, detail: &str) {
    let report = scrub(&s.store);
    assert!(!report.stopped);
    assert_eq!(report.chunks_checked, s.store.stats().unwrap().chunks);
    assert_eq!(report.damaged.len(), 1, "{report:?}");
    let found = &report.damaged[0];
    assert_eq!(found.id, s.id);
    assert_eq!(found.len as usize, s.victim.len());
    assert!(found.detail.contains(detail), "{}", found.detail);
    assert_eq!(found.users, users(s));
    assert_eq!(s.store.damaged_chunks().unwrap(), 1);
    assert_eq!(s.store.stats().unwrap().damaged_chunks, 1);
    let fsck = s.store.fsck(false).unwrap();
    assert_eq!(fsck.damaged, vec![s.id]);
    assert!(!fsck.is_clean());
}

#[test]
fn damage_the_checksum_catches_is_recorded_reported_and_healed() {
    let s = scene();
    damage_pack_chunk(s.dir.path(), &s.id, false);
    scrub_finds_only_the_damaged_chunk(&s, "checksum");
    only_the_users_fail(&s);
    // Compaction of the damaged chunk's pack moves every other chunk and
    // leaves the damaged one (and so the pack) in place.
    s.store.delete_object("bk2", "gone", None).unwrap();
    s.store.gc().unwrap();
    let damaged_pack = locate(s.dir.path(), &s.id).0;
    let compacted = s.store.compact().unwrap();
    assert!(compacted.chunks_moved > 0, "{compacted:?}");
    assert!(damaged_pack.exists());
    only_the_users_fail(&s);
    // A new upload of the same bytes, under any key, heals it.
    put(&s.store, "bk2", "again", &s.victim);
    healed(&s);
    complete_the_upload(&s);
    // The damaged bytes are dead: compaction removes their pack.
    let compacted = s.store.compact().unwrap();
    assert!(compacted.packs_removed >= 1, "{compacted:?}");
    assert!(!damaged_pack.exists());
    healed(&s);
}

#[test]
fn damage_only_the_hash_catches_is_never_served_once_found() {
    let s = scene();
    damage_pack_chunk(s.dir.path(), &s.id, true);
    // The checksum matches the damage: before a scrub, a read cannot tell.
    let unchecked = get(&s.store, "bk2", "copy", At::Current).unwrap();
    assert_ne!(unchecked, s.victim);
    scrub_finds_only_the_damaged_chunk(&s, "hash");
    only_the_users_fail(&s);
    // Still refused after a restart: the record is durable.
    let s = reopen(s);
    only_the_users_fail(&s);
    // A write through the mount's lazy handle heals it as well.
    let lazy = s.store.lazy();
    lazy.put_object("bk1", "mounted", &s.victim[..], PutOptions::default())
        .unwrap();
    drop(lazy);
    s.store.flush().unwrap();
    healed(&s);
    let s = reopen(s);
    healed(&s);
    complete_the_upload(&s);
}

/// Closes the scene's store and opens it again.
fn reopen(s: Scene) -> Scene {
    let Scene {
        dir,
        store,
        victim,
        id,
        old_version,
        copy_version,
        upload,
    } = s;
    drop(store);
    Scene {
        store: Store::open(dir.path(), config()).unwrap(),
        dir,
        victim,
        id,
        old_version,
        copy_version,
        upload,
    }
}

#[test]
fn a_damaged_small_chunk_in_the_metadata_database_is_found_and_healed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), config()).unwrap();
    store.create_bucket("bk1").unwrap();
    let small = data(1000, 7);
    let id = ChunkId::of(&small);
    let v = put(&store, "bk1", "small", &small);
    put(&store, "bk1", "fine", &data(1000, 8));
    drop(store);
    {
        let db = open_meta(dir.path());
        let mut key = b"d/".to_vec();
        key.extend_from_slice(&id.0);
        let mut bytes = db.get(&key).unwrap().unwrap().to_vec();
        bytes[10] ^= 0x01;
        db.insert(key, bytes).unwrap();
    }
    let store = Store::open(dir.path(), config()).unwrap();
    let report = scrub(&store);
    assert_eq!(report.chunks_checked, 2);
    assert_eq!(report.damaged.len(), 1, "{report:?}");
    assert_eq!(report.damaged[0].id, id);
    assert_eq!(
        report.damaged[0].users,
        vec![ChunkUser::Version {
            bucket: "bk1".into(),
            key: "small".into(),
            version_id: v.clone(),
            hidden: false,
        }]
    );
    assert_eq!(store.damaged_chunks().unwrap(), 1);
    assert!(get(&store, "bk1", "small", At::Current).is_err());
    assert_eq!(
        get(&store, "bk1", "fine", At::Current).unwrap(),
        data(1000, 8)
    );
    put(&store, "bk1", "again", &small);
    assert_eq!(get(&store, "bk1", "small", At::Current).unwrap(), small);
    assert_eq!(store.damaged_chunks().unwrap(), 0);
    assert!(scrub(&store).is_clean());
    assert!(store.fsck(true).unwrap().is_clean());
}

/// A store of `n` pack chunks of 6,000 bytes each.
fn store_of(n: u64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), config()).unwrap();
    store.create_bucket("bk1").unwrap();
    for i in 0..n {
        put(&store, "bk1", &format!("k{i}"), &data(6000, 100 + i));
    }
    (dir, store)
}

#[test]
fn progress_counts_up_to_the_totals() {
    let (_d, store) = store_of(5);
    let mut seen: Vec<ScrubProgress> = Vec::new();
    let mut record = |p: ScrubProgress| seen.push(p);
    let report = store
        .scrub(0, Some(&mut record), &AtomicBool::new(false))
        .unwrap();
    assert_eq!((report.chunks_checked, report.bytes_checked), (5, 30_000));
    assert_eq!(seen.len(), 5);
    for (i, p) in seen.iter().enumerate() {
        assert_eq!(p.chunks_done, i as u64 + 1);
        assert_eq!(p.bytes_done, 6000 * (i as u64 + 1));
        assert_eq!((p.chunks_total, p.bytes_total), (5, 30_000));
    }
}

#[test]
fn a_scrub_keeps_to_its_rate() {
    let (_d, store) = store_of(8);
    // 48,000 bytes at 96,000 bytes a second: half a second at least.
    let started = Instant::now();
    let report = store.scrub(96_000, None, &AtomicBool::new(false)).unwrap();
    let took = started.elapsed();
    assert_eq!(report.bytes_checked, 48_000);
    assert!(took >= Duration::from_millis(500), "{took:?}");
}

#[test]
fn a_stopped_scrub_returns_promptly_with_what_it_checked() {
    let (_d, store) = store_of(6);
    let stop = AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut tell = |p: ScrubProgress| tx.send(p.chunks_done).unwrap();
    let report = std::thread::scope(|scope| {
        let stop = &stop;
        scope.spawn(move || {
            // Told of the first chunk, the scrub is waiting out its rate
            // (6,000 bytes at one byte a second): stop it there.
            assert_eq!(rx.recv().unwrap(), 1);
            stop.store(true, Ordering::Relaxed);
        });
        store.scrub(1, Some(&mut tell), stop).unwrap()
    });
    assert!(report.stopped);
    assert_eq!((report.chunks_checked, report.bytes_checked), (1, 6000));
    // A stop before the first chunk checks none.
    let report = store.scrub(0, None, &AtomicBool::new(true)).unwrap();
    assert!(report.stopped);
    assert_eq!(report.chunks_checked, 0);
    // Nothing was left half done: a whole pass checks every chunk.
    let report = scrub(&store);
    assert!(!report.stopped && report.is_clean());
    assert_eq!(report.chunks_checked, 6);
}

#[test]
fn a_push_ingest_heals_as_an_upload_does() {
    let s = scene();
    damage_pack_chunk(s.dir.path(), &s.id, false);
    scrub_finds_only_the_damaged_chunk(&s, "checksum");
    // The mount's streaming write path, through its lazy handle.
    let lazy = s.store.lazy();
    let (mut writer, md5) = lazy.ingest_push();
    for piece in s.victim.chunks(1000) {
        writer.write(piece).unwrap();
    }
    let staged = writer.finish(md5).unwrap();
    lazy.put_staged("bk1", "streamed", staged, PutOptions::default())
        .unwrap();
    drop(lazy);
    s.store.flush().unwrap();
    healed(&s);
    complete_the_upload(&s);
}
