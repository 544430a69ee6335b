//! `amiroll doctor`'s core: everything that must hold for a rollout to work and for the gate to
//! bite, checked in two halves. [`gather`] asks GitHub (and the CLI asks AWS) for plain
//! [`Facts`]; [`diagnose`] turns facts into a [`Report`] without any I/O, so every verdict is
//! unit-tested on hand-made facts.

mod checks;
mod facts;
mod gather;
mod report;

pub use checks::{REQUIRED_PERMISSIONS, diagnose};
pub use facts::{
    ConfigFact, Facts, ProtectionFact, PullStatuses, SsmFact, TargetFact, TargetOutcome,
};
pub use gather::{DEFAULT_RECENT_PULLS, gather};
pub use report::{Finding, Report, Severity};
