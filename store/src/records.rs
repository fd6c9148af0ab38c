//! The records kept in the metadata engine, and their encoding.
//!
//! Every record is a serde struct encoded with bincode behind a one-byte
//! format version, so that a later release can recognise and migrate old
//! records instead of misreading them.
//!
//! Format 2 added `atime_ns` and `ctime_ns` to [`PosixAttrs`]; a format-1
//! record is still read, its attributes without them. Format 3 made a
//! [`ChunkRecord`]'s MD5 optional (the mount's writes compute none) and
//! added its CRC64NVME; a chunk record of format 1 or 2 is read with its
//! MD5 and no CRC.

use std::cell::Cell;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::packs::Location;

/// Format version written in front of every record.
pub const FORMAT: u8 = 3;

/// The earliest format [`decode`] still reads: [`PosixAttrs`] without
/// `atime_ns` and `ctime_ns`, [`ChunkRecord`] as in format 2.
const FORMAT_1: u8 = 1;

/// The earlier format [`decode`] still reads: [`ChunkRecord`] with an MD5
/// always and no CRC.
const FORMAT_2: u8 = 2;

thread_local! {
    /// The format of the record this thread is decoding, which
    /// [`PosixAttrs`]' deserializer follows (bincode's fields are
    /// positional, so a missing field cannot default).
    static DECODING: Cell<u8> = const { Cell::new(FORMAT) };
}

/// Encodes a record with its format byte.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![FORMAT];
    bincode::serialize_into(&mut out, value).expect("records always serialize");
    out
}

/// Decodes a record written by [`encode`], in this format or formats 1
/// and 2.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let (format, rest) = match bytes.split_first() {
        Some((&v, rest)) if v == FORMAT || v == FORMAT_1 || v == FORMAT_2 => (v, rest),
        Some((v, _)) => return Err(Error::BadRecord(format!("unknown record format {v}"))),
        None => return Err(Error::BadRecord("empty record".into())),
    };
    let outer = DECODING.replace(format);
    let decoded = bincode::deserialize(rest).map_err(|e| Error::BadRecord(e.to_string()));
    DECODING.set(outer);
    decoded
}

/// S3 versioning state of a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Versioning {
    /// Never versioned: a write replaces the key's only (null) version.
    #[default]
    Unversioned,
    /// Every write creates a new version with its own id.
    Enabled,
    /// Writes replace the null version; older ids stay.
    Suspended,
}

/// A bucket.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BucketRecord {
    /// Creation time, ns since the Unix epoch.
    pub created_ns: i64,
    pub versioning: Versioning,
    /// Sequence number the next commit in this bucket receives.
    pub next_seq: u64,
    /// Bucket-level settings owned by the layers above (owner, ACL, tags,
    /// CORS, lifecycle): opaque to the store.
    pub settings: BTreeMap<String, String>,
}

/// POSIX attributes carried by a version. All optional: an object written
/// over S3 carries none, and readers fill in defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PosixAttrs {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Modification time, ns since the Unix epoch.
    pub mtime_ns: Option<i64>,
    /// Target of a symbolic link; the object's data is then empty.
    pub symlink: Option<Vec<u8>>,
    pub xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Access time, ns since the Unix epoch (format 2).
    pub atime_ns: Option<i64>,
    /// Status change time, ns since the Unix epoch (format 2).
    pub ctime_ns: Option<i64>,
}

/// [`PosixAttrs`] as format 1 wrote them.
#[derive(Deserialize)]
struct PosixAttrsV1 {
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
    mtime_ns: Option<i64>,
    symlink: Option<Vec<u8>>,
    xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// [`PosixAttrs`] as formats 2 and 3 write them.
#[derive(Deserialize)]
struct PosixAttrsV2 {
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
    mtime_ns: Option<i64>,
    symlink: Option<Vec<u8>>,
    xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
    atime_ns: Option<i64>,
    ctime_ns: Option<i64>,
}

impl<'de> Deserialize<'de> for PosixAttrs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if DECODING.get() == FORMAT_1 {
            let a = PosixAttrsV1::deserialize(d)?;
            return Ok(PosixAttrs {
                mode: a.mode,
                uid: a.uid,
                gid: a.gid,
                mtime_ns: a.mtime_ns,
                symlink: a.symlink,
                xattrs: a.xattrs,
                atime_ns: None,
                ctime_ns: None,
            });
        }
        let a = PosixAttrsV2::deserialize(d)?;
        Ok(PosixAttrs {
            mode: a.mode,
            uid: a.uid,
            gid: a.gid,
            mtime_ns: a.mtime_ns,
            symlink: a.symlink,
            xattrs: a.xattrs,
            atime_ns: a.atime_ns,
            ctime_ns: a.ctime_ns,
        })
    }
}

