//! C2SP tlog-tiles entry bundles (big-endian 16-bit length, then the
//! entry): decode or refuse, never panic; a decoded bundle encodes back to
//! its bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_log::{BundleId, decode_bundle, encode_bundle};

fuzz_target!(|data: &[u8]| {
    let [width, body @ ..] = data else { return };
    let Ok(bundle) = BundleId::new(0, u16::from(*width) + 1) else { return };
    if let Ok(entries) = decode_bundle(bundle, body) {
        assert_eq!(entries.len(), usize::from(*width) + 1);
        assert_eq!(encode_bundle(&entries).expect("encodes"), body);
    }
});
