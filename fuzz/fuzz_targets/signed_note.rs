//! C2SP signed-note: any bytes parse or are refused, never panic; a parsed
//! note verifies (or fails to) against a key without panicking, and its
//! signature lines print back as they were read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_note::{UnverifiedNote, VerifierKey, VerifierSet};

/// The key of the C2SP signed-note example (testdata/vectors/signed-note).
const KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

fuzz_target!(|data: &[u8]| {
    let Ok(note) = UnverifiedNote::parse(data) else { return };
    for signature in note.signatures() {
        let line = signature.to_line();
        assert!(data.windows(line.len()).any(|w| w == line.as_bytes()), "{line}");
    }
    let key: VerifierKey = KEY.parse().expect("the example's key");
    let mut keys = VerifierSet::new();
    keys.insert(key);
    if let Ok(verified) = note.verify(&keys) {
        // Verified means signed by the one key, over the text as read.
        assert_eq!(verified.verified().len(), 1);
        assert!(data.starts_with(verified.text().as_bytes()));
    }
});
