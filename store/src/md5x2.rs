//! MD5 (RFC 1321) of two streams over the same bytes, on one core.
//!
//! The store hashes every new byte with MD5 twice: once as part of the
//! whole object (its S3 ETag), once as part of its chunk (kept for the
//! composite ETag of later in-place edits). MD5 is a chain of 64 dependent
//! steps per 64-byte block, so one stream keeps a core's execution units
//! mostly idle, waiting on the previous step. Two streams interleaved step
//! by step fill that idle time: here both MD5s of a byte cost little more
//! than one, where two separate hashers cost twice one.
//!
//! [`Md5`] is one stream; [`update_both`] feeds the same bytes to two of
//! them, each with its own position in its 64-byte blocks. The digests
//! equal the `md-5` crate's, which the tests check on random input.

/// One MD5 computation.
#[derive(Clone)]
pub struct Md5 {
    state: [u32; 4],
    /// Bytes of the block not yet complete.
    buf: [u8; 64],
    buf_len: usize,
    /// Bytes hashed so far.
    len: u64,
}

const INIT: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

impl Default for Md5 {
    fn default() -> Md5 {
        Md5::new()
    }
}

impl Md5 {
    pub fn new() -> Md5 {
        Md5 {
            state: INIT,
            buf: [0; 64],
            buf_len: 0,
            len: 0,
        }
    }

    /// Hashes `data` (this stream only).
    pub fn update(&mut self, data: &[u8]) {
        let rest = self.fill(data);
        let mut blocks = rest.chunks_exact(64);
        for block in &mut blocks {
            compress([&mut self.state], [block.try_into().expect("64 bytes")]);
        }
        self.keep(blocks.remainder());
    }

    /// The digest.
    pub fn finalize(mut self) -> [u8; 16] {
        let bits = self.len.wrapping_mul(8);
        // 0x80, zeros up to 56 bytes into a block, the length in bits.
        let pad = if self.buf_len < 56 {
            56 - self.buf_len
        } else {
            120 - self.buf_len
        };
        let mut tail = [0u8; 72];
        tail[0] = 0x80;
        tail[pad..pad + 8].copy_from_slice(&bits.to_le_bytes());
        self.update(&tail[..pad + 8]);
        debug_assert_eq!(self.buf_len, 0);
        let mut out = [0u8; 16];
        for (o, s) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&s.to_le_bytes());
        }
        out
    }

    /// Completes the buffered block from `data` (hashing it if complete);
    /// returns what remains of `data`.
    fn fill<'d>(&mut self, data: &'d [u8]) -> &'d [u8] {
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.buf_len == 0 {
            return data;
        }
        let take = (64 - self.buf_len).min(data.len());
        self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
        self.buf_len += take;
        if self.buf_len == 64 {
            let block = self.buf;
            compress([&mut self.state], [&block]);
            self.buf_len = 0;
        }
        &data[take..]
    }

    /// Buffers the end of an update, less than a block.
    fn keep(&mut self, rest: &[u8]) {
        debug_assert!(self.buf_len + rest.len() < 64);
        self.buf[self.buf_len..self.buf_len + rest.len()].copy_from_slice(rest);
        self.buf_len += rest.len();
    }
}

/// Hashes `data` into both `a` and `b`, interleaving their blocks.
pub fn update_both(a: &mut Md5, b: &mut Md5, data: &[u8]) {
    let rest_a = a.fill(data);
    let rest_b = b.fill(data);
    let mut blocks_a = rest_a.chunks_exact(64);
    let mut blocks_b = rest_b.chunks_exact(64);
    loop {
        match (blocks_a.next(), blocks_b.next()) {
            (Some(x), Some(y)) => compress(
                [&mut a.state, &mut b.state],
                [
                    x.try_into().expect("64 bytes"),
                    y.try_into().expect("64 bytes"),
                ],
            ),
            (Some(x), None) => compress([&mut a.state], [x.try_into().expect("64 bytes")]),
            (None, Some(y)) => compress([&mut b.state], [y.try_into().expect("64 bytes")]),
            (None, None) => break,
        }
    }
    a.keep(blocks_a.remainder());
    b.keep(blocks_b.remainder());
}

/// The sines of RFC 1321, 3.4: `floor(abs(sin(i + 1)) * 2^32)`.
const K: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

