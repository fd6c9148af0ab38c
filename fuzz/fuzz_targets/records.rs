//! The store's records as read back from the metadata database: every
//! record type, and manifests, decoded from arbitrary bytes (a damaged
//! disk, a record from another version). Decoding returns a record or
//! `Error::BadRecord`; it never panics, and never allocates more than the
//! input could describe (libFuzzer's malloc limit turns a huge allocation
//! into a crash). A record that decodes encodes again, and that encoding
//! decodes to a record that encodes the same (a stable fixed point).
//!
//! Input: a selector byte, then the record's bytes (format byte first).

#![no_main]

use alexander_store::ObjectMeta;
use alexander_store::manifest::Manifest;
use alexander_store::records::{
    self, BucketRecord, ChunkRecord, Counters, CurrentRecord, PackRecord, PartRecord,
    SnapshotRecord, UploadRecord, VersionRecord,
};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alexander_fuzz::CappedAlloc = alexander_fuzz::CappedAlloc;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn check<T: Serialize + DeserializeOwned>(bytes: &[u8]) {
    let Ok(record) = records::decode::<T>(bytes) else {
        return;
    };
    let encoded = records::encode(&record);
    let again: T = records::decode(&encoded).expect("an encoded record decodes");
    assert_eq!(records::encode(&again), encoded, "encoding is not stable");
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, bytes)) = input.split_first() else {
        return;
    };
    match selector % 11 {
        0 => check::<BucketRecord>(bytes),
        1 => check::<VersionRecord>(bytes),
        2 => check::<CurrentRecord>(bytes),
        3 => {
            if let Ok(rec) = records::decode::<ChunkRecord>(bytes) {
                let _ = rec.location();
            }
            check::<ChunkRecord>(bytes);
        }
        4 => check::<PackRecord>(bytes),
        5 => check::<SnapshotRecord>(bytes),
        6 => check::<UploadRecord>(bytes),
        7 => check::<PartRecord>(bytes),
        8 => check::<Counters>(bytes),
        9 => check::<ObjectMeta>(bytes),
        _ => {
            check::<Manifest>(bytes);
            if let Ok(m) = records::decode::<Manifest>(bytes) {
                // The prefix sums rebuilt on decode agree with the chunks.
                let total: u64 = m.chunks().iter().map(|c| u64::from(c.len)).sum();
                assert_eq!(m.size(), total);
                if total > 0 {
                    let last = m.chunk_at(total - 1).expect("the last byte is in a chunk");
                    assert!(m.chunk_start(last) < total);
                    assert_eq!(m.chunk_at(total), None);
                }
            }
        }
    }
});
