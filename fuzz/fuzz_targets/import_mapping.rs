//! The mapping tables of the CSV imports (`--mapping FILE`, TOML): any
//! text is read or refused with a message, never panics. The first byte
//! chooses the table: even ACLED's, odd UCDP's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_interop::{AcledMapping, UcdpMapping};

fuzz_target!(|data: &[u8]| {
    let Some((&which, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    if which % 2 == 0 {
        let _ = AcledMapping::parse(text);
    } else {
        let _ = UcdpMapping::parse(text);
    }
});
