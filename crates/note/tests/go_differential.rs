//! Differential test against Go's own `golang.org/x/mod/sumdb/note`: tens
//! of thousands of notes, valid ones and mutations of them (bytes flipped,
//! dropped, inserted, lines cut, doubled and swapped, names and key IDs
//! changed, text that is not UTF-8), are verified by Truce and by Go with
//! the same keys; both must accept the same notes, with the same text and
//! the same verified signatures, and refuse the same others.
//!
//! With two exceptions, where Truce is stricter, as the specs allow:
//! * Go verifies only the first of several signatures by the same known key
//!   and drops the others unchecked, where C2SP signed-note says that a
//!   signature from a known key MUST be verified, and the note SHOULD be
//!   rejected if one fails. Truce does so.
//! * Go decodes base64 whose padding bits are not zero; RFC 4648 (3.5)
//!   lets a decoder refuse it, and Truce does, so that a signature has one
//!   encoding.
//!
//! Where the two differ, the test checks that one of these is the reason:
//! the note with its signatures in canonical base64 and the repeated ones
//! dropped gets Go's answer from Truce.
//!
//! Needs the Go toolchain and Debian's `golang-golang-x-mod-dev`, which
//! `scripts/setup test` installs. Without them the test fails: it is not
//! skipped.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use truce_note::{KeyName, SigningKey, UnverifiedNote, VerifierSet};

const GOPATH: &str = "/usr/share/gocode";

/// A deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn key(name: &str, seed: u8) -> SigningKey {
    SigningKey::from_seed(KeyName::new(name).expect("a key name"), &[seed; 32])
}

/// Bytes worth inserting: the note's own syntax, and what breaks it.
const INSERTS: &[&[u8]] = &[
    b"\n",
    b" ",
    b"\xe2\x80\x94",
    b"\xe2\x80\x94 ",
    b"\r",
    b"\t",
    b"+",
    b"=",
    b"\xff",
    b"\x00",
    b"A",
    b"\n\n",
    b"\xe2\x80",
    b"a+1234abcd+A",
];

/// A mutation of `note`, chosen by `rng`.
fn mutate(note: &[u8], rng: &mut Rng, others: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = note.to_vec();
    let at = rng.below(bytes.len() + 1);
    match rng.below(9) {
        0 if !bytes.is_empty() => {
            let at = at.min(bytes.len() - 1);
            bytes[at] ^= 1 << rng.below(8);
        }
        1 if !bytes.is_empty() => {
            bytes.remove(at.min(bytes.len() - 1));
        }
        2 => {
            let insert = INSERTS[rng.below(INSERTS.len())];
            bytes.splice(at..at, insert.iter().copied());
        }
        3 => bytes.truncate(at),
        4 => {
            // A signature line twice, or another note's signature lines.
            let text = String::from_utf8_lossy(note);
            if let Some(line) = text.lines().next_back() {
                bytes.extend_from_slice(line.as_bytes());
                bytes.push(b'\n');
            }
        }
        5 => {
            let other = &others[rng.below(others.len())];
            if let Some(split) = other.windows(2).position(|w| w == b"\n\n") {
                bytes.extend_from_slice(&other[split + 2..]);
            }
        }
        6 => {
            // Lines swapped.
            let text = String::from_utf8_lossy(note).into_owned();
            let mut lines: Vec<&str> = text.split('\n').collect();
            let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(a, b);
            bytes = lines.join("\n").into_bytes();
        }
        7 => {
            // Another text under the same signatures.
            let other = &others[rng.below(others.len())];
            if let (Some(mine), Some(theirs)) = (
                note.windows(2).position(|w| w == b"\n\n"),
                other.windows(2).position(|w| w == b"\n\n"),
            ) {
                let mut spliced = other[..theirs].to_vec();
                spliced.extend_from_slice(&note[mine..]);
                bytes = spliced;
            }
        }
        _ => {
            // Several mutations at once.
            for _ in 0..3 {
                bytes = mutate(&bytes, rng, others);
            }
        }
    }
    bytes
}

