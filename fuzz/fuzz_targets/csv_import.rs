//! CSV imports (`truce import acled|ucdp`): any file is read row by row or
//! refused, never panics, and every row that becomes a report is a valid
//! `truce.report/v1`. The first byte chooses the layout: even ACLED, odd
//! UCDP.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_entry::Entry;
use truce_interop::{AcledMapping, ImportOptions, Mapped, Outcome, UcdpMapping, acled, ucdp};

fn check(mapped: Mapped) {
    if let Outcome::Report { entry, .. } = mapped.outcome
        && let Err(problems) = Entry::from_value(&entry)
    {
        panic!("line {}: an invalid report: {problems}\n{entry}", mapped.line);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&layout, csv)) = data.split_first() else { return };
    let options = ImportOptions { time_zone: jiff::tz::TimeZone::UTC, parties: None };
    if layout % 2 == 0 {
        let mapping = AcledMapping::bundled();
        if let Ok(rows) = acled::Reader::new(csv, &mapping, &options) {
            rows.for_each(check);
        }
    } else {
        let mapping = UcdpMapping::bundled();
        if let Ok(rows) = ucdp::Reader::new(csv, &mapping, &options) {
            rows.for_each(check);
        }
    }
});
