//! `strip_metadata` over JPEG segment structures and PNGs made by hand:
//! what goes, what stays byte for byte, and what is refused.
#![allow(clippy::unwrap_used)]

use common::{chunk, chunks, idat, jfif, pixels, png, png_with, segment};
use truce_credentials::{StripError, Stripped, can_strip, strip_metadata};

mod common;

const SOI: &[u8] = b"\xff\xd8";
const EOI: &[u8] = b"\xff\xd9";

/// Scan data with a stuffed FF 00 and a restart marker in it, both part
/// of the data.
const SCAN: &[u8] = b"\x12\x34\xff\x00\x56\xff\xd0\x78\x9a";

fn jpeg(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn strip(media_type: &str, bytes: &[u8]) -> Stripped {
    strip_metadata(media_type, bytes).unwrap()
}

/// The segments a decoder needs, in order: tables, frame, restart
/// interval, scan header.
fn decoding_segments() -> Vec<Vec<u8>> {
    vec![
        segment(0xDB, &[0x00; 65]),                             // DQT
        segment(0xC0, b"\x08\x00\x03\x00\x04\x01\x01\x11\x00"), // SOF0
        segment(0xC4, &[0x00; 20]),                             // DHT
        segment(0xDD, b"\x00\x04"),                             // DRI
        segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),             // SOS
    ]
}

#[test]
fn jpeg_metadata_segments_go_and_the_rest_stays() {
    let icc = segment(0xE2, b"ICC_PROFILE\0\x01\x01profile bytes");
    let adobe = segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01");
    let decoding = decoding_segments();
    let mut parts: Vec<Vec<u8>> = vec![
        SOI.to_vec(),
        jfif(),
        segment(0xE1, b"Exif\0\0MM\0*\0\0\0\x08GPS and serial number"),
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"),
        segment(0xE1, b"http://ns.adobe.com/xmp/extension/\0more"),
        icc.clone(),
        segment(0xE2, b"MPF\0II*\0"),
        segment(0xE2, b"FPXR\0\0"),
        segment(0xEB, b"JP\0\x01\0\0\0\x01jumbjumd....c2pa\0"),
        segment(0xEC, b"Ducky\0\x01"),
        segment(0xED, b"Photoshop 3.0\08BIM\x04\x04"),
        segment(0xE5, b"vendor"),
        adobe.clone(),
        segment(0xFE, b"taken by unit 7"),
    ];
    parts.extend(decoding.iter().cloned());
    parts.extend([SCAN.to_vec(), EOI.to_vec()]);
    let got = strip("image/jpeg", &parts.concat());

    let mut kept: Vec<Vec<u8>> = vec![SOI.to_vec(), jfif(), icc, adobe];
    kept.extend(decoding);
    kept.extend([SCAN.to_vec(), EOI.to_vec()]);
    assert_eq!(got.bytes, kept.concat());
    assert_eq!(
        got.removed,
        [
            "EXIF (APP1)",
            "XMP (APP1)",
            "extended XMP (APP1)",
            "MPF (APP2)",
            "FlashPix (APP2)",
            "C2PA manifest (APP11)",
            "Ducky (APP12)",
            "Photoshop/IPTC (APP13)",
            "APP5",
            "comment (COM)",
        ]
    );
}

#[test]
fn jpeg_scans_are_copied_whole_and_segments_between_them_walked() {
    // A progressive-style file: two scans, a table and an EXIF segment
    // between them, fill bytes before markers, a stray restart marker.
    let dht = segment(0xC4, &[0x01; 8]);
    let sos = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00");
    let second_scan: &[u8] = b"\xab\xff\x00\xcd\xff\xd7\xef";
    let input = jpeg(&[
        SOI,
        b"\xff\xff\xff", // fill bytes before the next marker
        &segment(0xDB, &[0x00; 65]),
        &sos,
        SCAN,
        b"\xff\xff", // fill bytes at the end of the scan
        &dht,
        &segment(0xE1, b"Exif\0\0late"),
        b"\xff\xd3", // a restart marker outside a scan
        &sos,
        second_scan,
        EOI,
    ]);
    let got = strip("image/jpeg", &input);
    let expected = jpeg(&[
        SOI,
        &segment(0xDB, &[0x00; 65]),
        &sos,
        SCAN,
        &dht,
        b"\xff\xd3",
        &sos,
        second_scan,
        EOI,
    ]);
    assert_eq!(got.bytes, expected);
    assert_eq!(got.removed, ["EXIF (APP1)"]);
}

#[test]
fn jpeg_data_after_eoi_goes() {
    // Where phones put a second picture (MPF) or a motion photo's video.
    let second = jpeg(&[SOI, &segment(0xE1, b"Exif\0\0GPS"), EOI]);
    let first = image(&[&jfif()]);
    let got = strip("image/jpeg", &[first.clone(), second].concat());
    assert_eq!(got.bytes, first);
    assert_eq!(got.removed, ["data after EOI"]);
}

