//! C2SP tlog-policy files (log, witness, group and quorum lines), as
//! users give them to the CLI and the dashboard: parse or refuse, never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_log::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(policy) = Policy::parse(text) {
        let _ = policy.logs().count() + policy.witnesses().count();
    }
});
