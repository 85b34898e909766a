//! Reads JSON texts, one per line, and writes each one's canonical form
//! (RFC 8785) on a line, or `error: WHY` for a text Truce refuses (not
//! JSON, a duplicate member, a number out of range). The differential test
//! (`e2e/differential/jcs.py`) compares it with an independent
//! implementation.

use std::io::{BufRead, Write};

fn main() -> std::io::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lines() {
        match truce_entry::parse_strict(&line?) {
            Ok(value) => writeln!(stdout, "{}", truce_entry::canonical(&value))?,
            Err(why) => writeln!(stdout, "error: {}", why.replace('\n', " "))?,
        }
        stdout.flush()?;
    }
    Ok(())
}
