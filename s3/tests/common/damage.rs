//! Damage to a pack file that the store's own check cannot see, for the
//! tests of end-to-end checksums (shared with the root crate's
//! `tests/clients.rs`, which includes this file by path).

use std::path::Path;

/// Changes a byte in the middle of the pack record whose data starts with
/// `start`, and writes the record's CRC-32C again, so that the store serves
/// the wrong byte: damage its own check cannot see (a bit flipped in memory
/// before the record was written, say), which only an end-to-end checksum
/// catches. Returns whether a record was found.
pub fn damage_unseen(packs: &Path, start: &[u8]) -> bool {
    // magic "ALXC", format, flags, reserved u16, length u32 LE, CRC-32C
    // u32 LE, chunk id [32], data: store/src/packs.rs.
    const HEADER: usize = 48;
    for entry in std::fs::read_dir(packs).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        let mut at = 0;
        while at + HEADER <= bytes.len() && &bytes[at..at + 4] == b"ALXC" {
            let len = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
            let data = at + HEADER..at + HEADER + len;
            if bytes[data.clone()].starts_with(start) {
                bytes[data.start + len / 2] ^= 0x01;
                let crc = crc32c::crc32c(&bytes[data]);
                bytes[at + 12..at + 16].copy_from_slice(&crc.to_le_bytes());
                std::fs::write(&path, bytes).unwrap();
                return true;
            }
            at = data.end;
        }
    }
    false
}
