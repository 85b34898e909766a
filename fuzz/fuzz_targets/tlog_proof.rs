//! C2SP tlog-proof (`c2sp.org/tlog-proof@v1`): parse or refuse, never
//! panic; a parsed proof writes back to the bytes it was read from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_log::TlogProof;

fuzz_target!(|data: &[u8]| {
    if let Ok(proof) = TlogProof::parse(data) {
        assert_eq!(proof.to_bytes(), data);
    }
});
