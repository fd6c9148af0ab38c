//! Edits in place through a real mount: random-access writes, truncates,
//! appends and fsync, compared with a local file doing the same.

mod common;

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

use alexander_store::At;

/// Bytes that do not repeat, so misplaced data cannot go unnoticed.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn rw(p: &Path) -> File {
    OpenOptions::new().read(true).write(true).open(p).unwrap()
}

fn read_at(f: &File, off: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    let mut got = 0;
    while got < len {
        let n = f.read_at(&mut buf[got..], off + got as u64).unwrap();
        if n == 0 {
            break;
        }
        got += n;
    }
    buf.truncate(got);
    buf
}

fn object(s: &common::MountedSession, bucket: &str, key: &str) -> Vec<u8> {
    let mut r = s.store.get_object(bucket, key, At::Current, None).unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn random_access_writes_match_a_local_file() {
    let s = mounted!();
    let local_dir = tempfile::TempDir::new().unwrap();
    fs::create_dir(s.path().join("ranges")).unwrap();
    let m = s.path().join("ranges/f");
    let l = local_dir.path().join("f");
    fs::write(&m, pattern(100_000, 1)).unwrap();
    fs::write(&l, pattern(100_000, 1)).unwrap();
    let (m1, m2, l1) = (rw(&m), rw(&m), rw(&l));
    let ops: [(u64, usize, u64); 5] = [
        (50_000, 1_000, 2),  // middle
        (0, 10, 3),          // start
        (300_000, 5_000, 4), // beyond the end: sparse
        (99_990, 100, 5),    // across the old end
        (50_500, 2_000, 6),  // overwrite of the first
    ];
    for (i, (off, len, seed)) in ops.into_iter().enumerate() {
        let data = pattern(len, seed);
        // Alternate the two mount handles; each sees the other's writes.
        let h = if i % 2 == 0 { &m1 } else { &m2 };
        h.write_all_at(&data, off).unwrap();
        l1.write_all_at(&data, off).unwrap();
        let len = l1.metadata().unwrap().len() as usize;
        let want = read_at(&l1, 0, len);
        assert!(
            read_at(&m1, 0, len + 10) == want,
            "through handle 1 after op {i}"
        );
        assert!(
            read_at(&m2, 0, len + 10) == want,
            "through handle 2 after op {i}"
        );
        assert_eq!(fs::metadata(&m).unwrap().len(), len as u64);
    }
    drop((m1, m2));
    let want = fs::read(&l).unwrap();
    assert!(fs::read(&m).unwrap() == want, "after reopen");
    assert!(object(&s, "ranges", "f") == want, "in the store");
}

#[test]
fn random_operations_match_a_local_dir() {
    let s = mounted!();
    let ops: usize = std::env::var("ALEXANDER_FUSE_RANDOM_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let local_dir = tempfile::TempDir::new().unwrap();
    fs::create_dir(s.path().join("rnd")).unwrap();
    let names = ["a", "b", "c"];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let start = Instant::now();
    // Per name: (mount handle, local handle), opened lazily.
    let mut open: Vec<Option<(File, File)>> = names.iter().map(|_| None).collect();
    for op in 0..ops {
        let i = rng.below(names.len() as u64) as usize;
        let (mp, lp) = (
            s.path().join("rnd").join(names[i]),
            local_dir.path().join(names[i]),
        );
        if open[i].is_none() {
            let o = |p: &Path| {
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(p)
                    .unwrap()
            };
            open[i] = Some((o(&mp), o(&lp)));
        }
        let (mf, lf) = open[i].as_ref().unwrap();
        let size = lf.metadata().unwrap().len();
        match rng.below(10) {
            0..=3 => {
                let off = rng.below(size + 70_000);
                let len = 1 + rng.below(20_000) as usize;
                let data = pattern(len, rng.next());
                mf.write_all_at(&data, off).unwrap();
                lf.write_all_at(&data, off).unwrap();
            }
            4 => {
                let to = rng.below(size + 50_000);
                mf.set_len(to).unwrap();
                lf.set_len(to).unwrap();
            }
            5..=7 => {
                let off = rng.below(size + 10);
                let len = 1 + rng.below(40_000) as usize;
                assert!(
                    read_at(mf, off, len) == read_at(lf, off, len),
                    "op {op}: read {len} at {off} of {} (size {size})",
                    names[i]
                );
            }
            8 => {
                // Close (commits) and reopen later.
                open[i] = None;
                assert_eq!(fs::metadata(&mp).unwrap().len(), size, "op {op}");
            }
            _ => {
                mf.sync_all().unwrap();
                assert!(
                    object(&s, "rnd", names[i]) == read_at(lf, 0, size as usize),
                    "op {op}: store after fsync"
                );
            }
        }
    }
    drop(open);
    for n in names {
        let want = fs::read(local_dir.path().join(n)).unwrap_or_default();
        if want.is_empty() && !local_dir.path().join(n).exists() {
            continue;
        }
        assert!(
            fs::read(s.path().join("rnd").join(n)).unwrap() == want,
            "{n}"
        );
        assert!(object(&s, "rnd", n) == want, "{n} in the store");
    }
    eprintln!("{ops} random operations in {:?}", start.elapsed());
}

#[test]
fn editing_a_large_file_rewrites_a_few_chunks() {
    let s = mounted!();
    fs::create_dir(s.path().join("big")).unwrap();
    let p = s.path().join("big/f");
    let mut data = pattern(8 << 20, 11);
    fs::write(&p, &data).unwrap();
    let before = s.store.stats().unwrap().stored_bytes;
    let edit = pattern(64 << 10, 12);
    let f = rw(&p);
    f.write_all_at(&edit, 4 << 20).unwrap();
    f.sync_all().unwrap();
    drop(f);
    data[4 << 20..(4 << 20) + edit.len()].copy_from_slice(&edit);
    let info = s.store.head_object("big", "f", At::Current).unwrap();
    let n: usize = info.etag.rsplit_once('-').unwrap().1.parse().unwrap();
    assert!(n > 1, "composite ETag {}", info.etag);
    let grown = s.store.stats().unwrap().stored_bytes - before;
    assert!(
        grown < 4 << 20,
        "an edit of 64 KiB stored {grown} bytes more"
    );
    assert!(object(&s, "big", "f") == data);
    assert!(fs::read(&p).unwrap() == data);
}

#[test]
fn truncate_shrink_grow_append_and_fsync() {
    let s = mounted!();
    fs::create_dir(s.path().join("trunc")).unwrap();
    let p = s.path().join("trunc/f");
    fs::write(&p, b"0123456789").unwrap();
    // Shrink, then grow: zeros, not the old bytes.
    let f = rw(&p);
    f.set_len(4).unwrap();
    f.set_len(8).unwrap();
    assert_eq!(read_at(&f, 0, 100), b"0123\0\0\0\0");
    drop(f);
    assert_eq!(object(&s, "trunc", "f"), b"0123\0\0\0\0");
    // ftruncate on a handle that wrote nothing.
    fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(2)
        .unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"01");
    // O_APPEND adds at the end, whatever the position.
    let mut a = OpenOptions::new().append(true).open(&p).unwrap();
    a.write_all(b"ab").unwrap();
    a.seek(SeekFrom::Start(0)).unwrap();
    a.write_all(b"cd").unwrap();
    drop(a);
    assert_eq!(fs::read(&p).unwrap(), b"01abcd");
    // fsync: the object is in the store before close.
    let f = rw(&p);
    f.write_all_at(b"XY", 1).unwrap();
    f.sync_all().unwrap();
    assert_eq!(object(&s, "trunc", "f"), b"0XYbcd");
    f.write_all_at(b"Z", 10).unwrap();
    f.sync_data().unwrap();
    assert_eq!(object(&s, "trunc", "f"), b"0XYbcd\0\0\0\0Z");
    drop(f);
    assert_eq!(fs::read(&p).unwrap(), b"0XYbcd\0\0\0\0Z");
}