#[test]
fn go_and_truce_agree_on_every_note() {
    assert!(
        Path::new(GOPATH).join("src/golang.org/x/mod/sumdb/note").is_dir(),
        "Go's sumdb packages are missing: run scripts/setup test \
         (apt-get install golang-go golang-golang-x-mod-dev)"
    );
    let keys = [
        key("truce.example/log", 1),
        key("monitor-1", 2),
        key("witness.example/w1", 3),
        // The same name as the first, another key (so another key ID).
        key("truce.example/log", 4),
    ];
    let texts = [
        "truce.example/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "{\"type\":\"truce.report/v1\",\"id\":\"r-1\"}\n",
        "one line\n",
        "Kharkiv — Харків\nline two\n\nafter a blank line\n",
        "\n",
    ];
    let mut valid = Vec::new();
    for (n, text) in texts.iter().enumerate() {
        let signers: Vec<&dyn truce_note::Signer> = match n % 3 {
            0 => vec![&keys[0]],
            1 => vec![&keys[1], &keys[2]],
            _ => vec![&keys[0], &keys[1], &keys[2], &keys[3]],
        };
        valid.push(truce_note::sign(text, &signers).expect("signs"));
    }
    // The keys a verifier knows: every one, or only some.
    let key_sets: Vec<Vec<&SigningKey>> =
        vec![keys.iter().collect(), vec![&keys[0]], vec![&keys[1], &keys[3]], vec![&keys[2]]];

    let mut rng = Rng(15);
    let mut cases: Vec<(usize, Vec<u8>)> = Vec::new();
    for note in &valid {
        for set in 0..key_sets.len() {
            cases.push((set, note.clone()));
        }
    }
    for _ in 0..30_000 {
        let note = &valid[rng.below(valid.len())];
        cases.push((rng.below(key_sets.len()), mutate(note, &mut rng, &valid)));
    }

    let mut input = Vec::new();
    for (set, note) in &cases {
        let vkeys: Vec<String> =
            key_sets[*set].iter().map(|k| k.verifier_key().to_string()).collect();
        writeln!(input, "{} {}", vkeys.join(","), STANDARD.encode(note)).expect("writes");
    }
    let mut go = Command::new("go")
        .arg("run")
        .arg("tests/go_differential/main.go")
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOFLAGS", "-mod=mod")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the go command runs (install golang-go)");
    let mut stdin = go.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input).expect("writes to go"));
    let output = go.wait_with_output().expect("go finishes");
    writer.join().expect("written");
    assert!(output.status.success(), "go failed: {}", String::from_utf8_lossy(&output.stderr));
    let answers: Vec<&str> = std::str::from_utf8(&output.stdout).expect("UTF-8").lines().collect();
    assert_eq!(answers.len(), cases.len(), "one answer per note");

    let (mut accepted, mut refused, mut stricter) = (0, 0, 0);
    for ((set, note), go) in cases.iter().zip(answers) {
        let mut verifiers = VerifierSet::new();
        for key in &key_sets[*set] {
            verifiers.insert(key.verifier_key());
        }
        let truce = answer(note, &verifiers);
        if truce == go {
            if go == "error" {
                refused += 1
            } else {
                accepted += 1
            }
            continue;
        }
        let first_signatures = without_repeated_signatures(note);
        assert!(
            truce == "error" && answer(&first_signatures, &verifiers) == go,
            "Truce and Go disagree on this note (keys {set}): Truce {truce}, Go {go}\n{}",
            String::from_utf8_lossy(note).escape_debug()
        );
        stricter += 1;
    }
    eprintln!(
        "{} notes: {accepted} accepted and {refused} refused by both; {stricter} refused by Truce \
         only (a failed repeated signature, or base64 with padding bits)",
        cases.len()
    );
    assert!(accepted > 100 && refused > 10_000, "{accepted} accepted, {refused} refused");
}

/// What Truce makes of `note`, in the Go program's words.
fn answer(note: &[u8], verifiers: &VerifierSet) -> String {
    match UnverifiedNote::parse(note).and_then(|n| n.verify(verifiers)) {
        Ok(verified) => {
            let names: Vec<&str> =
                verified.verified().iter().map(|s| s.key().name().as_str()).collect();
            format!("ok {} {}", STANDARD.encode(verified.text()), names.join(","))
        }
        Err(_) => "error".to_owned(),
    }
}

/// `note` as Go reads it: its signatures in canonical base64, and only
/// the first by each key (name and ID).
fn without_repeated_signatures(note: &[u8]) -> Vec<u8> {
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let Some(split) = note.windows(2).rposition(|w| w == b"\n\n") else { return note.to_vec() };
    let mut bytes = note[..split + 2].to_vec();
    let mut seen = Vec::new();
    for line in String::from_utf8_lossy(&note[split + 2..]).lines() {
        let Some((name, encoded)) = line.strip_prefix("\u{2014} ").and_then(|l| l.split_once(' '))
        else {
            return note.to_vec();
        };
        let Ok(blob) = lenient.decode(encoded) else { return note.to_vec() };
        let key = (name.to_owned(), blob.get(..4).map(<[u8]>::to_vec));
        if !seen.contains(&key) {
            bytes.extend_from_slice(
                format!("\u{2014} {name} {}\n", STANDARD.encode(&blob)).as_bytes(),
            );
            seen.push(key);
        }
    }
    bytes
}
