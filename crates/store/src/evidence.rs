//! Evidence files, content-addressed, beside the log: in a directory or
//! in a bucket, through one code path (`object_store`'s local file system,
//! with fsync, or its S3 client).
//!
//! ```text
//! ROOT/sha256/<first two hex digits>/<hex>   a file whose bytes hash to <hex>
//! ROOT/uploads/<hex>/<offset, 20 digits>.<n> the pieces of an upload under way
//! ROOT/uploads/<hex>/whole.<n>               the pieces joined, being checked
//! ```
//!
//! # Nothing unverified under a digest
//!
//! A file is stored under its SHA-256 only once its bytes were hashed and
//! found to be those bytes and that size: the bytes are written aside
//! (as an upload piece, itself written aside until complete and then
//! renamed), checked, and only then renamed (a directory) or copied (a
//! bucket) to their digest. A reader of `sha256/...` never gets bytes
//! that do not hash to its name, whatever crashed when.
//!
//! # Resuming
//!
//! Each request writes objects of names of its own (`<n>` is unique), and
//! promotes only what it hashed itself: two requests racing with the same
//! digest can never promote each other's bytes.
//!
//! An upload is a run of pieces, each sent by one request, starting where
//! the pieces before it end ([`EvidenceStore::status`] says where). A
//! request cut short keeps what arrived, so a client on a poor link
//! resumes instead of starting again. The pieces are objects, not a
//! server's memory or disk, so any server of a deployment takes the next
//! piece. When the pieces reach the file's size they are joined, checked
//! and promoted, then deleted. One request that brings the whole file
//! (the common case) is hashed as it is written and promoted by a rename,
//! without a second pass.
//!
//! The store checks bytes against a digest and a size; which digests it
//! takes, at what size, is the caller's business (the server takes only
//! files an evidence entry in the log names).

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, WriteMultipart};
use sha2::{Digest as _, Sha256};
use truce_entry::Sha256Hex;

use crate::location::StorageLocation;

/// The size of the parts a file is written in: large enough for S3's 5 MiB
/// minimum part, small enough to keep a few in memory per upload.
const PART_BYTES: usize = 8 << 20;

/// Parts written at once per upload: hashing goes on while they land.
const PARTS_IN_FLIGHT: usize = 4;

/// How long one request to a bucket may take: evidence parts and reads
/// are large, unlike the log's tiles.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// Why the store refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The piece does not start where the upload stands.
    #[error("the upload of this file stands at byte {expected}; send the bytes from there")]
    Offset {
        /// Where the next piece must start.
        expected: u64,
    },
    /// More bytes than the file's size.
    #[error("more bytes than the file's {size} bytes")]
    TooLong {
        /// The file's size.
        size: u64,
    },
    /// The bytes, all there, hash to another digest: they were dropped.
    #[error(
        "the {size} bytes uploaded hash to {actual}, not to the digest named: send the file again"
    )]
    Mismatch {
        /// What they hash to.
        actual: Sha256Hex,
        /// How many there were.
        size: u64,
    },
    /// The request's body failed before its end; what arrived is kept.
    #[error("the body was cut short after {received} bytes ({reason}); resume from there")]
    Interrupted {
        /// Where the upload stands now.
        received: u64,
        /// What the body's stream said.
        reason: String,
    },
    /// The storage failed.
    #[error("evidence storage: {0}")]
    Storage(#[from] object_store::Error),
    /// The directory could not be made.
    #[error("evidence storage: {0}")]
    Io(#[from] std::io::Error),
    /// The bucket could not be reached.
    #[error("evidence storage: {0}")]
    Open(String),
}

/// Where the upload of one file stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upload {
    /// The file is stored, checked, with this size.
    Stored {
        /// Its size in bytes.
        size: u64,
    },
    /// The first `received` bytes have arrived (0: none).
    Partial {
        /// Bytes received, from the start, without a gap.
        received: u64,
    },
}

/// A file being read: its size and its bytes.
pub struct EvidenceRead {
    /// The size in bytes.
    pub size: u64,
    /// The bytes, as they are read.
    pub bytes: BoxStream<'static, Result<Bytes, EvidenceError>>,
}

/// The evidence files of a log.
#[derive(Clone, Debug)]
pub struct EvidenceStore {
    objects: Arc<dyn ObjectStore>,
}

impl EvidenceStore {
    /// The store in a directory (created if missing), every write synced.
    pub fn in_dir(dir: &FsPath) -> Result<EvidenceStore, EvidenceError> {
        std::fs::create_dir_all(dir)?;
        let local = LocalFileSystem::new_with_prefix(dir)?.with_fsync(true);
        Ok(EvidenceStore { objects: Arc::new(local) })
    }

