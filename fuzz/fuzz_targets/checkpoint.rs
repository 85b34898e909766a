//! C2SP tlog-checkpoint bodies: parse or refuse, never panic; a parsed
//! checkpoint's body is the text it was read from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_log::Checkpoint;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(checkpoint) = Checkpoint::parse(text) {
        assert_eq!(checkpoint.body(), text);
        assert!(Checkpoint::parse(&checkpoint.body()).is_ok_and(|again| again == checkpoint));
    }
});
