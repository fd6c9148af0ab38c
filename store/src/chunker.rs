//! Content-defined chunking with FastCDC (the 2020 algorithm of the
//! `fastcdc` crate).
//!
//! Boundaries depend only on the bytes around them, so an insert near the
//! start of a file moves one or two boundaries, not all of them, and the
//! chunks after it keep their ids. The reader is consumed through a buffer
//! of `max` bytes: memory stays bounded whatever the stream's length.

use std::io::{self, Read};

use fastcdc::v2020::{
    AVERAGE_MAX, AVERAGE_MIN, MAXIMUM_MAX, MAXIMUM_MIN, MINIMUM_MAX, MINIMUM_MIN, Normalization,
    StreamCDC,
};

use crate::error::{Error, Result};

/// Chunk size bounds, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkerConfig {
    pub min: u32,
    pub avg: u32,
    pub max: u32,
}

impl Default for ChunkerConfig {
    fn default() -> Self {
        ChunkerConfig {
            min: 16 * 1024,
            avg: 64 * 1024,
            max: 256 * 1024,
        }
    }
}

impl ChunkerConfig {
    /// Checks the bounds against what FastCDC supports.
    pub fn validate(&self) -> Result<()> {
        let ok = (MINIMUM_MIN..=MINIMUM_MAX).contains(&self.min)
            && (AVERAGE_MIN..=AVERAGE_MAX).contains(&self.avg)
            && (MAXIMUM_MIN..=MAXIMUM_MAX).contains(&self.max)
            && self.min <= self.avg
            && self.avg <= self.max;
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "chunk sizes must satisfy {MINIMUM_MIN} <= min <= avg <= max <= {MAXIMUM_MAX}, \
                 with avg in {AVERAGE_MIN}..={AVERAGE_MAX}: got {self:?}"
            )))
        }
    }

    /// Cuts a stream into chunks. The config must have been validated.
    pub fn chunks<R: Read>(&self, source: R) -> Chunks<R> {
        Chunks {
            inner: StreamCDC::with_level(
                source,
                self.min,
                self.avg,
                self.max,
                Normalization::Level1,
            ),
        }
    }
}

/// The chunks of a stream, in order.
pub struct Chunks<R: Read> {
    inner: StreamCDC<R>,
}

impl<R: Read> Iterator for Chunks<R> {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<io::Result<Vec<u8>>> {
        self.inner
            .next()
            .map(|r| r.map(|c| c.data).map_err(io::Error::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::ChunkId;
    use proptest::prelude::*;
    use rand::{RngCore, SeedableRng, rngs::StdRng};

    fn seeded(len: usize, seed: u64) -> Vec<u8> {
        let mut data = vec![0u8; len];
        StdRng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    fn cut(cfg: &ChunkerConfig, data: &[u8]) -> Vec<Vec<u8>> {
        cfg.chunks(data).map(|c| c.unwrap()).collect()
    }

    /// Boundaries of seeded data are pinned: a change to the chunker that
    /// moves any boundary (and so breaks dedup against existing stores)
    /// fails here.
    #[test]
    fn boundaries_are_stable() {
        let data = seeded(2 << 20, 42);
        let chunks = cut(&ChunkerConfig::default(), &data);
        let lens: Vec<usize> = chunks.iter().map(Vec::len).collect();
        let digest = {
            let mut all = Vec::new();
            for c in &chunks {
                all.extend_from_slice(&ChunkId::of(c).0);
            }
            ChunkId::of(&all)
        };
        assert_eq!(lens.iter().sum::<usize>(), data.len());
        assert_eq!(
            (lens.len(), lens[0], lens[1], digest.to_string().as_str()),
            EXPECTED
        );
    }

    const EXPECTED: (usize, usize, usize, &str) = (
        23,
        63368,
        145278,
        "837426dc790269993a834ce6f4beaec505d1db154e0a1933aeb0af4d5cdeed25",
    );

    #[test]
    fn insert_at_start_changes_at_most_two_chunks() {
        let data = seeded(8 << 20, 7);
        let cfg = ChunkerConfig::default();
        let before: std::collections::HashSet<_> =
            cut(&cfg, &data).iter().map(|c| ChunkId::of(c)).collect();
        let mut shifted = vec![0xAB];
        shifted.extend_from_slice(&data);
        let after = cut(&cfg, &shifted);
        let new = after
            .iter()
            .filter(|c| !before.contains(&ChunkId::of(c)))
            .count();
        assert!(new <= 2, "{new} chunks changed");
    }

    #[test]
    fn bad_bounds_are_refused() {
        let bad = [
            ChunkerConfig {
                min: 10,
                avg: 64 * 1024,
                max: 256 * 1024,
            },
            ChunkerConfig {
                min: 64 * 1024,
                avg: 16 * 1024,
                max: 256 * 1024,
            },
            ChunkerConfig {
                min: 1024,
                avg: 4096,
                max: 32 << 20,
            },
        ];
        for cfg in bad {
            assert!(cfg.validate().is_err(), "{cfg:?}");
        }
        assert!(ChunkerConfig::default().validate().is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn chunks_cover_the_input_within_bounds(len in 0usize..300_000, seed in any::<u64>()) {
            let cfg = ChunkerConfig { min: 1024, avg: 4096, max: 16384 };
            let data = seeded(len, seed);
            let chunks = cut(&cfg, &data);
            prop_assert_eq!(chunks.concat(), data);
            for (i, c) in chunks.iter().enumerate() {
                prop_assert!(c.len() <= 16384);
                if i + 1 < chunks.len() {
                    prop_assert!(c.len() >= 1024);
                }
            }
        }
    }
}
