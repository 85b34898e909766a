//! What Truce reads of a photo's own bytes (truce-credentials): the copy
//! without metadata (JPEG and PNG, walked by hand) and the device's EXIF
//! claims. Refuse or answer, never panic; a copy that was stripped strips
//! to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for media_type in ["image/jpeg", "image/png"] {
        if let Ok(stripped) = truce_credentials::strip_metadata(media_type, data) {
            let again = truce_credentials::strip_metadata(media_type, &stripped.bytes)
                .expect("a stripped copy strips");
            assert_eq!(again.bytes, stripped.bytes);
        }
        let _ = truce_credentials::device_claims(media_type, &mut std::io::Cursor::new(data));
    }
});
