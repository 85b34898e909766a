//! Running the `truce` binary as a user does.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `truce` with `args` in `dir`, with `stdin` as its standard input.
pub fn truce(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("truce runs");
    child.stdin.take().expect("stdin").write_all(stdin).expect("writes stdin");
    child.wait_with_output().expect("truce finishes")
}
