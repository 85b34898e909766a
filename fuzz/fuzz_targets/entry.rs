//! Entries as sources submit them: bytes that are not UTF-8, not JSON, or
//! not a valid entry of any type are refused with problems, never a panic;
//! a valid entry's canonical form (RFC 8785) reads back as the same entry
//! and is its own canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_entry::Entry;

fuzz_target!(|data: &[u8]| {
    match Entry::parse(data) {
        Ok(entry) => {
            let canonical = entry.to_canonical_json();
            let again = Entry::parse(canonical.as_bytes()).expect("the canonical form reads back");
            assert_eq!(again, entry);
            assert_eq!(again.to_canonical_json(), canonical);
        }
        Err(problems) => assert!(!problems.is_empty()),
    }
});
