//! `inspect` over files made here: a PNG drawn by hand, signed with c2pa's
//! ephemeral test signer, then tampered with.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use c2pa::{Builder, Context, EphemeralSigner};
use common::{chunk, chunks, idat, image_data, pixels, png};
use truce_credentials::{CredentialState, Credentials, inspect, strip_metadata, supported};

mod common;

const SIGNER_NAME: &str = "monitor.truce.test";

/// The manifest the tests sign with: a title and one `c2pa.created`.
const DEFINITION: &str = r#"{
    "title": "checkpoint-7.png",
    "claim_generator_info": [{"name": "truce-credentials-test", "version": "0.1.0"}],
    "assertions": [{
        "label": "c2pa.actions",
        "data": {"actions": [{
            "action": "c2pa.created",
            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
        }]}
    }]
}"#;

/// `png` signed with a fresh ephemeral certificate.
fn signed(png: &[u8]) -> Vec<u8> {
    let signer = EphemeralSigner::new(SIGNER_NAME).unwrap();
    let mut builder = Builder::from_context(Context::new()).with_definition(DEFINITION).unwrap();
    let mut out = Cursor::new(Vec::new());
    builder.sign(&signer, "image/png", &mut Cursor::new(png), &mut out).unwrap();
    out.into_inner()
}

fn check(media_type: &str, bytes: &[u8]) -> Credentials {
    inspect(media_type, &mut Cursor::new(bytes)).unwrap()
}

#[test]
fn signed_png_is_valid_but_not_trusted() {
    let got = check("image/png", &signed(&png(&pixels())));
    assert_eq!(got.state, CredentialState::Valid, "{got:#?}");
    assert_eq!(got.bytes_match, Some(true), "{got:#?}");
    assert_eq!(got.signer.as_deref(), Some(SIGNER_NAME), "{got:#?}");
    assert_eq!(got.title.as_deref(), Some("checkpoint-7.png"));
    assert!(got.actions.iter().any(|a| a == "c2pa.created"), "{got:#?}");
    assert!(
        got.claim_generator.as_deref().is_some_and(|g| g.starts_with("truce-credentials-test")),
        "{got:#?}"
    );
    // No trust list: the one failure c2pa tolerates for "valid".
    assert!(got.codes.iter().any(|c| c == "signingCredential.untrusted"));
    assert!(got.codes.iter().any(|c| c == "assertion.dataHash.match"));
    assert!(got.codes.iter().any(|c| c == "claimSignature.validated"));
    assert_codes_grouped(&got);
}

#[test]
fn a_flipped_pixel_breaks_the_binding() {
    let mut bytes = signed(&png(&pixels()));
    // Re-encode the IDAT with one pixel byte flipped: same length, valid
    // zlib and chunk CRC, so the PNG stays well-formed and only the bytes
    // the manifest hashed have changed.
    let (at, _, len) = chunks(&bytes).into_iter().find(|(_, kind, _)| kind == b"IDAT").unwrap();
    let mut tampered = pixels();
    tampered[5] ^= 0x01;
    let idat = chunk(b"IDAT", &image_data(&tampered));
    assert_eq!(idat.len(), 12 + len);
    bytes[at..at + 12 + len].copy_from_slice(&idat);

    let got = check("image/png", &bytes);
    assert_eq!(got.state, CredentialState::Invalid, "{got:#?}");
    assert_eq!(got.bytes_match, Some(false), "{got:#?}");
    assert!(got.codes.iter().any(|c| c.contains("mismatch")), "{got:#?}");
    // The signature itself still verifies: only the binding broke.
    assert_eq!(got.signer.as_deref(), Some(SIGNER_NAME), "{got:#?}");
    assert_codes_grouped(&got);
}

#[test]
fn a_stripped_copy_has_no_manifest_and_the_same_pixels() {
    let original = signed(&png(&pixels()));
    let copy = strip_metadata("image/png", &original).unwrap();
    assert_eq!(copy.removed, ["C2PA manifest (PNG caBX chunk)"]);
    assert_eq!(idat(&copy.bytes), idat(&original));
    assert_eq!(copy.bytes, png(&pixels()));
    let got = check("image/png", &copy.bytes);
    assert_eq!(got.state, CredentialState::Absent, "{got:#?}");
    assert!(got.codes.is_empty(), "{got:#?}");
}