#[test]
fn jfif_thumbnail_goes_but_jfif_stays() {
    let mut payload = b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\x02\x01".to_vec();
    payload.extend_from_slice(&[0xEE; 6]); // a 2 x 1 RGB thumbnail
    let got = strip("image/jpeg", &image(&[&segment(0xE0, &payload)]));
    let bare = segment(0xE0, b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\x00\x00");
    assert_eq!(got.bytes, image(&[&bare]));
    assert_eq!(got.removed, ["JFIF thumbnail (APP0)"]);

    // JFXX, the extension thumbnail, goes whole.
    let got = strip("image/jpeg", &image(&[&jfif(), &segment(0xE0, b"JFXX\0\x10thumb")]));
    assert_eq!(got.bytes, image(&[&jfif()]));
    assert_eq!(got.removed, ["JFIF extension thumbnail (APP0)"]);
}

/// A JPEG-like file: SOI, `segments`, the decoding segments, a scan, EOI.
fn image(segments: &[&[u8]]) -> Vec<u8> {
    [SOI, &segments.concat(), &decoding_segments().concat(), SCAN, EOI].concat()
}

#[test]
fn stripping_is_deterministic_and_idempotent() {
    let input = image(&[&jfif(), &segment(0xE1, b"Exif\0\0x"), &segment(0xFE, b"note")]);
    let once = strip("image/jpeg", &input);
    assert_eq!(strip("image/jpeg", &input), once);
    let twice = strip("image/jpeg", &once.bytes);
    assert_eq!(twice.bytes, once.bytes);
    assert!(twice.removed.is_empty(), "{twice:?}");

    let input = noisy_png();
    let once = strip("image/png", &input);
    let twice = strip("image/png", &once.bytes);
    assert_eq!(twice.bytes, once.bytes);
    assert!(twice.removed.is_empty(), "{twice:?}");
}

/// A JPEG whose parts are all known: every proper prefix of it is
/// truncated somewhere.
fn small_jpeg() -> Vec<u8> {
    image(&[&jfif(), &segment(0xE1, b"Exif\0\0MM\0*"), &segment(0xFE, b"c")])
}

#[test]
fn truncated_jpeg_is_refused_at_every_length() {
    let whole = small_jpeg();
    strip("image/jpeg", &whole);
    for cut in 0..whole.len() {
        let got = strip_metadata("image/jpeg", &whole[..cut]);
        assert!(matches!(got, Err(StripError::Malformed { .. })), "cut at {cut}: {got:?}");
    }
}

#[test]
fn malformed_jpeg_errors_name_the_place() {
    let cases: [(&[u8], usize, &str); 8] = [
        (b"", 0, "SOI"),
        (b"\x89PNG\r\n\x1a\n", 0, "SOI"),
        (b"\xff\xd8\xff\xe1\x00\x01", 4, "less than 2"),
        (b"\xff\xd8\xff\xe1\x00\x40Exif", 2, "APP1 segment claims 64 bytes, but only 6 remain"),
        (b"\xff\xd8\xff\xd8", 2, "second SOI"),
        (b"\xff\xd8\x00\xff\xd9", 2, "expected a marker (FF), found 00"),
        (b"\xff\xd8\xff\x00\xff\xd9", 2, "FF 00"),
        (b"\xff\xd8\xff\xda\x00\x02\x01\x02\x03", 6, "scan data runs to the end"),
    ];
    for (input, offset, words) in cases {
        let error = strip_metadata("image/jpeg", input).unwrap_err();
        let StripError::Malformed { format, offset: at, ref problem } = error else {
            panic!("{error:?}")
        };
        assert_eq!((format, at), ("JPEG", offset), "{error}");
        assert!(problem.contains(words), "{error}");
        assert!(error.to_string().starts_with(&format!("malformed JPEG at byte {offset}: ")));
    }
}

#[test]
fn damaged_files_never_panic() {
    for (media_type, whole) in [("image/jpeg", small_jpeg()), ("image/png", noisy_png())] {
        for at in 0..whole.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut damaged = whole.clone();
                damaged[at] ^= flip;
                // Either outcome is fine; a panic is not.
                if let Ok(got) = strip_metadata(media_type, &damaged) {
                    assert!(got.bytes.len() <= damaged.len());
                }
            }
        }
    }
}

/// A PNG with every kind of metadata chunk, and rendering chunks among
/// them.
fn noisy_png() -> Vec<u8> {
    png_with(
        &pixels(),
        &[
            chunk(b"gAMA", &45455u32.to_be_bytes()),
            chunk(b"tEXt", b"Author\0unit 7"),
            chunk(b"eXIf", b"MM\0*\0\0\0\x08"),
            chunk(b"pHYs", b"\0\0\x0b\x13\0\0\x0b\x13\x01"),
            chunk(b"zTXt", b"Comment\0\0x"),
            chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x/>"),
            chunk(b"tIME", b"\x07\xe9\x0b\x0e\x03\x16\x0a"),
            chunk(b"caBX", b"jumb c2pa"),
            chunk(b"sRGB", b"\0"),
            chunk(b"prVt", b"private"),
        ],
    )
}

