//! Edits of objects in place: the result equals the edit applied to the
//! bytes, only touched chunks are rewritten, the ETag is the mount's
//! `md5(chunk ids)-N` and the full-object CRC64NVME, combined from the
//! chunks' CRCs, is the CRC of the bytes.

use std::io::Read;
use std::time::Duration;

use alexander_store::crc::CRC64NVME_KEY;
use alexander_store::{
    At, ChunkerConfig, Config, EditRequest, ObjectInfo, ObjectMeta, Overlay, PutOptions, Store,
};
use proptest::prelude::*;
use rand::{RngCore, SeedableRng, rngs::StdRng};

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        dir.path(),
        Config {
            chunker: ChunkerConfig {
                min: 1024,
                avg: 4096,
                max: 16384,
            },
            gc_grace: Duration::ZERO,
            inline_refs: 8,
            reserved_bytes: 0,
            ..Config::default()
        },
    )
    .unwrap();
    store.create_bucket("edits").unwrap();
    (dir, store)
}

fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0; len];
    StdRng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

fn read(s: &Store, key: &str) -> Vec<u8> {
    let mut out = Vec::new();
    s.get_object("edits", key, At::Current, None)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Applies `writes` (offset, bytes) and a final size to `base`, in the
/// store and in memory, and returns the store's result.
fn edit(
    s: &Store,
    key: &str,
    base: Option<&Vec<u8>>,
    writes: &[(u64, Vec<u8>)],
    size: u64,
) -> Vec<u8> {
    let mut expected = base.cloned().unwrap_or_default();
    expected.resize(size as usize, 0);
    // The overlay: the final bytes of every written range.
    let mut dirty: Vec<(u64, u64)> = Vec::new();
    for (off, bytes) in writes {
        let end = (off + bytes.len() as u64).min(size);
        if *off >= end {
            continue;
        }
        expected[*off as usize..end as usize].copy_from_slice(&bytes[..(end - off) as usize]);
        dirty.push((*off, end));
    }
    dirty.sort();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (s0, e0) in dirty {
        match merged.last_mut() {
            Some((_, e)) if s0 <= *e => *e = (*e).max(e0),
            _ => merged.push((s0, e0)),
        }
    }
    let snapshot = expected.clone();
    let mut read_at = |off: u64, buf: &mut [u8]| {
        buf.copy_from_slice(&snapshot[off as usize..off as usize + buf.len()]);
        Ok(())
    };
    let info = s
        .write_edit(
            EditRequest {
                bucket: "edits",
                key,
                base: base.map(|_| At::Current),
                size,
                meta: ObjectMeta::default(),
                condition: None,
            },
            Overlay {
                dirty: &merged,
                zeros: &[],
                read_at: &mut read_at,
            },
        )
        .unwrap();
    assert_eq!(info.size, size);
    let got = read(s, key);
    assert!(got == expected, "content differs after edit");
    assert_mount_written(&info, &got);
    got
}

/// The CRC64NVME of some bytes, as S3 writes it, by the crate clients use.
fn crc64nvme_b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let mut d = crc64fast_nvme::Digest::new();
    d.write(bytes);
    base64::engine::general_purpose::STANDARD.encode(d.sum64().to_be_bytes())
}

/// A version written as the mount writes: a `-N` ETag (the MD5 of nothing
/// when empty) and the full-object CRC64NVME of `bytes`.
fn assert_mount_written(info: &ObjectInfo, bytes: &[u8]) {
    if bytes.is_empty() {
        assert_eq!(info.etag, "d41d8cd98f00b204e9800998ecf8427e");
    } else {
        let (md5, n) = info.etag.split_once('-').expect("a -N ETag");
        assert_eq!(md5.len(), 32, "{}", info.etag);
        assert!(n.parse::<usize>().unwrap() >= 1, "{}", info.etag);
    }
    assert_eq!(
        info.meta.extra.get(CRC64NVME_KEY),
        Some(&crc64nvme_b64(bytes)),
        "{} bytes",
        bytes.len()
    );
}

