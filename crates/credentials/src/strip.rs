//! A copy of a photo for publication, without the metadata that can locate
//! it or identify the device that took it.
//!
//! The original stays in the evidence locker; what is published is a copy
//! whose container keeps only what a viewer needs to draw the pixels
//! (quantisation and Huffman tables, frame headers, colour profile and
//! colour transform, palette, gamma, ...) and loses everything else: EXIF
//! (with its GPS position, serial numbers and thumbnail), XMP, IPTC,
//! comments, text chunks and the C2PA manifest, whose signer and
//! ingredients name the device too.
//!
//! The walk is over the container's structure only: no pixel is decoded,
//! and the entropy-coded data of a JPEG and the `IDAT` chunks of a PNG are
//! copied byte for byte, so the picture is exactly the original's. The
//! output depends only on the input bytes.
//!
//! **Invariant:** what is kept is listed (an allow list), never what is
//! dropped, so a kind of metadata this module has never heard of is
//! removed, not passed on.
//!
//! Also removed: a JFIF thumbnail (it shows the picture as it was before
//! any crop or blur), and whatever follows a JPEG's EOI or a PNG's IEND,
//! which is where phones append a second picture (MPF, an HDR gain map),
//! a motion photo's video or a vendor trailer, each with metadata of its
//! own. A JPEG's fill bytes between segments, which carry nothing, are not
//! copied.
//!
//! Limits: an embedded ICC profile is kept (colours would be wrong
//! without it), and a device-specific profile may name the device's
//! maker. Nothing in the pixels themselves (sensor noise, a face, a street
//! sign) is touched.

mod jpeg;
mod png;

use crate::read::essence;

/// A copy of a file with its identifying metadata removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The copy's bytes.
    pub bytes: Vec<u8>,
    /// What was removed, each kind once, in the order first met: `EXIF
    /// (APP1)`, `XMP (APP1)`, `C2PA manifest (APP11)`, `PNG eXIf chunk`,
    /// `PNG tEXt chunk`, ... Empty when there was nothing to remove.
    pub removed: Vec<String>,
}

/// Why a copy could not be made.
///
/// Nothing is returned half-stripped: a file that cannot be walked to its
/// end is refused whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StripError {
    /// The media type is not one [`strip_metadata`] knows
    /// ([`can_strip`] says which are).
    #[error("cannot strip metadata from {0:?}: only image/jpeg and image/png")]
    Unsupported(String),
    /// The bytes are not a well-formed file of the declared type.
    #[error("malformed {format} at byte {offset}: {problem}")]
    Malformed {
        /// `JPEG` or `PNG`.
        format: &'static str,
        /// Where the problem is, counted from the start of the file.
        offset: usize,
        /// What is wrong there.
        problem: String,
    },
    /// A PNG has a critical chunk this module does not know. It cannot be
    /// dropped (the image would not render) nor kept (it might identify
    /// the device), so the file is refused.
    #[error("unknown critical PNG chunk {chunk:?} at byte {offset}: cannot tell what it holds")]
    UnknownCriticalChunk {
        /// Where the chunk starts.
        offset: usize,
        /// The chunk's four-letter type.
        chunk: String,
    },
}

/// Whether [`strip_metadata`] can make a copy of files of this media type:
/// `image/jpeg` and `image/png`, case and parameters ignored.
pub fn can_strip(media_type: &str) -> bool {
    matches!(essence(media_type).as_str(), "image/jpeg" | "image/png")
}

/// A copy of `bytes`, a file of the declared `media_type`, without the
/// metadata that can locate it or identify the device.
///
/// The declared type decides how the bytes are read: a PNG declared as a
/// JPEG is refused as a malformed JPEG, not sniffed. The pixel data is
/// copied unchanged; the same input always gives the same output.
///
/// ```
/// use truce_credentials::{StripError, strip_metadata};
///
/// // The smallest JPEG-like structure: SOI, a comment, EOI.
/// let jpeg = b"\xff\xd8\xff\xfe\x00\x07hello\xff\xd9";
/// let got = strip_metadata("image/jpeg", &jpeg[..])?;
/// assert_eq!(got.bytes, b"\xff\xd8\xff\xd9");
/// assert_eq!(got.removed, ["comment (COM)"]);
///
/// let refused = strip_metadata("image/jpeg", b"\xff\xd8\xff\xe1\x00\x40Exif");
/// assert!(matches!(refused, Err(StripError::Malformed { offset: 2, .. })));
/// # Ok::<(), StripError>(())
/// ```
pub fn strip_metadata(media_type: &str, bytes: &[u8]) -> Result<Stripped, StripError> {
    match essence(media_type).as_str() {
        "image/jpeg" => jpeg::strip(bytes),
        "image/png" => png::strip(bytes),
        _ => Err(StripError::Unsupported(media_type.to_owned())),
    }
}

/// The kinds of metadata removed so far, each once, in the order met.
#[derive(Default)]
struct Removed(Vec<String>);

impl Removed {
    /// Notes that something of this kind was removed.
    fn note(&mut self, kind: impl Into<String>) {
        let kind = kind.into();
        if !self.0.contains(&kind) {
            self.0.push(kind);
        }
    }
}
