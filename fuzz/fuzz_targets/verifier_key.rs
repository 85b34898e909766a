//! Verifier keys (`<name>+<hex id>+<base64 type and key>`), as sources,
//! witnesses and policies give them: parse or refuse, never panic; a parsed
//! key prints back as it was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_note::VerifierKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(key) = text.parse::<VerifierKey>() {
        assert_eq!(key.to_string(), text);
    }
});
