//! `device_claims` over EXIF written here with kamadak-exif's writer, in
//! JPEGs and PNGs made by hand.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use common::{chunk, jfif, pixels, png, png_with, segment};
use exif::experimental::Writer;
use exif::{Field, In, Tag, Value};
use truce_credentials::{DeviceClaims, device_claims, strip_metadata};

mod common;

/// An ASCII field of the primary image.
fn ascii(tag: Tag, text: &str) -> Field {
    Field { tag, ifd_num: In::PRIMARY, value: Value::Ascii(vec![text.as_bytes().to_vec()]) }
}

/// A rational field of the primary image, from (numerator, denominator)
/// pairs.
fn rational(tag: Tag, parts: &[(u32, u32)]) -> Field {
    let value = Value::Rational(parts.iter().map(|&pair| pair.into()).collect());
    Field { tag, ifd_num: In::PRIMARY, value }
}

/// What a phone writes: maker and model, local time with its offset, GPS
/// position, error, date and time.
fn phone_fields() -> Vec<Field> {
    vec![
        ascii(Tag::Make, "Apple"),
        ascii(Tag::Model, "iPhone 15 Pro"),
        ascii(Tag::DateTimeOriginal, "2025:11:14 03:22:10"),
        ascii(Tag::OffsetTimeOriginal, "+02:00"),
        ascii(Tag::GPSLatitudeRef, "N"),
        // 50° 27' 12.34"
        rational(Tag::GPSLatitude, &[(50, 1), (27, 1), (1234, 100)]),
        ascii(Tag::GPSLongitudeRef, "E"),
        // 30° 31.5' 0"
        rational(Tag::GPSLongitude, &[(30, 1), (315, 10), (0, 1)]),
        rational(Tag::GPSHPositioningError, &[(47, 10)]),
        ascii(Tag::GPSDateStamp, "2025:11:14"),
        rational(Tag::GPSTimeStamp, &[(1, 1), (22, 1), (1075, 100)]),
    ]
}

/// The TIFF structure holding `fields`, big-endian.
fn tiff(fields: &[Field]) -> Vec<u8> {
    let mut writer = Writer::new();
    for field in fields {
        writer.push_field(field);
    }
    let mut out = Cursor::new(Vec::new());
    writer.write(&mut out, false).unwrap();
    out.into_inner()
}

/// A JPEG-like file carrying `fields` in an APP1 EXIF segment.
fn jpeg(fields: &[Field]) -> Vec<u8> {
    let exif = [b"Exif\0\0".as_slice(), &tiff(fields)].concat();
    [
        b"\xff\xd8".as_slice(),
        &jfif(),
        &segment(0xE1, &exif),
        &segment(0xDB, &[0; 65]),
        &segment(0xC0, b"\x08\x00\x03\x00\x04\x01\x01\x11\x00"),
        &segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x12\x34\xff\xd9",
    ]
    .concat()
}

fn claims(media_type: &str, bytes: &[u8]) -> DeviceClaims {
    device_claims(media_type, &mut Cursor::new(bytes))
}

#[test]
fn a_phone_photo_says_when_where_and_with_what() {
    let got = claims("image/jpeg", &jpeg(&phone_fields()));
    assert_eq!(
        got,
        DeviceClaims {
            captured: Some("2025-11-14T03:22:10+02:00".to_owned()),
            lat: Some(50.4534278), // 50 + 27/60 + 12.34/3600 = 50.45342777...
            lon: Some(30.525),
            uncertainty_m: Some(4.7),
            device: Some("Apple iPhone 15 Pro".to_owned()),
        }
    );
}

#[test]
fn the_same_in_a_png() {
    let bytes = png_with(&pixels(), &[chunk(b"eXIf", &tiff(&phone_fields()))]);
    let got = claims("image/png", &bytes);
    assert_eq!(got.captured.as_deref(), Some("2025-11-14T03:22:10+02:00"));
    assert_eq!((got.lat, got.lon), (Some(50.4534278), Some(30.525)));
}

#[test]
fn without_an_offset_the_gps_time_is_used_and_never_a_guess() {
    let without_offset: Vec<Field> =
        phone_fields().into_iter().filter(|f| f.tag != Tag::OffsetTimeOriginal).collect();
    let got = claims("image/jpeg", &jpeg(&without_offset));
    // UTC, fractions of a second dropped.
    assert_eq!(got.captured.as_deref(), Some("2025-11-14T01:22:10Z"));

    let local_only: Vec<Field> = without_offset
        .into_iter()
        .filter(|f| f.tag != Tag::GPSDateStamp && f.tag != Tag::GPSTimeStamp)
        .collect();
    let got = claims("image/jpeg", &jpeg(&local_only));
    assert_eq!(got.captured, None);
    assert!(got.lat.is_some(), "the rest is still read: {got:?}");
}

#[test]
fn southern_and_western_coordinates_are_negative() {
    let mut fields = phone_fields();
    for field in &mut fields {
        match field.tag {
            Tag::GPSLatitudeRef => *field = ascii(Tag::GPSLatitudeRef, "S"),
            Tag::GPSLongitudeRef => *field = ascii(Tag::GPSLongitudeRef, "W"),
            _ => {}
        }
    }
    let got = claims("image/jpeg", &jpeg(&fields));
    assert_eq!((got.lat, got.lon), (Some(-50.4534278), Some(-30.525)));
}