    /// The store at `location`: a directory, or a bucket under a prefix
    /// (credentials and endpoint from the environment, as for the log).
    pub fn open(location: &StorageLocation) -> Result<EvidenceStore, EvidenceError> {
        match location {
            StorageLocation::Dir(dir) => EvidenceStore::in_dir(dir),
            StorageLocation::S3 { bucket, prefix } => {
                let objects = crate::object::s3_store_with(bucket, prefix, REQUEST_TIMEOUT)
                    .map_err(|e| EvidenceError::Open(e.to_string()))?;
                Ok(EvidenceStore { objects })
            }
        }
    }

    /// Where the evidence of a log stored at `log` goes when not said:
    /// `evidence/` beside a directory's log, `PREFIX/evidence` in a bucket.
    pub fn beside(log: &StorageLocation) -> StorageLocation {
        match log {
            StorageLocation::Dir(dir) => {
                let parent = dir.parent().map_or_else(|| PathBuf::from("."), FsPath::to_path_buf);
                StorageLocation::Dir(parent.join("evidence"))
            }
            StorageLocation::S3 { bucket, prefix } => StorageLocation::S3 {
                bucket: bucket.clone(),
                prefix: if prefix.is_empty() {
                    "evidence".to_owned()
                } else {
                    format!("{prefix}/evidence")
                },
            },
        }
    }

    /// Where the upload of the file with `digest` stands.
    pub async fn status(&self, digest: &Sha256Hex) -> Result<Upload, EvidenceError> {
        match self.objects.head(&stored_path(digest)).await {
            Ok(meta) => return Ok(Upload::Stored { size: meta.size }),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let pieces = self.pieces(digest).await?;
        Ok(Upload::Partial { received: contiguous(&pieces) })
    }

    /// Takes the bytes of the file with `digest` and `size` from `offset`
    /// on, from `body`; answers where the upload stands after them. A
    /// file already stored is not written again (the body is not read).
    ///
    /// The bytes are checked once all are there: a file whose bytes do
    /// not hash to `digest` is dropped, pieces and all
    /// ([`EvidenceError::Mismatch`]).
    pub async fn append<S, E>(
        &self,
        digest: &Sha256Hex,
        size: u64,
        offset: u64,
        body: S,
    ) -> Result<Upload, EvidenceError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let received = match self.status(digest).await? {
            stored @ Upload::Stored { .. } => return Ok(stored),
            Upload::Partial { received } => received,
        };
        if offset != received {
            return Err(EvidenceError::Offset { expected: received });
        }
        let piece = piece_path(digest, offset);
        let written = self.write_piece(&piece, size - offset, offset == 0, body).await?;
        let end = offset + written.bytes;
        if let Some(reason) = written.cut_short {
            return Err(EvidenceError::Interrupted { received: end, reason });
        }
        if end < size {
            return Ok(Upload::Partial { received: end });
        }
        match written.digest {
            // The whole file in one piece, hashed as it was written.
            Some(actual) => self.promote(digest, &piece, actual, size).await,
            None => self.join(digest, size).await,
        }
    }

