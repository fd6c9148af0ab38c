//! Manifests: the ordered chunks of a version's data, with a prefix-sum
//! index so that a read at any offset finds its chunk in O(log n).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::names::ChunkId;

/// One chunk of a manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkRef {
    pub id: ChunkId,
    pub len: u32,
}

/// The ordered list of a version's chunks. Only the list is stored; the
/// prefix sums are rebuilt when it is decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    chunks: Vec<ChunkRef>,
    /// `starts[i]` is the offset of chunk `i`; one more entry holds the size.
    starts: Vec<u64>,
}

impl Manifest {
    /// Builds a manifest from its chunks.
    pub fn new(chunks: Vec<ChunkRef>) -> Manifest {
        let mut starts = Vec::with_capacity(chunks.len() + 1);
        let mut at = 0u64;
        starts.push(0);
        for c in &chunks {
            at += u64::from(c.len);
            starts.push(at);
        }
        Manifest { chunks, starts }
    }

    /// Concatenates manifests (multipart completion): no data is copied.
    pub fn concat<'a>(parts: impl IntoIterator<Item = &'a Manifest>) -> Manifest {
        Manifest::new(
            parts
                .into_iter()
                .flat_map(|m| m.chunks.iter().copied())
                .collect(),
        )
    }

    pub fn chunks(&self) -> &[ChunkRef] {
        &self.chunks
    }

    /// Total length of the data.
    pub fn size(&self) -> u64 {
        *self.starts.last().unwrap_or(&0)
    }

    /// Offset at which chunk `index` starts.
    pub fn chunk_start(&self, index: usize) -> u64 {
        self.starts[index]
    }

    /// Index of the chunk holding byte `offset`, or `None` past the end.
    pub fn chunk_at(&self, offset: u64) -> Option<usize> {
        if offset >= self.size() {
            return None;
        }
        // The last start <= offset.
        Some(self.starts.partition_point(|&s| s <= offset) - 1)
    }
}

impl Serialize for Manifest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.chunks.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Manifest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Manifest, D::Error> {
        Ok(Manifest::new(Vec::<ChunkRef>::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn manifest_of(lens: &[u32]) -> Manifest {
        Manifest::new(
            lens.iter()
                .enumerate()
                .map(|(i, &len)| ChunkRef {
                    id: ChunkId([i as u8; 32]),
                    len,
                })
                .collect(),
        )
    }

    proptest! {
        #[test]
        fn chunk_at_agrees_with_linear_scan(lens in prop::collection::vec(1u32..1000, 0..50), probe in 0u64..60_000) {
            let m = manifest_of(&lens);
            let expected = {
                let mut at = 0u64;
                let mut found = None;
                for (i, &l) in lens.iter().enumerate() {
                    if probe >= at && probe < at + u64::from(l) { found = Some(i); break; }
                    at += u64::from(l);
                }
                found
            };
            prop_assert_eq!(m.chunk_at(probe), expected);
            prop_assert_eq!(m.size(), lens.iter().map(|&l| u64::from(l)).sum::<u64>());
        }

        #[test]
        fn encoding_round_trips(lens in prop::collection::vec(1u32..1_000_000, 0..100)) {
            let m = manifest_of(&lens);
            let back: Manifest = crate::records::decode(&crate::records::encode(&m)).unwrap();
            prop_assert_eq!(back, m);
        }

        #[test]
        fn concat_is_sum(a in prop::collection::vec(1u32..1000, 0..20), b in prop::collection::vec(1u32..1000, 0..20)) {
            let (ma, mb) = (manifest_of(&a), manifest_of(&b));
            let c = Manifest::concat([&ma, &mb]);
            prop_assert_eq!(c.size(), ma.size() + mb.size());
            prop_assert_eq!(c.chunks().len(), a.len() + b.len());
        }
    }
}
