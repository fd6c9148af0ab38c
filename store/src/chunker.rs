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
            state: State::Start(source, *self),
        }
    }
}

/// The chunks of a stream, in order.
///
/// FastCDC never cuts before `min` bytes, so a stream shorter than that is
/// one chunk: the first `min` bytes are read into a buffer of their own,
/// and FastCDC (whose buffer is `max` bytes, a fresh mapping of memory at
/// this size) starts only when the stream is longer. Small files, most of
/// what a mount writes, never allocate it.
pub struct Chunks<R: Read> {
    state: State<R>,
}

enum State<R: Read> {
    /// Nothing read yet.
    Start(R, ChunkerConfig),
    /// Longer than `min`: FastCDC over the bytes read and the rest.
    Cutting(Box<StreamCDC<io::Chain<io::Cursor<Vec<u8>>, R>>>),
    Done,
}

/// Reads into `buf` until it is full or the source ends; the bytes read.
fn fill<R: Read>(source: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match source.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<R: Read> Iterator for Chunks<R> {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<io::Result<Vec<u8>>> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Start(mut source, cfg) => {
                    let mut head = vec![0u8; cfg.min as usize];
                    let n = match fill(&mut source, &mut head) {
                        Ok(n) => n,
                        Err(e) => return Some(Err(e)),
                    };
                    if n < head.len() {
                        head.truncate(n);
                        return (n > 0).then_some(Ok(head));
                    }
                    self.state = State::Cutting(Box::new(StreamCDC::with_level(
                        io::Cursor::new(head).chain(source),
                        cfg.min,
                        cfg.avg,
                        cfg.max,
                        Normalization::Level1,
                    )));
                }
                State::Cutting(mut inner) => {
                    let next = inner
                        .next()
                        .map(|r| r.map(|c| c.data).map_err(io::Error::from));
                    if next.is_some() {
                        self.state = State::Cutting(inner);
                    }
                    return next;
                }
                State::Done => return None,
            }
        }
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

    /// FastCDC over the whole stream, as the chunker cut before it read
    /// the first `min` bytes by itself.
    fn fastcdc_alone(cfg: &ChunkerConfig, data: &[u8]) -> Vec<Vec<u8>> {
        StreamCDC::with_level(data, cfg.min, cfg.avg, cfg.max, Normalization::Level1)
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
