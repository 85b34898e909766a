//! C2SP tlog-witness add-checkpoint request bodies: parse or refuse, never
//! panic; a parsed request writes back to the body it was read from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_witness::AddCheckpoint;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = AddCheckpoint::parse(data) {
        assert_eq!(request.to_bytes(), data);
    }
});
