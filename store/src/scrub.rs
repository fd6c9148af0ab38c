//! Scrub: reading every stored chunk back and checking it against its id.
//!
//! A chunk's id is the SHA-256 of its bytes, but reads check less: a pack
//! record's CRC-32C (a chunk kept in the metadata database is hashed in
//! full, being small). Damage the CRC cannot see (a record rewritten whole,
//! or a collision) and damage nobody reads (an old version's chunk) are
//! what a scrub is for: it walks the chunk index, reads each chunk where
//! its record says it is, hashes it, and compares.
//!
//! A chunk that fails is recorded under `keys::damaged` ([`DamagedRecord`]):
//! from then on no read serves it, whatever its CRC says, and
//! [`Store::damaged_chunks`] counts it. The record goes when the chunk is
//! healed: the next write that brings the same bytes (an upload, a mount
//! write, any ingest that finds the chunk id already indexed) stores them
//! anew and points the chunk's index record at them, and the old place is
//! left to compaction as garbage (`refs::index_chunks`). Every object that
//! used the chunk reads again, since their manifests name the id, not the
//! place.
//!
//! The pass reads at a bounded rate, so a background scrub leaves the disk
//! to foreground work, and stops between two chunks when asked. Finding
//! which objects use a damaged chunk takes a scan of every version and
//! part, done only when something is damaged.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::meta::keys;
use crate::names::ChunkId;
use crate::records::{ChunkRecord, Counters, DamagedRecord, PartRecord, VersionRecord, decode};
use crate::{Inner, Store, now_ns, version_id};

/// How far a scrub has come, for a progress display.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScrubProgress {
    pub chunks_done: u64,
    /// Chunks indexed when the scrub began (the store may change as it
    /// runs, so `chunks_done` can end a little off).
    pub chunks_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// What a scrub found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScrubReport {
    pub chunks_checked: u64,
    pub bytes_checked: u64,
    /// Whether the pass was stopped before its end.
    pub stopped: bool,
    /// Every chunk found damaged in this pass (recorded now or before), in
    /// id order, with what uses it.
    pub damaged: Vec<DamagedChunk>,
    /// Chunks recorded damaged that verified again (their bytes were put
    /// back in place), whose records the pass cleared.
    pub cleared: u64,
}

impl ScrubReport {
    /// Whether every chunk checked verified.
    pub fn is_clean(&self) -> bool {
        self.damaged.is_empty()
    }
}

/// A chunk whose bytes do not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedChunk {
    pub id: ChunkId,
    pub len: u32,
    /// What is wrong with it.
    pub detail: String,
    /// Every version and multipart part whose data includes it.
    pub users: Vec<ChunkUser>,
}

/// Something whose data includes a chunk.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChunkUser {
    /// A version of an object. `hidden`: deleted or replaced, kept only for
    /// a snapshot that still sees it.
    Version {
        bucket: String,
        key: String,
        version_id: String,
        hidden: bool,
    },
    /// A part of a multipart upload in progress.
    Part {
        bucket: String,
        key: String,
        upload_id: String,
        part_number: u32,
    },
}

/// What reading one chunk back found.
enum Verdict {
    Sound,
    Damaged(String),
    /// Freed while it was being read.
    Gone,
}

/// Reads beyond the allowed rate may be made up for up to this long: a
/// scrub slowed down by other work catches up at most this much at full
/// speed, instead of running unthrottled for as long as it was held up.
const CATCH_UP: Duration = Duration::from_secs(1);

/// The longest single sleep of a throttled scrub: a stop is seen within it.
const NAP: Duration = Duration::from_millis(50);

