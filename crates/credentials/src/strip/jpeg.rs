//! Stripping a JPEG: a walk over its marker segments (ITU-T T.81 annex B).
//!
//! A JPEG is SOI, then marker segments (a marker, a two-byte length that
//! counts itself, a payload), each scan's entropy-coded data after its SOS
//! segment, and EOI. Metadata lives in the application segments (APP0 to
//! APP15) and comments (COM); everything else is needed to decode.

use super::{Removed, StripError, Stripped};

// Marker codes: the byte after 0xFF (T.81 table B.1).
/// Not a marker: a 0xFF byte of entropy-coded data, stuffed.
const STUFFED: u8 = 0x00;
/// Temporary private use in arithmetic coding; stands alone.
const TEM: u8 = 0x01;
/// The first restart marker; RST0 to RST7 stand alone.
const RST0: u8 = 0xD0;
/// The last restart marker.
const RST7: u8 = 0xD7;
/// Start of image.
const SOI: u8 = 0xD8;
/// End of image.
const EOI: u8 = 0xD9;
/// Start of scan: entropy-coded data follows its segment.
const SOS: u8 = 0xDA;
/// The first application segment, JFIF's.
const APP0: u8 = 0xE0;
/// The last application segment.
const APP15: u8 = 0xEF;
/// Comment.
const COM: u8 = 0xFE;

/// Where a JFIF APP0 payload's thumbnail width and height are: after
/// `JFIF\0`, the version (2), units (1) and densities (2 + 2).
const JFIF_THUMBNAIL: usize = 12;
/// The length of a JFIF APP0 payload without a thumbnail.
const JFIF_BARE: usize = 14;