#[test]
fn png_metadata_chunks_go_and_the_rest_stays() {
    let input = noisy_png();
    let got = strip("image/png", &input);
    let expected = png_with(
        &pixels(),
        &[
            chunk(b"gAMA", &45455u32.to_be_bytes()),
            chunk(b"pHYs", b"\0\0\x0b\x13\0\0\x0b\x13\x01"),
            chunk(b"sRGB", b"\0"),
        ],
    );
    assert_eq!(got.bytes, expected);
    assert_eq!(idat(&got.bytes), idat(&input));
    assert_eq!(
        got.removed,
        [
            "PNG tEXt chunk",
            "PNG eXIf chunk",
            "PNG zTXt chunk",
            "PNG iTXt chunk",
            "PNG tIME chunk",
            "C2PA manifest (PNG caBX chunk)",
            "PNG prVt chunk",
        ]
    );
    // A plain PNG has nothing to lose.
    let plain = strip("image/png", &png(&pixels()));
    assert_eq!(plain.bytes, png(&pixels()));
    assert!(plain.removed.is_empty());
}

#[test]
fn png_data_after_iend_goes() {
    let image = png(&pixels());
    let got = strip("image/png", &[image.clone(), b"trailing GPS".to_vec()].concat());
    assert_eq!(got.bytes, image);
    assert_eq!(got.removed, ["data after IEND"]);
}

#[test]
fn truncated_png_is_refused_at_every_length() {
    let whole = noisy_png();
    for cut in 0..whole.len() {
        let got = strip_metadata("image/png", &whole[..cut]);
        assert!(matches!(got, Err(StripError::Malformed { .. })), "cut at {cut}: {got:?}");
    }
}

#[test]
fn png_with_a_bad_crc_is_refused() {
    let mut input = noisy_png();
    let (at, _, len) = chunks(&input).into_iter().find(|(_, kind, _)| kind == b"tEXt").unwrap();
    let text_end = at + 12 + len;
    input[text_end - 1] ^= 0x01; // the last byte of its CRC
    let error = strip_metadata("image/png", &input).unwrap_err();
    assert!(
        matches!(error, StripError::Malformed { format: "PNG", offset, .. } if offset == text_end - 4),
        "{error:?}"
    );
    assert!(error.to_string().contains("tEXt chunk's CRC"), "{error}");
}

#[test]
fn malformed_png_errors_name_the_place() {
    let sig = b"\x89PNG\r\n\x1a\n".to_vec();
    let cases: [(Vec<u8>, usize, &str); 5] = [
        (b"\xff\xd8\xff\xd9".to_vec(), 0, "signature"),
        ([sig.clone(), chunk(b"IDAT", b"x")].concat(), 8, "first chunk is IDAT"),
        ([sig.clone(), b"\0\0\0\0IH1R".to_vec()].concat(), 12, "not four ASCII letters"),
        ([sig.clone(), b"\x80\0\0\0IHDR".to_vec()].concat(), 8, "over 2^31 - 1"),
        ([sig.clone(), b"\0\0\0\x0dIHDR\0\0".to_vec()].concat(), 8, "claims 13 bytes"),
    ];
    for (input, offset, words) in cases {
        let error = strip_metadata("image/png", &input).unwrap_err();
        let StripError::Malformed { format, offset: at, ref problem } = error else {
            panic!("{error:?}")
        };
        assert_eq!((format, at), ("PNG", offset), "{error}");
        assert!(problem.contains(words), "{error}");
    }
}

#[test]
fn unknown_critical_png_chunk_is_refused() {
    // Apple's CgBI, for one: cannot be dropped, cannot be vouched for.
    let input = png_with(&pixels(), &[chunk(b"CgBI", b"\0\0\0\0")]);
    let error = strip_metadata("image/png", &input).unwrap_err();
    assert_eq!(error, StripError::UnknownCriticalChunk { offset: 33, chunk: "CgBI".to_owned() });
}

#[test]
fn media_types() {
    for media_type in ["image/jpeg", "image/png", "IMAGE/PNG", " image/jpeg; q=1"] {
        assert!(can_strip(media_type), "{media_type}");
    }
    for media_type in ["image/tiff", "video/mp4", "", "jpeg", "image/jpg"] {
        assert!(!can_strip(media_type), "{media_type}");
        let error = strip_metadata(media_type, &small_jpeg()).unwrap_err();
        assert_eq!(error, StripError::Unsupported(media_type.to_owned()));
    }
    // The declared type decides how the bytes are read.
    let error = strip_metadata("image/jpeg", &png(&pixels())).unwrap_err();
    assert!(matches!(error, StripError::Malformed { format: "JPEG", offset: 0, .. }));
    assert!(strip_metadata("image/png; x=1", &png(&pixels())).is_ok());
}
