//! Why a value cannot be read or rewritten. Each error carries the place in the file it is about,
//! and its message reads well after a `file:line:col: ` prefix.

use super::{Address, Location};

/// Why [`get`](super::get) or [`set`](super::set) refused. Nothing is written when one of these is
/// returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HclError {
    /// The file is not valid HCL (the location and message are the parser's), or it holds a
    /// heredoc that the parser would end on another line than Terraform does.
    #[error("cannot parse the file as HCL: {message}")]
    Parse {
        /// Where the parser stopped.
        location: Location,
        /// What the parser expected there.
        message: String,
    },
    /// Nothing in the file has this address.
    #[error("`{address}` not found: {reason}")]
    NotFound {
        /// The innermost block or object the address did reach, or the start of the file.
        location: Location,
        /// The address looked up.
        address: Address,
        /// What is missing, and where.
        reason: String,
    },
    /// The address names more than one value or block.
    #[error(
        "`{address}` is ambiguous: it matches {} places, at {}; \
         amiroll edits only an address that names exactly one value",
        candidates.len(),
        list(candidates)
    )]
    Ambiguous {
        /// The first candidate.
        location: Location,
        /// The address looked up.
        address: Address,
        /// Every candidate, in file order.
        candidates: Vec<Location>,
    },
    /// The value (or an object on the way to it) is not a literal amiroll can read or replace:
    /// a reference, an interpolation, a heredoc, a function call, a number...
    #[error("{}", not_literal(address, resolved, found))]
    NotLiteral {
        /// Where the offending expression starts.
        location: Location,
        /// The address looked up.
        address: Address,
        /// The part of the address that names the offending expression: the whole address when
        /// the value itself is not a string literal, a prefix when an enclosing value is not an
        /// object literal.
        resolved: Address,
        /// What was found, e.g. ``a reference (`var.ami`)``.
        found: String,
    },
}

impl HclError {
    /// Where in the file the error is, for a `file:line:col: message` report.
    pub fn location(&self) -> Location {
        match self {
            HclError::Parse { location, .. }
            | HclError::NotFound { location, .. }
            | HclError::Ambiguous { location, .. }
            | HclError::NotLiteral { location, .. } => *location,
        }
    }
}

fn list(candidates: &[Location]) -> String {
    candidates
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn not_literal(address: &Address, resolved: &Address, found: &str) -> String {
    if address == resolved {
        format!(
            "`{address}` is {found}, not a plain string literal; \
             amiroll only replaces a value written like \"ami-0123456789abcdef0\""
        )
    } else {
        format!(
            "`{resolved}` is {found}, not an object literal, so `{address}` cannot be looked up in it"
        )
    }
}