/// What kind of entry a version record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VersionKind {
    /// An object with data.
    Object,
    /// An S3 delete marker.
    DeleteMarker,
}

/// Descriptive metadata of an object version, as written by the client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub content_type: Option<String>,
    /// User metadata (`x-amz-meta-*`), names lowercase without the prefix.
    pub user: BTreeMap<String, String>,
    /// Other system metadata the protocol layer keeps with the version
    /// (checksums, cache-control, content-encoding, tags…): opaque here.
    pub extra: BTreeMap<String, String>,
    pub attrs: PosixAttrs,
}

/// One version of a key (or a delete marker / tombstone).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VersionRecord {
    /// The bucket commit sequence that created it.
    pub seq: u64,
    /// Whether its version id is `null` (written while unversioned or
    /// suspended).
    pub null_id: bool,
    /// The commit that took it out of S3's sight (superseded in an
    /// unversioned bucket, deleted, or deleted by version id). A hidden
    /// record is kept only while a snapshot taken before that commit still
    /// sees it.
    pub hidden_at: Option<u64>,
    pub kind: VersionKind,
    /// Commit time, ns since the Unix epoch (S3's LastModified).
    pub modified_ns: i64,
    pub size: u64,
    pub etag: String,
    pub meta: ObjectMeta,
    pub manifest: Manifest,
    /// Sizes of the parts of a multipart upload, in order; empty for an
    /// object written in one piece.
    pub part_sizes: Vec<u64>,
}

impl VersionRecord {
    /// Whether S3 shows it.
    pub fn visible(&self) -> bool {
        self.hidden_at.is_none()
    }

    /// Whether it existed, not yet hidden, after commit `seq`.
    pub fn live_at(&self, seq: u64) -> bool {
        self.seq <= seq && self.hidden_at.is_none_or(|h| h > seq)
    }
}

/// The view of a key as of commit `seq`: its newest record live then.
/// `records` are newest first.
pub fn view_at(records: &[VersionRecord], seq: u64) -> Option<&VersionRecord> {
    records.iter().find(|r| r.live_at(seq))
}

/// The current view's entry for a key: enough to list it without reading
/// its version record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CurrentRecord {
    pub seq: u64,
    pub null_id: bool,
    pub modified_ns: i64,
    pub size: u64,
    pub etag: String,
    /// A copy of the version's metadata, so that a listing (or `ls -l`)
    /// needs no second read per key.
    pub meta: ObjectMeta,
}

/// The `pack` of a chunk whose bytes are kept in the metadata database
/// under `keys::chunk_data`, not in a pack (its `offset` is 0).
pub const META_PACK: u64 = u64::MAX;

/// Where a chunk lives and how many manifests reference it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChunkRecord {
    /// The pack holding it, or [`META_PACK`].
    pub pack: u64,
    /// Offset of the chunk's record in the pack.
    pub offset: u64,
    /// Length of the chunk's data.
    pub len: u32,
    /// References from version records and multipart parts.
    pub refs: u64,
    /// MD5 of the chunk's bytes, when the write that stored it computed
    /// one: an S3 upload does (with its stream's MD5, in the same pass),
    /// the mount does not. Nothing reads it any more.
    pub md5: Option<[u8; 16]>,
    /// CRC64NVME of the chunk's bytes (format 3), from which a version's
    /// full-object checksum is combined; `None` for a chunk stored before.
    pub crc64nvme: Option<u64>,
}

/// [`ChunkRecord`] as formats 1 and 2 wrote it.
#[derive(Deserialize)]
struct ChunkRecordV2 {
    pack: u64,
    offset: u64,
    len: u32,
    refs: u64,
    md5: [u8; 16],
}

