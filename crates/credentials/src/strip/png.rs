//! Stripping a PNG: a walk over its chunks (PNG, third edition, section 5).
//!
//! A PNG is an eight-byte signature, then chunks (a four-byte length of
//! the data, a four-letter type, the data, a CRC-32 of type and data),
//! from IHDR to IEND. A chunk whose type starts with an upper-case letter
//! is critical (a decoder must understand it); the others are ancillary.

use super::{Removed, StripError, Stripped};

/// The PNG signature.
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The largest chunk length PNG allows, 2^31 - 1.
const MAX_LENGTH: u32 = 0x7FFF_FFFF;

/// The chunks kept: the critical ones, those that decide how the pixels
/// look (transparency, gamma, chromaticities, colour space and profile,
/// significant bits, background, pixel aspect), the HDR colour signalling
/// of the third edition (cICP, mDCV, cLLI), and APNG's animation chunks.
/// None of them says where, when or with what the picture was taken.
const KEEP: [&[u8; 4]; 18] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"pHYs", b"bKGD", b"cICP", b"mDCV", b"cLLI", b"acTL", b"fcTL", b"fdAT",
];

/// See [`super::strip_metadata`].
pub(super) fn strip(bytes: &[u8]) -> Result<Stripped, StripError> {
    if !bytes.starts_with(SIGNATURE) {
        return Err(malformed(0, "does not start with the PNG signature"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(SIGNATURE);
    let mut removed = Removed::default();
    let mut at = SIGNATURE.len();
    loop {
        let chunk = chunk(bytes, at)?;
        if at == SIGNATURE.len() && &chunk.kind != b"IHDR" {
            return Err(malformed(at, format!("the first chunk is {}, not IHDR", chunk.name())));
        }
        if KEEP.contains(&&chunk.kind) {
            out.extend_from_slice(&bytes[at..chunk.end]);
        } else if chunk.kind[0].is_ascii_uppercase() {
            return Err(StripError::UnknownCriticalChunk { offset: at, chunk: chunk.name() });
        } else if &chunk.kind == b"caBX" {
            removed.note("C2PA manifest (PNG caBX chunk)");
        } else {
            removed.note(format!("PNG {} chunk", chunk.name()));
        }
        at = chunk.end;
        if &chunk.kind == b"IEND" {
            if at < bytes.len() {
                removed.note("data after IEND");
            }
            return Ok(Stripped { bytes: out, removed: removed.0 });
        }
    }
}

/// A chunk that has been checked: its type and where it ends.
struct Chunk {
    /// The four-letter type.
    kind: [u8; 4],
    /// Where the next chunk starts.
    end: usize,
}

impl Chunk {
    /// The type as text.
    fn name(&self) -> String {
        name(&self.kind)
    }
}

/// The chunk at `at`, checked: length within bounds, type of letters, CRC
/// right.
fn chunk(bytes: &[u8], at: usize) -> Result<Chunk, StripError> {
    let Some(&[l0, l1, l2, l3, k0, k1, k2, k3]) = bytes.get(at..at + 8) else {
        return Err(malformed(at, "ends before the IEND chunk"));
    };
    let length = u32::from_be_bytes([l0, l1, l2, l3]);
    let kind = [k0, k1, k2, k3];
    if !kind.iter().all(u8::is_ascii_alphabetic) {
        return Err(malformed(at + 4, format!("chunk type {kind:02X?} is not four ASCII letters")));
    }
    let name = name(&kind);
    if length > MAX_LENGTH {
        return Err(malformed(at, format!("{name} chunk length {length} is over 2^31 - 1")));
    }
    // Saturating, then checked: a length past the end of the address space
    // (on a 32-bit target) is one past the end of the file too.
    let data_end = (at + 8).saturating_add(usize::try_from(length).unwrap_or(usize::MAX));
    let Some(crc) = data_end.checked_add(4).and_then(|end| bytes.get(data_end..end)) else {
        let left = bytes.len() - (at + 8);
        return Err(malformed(
            at,
            format!("{name} chunk claims {length} bytes of data and a CRC, but only {left} remain"),
        ));
    };
    let stored = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
    let computed = crc32fast::hash(&bytes[at + 4..data_end]);
    if stored != computed {
        return Err(malformed(
            data_end,
            format!("{name} chunk's CRC is {stored:08x}, but its bytes give {computed:08x}"),
        ));
    }
    Ok(Chunk { kind, end: data_end + 4 })
}

/// A chunk type as text. Checked to be ASCII letters before it is shown,
/// so nothing is lost.
fn name(kind: &[u8; 4]) -> String {
    String::from_utf8_lossy(kind).into_owned()
}

/// A malformed-PNG error at byte `offset`.
fn malformed(offset: usize, problem: impl Into<String>) -> StripError {
    StripError::Malformed { format: "PNG", offset, problem: problem.into() }
}
