//! The entry types, one module each.

pub mod agreement;
pub mod assessment;
pub mod coverage;
pub mod evidence;
pub mod log_key;
pub mod report;
pub mod source;
pub mod statement;
