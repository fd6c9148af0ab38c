//! Uploads into the store with no thread held while the client sends.
//!
//! The connection's task takes the request body's frames as they come,
//! decodes them (the `aws-chunked` framing and its chunk signatures) and
//! gathers them into batches of [`UPLOAD_BATCH`] bytes. Each batch goes to
//! two short blocking jobs side by side: one cuts, hashes and stores the
//! chunks the batch completes ([`IngestWriter`]), the other computes the
//! MD5s of the chunks the batch before it cut ([`Md5Stage`]) and the
//! hashes the request promised (`x-amz-content-sha256`, `Content-MD5`, an
//! `x-amz-checksum-*`). While the jobs run the task gathers the next
//! batch; while it waits for the client, no thread is held. An upload
//! holds about three batches and a chunk of memory whatever its length.
//!
//! The checks that need the whole body run before the commit, in the job
//! that commits: a body that fails them, or is cut off, commits nothing,
//! and the chunks it appended are indexed with no references for GC to
//! free ([`IngestWriter::abandon`]). A body of one batch or less (every
//! small object) is checked first and stored in one job.

use alexander_store::{Cut, Digests, IngestWriter, Md5Stage, Staged, Store};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use md5::{Digest, Md5};

use super::{BodyOutcome, blocking};
use crate::auth::ChunkedDecoder;
use crate::auth::sigv4::ContentSha256;
use crate::checksum::{self, ChecksumAlgorithm, Checksummer, DeclaredChecksum};
use crate::error::S3Error;
use crate::s3_error;
use crate::server::RequestBody;

/// Bytes gathered before they go to the store: large enough that the two
/// blocking jobs per batch cost little beside the hashing (a MiB is a few
/// milliseconds of SHA-256 and MD5), small enough that an upload's memory
/// stays a few MiB.
pub const UPLOAD_BATCH: usize = 1 << 20;

/// A request body on its way to the store, with everything the request
/// promised about it (see [`super::upload_body`]).
pub struct Upload {
    pub(super) body: RequestBody,
    pub(super) decoder: Option<ChunkedDecoder>,
    pub(super) expected_len: Option<u64>,
    pub(super) max_len: u64,
    /// Decoded bytes so far.
    pub(super) seen: u64,
    /// The body has ended (its last batch may not be taken yet).
    pub(super) ended: bool,
    pub(super) hashes: Option<BodyHashes>,
}

/// The hashes a request promised of its body, computed in the blocking
/// jobs rather than on the connection's task.
pub struct BodyHashes {
    pub(super) sha256: Option<ContentSha256>,
    pub(super) md5: Option<([u8; 16], Md5)>,
    pub(super) checksum: Option<(DeclaredChecksum, Checksummer)>,
    /// A checksum computed though none was declared (a part of an upload
    /// with a full-object checksum that came without its own).
    pub(super) computed: Option<Checksummer>,
}

/// What the end of the body told: its trailers.
pub struct Ending {
    trailers: Vec<(String, String)>,
}