/// One block into each of `L` states, the lanes' steps interleaved (the
/// loops over lanes unroll, the steps are independent across lanes).
#[inline(always)]
fn compress<const L: usize>(states: [&mut [u32; 4]; L], blocks: [&[u8; 64]; L]) {
    let mut m = [[0u32; 16]; L];
    for l in 0..L {
        for (w, bytes) in m[l].iter_mut().zip(blocks[l].chunks_exact(4)) {
            *w = u32::from_le_bytes(bytes.try_into().expect("4 bytes"));
        }
    }
    let mut v: [[u32; 4]; L] = [[0; 4]; L];
    for l in 0..L {
        v[l] = *states[l];
    }
    // Step i of a round: a = b + ((a + f(b, c, d) + m[g] + K[i]) <<< s),
    // then the roles rotate (a, b, c, d) <- (d, a, b, c). Rotating the
    // roles rather than the values: step i works on lane slots
    // (-i mod 4, 1 - i mod 4, ...).
    macro_rules! step {
        ($f:expr, $i:expr, $g:expr, $s:expr) => {
            for l in 0..L {
                let [a, b, c, d] = [
                    (4 - $i % 4) % 4,
                    (5 - $i % 4) % 4,
                    (6 - $i % 4) % 4,
                    (7 - $i % 4) % 4,
                ];
                let (bv, cv, dv) = (v[l][b], v[l][c], v[l][d]);
                let f: u32 = $f(bv, cv, dv);
                v[l][a] = bv.wrapping_add(
                    v[l][a]
                        .wrapping_add(f)
                        .wrapping_add(m[l][$g])
                        .wrapping_add(K[$i])
                        .rotate_left($s),
                );
            }
        };
    }
    let f = |b: u32, c: u32, d: u32| (b & c) | (!b & d);
    let g = |b: u32, c: u32, d: u32| (b & d) | (c & !d);
    let h = |b: u32, c: u32, d: u32| b ^ c ^ d;
    let i = |b: u32, c: u32, d: u32| c ^ (b | !d);
    macro_rules! round1 {
        ($($i:expr),*) => { $( step!(f, $i, $i, [7, 12, 17, 22][$i % 4]); )* };
    }
    macro_rules! round2 {
        ($($i:expr),*) => { $( step!(g, $i, (5 * $i + 1) % 16, [5, 9, 14, 20][$i % 4]); )* };
    }
    macro_rules! round3 {
        ($($i:expr),*) => { $( step!(h, $i, (3 * $i + 5) % 16, [4, 11, 16, 23][$i % 4]); )* };
    }
    macro_rules! round4 {
        ($($i:expr),*) => { $( step!(i, $i, (7 * $i) % 16, [6, 10, 15, 21][$i % 4]); )* };
    }
    round1!(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    round2!(
        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    );
    round3!(
        32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47
    );
    round4!(
        48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63
    );
    for (l, state) in states.into_iter().enumerate() {
        for (s, x) in state.iter_mut().zip(v[l]) {
            *s = s.wrapping_add(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::Digest;
    use proptest::prelude::*;

    fn hex(d: [u8; 16]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn once(data: &[u8]) -> [u8; 16] {
        let mut h = Md5::new();
        h.update(data);
        h.finalize()
    }

    /// RFC 1321, A.5.
    #[test]
    fn the_rfc_test_suite() {
        let suite: [(&str, &str); 7] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, want) in suite {
            assert_eq!(hex(once(input.as_bytes())), want, "{input:?}");
        }
    }

    /// Every length around the padding's edges.
    #[test]
    fn every_length_up_to_three_blocks() {
        let data: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        for n in 0..data.len() {
            assert_eq!(
                once(&data[..n]),
                <[u8; 16]>::from(md5::Md5::digest(&data[..n])),
                "{n}"
            );
        }
    }

    proptest! {
        /// Two streams fed through `update_both`, in pieces, each started
        /// at its own offset: both digests equal the reference's.
        #[test]
        fn both_streams_match_the_reference(
            data in proptest::collection::vec(any::<u8>(), 0..2000),
            head in 0usize..200,
            cuts in proptest::collection::vec(0usize..2000, 0..8),
        ) {
            // `a` has hashed `data[..head]` alone, then both take the rest
            // in pieces; `b` sees only the rest.
            let head = head.min(data.len());
            let mut a = Md5::new();
            a.update(&data[..head]);
            let mut b = Md5::new();
            let rest = &data[head..];
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(rest.len())).collect();
            cuts.push(0);
            cuts.push(rest.len());
            cuts.sort_unstable();
            for w in cuts.windows(2) {
                update_both(&mut a, &mut b, &rest[w[0]..w[1]]);
            }
            prop_assert_eq!(a.finalize(), <[u8; 16]>::from(md5::Md5::digest(&data)));
            prop_assert_eq!(b.finalize(), <[u8; 16]>::from(md5::Md5::digest(rest)));
        }
    }
}