#[test]
fn unsigned_png_has_no_credentials() {
    let got = check("image/png", &png(&pixels()));
    assert_eq!(got.state, CredentialState::Absent, "{got:#?}");
    assert_eq!(got.bytes_match, None);
    assert!(got.actions.is_empty());
}

#[test]
fn garbage_is_absent_or_invalid() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 256) as u8).collect();
    for media_type in ["image/png", "image/jpeg", "video/mp4", "application/pdf"] {
        for bytes in [&garbage[..], b"", b"%PDF-1.7\n%%EOF\n"] {
            let got = check(media_type, bytes);
            assert!(
                matches!(got.state, CredentialState::Absent | CredentialState::Invalid),
                "{media_type}: {got:#?}"
            );
            assert_ne!(got.bytes_match, Some(true));
        }
    }
}

#[test]
fn truncated_signed_png_is_invalid_not_an_error() {
    let bytes = signed(&png(&pixels()));
    for cut in [9, 40, bytes.len() / 2, bytes.len() - 3] {
        let got = check("image/png", &bytes[..cut]);
        assert_ne!(got.state, CredentialState::Valid, "cut at {cut}: {got:#?}");
    }
}

#[test]
fn not_an_image_is_invalid() {
    for media_type in ["image/png", "image/jpeg", "video/mp4"] {
        let got = check(media_type, b"Shelling reported near the checkpoint.");
        assert_eq!(got.state, CredentialState::Invalid, "{media_type}: {got:#?}");
        assert_eq!(got.codes, ["general.error"], "{media_type}");
    }
}

/// c2pa reads the container it sniffs, whatever the declared type: a
/// signed PNG declared as JPEG is still read as the PNG it is. (Recorded
/// here so that a change of c2pa's behaviour is noticed.)
#[test]
fn declared_type_is_only_a_fallback() {
    let got = check("image/jpeg", &signed(&png(&pixels())));
    assert_eq!(got.state, CredentialState::Valid, "{got:#?}");
}

#[test]
fn unsupported_media_type_is_absent() {
    for media_type in ["text/plain", "application/x-truce", "", "png"] {
        assert!(!supported(media_type), "{media_type}");
        let got = check(media_type, &signed(&png(&pixels())));
        assert_eq!(got.state, CredentialState::Absent, "{media_type}");
        assert_eq!(got.codes, ["truce.unsupportedFormat"]);
    }
}

#[test]
fn supported_media_types() {
    for media_type in ["image/png", "IMAGE/PNG", "image/jpeg; q=1", "video/mp4"] {
        assert!(supported(media_type), "{media_type}");
    }
}

#[test]
fn a_failing_stream_is_an_error() {
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    impl std::io::Seek for Broken {
        fn seek(&mut self, _: std::io::SeekFrom) -> std::io::Result<u64> {
            Ok(0)
        }
    }
    let error = inspect("image/png", &mut Broken).unwrap_err();
    assert!(error.to_string().contains("disk on fire"), "{error}");
}

#[test]
fn state_names() {
    let names = [
        CredentialState::Absent,
        CredentialState::Valid,
        CredentialState::Trusted,
        CredentialState::Invalid,
    ]
    .map(CredentialState::as_str);
    assert_eq!(names, ["absent", "valid", "trusted", "invalid"]);
}

/// Failure codes come first, then success codes, each group sorted and
/// without duplicates.
fn assert_codes_grouped(got: &Credentials) {
    let is_failure = |code: &str| {
        code.contains("mismatch") || code.contains("untrusted") || code.starts_with("truce.")
    };
    let split = got.codes.iter().take_while(|c| is_failure(c)).count();
    let (failures, successes) = got.codes.split_at(split);
    assert!(successes.iter().all(|c| !is_failure(c)), "{got:#?}");
    for group in [failures, successes] {
        assert!(group.windows(2).all(|w| w[0] < w[1]), "{got:#?}");
    }
}