    /// The file with `digest`, if stored.
    pub async fn read(&self, digest: &Sha256Hex) -> Result<Option<EvidenceRead>, EvidenceError> {
        match self.objects.get(&stored_path(digest)).await {
            Ok(result) => {
                let size = result.meta.size;
                let bytes = result.into_stream().map_err(EvidenceError::from).boxed();
                Ok(Some(EvidenceRead { size, bytes }))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes `body` (at most `room` bytes) as the object `path`, hashing
    /// it if `hash`. A body that fails half-way is kept as far as it came.
    async fn write_piece<S, E>(
        &self,
        path: &Path,
        room: u64,
        hash: bool,
        body: S,
    ) -> Result<Piece, EvidenceError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let upload = self.objects.put_multipart(path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut hasher = hash.then(Sha256::new);
        let mut bytes = 0u64;
        let mut cut_short = None;
        let mut body = std::pin::pin!(body);
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    cut_short = Some(e.to_string());
                    break;
                }
            };
            bytes += chunk.len() as u64;
            if bytes > room {
                writer.abort().await?;
                return Err(EvidenceError::TooLong { size: room });
            }
            if let Some(hasher) = &mut hasher {
                hasher.update(&chunk);
            }
            if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                // A part failed: the upload is lost, nothing of it is kept.
                return Err(e.into());
            }
            writer.put(chunk);
        }
        if bytes == 0 {
            writer.abort().await?;
        } else {
            writer.finish().await?;
        }
        let digest = hasher.filter(|_| bytes == room).map(|h| Sha256Hex(h.finalize().into()));
        Ok(Piece { bytes, digest, cut_short })
    }

    /// Joins the pieces of a complete upload aside, hashing them, and
    /// promotes the whole.
    async fn join(&self, digest: &Sha256Hex, size: u64) -> Result<Upload, EvidenceError> {
        let whole = upload_dir(digest).join(format!("whole.{}", unique()));
        let pieces = self.pieces(digest).await?;
        let objects = self.objects.clone();
        let paths: Vec<Path> = chain(&pieces).into_iter().map(|(_, _, path)| path).collect();
        let in_order = futures_util::stream::iter(paths)
            .then(move |path| {
                let objects = objects.clone();
                async move { objects.get(&path).await.map(|r| r.into_stream()) }
            })
            .try_flatten()
            .boxed();
        let written = self.write_piece(&whole, size, true, in_order).await?;
        if let Some(reason) = written.cut_short {
            return Err(EvidenceError::Storage(object_store::Error::Generic {
                store: "evidence",
                source: format!("joining the pieces: {reason}").into(),
            }));
        }
        match written.digest {
            Some(actual) => self.promote(digest, &whole, actual, size).await,
            None => Ok(Upload::Partial { received: written.bytes }),
        }
    }

    /// Moves a checked upload to its digest, or drops it if the bytes hash
    /// to something else; then deletes the pieces.
    async fn promote(
        &self,
        digest: &Sha256Hex,
        from: &Path,
        actual: Sha256Hex,
        size: u64,
    ) -> Result<Upload, EvidenceError> {
        if actual != *digest {
            self.clear_upload(digest).await?;
            return Err(EvidenceError::Mismatch { actual, size });
        }
        self.objects.rename(from, &stored_path(digest)).await?;
        self.clear_upload(digest).await?;
        Ok(Upload::Stored { size })
    }

    /// The pieces of an upload, by offset, with their sizes.
    async fn pieces(&self, digest: &Sha256Hex) -> Result<Vec<(u64, u64, Path)>, EvidenceError> {
        let listed: Vec<_> = self.objects.list(Some(&upload_dir(digest))).try_collect().await?;
        let mut pieces: Vec<(u64, u64, Path)> = listed
            .into_iter()
            .filter_map(|meta| {
                let (offset, _) = meta.location.filename()?.split_once('.')?;
                let offset = offset.parse().ok().filter(|_| offset.len() == 20)?;
                Some((offset, meta.size, meta.location))
            })
            .collect();
        pieces.sort_unstable();
        Ok(pieces)
    }

    async fn clear_upload(&self, digest: &Sha256Hex) -> Result<(), EvidenceError> {
        let listed: Vec<_> = self.objects.list(Some(&upload_dir(digest))).try_collect().await?;
        for meta in listed {
            match self.objects.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// What one piece came to.
struct Piece {
    bytes: u64,
    /// Its SHA-256, when hashed and it filled the room it had.
    digest: Option<Sha256Hex>,
    /// Why the body ended early, if it did.
    cut_short: Option<String>,
}

fn stored_path(digest: &Sha256Hex) -> Path {
    let hex = digest.to_string();
    Path::from(format!("sha256/{}/{hex}", &hex[..2]))
}

fn upload_dir(digest: &Sha256Hex) -> Path {
    Path::from(format!("uploads/{digest}"))
}

/// A new piece of the upload of `digest`, starting at `offset`.
fn piece_path(digest: &Sha256Hex, offset: u64) -> Path {
    upload_dir(digest).join(format!("{offset:020}.{}", unique()))
}

/// A name no other request, of this process or another, takes: the
/// time, the process and a counter, hashed.
fn unique() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "{nanos} {} {count} {:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    hasher.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// The pieces that follow each other from byte 0, in order (of two at
/// one offset, left by requests that raced, the longer).
fn chain(pieces: &[(u64, u64, Path)]) -> Vec<(u64, u64, Path)> {
    let mut next = 0;
    let mut chain = Vec::new();
    let mut sorted: Vec<&(u64, u64, Path)> = pieces.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    for (offset, size, path) in sorted {
        if *offset == next && *size > 0 {
            chain.push((*offset, *size, path.clone()));
            next = offset + size;
        }
    }
    chain
}

/// How many bytes from the start the pieces hold without a gap.
fn contiguous(pieces: &[(u64, u64, Path)]) -> u64 {
    chain(pieces).last().map_or(0, |(offset, size, _)| offset + size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(list: &[(u64, u64)]) -> Vec<(u64, u64, Path)> {
        list.iter().map(|&(o, s)| (o, s, Path::from(format!("p/{o}-{s}")))).collect()
    }

    #[test]
    fn pieces_count_from_the_start_without_gaps() {
        assert_eq!(contiguous(&[]), 0);
        assert_eq!(contiguous(&pieces(&[(0, 10), (10, 5)])), 15);
        assert_eq!(contiguous(&pieces(&[(0, 10), (20, 5)])), 10);
        assert_eq!(contiguous(&pieces(&[(5, 10)])), 0);
        let chained = chain(&pieces(&[(0, 10), (10, 5), (12, 3), (15, 1), (0, 4)]));
        let spans: Vec<(u64, u64)> = chained.iter().map(|(o, s, _)| (*o, *s)).collect();
        assert_eq!(spans, vec![(0, 10), (10, 5), (15, 1)]);
    }
}
