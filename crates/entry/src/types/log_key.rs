//! `truce.log-key/v1`: the operator's announcement that the log's key
//! changes.

use crate::check::{Checker, Rules};
use crate::common::{LogIndex, Prose, Text, VerifierKeyText};
use crate::record;

record! {
    /// The log's key changes: from `from_size` on, checkpoints are signed
    /// by `key` instead of `previous`. Signed by the operator.
    ///
    /// The log appends it alone, as the last entry of the transition
    /// checkpoint that `previous` and `key` both sign (see `truce-log`'s
    /// `LogKeys`), so `from_size` is the entry's own index plus one. The
    /// entry keeps the rotation in the log for every auditor; the
    /// checkpoint lets witnesses and clients follow it.
    pub struct LogKey {
        /// The log's origin: the name of both keys.
        pub origin: Text<256>,
        /// The key being retired.
        pub previous: VerifierKeyText,
        /// The key that signs from `from_size` on.
        pub key: VerifierKeyText,
        /// The size of the transition checkpoint.
        pub from_size: LogIndex,
        /// Why the key changes, for the record.
        pub note: Option<Prose<2000>>,
    }
}

impl Rules for LogKey {
    fn check_rules(&self, at: &mut Checker) {
        if self.key.0 == self.previous.0 {
            at.problem_at("key", "must differ from previous");
        }
        for (member, key) in [("previous", &self.previous), ("key", &self.key)] {
            if key.0.name().as_str() != self.origin.as_str() {
                at.problem_at(member, "must be named for the log's origin");
            }
            if key.0.algorithm() != truce_note::Algorithm::Ed25519 {
                at.problem_at(member, "must be an Ed25519 signing key");
            }
        }
    }
}
