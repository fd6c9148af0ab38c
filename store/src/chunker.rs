//! Content-defined chunking with FastCDC (the 2020 algorithm of the
//! `fastcdc` crate, normalization level 1).
//!
//! Boundaries depend only on the bytes around them, so an insert near the
//! start of a file moves one or two boundaries, not all of them, and the
//! chunks after it keep their ids. The reader is consumed through a window
//! of a few times `max` bytes: memory stays bounded whatever the stream's
//! length.

use std::io::{self, Read};

use fastcdc::v2020::{
    AVERAGE_MAX, AVERAGE_MIN, MASKS, MAXIMUM_MAX, MAXIMUM_MIN, MINIMUM_MAX, MINIMUM_MIN,
    Normalization, cut, logarithm2,
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
        let bits = logarithm2(self.avg);
        let level = Normalization::Level1.bits();
        Chunks {
            source,
            cfg: *self,
            mask_s: MASKS[(bits + level) as usize],
            mask_l: MASKS[(bits - level) as usize],
            window: Vec::new(),
            start: 0,
            filled: 0,
            eof: false,
        }
    }
}

/// Largest window, in multiples of `max`: each refill then moves at most
/// `max` bytes (the uncut tail) to the front for every `WINDOW - 1` times
/// `max` read.
const WINDOW: usize = 4;

/// The chunks of a stream, in order.
///
/// The bytes are read into a window, and each chunk is cut where FastCDC
/// cuts the window's next `max` bytes (or the rest of the stream) and
/// copied out of it: every byte is copied once on its way from the source
/// to its chunk. (The `fastcdc` crate's `StreamCDC` cuts the same chunks,
/// and copies the rest of its buffer forward after each one.) The window
/// starts at `min` bytes and doubles only while the stream goes on, so a
/// small file, most of what a mount writes, never maps a large buffer.
pub struct Chunks<R: Read> {
    source: R,
    cfg: ChunkerConfig,
    mask_s: u64,
    mask_l: u64,
    window: Vec<u8>,
    /// Where the next chunk starts in the window.
    start: usize,
    /// Bytes of the window read from the source.
    filled: usize,
    /// The source has ended (or failed: it is not read again).
    eof: bool,
}

impl<R: Read> Chunks<R> {
    /// Reads until the window holds `max` uncut bytes or the source ends,
    /// first moving the uncut bytes to the front or growing the window
    /// when it is full.
    fn fill(&mut self) -> io::Result<()> {
        let max = self.cfg.max as usize;
        while !self.eof && self.filled - self.start < max {
            if self.filled == self.window.len() {
                let largest = WINDOW * max;
                if self.window.len() < largest {
                    let grown = (self.window.len() * 2)
                        .max(self.cfg.min as usize)
                        .min(largest);
                    self.window.resize(grown, 0);
                } else {
                    self.window.copy_within(self.start..self.filled, 0);
                    self.filled -= self.start;
                    self.start = 0;
                }
            }
            match self.source.read(&mut self.window[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    self.filled = self.start;
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

impl<R: Read> Iterator for Chunks<R> {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<io::Result<Vec<u8>>> {
        if let Err(e) = self.fill() {
            return Some(Err(e));
        }
        let cfg = self.cfg;
        let (_, len) = cut(
            &self.window[self.start..self.filled],
            cfg.min as usize,
            cfg.avg as usize,
            cfg.max as usize,
            self.mask_s,
            self.mask_l,
            self.mask_s << 1,
            self.mask_l << 1,
        );
        if len == 0 {
            return None;
        }
        let chunk = self.window[self.start..self.start + len].to_vec();
        self.start += len;
        Some(Ok(chunk))
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

    /// A source that hands out at most `step` bytes a read.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.step).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// The `fastcdc` crate's own streaming chunker, which the chunker used
    /// before it kept a window of its own.
    fn fastcdc_alone(cfg: &ChunkerConfig, data: &[u8]) -> Vec<Vec<u8>> {
        fastcdc::v2020::StreamCDC::with_level(
            data,
            cfg.min,
            cfg.avg,
            cfg.max,
            Normalization::Level1,
        )
        .map(|c| c.unwrap().data)
        .collect()
    }

    #[test]
    fn streams_around_the_minimum_are_cut_as_fastcdc_cuts_them() {
        let cfg = ChunkerConfig::default();
        let min = cfg.min as usize;
        for len in [0, 1, min - 1, min, min + 1, 2 * min, 300_000] {
            let data = seeded(len, len as u64);
            let expected = fastcdc_alone(&cfg, &data);
            assert_eq!(cut(&cfg, &data), expected, "{len} bytes");
            let trickled: Vec<Vec<u8>> = cfg
                .chunks(Trickle {
                    data: &data,
                    step: 1000,
                })
                .map(|c| c.unwrap())
                .collect();
            assert_eq!(trickled, expected, "{len} bytes, 1,000 a read");
        }
    }

    #[test]
    fn a_read_error_before_the_minimum_is_the_only_item() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk gone"))
            }
        }
        let mut chunks = ChunkerConfig::default().chunks(Failing);
        assert_eq!(chunks.next().unwrap().unwrap_err().to_string(), "disk gone");
        assert!(chunks.next().is_none());
    }

    #[test]
    fn a_read_error_past_the_first_chunks_ends_the_stream() {
        /// Hands out `data`, then fails.
        struct FailingAfter<'a>(&'a [u8]);
        impl Read for FailingAfter<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other("disk gone"));
                }
                let n = buf.len().min(self.0.len()).min(70_000);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let data = seeded(3 << 20, 5);
        let expected = fastcdc_alone(&ChunkerConfig::default(), &data);
        let mut good = 0;
        let mut chunks = ChunkerConfig::default().chunks(FailingAfter(&data));
        let err = loop {
            match chunks.next().expect("an error before the end") {
                Ok(c) => {
                    assert_eq!(c, expected[good], "chunk {good}");
                    good += 1;
                }
                Err(e) => break e,
            }
        };
        assert_eq!(err.to_string(), "disk gone");
        assert!(good > 0 && good < expected.len(), "{good} chunks before it");
        assert!(chunks.next().is_none(), "nothing after the error");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn chunks_cover_the_input_within_bounds(len in 0usize..300_000, seed in any::<u64>()) {
            let cfg = ChunkerConfig { min: 1024, avg: 4096, max: 16384 };
            let data = seeded(len, seed);
            let chunks = cut(&cfg, &data);
            prop_assert_eq!(chunks.concat(), data.clone());
            prop_assert_eq!(&chunks, &fastcdc_alone(&cfg, &data));
            for (i, c) in chunks.iter().enumerate() {
                prop_assert!(c.len() <= 16384);
                if i + 1 < chunks.len() {
                    prop_assert!(c.len() >= 1024);
                }
            }
        }
    }
}