impl Store {
    /// Reads every chunk back and checks it against its id; records the
    /// damaged ones (which then fail every read until healed) and clears
    /// the records of chunks that verify again.
    ///
    /// Reads at most `max_bytes_per_sec` (0: no limit). `progress` is
    /// called after each chunk. `stop` is checked between chunks and while
    /// waiting for the rate: once it is set the pass ends promptly, with
    /// what it found so far, and nothing half done. Only one scrub runs at
    /// a time; a second waits for the first.
    pub fn scrub(
        &self,
        max_bytes_per_sec: u64,
        mut progress: Option<&mut dyn FnMut(ScrubProgress)>,
        stop: &AtomicBool,
    ) -> Result<ScrubReport> {
        let inner = &self.inner;
        let _one = inner.scrubbing.lock();
        let counters: Counters = inner.meta.get_rec(keys::COUNTERS)?.unwrap_or_default();
        let mut at = ScrubProgress {
            chunks_total: counters.chunks,
            bytes_total: counters.stored_bytes,
            ..ScrubProgress::default()
        };
        let mut report = ScrubReport::default();
        let mut damaged: Vec<(ChunkId, u32, String)> = Vec::new();
        let mut pace = Pace::new(max_bytes_per_sec);
        for entry in inner.meta.scan(keys::CHUNKS) {
            if stop.load(Ordering::Relaxed) {
                report.stopped = true;
                break;
            }
            let (k, v) = entry?;
            let id = ChunkId(
                k[keys::CHUNKS.len()..]
                    .try_into()
                    .map_err(|_| Error::BadRecord("malformed chunk key".into()))?,
            );
            let rec: ChunkRecord = decode(&v)?;
            match inner.check_chunk(&id, rec.clone())? {
                Verdict::Gone => continue,
                Verdict::Sound => {
                    if inner.damage.load(Ordering::Acquire) && inner.clear_damage(&id)? {
                        report.cleared += 1;
                    }
                }
                Verdict::Damaged(detail) => damaged.push((id, rec.len, detail)),
            }
            report.chunks_checked += 1;
            report.bytes_checked += u64::from(rec.len);
            at.chunks_done = report.chunks_checked;
            at.bytes_done = report.bytes_checked;
            if let Some(f) = progress.as_mut() {
                f(at);
            }
            if pace.wait(report.bytes_checked, stop) {
                report.stopped = true;
                break;
            }
        }
        if damaged.is_empty() && !report.stopped {
            // A whole pass found nothing: a record left over (of a chunk
            // freed or healed since) would only cost reads their look-up.
            if inner.meta.scan(keys::DAMAGED).next().is_none() {
                inner.damage.store(false, Ordering::Release);
            }
            return Ok(report);
        }
        let ids: HashSet<ChunkId> = damaged.iter().map(|(id, _, _)| *id).collect();
        let mut users = self.users_of(&ids)?;
        report.damaged = damaged
            .into_iter()
            .map(|(id, len, detail)| {
                let mut users = users.remove(&id).unwrap_or_default();
                users.sort();
                DamagedChunk {
                    id,
                    len,
                    detail,
                    users,
                }
            })
            .collect();
        Ok(report)
    }

    /// How many chunks are recorded damaged: found so by a scrub and not
    /// healed since.
    pub fn damaged_chunks(&self) -> Result<u64> {
        let mut n = 0;
        for entry in self.inner.meta.scan(keys::DAMAGED) {
            entry?;
            n += 1;
        }
        Ok(n)
    }