impl Upload {
    /// The next batch of decoded bytes: at least `size` bytes, or what is
    /// left of the body. Fails on a body cut off, bad framing or a body
    /// over the size limit.
    pub async fn next_batch(&mut self, size: usize) -> Result<Vec<Bytes>, S3Error> {
        let mut batch = Vec::new();
        let mut gathered = 0;
        while !self.ended && gathered < size {
            let raw = match self.body.frame().await {
                None => {
                    self.ended = true;
                    break;
                }
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => data,
                    Err(_) => continue,
                },
                Some(Err(e)) => {
                    return Err(s3_error!(
                        IncompleteBody,
                        "The request body ended early: request body: {e}"
                    ));
                }
            };
            let decoded = match &mut self.decoder {
                Some(d) => {
                    let mut out = BytesMut::with_capacity(raw.len());
                    d.feed(&raw, &mut out)?;
                    out.freeze()
                }
                None => raw,
            };
            if decoded.is_empty() {
                continue;
            }
            self.seen += decoded.len() as u64;
            if self.seen > self.max_len {
                return Err(s3_error!(
                    EntityTooLarge,
                    "Your proposed upload exceeds the maximum allowed size"
                ));
            }
            gathered += decoded.len();
            batch.push(decoded);
        }
        Ok(batch)
    }

    /// Once the body has ended: checks its framing and length, and
    /// returns its trailers for [`BodyHashes::finish`].
    pub fn end(&mut self) -> Result<Ending, S3Error> {
        let trailers = match self.decoder.take() {
            Some(d) => d.finish()?,
            None => Vec::new(),
        };
        if let Some(expected) = self.expected_len
            && expected != self.seen
        {
            return Err(s3_error!(
                IncompleteBody,
                "You did not provide the number of bytes specified by the Content-Length HTTP header"
            ));
        }
        Ok(Ending { trailers })
    }

    /// Computes a checksum of `algorithm` over the body unless the request
    /// declared one.
    pub fn compute_checksum(&mut self, algorithm: ChecksumAlgorithm) {
        if let Some(h) = &mut self.hashes
            && h.checksum.is_none()
        {
            h.computed = Some(Checksummer::new(algorithm));
        }
    }

    /// Takes the hashes out, to be moved into a blocking job.
    fn take_hashes(&mut self) -> BodyHashes {
        self.hashes.take().expect("the hashes are taken once")
    }

    /// Reads the whole body (at most its size limit) into memory, checked:
    /// for the small documents some requests carry.
    pub async fn read_all(mut self) -> Result<Vec<u8>, S3Error> {
        let mut out = Vec::new();
        while !self.ended {
            for piece in self.next_batch(UPLOAD_BATCH).await? {
                out.extend_from_slice(&piece);
            }
        }
        let ending = self.end()?;
        let mut hashes = self.take_hashes();
        hashes.update(&[Bytes::copy_from_slice(&out)]);
        hashes.finish(ending)?;
        Ok(out)
    }
}

impl BodyHashes {
    pub fn update(&mut self, batch: &[Bytes]) {
        for data in batch {
            // Only a body that is not aws-chunked promises its SHA-256.
            if let Some(h) = &mut self.sha256 {
                h.update(data);
            }
            if let Some((_, h)) = &mut self.md5 {
                h.update(data);
            }
            if let Some((_, h)) = &mut self.checksum {
                h.update(data);
            }
            if let Some(h) = &mut self.computed {
                h.update(data);
            }
        }
    }

    /// Checks the hashes against what the request declared, in headers or
    /// in trailers.
    pub fn finish(self, ending: Ending) -> Result<BodyOutcome, S3Error> {
        let mut outcome = BodyOutcome::default();
        if let Some(h) = self.sha256 {
            h.finish()?;
        }
        if let Some((declared, h)) = self.md5 {
            let computed: [u8; 16] = h.finalize().into();
            checksum::check_content_md5(&declared, &computed)?;
        }
        if let Some((declared, h)) = self.checksum {
            let algorithm = h.algorithm();
            let computed = h.finish();
            let value = match &declared {
                DeclaredChecksum::Header { value, .. } => value.clone(),
                DeclaredChecksum::Trailer { .. } => ending
                    .trailers
                    .iter()
                    .find(|(n, _)| n == algorithm.header_name())
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| {
                        s3_error!(
                            InvalidRequest,
                            "The trailing checksum announced by x-amz-trailer is missing"
                        )
                    })?,
            };
            checksum::verify_checksum(algorithm, &value, &computed)?;
            outcome.checksum = Some((algorithm, computed));
        } else if let Some(h) = self.computed {
            outcome.checksum = Some((h.algorithm(), h.finish()));
        }
        Ok(outcome)
    }
}

/// Both halves of a push ingest and the body's hashes, with what is still
/// owed between them: the last cut not hashed yet, and digests not handed
/// back yet.
struct Stages {
    writer: IngestWriter,
    md5: Md5Stage,
    hashes: BodyHashes,
    cut: Cut,
    digests: Digests,
}

impl Stages {
    /// Gives the stream up (blocking).
    fn abandon(self) {
        give_up(self.writer, self.md5, self.cut, self.digests);
    }
}

/// Gives a stream up (blocking): settles what is owed between its stages,
/// so that the chunks it appended are indexed for GC to free.
fn give_up(mut writer: IngestWriter, mut md5: Md5Stage, cut: Cut, digests: Digests) {
    let owed = writer
        .digested(digests)
        .and_then(|()| writer.digested(md5.hash(&cut)));
    if let Err(e) = owed {
        tracing::debug!("an abandoned upload's chunks left to compaction: {e}");
    }
    writer.abandon();
}

