//! CRCs of chunks and of whole versions.
//!
//! Every new chunk's record keeps its CRC64NVME, computed by the ingest
//! that stores it. A version written through the mount gets a full-object
//! CRC64NVME combined from its chunks' CRCs and lengths, so no edit reads
//! the file again to checksum it: the CRC of `A || B` follows from
//! `crc(A)`, `crc(B)` and B's length alone. The S3 layer combines its
//! parts' CRCs (CRC-32, CRC-32C, CRC64NVME) with the same arithmetic.
//!
//! The value is kept in the version's metadata as the S3 layer keeps a
//! verified `x-amz-checksum-crc64nvme` ([`CRC64NVME_KEY`], base64 of the
//! big-endian bytes), so GET and HEAD serve it as a `FULL_OBJECT` checksum.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::records::ObjectMeta;

/// A reflected CRC whose init and final xor are all ones, as are the
/// three CRCs S3 knows.
#[derive(Clone, Copy, Debug)]
pub struct Crc {
    /// The polynomial, reflected, without its top term.
    poly: u64,
    width: u32,
}

/// CRC-32 (ISO-HDLC).
pub const CRC32: Crc = Crc {
    poly: 0xEDB8_8320,
    width: 32,
};

/// CRC-32C (Castagnoli).
pub const CRC32C: Crc = Crc {
    poly: 0x82F6_3B78,
    width: 32,
};

/// CRC-64/NVME.
pub const CRC64NVME: Crc = Crc {
    poly: 0x9A6C_9329_AC4B_C9B5,
    width: 64,
};

impl Crc {
    /// The reflected form of the polynomial `1` (x^0): the top bit.
    fn one(&self) -> u64 {
        1 << (self.width - 1)
    }

    /// `a * b mod p`, both in reflected form: the bits of `a` from the
    /// top down pick which multiples `b * x^i` to add.
    fn mul(&self, a: u64, mut b: u64) -> u64 {
        let mut product = 0;
        let mut bit = self.one();
        while bit != 0 {
            if a & bit != 0 {
                product ^= b;
            }
            // b * x: a shift right in reflected form, reduced by p.
            b = if b & 1 != 0 {
                (b >> 1) ^ self.poly
            } else {
                b >> 1
            };
            bit >>= 1;
        }
        product
    }

    /// `x^(8 * len) mod p`, by squaring: x^(2^k) for each bit k of the
    /// bit length.
    fn shift_of(&self, len: u64) -> u64 {
        let mut result = self.one();
        // x^(2^3) = x^8: one byte.
        let mut square = self.one() >> 8;
        let mut n = len;
        while n != 0 {
            if n & 1 != 0 {
                result = self.mul(square, result);
            }
            square = self.mul(square, square);
            n >>= 1;
        }
        result
    }

    /// The CRC of `A || B` from `crc(A)`, `crc(B)` and B's length: with
    /// the init and final xor equal, they cancel out, and A's CRC only
    /// needs to be carried over B's bits.
    pub fn combine(&self, crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
        self.mul(self.shift_of(len_b), crc_a) ^ crc_b
    }

    /// The CRC of pieces given as `(crc, length)`, in order; the CRC of
    /// nothing (0 for these CRCs) when there are none.
    pub fn combine_all(&self, pieces: impl IntoIterator<Item = (u64, u64)>) -> u64 {
        pieces
            .into_iter()
            .fold(0, |whole, (crc, len)| self.combine(whole, crc, len))
    }
}

/// The CRC64NVME of some bytes.
pub fn crc64nvme(data: &[u8]) -> u64 {
    let mut d = crc64fast_nvme::Digest::new();
    d.write(data);
    d.sum64()
}

/// The `ObjectMeta::extra` entry holding a version's full-object
/// CRC64NVME, under the name the S3 layer keeps a verified
/// `x-amz-checksum-crc64nvme` under.
pub const CRC64NVME_KEY: &str = "checksum-crc64nvme";

/// The prefix of every `ObjectMeta::extra` entry that describes a
/// version's bytes (its checksums, its parts' checksums).
pub const CHECKSUM_PREFIX: &str = "checksum-";

/// A CRC64NVME as S3 writes it: base64 of its 8 big-endian bytes.
pub fn crc64nvme_value(crc: u64) -> String {
    BASE64.encode(crc.to_be_bytes())
}

/// Gives new bytes their checksum: drops every checksum `meta` carried
/// over from other bytes (a base version's, say) and records `crc`, if
/// known, as the full-object CRC64NVME.
pub(crate) fn set_checksum(meta: &mut ObjectMeta, crc: Option<u64>) {
    meta.extra.retain(|k, _| !k.starts_with(CHECKSUM_PREFIX));
    if let Some(crc) = crc {
        meta.extra
            .insert(CRC64NVME_KEY.to_owned(), crc64nvme_value(crc));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn check_values_and_known_cuts() {
        // The catalogue's check value: CRC-64/NVME of "123456789".
        assert_eq!(crc64nvme(b"123456789"), 0xAE8B_1486_0A79_9888);
        assert_eq!(crc64nvme(b""), 0);
        let parts = [(crc64nvme(b"1234"), 4), (crc64nvme(b"56789"), 5)];
        assert_eq!(CRC64NVME.combine_all(parts), 0xAE8B_1486_0A79_9888);
        let c32 = |d: &[u8]| u64::from(crc32c::crc32c(d));
        assert_eq!(CRC32C.combine(c32(b"1234"), c32(b"56789"), 5), 0xE306_9283);
        assert_eq!(CRC64NVME.combine_all([]), 0);
        assert_eq!(crc64nvme_value(0), "AAAAAAAAAAA=");
    }

    #[test]
    fn set_checksum_replaces_what_other_bytes_left() {
        let mut meta = ObjectMeta::default();
        meta.extra.insert("checksum-sha256".into(), "x".into());
        meta.extra.insert("checksum-parts".into(), "y".into());
        meta.extra.insert("acl".into(), "public-read".into());
        set_checksum(&mut meta, Some(0xAE8B_1486_0A79_9888));
        assert_eq!(meta.extra.len(), 2);
        assert_eq!(meta.extra["acl"], "public-read");
        assert_eq!(
            meta.extra[CRC64NVME_KEY],
            BASE64.encode(0xAE8B_1486_0A79_9888u64.to_be_bytes())
        );
        set_checksum(&mut meta, None);
        assert_eq!(meta.extra.len(), 1);
    }

    proptest! {
        /// Any chunking of any bytes: the CRCs of the pieces, combined,
        /// are the CRC of the whole.
        #[test]
        fn combined_chunk_crcs_are_the_crc_of_the_bytes(
            data in proptest::collection::vec(any::<u8>(), 0..20_000),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(data.len() + 1)).collect();
            at.push(0);
            at.push(data.len());
            at.sort_unstable();
            let pieces = at
                .windows(2)
                .map(|w| (crc64nvme(&data[w[0]..w[1]]), (w[1] - w[0]) as u64));
            prop_assert_eq!(CRC64NVME.combine_all(pieces), crc64nvme(&data));
        }
    }
}