    /// Every version and multipart part whose manifest names one of `ids`.
    /// A scan of all of them.
    fn users_of(&self, ids: &HashSet<ChunkId>) -> Result<HashMap<ChunkId, Vec<ChunkUser>>> {
        let meta = &self.inner.meta;
        let mut users: HashMap<ChunkId, Vec<ChunkUser>> = HashMap::new();
        let named = |manifest: &crate::manifest::Manifest| {
            let mut found: Vec<ChunkId> = manifest
                .chunks()
                .iter()
                .map(|c| c.id)
                .filter(|id| ids.contains(id))
                .collect();
            found.sort_unstable();
            found.dedup();
            found
        };
        let malformed = |what: &str| Error::BadRecord(format!("malformed {what} key"));
        for entry in meta.scan(b"v/") {
            let (k, v) = entry?;
            let rec: VersionRecord = decode(&v)?;
            let found = named(&rec.manifest);
            if found.is_empty() {
                continue;
            }
            let (bucket, rest) = split_nul(&k[2..]).ok_or_else(|| malformed("version"))?;
            let (key, _) = keys::split_version(rest).ok_or_else(|| malformed("version"))?;
            for id in found {
                users.entry(id).or_default().push(ChunkUser::Version {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                    version_id: version_id(rec.seq, rec.null_id),
                    hidden: !rec.visible(),
                });
            }
        }
        // Parts name their upload only; the upload records name bucket
        // and key (bucket NUL key NUL upload id).
        let mut uploads: HashMap<String, (String, String)> = HashMap::new();
        let mut parts: Vec<(String, u32, Vec<ChunkId>)> = Vec::new();
        for entry in meta.scan(keys::PARTS) {
            let (k, v) = entry?;
            let rec: PartRecord = decode(&v)?;
            let found = named(&rec.manifest);
            if found.is_empty() {
                continue;
            }
            let body = &k[keys::PARTS.len()..];
            if body.len() < 5 || body[body.len() - 5] != 0 {
                return Err(malformed("part"));
            }
            let (upload, number) = body.split_at(body.len() - 5);
            let upload = std::str::from_utf8(upload).map_err(|_| malformed("part"))?;
            let number = u32::from_be_bytes(number[1..].try_into().expect("4 bytes"));
            uploads.insert(upload.to_owned(), (String::new(), String::new()));
            parts.push((upload.to_owned(), number, found));
        }
        if !parts.is_empty() {
            for entry in meta.scan(b"u/") {
                let (k, _) = entry?;
                let (bucket, rest) = split_nul(&k[2..]).ok_or_else(|| malformed("upload"))?;
                let nul = rest
                    .iter()
                    .rposition(|&b| b == 0)
                    .ok_or_else(|| malformed("upload"))?;
                let key = std::str::from_utf8(&rest[..nul]).map_err(|_| malformed("upload"))?;
                let id = std::str::from_utf8(&rest[nul + 1..]).map_err(|_| malformed("upload"))?;
                if let Some(names) = uploads.get_mut(id) {
                    *names = (bucket.to_owned(), key.to_owned());
                }
            }
        }
        for (upload_id, part_number, found) in parts {
            let (bucket, key) = uploads.get(&upload_id).cloned().unwrap_or_default();
            for id in found {
                users.entry(id).or_default().push(ChunkUser::Part {
                    bucket: bucket.clone(),
                    key: key.clone(),
                    upload_id: upload_id.clone(),
                    part_number,
                });
            }
        }
        Ok(users)
    }
}

/// Splits `bucket NUL rest` into the bucket and the rest.
fn split_nul(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let nul = bytes.iter().position(|&b| b == 0)?;
    Some((std::str::from_utf8(&bytes[..nul]).ok()?, &bytes[nul + 1..]))
}

impl Inner {
    /// Whether a chunk is recorded damaged. No look-up while none may be.
    pub(crate) fn is_damaged(&self, id: &ChunkId) -> Result<bool> {
        if !self.damage.load(Ordering::Acquire) {
            return Ok(false);
        }
        Ok(self.meta.get(&keys::damaged(id))?.is_some())
    }

    /// Reads a chunk back and hashes it. Damage is recorded only if the
    /// chunk's record still names the place that was read (checked under
    /// the commit lock): a chunk that compaction moved or a write healed
    /// meanwhile is read again at its new place.
    fn check_chunk(&self, id: &ChunkId, mut rec: ChunkRecord) -> Result<Verdict> {
        for _ in 0..3 {
            let detail = match self.read_located(id, &rec) {
                Ok(data) if ChunkId::of(&data) == *id => return Ok(Verdict::Sound),
                Ok(_) => "its bytes do not hash to its id".to_owned(),
                Err(e @ (Error::Db(_) | Error::BadRecord(_))) => return Err(e),
                Err(Error::Corrupt { detail, .. }) => detail,
                Err(e) => e.to_string(),
            };
            let mut txn = self.meta.begin();
            let now: Option<ChunkRecord> = txn.get_rec(&keys::chunk(id))?;
            match now {
                None => return Ok(Verdict::Gone),
                Some(now) if now.pack == rec.pack && now.offset == rec.offset => {
                    // Set first: a read that starts once the record is in
                    // must look it up.
                    self.damage.store(true, Ordering::Release);
                    txn.put_rec(
                        keys::damaged(id),
                        &DamagedRecord {
                            found_ns: now_ns(),
                            pack: rec.pack,
                            offset: rec.offset,
                            detail: detail.clone(),
                        },
                    );
                    // Not logged here: the report says it, and the
                    // caller knows whether a log or a listing should.
                    txn.commit()?;
                    return Ok(Verdict::Damaged(detail));
                }
                Some(now) => rec = now,
            }
        }
        // Moved on every try: a store this busy is scrubbed again later.
        Ok(Verdict::Sound)
    }

