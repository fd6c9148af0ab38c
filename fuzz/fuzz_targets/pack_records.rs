//! A pack record read off disk: a pack file holding arbitrary bytes, read
//! at an index entry (pack, offset, length) that is itself arbitrary, as a
//! damaged disk or a stale index could present them. The read returns the
//! chunk only when header, length, id and CRC-32C all agree, else an error;
//! it never panics and never allocates for a length the file cannot hold.
//!
//! Input: the index entry's offset (u16 LE) and length (u32 LE), the chunk
//! id's first byte, then the pack file's contents.

#![no_main]

use std::cell::RefCell;

use alexander_store::ChunkId;
use alexander_store::packs::{ChunkBackend, HEADER_LEN, LocalPacks, Location};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alexander_fuzz::CappedAlloc = alexander_fuzz::CappedAlloc;

thread_local! {
    /// One directory and pack store for the whole run; each input rewrites
    /// the same pack file.
    static PACKS: RefCell<Option<(tempfile::TempDir, LocalPacks)>> = const { RefCell::new(None) };
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 7 {
        return;
    }
    let offset = u64::from(u16::from_le_bytes([input[0], input[1]]));
    let len = u32::from_le_bytes([input[2], input[3], input[4], input[5]]);
    let id_byte = input[6];
    let contents = &input[7..];
    // The id is the one the record names when the contents hold one at the
    // offset, so that a well-formed record can pass the id check.
    let mut id = ChunkId([id_byte; 32]);
    let at = offset as usize;
    if let Some(named) = contents.get(at + 16..at + 48)
        && id_byte % 2 == 0
    {
        id = ChunkId(named.try_into().unwrap());
    }
    PACKS.with(|cell| {
        let mut cell = cell.borrow_mut();
        let (dir, packs) = cell.get_or_insert_with(|| {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let packs = LocalPacks::open(dir.path(), 1 << 30).expect("an empty pack store");
            // Pack 0 exists once something is appended; its file is then
            // replaced by each input.
            packs.append(&ChunkId([0; 32]), b"x").expect("an append");
            (dir, packs)
        });
        std::fs::write(dir.path().join("0000000000000000.pack"), contents).unwrap();
        let loc = Location {
            pack: 0,
            offset,
            len,
        };
        if let Ok(data) = packs.read(&id, &loc) {
            assert_eq!(data.len(), len as usize);
            let end = offset + HEADER_LEN + u64::from(len);
            assert!(end <= contents.len() as u64);
            assert_eq!(&contents[at + 48..end as usize], &data[..]);
        }
    });
});
