//! The command line's subcommands, one file each, kept in the library so tests can drive them.

use std::process::ExitCode;

/// The exit codes amiroll's commands use; documented in README.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The command did what was asked (including "nothing to change").
    Ok = 0,
    /// Something went wrong that is not the input's fault (I/O, network, AWS, GitHub).
    Failure = 1,
    /// The input is malformed: a bad AMI id, address, flag or config file.
    BadInput = 2,
    /// The input is well-formed but amiroll refuses to act on it (the target is not a plain
    /// string literal, is missing or ambiguous, or the Terraform file does not parse).
    Refused = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

pub mod doctor;
pub mod hcl;
pub mod healthcheck;
pub mod latest_ami;
pub mod plan;
mod repo_files;
pub mod serve;
pub mod setup;
pub mod validate_config;