/// See [`super::strip_metadata`].
pub(super) fn strip(bytes: &[u8]) -> Result<Stripped, StripError> {
    if !bytes.starts_with(&[0xFF, SOI]) {
        return Err(malformed(0, "does not start with the SOI marker (FF D8)"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut removed = Removed::default();
    let mut at = 2;
    loop {
        let (marker_at, code) = next_marker(bytes, at)?;
        at = marker_at + 2;
        match code {
            EOI => {
                out.extend_from_slice(&[0xFF, EOI]);
                // What follows EOI is no part of the image, and is where
                // phones put a second picture (MPF), a motion photo's video
                // or a vendor trailer, each with metadata of its own.
                if at < bytes.len() {
                    removed.note("data after EOI");
                }
                return Ok(Stripped { bytes: out, removed: removed.0 });
            }
            SOI => return Err(malformed(marker_at, "a second SOI marker")),
            STUFFED => {
                return Err(malformed(marker_at, "FF 00 outside entropy-coded data"));
            }
            TEM | RST0..=RST7 => out.extend_from_slice(&[0xFF, code]),
            _ => {
                let segment = segment(bytes, marker_at, code)?;
                at = marker_at + segment.len();
                match judge(code, &segment[4..]) {
                    Verdict::Keep => out.extend_from_slice(segment),
                    Verdict::Replace(payload, kind) => {
                        out.extend_from_slice(&[0xFF, code]);
                        // The payloads replaced are shorter than the ones
                        // they replace, so the length fits.
                        let length = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
                        out.extend_from_slice(&length.to_be_bytes());
                        out.extend_from_slice(&payload);
                        removed.note(kind);
                    }
                    Verdict::Drop(kind) => removed.note(kind),
                }
                if code == SOS {
                    let end = scan_end(bytes, at)?;
                    out.extend_from_slice(&bytes[at..end]);
                    at = end;
                }
            }
        }
    }
}

/// What to do with a marker segment.
enum Verdict {
    /// Copy it as it is.
    Keep,
    /// Keep it with this payload instead, having removed this kind of
    /// metadata from it.
    Replace(Vec<u8>, &'static str),
    /// Leave it out: it holds this kind of metadata.
    Drop(String),
}

/// What to do with the segment of marker `code` with this payload.
fn judge(code: u8, payload: &[u8]) -> Verdict {
    let drop = |kind: &str| Verdict::Drop(kind.to_owned());
    match code {
        APP0 if payload.starts_with(b"JFIF\0") && payload.len() >= JFIF_BARE => {
            // JFIF says how to read the colours and pixel density, but may
            // carry a thumbnail, which shows the picture as it was before
            // any crop or blur: keep the header, lose the thumbnail.
            if payload.len() == JFIF_BARE && payload[JFIF_THUMBNAIL..] == [0, 0] {
                Verdict::Keep
            } else {
                let mut bare = payload[..JFIF_THUMBNAIL].to_vec();
                bare.extend_from_slice(&[0, 0]);
                Verdict::Replace(bare, "JFIF thumbnail (APP0)")
            }
        }
        APP0 if payload.starts_with(b"JFXX\0") => drop("JFIF extension thumbnail (APP0)"),
        // Adobe's segment says whether the components are YCbCr, RGB or
        // YCCK: without it, colours come out wrong.
        0xEE if payload.starts_with(b"Adobe") => Verdict::Keep,
        // The colour profile, possibly split over several segments.
        0xE2 if payload.starts_with(b"ICC_PROFILE\0") => Verdict::Keep,
        0xE1 if payload.starts_with(b"Exif\0") => drop("EXIF (APP1)"),
        0xE1 if payload.starts_with(b"http://ns.adobe.com/xap/1.0/\0") => drop("XMP (APP1)"),
        0xE1 if payload.starts_with(b"http://ns.adobe.com/xmp/extension/\0") => {
            drop("extended XMP (APP1)")
        }
        0xE2 if payload.starts_with(b"MPF\0") => drop("MPF (APP2)"),
        0xE2 if payload.starts_with(b"FPXR\0") => drop("FlashPix (APP2)"),
        // JUMBF boxes; C2PA's store is labelled `c2pa`. The label only
        // names what was removed: every APP11 segment goes.
        0xEB if contains(payload, b"c2pa") => drop("C2PA manifest (APP11)"),
        0xEB => drop("JUMBF (APP11)"),
        0xEC if payload.starts_with(b"Ducky") => drop("Ducky (APP12)"),
        0xED if payload.starts_with(b"Photoshop 3.0\0") => drop("Photoshop/IPTC (APP13)"),
        APP0..=APP15 => Verdict::Drop(format!("APP{}", code - APP0)),
        COM => drop("comment (COM)"),
        // Tables, frame and scan headers, restart interval, and markers
        // this walk does not know: all needed to decode, or harmless.
        _ => Verdict::Keep,
    }
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// The marker at `at`, past any fill bytes: where its last 0xFF is, and
/// its code.
fn next_marker(bytes: &[u8], at: usize) -> Result<(usize, u8), StripError> {
    match bytes.get(at) {
        None => return Err(malformed(at, "ends before the EOI marker")),
        Some(0xFF) => {}
        Some(other) => {
            return Err(malformed(at, format!("expected a marker (FF), found {other:02X}")));
        }
    }
    // Any number of 0xFF fill bytes may precede a marker (T.81 B.1.1.2).
    // They carry nothing and are not copied.
    let mut last = at;
    while bytes.get(last + 1) == Some(&0xFF) {
        last += 1;
    }
    match bytes.get(last + 1) {
        Some(&code) => Ok((last, code)),
        None => Err(malformed(last, "ends inside a marker")),
    }
}

/// The whole segment of marker `code` at `at`: marker, length and payload.
fn segment(bytes: &[u8], at: usize, code: u8) -> Result<&[u8], StripError> {
    let name = name(code);
    let Some(&[high, low]) = bytes.get(at + 2..at + 4) else {
        return Err(malformed(at, format!("{name} marker without its length")));
    };
    let length = usize::from(u16::from_be_bytes([high, low]));
    if length < 2 {
        return Err(malformed(at + 2, format!("{name} segment length {length} is less than 2")));
    }
    let end = at + 2 + length;
    bytes.get(at..end).ok_or_else(|| {
        let left = bytes.len() - (at + 2);
        malformed(at, format!("{name} segment claims {length} bytes, but only {left} remain"))
    })
}

/// Where the entropy-coded data starting at `from` ends: at the first
/// marker that is not a restart marker (which belongs to the data), or at
/// the fill bytes before it.
fn scan_end(bytes: &[u8], from: usize) -> Result<usize, StripError> {
    let unended = || malformed(from, "scan data runs to the end without a marker after it");
    let mut at = from;
    loop {
        let found = bytes.get(at..).and_then(|rest| rest.iter().position(|&b| b == 0xFF));
        let ff = at + found.ok_or_else(unended)?;
        match bytes.get(ff + 1) {
            None => return Err(unended()),
            // A stuffed data byte or a restart marker: still the scan.
            Some(&(STUFFED | RST0..=RST7)) => at = ff + 2,
            Some(_) => return Ok(ff),
        }
    }
}

/// The marker's name, for messages.
fn name(code: u8) -> String {
    match code {
        0xC4 => "DHT".to_owned(),
        0xCC => "DAC".to_owned(),
        0xC0..=0xCF if code != 0xC8 => format!("SOF{}", code - 0xC0),
        0xDB => "DQT".to_owned(),
        0xDC => "DNL".to_owned(),
        0xDD => "DRI".to_owned(),
        SOS => "SOS".to_owned(),
        APP0..=APP15 => format!("APP{}", code - APP0),
        COM => "COM".to_owned(),
        _ => format!("FF{code:02X}"),
    }
}

/// A malformed-JPEG error at byte `offset`.
fn malformed(offset: usize, problem: impl Into<String>) -> StripError {
    StripError::Malformed { format: "JPEG", offset, problem: problem.into() }
}