    /// Clears the damage record of a chunk that verified, if it has one.
    fn clear_damage(&self, id: &ChunkId) -> Result<bool> {
        let key = keys::damaged(id);
        if self.meta.get(&key)?.is_none() {
            return Ok(false);
        }
        let mut txn = self.meta.begin();
        txn.delete(key);
        txn.commit()?;
        tracing::info!(chunk = %id, "a chunk recorded damaged verifies again");
        Ok(true)
    }
}

/// Keeps a scrub's reads under a rate.
struct Pace {
    /// Bytes per second; 0: no limit.
    rate: u64,
    /// When the bytes counted from `base` began.
    origin: Instant,
    base: u64,
}

impl Pace {
    fn new(rate: u64) -> Pace {
        Pace {
            rate,
            origin: Instant::now(),
            base: 0,
        }
    }

    /// Waits until `done` bytes are within the rate. True if `stop` was
    /// set meanwhile.
    fn wait(&mut self, done: u64, stop: &AtomicBool) -> bool {
        loop {
            let elapsed = self.origin.elapsed();
            match delay(self.rate, done - self.base, elapsed) {
                Delay::Now => return false,
                Delay::Behind => {
                    // Held up for longer than it may catch up on: count
                    // afresh from here.
                    self.origin = Instant::now();
                    self.base = done;
                    return false;
                }
                Delay::Wait(d) => {
                    if stop.load(Ordering::Relaxed) {
                        return true;
                    }
                    std::thread::sleep(d.min(NAP));
                }
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Delay {
    /// Within the rate.
    Now,
    /// Behind the rate by more than [`CATCH_UP`].
    Behind,
    /// Ahead of the rate by this long.
    Wait(Duration),
}

/// Where `bytes` read in `elapsed` stand against `rate` bytes a second.
fn delay(rate: u64, bytes: u64, elapsed: Duration) -> Delay {
    if rate == 0 {
        return Delay::Now;
    }
    let due = Duration::from_secs_f64(bytes as f64 / rate as f64);
    if due > elapsed {
        Delay::Wait(due - elapsed)
    } else if elapsed - due > CATCH_UP {
        Delay::Behind
    } else {
        Delay::Now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pace_holds_reads_to_the_rate() {
        let ms = Duration::from_millis;
        assert_eq!(delay(0, u64::MAX, Duration::ZERO), Delay::Now);
        // 1 MiB at 1 MiB/s is due after a second.
        assert_eq!(delay(1 << 20, 1 << 20, ms(250)), Delay::Wait(ms(750)));
        assert_eq!(delay(1 << 20, 1 << 20, ms(1000)), Delay::Now);
        // Up to CATCH_UP behind, reads go on at full speed to catch up.
        assert_eq!(delay(1 << 20, 1 << 20, ms(2000)), Delay::Now);
        assert_eq!(delay(1 << 20, 1 << 20, ms(2001)), Delay::Behind);
        assert_eq!(delay(1000, 10, Duration::ZERO), Delay::Wait(ms(10)));
    }

    #[test]
    fn a_stop_cuts_a_wait_short() {
        let mut pace = Pace::new(1);
        let stop = AtomicBool::new(true);
        // A thousand seconds due; the stop is seen before any sleep.
        assert!(pace.wait(1000, &stop));
        assert!(!Pace::new(0).wait(1000, &AtomicBool::new(false)));
    }
}