#[test]
fn a_bad_position_is_no_position() {
    let replace = |tag: Tag, with: Field| {
        let fields: Vec<Field> = phone_fields()
            .into_iter()
            .map(|f| if f.tag == tag { with.clone() } else { f })
            .collect();
        claims("image/jpeg", &jpeg(&fields))
    };
    let cases = [
        rational(Tag::GPSLatitude, &[(91, 1), (0, 1), (0, 1)]),
        rational(Tag::GPSLatitude, &[(90, 1), (0, 1), (1, 1)]),
        rational(Tag::GPSLatitude, &[(50, 1), (60, 1), (0, 1)]),
        rational(Tag::GPSLatitude, &[(50, 0), (0, 1), (0, 1)]),
        rational(Tag::GPSLatitude, &[(50, 1), (27, 1)]),
        ascii(Tag::GPSLatitudeRef, "X"),
        ascii(Tag::GPSLatitudeRef, "NS"),
        ascii(Tag::GPSLongitudeRef, "N"),
        rational(Tag::GPSLongitude, &[(181, 1), (0, 1), (0, 1)]),
        ascii(Tag::GPSStatus, "V"),
    ];
    for case in cases {
        let tag = case.tag;
        let got = match tag {
            Tag::GPSStatus => {
                claims("image/jpeg", &jpeg(&[phone_fields(), vec![case.clone()]].concat()))
            }
            _ => replace(tag, case.clone()),
        };
        // Latitude and longitude come together, and the error with them.
        assert_eq!((got.lat, got.lon, got.uncertainty_m), (None, None, None), "{case:?}");
        assert!(got.captured.is_some() && got.device.is_some(), "{case:?}");
    }
    let missing_ref: Vec<Field> =
        phone_fields().into_iter().filter(|f| f.tag != Tag::GPSLongitudeRef).collect();
    assert_eq!(claims("image/jpeg", &jpeg(&missing_ref)).lon, None);
}

#[test]
fn bad_times_are_no_time() {
    for (tag, text) in [
        (Tag::DateTimeOriginal, "0000:00:00 00:00:00"),
        (Tag::DateTimeOriginal, "    :  :     :  :  "),
        (Tag::DateTimeOriginal, "2025:02:29 10:00:00"),
        (Tag::DateTimeOriginal, "2025-11-14T03:22:10"),
        (Tag::OffsetTimeOriginal, "-00:00"),
        (Tag::OffsetTimeOriginal, "   :  "),
    ] {
        let fields: Vec<Field> = phone_fields()
            .into_iter()
            .filter(|f| f.tag != Tag::GPSDateStamp)
            .map(|f| if f.tag == tag { ascii(tag, text) } else { f })
            .collect();
        assert_eq!(claims("image/jpeg", &jpeg(&fields)).captured, None, "{text}");
    }
}

#[test]
fn device_names() {
    let device = |make: Option<&str>, model: Option<&str>| {
        let mut fields = vec![ascii(Tag::Software, "firmware 1.0")];
        fields.extend(make.map(|m| ascii(Tag::Make, m)));
        fields.extend(model.map(|m| ascii(Tag::Model, m)));
        claims("image/jpeg", &jpeg(&fields)).device
    };
    assert_eq!(device(Some("Canon"), Some("Canon EOS R5")).as_deref(), Some("Canon EOS R5"));
    assert_eq!(
        device(Some("Apple"), Some("iPhone 15 Pro")).as_deref(),
        Some("Apple iPhone 15 Pro")
    );
    assert_eq!(device(Some("  SONY "), None).as_deref(), Some("SONY"));
    assert_eq!(device(None, Some("Pixel\t8")).as_deref(), Some("Pixel 8"));
    assert_eq!(device(None, None), None);
    assert_eq!(device(Some(" "), Some("")), None);
    let long = "x".repeat(500);
    assert_eq!(device(None, Some(&long)).map(|d| d.len()), Some(200));
}

#[test]
fn no_exif_or_broken_exif_is_no_claims() {
    let nothing = DeviceClaims::default();
    assert_eq!(claims("image/png", &png(&pixels())), nothing);
    assert_eq!(claims("image/jpeg", b""), nothing);
    assert_eq!(claims("image/jpeg", b"not a jpeg at all"), nothing);
    // EXIF whose TIFF header is garbage.
    let broken = [b"\xff\xd8".as_slice(), &segment(0xE1, b"Exif\0\0XX\0*\0\0\0\x08"), b"\xff\xd9"];
    assert_eq!(claims("image/jpeg", &broken.concat()), nothing);
    // A type that carries no EXIF here, even if the bytes do.
    assert_eq!(claims("text/plain", &jpeg(&phone_fields())), nothing);
    // Every truncation of a file with EXIF, every damaged byte: no panic.
    let whole = jpeg(&phone_fields());
    for cut in 0..whole.len() {
        claims("image/jpeg", &whole[..cut]);
    }
    for at in 0..whole.len() {
        let mut damaged = whole.clone();
        damaged[at] ^= 0xFF;
        claims("image/jpeg", &damaged);
    }
}

#[test]
fn the_stream_is_read_from_its_start() {
    let bytes = jpeg(&phone_fields());
    let mut stream = Cursor::new(&bytes[..]);
    stream.set_position(100);
    assert!(device_claims("image/jpeg", &mut stream).device.is_some());
}

#[test]
fn stripping_removes_every_claim() {
    let original = jpeg(&phone_fields());
    assert_ne!(claims("image/jpeg", &original), DeviceClaims::default());
    let copy = strip_metadata("image/jpeg", &original).unwrap();
    assert_eq!(copy.removed, ["EXIF (APP1)"]);
    assert_eq!(claims("image/jpeg", &copy.bytes), DeviceClaims::default());

    let original = png_with(&pixels(), &[chunk(b"eXIf", &tiff(&phone_fields()))]);
    assert_ne!(claims("image/png", &original), DeviceClaims::default());
    let copy = strip_metadata("image/png", &original).unwrap();
    assert_eq!(copy.bytes, png(&pixels()));
    assert_eq!(claims("image/png", &copy.bytes), DeviceClaims::default());
}