/// [`ChunkRecord`] as this format writes it.
#[derive(Deserialize)]
struct ChunkRecordV3 {
    pack: u64,
    offset: u64,
    len: u32,
    refs: u64,
    md5: Option<[u8; 16]>,
    crc64nvme: Option<u64>,
}

impl<'de> Deserialize<'de> for ChunkRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if DECODING.get() < FORMAT {
            let r = ChunkRecordV2::deserialize(d)?;
            return Ok(ChunkRecord {
                pack: r.pack,
                offset: r.offset,
                len: r.len,
                refs: r.refs,
                md5: Some(r.md5),
                crc64nvme: None,
            });
        }
        let r = ChunkRecordV3::deserialize(d)?;
        Ok(ChunkRecord {
            pack: r.pack,
            offset: r.offset,
            len: r.len,
            refs: r.refs,
            md5: r.md5,
            crc64nvme: r.crc64nvme,
        })
    }
}

impl ChunkRecord {
    /// Whether its bytes are kept in the metadata database.
    pub fn in_meta(&self) -> bool {
        self.pack == META_PACK
    }

    /// Where its pack record is; `None` for a chunk kept in the metadata
    /// database.
    pub fn location(&self) -> Option<Location> {
        (!self.in_meta()).then_some(Location {
            pack: self.pack,
            offset: self.offset,
            len: self.len,
        })
    }
}

/// A chunk a scrub found damaged, kept under `keys::damaged` until a write
/// of the same bytes heals it (or GC frees it).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DamagedRecord {
    /// When the scrub found it, ns since the Unix epoch.
    pub found_ns: i64,
    /// Where the damaged bytes are: the pack (or [`META_PACK`]) and offset
    /// the chunk's record named when they were read.
    pub pack: u64,
    pub offset: u64,
    /// What was wrong with them.
    pub detail: String,
}

/// Live contents of a pack, kept up to date by every commit and GC.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PackRecord {
    pub live_bytes: u64,
    pub live_chunks: u64,
}

/// A named snapshot of a bucket.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotRecord {
    /// It sees every commit with a sequence at or below this one.
    pub seq: u64,
    pub created_ns: i64,
}

/// An ongoing multipart upload.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UploadRecord {
    pub created_ns: i64,
    pub meta: ObjectMeta,
}

/// A completed multipart upload, remembered for a while (see
/// `multipart::COMPLETED_MEMORY_NS`) so that a repeated completion of it —
/// an SDK retrying — gets the first one's answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompletedUploadRecord {
    pub bucket: String,
    /// When the bucket was created: a bucket deleted and made again under
    /// the same name is another bucket, which never saw this upload.
    pub bucket_created_ns: i64,
    pub key: String,
    pub completed_ns: i64,
    /// The version the completion committed, as it was then.
    pub seq: u64,
    pub null_id: bool,
    pub size: u64,
    pub etag: String,
    pub meta: ObjectMeta,
    pub part_sizes: Vec<u64>,
}

/// One uploaded part.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartRecord {
    pub md5: [u8; 16],
    pub size: u64,
    pub modified_ns: i64,
    pub manifest: Manifest,
    /// What the protocol layer keeps with a part (its checksum): opaque
    /// here.
    pub extra: BTreeMap<String, String>,
}