#[test]
fn a_small_edit_rewrites_a_few_chunks() {
    let (_d, s) = open();
    let body = data(1 << 20, 1);
    s.put_object("edits", "f", &body[..], PutOptions::default())
        .unwrap();
    let before = s.stats().unwrap();
    edit(
        &s,
        "f",
        Some(&body),
        &[(300_000, vec![7u8; 100])],
        body.len() as u64,
    );
    let after = s.stats().unwrap();
    // One or two chunks around the edit are new: a few chunk sizes at most.
    assert!(
        after.stored_bytes - before.stored_bytes <= 3 * 16384,
        "{after:?}"
    );
    let info = s.head_object("edits", "f", At::Current).unwrap();
    assert!(info.etag.contains('-'), "{}", info.etag);
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn truncate_grow_and_new_files() {
    let (_d, s) = open();
    let body = data(200_000, 2);
    s.put_object("edits", "f", &body[..], PutOptions::default())
        .unwrap();
    let shrunk = edit(&s, "f", Some(&body), &[], 123_456);
    assert_eq!(shrunk, body[..123_456]);
    let grown = edit(
        &s,
        "f",
        Some(&shrunk),
        &[(500_000, b"end".to_vec())],
        500_003,
    );
    assert!(grown[123_456..500_000].iter().all(|&b| b == 0));
    assert_eq!(&grown[500_000..], b"end");
    let fresh = edit(&s, "new", None, &[(10, b"hello".to_vec())], 20);
    assert_eq!(&fresh[..], b"\0\0\0\0\0\0\0\0\0\0hello\0\0\0\0\0");
    let empty = edit(&s, "empty", None, &[], 0);
    assert!(empty.is_empty());
    assert_eq!(
        s.head_object("edits", "empty", At::Current).unwrap().etag,
        "d41d8cd98f00b204e9800998ecf8427e"
    );
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn bad_ranges_are_refused() {
    let (_d, s) = open();
    let mut read_at = |_: u64, _: &mut [u8]| Ok(());
    let req = || EditRequest {
        bucket: "edits",
        key: "k",
        base: None,
        size: 10,
        meta: ObjectMeta::default(),
        condition: None,
    };
    // Dirty ranges out of order, past the size or overlapping; zeroed
    // ranges outside every dirty one, empty or overlapping.
    let ok = vec![(0, 4), (6, 10)];
    type Ranges = Vec<(u64, u64)>;
    let cases: [(Ranges, Ranges); 6] = [
        (vec![(5, 3)], vec![]),
        (vec![(0, 11)], vec![]),
        (vec![(0, 5), (4, 6)], vec![]),
        (ok.clone(), vec![(3, 7)]),
        (ok.clone(), vec![(2, 2)]),
        (ok, vec![(6, 8), (7, 9)]),
    ];
    for (dirty, zeros) in cases {
        let err = s
            .write_edit(
                req(),
                Overlay {
                    dirty: &dirty,
                    zeros: &zeros,
                    read_at: &mut read_at,
                },
            )
            .unwrap_err();
        assert!(
            matches!(err, alexander_store::Error::InvalidArgument(_)),
            "{dirty:?} {zeros:?}: {err}"
        );
    }
    assert!(s.head_object("edits", "k", At::Current).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_edits_match_a_byte_model(
        len in 0usize..120_000,
        edits in prop::collection::vec(
            (prop::collection::vec((0u64..150_000, 1usize..20_000, any::<u8>()), 0..4), 0u64..150_000),
            1..4,
        ),
    ) {
        let (_d, s) = open();
        let mut current = data(len, 9);
        s.put_object("edits", "f", &current[..], PutOptions::default()).unwrap();
        for (writes, size) in edits {
            let writes: Vec<(u64, Vec<u8>)> =
                writes.into_iter().map(|(o, l, b)| (o, vec![b; l])).collect();
            current = edit(&s, "f", Some(&current), &writes, size);
        }
        prop_assert!(s.fsck(true).unwrap().is_clean());
    }
}

#[test]
fn a_hole_costs_one_block_however_long() {
    let (_d, s) = open();
    let body = data(50_000, 3);
    s.put_object("edits", "sparse", &body[..], PutOptions::default())
        .unwrap();
    let before = s.stats().unwrap();
    // Grow to 40 MiB with a write in the middle of the hole and one at the
    // end: two long holes, each mostly repeated blocks of zeros.
    let mid = 17 << 20;
    let size = 40 << 20;
    let grown = edit(
        &s,
        "sparse",
        Some(&body),
        &[(mid, data(3000, 4)), (size - 10, vec![9; 10])],
        size,
    );
    let after = s.stats().unwrap();
    // New data: the zeros of one block (a few identical chunks) and the
    // chunks around the writes, not 40 MiB.
    assert!(
        after.stored_bytes - before.stored_bytes < 2 << 20,
        "{before:?} -> {after:?}"
    );
    let info = s.head_object("edits", "sparse", At::Current).unwrap();
    assert!(info.etag.contains('-'), "{}", info.etag);
    // A second edit of the grown file keeps its holes and its ETag rule.
    let shrunk = edit(
        &s,
        "sparse",
        Some(&grown),
        &[(1 << 20, vec![1; 5])],
        30 << 20,
    );
    assert!(shrunk[50_000..1 << 20].iter().all(|&b| b == 0));
    assert!(s.fsck(true).unwrap().is_clean());
    // Deleting both versions frees the zero chunks' references cleanly.
    s.delete_object("edits", "sparse", None).unwrap();
    s.gc().unwrap();
    assert_eq!(s.stats().unwrap().chunks, 0);
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn a_zeroed_range_inside_the_base_costs_one_block() {
    let (_d, s) = open();
    let body = data(12 << 20, 5);
    s.put_object("edits", "punched", &body[..], PutOptions::default())
        .unwrap();
    let before = s.stats().unwrap();
    // A hole punched over 8 MiB in the middle, and a write just after it.
    let hole = ((1 << 20) + 5, (9 << 20) + 5);
    let write = ((10 << 20) + 1, (10 << 20) + 11);
    let mut expected = body.clone();
    expected[hole.0 as usize..hole.1 as usize].fill(0);
    expected[write.0 as usize..write.1 as usize].fill(3);
    let snapshot = expected.clone();
    let mut reads_in_hole = 0u64;
    let mut read_at = |off: u64, buf: &mut [u8]| {
        if off < hole.1 {
            reads_in_hole += buf.len() as u64;
        }
        buf.copy_from_slice(&snapshot[off as usize..off as usize + buf.len()]);
        Ok(())
    };
    s.write_edit(
        EditRequest {
            bucket: "edits",
            key: "punched",
            base: Some(At::Current),
            size: body.len() as u64,
            meta: ObjectMeta::default(),
            condition: None,
        },
        Overlay {
            dirty: &[hole, write],
            zeros: &[hole],
            read_at: &mut read_at,
        },
    )
    .unwrap();
    assert!(
        read(&s, "punched") == expected,
        "content differs after edit"
    );
    // Only the hole's first bytes (less than a block) were read and chunked;
    // the rest is one block of zeros, repeated.
    assert!(reads_in_hole < 1 << 20, "{reads_in_hole} bytes read");
    let after = s.stats().unwrap();
    assert!(
        after.stored_bytes - before.stored_bytes < 3 << 20,
        "{before:?} -> {after:?}"
    );
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn a_copy_in_steps_shares_all_but_the_chunks_it_cuts() {
    use alexander_store::{AppendCopy, CopySource};
    let (_d, s) = open();
    let body = data(1 << 20, 6);
    let src = s
        .put_object("edits", "src", &body[..], PutOptions::default())
        .unwrap();
    let copy = |from: u64, len: u64, key: &'static str, onto: bool| {
        s.append_copy(AppendCopy {
            src: CopySource {
                bucket: "edits",
                key: "src",
                at: At::Current,
            },
            from,
            len,
            bucket: "edits",
            key,
            base: onto.then_some(At::Current),
            meta: ObjectMeta::default(),
            condition: None,
        })
    };
    let before = s.stats().unwrap();
    // In three steps, as copy_file_range of a large file goes.
    let mut done = 0;
    for step in [300_001, 400_000, (1 << 20) - 700_001] {
        let info = copy(done, step, "dst", done > 0).unwrap();
        done += step;
        assert_eq!(info.size, done);
        assert!(read(&s, "dst") == body[..done as usize], "after {done}");
    }
    assert!(
        s.head_object("edits", "dst", At::Current)
            .unwrap()
            .etag
            .contains('-')
    );
    assert_mount_written(&s.head_object("edits", "dst", At::Current).unwrap(), &body);
    // Each step re-chunked at most the two chunks it cut (16 KiB each).
    let after = s.stats().unwrap();
    assert!(
        after.stored_bytes - before.stored_bytes <= 6 * 16384,
        "{before:?} -> {after:?}"
    );
    // Bytes from the middle appended to another object.
    s.put_object("edits", "other", &b"head:"[..], PutOptions::default())
        .unwrap();
    let other = copy(5000, 70_000, "other", true).unwrap();
    let mut want = b"head:".to_vec();
    want.extend_from_slice(&body[5000..75_000]);
    assert!(read(&s, "other") == want);
    assert_mount_written(&other, &want);
    // A whole object onto nothing: a plain copy, with the source's ETag.
    let info = copy(0, 1 << 20, "whole", false).unwrap();
    assert_eq!(info.etag, src.etag);
    assert!(read(&s, "whole") == body);
    // Past the source's end: refused, nothing changed.
    let err = copy(1000, 1 << 20, "whole", true).unwrap_err();
    assert!(
        matches!(err, alexander_store::Error::InvalidArgument(_)),
        "{err}"
    );
    assert!(read(&s, "whole") == body);
    assert!(s.fsck(true).unwrap().is_clean());
}

#[test]
fn a_copy_out_of_a_snapshot_takes_the_snapshots_bytes() {
    use alexander_store::{AppendCopy, CopySource};
    let (_d, s) = open();
    let old = data(300_000, 7);
    let first = s
        .put_object("edits", "f", &old[..], PutOptions::default())
        .unwrap();
    s.create_snapshot("edits", "before").unwrap();
    // Replaced by a longer file: in an unversioned bucket both are `null`.
    s.put_object("edits", "f", &data(500_000, 8)[..], PutOptions::default())
        .unwrap();
    let copy = |from: u64, len: u64, key: &'static str| {
        s.append_copy(AppendCopy {
            src: CopySource {
                bucket: "edits",
                key: "f",
                at: At::Snapshot("before"),
            },
            from,
            len,
            bucket: "edits",
            key,
            base: None,
            meta: ObjectMeta::default(),
            condition: None,
        })
        .unwrap()
    };
    let whole = copy(0, 300_000, "whole");
    assert_eq!(whole.etag, first.etag);
    assert!(read(&s, "whole") == old);
    copy(1000, 199_000, "part");
    assert!(read(&s, "part") == old[1000..200_000]);
    assert!(s.fsck(true).unwrap().is_clean());
}

/// A whole file copied onto nothing (`copy_file_range` of all of it) is a
/// plain copy: the source's ETag and checksum, not what the destination's
/// metadata carried.
#[test]
fn a_whole_copy_keeps_the_sources_checksum() {
    use alexander_store::{AppendCopy, CopySource};
    let (_d, s) = open();
    let body = data(300_000, 11);
    let src = s
        .put_file("edits", "src", &body[..], PutOptions::default())
        .unwrap();
    assert_mount_written(&src, &body);
    let mut meta = ObjectMeta::default();
    meta.extra.insert("checksum-sha1".into(), "stale".into());
    let copy = s
        .append_copy(AppendCopy {
            src: CopySource {
                bucket: "edits",
                key: "src",
                at: At::Current,
            },
            from: 0,
            len: body.len() as u64,
            bucket: "edits",
            key: "dst",
            base: None,
            meta,
            condition: None,
        })
        .unwrap();
    assert_eq!(copy.etag, src.etag);
    assert_mount_written(&copy, &body);
    assert!(!copy.meta.extra.contains_key("checksum-sha1"));
}
