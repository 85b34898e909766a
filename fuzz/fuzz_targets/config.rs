//! The server's configuration: a TOML file, then `TRUCE_*` environment
//! variables (given here as `NAME=value` lines after a line `---`). Any
//! text is read or refused with a message, never panics, and a
//! configuration read names its stores or says why it cannot.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use truce_server::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (file, env) = text.split_once("\n---\n").unwrap_or((text, ""));
    let Ok(mut config) = Config::parse(file, Path::new("truce.toml")) else { return };
    let env: BTreeMap<&str, &str> = env.lines().filter_map(|l| l.split_once('=')).collect();
    if config.apply_env(|name| env.get(name).map(|v| (*v).to_owned())).is_ok() {
        let _ = config.backends();
    }
});