/// Store-wide counters.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Counters {
    /// Bytes of every stored version and part, as clients wrote them.
    pub logical_bytes: u64,
    /// Bytes of distinct live chunks.
    pub stored_bytes: u64,
    pub chunks: u64,
    pub versions: u64,
    /// Id the next reference-count job gets.
    pub next_job: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_format_check() {
        let rec = SnapshotRecord {
            seq: 42,
            created_ns: 7,
        };
        let bytes = encode(&rec);
        assert_eq!(bytes[0], FORMAT);
        let back: SnapshotRecord = decode(&bytes).unwrap();
        assert_eq!(back.seq, 42);
        let mut wrong = bytes.clone();
        wrong[0] = 99;
        assert!(decode::<SnapshotRecord>(&wrong).is_err());
        assert!(decode::<SnapshotRecord>(&[]).is_err());
        assert!(decode::<SnapshotRecord>(&bytes[..3]).is_err());
    }

    /// What format 1 wrote for an upload record: its attributes had no
    /// access or change time.
    #[derive(Serialize)]
    struct UploadRecordV1 {
        created_ns: i64,
        meta: ObjectMetaV1,
    }

    /// Format 1's attribute fields, in order: mode, uid, gid, mtime,
    /// symlink, xattrs.
    type PosixAttrsV1Fields = (
        Option<u32>,
        Option<u32>,
        Option<u32>,
        Option<i64>,
        Option<Vec<u8>>,
        BTreeMap<Vec<u8>, Vec<u8>>,
    );

    #[derive(Serialize)]
    struct ObjectMetaV1 {
        content_type: Option<String>,
        user: BTreeMap<String, String>,
        extra: BTreeMap<String, String>,
        attrs: PosixAttrsV1Fields,
    }

    #[test]
    fn format_1_records_are_read_without_the_new_times() {
        let mut xattrs = BTreeMap::new();
        xattrs.insert(b"user.a".to_vec(), b"1".to_vec());
        let v1 = UploadRecordV1 {
            created_ns: 5,
            meta: ObjectMetaV1 {
                content_type: Some("text/plain".into()),
                user: BTreeMap::new(),
                extra: BTreeMap::new(),
                attrs: (
                    Some(0o100644),
                    Some(1),
                    Some(2),
                    Some(3),
                    None,
                    xattrs.clone(),
                ),
            },
        };
        let mut bytes = vec![FORMAT_1];
        bincode::serialize_into(&mut bytes, &v1).unwrap();
        let back: UploadRecord = decode(&bytes).unwrap();
        assert_eq!(back.created_ns, 5);
        assert_eq!(back.meta.content_type.as_deref(), Some("text/plain"));
        let a = &back.meta.attrs;
        assert_eq!(
            (a.mode, a.uid, a.gid, a.mtime_ns),
            (Some(0o100644), Some(1), Some(2), Some(3))
        );
        assert_eq!((a.atime_ns, a.ctime_ns), (None, None));
        assert_eq!(a.xattrs, xattrs);

        // Re-encoded, it is a record of this format with the new times.
        let mut rec = back;
        rec.meta.attrs.ctime_ns = Some(9);
        rec.meta.attrs.atime_ns = Some(8);
        let bytes = encode(&rec);
        assert_eq!(bytes[0], FORMAT);
        let again: UploadRecord = decode(&bytes).unwrap();
        assert_eq!(again.meta.attrs, rec.meta.attrs);
        // Decoding a format-1 record leaves this thread reading format 3.
        assert_eq!(DECODING.get(), FORMAT);
    }

    /// What formats 1 and 2 wrote for a chunk: an MD5 always, no CRC.
    #[derive(Serialize)]
    struct ChunkRecordV2Out {
        pack: u64,
        offset: u64,
        len: u32,
        refs: u64,
        md5: [u8; 16],
    }

    #[test]
    fn format_2_chunk_records_are_read_with_their_md5_and_no_crc() {
        for format in [FORMAT_1, FORMAT_2] {
            let mut bytes = vec![format];
            let old = ChunkRecordV2Out {
                pack: 3,
                offset: 4096,
                len: 65_536,
                refs: 2,
                md5: [9; 16],
            };
            bincode::serialize_into(&mut bytes, &old).unwrap();
            let back: ChunkRecord = decode(&bytes).unwrap();
            assert_eq!(
                back,
                ChunkRecord {
                    pack: 3,
                    offset: 4096,
                    len: 65_536,
                    refs: 2,
                    md5: Some([9; 16]),
                    crc64nvme: None,
                }
            );
        }
        // This format: the MD5 may be missing, the CRC is kept.
        let rec = ChunkRecord {
            pack: u64::MAX,
            offset: 0,
            len: 10,
            refs: 1,
            md5: None,
            crc64nvme: Some(0xAE8B_1486_0A79_9888),
        };
        let bytes = encode(&rec);
        assert_eq!(bytes[0], FORMAT);
        assert_eq!(decode::<ChunkRecord>(&bytes).unwrap(), rec);
    }
}