/// Stores a verified upload and, once every check passed, commits it with
/// `commit`, in a blocking job. A failed check of the body wins over any
/// error of the store's.
pub async fn store_upload<T, C>(
    store: Store,
    mut up: Upload,
    commit: C,
) -> Result<(T, BodyOutcome), S3Error>
where
    T: Send + 'static,
    C: FnOnce(&Store, Staged, &BodyOutcome) -> alexander_store::Result<T> + Send + 'static,
{
    let first = up.next_batch(UPLOAD_BATCH).await?;
    if up.ended {
        // All in hand: check, then store and commit, in one job.
        let ending = up.end()?;
        let mut hashes = up.take_hashes();
        return blocking(move || {
            hashes.update(&first);
            let outcome = hashes.finish(ending)?;
            let (mut writer, md5) = store.ingest_push();
            let stored = first.iter().try_for_each(|p| writer.write(p));
            if let Err(e) = stored {
                let cut = writer.cut();
                give_up(writer, md5, cut, Digests::default());
                return Err(e.into());
            }
            let staged = writer.finish(md5)?;
            let value = commit(&store, staged, &outcome)?;
            Ok((value, outcome))
        })
        .await;
    }
    // A longer body is driven by a task of its own, so that a request
    // dropped halfway (its connection gone) still gives its chunks up.
    tokio::spawn(pipeline(store, up, first, commit))
        .await
        .map_err(|e| S3Error::internal(format!("upload task failed: {e}")))?
}

async fn pipeline<T, C>(
    store: Store,
    mut up: Upload,
    first: Vec<Bytes>,
    commit: C,
) -> Result<(T, BodyOutcome), S3Error>
where
    T: Send + 'static,
    C: FnOnce(&Store, Staged, &BodyOutcome) -> alexander_store::Result<T> + Send + 'static,
{
    let (writer, md5) = store.ingest_push();
    let mut stages = Stages {
        writer,
        md5,
        hashes: up.take_hashes(),
        cut: Cut::default(),
        digests: Digests::default(),
    };
    let mut batch = first;
    loop {
        let Stages {
            mut writer,
            mut md5,
            mut hashes,
            cut,
            digests,
        } = stages;
        let data = batch.clone();
        let store_job = tokio::task::spawn_blocking(move || {
            let stored = writer
                .digested(digests)
                .and_then(|()| data.iter().try_for_each(|p| writer.write(p)));
            let cut = writer.cut();
            (writer, stored, cut)
        });
        let hash_job = tokio::task::spawn_blocking(move || {
            hashes.update(&batch);
            let digests = md5.hash(&cut);
            (md5, hashes, digests)
        });
        // The next batch is gathered while the jobs run.
        let next = if up.ended {
            Ok(Vec::new())
        } else {
            up.next_batch(UPLOAD_BATCH).await
        };
        let joined = (store_job.await, hash_job.await);
        let ((writer, stored, cut), (md5, hashes, digests)) = match joined {
            (Ok(a), Ok(b)) => (a, b),
            _ => return Err(S3Error::internal("an upload job failed")),
        };
        stages = Stages {
            writer,
            md5,
            hashes,
            cut,
            digests,
        };
        let next = stored.map_err(S3Error::from).and(next);
        match next {
            Err(e) => {
                let _ = tokio::task::spawn_blocking(move || stages.abandon()).await;
                return Err(e);
            }
            Ok(b) if !b.is_empty() => batch = b,
            Ok(_) => break,
        }
    }
    let ending = match up.end() {
        Ok(e) => e,
        Err(e) => {
            let _ = tokio::task::spawn_blocking(move || stages.abandon()).await;
            return Err(e);
        }
    };
    blocking(move || {
        let Stages {
            mut writer,
            mut md5,
            hashes,
            cut,
            digests,
        } = stages;
        let owed = writer
            .digested(digests)
            .and_then(|()| writer.digested(md5.hash(&cut)));
        let outcome = match owed
            .map_err(S3Error::from)
            .and_then(|()| hashes.finish(ending))
        {
            Ok(o) => o,
            Err(e) => {
                writer.abandon();
                return Err(e);
            }
        };
        let staged = writer.finish(md5)?;
        let value = commit(&store, staged, &outcome)?;
        Ok((value, outcome))
    })
    .await
}
