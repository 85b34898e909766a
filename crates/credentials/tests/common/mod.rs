//! Files made by hand for the tests: PNGs drawn pixel by pixel, JPEG-like
//! segment structures. Each test file uses a part.
#![allow(dead_code, clippy::unwrap_used)]

pub const WIDTH: u32 = 4;
pub const HEIGHT: u32 = 3;

/// RGB pixels, three bytes each, row after row.
pub fn pixels() -> Vec<u8> {
    (0..WIDTH * HEIGHT * 3).map(|i| (i * 17 % 251) as u8).collect()
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
pub fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    out
}

/// A zlib stream holding `raw` in one stored (uncompressed) block.
pub fn zlib_stored(raw: &[u8]) -> Vec<u8> {
    let len = u16::try_from(raw.len()).unwrap();
    let mut out = vec![0x78, 0x01, 0x01]; // header; final stored block
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(raw);
    let (mut a, mut b) = (1u32, 0u32); // Adler-32
    for &byte in raw {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// The IDAT data for `pixels`: each row led by filter type 0.
pub fn image_data(pixels: &[u8]) -> Vec<u8> {
    let row = (WIDTH * 3) as usize;
    let mut raw = Vec::new();
    for line in pixels.chunks(row) {
        raw.push(0);
        raw.extend_from_slice(line);
    }
    zlib_stored(&raw)
}

/// An 8-bit RGB PNG of `pixels`.
pub fn png(pixels: &[u8]) -> Vec<u8> {
    png_with(pixels, &[])
}

/// An 8-bit RGB PNG of `pixels` with `extra` chunks (made with [`chunk`])
/// between IHDR and IDAT.
pub fn png_with(pixels: &[u8], extra: &[Vec<u8>]) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&WIDTH.to_be_bytes());
    ihdr.extend_from_slice(&HEIGHT.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // depth, RGB, deflate, filter, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    for extra in extra {
        out.extend_from_slice(extra);
    }
    out.extend(chunk(b"IDAT", &image_data(pixels)));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// Where each chunk of a PNG starts, with its type and data length.
pub fn chunks(png: &[u8]) -> Vec<(usize, [u8; 4], usize)> {
    let mut found = Vec::new();
    let mut at = 8;
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = png[at + 4..at + 8].try_into().unwrap();
        found.push((at, kind, len));
        at += 12 + len;
    }
    found
}

/// The whole IDAT chunks of a PNG, in order: the pixel data, as stored.
pub fn idat(png: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (at, kind, len) in chunks(png) {
        if &kind == b"IDAT" {
            out.extend_from_slice(&png[at..at + 12 + len]);
        }
    }
    out
}

/// A JPEG marker segment: FF, the marker code, the length (counting
/// itself), the payload.
pub fn segment(code: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, code];
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A JFIF APP0 segment without a thumbnail.
pub fn jfif() -> Vec<u8> {
    segment(0xE0, b"JFIF\0\x01\x02\x00\x00\x01\x00\x01\x00\x00")
}
