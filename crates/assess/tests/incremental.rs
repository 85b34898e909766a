//! The incremental assessment agrees with the full one: after each entry
//! appended, or each batch of entries, [`Assessor::findings`] equals
//! [`assess`] of the same prefix.

use truce_assess::{Agreements, Assessor, Log, LogEntry, Params, SourceInfo, assess};
use truce_sim::{Options, Simulation};

fn simulated(seed: u64, reports: u64, days: u32) -> Vec<LogEntry> {
    let options = Options { seed, reports, days, ..Options::default() };
    Simulation::new(options)
        .expect("a valid origin")
        .map(|e| LogEntry { index: e.index, source: e.source, entry: e.entry })
        .collect()
}

/// Appends `entries` one by one to an assessor started on the first
/// `start`; every `every` entries (and at the end), compares with a full
/// assessment of the prefix.
fn check(entries: &[LogEntry], start: usize, every: usize) {
    let sources = SourceInfo::registered(entries);
    let prefix = Log::new(entries[..start].to_vec(), sources.clone());
    let mut assessor =
        Assessor::new(prefix, Agreements::All, Params::default()).expect("assesses the prefix");
    for (n, entry) in entries.iter().enumerate().skip(start) {
        assessor.append(entry.clone()).expect("appends");
        if (n + 1) % every == 0 || n + 1 == entries.len() {
            compare(&assessor, &entries[..=n], &sources);
        }
    }
}

/// Asserts that `assessor`'s findings are those of a full assessment of
/// `prefix`.
fn compare(
    assessor: &Assessor,
    prefix: &[LogEntry],
    sources: &std::collections::BTreeMap<truce_entry::Identifier, SourceInfo>,
) {
    let last = prefix.last().map_or(0, |e| e.index);
    let log = Log::new(prefix.to_vec(), sources.clone());
    let full = assess(&log, &assessor.agreements(), &Params::default()).expect("assesses");
    let incremental = assessor.findings();
    assert_eq!(
        incremental.incidents.len(),
        full.incidents.len(),
        "incident count after entry {last}"
    );
    for (a, b) in incremental.incidents.iter().zip(&full.incidents) {
        assert_eq!(a, b, "after entry {last}");
    }
    assert_eq!(incremental, full, "after entry {last}");
}

#[test]
fn in_batches_of_many_sizes() {
    // Batches of 1 to 97 entries, each regrouping what it touched once.
    let entries = simulated(11, 1_500, 2);
    let sources = SourceInfo::registered(&entries);
    let start = entries.len() / 5;
    let prefix = Log::new(entries[..start].to_vec(), sources.clone());
    let mut assessor =
        Assessor::new(prefix, Agreements::All, Params::default()).expect("assesses the prefix");
    let (mut at, mut size) = (start, 1);
    while at < entries.len() {
        let end = (at + size).min(entries.len());
        assessor.extend(entries[at..end].iter().cloned()).expect("appends");
        compare(&assessor, &entries[..end], &sources);
        (at, size) = (end, size * 7 % 97 + 1);
    }
}

#[test]
fn a_batch_with_a_refused_entry_keeps_those_before_it() {
    let entries = simulated(12, 200, 1);
    let sources = SourceInfo::registered(&entries);
    let half = entries.len() / 2;
    let prefix = Log::new(entries[..half].to_vec(), sources.clone());
    let mut assessor =
        Assessor::new(prefix, Agreements::All, Params::default()).expect("assesses the prefix");
    // Ten entries, then one already in the log, then the rest.
    let mut batch = entries[half..half + 10].to_vec();
    batch.push(entries[3].clone());
    batch.extend(entries[half + 10..].iter().cloned());
    let err = assessor.extend(batch).expect_err("an earlier index");
    assert!(err.to_string().contains("cannot follow"), "{err}");
    assert_eq!(assessor.log().size(), entries[half + 9].index + 1);
    compare(&assessor, &entries[..half + 10], &sources);
}

#[test]
fn entry_by_entry_from_an_empty_log() {
    // Dense: a day of strikes, so that reports merge, analysts link and
    // unlink, corrections move reports between incidents.
    let entries = simulated(1, 400, 1);
    check(&entries, 0, 1);
}

#[test]
fn over_weeks_with_every_kind_of_entry() {
    for seed in 2..5 {
        let entries = simulated(seed, 1_500, 7);
        check(&entries, entries.len() / 3, 25);
    }
}

#[test]
fn out_of_order_entries_are_refused_and_change_nothing() {
    let entries = simulated(9, 50, 1);
    let sources = SourceInfo::registered(&entries);
    let mut assessor =
        Assessor::new(Log::new(entries.clone(), sources), Agreements::All, Params::default())
            .expect("assesses");
    let before = assessor.findings();
    let err = assessor.append(entries[10].clone()).expect_err("an earlier index");
    assert!(err.to_string().contains("cannot follow"), "{err}");
    assert_eq!(assessor.findings(), before);
}
